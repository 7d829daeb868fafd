/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "lib/base.h"
#include "lib/dnssec/key.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/wire.h"

/* ---- algorithm table ---------------------------------------------------- */

#define ALG(n, name, v, s, sha1, rsa, ec, ed, fl)                              \
	[n] = { n, name, v, s, sha1, rsa, ec, ed, fl }

static const od_alg_info_t alg_table[256] = {
	ALG(1, "RSAMD5", false, false, false, true, false, false, 0),
	ALG(2, "DH", false, false, false, false, false, false, 0),
	ALG(3, "DSA", false, false, true, false, false, false, 0),
	ALG(5, "RSASHA1", true, false, true, true, false, false, 0),
	ALG(6, "DSA-NSEC3-SHA1", false, false, true, false, false, false, 0),
	ALG(7, "RSASHA1-NSEC3-SHA1", true, false, true, true, false, false, 0),
	ALG(8, "RSASHA256", true, true, false, true, false, false, 0),
	ALG(10, "RSASHA512", true, true, false, true, false, false, 0),
	ALG(12, "ECC-GOST", false, false, false, false, false, false, 0),
	ALG(13, "ECDSAP256SHA256", true, true, false, false, true, false, 32),
	ALG(14, "ECDSAP384SHA384", true, true, false, false, true, false, 48),
	ALG(15, "ED25519", true, true, false, false, false, true, 32),
	ALG(16, "ED448", true, true, false, false, false, true, 57),
};

const od_alg_info_t *od_alg_info(uint8_t alg)
{
	/* Unknown entries are all-zero; alg is set by the caller's view. */
	return &alg_table[alg];
}

