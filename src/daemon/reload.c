/* SPDX-License-Identifier: MIT */
#include "daemon/reload.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/listen.h"
#include "ctl/ctl.h"
#include "lib/error.h"
#include "lib/log.h"

/* A configuration the reloader made (the first one is the caller's). */
typedef struct gen {
	struct gen *older; /* every earlier one, freed at the end */
	odd_conf_t conf;
	odr_conf_t rconf;
} gen_t;

struct odd_reload {
	pthread_mutex_t lock;
	odd_server_t *srv;
	od_net_t *net;
	odd_conf_build_fn build;
	void *ctx;
	gen_t *gens; /* owned: the newest first */
};

/* Most keys one reload reports (changed, or needing a restart). */
#define KEYS_MAX 48

typedef struct keys {
	const char *k[KEYS_MAX];
	size_t n;
} keys_t;

static void key_add(keys_t *ks, const char *k)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i], k) == 0)
			return;
	if (ks->n < KEYS_MAX)
		ks->k[ks->n++] = k;
}

void odd_conf_engine(const odd_conf_t *c, odr_conf_t *out)
{
	*out = (odr_conf_t){
		.no_qname_min = !c->qname_min,
		.use_0x20 = c->use_0x20,
		.no_ipv6 = !c->ipv6,
		.edns_size = c->edns_size,
		.max_upstream = c->upstream_per_query,
		.max_ns_resolve = c->ns_per_delegation,
		.max_time_ms = c->time_per_query_ms,
		.nsec3_max_iter = c->nsec3_max_iter,
	};
}

odd_reload_t *odd_reload_new(odd_server_t *srv, odd_conf_build_fn build,
                             void *ctx)
{
	odd_reload_t *rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	pthread_mutex_init(&rl->lock, NULL);
	rl->srv = srv;
	rl->build = build;
	rl->ctx = ctx;
	return rl;
}

void odd_reload_set_net(odd_reload_t *rl, od_net_t *net)
{
	pthread_mutex_lock(&rl->lock);
	rl->net = net;
	pthread_mutex_unlock(&rl->lock);
}

void odd_reload_free(odd_reload_t *rl)
{
	if (rl == NULL)
		return;
	for (gen_t *g = rl->gens, *older; g; g = older) {
		older = g->older;
		odd_conf_free(&g->conf);
		free(g);
	}
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

/* Comparisons ----------------------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool acl_eq(const odd_conf_t *a, const odd_conf_t *b)
{
	if (a->nacl != b->nacl)
		return false;
	for (size_t i = 0; i < a->nacl; i++) {
		const odd_acl_rule_t *x = &a->acl[i], *y = &b->acl[i];
		if (x->family != y->family || x->bits != y->bits ||
		    x->allow != y->allow || memcmp(x->addr, y->addr, 16) != 0)
			return false;
	}
	return true;
}

static bool ntas_eq(const odd_conf_t *a, const odd_conf_t *b)
{
	if (a->nntas != b->nntas)
		return false;
	for (size_t i = 0; i < a->nntas; i++)
		if (!od_name_equal(a->ntas[i].name, b->ntas[i].name) ||
		    a->ntas[i].duration != b->ntas[i].duration)
			return false;
	return true;
}

static bool tsig_eq(const od_tsig_key_t *a, const od_tsig_key_t *b)
{
	return od_name_equal(a->name, b->name) && a->alg == b->alg &&
	       a->secret_len == b->secret_len &&
	       memcmp(a->secret, b->secret, a->secret_len) == 0;
}

static bool lr_eq(const odd_lr_conf_t *a, const odd_lr_conf_t *b)
{
	if (a->nsources != b->nsources || a->refresh != b->refresh ||
	    !str_eq(a->state, b->state) ||
	    a->require_zonemd != b->require_zonemd || a->margin != b->margin ||
	    a->ixfr != b->ixfr || a->has_tsig != b->has_tsig ||
	    (a->has_tsig && !tsig_eq(&a->tsig, &b->tsig)) ||
	    !str_eq(a->ca_file, b->ca_file))
		return false;
	/* A source is what its text says. */
	for (size_t i = 0; i < a->nsources; i++)
		if (a->sources[i].kind != b->sources[i].kind ||
		    !str_eq(a->sources[i].text, b->sources[i].text))
			return false;
	return true;
}

