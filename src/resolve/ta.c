/* SPDX-License-Identifier: MIT */
/*
 * Trust anchors and RFC 5011 automated updates; see ta.h.
 */

#include "resolve/ta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/dnssec/key.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/scanner.h"

typedef struct ta_zone {
	uint8_t name[OD_NAME_MAXLEN];
	odr_ta_key_t *keys; /*!< owned, each key's rdata owned */
	size_t n, cap;
	int64_t next_refresh;
} ta_zone_t;

struct odr_ta {
	ta_zone_t *zones; /*!< owned */
	size_t n, cap;
	uint32_t add_hd, rem_hd;
};

/*
 * IANA root anchors (root-anchors.xml): the public keys of KSK-2017 and
 * KSK-2024 as published in the root zone's DNSKEY RRset, flags 257,
 * protocol 3, algorithm 8 (RSASHA256).
 */
static const char *const builtin_root[] = {
	"257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/"
	"4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+"
	"B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF"
	"0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/"
	"ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=",
	"257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/"
	"cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYS"
	"jH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/"
	"wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+"
	"ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevY"
	"txPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=",
};

static const char *const state_names[] = {
	[ODR_TA_ADDPEND] = "AddPend", [ODR_TA_VALID] = "Valid",
	[ODR_TA_MISSING] = "Missing", [ODR_TA_REVOKED] = "Revoked",
	[ODR_TA_REMOVED] = "Removed",
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *odr_ta_state_name(odr_ta_state_t state)
{
	if ((unsigned)state >= sizeof(state_names) / sizeof(state_names[0]) ||
	    !state_names[state])
		return "?";
	return state_names[state];
}

static bool trusted(const odr_ta_key_t *k)
{
	return k->state == ODR_TA_VALID || k->state == ODR_TA_MISSING;
}

static uint16_t entry_tag(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	if (type == OD_TYPE_DS)
		return rdlen >= 2 ? (uint16_t)(rdata[0] << 8 | rdata[1]) : 0;
	return od_key_tag(rdata, rdlen);
}

odr_ta_t *odr_ta_new(void)
{
	odr_ta_t *ta = calloc(1, sizeof(*ta));
	if (!ta)
		return NULL;
	ta->add_hd = ODR_TA_HOLDDOWN_DEFAULT;
	ta->rem_hd = ODR_TA_HOLDDOWN_DEFAULT;
	return ta;
}

void odr_ta_free(odr_ta_t *ta)
{
	if (!ta)
		return;
	for (size_t i = 0; i < ta->n; i++) {
		for (size_t j = 0; j < ta->zones[i].n; j++)
			free(ta->zones[i].keys[j].rdata);
		free(ta->zones[i].keys);
	}
	free(ta->zones);
	free(ta);
}

void odr_ta_set_holddown(odr_ta_t *ta, uint32_t add, uint32_t remove)
{
	ta->add_hd = add;
	ta->rem_hd = remove;
}

static ta_zone_t *find_zone(const odr_ta_t *ta, const uint8_t *name)
{
	for (size_t i = 0; i < ta->n; i++)
		if (od_name_equal(ta->zones[i].name, name))
			return &ta->zones[i];
	return NULL;
}

static ta_zone_t *get_zone(odr_ta_t *ta, const uint8_t *name)
{
	ta_zone_t *z = find_zone(ta, name);
	if (z)
		return z;
	if (ta->n == ta->cap) {
		size_t cap = ta->cap ? 2 * ta->cap : 4;
		ta_zone_t *v = realloc(ta->zones, cap * sizeof(*v));
		if (!v)
			return NULL;
		ta->zones = v;
		ta->cap = cap;
	}
	z = &ta->zones[ta->n++];
	memset(z, 0, sizeof(*z));
	od_name_copy(z->name, name);
	od_name_lower(z->name);
	return z;
}

static int reserve_keys(ta_zone_t *z, size_t more)
{
	if (z->n + more <= z->cap)
		return 0;
	size_t cap = z->cap ? z->cap : 4;
	while (cap < z->n + more)
		cap *= 2;
	odr_ta_key_t *v = realloc(z->keys, cap * sizeof(*v));
	if (!v)
		return OD_ENOMEM;
	z->keys = v;
	z->cap = cap;
	return 0;
}

/* Replace a key's RDATA by a copy of rdata. */
static int set_rdata(odr_ta_key_t *k, uint16_t type, const uint8_t *rdata,
                     uint16_t rdlen)
{
	uint8_t *copy = malloc(rdlen ? rdlen : 1);
	if (!copy)
		return OD_ENOMEM;
	memcpy(copy, rdata, rdlen);
	free(k->rdata);
	k->rdata = copy;
	k->rdlen = rdlen;
	k->type = type;
	k->tag = entry_tag(type, rdata, rdlen);
	return 0;
}

static int add_key(ta_zone_t *z, uint16_t type, const uint8_t *rdata,
                   uint16_t rdlen, odr_ta_state_t state, int64_t now)
{
	int ret = reserve_keys(z, 1);
	if (ret < 0)
		return ret;
	odr_ta_key_t *k = &z->keys[z->n];
	memset(k, 0, sizeof(*k));
	ret = set_rdata(k, type, rdata, rdlen);
	if (ret < 0)
		return ret;
	k->state = state;
	k->first_seen = k->last_seen = k->changed = now;
	z->n++;
	return 0;
}

static bool has_entry(const ta_zone_t *z, uint16_t type, const uint8_t *rdata,
                      uint16_t rdlen)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->keys[i].type == type && z->keys[i].rdlen == rdlen &&
		    memcmp(z->keys[i].rdata, rdata, rdlen) == 0)
			return true;
	return false;
}

