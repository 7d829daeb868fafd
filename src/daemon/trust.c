/* SPDX-License-Identifier: MIT */
#include "daemon/trust.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/dnssec/key.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "resolve/ta.h"

/* Warnings about state that needs an operator repeat this often. */
#define WARN_INTERVAL 86400
/* RFC 8145 §5.1: "_ta-" and 4 hex digits per tag in one label (63). */
#define KEYTAG_QUERY_MAX 12
/* Name buffer for logs. */
#define NAME_STR (OD_NAME_MAXLEN * 4 + 1)

/* Refresh bookkeeping of one anchored zone (zones never change while
   the daemon runs: the store's zone list is fixed at start). */
typedef struct zref {
	uint8_t name[OD_NAME_MAXLEN];
	bool busy;         /* a DNSKEY refresh query is running */
	int64_t launched;  /* odr_ta_next_refresh when it was started */
	uint32_t orig_ttl; /* of the last validated RRset (0: unknown) */
} zref_t;

/* A published snapshot; the arrays and names follow in one block. */
typedef struct snap {
	struct snap *prev; /* older snapshots, freed at the end */
	odr_trust_t t;
} snap_t;

/* One internal query started by the tick. */
typedef struct job {
	odd_trust_t *t;
	size_t zone;
	bool keytag; /* the RFC 8145 query: nothing to do with its answer */
	uint8_t qname[OD_NAME_MAXLEN];
	uint16_t qtype;
} job_t;

struct odd_trust {
	pthread_mutex_t lock;
	odr_ta_t *ta;
	char *path; /* the state file */
	bool read_only;
	zref_t *zones; /* owned; one per zone of ta, same order */
	size_t nzones;
	odd_nta_t *ntas; /* owned */
	size_t nntas;
	snap_t *snaps;    /* owned: the current one first */
	odr_env_t **envs; /* attached (not owned) */
	size_t nenvs;
	int64_t next_warn;
	size_t stuck;
	bool save_failed;
	int64_t last_saved;
	char reason[512];
};

int64_t odd_trust_wall(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static void name_str(const uint8_t *name, char *out)
{
	if (od_name_to_str(out, NAME_STR, name) < 0)
		snprintf(out, NAME_STR, "?");
}

/* Snapshots ------------------------------------------------------------ */

static bool nta_live(const odd_nta_t *n, int64_t now)
{
	return n->expires == 0 || n->expires > now;
}

/* Build a snapshot of the trusted keys and live NTAs (lock held). */
static snap_t *snap_build(odd_trust_t *t, int64_t now)
{
	size_t nanch = 0, nnta = 0, data = 0;
	const uint8_t *zone;
	size_t nz = odr_ta_zone(t->ta, 0, &zone);
	const odr_ta_key_t **keys = NULL;
	size_t kcap = 0;
	for (size_t i = 0; i < nz; i++) {
		odr_ta_zone(t->ta, i, &zone);
		size_t n = odr_ta_trusted(t->ta, zone, NULL, 0);
		if (n > kcap)
			kcap = n;
		if (n == 0)
			continue;
		nanch += n;
		data += od_name_len(zone);
	}
	for (size_t i = 0; i < t->nntas; i++)
		if (nta_live(&t->ntas[i], now)) {
			nnta++;
			data += od_name_len(t->ntas[i].name);
		}
	keys = calloc(kcap ? kcap : 1, sizeof(*keys));
	if (keys == NULL)
		return NULL;
	/* Key RDATA: counted in a second pass, with the keys at hand. */
	for (size_t i = 0; i < nz; i++) {
		odr_ta_zone(t->ta, i, &zone);
		size_t n = odr_ta_trusted(t->ta, zone, keys, kcap);
		for (size_t j = 0; j < n; j++)
			data += keys[j]->rdlen;
	}
	size_t size = sizeof(snap_t) + nanch * sizeof(odr_anchor_t) +
	              nnta * sizeof(odr_nta_t) + data;
	snap_t *s = calloc(1, size);
	if (s == NULL) {
		free(keys);
		return NULL;
	}
	odr_anchor_t *anch = (odr_anchor_t *)(s + 1);
	odr_nta_t *ntas = (odr_nta_t *)(anch + nanch);
	uint8_t *p = (uint8_t *)(ntas + nnta);
	size_t a = 0;
	for (size_t i = 0; i < nz; i++) {
		odr_ta_zone(t->ta, i, &zone);
		size_t n = odr_ta_trusted(t->ta, zone, keys, kcap);
		if (n == 0)
			continue;
		const uint8_t *zcopy = p;
		p += od_name_copy(p, zone);
		for (size_t j = 0; j < n; j++) {
			memcpy(p, keys[j]->rdata, keys[j]->rdlen);
			anch[a++] = (odr_anchor_t){ .zone = zcopy,
				                    .type = keys[j]->type,
				                    .rdata = p,
				                    .rdlen = keys[j]->rdlen };
			p += keys[j]->rdlen;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < t->nntas; i++) {
		if (!nta_live(&t->ntas[i], now))
			continue;
		ntas[k].zone = p;
		ntas[k].expires = t->ntas[i].expires;
		p += od_name_copy(p, t->ntas[i].name);
		k++;
	}
	free(keys);
	s->t = (odr_trust_t){
		.anchors = anch, .nanchors = nanch, .ntas = ntas, .nntas = nnta
	};
	return s;
}

/* Make a new snapshot current everywhere (lock held). On ENOMEM the old
   one stays (it is still consistent, only older). */
static int publish(odd_trust_t *t, int64_t now)
{
	snap_t *s = snap_build(t, now);
	if (s == NULL) {
		od_log_error("cannot publish the trust anchors: the previous "
		             "ones stay in use",
		             "error=\"%s\"", od_strerror(OD_ENOMEM));
		return OD_ENOMEM;
	}
	s->prev = t->snaps;
	t->snaps = s;
	for (size_t i = 0; i < t->nenvs; i++)
		atomic_store(&t->envs[i]->trust, &s->t);
	return 0;
}

/* Saving and warnings --------------------------------------------------- */

static void save(odd_trust_t *t, int64_t now)
{
	char err[400];
	if (t->read_only)
		return;
	int r = odr_ta_save(t->ta, t->path, err, sizeof(err));
	if (r < 0) {
		od_log_error("cannot save the trust anchor state",
		             "path=%s error=\"%s\"", t->path, err);
		t->save_failed = true;
		snprintf(t->reason, sizeof(t->reason), "%s", err);
		return;
	}
	t->save_failed = false;
	t->reason[0] = '\0';
	t->last_saved = now;
}

/* The warnings of start, repeated daily (lock held). */
static void warn_state(odd_trust_t *t, int64_t now)
{
	if (t->read_only)
		od_log_warn("trust anchor state is not saved "
		            "(trust-anchor-read-only): RFC 5011 key updates "
		            "are lost at restart",
		            "path=%s", t->path);
	else if (t->save_failed)
		od_log_warn("trust anchor state is not saved: the last save "
		            "failed",
		            "path=%s error=\"%s\"", t->path, t->reason);
	odr_ta_ref_t refs[16];
	size_t n = odr_ta_stuck(t->ta, now, refs, 16);
	t->stuck = n;
	for (size_t i = 0; i < n && i < 16; i++) {
		char z[NAME_STR];
		name_str(refs[i].zone, z);
		od_log_warn("trust anchor key stuck in AddPend beyond the "
		            "hold-down: its DNSKEY refreshes do not validate",
		            "zone=%s tag=%u first-seen=%lld", z,
		            refs[i].key->tag,
		            (long long)refs[i].key->first_seen);
	}
	t->next_warn = now + WARN_INTERVAL;
}

/* Start ----------------------------------------------------------------- */

static char *join_path(const char *dir, const char *file)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	size_t len = n + 1 + strlen(file) + 1;
	char *p = malloc(len);
	if (p)
		snprintf(p, len, "%.*s/%s", (int)n, dir, file);
	return p;
}

/* The state directory exists, or is created (mode 0750: the state is
   not secret, but nobody else needs it). Its parent must exist. */
static int ensure_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (errno == ENOENT && mkdir(dir, 0750) == 0) {
		od_log_info("created the state directory", "path=%s", dir);
		return 0;
	}
	int r = -errno;
	snprintf(err, errlen, "cannot create directory %s: %s", dir,
	         strerror(-r));
	return r;
}

