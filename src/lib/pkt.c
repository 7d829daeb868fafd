/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pkt.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/sbuf.h"

/* Smallest question (root, type, class) and record (plus TTL, RDLENGTH). */
#define QD_MINLEN 5
#define RR_MINLEN 11

const char *od_opcode_name(uint8_t opcode)
{
	static const char *const names[] = {
		[OD_OPCODE_QUERY] = "QUERY",   [OD_OPCODE_IQUERY] = "IQUERY",
		[OD_OPCODE_STATUS] = "STATUS", [OD_OPCODE_NOTIFY] = "NOTIFY",
		[OD_OPCODE_UPDATE] = "UPDATE", [OD_OPCODE_DSO] = "DSO",
	};
	return opcode < sizeof(names) / sizeof(names[0]) ? names[opcode] : NULL;
}

const char *od_rcode_name(uint16_t rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR",   "SERVFAIL", "NXDOMAIN",  "NOTIMP",
		"REFUSED", "YXDOMAIN",  "YXRRSET",  "NXRRSET",   "NOTAUTH",
		"NOTZONE", "DSOTYPENI", NULL,       NULL,        NULL,
		NULL,      "BADVERS",   "BADKEY",   "BADTIME",   "BADMODE",
		"BADNAME", "BADALG",    "BADTRUNC", "BADCOOKIE",
	};
	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : NULL;
}

void od_hdr_unpack(od_hdr_t *h, const uint8_t wire[OD_HDR_LEN])
{
	uint8_t f1 = wire[2], f2 = wire[3];
	h->id = od_get_u16(wire);
	h->qr = f1 & 0x80;
	h->opcode = (f1 >> 3) & 0x0f;
	h->aa = f1 & 0x04;
	h->tc = f1 & 0x02;
	h->rd = f1 & 0x01;
	h->ra = f2 & 0x80;
	h->z = f2 & 0x40;
	h->ad = f2 & 0x20;
	h->cd = f2 & 0x10;
	h->rcode = f2 & 0x0f;
}

void od_hdr_pack(const od_hdr_t *h, uint8_t wire[OD_HDR_LEN])
{
	od_put_u16(wire, h->id);
	wire[2] = (uint8_t)((h->qr ? 0x80 : 0) | (h->opcode & 0x0f) << 3 |
	                    (h->aa ? 0x04 : 0) | (h->tc ? 0x02 : 0) |
	                    (h->rd ? 0x01 : 0));
	wire[3] = (uint8_t)((h->ra ? 0x80 : 0) | (h->z ? 0x40 : 0) |
	                    (h->ad ? 0x20 : 0) | (h->cd ? 0x10 : 0) |
	                    (h->rcode & 0x0f));
}

/* Parsing */

typedef struct parse_ctx {
	od_pkt_t *p;
	od_rd_t r;
	uint8_t *big;        /* 64 KiB scratch for large RDATA, from p->mm */
	const uint8_t *prev; /* previous owner, shared when equal */
	size_t prev_len;
} parse_ctx_t;

static const uint8_t *dup_name(parse_ctx_t *c, const uint8_t *name, size_t len)
{
	/* Records of an RRset share their owner: keep one copy. */
	if (c->prev && c->prev_len == len && memcmp(c->prev, name, len) == 0)
		return c->prev;
	uint8_t *copy = od_mm_dup(c->p->mm, name, len);
	if (copy) {
		c->prev = copy;
		c->prev_len = len;
	}
	return copy;
}

static int read_rdata(parse_ctx_t *c, od_rr_t *rr, uint16_t rdlen)
{
	/*
	 * Decompression can make RDATA longer than RDLENGTH. Most RDATA
	 * fits the stack buffer; larger RDATA takes a 64 KiB scratch once
	 * per message. Uncompressed RDATA over 65535 octets could never be
	 * written again: the message is malformed.
	 */
	uint8_t small[2048];
	od_rd_t sub = c->r;
	sub.end = c->r.pos + rdlen;
	int len = od_rdata_unpack(rr->type, &sub, rdlen, small, sizeof(small));
	const uint8_t *src = small;
	if (len == OD_ESPACE) {
		if (c->big == NULL) {
			c->big = od_mm_alloc(c->p->mm, OD_RDATA_MAXLEN);
			if (c->big == NULL)
				return OD_ENOMEM;
		}
		sub = c->r;
		sub.end = c->r.pos + rdlen;
		len = od_rdata_unpack(rr->type, &sub, rdlen, c->big,
		                      OD_RDATA_MAXLEN);
		if (len == OD_ESPACE)
			return OD_EMALF;
		src = c->big;
	}
	if (len < 0)
		return len;
	if (sub.err)
		return sub.err;
	if (sub.pos != sub.end)
		return OD_ERDLEN;
	c->r.pos = sub.end;
	uint8_t *copy = od_mm_dup(c->p->mm, src, (size_t)len);
	if (copy == NULL)
		return OD_ENOMEM;
	rr->rdata = copy;
	rr->rdlen = (uint16_t)len;
	return 0;
}