odr_ta_t *odr_ta_new_builtin(void)
{
	odr_ta_t *ta = odr_ta_new();
	if (!ta)
		return NULL;
	ta_zone_t *z = get_zone(ta, (const uint8_t *)"");
	if (!z)
		goto fail;
	for (size_t i = 0; i < sizeof(builtin_root) / sizeof(builtin_root[0]);
	     i++) {
		od_tok_t toks[8];
		uint8_t rd[1024];
		const char *s = builtin_root[i];
		int nt = od_tok_split(s, strlen(s), toks, 8);
		od_require(nt == 4);
		int len = od_rdata_from_text(OD_TYPE_DNSKEY, toks, (size_t)nt,
		                             NULL, rd, sizeof(rd), NULL);
		od_require(len > 0);
		if (add_key(z, OD_TYPE_DNSKEY, rd, (uint16_t)len, ODR_TA_VALID,
		            0) < 0)
			goto fail;
	}
	return ta;
fail:
	odr_ta_free(ta);
	return NULL;
}

/*
 * Does entry k designate the key whose RDATA, REVOKE bit cleared, is base?
 * RFC 5011 §2.1: a revoked key is the same key as its unrevoked form.
 */
static bool key_match(const uint8_t *zone, const odr_ta_key_t *k,
                      const uint8_t *base, uint16_t len)
{
	if (k->type == OD_TYPE_DS)
		return od_ds_match(zone, k->rdata, k->rdlen, base, len) == 1;
	if (k->rdlen != len || len < 4)
		return false;
	return k->rdata[0] == base[0] &&
	       (k->rdata[1] & ~(OD_DNSKEY_REVOKE & 0xff)) == base[1] &&
	       memcmp(k->rdata + 2, base + 2, len - 2) == 0;
}

static void drop_key(ta_zone_t *z, size_t i)
{
	free(z->keys[i].rdata);
	memmove(&z->keys[i], &z->keys[i + 1],
	        (z->n - i - 1) * sizeof(z->keys[0]));
	z->n--;
}

uint32_t odr_ta_refresh_interval(uint32_t orig_ttl, uint32_t sig_expire,
                                 bool failure)
{
	uint64_t cap = failure ? 86400 : 15 * 86400;
	unsigned div = failure ? 10 : 2;
	uint64_t v = cap;
	if (orig_ttl / div < v)
		v = orig_ttl / div;
	if (sig_expire && sig_expire / div < v)
		v = sig_expire / div;
	return v < 3600 ? 3600 : (uint32_t)v;
}

