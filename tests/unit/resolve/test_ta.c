/* SPDX-License-Identifier: MIT */
/*
 * Trust anchors (src/resolve/ta.c): the built-in root anchors, the
 * RFC 5011 state machine driven over simulated months, the refresh
 * intervals, anchor files, and the atomic state file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/dnssec/key.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "resolve/ta.h"

#define DAY 86400
#define T0 ((int64_t)1800000000)

static const uint8_t root[] = { 0 };

/* A generated KSK (flags 257) and its revoked form. */
typedef struct tkey {
	od_privkey_t pk;
	uint8_t rev[1024];
	uint16_t tag, rev_tag;
} tkey_t;

static void tkey_gen(tkey_t *k)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(
	        od_key_generate(&k->pk, OD_ALG_ECDSAP256SHA256, 257, 0), 0);
	memcpy(k->rev, k->pk.rdata, k->pk.rdlen);
	k->rev[1] |= OD_DNSKEY_REVOKE;
	k->tag = od_key_tag(k->pk.rdata, k->pk.rdlen);
	k->rev_tag = od_key_tag(k->rev, k->pk.rdlen);
	assert_int_not_equal(k->tag, k->rev_tag);
}

static odr_ta_dnskey_t in_key(const tkey_t *k, bool revoked, bool self_signed)
{
	return (odr_ta_dnskey_t){ revoked ? k->rev : k->pk.rdata,
		                  (uint16_t)k->pk.rdlen, self_signed };
}

/* The two built-in root keys as input keys. */
static size_t builtin_in(const odr_ta_t *ta, odr_ta_dnskey_t *out)
{
	const odr_ta_key_t *k[4];
	size_t n = odr_ta_trusted(ta, root, k, 4);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		out[i] = (odr_ta_dnskey_t){ k[i]->rdata, k[i]->rdlen, true };
	return n;
}

static int update(odr_ta_t *ta, const uint8_t *zone, odr_ta_dnskey_t *keys,
                  size_t n, int64_t now)
{
	odr_ta_rrset_t set = { .keys = keys,
		               .n = n,
		               .orig_ttl = 172800,
		               .sig_expire = 14 * DAY,
		               .validated = true };
	int ret = odr_ta_update(ta, zone, &set, now);
	assert_true(ret >= 0);
	return ret;
}

/* State of the key with this tag in zone, 0 when it has no entry. */
static int state_of(const odr_ta_t *ta, const uint8_t *zone, uint16_t tag)
{
	const odr_ta_key_t *k[16];
	size_t n = odr_ta_keys(ta, zone, k, 16);
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		if (k[i]->tag == tag)
			return (int)k[i]->state;
	return 0;
}

static bool is_trusted(const odr_ta_t *ta, const uint8_t *zone, uint16_t tag)
{
	const odr_ta_key_t *k[16];
	size_t n = odr_ta_trusted(ta, zone, k, 16);
	for (size_t i = 0; i < n; i++)
		if (k[i]->tag == tag)
			return true;
	return false;
}

static void test_builtin(void **state)
{
	(void)state;
	odr_ta_t *ta = odr_ta_new_builtin();
	assert_non_null(ta);
	const odr_ta_key_t *k[4];
	assert_int_equal(odr_ta_trusted(ta, root, k, 4), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(k[i]->state, ODR_TA_VALID);
		assert_int_equal(k[i]->type, OD_TYPE_DNSKEY);
		assert_int_equal(k[i]->tag,
		                 od_key_tag(k[i]->rdata, k[i]->rdlen));
		/* flags 257, protocol 3, RSASHA256, 2048-bit modulus */
		assert_int_equal(k[i]->rdata[0], 1);
		assert_int_equal(k[i]->rdata[1], 1);
		assert_int_equal(k[i]->rdata[2], 3);
		assert_int_equal(k[i]->rdata[3], 8);
		assert_int_equal(k[i]->rdlen, 4 + 1 + 3 + 256);
		od_dnskey_t key;
		assert_int_equal(od_dnskey_from_rdata(&key, k[i]->rdata,
		                                      k[i]->rdlen, NULL),
		                 0);
		assert_non_null(key.pkey);
		od_dnskey_free(&key);
	}
	uint16_t tags[4];
	assert_int_equal(odr_ta_keytags(ta, root, tags, 4), 2);
	assert_int_equal(tags[0], 20326);
	assert_int_equal(tags[1], 38696);
	/* A smaller buffer still reports the count. */
	assert_int_equal(odr_ta_keytags(ta, root, tags, 1), 2);
	assert_int_equal(tags[0], 20326);

	uint8_t name[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(name, "www.example.", 12, NULL) > 0);
	assert_ptr_equal(odr_ta_closest(ta, name), odr_ta_closest(ta, root));
	assert_non_null(odr_ta_closest(ta, root));
	const uint8_t *z;
	assert_int_equal(odr_ta_zone(ta, 0, &z), 1);
	assert_true(od_name_is_root(z));
	assert_int_equal(odr_ta_next_refresh(ta, root), 0);
	assert_int_equal(odr_ta_next_refresh(ta, name), -1);
	odr_ta_free(ta);
}

