/* SPDX-License-Identifier: MIT */
/* Whole-zone verification: ZONEMD, signatures, denial chain, anchors. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/base.h"
#include "lib/dnssec/key.h"
#include "lib/dnssec/nsec.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/zverify.h"

/* Apex keys tried per RRSIG whose key tag and algorithm match. */
#define VERIFY_MAX_KEYS 8
/* NSEC3 hash computations allowed (each name costs iterations + 1):
   enough for tens of millions of names at 0 iterations, a bound on what
   a hostile iteration count can cost. */
#define VERIFY_NSEC3_BUDGET 200000000u

typedef struct vctx {
	const od_zone_t *z;
	const od_zv_opts_t *o;
	od_zv_result_t *res;
	uint64_t now;
	od_rrsig_limits_t lim;
	bool budget_out;   /* the verification budget ran out */
	od_dnskey_t *keys; /* apex DNSKEYs, owned (od_dnskey_free) */
	size_t nkeys;
	bool zone_alg[256];   /* algorithms of usable apex zone keys */
	bool alg_warned[256]; /* "cannot validate" said once per alg */
} vctx_t;

const char *od_zv_class_str(od_zv_class_t cls)
{
	switch (cls) {
	case OD_ZV_ZONEMD:
		return "zonemd";
	case OD_ZV_ANCHOR:
		return "anchor";
	case OD_ZV_SIGNATURE:
		return "signature";
	case OD_ZV_CHAIN:
		return "chain";
	case OD_ZV_OTHER:
	case OD_ZV_COUNT:
		break;
	}
	return "other";
}

static const char *name_str(const uint8_t *name, char *buf, size_t len)
{
	if (od_name_to_str(buf, len, name) < 0)
		snprintf(buf, len, "?");
	return buf;
}

static const char *type_str(uint16_t type, char *buf, size_t len)
{
	if (od_rrtype_to_str(type, buf, len) < 0)
		snprintf(buf, len, "TYPE%u", type);
	return buf;
}

/* Count one problem and hand it to the caller's callback. */
__attribute__((format(printf, 6, 7))) static void
report(vctx_t *c, const uint8_t *owner, uint16_t type, bool error,
       od_zv_class_t cls, const char *fmt, ...)
{
	if (error) {
		c->res->errors++;
		c->res->by_class[cls]++;
	} else {
		c->res->warnings++;
	}
	if (c->o->report == NULL)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->o->report(c->o->ctx, owner, type, error, cls, msg);
}

/* RRSIG times are 32-bit serial numbers (RFC 4034 §3.1.5, RFC 1982):
   the one meant is the nearest to now. */
static void note_expiration(vctx_t *c, uint32_t expiration)
{
	int64_t t = (int64_t)c->now + (int32_t)(expiration - (uint32_t)c->now);
	uint64_t at = t > 0 ? (uint64_t)t : 1;
	if (c->res->min_expiration == 0 || at < c->res->min_expiration)
		c->res->min_expiration = at;
}

static void fmt_time(uint32_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y%m%d%H%M%S", &tm) == 0)
		snprintf(buf, len, "%u", t);
}

/* Where a node stands: outside the authoritative data (glue, occluded),
   at a delegation point, or authoritative. */
typedef enum {
	NODE_AUTH,
	NODE_DELEG,
	NODE_NONAUTH
} node_kind_t;

static node_kind_t node_kind(const od_znode_t *n)
{
	if (n->flags & (OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT))
		return NODE_NONAUTH;
	if (n->flags & OD_ZN_DELEG)
		return NODE_DELEG;
	return NODE_AUTH;
}

/* Types signed at a delegation point (RFC 4035 §2.2). */
static bool deleg_signed(uint16_t type)
{
	return type == OD_TYPE_DS || type == OD_TYPE_NSEC;
}

/* Only NSEC3 (and its RRSIGs) at the node: the owner of an NSEC3 record,
   not a name of the zone's data. */
static bool nsec3_only(const od_znode_t *n)
{
	bool any = false;
	for (size_t s = 0; s < n->nsets; s++) {
		uint16_t t = n->sets[s].type;
		if (t == OD_TYPE_NSEC3)
			any = true;
		else if (t != OD_TYPE_RRSIG)
			return false;
	}
	return any;
}

/* Verify one RRSIG with the apex keys of its tag and algorithm.
   Returns an od_rrsig_res_t, -1 when no key matched, OD_ELIMIT. */
static int verify_one(vctx_t *c, const od_rrsig_rrset_t *rs, const od_zrr_t *rr,
                      const od_rrsig_t *sig, size_t *kidx)
{
	int best = -1;
	size_t tried = 0;
	for (size_t k = 0; k < c->nkeys && tried < VERIFY_MAX_KEYS; k++) {
		const od_dnskey_t *key = &c->keys[k];
		if (key->tag != sig->key_tag || key->alg != sig->alg ||
		    !(key->flags & OD_DNSKEY_ZONE))
			continue;
		tried++;
		int r = od_rrsig_verify(rs, rr->data, rr->len, c->z->origin,
		                        key, c->now, &c->lim, NULL);
		if (r < 0)
			return r;
		if (r == OD_RRSIG_VALID) {
			*kidx = k;
			return r;
		}
		if (r > best)
			best = r;
	}
	return best;
}

