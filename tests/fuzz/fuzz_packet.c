/* SPDX-License-Identifier: MIT */
/*
 * Parse a message into an arena, print it, build it again from the
 * parsed view and parse the result: the second parse must succeed and,
 * unless the rebuilt message had to be truncated, agree with the first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edns.h"
#include "lib/mm.h"
#include "lib/pkt.h"
#include "lib/rdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_rdata(const od_rr_t *a, const od_rr_t *b)
{
	if (a->rdlen != b->rdlen)
		return false;
	/* Compression may take a name's case from an earlier name. */
	uint8_t *ca = malloc(a->rdlen + 1u), *cb = malloc(b->rdlen + 1u);
	od_require(ca && cb);
	memcpy(ca, a->rdata, a->rdlen);
	memcpy(cb, b->rdata, b->rdlen);
	od_rdata_canonicalize(a->type, ca, a->rdlen);
	od_rdata_canonicalize(b->type, cb, b->rdlen);
	bool same = memcmp(ca, cb, a->rdlen) == 0;
	free(ca);
	free(cb);
	return same;
}

static void compare(const od_pkt_t *a, const od_pkt_t *b)
{
	od_require(memcmp(&a->hdr, &b->hdr, sizeof(a->hdr)) == 0);
	od_require(a->rcode == b->rcode);
	od_require((a->opt == NULL) == (b->opt == NULL));
	od_require((a->tsig == NULL) == (b->tsig == NULL));
	for (int s = 0; s < 4; s++)
		od_require(a->count[s] == b->count[s]);
	for (size_t i = 0; i < a->count[OD_QUESTION]; i++) {
		od_require(od_name_equal(a->qd[i].qname, b->qd[i].qname));
		od_require(a->qd[i].qtype == b->qd[i].qtype);
		od_require(a->qd[i].qclass == b->qd[i].qclass);
	}
	/* The rebuilt message puts OPT last (before TSIG): compare the
	 * other records in order, then the EDNS content. */
	for (int s = OD_ANSWER; s <= OD_ADDITIONAL; s++) {
		size_t j = 0;
		for (size_t i = 0; i < a->count[s]; i++) {
			const od_rr_t *x = &a->rr[s][i];
			if (x == a->opt)
				continue;
			while (&b->rr[s][j] == b->opt)
				j++;
			const od_rr_t *y = &b->rr[s][j++];
			od_require(od_name_equal(x->owner, y->owner));
			od_require(x->type == y->type &&
			           x->rclass == y->rclass && x->ttl == y->ttl);
			od_require(same_rdata(x, y));
		}
	}
	if (a->opt) {
		const od_edns_t *x = &a->edns, *y = &b->edns;
		od_require(x->udp_size == y->udp_size &&
		           x->version == y->version && x->flags == y->flags &&
		           x->ext_rcode == y->ext_rcode &&
		           x->nopts == y->nopts);
		for (size_t i = 0; i < x->nopts; i++) {
			od_require(x->opts[i].code == y->opts[i].code);
			od_require(x->opts[i].len == y->opts[i].len);
			od_require(memcmp(x->opts[i].data, y->opts[i].data,
			                  x->opts[i].len) == 0);
		}
	}
}

static void print(const od_pkt_t *p)
{
	static char text[1 << 16];
	int n = od_pkt_to_str(p, text, sizeof(text));
	od_require(n >= 0 || n == OD_ESPACE);
	if (n >= 0)
		od_require(strlen(text) == (size_t)n);
	/* Typed option parsers on whatever the options hold. */
	for (size_t i = 0; p->opt && i < p->edns.nopts; i++) {
		const od_edns_opt_t *o = &p->edns.opts[i];
		od_edns_cookie_t c;
		od_edns_ecs_t e;
		od_edns_ede_t d;
		uint16_t tags[8];
		(void)od_edns_cookie_parse(o, &c);
		(void)od_edns_ecs_parse(o, &e);
		(void)od_edns_ede_parse(o, &d);
		(void)od_edns_keytag_parse(o, tags, 8);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static od_arena_t arena;
	static bool ready;
	static uint8_t buf[OD_PKT_MAXLEN];
	if (!ready) {
		od_arena_init(&arena, 0);
		ready = true;
	}
	od_pkt_t p;
	if (od_pkt_parse(&p, data, size, &arena.mm, OD_PKT_TRAILING_OK) != 0)
		goto out;
	print(&p);

	od_pkt_w_t b;
	bool cut = false;
	od_require(od_pkt_w_init(&b, buf, sizeof(buf), &p.hdr) == 0);
	if (p.opt && od_pkt_w_edns(&b, &p.edns) != 0)
		goto out; /* an OPT of nearly 64 KiB with nothing else fitting */
	od_pkt_w_rcode(&b, p.rcode);
	if (p.tsig && od_pkt_w_reserve(&b, od_name_len(p.tsig->owner) + 10u +
	                                           p.tsig->rdlen) != 0)
		goto out;
	for (size_t i = 0; i < p.count[OD_QUESTION]; i++)
		if (od_pkt_w_question(&b, p.qd[i].qname, p.qd[i].qtype,
		                      p.qd[i].qclass) != 0)
			goto out;
	for (int s = OD_ANSWER; s <= OD_ADDITIONAL; s++) {
		for (size_t i = 0; i < p.count[s]; i++) {
			const od_rr_t *rr = &p.rr[s][i];
			if (rr == p.opt || rr == p.tsig)
				continue;
			int ret = od_pkt_w_rrset(&b, (od_section_t)s, rr, 1);
			od_require(ret == 0 || ret == OD_ESPACE);
			if (ret)
				cut = true;
		}
	}
	int len = od_pkt_w_finish(&b);
	od_require(len > 0);
	if (p.tsig) {
		len = od_pkt_w_last(&b, p.tsig);
		od_require(len > 0);
	}

	od_pkt_t q;
	int ret = od_pkt_parse(&q, buf, (size_t)len, &arena.mm, 0);
	od_require(ret == 0);
	if (!cut)
		compare(&p, &q);
	print(&q);
out:
	od_arena_reset(&arena);
	return 0;
}
