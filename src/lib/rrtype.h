/* SPDX-License-Identifier: MIT */
/*
 * RR types and classes: one table describes every type in the IANA
 * registry. The layout of a type's RDATA is a list of field kinds that
 * drives wire validation, decompression, compression on write, canonical
 * form, printing and parsing (src/lib/rdata.c, src/lib/rdata_text.c).
 *
 * A type that is not in the table (or is marked OD_RRT_OPAQUE) is handled
 * as opaque bytes in the RFC 3597 generic form: a type registered
 * tomorrow can never make a message or zone fail to load.
 */
#ifndef OD_RRTYPE_H
#define OD_RRTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Types used by name in the code. */
enum {
	OD_TYPE_A = 1,
	OD_TYPE_NS = 2,
	OD_TYPE_CNAME = 5,
	OD_TYPE_SOA = 6,
	OD_TYPE_NULL = 10,
	OD_TYPE_PTR = 12,
	OD_TYPE_HINFO = 13,
	OD_TYPE_MX = 15,
	OD_TYPE_TXT = 16,
	OD_TYPE_AAAA = 28,
	OD_TYPE_LOC = 29,
	OD_TYPE_SRV = 33,
	OD_TYPE_NAPTR = 35,
	OD_TYPE_DNAME = 39,
	OD_TYPE_OPT = 41,
	OD_TYPE_APL = 42,
	OD_TYPE_DS = 43,
	OD_TYPE_RRSIG = 46,
	OD_TYPE_NSEC = 47,
	OD_TYPE_DNSKEY = 48,
	OD_TYPE_NSEC3 = 50,
	OD_TYPE_NSEC3PARAM = 51,
	OD_TYPE_CDS = 59,
	OD_TYPE_CDNSKEY = 60,
	OD_TYPE_ZONEMD = 63,
	OD_TYPE_SVCB = 64,
	OD_TYPE_HTTPS = 65,
	OD_TYPE_TKEY = 249,
	OD_TYPE_TSIG = 250,
	OD_TYPE_IXFR = 251,
	OD_TYPE_AXFR = 252,
	OD_TYPE_ANY = 255,
	OD_TYPE_CAA = 257,
};

enum {
	OD_CLASS_IN = 1,
	OD_CLASS_CH = 3,
	OD_CLASS_HS = 4,
	OD_CLASS_NONE = 254,
	OD_CLASS_ANY = 255,
};

/*
 * RDATA field kinds. Fixed-size fields first; "tail" kinds take the rest
 * of the RDATA and must be last.
 */
