/* SPDX-License-Identifier: MIT */
/*
 * Presentation-format input of RDATA: one parser per layout kind of
 * rrtype.h, plus the RFC 3597 generic form. Every parser writes through a
 * sticky-error writer capped at OD_RDATA_MAXLEN, so no input can make it
 * write out of bounds; every loop advances over a bounded token or
 * character range.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/base.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/svcparam.h"
#include "lib/wire.h"

/* Type numbers used below that rrtype.h does not name. */
enum {
	T_WKS = 11,
	T_SIG = 24,
	T_KEY = 25,
	T_CERT = 37,
	T_IPSECKEY = 45,
	T_DHCID = 49,
	T_RKEY = 57,
	T_DSYNC = 66,
	T_TA = 32768,
	T_DLV = 32769,
};

typedef struct ctx {
	const od_tok_t *toks;
	size_t ntoks;
	size_t i; /* next token */
	const uint8_t *origin;
	uint16_t type;
	od_wr_t w;
	od_rdata_diag_t *diag;
} ctx_t;

static int fail_at(ctx_t *c, size_t tok, int err, const char *expected)
{
	if (c->diag) {
		c->diag->tok = tok;
		c->diag->expected = expected;
	}
	return err;
}

/* The writer's error (OD_ESPACE) reported at the current token. */
static int wr_check(ctx_t *c, size_t tok)
{
	int err = od_wr_err(&c->w);
	if (err)
		return fail_at(c, tok, err, "RDATA within the space available");
	return 0;
}

/* Take the next token, or report it missing. */
static const od_tok_t *next_tok(ctx_t *c, const char *expected)
{
	if (c->i >= c->ntoks) {
		fail_at(c, c->ntoks, OD_ESYNTAX, expected);
		return NULL;
	}
	return &c->toks[c->i++];
}