/*
 * Check the RRSIGs over one authoritative RRset: each must verify, and
 * each algorithm of the apex zone keys must have signed it (RFC 4035
 * §2.2). signed_by (may be NULL) gets true for each apex key that made
 * a valid signature. Returns 0 or OD_ENOMEM.
 */
static int check_sigs(vctx_t *c, const od_znode_t *n, const od_zrrset_t *set,
                      bool *signed_by)
{
	size_t first = 0;
	size_t ns = od_znode_sigs(n, set->type, &first);
	const od_zrrset_t *sigset = od_znode_rrset(n, OD_TYPE_RRSIG);
	c->res->rrsets++;
	if (ns == 0) {
		report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
		       "no RRSIG");
		return 0;
	}
	od_rrsig_rd_t *rds = malloc(set->count * sizeof(*rds) + 1);
	if (rds == NULL)
		return OD_ENOMEM;
	for (size_t k = 0; k < set->count; k++)
		rds[k] = (od_rrsig_rd_t){ set->rrs[k]->data, set->rrs[k]->len };
	od_rrsig_rrset_t rs = { .owner = n->owner,
		                .type = set->type,
		                .rclass = set->rclass,
		                .count = set->count,
		                .rrs = rds };
	int labels = od_name_labels(n->owner);
	if (n->flags & OD_ZN_WILDCARD)
		labels--;
	bool seen[256] = { false };
	for (size_t i = 0; i < ns; i++) {
		const od_zrr_t *rr = sigset->rrs[first + i];
		od_rrsig_t sig;
		if (od_rrsig_parse(&sig, rr->data, rr->len) < 0) {
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "malformed RRSIG");
			continue;
		}
		seen[sig.alg] = true;
		char sb[OD_NAME_STRLEN];
		if (!od_name_equal(sig.signer, c->z->origin)) {
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "RRSIG %u/%u: signer %s is not the zone origin",
			       sig.alg, sig.key_tag,
			       name_str(sig.signer, sb, sizeof(sb)));
			continue;
		}
		if (sig.labels != labels) {
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "RRSIG %u/%u: labels field %u, owner has %d",
			       sig.alg, sig.key_tag, sig.labels, labels);
			continue;
		}
		if (sig.orig_ttl != set->ttl)
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "RRSIG %u/%u: original TTL %u, RRset TTL %u",
			       sig.alg, sig.key_tag, sig.orig_ttl, set->ttl);
		if (c->budget_out)
			continue;
		size_t kidx = SIZE_MAX;
		int r = verify_one(c, &rs, rr, &sig, &kidx);
		char t1[16], t2[16];
		switch (r) {
		case OD_RRSIG_VALID:
			c->res->verified++;
			note_expiration(c, sig.expiration);
			if (signed_by)
				signed_by[kidx] = true;
			break;
		case -1:
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "RRSIG %u/%u: no zone DNSKEY with this "
			       "algorithm and key tag at the apex",
			       sig.alg, sig.key_tag);
			break;
		case OD_ELIMIT:
			c->budget_out = true;
			report(c, c->z->origin, 0, true, OD_ZV_OTHER,
			       "verification budget spent (%u "
			       "verifications): the rest is not checked",
			       c->lim.verifications);
			break;
		case OD_RRSIG_UNSUPPORTED_ALG:
			if (!c->alg_warned[sig.alg]) {
				c->alg_warned[sig.alg] = true;
				report(c, c->z->origin, 0, false,
				       OD_ZV_SIGNATURE,
				       "algorithm %u cannot be validated "
				       "here: its signatures are not checked",
				       sig.alg);
			}
			break;
		case OD_RRSIG_EXPIRED:
		case OD_RRSIG_NOT_YET_VALID:
			fmt_time(sig.inception, t1, sizeof(t1));
			fmt_time(sig.expiration, t2, sizeof(t2));
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "RRSIG %u/%u: %s (valid %s..%s)", sig.alg,
			       sig.key_tag, od_rrsig_res_str((od_rrsig_res_t)r),
			       t1, t2);
			break;
		default:
			if (r < 0) {
				free(rds);
				return r;
			}
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "RRSIG %u/%u: %s", sig.alg, sig.key_tag,
			       r == OD_RRSIG_BOGUS
			               ? "signature does not verify (bogus)"
			               : od_rrsig_res_str((od_rrsig_res_t)r));
			break;
		}
	}
	free(rds);
	for (unsigned a = 0; a < 256; a++)
		if (c->zone_alg[a] && !seen[a])
			report(c, n->owner, set->type, true, OD_ZV_SIGNATURE,
			       "no RRSIG with algorithm %u (%s) of the apex "
			       "DNSKEY RRset",
			       a,
			       od_alg_name((uint8_t)a) ? od_alg_name((uint8_t)a)
			                               : "?");
	return 0;
}

/* RRSIGs at a node: over RRSIG, over absent types, at names or over
   RRsets that are not signed. */
