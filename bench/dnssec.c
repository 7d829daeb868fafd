/* SPDX-License-Identifier: MIT */
/*
 * DNSSEC micro-benchmark, on one core.
 *
 * For each algorithm 8 (RSA/SHA-256, 2048 bits), 13 (P-256), 14 (P-384),
 * 15 (Ed25519) and 16 (Ed448) it generates a KSK and a ZSK, signs an A
 * RRset of two records (with the ZSK) and the DNSKEY RRset (with the KSK),
 * and measures:
 *
 *   verify A        od_rrsig_verify of the A RRset's RRSIG: signed data
 *                   (canonical order, lower-cased owner), digest, check;
 *   verify DNSKEY   the same for the DNSKEY RRset (two keys);
 *   sign A          od_rrsig_sign of the A RRset;
 *   data A, data DNSKEY
 *                   od_rrsig_data alone: the part of verification that is
 *                   not libcrypto.
 *
 * Then, independent of the signing algorithm: DS digests (SHA-256,
 * SHA-384) of a P-256 KSK, key tags of an RSA-2048 and a P-256 DNSKEY,
 * and NSEC3 hashes (SHA-1, no salt) at 0 and 10 extra iterations.
 *
 * Each measurement runs RUNS times for at least MIN_SECONDS; the table
 * shows the median. Timing only ever appears here, never in a pass/fail
 * test. With --smoke every operation runs a few times and its result is
 * checked (every signature made verifies, a corrupted one does not, DS
 * digests match their key, key tags match, the RFC 5155 Appendix A hash
 * comes out), with no timing: that is what the test suite runs. --tsv
 * prints the table as tab-separated values for bench/dnssec/run.
 */
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "lib/base.h"
#include "lib/dnssec/key.h"
#include "lib/dnssec/nsec.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"

#define RUNS 3
#define MIN_SECONDS 0.15
#define SIG_MAX 1024
#define NALG 5

/* 2026-01-01T00:00:00Z; signatures are valid for 30 days from it. */
#define INCEPTION 1767225600u
#define EXPIRATION (INCEPTION + 30u * 86400u)
#define NOW ((uint64_t)INCEPTION + 86400u)
#define TTL 3600u

static const uint8_t algs[NALG] = {
	OD_ALG_RSASHA256, OD_ALG_ECDSAP256SHA256, OD_ALG_ECDSAP384SHA384,
	OD_ALG_ED25519,   OD_ALG_ED448,
};

/* Everything measured for one algorithm. */
typedef struct alg_bench {
	uint8_t alg;
	od_privkey_t ksk, zsk;        /* owned */
	od_dnskey_t ksk_pub, zsk_pub; /* owned */
	od_rrsig_rd_t keys_rd[2];
	od_rrsig_rrset_t dnskey_set;
	uint8_t a_sig[SIG_MAX], dnskey_sig[SIG_MAX];
	size_t a_siglen, dnskey_siglen;
	od_rrsig_t a_parsed, dnskey_parsed; /* views into the two above */
} alg_bench_t;

static uint8_t zone[OD_NAME_MAXLEN], www[OD_NAME_MAXLEN];
static const uint8_t a_rdata[2][4] = { { 192, 0, 2, 10 }, { 192, 0, 2, 11 } };
static const od_rrsig_rd_t a_rd[2] = { { a_rdata[0], 4 }, { a_rdata[1], 4 } };
static od_rrsig_rrset_t a_set;

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-dnssec: %s: %s\n", what, od_strerror(err));
	exit(1);
}

static void fail(const char *alg, const char *what, const char *got)
{
	fprintf(stderr, "bench-dnssec: %s: %s: %s\n", alg, what, got);
	exit(1);
}

static const char *alg_label(uint8_t alg)
{
	switch (alg) {
	case OD_ALG_RSASHA256:
		return "8 RSASHA256-2048";
	case OD_ALG_ECDSAP256SHA256:
		return "13 ECDSAP256";
	case OD_ALG_ECDSAP384SHA384:
		return "14 ECDSAP384";
	case OD_ALG_ED25519:
		return "15 ED25519";
	case OD_ALG_ED448:
		return "16 ED448";
	default:
		return "-";
	}
}

/* Verify sig over set; anything but VALID ends the program. */
static void check_valid(const alg_bench_t *b, const char *what,
                        const od_rrsig_rrset_t *set, const uint8_t *sig,
                        size_t siglen, const od_dnskey_t *key)
{
	int r = od_rrsig_verify(set, sig, siglen, zone, key, NOW, NULL, NULL);
	if (r < 0)
		die(what, r);
	if (r != OD_RRSIG_VALID)
		fail(alg_label(b->alg), what,
		     od_rrsig_res_str((od_rrsig_res_t)r));
}