/*
 * A copy of the running local root settings into *dst (freed first):
 * the sources are parsed again from their text, so the copy owns what
 * odd_lr_conf_free frees. \return 0 or OD_ENOMEM.
 */
static int lr_copy(const odd_lr_conf_t *run, odd_lr_conf_t *dst)
{
	odd_lr_conf_t c;
	odd_lr_conf_init(&c);
	for (size_t i = 0; i < run->nsources; i++) {
		odd_lr_source_t src;
		char e[300];
		if (odd_lr_source_parse(run->sources[i].text, &src, e,
		                        sizeof(e)) < 0)
			goto fail; /* it parsed at start */
		if (odd_lr_conf_add(&c, &src) < 0) {
			odd_lr_source_free(&src);
			goto fail;
		}
	}
	c.refresh = run->refresh;
	c.require_zonemd = run->require_zonemd;
	c.margin = run->margin;
	c.ixfr = run->ixfr;
	c.has_tsig = run->has_tsig;
	c.tsig = run->tsig;
	if ((run->state && (c.state = strdup(run->state)) == NULL) ||
	    (run->ca_file && (c.ca_file = strdup(run->ca_file)) == NULL))
		goto fail;
	odd_lr_conf_free(dst);
	*dst = c;
	return 0;
fail:
	odd_lr_conf_free(&c);
	return OD_ENOMEM;
}

/* A string that needs a restart: the running value goes into the new
   configuration. \return 0 or OD_ENOMEM. */
static int keep_str(keys_t *rs, const char *key, char *const *run, char **nw)
{
	if (str_eq(*run, *nw))
		return 0;
	key_add(rs, key);
	char *d = NULL;
	if (*run != NULL && (d = strdup(*run)) == NULL)
		return OD_ENOMEM;
	free(*nw);
	*nw = d;
	return 0;
}

#define KEEP(key, field)                                                       \
	do {                                                                   \
		if (run->field != nw->field) {                                 \
			key_add(rs, key);                                      \
			nw->field = run->field;                                \
		}                                                              \
	} while (0)

/*
 * Give nw the running value of every setting that needs a restart, noting
 * the keys that differ in rs. \return 0 or OD_ENOMEM.
 */
static int keep_restart(const odd_conf_t *run, odd_conf_t *nw, keys_t *rs)
{
	KEEP("workers", workers);
	KEEP("cache-size", cache_size);
	KEEP("dnssec", dnssec);
	KEEP("aggressive-nsec", aggressive_nsec);
	KEEP("cache-snapshot", cache_snapshot);
	KEEP("serve-stale", serve_stale);
	KEEP("serve-stale-window", stale_window);
	KEEP("serve-stale-client-timeout", stale_client_ms);
	KEEP("log-target", log_target);
	if (run->qlog_rotate != nw->qlog_rotate ||
	    run->qlog_keep != nw->qlog_keep) {
		key_add(rs, "query-log");
		nw->qlog_rotate = run->qlog_rotate;
		nw->qlog_keep = run->qlog_keep;
	}
	const odd_prefill_conf_t *rp = &run->prefill;
	odd_prefill_conf_t *np = &nw->prefill;
	if (rp->ntypes != np->ntypes || rp->concurrency != np->concurrency ||
	    rp->refresh != np->refresh ||
	    memcmp(rp->types, np->types, sizeof(rp->types)) != 0) {
		key_add(rs, "prefill");
		memcpy(np->types, rp->types, sizeof(np->types));
		np->ntypes = rp->ntypes;
		np->concurrency = rp->concurrency;
		np->refresh = rp->refresh;
	}
	/* The loader and its copy are set up once, at start. */
	if (!lr_eq(&run->localroot, &nw->localroot)) {
		key_add(rs, "localroot");
		if (lr_copy(&run->localroot, &nw->localroot) < 0)
			return OD_ENOMEM;
	}
	if (run->metrics_on != nw->metrics_on ||
	    (run->metrics_on && !od_listen_eq(&run->metrics, &nw->metrics))) {
		key_add(rs, "metrics");
		nw->metrics_on = run->metrics_on;
		nw->metrics = run->metrics;
	}
	if (keep_str(rs, "root-hints", &run->root_hints, &nw->root_hints) < 0 ||
	    keep_str(rs, "trust-anchor", &run->trust_anchor,
	             &nw->trust_anchor) < 0 ||
	    keep_str(rs, "state-dir", &run->state_dir, &nw->state_dir) < 0 ||
	    keep_str(rs, "control", &run->control, &nw->control) < 0 ||
	    keep_str(rs, "query-log", &run->qlog_file, &nw->qlog_file) < 0 ||
	    keep_str(rs, "prefill", &rp->file, &np->file) < 0)
		return OD_ENOMEM;
	return 0;
}

