/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

/* Sets up to this size build their signed data and sort scratch on the
 * stack: nearly every RRset is far below it, so verification of a zone
 * does no allocation at all. */
#define STACK_DATA 4096
#define STACK_RRS 32

int od_rrsig_parse(od_rrsig_t *out, const uint8_t *rdata, size_t len)
{
	if (rdata == NULL || len < OD_RRSIG_FIXED_LEN + 1)
		return OD_EMALF;
	int nlen = od_name_check(rdata + OD_RRSIG_FIXED_LEN,
	                         len - OD_RRSIG_FIXED_LEN);
	if (nlen < 0)
		return OD_EMALF;
	size_t off = OD_RRSIG_FIXED_LEN + (size_t)nlen;
	if (off >= len || len - off > UINT16_MAX)
		return OD_EMALF;
	out->covered = od_get_u16(rdata);
	out->alg = rdata[2];
	out->labels = rdata[3];
	out->orig_ttl = od_get_u32(rdata + 4);
	out->expiration = od_get_u32(rdata + 8);
	out->inception = od_get_u32(rdata + 12);
	out->key_tag = od_get_u16(rdata + 16);
	out->signer = rdata + OD_RRSIG_FIXED_LEN;
	out->sig = rdata + off;
	out->siglen = (uint16_t)(len - off);
	return 0;
}

/* Length of the owner as it appears in the signed data, or -1 when the
 * labels field exceeds the owner's labels. */
static int signed_owner_len(const od_rrsig_t *sig, const uint8_t *owner)
{
	int labels = od_name_labels(owner);
	if (sig->labels > labels)
		return -1;
	if (sig->labels == labels)
		return (int)od_name_len(owner);
	return 2 + (int)od_name_len(od_name_suffix(owner, sig->labels));
}

size_t od_rrsig_data_bound(const od_rrsig_t *sig, const od_rrsig_rrset_t *set)
{
	size_t n = OD_RRSIG_FIXED_LEN + od_name_len(sig->signer);
	/* The owner can only get shorter through wildcard replacement
	 * ("*." replaces at least one label of one octet or more). */
	size_t owner = od_name_len(set->owner);
	for (size_t i = 0; i < set->count; i++)
		n += owner + 10 + set->rrs[i].len;
	return n;
}

static int rd_cmp(const void *a, const void *b)
{
	const od_rrsig_rd_t *x = a, *y = b;
	return od_rdata_cmp(x->data, x->len, y->data, y->len);
}

