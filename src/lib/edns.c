/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/edns.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/sbuf.h"

void od_edns_init(od_edns_t *e, uint16_t udp_size)
{
	memset(e, 0, sizeof(*e));
	e->udp_size = udp_size;
}

int od_edns_parse(od_edns_t *e, const od_rr_t *opt, od_mm_t *mm)
{
	if (opt->type != OD_TYPE_OPT)
		return OD_EOPT;
	/* First pass: framing and count, so the array is allocated once. */
	size_t n = 0, pos = 0;
	while (pos < opt->rdlen) {
		if (opt->rdlen - pos < 4)
			return OD_EOPT;
		size_t len = od_get_u16(opt->rdata + pos + 2);
		if (opt->rdlen - pos - 4 < len)
			return OD_EOPT;
		pos += 4 + len;
		n++;
	}
	od_edns_opt_t *opts = NULL;
	if (n > 0) {
		opts = od_mm_alloc(mm, n * sizeof(*opts));
		if (opts == NULL)
			return OD_ENOMEM;
	}
	pos = 0;
	for (size_t i = 0; i < n; i++) {
		opts[i].code = od_get_u16(opt->rdata + pos);
		opts[i].len = od_get_u16(opt->rdata + pos + 2);
		opts[i].owned = false;
		opts[i].data = opt->rdata + pos + 4;
		pos += 4 + (size_t)opts[i].len;
	}
	e->udp_size = opt->rclass;
	e->ext_rcode = (uint8_t)(opt->ttl >> 24);
	e->version = (uint8_t)(opt->ttl >> 16);
	e->flags = (uint16_t)opt->ttl;
	e->nopts = (uint16_t)n;
	e->cap = (uint16_t)n;
	e->opts = opts;
	return 0;
}

void od_edns_clear(od_edns_t *e, od_mm_t *mm)
{
	for (size_t i = 0; i < e->nopts; i++)
		if (e->opts[i].owned)
			od_mm_free(mm, (void *)e->opts[i].data);
	od_mm_free(mm, e->opts);
	e->opts = NULL;
	e->nopts = 0;
	e->cap = 0;
}

size_t od_edns_rdata_len(const od_edns_t *e)
{
	size_t len = 0;
	for (size_t i = 0; i < e->nopts; i++)
		len += 4 + (size_t)e->opts[i].len;
	return len;
}

int od_edns_add(od_edns_t *e, od_mm_t *mm, uint16_t code, const void *data,
                uint16_t len)
{
	if (od_edns_rdata_len(e) + 4 + len > UINT16_MAX)
		return OD_ELIMIT;
	if (e->nopts == e->cap) {
		size_t ncap = e->cap ? (size_t)e->cap * 2 : 4;
		if (ncap > UINT16_MAX)
			ncap = UINT16_MAX;
		if (ncap <= e->nopts)
			return OD_ELIMIT;
		od_edns_opt_t *n = od_mm_realloc(mm, e->opts, ncap * sizeof(*n),
		                                 e->cap * sizeof(*n));
		if (n == NULL)
			return OD_ENOMEM;
		e->opts = n;
		e->cap = (uint16_t)ncap;
	}
	uint8_t *copy = od_mm_alloc(mm, len);
	if (copy == NULL)
		return OD_ENOMEM;
	if (len)
		memcpy(copy, data, len);
	e->opts[e->nopts++] = (od_edns_opt_t){
		.code = code, .len = len, .owned = true, .data = copy
	};
	return 0;
}

const od_edns_opt_t *od_edns_find(const od_edns_t *e, uint16_t code)
{
	for (size_t i = 0; i < e->nopts; i++)
		if (e->opts[i].code == code)
			return &e->opts[i];
	return NULL;
}

void od_edns_remove(od_edns_t *e, od_mm_t *mm, uint16_t code)
{
	size_t j = 0;
	for (size_t i = 0; i < e->nopts; i++) {
		if (e->opts[i].code == code) {
			if (e->opts[i].owned)
				od_mm_free(mm, (void *)e->opts[i].data);
			continue;
		}
		e->opts[j++] = e->opts[i];
	}
	e->nopts = (uint16_t)j;
}