#undef KEEP

#define CHANGED(key, cond)                                                     \
	do {                                                                   \
		if (cond)                                                      \
			key_add(ch, key);                                      \
	} while (0)

/* The keys applied at run time whose value changed. */
static void changed_keys(const odd_conf_t *a, const odd_conf_t *b, keys_t *ch)
{
	CHANGED("listen",
	        !od_listens_eq(a->listen, a->nlisten, b->listen, b->nlisten));
	CHANGED("access-control", !acl_eq(a, b));
	CHANGED("limits.upstream-per-query",
	        a->upstream_per_query != b->upstream_per_query);
	CHANGED("limits.ns-per-delegation",
	        a->ns_per_delegation != b->ns_per_delegation);
	CHANGED("limits.time-per-query",
	        a->time_per_query_ms != b->time_per_query_ms);
	CHANGED("limits.outstanding-per-worker",
	        a->outstanding != b->outstanding);
	CHANGED("edns-buffer-size", a->edns_size != b->edns_size);
	CHANGED("use-0x20", a->use_0x20 != b->use_0x20);
	CHANGED("qname-minimisation", a->qname_min != b->qname_min);
	CHANGED("ipv6", a->ipv6 != b->ipv6);
	CHANGED("nsec3-max-iterations", a->nsec3_max_iter != b->nsec3_max_iter);
	CHANGED("log-level", a->log_level != b->log_level);
	CHANGED("negative-trust-anchors", !ntas_eq(a, b));
	CHANGED("trust-anchor-read-only", a->ta_read_only != b->ta_read_only);
	CHANGED("trust-anchor-holddown", a->ta_holddown != b->ta_holddown);
}

#undef CHANGED

static void put_keys(od_sbuf_t *out, const char *member, const keys_t *ks)
{
	od_sbuf_printf(out, ",\"%s\":[", member);
	for (size_t i = 0; i < ks->n; i++) {
		if (i)
			od_sbuf_putc(out, ',');
		od_ctl_json_str(out, ks->k[i]);
	}
	od_sbuf_putc(out, ']');
}

