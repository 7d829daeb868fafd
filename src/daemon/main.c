/* SPDX-License-Identifier: MIT */
/*
 * onedot: the recursive resolver. Reads the configuration, creates the
 * shared caches, starts the workers (src/net) that drive the resolution
 * engine (worker.h), and waits for signals. See docs/onedot.md.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf/listen.h"
#include "daemon/clock.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/localroot.h"
#include "daemon/metrics.h"
#include "daemon/qlog.h"
#include "daemon/reload.h"
#include "daemon/trust.h"
#include "daemon/worker.h"
#include "lib/error.h"
#include "lib/log.h"
#include "net/net.h"
#include "resolve/cache_snap.h"
#include "resolve/resolve.h"

static const char usage_text[] =
        "usage: onedot [-c FILE] [--listen ADDR[@PORT]]... "
        "[--root-hints FILE]\n"
        "              [--trust-anchor FILE] [--state-dir DIR] "
        "[--nta NAME[:DURATION]]...\n"
        "              [--control PATH] [--metrics ADDR@PORT]\n"
        "              [--no-dnssec] [--workers N] [--log-level LEVEL]\n"
        "              [--log-target stderr|syslog] "
        "[--localroot SOURCE]...\n"
        "              [--check-config]\n"
        "\n"
        "  -c, --config FILE     YAML configuration (docs/onedot.md)\n"
        "  --listen ADDR[@PORT]  serve UDP and TCP there (repeatable;\n"
        "                        default 127.0.0.1@53); replaces listen\n"
        "                        of the config file\n"
        "  --root-hints FILE     root servers in zone file syntax\n"
        "                        (default: built in)\n"
        "  --trust-anchor FILE   DNSSEC trust anchors, DS or DNSKEY records\n"
        "                        (default: the built-in root KSKs)\n"
        "  --state-dir DIR       where the RFC 5011 trust anchor state and\n"
        "                        the cache snapshot are kept (default\n"
        "                        " ODD_STATE_DIR_DEFAULT ")\n"
        "  --nta NAME[:DURATION] negative trust anchor: no validation at\n"
        "                        and below NAME (repeatable; DURATION in\n"
        "                        seconds or with s, m, h, d; default: until\n"
        "                        removed)\n"
        "  --control PATH        control socket for onedotctl (default\n"
        "                        STATE_DIR/" ODD_CONTROL_FILE ")\n"
        "  --metrics ADDR@PORT   serve Prometheus metrics over HTTP there\n"
        "                        (GET /metrics; default: off)\n"
        "  --no-dnssec           do not validate (no trust anchors, no\n"
        "                        state directory)\n"
        "  --workers N           worker threads (default: one per CPU)\n"
        "  --log-level LEVEL     error, warn, info (default) or debug\n"
        "  --log-target TARGET   stderr (default) or syslog\n"
        "  --localroot SOURCE    serve the root zone from a verified local\n"
        "                        copy (RFC 8806) fetched from SOURCE:\n"
        "                        axfr://ADDR[@PORT], https://URL,\n"
        "                        http://URL or file:PATH (repeatable,\n"
        "                        tried in order;\n"
        "                        added to the file's sources; needs\n"
        "                        validation; docs/localroot.md)\n"
        "  --check-config        read the config and the hints, report, "
        "exit\n"
        "  -h, --help            this text\n"
        "\n"
        "signals: SIGTERM/SIGINT stop; SIGHUP reloads the configuration\n"
        "(the same file and options; docs/onedot.md, \"Reload\")\n"
        "exit: 0 stopped cleanly, 1 startup failed, 2 usage error\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "onedot: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

static int set_str(char **dst, const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		return OD_ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

static void size_str(size_t v, char *out, size_t cap)
{
	if (v % ((size_t)1 << 30) == 0)
		snprintf(out, cap, "%zuG", v >> 30);
	else if (v % ((size_t)1 << 20) == 0)
		snprintf(out, cap, "%zuM", v >> 20);
	else if (v % 1024 == 0)
		snprintf(out, cap, "%zuK", v >> 10);
	else
		snprintf(out, cap, "%zu", v);
}

/*
 * Every upstream exchange holds a socket: lift the soft limit on open
 * files to the hard one, so a busy resolver does not run out of sockets
 * (and blame the servers it could not reach).
 */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		od_log_warn("cannot raise the open-file limit", "limit=%llu",
		            (unsigned long long)rl.rlim_cur);
}