static bool has_zone(const odr_ta_t *ta, const uint8_t *zone)
{
	const uint8_t *z;
	size_t n = odr_ta_zone(ta, 0, &z);
	for (size_t i = 0; i < n; i++) {
		odr_ta_zone(ta, i, &z);
		if (od_name_equal(z, zone))
			return true;
	}
	return false;
}

/* Does the state st know each of the configured keys of zone (the same
   record, or a DNSKEY a configured DS designates)? */
static bool all_known(const odr_ta_t *st, const uint8_t *zone,
                      const odr_ta_key_t *const *cfg, size_t n)
{
	const odr_ta_key_t *keys[64];
	size_t m = odr_ta_keys(st, zone, keys, 64);
	if (m > 64)
		m = 64;
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < m && !found; j++) {
			const odr_ta_key_t *k = keys[j];
			if (k->type == cfg[i]->type)
				found = k->rdlen == cfg[i]->rdlen &&
				        memcmp(k->rdata, cfg[i]->rdata,
				               k->rdlen) == 0;
			else if (cfg[i]->type == OD_TYPE_DS)
				found = od_ds_match(zone, cfg[i]->rdata,
				                    cfg[i]->rdlen, k->rdata,
				                    k->rdlen) == 1;
		}
		if (!found)
			return false;
	}
	return true;
}

/* Add the configured anchors of the zones the state file does not hold
 * to st. */