static void join_keys(const keys_t *ks, char *out, size_t cap)
{
	size_t off = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ks->n && off < cap; i++) {
		int w = snprintf(out + off, cap - off, "%s%s", i ? "," : "",
		                 ks->k[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (ks->n == 0)
		snprintf(out, cap, "none");
}

static void log_listeners(const odd_conf_t *a, const odd_conf_t *b,
                          od_net_t *net)
{
	for (size_t i = 0; i < b->nlisten; i++) {
		size_t j = 0;
		while (j < a->nlisten &&
		       !od_listen_eq(&a->listen[j], &b->listen[i]))
			j++;
		if (j < a->nlisten)
			continue;
		char s[80];
		struct sockaddr_storage ss;
		if (od_net_bound(net, i, &ss) < 0 ||
		    od_sockaddr_str((struct sockaddr *)&ss, s, sizeof(s)) < 0)
			snprintf(s, sizeof(s), "?");
		od_log_info("listening", "addr=%s transports=udp,tcp", s);
	}
	for (size_t j = 0; j < a->nlisten; j++) {
		size_t i = 0;
		while (i < b->nlisten &&
		       !od_listen_eq(&a->listen[j], &b->listen[i]))
			i++;
		if (i < b->nlisten)
			continue;
		char s[80];
		if (od_sockaddr_str((const struct sockaddr *)&a->listen[j].addr,
		                    s, sizeof(s)) < 0)
			snprintf(s, sizeof(s), "?");
		od_log_info("stopped listening", "addr=%s", s);
	}
}

/* Reload ----------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *e)
{
	if (err != e)
		snprintf(err, errlen, "%s", e);
	od_log_error("reload failed", "error=\"%s\"", e);
	return OD_EINVAL;
}

int odd_reload_run(odd_reload_t *rl, od_sbuf_t *out, char *err, size_t errlen)
{
	char e[600];
	keys_t ch = { 0 }, rs = { 0 };
	int r;
	pthread_mutex_lock(&rl->lock);
	odd_server_t *srv = rl->srv;
	const odd_conf_t *run = atomic_load(&srv->conf);
	od_log_info("reloading", NULL);
	if (rl->net == NULL) {
		r = fail(err, errlen, "the daemon is still starting");
		goto out;
	}
	gen_t *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		r = fail(err, errlen, "out of memory");
		goto out;
	}
	e[0] = '\0';
	r = rl->build(rl->ctx, &g->conf, e, sizeof(e));
	if (r < 0) {
		free(g);
		r = fail(err, errlen, e[0] ? e : od_strerror(r));
		goto out;
	}
	if (keep_restart(run, &g->conf, &rs) < 0) {
		r = fail(err, errlen, "out of memory");
		goto drop;
	}
	changed_keys(run, &g->conf, &ch);
	odd_conf_engine(&g->conf, &g->rconf);
	if (srv->trust && (r = odd_trust_reconfigure_check(srv->trust, &g->conf,
	                                                   e, sizeof(e))) < 0) {
		r = fail(err, errlen, e);
		goto drop;
	}

	/* Checked: from here on it is applied. The listeners first: the
	   only step that can fail for an outside reason, all or nothing. */
	if (!od_listens_eq(run->listen, run->nlisten, g->conf.listen,
	                   g->conf.nlisten)) {
		r = od_net_set_listen(rl->net, g->conf.listen, g->conf.nlisten,
		                      e, sizeof(e));
		if (r < 0) {
			r = fail(err, errlen, e);
			goto drop;
		}
		if (r > 0)
			/* The sockets are open, but a worker could not take
			   one: the rest of the reload still applies. */
			od_log_error("listener not served by every worker",
			             "error=\"%s\"", e);
		log_listeners(run, &g->conf, rl->net);
	}
	if (srv->trust && odd_trust_reconfigure(srv->trust, run, &g->conf) < 0)
		od_log_error("negative trust anchors not reloaded",
		             "error=\"%s\"", od_strerror(OD_ENOMEM));
	else if (!srv->trust && g->conf.nntas && !ntas_eq(run, &g->conf))
		od_log_warn("DNSSEC validation is off: the negative trust "
		            "anchors are not used",
		            NULL);
	od_log_set_level((od_log_level_t)g->conf.log_level);
	g->older = rl->gens;
	rl->gens = g;
	/* Readers may hold the previous ones: kept until the end. */
	atomic_store(&srv->rconf, &g->rconf);
	atomic_store(&srv->conf, &g->conf);

	for (size_t i = 0; i < rs.n; i++)
		od_log_warn("setting changed in the configuration needs a "
		            "restart: the running value is kept",
		            "key=%s", rs.k[i]);
	char cs[600], rss[600];
	join_keys(&ch, cs, sizeof(cs));
	join_keys(&rs, rss, sizeof(rss));
	od_log_info("reloaded", "changed=%s restart=%s", cs, rss);
	if (out) {
		put_keys(out, "changed", &ch);
		put_keys(out, "restart", &rs);
	}
	r = 0;
	goto out;
drop:
	odd_conf_free(&g->conf);
	free(g);
out:
	pthread_mutex_unlock(&rl->lock);
	return r;
}