/* The command line, kept for each reload (checked at start). */
typedef struct cli {
	const char *conf_file, *hints, *ta, *state, *control, *metrics;
	const char *workers, *log_level, *log_target;
	const char **listens, **ntas, **lrs;
	size_t nlistens, nntas, nlrs;
	bool no_dnssec;
} cli_t;

/*
 * The --localroot sources: appended to those of the file. \return 0, or
 * an error with the message in err (2 for the caller: a usage error).
 */
static int add_lr_sources(odd_conf_t *c, const char **lrs, size_t n, char *err,
                          size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		odd_lr_source_t src;
		char e[400];
		int r = odd_lr_source_parse(lrs[i], &src, e, sizeof(e));
		if (r < 0) {
			snprintf(err, errlen, "--localroot %s", e);
			return r;
		}
		r = odd_lr_conf_add(&c->localroot, &src);
		if (r < 0) {
			odd_lr_source_free(&src);
			if (r == OD_ELIMIT)
				snprintf(err, errlen,
				         "--localroot '%s': at most %u sources",
				         lrs[i], ODD_LR_SOURCES_MAX);
			else
				snprintf(err, errlen, "out of memory");
			return r;
		}
	}
	return 0;
}

/*
 * odd_conf_build_fn of a reload: the file, then the command line over
 * it, as at start (whose checks the options passed then).
 */
