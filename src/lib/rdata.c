/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/base.h"
#include "lib/error.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/sbuf.h"
#include "lib/svcparam.h"

/* SvcParamKeys with a defined value format (RFC 9460 §14.3.2 registry). */
static const char *const svc_key_names[OD_SVC_NAMED_COUNT] = {
	[OD_SVC_MANDATORY] = "mandatory",
	[OD_SVC_ALPN] = "alpn",
	[OD_SVC_NO_DEFAULT_ALPN] = "no-default-alpn",
	[OD_SVC_PORT] = "port",
	[OD_SVC_IPV4HINT] = "ipv4hint",
	[OD_SVC_ECH] = "ech",
	[OD_SVC_IPV6HINT] = "ipv6hint",
	[OD_SVC_DOHPATH] = "dohpath",
	[OD_SVC_OHTTP] = "ohttp",
	[OD_SVC_TLS_GROUPS] = "tls-supported-groups",
	[OD_SVC_DOCPATH] = "docpath",
	[OD_SVC_PVD] = "pvd",
	[OD_SVC_OOTS] = "oots",
};

const char *od_svc_key_name(uint16_t key)
{
	return key < OD_SVC_NAMED_COUNT ? svc_key_names[key] : NULL;
}

/* Largest WKS bitmap: one bit per port 0-65535. */
#define WKS_BITMAP_MAX 8192
/* NXT bitmaps cover types 0-127 only (RFC 2535 §5.2). */
#define NXT_BITMAP_MAX 16

static const od_rrtype_desc_t *layout_of(uint16_t type)
{
	const od_rrtype_desc_t *d = od_rrtype_get(type);
	if (d == NULL || (d->flags & OD_RRT_OPAQUE))
		return NULL;
	return d;
}

/*
 * One walk over the fields of a layout serves four purposes: validating
 * uncompressed RDATA (CHECK), reading it out of a message with
 * decompression (UNPACK), writing it into a message with the allowed
 * compression (PACK), and lower-casing names in place (CANON). All the
 * knowledge of where fields start and end lives in walk_rdata().
 */
enum walk_mode {
	W_CHECK,
	W_UNPACK,
	W_PACK,
	W_CANON
};

typedef struct walk {
	enum walk_mode mode;
	od_rd_t r;     /*!< source: the RDATA (or the message for UNPACK) */
	od_wr_t *w;    /*!< UNPACK/PACK destination */
	od_compr_t *c; /*!< PACK compression table, may be NULL */
	uint8_t *mut;  /*!< CANON: the same bytes as r.msg, writable */
} walk_t;

static void wk_fail(walk_t *k, int err)
{
	od_rd_fail(&k->r, err);
}

/* Take n bytes from the source, copying them to the writer if any. */
static const uint8_t *wk_take(walk_t *k, size_t n)
{
	const uint8_t *p = od_rd_take(&k->r, n);
	if (p != NULL && (k->mode == W_UNPACK || k->mode == W_PACK))
		od_wr_bytes(k->w, p, n);
	return p;
}

static size_t wk_left(const walk_t *k)
{
	return od_rd_left(&k->r);
}

/* One domain name field of the given kind. */
static void wk_name(walk_t *k, od_rdf_t kind)
{
	if (k->r.err)
		return;
	if (k->mode == W_UNPACK) {
		/* Lenient on read: a pointer is accepted in any name. */
		uint8_t name[OD_NAME_MAXLEN];
		int n = od_name_unpack(&k->r, name);
		if (n > 0)
			od_wr_bytes(k->w, name, (size_t)n);
		return;
	}
	size_t pos = k->r.pos;
	int n = od_name_check(k->r.msg + pos, k->r.end - pos);
	if (n < 0) {
		wk_fail(k, n);
		return;
	}
	if (k->mode == W_PACK) {
		od_compr_t *c = kind == OD_F_NAME_C ? k->c : NULL;
		od_name_pack(k->w, k->r.msg + pos, c);
	} else if (k->mode == W_CANON &&
	           (kind == OD_F_NAME_C || kind == OD_F_NAME_L)) {
		od_name_lower(k->mut + pos);
	}
	k->r.pos += (size_t)n;
}

/* Length-prefixed <character-string>. */
static const uint8_t *wk_str(walk_t *k, size_t *len)
{
	const uint8_t *p = wk_take(k, 1);
	size_t n = p ? p[0] : 0;
	const uint8_t *s = wk_take(k, n);
	*len = n;
	return s;
}

static void check_bitmap(walk_t *k)
{
	int prev = -1;
	while (wk_left(k) > 0) {
		const uint8_t *h = wk_take(k, 2);
		if (h == NULL)
			return;
		/* RFC 4034 §4.1.2: windows in increasing order, 1-32 octets */
		if ((int)h[0] <= prev || h[1] == 0 || h[1] > 32) {
			wk_fail(k, OD_EMALF);
			return;
		}
		prev = h[0];
		wk_take(k, h[1]);
	}
}

