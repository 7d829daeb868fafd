/* SPDX-License-Identifier: MIT */
/*
 * Wire-format micro-benchmark, on one core.
 *
 * Builds three realistic DNS responses (a root referral with glue, a signed
 * answer, a signed NXDOMAIN with NSEC3) with the wire cursors and
 * od_name_pack, not with the packet code it measures, and measures per
 * message:
 *
 *   memcpy        copying the message bytes: the floor any parser is
 *                 compared with;
 *   od_pkt_parse  the full parse into a view (every name decompressed,
 *                 every RDATA checked against its type), into an arena
 *                 reset before each message as a per-request arena is;
 *   od_pkt_w      building the same message again from that view, RRset
 *                 by RRset with compression (od_pkt_w_rrset);
 *   name walk     only decompressing the names: every owner and the names
 *                 in NS/SOA/RRSIG RDATA (od_name_unpack);
 *   name pack     only writing those names again with compression
 *                 (od_name_pack); also shown as names per second.
 *
 * Each measurement runs for at least MIN_SECONDS, five times; the table
 * shows the median. Timing only ever appears here, never in a pass/fail
 * test. With --smoke every operation runs a few times and is checked, with
 * no timing: that is what the test suite runs.
 */
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "lib/error.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

#define MSG_MAX 4096
#define NMSG 3
#define NAMES_MAX 128
#define RUNS 5
#define MIN_SECONDS 0.2

/* A message under construction: header counts are patched at the end. */
typedef struct msgb {
	uint8_t buf[MSG_MAX];
	od_wr_t w;
	od_compr_t c;
	uint16_t count[4]; /* by od_section_t; [OD_QUESTION] unused */
	int section;
	size_t rdlen_at; /* offset of the open record's RDLENGTH */
} msgb_t;

/* A finished test message and what the benchmark expects of it. */
typedef struct bench_msg {
	const char *label;
	uint8_t wire[MSG_MAX];
	size_t len;
	int records;         /* RRs in all sections, OPT included */
	uint8_t *pack_names; /* owned: the names of the message, back to back */
	bool pack_compr[NAMES_MAX]; /* whether each name's place compresses */
	int npack;                  /* names in pack_names */
	od_pkt_t view; /* parsed once, for od_pkt_w (memory in arena) */
} bench_msg_t;

/* The per-message arena of the parse benchmark, and the view's arena. */
static od_arena_t parse_arena, view_arena;

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-wire: %s: %s\n", what, od_strerror(err));
	exit(1);
}

static const uint8_t *dname(uint8_t out[OD_NAME_MAXLEN], const char *s)
{
	int r = od_name_from_str(out, s, strlen(s), NULL);
	if (r < 0)
		die(s, r);
	return out;
}

static void mb_init(msgb_t *m, uint16_t flags, const char *qname,
                    uint16_t qtype)
{
	uint8_t n[OD_NAME_MAXLEN];

	memset(m->count, 0, sizeof(m->count));
	m->section = OD_ANSWER;
	od_wr_init(&m->w, m->buf, sizeof(m->buf));
	od_compr_init(&m->c, m->buf);
	od_wr_u16(&m->w, 0x2b1d);
	od_wr_u16(&m->w, flags);
	od_wr_u16(&m->w, 1);
	od_wr_u16(&m->w, 0);
	od_wr_u16(&m->w, 0);
	od_wr_u16(&m->w, 0);
	od_name_pack(&m->w, dname(n, qname), &m->c);
	od_wr_u16(&m->w, qtype);
	od_wr_u16(&m->w, OD_CLASS_IN);
}

/* Open a record; the caller writes its RDATA, then calls mb_end(). */
static void mb_rr(msgb_t *m, int section, const char *owner, uint16_t type,
                  uint32_t ttl)
{
	uint8_t n[OD_NAME_MAXLEN];

	od_require(section >= m->section);
	m->section = section;
	m->count[section]++;
	od_name_pack(&m->w, dname(n, owner), &m->c);
	od_wr_u16(&m->w, type);
	od_wr_u16(&m->w, OD_CLASS_IN);
	od_wr_u32(&m->w, ttl);
	m->rdlen_at = m->w.pos;
	od_wr_u16(&m->w, 0);
}

static void mb_end(msgb_t *m)
{
	if (m->w.err)
		die("building a message", m->w.err);
	od_put_u16(m->buf + m->rdlen_at,
	           (uint16_t)(m->w.pos - m->rdlen_at - 2));
}

