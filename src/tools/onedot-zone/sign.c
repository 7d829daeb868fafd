/* SPDX-License-Identifier: MIT */
/* onedot-zone sign: sign a zone and print it in canonical form. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/base.h"
#include "lib/dnssec/key.h"
#include "lib/dnssec/nsec.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/scanner.h"
#include "lib/zone/zone.h"
#include "lib/zone/zonemd.h"

#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

/* sign ------------------------------------------------------------------ */

#define SIGN_MAXKEYS 16
/* RFC 9276 §3.2 lets validators treat NSEC3 records with iterations
   above 0 as insecure or bogus, and validators give up far below the 2500
   of RFC 5155 §10.3: a count above this bound only breaks the zone. */
#define SIGN_MAX_ITERATIONS 500
/* RRSIG RDATA: fixed fields, signer name, signature (RSA-4096: 512). */
#define RRSIG_MAX (OD_RRSIG_FIXED_LEN + OD_NAME_MAXLEN + 1024)

/* One record to add to a zone copy; owner and RDATA in one allocation. */
typedef struct sign_rec {
	uint8_t *owner;
	uint8_t *rdata;
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
} sign_rec_t;

typedef struct rec_vec {
	sign_rec_t *v;
	size_t n, cap;
} rec_vec_t;

static int vec_add(rec_vec_t *vec, const uint8_t *owner, uint16_t type,
                   uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen > UINT16_MAX)
		return OD_ESPACE;
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 64;
		sign_rec_t *nv = realloc(vec->v, cap * sizeof(*nv));
		if (nv == NULL)
			return OD_ENOMEM;
		vec->v = nv;
		vec->cap = cap;
	}
	size_t olen = od_name_len(owner);
	uint8_t *mem = malloc(olen + rdlen + 1);
	if (mem == NULL)
		return OD_ENOMEM;
	memcpy(mem, owner, olen);
	if (rdlen)
		memcpy(mem + olen, rdata, rdlen);
	vec->v[vec->n++] = (sign_rec_t){ .owner = mem,
		                         .rdata = mem + olen,
		                         .type = type,
		                         .rdlen = (uint16_t)rdlen,
		                         .ttl = ttl };
	return 0;
}

static void vec_free(rec_vec_t *vec)
{
	for (size_t i = 0; i < vec->n; i++)
		free(vec->v[i].owner);
	free(vec->v);
	*vec = (rec_vec_t){ 0 };
}

/* Types the signer computes itself: dropped from the input zone. */
static bool sign_drops(uint16_t type, bool apex)
{
	return type == OD_TYPE_RRSIG || type == OD_TYPE_NSEC ||
	       type == OD_TYPE_NSEC3 || type == OD_TYPE_NSEC3PARAM ||
	       (apex && type == OD_TYPE_ZONEMD);
}

/*
 * A finalized zone is read-only: each signing step makes a new zone from
 * the records of src (less the signer's own types when strip is set) and
 * the extra records.
 */
static int zone_copy(const od_zone_t *src, bool strip, const rec_vec_t *extra,
                     od_zone_t **out)
{
	od_zone_t *z = od_zone_new(src->origin, src->rclass);
	if (z == NULL)
		return OD_ENOMEM;
	int r = 0;
	for (size_t i = 0; r == 0 && i < src->nnodes; i++) {
		const od_znode_t *n = src->nodes[i];
		for (size_t s = 0; r == 0 && s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			if (strip &&
			    sign_drops(set->type, (n->flags & OD_ZN_APEX) != 0))
				continue;
			for (size_t k = 0; r == 0 && k < set->count; k++)
				r = od_zone_add(z, n->owner, set->type,
				                set->rclass, set->rrs[k]->ttl,
				                set->rrs[k]->data,
				                set->rrs[k]->len);
		}
	}
	for (size_t i = 0; r == 0 && extra && i < extra->n; i++) {
		const sign_rec_t *e = &extra->v[i];
		r = od_zone_add(z, e->owner, e->type, src->rclass, e->ttl,
		                e->rdata, e->rdlen);
	}
	if (r == 0)
		r = od_zone_finalize(z);
	if (r) {
		od_zone_free(z);
		return r;
	}
	*out = z;
	return 0;
}

