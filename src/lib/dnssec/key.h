/* SPDX-License-Identifier: MIT */
/*
 * DNSSEC keys: DNSKEY parsing into OpenSSL public keys, key tags, DS
 * digests, private keys (generation, the v1.3 private-key file format) and
 * the raw signature primitives RRSIG code builds on.
 *
 * Algorithms (IANA "DNS Security Algorithm Numbers"):
 *   5 RSASHA1, 7 RSASHA1-NSEC3-SHA1, 8 RSASHA256, 10 RSASHA512
 *     public key per RFC 3110 §2: exponent length (1 octet, or 0 followed
 *     by 2 octets), exponent, modulus;
 *   13 ECDSAP256SHA256, 14 ECDSAP384SHA384 (RFC 6605): public key is the
 *     raw point X | Y (64 / 96 octets), signature raw r | s;
 *   15 Ed25519, 16 Ed448 (RFC 8080): raw 32 / 57 octet public key.
 * Other algorithm numbers parse (flags, tag) but have no public key.
 *
 * Private-key file format ("Private-key-format: v1.3", as written by BIND's
 * dnssec-keygen and ldns-keygen, file K<name>+<alg>+<tag>.private). Lines
 * "Field: value"; unknown fields (Created:, Publish:, Activate: ...) are
 * ignored on reading. Fields used:
 *   Private-key-format: v1.3
 *   Algorithm: <number> (<mnemonic>)
 *   for RSA, each value base64 of a big-endian unsigned integer:
 *     Modulus, PublicExponent, PrivateExponent, Prime1, Prime2,
 *     Exponent1, Exponent2, Coefficient
 *   for ECDSA and EdDSA:
 *     PrivateKey: base64 of the private scalar (ECDSA, left-padded to 32 /
 *     48 octets) or of the raw private key (EdDSA, 32 / 57 octets).
 * The file carries no DNSKEY flags: the reader takes them as a parameter
 * (256 = zone key, 257 = zone key + SEP).
 *
 * All functions are thread-safe on distinct objects. Structures own the
 * resources their comments mark "owned"; release them with the _free().
 */
#ifndef OD_DNSSEC_KEY_H
#define OD_DNSSEC_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "lib/mm.h"

/*! DNSSEC algorithm numbers. */
enum od_dnssec_alg {
	OD_ALG_RSAMD5 = 1,
	OD_ALG_DH = 2,
	OD_ALG_DSA = 3,
	OD_ALG_RSASHA1 = 5,
	OD_ALG_DSA_NSEC3_SHA1 = 6,
	OD_ALG_RSASHA1_NSEC3_SHA1 = 7,
	OD_ALG_RSASHA256 = 8,
	OD_ALG_RSASHA512 = 10,
	OD_ALG_ECC_GOST = 12,
	OD_ALG_ECDSAP256SHA256 = 13,
	OD_ALG_ECDSAP384SHA384 = 14,
	OD_ALG_ED25519 = 15,
	OD_ALG_ED448 = 16,
};

/*! DS digest types. */
enum od_ds_digest_type {
	OD_DS_SHA1 = 1,
	OD_DS_SHA256 = 2,
	OD_DS_GOST = 3,
	OD_DS_SHA384 = 4,
};

/*! DNSKEY flag bits (RFC 4034 §2.1.1, RFC 5011 §7). */
#define OD_DNSKEY_ZONE 0x0100
#define OD_DNSKEY_REVOKE 0x0080
#define OD_DNSKEY_SEP 0x0001

/*! Largest DS digest (SHA-384). */
#define OD_DS_DIGEST_MAXLEN 48