static void check_stray_sigs(vctx_t *c, const od_znode_t *n, node_kind_t kind)
{
	const od_zrrset_t *sigset = od_znode_rrset(n, OD_TYPE_RRSIG);
	if (sigset == NULL)
		return;
	uint16_t last = 0;
	for (size_t i = 0; i < sigset->count; i++) {
		const od_zrr_t *rr = sigset->rrs[i];
		if (rr->len < 2) {
			report(c, n->owner, OD_TYPE_RRSIG, true,
			       OD_ZV_SIGNATURE, "malformed RRSIG");
			continue;
		}
		uint16_t cov = (uint16_t)(rr->data[0] << 8 | rr->data[1]);
		/* One line per covered type. */
		if (i > 0 && cov == last)
			continue;
		last = cov;
		char tb[24];
		if (cov == OD_TYPE_RRSIG)
			report(c, n->owner, OD_TYPE_RRSIG, true,
			       OD_ZV_SIGNATURE, "RRSIG over RRSIG");
		else if (od_znode_rrset(n, cov) == NULL)
			report(c, n->owner, OD_TYPE_RRSIG, true,
			       OD_ZV_SIGNATURE,
			       "RRSIG covers %s, which has no RRset here",
			       type_str(cov, tb, sizeof(tb)));
		else if (kind == NODE_NONAUTH)
			report(c, n->owner, cov, true, OD_ZV_SIGNATURE,
			       "RRSIG at a glue or occluded name");
		else if (kind == NODE_DELEG && !deleg_signed(cov))
			report(c, n->owner, cov, true, OD_ZV_SIGNATURE,
			       "RRSIG over non-authoritative data at a "
			       "delegation");
	}
}

/* Append a type mnemonic to a list text (bounded). */
static void list_add(char *buf, size_t cap, uint16_t type)
{
	char tb[24];
	size_t l = strlen(buf);
	if (l + 30 >= cap) {
		if (l + 4 < cap && (l < 3 || strcmp(buf + l - 3, "...") != 0))
			strcat(buf, " ...");
		return;
	}
	snprintf(buf + l, cap - l, "%s%s", l ? " " : "",
	         type_str(type, tb, sizeof(tb)));
}

/* Compare a type bitmap with the types expected at a name. */
static bool check_bitmap(vctx_t *c, const uint8_t *owner, uint16_t rtype,
                         const uint8_t *bm, size_t bmlen, const uint16_t *exp,
                         size_t nexp, const char *where)
{
	char missing[200] = "", extra[200] = "";
	for (size_t i = 0; i < nexp; i++)
		if (!od_bitmap_has(bm, bmlen, exp[i]))
			list_add(missing, sizeof(missing), exp[i]);
	size_t p = 0;
	while (p + 2 <= bmlen) {
		unsigned win = bm[p], len = bm[p + 1];
		if (p + 2 + len > bmlen)
			break;
		for (unsigned o = 0; o < len; o++)
			for (unsigned b = 0; b < 8; b++) {
				if (!(bm[p + 2 + o] & (0x80 >> b)))
					continue;
				uint16_t t = (uint16_t)(win * 256 + o * 8 + b);
				bool found = false;
				for (size_t i = 0; i < nexp && !found; i++)
					found = exp[i] == t;
				if (!found)
					list_add(extra, sizeof(extra), t);
			}
		p += 2 + len;
	}
	if (missing[0])
		report(c, owner, rtype, true, OD_ZV_CHAIN,
		       "type bitmap%s lacks %s", where, missing);
	if (extra[0])
		report(c, owner, rtype, true, OD_ZV_CHAIN,
		       "type bitmap%s has %s, not present at the name", where,
		       extra);
	return !missing[0] && !extra[0];
}

/*
 * Types a denial record of the node must list: the authoritative types
 * (at a delegation only NS and DS), then NSEC for NSEC chains, and RRSIG
 * when some RRset of the name is signed. out holds n->nsets + 2.
 */
static size_t node_types(const od_znode_t *n, node_kind_t kind, bool nsec,
                         uint16_t *out)
{
	size_t k = 0;
	bool signed_any = nsec;
	for (size_t s = 0; s < n->nsets; s++) {
		uint16_t t = n->sets[s].type;
		if (t == OD_TYPE_RRSIG || t == OD_TYPE_NSEC ||
		    t == OD_TYPE_NSEC3)
			continue;
		if (kind == NODE_DELEG && t != OD_TYPE_NS && t != OD_TYPE_DS)
			continue;
		out[k++] = t;
		if (kind != NODE_DELEG || t == OD_TYPE_DS)
			signed_any = true;
	}
	if (nsec)
		out[k++] = OD_TYPE_NSEC;
	if (signed_any)
		out[k++] = OD_TYPE_RRSIG;
	return k;
}

/* The NSEC chain (RFC 4035 §2.3, RFC 4034 §4.1). Sets res->chain_ok.
   Returns 0 or OD_ENOMEM. */
