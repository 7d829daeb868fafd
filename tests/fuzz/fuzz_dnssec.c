/* SPDX-License-Identifier: MIT */
/*
 * DNSSEC parsing paths on arbitrary bytes. The first byte picks:
 *   0: DNSKEY RDATA -> public key, key tag, DS digest;
 *   1: RRSIG RDATA (first chunk) over records (the other chunks) ->
 *      canonical signed data, and a verification against a fixed key;
 *   2: NSEC3 records -> NXDOMAIN / NODATA / wildcard proofs under a hash
 *      budget;
 *   3: NSEC records -> the same proofs.
 * A chunk is: owner label length (mod 64), the label, RDATA length, the
 * RDATA; owners are <label>.example. Nothing may crash, leak or spend
 * more hashes than the budget.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/key.h"
#include "lib/dnssec/nsec.h"
#include "lib/dnssec/rrsig.h"
#include "lib/name.h"
#include "lib/rr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECS 16

static const uint8_t zone[] = "\7example";
static const uint8_t qname[] = "\1a\1b\7example";

typedef struct {
	uint8_t owner[MAX_RECS][OD_NAME_MAXLEN];
	od_rr_t rr[MAX_RECS];
	size_t n;
} recs_t;

static void split(const uint8_t *p, size_t len, uint16_t type, recs_t *out)
{
	out->n = 0;
	while (len > 0 && out->n < MAX_RECS) {
		size_t ll = p[0] % 64;
		if (len < 2 + ll)
			break;
		size_t rl = p[1 + ll];
		if (len < 2 + ll + rl)
			rl = len - 2 - ll;
		uint8_t *o = out->owner[out->n];
		o[0] = (uint8_t)ll;
		memcpy(o + 1, p + 1, ll);
		/* an empty first label would end the name: use the apex */
		size_t off = ll ? ll + 1 : 0;
		memcpy(o + off, zone, sizeof(zone));
		od_rr_t *rr = &out->rr[out->n++];
		rr->owner = o;
		rr->rdata = p + 2 + ll;
		rr->rdlen = (uint16_t)rl;
		rr->type = type;
		rr->rclass = 1;
		rr->ttl = 3600;
		p += 2 + ll + rl;
		len -= 2 + ll + rl;
	}
}

static void fuzz_dnskey(const uint8_t *p, size_t len)
{
	od_dnskey_t key;
	if (od_dnskey_from_rdata(&key, p, len, NULL) == 0) {
		(void)od_dnskey_usable(&key);
		od_dnskey_free(&key);
	}
	(void)od_key_tag(p, len);
	uint8_t ds[4 + OD_DS_DIGEST_MAXLEN];
	(void)od_ds_make(zone, p, len, 2, ds, sizeof(ds));
	if (len >= 4 + 32)
		(void)od_ds_match(zone, p, len, p, len);
}

static void fuzz_rrsig(const uint8_t *p, size_t len)
{
	recs_t r;
	split(p, len, 1, &r);
	if (r.n < 1)
		return;
	const od_rr_t *sig = &r.rr[0];
	od_rrsig_t parsed;
	if (od_rrsig_parse(&parsed, sig->rdata, sig->rdlen) != 0)
		return;
	od_rrsig_rd_t rds[MAX_RECS];
	for (size_t i = 1; i < r.n; i++) {
		rds[i - 1].data = r.rr[i].rdata;
		rds[i - 1].len = r.rr[i].rdlen;
	}
	od_rrsig_rrset_t set = { .owner = r.rr[r.n > 1 ? 1 : 0].owner,
		                 .type = parsed.covered,
		                 .rclass = 1,
		                 .count = r.n - 1,
		                 .rrs = rds };
	size_t bound = od_rrsig_data_bound(&parsed, &set);
	uint8_t *buf = malloc(bound ? bound : 1);
	od_require(buf != NULL);
	int n = od_rrsig_data(&parsed, &set, NULL, buf, bound);
	od_require(n < 0 || (size_t)n <= bound);
	free(buf);

	/* A fixed Ed25519 key: verification must fail or stop cleanly. */
	static const uint8_t k[] = { 1,    1,    3,    15,   0x4d, 0xc0,
		                     0x4b, 0xbc, 0x2c, 0x97, 0x55, 0x48,
		                     0xcd, 0x4d, 0x19, 0x7d, 0x7d, 0xe4,
		                     0x61, 0xc2, 0x8f, 0x6b, 0xcf, 0x66,
		                     0x02, 0xfd, 0x6f, 0xd1, 0x1f, 0x6c,
		                     0xc8, 0x1a, 0xe4, 0x6a, 0x3f, 0x5f };
	od_dnskey_t key;
	if (od_dnskey_from_rdata(&key, k, sizeof(k), NULL) != 0)
		return;
	od_rrsig_limits_t lim = { .budget = 2 };
	(void)od_rrsig_verify(&set, sig->rdata, sig->rdlen, zone, &key,
	                      1700000000, &lim, NULL);
	od_require(lim.verifications <= 2);
	od_dnskey_free(&key);
}

static void fuzz_nsec3(const uint8_t *p, size_t len)
{
	recs_t r;
	split(p, len, 50, &r);
	uint32_t budget = 200;
	od_nsec3_set_t s = { .rrs = r.rr,
		             .count = r.n,
		             .zone = zone,
		             .max_iterations = 20,
		             .budget = &budget };
	od_denial_t res;
	(void)od_nsec3_nxdomain(&s, qname, &res);
	(void)od_nsec3_nodata(&s, qname, 1, &res);
	(void)od_nsec3_nodata(&s, qname, 43, &res);
	(void)od_nsec3_wildcard_nodata(&s, qname, 1, &res);
	(void)od_nsec3_wildcard_answer(&s, qname, 2, &res);
	(void)od_nsec3_insecure_delegation(&s, qname, &res);
	od_require(budget <= 200);
	for (size_t i = 0; i < r.n; i++) {
		od_nsec3_rdata_t n3;
		(void)od_nsec3_parse(&n3, r.rr[i].rdata, r.rr[i].rdlen);
	}
}

static void fuzz_nsec(const uint8_t *p, size_t len)
{
	recs_t r;
	split(p, len, 47, &r);
	od_denial_t res;
	(void)od_nsec_nxdomain(r.rr, r.n, qname, zone, &res);
	(void)od_nsec_nodata(r.rr, r.n, qname, 1, zone, &res);
	(void)od_nsec_wildcard_nodata(r.rr, r.n, qname, 1, zone, &res);
	(void)od_nsec_wildcard_answer(r.rr, r.n, qname, 2, zone, &res);
	(void)od_nsec_insecure_delegation(r.rr, r.n, qname, zone, &res);
	for (size_t i = 0; i < r.n; i++) {
		const uint8_t *next, *bm;
		size_t bl;
		if (od_nsec_parse(r.rr[i].rdata, r.rr[i].rdlen, &next, &bm,
		                  &bl) == 0)
			(void)od_bitmap_has(bm, bl, 46);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_dnskey(data + 1, size - 1);
		break;
	case 1:
		fuzz_rrsig(data + 1, size - 1);
		break;
	case 2:
		fuzz_nsec3(data + 1, size - 1);
		break;
	default:
		fuzz_nsec(data + 1, size - 1);
		break;
	}
	return 0;
}