/* A new KSK rolled in over months: AddPend, then Valid after 30 days. */
static void test_rollover(void **state)
{
	(void)state;
	odr_ta_t *ta = odr_ta_new_builtin();
	assert_non_null(ta);
	tkey_t n;
	tkey_gen(&n);
	odr_ta_dnskey_t in[8];
	size_t cnt = builtin_in(ta, in);
	/* A ZSK (flags 256) in the set is never a candidate. */
	od_privkey_t zsk;
	assert_int_equal(od_key_generate(&zsk, OD_ALG_ED25519, 256, 0), 0);
	in[cnt++] = (odr_ta_dnskey_t){ zsk.rdata, (uint16_t)zsk.rdlen, false };
	assert_int_equal(update(ta, root, in, cnt, T0), 0);
	assert_int_equal(odr_ta_keys(ta, root, NULL, 0), 2);

	in[cnt++] = in_key(&n, false, false);
	assert_int_equal(update(ta, root, in, cnt, T0 + DAY), 1);
	assert_int_equal(state_of(ta, root, n.tag), ODR_TA_ADDPEND);
	assert_false(is_trusted(ta, root, n.tag));
	uint16_t tags[4];
	assert_int_equal(odr_ta_keytags(ta, root, tags, 4), 2);

	/* Refreshed every 12 hours for 29.5 days: still pending. */
	int64_t t;
	for (t = T0 + DAY; t < T0 + DAY + 30 * DAY; t += DAY / 2) {
		assert_int_equal(update(ta, root, in, cnt, t), 0);
		assert_int_equal(state_of(ta, root, n.tag), ODR_TA_ADDPEND);
		assert_false(is_trusted(ta, root, n.tag));
	}
	/* Exactly 30 days after it was first seen. */
	assert_int_equal(t, T0 + 31 * DAY);
	assert_int_equal(update(ta, root, in, cnt, t), 1);
	assert_int_equal(state_of(ta, root, n.tag), ODR_TA_VALID);
	assert_true(is_trusted(ta, root, n.tag));
	assert_int_equal(odr_ta_keytags(ta, root, tags, 4), 3);
	assert_int_equal(odr_ta_next_refresh(ta, root), t + DAY);

	/* The old KSK is withdrawn: Missing, and still trusted (§4.2). */
	odr_ta_dnskey_t in2[2] = { in[1], in_key(&n, false, false) };
	uint16_t old = od_key_tag(in[0].rdata, in[0].rdlen);
	assert_int_equal(old, 20326);
	assert_int_equal(update(ta, root, in2, 2, t + 60 * DAY), 1);
	assert_int_equal(state_of(ta, root, old), ODR_TA_MISSING);
	assert_true(is_trusted(ta, root, old));
	/* It comes back: Valid again. */
	assert_int_equal(update(ta, root, in, cnt, t + 61 * DAY), 1);
	assert_int_equal(state_of(ta, root, old), ODR_TA_VALID);

	od_privkey_free(&zsk);
	od_privkey_free(&n.pk);
	odr_ta_free(ta);
}