static bool svc_list_u16_ok(const uint8_t *v, size_t len, bool increasing)
{
	if (len == 0 || len % 2 != 0)
		return false;
	for (size_t i = 2; increasing && i < len; i += 2)
		if (od_get_u16(v + i) <= od_get_u16(v + i - 2))
			return false;
	return true;
}

/* RFC 9460 §2.2: a known key whose value has the wrong format. */
static bool svc_value_ok(uint16_t key, const uint8_t *v, size_t len)
{
	switch (key) {
	case OD_SVC_MANDATORY:
		/* §8: sorted, no duplicates, never lists itself */
		return svc_list_u16_ok(v, len, true) &&
		       od_get_u16(v) != OD_SVC_MANDATORY;
	case OD_SVC_ALPN:
		if (len == 0)
			return false;
		for (size_t i = 0; i < len;) {
			if (v[i] == 0 || v[i] > len - i - 1)
				return false;
			i += 1 + (size_t)v[i];
		}
		return true;
	case OD_SVC_NO_DEFAULT_ALPN:
	case OD_SVC_OHTTP:
		return len == 0;
	case OD_SVC_PORT:
		return len == 2;
	case OD_SVC_IPV4HINT:
		return len > 0 && len % 4 == 0;
	case OD_SVC_IPV6HINT:
		return len > 0 && len % 16 == 0;
	case OD_SVC_TLS_GROUPS:
		return svc_list_u16_ok(v, len, false);
	default:
		/* ech, dohpath and unknown keys: any octets */
		return true;
	}
}

static void check_svcparams(walk_t *k)
{
	long prev = -1;
	while (wk_left(k) > 0) {
		const uint8_t *h = wk_take(k, 4);
		if (h == NULL)
			return;
		uint16_t key = od_get_u16(h), len = od_get_u16(h + 2);
		const uint8_t *v = wk_take(k, len);
		if (v == NULL)
			return;
		if ((long)key <= prev || !svc_value_ok(key, v, len)) {
			wk_fail(k, OD_ESVCPARAM);
			return;
		}
		prev = key;
	}
}

static void check_apl(walk_t *k)
{
	while (wk_left(k) > 0) {
		const uint8_t *h = wk_take(k, 4);
		if (h == NULL)
			return;
		uint16_t afi = od_get_u16(h);
		uint8_t prefix = h[2], afdlen = h[3] & 0x7f;
		/* RFC 3123 §4: lengths bounded by the family's address */
		if ((afi == 1 && (prefix > 32 || afdlen > 4)) ||
		    (afi == 2 && (prefix > 128 || afdlen > 16))) {
			wk_fail(k, OD_EMALF);
			return;
		}
		wk_take(k, afdlen);
	}
}

static void walk_gateway(walk_t *k, uint32_t gw_type)
{
	switch (gw_type) {
	case 0:
		break;
	case 1:
		wk_take(k, 4);
		break;
	case 2:
		wk_take(k, 16);
		break;
	case 3:
		wk_name(k, OD_F_NAME);
		break;
	default:
		/* RFC 4025 §2.3: the key's position is unknown. */
		wk_fail(k, OD_EMALF);
	}
}