typedef struct sign_key {
	od_privkey_t key;
	uint8_t owner[OD_NAME_MAXLEN];
	bool have_ttl;
	uint32_t ttl;
} sign_key_t;

int read_text_file(const char *path, char **text, size_t *len)
{
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return -errno;
	int r = slurp(fp, text, len);
	fclose(fp);
	if (r == 0 && *len > KEYFILE_MAX) {
		OPENSSL_cleanse(*text, *len);
		free(*text);
		return OD_ESPACE;
	}
	return r;
}

/* Load a key pair from a base name, or its .key or .private path. */
static int sign_load_key(const char *arg, sign_key_t *out)
{
	char base[PATH_MAX], path[PATH_MAX + 16];
	size_t len = strlen(arg);
	if (len >= sizeof(base)) {
		fprintf(stderr, "onedot-zone: %s: path too long\n", arg);
		return EXIT_USAGE;
	}
	memcpy(base, arg, len + 1);
	if (len > 8 && strcmp(base + len - 8, ".private") == 0)
		base[len - 8] = '\0';
	else if (len > 4 && strcmp(base + len - 4, ".key") == 0)
		base[len - 4] = '\0';

	snprintf(path, sizeof(path), "%s.key", base);
	char *text = NULL;
	size_t tlen = 0;
	int r = read_text_file(path, &text, &tlen);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", path, od_strerror(r));
		return r > OD_ERROR_BASE ? EXIT_USAGE : EXIT_PROBLEM;
	}
	uint8_t rdata[4096];
	const char *why = NULL;
	int rdlen = parse_keyfile(text, tlen, out->owner, &out->have_ttl,
	                          &out->ttl, rdata, sizeof(rdata), &why);
	free(text);
	if (rdlen < 4) {
		fprintf(stderr, "onedot-zone: %s: %s (%s)\n", path,
		        why ? why : "bad DNSKEY",
		        od_strerror(rdlen < 0 ? rdlen : OD_EMALF));
		return EXIT_PROBLEM;
	}
	uint16_t flags = (uint16_t)(rdata[0] << 8 | rdata[1]);

	snprintf(path, sizeof(path), "%s.private", base);
	r = read_text_file(path, &text, &tlen);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", path, od_strerror(r));
		return r > OD_ERROR_BASE ? EXIT_USAGE : EXIT_PROBLEM;
	}
	r = od_privkey_read(&out->key, text, tlen, flags);
	OPENSSL_cleanse(text, tlen);
	free(text);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", path, od_strerror(r));
		return EXIT_PROBLEM;
	}
	/* The .key and .private files must be the two halves of one key. */
	if (out->key.rdlen != (size_t)rdlen ||
	    memcmp(out->key.rdata, rdata, (size_t)rdlen) != 0) {
		fprintf(stderr,
		        "onedot-zone: %s: does not match the public key in "
		        "%s.key\n",
		        path, base);
		od_privkey_free(&out->key);
		return EXIT_PROBLEM;
	}
	return EXIT_OK;
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Signature time: YYYYMMDDHHmmSS (RFC 4034 §3.2) or seconds since the
   epoch; stored modulo 2^32 (RFC 4034 §3.1.5). */
int parse_sigtime(const char *s, uint32_t *out)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (len == 14) {
		unsigned v[6];
		if (sscanf(s, "%4u%2u%2u%2u%2u%2u", &v[0], &v[1], &v[2], &v[3],
		           &v[4], &v[5]) != 6 ||
		    v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
		    v[3] > 23 || v[4] > 59 || v[5] > 60)
			return -1;
		int64_t t = days_from_civil(v[0], v[1], v[2]) * 86400 +
		            v[3] * 3600 + v[4] * 60 + v[5];
		*out = (uint32_t)t;
		return 0;
	}
	return parse_u32(s, out);
}

typedef struct sign_ctx {
	const od_zone_t *z;
	sign_key_t *keys;
	size_t nkeys;
	uint32_t inception, expiration;
	rec_vec_t *sigs;
} sign_ctx_t;