/* A key that disappears during the hold-down starts over. */
static void test_pending_removed(void **state)
{
	(void)state;
	odr_ta_t *ta = odr_ta_new_builtin();
	assert_non_null(ta);
	tkey_t n;
	tkey_gen(&n);
	odr_ta_dnskey_t in[4];
	size_t cnt = builtin_in(ta, in);
	in[cnt] = in_key(&n, false, false);
	assert_int_equal(update(ta, root, in, cnt + 1, T0), 1);
	assert_int_equal(state_of(ta, root, n.tag), ODR_TA_ADDPEND);
	assert_int_equal(update(ta, root, in, cnt, T0 + 10 * DAY), 1);
	assert_int_equal(state_of(ta, root, n.tag), 0);
	assert_int_equal(odr_ta_keys(ta, root, NULL, 0), 2);

	/* Back at day 20: the hold-down counts from day 20. */
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 20 * DAY), 1);
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 45 * DAY), 0);
	assert_int_equal(state_of(ta, root, n.tag), ODR_TA_ADDPEND);
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 50 * DAY), 1);
	assert_int_equal(state_of(ta, root, n.tag), ODR_TA_VALID);

	/* A refresh that failed validation changes nothing. */
	odr_ta_rrset_t bad = {
		.keys = in, .n = 1, .orig_ttl = 172800, .validated = false
	};
	assert_int_equal(odr_ta_update(ta, root, &bad, T0 + 51 * DAY), 0);
	assert_int_equal(state_of(ta, root, n.tag), ODR_TA_VALID);
	assert_int_equal(odr_ta_keys(ta, root, NULL, 0), 3);
	/* Retry: MAX(1 h, MIN(1 day, 172800 / 10)) = 17280 s. */
	assert_int_equal(odr_ta_next_refresh(ta, root), T0 + 51 * DAY + 17280);

	odr_ta_dnskey_t shorty = { in[0].rdata, 3, true };
	odr_ta_rrset_t mal = { .keys = &shorty, .n = 1, .validated = true };
	assert_int_equal(odr_ta_update(ta, root, &mal, T0), OD_EMALF);
	uint8_t other[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(other, "org.", 4, NULL) > 0);
	assert_int_equal(odr_ta_update(ta, other, &bad, T0), OD_EINVAL);

	od_privkey_free(&n.pk);
	odr_ta_free(ta);
}

/* Revocation: never trusted again, Removed after the remove hold-down. */
static void test_revoke(void **state)
{
	(void)state;
	odr_ta_t *ta = odr_ta_new_builtin();
	assert_non_null(ta);
	odr_ta_set_holddown(ta, 10 * DAY, 20 * DAY);
	tkey_t n;
	tkey_gen(&n);
	odr_ta_dnskey_t in[4];
	size_t cnt = builtin_in(ta, in);
	in[cnt] = in_key(&n, false, false);
	assert_int_equal(update(ta, root, in, cnt + 1, T0), 1);
	/* Shortened hold-down; the set's TTL (2 days) is shorter. */
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 10 * DAY), 1);
	assert_true(is_trusted(ta, root, n.tag));

	/* Revoked form not signed by the key itself: ignored, and the
	 * valid key counts as absent. */
	in[cnt] = in_key(&n, true, false);
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 11 * DAY), 1);
	assert_int_equal(state_of(ta, root, n.tag), ODR_TA_MISSING);
	assert_true(is_trusted(ta, root, n.tag));

	/* Self-signed revocation. */
	in[cnt] = in_key(&n, true, true);
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 12 * DAY), 1);
	assert_int_equal(state_of(ta, root, n.tag), 0);
	assert_int_equal(state_of(ta, root, n.rev_tag), ODR_TA_REVOKED);
	assert_false(is_trusted(ta, root, n.rev_tag));
	assert_false(is_trusted(ta, root, n.tag));
	uint16_t tags[4];
	assert_int_equal(odr_ta_keytags(ta, root, tags, 4), 2);

	/* Re-published without the REVOKE bit: stays revoked. */
	in[cnt] = in_key(&n, false, false);
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 20 * DAY), 0);
	assert_int_equal(state_of(ta, root, n.rev_tag), ODR_TA_REVOKED);
	assert_false(is_trusted(ta, root, n.tag));
	assert_false(is_trusted(ta, root, n.rev_tag));

	/* 20 days after the revocation: Removed, and it never returns. */
	assert_int_equal(update(ta, root, in, cnt, T0 + 31 * DAY), 0);
	assert_int_equal(update(ta, root, in, cnt, T0 + 32 * DAY), 1);
	assert_int_equal(state_of(ta, root, n.rev_tag), ODR_TA_REMOVED);
	for (int64_t t = T0 + 33 * DAY; t < T0 + 80 * DAY; t += DAY) {
		in[cnt] = in_key(&n, (t / DAY) % 2, true);
		assert_int_equal(update(ta, root, in, cnt + 1, t), 0);
		assert_int_equal(state_of(ta, root, n.rev_tag), ODR_TA_REMOVED);
		assert_false(is_trusted(ta, root, n.tag));
	}

	/* An unknown key revoked by itself is recorded as Revoked. */
	tkey_t m;
	tkey_gen(&m);
	in[cnt] = in_key(&m, true, true);
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 90 * DAY), 1);
	assert_int_equal(state_of(ta, root, m.rev_tag), ODR_TA_REVOKED);
	in[cnt] = in_key(&m, false, false);
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 91 * DAY), 0);
	assert_int_equal(state_of(ta, root, m.tag), 0);

	od_privkey_free(&m.pk);
	od_privkey_free(&n.pk);
	odr_ta_free(ta);
}

