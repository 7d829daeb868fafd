/* SPDX-License-Identifier: MIT */
#include "lib/tsig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lib/base.h"
#include "lib/error.h"
#include "lib/rrtype.h"

typedef struct alg_info {
	od_tsig_alg_t alg;
	const char *str;
	const uint8_t *wire;
	const char *digest;
	size_t len;
} alg_info_t;

static const alg_info_t ALGS[] = {
	{ OD_TSIG_HMAC_SHA1, "hmac-sha1", (const uint8_t *)"\x09hmac-sha1",
	  "SHA1", 20 },
	{ OD_TSIG_HMAC_SHA256, "hmac-sha256",
	  (const uint8_t *)"\x0bhmac-sha256", "SHA256", 32 },
	{ OD_TSIG_HMAC_SHA384, "hmac-sha384",
	  (const uint8_t *)"\x0bhmac-sha384", "SHA384", 48 },
	{ OD_TSIG_HMAC_SHA512, "hmac-sha512",
	  (const uint8_t *)"\x0bhmac-sha512", "SHA512", 64 },
};

static const alg_info_t *alg_get(od_tsig_alg_t alg)
{
	for (size_t i = 0; i < sizeof(ALGS) / sizeof(ALGS[0]); i++)
		if (ALGS[i].alg == alg)
			return &ALGS[i];
	return NULL;
}

static const alg_info_t *alg_by_name(const uint8_t *name)
{
	for (size_t i = 0; i < sizeof(ALGS) / sizeof(ALGS[0]); i++)
		if (od_name_equal(ALGS[i].wire, name))
			return &ALGS[i];
	return NULL;
}

const char *od_tsig_alg_str(od_tsig_alg_t alg)
{
	const alg_info_t *a = alg_get(alg);
	return a ? a->str : NULL;
}

const uint8_t *od_tsig_alg_name(od_tsig_alg_t alg)
{
	const alg_info_t *a = alg_get(alg);
	return a ? a->wire : NULL;
}

size_t od_tsig_mac_len(od_tsig_alg_t alg)
{
	const alg_info_t *a = alg_get(alg);
	return a ? a->len : 0;
}

int od_tsig_alg_from_str(const char *s, od_tsig_alg_t *alg)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	for (size_t i = 0; i < sizeof(ALGS) / sizeof(ALGS[0]); i++)
		if (strlen(ALGS[i].str) == n &&
		    strncasecmp(ALGS[i].str, s, n) == 0) {
			*alg = ALGS[i].alg;
			return 0;
		}
	return OD_ENOTSUP;
}

static void seterr(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, arg);
}

int od_tsig_key_set(od_tsig_key_t *k, const char *name, const char *alg,
                    const char *secret_b64, char *err, size_t errlen)
{
	od_tsig_key_t t;
	memset(&t, 0, sizeof(t));
	size_t nl = strlen(name);
	if (nl == 0 ||
	    od_name_from_str(t.name, name, nl, (const uint8_t *)"") < 0) {
		seterr(err, errlen, "bad TSIG key name '%s'", name);
		return OD_ESYNTAX;
	}
	od_name_lower(t.name);
	if (od_tsig_alg_from_str(alg, &t.alg) != 0) {
		seterr(err, errlen,
		       "unknown TSIG algorithm '%s' (hmac-sha1, hmac-sha256, "
		       "hmac-sha384, hmac-sha512)",
		       alg);
		return OD_ENOTSUP;
	}
	size_t sl = strlen(secret_b64);
	if (sl == 0) {
		seterr(err, errlen, "empty TSIG secret for key '%s'", name);
		return OD_EBASE64;
	}
	if (od_base64_len(OD_TSIG_SECRET_MAX) < sl) {
		seterr(err, errlen, "TSIG secret of key '%s' is too long",
		       name);
		return OD_ERANGE;
	}
	int n = od_base64_decode(secret_b64, sl, t.secret, sizeof(t.secret));
	if (n <= 0) {
		seterr(err, errlen,
		       "TSIG secret of key '%s' is not valid base64", name);
		return n == OD_ESPACE ? OD_ERANGE : OD_EBASE64;
	}
	t.secret_len = (uint16_t)n;
	*k = t;
	return 0;
}