int od_edns_write(const od_edns_t *e, od_wr_t *w)
{
	return od_edns_write_padded(e, -1, w);
}

int od_edns_write_padded(const od_edns_t *e, int pad, od_wr_t *w)
{
	size_t rdlen = od_edns_rdata_len(e) + (pad >= 0 ? 4 + (size_t)pad : 0);
	if (pad > UINT16_MAX || rdlen > UINT16_MAX) {
		od_wr_fail(w, OD_ELIMIT);
		return w->err;
	}
	od_wr_u8(w, 0);
	od_wr_u16(w, OD_TYPE_OPT);
	od_wr_u16(w, e->udp_size);
	od_wr_u32(w, (uint32_t)e->ext_rcode << 24 | (uint32_t)e->version << 16 |
	                     e->flags);
	od_wr_u16(w, (uint16_t)rdlen);
	for (size_t i = 0; i < e->nopts; i++) {
		od_wr_u16(w, e->opts[i].code);
		od_wr_u16(w, e->opts[i].len);
		od_wr_bytes(w, e->opts[i].data, e->opts[i].len);
	}
	if (pad >= 0) {
		od_wr_u16(w, OD_EDNS_PADDING);
		od_wr_u16(w, (uint16_t)pad);
		uint8_t *p = od_wr_reserve(w, (size_t)pad);
		if (p)
			memset(p, 0, (size_t)pad);
	}
	return w->err;
}

const char *od_edns_opt_name(uint16_t code)
{
	static const char *const names[] = {
		[OD_EDNS_LLQ] = "LLQ",
		[OD_EDNS_UL] = "UL",
		[OD_EDNS_NSID] = "NSID",
		[OD_EDNS_DAU] = "DAU",
		[OD_EDNS_DHU] = "DHU",
		[OD_EDNS_N3U] = "N3U",
		[OD_EDNS_ECS] = "CLIENT-SUBNET",
		[OD_EDNS_EXPIRE] = "EXPIRE",
		[OD_EDNS_COOKIE] = "COOKIE",
		[OD_EDNS_KEEPALIVE] = "TCP-KEEPALIVE",
		[OD_EDNS_PADDING] = "PADDING",
		[OD_EDNS_CHAIN] = "CHAIN",
		[OD_EDNS_KEYTAG] = "KEY-TAG",
		[OD_EDNS_EDE] = "EDE",
		[OD_EDNS_CLIENT_TAG] = "CLIENT-TAG",
		[OD_EDNS_SERVER_TAG] = "SERVER-TAG",
		[OD_EDNS_REPORT_CHANNEL] = "REPORT-CHANNEL",
		[OD_EDNS_ZONEVERSION] = "ZONEVERSION",
	};
	if (code < sizeof(names) / sizeof(names[0]))
		return names[code];
	return NULL;
}

/* COOKIE */

int od_edns_cookie_parse(const od_edns_opt_t *o, od_edns_cookie_t *out)
{
	size_t len = o->len;
	if (len != OD_COOKIE_CLIENT_LEN &&
	    (len < OD_COOKIE_CLIENT_LEN + OD_COOKIE_SERVER_MIN ||
	     len > OD_COOKIE_CLIENT_LEN + OD_COOKIE_SERVER_MAX))
		return OD_EMALF;
	memcpy(out->client, o->data, OD_COOKIE_CLIENT_LEN);
	out->server_len = (uint8_t)(len - OD_COOKIE_CLIENT_LEN);
	memset(out->server, 0, sizeof(out->server));
	memcpy(out->server, o->data + OD_COOKIE_CLIENT_LEN, out->server_len);
	return 0;
}

int od_edns_add_cookie(od_edns_t *e, od_mm_t *mm, const od_edns_cookie_t *c)
{
	if (c->server_len != 0 && (c->server_len < OD_COOKIE_SERVER_MIN ||
	                           c->server_len > OD_COOKIE_SERVER_MAX))
		return OD_EINVAL;
	uint8_t buf[OD_COOKIE_CLIENT_LEN + OD_COOKIE_SERVER_MAX];
	memcpy(buf, c->client, OD_COOKIE_CLIENT_LEN);
	memcpy(buf + OD_COOKIE_CLIENT_LEN, c->server, c->server_len);
	return od_edns_add(e, mm, OD_EDNS_COOKIE, buf,
	                   (uint16_t)(OD_COOKIE_CLIENT_LEN + c->server_len));
}