static bool tok_is(const od_tok_t *t, const char *s)
{
	size_t n = strlen(s);
	return !t->quoted && t->len == n && strncasecmp(t->s, s, n) == 0;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int hex_val(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Unsigned decimal of s[0..len) at most max. \return 0, OD_ESYNTAX (not
 * a number) or OD_ERANGE.
 */
static int parse_uint(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	if (len == 0)
		return OD_ESYNTAX;
	uint64_t x = 0;
	for (size_t k = 0; k < len; k++) {
		if (!is_digit(s[k]))
			return OD_ESYNTAX;
		unsigned d = (unsigned)(s[k] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return OD_ERANGE;
		x = x * 10 + d;
	}
	if (x > max)
		return OD_ERANGE;
	*v = x;
	return 0;
}

/*
 * Decode the escapes of a <character-string> (RFC 1035 §5.1: \X and \DDD)
 * of s[0..len) into out, at most max octets.
 * \return the length, OD_ESYNTAX (bad escape) or OD_ERANGE (too long).
 */
static int unescape(const char *s, size_t len, uint8_t *out, size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < len; k++) {
		uint8_t ch = (uint8_t)s[k];
		if (ch == '\\') {
			if (k + 1 >= len)
				return OD_ESYNTAX;
			if (is_digit(s[k + 1])) {
				if (len - k < 4 || !is_digit(s[k + 2]) ||
				    !is_digit(s[k + 3]))
					return OD_ESYNTAX;
				unsigned v = (unsigned)(s[k + 1] - '0') * 100 +
				             (unsigned)(s[k + 2] - '0') * 10 +
				             (unsigned)(s[k + 3] - '0');
				if (v > 255)
					return OD_ESYNTAX;
				ch = (uint8_t)v;
				k += 3;
			} else {
				ch = (uint8_t)s[++k];
			}
		}
		if (n >= max)
			return OD_ERANGE;
		out[n++] = ch;
	}
	return (int)n;
}

/* Copy an unquoted token into a NUL-terminated buffer (for inet_pton). */
static bool tok_cstr(const char *s, size_t len, char *buf, size_t cap)
{
	if (len >= cap || memchr(s, '\0', len) != NULL)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

static bool parse_ip4(const char *s, size_t len, uint8_t out[4])
{
	char buf[32];
	return tok_cstr(s, len, buf, sizeof(buf)) &&
	       inet_pton(AF_INET, buf, out) == 1;
}

static bool parse_ip6(const char *s, size_t len, uint8_t out[16])
{
	char buf[64];
	return tok_cstr(s, len, buf, sizeof(buf)) &&
	       inet_pton(AF_INET6, buf, out) == 1;
}

/* Mnemonics some numeric fields accept besides numbers. */
typedef struct mnem {
	const char *name;
	uint16_t value;
} mnem_t;

/* DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers"). */
static const mnem_t alg_mnem[] = {
	{ "RSAMD5", 1 },
	{ "DH", 2 },
	{ "DSA", 3 },
	{ "RSASHA1", 5 },
	{ "DSA-NSEC3-SHA1", 6 },
	{ "RSASHA1-NSEC3-SHA1", 7 },
	{ "RSASHA256", 8 },
	{ "RSASHA512", 10 },
	{ "ECC-GOST", 12 },
	{ "ECDSAP256SHA256", 13 },
	{ "ECDSAP384SHA384", 14 },
	{ "ED25519", 15 },
	{ "ED448", 16 },
	{ "SM2SM3", 17 },
	{ "ECC-GOST12", 23 },
	{ "INDIRECT", 252 },
	{ "PRIVATEDNS", 253 },
	{ "PRIVATEOID", 254 },
	{ NULL, 0 },
};

/* CERT types (RFC 4398 §2.1). */
static const mnem_t cert_mnem[] = {
	{ "PKIX", 1 },  { "SPKI", 2 },  { "PGP", 3 },    { "IPKIX", 4 },
	{ "ISPKI", 5 }, { "IPGP", 6 },  { "ACPKIX", 7 }, { "IACPKIX", 8 },
	{ "URI", 253 }, { "OID", 254 }, { NULL, 0 },
};

/* WKS protocols. */
static const mnem_t proto_mnem[] = {
	{ "icmp", 1 },   { "tcp", 6 }, { "udp", 17 },
	{ "sctp", 132 }, { NULL, 0 },
};

/* WKS services: the well-known names zone files use in practice. */
static const mnem_t serv_mnem[] = {
	{ "tcpmux", 1 },        { "echo", 7 },
	{ "discard", 9 },       { "systat", 11 },
	{ "daytime", 13 },      { "netstat", 15 },
	{ "qotd", 17 },         { "chargen", 19 },
	{ "ftp-data", 20 },     { "ftp", 21 },
	{ "ssh", 22 },          { "telnet", 23 },
	{ "smtp", 25 },         { "time", 37 },
	{ "nameserver", 42 },   { "whois", 43 },
	{ "nicname", 43 },      { "tacacs", 49 },
	{ "domain", 53 },       { "bootps", 67 },
	{ "bootpc", 68 },       { "tftp", 69 },
	{ "gopher", 70 },       { "finger", 79 },
	{ "http", 80 },         { "www", 80 },
	{ "kerberos", 88 },     { "hostname", 101 },
	{ "iso-tsap", 102 },    { "pop2", 109 },
	{ "pop3", 110 },        { "sunrpc", 111 },
	{ "auth", 113 },        { "ident", 113 },
	{ "sftp", 115 },        { "nntp", 119 },
	{ "ntp", 123 },         { "netbios-ns", 137 },
	{ "netbios-dgm", 138 }, { "netbios-ssn", 139 },
	{ "imap", 143 },        { "imap2", 143 },
	{ "snmp", 161 },        { "snmp-trap", 162 },
	{ "bgp", 179 },         { "irc", 194 },
	{ "ldap", 389 },        { "https", 443 },
	{ "smtps", 465 },       { "submissions", 465 },
	{ "syslog", 514 },      { "submission", 587 },
	{ "ldaps", 636 },       { "domain-s", 853 },
	{ "rsync", 873 },       { "imaps", 993 },
	{ "pop3s", 995 },       { NULL, 0 },
};

/* DSYNC schemes (RFC 9859 §5.2 registry). */
static const mnem_t dsync_mnem[] = {
	{ "NOTIFY", 1 },
	{ NULL, 0 },
};

static bool mnem_find(const mnem_t *m, const od_tok_t *t, uint64_t *v)
{
	for (; m->name; m++) {
		if (tok_is(t, m->name)) {
			*v = m->value;
			return true;
		}
	}
	return false;
}

/* Which mnemonic set the numeric field `idx` of the current type takes. */
static const mnem_t *field_mnem(uint16_t type, size_t idx)
{
	switch (type) {
	case T_WKS:
		return idx == 1 ? proto_mnem : NULL;
	case OD_TYPE_DS:
	case OD_TYPE_CDS:
	case T_TA:
	case T_DLV:
	case T_SIG:
	case OD_TYPE_RRSIG:
		return idx == 1 ? alg_mnem : NULL;
	case T_KEY:
	case OD_TYPE_DNSKEY:
	case OD_TYPE_CDNSKEY:
	case T_RKEY:
		return idx == 2 ? alg_mnem : NULL;
	case T_CERT:
		return idx == 0 ? cert_mnem : idx == 2 ? alg_mnem : NULL;
	case T_DSYNC:
		return idx == 1 ? dsync_mnem : NULL;
	default:
		return NULL;
	}
}

static int parse_num(ctx_t *c, size_t idx, unsigned bits, const char *what)
{
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	size_t ti = c->i - 1;
	uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	uint64_t v = 0;
	const mnem_t *m = field_mnem(c->type, idx);
	int ret = t->quoted ? OD_ESYNTAX : parse_uint(t->s, t->len, max, &v);
	if (ret == OD_ESYNTAX && m && mnem_find(m, t, &v))
		ret = 0;
	if (ret == OD_ESYNTAX && bits == 64 && !t->quoted) {
		/* IPN's "node.service" form: two 32-bit halves (RFC 9698). */
		const char *dot = memchr(t->s, '.', t->len);
		uint64_t hi, lo;
		if (dot &&
		    parse_uint(t->s, (size_t)(dot - t->s), UINT32_MAX, &hi) ==
		            0 &&
		    parse_uint(dot + 1, t->len - (size_t)(dot - t->s) - 1,
		               UINT32_MAX, &lo) == 0) {
			v = hi << 32 | lo;
			ret = 0;
		}
	}
	if (ret)
		return fail_at(c, ti, ret, what);
	switch (bits) {
	case 8:
		od_wr_u8(&c->w, (uint8_t)v);
		break;
	case 16:
		od_wr_u16(&c->w, (uint16_t)v);
		break;
	case 32:
		od_wr_u32(&c->w, (uint32_t)v);
		break;
	case 48:
		od_wr_u48(&c->w, v);
		break;
	default:
		od_wr_u32(&c->w, (uint32_t)(v >> 32));
		od_wr_u32(&c->w, (uint32_t)v);
		break;
	}
	return wr_check(c, ti);
}

/*
 * TTL-style duration (SOA timers, as BIND and Knot read them): decimal
 * seconds, or numbers each followed by a unit s, m, h, d or w in either
 * case ("1w2d", "1h30m"); the total must fit in 32 bits.
 */
int od_ttl_from_str(const char *s, size_t len, uint32_t *out)
{
	uint64_t total = 0, cur = 0;
	bool digits = false;
	if (len == 0 || !is_digit(s[0]))
		return OD_ESYNTAX;
	for (size_t k = 0; k < len; k++) {
		char ch = s[k];
		if (is_digit(ch)) {
			cur = cur * 10 + (uint64_t)(ch - '0');
			if (cur > UINT32_MAX)
				return OD_ERANGE;
			digits = true;
			continue;
		}
		uint64_t mult;
		switch (ch | 0x20) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case 'w':
			mult = 604800;
			break;
		default:
			return OD_ESYNTAX;
		}
		if (!digits)
			return OD_ESYNTAX;
		total += cur * mult;
		if (total > UINT32_MAX)
			return OD_ERANGE;
		cur = 0;
		digits = false;
	}
	total += cur;
	if (total > UINT32_MAX)
		return OD_ERANGE;
	*out = (uint32_t)total;
	return 0;
}

static int parse_ttl_field(ctx_t *c)
{
	static const char what[] = "32-bit number or duration (1h30m)";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	uint32_t v;
	int ret = t->quoted ? OD_ESYNTAX : od_ttl_from_str(t->s, t->len, &v);
	if (ret)
		return fail_at(c, c->i - 1, ret, what);
	od_wr_u32(&c->w, v);
	return wr_check(c, c->i - 1);
}

static int parse_type(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "RR type");
	if (!t)
		return OD_ESYNTAX;
	uint16_t v;
	if (t->quoted || od_rrtype_from_str(t->s, t->len, &v) != 0)
		return fail_at(c, c->i - 1, OD_ETYPE, "RR type");
	od_wr_u16(&c->w, v);
	return wr_check(c, c->i - 1);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mm = (int64_t)m + (m > 2 ? -3 : 9);
	int64_t doy = (153 * mm + 2) / 5 + (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * RFC 4034 §3.2: YYYYMMDDHHmmSS (UTC, the value taken modulo 2^32 as
 * serial arithmetic wants), or the number of seconds in decimal.
 */
static int parse_time(ctx_t *c)
{
	static const char what[] = "time (YYYYMMDDHHmmSS or seconds)";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	size_t ti = c->i - 1;
	uint64_t v;
	if (t->quoted || parse_uint(t->s, t->len, UINT64_MAX, &v) != 0)
		return fail_at(c, ti, OD_ESYNTAX, what);
	uint32_t secs;
	if (t->len == 14) {
		unsigned f[6];
		static const unsigned w[6] = { 4, 2, 2, 2, 2, 2 };
		const char *p = t->s;
		for (int k = 0; k < 6; k++) {
			f[k] = 0;
			for (unsigned j = 0; j < w[k]; j++)
				f[k] = f[k] * 10 + (unsigned)(*p++ - '0');
		}
		static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30,
			                            31, 31, 30, 31, 30, 31 };
		if (f[1] < 1 || f[1] > 12 || f[2] < 1 ||
		    f[2] > mdays[f[1] - 1] ||
		    (f[1] == 2 && f[2] == 29 && !leap(f[0])) || f[3] > 23 ||
		    f[4] > 59 || f[5] > 59)
			return fail_at(c, ti, OD_ERANGE, what);
		int64_t s = days_from_civil(f[0], f[1], f[2]) * 86400 +
		            f[3] * 3600 + f[4] * 60 + f[5];
		secs = (uint32_t)((uint64_t)s & 0xffffffffu);
	} else {
		if (v > UINT32_MAX)
			return fail_at(c, ti, OD_ERANGE, what);
		secs = (uint32_t)v;
	}
	od_wr_u32(&c->w, secs);
	return wr_check(c, ti);
}

static int parse_addr(ctx_t *c, bool v6)
{
	const char *what = v6 ? "IPv6 address" : "IPv4 address";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	uint8_t a[16];
	if (t->quoted ||
	    !(v6 ? parse_ip6(t->s, t->len, a) : parse_ip4(t->s, t->len, a)))
		return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	od_wr_bytes(&c->w, a, v6 ? 16 : 4);
	return wr_check(c, c->i - 1);
}

/* EUI-48/EUI-64 (RFC 7043 §3.2, §4.2): xx-xx-... */
static int parse_eui(ctx_t *c, size_t n)
{
	const char *what = n == 6 ? "EUI-48 address (xx-xx-xx-xx-xx-xx)"
	                          : "EUI-64 address (xx-xx-xx-xx-xx-xx-xx-xx)";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	if (t->quoted || t->len != n * 3 - 1)
		return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	uint8_t b[8];
	for (size_t k = 0; k < n; k++) {
		int hi = hex_val(t->s[k * 3]), lo = hex_val(t->s[k * 3 + 1]);
		if (hi < 0 || lo < 0 || (k + 1 < n && t->s[k * 3 + 2] != '-'))
			return fail_at(c, c->i - 1, OD_ESYNTAX, what);
		b[k] = (uint8_t)(hi << 4 | lo);
	}
	od_wr_bytes(&c->w, b, n);
	return wr_check(c, c->i - 1);
}

/* ILNP 64-bit locator/identifier (RFC 6742 §2.3): four hex groups. */
static int parse_ilnp64(ctx_t *c)
{
	static const char what[] = "64-bit locator (xxxx:xxxx:xxxx:xxxx)";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	uint8_t b[8];
	size_t k = 0;
	for (int g = 0; g < 4; g++) {
		unsigned v = 0, nd = 0;
		while (k < t->len && t->s[k] != ':') {
			int h = hex_val(t->s[k++]);
			if (h < 0 || ++nd > 4)
				return fail_at(c, c->i - 1, OD_ESYNTAX, what);
			v = v << 4 | (unsigned)h;
		}
		if (nd == 0 || t->quoted)
			return fail_at(c, c->i - 1, OD_ESYNTAX, what);
		if (g < 3) {
			if (k >= t->len)
				return fail_at(c, c->i - 1, OD_ESYNTAX, what);
			k++; /* the ':' */
		}
		b[g * 2] = (uint8_t)(v >> 8);
		b[g * 2 + 1] = (uint8_t)v;
	}
	if (k != t->len)
		return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	od_wr_bytes(&c->w, b, 8);
	return wr_check(c, c->i - 1);
}

static int put_name(ctx_t *c, const od_tok_t *t, size_t ti)
{
	uint8_t name[OD_NAME_MAXLEN];
	int ret = od_name_from_str(name, t->s, t->len, c->origin);
	if (ret < 0)
		return fail_at(c, ti, ret, "domain name");
	od_wr_bytes(&c->w, name, (size_t)ret);
	return wr_check(c, ti);
}

static int parse_name(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "domain name");
	if (!t)
		return OD_ESYNTAX;
	return put_name(c, t, c->i - 1);
}

/* One <character-string> with its length octet. */
static int put_str(ctx_t *c, const od_tok_t *t, size_t ti)
{
	uint8_t buf[255];
	int n = unescape(t->s, t->len, buf, sizeof(buf));
	if (n == OD_ERANGE)
		return fail_at(c, ti, OD_ERANGE,
		               "character-string of at most 255 octets");
	if (n < 0)
		return fail_at(c, ti, n, "character-string (bad escape)");
	od_wr_u8(&c->w, (uint8_t)n);
	od_wr_bytes(&c->w, buf, (size_t)n);
	return wr_check(c, ti);
}

static int parse_str(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "character-string");
	if (!t)
		return OD_ESYNTAX;
	return put_str(c, t, c->i - 1);
}

static int parse_strs(ctx_t *c)
{
	if (c->i >= c->ntoks)
		return fail_at(c, c->ntoks, OD_ESYNTAX, "character-string");
	while (c->i < c->ntoks) {
		int ret = put_str(c, &c->toks[c->i], c->i);
		if (ret)
			return ret;
		c->i++;
	}
	return 0;
}