static int build_conf(void *ctx, odd_conf_t *c, char *err, size_t errlen)
{
	const cli_t *a = ctx;
	int r = odd_conf_init(c);
	if (r < 0)
		return r;
	if (a->conf_file &&
	    (r = odd_conf_load(c, a->conf_file, err, errlen)) < 0)
		goto fail;
	if (a->nlistens)
		c->nlisten = 0;
	for (size_t i = 0; i < a->nlistens; i++)
		if ((r = odd_conf_add_listen(c, a->listens[i])) < 0)
			goto fail;
	if ((a->hints && (r = set_str(&c->root_hints, a->hints)) < 0) ||
	    (a->ta && (r = set_str(&c->trust_anchor, a->ta)) < 0) ||
	    (a->state && (r = set_str(&c->state_dir, a->state)) < 0) ||
	    (a->control && (r = set_str(&c->control, a->control)) < 0))
		goto fail;
	if (a->metrics && (r = od_listen_parse_endpoint(a->metrics, &c->metrics,
	                                                err, errlen)) < 0)
		goto fail;
	if (a->metrics)
		c->metrics_on = true;
	if (a->no_dnssec)
		c->dnssec = false;
	if ((r = add_lr_sources(c, a->lrs, a->nlrs, err, errlen)) < 0)
		goto fail;
	for (size_t i = 0; i < a->nntas; i++) {
		odd_nta_conf_t nta;
		if ((r = odd_nta_parse(a->ntas[i], ':', &nta, err, errlen)) <
		            0 ||
		    (r = odd_conf_add_nta(c, &nta)) < 0)
			goto fail;
	}
	if (a->workers)
		c->workers = (unsigned)strtoul(a->workers, NULL, 10);
	od_log_level_t lvl;
	if (a->log_level && od_log_level_parse(a->log_level, &lvl) == 0)
		c->log_level = (int)lvl;
	od_log_target_t tgt;
	if (a->log_target && od_log_target_parse(a->log_target, &tgt) == 0)
		c->log_target = (int)tgt;
	if ((r = odd_conf_finish(c, err, errlen)) < 0)
		goto fail;
	return 0;
fail:
	if (r == OD_ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	odd_conf_free(c);
	return r;
}

static uint64_t mono_ms(void)
{
	return odd_mono_ms();
}

/* STATE_DIR/cache.snapshot; false (with a warning) when too long. */
static bool snap_path(const odd_conf_t *conf, char *out, size_t cap)
{
	const char *dir = conf->state_dir ? conf->state_dir
	                                  : ODD_STATE_DIR_DEFAULT;
	int n = snprintf(out, cap, "%s/%s", dir, ODD_CACHE_SNAPSHOT);
	if (n < 0 || (size_t)n >= cap) {
		od_log_warn("no cache snapshot", "error=\"state directory "
		                                 "path too long\"");
		return false;
	}
	return true;
}

/*
 * Whether the snapshot is used (say: log why not, at start). Without
 * validation the default state directory is nobody's to write unless
 * it is named; with trust-anchor-read-only the state directory is not
 * written at all.
 */
static bool snap_on(const odd_conf_t *conf, bool say)
{
	if (!conf->cache_snapshot)
		return false;
	if (conf->dnssec && conf->ta_read_only) {
		if (say)
			od_log_info(
			        "cache snapshot off",
			        "reason=\"trust-anchor-read-only: the state "
			        "directory is not written\"");
		return false;
	}
	if (!conf->dnssec && conf->state_dir == NULL) {
		if (say)
			od_log_warn("cache snapshot off",
			            "reason=\"validation is off and no state "
			            "directory is given\"");
		return false;
	}
	return true;
}

/*
 * Warm the cache from the snapshot of the last clean stop, before the
 * workers start. A missing, corrupt or incompatible snapshot leaves the
 * cache empty (with a warning for the last two). \return true when one
 * was loaded.
 */
static bool snap_load(odd_server_t *srv, const odd_conf_t *conf)
{
	char path[4096], err[600];
	if (!snap_on(conf, true) || !snap_path(conf, path, sizeof(path)))
		return false;
	uint64_t t0 = mono_ms();
	odr_snap_counts_t n;
	/* The cache never holds more than its budget; the snapshot is
	   smaller than what it holds. */
	size_t max = conf->cache_size * 2 + ((size_t)1 << 20);
	/* Before the workers: nothing else writes to the cache yet, so
	   stale entries may come back too. */
	int r = odr_snap_read(srv->cache, path, max, t0 / 1000,
	                      (int64_t)time(NULL), odd_snap_context(srv),
	                      ODR_SNAP_STALE, &n, err, sizeof(err));
	if (r == -ENOENT) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", path);
		*strrchr(dir, '/') = '\0';
		if (access(dir, W_OK) != 0)
			od_log_warn("cache snapshot off", "dir=%s error=\"%s\"",
			            dir, strerror(errno));
		else
			od_log_info("no cache snapshot", "path=%s", path);
		return false;
	}
	if (r < 0) {
		od_log_warn("cache snapshot ignored", "error=\"%s\"", err);
		return false;
	}
	od_log_info("cache snapshot loaded",
	            "path=%s entries=%zu skipped=%zu age=%llds bytes=%zu "
	            "ms=%llu",
	            path, n.entries, n.skipped,
	            (long long)((int64_t)time(NULL) - n.written), n.bytes,
	            (unsigned long long)(mono_ms() - t0));
	return true;
}

/*
 * Once started, the loaded snapshot is removed, so that a crash later
 * does not bring back entries flushed meanwhile; the next clean stop
 * writes a new one. (A start that fails keeps it for the next try.)
 */
static void snap_drop(const odd_conf_t *conf)
{
	char path[4096];
	if (snap_path(conf, path, sizeof(path)) && unlink(path) != 0)
		od_log_warn("cache snapshot not removed",
		            "path=%s error=\"%s\"", path, strerror(errno));
}