/*! What libonedot knows about one DNSSEC algorithm. */
typedef struct od_alg_info {
	uint8_t alg;
	const char *mnemonic; /*!< e.g. "ECDSAP256SHA256" */
	bool validate;        /*!< signatures can be verified */
	bool sign;            /*!< keys can be generated and used to sign */
	bool sha1;            /*!< digest is SHA-1 (RFC 8624 reporting) */
	bool rsa;             /*!< RSA family */
	bool ecdsa;           /*!< ECDSA: signature is raw r | s */
	bool eddsa;           /*!< EdDSA: no separate digest */
	/*! ECDSA: octets of one coordinate / of r and s (32, 48); EdDSA:
	 *  public key length (32, 57); 0 otherwise. */
	uint16_t field_len;
} od_alg_info_t;

/*!
 * Table entry for an algorithm number (static). Unknown numbers get an
 * all-zero entry: alg 0, mnemonic NULL, every flag false (never NULL).
 */
const od_alg_info_t *od_alg_info(uint8_t alg);

/*!
 * Message digest an algorithm signs with (static, not owned; e.g.
 * EVP_sha256()). NULL for EdDSA (which hashes internally) and for
 * algorithms that cannot be validated.
 */
const EVP_MD *od_alg_md(uint8_t alg);

/*! Mnemonic of an algorithm, or NULL when unknown. */
const char *od_alg_name(uint8_t alg);

/*!
 * Algorithm number from a mnemonic (case-insensitive) or a decimal number.
 * \return the number (1..255) or OD_ESYNTAX.
 */
int od_alg_from_name(const char *name);

/*!
 * Key tag of DNSKEY RDATA (RFC 4034 Appendix B; for algorithm 1 the
 * third-to-last and second-to-last octets of the key). RDATA shorter than
 * 4 octets gives 0.
 */
uint16_t od_key_tag(const uint8_t *rdata, size_t rdlen);

/*! A parsed DNSKEY. */
typedef struct od_dnskey {
	uint16_t flags;
	uint8_t protocol;
	uint8_t alg;
	uint16_t tag;
	EVP_PKEY *pkey; /*!< owned; NULL when the algorithm is unsupported */
	/*! owned: verification context prepared once for pkey, copied by
	 *  every od_dnssec_verify (NULL: each call prepares its own) */
	EVP_MD_CTX *vctx;
	uint8_t *rdata; /*!< owned copy of the RDATA (from mm) */
	size_t rdlen;
	od_mm_t *mm; /*!< allocator of rdata */
} od_dnskey_t;

/*!
 * Parse DNSKEY RDATA; copies it (allocated from mm, NULL = malloc).
 * An unknown or unsupported algorithm is not an error: key->pkey is NULL.
 * \return 0; OD_EMALF when the RDATA is shorter than 4 octets or the
 *         public key of a supported algorithm is malformed (RSA exponent
 *         length past the end, wrong ECDSA/EdDSA length, point not on the
 *         curve); OD_ENOMEM. On error *key is left zeroed.
 */
int od_dnskey_from_rdata(od_dnskey_t *key, const uint8_t *rdata, size_t rdlen,
                         od_mm_t *mm);

/*! Release what the key owns and zero it. NULL or zeroed keys are fine. */
void od_dnskey_free(od_dnskey_t *key);

/*! True for a zone key (ZONE bit set, protocol 3) that is not revoked. */
bool od_dnskey_usable(const od_dnskey_t *key);

/*! Digest length of a DS digest type, 0 when unsupported (GOST, unknown). */
size_t od_ds_digest_len(uint8_t digest_type);

/*!
 * DS digest (RFC 4034 §5.1.4): digest(canonical owner | DNSKEY RDATA).
 * owner is wire form; it is lower-cased into a copy here.
 * \return the digest length written to out, or OD_ENOTSUP (digest type),
 *         OD_ESPACE, OD_EMALF (bad owner name).
 */
int od_ds_digest(const uint8_t *owner, const uint8_t *dnskey, size_t dnskey_len,
                 uint8_t digest_type, uint8_t *out, size_t outlen);

/*!
 * DS RDATA (key tag, algorithm, digest type, digest) for a DNSKEY.
 * \return the RDATA length written to out, or the od_ds_digest errors.
 */