static void sign(const alg_bench_t *b, const od_rrsig_rrset_t *set,
                 const od_privkey_t *key, uint8_t *out, size_t *outlen)
{
	int r = od_rrsig_sign(set, key, zone, INCEPTION, EXPIRATION, TTL, NULL,
	                      out, SIG_MAX);
	if (r < 0)
		die(alg_label(b->alg), r);
	*outlen = (size_t)r;
}

static void prepare(alg_bench_t *b, uint8_t alg)
{
	int r;

	b->alg = alg;
	if ((r = od_key_generate(&b->ksk, alg, 257, 0)) != 0 ||
	    (r = od_key_generate(&b->zsk, alg, 256, 0)) != 0)
		die(alg_label(alg), r);
	if ((r = od_privkey_dnskey(&b->ksk, &b->ksk_pub, NULL)) != 0 ||
	    (r = od_privkey_dnskey(&b->zsk, &b->zsk_pub, NULL)) != 0)
		die(alg_label(alg), r);
	b->keys_rd[0] = (od_rrsig_rd_t){ b->ksk.rdata, (uint16_t)b->ksk.rdlen };
	b->keys_rd[1] = (od_rrsig_rd_t){ b->zsk.rdata, (uint16_t)b->zsk.rdlen };
	b->dnskey_set = (od_rrsig_rrset_t){ zone, OD_TYPE_DNSKEY, OD_CLASS_IN,
		                            2, b->keys_rd };
	sign(b, &a_set, &b->zsk, b->a_sig, &b->a_siglen);
	sign(b, &b->dnskey_set, &b->ksk, b->dnskey_sig, &b->dnskey_siglen);
	if ((r = od_rrsig_parse(&b->a_parsed, b->a_sig, b->a_siglen)) != 0 ||
	    (r = od_rrsig_parse(&b->dnskey_parsed, b->dnskey_sig,
	                        b->dnskey_siglen)) != 0)
		die(alg_label(alg), r);

	check_valid(b, "A RRSIG", &a_set, b->a_sig, b->a_siglen, &b->zsk_pub);
	check_valid(b, "DNSKEY RRSIG", &b->dnskey_set, b->dnskey_sig,
	            b->dnskey_siglen, &b->ksk_pub);

	/* A corrupted signature must not verify: the check is real. */
	uint8_t bad[SIG_MAX];
	memcpy(bad, b->a_sig, b->a_siglen);
	bad[b->a_siglen - 1] ^= 0x01;
	r = od_rrsig_verify(&a_set, bad, b->a_siglen, zone, &b->zsk_pub, NOW,
	                    NULL, NULL);
	if (r != OD_RRSIG_BOGUS)
		fail(alg_label(alg), "corrupted A RRSIG",
		     r < 0 ? od_strerror(r)
		           : od_rrsig_res_str((od_rrsig_res_t)r));
}

static void release(alg_bench_t *b)
{
	od_dnskey_free(&b->ksk_pub);
	od_dnskey_free(&b->zsk_pub);
	od_privkey_free(&b->ksk);
	od_privkey_free(&b->zsk);
}

enum op {
	OP_VERIFY_A,
	OP_VERIFY_DNSKEY,
	OP_SIGN_A,
	OP_DATA_A,
	OP_DATA_DNSKEY,
	OP_ALG_COUNT, /* operations above run once per algorithm */
	OP_DS_SHA256 = OP_ALG_COUNT,
	OP_DS_SHA384,
	OP_TAG_RSA,
	OP_TAG_P256,
	OP_NSEC3_0,
	OP_NSEC3_10,
	OP_COUNT
};

static const char *const op_name[OP_COUNT] = {
	[OP_VERIFY_A] = "verify A (2 RRs)",
	[OP_VERIFY_DNSKEY] = "verify DNSKEY (2 RRs)",
	[OP_SIGN_A] = "sign A (2 RRs)",
	[OP_DATA_A] = "signed data A",
	[OP_DATA_DNSKEY] = "signed data DNSKEY",
	[OP_DS_SHA256] = "DS digest SHA-256",
	[OP_DS_SHA384] = "DS digest SHA-384",
	[OP_TAG_RSA] = "key tag RSA-2048 DNSKEY",
	[OP_TAG_P256] = "key tag P-256 DNSKEY",
	[OP_NSEC3_0] = "NSEC3 hash, 0 iterations",
	[OP_NSEC3_10] = "NSEC3 hash, 10 iterations",
};