int64_t odr_ta_next_refresh(const odr_ta_t *ta, const uint8_t *zone)
{
	const ta_zone_t *z = find_zone(ta, zone);
	return z ? z->next_refresh : -1;
}

int odr_ta_update(odr_ta_t *ta, const uint8_t *zone, const odr_ta_rrset_t *set,
                  int64_t now)
{
	ta_zone_t *z = find_zone(ta, zone);
	if (!z)
		return OD_EINVAL;
	for (size_t i = 0; i < set->n; i++)
		if (!set->keys[i].rdata || set->keys[i].rdlen < 4)
			return OD_EMALF;
	z->next_refresh = now + odr_ta_refresh_interval(set->orig_ttl,
	                                                set->sig_expire,
	                                                !set->validated);
	if (!set->validated)
		return 0;

	/* Reserve room up front so that only RDATA copies can fail. */
	int ret = reserve_keys(z, set->n);
	if (ret < 0)
		return ret;
	bool *seen = calloc(z->n + set->n + 1, sizeof(*seen));
	if (!seen)
		return OD_ENOMEM;
	/* RFC 5011 §2.4.1: the longer of the hold-down and the set's TTL. */
	int64_t add_hd = set->orig_ttl > ta->add_hd ? set->orig_ttl
	                                            : ta->add_hd;
	int changes = 0;
	uint8_t base[OD_RDATA_MAXLEN];
	for (size_t i = 0; i < set->n; i++) {
		const odr_ta_dnskey_t *in = &set->keys[i];
		uint16_t flags = (uint16_t)(in->rdata[0] << 8 | in->rdata[1]);
		bool revoked = flags & OD_DNSKEY_REVOKE;
		memcpy(base, in->rdata, in->rdlen);
		base[1] &= (uint8_t) ~(OD_DNSKEY_REVOKE & 0xff);
		size_t j = 0;
		while (j < z->n &&
		       !key_match(z->name, &z->keys[j], base, in->rdlen))
			j++;
		odr_ta_key_t *k = j < z->n ? &z->keys[j] : NULL;

		if (revoked) {
			/* A revocation counts only when the key signed it. */
			if (!in->self_signed)
				continue;
			seen[j] = true;
			if (!k) {
				ret = add_key(z, OD_TYPE_DNSKEY, in->rdata,
				              in->rdlen, ODR_TA_REVOKED, now);
				if (ret < 0)
					goto out;
				changes++;
				continue;
			}
			k->last_seen = now;
			if (k->state == ODR_TA_REVOKED ||
			    k->state == ODR_TA_REMOVED)
				continue;
			ret = set_rdata(k, OD_TYPE_DNSKEY, in->rdata,
			                in->rdlen);
			if (ret < 0)
				goto out;
			k->state = ODR_TA_REVOKED;
			k->changed = now;
			changes++;
			continue;
		}

		if (!k) {
			/* NewKey: only SEP zone keys of protocol 3. */
			if (!(flags & OD_DNSKEY_ZONE) ||
			    !(flags & OD_DNSKEY_SEP) || in->rdata[2] != 3)
				continue;
			ret = add_key(z, OD_TYPE_DNSKEY, in->rdata, in->rdlen,
			              ODR_TA_ADDPEND, now);
			if (ret < 0)
				goto out;
			seen[j] = true;
			changes++;
			continue;
		}
		seen[j] = true;
		k->last_seen = now;
		if (k->type == OD_TYPE_DS) {
			/* The DNSKEY a configured DS designates replaces it. */
			ret = set_rdata(k, OD_TYPE_DNSKEY, in->rdata,
			                in->rdlen);
			if (ret < 0)
				goto out;
			changes++;
		}
		if (k->state == ODR_TA_ADDPEND &&
		    now - k->first_seen >= add_hd) {
			k->state = ODR_TA_VALID;
			k->changed = now;
			changes++;
		} else if (k->state == ODR_TA_MISSING) {
			k->state = ODR_TA_VALID;
			k->changed = now;
			changes++;
		}
	}

	for (size_t j = z->n; j-- > 0;) {
		odr_ta_key_t *k = &z->keys[j];
		if (k->state == ODR_TA_REVOKED &&
		    now - k->changed >= ta->rem_hd) {
			k->state = ODR_TA_REMOVED;
			k->changed = now;
			changes++;
		}
		if (seen[j])
			continue;
		if (k->state == ODR_TA_ADDPEND) {
			drop_key(z, j); /* KeyRem: back to Start */
			changes++;
		} else if (k->state == ODR_TA_VALID) {
			k->state = ODR_TA_MISSING;
			k->changed = now;
			changes++;
		}
	}
	ret = changes;
out:
	free(seen);
	return ret;
}