const EVP_MD *od_alg_md(uint8_t alg)
{
	switch (alg) {
	case OD_ALG_RSASHA1:
	case OD_ALG_RSASHA1_NSEC3_SHA1:
		return EVP_sha1();
	case OD_ALG_RSASHA256:
	case OD_ALG_ECDSAP256SHA256:
		return EVP_sha256();
	case OD_ALG_ECDSAP384SHA384:
		return EVP_sha384();
	case OD_ALG_RSASHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

const char *od_alg_name(uint8_t alg)
{
	return alg_table[alg].mnemonic;
}

int od_alg_from_name(const char *name)
{
	if (name == NULL || *name == '\0')
		return OD_ESYNTAX;
	if (isdigit((unsigned char)*name)) {
		char *end;
		unsigned long v = strtoul(name, &end, 10);
		if (*end != '\0' || v == 0 || v > 255)
			return OD_ESYNTAX;
		return (int)v;
	}
	for (int i = 1; i < 256; i++) {
		if (alg_table[i].mnemonic != NULL &&
		    strcasecmp(alg_table[i].mnemonic, name) == 0)
			return i;
	}
	/* Older spelling used by BIND for algorithm 7. */
	if (strcasecmp(name, "NSEC3RSASHA1") == 0)
		return OD_ALG_RSASHA1_NSEC3_SHA1;
	return OD_ESYNTAX;
}

/* ---- key tag ------------------------------------------------------------ */

uint16_t od_key_tag(const uint8_t *rdata, size_t rdlen)
{
	if (rdlen < 4)
		return 0;
	if (rdata[3] == OD_ALG_RSAMD5) {
		/* RFC 4034 Appendix B.1: most significant 16 bits of the
		 * least significant 24 bits of the modulus. */
		if (rdlen < 7)
			return 0;
		return od_get_u16(rdata + rdlen - 3);
	}
	uint32_t ac = 0;
	for (size_t i = 0; i < rdlen; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xFFFF;
	return ac & 0xFFFF;
}

/* ---- public keys -------------------------------------------------------- */

static const char *ec_group(uint8_t alg)
{
	return alg == OD_ALG_ECDSAP256SHA256 ? "P-256" : "P-384";
}

static int ec_nid(uint8_t alg)
{
	return alg == OD_ALG_ECDSAP256SHA256 ? NID_X9_62_prime256v1
	                                     : NID_secp384r1;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld,
                               int selection)
{
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *rsa_public(const uint8_t *k, size_t len)
{
	/* RFC 3110 §2 */
	size_t elen, off;
	if (len < 1)
		return NULL;
	if (k[0] != 0) {
		elen = k[0];
		off = 1;
	} else {
		if (len < 3)
			return NULL;
		elen = od_get_u16(k + 1);
		off = 3;
	}
	if (elen == 0 || off + elen >= len)
		return NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e = BN_bin2bn(k + off, (int)elen, NULL);
	BIGNUM *n = BN_bin2bn(k + off + elen, (int)(len - off - elen), NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (e != NULL && n != NULL && bld != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		pkey = pkey_fromdata("RSA", bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return pkey;
}

static EVP_PKEY *ec_public(uint8_t alg, const uint8_t *k, size_t len)
{
	size_t fl = alg_table[alg].field_len;
	uint8_t pt[1 + 2 * 48];
	if (len != 2 * fl)
		return NULL;
	pt[0] = 0x04; /* uncompressed point */
	memcpy(pt + 1, k, len);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (bld != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	                                    ec_group(alg), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	                                     1 + len))
		pkey = pkey_fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *pkey_public(uint8_t alg, const uint8_t *k, size_t len)
{
	const od_alg_info_t *ai = &alg_table[alg];
	if (!ai->validate)
		return NULL;
	if (ai->rsa)
		return rsa_public(k, len);
	if (ai->ecdsa)
		return ec_public(alg, k, len);
	if (len != ai->field_len)
		return NULL;
	return EVP_PKEY_new_raw_public_key(
	        alg == OD_ALG_ED25519 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448, NULL,
	        k, len);
}

/*
 * Preparing an EVP signing or verification context (provider, algorithm
 * and digest look-ups under locks) costs about as much as an RSA-2048
 * verification itself. A key therefore keeps one prepared context and each
 * operation runs on a copy of it: copying only reads the prepared context
 * (the references it takes are atomic), so threads may share a key.
 */
static EVP_MD_CTX *ctx_prepare(uint8_t alg, EVP_PKEY *pkey, bool sign)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return NULL;
	int ok =
	        sign ? EVP_DigestSignInit(ctx, NULL, od_alg_md(alg), NULL, pkey)
	             : EVP_DigestVerifyInit(ctx, NULL, od_alg_md(alg), NULL,
	                                    pkey);
	if (ok <= 0) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A context for one operation: a copy of the key's prepared one, or a newly
 * prepared one when the key has none or copying fails. */
static EVP_MD_CTX *ctx_get(const EVP_MD_CTX *prepared, uint8_t alg,
                           EVP_PKEY *pkey, bool sign)
{
	if (prepared != NULL) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (ctx != NULL && EVP_MD_CTX_copy_ex(ctx, prepared))
			return ctx;
		EVP_MD_CTX_free(ctx);
	}
	return ctx_prepare(alg, pkey, sign);
}

int od_dnskey_from_rdata(od_dnskey_t *key, const uint8_t *rdata, size_t rdlen,
                         od_mm_t *mm)
{
	memset(key, 0, sizeof(*key));
	if (rdlen < 4)
		return OD_EMALF;
	od_dnskey_t k = {
		.flags = od_get_u16(rdata),
		.protocol = rdata[2],
		.alg = rdata[3],
		.tag = od_key_tag(rdata, rdlen),
		.rdlen = rdlen,
		.mm = mm,
	};
	if (alg_table[k.alg].validate) {
		k.pkey = pkey_public(k.alg, rdata + 4, rdlen - 4);
		if (k.pkey == NULL)
			return OD_EMALF;
		/* Optional: without it each verification prepares its own. */
		k.vctx = ctx_prepare(k.alg, k.pkey, false);
	}
	k.rdata = od_mm_dup(mm, rdata, rdlen);
	if (k.rdata == NULL) {
		EVP_MD_CTX_free(k.vctx);
		EVP_PKEY_free(k.pkey);
		return OD_ENOMEM;
	}
	*key = k;
	return 0;
}

void od_dnskey_free(od_dnskey_t *key)
{
	if (key == NULL)
		return;
	EVP_MD_CTX_free(key->vctx);
	EVP_PKEY_free(key->pkey);
	od_mm_free(key->mm, key->rdata);
	memset(key, 0, sizeof(*key));
}

bool od_dnskey_usable(const od_dnskey_t *key)
{
	return (key->flags & OD_DNSKEY_ZONE) &&
	       !(key->flags & OD_DNSKEY_REVOKE) && key->protocol == 3;
}

/* ---- DS ----------------------------------------------------------------- */

static const EVP_MD *ds_md(uint8_t type)
{
	switch (type) {
	case OD_DS_SHA1:
		return EVP_sha1();
	case OD_DS_SHA256:
		return EVP_sha256();
	case OD_DS_SHA384:
		return EVP_sha384();
	default:
		return NULL;
	}
}

size_t od_ds_digest_len(uint8_t digest_type)
{
	const EVP_MD *md = ds_md(digest_type);
	return md != NULL ? (size_t)EVP_MD_get_size(md) : 0;
}

int od_ds_digest(const uint8_t *owner, const uint8_t *dnskey, size_t dnskey_len,
                 uint8_t digest_type, uint8_t *out, size_t outlen)
{
	const EVP_MD *md = ds_md(digest_type);
	if (md == NULL)
		return OD_ENOTSUP;
	size_t dlen = (size_t)EVP_MD_get_size(md);
	if (outlen < dlen)
		return OD_ESPACE;
	int nlen = od_name_check(owner, OD_NAME_MAXLEN);
	if (nlen < 0)
		return OD_EMALF;
	uint8_t name[OD_NAME_MAXLEN];
	memcpy(name, owner, (size_t)nlen);
	od_name_lower(name);

	unsigned int got = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) &&
	         EVP_DigestUpdate(ctx, name, (size_t)nlen) &&
	         EVP_DigestUpdate(ctx, dnskey, dnskey_len) &&
	         EVP_DigestFinal_ex(ctx, out, &got);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return OD_ENOMEM;
	return (int)got;
}

int od_ds_make(const uint8_t *owner, const uint8_t *dnskey, size_t dnskey_len,
               uint8_t digest_type, uint8_t *out, size_t outlen)
{
	if (dnskey_len < 4)
		return OD_EMALF;
	if (outlen < 4)
		return OD_ESPACE;
	int ret = od_ds_digest(owner, dnskey, dnskey_len, digest_type, out + 4,
	                       outlen - 4);
	if (ret < 0)
		return ret;
	od_put_u16(out, od_key_tag(dnskey, dnskey_len));
	out[2] = dnskey[3];
	out[3] = digest_type;
	return 4 + ret;
}

int od_ds_match(const uint8_t *owner, const uint8_t *ds, size_t ds_len,
                const uint8_t *dnskey, size_t dnskey_len)
{
	if (ds_len < 4 || dnskey_len < 4)
		return OD_EMALF;
	size_t dlen = od_ds_digest_len(ds[3]);
	if (dlen == 0)
		return OD_ENOTSUP;
	if (ds_len - 4 != dlen)
		return OD_EMALF;
	if (od_get_u16(ds) != od_key_tag(dnskey, dnskey_len) ||
	    ds[2] != dnskey[3])
		return 0;
	uint8_t d[OD_DS_DIGEST_MAXLEN];
	int ret = od_ds_digest(owner, dnskey, dnskey_len, ds[3], d, sizeof(d));
	if (ret < 0)
		return ret;
	return memcmp(d, ds + 4, dlen) == 0 ? 1 : 0;
}

/* ---- signatures --------------------------------------------------------- */

/* ECDSA signatures travel as raw r | s (RFC 6605 §4); OpenSSL wants DER. */
static int ecdsa_raw_to_der(const uint8_t *sig, size_t siglen, size_t fl,
                            uint8_t **der)
{
	if (siglen != 2 * fl)
		return -1;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)fl, NULL);
	BIGNUM *s = BN_bin2bn(sig + fl, (int)fl, NULL);
	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return -1;
	}
	*der = NULL;
	int len = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	return len;
}

int od_dnssec_verify(const od_dnskey_t *key, const uint8_t *data, size_t len,
                     const uint8_t *sig, size_t siglen)
{
	if (key->pkey == NULL)
		return OD_ENOTSUP;
	const od_alg_info_t *ai = &alg_table[key->alg];
	uint8_t *der = NULL;
	if (ai->ecdsa) {
		int dlen = ecdsa_raw_to_der(sig, siglen, ai->field_len, &der);
		if (dlen <= 0)
			return 0;
		sig = der;
		siglen = (size_t)dlen;
	}
	int valid = 0;
	EVP_MD_CTX *ctx = ctx_get(key->vctx, key->alg, key->pkey, false);
	if (ctx != NULL && EVP_DigestVerify(ctx, sig, siglen, data, len) == 1)
		valid = 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return valid;
}

int od_dnssec_sign(const od_privkey_t *key, const uint8_t *data, size_t len,
                   uint8_t *out, size_t outlen)
{
	const od_alg_info_t *ai = &alg_table[key->alg];
	if (key->pkey == NULL || !ai->sign)
		return OD_ENOTSUP;
	size_t slen = 0;
	uint8_t *buf = NULL;
	int ret = OD_ENOMEM;
	EVP_MD_CTX *ctx = ctx_get(key->sctx, key->alg, key->pkey, true);
	if (ctx == NULL || EVP_DigestSign(ctx, NULL, &slen, data, len) <= 0)
		goto done;
	buf = OPENSSL_malloc(slen);
	if (buf == NULL || EVP_DigestSign(ctx, buf, &slen, data, len) <= 0)
		goto done;
	if (ai->ecdsa) {
		size_t fl = ai->field_len;
		const uint8_t *p = buf;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)slen);
		if (es == NULL)
			goto done;
		if (outlen < 2 * fl) {
			ECDSA_SIG_free(es);
			ret = OD_ESPACE;
			goto done;
		}
		int ok = BN_bn2binpad(ECDSA_SIG_get0_r(es), out, (int)fl) > 0 &&
		         BN_bn2binpad(ECDSA_SIG_get0_s(es), out + fl, (int)fl) >
		                 0;
		ECDSA_SIG_free(es);
		if (ok)
			ret = (int)(2 * fl);
		goto done;
	}
	if (outlen < slen) {
		ret = OD_ESPACE;
		goto done;
	}
	memcpy(out, buf, slen);
	ret = (int)slen;
done:
	OPENSSL_free(buf);
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* ---- private keys ------------------------------------------------------- */

static BIGNUM *get_bn(const EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;
	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		return NULL;
	return bn;
}

/* Public DNSKEY RDATA of pkey into key->rdata; sets tag. */
static int make_public(od_privkey_t *key)
{
	uint8_t buf[4 + 3 + 1024];
	size_t klen = 0;
	uint8_t *k = buf + 4;
	const od_alg_info_t *ai = &alg_table[key->alg];
	int ret = OD_ENOMEM;
	if (ai->rsa) {
		BIGNUM *n = get_bn(key->pkey, OSSL_PKEY_PARAM_RSA_N);
		BIGNUM *e = get_bn(key->pkey, OSSL_PKEY_PARAM_RSA_E);
		size_t nl = n ? (size_t)BN_num_bytes(n) : 0;
		size_t el = e ? (size_t)BN_num_bytes(e) : 0;
		if (n != NULL && e != NULL && el > 0 && el <= 0xFFFF &&
		    nl + el + 3 <= sizeof(buf) - 4) {
			if (el <= 255) {
				k[klen++] = (uint8_t)el;
			} else {
				k[klen++] = 0;
				od_put_u16(k + klen, (uint16_t)el);
				klen += 2;
			}
			BN_bn2bin(e, k + klen);
			klen += el;
			BN_bn2bin(n, k + klen);
			klen += nl;
			ret = 0;
		} else if (n != NULL && e != NULL) {
			ret = OD_ERANGE;
		}
		BN_free(n);
		BN_free(e);
	} else if (ai->ecdsa) {
		size_t fl = ai->field_len;
		BIGNUM *x = get_bn(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X);
		BIGNUM *y = get_bn(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
		if (x != NULL && y != NULL && BN_bn2binpad(x, k, (int)fl) > 0 &&
		    BN_bn2binpad(y, k + fl, (int)fl) > 0) {
			klen = 2 * fl;
			ret = 0;
		}
		BN_free(x);
		BN_free(y);
	} else if (ai->eddsa) {
		klen = ai->field_len;
		if (EVP_PKEY_get_raw_public_key(key->pkey, k, &klen) == 1 &&
		    klen == ai->field_len)
			ret = 0;
	} else {
		ret = OD_ENOTSUP;
	}
	if (ret != 0)
		return ret;
	od_put_u16(buf, key->flags);
	buf[2] = 3;
	buf[3] = key->alg;
	key->rdata = od_mm_dup(NULL, buf, 4 + klen);
	if (key->rdata == NULL)
		return OD_ENOMEM;
	key->rdlen = 4 + klen;
	key->tag = od_key_tag(key->rdata, key->rdlen);
	/* Optional: without it each signature prepares its own context. */
	if (ai->sign)
		key->sctx = ctx_prepare(key->alg, key->pkey, true);
	return 0;
}

int od_key_generate(od_privkey_t *key, uint8_t alg, uint16_t flags,
                    unsigned bits)
{
	memset(key, 0, sizeof(*key));
	if (alg == 0)
		alg = OD_ALG_ECDSAP256SHA256;
	const od_alg_info_t *ai = &alg_table[alg];
	if (!ai->sign)
		return OD_ENOTSUP;
	EVP_PKEY *pkey;
	if (ai->rsa) {
		if (bits == 0)
			bits = 2048;
		if (bits < 1024 || bits > 4096)
			return OD_ERANGE;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (ai->ecdsa) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ec_group(alg));
	} else {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL,
		                         alg == OD_ALG_ED25519 ? "ED25519"
		                                               : "ED448");
	}
	if (pkey == NULL)
		return OD_ENOMEM;
	od_privkey_t k = { .alg = alg, .flags = flags, .pkey = pkey };
	int ret = make_public(&k);
	if (ret != 0) {
		od_privkey_free(&k);
		return ret;
	}
	*key = k;
	return 0;
}