static void test_refresh_interval(void **state)
{
	(void)state;
	/* Root: TTL 2 days, signatures two weeks: half the TTL. */
	assert_int_equal(odr_ta_refresh_interval(172800, 14 * DAY, false), DAY);
	assert_int_equal(odr_ta_refresh_interval(172800, 14 * DAY, true),
	                 17280);
	/* Long TTL: capped at 15 days / 1 day. */
	assert_int_equal(odr_ta_refresh_interval(100 * DAY, 0, false),
	                 15 * DAY);
	assert_int_equal(odr_ta_refresh_interval(100 * DAY, 0, true), DAY);
	/* Signature expiring soon. */
	assert_int_equal(odr_ta_refresh_interval(100 * DAY, 3 * DAY, false),
	                 3 * DAY / 2);
	/* Never below one hour. */
	assert_int_equal(odr_ta_refresh_interval(60, 60, false), 3600);
	assert_int_equal(odr_ta_refresh_interval(3600, 0, true), 3600);
}

static void test_stuck(void **state)
{
	(void)state;
	odr_ta_t *ta = odr_ta_new_builtin();
	assert_non_null(ta);
	tkey_t n;
	tkey_gen(&n);
	odr_ta_dnskey_t in[4];
	size_t cnt = builtin_in(ta, in);
	in[cnt] = in_key(&n, false, false);
	assert_int_equal(update(ta, root, in, cnt + 1, T0), 1);
	odr_ta_ref_t r[2];
	assert_int_equal(odr_ta_stuck(ta, T0 + 29 * DAY, r, 2), 0);
	assert_int_equal(odr_ta_stuck(ta, T0 + 30 * DAY, r, 2), 0);
	/* No validated refresh since: past the hold-down, still pending. */
	assert_int_equal(odr_ta_stuck(ta, T0 + 31 * DAY, r, 2), 1);
	assert_int_equal(r[0].key->tag, n.tag);
	assert_true(od_name_is_root(r[0].zone));
	assert_int_equal(update(ta, root, in, cnt + 1, T0 + 31 * DAY), 1);
	assert_int_equal(odr_ta_stuck(ta, T0 + 31 * DAY, r, 2), 0);
	od_privkey_free(&n.pk);
	odr_ta_free(ta);
}

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/onedot-ta-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strdup(buf);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_same(const odr_ta_t *a, const odr_ta_t *b)
{
	const uint8_t *za, *zb;
	size_t nz = odr_ta_zone(a, 0, &za);
	assert_int_equal(odr_ta_zone(b, 0, &zb), nz);
	for (size_t i = 0; i < nz; i++) {
		odr_ta_zone(a, i, &za);
		odr_ta_zone(b, i, &zb);
		assert_true(od_name_equal(za, zb));
		const odr_ta_key_t *ka[16], *kb[16];
		size_t n = odr_ta_keys(a, za, ka, 16);
		assert_int_equal(odr_ta_keys(b, zb, kb, 16), n);
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(ka[j]->state, kb[j]->state);
			assert_int_equal(ka[j]->type, kb[j]->type);
			assert_int_equal(ka[j]->tag, kb[j]->tag);
			assert_int_equal(ka[j]->first_seen, kb[j]->first_seen);
			assert_int_equal(ka[j]->last_seen, kb[j]->last_seen);
			assert_int_equal(ka[j]->changed, kb[j]->changed);
			assert_int_equal(ka[j]->rdlen, kb[j]->rdlen);
			assert_memory_equal(ka[j]->rdata, kb[j]->rdata,
			                    ka[j]->rdlen);
		}
	}
}