static int merge_configured(odr_ta_t *st, const odr_ta_t *cfg, int64_t now,
                            size_t *added, char *err, size_t errlen)
{
	const uint8_t *zone;
	size_t nz = odr_ta_zone(cfg, 0, &zone);
	*added = 0;
	for (size_t i = 0; i < nz; i++) {
		odr_ta_zone(cfg, i, &zone);
		const odr_ta_key_t *keys[64];
		size_t n = odr_ta_trusted(cfg, zone, keys, 64);
		char z[NAME_STR];
		name_str(zone, z);
		if (has_zone(st, zone)) {
			if (!all_known(st, zone, keys, n < 64 ? n : 64))
				od_log_warn(
				        "configured trust anchors differ "
				        "from the state file, which wins for "
				        "this zone (remove the state file to "
				        "start from the configured ones)",
				        "zone=%s", z);
			continue;
		}
		for (size_t j = 0; j < n && j < 64; j++) {
			int r = odr_ta_add(st, zone, keys[j]->type,
			                   keys[j]->rdata, keys[j]->rdlen, now);
			if (r < 0) {
				if (err && errlen)
					snprintf(err, errlen,
					         "cannot add the configured "
					         "trust anchors of %.255s to "
					         "the state: %s",
					         z, od_strerror(r));
				return r;
			}
			(*added)++;
		}
	}
	return 0;
}

static void log_anchors(odd_trust_t *t, const char *source)
{
	const uint8_t *zone;
	size_t nz = odr_ta_zone(t->ta, 0, &zone);
	for (size_t i = 0; i < nz; i++) {
		odr_ta_zone(t->ta, i, &zone);
		const odr_ta_key_t *keys[32];
		size_t n = odr_ta_keys(t->ta, zone, keys, 32);
		char z[NAME_STR], list[32 * 24] = "";
		size_t off = 0;
		name_str(zone, z);
		for (size_t j = 0; j < n && j < 32; j++)
			off += (size_t)snprintf(
			        list + off, sizeof(list) - off, "%s%u/%s/%s",
			        j ? "," : "", keys[j]->tag,
			        keys[j]->type == OD_TYPE_DS ? "DS" : "DNSKEY",
			        odr_ta_state_name(keys[j]->state));
		od_log_info("trust anchor", "zone=%s keys=%s source=%s", z,
		            list, source);
	}
}

int odd_trust_open(odd_trust_t **out, const odd_conf_t *conf, bool check_only,
                   char *err, size_t errlen)
{
	int64_t now = odd_trust_wall(NULL);
	const char *dir = conf->state_dir ? conf->state_dir
	                                  : ODD_STATE_DIR_DEFAULT;
	char e[400] = "";
	odr_ta_t *cfg = NULL, *st = NULL;
	const char *source;
	int r;
	odd_trust_t *t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	pthread_mutex_init(&t->lock, NULL);
	t->read_only = conf->ta_read_only;
	t->path = join_path(dir, ODD_TA_STATE_FILE);
	if (t->path == NULL)
		goto nomem;

	if (conf->trust_anchor) {
		cfg = odr_ta_new();
		if (cfg == NULL)
			goto nomem;
		r = odr_ta_load_file(cfg, conf->trust_anchor, now, e,
		                     sizeof(e));
		if (r < 0) {
			snprintf(err, errlen, "trust anchor: %s", e);
			goto fail;
		}
		source = conf->trust_anchor;
	} else {
		cfg = odr_ta_new_builtin();
		if (cfg == NULL)
			goto nomem;
		source = "built-in";
	}

	bool dir_ok = true;
	if (!check_only && (r = ensure_dir(dir, e, sizeof(e))) < 0) {
		if (!t->read_only) {
			snprintf(err, errlen,
			         "trust anchor state file %s cannot be "
			         "written: %s (trust-anchor-read-only: true "
			         "runs without saving it)",
			         t->path, e);
			goto fail;
		}
		dir_ok = false;
		od_log_warn("trust anchor state directory unusable",
		            "error=\"%s\"", e);
	}
	r = odr_ta_load_state(&st, t->path, e, sizeof(e));
	if (r == -ENOENT || r == -ENOTDIR) {
		t->ta = cfg;
		cfg = NULL;
	} else if (r < 0) {
		snprintf(err, errlen, "trust anchor state: %s", e);
		goto fail;
	} else {
		size_t added;
		r = merge_configured(st, cfg, now, &added, e, sizeof(e));
		if (r < 0) {
			snprintf(err, errlen, "%s", e);
			odr_ta_free(st);
			goto fail;
		}
		t->ta = st;
		source = added ? "state file and configuration" : "state file";
	}
	odr_ta_set_holddown(t->ta, conf->ta_holddown, conf->ta_holddown);

	const uint8_t *zone;
	t->nzones = odr_ta_zone(t->ta, 0, &zone);
	t->zones = calloc(t->nzones ? t->nzones : 1, sizeof(*t->zones));
	if (t->zones == NULL)
		goto nomem;
	for (size_t i = 0; i < t->nzones; i++) {
		odr_ta_zone(t->ta, i, &zone);
		od_name_copy(t->zones[i].name, zone);
	}
	for (size_t i = 0; i < conf->nntas; i++) {
		const odd_nta_conf_t *c = &conf->ntas[i];
		int64_t exp = c->duration ? now + c->duration : 0;
		size_t j = 0;
		while (j < t->nntas && !od_name_equal(t->ntas[j].name, c->name))
			j++;
		if (j == t->nntas) {
			odd_nta_t *v =
			        realloc(t->ntas, (t->nntas + 1) * sizeof(*v));
			if (v == NULL)
				goto nomem;
			t->ntas = v;
			t->nntas++;
		}
		od_name_copy(t->ntas[j].name, c->name);
		t->ntas[j].expires = exp;
		t->ntas[j].from_conf = true;
	}
	if (check_only) {
		*out = t;
		return 0;
	}

	if (!t->read_only) {
		if (odr_ta_check_path(t->path, e, sizeof(e)) < 0) {
			snprintf(err, errlen,
			         "trust anchor state file %s cannot be "
			         "written: %s (trust-anchor-read-only: true "
			         "runs without saving it)",
			         t->path, e);
			goto fail;
		}
		if (odr_ta_save(t->ta, t->path, e, sizeof(e)) < 0) {
			snprintf(err, errlen,
			         "trust anchor state file %s cannot be "
			         "written: %s",
			         t->path, e);
			goto fail;
		}
		t->last_saved = now;
	} else if (dir_ok) {
		snprintf(t->reason, sizeof(t->reason),
		         "trust-anchor-read-only");
	} else {
		snprintf(t->reason, sizeof(t->reason),
		         "trust-anchor-read-only; %s", e);
	}
	log_anchors(t, source);
	for (size_t i = 0; i < t->nntas; i++) {
		char z[NAME_STR];
		name_str(t->ntas[i].name, z);
		od_log_info("negative trust anchor", "zone=%s expires=%lld", z,
		            (long long)t->ntas[i].expires);
	}
	warn_state(t, now);
	if (publish(t, now) < 0)
		goto nomem;
	odr_ta_free(cfg);
	*out = t;
	return 0;
nomem:
	snprintf(err, errlen, "trust anchors: %s", od_strerror(OD_ENOMEM));
fail:
	odr_ta_free(cfg);
	odd_trust_free(t);
	return OD_EINVAL;
}

