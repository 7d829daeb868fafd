/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/rrtype.h"

/* Flag shorthands, to keep the table readable. */
#define OPQ OD_RRT_OPAQUE
#define MET OD_RRT_META
#define QTY OD_RRT_QTYPE
#define OBS OD_RRT_OBSOLETE
#define SEC OD_RRT_DNSSEC
#define ONE OD_RRT_SINGLETON

/* Layout shorthands. */
#define L(...)                                                                 \
	{                                                                      \
		__VA_ARGS__                                                    \
	}
#define DS_LAYOUT L(OD_F_U16, OD_F_U8, OD_F_U8, OD_F_HEX)
#define KEY_LAYOUT L(OD_F_U16, OD_F_U8, OD_F_U8, OD_F_B64)
#define SIG_LAYOUT                                                             \
	L(OD_F_TYPE, OD_F_U8, OD_F_U8, OD_F_U32, OD_F_TIME, OD_F_TIME,         \
	  OD_F_U16, OD_F_NAME_L, OD_F_B64)
#define TLSA_LAYOUT L(OD_F_U8, OD_F_U8, OD_F_U8, OD_F_HEX)
#define SVCB_LAYOUT L(OD_F_U16, OD_F_NAME, OD_F_SVCPARAMS)

/*
 * Every type of the IANA RR TYPE registry, in type order (binary search
 * relies on it). Name kinds follow RFC 3597 §4 (compression only for the
 * RFC 1035 types) and RFC 4034 §6.2 as corrected by RFC 6840 §5.1
 * (lower-casing: NS MD MF CNAME SOA MB MG MR PTR MINFO MX RP AFSDB RT SIG
 * PX NXT NAPTR KX SRV DNAME A6 RRSIG; not NSEC).
 */