/* The rest of the RDATA as one string without length (URI, CAA value). */
static int parse_tailstr(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "character-string");
	if (!t)
		return OD_ESYNTAX;
	size_t room = c->w.err ? 0 : c->w.cap - c->w.pos;
	int n = unescape(t->s, t->len, c->w.buf + c->w.pos, room);
	if (n == OD_ERANGE)
		return fail_at(c, c->i - 1, OD_ESPACE,
		               "RDATA within the space available");
	if (n < 0)
		return fail_at(c, c->i - 1, n, "character-string (bad escape)");
	c->w.pos += (size_t)n;
	return 0;
}

/* CAA tag (RFC 8659 §4.1): letters and digits. */
static int parse_caatag(ctx_t *c)
{
	static const char what[] = "CAA tag (letters and digits)";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	if (t->quoted || t->len == 0 || t->len > 255)
		return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	for (size_t k = 0; k < t->len; k++) {
		char ch = t->s[k];
		if (!is_digit(ch) && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= 'A' && ch <= 'Z'))
			return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	}
	od_wr_u8(&c->w, (uint8_t)t->len);
	od_wr_bytes(&c->w, t->s, t->len);
	return wr_check(c, c->i - 1);
}

/*
 * Decode a single token of hex / base32hex / base64 with a length prefix
 * of `lenbytes` octets (1 or 2), at most maxlen octets of data.
 */
enum enc {
	ENC_HEX,
	ENC_B32,
	ENC_B64
};

static int put_enc(ctx_t *c, const od_tok_t *t, size_t ti, enum enc e,
                   size_t lenbytes, size_t maxlen)
{
	static const char *const what[] = { "hexadecimal data",
		                            "base32hex data", "base64 data" };
	static const int errs[] = { OD_EHEX, OD_EBASE32, OD_EBASE64 };
	if (t->quoted)
		return fail_at(c, ti, errs[e], what[e]);
	size_t lpos = c->w.pos;
	od_wr_reserve(&c->w, lenbytes);
	if (od_wr_err(&c->w))
		return wr_check(c, ti);
	size_t room = c->w.cap - c->w.pos;
	if (room > maxlen)
		room = maxlen;
	uint8_t *dst = c->w.buf + c->w.pos;
	int n;
	switch (e) {
	case ENC_HEX:
		n = od_hex_decode(t->s, t->len, dst, room);
		break;
	case ENC_B32:
		n = od_base32hex_decode(t->s, t->len, dst, room);
		break;
	default:
		n = od_base64_decode(t->s, t->len, dst, room);
		break;
	}
	if (n == OD_ESPACE)
		return fail_at(c, ti, OD_ERANGE,
		               lenbytes == 1
		                       ? "at most 255 octets of data"
		                       : "RDATA within the space available");
	if (n < 0)
		return fail_at(c, ti, n, what[e]);
	c->w.pos += (size_t)n;
	if (lenbytes == 1)
		c->w.buf[lpos] = (uint8_t)n;
	else
		od_put_u16(c->w.buf + lpos, (uint16_t)n);
	return 0;
}

/* NSEC3 salt (RFC 5155 §3.3): hex, or "-" when empty. */
static int parse_salt(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "salt (hex or -)");
	if (!t)
		return OD_ESYNTAX;
	if (tok_is(t, "-")) {
		od_wr_u8(&c->w, 0);
		return wr_check(c, c->i - 1);
	}
	return put_enc(c, t, c->i - 1, ENC_HEX, 1, 255);
}

static int parse_b32hex(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "base32hex data");
	if (!t)
		return OD_ESYNTAX;
	if (t->len == 0)
		return fail_at(c, c->i - 1, OD_EBASE32, "base32hex data");
	/*
	 * RFC 4648 §6/§7: the bits of the last character beyond the last
	 * whole octet are zero; a text with other bits there is not the
	 * encoding of any octets (BIND and Knot reject it too).
	 */
	size_t nc = t->len;
	while (nc > 0 && t->s[nc - 1] == '=')
		nc--;
	unsigned spare = (unsigned)(nc * 5 % 8);
	if (spare > 0 && !t->quoted) {
		char ch = t->s[nc - 1];
		int v = is_digit(ch) ? ch - '0'
		        : ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'v')
		                ? (ch | 0x20) - 'a' + 10
		                : -1;
		if (v >= 0 && (v & ((1 << spare) - 1)) != 0)
			return fail_at(c, c->i - 1, OD_EBASE32,
			               "base32hex data with zero padding bits");
	}
	return put_enc(c, t, c->i - 1, ENC_B32, 1, 255);
}

/*
 * Length-prefixed data of TSIG/TKEY: the size in decimal, then the data
 * unless the size is 0 (as the other fields of those records are written
 * in RFC 2845/2930 style presentation).
 */
static int parse_enc_u16(ctx_t *c, enum enc e)
{
	const char *what = e == ENC_HEX ? "hexadecimal data" : "base64 data";
	const od_tok_t *t = next_tok(c, "16-bit data length");
	if (!t)
		return OD_ESYNTAX;
	size_t ti = c->i - 1;
	uint64_t n;
	int ret = t->quoted ? OD_ESYNTAX : parse_uint(t->s, t->len, 65535, &n);
	if (ret)
		return fail_at(c, ti, ret, "16-bit data length");
	if (n == 0) {
		/* allow an explicit "-" or empty placeholder for the data */
		if (c->i < c->ntoks && tok_is(&c->toks[c->i], "-"))
			c->i++;
		od_wr_u16(&c->w, 0);
		return wr_check(c, ti);
	}
	size_t start = c->w.pos;
	t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	ret = put_enc(c, t, c->i - 1, e, 2, 65535);
	if (ret)
		return ret;
	if (od_get_u16(c->w.buf + start) != n)
		return fail_at(c, c->i - 1, OD_ERDLEN,
		               "data of the length given before it");
	return 0;
}

/*
 * Base64 or hex data spread over the remaining tokens (which may split
 * groups anywhere): characters are collected in a small buffer and
 * decoded in whole groups as it fills.
 */
typedef struct joiner {
	enum enc e;
	size_t n;       /* characters in buf */
	bool pad;       /* a '=' was seen: only '=' may follow */
	char buf[1024]; /* multiple of 4 and of 2 */
} joiner_t;

static int join_flush(ctx_t *c, joiner_t *j, bool final, size_t ti)
{
	size_t group = j->e == ENC_HEX ? 2 : 4;
	size_t take = final ? j->n : j->n - j->n % group;
	if (take == 0)
		return 0;
	if (final && take % group)
		return fail_at(c, ti, j->e == ENC_HEX ? OD_EHEX : OD_EBASE64,
		               j->e == ENC_HEX ? "whole octets of hexadecimal"
		                               : "complete base64 groups");
	uint8_t out[768];
	int n = j->e == ENC_HEX
	                ? od_hex_decode(j->buf, take, out, sizeof(out))
	                : od_base64_decode(j->buf, take, out, sizeof(out));
	if (n < 0)
		return fail_at(c, ti, n,
		               j->e == ENC_HEX ? "hexadecimal data"
		                               : "base64 data");
	od_wr_bytes(&c->w, out, (size_t)n);
	memmove(j->buf, j->buf + take, j->n - take);
	j->n -= take;
	return wr_check(c, ti);
}

static int join_tok(ctx_t *c, joiner_t *j, const od_tok_t *t, size_t ti)
{
	const char *what = j->e == ENC_HEX ? "hexadecimal data" : "base64 data";
	int err = j->e == ENC_HEX ? OD_EHEX : OD_EBASE64;
	if (t->quoted || t->len == 0)
		return fail_at(c, ti, err, what);
	for (size_t k = 0; k < t->len; k++) {
		char ch = t->s[k];
		bool ok;
		if (j->e == ENC_HEX) {
			ok = hex_val(ch) >= 0;
		} else if (ch == '=') {
			ok = true;
			j->pad = true;
		} else {
			ok = !j->pad &&
			     ((ch >= 'A' && ch <= 'Z') ||
			      (ch >= 'a' && ch <= 'z') || is_digit(ch) ||
			      ch == '+' || ch == '/');
		}
		if (!ok)
			return fail_at(c, ti, err, what);
		if (j->n == sizeof(j->buf)) {
			int ret = join_flush(c, j, false, ti);
			if (ret)
				return ret;
		}
		j->buf[j->n++] = ch;
	}
	return 0;
}

/*
 * RFC 8078 §4 writes the DS-removal records "CDS 0 0 0 0" and "CDNSKEY
 * 0 3 0 0"; its verified erratum 5049 says the digest or key is a single
 * zero octet ("CDS 0 0 0 00", "CDNSKEY 0 3 0 AA=="). The lone "0" of the
 * original text is read as that octet, only where the algorithm is 0
 * (what signals the removal) and only for these two types.
 */
static bool delete_form(const ctx_t *c)
{
	if (c->i + 1 != c->ntoks || !tok_is(&c->toks[c->i], "0") || c->w.err)
		return false;
	if (c->type == OD_TYPE_CDS)
		return c->w.pos == 4 && c->w.buf[2] == 0;
	if (c->type == OD_TYPE_CDNSKEY)
		return c->w.pos == 4 && c->w.buf[3] == 0;
	return false;
}