/* PADDING */

int od_edns_add_padding(od_edns_t *e, od_mm_t *mm, uint16_t len)
{
	if (od_edns_rdata_len(e) + 4 + len > UINT16_MAX)
		return OD_ELIMIT;
	uint8_t *zero = od_mm_calloc(mm, len);
	if (zero == NULL)
		return OD_ENOMEM;
	int ret = od_edns_add(e, mm, OD_EDNS_PADDING, zero, len);
	od_mm_free(mm, zero);
	return ret;
}

uint16_t od_edns_padding_len(size_t msg_len, size_t block, size_t max)
{
	if (msg_len + 4 > max)
		return 0;
	size_t total = msg_len + 4;
	size_t pad = 0;
	if (block > 1 && total % block)
		pad = block - total % block;
	if (total + pad > max)
		pad = max - total;
	if (pad > UINT16_MAX - 4)
		pad = UINT16_MAX - 4;
	return (uint16_t)pad;
}

/* Extended DNS Errors */

int od_edns_ede_parse(const od_edns_opt_t *o, od_edns_ede_t *out)
{
	if (o->len < 2)
		return OD_EMALF;
	out->code = od_get_u16(o->data);
	out->text_len = (uint16_t)(o->len - 2);
	out->text = (const char *)o->data + 2;
	return 0;
}

int od_edns_add_ede(od_edns_t *e, od_mm_t *mm, uint16_t code, const char *text,
                    size_t text_len)
{
	if (text == NULL)
		text_len = 0;
	if (text_len > UINT16_MAX - 2)
		return OD_ELIMIT;
	uint8_t *buf = od_mm_alloc(mm, 2 + text_len);
	if (buf == NULL)
		return OD_ENOMEM;
	od_put_u16(buf, code);
	if (text_len)
		memcpy(buf + 2, text, text_len);
	int ret =
	        od_edns_add(e, mm, OD_EDNS_EDE, buf, (uint16_t)(2 + text_len));
	od_mm_free(mm, buf);
	return ret;
}

const char *od_ede_name(uint16_t code)
{
	static const char *const names[] = {
		"Other Error",
		"Unsupported DNSKEY Algorithm",
		"Unsupported DS Digest Type",
		"Stale Answer",
		"Forged Answer",
		"DNSSEC Indeterminate",
		"DNSSEC Bogus",
		"Signature Expired",
		"Signature Not Yet Valid",
		"DNSKEY Missing",
		"RRSIGs Missing",
		"No Zone Key Bit Set",
		"NSEC Missing",
		"Cached Error",
		"Not Ready",
		"Blocked",
		"Censored",
		"Filtered",
		"Prohibited",
		"Stale NXDomain Answer",
		"Not Authoritative",
		"Not Supported",
		"No Reachable Authority",
		"Network Error",
		"Invalid Data",
		"Signature Expired before Valid",
		"Too Early",
		"Unsupported NSEC3 Iterations Value",
		"Unable to conform to policy",
		"Synthesized",
		"Invalid Query Type",
	};
	if (code < sizeof(names) / sizeof(names[0]))
		return names[code];
	return NULL;
}

/* edns-key-tag */

int od_edns_keytag_parse(const od_edns_opt_t *o, uint16_t *tags, size_t cap)
{
	if (o->len == 0 || o->len % 2)
		return OD_EMALF;
	size_t n = o->len / 2;
	for (size_t i = 0; i < n && i < cap; i++)
		tags[i] = od_get_u16(o->data + 2 * i);
	return (int)n;
}

int od_edns_add_keytag(od_edns_t *e, od_mm_t *mm, const uint16_t *tags,
                       size_t n)
{
	if (n == 0 || n > (UINT16_MAX - 4) / 2)
		return OD_EINVAL;
	uint8_t *buf = od_mm_alloc(mm, 2 * n);
	if (buf == NULL)
		return OD_ENOMEM;
	for (size_t i = 0; i < n; i++)
		od_put_u16(buf + 2 * i, tags[i]);
	int ret = od_edns_add(e, mm, OD_EDNS_KEYTAG, buf, (uint16_t)(2 * n));
	od_mm_free(mm, buf);
	return ret;
}