static int read_question(parse_ctx_t *c, od_question_t *q)
{
	uint8_t name[OD_NAME_MAXLEN];
	int len = od_name_unpack(&c->r, name);
	if (len < 0)
		return len;
	q->qtype = od_rd_u16(&c->r);
	q->qclass = od_rd_u16(&c->r);
	if (c->r.err)
		return c->r.err;
	q->qname = dup_name(c, name, (size_t)len);
	return q->qname ? 0 : OD_ENOMEM;
}

static int read_rr(parse_ctx_t *c, od_section_t s, uint16_t i, od_rr_t *rr)
{
	od_pkt_t *p = c->p;
	uint8_t name[OD_NAME_MAXLEN];
	int len = od_name_unpack(&c->r, name);
	if (len < 0)
		return len;
	rr->type = od_rd_u16(&c->r);
	rr->rclass = od_rd_u16(&c->r);
	rr->ttl = od_rd_u32(&c->r);
	uint16_t rdlen = od_rd_u16(&c->r);
	if (c->r.err)
		return c->r.err;
	if (rdlen > od_rd_left(&c->r))
		return OD_ETRUNC;
	if (rr->type == OD_TYPE_OPT) {
		if (s != OD_ADDITIONAL || len != 1)
			return OD_EOPT;
		if (p->opt)
			return OD_EDUPOPT;
		p->opt = rr;
	} else if (rr->type == OD_TYPE_TSIG) {
		if (s != OD_ADDITIONAL || i + 1 != p->count[s])
			return OD_ETSIG;
		p->tsig = rr;
	}
	rr->owner = dup_name(c, name, (size_t)len);
	if (rr->owner == NULL)
		return OD_ENOMEM;
	/*
	 * UPDATE prerequisites and deletions (RFC 2136 §2.4, §2.5) carry
	 * class ANY or NONE with empty RDATA whatever the type.
	 */
	if (rdlen == 0 &&
	    (rr->rclass == OD_CLASS_ANY || rr->rclass == OD_CLASS_NONE)) {
		rr->rdata = (const uint8_t *)"";
		rr->rdlen = 0;
		return 0;
	}
	return read_rdata(c, rr, rdlen);
}

static int parse(parse_ctx_t *c, const uint8_t *wire, size_t len,
                 unsigned flags)
{
	od_pkt_t *p = c->p;
	if (len < OD_HDR_LEN)
		return OD_ETRUNC;
	od_hdr_unpack(&p->hdr, wire);
	size_t need = 0;
	for (int s = 0; s < 4; s++) {
		p->count[s] = od_get_u16(wire + 4 + 2 * s);
		need += (size_t)p->count[s] * (s ? RR_MINLEN : QD_MINLEN);
	}
	/* Counts the message cannot hold: refuse before allocating. */
	if (need > len - OD_HDR_LEN)
		return OD_ETRUNC;
	od_rd_init(&c->r, wire, len);
	c->r.pos = OD_HDR_LEN;

	if (p->count[OD_QUESTION]) {
		p->qd = od_mm_alloc(p->mm,
		                    p->count[OD_QUESTION] * sizeof(*p->qd));
		if (p->qd == NULL)
			return OD_ENOMEM;
	}
	for (uint16_t i = 0; i < p->count[OD_QUESTION]; i++) {
		int ret = read_question(c, &p->qd[i]);
		if (ret)
			return ret;
	}
	for (int s = OD_ANSWER; s <= OD_ADDITIONAL; s++) {
		if (p->count[s] == 0)
			continue;
		p->rr[s] = od_mm_alloc(p->mm, p->count[s] * sizeof(od_rr_t));
		if (p->rr[s] == NULL)
			return OD_ENOMEM;
		for (uint16_t i = 0; i < p->count[s]; i++) {
			int ret = read_rr(c, (od_section_t)s, i, &p->rr[s][i]);
			if (ret)
				return ret;
		}
	}
	p->wire_len = c->r.pos;
	p->trailing = len - c->r.pos;
	if (p->trailing && !(flags & OD_PKT_TRAILING_OK))
		return OD_ETRAILING;

	p->rcode = p->hdr.rcode;
	if (p->opt) {
		int ret = od_edns_parse(&p->edns, p->opt, p->mm);
		if (ret)
			return ret;
		p->rcode |= (uint16_t)(p->edns.ext_rcode << 4);
	}
	return 0;
}

