/* SPDX-License-Identifier: MIT */
#include "auth/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/http.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"

struct oda_metrics {
	od_http_t *http;
	char label[96]; /* "metrics ADDR@PORT", for messages */
};

const uint16_t oda_qtypes[ODA_QT_COUNT - 1] = {
	OD_TYPE_A,     OD_TYPE_NS,  OD_TYPE_CNAME,  OD_TYPE_SOA,
	OD_TYPE_PTR,   OD_TYPE_MX,  OD_TYPE_TXT,    OD_TYPE_AAAA,
	OD_TYPE_SRV,   OD_TYPE_DS,  OD_TYPE_DNSKEY, OD_TYPE_SVCB,
	OD_TYPE_HTTPS, OD_TYPE_CAA, OD_TYPE_AXFR,   OD_TYPE_IXFR,
};

const uint32_t oda_lat_bounds_us[ODA_LAT_BUCKETS - 1] = {
	10, 25, 50, 100, 250, 500, 1000, 10000, 100000,
};

unsigned oda_qtype_index(uint16_t qtype)
{
	for (unsigned i = 0; i < ODA_QT_COUNT - 1; i++)
		if (oda_qtypes[i] == qtype)
			return i;
	return ODA_QT_COUNT - 1;
}

static const char *const rcode_names[16] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "RCODE11",
	"RCODE12",  "RCODE13", "RCODE14",  "RCODE15",
};

static const char *const xfr_names[ODA_XFR_KINDS] = { "refused", "axfr", "ixfr",
	                                              "up-to-date" };

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

/* name{zone="ORIGIN" (then the caller's labels, from a comma) */
static void zone_sample(od_sbuf_t *o, const char *name, const uint8_t *origin)
{
	char z[OD_NAME_STRLEN];
	if (od_name_to_str(z, sizeof(z), origin) < 0)
		snprintf(z, sizeof(z), "?");
	od_sbuf_printf(o, "%s{zone=\"", name);
	label_str(o, z);
	od_sbuf_putc(o, '"');
}

typedef struct sums {
	uint64_t queries, dropped, rcode[16], qtype[2][ODA_QT_COUNT];
	uint64_t rrl_dropped, rrl_slipped, notify_in, outside;
	uint64_t lat[ODA_LAT_BUCKETS], lat_ns;
} sums_t;

static void sum_workers(oda_server_t *s, sums_t *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < s->nwstats; i++) {
		oda_wstats_t *w = &s->wstats[i];
		t->queries += oda_rd(&w->queries);
		t->dropped += oda_rd(&w->dropped);
		for (int k = 0; k < 16; k++)
			t->rcode[k] += oda_rd(&w->rcode[k]);
		for (int r = 0; r < 2; r++)
			for (int k = 0; k < ODA_QT_COUNT; k++)
				t->qtype[r][k] += oda_rd(&w->qtype[r][k]);
		t->rrl_dropped += oda_rd(&w->rrl_dropped);
		t->rrl_slipped += oda_rd(&w->rrl_slipped);
		t->notify_in += oda_rd(&w->notify_in);
		for (int k = 0; k < ODA_LAT_BUCKETS; k++)
			t->lat[k] += oda_rd(&w->lat[k]);
		t->lat_ns += oda_rd(&w->lat_ns);
	}
	t->outside = oda_outside_queries(s);
}

static void write_latency(od_sbuf_t *o, const sums_t *t)
{
	head(o, "onedot_auth_answer_duration_seconds", "histogram",
	     "Time the server took to handle a query, from its start to the "
	     "response (a transfer: all its messages).");
	od_http_histogram(o, "onedot_auth_answer_duration_seconds", NULL,
	                  oda_lat_bounds_us, ODA_LAT_BUCKETS, t->lat,
	                  t->lat_ns / 1e9);
}

