/* SPDX-License-Identifier: MIT */
/*
 * EDNS(0) (RFC 6891): the OPT pseudo-record and its options.
 *
 * od_edns_t is the decoded OPT record: UDP payload size (the CLASS
 * field), the upper 8 bits of the extended RCODE, version and flags (the
 * TTL field), and the options in wire order. Options unknown to
 * libonedot are kept as opaque bytes, so a message can be re-built with
 * exactly the options it carried.
 *
 * Typed helpers parse and build the options libonedot understands:
 * COOKIE (RFC 7873), PADDING (RFC 7830), Extended DNS Errors (RFC 8914),
 * edns-key-tag (RFC 8145), client subnet (RFC 7871), EXPIRE (RFC 7314)
 * and TCP keepalive (RFC 7828). The packet parser checks only the framing
 * of the options; a typed parser says whether one option is well formed,
 * so that a server can answer FORMERR (or ignore the option) by policy.
 */
#ifndef OD_EDNS_H
#define OD_EDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mm.h"
#include "lib/rr.h"
#include "lib/wire.h"

/*! DO bit in od_edns_t.flags (RFC 3225). */
#define OD_EDNS_DO 0x8000
/*! Fixed size of an OPT record with no options: root, type, class, TTL, RDLENGTH. */
#define OD_EDNS_MINLEN 11
/*! Smallest UDP payload size honoured (RFC 6891 §6.2.3: lower means 512). */
#define OD_EDNS_MIN_UDP 512

/* Option codes (IANA "DNS EDNS0 Option Codes (OPT)"). */
enum {
	OD_EDNS_LLQ = 1,
	OD_EDNS_UL = 2,
	OD_EDNS_NSID = 3,
	OD_EDNS_DAU = 5,
	OD_EDNS_DHU = 6,
	OD_EDNS_N3U = 7,
	OD_EDNS_ECS = 8,
	OD_EDNS_EXPIRE = 9,
	OD_EDNS_COOKIE = 10,
	OD_EDNS_KEEPALIVE = 11,
	OD_EDNS_PADDING = 12,
	OD_EDNS_CHAIN = 13,
	OD_EDNS_KEYTAG = 14,
	OD_EDNS_EDE = 15,
	OD_EDNS_CLIENT_TAG = 16,
	OD_EDNS_SERVER_TAG = 17,
	OD_EDNS_REPORT_CHANNEL = 18,
	OD_EDNS_ZONEVERSION = 19,
};

typedef struct od_edns_opt {
	uint16_t code;
	uint16_t len;
	bool owned;          /*!< data was copied by od_edns_add into the mm */
	const uint8_t *data; /*!< len bytes; owned only when `owned` */
} od_edns_opt_t;

typedef struct od_edns {
	uint16_t udp_size; /*!< requestor's UDP payload size, as sent */
	uint8_t ext_rcode; /*!< upper 8 bits of the 12-bit RCODE */
	uint8_t version;
	uint16_t flags;      /*!< OD_EDNS_DO and the other (MBZ) bits */
	uint16_t nopts;      /*!< options in opts[] */
	uint16_t cap;        /*!< room in opts[] */
	od_edns_opt_t *opts; /*!< owned (mm given to parse/add): in wire order */
} od_edns_t;

/*! An OPT with version 0, no flags, no options, this UDP size. */
void od_edns_init(od_edns_t *e, uint16_t udp_size);

/*!
 * Decode an OPT record. The options' data point into opt->rdata, which
 * must outlive e; the options array comes from mm. Only the framing is
 * checked (every option's length inside the RDATA), not the content.
 * The owner and placement of the record are the packet parser's concern.
 * \return 0, OD_EOPT (option overruns the RDATA, or not an OPT),
 *         OD_ENOMEM. e is written only on success.
 */
int od_edns_parse(od_edns_t *e, const od_rr_t *opt, od_mm_t *mm);

/*!
 * Free what e owns (the options array and data copied by od_edns_add)
 * with the mm they came from, and leave e with no options.
 */
void od_edns_clear(od_edns_t *e, od_mm_t *mm);

/*!
 * Append an option; data (len bytes, may be NULL when len is 0) is
 * copied into mm.
 * \return 0, OD_ENOMEM, or OD_ELIMIT (the OPT RDATA would exceed 65535).
 */