int od_ds_make(const uint8_t *owner, const uint8_t *dnskey, size_t dnskey_len,
               uint8_t digest_type, uint8_t *out, size_t outlen);

/*!
 * Does a DS record match a DNSKEY at owner? Compares key tag, algorithm
 * and digest (constant-time digest comparison is not needed: all public).
 * \return 1 match, 0 no match, OD_ENOTSUP for an unsupported digest type,
 *         OD_EMALF for DS RDATA shorter than 4 octets or a digest of the
 *         wrong length.
 */
int od_ds_match(const uint8_t *owner, const uint8_t *ds, size_t ds_len,
                const uint8_t *dnskey, size_t dnskey_len);

/*!
 * Verify a raw DNSSEC signature (RRSIG signature field format) over data
 * with a DNSKEY: RSA PKCS#1 v1.5 with the algorithm's digest, ECDSA with
 * raw r | s (converted to DER here), EdDSA over data itself.
 * Several threads may verify with one key at once (the key is only read).
 * \return 1 valid, 0 invalid (including a malformed signature),
 *         OD_ENOTSUP when key->pkey is NULL.
 */
int od_dnssec_verify(const od_dnskey_t *key, const uint8_t *data, size_t len,
                     const uint8_t *sig, size_t siglen);

/*! A private key for signing. */
typedef struct od_privkey {
	uint8_t alg;
	uint16_t flags; /*!< DNSKEY flags of the public half */
	uint16_t tag;   /*!< key tag of the public DNSKEY */
	EVP_PKEY *pkey; /*!< owned */
	/*! owned: signing context prepared once for pkey, copied by every
	 *  od_dnssec_sign (NULL: each call prepares its own) */
	EVP_MD_CTX *sctx;
	uint8_t *rdata; /*!< owned (malloc): public DNSKEY RDATA */
	size_t rdlen;
} od_privkey_t;

/*!
 * Generate a key. alg 0 means ECDSAP256SHA256; supported: 13, 14, 15, 16,
 * 8 and 10 (bits 0 = 2048; RSA bits 1024..4096). flags is typically 256
 * (ZSK) or 257 (KSK).
 * \return 0, OD_ENOTSUP (algorithm), OD_ERANGE (bits), OD_ENOMEM.
 */
int od_key_generate(od_privkey_t *key, uint8_t alg, uint16_t flags,
                    unsigned bits);

/*!
 * Read a "Private-key-format: v1.x" file's text (len octets, need not be
 * NUL-terminated) and derive the public DNSKEY with the given flags.
 * \return 0, OD_ESYNTAX (missing or bad field), OD_EBASE64, OD_ENOTSUP
 *         (algorithm), OD_ENOMEM.
 */
int od_privkey_read(od_privkey_t *key, const char *text, size_t len,
                    uint16_t flags);

/*!
 * Write the key in "Private-key-format: v1.3", NUL-terminated.
 * \return the text length, OD_ESPACE (4 KiB always suffices for RSA-4096),
 *         OD_ENOTSUP.
 */
int od_privkey_write(const od_privkey_t *key, char *out, size_t outlen);

/*! Parsed public half of a private key (copies; free with od_dnskey_free). */
int od_privkey_dnskey(const od_privkey_t *key, od_dnskey_t *out, od_mm_t *mm);

/*!
 * Sign data in the RRSIG signature format (RSA PKCS#1 v1.5, ECDSA raw
 * r | s, EdDSA).
 * \return the signature length written to out, OD_ESPACE (512 octets
 *         always suffice for RSA-4096), OD_ENOTSUP, OD_ENOMEM.
 */
int od_dnssec_sign(const od_privkey_t *key, const uint8_t *data, size_t len,
                   uint8_t *out, size_t outlen);

/*! Release what the key owns and zero it. NULL or zeroed keys are fine. */
void od_privkey_free(od_privkey_t *key);

#endif