static void write_queries(oda_server_t *s, od_sbuf_t *o, const sums_t *t)
{
	static const char *const tr[2] = { "udp", "tcp" };
	head(o, "onedot_auth_queries_total", "counter",
	     "Queries received, by transport and query type.");
	for (int r = 0; r < 2; r++) {
		for (int k = 0; k < ODA_QT_COUNT; k++) {
			char ts[32];
			if (k == ODA_QT_COUNT - 1 ||
			    od_rrtype_to_str(oda_qtypes[k], ts, sizeof(ts)) < 0)
				snprintf(ts, sizeof(ts), "other");
			od_sbuf_printf(o,
			               "onedot_auth_queries_total{transport="
			               "\"%s\",qtype=\"%s\"} %llu\n",
			               tr[r], ts,
			               (unsigned long long)t->qtype[r][k]);
		}
	}
	head(o, "onedot_auth_answers_total", "counter",
	     "Responses sent, by RCODE.");
	for (int k = 0; k < 16; k++)
		od_sbuf_printf(o,
		               "onedot_auth_answers_total{rcode=\"%s\"} %llu\n",
		               rcode_names[k], (unsigned long long)t->rcode[k]);
	one(o, "onedot_auth_answers_dropped_total", "counter",
	    "Queries that got no response (not a query, or dropped by "
	    "RRL).",
	    t->dropped);
	head(o, "onedot_auth_zone_queries_total", "counter",
	     "Queries answered from a zone, by zone.");
	for (size_t i = 0; i < s->conf.nzones; i++) {
		uint64_t n = oda_zone_queries(s, i);
		zone_sample(o, "onedot_auth_zone_queries_total",
		            s->conf.zones[i].origin);
		od_sbuf_printf(o, "} %llu\n", (unsigned long long)n);
	}
	one(o, "onedot_auth_queries_outside_zones_total", "counter",
	    "Queries for names in no zone served (REFUSED), and messages "
	    "that name none (NOTIFY, malformed queries).",
	    t->outside);
	head(o, "onedot_auth_rrl_actions_total", "counter",
	     "UDP responses response rate limiting held back, by action "
	     "(dropped: nothing sent; slipped: sent truncated).");
	od_sbuf_printf(o,
	               "onedot_auth_rrl_actions_total{action=\"dropped\"} "
	               "%llu\n"
	               "onedot_auth_rrl_actions_total{action=\"slipped\"} "
	               "%llu\n",
	               (unsigned long long)t->rrl_dropped,
	               (unsigned long long)t->rrl_slipped);
	one(o, "onedot_auth_notify_received_total", "counter",
	    "NOTIFY messages received (answered NOTIMP: no zone is a "
	    "secondary).",
	    t->notify_in);
}