static int check_nsec_chain(vctx_t *c)
{
	const od_zone_t *z = c->z;
	size_t before = c->res->errors;
	uint16_t *types = NULL;
	size_t tcap = 0;
	/* Chain members: authoritative names and delegation points, in
	   canonical order as the zone keeps them. */
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		node_kind_t kind = node_kind(n);
		const od_zrrset_t *nsec = od_znode_rrset(n, OD_TYPE_NSEC);
		if (od_znode_rrset(n, OD_TYPE_NSEC3))
			report(c, n->owner, OD_TYPE_NSEC3, true, OD_ZV_CHAIN,
			       "NSEC3 record in a zone without NSEC3PARAM");
		if (kind == NODE_NONAUTH) {
			if (nsec)
				report(c, n->owner, OD_TYPE_NSEC, true,
				       OD_ZV_CHAIN,
				       "NSEC at a glue or occluded name");
			continue;
		}
		if (nsec3_only(n))
			continue;
		if (nsec == NULL) {
			report(c, n->owner, OD_TYPE_NSEC, true, OD_ZV_CHAIN,
			       "no NSEC");
			continue;
		}
		if (nsec->count != 1) {
			report(c, n->owner, OD_TYPE_NSEC, true, OD_ZV_CHAIN,
			       "%u NSEC records (one expected)", nsec->count);
			continue;
		}
		const uint8_t *next, *bm;
		size_t bmlen;
		if (od_nsec_parse(nsec->rrs[0]->data, nsec->rrs[0]->len, &next,
		                  &bm, &bmlen) < 0) {
			report(c, n->owner, OD_TYPE_NSEC, true, OD_ZV_CHAIN,
			       "malformed NSEC");
			continue;
		}
		/* The expected next name: the following chain member, or
		   the apex after the last one. */
		const uint8_t *want = z->origin;
		for (size_t j = i + 1; j < z->nnodes; j++) {
			const od_znode_t *m = z->nodes[j];
			if (node_kind(m) != NODE_NONAUTH && !nsec3_only(m)) {
				want = m->owner;
				break;
			}
		}
		if (!od_name_equal(next, want)) {
			char a[OD_NAME_STRLEN], b[OD_NAME_STRLEN];
			report(c, n->owner, OD_TYPE_NSEC, true, OD_ZV_CHAIN,
			       "chain broken: next name %s, expected %s",
			       name_str(next, a, sizeof(a)),
			       name_str(want, b, sizeof(b)));
		}
		if (tcap < (size_t)n->nsets + 2) {
			tcap = (size_t)n->nsets + 2;
			uint16_t *nt = realloc(types, tcap * sizeof(*nt));
			if (nt == NULL) {
				free(types);
				return OD_ENOMEM;
			}
			types = nt;
		}
		size_t nt = node_types(n, kind, true, types);
		check_bitmap(c, n->owner, OD_TYPE_NSEC, bm, bmlen, types, nt,
		             "");
	}
	free(types);
	c->res->chain_ok = c->res->errors == before;
	return 0;
}

/* NSEC3 record of the zone, by owner hash. */
typedef struct n3rec {
	uint8_t hash[OD_NSEC3_HASH_MAXLEN];
	const od_znode_t *node;
	od_nsec3_rdata_t rd;
	bool used;
} n3rec_t;

/* A name that needs (or may have) an NSEC3. */
typedef struct n3name {
	const uint8_t *name;
	const od_znode_t *node; /* NULL: empty non-terminal */
	node_kind_t kind;
	bool required;
} n3name_t;

static int n3rec_cmp(const void *a, const void *b)
{
	return memcmp(((const n3rec_t *)a)->hash, ((const n3rec_t *)b)->hash,
	              OD_NSEC3_HASH_MAXLEN);
}

static int n3name_cmp(const void *a, const void *b)
{
	return od_name_cmp(((const n3name_t *)a)->name,
	                   ((const n3name_t *)b)->name);
}

static const char *hash_str(const uint8_t *h, char *buf, size_t len)
{
	if (od_base32hex_encode(h, OD_NSEC3_HASH_MAXLEN, buf, len) < 0)
		snprintf(buf, len, "?");
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return buf;
}

/* Parse the NSEC3PARAM to use (RFC 5155 §4: flags 0); false when none. */
static bool nsec3_params(vctx_t *c, const od_zrrset_t *set,
                         od_nsec3_params_t *p)
{
	bool found = false;
	for (size_t i = 0; i < set->count; i++) {
		const od_zrr_t *rr = set->rrs[i];
		if (rr->len < 5 || rr->len != 5 + rr->data[4]) {
			report(c, c->z->origin, OD_TYPE_NSEC3PARAM, true,
			       OD_ZV_CHAIN, "malformed NSEC3PARAM");
			continue;
		}
		if (rr->data[1] != 0 || found)
			continue;
		*p = (od_nsec3_params_t){ .alg = rr->data[0],
			                  .iterations =
			                          (uint16_t)(rr->data[2] << 8 |
			                                     rr->data[3]),
			                  .salt_len = rr->data[4],
			                  .salt = rr->data + 5 };
		found = true;
	}
	if (!found)
		report(c, c->z->origin, OD_TYPE_NSEC3PARAM, true, OD_ZV_CHAIN,
		       "no NSEC3PARAM with flags 0");
	else if (set->count > 1)
		report(c, c->z->origin, OD_TYPE_NSEC3PARAM, false, OD_ZV_CHAIN,
		       "%u NSEC3PARAM records: the chain is checked against "
		       "the first with flags 0",
		       set->count);
	return found;
}

/*
 * Names the NSEC3 chain must cover (RFC 5155 §7.1): authoritative names
 * and delegation points, plus the empty non-terminals between them and
 * the apex. Unsigned delegations, and empty non-terminals that only they
 * bring, may be left to an Opt-Out span (not required).
 */