int od_tsig_key_parse(od_tsig_key_t *k, const char *spec, char *err,
                      size_t errlen)
{
	const char *c1 = strchr(spec, ':');
	if (!c1 || c1 == spec) {
		seterr(err, errlen,
		       "bad TSIG key '%s' (expected name:algorithm:secret)",
		       spec);
		return OD_ESYNTAX;
	}
	const char *c2 = strchr(c1 + 1, ':');
	char name[OD_NAME_STRLEN], alg[32];
	size_t nl = (size_t)(c1 - spec);
	if (nl >= sizeof(name)) {
		seterr(err, errlen, "TSIG key name too long in '%s'", spec);
		return OD_ESYNTAX;
	}
	memcpy(name, spec, nl);
	name[nl] = 0;
	const char *secret;
	if (c2) {
		size_t al = (size_t)(c2 - c1 - 1);
		if (al == 0 || al >= sizeof(alg)) {
			seterr(err, errlen, "bad TSIG algorithm in '%s'", spec);
			return OD_ENOTSUP;
		}
		memcpy(alg, c1 + 1, al);
		alg[al] = 0;
		secret = c2 + 1;
	} else {
		strcpy(alg, "hmac-sha256");
		secret = c1 + 1;
	}
	return od_tsig_key_set(k, name, alg, secret, err, errlen);
}

const od_tsig_key_t *od_tsig_keyring_find(const od_tsig_keyring_t *kr,
                                          const uint8_t *name)
{
	if (!kr)
		return NULL;
	for (size_t i = 0; i < kr->n; i++)
		if (od_name_equal(kr->keys[i].name, name))
			return &kr->keys[i];
	return NULL;
}

/* The TSIG RDATA fields (RFC 8945 §4.2). */
typedef struct tsig_rd {
	const uint8_t *alg; /* points into the RDATA */
	uint64_t time;
	uint16_t fudge;
	uint16_t mac_len;
	const uint8_t *mac;
	uint16_t orig_id;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
} tsig_rd_t;

static int tsig_rd_parse(const od_rr_t *rr, tsig_rd_t *t)
{
	int an = od_name_check(rr->rdata, rr->rdlen);
	if (an < 0)
		return OD_EMALF;
	od_rd_t r;
	od_rd_init(&r, rr->rdata, rr->rdlen);
	od_rd_skip(&r, (size_t)an);
	t->alg = rr->rdata;
	t->time = od_rd_u48(&r);
	t->fudge = od_rd_u16(&r);
	t->mac_len = od_rd_u16(&r);
	t->mac = od_rd_take(&r, t->mac_len);
	t->orig_id = od_rd_u16(&r);
	t->error = od_rd_u16(&r);
	t->other_len = od_rd_u16(&r);
	t->other = od_rd_take(&r, t->other_len);
	if (od_rd_err(&r) || od_rd_left(&r))
		return OD_EMALF;
	return 0;
}

/*
 * Offset of the last record (the TSIG) in wire: the parser has checked
 * the message, so this walk only skips names and fixed fields.
 */
static int last_rr_offset(const uint8_t *wire, size_t len, const od_pkt_t *p)
{
	od_rd_t r;
	od_rd_init(&r, wire, len);
	od_rd_skip(&r, OD_HDR_LEN);
	uint8_t name[OD_NAME_MAXLEN];
	for (unsigned i = 0; i < p->count[OD_QUESTION]; i++) {
		od_name_unpack(&r, name);
		od_rd_skip(&r, 4);
	}
	unsigned total = (unsigned)p->count[1] + p->count[2] + p->count[3];
	if (total == 0)
		return OD_EINVAL;
	for (unsigned i = 0; i + 1 < total; i++) {
		od_name_unpack(&r, name);
		od_rd_skip(&r, 8);
		od_rd_skip(&r, od_rd_u16(&r));
	}
	if (od_rd_err(&r))
		return OD_EMALF;
	return (int)r.pos;
}

typedef struct hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
} hmac_t;

static int hmac_init(hmac_t *h, const od_tsig_key_t *k)
{
	const alg_info_t *a = alg_get(k->alg);
	h->ctx = NULL;
	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!h->mac || !a)
		goto fail;
	h->ctx = EVP_MAC_CTX_new(h->mac);
	if (!h->ctx)
		goto fail;
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		                                 (char *)a->digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_init(h->ctx, k->secret, k->secret_len, params))
		goto fail;
	return 0;
fail:
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	return OD_ENOMEM;
}

static void hmac_update(hmac_t *h, const void *d, size_t n)
{
	if (n)
		EVP_MAC_update(h->ctx, d, n);
}

static void hmac_u16(hmac_t *h, uint16_t v)
{
	uint8_t b[2];
	od_put_u16(b, v);
	hmac_update(h, b, 2);
}

