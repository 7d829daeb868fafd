/* SPDX-License-Identifier: MIT */
/*
 * onedot-auth: the authoritative server. Loads the zones, starts the
 * workers (src/net), answers with the answer engine (answer.h), and
 * reloads on SIGHUP (and onedotctl reload): the configuration is built
 * again from the file and the command line, checked, and applied with
 * the zones read again into a new snapshot that is swapped in, so
 * queries are never dropped, a bad configuration changes nothing and a
 * bad zone file keeps the old version serving. See docs/onedot-auth.md.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <openssl/crypto.h>

#include "auth/answer.h"
#include "auth/config.h"
#include "auth/control.h"
#include "auth/journal.h"
#include "auth/metrics.h"
#include "auth/notify.h"
#include "auth/rrl.h"
#include "auth/server.h"
#include "auth/xfr.h"
#include "auth/zonedb.h"
#include "conf/listen.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/tsig.h"
#include "lib/zone/zone.h"
#include "net/net.h"

static const char usage_text[] =
        "usage: onedot-auth [-c FILE] [--listen ADDR[@PORT]]... "
        "[--zone ORIGIN:FILE]...\n"
        "                   [--workers N] [--check-config] "
        "[--log-level LEVEL]\n"
        "                   [--log-target stderr|syslog]\n"
        "                   [--state-dir DIR] [--control PATH] "
        "[--metrics ADDR@PORT]\n"
        "\n"
        "  -c, --config FILE   YAML configuration (docs/onedot-auth.md)\n"
        "  --listen ADDR[@PORT]  serve UDP and TCP there (default\n"
        "                      127.0.0.1@53); replaces server.listen\n"
        "  --zone ORIGIN:FILE  serve the zone in FILE (repeatable; adds\n"
        "                      to the zones of the config file)\n"
        "  --workers N         worker threads (default: one per CPU)\n"
        "  --log-level LEVEL   error, warn, info (default) or debug\n"
        "  --log-target TARGET stderr (default) or syslog\n"
        "  --state-dir DIR     holds the control socket (default\n"
        "                      " ODA_STATE_DIR_DEFAULT ")\n"
        "  --control PATH      control socket for onedotctl (default\n"
        "                      STATE_DIR/" ODA_CONTROL_FILE ")\n"
        "  --metrics ADDR@PORT serve Prometheus metrics over HTTP there\n"
        "                      (GET /metrics; default: off)\n"
        "  --check-config      read the config and the zones, report, "
        "exit\n"
        "  -h, --help          this text\n"
        "\n"
        "signals: SIGHUP reloads the configuration and the zones (as\n"
        "onedotctl reload does), "
        "SIGTERM/SIGINT stop.\n"
        "exit: 0 stopped cleanly, 1 startup failed, 2 usage error\n";

/* Frees the journals it holds (by slot of its runtime), not the
   runtime. */
static void snapshot_free(oda_snapshot_t *snap)
{
	if (snap == NULL)
		return;
	for (size_t i = 0; snap->journals && i < snap->rt->nslots; i++)
		od_journal_free(snap->journals[i]);
	free(snap->journals);
	od_authdb_free(snap->db);
	free(snap);
}

/* A new snapshot for rt, with no zone and no journal yet. */
static oda_snapshot_t *snapshot_new(oda_runtime_t *rt)
{
	oda_snapshot_t *snap = calloc(1, sizeof(*snap));
	if (snap == NULL)
		return NULL;
	snap->rt = rt;
	snap->journals = calloc(rt->nslots + 1, sizeof(*snap->journals));
	if (snap->journals == NULL) {
		free(snap);
		return NULL;
	}
	return snap;
}

static int conf_zone_index(const od_auth_conf_t *c, const uint8_t *origin)
{
	for (size_t i = 0; i < c->nzones; i++)
		if (od_name_cmp(c->zones[i].origin, origin) == 0)
			return (int)i;
	return -1;
}

/* The command line, kept for reloads. */
typedef struct cli {
	const char *conf_file, *log_level, *workers, *log_target;
	const char *state, *control, *metrics;
	const char **listens, **zones;
	size_t nlistens, nzones;
} cli_t;

/* What the reloads re-read (set once before the workers start). */
static const cli_t *reload_cli;

/*
 * The configuration from scratch into c: the file, then the command line
 * over it (--listen replaces the file's listeners, --zone adds zones).
 * *usage tells an error of the command line (exit 2 at start) from one
 * of the file. \return 0, or an error with the message in err (c is
 * then freed).
 */