static int nsec3_names(const od_zone_t *z, n3name_t **out, size_t *count)
{
	size_t cap = 64, n = 0;
	n3name_t *v = malloc(cap * sizeof(*v));
	if (v == NULL)
		return OD_ENOMEM;
	size_t nodes_end;
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *nd = z->nodes[i];
		node_kind_t kind = node_kind(nd);
		if (kind == NODE_NONAUTH || nsec3_only(nd))
			continue;
		bool req = kind != NODE_DELEG ||
		           od_znode_rrset(nd, OD_TYPE_DS) != NULL;
		if (n == cap) {
			n3name_t *nv = realloc(v, 2 * cap * sizeof(*v));
			if (nv == NULL)
				goto nomem;
			v = nv;
			cap *= 2;
		}
		v[n++] = (n3name_t){ nd->owner, nd, kind, req };
	}
	nodes_end = n;
	/* Empty non-terminals: ancestors without a node. An ancestor that
	   has a node is a chain member and walks on by itself. */
	for (size_t i = 0; i < nodes_end; i++) {
		const uint8_t *p = v[i].name;
		bool req = v[i].required;
		while (od_name_below(p, z->origin)) {
			p = od_name_parent(p);
			if (od_name_equal(p, z->origin) ||
			    od_zone_find(z, p) != NULL)
				break;
			if (n == cap) {
				n3name_t *nv = realloc(v, 2 * cap * sizeof(*v));
				if (nv == NULL)
					goto nomem;
				v = nv;
				cap *= 2;
			}
			v[n++] = (n3name_t){ p, NULL, NODE_AUTH, req };
		}
	}
	/* One entry per empty non-terminal, required if any name below
	   requires it. */
	if (n > nodes_end) {
		qsort(v + nodes_end, n - nodes_end, sizeof(*v), n3name_cmp);
		size_t w = nodes_end;
		for (size_t i = nodes_end; i < n; i++) {
			if (w > nodes_end &&
			    od_name_equal(v[w - 1].name, v[i].name)) {
				v[w - 1].required |= v[i].required;
				continue;
			}
			v[w++] = v[i];
		}
		n = w;
	}
	*out = v;
	*count = n;
	return 0;
nomem:
	free(v);
	return OD_ENOMEM;
}

/* The NSEC3 chain (RFC 5155 §7.1). Sets res->chain_ok. Returns 0 or
   OD_ENOMEM. */