int od_rrsig_data(const od_rrsig_t *sig, const od_rrsig_rrset_t *set,
                  od_mm_t *mm, uint8_t *out, size_t outcap)
{
	if (od_fails(sig == NULL || set == NULL || out == NULL))
		return OD_EINVAL;
	int olen = signed_owner_len(sig, set->owner);
	if (olen < 0)
		return OD_ERANGE;

	od_wr_t w;
	od_wr_init(&w, out, outcap);
	od_wr_u16(&w, sig->covered);
	od_wr_u8(&w, sig->alg);
	od_wr_u8(&w, sig->labels);
	od_wr_u32(&w, sig->orig_ttl);
	od_wr_u32(&w, sig->expiration);
	od_wr_u32(&w, sig->inception);
	od_wr_u16(&w, sig->key_tag);
	size_t slen = od_name_len(sig->signer);
	uint8_t *sp = od_wr_reserve(&w, slen);
	if (sp) {
		memcpy(sp, sig->signer, slen);
		od_name_lower(sp);
	}
	if (od_wr_err(&w))
		return od_wr_err(&w);

	/* The owner in canonical form, once. */
	uint8_t owner[OD_NAME_MAXLEN];
	if (sig->labels < od_name_labels(set->owner)) {
		owner[0] = 1;
		owner[1] = '*';
		od_name_copy(owner + 2,
		             od_name_suffix(set->owner, sig->labels));
	} else {
		od_name_copy(owner, set->owner);
	}
	od_name_lower(owner);

	/* Canonical copies of every RDATA and an index to sort them, in one
	 * block: on the stack for small sets, else one allocation. */
	size_t total = 0;
	for (size_t i = 0; i < set->count; i++)
		total += set->rrs[i].len;
	uint8_t stack_data[STACK_DATA];
	od_rrsig_rd_t stack_rrs[STACK_RRS];
	uint8_t *copy = stack_data;
	od_rrsig_rd_t *idx = stack_rrs;
	void *heap = NULL;
	if (total > sizeof(stack_data) || set->count > STACK_RRS) {
		if (set->count > SIZE_MAX / sizeof(*idx) / 2)
			return OD_ENOMEM;
		heap = od_mm_alloc(mm, set->count * sizeof(*idx) + total);
		if (heap == NULL)
			return OD_ENOMEM;
		idx = heap;
		copy = (uint8_t *)heap + set->count * sizeof(*idx);
	}
	int ret = 0;
	size_t pos = 0;
	for (size_t i = 0; i < set->count; i++) {
		const od_rrsig_rd_t *rd = &set->rrs[i];
		if (od_rdata_check(set->type, rd->data, rd->len) != 0) {
			ret = OD_EMALF;
			goto done;
		}
		if (rd->len)
			memcpy(copy + pos, rd->data, rd->len);
		od_rdata_canonicalize(set->type, copy + pos, rd->len);
		idx[i].data = copy + pos;
		idx[i].len = rd->len;
		pos += rd->len;
	}
	qsort(idx, set->count, sizeof(*idx), rd_cmp);

	for (size_t i = 0; i < set->count; i++) {
		if (i > 0 && rd_cmp(&idx[i - 1], &idx[i]) == 0)
			continue;
		od_wr_bytes(&w, owner, (size_t)olen);
		od_wr_u16(&w, set->type);
		od_wr_u16(&w, set->rclass);
		od_wr_u32(&w, sig->orig_ttl);
		od_wr_u16(&w, idx[i].len);
		od_wr_bytes(&w, idx[i].data, idx[i].len);
	}
	ret = od_wr_err(&w) ? od_wr_err(&w) : (int)w.pos;
done:
	if (heap)
		od_mm_free(mm, heap);
	return ret;
}

const char *od_rrsig_res_str(od_rrsig_res_t res)
{
	switch (res) {
	case OD_RRSIG_VALID:
		return "valid";
	case OD_RRSIG_MALFORMED:
		return "malformed";
	case OD_RRSIG_TYPE_MISMATCH:
		return "type-mismatch";
	case OD_RRSIG_LABELS:
		return "label-count";
	case OD_RRSIG_SIGNER:
		return "signer-not-ancestor";
	case OD_RRSIG_KEY_MISMATCH:
		return "key-mismatch";
	case OD_RRSIG_UNSUPPORTED_ALG:
		return "unsupported-algorithm";
	case OD_RRSIG_NOT_YET_VALID:
		return "not-yet-valid";
	case OD_RRSIG_EXPIRED:
		return "expired";
	case OD_RRSIG_BOGUS:
		return "bogus";
	}
	return "unknown";
}

od_rrsig_res_t od_rrsig_window(uint32_t inception, uint32_t expiration,
                               uint64_t now)
{
	uint32_t t = (uint32_t)now;
	if (od_serial_lt(expiration, inception))
		return OD_RRSIG_EXPIRED;
	if (od_serial_lt(t, inception))
		return OD_RRSIG_NOT_YET_VALID;
	if (od_serial_lt(expiration, t))
		return OD_RRSIG_EXPIRED;
	return OD_RRSIG_VALID;
}

/* Checks of an RRSIG that need no key. */
static od_rrsig_res_t check_sig(const od_rrsig_t *sig,
                                const od_rrsig_rrset_t *set)
{
	if (sig->covered != set->type)
		return OD_RRSIG_TYPE_MISMATCH;
	if (sig->labels > od_name_labels(set->owner))
		return OD_RRSIG_LABELS;
	if (!od_name_in(set->owner, sig->signer))
		return OD_RRSIG_SIGNER;
	return OD_RRSIG_VALID;
}

/* Does key fit sig (tag, algorithm, owner, flags, protocol)? */
static bool key_matches(const od_rrsig_t *sig, const uint8_t *key_owner,
                        const od_dnskey_t *key)
{
	return key->tag == sig->key_tag && key->alg == sig->alg &&
	       key->protocol == 3 && (key->flags & OD_DNSKEY_ZONE) &&
	       od_name_equal(key_owner, sig->signer);
}