/* Client subnet */

static int ecs_addr_bits(uint16_t family)
{
	switch (family) {
	case 1:
		return 32;
	case 2:
		return 128;
	default:
		return -1;
	}
}

int od_edns_ecs_parse(const od_edns_opt_t *o, od_edns_ecs_t *out)
{
	if (o->len < 4)
		return OD_EMALF;
	uint16_t family = od_get_u16(o->data);
	uint8_t source = o->data[2], scope = o->data[3];
	int bits = ecs_addr_bits(family);
	if (bits < 0)
		return OD_ENOTSUP;
	if (source > bits || scope > bits)
		return OD_EMALF;
	size_t alen = ((size_t)source + 7) / 8;
	if ((size_t)o->len - 4 != alen)
		return OD_EMALF;
	/* RFC 7871 §6: bits past the source prefix MUST be zero. */
	if (source % 8 && (o->data[4 + alen - 1] & (0xff >> (source % 8))))
		return OD_EMALF;
	out->family = family;
	out->source = source;
	out->scope = scope;
	memset(out->addr, 0, sizeof(out->addr));
	memcpy(out->addr, o->data + 4, alen);
	return 0;
}

int od_edns_add_ecs(od_edns_t *e, od_mm_t *mm, const od_edns_ecs_t *ecs)
{
	int bits = ecs_addr_bits(ecs->family);
	if (bits < 0 || ecs->source > bits || ecs->scope > bits)
		return OD_EINVAL;
	uint8_t buf[4 + 16];
	size_t alen = ((size_t)ecs->source + 7) / 8;
	od_put_u16(buf, ecs->family);
	buf[2] = ecs->source;
	buf[3] = ecs->scope;
	memcpy(buf + 4, ecs->addr, alen);
	if (ecs->source % 8)
		buf[4 + alen - 1] &= (uint8_t)(0xff00 >> (ecs->source % 8));
	return od_edns_add(e, mm, OD_EDNS_ECS, buf, (uint16_t)(4 + alen));
}

/* EXPIRE, TCP keepalive */

int od_edns_expire_parse(const od_edns_opt_t *o, bool *present,
                         uint32_t *expire)
{
	if (o->len == 0) {
		*present = false;
		return 0;
	}
	if (o->len != 4)
		return OD_EMALF;
	*present = true;
	*expire = od_get_u32(o->data);
	return 0;
}

int od_edns_keepalive_parse(const od_edns_opt_t *o, bool *present,
                            uint16_t *timeout)
{
	if (o->len == 0) {
		*present = false;
		return 0;
	}
	if (o->len != 2)
		return OD_EMALF;
	*present = true;
	*timeout = od_get_u16(o->data);
	return 0;
}

/* Printing */

/* Printable ASCII in quotes, other octets as '.', as dig shows NSID. */
static void sb_ascii(od_sbuf_t *sb, const uint8_t *p, size_t n)
{
	od_sbuf_printf(sb, " (\"");
	for (size_t i = 0; i < n && !sb->err; i++) {
		uint8_t c = p[i];
		od_sbuf_printf(sb, "%c",
		               c >= 0x20 && c < 0x7f && c != '"' ? c : '.');
	}
	od_sbuf_printf(sb, "\")");
}

/* EDE extra text: printable ASCII as is; others and ')' as \DDD. */
static void sb_text(od_sbuf_t *sb, const char *t, size_t n)
{
	for (size_t i = 0; i < n && !sb->err; i++) {
		uint8_t c = (uint8_t)t[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != ')')
			od_sbuf_printf(sb, "%c", c);
		else
			od_sbuf_printf(sb, "\\%03u", c);
	}
}