int od_pkt_parse(od_pkt_t *p, const uint8_t *wire, size_t len, od_mm_t *mm,
                 unsigned flags)
{
	memset(p, 0, sizeof(*p));
	if (mm == NULL) {
		/* A private arena: one free for the whole view. */
		p->own = malloc(sizeof(*p->own));
		if (p->own == NULL)
			return OD_ENOMEM;
		od_arena_init(p->own, len * 2 + 1024);
		mm = &p->own->mm;
	}
	p->mm = mm;
	parse_ctx_t c = { .p = p };
	int ret = parse(&c, wire, len, flags);
	if (c.big && p->own == NULL)
		od_mm_free(mm, c.big);
	if (ret) {
		od_pkt_free(p);
		memset(p, 0, sizeof(*p));
	}
	return ret;
}

void od_pkt_free(od_pkt_t *p)
{
	if (p->own) {
		od_arena_deinit(p->own);
		free(p->own);
		p->own = NULL;
		p->mm = NULL;
	}
}

/* Building */

int od_pkt_w_init(od_pkt_w_t *b, uint8_t *buf, size_t max, const od_hdr_t *hdr)
{
	memset(b, 0, sizeof(*b));
	if (max > OD_PKT_MAXLEN)
		max = OD_PKT_MAXLEN;
	if (max < OD_HDR_LEN)
		return OD_ESPACE;
	b->max = max;
	od_wr_init(&b->w, buf, max);
	od_compr_init(&b->compr, buf);
	uint8_t *h = od_wr_reserve(&b->w, OD_HDR_LEN);
	memset(h, 0, OD_HDR_LEN);
	od_hdr_pack(hdr, h);
	b->rcode = hdr->rcode & 0x0f;
	return 0;
}

static int set_reserve(od_pkt_w_t *b, size_t reserve)
{
	if (reserve > b->max || b->w.pos > b->max - reserve)
		return OD_ESPACE;
	b->reserve = reserve;
	b->w.cap = b->max - reserve;
	return 0;
}

int od_pkt_w_edns(od_pkt_w_t *b, const od_edns_t *edns)
{
	if (b->edns || b->finished)
		return OD_EINVAL;
	int ret = set_reserve(b, b->reserve + od_edns_wire_len(edns));
	if (ret)
		return ret;
	b->edns = edns;
	b->rcode |= (uint16_t)(edns->ext_rcode << 4);
	return 0;
}

int od_pkt_w_padding(od_pkt_w_t *b, uint16_t block)
{
	if (b->edns == NULL || b->pad_block || b->finished || block == 0)
		return OD_EINVAL;
	int ret = set_reserve(b, b->reserve + 4);
	if (ret == 0)
		b->pad_block = block;
	return ret;
}

int od_pkt_w_reserve(od_pkt_w_t *b, size_t n)
{
	if (b->finished)
		return OD_EINVAL;
	int ret = set_reserve(b, b->reserve + n);
	if (ret == 0)
		b->extra += n;
	return ret;
}

void od_pkt_w_rcode(od_pkt_w_t *b, uint16_t rcode)
{
	b->rcode = rcode & 0x0fff;
}

int od_pkt_w_question(od_pkt_w_t *b, const uint8_t *qname, uint16_t qtype,
                      uint16_t qclass)
{
	if (b->section != OD_QUESTION || b->finished)
		return OD_EINVAL;
	if (b->count[OD_QUESTION] == UINT16_MAX)
		return OD_ELIMIT;
	size_t pos = b->w.pos;
	uint16_t ncompr = b->compr.count;
	od_name_pack(&b->w, qname, &b->compr);
	od_wr_u16(&b->w, qtype);
	od_wr_u16(&b->w, qclass);
	if (b->w.err) {
		int err = b->w.err;
		b->w.pos = pos;
		b->w.err = 0;
		b->compr.count = ncompr;
		return err;
	}
	b->count[OD_QUESTION]++;
	return 0;
}

