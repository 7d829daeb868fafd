/* SPDX-License-Identifier: MIT */
#include "daemon/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/http.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "resolve/cache.h"
#include "resolve/ta.h"

/* Most trust anchor keys listed. */
#define KEYS_MAX 256

struct odd_metrics {
	od_http_t *http;
	char label[96]; /* "metrics ADDR@PORT", for messages */
};

static const char *const rcode_names[16] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "RCODE11",
	"RCODE12",  "RCODE13", "RCODE14",  "RCODE15",
};

static const char *const sec_names[4] = { "unchecked", "insecure", "secure",
	                                  "bogus" };

static uint64_t rd(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Exposition ---------------------------------------------------------- */

static void head(od_sbuf_t *o, const char *name, const char *type,
                 const char *help)
{
	od_sbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	               type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_str(od_sbuf_t *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			od_sbuf_putc(o, '\\');
		if (*s == '\n') {
			od_sbuf_puts(o, "\\n");
			continue;
		}
		od_sbuf_putc(o, *s);
	}
}

static void one(od_sbuf_t *o, const char *name, const char *type,
                const char *help, uint64_t v)
{
	head(o, name, type, help);
	od_sbuf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

typedef struct sums {
	uint64_t queries, cached, dropped, rcode[16];
	uint64_t qtype[2][ODD_QT_COUNT], ede[ODD_EDE_COUNT], sec[4];
	uint64_t upstream, timeouts, overload, lat[ODD_LAT_BUCKETS], lat_us;
	uint64_t stale, limit[4];
	uint64_t rtt[ODD_UCLS_COUNT][ODD_RTT_BUCKETS], rtt_us[ODD_UCLS_COUNT];
	uint64_t ex_timeouts[ODD_UCLS_COUNT];
} sums_t;

static void sum_workers(odd_server_t *srv, sums_t *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < srv->nwstats; i++) {
		odd_wstats_t *w = &srv->wstats[i];
		s->queries += rd(&w->queries);
		s->cached += rd(&w->cached);
		s->dropped += rd(&w->dropped);
		for (int k = 0; k < 16; k++)
			s->rcode[k] += rd(&w->rcode[k]);
		for (int t = 0; t < 2; t++)
			for (int k = 0; k < ODD_QT_COUNT; k++)
				s->qtype[t][k] += rd(&w->qtype[t][k]);
		for (int k = 0; k < ODD_EDE_COUNT; k++)
			s->ede[k] += rd(&w->ede[k]);
		for (int k = 0; k < 4; k++)
			s->sec[k] += rd(&w->sec[k]);
		s->upstream += rd(&w->upstream);
		s->timeouts += rd(&w->timeouts);
		s->overload += rd(&w->overload);
		s->stale += rd(&w->stale);
		for (int k = 0; k < 4; k++)
			s->limit[k] += rd(&w->limit[k]);
		for (int k = 0; k < ODD_LAT_BUCKETS; k++)
			s->lat[k] += rd(&w->lat[k]);
		s->lat_us += rd(&w->lat_us);
		for (int c = 0; c < ODD_UCLS_COUNT; c++) {
			for (int k = 0; k < ODD_RTT_BUCKETS; k++)
				s->rtt[c][k] += rd(&w->rtt[c][k]);
			s->rtt_us[c] += rd(&w->rtt_us[c]);
			s->ex_timeouts[c] += rd(&w->ex_timeouts[c]);
		}
	}
}

static const char *const ucls_names[ODD_UCLS_COUNT] = { "root", "tld",
	                                                "other" };

/* Upstream exchanges by server class (the zone queried). */
static void write_upstream(od_sbuf_t *o, const sums_t *s)
{
	head(o, "onedot_upstream_rtt_seconds", "histogram",
	     "Round-trip time of upstream exchanges that got an answer, by "
	     "the class of the zone queried (root, tld: a single-label "
	     "zone, other).");
	for (int c = 0; c < ODD_UCLS_COUNT; c++) {
		char lb[32];
		snprintf(lb, sizeof(lb), "class=\"%s\"", ucls_names[c]);
		od_http_histogram(o, "onedot_upstream_rtt_seconds", lb,
		                  odd_rtt_bounds_us, ODD_RTT_BUCKETS, s->rtt[c],
		                  s->rtt_us[c] / 1e6);
	}
	head(o, "onedot_upstream_exchange_timeouts_total", "counter",
	     "Upstream exchanges that got no answer in time, by the class "
	     "of the zone queried.");
	for (int c = 0; c < ODD_UCLS_COUNT; c++)
		od_sbuf_printf(o,
		               "onedot_upstream_exchange_timeouts_total"
		               "{class=\"%s\"} %llu\n",
		               ucls_names[c],
		               (unsigned long long)s->ex_timeouts[c]);
}

/* The prefill list's progress (prefill.h). */
static void write_prefill(odd_server_t *srv, od_sbuf_t *o)
{
	if (srv->prefill == NULL)
		return;
	odd_prefill_stats_t ps;
	odd_prefill_stats(srv->prefill, &ps);
	one(o, "onedot_prefill_names", "gauge",
	    "(name, type) pairs of the prefill list.", ps.names);
	one(o, "onedot_prefill_resolved_total", "counter",
	    "Prefill pairs resolved for the first time.", ps.resolved);
	one(o, "onedot_prefill_failed_total", "counter",
	    "Prefill resolutions that failed (each is tried again).",
	    ps.failed);
	one(o, "onedot_prefill_refreshes_total", "counter",
	    "Prefill resolutions that refreshed an answer before it "
	    "expired.",
	    ps.refreshed);
}

static void write_queries(od_sbuf_t *o, const sums_t *s)
{
	static const char *const tr[2] = { "udp", "tcp" };
	head(o, "onedot_queries_total", "counter",
	     "Client queries received, by transport and query type.");
	for (int t = 0; t < 2; t++) {
		for (int k = 0; k < ODD_QT_COUNT; k++) {
			char ts[32];
			if (k == ODD_QT_COUNT - 1 ||
			    od_rrtype_to_str(odd_qtypes[k], ts, sizeof(ts)) < 0)
				snprintf(ts, sizeof(ts), "other");
			od_sbuf_printf(o,
			               "onedot_queries_total{transport=\"%s\","
			               "qtype=\"%s\"} %llu\n",
			               tr[t], ts,
			               (unsigned long long)s->qtype[t][k]);
		}
	}
	head(o, "onedot_answers_total", "counter",
	     "Answers sent to clients, by RCODE.");
	for (int k = 0; k < 16; k++)
		od_sbuf_printf(o, "onedot_answers_total{rcode=\"%s\"} %llu\n",
		               rcode_names[k], (unsigned long long)s->rcode[k]);
	one(o, "onedot_answers_dropped_total", "counter",
	    "Client queries settled without an answer sent.", s->dropped);
	one(o, "onedot_answers_cached_total", "counter",
	    "Client queries answered from the cache without upstream "
	    "queries.",
	    s->cached);
	head(o, "onedot_answers_ede_total", "counter",
	     "Answers carrying an Extended DNS Error, by INFO-CODE (codes "
	     "seen only; \"other\" for codes above 31).");
	for (int k = 0; k < ODD_EDE_COUNT; k++) {
		if (s->ede[k] == 0)
			continue;
		if (k == ODD_EDE_COUNT - 1)
			od_sbuf_puts(
			        o, "onedot_answers_ede_total{code=\"other\"}");
		else
			od_sbuf_printf(
			        o, "onedot_answers_ede_total{code=\"%d\"}", k);
		od_sbuf_printf(o, " %llu\n", (unsigned long long)s->ede[k]);
	}
	head(o, "onedot_answer_duration_seconds", "histogram",
	     "Time from a client query to its answer.");
	od_http_histogram(o, "onedot_answer_duration_seconds", NULL,
	                  odd_lat_bounds_us, ODD_LAT_BUCKETS, s->lat,
	                  s->lat_us / 1e6);
	head(o, "onedot_validation_total", "counter",
	     "Client requests settled by the resolver, by the DNSSEC "
	     "status of the answer.");
	for (int k = 0; k < 4; k++)
		od_sbuf_printf(o,
		               "onedot_validation_total{result=\"%s\"} %llu\n",
		               sec_names[k], (unsigned long long)s->sec[k]);
	one(o, "onedot_upstream_queries_total", "counter",
	    "Upstream queries sent for client requests.", s->upstream);
	one(o, "onedot_upstream_timeouts_total", "counter",
	    "Upstream queries for client requests that got no answer in "
	    "time.",
	    s->timeouts);
	/* Bit order of ODR_LIMIT_*. */
	static const char *const limit_names[4] = { "time-per-query",
		                                    "upstream-per-query",
		                                    "ns-per-delegation",
		                                    "dnssec-work" };
	head(o, "onedot_limit_hits_total", "counter",
	     "Client queries that ran into a limit, by limit.");
	od_sbuf_printf(o,
	               "onedot_limit_hits_total{limit=\"outstanding\"} %llu\n",
	               (unsigned long long)s->overload);
	for (int k = 0; k < 4; k++)
		od_sbuf_printf(o,
		               "onedot_limit_hits_total{limit=\"%s\"} %llu\n",
		               limit_names[k], (unsigned long long)s->limit[k]);
	one(o, "onedot_stale_answers_total", "counter",
	    "Answers from expired cache data (serve-stale, RFC 8767).",
	    s->stale);
}

static void write_cache(odd_server_t *srv, od_sbuf_t *o)
{
	odr_cache_stats_t cs;
	odr_cache_stats(srv->cache, &cs);
	head(o, "onedot_cache_lookups_total", "counter",
	     "Cache lookups, by kind (positive: records, negative: "
	     "NXDOMAIN and NODATA) and result.");
	od_sbuf_printf(o,
	               "onedot_cache_lookups_total{kind=\"positive\","
	               "result=\"hit\"} %llu\n"
	               "onedot_cache_lookups_total{kind=\"positive\","
	               "result=\"miss\"} %llu\n"
	               "onedot_cache_lookups_total{kind=\"negative\","
	               "result=\"hit\"} %llu\n"
	               "onedot_cache_lookups_total{kind=\"negative\","
	               "result=\"miss\"} %llu\n",
	               (unsigned long long)cs.hits,
	               (unsigned long long)cs.misses,
	               (unsigned long long)cs.neg_hits,
	               (unsigned long long)cs.neg_misses);
	one(o, "onedot_cache_stale_hits_total", "counter",
	    "Cache lookups answered with expired data (serve-stale).",
	    cs.stale_hits);
	one(o, "onedot_cache_inserts_total", "counter",
	    "Entries stored in the cache.", cs.inserts);
	one(o, "onedot_cache_evictions_total", "counter",
	    "Cache entries removed to make room (expired or least "
	    "recently used).",
	    cs.evictions);
	one(o, "onedot_cache_entries", "gauge", "Entries in the cache.",
	    cs.entries);
	one(o, "onedot_cache_bytes", "gauge",
	    "Accounted size of the cache entries, bytes.", cs.bytes);
	one(o, "onedot_cache_max_bytes", "gauge",
	    "Configured cache size (cache-size), bytes.",
	    srv->conf->cache_size);
	if (srv->qlog != NULL) {
		odd_qlog_stats_t qs;
		odd_qlog_stats(srv->qlog, &qs);
		one(o, "onedot_query_log_lines_total", "counter",
		    "Lines written to the query log.", qs.lines);
		one(o, "onedot_query_log_dropped_total", "counter",
		    "Query log lines lost (a full ring or a failed write).",
		    qs.dropped);
		one(o, "onedot_query_log_errors_total", "counter",
		    "Failed writes, opens and renames of the query log.",
		    qs.errors);
		one(o, "onedot_query_log_rotations_total", "counter",
		    "Query log files rotated.", qs.rotations);
	}
	if (srv->aggr == NULL)
		return;
	odr_aggr_stats_t as;
	odr_aggr_stats(srv->aggr, &as);
	one(o, "onedot_aggressive_nsec_zones", "gauge",
	    "Zones in the RFC 8198 NSEC/NSEC3 index.", as.zones);
	one(o, "onedot_aggressive_nsec_records", "gauge",
	    "NSEC and NSEC3 records in the RFC 8198 index.", as.records);
	one(o, "onedot_aggressive_nsec_bytes", "gauge",
	    "Accounted size of the RFC 8198 index, bytes.", as.bytes);
	one(o, "onedot_aggressive_nsec_puts_total", "counter",
	    "Validated NSEC and NSEC3 records offered to the RFC 8198 "
	    "index.",
	    as.puts);
	one(o, "onedot_aggressive_nsec_finds_total", "counter",
	    "Lookups in the RFC 8198 index.", as.finds);
	one(o, "onedot_aggressive_nsec_hits_total", "counter",
	    "Lookups in the RFC 8198 index that found a covering record.",
	    as.hits);
	one(o, "onedot_aggressive_nsec_evictions_total", "counter",
	    "Records removed from the RFC 8198 index to make room.",
	    as.evictions);
}

static void write_trust(odd_server_t *srv, od_sbuf_t *o)
{
	one(o, "onedot_validation_enabled", "gauge",
	    "1 when the resolver validates DNSSEC.", srv->trust != NULL);
	if (srv->trust == NULL)
		return;
	odd_trust_status_t ts;
	odd_trust_status(srv->trust, &ts);
	one(o, "onedot_trust_anchor_zones", "gauge", "Anchored zones.",
	    ts.zones);
	one(o, "onedot_trust_anchor_trusted_keys", "gauge",
	    "Trusted keys in the current trust anchor snapshot.", ts.trusted);
	one(o, "onedot_trust_anchor_stuck_keys", "gauge",
	    "Keys in AddPend for longer than the add hold-down.", ts.stuck);
	one(o, "onedot_trust_anchor_read_only", "gauge",
	    "1 when the trust anchor state file is not written.", ts.read_only);
	one(o, "onedot_trust_anchor_save_failed", "gauge",
	    "1 when the last save of the trust anchor state file failed.",
	    ts.save_failed);
	one(o, "onedot_negative_trust_anchors", "gauge",
	    "Negative trust anchors in force.", ts.ntas);
	odd_ta_key_info_t *v = calloc(KEYS_MAX, sizeof(*v));
	if (v == NULL)
		return;
	size_t n = odd_trust_keys(srv->trust, v, KEYS_MAX);
	head(o, "onedot_trust_anchor_key", "gauge",
	     "1 for every key of the RFC 5011 store, with its zone, record "
	     "type, key tag, algorithm and state.");
	for (size_t i = 0; i < n && i < KEYS_MAX; i++) {
		char zone[1024], type[32];
		if (od_name_to_str(zone, sizeof(zone), v[i].zone) < 0)
			snprintf(zone, sizeof(zone), "?");
		if (od_rrtype_to_str(v[i].type, type, sizeof(type)) < 0)
			snprintf(type, sizeof(type), "TYPE%u", v[i].type);
		od_sbuf_puts(o, "onedot_trust_anchor_key{zone=\"");
		label_str(o, zone);
		od_sbuf_printf(o,
		               "\",type=\"%s\",tag=\"%u\",algorithm=\"%u\","
		               "state=\"%s\"} 1\n",
		               type, v[i].tag, v[i].algorithm,
		               odr_ta_state_name(v[i].state));
	}
	free(v);
}

/* The reason of a failed last attempt is known. */
static bool lr_reason_ok(const odd_lr_status_t *st)
{
	return st->last_reason >= 0 && st->last_reason < ODD_LRF_COUNT;
}

/* The local root (localroot.h), when configured. */
static void write_localroot(odd_server_t *srv, od_sbuf_t *o)
{
	if (srv->localroot == NULL)
		return;
	odd_lr_status_t st;
	odd_localroot_status(srv->localroot, &st);
	int64_t now = (int64_t)time(NULL);
	head(o, "onedot_localroot_state", "gauge",
	     "1 for the current state of the local root copy (none: no "
	     "copy, fresh: refreshed, stale: refresh failing, expired: "
	     "lifetime over, not used), 0 for the others.");
	for (int k = 0; k < ODD_LR_STATE_COUNT; k++)
		od_sbuf_printf(o, "onedot_localroot_state{state=\"%s\"} %d\n",
		               odd_lr_state_str((odd_lr_state_t)k),
		               (int)st.state == k);
	one(o, "onedot_localroot_disabled", "gauge",
	    "1 when answering from the local root copy is disabled.",
	    st.disabled);
	one(o, "onedot_localroot_serial", "gauge",
	    "SOA serial of the local root copy (0 without one).",
	    st.have_copy || st.state == ODD_LR_EXPIRED ? st.serial : 0);
	if (st.refreshed) {
		int64_t age = now - st.refreshed;
		one(o, "onedot_localroot_age_seconds", "gauge",
		    "Seconds since the last successful refresh of the local "
		    "root copy.",
		    age > 0 ? (uint64_t)age : 0);
	}
	int64_t left = st.expires ? st.expires - now : 0;
	one(o, "onedot_localroot_expiry_seconds", "gauge",
	    "Seconds until the lifetime of the local root copy ends (0 "
	    "without a usable copy).",
	    left > 0 ? (uint64_t)left : 0);
	head(o, "onedot_localroot_last_error", "gauge",
	     "1 while the last refresh attempt of the local root failed, "
	     "with the reason (no sample after a success).");
	if (st.last_error[0] && lr_reason_ok(&st)) {
		od_sbuf_printf(
		        o, "onedot_localroot_last_error{reason=\"%s\"} 1\n",
		        odd_lr_reason_str((odd_lr_reason_t)st.last_reason));
	}
	head(o, "onedot_localroot_failures_total", "counter",
	     "Refresh attempts of the local root that failed or copies "
	     "refused, by reason.");
	for (int k = 0; k < ODD_LRF_COUNT; k++)
		od_sbuf_printf(
		        o,
		        "onedot_localroot_failures_total{reason=\"%s\"} %llu\n",
		        odd_lr_reason_str((odd_lr_reason_t)k),
		        (unsigned long long)st.failures[k]);
	one(o, "onedot_localroot_refreshes_total", "counter",
	    "Successful refreshes of the local root (a new copy or the same "
	    "serial).",
	    st.refreshes);
	one(o, "onedot_localroot_loads_total", "counter",
	    "Local root copies verified and put in use.", st.loads);
	one(o, "onedot_localroot_answers_total", "counter",
	    "Root-server queries answered from the local root copy.",
	    st.answers);
	one(o, "onedot_localroot_notifies_total", "counter",
	    "NOTIFY messages for the root accepted from an AXFR source.",
	    st.notifies);
	one(o, "onedot_localroot_records", "gauge",
	    "Records in the local root copy.", st.records);
	head(o, "onedot_localroot_verify_seconds", "gauge",
	     "Time the last parse and verification of a local root copy "
	     "took.");
	od_sbuf_printf(o, "onedot_localroot_verify_seconds %.6f\n",
	               st.verify_seconds);
}

void odd_metrics_write(odd_server_t *srv, od_sbuf_t *out)
{
	sums_t s;
	sum_workers(srv, &s);
	int64_t up = (int64_t)time(NULL) - srv->started;
	head(out, "onedot_info", "gauge", "Always 1; the version in a label.");
	od_sbuf_puts(out, "onedot_info{version=\"");
	label_str(out, ONEDOT_VERSION);
	od_sbuf_puts(out, "\"} 1\n");
	one(out, "onedot_uptime_seconds", "gauge",
	    "Seconds since the resolver started.", up > 0 ? (uint64_t)up : 0);
	one(out, "onedot_workers", "gauge", "Worker threads.", srv->nwstats);
	write_queries(out, &s);
	write_upstream(out, &s);
	write_cache(srv, out);
	write_prefill(srv, out);
	write_trust(srv, out);
	write_localroot(srv, out);
}

/* HTTP (ctl/http.h) -------------------------------------------------- */

static void write_cb(void *ctx, od_sbuf_t *out)
{
	odd_metrics_write(ctx, out);
}

int odd_metrics_start(odd_metrics_t **out, odd_server_t *srv,
                      const od_listen_t *addr, char *err, size_t errlen)
{
	odd_metrics_t *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "metrics: out of memory");
		return OD_ENOMEM;
	}
	char a[80];
	if (od_sockaddr_str((const struct sockaddr *)&addr->addr, a,
	                    sizeof(a)) < 0)
		snprintf(a, sizeof(a), "?");
	snprintf(m->label, sizeof(m->label), "metrics %s", a);
	od_http_conf_t hc = { .path = "/metrics",
		              .content_type = OD_HTTP_PROMETHEUS,
		              .label = m->label,
		              .write = write_cb,
		              .ctx = srv };
	int r = od_http_start(&m->http, (const struct sockaddr *)&addr->addr,
	                      addr->len, &hc, err, errlen);
	if (r < 0) {
		free(m);
		return r;
	}
	*out = m;
	return 0;
}

void odd_metrics_stop(odd_metrics_t *m)
{
	if (m == NULL)
		return;
	od_http_stop(m->http);
	free(m);
}