/* Write the cache to the snapshot, after the workers have stopped. */
static void snap_save(odd_server_t *srv, const odd_conf_t *conf)
{
	char path[4096], err[600];
	if (!snap_on(conf, false) || !snap_path(conf, path, sizeof(path)))
		return;
	uint64_t t0 = mono_ms();
	odr_snap_counts_t n;
	if (odr_snap_write(srv->cache, path, t0 / 1000, (int64_t)time(NULL),
	                   odd_snap_context(srv), &n, err, sizeof(err)) < 0) {
		od_log_warn("cache snapshot not written", "error=\"%s\"", err);
		return;
	}
	od_log_info("cache snapshot written",
	            "path=%s entries=%zu bytes=%zu ms=%llu", path, n.entries,
	            n.bytes, (unsigned long long)(mono_ms() - t0));
}

/*
 * --check-config: what opening the query log would find wrong (its
 * directory missing or not writable, the file not writable), without
 * creating anything.
 */
/* The names the local root's purge forgets: the root and single-label
 * names (what root answers are about). */
typedef struct lr_names {
	uint8_t (*v)[OD_NAME_MAXLEN];
	size_t n, cap;
	bool oom;
} lr_names_t;

static int lr_collect(const odr_rrset_t *set, const odr_neg_t *neg,
                      const uint8_t *qname, uint16_t qtype, void *ctx)
{
	(void)set;
	(void)neg;
	(void)qtype;
	lr_names_t *ns = ctx;
	/* A name with several entries is listed (and flushed) again:
	   harmless, and no quadratic search. */
	if (od_name_labels(qname) > 1)
		return 0;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 256;
		void *nv = realloc(ns->v, cap * sizeof(*ns->v));
		if (nv == NULL) {
			ns->oom = true;
			return 1;
		}
		ns->v = nv;
		ns->cap = cap;
	}
	memcpy(ns->v[ns->n++], qname, od_name_len(qname));
	return 0;
}

/* odd_lr_purge_fn: see localroot.h. */
static void lr_purge(void *ctx)
{
	odd_server_t *srv = ctx;
	lr_names_t ns = { 0 };
	size_t flushed = 0;
	/* Collected first: the walk holds each shard's lock. now 0: stale
	   entries (serve-stale) go too. */
	(void)odr_cache_walk(srv->cache, lr_collect, &ns, 0);
	for (size_t i = 0; i < ns.n; i++)
		flushed += odr_cache_flush(srv->cache, ns.v[i], false);
	if (srv->aggr != NULL)
		(void)odr_aggr_flush(srv->aggr, (const uint8_t *)"");
	od_log_info("localroot purged the cache", "names=%zu entries=%zu%s",
	            ns.n, flushed,
	            ns.oom ? " error=\"out of memory: partial\"" : "");
	free(ns.v);
}