/* Signed data built once per RRSIG however many keys are tried. */
typedef struct sigdata {
	uint8_t stack[STACK_DATA];
	uint8_t *buf;
	size_t len;
	od_mm_t *mm;
	bool heap;
} sigdata_t;

static int sigdata_build(sigdata_t *d, const od_rrsig_t *sig,
                         const od_rrsig_rrset_t *set, od_mm_t *mm)
{
	size_t bound = od_rrsig_data_bound(sig, set);
	d->mm = mm;
	d->heap = bound > sizeof(d->stack);
	d->buf = d->heap ? od_mm_alloc(mm, bound) : d->stack;
	if (d->buf == NULL)
		return OD_ENOMEM;
	int r = od_rrsig_data(sig, set, mm, d->buf, bound);
	if (r < 0) {
		if (d->heap)
			od_mm_free(mm, d->buf);
		d->buf = NULL;
		return r;
	}
	d->len = (size_t)r;
	return 0;
}

static void sigdata_release(sigdata_t *d)
{
	if (d->buf && d->heap)
		od_mm_free(d->mm, d->buf);
	d->buf = NULL;
}

/* Everything after the key-independent checks; d is built on demand. */
static int verify_key(const od_rrsig_t *sig, const od_rrsig_rrset_t *set,
                      const uint8_t *key_owner, const od_dnskey_t *key,
                      uint64_t now, od_rrsig_limits_t *limits, sigdata_t *d,
                      od_mm_t *mm)
{
	if (!key_matches(sig, key_owner, key))
		return OD_RRSIG_KEY_MISMATCH;
	if (!od_alg_info(sig->alg)->validate || key->pkey == NULL)
		return OD_RRSIG_UNSUPPORTED_ALG;
	od_rrsig_res_t w =
	        od_rrsig_window(sig->inception, sig->expiration, now);
	if (w != OD_RRSIG_VALID)
		return w;
	if (d->buf == NULL) {
		int r = sigdata_build(d, sig, set, mm);
		if (r == OD_EMALF || r == OD_ERANGE)
			return OD_RRSIG_MALFORMED;
		if (r < 0)
			return r;
	}
	if (limits) {
		if (limits->budget == 0)
			return OD_ELIMIT;
		limits->budget--;
		limits->verifications++;
	}
	int v = od_dnssec_verify(key, d->buf, d->len, sig->sig, sig->siglen);
	if (v == 1)
		return OD_RRSIG_VALID;
	if (v == OD_ENOTSUP)
		return OD_RRSIG_UNSUPPORTED_ALG;
	if (v == OD_ENOMEM)
		return OD_ENOMEM;
	return OD_RRSIG_BOGUS;
}

int od_rrsig_verify(const od_rrsig_rrset_t *set, const uint8_t *rrsig,
                    size_t len, const uint8_t *key_owner,
                    const od_dnskey_t *key, uint64_t now,
                    od_rrsig_limits_t *limits, od_mm_t *mm)
{
	if (od_fails(set == NULL || key_owner == NULL || key == NULL))
		return OD_EINVAL;
	od_rrsig_t sig;
	if (od_rrsig_parse(&sig, rrsig, len) != 0)
		return OD_RRSIG_MALFORMED;
	od_rrsig_res_t r = check_sig(&sig, set);
	if (r != OD_RRSIG_VALID)
		return r;
	sigdata_t d = { .buf = NULL };
	int ret = verify_key(&sig, set, key_owner, key, now, limits, &d, mm);
	sigdata_release(&d);
	return ret;
}