static size_t list_keys(const odr_ta_t *ta, const uint8_t *zone,
                        const odr_ta_key_t **out, size_t max, bool only_trusted)
{
	const ta_zone_t *z = find_zone(ta, zone);
	size_t cnt = 0;
	for (size_t i = 0; z && i < z->n; i++) {
		if (only_trusted && !trusted(&z->keys[i]))
			continue;
		if (cnt < max)
			out[cnt] = &z->keys[i];
		cnt++;
	}
	return cnt;
}

size_t odr_ta_trusted(const odr_ta_t *ta, const uint8_t *zone,
                      const odr_ta_key_t **out, size_t max)
{
	return list_keys(ta, zone, out, max, true);
}

size_t odr_ta_keys(const odr_ta_t *ta, const uint8_t *zone,
                   const odr_ta_key_t **out, size_t max)
{
	return list_keys(ta, zone, out, max, false);
}

size_t odr_ta_zone(const odr_ta_t *ta, size_t i, const uint8_t **zone_out)
{
	*zone_out = i < ta->n ? ta->zones[i].name : NULL;
	return ta->n;
}

const uint8_t *odr_ta_closest(const odr_ta_t *ta, const uint8_t *name)
{
	const uint8_t *best = NULL;
	int best_labels = -1;
	for (size_t i = 0; i < ta->n; i++) {
		int l = od_name_labels(ta->zones[i].name);
		if (l > best_labels && od_name_in(name, ta->zones[i].name)) {
			best = ta->zones[i].name;
			best_labels = l;
		}
	}
	return best;
}

size_t odr_ta_keytags(const odr_ta_t *ta, const uint8_t *zone, uint16_t *out,
                      size_t max)
{
	const ta_zone_t *z = find_zone(ta, zone);
	size_t cnt = 0;
	/* Insertion into a sorted, duplicate-free prefix; few keys. */
	for (size_t i = 0; z && i < z->n; i++) {
		if (!trusted(&z->keys[i]))
			continue;
		uint16_t t = z->keys[i].tag;
		size_t lim = cnt < max ? cnt : max, p = 0;
		while (p < lim && out[p] < t)
			p++;
		if (p < lim && out[p] == t)
			continue;
		if (cnt >= max) {
			cnt++;
			continue;
		}
		memmove(&out[p + 1], &out[p], (cnt - p) * sizeof(*out));
		out[p] = t;
		cnt++;
	}
	return cnt;
}

size_t odr_ta_stuck(const odr_ta_t *ta, int64_t now, odr_ta_ref_t *out,
                    size_t max)
{
	size_t cnt = 0;
	for (size_t i = 0; i < ta->n; i++)
		for (size_t j = 0; j < ta->zones[i].n; j++) {
			const odr_ta_key_t *k = &ta->zones[i].keys[j];
			if (k->state != ODR_TA_ADDPEND ||
			    now - k->first_seen <= ta->add_hd)
				continue;
			if (cnt < max)
				out[cnt] =
				        (odr_ta_ref_t){ ta->zones[i].name, k };
			cnt++;
		}
	return cnt;
}

/* Anchor file loading. */

typedef struct load_ctx {
	odr_ta_t *ta;
	int64_t now;
	size_t added;
	int ret;
	char *err;
	size_t errlen;
} load_ctx_t;