typedef enum od_rdf {
	OD_F_END = 0, /*!< end of the layout */
	OD_F_U8,      /*!< 8-bit unsigned, decimal */
	OD_F_U16,     /*!< 16-bit unsigned, decimal */
	OD_F_U32,     /*!< 32-bit unsigned, decimal */
	OD_F_TTL,     /*!< 32-bit unsigned like a TTL: decimal, or with units
	                   (1h30m) on input; plain decimal on output (SOA) */
	OD_F_U48,     /*!< 48-bit unsigned, decimal (TSIG time signed) */
	OD_F_U64,     /*!< 64-bit unsigned, decimal */
	OD_F_TYPE,    /*!< 16-bit RR type, as mnemonic (RRSIG covered type) */
	OD_F_TIME,    /*!< 32-bit time, YYYYMMDDHHmmSS (RFC 4034 §3.2) */
	OD_F_A,       /*!< IPv4 address, 4 octets */
	OD_F_AAAA,    /*!< IPv6 address, 16 octets */
	OD_F_EUI48,   /*!< 6 octets, xx-xx-xx-xx-xx-xx (RFC 7043) */
	OD_F_EUI64,   /*!< 8 octets, xx-xx-...-xx (RFC 7043) */
	OD_F_ILNP64,  /*!< 8 octets, four 16-bit hex groups (RFC 6742) */
	OD_F_NAME_C,  /*!< name, compressed on write, lower-cased canonically */
	OD_F_NAME_L,  /*!< name, never compressed, lower-cased canonically */
	OD_F_NAME,    /*!< name, never compressed, case kept canonically */
	OD_F_STR,     /*!< one <character-string> (length octet + data) */
	OD_F_CAATAG,  /*!< CAA tag: length octet + letters/digits, unquoted */
	OD_F_SALT,    /*!< length octet + hex, "-" when empty (NSEC3) */
	OD_F_B32HEX,  /*!< length octet + base32hex (NSEC3 next owner) */
	OD_F_B64_U16, /*!< 16-bit length + base64 (TSIG MAC, other data) */
	OD_F_HEX_U16, /*!< 16-bit length + hex (TKEY key data, other) */
	OD_F_IPSECKEY_GW, /*!< IPSECKEY gateway, form set by the type field */
	/* tails: consume the rest of the RDATA */
	OD_F_STRS,     /*!< one or more <character-string>s (TXT) */
	OD_F_TAILSTR,  /*!< rest as one quoted string, no length (URI, CAA) */
	OD_F_B64,      /*!< rest as base64 (may contain spaces in text) */
	OD_F_B64_DASH, /*!< rest as base64, "-" when empty (DOA) */
	OD_F_HEX,      /*!< rest as hex (may contain spaces in text) */
	OD_F_HEX_DASH, /*!< rest as hex, "-" when empty */
	OD_F_BITMAP, /*!< NSEC-style windowed type bitmap (RFC 4034 §4.1.2) */
	OD_F_SVCPARAMS, /*!< SVCB/HTTPS SvcParams (RFC 9460) */
	OD_F_WKS,       /*!< WKS port bitmap (RFC 1035 §3.4.2) */
	OD_F_NXT,       /*!< NXT type bitmap (RFC 2535 §5.2) */
	OD_F_APL,       /*!< APL items (RFC 3123) */
	OD_F_NSAP,      /*!< NSAP address, "0x" + hex (RFC 1706) */
	/* whole-RDATA kinds: the layout has only this field */
	OD_F_LOC,      /*!< LOC (RFC 1876) */
	OD_F_ATMA,     /*!< ATMA (ATM Forum AF-DANS-0152) */
	OD_F_A6,       /*!< A6 (RFC 2874) */
	OD_F_HIP,      /*!< HIP (RFC 8005) */
	OD_F_AMTRELAY, /*!< AMTRELAY (RFC 8777) */
	/* marker: the fields after it may be absent (ISDN subaddress) */
	OD_F_OPTIONAL,
} od_rdf_t;

#define OD_RDF_MAX 12

/* Type flags */
enum {
	OD_RRT_OPAQUE = 1 << 0, /*!< no layout: RDATA only in generic form */
	OD_RRT_META = 1 << 1,  /*!< meta-type (OPT, TSIG, TKEY): not in zones */
	OD_RRT_QTYPE = 1 << 2, /*!< question-only type (AXFR, ANY, ...) */
	OD_RRT_OBSOLETE = 1 << 3, /*!< obsolete or deprecated */
	OD_RRT_DNSSEC = 1 << 4,   /*!< DNSSEC type (RRSIG, NSEC, ...) */
	OD_RRT_SINGLETON =
	        1 << 5, /*!< at most one record per RRset (CNAME, SOA, DNAME) */
};

typedef struct od_rrtype_desc {
	uint16_t type;
	uint16_t flags;
	const char *name;           /*!< mnemonic */
	uint8_t fields[OD_RDF_MAX]; /*!< od_rdf_t layout, OD_F_END-terminated */
	const char *note;           /*!< why a type is opaque, or NULL */
} od_rrtype_desc_t;

/*! Descriptor of a type, or NULL when the registry does not have it. */
const od_rrtype_desc_t *od_rrtype_get(uint16_t type);

/*! Visit the whole table in type order: i from 0 while it returns non-NULL. */
const od_rrtype_desc_t *od_rrtype_at(size_t i);

/*!
 * Mnemonic or TYPEnnn form of a type into buf (NUL-terminated).
 * \return the length, or OD_ESPACE (buf of 16 bytes always suffices).
 */
int od_rrtype_to_str(uint16_t type, char *buf, size_t len);

/*!
 * Parse a mnemonic (case-insensitive) or TYPEnnn (0-65535).
 * \return 0 and *type set, or OD_ETYPE.
 */
int od_rrtype_from_str(const char *s, size_t len, uint16_t *type);

/*! Class mnemonic (IN, CH, HS, NONE, ANY) or CLASSnnn. As od_rrtype_to_str. */
int od_class_to_str(uint16_t rclass, char *buf, size_t len);
/*! Parse a class mnemonic or CLASSnnn. \return 0 or OD_ECLASS. */
int od_class_from_str(const char *s, size_t len, uint16_t *rclass);

/*! True when RDATA names of this type are lower-cased in canonical form. */
bool od_rrtype_canon_lower(uint16_t type);

#endif