/* Anchor file with a DS and a DNSKEY; the DS is replaced by its key. */
static void test_anchor_file(void **state)
{
	(void)state;
	tkey_t a, b;
	tkey_gen(&a);
	tkey_gen(&b);
	uint8_t zone[OD_NAME_MAXLEN], ds[64];
	assert_true(od_name_from_str(zone, "example.", 8, NULL) > 0);
	int dslen = od_ds_make(zone, a.pk.rdata, a.pk.rdlen, OD_DS_SHA256, ds,
	                       sizeof(ds));
	assert_true(dslen > 4);
	char hex[130], text[2048], b64[256];
	for (int i = 4; i < dslen; i++)
		sprintf(hex + 2 * (i - 4), "%02x", ds[i]);
	/* b's DNSKEY in presentation form via the state file writer is
	 * circular; build it from the base64 of the public key. */
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int outl = 0;
	EVP_EncodeInit(ctx);
	EVP_EncodeUpdate(ctx, (unsigned char *)b64, &outl, b.pk.rdata + 4,
	                 (int)b.pk.rdlen - 4);
	int fin = 0;
	EVP_EncodeFinal(ctx, (unsigned char *)b64 + outl, &fin);
	EVP_ENCODE_CTX_free(ctx);
	b64[outl + fin] = 0;
	for (char *p = b64; *p; p++)
		if (*p == '\n')
			*p = ' ';
	snprintf(text, sizeof(text),
	         "; configured anchors\n"
	         "example. 3600 IN DS %u 13 2 %s\n"
	         "example. IN DNSKEY 257 3 13 ( %s )\n",
	         a.tag, hex, b64);
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/anchors", tmpdir);
	write_file(path, text);

	odr_ta_t *ta = odr_ta_new();
	assert_non_null(ta);
	err[0] = 0;
	assert_int_equal(odr_ta_load_file(ta, path, T0, err, sizeof(err)), 0);
	/* Loading again does not duplicate. */
	assert_int_equal(odr_ta_load_file(ta, path, T0, err, sizeof(err)), 0);
	const odr_ta_key_t *k[4];
	assert_int_equal(odr_ta_trusted(ta, zone, k, 4), 2);
	assert_int_equal(k[0]->type, OD_TYPE_DS);
	assert_int_equal(k[0]->tag, a.tag);
	assert_int_equal(k[1]->type, OD_TYPE_DNSKEY);
	assert_int_equal(k[1]->tag, b.tag);
	uint8_t www[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(www, "www.Example.", 12, NULL) > 0);
	assert_true(od_name_equal(odr_ta_closest(ta, www), zone));
	assert_null(odr_ta_closest(ta, root));
	uint16_t tags[4];
	assert_int_equal(odr_ta_keytags(ta, zone, tags, 4), 2);
	assert_int_equal(tags[0], a.tag < b.tag ? a.tag : b.tag);

	odr_ta_dnskey_t in[2] = { in_key(&a, false, true),
		                  in_key(&b, false, true) };
	assert_int_equal(update(ta, zone, in, 2, T0 + DAY), 1);
	assert_int_equal(odr_ta_trusted(ta, zone, k, 4), 2);
	assert_int_equal(k[0]->type, OD_TYPE_DNSKEY);
	assert_int_equal(k[0]->tag, a.tag);
	assert_int_equal(k[0]->rdlen, a.pk.rdlen);
	assert_memory_equal(k[0]->rdata, a.pk.rdata, a.pk.rdlen);
	assert_int_equal(k[0]->state, ODR_TA_VALID);

	/* Errors name the file and line. */
	write_file(path, "example. IN DNSKEY 257 3 13 AAAA\n"
	                 "example. IN A 192.0.2.1\n");
	assert_int_equal(odr_ta_load_file(ta, path, T0, err, sizeof(err)),
	                 OD_ETYPE);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":2: A record is not a trust anchor"));
	write_file(path, "example. IN DNSKEY 385 3 13 AAAA\n");
	assert_int_equal(odr_ta_load_file(ta, path, T0, err, sizeof(err)),
	                 OD_EINVAL);
	assert_non_null(strstr(err, ":1: DNSKEY with flags 385"));
	write_file(path, "; nothing\n");
	assert_int_equal(odr_ta_load_file(ta, path, T0, err, sizeof(err)),
	                 OD_EEMPTY);
	assert_non_null(strstr(err, path));
	write_file(path, "example. IN DS 1 2 3 zz\n");
	assert_true(odr_ta_load_file(ta, path, T0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, ":1:"));
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	assert_int_equal(odr_ta_load_file(ta, path, T0, err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, path));

	od_privkey_free(&a.pk);
	od_privkey_free(&b.pk);
	odr_ta_free(ta);
}