int od_edns_add(od_edns_t *e, od_mm_t *mm, uint16_t code, const void *data,
                uint16_t len);

/*! First option with this code, or NULL. */
const od_edns_opt_t *od_edns_find(const od_edns_t *e, uint16_t code);

/*! Remove every option with this code (keeps the order of the rest). */
void od_edns_remove(od_edns_t *e, od_mm_t *mm, uint16_t code);

static inline bool od_edns_do(const od_edns_t *e)
{
	return (e->flags & OD_EDNS_DO) != 0;
}

/*! Length of the OPT RDATA (all options with their 4-byte headers). */
size_t od_edns_rdata_len(const od_edns_t *e);

/*! Wire size of the whole OPT record. */
static inline size_t od_edns_wire_len(const od_edns_t *e)
{
	return OD_EDNS_MINLEN + od_edns_rdata_len(e);
}

/*!
 * Write the whole OPT record (root owner, never compressed).
 * \return 0 or the writer's error (OD_ESPACE, OD_ELIMIT).
 */
int od_edns_write(const od_edns_t *e, od_wr_t *w);

/*!
 * As od_edns_write, with a PADDING option of pad zero octets appended
 * after e's options (pad < 0: no option; the record is then exactly
 * od_edns_write's).
 */
int od_edns_write_padded(const od_edns_t *e, int pad, od_wr_t *w);

/*! Mnemonic of an option code (as dig prints it), or NULL when unknown. */
const char *od_edns_opt_name(uint16_t code);

/*
 * COOKIE (RFC 7873 §4): an 8-byte client cookie, optionally followed by
 * an 8 to 32-byte server cookie. Any other length is malformed.
 */
#define OD_COOKIE_CLIENT_LEN 8
#define OD_COOKIE_SERVER_MIN 8
#define OD_COOKIE_SERVER_MAX 32

typedef struct od_edns_cookie {
	uint8_t client[OD_COOKIE_CLIENT_LEN];
	uint8_t server[OD_COOKIE_SERVER_MAX];
	uint8_t server_len; /*!< 0 (client only) or 8..32 */
} od_edns_cookie_t;

/*! \return 0 or OD_EMALF (bad length). out is written only on success. */
int od_edns_cookie_parse(const od_edns_opt_t *o, od_edns_cookie_t *out);
/*! \return 0, OD_EINVAL (bad server_len), OD_ENOMEM, OD_ELIMIT. */
int od_edns_add_cookie(od_edns_t *e, od_mm_t *mm, const od_edns_cookie_t *c);

/*
 * PADDING (RFC 7830): any number of octets, sent as zeros, accepted with
 * any value.
 */
/*! Add a PADDING option of len zero octets. As od_edns_add. */
int od_edns_add_padding(od_edns_t *e, od_mm_t *mm, uint16_t len);

/*!
 * Padding length that brings a message of msg_len bytes (which already
 * counts the OPT record without the PADDING option) to a multiple of
 * block once the 4-byte option header and the padding are added (RFC
 * 8467: block 128 for queries, 468 for responses). The result is then
 * capped so the message stays within max bytes; 0 when even the option
 * header does not fit.
 */
uint16_t od_edns_padding_len(size_t msg_len, size_t block, size_t max);

/*
 * Extended DNS Errors (RFC 8914): a 16-bit INFO-CODE and optional
 * EXTRA-TEXT (UTF-8, not NUL-terminated, not checked here).
 */
enum {
	OD_EDE_OTHER = 0,
	OD_EDE_DNSKEY_ALG = 1,
	OD_EDE_DS_DIGEST = 2,
	OD_EDE_STALE = 3,
	OD_EDE_FORGED = 4,
	OD_EDE_INDETERMINATE = 5,
	OD_EDE_BOGUS = 6,
	OD_EDE_SIG_EXPIRED = 7,
	OD_EDE_SIG_NOT_YET = 8,
	OD_EDE_DNSKEY_MISSING = 9,
	OD_EDE_RRSIGS_MISSING = 10,
	OD_EDE_NO_ZONE_KEY = 11,
	OD_EDE_NSEC_MISSING = 12,
	OD_EDE_CACHED_ERROR = 13,
	OD_EDE_NOT_READY = 14,
	OD_EDE_BLOCKED = 15,
	OD_EDE_CENSORED = 16,
	OD_EDE_FILTERED = 17,
	OD_EDE_PROHIBITED = 18,
	OD_EDE_STALE_NXDOMAIN = 19,
	OD_EDE_NOT_AUTH = 20,
	OD_EDE_NOT_SUPPORTED = 21,
	OD_EDE_NO_REACHABLE_AUTH = 22,
	OD_EDE_NETWORK = 23,
	OD_EDE_INVALID_DATA = 24,
	OD_EDE_SIG_EXPIRED_BEFORE_VALID = 25,
	OD_EDE_TOO_EARLY = 26,
	OD_EDE_NSEC3_ITERS = 27,
	OD_EDE_POLICY = 28,
	OD_EDE_SYNTHESIZED = 29,
	OD_EDE_INVALID_QTYPE = 30,
};