static int build_conf(const cli_t *a, od_auth_conf_t *c, char *err,
                      size_t errlen, bool *usage)
{
	char e[400];
	int r = 0;
	*usage = false;
	od_auth_conf_init(c);
	if (a->conf_file &&
	    (r = od_auth_conf_load(c, a->conf_file, err, errlen)) < 0)
		goto fail;
	*usage = true;
	if (a->nlistens) {
		/* The command line replaces the file's listeners. */
		c->nlisten = 0;
		for (size_t i = 0; i < a->nlistens; i++) {
			if ((r = od_auth_conf_add_listen(c, a->listens[i])) <
			    0) {
				snprintf(err, errlen,
				         "--listen '%s': expected ADDR or "
				         "ADDR@PORT",
				         a->listens[i]);
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < a->nzones; i++)
		if ((r = od_auth_conf_add_zone_arg(c, a->zones[i], err,
		                                   errlen)) < 0)
			goto fail;
	if (a->workers) {
		char *end;
		unsigned long v = strtoul(a->workers, &end, 10);
		if (*a->workers < '0' || *a->workers > '9' || *end || v > 256) {
			snprintf(err, errlen, "--workers '%s': expected 0..256",
			         a->workers);
			r = OD_EINVAL;
			goto fail;
		}
		c->workers = (unsigned)v;
	}
	if (a->log_level) {
		od_log_level_t lvl;
		if (od_log_level_parse(a->log_level, &lvl) < 0) {
			snprintf(err, errlen,
			         "--log-level '%s': expected error, warn, info "
			         "or debug",
			         a->log_level);
			r = OD_EINVAL;
			goto fail;
		}
		c->log_level = (int)lvl;
	}
	if (a->log_target) {
		od_log_target_t t;
		if (od_log_target_parse(a->log_target, &t) < 0) {
			snprintf(err, errlen,
			         "--log-target '%s': expected stderr or syslog",
			         a->log_target);
			r = OD_EINVAL;
			goto fail;
		}
		c->log_target = (int)t;
	}
	if (a->state && (r = od_auth_conf_set_path(c, &c->state_dir, a->state,
	                                           e, sizeof(e))) < 0) {
		snprintf(err, errlen, "--state-dir: %s", e);
		goto fail;
	}
	if (a->control && (r = od_auth_conf_set_path(c, &c->control, a->control,
	                                             e, sizeof(e))) < 0) {
		snprintf(err, errlen, "--control: %s", e);
		goto fail;
	}
	if (a->metrics &&
	    (r = od_auth_conf_set_metrics(c, a->metrics, e, sizeof(e))) < 0) {
		snprintf(err, errlen, "--metrics %s", e);
		goto fail;
	}
	*usage = false;
	if ((r = od_auth_conf_finish(c, err, errlen)) < 0)
		goto fail;
	return 0;
fail:
	od_auth_conf_free(c);
	return r;
}

/* Runtime ------------------------------------------------------------ */

static void rt_free(oda_runtime_t *rt)
{
	if (rt == NULL)
		return;
	for (size_t i = 0; rt->acls && i < rt->nslots; i++)
		od_acl_clear(&rt->acls[i]);
	free(rt->acls);
	if (rt->keys)
		OPENSSL_cleanse(rt->keys, (rt->nkeys + 1) * sizeof(*rt->keys));
	free(rt->keys);
	od_rrl_free(rt->rrl);
	for (unsigned w = 0; rt->zq && w < rt->nworkers; w++)
		free(rt->zq[w]);
	free(rt->zq);
	free(rt->zstate);
	free(rt);
}

static void rrl_conf_of(const od_auth_conf_t *c, od_rrl_conf_t *rc)
{
	*rc = (od_rrl_conf_t){ .rate = c->rrl_rate,
		               .slip = c->rrl_slip,
		               .v4_prefix = (uint8_t)c->rrl_v4_prefix,
		               .v6_prefix = (uint8_t)c->rrl_v6_prefix };
}

/* Free the zone states of zst (conf's zones) that s does not hold. */
static void free_new_zstates(const oda_server_t *s, const od_auth_conf_t *conf,
                             oda_zstate_t **zst)
{
	for (size_t i = 0; zst && i < conf->nzones; i++) {
		int oi = s->zstate ? conf_zone_index(&s->conf,
		                                     conf->zones[i].origin)
		                   : -1;
		if (zst[i] && (oi < 0 || s->zstate[oi] != zst[i]))
			free(zst[i]);
	}
	free(zst);
}

/*
 * The runtime of conf: the keys and transfer ACLs built (and so
 * checked), the rate limiter (old's when its settings are the same: the
 * caller moves it over), fresh per-zone counters, and a slot for each
 * zone: a zone s serves already keeps its state (and slot), a new one
 * gets a new state and a free slot. *zst gets the state of each zone of
 * conf (same index). \return 0, or an error with the reason in err
 * (nothing made).
 */
static int rt_new(oda_server_t *s, const od_auth_conf_t *conf,
                  oda_zstate_t ***zst_out, oda_runtime_t **out, char *err,
                  size_t errlen)
{
	oda_runtime_t *old = s->rt;
	err[0] = '\0';
	size_t cap = (old ? old->nslots : 0) + conf->nzones + 1;
	oda_runtime_t *rt = calloc(1, sizeof(*rt));
	oda_zstate_t **zst = calloc(conf->nzones + 1, sizeof(*zst));
	bool *used = calloc(cap, sizeof(*used));
	int r = OD_ENOMEM;
	if (rt == NULL || zst == NULL || used == NULL)
		goto fail;
	/* States (and slots) of the zones kept. */
	for (size_t i = 0; i < conf->nzones; i++) {
		int oi = old ? conf_zone_index(&s->conf, conf->zones[i].origin)
		             : -1;
		if (oi < 0)
			continue;
		zst[i] = s->zstate[oi];
		used[zst[i]->slot] = true;
	}
	size_t next = 0;
	for (size_t i = 0; i < conf->nzones; i++) {
		if (zst[i])
			continue;
		if ((zst[i] = calloc(1, sizeof(*zst[i]))) == NULL)
			goto fail;
		while (used[next])
			next++;
		zst[i]->slot = next;
		used[next] = true;
	}
	for (size_t k = 0; k < cap; k++)
		if (used[k])
			rt->nslots = k + 1;
	rt->zstate = calloc(rt->nslots + 1, sizeof(*rt->zstate));
	rt->acls = calloc(rt->nslots + 1, sizeof(*rt->acls));
	rt->keys = calloc(conf->nkeys + 1, sizeof(*rt->keys));
	rt->nworkers = s->nwstats;
	rt->zq = calloc(rt->nworkers + 1, sizeof(*rt->zq));
	if (rt->zstate == NULL || rt->acls == NULL || rt->keys == NULL ||
	    rt->zq == NULL)
		goto fail;
	for (unsigned w = 0; w < rt->nworkers; w++)
		if ((rt->zq[w] = calloc(rt->nslots + 1, sizeof(*rt->zq[w]))) ==
		    NULL)
			goto fail;
	for (size_t i = 0; i < conf->nzones; i++)
		rt->zstate[zst[i]->slot] = zst[i];
	r = OD_EINVAL;
	char e[300];
	rt->nkeys = conf->nkeys;
	for (size_t i = 0; i < conf->nkeys; i++) {
		const od_auth_key_conf_t *k = &conf->keys[i];
		if (od_tsig_key_set(&rt->keys[i], k->name, k->algorithm,
		                    k->secret, e, sizeof(e)) < 0) {
			snprintf(err, errlen, "keys[%zu] (%s): %s", i, k->name,
			         e);
			goto fail;
		}
	}
	rt->keyring = (od_tsig_keyring_t){ .keys = rt->keys, .n = conf->nkeys };
	for (size_t i = 0; i < conf->nzones; i++) {
		const od_auth_zone_conf_t *zc = &conf->zones[i];
		for (size_t a = 0; a < zc->nallow_transfer; a++) {
			if (od_acl_add(&rt->acls[zst[i]->slot],
			               zc->allow_transfer[a], e,
			               sizeof(e)) < 0) {
				char o[OD_NAME_STRLEN];
				od_name_to_str(o, sizeof(o), zc->origin);
				snprintf(
				        err, errlen,
				        "zone %s: allow-transfer '%.200s': %.200s",
				        o, zc->allow_transfer[a], e);
				goto fail;
			}
		}
	}
	rt->udp_max = conf->udp_max;
	if (conf->rrl) {
		rrl_conf_of(conf, &rt->rrl_conf);
		if (old && old->rrl &&
		    memcmp(&old->rrl_conf, &rt->rrl_conf,
		           sizeof(rt->rrl_conf)) == 0) {
			rt->rrl = old->rrl;
		} else if ((rt->rrl = od_rrl_new(&rt->rrl_conf)) == NULL) {
			snprintf(err, errlen, "rate limiting: %s",
			         od_strerror(OD_ENOMEM));
			r = OD_ENOMEM;
			goto fail;
		}
	}
	free(used);
	*zst_out = zst;
	*out = rt;
	return 0;
fail:
	if (r == OD_ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "%s", od_strerror(r));
	if (rt && old && rt->rrl == old->rrl)
		rt->rrl = NULL;
	rt_free(rt);
	free_new_zstates(s, conf, zst);
	free(used);
	return r;
}

typedef struct worker {
	oda_server_t *srv;
	unsigned idx;
	oda_wstats_t *st; /* NULL: more workers than counter slots */
	od_arena_t arena;
} worker_t;

/* Zone loading ------------------------------------------------------ */

typedef struct load_ctx {
	const char *zone; /* origin text */
	unsigned errors;
	char *why; /* the first error, for the control socket */
	size_t whylen;
} load_ctx_t;

static int on_zone_err(const od_zerr_t *e, void *ctx)
{
	load_ctx_t *lc = ctx;
	if (lc->errors++ == 0)
		snprintf(lc->why, lc->whylen, "%s:%u:%u: %s",
		         e->file ? e->file : "-", e->line, e->col,
		         e->msg ? e->msg : od_strerror(e->code));
	od_log_error("zone file error",
	             "zone=%s file=%s line=%u col=%u "
	             "error=\"%s\"",
	             lc->zone, e->file ? e->file : "-", e->line, e->col,
	             e->msg ? e->msg : od_strerror(e->code));
	return 1;
}

/* Findings that make a zone unservable; the others are logged. */
static bool finding_fatal(od_zcheck_t code)
{
	switch (code) {
	case OD_ZC_NO_SOA:
	case OD_ZC_MULTI_SOA:
	case OD_ZC_NO_APEX_NS:
	case OD_ZC_CNAME_OTHER:
	case OD_ZC_MULTI_CNAME:
	case OD_ZC_SYNTAX:
		return true;
	default:
		return false;
	}
}

/* Load one zone; logs every problem with the zone and the line, and
   leaves the first that makes it unservable in why. */
static int load_zone(const od_auth_zone_conf_t *zc, od_authzone_t **out,
                     char *why, size_t whylen)
{
	char origin[OD_NAME_STRLEN];
	od_name_to_str(origin, sizeof(origin), zc->origin);
	load_ctx_t lc = { .zone = origin, .why = why, .whylen = whylen };
	why[0] = '\0';
	od_zload_opts_t lo = { .origin = zc->origin,
		               .on_err = on_zone_err,
		               .ctx = &lc };
	od_zone_t *z = NULL;
	int r = od_zone_load_file(&z, zc->file, &lo);
	if (r < 0) {
		if (lc.errors == 0) {
			od_log_error("cannot load zone",
			             "zone=%s file=%s error=\"%s\"", origin,
			             zc->file, od_strerror(r));
			snprintf(why, whylen, "%s: %s", zc->file,
			         od_strerror(r));
		}
		return r;
	}
	size_t errors = 0;
	r = od_zone_check(z, &errors);
	bool fatal = r < 0;
	for (size_t i = 0; r >= 0 && i < z->nfindings; i++) {
		const od_zfinding_t *f = &z->findings[i];
		if (f->sev == OD_ZSEV_NOTE)
			continue;
		char owner[OD_NAME_STRLEN] = "";
		if (f->owner)
			od_name_to_str(owner, sizeof(owner), f->owner);
		bool bad = f->sev == OD_ZSEV_ERROR && finding_fatal(f->code);
		if (bad && !fatal && why[0] == '\0')
			snprintf(why, whylen, "%s:%u: %s: %s",
			         f->file ? f->file : zc->file, f->line,
			         od_zcheck_str(f->code), f->msg ? f->msg : "");
		fatal = fatal || bad;
		od_log(bad ? OD_LOG_ERROR : OD_LOG_WARN,
		       bad ? "zone is not servable" : "zone problem",
		       "zone=%s file=%s line=%u owner=%s check=%s "
		       "detail=\"%s\"",
		       origin, f->file ? f->file : zc->file, f->line,
		       owner[0] ? owner : "-", od_zcheck_str(f->code),
		       f->msg ? f->msg : "");
	}
	if (fatal) {
		if (why[0] == '\0')
			snprintf(why, whylen, "%s: the zone is not servable",
			         zc->file);
		od_zone_free(z);
		return OD_EINVAL;
	}
	uint32_t serial = 0;
	od_zone_serial(z, &serial);
	r = od_authzone_new(out, z);
	if (r < 0) {
		od_log_error("cannot index zone", "zone=%s error=\"%s\"",
		             origin, od_strerror(r));
		snprintf(why, whylen, "cannot index the zone: %s",
		         od_strerror(r));
		return r;
	}
	od_log_info("zone loaded", "zone=%s serial=%u file=%s", origin, serial,
	            zc->file);
	return 0;
}

/* The outcome of one zone read, kept until the reload commits. */
typedef struct zres {
	bool tried;
	int result;
	int64_t at;
	char error[320];
} zres_t;

/* Record the zone reads of res (conf's zones, states zst) in the zone
   states: the reload that made them is committed. */
static void commit_zres(oda_server_t *s, size_t nzones, oda_zstate_t **zst,
                        const zres_t *res)
{
	for (size_t i = 0; i < nzones; i++) {
		oda_zstate_t *zs = zst[i];
		if (!res[i].tried)
			continue;
		zs->attempted = res[i].at;
		zs->attempt_gen = s->reload_gen;
		zs->result = res[i].result;
		if (res[i].result == 0) {
			zs->loaded = res[i].at;
			zs->error[0] = '\0';
		} else {
			snprintf(zs->error, sizeof(zs->error), "%s",
			         res[i].error);
		}
	}
}

/*
 * Build a database for conf (zone states zst): zone only (-1: every
 * zone) is read from its file, the others keep their version in old.
 * With old (a reload), a zone that fails to load keeps its old version
 * (a zone old does not hold fails the whole when strict: a new zone of
 * the configuration); without, any failure fails the whole. The outcome
 * of each zone read is left in res. \return 0 and *out; OD_EINVAL when
 * a zone failed (with old, not strict: *out is still made), another
 * error. When no *out is made, err says why.
 */
static int build_db(const od_auth_conf_t *conf, oda_zstate_t **zst,
                    od_authdb_t *old, int only, bool strict, zres_t *res,
                    od_authdb_t **out, char *err, size_t errlen)
{
	od_authdb_t *db = od_authdb_new();
	*out = NULL;
	if (db == NULL) {
		snprintf(err, errlen, "%s", od_strerror(OD_ENOMEM));
		return OD_ENOMEM;
	}
	int failed = 0;
	for (size_t i = 0; i < conf->nzones; i++) {
		const od_auth_zone_conf_t *zc = &conf->zones[i];
		od_authzone_t *az = NULL;
		char origin[OD_NAME_STRLEN];
		od_name_to_str(origin, sizeof(origin), zc->origin);
		int r;
		if (old && only >= 0 && (size_t)only != i &&
		    (az = od_authdb_get(old, zc->origin)) != NULL) {
			/* Not asked for: the version served stays. */
			od_authzone_ref(az);
			r = 0;
		} else {
			res[i].tried = true;
			res[i].at = (int64_t)time(NULL);
			r = load_zone(zc, &az, res[i].error,
			              sizeof(res[i].error));
			res[i].result = r;
			if (r == 0)
				od_authzone_set_slot(az, zst[i]->slot);
		}
		if (r < 0 && old) {
			od_authzone_t *prev = od_authdb_get(old, zc->origin);
			failed++;
			if (prev) {
				od_log_error("reload failed, old version "
				             "keeps serving",
				             "zone=%s serial=%u", origin,
				             od_authzone_serial(prev));
				od_authzone_ref(prev);
				az = prev;
				r = 0;
			} else if (strict) {
				snprintf(err, errlen, "zone %s: %.700s", origin,
				         res[i].error);
				od_authdb_free(db);
				return OD_EINVAL;
			} else {
				od_log_error("reload failed, zone not served",
				             "zone=%s", origin);
				continue;
			}
		}
		if (r < 0) {
			snprintf(err, errlen, "zone %s: %.700s", origin,
			         res[i].error);
			failed++;
			continue;
		}
		r = od_authdb_add(db, az);
		od_authzone_unref(az);
		if (r < 0) {
			snprintf(err, errlen, "%s", od_strerror(r));
			od_authdb_free(db);
			return r;
		}
	}
	if (failed && old == NULL) {
		od_authdb_free(db);
		return OD_EINVAL;
	}
	*out = db;
	return failed ? OD_EINVAL : 0;
}

/* Serving ----------------------------------------------------------- */

static void *worker_init(unsigned idx, void *ctx)
{
	worker_t *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->srv = ctx;
	w->idx = idx;
	w->st = idx < w->srv->nwstats ? &w->srv->wstats[idx] : NULL;
	od_arena_init(&w->arena, 16384);
	return w;
}

static void worker_free(void *wctx, void *ctx)
{
	worker_t *w = wctx;
	(void)ctx;
	if (w == NULL)
		return;
	od_arena_deinit(&w->arena);
	free(w);
}

static int emit_msg(void *ctx, const uint8_t *msg, size_t len)
{
	return od_net_emit(ctx, msg, len) < 0 ? 1 : 0;
}

static int answer_xfr(oda_server_t *s, const oda_snapshot_t *snap,
                      const od_net_query_t *q, const od_auth_info_t *info,
                      uint8_t *out, size_t cap)
{
	const oda_runtime_t *rt = snap->rt;
	const od_zone_t *z = info->zone ? od_authzone_zone(info->zone) : NULL;
	size_t slot = z ? od_authzone_slot(info->zone) : rt->nslots;
	oda_zstate_t *zs = slot < rt->nslots ? rt->zstate[slot] : NULL;
	(void)s;
	od_xfr_req_t req = { .query = q->wire,
		             .qlen = q->len,
		             .peer = q->peer,
		             .tcp = q->tr == OD_TR_TCP,
		             .zone = z,
		             .journal = zs ? snap->journals[slot] : NULL,
		             .acl = zs ? &rt->acls[slot] : NULL,
		             .keys = &rt->keyring,
		             .now = (uint64_t)time(NULL),
		             .emit = emit_msg,
		             .emit_ctx = (void *)q };
	od_xfr_info_t xi = { 0 };
	int len = od_xfr_answer(&req, out, cap, &xi);
	if (zs && xi.kind < ODA_XFR_KINDS) {
		oda_add(&zs->xfr[xi.kind]);
		atomic_store_explicit(&zs->xfr_last_kind, (int)xi.kind,
		                      memory_order_relaxed);
		atomic_store_explicit(&zs->xfr_last_rcode, (int)xi.rcode,
		                      memory_order_relaxed);
		atomic_store_explicit(&zs->xfr_last, (int64_t)req.now,
		                      memory_order_relaxed);
	}
	char origin[OD_NAME_STRLEN] = "-";
	if (z)
		od_name_to_str(origin, sizeof(origin), z->origin);
	static const char *const kinds[] = { "refused", "axfr", "ixfr",
		                             "up-to-date" };
	/* No client address: the transfer is named by zone and key. */
	od_log(xi.kind == OD_XFR_REFUSED ? OD_LOG_WARN : OD_LOG_INFO,
	       "zone transfer",
	       "zone=%s type=%s result=%s rcode=%s messages=%zu records=%zu "
	       "tsig=%s",
	       origin, xi.qtype == OD_TYPE_IXFR ? "IXFR" : "AXFR",
	       kinds[xi.kind <= OD_XFR_UPTODATE ? xi.kind : 0],
	       od_rcode_name(xi.rcode), xi.messages, xi.records,
	       xi.signed_ ? "yes" : (xi.tsig_error ? "bad" : "no"));
	return len;
}

/*
 * A query with a TSIG (RFC 8945): verify it, answer within the room the
 * signature leaves, sign the answer; a failed check is NOTAUTH (FORMERR
 * for a malformed MAC) carrying the TSIG error.
 */
static int answer_signed(oda_server_t *s, const oda_snapshot_t *snap,
                         worker_t *w, const od_net_query_t *q,
                         const od_auth_opts_t *opts, uint8_t *out, size_t cap,
                         od_auth_info_t *info)
{
	od_pkt_t p;
	od_tsig_ctx_t ctx;
	uint64_t now = (uint64_t)time(NULL);
	if (od_pkt_parse(&p, q->wire, q->len, &w->arena.mm,
	                 OD_PKT_TRAILING_OK) != 0 ||
	    p.tsig == NULL || p.count[OD_QUESTION] != 1)
		return 0;
	int v = od_tsig_verify_query(&ctx, &snap->rt->keyring, q->wire, q->len,
	                             &p, now);
	size_t space = od_tsig_space(&ctx);
	size_t limit = cap;
	if (q->tr == OD_TR_UDP) {
		size_t client = p.opt ? p.edns.udp_size : 512;
		limit = client < 512 ? 512 : client;
		if (limit > snap->rt->udp_max)
			limit = snap->rt->udp_max;
	}
	if (limit <= space + OD_HDR_LEN)
		return 0;
	int len;
	if (v == 0) {
		len = od_auth_answer(snap->db, q->wire, q->len, opts, out,
		                     limit - space, &w->arena, info);
	} else {
		const od_question_t *qd = od_pkt_question(&p);
		od_hdr_t h = { .id = p.hdr.id,
			       .qr = true,
			       .opcode = p.hdr.opcode,
			       .rd = p.hdr.rd };
		od_pkt_w_t b;
		len = od_pkt_w_init(&b, out, limit - space, &h);
		if (len == 0)
			len = od_pkt_w_question(&b, qd->qname, qd->qtype,
			                        qd->qclass);
		od_pkt_w_rcode(&b, v == OD_ETSIG ? OD_RCODE_NOTAUTH
		                                 : OD_RCODE_FORMERR);
		if (len == 0)
			len = od_pkt_w_finish(&b);
		info->kind = OD_AK_ERROR;
		if (v != OD_ETSIG)
			return len > 0 ? len : 0;
	}
	if (len <= 0)
		return 0;
	len = od_tsig_sign_wire(&ctx, out, (size_t)len, limit, now);
	return len > 0 ? len : 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Count one query, what was sent for it (len octets in out, 0:
   nothing) and the time since start (now_ns()). */
static void account(worker_t *w, const oda_snapshot_t *snap,
                    const od_net_query_t *q, const od_auth_info_t *info,
                    const uint8_t *out, int len, uint64_t start)
{
	oda_wstats_t *st = w->st;
	if (st == NULL)
		return;
	uint64_t ns = now_ns() - start;
	unsigned b = 0;
	while (b < ODA_LAT_BUCKETS - 1 &&
	       ns > (uint64_t)oda_lat_bounds_us[b] * 1000)
		b++;
	oda_inc(&st->lat[b]);
	atomic_store_explicit(
	        &st->lat_ns,
	        atomic_load_explicit(&st->lat_ns, memory_order_relaxed) + ns,
	        memory_order_relaxed);
	oda_inc(&st->queries);
	oda_inc(&st->qtype[q->tr == OD_TR_TCP][oda_qtype_index(info->qtype)]);
	if (len >= OD_HDR_LEN)
		oda_inc(&st->rcode[out[3] & 0xf]);
	else
		oda_inc(&st->dropped);
	const oda_runtime_t *rt = snap->rt;
	size_t slot = info->zone ? od_authzone_slot(info->zone) : rt->nslots;
	if (slot > rt->nslots)
		slot = rt->nslots;
	if (w->idx < rt->nworkers)
		oda_inc(&rt->zq[w->idx][slot]);
}

static int handle(void *wctx, const od_net_query_t *q, uint8_t *out, size_t cap)
{
	worker_t *w = wctx;
	oda_server_t *s = w->srv;
	uint64_t start = w->st ? now_ns() : 0;
	const oda_snapshot_t *snap =
	        atomic_load_explicit(&s->snap, memory_order_acquire);
	od_auth_opts_t opts = { .udp_max = snap->rt->udp_max,
		                .tcp = q->tr == OD_TR_TCP };
	od_auth_info_t info;
	int len = od_auth_answer(snap->db, q->wire, q->len, &opts, out, cap,
	                         &w->arena, &info);
	od_arena_reset(&w->arena);
	if (info.kind == OD_AK_XFR) {
		len = answer_xfr(s, snap, q, &info, out, cap);
		account(w, snap, q, &info, out, len, start);
		return len;
	}
	if (info.kind == OD_AK_NOTIFY) {
		if (w->st)
			oda_inc(&w->st->notify_in);
		len = od_notify_answer(q->wire, q->len, out, cap);
		account(w, snap, q, &info, out, len, start);
		return len;
	}
	if (info.tsig && len > 0) {
		len = answer_signed(s, snap, w, q, &opts, out, cap, &info);
		od_arena_reset(&w->arena);
	}
	od_rrl_t *rrl = snap->rt->rrl;
	if (rrl && q->tr == OD_TR_UDP && len > 12) {
		/* The response's question name is uncompressed at 12. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		uint64_t now = (uint64_t)ts.tv_sec * 1000 +
		               (uint64_t)ts.tv_nsec / 1000000;
		const uint8_t *qname = (out[4] | out[5]) ? out + 12 : NULL;
		switch (od_rrl_check(rrl, q->peer, qname, &info, now)) {
		case OD_RRL_PASS:
			break;
		case OD_RRL_DROP:
			if (w->st)
				oda_inc(&w->st->rrl_dropped);
			len = 0;
			break;
		case OD_RRL_SLIP:
			if (w->st)
				oda_inc(&w->st->rrl_slipped);
			len = (int)od_rrl_slip(out, (size_t)len);
			break;
		}
	}
	account(w, snap, q, &info, out, len, start);
	return len;
}

/* Main -------------------------------------------------------------- */

/* NOTIFY threads still running: the zones' counters they write are
   freed at exit only when none is. */
static _Atomic unsigned notify_running;

/* NOTIFY one secondary (a thread of its own: it blocks on retries). */
typedef struct notify_job {
	od_notify_req_t req;
	struct sockaddr_storage to, from;
	uint8_t origin[OD_NAME_MAXLEN];
	uint8_t soa[512];
	char zone[OD_NAME_STRLEN];
	char target[80];
	uint32_t serial;
	oda_zstate_t *zs;          /* the zone's counters */
	_Atomic unsigned *running; /* NOTIFY threads alive */
} notify_job_t;

static void *notify_thread(void *arg)
{
	notify_job_t *j = arg;
	od_notify_result_t res = { 0 };
	char err[200] = "";
	int r = od_notify_send(&j->req, &res, err, sizeof(err));
	if (r == 0)
		od_log(res.rcode == OD_RCODE_NOERROR ? OD_LOG_INFO
		                                     : OD_LOG_WARN,
		       "notify answered",
		       "zone=%s serial=%u secondary=%s "
		       "rcode=%s tries=%u",
		       j->zone, j->serial, j->target, od_rcode_name(res.rcode),
		       res.tries);
	else
		od_log_warn("notify failed",
		            "zone=%s serial=%u secondary=%s "
		            "error=\"%s\"",
		            j->zone, j->serial, j->target,
		            err[0] ? err : od_strerror(r));
	oda_add(r == 0 ? &j->zs->notify_ok : &j->zs->notify_failed);
	atomic_store_explicit(&j->zs->notify_last_serial, j->serial,
	                      memory_order_relaxed);
	atomic_store_explicit(&j->zs->notify_last_rcode,
	                      r == 0 ? (int)res.rcode : -1,
	                      memory_order_relaxed);
	atomic_store_explicit(&j->zs->notify_last, (int64_t)time(NULL),
	                      memory_order_relaxed);
	atomic_fetch_sub(j->running, 1);
	free(j);
	return NULL;
}

static void send_notifies(oda_server_t *s, size_t zi, const od_zone_t *z)
{
	const od_auth_zone_conf_t *zc = &s->conf.zones[zi];
	const od_zrrset_t *soa = od_zone_soa(z);
	if (soa == NULL || soa->count != 1 || soa->rrs[0]->len > 512)
		return;
	for (size_t i = 0; i < zc->nnotify; i++) {
		notify_job_t *j = calloc(1, sizeof(*j));
		if (j == NULL)
			return;
		const od_listen_t *to = &zc->notify[i];
		memcpy(&j->to, &to->addr, to->len);
		memcpy(j->origin, z->origin, od_name_len(z->origin));
		memcpy(j->soa, soa->rrs[0]->data, soa->rrs[0]->len);
		od_name_to_str(j->zone, sizeof(j->zone), z->origin);
		od_sockaddr_str((const struct sockaddr *)&to->addr, j->target,
		                sizeof(j->target));
		od_zone_serial(z, &j->serial);
		j->zs = s->zstate[zi];
		j->running = &notify_running;
		j->req = (od_notify_req_t){ .to = (struct sockaddr *)&j->to,
			                    .tolen = to->len,
			                    .origin = j->origin,
			                    .soa = j->soa,
			                    .soa_len = soa->rrs[0]->len,
			                    .soa_ttl = soa->ttl };
		/* From our own listen address, so the secondary sees the
		   primary it knows (port 0: any). */
		for (size_t k = 0; k < s->conf.nlisten; k++) {
			const od_listen_t *l = &s->conf.listen[k];
			if (l->addr.ss_family != to->addr.ss_family)
				continue;
			memcpy(&j->from, &l->addr, l->len);
			if (j->from.ss_family == AF_INET)
				((struct sockaddr_in *)&j->from)->sin_port = 0;
			else
				((struct sockaddr_in6 *)&j->from)->sin6_port =
				        0;
			j->req.from = (struct sockaddr *)&j->from;
			j->req.fromlen = l->len;
			break;
		}
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		atomic_fetch_add(&notify_running, 1);
		if (pthread_create(&t, &at, notify_thread, j) != 0) {
			od_log_warn("notify not sent", "zone=%s error=\"%s\"",
			            j->zone, "cannot start a thread");
			atomic_fetch_sub(&notify_running, 1);
			free(j);
		}
		pthread_attr_destroy(&at);
	}
}

/*
 * The journal of zone origin (slot) in the new snapshot: the old one
 * moved over when the serial is unchanged, the old one plus the
 * difference when it went up, none when it went down or the difference
 * cannot be made (the next IXFR is then answered in full). A zone keeps
 * its slot while it stays configured, so old->journals[slot] is its own
 * when old serves it. Returns whether the serial went up.
 */
static bool next_journal(const uint8_t *origin, size_t slot,
                         oda_snapshot_t *old, oda_snapshot_t *snap)
{
	const od_authzone_t *oaz = od_authdb_get(old->db, origin);
	const od_authzone_t *naz = od_authdb_get(snap->db, origin);
	if (naz == NULL)
		return false;
	if (oaz == NULL || oaz == naz ||
	    od_authzone_serial(oaz) == od_authzone_serial(naz)) {
		/* Same version (or one that cannot be told apart by its
		   serial): the history stays valid. */
		snap->journals[slot] = oaz ? old->journals[slot] : NULL;
		if (oaz)
			old->journals[slot] = NULL;
		return false;
	}
	char zname[OD_NAME_STRLEN];
	od_name_to_str(zname, sizeof(zname), origin);
	od_jdiff_t *d = NULL;
	int r = od_journal_diff(&d, od_authzone_zone(oaz),
	                        od_authzone_zone(naz));
	if (r == 0)
		r = od_journal_add(&snap->journals[slot], old->journals[slot],
		                   d, NULL);
	if (r == OD_ERANGE)
		od_log_warn("serial went down: secondaries keep the old "
		            "version until they transfer in full",
		            "zone=%s old=%u new=%u", zname,
		            od_authzone_serial(oaz), od_authzone_serial(naz));
	else if (r < 0)
		od_log_warn("no journal entry for this change",
		            "zone=%s error=\"%s\"", zname, od_strerror(r));
	return r != OD_ERANGE;
}

/* Configuration changes --------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool zone_conf_eq(const od_auth_zone_conf_t *a,
                         const od_auth_zone_conf_t *b)
{
	if (od_name_cmp(a->origin, b->origin) != 0 ||
	    !str_eq(a->file, b->file) ||
	    !od_listens_eq(a->notify, a->nnotify, b->notify, b->nnotify) ||
	    a->nallow_transfer != b->nallow_transfer)
		return false;
	for (size_t i = 0; i < a->nallow_transfer; i++)
		if (!str_eq(a->allow_transfer[i], b->allow_transfer[i]))
			return false;
	return true;
}

static bool keys_eq(const od_auth_conf_t *a, const od_auth_conf_t *b)
{
	if (a->nkeys != b->nkeys)
		return false;
	for (size_t i = 0; i < a->nkeys; i++)
		if (!str_eq(a->keys[i].name, b->keys[i].name) ||
		    !str_eq(a->keys[i].algorithm, b->keys[i].algorithm) ||
		    !str_eq(a->keys[i].secret, b->keys[i].secret))
			return false;
	return true;
}

static bool zones_eq(const od_auth_conf_t *a, const od_auth_conf_t *b)
{
	if (a->nzones != b->nzones)
		return false;
	for (size_t i = 0; i < a->nzones; i++)
		if (!zone_conf_eq(&a->zones[i], &b->zones[i]))
			return false;
	return true;
}

/* The keys of a reload, for the reply and the log. */
#define MAX_KEYS 12
typedef struct keylist {
	const char *k[MAX_KEYS];
	size_t n;
} keylist_t;

static void keylist_add(keylist_t *l, const char *k)
{
	if (l->n < MAX_KEYS)
		l->k[l->n++] = k;
}

static void keylist_json(od_sbuf_t *out, const char *member, const keylist_t *l)
{
	od_sbuf_printf(out, ",\"%s\":[", member);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			od_sbuf_putc(out, ',');
		od_ctl_json_str(out, l->k[i]);
	}
	od_sbuf_putc(out, ']');
}

static void keylist_str(char *buf, size_t cap, const keylist_t *l)
{
	od_sbuf_t b;
	od_sbuf_init(&b, buf, cap);
	for (size_t i = 0; i < l->n; i++)
		od_sbuf_printf(&b, "%s%s", i ? "," : "", l->k[i]);
	if (l->n == 0)
		od_sbuf_puts(&b, "-");
}

/* Copy a string setting that needs a restart from run to nw. */
static int keep_str(char **nw, const char *run)
{
	char *d = run ? strdup(run) : NULL;
	if (run && d == NULL)
		return OD_ENOMEM;
	free(*nw);
	*nw = d;
	return 0;
}

/*
 * Settings that cannot change while the server runs: nw gets the
 * running value of each, and each that differed is named in restart and
 * logged.
 */
static int keep_running(const od_auth_conf_t *run, od_auth_conf_t *nw,
                        keylist_t *restart)
{
	int r = 0;
	if (nw->workers != run->workers) {
		keylist_add(restart, "server.workers");
		nw->workers = run->workers;
	}
	if (nw->tcp_idle_ms != run->tcp_idle_ms) {
		keylist_add(restart, "server.tcp-idle-timeout");
		nw->tcp_idle_ms = run->tcp_idle_ms;
	}
	if (nw->tcp_max_conns != run->tcp_max_conns) {
		keylist_add(restart, "server.tcp-max-connections");
		nw->tcp_max_conns = run->tcp_max_conns;
	}
	if (nw->log_target != run->log_target) {
		keylist_add(restart, "server.log-target");
		nw->log_target = run->log_target;
	}
	if (!str_eq(nw->state_dir, run->state_dir)) {
		keylist_add(restart, "server.state-dir");
		r = r ? r : keep_str(&nw->state_dir, run->state_dir);
	}
	if (!str_eq(nw->control, run->control)) {
		keylist_add(restart, "server.control");
		r = r ? r : keep_str(&nw->control, run->control);
	}
	if (nw->metrics_on != run->metrics_on ||
	    (run->metrics_on && !od_listen_eq(&nw->metrics, &run->metrics))) {
		keylist_add(restart, "server.metrics");
		nw->metrics_on = run->metrics_on;
		nw->metrics = run->metrics;
	}
	for (size_t i = 0; i < restart->n; i++)
		od_log_warn("configuration change needs a restart", "key=%s",
		            restart->k[i]);
	return r;
}

/* The settings applied by a reload from run to nw. */
static void changes(const od_auth_conf_t *run, const od_auth_conf_t *nw,
                    keylist_t *changed)
{
	if (!od_listens_eq(run->listen, run->nlisten, nw->listen, nw->nlisten))
		keylist_add(changed, "server.listen");
	if (run->udp_max != nw->udp_max)
		keylist_add(changed, "server.udp-max-size");
	if (run->log_level != nw->log_level)
		keylist_add(changed, "server.log-level");
	if (run->rrl != nw->rrl || run->rrl_rate != nw->rrl_rate ||
	    run->rrl_slip != nw->rrl_slip ||
	    run->rrl_v4_prefix != nw->rrl_v4_prefix ||
	    run->rrl_v6_prefix != nw->rrl_v6_prefix)
		keylist_add(changed, "server.rrl");
	if (!keys_eq(run, nw))
		keylist_add(changed, "keys");
	if (!zones_eq(run, nw))
		keylist_add(changed, "zones");
}

/* Names of the zones of a that b does not have, as a JSON member. */
static void zone_diff_json(od_sbuf_t *out, const char *member,
                           const od_auth_conf_t *a, const od_auth_conf_t *b)
{
	od_sbuf_printf(out, ",\"%s\":[", member);
	size_t n = 0;
	for (size_t i = 0; i < a->nzones; i++) {
		if (conf_zone_index(b, a->zones[i].origin) >= 0)
			continue;
		char o[OD_NAME_STRLEN];
		od_name_to_str(o, sizeof(o), a->zones[i].origin);
		if (n++)
			od_sbuf_putc(out, ',');
		od_ctl_json_str(out, o);
	}
	od_sbuf_putc(out, ']');
}

static void log_rrl(const oda_runtime_t *rt)
{
	if (rt->rrl == NULL)
		return;
	od_log_info("response rate limiting on",
	            "rate=%u slip=%u ipv4-prefix=%u ipv6-prefix=%u",
	            rt->rrl_conf.rate, rt->rrl_conf.slip,
	            rt->rrl_conf.v4_prefix, rt->rrl_conf.v6_prefix);
}

/* Reload ------------------------------------------------------------- */

/*
 * The new configuration replaces the running one (after the new
 * snapshot is published and the workers are past the old one): the
 * counters of the old runtime are folded into the zones' totals, the
 * states of the zones gone are retired, the old runtime is freed.
 */
static void commit_conf(oda_server_t *s, od_auth_conf_t *nconf,
                        oda_runtime_t *rt, oda_zstate_t **zst)
{
	oda_runtime_t *ort = s->rt;
	for (size_t k = 0; k < ort->nslots; k++) {
		oda_zstate_t *zs = ort->zstate[k];
		if (zs == NULL)
			continue;
		for (unsigned w = 0; w < ort->nworkers; w++)
			zs->queries_base += oda_rd(&ort->zq[w][k]);
	}
	for (unsigned w = 0; w < ort->nworkers; w++)
		s->outside_base += oda_rd(&ort->zq[w][ort->nslots]);
	for (size_t i = 0; i < s->conf.nzones; i++) {
		if (conf_zone_index(nconf, s->conf.zones[i].origin) >= 0)
			continue;
		oda_zstate_t **r =
		        realloc(s->retired, (s->nretired + 1) * sizeof(*r));
		if (r == NULL) {
			/* A NOTIFY thread may hold it: better lost than
			   freed under it. */
			continue;
		}
		s->retired = r;
		s->retired[s->nretired++] = s->zstate[i];
	}
	if (rt->rrl == ort->rrl)
		ort->rrl = NULL;
	else
		log_rrl(rt);
	rt_free(ort);
	free(s->zstate);
	s->zstate = zst;
	s->rt = rt;
	od_auth_conf_t tmp = s->conf;
	s->conf = *nconf;
	od_auth_conf_free(&tmp);
	od_log_set_level((od_log_level_t)s->conf.log_level);
}

static int reload_locked(oda_server_t *s, const uint8_t *zone, bool config,
                         od_sbuf_t *out, char *err, size_t errlen)
{
	char e[2048] = "";
	int zi = zone ? conf_zone_index(&s->conf, zone) : -1;
	if (s->net == NULL) {
		/* Start-up failed after the control socket came up. */
		snprintf(err, errlen,
		         "reload failed: the server is not running");
		return OD_EINVAL;
	}
	if (zone && zi < 0) {
		char o[OD_NAME_STRLEN];
		od_name_to_str(o, sizeof(o), zone);
		snprintf(err, errlen, "no zone %s is configured", o);
		return OD_EINVAL;
	}
	if (zone) {
		char o[OD_NAME_STRLEN];
		od_name_to_str(o, sizeof(o), zone);
		od_log_info("reloading zone", "zone=%s", o);
	} else {
		od_log_info(config ? "reloading" : "reloading zones", NULL);
	}
	s->reload_gen++;
	oda_snapshot_t *old = atomic_load(&s->snap);
	od_auth_conf_t nconf;
	const od_auth_conf_t *conf = &s->conf;
	oda_runtime_t *rt = s->rt;
	oda_zstate_t **zst = s->zstate;
	keylist_t changed = { 0 }, restart = { 0 };
	zres_t *res = NULL;
	bool *up = NULL;
	oda_snapshot_t *snap = NULL;
	int r;
	if (config) {
		bool usage;
		if ((r = build_conf(reload_cli, &nconf, e, sizeof(e), &usage)) <
		    0) {
			od_log_error("reload failed", "error=\"%s\"", e);
			snprintf(err, errlen, "reload failed: %s", e);
			return r;
		}
		conf = &nconf;
		changes(&s->conf, &nconf, &changed);
		if ((r = keep_running(&s->conf, &nconf, &restart)) < 0 ||
		    (r = rt_new(s, &nconf, &zst, &rt, e, sizeof(e))) < 0) {
			if (e[0] == '\0')
				snprintf(e, sizeof(e), "%s", od_strerror(r));
			od_auth_conf_free(&nconf);
			od_log_error("reload failed", "error=\"%s\"", e);
			snprintf(err, errlen, "reload failed: %s", e);
			return r;
		}
	}
	res = calloc(conf->nzones + 1, sizeof(*res));
	up = calloc(conf->nzones + 1, sizeof(*up));
	snap = snapshot_new(rt);
	if (res == NULL || up == NULL || snap == NULL) {
		r = OD_ENOMEM;
		snprintf(e, sizeof(e), "%s", od_strerror(r));
		goto fail;
	}
	/* An existing zone that fails keeps its old version: the rest goes
	   on. A new zone that fails fails the reload. */
	r = build_db(conf, zst, old->db, zi, config, res, &snap->db, e,
	             sizeof(e));
	if (snap->db == NULL)
		goto fail;
	if (config && !od_listens_eq(s->conf.listen, s->conf.nlisten,
	                             nconf.listen, nconf.nlisten)) {
		/* The last step that can fail, and the only one that
		   changes something: all or nothing. */
		int lr = od_net_set_listen(s->net, nconf.listen, nconf.nlisten,
		                           e, sizeof(e));
		if (lr < 0) {
			r = lr;
			goto fail;
		}
		if (lr > 0)
			od_log_warn("listener change incomplete",
			            "error=\"%s\"", e);
		for (size_t i = 0; i < nconf.nlisten; i++) {
			char a[80];
			od_sockaddr_str(
			        (struct sockaddr *)&nconf.listen[i].addr, a,
			        sizeof(a));
			od_log_info("listening", "addr=%s transports=udp,tcp",
			            a);
		}
	}
	for (size_t i = 0; i < conf->nzones; i++)
		up[i] = next_journal(conf->zones[i].origin, zst[i]->slot, old,
		                     snap);
	atomic_store_explicit(&s->snap, snap, memory_order_release);
	od_net_synchronize(s->net);
	snapshot_free(old);
	if (config) {
		if (out) {
			keylist_json(out, "changed", &changed);
			keylist_json(out, "restart", &restart);
			zone_diff_json(out, "zones_added", &nconf, &s->conf);
			zone_diff_json(out, "zones_removed", &s->conf, &nconf);
		}
		commit_conf(s, &nconf, rt, zst);
		char cs[256], rs[256];
		keylist_str(cs, sizeof(cs), &changed);
		keylist_str(rs, sizeof(rs), &restart);
		od_log_info("configuration reloaded", "changed=%s restart=%s",
		            cs, rs);
	}
	commit_zres(s, s->conf.nzones, s->zstate, res);
	for (size_t i = 0; i < s->conf.nzones; i++) {
		const od_authzone_t *az =
		        od_authdb_get(snap->db, s->conf.zones[i].origin);
		if (up[i] && az)
			send_notifies(s, i, od_authzone_zone(az));
	}
	size_t failed = 0;
	for (size_t i = 0; i < s->conf.nzones; i++)
		failed += res[i].tried && res[i].result < 0;
	od_log(failed ? OD_LOG_WARN : OD_LOG_INFO, "reload done",
	       "zones=%zu failed=%zu", od_authdb_count(snap->db), failed);
	free(res);
	free(up);
	return r;
fail:
	if (e[0] == '\0')
		snprintf(e, sizeof(e), "%s", od_strerror(r));
	od_log_error("reload failed", "error=\"%s\"", e);
	snprintf(err, errlen, "reload failed: %s", e);
	free(res);
	free(up);
	if (snap)
		snapshot_free(snap);
	if (config) {
		if (rt->rrl == s->rt->rrl)
			rt->rrl = NULL;
		rt_free(rt);
		free_new_zstates(s, &nconf, zst);
		od_auth_conf_free(&nconf);
	}
	return r < 0 ? r : OD_EINVAL;
}

static int reload(oda_server_t *s, const uint8_t *zone, bool config,
                  od_sbuf_t *out, char *err, size_t errlen)
{
	pthread_mutex_lock(&s->reload_lock);
	err[0] = '\0';
	int r = reload_locked(s, zone, config, out, err, errlen);
	s->reload_last = (int64_t)time(NULL);
	s->reload_last_result = r;
	if (r == 0)
		s->reloads_ok++;
	else
		s->reloads_failed++;
	pthread_mutex_unlock(&s->reload_lock);
	return r;
}

/* Counters and zone state, before the zones are loaded. */
static int setup_ops(oda_server_t *s)
{
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	s->started = (int64_t)time(NULL);
	s->reload = reload;
	s->nwstats = s->conf.workers ? s->conf.workers
	                             : (unsigned)(nproc > 0 ? nproc : 1);
	if (s->nwstats > 256)
		s->nwstats = 256;
	s->wstats = aligned_alloc(_Alignof(oda_wstats_t),
	                          s->nwstats * sizeof(oda_wstats_t));
	bool ok = s->wstats != NULL;
	if (s->wstats)
		memset(s->wstats, 0, s->nwstats * sizeof(oda_wstats_t));
	if (!ok || pthread_mutex_init(&s->reload_lock, NULL) != 0) {
		od_log_error("startup failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		return OD_ENOMEM;
	}
	s->reload_lock_made = true;
	return 0;
}

/* The control socket and the metrics listener (the caller holds the
   reload lock until the workers run: a reload needs them). */
static int start_ops(oda_server_t *s, od_ctl_t **ctl, char *ctl_path,
                     oda_metrics_t **metrics)
{
	char err[600];
	/* Only the default path can be too long (--control and control
	   are checked): that is the warning below. */
	if (oda_control_path(&s->conf, ctl_path, ODA_CONTROL_PATH_MAX + 1, err,
	                     sizeof(err)) == 0 &&
	    oda_control_start(ctl, s, ctl_path, err, sizeof(err)) == 0) {
		od_log_info("control socket", "path=%s", ctl_path);
	} else if (s->conf.control) {
		/* Asked for: the operator expects it. */
		od_log_error("startup failed", "error=\"%s\"", err);
		return OD_EINVAL;
	} else {
		/* The default place (the state directory may not exist, or
		   another daemon holds it): serve queries anyway. */
		od_log_warn("no control socket", "error=\"%s\"", err);
	}
	if (s->conf.metrics_on) {
		char ma[80];
		if (oda_metrics_start(metrics, s, &s->conf.metrics, err,
		                      sizeof(err)) < 0) {
			od_log_error("startup failed", "error=\"%s\"", err);
			return OD_EINVAL;
		}
		if (od_sockaddr_str((struct sockaddr *)&s->conf.metrics.addr,
		                    ma, sizeof(ma)) < 0)
			snprintf(ma, sizeof(ma), "?");
		od_log_info("metrics", "addr=%s", ma);
		s->metrics_on = true;
	}
	return 0;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "onedot-auth: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

int main(int argc, char **argv)
{
	oda_server_t s = { 0 };
	char err[2048];
	cli_t cli = { 0 };
	od_ctl_t *ctl = NULL;
	oda_metrics_t *metrics = NULL;
	char ctl_path[ODA_CONTROL_PATH_MAX + 1];
	bool check_only = false, usage = false;
	zres_t *res = NULL;
	cli.listens = calloc((size_t)argc, sizeof(char *));
	cli.zones = calloc((size_t)argc, sizeof(char *));
	int ex = 1;
	if (cli.listens == NULL || cli.zones == NULL) {
		fprintf(stderr, "onedot-auth: out of memory\n");
		return 1;
	}
	od_auth_conf_init(&s.conf);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			ex = 0;
			goto out;
		} else if (strcmp(a, "--check-config") == 0) {
			check_only = true;
			continue;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			dst = &cli.conf_file;
		} else if (strcmp(a, "--listen") == 0) {
			dst = &cli.listens[cli.nlistens++];
		} else if (strcmp(a, "--zone") == 0) {
			dst = &cli.zones[cli.nzones++];
		} else if (strcmp(a, "--workers") == 0) {
			dst = &cli.workers;
		} else if (strcmp(a, "--log-level") == 0) {
			dst = &cli.log_level;
		} else if (strcmp(a, "--log-target") == 0) {
			dst = &cli.log_target;
		} else if (strcmp(a, "--state-dir") == 0) {
			dst = &cli.state;
		} else if (strcmp(a, "--control") == 0) {
			dst = &cli.control;
		} else if (strcmp(a, "--metrics") == 0) {
			dst = &cli.metrics;
		} else {
			ex = bad_usage("unknown argument '%s'", a);
			goto out;
		}
		if (++i >= argc) {
			ex = bad_usage("%s needs an argument", a);
			goto out;
		}
		*dst = argv[i];
	}
	/* A reload reads the same file and applies the same options. */
	reload_cli = &cli;
	if (build_conf(&cli, &s.conf, err, sizeof(err), &usage) < 0) {
		if (usage)
			ex = bad_usage("%s", err);
		else
			fprintf(stderr, "onedot-auth: %s\n", err);
		goto out;
	}
	od_log_set_level((od_log_level_t)s.conf.log_level);
	if (s.conf.log_target == OD_LOG_SYSLOG && !check_only) {
		int lr = od_log_set_syslog("onedot-auth");
		if (lr < 0)
			fprintf(stderr,
			        "onedot-auth: warning: log-target syslog: %s: %s "
			        "(lines are lost until a syslog daemon "
			        "listens there)\n",
			        _PATH_LOG, strerror(-lr));
	}
	if (s.conf.nzones == 0)
		od_log_warn("no zones configured: every query is refused",
		            NULL);

	if (setup_ops(&s) < 0)
		goto out;
	if (rt_new(&s, &s.conf, &s.zstate, &s.rt, err, sizeof(err)) < 0) {
		fprintf(stderr, "onedot-auth: %s\n", err);
		goto out;
	}
	oda_snapshot_t *snap = snapshot_new(s.rt);
	res = calloc(s.conf.nzones + 1, sizeof(*res));
	if (snap == NULL || res == NULL) {
		if (snap)
			snapshot_free(snap);
		od_log_error("startup failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		goto out;
	}
	if (build_db(&s.conf, s.zstate, NULL, -1, false, res, &snap->db, err,
	             sizeof(err)) < 0) {
		snapshot_free(snap);
		od_log_error("startup failed: a zone cannot be loaded", NULL);
		goto out;
	}
	commit_zres(&s, s.conf.nzones, s.zstate, res);
	atomic_store(&s.snap, snap);
	od_authdb_t *db = snap->db;
	if (check_only) {
		printf("onedot-auth: configuration ok, %zu zones\n",
		       od_authdb_count(db));
		ex = 0;
		goto out;
	}
	log_rrl(s.rt);

	/* Signals go to the main thread only: block them before the
	   workers start (they inherit the mask), then wait for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	od_net_conf_t nc = { .listen = s.conf.listen,
		             .nlisten = s.conf.nlisten,
		             .workers = s.conf.workers,
		             .tcp_idle_ms = s.conf.tcp_idle_ms,
		             .tcp_max_conns = s.conf.tcp_max_conns,
		             .handler = handle,
		             .worker_init = worker_init,
		             .worker_free = worker_free,
		             .ctx = &s };
	/* The control socket and the metrics are up when the first query
	   is answered; the lock holds back a reload (and a scrape) until
	   the workers run. */
	pthread_mutex_lock(&s.reload_lock);
	int r = start_ops(&s, &ctl, ctl_path, &metrics);
	if (r == 0 && (r = od_net_start(&s.net, &nc, err, sizeof(err))) < 0)
		od_log_error("startup failed", "error=\"%s\"", err);
	if (r == 0) {
		/* Still under the lock: a reload replaces what is read. */
		for (size_t i = 0; i < s.conf.nlisten; i++) {
			char a[80];
			od_sockaddr_str(
			        (struct sockaddr *)&s.conf.listen[i].addr, a,
			        sizeof(a));
			od_log_info("listening", "addr=%s transports=udp,tcp",
			            a);
		}
		od_log_info("started", "zones=%zu workers=%u",
		            od_authdb_count(db), s.nwstats);
	}
	pthread_mutex_unlock(&s.reload_lock);
	if (r < 0)
		goto out;
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			/* Logged there ("reload failed" with the reason). */
			reload(&s, NULL, true, NULL, err, sizeof(err));
			continue;
		}
		od_log_info("stopping", "signal=%s",
		            sig == SIGTERM ? "TERM" : "INT");
		break;
	}
	ex = 0;
out:
	/* The control thread may be reloading: it stops first. */
	od_ctl_stop(ctl);
	oda_metrics_stop(metrics);
	if (s.net)
		od_net_stop(s.net);
	snapshot_free(atomic_load(&s.snap));
	rt_free(s.rt);
	free(s.wstats);
	free(res);
	/* A NOTIFY thread still retrying writes to the zones' state. */
	if (atomic_load(&notify_running) == 0) {
		for (size_t i = 0; s.zstate && i < s.conf.nzones; i++)
			free(s.zstate[i]);
		for (size_t i = 0; i < s.nretired; i++)
			free(s.retired[i]);
	}
	free(s.zstate);
	free(s.retired);
	if (s.reload_lock_made)
		pthread_mutex_destroy(&s.reload_lock);
	od_auth_conf_free(&s.conf);
	free(cli.listens);
	free(cli.zones);
	return ex;
}