void odd_trust_free(odd_trust_t *t)
{
	if (t == NULL)
		return;
	for (snap_t *s = t->snaps, *prev; s; s = prev) {
		prev = s->prev;
		free(s);
	}
	odr_ta_free(t->ta);
	free(t->path);
	free(t->zones);
	free(t->ntas);
	free(t->envs);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* RFC 5011 updates ------------------------------------------------------ */

/* A key as it was before an update, for the log of transitions. */
typedef struct kcopy {
	odr_ta_state_t state;
	uint16_t type, tag;
	uint8_t *rdata; /* owned */
	uint16_t rdlen;
	bool matched;
} kcopy_t;

static void kcopies_free(kcopy_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].rdata);
	free(v);
}

/* Copies of zone's keys (lock held); NULL with *n 0 for none. */
static int kcopies(const odr_ta_t *ta, const uint8_t *zone, kcopy_t **out,
                   size_t *n)
{
	size_t cnt = odr_ta_keys(ta, zone, NULL, 0);
	*out = NULL;
	*n = 0;
	if (cnt == 0)
		return 0;
	const odr_ta_key_t **keys = calloc(cnt, sizeof(*keys));
	kcopy_t *v = calloc(cnt, sizeof(*v));
	if (keys == NULL || v == NULL)
		goto nomem;
	odr_ta_keys(ta, zone, keys, cnt);
	for (size_t i = 0; i < cnt; i++) {
		v[i] = (kcopy_t){ .state = keys[i]->state,
			          .type = keys[i]->type,
			          .tag = keys[i]->tag,
			          .rdlen = keys[i]->rdlen };
		v[i].rdata = malloc(keys[i]->rdlen ? keys[i]->rdlen : 1);
		if (v[i].rdata == NULL) {
			kcopies_free(v, i);
			v = NULL;
			goto nomem;
		}
		memcpy(v[i].rdata, keys[i]->rdata, keys[i]->rdlen);
	}
	free(keys);
	*out = v;
	*n = cnt;
	return 0;
nomem:
	free(keys);
	free(v);
	return OD_ENOMEM;
}

static bool trusted_state(odr_ta_state_t s)
{
	return s == ODR_TA_VALID || s == ODR_TA_MISSING;
}

/* Is the old entry a the same key as the new entry b? The REVOKE bit is
   ignored (RFC 5011 §2.1), and a DS becomes the DNSKEY it designates. */
static bool same_key(const uint8_t *zone, const kcopy_t *a,
                     const odr_ta_key_t *b)
{
	if (a->type == OD_TYPE_DS && b->type == OD_TYPE_DS)
		return a->rdlen == b->rdlen &&
		       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
	if (b->type != OD_TYPE_DNSKEY || b->rdlen < 4)
		return false;
	uint8_t base[OD_RDATA_MAXLEN];
	memcpy(base, b->rdata, b->rdlen);
	base[1] &= (uint8_t) ~(OD_DNSKEY_REVOKE & 0xff);
	if (a->type == OD_TYPE_DS)
		return od_ds_match(zone, a->rdata, a->rdlen, base, b->rdlen) ==
		       1;
	return a->rdlen == b->rdlen && a->rdlen >= 4 &&
	       a->rdata[0] == base[0] &&
	       (a->rdata[1] & (uint8_t) ~(OD_DNSKEY_REVOKE & 0xff)) ==
	               base[1] &&
	       memcmp(a->rdata + 2, base + 2, a->rdlen - 2) == 0;
}

/*
 * Log every state change of zone's keys between before and now (lock
 * held). \return true when the trusted keys changed (a new snapshot is
 * needed).
 */