static int hmac_final(hmac_t *h, uint8_t *out, size_t *outlen)
{
	int ok = EVP_MAC_final(h->ctx, out, outlen, OD_TSIG_MAC_MAX);
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	return ok ? 0 : OD_ENOMEM;
}

/*
 * The message as it was before the TSIG was added: the original ID in
 * place of the ID and ARCOUNT one lower (RFC 8945 §4.3.2). msg_len
 * excludes the TSIG record; arcount is the count without it.
 */
static void hmac_message(hmac_t *h, const uint8_t *wire, size_t msg_len,
                         uint16_t orig_id, uint16_t arcount)
{
	uint8_t hdr[OD_HDR_LEN];
	memcpy(hdr, wire, OD_HDR_LEN);
	od_put_u16(hdr, orig_id);
	od_put_u16(hdr + 10, arcount);
	hmac_update(h, hdr, OD_HDR_LEN);
	hmac_update(h, wire + OD_HDR_LEN, msg_len - OD_HDR_LEN);
}

/* TSIG variables (RFC 8945 §4.3.3), or the timers only (§5.3.1). */
static void hmac_vars(hmac_t *h, bool timers_only, const uint8_t *key_name,
                      const uint8_t *alg_name, uint64_t time, uint16_t fudge,
                      uint16_t error, const uint8_t *other, uint16_t other_len)
{
	uint8_t b[OD_NAME_MAXLEN + 16];
	if (!timers_only) {
		size_t n = od_name_copy(b, key_name);
		od_name_lower(b);
		hmac_update(h, b, n);
		hmac_u16(h, OD_CLASS_ANY);
		hmac_u16(h, 0); /* TTL 0, 32 bits */
		hmac_u16(h, 0);
		n = od_name_copy(b, alg_name);
		od_name_lower(b);
		hmac_update(h, b, n);
	}
	hmac_u16(h, (uint16_t)(time >> 32));
	hmac_u16(h, (uint16_t)(time >> 16));
	hmac_u16(h, (uint16_t)time);
	hmac_u16(h, fudge);
	if (!timers_only) {
		hmac_u16(h, error);
		hmac_u16(h, other_len);
		hmac_update(h, other, other_len);
	}
}

/* RFC 8945 §5.2.2.1: a MAC longer than the hash, or shorter than the
 * larger of 10 octets and half the hash, is malformed. */
static bool mac_size_ok(size_t got, size_t full)
{
	size_t min = full / 2 > 10 ? full / 2 : 10;
	return got <= full && got >= min;
}

static bool time_ok(uint64_t now, uint64_t t, uint16_t fudge)
{
	return now <= t + fudge && t <= now + fudge;
}

int od_tsig_verify_query(od_tsig_ctx_t *ctx, const od_tsig_keyring_t *kr,
                         const uint8_t *wire, size_t len, const od_pkt_t *p,
                         uint64_t now)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->fudge = OD_TSIG_FUDGE;
	if (!p->tsig)
		return OD_EINVAL;
	tsig_rd_t t;
	if (tsig_rd_parse(p->tsig, &t) != 0)
		return OD_EMALF;
	od_name_copy(ctx->key_name, p->tsig->owner);
	od_name_lower(ctx->key_name);
	od_name_copy(ctx->alg_name, t.alg);
	od_name_lower(ctx->alg_name);
	ctx->orig_id = p->hdr.id;
	ctx->req_time = t.time;

	/* §5.2.1: key and algorithm. */
	const od_tsig_key_t *k = od_tsig_keyring_find(kr, p->tsig->owner);
	const alg_info_t *a = alg_by_name(t.alg);
	if (!k || !a || a->alg != k->alg) {
		ctx->error = OD_TSIG_BADKEY;
		return OD_ETSIG;
	}
	ctx->key = k;
	/* §5.2.2: MAC. */
	if (!mac_size_ok(t.mac_len, a->len))
		return OD_EMALF;
	int off = last_rr_offset(wire, p->wire_len, p);
	if (off < 0)
		return off;
	hmac_t h;
	int ret = hmac_init(&h, k);
	if (ret)
		return ret;
	hmac_message(&h, wire, (size_t)off, t.orig_id,
	             (uint16_t)(p->count[OD_ADDITIONAL] - 1));
	hmac_vars(&h, false, p->tsig->owner, t.alg, t.time, t.fudge, t.error,
	          t.other, t.other_len);
	uint8_t mac[OD_TSIG_MAC_MAX];
	size_t mlen = 0;
	ret = hmac_final(&h, mac, &mlen);
	if (ret)
		return ret;
	if (CRYPTO_memcmp(mac, t.mac, t.mac_len) != 0) {
		ctx->error = OD_TSIG_BADSIG;
		return OD_ETSIG;
	}
	memcpy(ctx->mac, t.mac, t.mac_len);
	ctx->mac_len = t.mac_len;
	/* §5.2.3: time, checked after the MAC so a forged time cannot
	 * make us answer BADTIME signed. */
	if (!time_ok(now, t.time, t.fudge)) {
		ctx->error = OD_TSIG_BADTIME;
		return OD_ETSIG;
	}
	(void)len;
	return 0;
}