static void write_zones(oda_server_t *s, od_sbuf_t *o)
{
	oda_snapshot_t *snap = oda_snap(s);
	one(o, "onedot_auth_zones", "gauge", "Zones served.",
	    od_authdb_count(snap->db));
	head(o, "onedot_auth_zone_serial", "gauge",
	     "SOA serial of the version served, by zone.");
	for (size_t i = 0; i < s->conf.nzones; i++) {
		const od_authzone_t *az =
		        od_authdb_get(snap->db, s->conf.zones[i].origin);
		if (az == NULL)
			continue;
		zone_sample(o, "onedot_auth_zone_serial",
		            s->conf.zones[i].origin);
		od_sbuf_printf(o, "} %u\n", od_authzone_serial(az));
	}
	head(o, "onedot_auth_zone_load_failed", "gauge",
	     "1 when the last read of the zone's file failed (the old "
	     "version keeps serving), by zone.");
	for (size_t i = 0; i < s->conf.nzones; i++) {
		zone_sample(o, "onedot_auth_zone_load_failed",
		            s->conf.zones[i].origin);
		od_sbuf_printf(o, "} %d\n", s->zstate[i]->result < 0);
	}
	head(o, "onedot_auth_reloads_total", "counter",
	     "Reloads (SIGHUP, onedotctl reload and zone reload), by "
	     "result.");
	od_sbuf_printf(o,
	               "onedot_auth_reloads_total{result=\"ok\"} %llu\n"
	               "onedot_auth_reloads_total{result=\"failed\"} %llu\n",
	               (unsigned long long)s->reloads_ok,
	               (unsigned long long)s->reloads_failed);
	head(o, "onedot_auth_transfers_out_total", "counter",
	     "Zone transfer requests answered, by zone and result (axfr: a "
	     "full zone, ixfr: incremental, up-to-date: the SOA alone, "
	     "refused: an error).");
	for (size_t i = 0; i < s->conf.nzones; i++) {
		for (int k = 0; k < ODA_XFR_KINDS; k++) {
			zone_sample(o, "onedot_auth_transfers_out_total",
			            s->conf.zones[i].origin);
			od_sbuf_printf(o, ",result=\"%s\"} %llu\n",
			               xfr_names[k],
			               (unsigned long long)oda_rd(
			                       &s->zstate[i]->xfr[k]));
		}
	}
	head(o, "onedot_auth_notify_sent_total", "counter",
	     "NOTIFY messages sent to secondaries, by zone and result "
	     "(answered: a response came, failed: none after the "
	     "retries).");
	for (size_t i = 0; i < s->conf.nzones; i++) {
		if (s->conf.zones[i].nnotify == 0)
			continue;
		zone_sample(o, "onedot_auth_notify_sent_total",
		            s->conf.zones[i].origin);
		od_sbuf_printf(
		        o, ",result=\"answered\"} %llu\n",
		        (unsigned long long)oda_rd(&s->zstate[i]->notify_ok));
		zone_sample(o, "onedot_auth_notify_sent_total",
		            s->conf.zones[i].origin);
		od_sbuf_printf(o, ",result=\"failed\"} %llu\n",
		               (unsigned long long)oda_rd(
		                       &s->zstate[i]->notify_failed));
	}
}

void oda_metrics_write(oda_server_t *s, od_sbuf_t *out)
{
	sums_t t;
	/* The configuration, the zones' state and the snapshot: the lock
	   keeps them as they are until the text is written. */
	pthread_mutex_lock(&s->reload_lock);
	sum_workers(s, &t);
	int64_t up = (int64_t)time(NULL) - s->started;
	head(out, "onedot_auth_info", "gauge",
	     "Always 1; the version in a label.");
	od_sbuf_puts(out, "onedot_auth_info{version=\"");
	label_str(out, ONEDOT_VERSION);
	od_sbuf_puts(out, "\"} 1\n");
	one(out, "onedot_auth_uptime_seconds", "gauge",
	    "Seconds since the server started.", up > 0 ? (uint64_t)up : 0);
	one(out, "onedot_auth_workers", "gauge", "Worker threads.", s->nwstats);
	write_queries(s, out, &t);
	write_latency(out, &t);
	write_zones(s, out);
	pthread_mutex_unlock(&s->reload_lock);
}

/* HTTP (ctl/http.h) -------------------------------------------------- */

static void write_cb(void *ctx, od_sbuf_t *out)
{
	oda_metrics_write(ctx, out);
}

int oda_metrics_start(oda_metrics_t **out, oda_server_t *s,
                      const od_listen_t *addr, char *err, size_t errlen)
{
	oda_metrics_t *m = calloc(1, sizeof(*m));
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
		              .ctx = s };
	int r = od_http_start(&m->http, (const struct sockaddr *)&addr->addr,
	                      addr->len, &hc, err, errlen);
	if (r < 0) {
		free(m);
		return r;
	}
	*out = m;
	return 0;
}

void oda_metrics_stop(oda_metrics_t *m)
{
	if (m == NULL)
		return;
	od_http_stop(m->http);
	free(m);
}