static int check_nsec3_chain(vctx_t *c, const od_zrrset_t *param_set)
{
	const od_zone_t *z = c->z;
	size_t before = c->res->errors;
	od_nsec3_params_t p;
	n3rec_t *recs = NULL;
	n3name_t *names = NULL;
	size_t nrec = 0, nnames = 0;
	uint16_t *types = NULL;
	char hb[64], hb2[64], nb[OD_NAME_STRLEN];
	if (!nsec3_params(c, param_set, &p))
		return 0;
	if (p.alg != OD_NSEC3_ALG_SHA1) {
		report(c, z->origin, OD_TYPE_NSEC3PARAM, true, OD_ZV_CHAIN,
		       "NSEC3 hash algorithm %u is not supported", p.alg);
		return 0;
	}
	if (p.iterations > 0)
		report(c, z->origin, OD_TYPE_NSEC3PARAM, false, OD_ZV_CHAIN,
		       "%u NSEC3 iterations: RFC 9276 §3.1 says 0",
		       p.iterations);

	/* The NSEC3 records, and what must not be there. */
	size_t cap = 0;
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		if (od_znode_rrset(n, OD_TYPE_NSEC))
			report(c, n->owner, OD_TYPE_NSEC, true, OD_ZV_CHAIN,
			       "NSEC record in an NSEC3 zone");
		const od_zrrset_t *set = od_znode_rrset(n, OD_TYPE_NSEC3);
		if (set == NULL)
			continue;
		if (node_kind(n) == NODE_NONAUTH ||
		    od_name_labels(n->owner) != od_name_labels(z->origin) + 1) {
			report(c, n->owner, OD_TYPE_NSEC3, true, OD_ZV_CHAIN,
			       "NSEC3 owner is not a hash label under the "
			       "origin");
			continue;
		}
		if (set->count != 1) {
			report(c, n->owner, OD_TYPE_NSEC3, true, OD_ZV_CHAIN,
			       "%u NSEC3 records (one expected)", set->count);
			continue;
		}
		if (nrec == cap) {
			cap = cap ? 2 * cap : 64;
			n3rec_t *nr = realloc(recs, cap * sizeof(*nr));
			if (nr == NULL)
				goto nomem;
			recs = nr;
		}
		n3rec_t *e = &recs[nrec];
		memset(e, 0, sizeof(*e));
		e->node = n;
		od_rr_t rr = { .owner = n->owner,
			       .rdata = set->rrs[0]->data,
			       .rdlen = set->rrs[0]->len,
			       .type = OD_TYPE_NSEC3 };
		if (od_nsec3_parse(&e->rd, rr.rdata, rr.rdlen) < 0 ||
		    e->rd.next_len != OD_NSEC3_HASH_MAXLEN ||
		    od_nsec3_owner_hash(&rr, z->origin, e->hash) !=
		            OD_NSEC3_HASH_MAXLEN) {
			report(c, n->owner, OD_TYPE_NSEC3, true, OD_ZV_CHAIN,
			       "malformed NSEC3 (RDATA or owner hash)");
			continue;
		}
		if (e->rd.alg != p.alg || e->rd.iterations != p.iterations ||
		    e->rd.salt_len != p.salt_len ||
		    memcmp(e->rd.salt, p.salt, p.salt_len) != 0)
			report(c, n->owner, OD_TYPE_NSEC3, true, OD_ZV_CHAIN,
			       "parameters (algorithm %u, %u iterations, "
			       "salt length %u) differ from the NSEC3PARAM",
			       e->rd.alg, e->rd.iterations, e->rd.salt_len);
		if (e->rd.flags & ~OD_NSEC3_FLAG_OPTOUT)
			report(c, n->owner, OD_TYPE_NSEC3, false, OD_ZV_CHAIN,
			       "unknown flags 0x%02x", e->rd.flags);
		nrec++;
	}
	if (nrec == 0) {
		report(c, z->origin, OD_TYPE_NSEC3, true, OD_ZV_CHAIN,
		       "NSEC3PARAM but no NSEC3 record");
		goto out;
	}
	qsort(recs, nrec, sizeof(*recs), n3rec_cmp);

	/* Ring: each next hashed owner is the following owner hash, the
	   last one's the first. */
	for (size_t i = 0; i < nrec; i++) {
		const n3rec_t *e = &recs[i], *f = &recs[(i + 1) % nrec];
		if (i + 1 < nrec &&
		    memcmp(e->hash, f->hash, sizeof(e->hash)) == 0)
			report(c, f->node->owner, OD_TYPE_NSEC3, true,
			       OD_ZV_CHAIN,
			       "two NSEC3 records with the same owner hash");
		if (memcmp(e->rd.next, f->hash, OD_NSEC3_HASH_MAXLEN) != 0)
			report(c, e->node->owner, OD_TYPE_NSEC3, true,
			       OD_ZV_CHAIN,
			       "chain broken: next hashed owner %s, expected "
			       "%s",
			       hash_str(e->rd.next, hb, sizeof(hb)),
			       hash_str(f->hash, hb2, sizeof(hb2)));
	}

	int r = nsec3_names(z, &names, &nnames);
	if (r < 0)
		goto nomem;
	uint32_t budget = VERIFY_NSEC3_BUDGET;
	size_t tcap = 0;
	for (size_t i = 0; i < nnames; i++) {
		const n3name_t *nm = &names[i];
		n3rec_t key;
		r = od_nsec3_hash(key.hash, nm->name, &p, &budget);
		if (r == OD_ELIMIT) {
			report(c, z->origin, OD_TYPE_NSEC3, true, OD_ZV_OTHER,
			       "NSEC3 hashing budget spent (%zu names, %u "
			       "iterations): the rest is not checked",
			       nnames, p.iterations);
			break;
		}
		if (r < 0)
			goto nomem;
		n3rec_t *e =
		        bsearch(&key, recs, nrec, sizeof(*recs), n3rec_cmp);
		if (e == NULL) {
			/* The span covering the hash: the last owner hash
			   below it, or the last of the ring. */
			size_t lo = 0, hi = nrec;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (memcmp(recs[mid].hash, key.hash,
				           OD_NSEC3_HASH_MAXLEN) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			const n3rec_t *cov = &recs[lo ? lo - 1 : nrec - 1];
			if (nm->required)
				report(c, nm->name, OD_TYPE_NSEC3, true,
				       OD_ZV_CHAIN, "no NSEC3 (hash %s)%s",
				       hash_str(key.hash, hb, sizeof(hb)),
				       nm->node ? ""
				                : " for this empty "
				                  "non-terminal");
			else if (!(cov->rd.flags & OD_NSEC3_FLAG_OPTOUT))
				report(c, nm->name, OD_TYPE_NSEC3, true,
				       OD_ZV_CHAIN,
				       "no NSEC3 (hash %s), and the covering "
				       "NSEC3 %s has no Opt-Out",
				       hash_str(key.hash, hb, sizeof(hb)),
				       name_str(cov->node->owner, nb,
				                sizeof(nb)));
			continue;
		}
		if (e->used) {
			report(c, nm->name, OD_TYPE_NSEC3, true, OD_ZV_CHAIN,
			       "hash %s collides with another name",
			       hash_str(key.hash, hb, sizeof(hb)));
			continue;
		}
		e->used = true;
		size_t need = nm->node ? (size_t)nm->node->nsets + 2 : 1;
		if (tcap < need) {
			uint16_t *nt = realloc(types, need * sizeof(*nt));
			if (nt == NULL)
				goto nomem;
			types = nt;
			tcap = need;
		}
		size_t nt =
		        nm->node ? node_types(nm->node, nm->kind, false, types)
		                 : 0;
		char where[OD_NAME_STRLEN + 16];
		snprintf(where, sizeof(where), " (at %s)",
		         name_str(e->node->owner, nb, sizeof(nb)));
		check_bitmap(c, nm->name, OD_TYPE_NSEC3, e->rd.bitmap,
		             e->rd.bitmap_len, types, nt, where);
	}
	/* After a spent budget, unmatched records mean nothing. */
	for (size_t i = 0; i < nrec && r != OD_ELIMIT; i++)
		if (!recs[i].used)
			report(c, recs[i].node->owner, OD_TYPE_NSEC3, true,
			       OD_ZV_CHAIN,
			       "NSEC3 matches no name of the zone");
out:
	free(recs);
	free(names);
	free(types);
	c->res->chain_ok = c->res->errors == before;
	return 0;
nomem:
	free(recs);
	free(names);
	free(types);
	return OD_ENOMEM;
}

/* Trust anchors ---------------------------------------------------------- */