int od_rrsig_verify_set(const od_rrsig_rrset_t *set, const od_rrsig_rd_t *sigs,
                        size_t nsigs, const od_rrsig_keyset_t *keys,
                        uint64_t now, od_rrsig_limits_t *limits, od_mm_t *mm,
                        od_rrsig_match_t *match)
{
	if (od_fails(set == NULL || keys == NULL || limits == NULL ||
	             (nsigs && sigs == NULL)))
		return OD_EINVAL;
	uint32_t cap = limits->max_keys ? limits->max_keys
	                                : OD_RRSIG_MAX_KEYS_DEFAULT;
	/* Failures rank by how far they got: the enum is in check order. */
	int best = -1;
	od_rrsig_match_t m = { .sig = SIZE_MAX, .key = SIZE_MAX };
	int ret = OD_RRSIG_TYPE_MISMATCH;

	for (size_t i = 0; i < nsigs; i++) {
		od_rrsig_t sig = { .alg = 0 };
		int r;
		size_t key_at = SIZE_MAX;
		if (sigs[i].len >= 2 && od_get_u16(sigs[i].data) != set->type)
			continue;
		if (od_rrsig_parse(&sig, sigs[i].data, sigs[i].len) != 0) {
			r = OD_RRSIG_MALFORMED;
		} else if ((r = check_sig(&sig, set)) == OD_RRSIG_VALID) {
			r = OD_RRSIG_KEY_MISMATCH;
			sigdata_t d = { .buf = NULL };
			uint32_t tried = 0;
			for (size_t k = 0; k < keys->count; k++) {
				const od_dnskey_t *key = &keys->keys[k];
				if (key->tag != sig.key_tag ||
				    key->alg != sig.alg)
					continue;
				if (tried == cap) {
					limits->keys_skipped++;
					continue;
				}
				tried++;
				int v = verify_key(&sig, set, keys->owner, key,
				                   now, limits, &d, mm);
				if (v < 0) {
					sigdata_release(&d);
					return v;
				}
				if (v > r || v == OD_RRSIG_VALID) {
					r = v;
					key_at = k;
				}
				if (v == OD_RRSIG_VALID)
					break;
				/* The window and the algorithm do not depend
				 * on the key: one answer does for all. */
				if (v == OD_RRSIG_EXPIRED ||
				    v == OD_RRSIG_NOT_YET_VALID)
					break;
			}
			sigdata_release(&d);
		}
		if (r == OD_RRSIG_VALID || r > best) {
			best = r;
			ret = r;
			m.sig = i;
			m.key = key_at;
			m.alg = r == OD_RRSIG_MALFORMED ? 0 : sig.alg;
			m.sha1 = od_alg_info(m.alg)->sha1;
		}
		if (r == OD_RRSIG_VALID)
			break;
	}
	if (match)
		*match = m;
	return ret;
}

int od_rrsig_sign(const od_rrsig_rrset_t *set, const od_privkey_t *key,
                  const uint8_t *signer, uint32_t inception,
                  uint32_t expiration, uint32_t orig_ttl, od_mm_t *mm,
                  uint8_t *out, size_t outcap)
{
	if (od_fails(set == NULL || key == NULL || signer == NULL ||
	             out == NULL))
		return OD_EINVAL;
	if (set->count == 0 || !od_name_in(set->owner, signer) ||
	    od_serial_lt(expiration, inception))
		return OD_EINVAL;
	if (!od_alg_info(key->alg)->sign || key->pkey == NULL)
		return OD_ENOTSUP;

	int labels = od_name_labels(set->owner);
	if (od_name_is_wildcard(set->owner))
		labels--;
	size_t slen = od_name_len(signer);
	if (outcap < OD_RRSIG_FIXED_LEN + slen)
		return OD_ESPACE;

	/* The RDATA head doubles as the start of the signed data. */
	uint8_t *p = out;
	od_put_u16(p, set->type);
	p[2] = key->alg;
	p[3] = (uint8_t)labels;
	od_put_u32(p + 4, orig_ttl);
	od_put_u32(p + 8, expiration);
	od_put_u32(p + 12, inception);
	od_put_u16(p + 16, key->tag);
	memcpy(p + OD_RRSIG_FIXED_LEN, signer, slen);
	od_name_lower(p + OD_RRSIG_FIXED_LEN);
	size_t head = OD_RRSIG_FIXED_LEN + slen;

	od_rrsig_t sig = {
		.covered = set->type,
		.alg = key->alg,
		.labels = (uint8_t)labels,
		.orig_ttl = orig_ttl,
		.expiration = expiration,
		.inception = inception,
		.key_tag = key->tag,
		.signer = p + OD_RRSIG_FIXED_LEN,
	};
	sigdata_t d = { .buf = NULL };
	int r = sigdata_build(&d, &sig, set, mm);
	if (r < 0)
		return r;
	r = od_dnssec_sign(key, d.buf, d.len, out + head, outcap - head);
	sigdata_release(&d);
	if (r < 0)
		return r;
	if (head + (size_t)r > UINT16_MAX)
		return OD_ESPACE;
	return (int)head + r;
}