static bool qlog_writable(const char *file, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(file, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == file)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "directory %.400s: %s", dir,
		         strerror(errno));
		return false;
	}
	if (access(file, F_OK) == 0 && access(file, W_OK) != 0) {
		snprintf(err, errlen, "%.400s: %s", file, strerror(errno));
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	odd_conf_t conf;
	odd_server_t srv;
	memset(&srv, 0, sizeof(srv));
	odr_conf_t rconf0;
	cli_t cli;
	od_net_t *net = NULL;
	char err[600];
	const char *conf_file = NULL, *log_level = NULL, *workers_s = NULL;
	const char *log_target = NULL;
	const char *hints_s = NULL, *ta_s = NULL, *state_s = NULL;
	const char *control_s = NULL, *metrics_s = NULL;
	odd_metrics_t *metrics = NULL;
	od_ctl_t *ctl = NULL;
	char ctl_path[ODD_CONTROL_PATH_MAX + 1];
	bool check_only = false, no_dnssec = false;
	odd_trust_t *trust = NULL;
	int ex = 1;
	const char **listens = calloc((size_t)argc + 1, sizeof(char *));
	const char **ntas = calloc((size_t)argc + 1, sizeof(char *));
	const char **lrs = calloc((size_t)argc + 1, sizeof(char *));
	size_t nlistens = 0, nntas = 0, nlrs = 0;
	if (listens == NULL || ntas == NULL || lrs == NULL ||
	    odd_conf_init(&conf) < 0) {
		fprintf(stderr, "onedot: out of memory\n");
		free(listens);
		free(ntas);
		free(lrs);
		return 1;
	}
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
		} else if (strcmp(a, "--no-dnssec") == 0) {
			no_dnssec = true;
			continue;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			dst = &conf_file;
		} else if (strcmp(a, "--listen") == 0) {
			dst = &listens[nlistens++];
		} else if (strcmp(a, "--root-hints") == 0) {
			dst = &hints_s;
		} else if (strcmp(a, "--trust-anchor") == 0) {
			dst = &ta_s;
		} else if (strcmp(a, "--state-dir") == 0) {
			dst = &state_s;
		} else if (strcmp(a, "--control") == 0) {
			dst = &control_s;
		} else if (strcmp(a, "--metrics") == 0) {
			dst = &metrics_s;
		} else if (strcmp(a, "--nta") == 0) {
			dst = &ntas[nntas++];
		} else if (strcmp(a, "--localroot") == 0) {
			dst = &lrs[nlrs++];
		} else if (strcmp(a, "--workers") == 0) {
			dst = &workers_s;
		} else if (strcmp(a, "--log-level") == 0) {
			dst = &log_level;
		} else if (strcmp(a, "--log-target") == 0) {
			dst = &log_target;
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
	if (conf_file &&
	    odd_conf_load(&conf, conf_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "onedot: %s\n", err);
		goto out;
	}
	if (nlistens) {
		/* The command line replaces the file's listeners. */
		conf.nlisten = 0;
		for (size_t i = 0; i < nlistens; i++) {
			if (odd_conf_add_listen(&conf, listens[i]) < 0) {
				ex = bad_usage("--listen '%s': expected ADDR "
				               "or ADDR@PORT",
				               listens[i]);
				goto out;
			}
		}
	}
	if ((hints_s && set_str(&conf.root_hints, hints_s) < 0) ||
	    (ta_s && set_str(&conf.trust_anchor, ta_s) < 0) ||
	    (state_s && set_str(&conf.state_dir, state_s) < 0) ||
	    (control_s && set_str(&conf.control, control_s) < 0)) {
		fprintf(stderr, "onedot: out of memory\n");
		goto out;
	}
	if (state_s && *state_s == '\0') {
		ex = bad_usage("--state-dir '%s': expected a directory",
		               state_s);
		goto out;
	}
	if (control_s &&
	    (*control_s == '\0' || strlen(control_s) > ODD_CONTROL_PATH_MAX)) {
		ex = bad_usage("--control '%s': expected a socket path "
		               "(1..107 octets)",
		               control_s);
		goto out;
	}
	if (metrics_s) {
		if (od_listen_parse_endpoint(metrics_s, &conf.metrics, err,
		                             sizeof(err)) < 0) {
			fprintf(stderr, "onedot: --metrics %s\n%s", err,
			        usage_text);
			ex = 2;
			goto out;
		}
		conf.metrics_on = true;
	}
	if (no_dnssec)
		conf.dnssec = false;
	for (size_t i = 0; i < nntas; i++) {
		/* Added to the file's NTAs (a later one for the same name
		   wins). */
		odd_nta_conf_t nta;
		if (odd_nta_parse(ntas[i], ':', &nta, err, sizeof(err)) < 0) {
			fprintf(stderr, "onedot: --nta %s\n%s", err,
			        usage_text);
			ex = 2;
			goto out;
		}
		if (odd_conf_add_nta(&conf, &nta) < 0) {
			fprintf(stderr, "onedot: out of memory\n");
			goto out;
		}
	}
	{
		int lr = add_lr_sources(&conf, lrs, nlrs, err, sizeof(err));
		if (lr == OD_ENOMEM) {
			fprintf(stderr, "onedot: out of memory\n");
			goto out;
		}
		if (lr < 0) {
			fprintf(stderr, "onedot: %s\n%s", err, usage_text);
			ex = 2;
			goto out;
		}
	}
	if (workers_s) {
		char *end;
		unsigned long v = strtoul(workers_s, &end, 10);
		if (*workers_s < '0' || *workers_s > '9' || *end || v > 256) {
			ex = bad_usage("--workers '%s': expected 0..256",
			               workers_s);
			goto out;
		}
		conf.workers = (unsigned)v;
	}
	if (log_level) {
		od_log_level_t lvl;
		if (od_log_level_parse(log_level, &lvl) < 0) {
			ex = bad_usage("--log-level '%s': expected error, "
			               "warn, info or debug",
			               log_level);
			goto out;
		}
		conf.log_level = (int)lvl;
	}
	if (log_target) {
		od_log_target_t t;
		if (od_log_target_parse(log_target, &t) < 0) {
			ex = bad_usage("--log-target '%s': expected stderr or "
			               "syslog",
			               log_target);
			goto out;
		}
		conf.log_target = (int)t;
	}
	od_log_set_level((od_log_level_t)conf.log_level);
	if (conf.log_target == OD_LOG_SYSLOG && !check_only) {
		int lr = od_log_set_syslog("onedot");
		if (lr < 0)
			fprintf(stderr,
			        "onedot: warning: log-target syslog: %s: %s "
			        "(lines are lost until a syslog daemon "
			        "listens there)\n",
			        _PATH_LOG, strerror(-lr));
	}
	if (odd_conf_finish(&conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "onedot: %s\n", err);
		goto out;
	}

	int r;
	if (conf.root_hints)
		r = odr_hints_load(&srv.hints, conf.root_hints, err,
		                   sizeof(err));
	else
		r = odr_hints_default(&srv.hints);
	if (r < 0) {
		if (conf.root_hints)
			fprintf(stderr, "onedot: %s\n", err);
		else
			fprintf(stderr, "onedot: built-in root hints: %s\n",
			        od_strerror(r));
		goto out;
	}
	if (srv.hints.n == 0) {
		fprintf(stderr, "onedot: %s: no root server addresses\n",
		        conf.root_hints ? conf.root_hints : "root hints");
		goto out;
	}
	if (conf.dnssec) {
		if (odd_trust_open(&trust, &conf, check_only, err,
		                   sizeof(err)) < 0) {
			fprintf(stderr, "onedot: %s\n", err);
			goto out;
		}
	} else if (conf.trust_anchor || conf.nntas) {
		od_log_warn("DNSSEC validation is off: the trust anchor and "
		            "negative trust anchors are not used",
		            NULL);
	}
	if (conf.prefill.file && odd_prefill_open(&srv.prefill, &conf.prefill,
	                                          err, sizeof(err)) < 0) {
		fprintf(stderr, "onedot: prefill: %s\n", err);
		goto out;
	}
	if (srv.prefill) {
		odd_prefill_stats_t ps;
		odd_prefill_stats(srv.prefill, &ps);
		od_log_info("prefill list", "file=%s names=%llu",
		            conf.prefill.file, (unsigned long long)ps.names);
	}
	/* After the trust anchors (the copy is verified against them),
	   before the workers: the saved copy is loaded and verified now,
	   so the first queries can be answered from it. */
	if (conf.localroot.nsources) {
		const char *sd = conf.state_dir ? conf.state_dir
		                                : ODD_STATE_DIR_DEFAULT;
		if (odd_localroot_open(&srv.localroot, &conf.localroot, sd,
		                       trust, check_only, err,
		                       sizeof(err)) < 0) {
			fprintf(stderr, "onedot: localroot: %s\n", err);
			goto out;
		}
		srv.lr_hook = (odr_localroot_t){ .answer = odd_localroot_answer,
			                         .ctx = srv.localroot };
		odd_localroot_set_purge(srv.localroot, lr_purge, &srv);
	}
	if (check_only && conf.qlog_file &&
	    !qlog_writable(conf.qlog_file, err, sizeof(err))) {
		fprintf(stderr, "onedot: query-log: %s\n", err);
		goto out;
	}
	if (check_only) {
		printf("onedot: configuration ok, %zu root server addresses, "
		       "validation %s",
		       srv.hints.n, conf.dnssec ? "on" : "off");
		if (conf.localroot.nsources)
			printf(", local root from %zu source%s",
			       conf.localroot.nsources,
			       conf.localroot.nsources == 1 ? "" : "s");
		putchar('\n');
		ex = 0;
		goto out;
	}
	srv.trust = trust;

	srv.conf = &conf;
	odd_conf_engine(&conf, &rconf0);
	srv.rconf = &rconf0;
	cli = (cli_t){ .conf_file = conf_file,
		       .hints = hints_s,
		       .ta = ta_s,
		       .state = state_s,
		       .control = control_s,
		       .metrics = metrics_s,
		       .workers = workers_s,
		       .log_level = log_level,
		       .log_target = log_target,
		       .listens = listens,
		       .ntas = ntas,
		       .lrs = lrs,
		       .nlistens = nlistens,
		       .nntas = nntas,
		       .nlrs = nlrs,
		       .no_dnssec = no_dnssec };
	srv.reload = odd_reload_new(&srv, build_conf, &cli);
	if (srv.reload == NULL) {
		od_log_error("startup failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		goto out;
	}
	/* Serve-stale: expired entries stay for the window (RFC 8767). */
	odr_cache_conf_t cc = { .max_bytes = conf.cache_size,
		                .stale_window = conf.serve_stale
		                                        ? conf.stale_window
		                                        : 0 };
	odr_infra_conf_t ic = { 0 };
	srv.cache = odr_cache_new(&cc);
	srv.infra = odr_infra_new(&ic);
	/* RFC 8198 synthesis only serves a validating resolver. */
	if (conf.dnssec && conf.aggressive_nsec)
		srv.aggr = odr_aggr_new(conf.cache_size / 8);
	if (srv.cache == NULL || srv.infra == NULL ||
	    (conf.dnssec && conf.aggressive_nsec && srv.aggr == NULL)) {
		od_log_error("startup failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		goto out;
	}
	bool snap_loaded = snap_load(&srv, &conf);

	/* Signals go to the main thread only: block them before the
	   workers start (they inherit the mask), then wait for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	od_net_conf_t nc = { .listen = conf.listen,
		             .nlisten = conf.nlisten,
		             .workers = conf.workers,
		             .handler = odd_handle,
		             .worker_init = odd_worker_init,
		             .worker_stop = odd_worker_stop,
		             .worker_free = odd_worker_free,
		             .ctx = &srv };
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	srv.nwstats = conf.workers ? conf.workers
	                           : (unsigned)(nproc > 0 ? nproc : 1);
	srv.wstats = aligned_alloc(_Alignof(odd_wstats_t),
	                           srv.nwstats * sizeof(odd_wstats_t));
	if (srv.wstats == NULL) {
		od_log_error("startup failed", "error=\"%s\"",
		             od_strerror(OD_ENOMEM));
		goto out;
	}
	memset(srv.wstats, 0, srv.nwstats * sizeof(odd_wstats_t));
	srv.started = (int64_t)time(NULL);
	/* After the signal mask: its thread must not take the signals. */
	if (conf.qlog_file) {
		if (odd_qlog_open(&srv.qlog, conf.qlog_file, conf.qlog_rotate,
		                  conf.qlog_keep, srv.nwstats, err,
		                  sizeof(err)) < 0) {
			od_log_error("startup failed", "error=\"%s\"", err);
			goto out;
		}
		od_log_info("query log", "file=%s rotate=%us keep=%u",
		            conf.qlog_file, conf.qlog_rotate, conf.qlog_keep);
	}
	/* Only the default path can be too long (--control and control
	   are checked): that is the warning below. */
	if (odd_control_path(&conf, ctl_path, sizeof(ctl_path), err,
	                     sizeof(err)) == 0 &&
	    odd_control_start(&ctl, &srv, ctl_path, err, sizeof(err)) == 0) {
		od_log_info("control socket", "path=%s", ctl_path);
	} else if (conf.control) {
		/* Asked for: the operator expects it. */
		od_log_error("startup failed", "error=\"%s\"", err);
		goto out;
	} else {
		/* The default place (another daemon may hold it; without
		   validation the state directory may not exist): serve
		   queries anyway. */
		od_log_warn("no control socket", "error=\"%s\"", err);
	}
	if (conf.metrics_on) {
		char ma[80];
		if (odd_metrics_start(&metrics, &srv, &conf.metrics, err,
		                      sizeof(err)) < 0) {
			od_log_error("startup failed", "error=\"%s\"", err);
			goto out;
		}
		if (od_sockaddr_str((struct sockaddr *)&conf.metrics.addr, ma,
		                    sizeof(ma)) < 0)
			snprintf(ma, sizeof(ma), "?");
		od_log_info("metrics", "addr=%s", ma);
	}
	raise_nofile();
	if (od_net_start(&net, &nc, err, sizeof(err)) < 0) {
		od_log_error("startup failed", "error=\"%s\"", err);
		goto out;
	}
	/* Before a reload may change the listeners (od_net_set_listen
	   wants one controlling thread). */
	for (size_t i = 0; i < conf.nlisten; i++) {
		char a[80];
		struct sockaddr_storage ss;
		if (od_net_bound(net, i, &ss) < 0 ||
		    od_sockaddr_str((struct sockaddr *)&ss, a, sizeof(a)) < 0)
			snprintf(a, sizeof(a), "?");
		od_log_info("listening", "addr=%s transports=udp,tcp", a);
	}
	odd_reload_set_net(srv.reload, net);
	/* The workers answer (from the saved copy, when it verified): the
	   loader's first refresh starts now. */
	if (srv.localroot && odd_localroot_start(srv.localroot) < 0) {
		od_log_error("startup failed",
		             "error=\"the local root loader cannot start\"");
		od_ctl_stop(ctl);
		ctl = NULL;
		odd_metrics_stop(metrics);
		metrics = NULL;
		od_net_stop(net);
		goto out;
	}
	char cs[32];
	size_str(conf.cache_size, cs, sizeof(cs));
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	od_log_info("started",
	            "workers=%u cache-size=%s root-servers=%zu "
	            "qname-minimisation=%s validation=%s",
	            conf.workers ? conf.workers
	                         : (unsigned)(ncpu > 0 ? ncpu : 1),
	            cs, srv.hints.n, conf.qname_min ? "on" : "off",
	            trust ? "on" : "off");
	if (snap_loaded)
		snap_drop(&conf);
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			/* Logs what it did, or why it failed. */
			(void)odd_reload_run(srv.reload, NULL, err,
			                     sizeof(err));
			continue;
		}
		od_log_info("stopping", "signal=%s",
		            sig == SIGTERM ? "TERM" : "INT");
		break;
	}
	od_ctl_stop(ctl);
	ctl = NULL;
	odd_metrics_stop(metrics);
	metrics = NULL;
	od_net_stop(net);
	/* The settings in force now (a reload may have changed
	   trust-anchor-read-only). */
	snap_save(&srv, atomic_load(&srv.conf));
	odd_qlog_close(srv.qlog); /* after the workers: their last lines */
	srv.qlog = NULL;
	od_log_info("stopped", NULL);
	ex = 0;
out:
	/* Before what its commands read. */
	od_ctl_stop(ctl);
	odd_metrics_stop(metrics);
	odr_cache_free(srv.cache);
	odr_infra_free(srv.infra);
	if (srv.aggr != NULL)
		odr_aggr_free(srv.aggr);
	odr_hints_free(&srv.hints);
	/* After the workers (their env points at it) and the control and
	   metrics threads; before the trust anchors it reads. */
	odd_localroot_free(srv.localroot);
	/* After the workers: requests may hold a snapshot until then. */
	odd_trust_free(trust);
	odd_prefill_free(srv.prefill);
	odd_qlog_close(srv.qlog);
	free(srv.wstats);
	/* After every reader (workers, control, metrics). */
	odd_reload_free(srv.reload);
	odd_conf_free(&conf);
	free(listens);
	free(ntas);
	free(lrs);
	return ex;
}