/*
 * Tail of base64 or hex over all remaining tokens, at least one (the
 * fields are required: RFC 4034 §2.2, §3.1.8, §5.1.4, RFC 4398 §2, RFC
 * 6698 §2.1.3, RFC 4255 §3.1.2, RFC 8976 §2.2.4, RFC 7929 §2.1, RFC 4701
 * §3.3). With dash, "-" means empty. IPSECKEY's key is present exactly
 * when the algorithm is not 0 (RFC 4025 §2.4, §2.6), though a missing key
 * with an algorithm is taken, as Knot does.
 */
static int parse_enc_tail(ctx_t *c, enum enc e, bool dash)
{
	const char *what = e == ENC_HEX ? "hexadecimal data" : "base64 data";
	if (c->type == T_IPSECKEY && c->w.pos >= 3 && !c->w.err &&
	    c->w.buf[2] == 0) {
		if (c->i < c->ntoks)
			return fail_at(c, c->i, OD_ETRAILING,
			               "no public key with algorithm 0");
		return 0;
	}
	if (c->i == c->ntoks) {
		if (dash || c->type == T_IPSECKEY)
			return 0;
		return fail_at(c, c->ntoks, OD_ESYNTAX, what);
	}
	if (delete_form(c)) {
		c->i++;
		od_wr_u8(&c->w, 0);
		return wr_check(c, c->i - 1);
	}
	if (c->i + 1 == c->ntoks && dash && tok_is(&c->toks[c->i], "-")) {
		c->i++;
		return 0;
	}
	joiner_t j = { .e = e };
	size_t last = c->i;
	for (; c->i < c->ntoks; c->i++) {
		last = c->i;
		int ret = join_tok(c, &j, &c->toks[c->i], c->i);
		if (ret)
			return ret;
	}
	return join_flush(c, &j, true, last);
}

/*
 * Windowed type bitmap (RFC 4034 §4.1.2) from the remaining tokens:
 * mnemonics or TYPEnnn, any order, duplicates allowed, possibly none.
 */
static int parse_bitmap(ctx_t *c)
{
	uint8_t bits[8192];
	memset(bits, 0, sizeof(bits));
	for (; c->i < c->ntoks; c->i++) {
		const od_tok_t *t = &c->toks[c->i];
		uint16_t v;
		if (t->quoted || od_rrtype_from_str(t->s, t->len, &v) != 0)
			return fail_at(c, c->i, OD_ETYPE, "RR type");
		bits[v >> 3] |= (uint8_t)(0x80 >> (v & 7));
	}
	for (unsigned win = 0; win < 256; win++) {
		const uint8_t *b = bits + win * 32;
		int len = 32;
		while (len > 0 && b[len - 1] == 0)
			len--;
		if (len == 0)
			continue;
		od_wr_u8(&c->w, (uint8_t)win);
		od_wr_u8(&c->w, (uint8_t)len);
		od_wr_bytes(&c->w, b, (size_t)len);
	}
	return wr_check(c, c->ntoks ? c->ntoks - 1 : 0);
}

/* NXT bitmap (RFC 2535 §5.2): types 1-127, bit n for type n. */
static int parse_nxt(ctx_t *c)
{
	uint8_t bits[16] = { 0 };
	int len = 0;
	for (; c->i < c->ntoks; c->i++) {
		const od_tok_t *t = &c->toks[c->i];
		uint16_t v;
		if (t->quoted || od_rrtype_from_str(t->s, t->len, &v) != 0)
			return fail_at(c, c->i, OD_ETYPE, "RR type");
		if (v == 0 || v > 127)
			return fail_at(c, c->i, OD_ERANGE,
			               "RR type from 1 to 127");
		bits[v >> 3] |= (uint8_t)(0x80 >> (v & 7));
		if ((v >> 3) + 1 > len)
			len = (v >> 3) + 1;
	}
	od_wr_bytes(&c->w, bits, (size_t)len);
	return wr_check(c, c->ntoks ? c->ntoks - 1 : 0);
}

/* WKS port bitmap (RFC 1035 §3.4.2): numbers or service names. */
static int parse_wks(ctx_t *c)
{
	uint8_t bits[8192];
	memset(bits, 0, sizeof(bits));
	int len = 0;
	for (; c->i < c->ntoks; c->i++) {
		const od_tok_t *t = &c->toks[c->i];
		uint64_t v;
		int ret = t->quoted ? OD_ESYNTAX
		                    : parse_uint(t->s, t->len, 65535, &v);
		if (ret == OD_ESYNTAX && mnem_find(serv_mnem, t, &v))
			ret = 0;
		if (ret)
			return fail_at(c, c->i, ret,
			               "port number or service name");
		bits[v >> 3] |= (uint8_t)(0x80 >> (v & 7));
		if ((int)(v >> 3) + 1 > len)
			len = (int)(v >> 3) + 1;
	}
	od_wr_bytes(&c->w, bits, (size_t)len);
	return wr_check(c, c->ntoks ? c->ntoks - 1 : 0);
}

/* APL items (RFC 3123 §5): [!]afi:address/prefix. */
static int parse_apl(ctx_t *c)
{
	static const char what[] = "APL item ([!]afi:address/prefix)";
	for (; c->i < c->ntoks; c->i++) {
		const od_tok_t *t = &c->toks[c->i];
		const char *s = t->s, *end = t->s + t->len;
		bool neg = false;
		if (t->quoted)
			return fail_at(c, c->i, OD_ESYNTAX, what);
		if (s < end && *s == '!') {
			neg = true;
			s++;
		}
		const char *colon = memchr(s, ':', (size_t)(end - s));
		const char *slash =
		        colon ? memchr(colon, '/', (size_t)(end - colon))
		              : NULL;
		uint64_t afi, prefix;
		if (!colon || !slash ||
		    parse_uint(s, (size_t)(colon - s), 65535, &afi) != 0 ||
		    parse_uint(slash + 1, (size_t)(end - slash - 1), 255,
		               &prefix) != 0)
			return fail_at(c, c->i, OD_ESYNTAX, what);
		uint8_t a[16];
		size_t alen;
		if (afi == 1 &&
		    parse_ip4(colon + 1, (size_t)(slash - colon - 1), a))
			alen = 4;
		else if (afi == 2 &&
		         parse_ip6(colon + 1, (size_t)(slash - colon - 1), a))
			alen = 16;
		else
			return fail_at(c, c->i, OD_ESYNTAX, what);
		if (prefix > alen * 8)
			return fail_at(c, c->i, OD_ERANGE, what);
		/* RFC 3123 §4: trailing zero octets are not sent */
		while (alen > 0 && a[alen - 1] == 0)
			alen--;
		od_wr_u16(&c->w, (uint16_t)afi);
		od_wr_u8(&c->w, (uint8_t)prefix);
		od_wr_u8(&c->w, (uint8_t)((neg ? 0x80 : 0) | alen));
		od_wr_bytes(&c->w, a, alen);
		int ret = wr_check(c, c->i);
		if (ret)
			return ret;
	}
	return 0;
}

/* Hex digits with optional dots, into the writer. \return octets or -1. */
static int put_dotted_hex(ctx_t *c, const char *s, size_t len)
{
	int n = 0, hi = -1;
	for (size_t k = 0; k < len; k++) {
		if (s[k] == '.')
			continue;
		int h = hex_val(s[k]);
		if (h < 0)
			return -1;
		if (hi < 0) {
			hi = h;
		} else {
			od_wr_u8(&c->w, (uint8_t)(hi << 4 | h));
			hi = -1;
			n++;
		}
	}
	return hi >= 0 ? -1 : n;
}

/* NSAP (RFC 1706 §6): "0x" then hex, dots anywhere. */
static int parse_nsap(ctx_t *c)
{
	static const char what[] = "NSAP address (0x + hex)";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	if (t->quoted || t->len < 3 || t->s[0] != '0' ||
	    (t->s[1] != 'x' && t->s[1] != 'X') ||
	    put_dotted_hex(c, t->s + 2, t->len - 2) <= 0)
		return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	return wr_check(c, c->i - 1);
}

/* ATMA (ATM Forum AF-DANS-0152): AESA in hex (format 0), "+" E.164 (1). */
static int parse_atma(ctx_t *c)
{
	static const char what[] = "ATM address (hex or +E.164)";
	const od_tok_t *t = next_tok(c, what);
	if (!t)
		return OD_ESYNTAX;
	if (t->quoted || t->len == 0)
		return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	if (t->s[0] == '+') {
		od_wr_u8(&c->w, 1);
		size_t nd = 0;
		for (size_t k = 1; k < t->len; k++) {
			if (t->s[k] == '.')
				continue;
			if (!is_digit(t->s[k]))
				return fail_at(c, c->i - 1, OD_ESYNTAX, what);
			od_wr_u8(&c->w, (uint8_t)t->s[k]);
			nd++;
		}
		if (nd == 0)
			return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	} else {
		od_wr_u8(&c->w, 0);
		if (put_dotted_hex(c, t->s, t->len) <= 0)
			return fail_at(c, c->i - 1, OD_ESYNTAX, what);
	}
	return wr_check(c, c->i - 1);
}