void od_tsig_ctx_client(od_tsig_ctx_t *ctx, const od_tsig_key_t *key,
                        uint16_t fudge)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->key = key;
	ctx->client = true;
	ctx->fudge = fudge ? fudge : OD_TSIG_FUDGE;
	od_name_copy(ctx->key_name, key->name);
	od_name_copy(ctx->alg_name, od_tsig_alg_name(key->alg));
}

/* BADKEY and BADSIG answers carry an unsigned TSIG (RFC 8945 §5.3.2). */
static bool unsigned_error(const od_tsig_ctx_t *ctx)
{
	return ctx->error == OD_TSIG_BADKEY || ctx->error == OD_TSIG_BADSIG ||
	       !ctx->key;
}

size_t od_tsig_space(const od_tsig_ctx_t *ctx)
{
	/* owner, type/class/TTL/RDLENGTH, algorithm, time, fudge, MAC size
	 * and MAC, original ID, error, other length, other data (6 octets
	 * with BADTIME). */
	size_t mac = ctx->key ? od_tsig_mac_len(ctx->key->alg) : 0;
	return od_name_len(ctx->key_name) + 10 + od_name_len(ctx->alg_name) +
	       6 + 2 + 2 + mac + 2 + 2 + 2 + 6;
}

/*
 * Compute the MAC of msg (msg_len bytes, arcount additional records
 * without the TSIG) and build the TSIG record into rr, its RDATA in rd.
 */
static int sign_msg(od_tsig_ctx_t *ctx, const uint8_t *msg, size_t msg_len,
                    uint16_t arcount, uint64_t now, od_rr_t *rr, uint8_t *rd,
                    size_t rdcap, uint8_t *mac, size_t *mlen)
{
	if (ctx->client)
		ctx->orig_id = od_get_u16(msg);
	uint8_t other[6];
	uint16_t other_len = 0;
	if (ctx->error == OD_TSIG_BADTIME) {
		od_put_u16(other, (uint16_t)(now >> 32));
		od_put_u32(other + 2, (uint32_t)now);
		other_len = 6;
	}
	*mlen = 0;
	if (!unsigned_error(ctx)) {
		hmac_t h;
		int ret = hmac_init(&h, ctx->key);
		if (ret)
			return ret;
		if (!ctx->client && ctx->mac_len) {
			hmac_u16(&h, ctx->mac_len);
			hmac_update(&h, ctx->mac, ctx->mac_len);
		}
		hmac_message(&h, msg, msg_len, ctx->orig_id, arcount);
		hmac_vars(&h, !ctx->client && ctx->nmsg > 0, ctx->key_name,
		          ctx->alg_name, now, ctx->fudge, ctx->error, other,
		          other_len);
		ret = hmac_final(&h, mac, mlen);
		if (ret)
			return ret;
	}
	od_wr_t w;
	od_wr_init(&w, rd, rdcap);
	od_wr_bytes(&w, ctx->alg_name, od_name_len(ctx->alg_name));
	od_wr_u48(&w, now);
	od_wr_u16(&w, ctx->fudge);
	od_wr_u16(&w, (uint16_t)*mlen);
	od_wr_bytes(&w, mac, *mlen);
	od_wr_u16(&w, ctx->orig_id);
	od_wr_u16(&w, ctx->error);
	od_wr_u16(&w, other_len);
	od_wr_bytes(&w, other, other_len);
	if (od_fails(od_wr_err(&w)))
		return OD_EINVAL;
	*rr = (od_rr_t){
		.owner = ctx->key_name,
		.rdata = rd,
		.rdlen = (uint16_t)w.pos,
		.ttl = 0,
		.type = OD_TYPE_TSIG,
		.rclass = OD_CLASS_ANY,
	};
	return 0;
}