/* Sign one RRset with the keys its type calls for. */
static int sign_rrset(const sign_ctx_t *c, const od_znode_t *n,
                      const od_zrrset_t *set)
{
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
	bool dnskey = set->type == OD_TYPE_DNSKEY;
	int r = 0;
	for (size_t i = 0; r == 0 && i < c->nkeys; i++) {
		/* Per algorithm (RFC 4035 §2.2: every RRset is signed with
		   each algorithm of the DNSKEY RRset): KSKs sign the DNSKEY
		   RRset, ZSKs the rest, either kind alone signs everything. */
		bool ksk = (c->keys[i].key.flags & OD_DNSKEY_SEP) != 0;
		bool have_ksk = false, have_zsk = false;
		for (size_t j = 0; j < c->nkeys; j++) {
			if (c->keys[j].key.alg != c->keys[i].key.alg)
				continue;
			if (c->keys[j].key.flags & OD_DNSKEY_SEP)
				have_ksk = true;
			else
				have_zsk = true;
		}
		bool use = dnskey ? (ksk || !have_ksk) : (!ksk || !have_zsk);
		if (!use)
			continue;
		uint8_t sig[RRSIG_MAX];
		int len = od_rrsig_sign(&rs, &c->keys[i].key, c->z->origin,
		                        c->inception, c->expiration, set->ttl,
		                        NULL, sig, sizeof(sig));
		if (len < 0)
			r = len;
		else
			r = vec_add(c->sigs, n->owner, OD_TYPE_RRSIG, set->ttl,
			            sig, (size_t)len);
	}
	free(rds);
	return r;
}

/* Nodes the zone is authoritative for, plus delegation points. */
static bool node_in_chain(const od_znode_t *n)
{
	return !(n->flags & (OD_ZN_GLUE | OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT));
}

/*
 * Sign every authoritative RRset of c->z: at a delegation only DS and
 * NSEC; never glue or occluded data; the apex ZONEMD only when
 * only_zonemd (it is signed last, after its digest is in place), and then
 * only that.
 */