/* A6 (RFC 2874 §3.1.1): prefix length, address suffix, prefix name. */
static int parse_a6(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "prefix length (0-128)");
	if (!t)
		return OD_ESYNTAX;
	uint64_t plen;
	int ret = t->quoted ? OD_ESYNTAX : parse_uint(t->s, t->len, 128, &plen);
	if (ret)
		return fail_at(c, c->i - 1, ret, "prefix length (0-128)");
	od_wr_u8(&c->w, (uint8_t)plen);
	size_t octets = (128 - (size_t)plen + 7) / 8;
	if (octets > 0) {
		t = next_tok(c, "IPv6 address suffix");
		if (!t)
			return OD_ESYNTAX;
		uint8_t a[16];
		if (t->quoted || !parse_ip6(t->s, t->len, a))
			return fail_at(c, c->i - 1, OD_ESYNTAX,
			               "IPv6 address suffix");
		od_wr_bytes(&c->w, a + 16 - octets, octets);
	}
	if (plen > 0)
		return parse_name(c);
	return wr_check(c, c->i - 1);
}

/* HIP (RFC 8005 §4): algorithm, HIT (hex), public key (base64), servers. */
static int parse_hip(ctx_t *c)
{
	const od_tok_t *t = next_tok(c, "8-bit number");
	if (!t)
		return OD_ESYNTAX;
	uint64_t alg;
	int ret = t->quoted ? OD_ESYNTAX : parse_uint(t->s, t->len, 255, &alg);
	if (ret)
		return fail_at(c, c->i - 1, ret, "8-bit number");
	size_t start = c->w.pos;
	/* hit length, algorithm, pk length: filled in below */
	od_wr_u8(&c->w, 0);
	od_wr_u8(&c->w, (uint8_t)alg);
	od_wr_u16(&c->w, 0);
	if ((ret = wr_check(c, c->i - 1)))
		return ret;
	if (!(t = next_tok(c, "HIT (hexadecimal)")))
		return OD_ESYNTAX;
	size_t hpos = c->w.pos;
	ret = put_enc(c, t, c->i - 1, ENC_HEX, 1, 255);
	if (ret)
		return ret;
	if (c->w.buf[hpos] == 0)
		return fail_at(c, c->i - 1, OD_EHEX, "HIT (hexadecimal)");
	/* move the HIT over its temporary length octet */
	uint8_t hitlen = c->w.buf[hpos];
	memmove(c->w.buf + hpos, c->w.buf + hpos + 1, hitlen);
	c->w.pos--;
	c->w.buf[start] = hitlen;
	if (!(t = next_tok(c, "public key (base64)")))
		return OD_ESYNTAX;
	size_t kpos = c->w.pos;
	ret = put_enc(c, t, c->i - 1, ENC_B64, 2, 65535);
	if (ret)
		return ret;
	uint16_t klen = od_get_u16(c->w.buf + kpos);
	if (klen == 0)
		return fail_at(c, c->i - 1, OD_EBASE64, "public key (base64)");
	memmove(c->w.buf + kpos, c->w.buf + kpos + 2, klen);
	c->w.pos -= 2;
	od_put_u16(c->w.buf + start + 2, klen);
	while (c->i < c->ntoks) {
		if ((ret = parse_name(c)))
			return ret;
	}
	return 0;
}

/* Gateway by its type (RFC 4025 §2.3/§2.5, RFC 8777 §4.2). */
static int parse_gateway(ctx_t *c, unsigned gwtype, size_t gwtok)
{
	switch (gwtype) {
	case 0: {
		const od_tok_t *t = next_tok(c, "\".\" (no gateway)");
		if (!t)
			return OD_ESYNTAX;
		if (!tok_is(t, "."))
			return fail_at(c, c->i - 1, OD_ESYNTAX,
			               "\".\" (no gateway)");
		return 0;
	}
	case 1:
		return parse_addr(c, false);
	case 2:
		return parse_addr(c, true);
	case 3:
		return parse_name(c);
	default:
		return fail_at(c, gwtok, OD_ERANGE, "gateway type 0 to 3");
	}
}

static int parse_ipseckey_gw(ctx_t *c)
{
	/* layout: precedence, gateway type, algorithm, gateway, key */
	if (od_fails(c->w.pos < 3 || c->i < 2))
		return fail_at(c, c->i, OD_EINVAL, "IPSECKEY gateway");
	return parse_gateway(c, c->w.buf[1], c->i - 2);
}

/* AMTRELAY (RFC 8777 §4.3): precedence, D-bit, type, relay. */
static int parse_amtrelay(ctx_t *c)
{
	int ret = parse_num(c, 0, 8, "8-bit number");
	if (ret)
		return ret;
	const od_tok_t *t = next_tok(c, "discovery optional bit (0 or 1)");
	if (!t)
		return OD_ESYNTAX;
	uint64_t d, type;
	ret = t->quoted ? OD_ESYNTAX : parse_uint(t->s, t->len, 1, &d);
	if (ret)
		return fail_at(c, c->i - 1, ret,
		               "discovery optional bit (0 or 1)");
	t = next_tok(c, "relay type (0-127)");
	if (!t)
		return OD_ESYNTAX;
	ret = t->quoted ? OD_ESYNTAX : parse_uint(t->s, t->len, 127, &type);
	if (ret)
		return fail_at(c, c->i - 1, ret, "relay type (0-127)");
	od_wr_u8(&c->w, (uint8_t)(d << 7 | type));
	if ((ret = wr_check(c, c->i - 1)))
		return ret;
	return parse_gateway(c, (unsigned)type, c->i - 1);
}

/*
 * LOC (RFC 1876 §3). Decimal fixed-point values are read exactly, in
 * thousandths of a second and centimetres.
 */
static bool parse_fixed(const char *s, size_t len, unsigned frac, uint64_t max,
                        uint64_t *v)
{
	uint64_t x = 0;
	size_t k = 0, nd = 0, nf = 0;
	for (; k < len && is_digit(s[k]); k++, nd++) {
		if (x > UINT64_MAX / 100)
			return false;
		x = x * 10 + (uint64_t)(s[k] - '0');
	}
	if (nd == 0)
		return false;
	if (k < len && s[k] == '.') {
		for (k++; k < len && is_digit(s[k]); k++, nf++) {
			if (nf >= frac)
				return false;
			x = x * 10 + (uint64_t)(s[k] - '0');
		}
	}
	if (k != len)
		return false;
	for (; nf < frac; nf++)
		x *= 10;
	if (x > max)
		return false;
	*v = x;
	return true;
}

/* Strip the optional metre unit. */
static size_t loc_m(const od_tok_t *t)
{
	return t->len > 0 && (t->s[t->len - 1] == 'm' ||
	                      t->s[t->len - 1] == 'M')
	               ? t->len - 1
	               : t->len;
}

static int loc_coord(ctx_t *c, unsigned maxdeg, char pos, char neg,
                     uint32_t *out)
{
	static const char *const what[] = { "latitude degrees",
		                            "longitude degrees" };
	const char *wd = what[maxdeg == 180];
	const char *wh = maxdeg == 90 ? "N or S" : "E or W";
	const od_tok_t *t = next_tok(c, wd);
	if (!t)
		return OD_ESYNTAX;
	uint64_t deg, min = 0, ms = 0;
	if (t->quoted || parse_uint(t->s, t->len, maxdeg, &deg) != 0)
		return fail_at(c, c->i - 1, OD_ERANGE, wd);
	for (int part = 0; part < 3; part++) {
		t = next_tok(c, wh);
		if (!t)
			return OD_ESYNTAX;
		if (t->len == 1 && !t->quoted &&
		    ((t->s[0] | 0x20) == (pos | 0x20) ||
		     (t->s[0] | 0x20) == (neg | 0x20))) {
			uint64_t v = ((deg * 60 + min) * 60) * 1000 + ms;
			/* no latitude beyond a pole (as BIND) */
			if (v > (uint64_t)maxdeg * 3600000)
				return fail_at(c, c->i - 1, OD_ERANGE, wd);
			*out = (t->s[0] | 0x20) == (pos | 0x20)
			               ? (uint32_t)(0x80000000u + v)
			               : (uint32_t)(0x80000000u - v);
			return 0;
		}
		bool ok = !t->quoted &&
		          (part == 0 ? parse_uint(t->s, t->len, 59, &min) == 0
		           : part == 1
		                   ? parse_fixed(t->s, t->len, 3, 59999, &ms)
		                   : false);
		if (!ok)
			return fail_at(
			        c, c->i - 1, OD_ESYNTAX,
			        part == 0   ? "minutes (0-59) or direction"
			        : part == 1 ? "seconds (0-59.999) or direction"
			                    : wh);
	}
	return OD_ESYNTAX; /* not reached */
}

/* Size and precision: centimetres as mantissa * 10^exponent, 4 bits each. */
static uint8_t loc_prec(uint64_t cm)
{
	unsigned e = 0;
	uint64_t p = 1;
	while (e < 9 && cm >= p * 10) {
		p *= 10;
		e++;
	}
	return (uint8_t)((cm / p) << 4 | e);
}