static void walk_field(walk_t *k, od_rdf_t f, uint32_t *vals, size_t i)
{
	const uint8_t *p;
	size_t n;
	switch (f) {
	case OD_F_U8:
		p = wk_take(k, 1);
		vals[i] = p ? p[0] : 0;
		break;
	case OD_F_U16:
	case OD_F_TYPE:
		wk_take(k, 2);
		break;
	case OD_F_U32:
	case OD_F_TTL:
	case OD_F_TIME:
	case OD_F_A:
		wk_take(k, 4);
		break;
	case OD_F_U48:
	case OD_F_EUI48:
		wk_take(k, 6);
		break;
	case OD_F_U64:
	case OD_F_EUI64:
	case OD_F_ILNP64:
		wk_take(k, 8);
		break;
	case OD_F_AAAA:
		wk_take(k, 16);
		break;
	case OD_F_NAME_C:
	case OD_F_NAME_L:
	case OD_F_NAME:
		wk_name(k, f);
		break;
	case OD_F_STR:
	case OD_F_CAATAG:
	case OD_F_SALT:
	case OD_F_B32HEX:
		wk_str(k, &n);
		break;
	case OD_F_B64_U16:
	case OD_F_HEX_U16:
		p = wk_take(k, 2);
		wk_take(k, p ? od_get_u16(p) : 0);
		break;
	case OD_F_IPSECKEY_GW:
		/* The gateway type is the second field of IPSECKEY. */
		walk_gateway(k, vals[1]);
		break;
	case OD_F_STRS:
		while (wk_left(k) > 0)
			wk_str(k, &n);
		break;
	case OD_F_TAILSTR:
	case OD_F_B64:
	case OD_F_B64_DASH:
	case OD_F_HEX:
	case OD_F_HEX_DASH:
	case OD_F_NSAP:
		wk_take(k, wk_left(k));
		break;
	case OD_F_WKS:
		if (wk_left(k) > WKS_BITMAP_MAX)
			wk_fail(k, OD_EMALF);
		wk_take(k, wk_left(k));
		break;
	case OD_F_NXT:
		if (wk_left(k) > NXT_BITMAP_MAX)
			wk_fail(k, OD_EMALF);
		wk_take(k, wk_left(k));
		break;
	case OD_F_BITMAP:
		check_bitmap(k);
		break;
	case OD_F_SVCPARAMS:
		check_svcparams(k);
		break;
	case OD_F_APL:
		check_apl(k);
		break;
	case OD_F_LOC:
		p = wk_take(k, 1);
		/* RFC 1876: version 0 is 16 octets; others are opaque. */
		if (p != NULL && p[0] == 0)
			wk_take(k, 15);
		else
			wk_take(k, wk_left(k));
		break;
	case OD_F_ATMA:
		wk_take(k, 1);
		wk_take(k, wk_left(k));
		break;
	case OD_F_A6:
		p = wk_take(k, 1);
		if (p == NULL)
			break;
		if (p[0] > 128) {
			wk_fail(k, OD_EMALF);
			break;
		}
		n = p[0];
		wk_take(k, (128 - n + 7) / 8);
		if (n > 0)
			wk_name(k, OD_F_NAME_L);
		break;
	case OD_F_HIP:
		p = wk_take(k, 4);
		if (p == NULL)
			break;
		n = p[0];
		size_t pklen = od_get_u16(p + 2);
		wk_take(k, n);
		wk_take(k, pklen);
		while (wk_left(k) > 0)
			wk_name(k, OD_F_NAME);
		break;
	case OD_F_AMTRELAY:
		p = wk_take(k, 2);
		if (p == NULL)
			break;
		switch (p[1] & 0x7f) {
		case 0:
			break;
		case 1:
			wk_take(k, 4);
			break;
		case 2:
			wk_take(k, 16);
			break;
		case 3:
			wk_name(k, OD_F_NAME);
			break;
		default:
			/* RFC 8777 §4.2.3: unknown relay types are opaque */
			wk_take(k, wk_left(k));
		}
		break;
	default:
		wk_fail(k, OD_EINVAL);
	}
}

static int walk_rdata(const od_rrtype_desc_t *d, walk_t *k)
{
	uint32_t vals[OD_RDF_MAX] = { 0 };
	for (size_t i = 0; i < OD_RDF_MAX && d->fields[i] != OD_F_END; i++) {
		od_rdf_t f = (od_rdf_t)d->fields[i];
		if (f == OD_F_OPTIONAL) {
			if (wk_left(k) == 0)
				break;
			continue;
		}
		walk_field(k, f, vals, i);
		if (k->r.err)
			return k->r.err;
	}
	if (k->r.err)
		return k->r.err;
	return wk_left(k) == 0 ? 0 : OD_ERDLEN;
}

int od_rdata_unpack(uint16_t type, od_rd_t *r, uint16_t rdlen, uint8_t *out,
                    size_t outcap)
{
	if (r->err)
		return r->err;
	if (od_rd_left(r) < rdlen) {
		od_rd_fail(r, OD_ETRUNC);
		return OD_ETRUNC;
	}
	od_wr_t w;
	od_wr_init(&w, out, outcap);
	const od_rrtype_desc_t *d = layout_of(type);
	if (d == NULL) {
		od_wr_bytes(&w, r->msg + r->pos, rdlen);
		if (w.err)
			return w.err;
		r->pos += rdlen;
		return (int)w.pos;
	}
	walk_t k = { .mode = W_UNPACK, .r = *r, .w = &w };
	k.r.end = r->pos + rdlen;
	int ret = walk_rdata(d, &k);
	if (ret == 0 && w.pos > OD_RDATA_MAXLEN)
		ret = OD_EMALF; /* decompressed beyond what RDLENGTH can hold */
	if (ret < 0) {
		od_rd_fail(r, ret);
		return ret;
	}
	if (w.err)
		return w.err;
	r->pos += rdlen;
	return (int)w.pos;
}

int od_rdata_check(uint16_t type, const uint8_t *rdata, size_t len)
{
	if (len > OD_RDATA_MAXLEN)
		return OD_ERDLEN;
	const od_rrtype_desc_t *d = layout_of(type);
	if (d == NULL)
		return 0;
	walk_t k = { .mode = W_CHECK };
	od_rd_init(&k.r, rdata, len);
	return walk_rdata(d, &k);
}

int od_rdata_pack(uint16_t type, const uint8_t *rdata, size_t len, od_wr_t *w,
                  od_compr_t *c)
{
	if (w->err)
		return w->err;
	const od_rrtype_desc_t *d = layout_of(type);
	if (d == NULL) {
		od_wr_bytes(w, rdata, len);
		return w->err;
	}
	size_t start = w->pos;
	uint16_t ncompr = c ? c->count : 0;
	walk_t k = { .mode = W_PACK, .w = w, .c = c };
	od_rd_init(&k.r, rdata, len);
	int ret = walk_rdata(d, &k);
	if (ret < 0) {
		/*
		 * Invalid input: leave the message as it was, and forget the
		 * names already written, whose bytes are about to be reused.
		 */
		w->pos = start;
		if (c)
			c->count = ncompr;
		return ret;
	}
	return w->err;
}