int od_pkt_w_rrset(od_pkt_w_t *b, od_section_t section, const od_rr_t *rrs,
                   size_t n)
{
	if (b->finished || section <= OD_QUESTION || section > OD_ADDITIONAL ||
	    section < b->section)
		return OD_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (rrs[i].type == OD_TYPE_OPT)
			return OD_EOPT;
		if (rrs[i].type == OD_TYPE_TSIG)
			return OD_ETSIG;
	}
	if (b->tc)
		return OD_ESPACE;
	if (n > (size_t)(UINT16_MAX - b->count[section]))
		return OD_ELIMIT;
	b->section = (uint8_t)section;
	size_t pos = b->w.pos;
	uint16_t ncompr = b->compr.count;
	for (size_t i = 0; i < n && !b->w.err; i++)
		od_rr_write(&b->w, &rrs[i], &b->compr);
	if (b->w.err) {
		int err = b->w.err;
		/* Cut back to the RRset boundary, forgetting its names. */
		b->w.pos = pos;
		b->w.err = 0;
		b->compr.count = ncompr;
		if (err != OD_ESPACE)
			return err;
		if (section != OD_ADDITIONAL)
			b->tc = true;
		return OD_ESPACE;
	}
	b->count[section] += (uint16_t)n;
	return 0;
}

void od_pkt_w_set_tc(od_pkt_w_t *b)
{
	b->tc = true;
}

static void write_counts(od_pkt_w_t *b)
{
	uint8_t *h = b->w.buf;
	if (b->tc)
		h[2] |= 0x02;
	h[3] = (uint8_t)((h[3] & 0xf0) | (b->rcode & 0x0f));
	for (int s = 0; s < 4; s++)
		od_put_u16(h + 4 + 2 * s, b->count[s]);
}

int od_pkt_w_finish(od_pkt_w_t *b)
{
	if (b->finished)
		return OD_EINVAL;
	if (b->rcode > 0x0f && b->edns == NULL)
		return OD_ERANGE;
	b->w.cap = b->max - b->extra;
	if (b->edns) {
		od_edns_t e = *b->edns;
		e.ext_rcode = (uint8_t)(b->rcode >> 4);
		int pad = -1;
		if (b->pad_block)
			pad = od_edns_padding_len(b->w.pos +
			                                  od_edns_wire_len(&e),
			                          b->pad_block, b->w.cap);
		int ret = od_edns_write_padded(&e, pad, &b->w);
		if (od_fails(ret != 0))
			return ret;
		b->count[OD_ADDITIONAL]++;
	}
	b->finished = true;
	write_counts(b);
	return (int)b->w.pos;
}

int od_pkt_w_last(od_pkt_w_t *b, const od_rr_t *rr)
{
	if (!b->finished)
		return OD_EINVAL;
	if (b->count[OD_ADDITIONAL] == UINT16_MAX)
		return OD_ELIMIT;
	b->w.cap = b->max;
	size_t pos = b->w.pos;
	od_rr_write(&b->w, rr, NULL);
	if (b->w.err) {
		int err = b->w.err;
		b->w.pos = pos;
		b->w.err = 0;
		return err;
	}
	b->count[OD_ADDITIONAL]++;
	write_counts(b);
	return (int)b->w.pos;
}

/* Printing */

/* Call a writer f(out, cap) that returns a length or an error. */
#define SB_CALL(sb, call_with_out_cap)                                         \
	do {                                                                   \
		if ((sb)->err)                                                 \
			break;                                                 \
		char *out_ = (sb)->buf + (sb)->len;                            \
		size_t cap_ = (sb)->cap - (sb)->len;                           \
		int n_ = call_with_out_cap;                                    \
		if (n_ < 0)                                                    \
			(sb)->err = n_;                                        \
		else                                                           \
			(sb)->len += (size_t)n_;                               \
	} while (0)

static void print_header(od_sbuf_t *sb, const od_pkt_t *p)
{
	const char *op = od_opcode_name(p->hdr.opcode);
	const char *rc = od_rcode_name(p->rcode);
	od_sbuf_printf(sb, ";; ->>HEADER<<- opcode: ");
	if (op)
		od_sbuf_printf(sb, "%s", op);
	else
		od_sbuf_printf(sb, "RESERVED%u", p->hdr.opcode);
	od_sbuf_printf(sb, ", status: ");
	if (rc)
		od_sbuf_printf(sb, "%s", rc);
	else
		od_sbuf_printf(sb, "RESERVED%u", p->rcode);
	od_sbuf_printf(sb, ", id: %u\n;; flags:", p->hdr.id);
	const struct {
		bool on;
		const char *name;
	} fl[] = {
		{ p->hdr.qr, "qr" }, { p->hdr.aa, "aa" }, { p->hdr.tc, "tc" },
		{ p->hdr.rd, "rd" }, { p->hdr.ra, "ra" }, { p->hdr.z, "z" },
		{ p->hdr.ad, "ad" }, { p->hdr.cd, "cd" },
	};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (fl[i].on)
			od_sbuf_printf(sb, " %s", fl[i].name);
	if (p->hdr.opcode == OD_OPCODE_UPDATE)
		od_sbuf_printf(
		        sb,
		        "; ZONE: %u, PREREQ: %u, UPDATE: %u, ADDITIONAL: %u\n",
		        p->count[0], p->count[1], p->count[2], p->count[3]);
	else
		od_sbuf_printf(
		        sb,
		        "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n",
		        p->count[0], p->count[1], p->count[2], p->count[3]);
}