static int parse_loc(ctx_t *c)
{
	uint32_t lat, lon;
	int ret = loc_coord(c, 90, 'N', 'S', &lat);
	if (ret)
		return ret;
	if ((ret = loc_coord(c, 180, 'E', 'W', &lon)))
		return ret;
	static const char walt[] = "altitude (-100000.00 to 42849672.95 m)";
	const od_tok_t *t = next_tok(c, walt);
	if (!t)
		return OD_ESYNTAX;
	size_t len = loc_m(t);
	bool minus = len > 0 && t->s[0] == '-';
	uint64_t alt;
	if (t->quoted ||
	    !parse_fixed(t->s + minus, len - minus, 2,
	                 minus ? 10000000 : UINT64_C(4284967295), &alt))
		return fail_at(c, c->i - 1, OD_ERANGE, walt);
	uint32_t altw = minus ? (uint32_t)(10000000 - alt)
	                      : (uint32_t)(10000000 + alt);
	/* defaults: size 1 m, horizontal 10000 m, vertical 10 m */
	uint8_t prec[3] = { 0x12, 0x16, 0x13 };
	static const char *const wp[3] = {
		"size (0-90000000.00 m)",
		"horizontal precision (0-90000000.00 m)",
		"vertical precision (0-90000000.00 m)"
	};
	for (int k = 0; k < 3 && c->i < c->ntoks; k++) {
		t = &c->toks[c->i];
		uint64_t cm;
		if (t->quoted ||
		    !parse_fixed(t->s, loc_m(t), 2, UINT64_C(9000000000), &cm))
			return fail_at(c, c->i, OD_ERANGE, wp[k]);
		prec[k] = loc_prec(cm);
		c->i++;
	}
	od_wr_u8(&c->w, 0);
	od_wr_bytes(&c->w, prec, 3);
	od_wr_u32(&c->w, lat);
	od_wr_u32(&c->w, lon);
	od_wr_u32(&c->w, altw);
	return wr_check(c, c->i ? c->i - 1 : 0);
}

/*
 * SVCB/HTTPS SvcParams (RFC 9460 §2.1, Appendix A, §7, §8).
 */

/*
 * Key name or keyNNNNN, in lower case only (RFC 9460 §2.1: SvcParamKey is
 * 1*63(ALPHA-LC / DIGIT / "-")). *numeric tells which: RFC 9460 §2.1
 * gives keyNNNNN an opaque value (the wire octets), even for a key that
 * has a name, so printers that do not know a name can always fall back
 * on it. \return 0 or OD_ESVCPARAM.
 */
static int svc_key(const char *s, size_t len, uint16_t *key, bool *numeric)
{
	*numeric = false;
	for (uint16_t k = 0; k < OD_SVC_NAMED_COUNT; k++) {
		const char *name = od_svc_key_name(k);
		if (strlen(name) == len && memcmp(name, s, len) == 0) {
			*key = (uint16_t)k;
			return 0;
		}
	}
	uint64_t v;
	if (len > 3 && memcmp(s, "key", 3) == 0 &&
	    parse_uint(s + 3, len - 3, 65534, &v) == 0) {
		*key = (uint16_t)v;
		*numeric = true;
		return 0;
	}
	return OD_ESVCPARAM;
}

/* One SvcParam of the text: where its key and value are. */
typedef struct svcparam {
	uint16_t key;
	bool has_value;
	bool opaque;   /* given as keyNNNNN */
	uint32_t tok;  /* token of the key */
	uint32_t vtok; /* token holding the value */
	uint32_t voff; /* value text: offset and length in toks[vtok] */
	uint32_t vlen;
} svcparam_t;

/*
 * What is kept of each SvcParam while they are sorted: the key and its
 * token (svc_locate finds the rest again). A bounded array on the stack:
 * records with more SvcParams than this are refused (OD_ELIMIT).
 */
#define OD_SVC_MAXPARAMS 512
typedef struct svcent {
	uint16_t key;
	uint32_t tok;
} svcent_t;

static int svc_ent_cmp(const void *a, const void *b)
{
	const svcent_t *x = a, *y = b;
	return (int)x->key - (int)y->key;
}

/*
 * The SvcParam whose key is token ti: key, and where the value text is.
 * \return the number of tokens it takes (1 or 2), or an error reported.
 */
static int svc_locate(ctx_t *c, size_t ti, svcparam_t *p)
{
	const od_tok_t *t = &c->toks[ti];
	memset(p, 0, sizeof(*p));
	p->tok = (uint32_t)ti;
	p->vtok = (uint32_t)ti;
	const char *eq = t->quoted ? NULL : memchr(t->s, '=', t->len);
	size_t klen = eq ? (size_t)(eq - t->s) : t->len;
	if (t->quoted || svc_key(t->s, klen, &p->key, &p->opaque) != 0)
		return fail_at(c, ti, OD_ESVCPARAM, "SvcParam key");
	if (!eq)
		return 1;
	p->has_value = true;
	p->voff = (uint32_t)(klen + 1);
	p->vlen = (uint32_t)(t->len - klen - 1);
	const od_tok_t *n = ti + 1 < c->ntoks ? &c->toks[ti + 1] : NULL;
	if (p->vlen == 0 && n && n->quoted && n->s == t->s + t->len + 1) {
		/* key="value" split by a lexer into two tokens */
		p->vtok = (uint32_t)(ti + 1);
		p->voff = 0;
		p->vlen = n->len;
		return 2;
	}
	if (p->vlen >= 1 && eq[1] == '"') {
		/* key="value" kept as one token */
		if (p->vlen < 2 || t->s[t->len - 1] != '"' ||
		    t->s[t->len - 2] == '\\')
			return fail_at(c, ti, OD_ESYNTAX,
			               "SvcParam value in quotes");
		p->voff++;
		p->vlen -= 2;
	}
	return 1;
}

/*
 * Reader of a value's octets: the <character-string> escapes of the text
 * (RFC 1035 §5.1) are decoded as the octets are taken, so no copy of the
 * whole value is needed.
 */
typedef struct vreader {
	const char *s;
	size_t len, k;
} vreader_t;

/* Next octet (0-255), -1 at the end, -2 on a bad escape. */
static int vr_next(vreader_t *r)
{
	if (r->k >= r->len)
		return -1;
	uint8_t ch = (uint8_t)r->s[r->k++];
	if (ch != '\\')
		return ch;
	if (r->k >= r->len)
		return -2;
	if (!is_digit(r->s[r->k]))
		return (uint8_t)r->s[r->k++];
	if (r->len - r->k < 3 || !is_digit(r->s[r->k + 1]) ||
	    !is_digit(r->s[r->k + 2]))
		return -2;
	unsigned v = (unsigned)(r->s[r->k] - '0') * 100 +
	             (unsigned)(r->s[r->k + 1] - '0') * 10 +
	             (unsigned)(r->s[r->k + 2] - '0');
	r->k += 3;
	return v > 255 ? -2 : (int)v;
}

/* Longest list item kept (alpn ids are at most 255 octets). */
#define OD_SVC_ITEM_MAX 512

/*
 * Next item of a comma-separated list (RFC 9460 Appendix A.1): a
 * backslash of the decoded value escapes the next octet. *more tells
 * whether a comma followed it. \return the item length, or -1 (dangling
 * backslash, bad escape, or an item longer than cap).
 */
static int svc_item(vreader_t *r, uint8_t *item, size_t cap, bool *more)
{
	size_t n = 0;
	*more = false;
	for (;;) {
		int ch = vr_next(r);
		if (ch == -1)
			break;
		if (ch == ',') {
			*more = true;
			break;
		}
		if (ch == '\\' && (ch = vr_next(r)) < 0)
			return -1;
		if (ch < 0 || n >= cap)
			return -1;
		item[n++] = (uint8_t)ch;
	}
	return (int)n;
}

/* The whole value into buf (a short one: port). \return length or -1. */
static int svc_short(vreader_t *r, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	int ch;
	while ((ch = vr_next(r)) >= 0) {
		if (n >= cap)
			return -1;
		buf[n++] = (uint8_t)ch;
	}
	return ch == -1 ? (int)n : -1;
}

static int u16be_cmp(const void *a, const void *b)
{
	return (int)od_get_u16(a) - (int)od_get_u16(b);
}

static bool svc_has(const svcent_t *all, size_t nall, uint16_t key)
{
	svcent_t probe = { .key = key };
	return bsearch(&probe, all, nall, sizeof(*all), svc_ent_cmp) != NULL;
}