static void test_state_roundtrip(void **state)
{
	(void)state;
	odr_ta_t *ta = odr_ta_new_builtin();
	assert_non_null(ta);
	odr_ta_set_holddown(ta, 5 * DAY, 5 * DAY);
	tkey_t p, v, r;
	tkey_gen(&p);
	tkey_gen(&v);
	tkey_gen(&r);
	odr_ta_dnskey_t in[8];
	size_t cnt = builtin_in(ta, in);
	in[cnt] = in_key(&v, false, false);
	in[cnt + 1] = in_key(&r, false, false);
	update(ta, root, in, cnt + 2, T0);
	update(ta, root, in, cnt + 2, T0 + 5 * DAY);
	in[cnt + 1] = in_key(&r, true, true);
	in[cnt + 2] = in_key(&p, false, false);
	update(ta, root, in + 1, cnt + 2, T0 + 6 * DAY); /* 20326 Missing */
	assert_int_equal(state_of(ta, root, 20326), ODR_TA_MISSING);
	assert_int_equal(state_of(ta, root, v.tag), ODR_TA_VALID);
	assert_int_equal(state_of(ta, root, r.rev_tag), ODR_TA_REVOKED);
	assert_int_equal(state_of(ta, root, p.tag), ODR_TA_ADDPEND);
	char apath[128], err[512];
	snprintf(apath, sizeof(apath), "%s/anchors2", tmpdir);
	write_file(apath, "example.com. IN DS 12345 8 2 "
	                  "e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a"
	                  "9184cfc41a5766\n");
	assert_int_equal(odr_ta_load_file(ta, apath, T0, err, sizeof(err)), 0);

	char path[128], tmp[160];
	snprintf(path, sizeof(path), "%s/ta.state", tmpdir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(odr_ta_check_path(path, err, sizeof(err)), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(odr_ta_save(ta, path, err, sizeof(err)), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	char *text = slurp(path);
	assert_non_null(strstr(text, ". Missing "));
	assert_non_null(strstr(text, ". Revoked "));
	assert_non_null(strstr(text, "example.com. Valid "));
	assert_non_null(strstr(text, " DS 12345 8 2 "));

	odr_ta_t *back = NULL;
	assert_int_equal(odr_ta_load_state(&back, path, err, sizeof(err)), 0);
	assert_same(ta, back);
	assert_int_equal(odr_ta_save(back, path, err, sizeof(err)), 0);
	char *text2 = slurp(path);
	assert_string_equal(text, text2);
	/* The loaded state goes on: the pending key becomes Valid. */
	odr_ta_set_holddown(back, 5 * DAY, 5 * DAY);
	assert_true(update(back, root, in + 1, cnt + 2, T0 + 11 * DAY) >= 1);
	assert_int_equal(state_of(back, root, p.tag), ODR_TA_VALID);
	odr_ta_free(back);

	/* Bad state files: path, line and reason. */
	write_file(path, "; c\n\n. Valid 1 2 3 DNSKEY 257 3 8 AwEAAQ==\n"
	                 ". Pending 1 2 3 DNSKEY 257 3 8 AwEAAQ==\n");
	back = NULL;
	assert_int_equal(odr_ta_load_state(&back, path, err, sizeof(err)),
	                 OD_ESYNTAX);
	assert_null(back);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":4: unknown state 'Pending'"));
	write_file(path, ". Valid 1 x 3 DNSKEY 257 3 8 AwEAAQ==\n");
	assert_int_equal(odr_ta_load_state(&back, path, err, sizeof(err)),
	                 OD_ESYNTAX);
	assert_non_null(strstr(err, ":1: bad time 'x'"));
	write_file(path, "example Valid 1 2 3 DNSKEY 257 3 8 AwEAAQ==\n");
	assert_true(odr_ta_load_state(&back, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, ":1: bad zone name"));
	write_file(path, ". Valid 1 2 3 A 192.0.2.1\n");
	assert_int_equal(odr_ta_load_state(&back, path, err, sizeof(err)),
	                 OD_ETYPE);
	write_file(path, ". Valid 1 2 3 DNSKEY 257 3 8 !!!\n");
	assert_true(odr_ta_load_state(&back, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, ":1: bad DNSKEY RDATA"));
	write_file(path, ". Valid 1 2\n");
	assert_int_equal(odr_ta_load_state(&back, path, err, sizeof(err)),
	                 OD_ESYNTAX);
	assert_null(back);
	snprintf(path, sizeof(path), "%s/missing.state", tmpdir);
	assert_int_equal(odr_ta_load_state(&back, path, err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file or directory"));

	free(text);
	free(text2);
	od_privkey_free(&p.pk);
	od_privkey_free(&v.pk);
	od_privkey_free(&r.pk);
	odr_ta_free(ta);
}

/* Unwritable places: a clear error, and nothing partial left behind. */
static void test_save_errors(void **state)
{
	(void)state;
	odr_ta_t *ta = odr_ta_new_builtin();
	assert_non_null(ta);
	char path[256], err[512], tmp[512];

	/* Directory that does not exist. */
	snprintf(path, sizeof(path), "%s/nodir/ta.state", tmpdir);
	assert_int_equal(odr_ta_save(ta, path, err, sizeof(err)), -ENOENT);
	snprintf(tmp, sizeof(tmp),
	         "cannot create %s.tmp: No such file or "
	         "directory",
	         path);
	assert_string_equal(err, tmp);
	assert_int_equal(odr_ta_check_path(path, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, tmp);

	/* "Directory" that is a regular file. */
	char file[128];
	snprintf(file, sizeof(file), "%s/plain", tmpdir);
	write_file(file, "x\n");
	snprintf(path, sizeof(path), "%s/ta.state", file);
	assert_int_equal(odr_ta_save(ta, path, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "Not a directory"));

	/* The path itself is a directory. */
	snprintf(path, sizeof(path), "%s/adir", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(odr_ta_save(ta, path, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, path));
	assert_int_equal(odr_ta_check_path(path, err, sizeof(err)), -EISDIR);

	/* A failed save leaves the previous file intact. */
	snprintf(path, sizeof(path), "%s/keep.state", tmpdir);
	assert_int_equal(odr_ta_save(ta, path, err, sizeof(err)), 0);
	char *before = slurp(path);
	tkey_t n;
	tkey_gen(&n);
	odr_ta_dnskey_t in[4];
	size_t cnt = builtin_in(ta, in);
	in[cnt] = in_key(&n, false, false);
	assert_int_equal(update(ta, root, in, cnt + 1, T0), 1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(mkdir(tmp, 0755), 0); /* blocks PATH.tmp */
	assert_true(odr_ta_save(ta, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, tmp));
	char *after = slurp(path);
	assert_string_equal(before, after);
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(odr_ta_save(ta, path, err, sizeof(err)), 0);
	free(after);
	after = slurp(path);
	assert_string_not_equal(before, after);
	assert_non_null(strstr(after, "AddPend"));

	free(before);
	free(after);
	od_privkey_free(&n.pk);
	odr_ta_free(ta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_rollover),
		cmocka_unit_test(test_pending_removed),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_refresh_interval),
		cmocka_unit_test(test_stuck),
		cmocka_unit_test(test_anchor_file),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_save_errors),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