/* The DNSKEY RRset must be signed by a key an anchor names. */
static void check_anchors(vctx_t *c, const bool *signed_by)
{
	const uint8_t *origin = c->z->origin;
	size_t usable = 0;
	bool matched = false;
	for (size_t i = 0; i < c->o->nanchors; i++) {
		const od_zv_anchor_t *a = &c->o->anchors[i];
		char where[32];
		if (a->line)
			snprintf(where, sizeof(where), "(line %u)", a->line);
		else
			snprintf(where, sizeof(where), "%zu", i + 1);
		if (a->type != OD_TYPE_DS && a->type != OD_TYPE_DNSKEY) {
			report(c, origin, a->type, true, OD_ZV_ANCHOR,
			       "trust anchor %s is not DS or DNSKEY", where);
			continue;
		}
		usable++;
		for (size_t k = 0; k < c->nkeys && !matched; k++) {
			if (!signed_by[k])
				continue;
			const od_dnskey_t *key = &c->keys[k];
			if (a->type == OD_TYPE_DNSKEY) {
				matched = a->rdlen == key->rdlen &&
				          memcmp(a->rdata, key->rdata,
				                 key->rdlen) == 0;
				continue;
			}
			int m = od_ds_match(origin, a->rdata, a->rdlen,
			                    key->rdata, key->rdlen);
			if (m == 1) {
				matched = true;
			} else if (m < 0) {
				report(c, origin, a->type, false, OD_ZV_ANCHOR,
				       "trust anchor %s cannot be used: %s",
				       where, od_strerror(m));
				break;
			}
		}
	}
	c->res->anchored = matched;
	if (usable == 0)
		report(c, origin, OD_TYPE_DNSKEY, true, OD_ZV_ANCHOR,
		       "no DS or DNSKEY record among the trust anchors");
	else if (!matched)
		report(c, origin, OD_TYPE_DNSKEY, true, OD_ZV_ANCHOR,
		       "DNSKEY RRset not signed by a trust anchor");
}

/* DNSSEC ----------------------------------------------------------------- */

static size_t count_sigs(const od_zone_t *z)
{
	size_t n = 0;
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_zrrset_t *s =
		        od_znode_rrset(z->nodes[i], OD_TYPE_RRSIG);
		if (s)
			n += s->count;
	}
	return n;
}

/*
 * Check every signature, the anchors and the denial chain of a signed
 * zone (apex DNSKEY RRset present). Returns 0 or OD_ENOMEM.
 */
static int check_dnssec(vctx_t *c)
{
	const od_zone_t *z = c->z;
	const od_zrrset_t *dnskeys = od_znode_rrset(z->apex, OD_TYPE_DNSKEY);
	int ret = 0;
	c->keys = calloc(dnskeys->count + 1, sizeof(*c->keys));
	bool *signed_by = calloc(dnskeys->count + 1, sizeof(bool));
	if (c->keys == NULL || signed_by == NULL) {
		free(signed_by);
		return OD_ENOMEM;
	}
	bool have_sep = false;
	for (size_t i = 0; i < dnskeys->count; i++) {
		const od_zrr_t *rr = dnskeys->rrs[i];
		od_dnskey_t *k = &c->keys[c->nkeys];
		int r = od_dnskey_from_rdata(k, rr->data, rr->len, NULL);
		if (r == OD_ENOMEM) {
			ret = r;
			goto out;
		}
		if (r < 0) {
			report(c, z->origin, OD_TYPE_DNSKEY, true,
			       OD_ZV_SIGNATURE,
			       "malformed DNSKEY (key tag %u, algorithm %u)",
			       od_key_tag(rr->data, rr->len),
			       rr->len > 3 ? rr->data[3] : 0);
			continue;
		}
		c->nkeys++;
		if (!od_dnskey_usable(k))
			continue;
		c->zone_alg[k->alg] = true;
		if (k->flags & OD_DNSKEY_SEP)
			have_sep = true;
	}
	bool any_alg = false;
	for (unsigned a = 0; a < 256; a++)
		any_alg |= c->zone_alg[a];
	if (!any_alg)
		report(c, z->origin, OD_TYPE_DNSKEY, true, OD_ZV_SIGNATURE,
		       "no usable zone key (ZONE flag, protocol 3, not "
		       "revoked) in the DNSKEY RRset");
	/* Generous but bounded: every signature tried against every key
	   that shares its tag and algorithm. */
	uint64_t budget = (uint64_t)count_sigs(z) * VERIFY_MAX_KEYS + 16;
	c->lim = (od_rrsig_limits_t){
		.budget = budget > UINT32_MAX ? UINT32_MAX : (uint32_t)budget,
		.max_keys = VERIFY_MAX_KEYS,
	};

	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		node_kind_t kind = node_kind(n);
		check_stray_sigs(c, n, kind);
		if (kind == NODE_NONAUTH)
			continue;
		for (size_t s = 0; s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			if (set->type == OD_TYPE_RRSIG)
				continue;
			if (kind == NODE_DELEG && !deleg_signed(set->type))
				continue;
			bool apex_keys = (n->flags & OD_ZN_APEX) &&
			                 set->type == OD_TYPE_DNSKEY;
			ret = check_sigs(c, n, set,
			                 apex_keys ? signed_by : NULL);
			if (ret < 0)
				goto out;
		}
	}

	/* With no valid signature at all the errors are already there. */
	bool any_signed = false, sep_signed = false;
	for (size_t k = 0; k < c->nkeys; k++) {
		any_signed |= signed_by[k];
		if (signed_by[k] && (c->keys[k].flags & OD_DNSKEY_SEP))
			sep_signed = true;
	}
	if (have_sep && any_signed && !sep_signed)
		report(c, z->origin, OD_TYPE_DNSKEY, false, OD_ZV_SIGNATURE,
		       "DNSKEY RRset not signed by a key with the SEP flag "
		       "(KSK)");
	if (c->o->nanchors > 0)
		check_anchors(c, signed_by);

	if (c->o->skip_chain)
		goto out;
	const od_zrrset_t *param = od_znode_rrset(z->apex, OD_TYPE_NSEC3PARAM);
	if (param)
		ret = check_nsec3_chain(c, param);
	else if (od_znode_rrset(z->apex, OD_TYPE_NSEC))
		ret = check_nsec_chain(c);
	else
		report(c, z->origin, 0, true, OD_ZV_CHAIN,
		       "neither NSEC nor NSEC3PARAM at the apex: no denial "
		       "chain");