void od_rdata_canonicalize(uint16_t type, uint8_t *rdata, size_t len)
{
	const od_rrtype_desc_t *d = layout_of(type);
	if (d == NULL || !od_rrtype_canon_lower(type))
		return;
	walk_t k = { .mode = W_CANON, .mut = rdata };
	od_rd_init(&k.r, rdata, len);
	(void)walk_rdata(d, &k);
}

int od_rdata_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = n ? memcmp(a, b, n) : 0;
	if (r != 0)
		return r;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/*
 * Presentation output.
 */

/* Returned by a printer when the layout cannot show the RDATA. */
#define NEED_GENERIC 1

/* A separating blank before every field but the first. */
static void sb_sep(od_sbuf_t *b, size_t start)
{
	if (b->len > start)
		od_sbuf_putc(b, ' ');
}

static void put_b64(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	if (b->err)
		return;
	if (b->cap - b->len <= od_base64_len(n)) {
		b->err = OD_ESPACE;
		return;
	}
	int r = od_base64_encode(p, n, b->buf + b->len, b->cap - b->len);
	if (r < 0)
		b->err = r;
	else
		b->len += (size_t)r;
}

static void put_b32(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	if (b->err)
		return;
	if (b->cap - b->len <= od_base32hex_len(n)) {
		b->err = OD_ESPACE;
		return;
	}
	int r = od_base32hex_encode(p, n, b->buf + b->len, b->cap - b->len);
	if (r < 0)
		b->err = r;
	else
		b->len += (size_t)r;
}

static void put_name(od_sbuf_t *b, const uint8_t *name)
{
	char tmp[OD_NAME_STRLEN];
	int r = od_name_to_str(tmp, sizeof(tmp), name);
	if (r < 0) {
		b->err = b->err ? b->err : r;
		return;
	}
	od_sbuf_putn(b, tmp, (size_t)r);
}

static void put_type(od_sbuf_t *b, uint16_t type)
{
	char tmp[16];
	int r = od_rrtype_to_str(type, tmp, sizeof(tmp));
	if (r > 0)
		od_sbuf_putn(b, tmp, (size_t)r);
}

static void put_a(od_sbuf_t *b, const uint8_t *p)
{
	od_sbuf_printf(b, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
}

static void put_aaaa(od_sbuf_t *b, const uint8_t *p)
{
	char tmp[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, p, tmp, sizeof(tmp)) == NULL) {
		b->err = b->err ? b->err : OD_EINVAL;
		return;
	}
	od_sbuf_puts(b, tmp);
}

/* One octet of a <character-string> outside quotes (RFC 1035 §5.1). */
static void put_cs_octet(od_sbuf_t *b, uint8_t c, bool quoted)
{
	if (c == '"' || c == '\\' ||
	    (!quoted && (c == ';' || c == '(' || c == ')'))) {
		char two[2] = { '\\', (char)c };
		od_sbuf_putn(b, two, 2);
	} else if (c < 0x20 || c > 0x7e || (!quoted && c == ' ')) {
		od_sbuf_printf(b, "\\%03u", c);
	} else {
		od_sbuf_putc(b, (char)c);
	}
}

static void put_qstr(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	od_sbuf_putc(b, '"');
	for (size_t i = 0; i < n; i++)
		put_cs_octet(b, p[i], true);
	od_sbuf_putc(b, '"');
}

/* Seconds since 1970 to YYYYMMDDHHmmSS (RFC 4034 §3.2), in UTC. */
static void put_time(od_sbuf_t *b, uint32_t t)
{
	/* Civil date from a day count (proleptic Gregorian calendar). */
	long days = (long)(t / 86400) + 719468;
	uint32_t secs = t % 86400;
	long era = days / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned day = doy - (153 * mp + 2) / 5 + 1;
	unsigned month = mp < 10 ? mp + 3 : mp - 9;
	long year = (long)yoe + era * 400 + (month <= 2);
	od_sbuf_printf(b, "%04ld%02u%02u%02u%02u%02u", year, month, day,
	               secs / 3600, secs / 60 % 60, secs % 60);
}

/* Types present in one window block of a type bitmap. */
static void put_window(od_sbuf_t *b, size_t start, unsigned window,
                       const uint8_t *bits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned bit = 0; bit < 8; bit++)
			if (bits[i] & (0x80 >> bit)) {
				sb_sep(b, start);
				put_type(b, (uint16_t)(window * 256 + i * 8 +
				                       bit));
			}
}

static int print_bitmap(od_sbuf_t *b, size_t start, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned window = p[i], len = p[i + 1];
		/* A trailing zero octet would not come back from the text. */
		if (p[i + 1 + len] == 0)
			return NEED_GENERIC;
		put_window(b, start, window, p + i + 2, len);
		i += 2 + len;
	}
	return 0;
}