typedef struct od_edns_ede {
	uint16_t code;
	uint16_t text_len;
	const char *text; /*!< points into the option data (not owned) */
} od_edns_ede_t;

/*! \return 0 or OD_EMALF (shorter than 2 octets). */
int od_edns_ede_parse(const od_edns_opt_t *o, od_edns_ede_t *out);
/*! text may be NULL. As od_edns_add. */
int od_edns_add_ede(od_edns_t *e, od_mm_t *mm, uint16_t code, const char *text,
                    size_t text_len);
/*! Registered name of an INFO-CODE ("Stale Answer"), or NULL. */
const char *od_ede_name(uint16_t code);

/*
 * edns-key-tag (RFC 8145 §4): a non-empty list of 16-bit key tags.
 */
/*!
 * Copy up to cap tags into tags (tags may be NULL with cap 0 to count).
 * \return the number of tags in the option, or OD_EMALF (empty or odd
 *         length).
 */
int od_edns_keytag_parse(const od_edns_opt_t *o, uint16_t *tags, size_t cap);
/*! n must be 1..32767. As od_edns_add, or OD_EINVAL. */
int od_edns_add_keytag(od_edns_t *e, od_mm_t *mm, const uint16_t *tags,
                       size_t n);

/*
 * Client subnet (RFC 7871 §6): family (1 IPv4, 2 IPv6), source and scope
 * prefix lengths, and the address truncated to the source prefix.
 */
typedef struct od_edns_ecs {
	uint16_t family;
	uint8_t source;   /*!< SOURCE PREFIX-LENGTH */
	uint8_t scope;    /*!< SCOPE PREFIX-LENGTH */
	uint8_t addr[16]; /*!< address, bits past `source` zero */
} od_edns_ecs_t;

/*!
 * Parse and validate: known family, prefixes within the address size,
 * ADDRESS exactly ceil(source/8) octets with the bits past the prefix
 * zero.
 * \return 0, OD_EMALF, or OD_ENOTSUP (unknown family).
 */
int od_edns_ecs_parse(const od_edns_opt_t *o, od_edns_ecs_t *out);
/*!
 * Add the option, truncating addr to source bits (the caller's address
 * may carry more). \return as od_edns_add, or OD_EINVAL for a bad family
 * or prefix.
 */
int od_edns_add_ecs(od_edns_t *e, od_mm_t *mm, const od_edns_ecs_t *ecs);

/*! EXPIRE (RFC 7314): empty in queries, 4 octets in responses. */
/*! \return 0 with *present false (empty) or true and *expire set; OD_EMALF. */
int od_edns_expire_parse(const od_edns_opt_t *o, bool *present,
                         uint32_t *expire);

/*! TCP keepalive (RFC 7828): empty, or a 16-bit timeout in 100 ms units. */
/*! \return as od_edns_expire_parse. */
int od_edns_keepalive_parse(const od_edns_opt_t *o, bool *present,
                            uint16_t *timeout);

/*!
 * One option in the dig style, without the leading "; " and newline:
 * "COOKIE: <hex>", "EDE: 18 (Prohibited): (text)",
 * "CLIENT-SUBNET: 192.0.2.0/24/0", "PAD: (12 bytes)",
 * "KEY-TAG: 20326, 38696", "NSID: 6e 73 (\"ns\")",
 * "OPT=65001: 01 02 (\"..\")" (unknown: hex, then the printable text).
 * An option whose content is malformed is printed as its name and hex
 * followed by " (malformed)".
 * \return the string length, or OD_ESPACE.
 */
int od_edns_opt_to_str(const od_edns_opt_t *o, char *out, size_t outcap);

#endif