static int load_rec(const od_zrec_t *rec, void *arg)
{
	load_ctx_t *c = arg;
	char type[32];
	if (od_rrtype_to_str(rec->type, type, sizeof(type)) < 0)
		snprintf(type, sizeof(type), "TYPE%u", rec->type);
	if (rec->type != OD_TYPE_DS && rec->type != OD_TYPE_DNSKEY) {
		seterr(c->err, c->errlen,
		       "%s:%u: %s record is not a trust anchor (DS or DNSKEY "
		       "expected)",
		       rec->file, rec->line, type);
		return c->ret = OD_ETYPE;
	}
	if (rec->rdlen < 4) {
		seterr(c->err, c->errlen, "%s:%u: %s RDATA too short",
		       rec->file, rec->line, type);
		return c->ret = OD_EMALF;
	}
	if (rec->type == OD_TYPE_DNSKEY) {
		uint16_t flags = (uint16_t)(rec->rdata[0] << 8 | rec->rdata[1]);
		if (!(flags & OD_DNSKEY_ZONE) || (flags & OD_DNSKEY_REVOKE) ||
		    rec->rdata[2] != 3) {
			seterr(c->err, c->errlen,
			       "%s:%u: DNSKEY with flags %u protocol %u cannot "
			       "be a trust anchor (needs the zone-key flag, no "
			       "REVOKE, protocol 3)",
			       rec->file, rec->line, flags, rec->rdata[2]);
			return c->ret = OD_EINVAL;
		}
	}
	ta_zone_t *z = get_zone(c->ta, rec->owner);
	if (!z)
		return c->ret = OD_ENOMEM;
	c->added++;
	if (has_entry(z, rec->type, rec->rdata, rec->rdlen))
		return 0;
	int ret = add_key(z, rec->type, rec->rdata, rec->rdlen, ODR_TA_VALID,
	                  c->now);
	if (ret < 0) {
		seterr(c->err, c->errlen, "%s: %s", rec->file,
		       od_strerror(ret));
		return c->ret = ret;
	}
	return 0;
}

int odr_ta_add(odr_ta_t *ta, const uint8_t *zone, uint16_t type,
               const uint8_t *rdata, uint16_t rdlen, int64_t now)
{
	if ((type != OD_TYPE_DS && type != OD_TYPE_DNSKEY) || rdlen < 4)
		return OD_EINVAL;
	if (type == OD_TYPE_DNSKEY) {
		uint16_t flags = (uint16_t)(rdata[0] << 8 | rdata[1]);
		if (!(flags & OD_DNSKEY_ZONE) || (flags & OD_DNSKEY_REVOKE) ||
		    rdata[2] != 3)
			return OD_EINVAL;
	}
	ta_zone_t *z = get_zone(ta, zone);
	if (z == NULL)
		return OD_ENOMEM;
	if (has_entry(z, type, rdata, rdlen))
		return 0;
	return add_key(z, type, rdata, rdlen, ODR_TA_VALID, now);
}

static int load_err(const od_zerr_t *e, void *arg)
{
	load_ctx_t *c = arg;
	seterr(c->err, c->errlen, "%s:%u:%u: %s", e->file, e->line, e->col,
	       e->msg);
	c->ret = e->code < 0 ? e->code : OD_ESYNTAX;
	return 1;
}

int odr_ta_load_file(odr_ta_t *ta, const char *path, int64_t now, char *err,
                     size_t errlen)
{
	load_ctx_t c = { .ta = ta, .now = now, .err = err, .errlen = errlen };
	if (err && errlen)
		err[0] = 0;
	od_zopts_t o = {
		.origin = (const uint8_t *)"",
		.on_rec = load_rec,
		.on_err = load_err,
		.ctx = &c,
	};
	int ret = od_zscan_file(path, &o, NULL);
	if (c.ret < 0)
		return c.ret;
	if (ret < 0) {
		if (err && errlen && !err[0])
			seterr(err, errlen, "%s: %s", path, od_strerror(ret));
		return ret;
	}
	if (ret > 0)
		return OD_ESYNTAX;
	if (c.added == 0) {
		seterr(err, errlen, "%s: no DS or DNSKEY record", path);
		return OD_EEMPTY;
	}
	return 0;
}