static int print_wks(od_sbuf_t *b, size_t start, const uint8_t *p, size_t n)
{
	if (n > 0 && p[n - 1] == 0)
		return NEED_GENERIC;
	for (size_t i = 0; i < n; i++)
		for (unsigned bit = 0; bit < 8; bit++)
			if (p[i] & (0x80 >> bit)) {
				sb_sep(b, start);
				od_sbuf_printf(b, "%zu", i * 8 + bit);
			}
	return 0;
}

static int print_nxt(od_sbuf_t *b, size_t start, const uint8_t *p, size_t n)
{
	/* Bit 0 set announces another bitmap format (RFC 2535 §5.2). */
	if (n > 0 && (p[n - 1] == 0 || (p[0] & 0x80)))
		return NEED_GENERIC;
	put_window(b, start, 0, p, n);
	return 0;
}

static void put_svc_key(od_sbuf_t *b, uint16_t key)
{
	if (key <= OD_SVC_PRINT_NAMED)
		od_sbuf_puts(b, svc_key_names[key]);
	else
		od_sbuf_printf(b, "key%u", key);
}

/* Find a key among the SvcParams (which are in increasing order). */
static bool svc_has(const uint8_t *p, size_t n, uint16_t key)
{
	for (size_t i = 0; i + 4 <= n; i += 4 + od_get_u16(p + i + 2))
		if (od_get_u16(p + i) == key)
			return true;
	return false;
}

static int print_svc_value(od_sbuf_t *b, uint16_t key, const uint8_t *v,
                           size_t len, const uint8_t *all, size_t all_len)
{
	switch (key) {
	case OD_SVC_MANDATORY:
		od_sbuf_putc(b, '=');
		for (size_t i = 0; i < len; i += 2) {
			uint16_t m = od_get_u16(v + i);
			/* RFC 9460 §8: listed keys must be present */
			if (!svc_has(all, all_len, m))
				return NEED_GENERIC;
			if (i > 0)
				od_sbuf_putc(b, ',');
			put_svc_key(b, m);
		}
		return 0;
	case OD_SVC_ALPN:
		/*
		 * Appendix A.1: ',' and '\' inside an alpn-id are escaped
		 * with '\' first, then the whole value as a char-string.
		 */
		od_sbuf_putc(b, '=');
		for (size_t i = 0; i < len; i += 1 + v[i]) {
			if (i > 0)
				od_sbuf_putc(b, ',');
			for (size_t j = 1; j <= v[i]; j++) {
				uint8_t c = v[i + j];
				if (c == ',' || c == '\\')
					put_cs_octet(b, '\\', false);
				put_cs_octet(b, c, false);
			}
		}
		return 0;
	case OD_SVC_NO_DEFAULT_ALPN:
		/* §7.1.1: meaningless, and refused in zones, without alpn */
		return svc_has(all, all_len, OD_SVC_ALPN) ? 0 : NEED_GENERIC;
	case OD_SVC_OHTTP:
		return 0;
	case OD_SVC_PORT:
		od_sbuf_printf(b, "=%u", od_get_u16(v));
		return 0;
	case OD_SVC_IPV4HINT:
	case OD_SVC_IPV6HINT: {
		size_t step = key == OD_SVC_IPV4HINT ? 4 : 16;
		od_sbuf_putc(b, '=');
		for (size_t i = 0; i < len; i += step) {
			if (i > 0)
				od_sbuf_putc(b, ',');
			if (step == 4)
				put_a(b, v + i);
			else
				put_aaaa(b, v + i);
		}
		return 0;
	}
	case OD_SVC_ECH:
		if (len > 0) {
			od_sbuf_putc(b, '=');
			put_b64(b, v, len);
		}
		return 0;
	case OD_SVC_TLS_GROUPS:
		od_sbuf_putc(b, '=');
		for (size_t i = 0; i < len; i += 2) {
			for (size_t j = 0; j < i; j += 2)
				if (od_get_u16(v + j) == od_get_u16(v + i))
					return NEED_GENERIC; /* zones refuse it */
			if (i > 0)
				od_sbuf_putc(b, ',');
			od_sbuf_printf(b, "%u", od_get_u16(v + i));
		}
		return 0;
	case OD_SVC_DOHPATH:
		/* RFC 9461: a URI template, never empty */
		if (len == 0)
			return NEED_GENERIC;
		/* fall through */
	default:
		if (len > 0) {
			od_sbuf_putc(b, '=');
			for (size_t i = 0; i < len; i++)
				put_cs_octet(b, v[i], false);
		}
		return 0;
	}
}

static int print_svcparams(od_sbuf_t *b, size_t start, const uint8_t *p,
                           size_t n)
{
	for (size_t i = 0; i < n;) {
		uint16_t key = od_get_u16(p + i), len = od_get_u16(p + i + 2);
		const uint8_t *v = p + i + 4;
		if (key == OD_SVC_INVALID)
			return NEED_GENERIC; /* "Invalid key", no text form */
		sb_sep(b, start);
		put_svc_key(b, key);
		int r = print_svc_value(b, key, v, len, p, n);
		if (r != 0)
			return r;
		i += 4 + (size_t)len;
	}
	return 0;
}