/* Write one SvcParam's value (the caller wrote key and length). */
static int svc_write(ctx_t *c, const svcparam_t *p, const svcent_t *all,
                     size_t nall)
{
	/* RFC 9460 §7, RFC 9461 §5 */
	/*
	 * ech may be empty: BIND and NSD take "ech" and "ech=" (an empty
	 * ECHConfigList), though Knot does not.
	 */
	bool needs = !p->opaque &&
	             (p->key == OD_SVC_MANDATORY || p->key == OD_SVC_ALPN ||
	              p->key == OD_SVC_PORT || p->key == OD_SVC_IPV4HINT ||
	              p->key == OD_SVC_IPV6HINT || p->key == OD_SVC_DOHPATH ||
	              p->key == OD_SVC_TLS_GROUPS || p->key == OD_SVC_OOTS);
	/*
	 * Keys whose value "MUST be empty" in presentation too (RFC 9460
	 * §7.1.1, RFC 9540 §4): written alone, without "=" (as Knot).
	 */
	bool none = !p->opaque &&
	            (p->key == OD_SVC_NO_DEFAULT_ALPN ||
	             p->key == OD_SVC_OHTTP || p->key == OD_SVC_PVD);
	if (needs && p->vlen == 0)
		return fail_at(c, p->tok, OD_ESVCPARAM,
		               "SvcParam with a value (key=value)");
	if (none && p->has_value)
		return fail_at(c, p->tok, OD_ESVCPARAM,
		               "SvcParam without a value (no '=')");
	const od_tok_t *vt = &c->toks[p->vtok];
	vreader_t r = { .s = vt->s + p->voff, .len = p->vlen, .k = 0 };
	uint8_t item[OD_SVC_ITEM_MAX];
	bool more = p->vlen > 0;
	switch (p->opaque ? OD_SVC_INVALID : p->key) {
	case OD_SVC_MANDATORY: {
		/* keys in increasing order on the wire, each present, once */
		size_t start = c->w.pos;
		while (more) {
			int il = svc_item(&r, item, sizeof(item), &more);
			uint16_t k;
			bool num;
			if (il <= 0 ||
			    svc_key((char *)item, (size_t)il, &k, &num) != 0)
				return fail_at(c, p->tok, OD_ESVCPARAM,
				               "list of SvcParam keys");
			od_wr_u16(&c->w, k);
		}
		int ret = wr_check(c, p->tok);
		if (ret)
			return ret;
		size_t nk = (c->w.pos - start) / 2;
		uint8_t *keys = c->w.buf + start;
		qsort(keys, nk, 2, u16be_cmp);
		for (size_t a = 0; a < nk; a++) {
			uint16_t key = od_get_u16(keys + a * 2);
			if (key == OD_SVC_MANDATORY ||
			    (a > 0 && key == od_get_u16(keys + a * 2 - 2)) ||
			    !svc_has(all, nall, key))
				return fail_at(
				        c, p->tok, OD_ESVCPARAM,
				        "mandatory keys that are present, "
				        "once, other than mandatory");
			/* RFC 9460 §9.1: automatically mandatory for HTTPS */
			if (c->type == OD_TYPE_HTTPS &&
			    (key == OD_SVC_PORT ||
			     key == OD_SVC_NO_DEFAULT_ALPN))
				return fail_at(
				        c, p->tok, OD_ESVCPARAM,
				        "mandatory keys other than the "
				        "automatically mandatory port and "
				        "no-default-alpn");
		}
		break;
	}
	case OD_SVC_ALPN:
	case OD_SVC_DOCPATH:
		while (more) {
			int il = svc_item(&r, item, sizeof(item), &more);
			if (il <= 0 || il > 255)
				return fail_at(c, p->tok, OD_ESVCPARAM,
				               "comma-separated list of 1-255 "
				               "octet identifiers");
			od_wr_u8(&c->w, (uint8_t)il);
			od_wr_bytes(&c->w, item, (size_t)il);
		}
		break;
	case OD_SVC_PORT: {
		uint64_t v;
		int n = svc_short(&r, item, 16);
		if (n < 0 ||
		    parse_uint((char *)item, (size_t)n, 65535, &v) != 0)
			return fail_at(c, p->tok, OD_ESVCPARAM, "port number");
		od_wr_u16(&c->w, (uint16_t)v);
		break;
	}
	case OD_SVC_IPV4HINT:
	case OD_SVC_IPV6HINT: {
		bool v6 = p->key == OD_SVC_IPV6HINT;
		while (more) {
			int il = svc_item(&r, item, sizeof(item), &more);
			uint8_t a[16];
			if (il <= 0 ||
			    !(v6 ? parse_ip6((char *)item, (size_t)il, a)
			         : parse_ip4((char *)item, (size_t)il, a)))
				return fail_at(c, p->tok, OD_ESVCPARAM,
				               v6 ? "list of IPv6 addresses"
				                  : "list of IPv4 addresses");
			od_wr_bytes(&c->w, a, v6 ? 16 : 4);
		}
		break;
	}
	case OD_SVC_ECH: {
		/* base64 through the joiner, a buffer of groups at a time */
		joiner_t j = { .e = ENC_B64 };
		int ch;
		while ((ch = vr_next(&r)) >= 0) {
			char cc = (char)ch;
			od_tok_t one = { .s = &cc, .len = 1, .quoted = false };
			if (join_tok(c, &j, &one, p->tok))
				return fail_at(c, p->tok, OD_ESVCPARAM,
				               "ECHConfigList in base64");
		}
		if (ch == -2)
			return fail_at(c, p->tok, OD_ESVCPARAM,
			               "SvcParam value (bad escape)");
		int ret = join_flush(c, &j, true, p->tok);
		if (ret == OD_ESPACE)
			return ret;
		if (ret)
			return fail_at(c, p->tok, OD_ESVCPARAM,
			               "ECHConfigList in base64");
		break;
	}
	case OD_SVC_TLS_GROUPS: {
		size_t start = c->w.pos;
		while (more) {
			int il = svc_item(&r, item, sizeof(item), &more);
			uint64_t v;
			if (il <= 0 || parse_uint((char *)item, (size_t)il,
			                          65535, &v) != 0)
				return fail_at(c, p->tok, OD_ESVCPARAM,
				               "list of 16-bit group numbers");
			for (size_t q = start; !c->w.err && q < c->w.pos;
			     q += 2)
				if (od_get_u16(c->w.buf + q) == v)
					return fail_at(c, p->tok, OD_ESVCPARAM,
					               "list of distinct group "
					               "numbers");
			od_wr_u16(&c->w, (uint16_t)v);
		}
		break;
	}
	case OD_SVC_OOTS: {
		/* protocol:percentage items, each protocol once */
		size_t start = c->w.pos;
		while (more) {
			int il = svc_item(&r, item, sizeof(item), &more);
			uint8_t *colon = il > 0 ? memchr(item, ':', (size_t)il)
			                        : NULL;
			uint64_t pct;
			size_t plen = colon ? (size_t)(colon - item) : 0;
			if (!colon || plen == 0 || plen > 255 ||
			    parse_uint((char *)colon + 1, (size_t)il - plen - 1,
			               100, &pct) != 0)
				return fail_at(c, p->tok, OD_ESVCPARAM,
				               "list of protocol:percentage");
			for (size_t q = start; !c->w.err && q < c->w.pos;
			     q += (size_t)c->w.buf[q] + 2)
				if (c->w.buf[q] == plen &&
				    memcmp(c->w.buf + q + 1, item, plen) == 0)
					return fail_at(
					        c, p->tok, OD_ESVCPARAM,
					        "list of distinct protocols");
			od_wr_u8(&c->w, (uint8_t)plen);
			od_wr_bytes(&c->w, item, plen);
			od_wr_u8(&c->w, (uint8_t)pct);
		}
		break;
	}
	default: {
		/* dohpath (RFC 9461 §5), unknown keys: the octets as given */
		size_t room = c->w.err ? 0 : c->w.cap - c->w.pos;
		int n = unescape(r.s, r.len, c->w.buf + c->w.pos, room);
		if (n == OD_ERANGE)
			return fail_at(c, p->tok, OD_ESPACE,
			               "RDATA within the space available");
		if (n < 0)
			return fail_at(c, p->tok, OD_ESVCPARAM,
			               "SvcParam value (bad escape)");
		c->w.pos += (size_t)n;
		break;
	}
	}
	return wr_check(c, p->tok);
}

static int parse_svcparams(ctx_t *c)
{
	svcent_t ents[OD_SVC_MAXPARAMS];
	size_t np = 0;
	svcparam_t p;
	/* collect keys and where they are */
	while (c->i < c->ntoks) {
		if (np == OD_SVC_MAXPARAMS)
			return fail_at(c, c->i, OD_ELIMIT,
			               "at most 512 SvcParams");
		int nt = svc_locate(c, c->i, &p);
		if (nt < 0)
			return nt;
		ents[np].key = p.key;
		ents[np].tok = (uint32_t)c->i;
		np++;
		c->i += (size_t)nt;
	}
	qsort(ents, np, sizeof(ents[0]), svc_ent_cmp);
	for (size_t k = 1; k < np; k++) {
		if (ents[k].key == ents[k - 1].key) {
			size_t dup = ents[k].tok > ents[k - 1].tok
			                     ? ents[k].tok
			                     : ents[k - 1].tok;
			return fail_at(c, dup, OD_ESVCPARAM,
			               "SvcParam keys given once each");
		}
	}
	bool alpn = svc_has(ents, np, OD_SVC_ALPN);
	for (size_t k = 0; k < np; k++) {
		/* RFC 9460 §7.1.1: no-default-alpn needs alpn */
		if (ents[k].key == OD_SVC_NO_DEFAULT_ALPN && !alpn)
			return fail_at(c, ents[k].tok, OD_ESVCPARAM,
			               "alpn together with no-default-alpn");
		int ret = svc_locate(c, ents[k].tok, &p);
		if (ret < 0)
			return ret;
		od_wr_u16(&c->w, p.key);
		size_t lpos = c->w.pos;
		od_wr_u16(&c->w, 0);
		if ((ret = wr_check(c, p.tok)))
			return ret;
		if ((ret = svc_write(c, &p, ents, np)))
			return ret;
		size_t vlen = c->w.pos - lpos - 2;
		if (vlen > 65535)
			return fail_at(c, p.tok, OD_ESPACE,
			               "RDATA within the space available");
		od_put_u16(c->w.buf + lpos, (uint16_t)vlen);
	}
	return 0;
}