static bool log_changes(odd_trust_t *t, const uint8_t *zone, kcopy_t *before,
                        size_t nb)
{
	char z[NAME_STR];
	name_str(zone, z);
	bool changed = false;
	size_t cnt = odr_ta_keys(t->ta, zone, NULL, 0);
	const odr_ta_key_t **keys = calloc(cnt ? cnt : 1, sizeof(*keys));
	if (keys == NULL)
		return true; /* cannot tell: publish to be safe */
	odr_ta_keys(t->ta, zone, keys, cnt);
	for (size_t i = 0; i < cnt; i++) {
		const odr_ta_key_t *k = keys[i];
		kcopy_t *old = NULL;
		for (size_t j = 0; j < nb && !old; j++)
			if (!before[j].matched && same_key(zone, &before[j], k))
				old = &before[j];
		if (old)
			old->matched = true;
		const char *from = old ? odr_ta_state_name(old->state)
		                       : "Start";
		bool was_trusted = old && trusted_state(old->state);
		bool rd_changed = old &&
		                  (old->type != k->type ||
		                   old->rdlen != k->rdlen ||
		                   memcmp(old->rdata, k->rdata, k->rdlen) != 0);
		if (was_trusted != trusted_state(k->state) ||
		    (trusted_state(k->state) && rd_changed))
			changed = true;
		if (old && old->state == k->state) {
			if (old->type != k->type)
				od_log_info("trust anchor DS replaced by the "
				            "DNSKEY it designates",
				            "zone=%s tag=%u state=%s", z,
				            k->tag,
				            odr_ta_state_name(k->state));
			continue;
		}
		od_log(k->state == ODR_TA_VALID || k->state == ODR_TA_ADDPEND
		               ? OD_LOG_INFO
		               : OD_LOG_WARN,
		       "trust anchor key state changed",
		       "zone=%s tag=%u old=%s new=%s", z, k->tag, from,
		       odr_ta_state_name(k->state));
	}
	for (size_t j = 0; j < nb; j++) {
		if (before[j].matched)
			continue;
		if (trusted_state(before[j].state))
			changed = true;
		od_log_info("trust anchor key state changed",
		            "zone=%s tag=%u old=%s new=Start", z, before[j].tag,
		            odr_ta_state_name(before[j].state));
	}
	free(keys);
	return changed;
}

static zref_t *find_zref(odd_trust_t *t, const uint8_t *zone)
{
	for (size_t i = 0; i < t->nzones; i++)
		if (od_name_equal(t->zones[i].name, zone))
			return &t->zones[i];
	return NULL;
}