static int print_apl(od_sbuf_t *b, size_t start, const uint8_t *p, size_t n)
{
	/* No items: nothing to show, and an empty field is easily lost. */
	if (n == 0)
		return NEED_GENERIC;
	for (size_t i = 0; i < n;) {
		uint16_t afi = od_get_u16(p + i);
		uint8_t prefix = p[i + 2], afdlen = p[i + 3] & 0x7f;
		bool neg = p[i + 3] & 0x80;
		const uint8_t *afd = p + i + 4;
		/*
		 * RFC 3123 §4: trailing zero octets of the address are not
		 * sent, so the text form (full address) cannot show them.
		 */
		if ((afi != 1 && afi != 2) ||
		    (afdlen > 0 && afd[afdlen - 1] == 0))
			return NEED_GENERIC;
		uint8_t addr[16] = { 0 };
		memcpy(addr, afd, afdlen);
		sb_sep(b, start);
		od_sbuf_printf(b, "%s%u:", neg ? "!" : "", afi);
		if (afi == 1)
			put_a(b, addr);
		else
			put_aaaa(b, addr);
		od_sbuf_printf(b, "/%u", prefix);
		i += 4 + (size_t)afdlen;
	}
	return 0;
}

/* LOC size/precision: mantissa and power of ten in centimetres. */
static bool loc_size_ok(uint8_t v)
{
	return (v >> 4) <= 9 && (v & 15) <= 9;
}

static void put_loc_size(od_sbuf_t *b, uint8_t v)
{
	unsigned long long cm = v >> 4;
	for (unsigned e = v & 15; e > 0; e--)
		cm *= 10;
	if ((v & 15) >= 2)
		od_sbuf_printf(b, "%llum", cm / 100);
	else
		od_sbuf_printf(b, "0.%02llum", cm);
}

static void put_loc_angle(od_sbuf_t *b, uint32_t raw, char pos, char neg)
{
	long long v = (long long)raw - (1LL << 31);
	char h = v < 0 ? neg : pos;
	unsigned long long a = (unsigned long long)(v < 0 ? -v : v);
	unsigned long long deg = a / 3600000, min = a / 60000 % 60;
	unsigned long long sec = a / 1000 % 60, ms = a % 1000;
	od_sbuf_printf(b, "%llu %llu %llu.%03llu %c", deg, min, sec, ms, h);
}

static int print_loc(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	if (n != 16 || p[0] != 0)
		return NEED_GENERIC;
	if (!loc_size_ok(p[1]) || !loc_size_ok(p[2]) || !loc_size_ok(p[3]))
		return NEED_GENERIC;
	uint32_t lat = od_get_u32(p + 4), lon = od_get_u32(p + 8);
	long long dlat = (long long)lat - (1LL << 31);
	long long dlon = (long long)lon - (1LL << 31);
	if (dlat > 90LL * 3600000 || dlat < -90LL * 3600000 ||
	    dlon > 180LL * 3600000 || dlon < -180LL * 3600000)
		return NEED_GENERIC;
	put_loc_angle(b, lat, 'N', 'S');
	od_sbuf_putc(b, ' ');
	put_loc_angle(b, lon, 'E', 'W');
	/* altitude: centimetres above a base 100000 m below the ellipsoid */
	long long alt = (long long)od_get_u32(p + 12) - 10000000;
	unsigned long long a = (unsigned long long)(alt < 0 ? -alt : alt);
	od_sbuf_printf(b, " %s%llu.%02llum ", alt < 0 ? "-" : "", a / 100,
	               a % 100);
	put_loc_size(b, p[1]);
	od_sbuf_putc(b, ' ');
	put_loc_size(b, p[2]);
	od_sbuf_putc(b, ' ');
	put_loc_size(b, p[3]);
	return 0;
}

static int print_atma(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	const uint8_t *a = p + 1;
	size_t alen = n - 1;
	if (alen == 0)
		return NEED_GENERIC;
	if (p[0] == 0) { /* AESA: hex digits */
		od_sbuf_hex(b, a, alen, false, false);
		return 0;
	}
	if (p[0] == 1) { /* E.164: '+' and decimal digits */
		for (size_t i = 0; i < alen; i++)
			if (a[i] < '0' || a[i] > '9')
				return NEED_GENERIC;
		od_sbuf_putc(b, '+');
		od_sbuf_putn(b, (const char *)a, alen);
		return 0;
	}
	return NEED_GENERIC;
}

static int print_a6(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	unsigned plen = p[0];
	size_t slen = (128 - plen + 7) / 8;
	od_sbuf_printf(b, "%u", plen);
	if (plen < 128) {
		uint8_t addr[16] = { 0 };
		memcpy(addr + 16 - slen, p + 1, slen);
		od_sbuf_putc(b, ' ');
		put_aaaa(b, addr);
	}
	if (plen > 0) {
		od_sbuf_putc(b, ' ');
		put_name(b, p + 1 + slen);
	}
	(void)n;
	return 0;
}