/* State file. */

static int format_state(const odr_ta_t *ta, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	if (!f)
		return OD_ENOMEM;
	int ret = 0;
	fputs("; onedot trust anchor state (RFC 5011)\n"
	      "; zone state first_seen last_seen changed type rdata\n",
	      f);
	for (size_t i = 0; i < ta->n && ret == 0; i++) {
		const ta_zone_t *z = &ta->zones[i];
		char name[OD_NAME_MAXLEN * 4 + 1];
		if (od_name_to_str(name, sizeof(name), z->name) < 0) {
			ret = OD_EINVAL;
			break;
		}
		for (size_t j = 0; j < z->n && ret == 0; j++) {
			const odr_ta_key_t *k = &z->keys[j];
			size_t cap = od_rdata_str_bound(k->rdlen);
			char *rd = malloc(cap);
			if (!rd) {
				ret = OD_ENOMEM;
				break;
			}
			if (od_rdata_to_str(k->type, k->rdata, k->rdlen, rd,
			                    cap) < 0)
				ret = OD_EINVAL;
			else
				fprintf(f, "%s %s %lld %lld %lld %s %s\n", name,
				        odr_ta_state_name(k->state),
				        (long long)k->first_seen,
				        (long long)k->last_seen,
				        (long long)k->changed,
				        k->type == OD_TYPE_DS ? "DS" : "DNSKEY",
				        rd);
			free(rd);
		}
	}
	if (fclose(f) != 0 && ret == 0)
		ret = OD_ENOMEM;
	if (ret < 0) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

static char *tmp_path(const char *path)
{
	size_t n = strlen(path);
	char *t = malloc(n + 5);
	if (t) {
		memcpy(t, path, n);
		memcpy(t + n, ".tmp", 5);
	}
	return t;
}

static int check_target(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		seterr(err, errlen, "cannot write %s: not a regular file",
		       path);
		return -EISDIR;
	}
	return 0;
}

int odr_ta_check_path(const char *path, char *err, size_t errlen)
{
	int ret = check_target(path, err, errlen);
	if (ret < 0)
		return ret;
	char *tmp = tmp_path(path);
	if (!tmp)
		return OD_ENOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		seterr(err, errlen, "cannot create %s: %s", tmp,
		       strerror(-ret));
	} else {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	return ret;
}

int odr_ta_save(const odr_ta_t *ta, const char *path, char *err, size_t errlen)
{
	int ret = check_target(path, err, errlen);
	if (ret < 0)
		return ret;
	char *text = NULL;
	size_t len = 0;
	char *tmp = tmp_path(path);
	if (!tmp)
		return OD_ENOMEM;
	ret = format_state(ta, &text, &len);
	if (ret < 0) {
		seterr(err, errlen, "cannot write %s: %s", path,
		       od_strerror(ret));
		goto out;
	}
	ret = od_file_replace(path, tmp, text, len, 0644, err, errlen);
out:
	free(text);
	free(tmp);
	return ret;
}

static bool parse_time(const od_tok_t *t, int64_t *out)
{
	int64_t v = 0;
	if (t->len == 0 || t->len > 18)
		return false;
	for (uint32_t i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return false;
		v = v * 10 + (t->s[i] - '0');
	}
	*out = v;
	return true;
}

static int parse_state(const od_tok_t *t)
{
	for (int s = ODR_TA_ADDPEND; s <= ODR_TA_REMOVED; s++)
		if (strlen(state_names[s]) == t->len &&
		    strncasecmp(state_names[s], t->s, t->len) == 0)
			return s;
	return -1;
}

#define STATE_MAXTOK 512