static const od_rrtype_desc_t table[] = {
	{ 1, 0, "A", L(OD_F_A), NULL },
	{ 2, 0, "NS", L(OD_F_NAME_C), NULL },
	{ 3, OBS, "MD", L(OD_F_NAME_C), NULL },
	{ 4, OBS, "MF", L(OD_F_NAME_C), NULL },
	{ 5, ONE, "CNAME", L(OD_F_NAME_C), NULL },
	{ 6, ONE, "SOA",
	  L(OD_F_NAME_C, OD_F_NAME_C, OD_F_U32, OD_F_TTL, OD_F_TTL, OD_F_TTL,
	    OD_F_TTL),
	  NULL },
	{ 7, 0, "MB", L(OD_F_NAME_C), NULL },
	{ 8, 0, "MG", L(OD_F_NAME_C), NULL },
	{ 9, 0, "MR", L(OD_F_NAME_C), NULL },
	{ 10, OPQ, "NULL", L(0),
	  "RFC 1035 §3.3.10: anything up to 65535 octets, no text form" },
	{ 11, 0, "WKS", L(OD_F_A, OD_F_U8, OD_F_WKS), NULL },
	{ 12, 0, "PTR", L(OD_F_NAME_C), NULL },
	{ 13, 0, "HINFO", L(OD_F_STR, OD_F_STR), NULL },
	{ 14, 0, "MINFO", L(OD_F_NAME_C, OD_F_NAME_C), NULL },
	{ 15, 0, "MX", L(OD_F_U16, OD_F_NAME_C), NULL },
	{ 16, 0, "TXT", L(OD_F_STRS), NULL },
	{ 17, 0, "RP", L(OD_F_NAME_L, OD_F_NAME_L), NULL },
	{ 18, 0, "AFSDB", L(OD_F_U16, OD_F_NAME_L), NULL },
	{ 19, 0, "X25", L(OD_F_STR), NULL },
	{ 20, 0, "ISDN", L(OD_F_STR, OD_F_OPTIONAL, OD_F_STR), NULL },
	{ 21, 0, "RT", L(OD_F_U16, OD_F_NAME_L), NULL },
	{ 22, OBS, "NSAP", L(OD_F_NSAP), NULL },
	{ 23, OBS, "NSAP-PTR", L(OD_F_NAME), NULL },
	{ 24, SEC, "SIG", SIG_LAYOUT, NULL },
	{ 25, SEC, "KEY", KEY_LAYOUT, NULL },
	{ 26, 0, "PX", L(OD_F_U16, OD_F_NAME_L, OD_F_NAME_L), NULL },
	{ 27, 0, "GPOS", L(OD_F_STR, OD_F_STR, OD_F_STR), NULL },
	{ 28, 0, "AAAA", L(OD_F_AAAA), NULL },
	{ 29, 0, "LOC", L(OD_F_LOC), NULL },
	{ 30, OBS | SEC, "NXT", L(OD_F_NAME_L, OD_F_NXT), NULL },
	{ 31, 0, "EID", L(OD_F_HEX), NULL },
	{ 32, 0, "NIMLOC", L(OD_F_HEX), NULL },
	{ 33, 0, "SRV", L(OD_F_U16, OD_F_U16, OD_F_U16, OD_F_NAME_L), NULL },
	{ 34, 0, "ATMA", L(OD_F_ATMA), NULL },
	{ 35, 0, "NAPTR",
	  L(OD_F_U16, OD_F_U16, OD_F_STR, OD_F_STR, OD_F_STR, OD_F_NAME_L),
	  NULL },
	{ 36, 0, "KX", L(OD_F_U16, OD_F_NAME_L), NULL },
	{ 37, 0, "CERT", L(OD_F_U16, OD_F_U16, OD_F_U8, OD_F_B64), NULL },
	{ 38, OBS, "A6", L(OD_F_A6), NULL },
	{ 39, ONE, "DNAME", L(OD_F_NAME_L), NULL },
	{ 40, 0, "SINK", L(OD_F_U8, OD_F_U8, OD_F_B64), NULL },
	{ 41, OPQ | MET, "OPT", L(0),
	  "RFC 6891 pseudo-RR: lives only in messages, no text form" },
	{ 42, 0, "APL", L(OD_F_APL), NULL },
	{ 43, SEC, "DS", DS_LAYOUT, NULL },
	{ 44, 0, "SSHFP", L(OD_F_U8, OD_F_U8, OD_F_HEX), NULL },
	{ 45, 0, "IPSECKEY",
	  L(OD_F_U8, OD_F_U8, OD_F_U8, OD_F_IPSECKEY_GW, OD_F_B64), NULL },
	{ 46, SEC, "RRSIG", SIG_LAYOUT, NULL },
	{ 47, SEC, "NSEC", L(OD_F_NAME, OD_F_BITMAP), NULL },
	{ 48, SEC, "DNSKEY", KEY_LAYOUT, NULL },
	{ 49, 0, "DHCID", L(OD_F_B64), NULL },
	{ 50, SEC, "NSEC3",
	  L(OD_F_U8, OD_F_U8, OD_F_U16, OD_F_SALT, OD_F_B32HEX, OD_F_BITMAP),
	  NULL },
	{ 51, SEC, "NSEC3PARAM", L(OD_F_U8, OD_F_U8, OD_F_U16, OD_F_SALT),
	  NULL },
	{ 52, 0, "TLSA", TLSA_LAYOUT, NULL },
	{ 53, 0, "SMIMEA", TLSA_LAYOUT, NULL },
	{ 55, 0, "HIP", L(OD_F_HIP), NULL },
	{ 56, 0, "NINFO", L(OD_F_STRS), NULL },
	{ 57, 0, "RKEY", KEY_LAYOUT, NULL },
	{ 58, 0, "TALINK", L(OD_F_NAME, OD_F_NAME), NULL },
	{ 59, SEC, "CDS", DS_LAYOUT, NULL },
	{ 60, SEC, "CDNSKEY", KEY_LAYOUT, NULL },
	{ 61, 0, "OPENPGPKEY", L(OD_F_B64), NULL },
	{ 62, 0, "CSYNC", L(OD_F_U32, OD_F_U16, OD_F_BITMAP), NULL },
	{ 63, 0, "ZONEMD", L(OD_F_U32, OD_F_U8, OD_F_U8, OD_F_HEX), NULL },
	{ 64, 0, "SVCB", SVCB_LAYOUT, NULL },
	{ 65, 0, "HTTPS", SVCB_LAYOUT, NULL },
	/* RFC 9859 */
	{ 66, 0, "DSYNC", L(OD_F_TYPE, OD_F_U8, OD_F_U16, OD_F_NAME), NULL },
	/* RFC 9886: opaque CBOR objects, presented in base64 */
	{ 67, 0, "HHIT", L(OD_F_B64), NULL },
	{ 68, 0, "BRID", L(OD_F_B64), NULL },
	{ 99, OBS, "SPF", L(OD_F_STRS), NULL },
	{ 100, OPQ, "UINFO", L(0),
	  "IANA-reserved, no RDATA format was ever published" },
	{ 101, OPQ, "UID", L(0),
	  "IANA-reserved, no RDATA format was ever published" },
	{ 102, OPQ, "GID", L(0),
	  "IANA-reserved, no RDATA format was ever published" },
	{ 103, OPQ, "UNSPEC", L(0),
	  "IANA-reserved, no RDATA format was ever published" },
	{ 104, 0, "NID", L(OD_F_U16, OD_F_ILNP64), NULL },
	{ 105, 0, "L32", L(OD_F_U16, OD_F_A), NULL },
	{ 106, 0, "L64", L(OD_F_U16, OD_F_ILNP64), NULL },
	{ 107, 0, "LP", L(OD_F_U16, OD_F_NAME), NULL },
	{ 108, 0, "EUI48", L(OD_F_EUI48), NULL },
	{ 109, 0, "EUI64", L(OD_F_EUI64), NULL },
	{ 249, MET, "TKEY",
	  L(OD_F_NAME, OD_F_TIME, OD_F_TIME, OD_F_U16, OD_F_U16, OD_F_HEX_U16,
	    OD_F_HEX_U16),
	  NULL },
	{ 250, MET, "TSIG",
	  L(OD_F_NAME, OD_F_U48, OD_F_U16, OD_F_B64_U16, OD_F_U16, OD_F_U16,
	    OD_F_B64_U16),
	  NULL },
	{ 251, OPQ | QTY, "IXFR", L(0),
	  "question-only type (RFC 1995), never carries RDATA" },
	{ 252, OPQ | QTY, "AXFR", L(0),
	  "question-only type (RFC 5936), never carries RDATA" },
	{ 253, OPQ | QTY, "MAILB", L(0),
	  "question-only type (RFC 1035), never carries RDATA" },
	{ 254, OPQ | QTY | OBS, "MAILA", L(0),
	  "question-only type (RFC 1035, obsolete), never carries RDATA" },
	{ 255, OPQ | QTY, "ANY", L(0),
	  "question-only type \"*\" (RFC 1035, RFC 8482), never carries RDATA" },
	{ 256, 0, "URI", L(OD_F_U16, OD_F_U16, OD_F_TAILSTR), NULL },
	{ 257, 0, "CAA", L(OD_F_U8, OD_F_CAATAG, OD_F_TAILSTR), NULL },
	{ 258, 0, "AVC", L(OD_F_STRS), NULL },
	{ 259, 0, "DOA",
	  L(OD_F_U32, OD_F_U32, OD_F_U8, OD_F_STR, OD_F_B64_DASH), NULL },
	{ 260, 0, "AMTRELAY", L(OD_F_AMTRELAY), NULL },
	{ 261, 0, "RESINFO", L(OD_F_STRS), NULL },
	{ 262, 0, "WALLET", L(OD_F_STRS), NULL },
	{ 263, OPQ, "CLA", L(0),
	  "registered after RFC 9859; its RDATA layout is not settled here" },
	/* A 64-bit node number (CBHE); the dotted input form is the
	 * parser's business, output is the plain decimal number. */
	{ 264, 0, "IPN", L(OD_F_U64), NULL },
	{ 32768, 0, "TA", DS_LAYOUT, NULL },
	{ 32769, SEC | OBS, "DLV", DS_LAYOUT, NULL },
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

const od_rrtype_desc_t *od_rrtype_get(uint16_t type)
{
	size_t lo = 0, hi = TABLE_LEN;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (table[mid].type == type)
			return &table[mid];
		if (table[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const od_rrtype_desc_t *od_rrtype_at(size_t i)
{
	return i < TABLE_LEN ? &table[i] : NULL;
}

/* Write prefix + decimal number. */
static int put_num(char *buf, size_t len, const char *prefix, unsigned v)
{
	int n = snprintf(buf, len, "%s%u", prefix, v);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			buf[0] = '\0';
		return OD_ESPACE;
	}
	return n;
}

static int put_str(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (n >= len) {
		if (len > 0)
			buf[0] = '\0';
		return OD_ESPACE;
	}
	memcpy(buf, s, n + 1);
	return (int)n;
}

int od_rrtype_to_str(uint16_t type, char *buf, size_t len)
{
	const od_rrtype_desc_t *d = od_rrtype_get(type);
	if (d != NULL)
		return put_str(buf, len, d->name);
	return put_num(buf, len, "TYPE", type);
}

static bool ieq(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c != word[i])
			return false;
	}
	return true;
}

/* "<prefix><decimal 0-65535>", nothing before or after. */
static int parse_nnn(const char *s, size_t len, const char *prefix,
                     uint16_t *out)
{
	size_t plen = strlen(prefix);
	if (len <= plen || !ieq(s, plen, prefix))
		return -1;
	/* Five digits at most: leading zeros are allowed up to that. */
	if (len - plen > 5)
		return -1;
	uint32_t v = 0;
	for (size_t i = plen; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/*
 * Mnemonic lookup: an index of the table sorted by name, built once
 * (pthread_once makes the first use from several threads safe) and then
 * only read. Zone files name a type on every record, so this is a binary
 * search of about seven comparisons rather than a scan of the table.
 */
static uint8_t by_name[TABLE_LEN];
static pthread_once_t by_name_once = PTHREAD_ONCE_INIT;

_Static_assert(TABLE_LEN <= 256, "by_name holds table indexes in a byte");

static int name_cmp(const void *a, const void *b)
{
	return strcmp(table[*(const uint8_t *)a].name,
	              table[*(const uint8_t *)b].name);
}

static void by_name_build(void)
{
	for (size_t i = 0; i < TABLE_LEN; i++)
		by_name[i] = (uint8_t)i;
	qsort(by_name, TABLE_LEN, 1, name_cmp);
}

/* Compare s[0..len) upper-cased with the NUL-terminated mnemonic. */
static int upper_cmp(const char *s, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned char w = (unsigned char)name[i];
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - ('a' - 'A'));
		if (w == '\0')
			return 1; /* s is longer */
		if (c != w)
			return (int)c - (int)w;
	}
	return name[len] == '\0' ? 0 : -1;
}

int od_rrtype_from_str(const char *s, size_t len, uint16_t *type)
{
	if (s == NULL || len == 0)
		return OD_ETYPE;
	/* the longest mnemonic is 10 characters (NSEC3PARAM) */
	if (len <= 16) {
		pthread_once(&by_name_once, by_name_build);
		size_t lo = 0, hi = TABLE_LEN;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const od_rrtype_desc_t *d = &table[by_name[mid]];
			int r = upper_cmp(s, len, d->name);
			if (r == 0) {
				*type = d->type;
				return 0;
			}
			if (r < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	uint16_t v;
	if (parse_nnn(s, len, "TYPE", &v) == 0) {
		*type = v;
		return 0;
	}
	return OD_ETYPE;
}

static const struct {
	uint16_t rclass;
	const char *name;
} classes[] = {
	{ OD_CLASS_IN, "IN" },   { OD_CLASS_CH, "CH" },
	{ OD_CLASS_HS, "HS" },   { OD_CLASS_NONE, "NONE" },
	{ OD_CLASS_ANY, "ANY" },
};

int od_class_to_str(uint16_t rclass, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].rclass == rclass)
			return put_str(buf, len, classes[i].name);
	return put_num(buf, len, "CLASS", rclass);
}

int od_class_from_str(const char *s, size_t len, uint16_t *rclass)
{
	if (s == NULL || len == 0)
		return OD_ECLASS;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (ieq(s, len, classes[i].name)) {
			*rclass = classes[i].rclass;
			return 0;
		}
	}
	uint16_t v;
	if (parse_nnn(s, len, "CLASS", &v) == 0) {
		*rclass = v;
		return 0;
	}
	return OD_ECLASS;
}

bool od_rrtype_canon_lower(uint16_t type)
{
	const od_rrtype_desc_t *d = od_rrtype_get(type);
	if (d == NULL || (d->flags & OD_RRT_OPAQUE))
		return false;
	/* A6 is a whole-RDATA kind whose prefix name is on the list. */
	if (d->fields[0] == OD_F_A6)
		return true;
	for (size_t i = 0; i < OD_RDF_MAX && d->fields[i] != OD_F_END; i++)
		if (d->fields[i] == OD_F_NAME_C || d->fields[i] == OD_F_NAME_L)
			return true;
	return false;
}