static int print_hip(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	size_t hitlen = p[0], pklen = od_get_u16(p + 2);
	if (hitlen == 0 || pklen == 0)
		return NEED_GENERIC;
	od_sbuf_printf(b, "%u ", p[1]);
	od_sbuf_hex(b, p + 4, hitlen, true, false);
	od_sbuf_putc(b, ' ');
	put_b64(b, p + 4 + hitlen, pklen);
	for (size_t i = 4 + hitlen + pklen; i < n; i += od_name_len(p + i)) {
		od_sbuf_putc(b, ' ');
		put_name(b, p + i);
	}
	return 0;
}

static int print_amtrelay(od_sbuf_t *b, const uint8_t *p, size_t n)
{
	unsigned rtype = p[1] & 0x7f;
	if (rtype > 3)
		return NEED_GENERIC;
	od_sbuf_printf(b, "%u %u %u ", p[0], p[1] >> 7, rtype);
	switch (rtype) {
	case 0:
		od_sbuf_putc(b, '.');
		break;
	case 1:
		put_a(b, p + 2);
		break;
	case 2:
		put_aaaa(b, p + 2);
		break;
	default:
		put_name(b, p + 2);
	}
	(void)n;
	return 0;
}

/* Print validated RDATA; NEED_GENERIC when the layout cannot show it. */
static int print_rdata(const od_rrtype_desc_t *d, const uint8_t *rd, size_t len,
                       od_sbuf_t *b)
{
	size_t start = b->len;
	size_t pos = 0;
	uint32_t vals[OD_RDF_MAX] = { 0 };
	int r = 0;
	for (size_t i = 0; i < OD_RDF_MAX && d->fields[i] != OD_F_END; i++) {
		od_rdf_t f = (od_rdf_t)d->fields[i];
		const uint8_t *p = rd + pos;
		size_t left = len - pos, n;
		if (f == OD_F_OPTIONAL) {
			if (left == 0)
				break;
			continue;
		}
		/* tails that may print nothing place their own blanks */
		if (f != OD_F_BITMAP && f != OD_F_WKS && f != OD_F_NXT &&
		    f != OD_F_SVCPARAMS && f != OD_F_APL)
			sb_sep(b, start);
		switch (f) {
		case OD_F_U8:
			vals[i] = p[0];
			od_sbuf_printf(b, "%u", p[0]);
			pos += 1;
			break;
		case OD_F_U16:
			od_sbuf_printf(b, "%u", od_get_u16(p));
			pos += 2;
			break;
		case OD_F_U32:
		case OD_F_TTL:
			od_sbuf_printf(b, "%lu", (unsigned long)od_get_u32(p));
			pos += 4;
			break;
		case OD_F_U48:
		case OD_F_U64: {
			size_t w = f == OD_F_U48 ? 6 : 8;
			unsigned long long v = 0;
			for (size_t j = 0; j < w; j++)
				v = v << 8 | p[j];
			od_sbuf_printf(b, "%llu", v);
			pos += w;
			break;
		}
		case OD_F_TYPE:
			put_type(b, od_get_u16(p));
			pos += 2;
			break;
		case OD_F_TIME:
			put_time(b, od_get_u32(p));
			pos += 4;
			break;
		case OD_F_A:
			put_a(b, p);
			pos += 4;
			break;
		case OD_F_AAAA:
			put_aaaa(b, p);
			pos += 16;
			break;
		case OD_F_EUI48:
		case OD_F_EUI64:
			n = f == OD_F_EUI48 ? 6 : 8;
			for (size_t j = 0; j < n; j++)
				od_sbuf_printf(b, j ? "-%02x" : "%02x", p[j]);
			pos += n;
			break;
		case OD_F_ILNP64:
			od_sbuf_printf(b, "%04x:%04x:%04x:%04x", od_get_u16(p),
			               od_get_u16(p + 2), od_get_u16(p + 4),
			               od_get_u16(p + 6));
			pos += 8;
			break;
		case OD_F_NAME_C:
		case OD_F_NAME_L:
		case OD_F_NAME:
			put_name(b, p);
			pos += od_name_len(p);
			break;
		case OD_F_STR:
			put_qstr(b, p + 1, p[0]);
			pos += 1 + (size_t)p[0];
			break;
		case OD_F_CAATAG:
			/* RFC 8659 §4.1: one or more letters and digits */
			if (p[0] == 0)
				return NEED_GENERIC;
			for (size_t j = 1; j <= p[0]; j++) {
				uint8_t c = p[j];
				if (!((c >= 'a' && c <= 'z') ||
				      (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9')))
					return NEED_GENERIC;
			}
			od_sbuf_putn(b, (const char *)p + 1, p[0]);
			pos += 1 + (size_t)p[0];
			break;
		case OD_F_SALT:
			if (p[0] == 0)
				od_sbuf_putc(b, '-');
			else
				od_sbuf_hex(b, p + 1, p[0], true, false);
			pos += 1 + (size_t)p[0];
			break;
		case OD_F_B32HEX:
			if (p[0] == 0)
				return NEED_GENERIC;
			put_b32(b, p + 1, p[0]);
			pos += 1 + (size_t)p[0];
			break;
		case OD_F_B64_U16:
		case OD_F_HEX_U16:
			n = od_get_u16(p);
			od_sbuf_printf(b, "%zu", n);
			if (n > 0) {
				od_sbuf_putc(b, ' ');
				if (f == OD_F_B64_U16)
					put_b64(b, p + 2, n);
				else
					od_sbuf_hex(b, p + 2, n, true, false);
			}
			pos += 2 + n;
			break;
		case OD_F_IPSECKEY_GW:
			switch (vals[1]) {
			case 0:
				od_sbuf_putc(b, '.');
				break;
			case 1:
				put_a(b, p);
				pos += 4;
				break;
			case 2:
				put_aaaa(b, p);
				pos += 16;
				break;
			default:
				put_name(b, p);
				pos += od_name_len(p);
			}
			break;
		case OD_F_STRS:
			if (left == 0)
				return NEED_GENERIC;
			for (size_t j = 0; j < left; j += 1 + (size_t)p[j]) {
				if (j > 0)
					od_sbuf_putc(b, ' ');
				put_qstr(b, p + j + 1, p[j]);
			}
			pos = len;
			break;
		case OD_F_TAILSTR:
			put_qstr(b, p, left);
			pos = len;
			break;
		case OD_F_B64:
		case OD_F_B64_DASH:
			if (left == 0 && f == OD_F_B64)
				return NEED_GENERIC;
			if (left == 0)
				od_sbuf_putc(b, '-');
			else
				put_b64(b, p, left);
			pos = len;
			break;
		case OD_F_HEX:
		case OD_F_HEX_DASH:
			if (left == 0 && f == OD_F_HEX)
				return NEED_GENERIC;
			if (left == 0)
				od_sbuf_putc(b, '-');
			else
				od_sbuf_hex(b, p, left, true, false);
			pos = len;
			break;
		case OD_F_NSAP:
			if (left == 0)
				return NEED_GENERIC;
			od_sbuf_puts(b, "0x");
			od_sbuf_hex(b, p, left, false, false);
			pos = len;
			break;
		case OD_F_BITMAP:
			r = print_bitmap(b, start, p, left);
			pos = len;
			break;
		case OD_F_WKS:
			r = print_wks(b, start, p, left);
			pos = len;
			break;
		case OD_F_NXT:
			r = print_nxt(b, start, p, left);
			pos = len;
			break;
		case OD_F_SVCPARAMS:
			r = print_svcparams(b, start, p, left);
			pos = len;
			break;
		case OD_F_APL:
			r = print_apl(b, start, p, left);
			pos = len;
			break;
		case OD_F_LOC:
			r = print_loc(b, p, left);
			pos = len;
			break;
		case OD_F_ATMA:
			r = print_atma(b, p, left);
			pos = len;
			break;
		case OD_F_A6:
			r = print_a6(b, p, left);
			pos = len;
			break;
		case OD_F_HIP:
			r = print_hip(b, p, left);
			pos = len;
			break;
		case OD_F_AMTRELAY:
			r = print_amtrelay(b, p, left);
			pos = len;
			break;
		default:
			return NEED_GENERIC;
		}
		if (r != 0)
			return r;
	}
	return b->err;
}

int od_rdata_to_generic(const uint8_t *rdata, size_t len, char *out,
                        size_t outcap)
{
	od_sbuf_t b;
	od_sbuf_init(&b, out, outcap);
	if (outcap == 0)
		return OD_ESPACE;
	out[0] = '\0';
	od_sbuf_printf(&b, "\\# %zu", len);
	if (len > 0) {
		od_sbuf_putc(&b, ' ');
		od_sbuf_hex(&b, rdata, len, true, false);
	}
	if (b.err) {
		out[0] = '\0';
		return b.err;
	}
	return (int)b.len;
}

int od_rdata_to_str(uint16_t type, const uint8_t *rdata, size_t len, char *out,
                    size_t outcap)
{
	const od_rrtype_desc_t *d = layout_of(type);
	if (d == NULL || od_rdata_check(type, rdata, len) != 0)
		return od_rdata_to_generic(rdata, len, out, outcap);
	if (outcap == 0)
		return OD_ESPACE;
	out[0] = '\0';
	od_sbuf_t b;
	od_sbuf_init(&b, out, outcap);
	int r = print_rdata(d, rdata, len, &b);
	if (r == NEED_GENERIC)
		return od_rdata_to_generic(rdata, len, out, outcap);
	if (r < 0) {
		out[0] = '\0';
		return r;
	}
	return (int)b.len;
}

size_t od_rdata_str_bound(size_t len)
{
	/*
	 * Most fields grow at most 5-fold (an RR type of 2 octets prints
	 * as "TYPE65535 "); every octet of a type bitmap can name 8 types
	 * of up to 10 characters each, but a bitmap names each of the
	 * 65536 types at most once. 128 covers the fixed-size extras (LOC).
	 */
	size_t bitmap = len * 88;
	if (bitmap > 65536 * 11)
		bitmap = 65536 * 11;
	return 6 * len + bitmap + 128;
}