static int sign_zone(const sign_ctx_t *c, bool only_zonemd)
{
	for (size_t i = 0; i < c->z->nnodes; i++) {
		const od_znode_t *n = c->z->nodes[i];
		if (!node_in_chain(n))
			continue;
		bool apex = (n->flags & OD_ZN_APEX) != 0;
		for (size_t s = 0; s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			bool zmd = apex && set->type == OD_TYPE_ZONEMD;
			if (set->type == OD_TYPE_RRSIG || zmd != only_zonemd)
				continue;
			if ((n->flags & OD_ZN_DELEG) &&
			    set->type != OD_TYPE_DS &&
			    set->type != OD_TYPE_NSEC)
				continue;
			int r = sign_rrset(c, n, set);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* NSEC3 options: the hashing parameters and Opt-Out. */
typedef struct sign_nsec3 {
	bool on;
	bool opt_out;
	od_nsec3_params_t p;
	uint8_t salt[255];
} sign_nsec3_t;

/*
 * The NSEC chain, or with n3->on the NSEC3 chain, over the authoritative
 * names and delegation points of z; the records get TTL ttl.
 * od_nsec3_chain adds the empty non-terminals itself (RFC 5155 §7.1).
 */
static int add_denial_chain(const od_zone_t *z, uint32_t ttl,
                            const sign_nsec3_t *n3, rec_vec_t *out)
{
	size_t nn = 0, nt = 0;
	for (size_t i = 0; i < z->nnodes; i++)
		nt += z->nodes[i]->nsets;
	od_denial_node_t *nodes = calloc(z->nnodes + 1, sizeof(*nodes));
	uint16_t *types = calloc(nt + 1, sizeof(*types));
	int r = OD_ENOMEM;
	if (nodes == NULL || types == NULL)
		goto out;
	uint16_t *t = types;
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		if (!node_in_chain(n))
			continue;
		bool deleg = (n->flags & OD_ZN_DELEG) != 0;
		od_denial_node_t *d = &nodes[nn++];
		d->name = n->owner;
		d->types = t;
		for (size_t s = 0; s < n->nsets; s++) {
			uint16_t ty = n->sets[s].type;
			if (ty == OD_TYPE_RRSIG || ty == OD_TYPE_NSEC ||
			    ty == OD_TYPE_NSEC3)
				continue;
			if (deleg && ty != OD_TYPE_NS && ty != OD_TYPE_DS)
				continue;
			*t++ = ty;
			d->ntypes++;
		}
	}
	od_denial_rec_t *recs = NULL;
	size_t nrecs = 0;
	uint16_t type = OD_TYPE_NSEC;
	if (n3->on) {
		type = OD_TYPE_NSEC3;
		r = od_nsec3_chain(NULL, nodes, nn, z->origin, &n3->p,
		                   n3->opt_out, &recs, &nrecs);
	} else {
		r = od_nsec_chain(NULL, nodes, nn, &recs);
		nrecs = nn;
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; r == 0 && i < nrecs; i++)
		r = vec_add(out, recs[i].owner, type, ttl, recs[i].rdata,
		            recs[i].rdlen);
	od_denial_recs_free(NULL, recs, nrecs);
out:
	free(nodes);
	free(types);
	return r;
}

static int sign_fail(const char *what, int r)
{
	fprintf(stderr, "onedot-zone: sign: %s: %s\n", what, od_strerror(r));
	return EXIT_PROBLEM;
}

int cmd_sign(int argc, char **argv)
{
	args_t a = { .hash = 0 };
	const char *keyargs[SIGN_MAXKEYS];
	size_t nkeys = 0;
	bool have_inc = false, have_exp = false;
	uint32_t inception = 0, expiration = 0;
	sign_nsec3_t n3 = { .p = { .alg = OD_NSEC3_ALG_SHA1 } };
	const char *n3opt = NULL; /* an NSEC3 option, to require --nsec3 */
	n3.p.salt = n3.salt;
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(s, "-o") == 0 || strcmp(s, "--origin") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			a.origin_str = argv[i];
		} else if (strcmp(s, "--zonemd") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (parse_hash(argv[i], &a.hash) < 0)
				return bad_usage("unknown hash '%s' (sha384 "
				                 "or sha512)",
				                 argv[i]);
		} else if (strcmp(s, "--inception") == 0 ||
		           strcmp(s, "--expiration") == 0) {
			bool inc = s[2] == 'i';
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (parse_sigtime(argv[i],
			                  inc ? &inception : &expiration) < 0)
				return bad_usage(
				        "bad time '%s' (YYYYMMDDHHmmSS "
				        "or seconds since the epoch)",
				        argv[i]);
			*(inc ? &have_inc : &have_exp) = true;
		} else if (strcmp(s, "--nsec3") == 0) {
			n3.on = true;
		} else if (strcmp(s, "--opt-out") == 0) {
			n3.opt_out = true;
			n3opt = s;
		} else if (strcmp(s, "--salt") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			const char *hex = argv[i];
			size_t hl = strlen(hex);
			/* '-' is the presentation form of an empty salt. */
			if (strcmp(hex, "-") == 0)
				hl = 0;
			int sl = hl == 0 ? 0
			                 : od_hex_decode(hex, hl, n3.salt,
			                                 sizeof(n3.salt));
			if (sl < 0 || hl > 2 * sizeof(n3.salt))
				return bad_usage("bad salt '%s' (hex digits, "
				                 "at most 255 octets, or - "
				                 "for none)",
				                 hex);
			n3.p.salt_len = (uint8_t)sl;
			n3opt = s;
		} else if (strcmp(s, "--iterations") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			uint32_t it = 0;
			if (parse_u32(argv[i], &it) < 0 ||
			    it > SIGN_MAX_ITERATIONS)
				return bad_usage("bad iterations '%s' (0 to "
				                 "500; RFC 9276 says 0)",
				                 argv[i]);
			n3.p.iterations = (uint16_t)it;
			n3opt = s;
		} else if (s[0] == '-' && s[1] != '\0') {
			return bad_usage("unknown option '%s'", s);
		} else if (a.file == NULL) {
			a.file = s;
		} else if (nkeys < SIGN_MAXKEYS) {
			keyargs[nkeys++] = s;
		} else {
			return bad_usage("too many keys (at most 16): '%s'", s);
		}
	}
	if (a.file == NULL || nkeys == 0)
		return bad_usage("%s", "sign: needs FILE and at least one KEY");
	if (n3opt && !n3.on)
		return bad_usage("sign: %s needs --nsec3", n3opt);
	if (n3.p.iterations > 0)
		fprintf(stderr,
		        "onedot-zone: sign: warning: %u NSEC3 iterations; "
		        "RFC 9276 §3.1 says 0 (extra iterations cost "
		        "resolvers and add no protection)\n",
		        (unsigned)n3.p.iterations);
	if (a.origin_str) {
		if (od_name_from_str(a.origin, a.origin_str,
		                     strlen(a.origin_str),
		                     (const uint8_t *)"") < 0)
			return bad_usage("bad origin '%s'", a.origin_str);
		a.have_origin = true;
	}
	time_t now = time(NULL);
	if (!have_inc)
		inception = (uint32_t)((uint64_t)now - 3600);
	if (!have_exp)
		expiration = (uint32_t)((uint64_t)now + 30 * 86400);

	sign_key_t *keys = calloc(SIGN_MAXKEYS, sizeof(*keys));
	if (keys == NULL)
		return sign_fail("keys", OD_ENOMEM);
	od_zone_t *z0 = NULL, *z1 = NULL, *z2 = NULL, *z3 = NULL;
	rec_vec_t extra = { 0 }, sigs = { 0 };
	int ex = EXIT_OK, r;
	size_t loaded = 0;
	for (; loaded < nkeys && ex == EXIT_OK; loaded++)
		ex = sign_load_key(keyargs[loaded], &keys[loaded]);
	if (ex != EXIT_OK) {
		loaded--;
		goto out;
	}
	ex = load_zone(&a, false, &z0);
	if (ex != EXIT_OK)
		goto out;
	const od_zrrset_t *soa = od_zone_soa(z0);
	uint32_t serial = 0;
	if (soa == NULL || soa->count != 1 || soa->rrs[0]->len < 20 ||
	    od_zone_serial(z0, &serial) < 0) {
		fprintf(stderr, "onedot-zone: %s: no usable SOA at the apex\n",
		        display_name(a.file));
		ex = EXIT_PROBLEM;
		goto out;
	}
	const uint8_t *sd = soa->rrs[0]->data + soa->rrs[0]->len - 4;
	uint32_t minimum = (uint32_t)sd[0] << 24 | (uint32_t)sd[1] << 16 |
	                   (uint32_t)sd[2] << 8 | sd[3];
	/* RFC 9077 §3: the TTL of NSEC and NSEC3 records is the lesser of
	   the SOA MINIMUM field and the SOA's own TTL (the negative cache
	   time of RFC 2308 §3). */
	uint32_t denial_ttl = soa->ttl < minimum ? soa->ttl : minimum;
	sign_ctx_t c = { .keys = keys,
		         .nkeys = nkeys,
		         .inception = inception,
		         .expiration = expiration,
		         .sigs = &sigs };
	for (size_t i = 0; i < nkeys; i++) {
		for (size_t j = 0; j < i; j++) {
			if (keys[j].key.rdlen == keys[i].key.rdlen &&
			    memcmp(keys[j].key.rdata, keys[i].key.rdata,
			           keys[i].key.rdlen) == 0) {
				fprintf(stderr,
				        "onedot-zone: sign: %s: key given "
				        "twice\n",
				        keyargs[i]);
				ex = EXIT_USAGE;
				goto out;
			}
		}
		if (od_name_cmp(keys[i].owner, z0->origin) != 0) {
			fprintf(stderr,
			        "onedot-zone: sign: %s: the key's owner is not "
			        "the zone's origin\n",
			        keyargs[i]);
			ex = EXIT_PROBLEM;
			goto out;
		}
		r = vec_add(&extra, z0->origin, OD_TYPE_DNSKEY,
		            keys[i].have_ttl ? keys[i].ttl : soa->ttl,
		            keys[i].key.rdata, keys[i].key.rdlen);
		if (r < 0) {
			ex = sign_fail("DNSKEY", r);
			goto out;
		}
	}
	if (n3.on) {
		/* RFC 5155 §4: flags 0 also with Opt-Out (the flag lives in
		   the NSEC3 records). TTL 0, as BIND gives it: the record is
		   for authoritative servers, not resolvers, and a cached copy
		   would only outlive a parameter change. */
		uint8_t pr[5 + sizeof(n3.salt)];
		pr[0] = n3.p.alg;
		pr[1] = 0;
		pr[2] = (uint8_t)(n3.p.iterations >> 8);
		pr[3] = (uint8_t)n3.p.iterations;
		pr[4] = n3.p.salt_len;
		memcpy(pr + 5, n3.salt, n3.p.salt_len);
		r = vec_add(&extra, z0->origin, OD_TYPE_NSEC3PARAM, 0, pr,
		            5 + (size_t)n3.p.salt_len);
		if (r < 0) {
			ex = sign_fail("NSEC3PARAM", r);
			goto out;
		}
	}
	/* RFC 8976 §3.3: a placeholder ZONEMD takes part in the NSEC or
	   NSEC3 bitmap and the zone; its digest is filled in after signing. */
	if (a.hash) {
		uint8_t ph[OD_ZONEMD_RDATA_FIXED + OD_ZONEMD_DIGEST_MAX] = { 0 };
		size_t dlen = a.hash == OD_ZONEMD_HASH_SHA384 ? 48 : 64;
		ph[0] = (uint8_t)(serial >> 24);
		ph[1] = (uint8_t)(serial >> 16);
		ph[2] = (uint8_t)(serial >> 8);
		ph[3] = (uint8_t)serial;
		ph[4] = OD_ZONEMD_SCHEME_SIMPLE;
		ph[5] = a.hash;
		r = vec_add(&extra, z0->origin, OD_TYPE_ZONEMD, soa->ttl, ph,
		            OD_ZONEMD_RDATA_FIXED + dlen);
		if (r < 0) {
			ex = sign_fail("ZONEMD", r);
			goto out;
		}
	}
	/* z1: the data, our DNSKEYs and the placeholder; then the chain. */
	r = zone_copy(z0, true, &extra, &z1);
	if (r < 0) {
		ex = sign_fail("zone", r);
		goto out;
	}
	vec_free(&extra);
	r = add_denial_chain(z1, denial_ttl, &n3, &extra);
	if (r < 0) {
		ex = sign_fail(n3.on ? "NSEC3 chain" : "NSEC chain", r);
		goto out;
	}
	r = zone_copy(z1, false, &extra, &z2);
	if (r < 0) {
		ex = sign_fail("zone", r);
		goto out;
	}
	c.z = z2;
	r = sign_zone(&c, false);
	if (r < 0) {
		ex = sign_fail("signing", r);
		goto out;
	}
	r = zone_copy(z2, false, &sigs, &z3);
	if (r < 0) {
		ex = sign_fail("zone", r);
		goto out;
	}
	if (a.hash) {
		/* The digest covers everything but the apex ZONEMD RRset and
		   its signatures, so it is computed on the signed zone; the
		   placeholder has the digest's size and is overwritten in
		   place, then signed. */
		uint8_t md[OD_ZONEMD_RDATA_FIXED + OD_ZONEMD_DIGEST_MAX];
		int len = od_zonemd_make(z3, OD_ZONEMD_SCHEME_SIMPLE, a.hash,
		                         md, sizeof(md));
		od_zrrset_t *zs = z3->apex ? (od_zrrset_t *)od_znode_rrset(
		                                     z3->apex, OD_TYPE_ZONEMD)
		                           : NULL;
		if (len < 0 || zs == NULL || zs->count != 1 ||
		    zs->rrs[0]->len != (uint16_t)len) {
			ex = sign_fail("ZONEMD", len < 0 ? len : OD_EINVAL);
			goto out;
		}
		memcpy(zs->rrs[0]->data, md, (size_t)len);
		vec_free(&sigs);
		c.z = z3;
		r = sign_zone(&c, true);
		od_zone_t *z4 = NULL;
		if (r == 0)
			r = zone_copy(z3, false, &sigs, &z4);
		if (r < 0) {
			ex = sign_fail("ZONEMD signature", r);
			goto out;
		}
		od_zone_free(z3);
		z3 = z4;
	}
	r = od_zone_print_file(z3, stdout);
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	if (r)
		ex = sign_fail("print", r);
out:
	for (size_t i = 0; i < loaded; i++)
		od_privkey_free(&keys[i].key);
	free(keys);
	vec_free(&extra);
	vec_free(&sigs);
	od_zone_free(z0);
	od_zone_free(z1);
	od_zone_free(z2);
	od_zone_free(z3);
	return ex;
}