/* 1: printed, 0: no typed form, -1: malformed content. */
static int print_typed(od_sbuf_t *sb, const od_edns_opt_t *o)
{
	switch (o->code) {
	case OD_EDNS_COOKIE: {
		od_edns_cookie_t c;
		if (od_edns_cookie_parse(o, &c) != 0)
			return -1;
		od_sbuf_hex(sb, o->data, o->len, false, false);
		return 1;
	}
	case OD_EDNS_NSID:
		if (o->len) {
			od_sbuf_hex(sb, o->data, o->len, false, true);
			sb_ascii(sb, o->data, o->len);
		}
		return 1;
	case OD_EDNS_EDE: {
		od_edns_ede_t d;
		if (od_edns_ede_parse(o, &d) != 0)
			return -1;
		const char *name = od_ede_name(d.code);
		od_sbuf_printf(sb, "%u", d.code);
		if (name)
			od_sbuf_printf(sb, " (%s)", name);
		if (d.text_len) {
			od_sbuf_printf(sb, ": (");
			sb_text(sb, d.text, d.text_len);
			od_sbuf_printf(sb, ")");
		}
		return 1;
	}
	case OD_EDNS_ECS: {
		od_edns_ecs_t s;
		char addr[INET6_ADDRSTRLEN];
		if (od_edns_ecs_parse(o, &s) != 0)
			return -1;
		if (inet_ntop(s.family == 1 ? AF_INET : AF_INET6, s.addr, addr,
		              sizeof(addr)) == NULL)
			return -1;
		od_sbuf_printf(sb, "%s/%u/%u", addr, s.source, s.scope);
		return 1;
	}
	case OD_EDNS_PADDING:
		od_sbuf_printf(sb, "(%u bytes)", o->len);
		return 1;
	case OD_EDNS_KEYTAG: {
		if (od_edns_keytag_parse(o, NULL, 0) < 0)
			return -1;
		for (size_t i = 0; i < o->len / 2u; i++)
			od_sbuf_printf(sb, i ? ", %u" : "%u",
			               od_get_u16(o->data + 2 * i));
		return 1;
	}
	case OD_EDNS_EXPIRE: {
		bool present;
		uint32_t v;
		if (od_edns_expire_parse(o, &present, &v) != 0)
			return -1;
		if (present)
			od_sbuf_printf(sb, "%u", v);
		return 1;
	}
	case OD_EDNS_KEEPALIVE: {
		bool present;
		uint16_t v;
		if (od_edns_keepalive_parse(o, &present, &v) != 0)
			return -1;
		if (present)
			od_sbuf_printf(sb, "%u.%u secs", v / 10, v % 10);
		return 1;
	}
	case OD_EDNS_DAU:
	case OD_EDNS_DHU:
	case OD_EDNS_N3U:
		for (size_t i = 0; i < o->len; i++)
			od_sbuf_printf(sb, i ? " %u" : "%u", o->data[i]);
		return 1;
	case OD_EDNS_CHAIN: {
		if (od_name_check(o->data, o->len) != (int)o->len)
			return -1;
		char name[OD_NAME_STRLEN];
		if (od_name_to_str(name, sizeof(name), o->data) < 0)
			return -1;
		od_sbuf_printf(sb, "%s", name);
		return 1;
	}
	default:
		return 0;
	}
}

int od_edns_opt_to_str(const od_edns_opt_t *o, char *out, size_t outcap)
{
	od_sbuf_t sb;
	od_sbuf_init(&sb, out, outcap);
	if (outcap == 0)
		return OD_ESPACE;
	out[0] = '\0';
	/* dig labels padding "PAD"; the rest by the registry's names. */
	const char *name =
	        o->code == OD_EDNS_PADDING ? "PAD" : od_edns_opt_name(o->code);
	if (name)
		od_sbuf_printf(&sb, "%s: ", name);
	else
		od_sbuf_printf(&sb, "OPT=%u: ", o->code);
	size_t mark = sb.len;
	int typed = sb.err ? 1 : print_typed(&sb, o);
	if (typed <= 0 && !sb.err) {
		sb.len = mark;
		od_sbuf_hex(&sb, o->data, o->len, false, true);
		if (typed == 0 && o->len)
			sb_ascii(&sb, o->data, o->len);
		if (typed < 0)
			od_sbuf_printf(&sb, " (malformed)");
	}
	if (sb.err)
		return sb.err;
	/* Strip the trailing blank of an empty option ("NSID: "). */
	if (sb.len > 0 && out[sb.len - 1] == ' ')
		out[--sb.len] = '\0';
	return (int)sb.len;
}