static int parse_line(odr_ta_t *ta, const char *line, size_t len,
                      const char *path, unsigned lineno, char *err,
                      size_t errlen, od_tok_t *toks, uint8_t *rd)
{
	int nt = od_tok_split(line, len, toks, STATE_MAXTOK);
	if (nt == 0)
		return 0;
	if (nt < 0) {
		seterr(err, errlen, "%s:%u: %s", path, lineno, od_strerror(nt));
		return nt;
	}
	if (nt < 7) {
		seterr(err, errlen,
		       "%s:%u: expected zone state first_seen last_seen "
		       "changed type rdata",
		       path, lineno);
		return OD_ESYNTAX;
	}
	uint8_t zone[OD_NAME_MAXLEN];
	int ret = od_name_from_str(zone, toks[0].s, toks[0].len, NULL);
	if (ret < 0) {
		seterr(err, errlen, "%s:%u: bad zone name '%.*s': %s", path,
		       lineno, (int)toks[0].len, toks[0].s, od_strerror(ret));
		return ret;
	}
	int state = parse_state(&toks[1]);
	if (state < 0) {
		seterr(err, errlen,
		       "%s:%u: unknown state '%.*s' (AddPend, Valid, Missing, "
		       "Revoked or Removed expected)",
		       path, lineno, (int)toks[1].len, toks[1].s);
		return OD_ESYNTAX;
	}
	int64_t t[3];
	for (int i = 0; i < 3; i++)
		if (!parse_time(&toks[2 + i], &t[i])) {
			seterr(err, errlen,
			       "%s:%u: bad time '%.*s' (seconds since the "
			       "epoch expected)",
			       path, lineno, (int)toks[2 + i].len,
			       toks[2 + i].s);
			return OD_ESYNTAX;
		}
	uint16_t type = 0;
	if (od_rrtype_from_str(toks[5].s, toks[5].len, &type) < 0 ||
	    (type != OD_TYPE_DS && type != OD_TYPE_DNSKEY)) {
		seterr(err, errlen, "%s:%u: type '%.*s' is not DS or DNSKEY",
		       path, lineno, (int)toks[5].len, toks[5].s);
		return OD_ETYPE;
	}
	od_rdata_diag_t diag = { 0 };
	int rdlen = od_rdata_from_text(type, toks + 6, (size_t)nt - 6, NULL, rd,
	                               OD_RDATA_MAXLEN, &diag);
	if (rdlen < 4) {
		ret = rdlen < 0 ? rdlen : OD_EMALF;
		seterr(err, errlen, "%s:%u: bad %s RDATA: %s (%s expected)",
		       path, lineno, type == OD_TYPE_DS ? "DS" : "DNSKEY",
		       od_strerror(ret),
		       diag.expected ? diag.expected : "valid data");
		return ret;
	}
	ta_zone_t *z = get_zone(ta, zone);
	if (!z || add_key(z, type, rd, (uint16_t)rdlen, (odr_ta_state_t)state,
	                  t[0]) < 0) {
		seterr(err, errlen, "%s: out of memory", path);
		return OD_ENOMEM;
	}
	odr_ta_key_t *k = &z->keys[z->n - 1];
	k->last_seen = t[1];
	k->changed = t[2];
	return 0;
}

int odr_ta_load_state(odr_ta_t **out, const char *path, char *err,
                      size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int ret = -errno;
		seterr(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	odr_ta_t *ta = odr_ta_new();
	od_tok_t *toks = malloc(STATE_MAXTOK * sizeof(*toks));
	uint8_t *rd = malloc(OD_RDATA_MAXLEN);
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;
	if (!ta || !toks || !rd) {
		ret = OD_ENOMEM;
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	unsigned lineno = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		size_t i = 0;
		while (i < (size_t)n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == (size_t)n || line[i] == '#' || line[i] == ';' ||
		    line[i] == '\n')
			continue;
		ret = parse_line(ta, line, (size_t)n, path, lineno, err, errlen,
		                 toks, rd);
		if (ret < 0)
			goto out;
	}
	if (ferror(f)) {
		ret = -EIO;
		seterr(err, errlen, "cannot read %s: %s", path, strerror(EIO));
	}
out:
	fclose(f);
	free(line);
	free(toks);
	free(rd);
	if (ret < 0) {
		odr_ta_free(ta);
		return ret;
	}
	*out = ta;
	return 0;
}