/* odr_env_t.ta_seen: a validated DNSKEY RRset of an anchored zone. */
static void on_seen(void *ctx, const odr_ta_seen_t *seen)
{
	odd_trust_t *t = ctx;
	odr_ta_dnskey_t *in = calloc(seen->n ? seen->n : 1, sizeof(*in));
	if (in == NULL) {
		od_log_error("trust anchor update lost", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		return;
	}
	for (size_t i = 0; i < seen->n; i++)
		in[i] = (odr_ta_dnskey_t){ .rdata = seen->rdata[i],
			                   .rdlen = seen->rdlen[i],
			                   .self_signed =
			                           seen->self_signed[i] };
	odr_ta_rrset_t set = { .keys = in,
		               .n = seen->n,
		               .orig_ttl = seen->orig_ttl,
		               .sig_expire = seen->sig_expire,
		               .validated = true };
	char z[NAME_STR];
	name_str(seen->zone, z);
	pthread_mutex_lock(&t->lock);
	int64_t now = odd_trust_wall(t);
	zref_t *zr = find_zref(t, seen->zone);
	kcopy_t *before = NULL;
	size_t nb = 0;
	if (zr == NULL) {
		od_log_debug("DNSKEY set of a zone without trust anchor "
		             "ignored",
		             "zone=%s", z);
		goto out;
	}
	if (kcopies(t->ta, zr->name, &before, &nb) < 0) {
		od_log_error("trust anchor update lost", "zone=%s error=\"%s\"",
		             z, od_strerror(OD_ENOMEM));
		goto out;
	}
	int r = odr_ta_update(t->ta, zr->name, &set, now);
	if (r < 0) {
		od_log_error("trust anchor update failed",
		             "zone=%s error=\"%s\"", z, od_strerror(r));
		/* ENOMEM may leave some keys changed: publish what is in
		   use, keep the state file as it was. */
		if (r == OD_ENOMEM && log_changes(t, zr->name, before, nb))
			publish(t, now);
		goto out;
	}
	zr->orig_ttl = seen->orig_ttl;
	od_log_debug("trust anchor DNSKEY set validated",
	             "zone=%s keys=%zu changes=%d next-refresh=%lld", z,
	             seen->n, r,
	             (long long)odr_ta_next_refresh(t->ta, zr->name));
	if (log_changes(t, zr->name, before, nb))
		publish(t, now);
	/* Every validated set moves last_seen: saved each time. */
	save(t, now);
out:
	pthread_mutex_unlock(&t->lock);
	kcopies_free(before, nb);
	free(in);
}

/* Refreshes ------------------------------------------------------------- */

static void job_done(void *arg, const odr_req_t *r)
{
	job_t *j = arg;
	odd_trust_t *t = j->t;
	char z[NAME_STR];
	odr_req_info_t info = { .rcode = 0xffff };
	if (r)
		odr_req_info(r, &info);
	if (j->keytag) {
		name_str(j->qname, z);
		od_log_debug("key-tag query done", "qname=%s rcode=%d", z,
		             r ? (int)info.rcode : -1);
		free(j);
		return;
	}
	pthread_mutex_lock(&t->lock);
	zref_t *zr = &t->zones[j->zone];
	zr->busy = false;
	name_str(zr->name, z);
	if (odr_ta_next_refresh(t->ta, zr->name) == zr->launched) {
		/* No validated set came back (odr_ta_update would have
		   moved the schedule): retry at the failure interval. */
		odr_ta_rrset_t set = { .orig_ttl = zr->orig_ttl,
			               .validated = false };
		int64_t now = odd_trust_wall(t);
		(void)odr_ta_update(t->ta, zr->name, &set, now);
		int64_t next = odr_ta_next_refresh(t->ta, zr->name);
		if (r)
			od_log_warn(
			        "trust anchor refresh did not validate",
			        "zone=%s rcode=%u reason=\"%s\" retry-in=%llds",
			        z, info.rcode, info.fail ? info.fail : "",
			        (long long)(next - now));
		else
			od_log_debug("trust anchor refresh not run",
			             "zone=%s retry-in=%llds", z,
			             (long long)(next - now));
	}
	pthread_mutex_unlock(&t->lock);
	free(j);
}

/* Lower-case "_ta-XXXX-YYYY." in wire form (RFC 8145 §5.1); 0 when
   there are no trusted tags. */
static size_t keytag_qname(const odr_ta_t *ta, uint8_t *out)
{
	uint16_t tags[KEYTAG_QUERY_MAX];
	size_t n =
	        odr_ta_keytags(ta, (const uint8_t *)"", tags, KEYTAG_QUERY_MAX);
	if (n == 0)
		return 0;
	if (n > KEYTAG_QUERY_MAX)
		n = KEYTAG_QUERY_MAX;
	char label[64] = "_ta";
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(label + len, sizeof(label) - len,
		                        "-%04x", tags[i]);
	out[0] = (uint8_t)len;
	memcpy(out + 1, label, len);
	out[len + 1] = 0;
	return len + 2;
}

void odd_trust_tick(odd_trust_t *t, odd_trust_launch_fn launch, void *ctx)
{
	job_t **jobs = NULL;
	size_t njobs = 0;
	pthread_mutex_lock(&t->lock);
	int64_t now = odd_trust_wall(t);
	bool expired = false;
	for (size_t i = 0; i < t->nntas;) {
		if (nta_live(&t->ntas[i], now)) {
			i++;
			continue;
		}
		char z[NAME_STR];
		name_str(t->ntas[i].name, z);
		od_log_info("negative trust anchor expired", "zone=%s", z);
		memmove(&t->ntas[i], &t->ntas[i + 1],
		        (t->nntas - i - 1) * sizeof(t->ntas[0]));
		t->nntas--;
		expired = true;
	}
	if (expired)
		publish(t, now);
	if (now >= t->next_warn)
		warn_state(t, now);
	jobs = calloc(2 * t->nzones + 1, sizeof(*jobs));
	for (size_t i = 0; jobs && i < t->nzones; i++) {
		zref_t *zr = &t->zones[i];
		int64_t next = odr_ta_next_refresh(t->ta, zr->name);
		if (zr->busy || next > now)
			continue;
		job_t *j = calloc(1, sizeof(*j));
		if (j == NULL)
			break;
		*j = (job_t){ .t = t, .zone = i, .qtype = OD_TYPE_DNSKEY };
		od_name_copy(j->qname, zr->name);
		zr->busy = true;
		zr->launched = next;
		jobs[njobs++] = j;
		if (!od_name_is_root(zr->name))
			continue;
		job_t *k = calloc(1, sizeof(*k));
		if (k == NULL)
			continue;
		*k = (job_t){ .t = t, .keytag = true, .qtype = OD_TYPE_NULL };
		if (keytag_qname(t->ta, k->qname) == 0) {
			free(k);
			continue;
		}
		jobs[njobs++] = k;
	}
	pthread_mutex_unlock(&t->lock);
	/* Outside the lock: a query may end at once and call job_done. */
	for (size_t i = 0; i < njobs; i++) {
		if (!jobs[i]->keytag) {
			char z[NAME_STR];
			name_str(jobs[i]->qname, z);
			od_log_debug("trust anchor refresh", "zone=%s", z);
		}
		if (launch(ctx, jobs[i]->qname, jobs[i]->qtype, job_done,
		           jobs[i]) < 0)
			job_done(jobs[i], NULL);
	}
	free(jobs);
}

/* NTAs and status ------------------------------------------------------- */

int odd_trust_nta_add(odd_trust_t *t, const uint8_t *name, int64_t expires)
{
	if (od_name_is_root(name))
		return OD_EINVAL;
	pthread_mutex_lock(&t->lock);
	int r = 0;
	size_t j = 0;
	while (j < t->nntas && !od_name_equal(t->ntas[j].name, name))
		j++;
	odd_nta_t old = { 0 };
	bool existed = j < t->nntas;
	if (existed) {
		old = t->ntas[j];
	} else {
		odd_nta_t *v = realloc(t->ntas, (t->nntas + 1) * sizeof(*v));
		if (v == NULL) {
			r = OD_ENOMEM;
			goto out;
		}
		t->ntas = v;
		t->nntas++;
	}
	od_name_copy(t->ntas[j].name, name);
	od_name_lower(t->ntas[j].name);
	t->ntas[j].expires = expires;
	/* The operator's now: a reload leaves it alone. */
	t->ntas[j].from_conf = false;
	r = publish(t, odd_trust_wall(t));
	if (r < 0) {
		if (existed)
			t->ntas[j] = old;
		else
			t->nntas--;
		goto out;
	}
	char z[NAME_STR];
	name_str(t->ntas[j].name, z);
	od_log_info("negative trust anchor added", "zone=%s expires=%lld", z,
	            (long long)expires);
out:
	pthread_mutex_unlock(&t->lock);
	return r;
}

int odd_trust_nta_remove(odd_trust_t *t, const uint8_t *name)
{
	pthread_mutex_lock(&t->lock);
	int r = -ENOENT;
	for (size_t j = 0; j < t->nntas; j++) {
		if (!od_name_equal(t->ntas[j].name, name))
			continue;
		odd_nta_t old = t->ntas[j];
		memmove(&t->ntas[j], &t->ntas[j + 1],
		        (t->nntas - j - 1) * sizeof(t->ntas[0]));
		t->nntas--;
		r = publish(t, odd_trust_wall(t));
		if (r < 0) {
			memmove(&t->ntas[j + 1], &t->ntas[j],
			        (t->nntas - j) * sizeof(t->ntas[0]));
			t->ntas[j] = old;
			t->nntas++;
			break;
		}
		char z[NAME_STR];
		name_str(old.name, z);
		od_log_info("negative trust anchor removed", "zone=%s", z);
		break;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* Reload ---------------------------------------------------------------- */

int odd_trust_reconfigure_check(odd_trust_t *t, const odd_conf_t *conf,
                                char *err, size_t errlen)
{
	char e[400];
	int r = 0;
	pthread_mutex_lock(&t->lock);
	if (t->read_only && !conf->ta_read_only) {
		/* The file will be written from now on: it must be possible,
		   as at start. */
		const char *dir = conf->state_dir ? conf->state_dir
		                                  : ODD_STATE_DIR_DEFAULT;
		r = ensure_dir(dir, e, sizeof(e));
		if (r == 0)
			r = odr_ta_check_path(t->path, e, sizeof(e));
		if (r < 0)
			snprintf(err, errlen,
			         "trust-anchor-read-only: false: trust anchor "
			         "state file %s cannot be written: %s",
			         t->path, e);
	}
	pthread_mutex_unlock(&t->lock);
	return r < 0 ? r : 0;
}

/* The duration conf gives name (the last entry wins). \return false
   when conf has no NTA for name. */
static bool conf_nta(const odd_conf_t *c, const uint8_t *name, uint32_t *dur)
{
	bool found = false;
	for (size_t i = 0; c && i < c->nntas; i++) {
		if (od_name_equal(c->ntas[i].name, name)) {
			*dur = c->ntas[i].duration;
			found = true;
		}
	}
	return found;
}

int odd_trust_reconfigure(odd_trust_t *t, const odd_conf_t *old,
                          const odd_conf_t *conf)
{
	int r = 0;
	pthread_mutex_lock(&t->lock);
	int64_t now = odd_trust_wall(t);
	if (t->read_only != conf->ta_read_only) {
		t->read_only = conf->ta_read_only;
		if (t->read_only) {
			snprintf(t->reason, sizeof(t->reason),
			         "trust-anchor-read-only");
			warn_state(t, now);
		} else {
			t->reason[0] = '\0';
			save(t, now);
		}
	}
	odr_ta_set_holddown(t->ta, conf->ta_holddown, conf->ta_holddown);

	/* The new list is built aside: on failure nothing changed. */
	size_t cap = t->nntas + conf->nntas;
	odd_nta_t *v = calloc(cap ? cap : 1, sizeof(*v));
	if (v == NULL) {
		r = OD_ENOMEM;
		goto out;
	}
	size_t n = 0;
	bool changed = false;
	for (size_t i = 0; i < t->nntas; i++) {
		const odd_nta_t *x = &t->ntas[i];
		uint32_t d_old = 0, d_new = 0;
		if (x->from_conf &&
		    !(conf_nta(old, x->name, &d_old) &&
		      conf_nta(conf, x->name, &d_new) && d_old == d_new)) {
			char z[NAME_STR];
			name_str(x->name, z);
			if (!conf_nta(conf, x->name, &d_new))
				od_log_info("negative trust anchor removed",
				            "zone=%s source=configuration", z);
			changed = true;
			continue;
		}
		v[n++] = *x;
	}
	for (size_t i = 0; i < conf->nntas; i++) {
		const odd_nta_conf_t *c = &conf->ntas[i];
		uint32_t dur = 0;
		conf_nta(conf, c->name, &dur);
		if (dur != c->duration)
			continue; /* a later entry for the name wins */
		size_t j = 0;
		while (j < n && !od_name_equal(v[j].name, c->name))
			j++;
		if (j < n)
			continue; /* unchanged, or the operator's */
		uint32_t d_old = 0;
		if (conf_nta(old, c->name, &d_old) && d_old == dur) {
			/* Unchanged but gone: it expired, or the operator
			   removed it. */
			continue;
		}
		v[n] = (odd_nta_t){ .expires = dur ? now + dur : 0,
			            .from_conf = true };
		od_name_copy(v[n].name, c->name);
		char z[NAME_STR];
		name_str(c->name, z);
		od_log_info("negative trust anchor added",
		            "zone=%s expires=%lld source=configuration", z,
		            (long long)v[n].expires);
		n++;
		changed = true;
	}
	if (!changed) {
		free(v);
		goto out;
	}
	odd_nta_t *prev = t->ntas;
	size_t nprev = t->nntas;
	t->ntas = v;
	t->nntas = n;
	r = publish(t, now);
	if (r < 0) {
		t->ntas = prev;
		t->nntas = nprev;
		free(v);
		goto out;
	}
	free(prev);
out:
	pthread_mutex_unlock(&t->lock);
	return r;
}

size_t odd_trust_nta_list(odd_trust_t *t, odd_nta_t *out, size_t max)
{
	pthread_mutex_lock(&t->lock);
	int64_t now = odd_trust_wall(t);
	size_t n = 0;
	for (size_t i = 0; i < t->nntas; i++) {
		if (!nta_live(&t->ntas[i], now))
			continue;
		if (n < max)
			out[n] = t->ntas[i];
		n++;
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

void odd_trust_status(odd_trust_t *t, odd_trust_status_t *out)
{
	pthread_mutex_lock(&t->lock);
	*out = (odd_trust_status_t){ .read_only = t->read_only,
		                     .save_failed = t->save_failed,
		                     .stuck = t->stuck,
		                     .zones = t->nzones,
		                     .last_saved = t->last_saved };
	if (t->snaps) {
		out->trusted = t->snaps->t.nanchors;
		out->ntas = t->snaps->t.nntas;
	}
	snprintf(out->state_path, sizeof(out->state_path), "%s", t->path);
	snprintf(out->reason, sizeof(out->reason), "%s", t->reason);
	pthread_mutex_unlock(&t->lock);
}

size_t odd_trust_keys(odd_trust_t *t, odd_ta_key_info_t *out, size_t max)
{
	size_t total = 0;
	pthread_mutex_lock(&t->lock);
	const uint8_t *zone;
	size_t nz = odr_ta_zone(t->ta, 0, &zone);
	for (size_t i = 0; i < nz; i++) {
		odr_ta_zone(t->ta, i, &zone);
		size_t nk = odr_ta_keys(t->ta, zone, NULL, 0);
		const odr_ta_key_t **keys = nk ? calloc(nk, sizeof(*keys))
		                               : NULL;
		if (keys == NULL) {
			total += nk;
			continue;
		}
		odr_ta_keys(t->ta, zone, keys, nk);
		for (size_t k = 0; k < nk; k++, total++) {
			if (total >= max)
				continue;
			const odr_ta_key_t *key = keys[k];
			odd_ta_key_info_t *o = &out[total];
			*o = (odd_ta_key_info_t){ .state = key->state,
				                  .type = key->type,
				                  .tag = key->tag,
				                  .first_seen = key->first_seen,
				                  .last_seen = key->last_seen,
				                  .changed = key->changed };
			od_name_copy(o->zone, zone);
			/* DNSKEY: flags(2) protocol(1) algorithm(1);
			   DS: key tag(2) algorithm(1). */
			if (key->type == OD_TYPE_DNSKEY && key->rdlen >= 4) {
				o->algorithm = key->rdata[3];
				o->revoked = (key->rdata[1] & 0x80) != 0;
			} else if (key->type == OD_TYPE_DS && key->rdlen >= 3) {
				o->algorithm = key->rdata[2];
			}
		}
		free(keys);
	}
	pthread_mutex_unlock(&t->lock);
	return total;
}

int odd_trust_attach(odd_trust_t *t, odr_env_t *env)
{
	pthread_mutex_lock(&t->lock);
	odr_env_t **v = realloc(t->envs, (t->nenvs + 1) * sizeof(*v));
	if (v == NULL) {
		pthread_mutex_unlock(&t->lock);
		return OD_ENOMEM;
	}
	t->envs = v;
	t->envs[t->nenvs++] = env;
	env->wall = odd_trust_wall;
	env->wall_ctx = t;
	env->ta_seen = on_seen;
	env->ta_ctx = t;
	atomic_store(&env->trust, t->snaps ? &t->snaps->t : NULL);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void odd_trust_detach(odd_trust_t *t, odr_env_t *env)
{
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nenvs; i++)
		if (t->envs[i] == env) {
			t->envs[i] = t->envs[--t->nenvs];
			break;
		}
	pthread_mutex_unlock(&t->lock);
}

const odr_trust_t *odd_trust_current(odd_trust_t *t)
{
	pthread_mutex_lock(&t->lock);
	const odr_trust_t *c = t->snaps ? &t->snaps->t : NULL;
	pthread_mutex_unlock(&t->lock);
	return c;
}