/* Keep the compiler from dropping work whose result is not used. */
static inline void keep(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/*
 * Run op n times. b is the algorithm's bench (for the per-algorithm
 * operations), rsa and p256 the benches those key-based operations use.
 * Every result is checked: a failure ends the program, timed or not.
 * Returns a checksum so nothing is optimised away.
 */
static size_t run_op(enum op op, const alg_bench_t *b, const alg_bench_t *rsa,
                     const alg_bench_t *p256, long n)
{
	static uint8_t buf[4096];
	static const od_nsec3_params_t p0 = { OD_NSEC3_ALG_SHA1, 0, 0, NULL };
	static const od_nsec3_params_t p10 = { OD_NSEC3_ALG_SHA1, 10, 0, NULL };
	size_t sum = 0, len;
	uint32_t budget;
	int r;

	for (long i = 0; i < n; i++) {
		switch (op) {
		case OP_VERIFY_A:
			check_valid(b, "A RRSIG", &a_set, b->a_sig, b->a_siglen,
			            &b->zsk_pub);
			sum++;
			break;
		case OP_VERIFY_DNSKEY:
			check_valid(b, "DNSKEY RRSIG", &b->dnskey_set,
			            b->dnskey_sig, b->dnskey_siglen,
			            &b->ksk_pub);
			sum++;
			break;
		case OP_SIGN_A:
			sign(b, &a_set, &b->zsk, buf, &len);
			/* RSA PKCS#1 v1.5 is deterministic, ECDSA and
			 * EdDSA lengths are fixed: the length must match
			 * the one checked in prepare(). */
			if (len != b->a_siglen)
				fail(alg_label(b->alg), "sign A",
				     "signature length changed");
			sum += buf[len - 1];
			break;
		case OP_DATA_A:
		case OP_DATA_DNSKEY:
			r = op == OP_DATA_A
			            ? od_rrsig_data(&b->a_parsed, &a_set, NULL,
			                            buf, sizeof(buf))
			            : od_rrsig_data(&b->dnskey_parsed,
			                            &b->dnskey_set, NULL, buf,
			                            sizeof(buf));
			if (r <= 0)
				die(op_name[op], r);
			sum += buf[r - 1];
			break;
		case OP_DS_SHA256:
		case OP_DS_SHA384:
			r = od_ds_digest(zone, p256->ksk.rdata, p256->ksk.rdlen,
			                 op == OP_DS_SHA256 ? OD_DS_SHA256
			                                    : OD_DS_SHA384,
			                 buf, sizeof(buf));
			if (r != (op == OP_DS_SHA256 ? 32 : 48))
				die(op_name[op], r < 0 ? r : OD_EMALF);
			sum += buf[0];
			break;
		case OP_TAG_RSA:
		case OP_TAG_P256: {
			const od_privkey_t *k = op == OP_TAG_RSA ? &rsa->ksk
			                                         : &p256->ksk;
			uint16_t tag = od_key_tag(k->rdata, k->rdlen);
			if (tag != k->tag)
				fail(op_name[op], "key tag",
				     "differs from the key's");
			sum += tag;
			break;
		}
		case OP_NSEC3_0:
		case OP_NSEC3_10:
			budget = 100;
			r = od_nsec3_hash(buf, www,
			                  op == OP_NSEC3_0 ? &p0 : &p10,
			                  &budget);
			if (r != 20)
				die(op_name[op], r < 0 ? r : OD_EMALF);
			sum += buf[0];
			break;
		default:
			abort();
		}
	}
	keep(buf);
	return sum;
}

/* Median nanoseconds per operation over RUNS runs of >= MIN_SECONDS. */
static double measure(enum op op, const alg_bench_t *b, const alg_bench_t *rsa,
                      const alg_bench_t *p256)
{
	long n = 1;
	double t;
	size_t sink = 0;

	/* Calibrate: grow n until one run lasts a tenth of MIN_SECONDS. */
	for (;;) {
		t = bench_now();
		sink += run_op(op, b, rsa, p256, n);
		t = bench_now() - t;
		if (t > MIN_SECONDS / 10)
			break;
		n *= 4;
	}
	n = (long)((double)n * MIN_SECONDS / t) + 1;
	double ns[RUNS];
	for (int i = 0; i < RUNS; i++) {
		t = bench_now();
		sink += run_op(op, b, rsa, p256, n);
		ns[i] = (bench_now() - t) * 1e9 / (double)n;
	}
	keep(&sink);
	qsort(ns, RUNS, sizeof(ns[0]), bench_cmp_double);
	return ns[RUNS / 2];
}

/*
 * RFC 5155 Appendix A: example. hashed with salt aabbccdd and 12
 * iterations is 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.
 */
static void check_nsec3_vector(void)
{
	static const uint8_t salt[4] = { 0xaa, 0xbb, 0xcc, 0xdd };
	const od_nsec3_params_t p = { OD_NSEC3_ALG_SHA1, 12, 4, salt };
	uint8_t name[OD_NAME_MAXLEN], h[OD_NSEC3_HASH_MAXLEN];
	char text[64];
	uint32_t budget = 100;

	if (od_name_from_str(name, "example.", strlen("example."), NULL) < 0)
		die("example.", OD_EMALF);
	int r = od_nsec3_hash(h, name, &p, &budget);
	if (r != 20)
		die("NSEC3 hash of example.", r < 0 ? r : OD_EMALF);
	r = od_base32hex_encode(h, 20, text, sizeof(text));
	if (r < 0)
		die("base32hex", r);
	if (strcmp(text, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom") != 0)
		fail("NSEC3", "RFC 5155 Appendix A hash of example.", text);
}

/* DS records made for the KSKs match them; one with a flipped bit not. */
static void check_ds(const alg_bench_t *b)
{
	uint8_t ds[4 + OD_DS_DIGEST_MAXLEN];
	int len = od_ds_make(zone, b->ksk.rdata, b->ksk.rdlen, OD_DS_SHA256, ds,
	                     sizeof(ds));
	if (len < 0)
		die("DS", len);
	if (od_ds_match(zone, ds, (size_t)len, b->ksk.rdata, b->ksk.rdlen) != 1)
		fail(alg_label(b->alg), "DS", "does not match its DNSKEY");
	ds[len - 1] ^= 0x01;
	if (od_ds_match(zone, ds, (size_t)len, b->ksk.rdata, b->ksk.rdlen) != 0)
		fail(alg_label(b->alg), "DS", "corrupted digest matches");
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

static void row(bool tsv, const char *alg, enum op op, double ns)
{
	if (tsv)
		printf("%s\t%s\t%.1f\t%.3f\n", alg, op_name[op], 1e9 / ns,
		       ns / 1e3);
	else
		printf("%-18s %-27s %12.0f %10.2f\n", alg, op_name[op],
		       1e9 / ns, ns / 1e3);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	bool smoke = false, tsv = false;
	alg_bench_t *b;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			smoke = true;
		} else if (strcmp(argv[i], "--tsv") == 0) {
			tsv = true;
		} else {
			fprintf(stderr,
			        "usage: bench_dnssec [--smoke | --tsv]\n");
			return 2;
		}
	}
	if (od_name_from_str(zone, "example.com.", strlen("example.com."),
	                     NULL) < 0 ||
	    od_name_from_str(www, "www.example.com.",
	                     strlen("www.example.com."), NULL) < 0)
		die("names", OD_EMALF);
	a_set = (od_rrsig_rrset_t){ www, OD_TYPE_A, OD_CLASS_IN, 2, a_rd };

	b = calloc(NALG, sizeof(*b));
	if (b == NULL)
		die("calloc", OD_ENOMEM);
	for (int i = 0; i < NALG; i++) {
		prepare(&b[i], algs[i]);
		check_ds(&b[i]);
	}
	check_nsec3_vector();
	const alg_bench_t *rsa = &b[0], *p256 = &b[1];

	if (smoke) {
		for (int i = 0; i < NALG; i++)
			for (int op = 0; op < OP_ALG_COUNT; op++)
				(void)run_op(op, &b[i], rsa, p256, 3);
		for (int op = OP_ALG_COUNT; op < OP_COUNT; op++)
			(void)run_op(op, NULL, rsa, p256, 3);
		printf("bench-dnssec: smoke run passed (%d algorithms, %d "
		       "operations)\n",
		       NALG, OP_COUNT);
		goto out;
	}

	pin_to_one_core();
	if (tsv) {
		printf("algorithm\toperation\tops/s\tus/op\n");
	} else {
		printf("onedot DNSSEC benchmark: one core, median of %d runs "
		       "of >= %.2f s each\n\n",
		       RUNS, MIN_SECONDS);
		printf("%-18s %-27s %12s %10s\n", "algorithm", "operation",
		       "ops/s", "us/op");
	}
	for (int i = 0; i < NALG; i++)
		for (int op = 0; op < OP_ALG_COUNT; op++)
			row(tsv, alg_label(b[i].alg), op,
			    measure(op, &b[i], rsa, p256));
	for (int op = OP_ALG_COUNT; op < OP_COUNT; op++)
		row(tsv, "-", op, measure(op, NULL, rsa, p256));
out:
	for (int i = 0; i < NALG; i++)
		release(&b[i]);
	free(b);
	return 0;
}