static void print_edns(od_sbuf_t *sb, const od_pkt_t *p)
{
	const od_edns_t *e = &p->edns;
	od_sbuf_printf(sb,
	               "\n;; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:",
	               e->version);
	if (e->flags & OD_EDNS_DO)
		od_sbuf_printf(sb, " do");
	if (e->flags & ~OD_EDNS_DO)
		od_sbuf_printf(sb, "; MBZ: 0x%04x", e->flags & ~OD_EDNS_DO);
	od_sbuf_printf(sb, "; udp: %u\n", e->udp_size);
	for (size_t i = 0; i < e->nopts; i++) {
		od_sbuf_printf(sb, "; ");
		SB_CALL(sb, od_edns_opt_to_str(&e->opts[i], out_, cap_));
		od_sbuf_printf(sb, "\n");
	}
}

static void print_rr(od_sbuf_t *sb, const od_rr_t *rr)
{
	SB_CALL(sb, od_rr_to_str(rr, out_, cap_));
	od_sbuf_printf(sb, "\n");
}

/* Section names as dig shows them; UPDATE renames them (RFC 2136 §2). */
static const char *section_name(const od_pkt_t *p, od_section_t s)
{
	static const char *const names[] = { "QUESTION", "ANSWER", "AUTHORITY",
		                             "ADDITIONAL" };
	static const char *const update[] = { "ZONE", "PREREQUISITE", "UPDATE",
		                              "ADDITIONAL" };
	return p->hdr.opcode == OD_OPCODE_UPDATE ? update[s] : names[s];
}

static void print_section(od_sbuf_t *sb, const od_pkt_t *p, od_section_t s)
{
	size_t shown = 0;
	for (size_t i = 0; i < p->count[s]; i++) {
		const od_rr_t *rr = &p->rr[s][i];
		if (rr == p->opt || rr == p->tsig)
			continue;
		if (shown++ == 0)
			od_sbuf_printf(sb, "\n;; %s SECTION:\n",
			               section_name(p, s));
		print_rr(sb, rr);
	}
}

int od_pkt_to_str(const od_pkt_t *p, char *out, size_t outcap)
{
	if (outcap == 0)
		return OD_ESPACE;
	od_sbuf_t sb;
	od_sbuf_init(&sb, out, outcap);
	out[0] = '\0';
	print_header(&sb, p);
	if (p->opt)
		print_edns(&sb, p);
	/* As dig: the OPT pseudosection runs straight into the question. */
	if (p->count[OD_QUESTION])
		od_sbuf_printf(&sb, "%s;; %s SECTION:\n", p->opt ? "" : "\n",
		               section_name(p, OD_QUESTION));
	for (size_t i = 0; i < p->count[OD_QUESTION]; i++) {
		const od_question_t *q = &p->qd[i];
		char cls[16], typ[16];
		od_class_to_str(q->qclass, cls, sizeof(cls));
		od_rrtype_to_str(q->qtype, typ, sizeof(typ));
		od_sbuf_printf(&sb, ";");
		SB_CALL(&sb, od_name_to_str(out_, cap_, q->qname));
		od_sbuf_printf(&sb, "\t\t%s\t%s\n", cls, typ);
	}
	for (int s = OD_ANSWER; s <= OD_ADDITIONAL; s++)
		print_section(&sb, p, (od_section_t)s);
	if (p->tsig) {
		od_sbuf_printf(&sb, "\n;; TSIG PSEUDOSECTION:\n");
		print_rr(&sb, p->tsig);
	}
	if (sb.err)
		return sb.err;
	return (int)sb.len;
}

int od_pkt_print(const od_pkt_t *p, FILE *f)
{
	size_t cap = 4096;
	for (;;) {
		char *buf = malloc(cap);
		if (buf == NULL)
			return OD_ENOMEM;
		int n = od_pkt_to_str(p, buf, cap);
		if (n >= 0) {
			size_t w = fwrite(buf, 1, (size_t)n, f);
			free(buf);
			return w == (size_t)n ? 0 : -EIO;
		}
		free(buf);
		if (n != OD_ESPACE || cap >= ((size_t)1 << 30))
			return n == OD_ESPACE ? OD_ENOMEM : n;
		cap *= 4;
	}
}