/* After a record was added: remember its MAC for the next message. */
static void signed_done(od_tsig_ctx_t *ctx, const uint8_t *mac, size_t mlen)
{
	if (!unsigned_error(ctx)) {
		memcpy(ctx->mac, mac, mlen);
		ctx->mac_len = (uint16_t)mlen;
	}
	if (!ctx->client)
		ctx->nmsg++;
}

int od_tsig_sign(od_tsig_ctx_t *ctx, od_pkt_w_t *b, uint64_t now)
{
	if (!b->finished)
		return OD_EINVAL;
	uint8_t rd[OD_NAME_MAXLEN + 32 + OD_TSIG_MAC_MAX];
	uint8_t mac[OD_TSIG_MAC_MAX];
	size_t mlen;
	od_rr_t rr;
	int ret = sign_msg(ctx, b->w.buf, od_pkt_w_len(b),
	                   b->count[OD_ADDITIONAL], now, &rr, rd, sizeof(rd),
	                   mac, &mlen);
	if (ret)
		return ret;
	int n = od_pkt_w_last(b, &rr);
	if (n < 0)
		return n;
	signed_done(ctx, mac, mlen);
	return n;
}

int od_tsig_sign_wire(od_tsig_ctx_t *ctx, uint8_t *msg, size_t len, size_t cap,
                      uint64_t now)
{
	if (len < OD_HDR_LEN || len > cap)
		return OD_EINVAL;
	uint16_t arcount = od_get_u16(msg + 10);
	if (arcount == UINT16_MAX)
		return OD_ELIMIT;
	uint8_t rd[OD_NAME_MAXLEN + 32 + OD_TSIG_MAC_MAX];
	uint8_t mac[OD_TSIG_MAC_MAX];
	size_t mlen;
	od_rr_t rr;
	int ret = sign_msg(ctx, msg, len, arcount, now, &rr, rd, sizeof(rd),
	                   mac, &mlen);
	if (ret)
		return ret;
	od_wr_t w;
	od_wr_init(&w, msg, cap > OD_PKT_MAXLEN ? OD_PKT_MAXLEN : cap);
	w.pos = len;
	ret = od_rr_write(&w, &rr, NULL);
	if (ret)
		return ret;
	od_put_u16(msg + 10, (uint16_t)(arcount + 1));
	signed_done(ctx, mac, mlen);
	return (int)w.pos;
}

int od_tsig_verify_response(od_tsig_ctx_t *ctx, const uint8_t *wire, size_t len,
                            const od_pkt_t *p, uint64_t now)
{
	if (!p->tsig)
		return OD_EINVAL;
	tsig_rd_t t;
	if (tsig_rd_parse(p->tsig, &t) != 0)
		return OD_EMALF;
	const alg_info_t *a = alg_by_name(t.alg);
	if (!ctx->key || !od_name_equal(p->tsig->owner, ctx->key->name) || !a ||
	    a->alg != ctx->key->alg) {
		ctx->error = OD_TSIG_BADKEY;
		return OD_ETSIG;
	}
	if (t.error) {
		ctx->error = t.error;
		return OD_ETSIG;
	}
	if (!mac_size_ok(t.mac_len, a->len)) {
		ctx->error = OD_TSIG_BADSIG;
		return OD_ETSIG;
	}
	int off = last_rr_offset(wire, p->wire_len, p);
	if (off < 0)
		return off;
	hmac_t h;
	int ret = hmac_init(&h, ctx->key);
	if (ret)
		return ret;
	hmac_u16(&h, ctx->mac_len);
	hmac_update(&h, ctx->mac, ctx->mac_len);
	hmac_message(&h, wire, (size_t)off, t.orig_id,
	             (uint16_t)(p->count[OD_ADDITIONAL] - 1));
	hmac_vars(&h, ctx->nmsg > 0, p->tsig->owner, t.alg, t.time, t.fudge,
	          t.error, t.other, t.other_len);
	uint8_t mac[OD_TSIG_MAC_MAX];
	size_t mlen = 0;
	ret = hmac_final(&h, mac, &mlen);
	if (ret)
		return ret;
	if (CRYPTO_memcmp(mac, t.mac, t.mac_len) != 0) {
		ctx->error = OD_TSIG_BADSIG;
		return OD_ETSIG;
	}
	if (!time_ok(now, t.time, t.fudge)) {
		ctx->error = OD_TSIG_BADTIME;
		return OD_ETSIG;
	}
	memcpy(ctx->mac, t.mac, t.mac_len);
	ctx->mac_len = t.mac_len;
	ctx->nmsg++;
	ctx->error = 0;
	(void)len;
	return 0;
}