/* Name inside RDATA: compressed only where RFC 3597 §4 allows it. */
static void mb_name(msgb_t *m, const char *s, bool compress)
{
	uint8_t n[OD_NAME_MAXLEN];
	od_name_pack(&m->w, dname(n, s), compress ? &m->c : NULL);
}

/* Deterministic filler for digests, keys and signatures. */
static void mb_fill(msgb_t *m, size_t len, uint32_t seed)
{
	uint8_t *p = od_wr_reserve(&m->w, len);
	for (size_t i = 0; p && i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void mb_rrsig(msgb_t *m, int section, const char *owner,
                     uint16_t covered, uint8_t alg, uint8_t labels,
                     uint32_t ttl, const char *signer, size_t siglen)
{
	mb_rr(m, section, owner, OD_TYPE_RRSIG, ttl);
	od_wr_u16(&m->w, covered);
	od_wr_u8(&m->w, alg);
	od_wr_u8(&m->w, labels);
	od_wr_u32(&m->w, ttl);
	od_wr_u32(&m->w, 1767225600); /* 2026-01-01 */
	od_wr_u32(&m->w, 1764547200); /* 2025-12-01 */
	od_wr_u16(&m->w, 46780);
	mb_name(m, signer, false);
	mb_fill(m, siglen, covered * 7919u + labels);
	mb_end(m);
}

/* NSEC-style type bitmap (RFC 4034 §4.1.2) for types sorted ascending. */
static void mb_bitmap(msgb_t *m, const uint16_t *types, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t win = types[i] >> 8, bits[32] = { 0 };
		int len = 0;
		for (; i < n && types[i] >> 8 == win; i++) {
			uint8_t lo = types[i] & 0xff;
			bits[lo / 8] |= 0x80 >> (lo % 8);
			len = lo / 8 + 1;
		}
		od_wr_u8(&m->w, win);
		od_wr_u8(&m->w, (uint8_t)len);
		od_wr_bytes(&m->w, bits, (size_t)len);
	}
}

static void mb_opt(msgb_t *m)
{
	m->section = OD_ADDITIONAL;
	m->count[OD_ADDITIONAL]++;
	od_wr_u8(&m->w, 0);
	od_wr_u16(&m->w, OD_TYPE_OPT);
	od_wr_u16(&m->w, 1232);
	od_wr_u32(&m->w, 0x8000); /* DO */
	od_wr_u16(&m->w, 0);
}

static void mb_finish(msgb_t *m, bench_msg_t *out, const char *label)
{
	if (m->w.err)
		die(label, m->w.err);
	od_put_u16(m->buf + 6, m->count[OD_ANSWER]);
	od_put_u16(m->buf + 8, m->count[OD_AUTHORITY]);
	od_put_u16(m->buf + 10, m->count[OD_ADDITIONAL]);
	out->label = label;
	memcpy(out->wire, m->buf, m->w.pos);
	out->len = m->w.pos;
	out->records = m->count[OD_ANSWER] + m->count[OD_AUTHORITY] +
	               m->count[OD_ADDITIONAL];
}

/* A root server's referral to com. for www.example.com, DO set. */
static void make_referral(bench_msg_t *out)
{
	static msgb_t m;
	static const uint8_t v4[13][4] = {
		{ 192, 5, 6, 30 },   { 192, 33, 14, 30 },  { 192, 26, 92, 30 },
		{ 192, 31, 80, 30 }, { 192, 12, 94, 30 },  { 192, 35, 51, 30 },
		{ 192, 42, 93, 30 }, { 192, 54, 112, 30 }, { 192, 43, 172, 30 },
		{ 192, 48, 79, 30 }, { 192, 52, 178, 30 }, { 192, 41, 162, 30 },
		{ 192, 55, 83, 30 },
	};
	char ns[32];

	mb_init(&m, 0x8000, "www.example.com.", OD_TYPE_A);
	for (int i = 0; i < 13; i++) {
		mb_rr(&m, OD_AUTHORITY, "com.", OD_TYPE_NS, 172800);
		snprintf(ns, sizeof(ns), "%c.gtld-servers.net.", 'a' + i);
		mb_name(&m, ns, true);
		mb_end(&m);
	}
	mb_rr(&m, OD_AUTHORITY, "com.", OD_TYPE_DS, 86400);
	od_wr_u16(&m.w, 19718);
	od_wr_u8(&m.w, 13);
	od_wr_u8(&m.w, 2);
	mb_fill(&m, 32, 43);
	mb_end(&m);
	mb_rrsig(&m, OD_AUTHORITY, "com.", OD_TYPE_DS, 8, 1, 86400, ".", 256);
	for (int i = 0; i < 13; i++) {
		snprintf(ns, sizeof(ns), "%c.gtld-servers.net.", 'a' + i);
		mb_rr(&m, OD_ADDITIONAL, ns, OD_TYPE_A, 172800);
		od_wr_bytes(&m.w, v4[i], 4);
		mb_end(&m);
	}
	for (int i = 0; i < 13; i++) {
		snprintf(ns, sizeof(ns), "%c.gtld-servers.net.", 'a' + i);
		mb_rr(&m, OD_ADDITIONAL, ns, OD_TYPE_AAAA, 172800);
		/* 2001:503:xx::30, one /48 per server */
		uint8_t v6[16] = { 0x20, 0x01, 0x05, 0x03 };
		v6[5] = (uint8_t)(0xa0 + i);
		v6[15] = 0x30;
		od_wr_bytes(&m.w, v6, 16);
		mb_end(&m);
	}
	mb_opt(&m);
	mb_finish(&m, out, "referral+glue");
}

/* An authoritative, signed answer (ECDSA P-256) with its NS set. */
static void make_answer(bench_msg_t *out)
{
	static msgb_t m;

	mb_init(&m, 0x8400, "www.example.com.", OD_TYPE_A);
	mb_rr(&m, OD_ANSWER, "www.example.com.", OD_TYPE_A, 3600);
	od_wr_bytes(&m.w, (const uint8_t[]){ 93, 184, 215, 14 }, 4);
	mb_end(&m);
	mb_rr(&m, OD_ANSWER, "www.example.com.", OD_TYPE_A, 3600);
	od_wr_bytes(&m.w, (const uint8_t[]){ 93, 184, 215, 15 }, 4);
	mb_end(&m);
	mb_rrsig(&m, OD_ANSWER, "www.example.com.", OD_TYPE_A, 13, 3, 3600,
	         "example.com.", 64);
	mb_rr(&m, OD_AUTHORITY, "example.com.", OD_TYPE_NS, 86400);
	mb_name(&m, "a.iana-servers.net.", true);
	mb_end(&m);
	mb_rr(&m, OD_AUTHORITY, "example.com.", OD_TYPE_NS, 86400);
	mb_name(&m, "b.iana-servers.net.", true);
	mb_end(&m);
	mb_rrsig(&m, OD_AUTHORITY, "example.com.", OD_TYPE_NS, 13, 2, 86400,
	         "example.com.", 64);
	mb_opt(&m);
	mb_finish(&m, out, "answer+RRSIG");
}

/*
 * NXDOMAIN for nope.example.com with the three NSEC3 records of RFC 5155
 * §7.2.2 (closest encloser, next closer, wildcard), each signed;
 * iterations 0 and no salt as RFC 9276 asks.
 */
static void make_nxdomain(bench_msg_t *out)
{
	static msgb_t m;
	static const char *const owners[3] = {
		"3msev9usmd4br9s97v51r2tdvmr9iqo1.example.com.",
		"b4um86eghhds6nea196smvmlo4ors995.example.com.",
		"vvp2l2ng9ohk63rjbr1efk91vrajbfc1.example.com.",
	};
	static const uint16_t apex[] = { OD_TYPE_A,         OD_TYPE_NS,
		                         OD_TYPE_SOA,       OD_TYPE_MX,
		                         OD_TYPE_TXT,       OD_TYPE_AAAA,
		                         OD_TYPE_RRSIG,     OD_TYPE_DNSKEY,
		                         OD_TYPE_NSEC3PARAM };
	static const uint16_t leaf[] = { OD_TYPE_A, OD_TYPE_AAAA,
		                         OD_TYPE_RRSIG };

	mb_init(&m, 0x8403, "nope.example.com.", OD_TYPE_A);
	mb_rr(&m, OD_AUTHORITY, "example.com.", OD_TYPE_SOA, 3600);
	mb_name(&m, "ns.icann.org.", true);
	mb_name(&m, "noc.dns.icann.org.", true);
	od_wr_u32(&m.w, 2025112901);
	od_wr_u32(&m.w, 7200);
	od_wr_u32(&m.w, 3600);
	od_wr_u32(&m.w, 1209600);
	od_wr_u32(&m.w, 3600);
	mb_end(&m);
	mb_rrsig(&m, OD_AUTHORITY, "example.com.", OD_TYPE_SOA, 13, 2, 3600,
	         "example.com.", 64);
	for (int i = 0; i < NMSG; i++) {
		mb_rr(&m, OD_AUTHORITY, owners[i], OD_TYPE_NSEC3, 3600);
		od_wr_u8(&m.w, 1);  /* SHA-1 */
		od_wr_u8(&m.w, 0);  /* flags */
		od_wr_u16(&m.w, 0); /* iterations */
		od_wr_u8(&m.w, 0);  /* salt length */
		od_wr_u8(&m.w, 20);
		mb_fill(&m, 20, 5155u + (uint32_t)i);
		if (i == 0)
			mb_bitmap(&m, apex, sizeof(apex) / sizeof(apex[0]));
		else
			mb_bitmap(&m, leaf, sizeof(leaf) / sizeof(leaf[0]));
		mb_end(&m);
		mb_rrsig(&m, OD_AUTHORITY, owners[i], OD_TYPE_NSEC3, 13, 3,
		         3600, "example.com.", 64);
	}
	mb_opt(&m);
	mb_finish(&m, out, "NXDOMAIN+NSEC3");
}

/*
 * Walk a message record by record, decompressing the question, every
 * owner and the names in NS/CNAME/PTR/SOA/RRSIG RDATA. Collects the
 * names (and whether their place allows compression) into collect when
 * it is not NULL.
 * \return the number of names read, or a negative error.
 */
static int walk(const uint8_t *wire, size_t len, bench_msg_t *collect)
{
	od_rd_t r;
	uint8_t name[OD_NAME_MAXLEN];
	int names = 0;
	size_t packed = 0;

#define GOT(n, compr)                                                          \
	do {                                                                   \
		if (collect != NULL) {                                         \
			od_require(names < NAMES_MAX);                         \
			collect->pack_compr[names] = (compr);                  \
			packed += od_name_copy(collect->pack_names + packed,   \
			                       (n));                           \
		}                                                              \
		names++;                                                       \
	} while (0)

	od_rd_init(&r, wire, len);
	od_rd_skip(&r, 4);
	uint16_t qd = od_rd_u16(&r);
	uint32_t rr = (uint32_t)od_rd_u16(&r) + od_rd_u16(&r) + od_rd_u16(&r);
	for (uint16_t i = 0; i < qd; i++) {
		if (od_name_unpack(&r, name) < 0)
			return r.err;
		GOT(name, true);
		od_rd_skip(&r, 4);
	}
	for (uint32_t i = 0; i < rr; i++) {
		if (od_name_unpack(&r, name) < 0)
			return r.err;
		GOT(name, true);
		uint16_t type = od_rd_u16(&r);
		od_rd_skip(&r, 6);
		uint16_t rdlen = od_rd_u16(&r);
		if (od_rd_left(&r) < rdlen)
			return OD_ETRUNC;
		size_t next = r.pos + rdlen;
		switch (type) {
		case OD_TYPE_NS:
		case OD_TYPE_CNAME:
		case OD_TYPE_PTR:
			if (od_name_unpack(&r, name) < 0)
				return r.err;
			GOT(name, true);
			break;
		case OD_TYPE_SOA:
			for (int k = 0; k < 2; k++) {
				if (od_name_unpack(&r, name) < 0)
					return r.err;
				GOT(name, true);
			}
			break;
		case OD_TYPE_RRSIG:
			od_rd_skip(&r, 18);
			if (od_name_unpack(&r, name) < 0)
				return r.err;
			GOT(name, false);
			break;
		default:
			break;
		}
		if (r.err)
			return r.err;
		if (r.pos > next)
			return OD_ERDLEN;
		r.pos = next;
	}
#undef GOT
	if (r.err)
		return r.err;
	if (r.pos != len)
		return OD_ETRAILING;
	return names;
}

/* Pack all names of a message into buf with one compression table. */
static size_t pack_names(const bench_msg_t *b, uint8_t *buf, size_t cap)
{
	od_wr_t w;
	od_compr_t c;
	const uint8_t *n = b->pack_names;

	od_wr_init(&w, buf, cap);
	od_compr_init(&c, buf);
	od_wr_reserve(&w, 12); /* names start after a header */
	for (int i = 0; i < b->npack; i++) {
		od_name_pack(&w, n, b->pack_compr[i] ? &c : NULL);
		n += od_name_len(n);
	}
	return w.err ? 0 : w.pos;
}

/* Keep the compiler from dropping work whose result is not used. */
static inline void keep(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/*
 * Build b's message again from its parsed view: question, then each
 * section RRset by RRset (runs of records with the same owner and type),
 * then the OPT record. \return the length or a negative error.
 */
static int build(const bench_msg_t *b, uint8_t *buf, size_t cap)
{
	const od_pkt_t *p = &b->view;
	od_pkt_w_t w;
	int ret = od_pkt_w_init(&w, buf, cap, &p->hdr);
	if (ret == 0 && p->opt != NULL)
		ret = od_pkt_w_edns(&w, &p->edns);
	for (uint16_t i = 0; ret == 0 && i < p->count[OD_QUESTION]; i++)
		ret = od_pkt_w_question(&w, p->qd[i].qname, p->qd[i].qtype,
		                        p->qd[i].qclass);
	for (int s = OD_ANSWER; s <= OD_ADDITIONAL; s++) {
		const od_rr_t *rr = p->rr[s];
		size_t n = p->count[s], i = 0;
		while (ret == 0 && i < n) {
			size_t j = i + 1;
			while (j < n && rr[j].type == rr[i].type &&
			       od_name_equal(rr[j].owner, rr[i].owner))
				j++;
			if (&rr[i] != p->opt)
				ret = od_pkt_w_rrset(&w, s, &rr[i], j - i);
			i = j;
		}
	}
	return ret < 0 ? ret : od_pkt_w_finish(&w);
}

enum op {
	OP_MEMCPY,
	OP_PARSE,
	OP_BUILD,
	OP_WALK,
	OP_PACK,
	OP_COUNT
};

static const char *const op_name[OP_COUNT] = {
	[OP_MEMCPY] = "memcpy",
	[OP_PARSE] = "od_pkt_parse",
	[OP_BUILD] = "od_pkt_w (build)",
	[OP_WALK] = "name walk (unpack)",
	[OP_PACK] = "name pack (compress)",
};

/* Run op n times on b; returns a checksum so nothing is optimised away. */
static size_t run_op(enum op op, const bench_msg_t *b, long n)
{
	static uint8_t dst[MSG_MAX];
	size_t sum = 0;
	od_pkt_t p;
	int ret;

	for (long i = 0; i < n; i++) {
		switch (op) {
		case OP_MEMCPY:
			memcpy(dst, b->wire, b->len);
			keep(dst);
			sum += dst[b->len - 1];
			break;
		case OP_PARSE:
			od_arena_reset(&parse_arena);
			ret = od_pkt_parse(&p, b->wire, b->len, &parse_arena.mm,
			                   0);
			if (ret != 0)
				die(b->label, ret);
			sum += p.count[OD_ADDITIONAL];
			break;
		case OP_BUILD:
			ret = build(b, dst, sizeof(dst));
			if (ret < 0)
				die(b->label, ret);
			sum += (size_t)ret;
			keep(dst);
			break;
		case OP_WALK:
			sum += (size_t)walk(b->wire, b->len, NULL);
			break;
		case OP_PACK:
			sum += pack_names(b, dst, sizeof(dst));
			keep(dst);
			break;
		default:
			abort();
		}
	}
	return sum;
}

/* Median nanoseconds per operation over RUNS runs of >= MIN_SECONDS. */
static double measure(enum op op, const bench_msg_t *b)
{
	long n = 1000;
	double t;
	size_t sink = 0;

	/* Calibrate: grow n until one run lasts a tenth of MIN_SECONDS. */
	for (;;) {
		t = bench_now();
		sink += run_op(op, b, n);
		t = bench_now() - t;
		if (t > MIN_SECONDS / 10)
			break;
		n *= 4;
	}
	n = (long)((double)n * MIN_SECONDS / t) + 1;
	double ns[RUNS];
	for (int i = 0; i < RUNS; i++) {
		t = bench_now();
		sink += run_op(op, b, n);
		ns[i] = (bench_now() - t) * 1e9 / (double)n;
	}
	keep(&sink);
	qsort(ns, RUNS, sizeof(ns[0]), bench_cmp_double);
	return ns[RUNS / 2];
}

/*
 * Check the messages once: they parse, rebuild into a message that parses
 * to the same counts, and their packed names read back unchanged.
 */
static void prepare(bench_msg_t *b)
{
	int ret = od_pkt_parse(&b->view, b->wire, b->len, &view_arena.mm, 0);
	if (ret != 0)
		die(b->label, ret);
	if (b->view.count[OD_ANSWER] + b->view.count[OD_AUTHORITY] +
	            b->view.count[OD_ADDITIONAL] !=
	    b->records)
		die(b->label, OD_EMALF);
	uint8_t again[MSG_MAX];
	od_pkt_t p2;
	ret = build(b, again, sizeof(again));
	if (ret < 0)
		die(b->label, ret);
	od_arena_reset(&parse_arena);
	ret = od_pkt_parse(&p2, again, (size_t)ret, &parse_arena.mm, 0);
	if (ret != 0)
		die(b->label, ret);
	if (memcmp(p2.count, b->view.count, sizeof(p2.count)) != 0)
		die(b->label, OD_EMALF);

	b->pack_names = malloc((size_t)NAMES_MAX * OD_NAME_MAXLEN);
	if (b->pack_names == NULL)
		die("malloc", OD_ENOMEM);
	int n = walk(b->wire, b->len, b);
	if (n <= 0)
		die(b->label, n);
	b->npack = n;
	uint8_t buf[MSG_MAX];
	size_t len = pack_names(b, buf, sizeof(buf));
	if (len == 0)
		die(b->label, OD_ESPACE);

	/* The packed names must read back as the names that went in. */
	od_rd_t r;
	uint8_t name[OD_NAME_MAXLEN];
	const uint8_t *want = b->pack_names;
	od_rd_init(&r, buf, len);
	od_rd_skip(&r, 12);
	for (int i = 0; i < n; i++) {
		if (od_name_unpack(&r, name) < 0)
			die(b->label, r.err);
		if (!od_name_equal(name, want))
			die(b->label, OD_EMALF);
		want += od_name_len(want);
	}
	if (r.pos != len)
		die(b->label, OD_ETRAILING);
}

static void pin_to_one_core(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("sched_setaffinity");
}

int main(int argc, char **argv)
{
	bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
	bench_msg_t *msgs = calloc(NMSG, sizeof(*msgs));
	if (msgs == NULL)
		die("calloc", OD_ENOMEM);
	od_arena_init(&parse_arena, 0);
	od_arena_init(&view_arena, 0);
	make_referral(&msgs[0]);
	make_answer(&msgs[1]);
	make_nxdomain(&msgs[2]);
	for (int i = 0; i < NMSG; i++)
		prepare(&msgs[i]);

	if (smoke) {
		for (int i = 0; i < NMSG; i++)
			for (int op = 0; op < OP_COUNT; op++)
				(void)run_op(op, &msgs[i], 3);
		printf("bench-wire: smoke run passed (%d messages, %d "
		       "operations)\n",
		       NMSG, OP_COUNT);
		goto out;
	}

	pin_to_one_core();
	printf("onedot wire benchmark: one core, median of %d runs of "
	       ">= %.1f s each\n\n",
	       RUNS, MIN_SECONDS);
	printf("%-15s %5s %4s %5s  %-22s %10s %9s %9s\n", "message", "bytes",
	       "RRs", "names", "operation", "M msg/s", "ns/msg", "x memcpy");
	for (int i = 0; i < NMSG; i++) {
		const bench_msg_t *b = &msgs[i];
		double ns[OP_COUNT];
		for (int op = 0; op < OP_COUNT; op++)
			ns[op] = measure(op, b);
		for (int op = 0; op < OP_COUNT; op++) {
			if (op == 0)
				printf("%-15s %5zu %4d %5d  ", b->label, b->len,
				       b->records, b->npack);
			else
				printf("%-15s %5s %4s %5s  ", "", "", "", "");
			printf("%-22s %10.3f %9.1f %9.1f\n", op_name[op],
			       1e3 / ns[op], ns[op], ns[op] / ns[OP_MEMCPY]);
		}
		printf("%-15s %5s %4s %5s  %-22s %10.3f  M names/s\n", "", "",
		       "", "", "  (per name packed)",
		       1e3 / ns[OP_PACK] * b->npack);
	}
out:
	for (int i = 0; i < NMSG; i++)
		free(msgs[i].pack_names);
	free(msgs);
	od_arena_deinit(&parse_arena);
	od_arena_deinit(&view_arena);
	return 0;
}