void od_privkey_free(od_privkey_t *key)
{
	if (key == NULL)
		return;
	EVP_MD_CTX_free(key->sctx);
	EVP_PKEY_free(key->pkey);
	od_mm_free(NULL, key->rdata);
	memset(key, 0, sizeof(*key));
}

int od_privkey_dnskey(const od_privkey_t *key, od_dnskey_t *out, od_mm_t *mm)
{
	return od_dnskey_from_rdata(out, key->rdata, key->rdlen, mm);
}

/* RSA fields of the file, in file order, with their OpenSSL names. */
static const struct {
	const char *field;
	const char *param;
} rsa_fields[] = {
	{ "Modulus", OSSL_PKEY_PARAM_RSA_N },
	{ "PublicExponent", OSSL_PKEY_PARAM_RSA_E },
	{ "PrivateExponent", OSSL_PKEY_PARAM_RSA_D },
	{ "Prime1", OSSL_PKEY_PARAM_RSA_FACTOR1 },
	{ "Prime2", OSSL_PKEY_PARAM_RSA_FACTOR2 },
	{ "Exponent1", OSSL_PKEY_PARAM_RSA_EXPONENT1 },
	{ "Exponent2", OSSL_PKEY_PARAM_RSA_EXPONENT2 },
	{ "Coefficient", OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
};
#define RSA_NFIELDS (sizeof(rsa_fields) / sizeof(rsa_fields[0]))

/* Longest base64 value we accept: an RSA-4096 modulus needs 684. */
#define VAL_MAX 1024

typedef struct {
	int alg;
	BIGNUM *rsa[RSA_NFIELDS];
	uint8_t priv[VAL_MAX];
	int priv_len; /* -1: absent */
} keyfile_t;

static void keyfile_clear(keyfile_t *f)
{
	for (size_t i = 0; i < RSA_NFIELDS; i++)
		BN_clear_free(f->rsa[i]);
	OPENSSL_cleanse(f->priv, sizeof(f->priv));
}

static int decode_value(const char *v, size_t vlen, uint8_t *out, size_t cap)
{
	/* Values are one base64 token; tolerate inner blanks anyway. */
	char tmp[VAL_MAX * 4 / 3 + 8];
	size_t n = 0;
	for (size_t i = 0; i < vlen; i++) {
		if (isspace((unsigned char)v[i]))
			continue;
		if (n >= sizeof(tmp))
			return OD_ESYNTAX;
		tmp[n++] = v[i];
	}
	int ret = od_base64_decode(tmp, n, out, cap);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return ret;
}

static int parse_line(keyfile_t *f, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	if (colon == NULL)
		return OD_ESYNTAX;
	size_t flen = (size_t)(colon - line);
	const char *v = colon + 1;
	size_t vlen = len - flen - 1;
	while (vlen > 0 && isspace((unsigned char)*v)) {
		v++;
		vlen--;
	}
	while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
		vlen--;

#define IS(name) (flen == strlen(name) && strncasecmp(line, name, flen) == 0)
	if (IS("Private-key-format")) {
		if (vlen < 3 || strncmp(v, "v1.", 3) != 0)
			return OD_ESYNTAX;
		return 0;
	}
	if (IS("Algorithm")) {
		char num[4];
		size_t n = 0;
		while (n < vlen && n < 3 && isdigit((unsigned char)v[n])) {
			num[n] = v[n];
			n++;
		}
		num[n] = '\0';
		int alg = od_alg_from_name(num);
		if (alg < 0)
			return OD_ESYNTAX;
		f->alg = alg;
		return 0;
	}
	if (IS("PrivateKey")) {
		f->priv_len = decode_value(v, vlen, f->priv, sizeof(f->priv));
		return f->priv_len < 0 ? f->priv_len : 0;
	}
	for (size_t i = 0; i < RSA_NFIELDS; i++) {
		if (!IS(rsa_fields[i].field))
			continue;
		uint8_t buf[VAL_MAX];
		int n = decode_value(v, vlen, buf, sizeof(buf));
		if (n <= 0) {
			OPENSSL_cleanse(buf, sizeof(buf));
			return n < 0 ? n : OD_ESYNTAX;
		}
		BN_clear_free(f->rsa[i]);
		f->rsa[i] = BN_bin2bn(buf, n, NULL);
		OPENSSL_cleanse(buf, sizeof(buf));
		return f->rsa[i] != NULL ? 0 : OD_ENOMEM;
	}
#undef IS
	return 0; /* timing metadata and unknown fields */
}

static EVP_PKEY *rsa_private(keyfile_t *f)
{
	for (size_t i = 0; i < RSA_NFIELDS; i++)
		if (f->rsa[i] == NULL)
			return NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	bool ok = bld != NULL;
	for (size_t i = 0; ok && i < RSA_NFIELDS; i++)
		ok = OSSL_PARAM_BLD_push_BN(bld, rsa_fields[i].param,
		                            f->rsa[i]);
	if (ok)
		pkey = pkey_fromdata("RSA", bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *ec_private(uint8_t alg, const uint8_t *priv, size_t len)
{
	/* The file has only the scalar; the public point is priv * G. */
	EVP_PKEY *pkey = NULL;
	uint8_t pub[1 + 2 * 48];
	size_t fl = alg_table[alg].field_len;
	if (len == 0 || len > fl)
		return NULL;
	BIGNUM *d = BN_secure_new();
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(ec_nid(alg));
	EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (d == NULL || q == NULL || bld == NULL ||
	    BN_bin2bn(priv, (int)len, d) == NULL || BN_is_zero(d) ||
	    BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0 ||
	    !EC_POINT_mul(grp, q, d, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, pub,
	                       sizeof(pub), NULL) != 1 + 2 * fl)
		goto done;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	                                    ec_group(alg), 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	                                     1 + 2 * fl) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
		pkey = pkey_fromdata("EC", bld, EVP_PKEY_KEYPAIR);
done:
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(q);
	EC_GROUP_free(grp);
	BN_clear_free(d);
	return pkey;
}

int od_privkey_read(od_privkey_t *key, const char *text, size_t len,
                    uint16_t flags)
{
	memset(key, 0, sizeof(*key));
	keyfile_t f = { .alg = -1, .priv_len = -1 };
	int ret = 0;
	size_t pos = 0;
	bool have_format = false;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		pos += llen + (nl ? 1 : 0);
		size_t i = 0;
		while (i < llen && isspace((unsigned char)line[i]))
			i++;
		if (i == llen || line[i] == ';' || line[i] == '#')
			continue;
		if (strncasecmp(line + i, "Private-key-format:", 19) == 0)
			have_format = true;
		ret = parse_line(&f, line + i, llen - i);
		if (ret < 0)
			goto done;
	}
	ret = OD_ESYNTAX;
	if (!have_format || f.alg < 0)
		goto done;
	const od_alg_info_t *ai = &alg_table[f.alg];
	if (!ai->validate) {
		ret = OD_ENOTSUP;
		goto done;
	}
	EVP_PKEY *pkey = NULL;
	if (ai->rsa) {
		pkey = rsa_private(&f);
	} else if (f.priv_len > 0 && ai->ecdsa) {
		pkey = ec_private((uint8_t)f.alg, f.priv, (size_t)f.priv_len);
	} else if (f.priv_len > 0 && (size_t)f.priv_len == ai->field_len) {
		pkey = EVP_PKEY_new_raw_private_key(f.alg == OD_ALG_ED25519
		                                            ? EVP_PKEY_ED25519
		                                            : EVP_PKEY_ED448,
		                                    NULL, f.priv,
		                                    (size_t)f.priv_len);
	}
	if (pkey == NULL)
		goto done;
	od_privkey_t k = { .alg = (uint8_t)f.alg,
		           .flags = flags,
		           .pkey = pkey };
	ret = make_public(&k);
	if (ret != 0) {
		od_privkey_free(&k);
		goto done;
	}
	*key = k;
done:
	keyfile_clear(&f);
	return ret;
}

/* Append "Field: base64\n" to out at *pos. */
static int put_field(char *out, size_t outlen, size_t *pos, const char *field,
                     const uint8_t *val, size_t vlen)
{
	int n = snprintf(out + *pos, outlen - *pos, "%s: ", field);
	if (n < 0 || (size_t)n >= outlen - *pos)
		return OD_ESPACE;
	*pos += (size_t)n;
	n = od_base64_encode(val, vlen, out + *pos, outlen - *pos);
	if (n < 0)
		return n;
	*pos += (size_t)n;
	if (outlen - *pos < 2)
		return OD_ESPACE;
	out[(*pos)++] = '\n';
	out[*pos] = '\0';
	return 0;
}

int od_privkey_write(const od_privkey_t *key, char *out, size_t outlen)
{
	const od_alg_info_t *ai = &alg_table[key->alg];
	if (key->pkey == NULL || !ai->validate)
		return OD_ENOTSUP;
	int n = snprintf(out, outlen,
	                 "Private-key-format: v1.3\nAlgorithm: %u (%s)\n",
	                 key->alg, ai->mnemonic);
	if (n < 0 || (size_t)n >= outlen)
		return OD_ESPACE;
	size_t pos = (size_t)n;
	uint8_t buf[VAL_MAX];
	int ret = 0;
	if (ai->rsa) {
		for (size_t i = 0; ret == 0 && i < RSA_NFIELDS; i++) {
			BIGNUM *bn = get_bn(key->pkey, rsa_fields[i].param);
			if (bn == NULL || BN_num_bytes(bn) > (int)sizeof(buf)) {
				BN_clear_free(bn);
				ret = OD_ENOTSUP;
				break;
			}
			int blen = BN_bn2bin(bn, buf);
			BN_clear_free(bn);
			ret = put_field(out, outlen, &pos, rsa_fields[i].field,
			                buf, (size_t)blen);
		}
	} else if (ai->ecdsa) {
		BIGNUM *d = get_bn(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY);
		if (d == NULL || BN_bn2binpad(d, buf, (int)ai->field_len) < 0)
			ret = OD_ENOTSUP;
		else
			ret = put_field(out, outlen, &pos, "PrivateKey", buf,
			                ai->field_len);
		BN_clear_free(d);
	} else {
		size_t blen = sizeof(buf);
		if (EVP_PKEY_get_raw_private_key(key->pkey, buf, &blen) != 1)
			ret = OD_ENOTSUP;
		else
			ret = put_field(out, outlen, &pos, "PrivateKey", buf,
			                blen);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (ret < 0) {
		if (outlen > 0)
			OPENSSL_cleanse(out, outlen);
		return ret;
	}
	return (int)pos;
}