static int parse_field(ctx_t *c, uint8_t f, size_t idx)
{
	switch ((od_rdf_t)f) {
	case OD_F_U8:
		return parse_num(c, idx, 8, "8-bit number");
	case OD_F_U16:
		return parse_num(c, idx, 16, "16-bit number");
	case OD_F_U32:
		return parse_num(c, idx, 32, "32-bit number");
	case OD_F_TTL:
		return parse_ttl_field(c);
	case OD_F_U48:
		return parse_num(c, idx, 48, "48-bit number");
	case OD_F_U64:
		return parse_num(c, idx, 64, "64-bit number");
	case OD_F_TYPE:
		return parse_type(c);
	case OD_F_TIME:
		return parse_time(c);
	case OD_F_A:
		return parse_addr(c, false);
	case OD_F_AAAA:
		return parse_addr(c, true);
	case OD_F_EUI48:
		return parse_eui(c, 6);
	case OD_F_EUI64:
		return parse_eui(c, 8);
	case OD_F_ILNP64:
		return parse_ilnp64(c);
	case OD_F_NAME_C:
	case OD_F_NAME_L:
	case OD_F_NAME:
		return parse_name(c);
	case OD_F_STR:
		return parse_str(c);
	case OD_F_CAATAG:
		return parse_caatag(c);
	case OD_F_SALT:
		return parse_salt(c);
	case OD_F_B32HEX:
		return parse_b32hex(c);
	case OD_F_B64_U16:
		return parse_enc_u16(c, ENC_B64);
	case OD_F_HEX_U16:
		return parse_enc_u16(c, ENC_HEX);
	case OD_F_IPSECKEY_GW:
		return parse_ipseckey_gw(c);
	case OD_F_STRS:
		return parse_strs(c);
	case OD_F_TAILSTR:
		return parse_tailstr(c);
	case OD_F_B64:
		return parse_enc_tail(c, ENC_B64, false);
	case OD_F_B64_DASH:
		return parse_enc_tail(c, ENC_B64, true);
	case OD_F_HEX:
		return parse_enc_tail(c, ENC_HEX, false);
	case OD_F_HEX_DASH:
		return parse_enc_tail(c, ENC_HEX, true);
	case OD_F_BITMAP:
		return parse_bitmap(c);
	case OD_F_SVCPARAMS:
		return parse_svcparams(c);
	case OD_F_WKS:
		return parse_wks(c);
	case OD_F_NXT:
		return parse_nxt(c);
	case OD_F_APL:
		return parse_apl(c);
	case OD_F_NSAP:
		return parse_nsap(c);
	case OD_F_LOC:
		return parse_loc(c);
	case OD_F_ATMA:
		return parse_atma(c);
	case OD_F_A6:
		return parse_a6(c);
	case OD_F_HIP:
		return parse_hip(c);
	case OD_F_AMTRELAY:
		return parse_amtrelay(c);
	case OD_F_END:
	case OD_F_OPTIONAL:
	default:
		break;
	}
	return fail_at(c, c->i, OD_EINVAL, "a known field kind");
}

/*
 * The rules of the presentation form that the wire check does not make
 * (od_rdata_check keeps accepting what arrives in messages), applied to
 * the generic form of a known type so that both forms take the same
 * records: a required tail is not empty (TXT has a string, DS a digest,
 * DHCID data, ...), and IPSECKEY has no key with algorithm 0. The RDATA
 * passed od_rdata_check, so the walk stays inside it.
 */
static int generic_rules(ctx_t *c, const od_rrtype_desc_t *d)
{
	const uint8_t *p = c->w.buf;
	size_t len = c->w.pos, pos = 0;
	for (size_t k = 0; k < OD_RDF_MAX && d->fields[k] != OD_F_END; k++) {
		if (pos > len)
			return 0;
		switch ((od_rdf_t)d->fields[k]) {
		case OD_F_U8:
			pos += 1;
			break;
		case OD_F_U16:
		case OD_F_TYPE:
			pos += 2;
			break;
		case OD_F_U32:
		case OD_F_TTL:
		case OD_F_TIME:
		case OD_F_A:
			pos += 4;
			break;
		case OD_F_NAME_C:
		case OD_F_NAME_L:
		case OD_F_NAME:
			pos += od_name_len(p + pos);
			break;
		case OD_F_IPSECKEY_GW:
			pos += p[1] == 1 ? 4 : p[1] == 2 ? 16 : 0;
			if (p[1] == 3)
				pos += od_name_len(p + pos);
			break;
		case OD_F_STRS:
			if (pos == len)
				return fail_at(c, 0, OD_ESYNTAX,
				               "one or more character-strings");
			return 0;
		case OD_F_B64:
		case OD_F_HEX:
			if (c->type == T_IPSECKEY) {
				if (p[2] == 0 && pos < len)
					return fail_at(
					        c, 0, OD_ETRAILING,
					        "no public key with algorithm 0");
				return 0;
			}
			/*
			 * Some signers write the RFC 8078 removal records with
			 * no digest or key at all; their generic form is taken
			 * so that such zones load (the algorithm is 0).
			 */
			if (pos == len && !((c->type == OD_TYPE_CDS &&
			                     len == 4 && p[2] == 0) ||
			                    (c->type == OD_TYPE_CDNSKEY &&
			                     len == 4 && p[3] == 0)))
				return fail_at(c, 0, OD_ESYNTAX,
				               "RDATA with its data field");
			return 0;
		default:
			/* other kinds have no such rule */
			return 0;
		}
	}
	return 0;
}

/* RFC 3597 §5: \# LEN HEX... */
static int parse_generic(ctx_t *c)
{
	c->i = 1;
	const od_tok_t *t = next_tok(c, "RDATA length (0-65535)");
	if (!t)
		return OD_ESYNTAX;
	uint64_t len;
	int ret = t->quoted ? OD_ESYNTAX
	                    : parse_uint(t->s, t->len, 65535, &len);
	if (ret)
		return fail_at(c, 1, ret, "RDATA length (0-65535)");
	if (len == 0 && c->ntoks > 2)
		return fail_at(c, 2, OD_ETRAILING, "no data after \\# 0");
	if (len > 0 && c->ntoks == 2)
		return fail_at(c, 2, OD_ESYNTAX, "hexadecimal data");
	if (len > 0 && (ret = parse_enc_tail(c, ENC_HEX, false)))
		return ret;
	if (c->w.pos != len)
		return fail_at(c, c->ntoks - 1, OD_ERDLEN,
		               "as many hex octets as the length says");
	const od_rrtype_desc_t *d = od_rrtype_get(c->type);
	if (d && !(d->flags & OD_RRT_OPAQUE) && d->fields[0] != OD_F_END) {
		ret = od_rdata_check(c->type, c->w.buf, c->w.pos);
		if (ret)
			return fail_at(c, 0, ret, "RDATA valid for the type");
		return generic_rules(c, d);
	}
	return 0;
}

int od_rdata_from_text(uint16_t type, const od_tok_t *toks, size_t ntoks,
                       const uint8_t *origin, uint8_t *out, size_t outcap,
                       od_rdata_diag_t *diag)
{
	ctx_t c = {
		.toks = toks,
		.ntoks = ntoks,
		.origin = origin,
		.type = type,
		.diag = diag,
	};
	if (outcap > OD_RDATA_MAXLEN)
		outcap = OD_RDATA_MAXLEN;
	if (od_fails(ntoks > 0 && toks == NULL) || od_fails(out == NULL))
		return fail_at(&c, 0, OD_EINVAL, "tokens and an output buffer");
	od_wr_init(&c.w, out, outcap);

	int ret;
	if (ntoks > 0 && !toks[0].quoted && toks[0].len == 2 &&
	    toks[0].s[0] == '\\' && toks[0].s[1] == '#') {
		ret = parse_generic(&c);
		return ret ? ret : (int)c.w.pos;
	}

	const od_rrtype_desc_t *d = od_rrtype_get(type);
	if (!d || (d->flags & OD_RRT_OPAQUE) || d->fields[0] == OD_F_END)
		return fail_at(&c, 0, OD_ESYNTAX,
		               "generic RDATA (\\# length hex)");

	bool optional = false;
	for (size_t k = 0; k < OD_RDF_MAX && d->fields[k] != OD_F_END; k++) {
		uint8_t f = d->fields[k];
		if (f == OD_F_OPTIONAL) {
			optional = true;
			continue;
		}
		if (optional && c.i == c.ntoks)
			break;
		if ((ret = parse_field(&c, f, k)))
			return ret;
	}
	if (c.i < c.ntoks)
		return fail_at(&c, c.i, OD_ETRAILING, "end of RDATA");
	if ((ret = wr_check(&c, c.ntoks ? c.ntoks - 1 : 0)))
		return ret;
	/*
	 * The fields are valid one by one; what spans fields (an opaque
	 * keyNNNNN SvcParam given for a key with a format) is checked here.
	 */
	if ((ret = od_rdata_check(type, out, c.w.pos)))
		return fail_at(&c, 0, ret, "RDATA valid for the type");
	return (int)c.w.pos;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\v' || ch == '\f';
}

int od_tok_split(const char *text, size_t len, od_tok_t *toks, size_t max)
{
	size_t n = 0, k = 0;
	while (k < len) {
		char ch = text[k];
		if (is_blank(ch) || ch == '(' || ch == ')') {
			k++;
			continue;
		}
		if (ch == ';') {
			while (k < len && text[k] != '\n')
				k++;
			continue;
		}
		size_t start;
		bool quoted = ch == '"';
		if (quoted) {
			start = ++k;
			while (k < len && text[k] != '"')
				k += text[k] == '\\' && k + 1 < len ? 2 : 1;
			if (k >= len)
				return OD_ESYNTAX;
		} else {
			start = k;
			while (k < len && !is_blank(text[k]) &&
			       text[k] != '(' && text[k] != ')' &&
			       text[k] != ';' && text[k] != '"')
				k += text[k] == '\\' && k + 1 < len ? 2 : 1;
		}
		if (n >= max || k - start > UINT32_MAX)
			return OD_ELIMIT;
		toks[n].s = text + start;
		toks[n].len = (uint32_t)(k - start);
		toks[n].quoted = quoted;
		n++;
		if (quoted)
			k++; /* the closing quote */
	}
	return (int)n;
}