out:
	free(signed_by);
	return ret;
}

/* ZONEMD (RFC 8976) -------------------------------------------------------- */

static void hex_str(const uint8_t *p, size_t len, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	buf[2 * len] = '\0';
}

/*
 * An invalid ZONEMD RRset is one error (the verdict), followed by one
 * warning per ZONEMD RR saying how it fared. Returns 0 or OD_ENOMEM.
 */
static int check_zonemd(vctx_t *c)
{
	const od_zone_t *z = c->z;
	od_zonemd_result_t zr;
	int r = od_zonemd_verify(z, &zr);
	if (r == OD_ENOMEM)
		return r;
	if (r < 0) {
		c->res->zonemd = OD_ZONEMD_UNSUPPORTED;
		report(c, z->origin, OD_TYPE_ZONEMD, true, OD_ZV_ZONEMD,
		       "ZONEMD not checked: %s", od_strerror(r));
		return 0;
	}
	c->res->zonemd = zr.status;
	if (zr.status == OD_ZONEMD_NONE) {
		if (c->o->require_zonemd)
			report(c, z->origin, OD_TYPE_ZONEMD, true, OD_ZV_ZONEMD,
			       "no ZONEMD at the apex");
		return 0;
	}
	c->res->zonemd_checked = true;
	if (zr.status == OD_ZONEMD_OK) {
		const od_zonemd_rr_result_t *m = &zr.rr[zr.matched];
		c->res->zonemd_serial = m->serial;
		c->res->zonemd_hash = m->hash;
		return 0;
	}
	report(c, z->origin, OD_TYPE_ZONEMD, true, OD_ZV_ZONEMD, "%s",
	       od_zonemd_status_str(zr.status));
	size_t shown = zr.count < OD_ZONEMD_MAXREC ? zr.count
	                                           : OD_ZONEMD_MAXREC;
	for (size_t i = 0; i < shown; i++) {
		const od_zonemd_rr_result_t *rr = &zr.rr[i];
		char serial[64] = "",
		     computed[2 * OD_ZONEMD_DIGEST_MAX + 16] = "";
		if (rr->status == OD_ZONEMD_SERIAL_MISMATCH)
			snprintf(serial, sizeof(serial),
			         " (ZONEMD serial %u, SOA serial %u)",
			         rr->serial, zr.soa_serial);
		if (rr->status == OD_ZONEMD_DIGEST_MISMATCH &&
		    rr->scheme == OD_ZONEMD_SCHEME_SIMPLE) {
			uint8_t d[OD_ZONEMD_DIGEST_MAX];
			int dl = od_zonemd_digest(z, rr->scheme, rr->hash, d,
			                          sizeof(d));
			if (dl == OD_ENOMEM)
				return dl;
			if (dl > 0) {
				memcpy(computed, "; computed ", 11);
				hex_str(d, (size_t)dl, computed + 11);
			}
		}
		report(c, z->origin, OD_TYPE_ZONEMD, false, OD_ZV_ZONEMD,
		       "%u %u %u: %s%s%s", rr->serial, rr->scheme, rr->hash,
		       od_zonemd_status_str(rr->status), serial, computed);
	}
	return 0;
}

int od_zone_verify(const od_zone_t *z, const od_zv_opts_t *opts,
                   od_zv_result_t *res)
{
	*res = (od_zv_result_t){ .zonemd = OD_ZONEMD_NONE };
	vctx_t c = { .z = z, .o = opts, .res = res, .now = opts->now };
	int ret = check_zonemd(&c);
	if (ret < 0)
		return ret;
	bool is_signed = z->apex && od_znode_rrset(z->apex, OD_TYPE_DNSKEY);
	res->signed_zone = is_signed;
	if (is_signed) {
		ret = check_dnssec(&c);
	} else {
		if (count_sigs(z) > 0)
			report(&c, z->origin, OD_TYPE_DNSKEY, true,
			       OD_ZV_SIGNATURE,
			       "RRSIG records but no DNSKEY RRset at the "
			       "apex");
		else if (opts->require_dnssec)
			report(&c, z->origin, OD_TYPE_DNSKEY, true,
			       OD_ZV_SIGNATURE,
			       "no DNSKEY RRset at the apex: the zone is not "
			       "signed");
		if (opts->nanchors > 0)
			report(&c, z->origin, OD_TYPE_DNSKEY, true,
			       OD_ZV_ANCHOR,
			       "trust anchor given, but the zone is not "
			       "signed (no DNSKEY RRset at the apex)");
	}
	for (size_t k = 0; k < c.nkeys; k++)
		od_dnskey_free(&c.keys[k]);
	free(c.keys);
	return ret;
}
