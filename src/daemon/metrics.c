/* SPDX-License-Identifier: MIT */
#include "daemon/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "resolve/cache.h"
#include "resolve/ta.h"

/* Largest response; a longer one is cut (the buffer is made once). */
#define RESP_MAX (1024 * 1024)
/* Most trust anchor keys listed. */
#define KEYS_MAX 256

struct odd_metrics {
	odd_server_t *srv;
	int lfd;
	int wake[2]; /* a byte written to wake[1] stops the thread */
	pthread_t thread;
	char *body;     /* owned: RESP_MAX */
	bool responded; /* a response was sent on this connection */
	char req[ODD_METRICS_REQ_MAX + 1];
};

static const char *const rcode_names[16] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "RCODE11",
	"RCODE12",  "RCODE13", "RCODE14",  "RCODE15",
};

static const char *const sec_names[4] = { "unchecked", "insecure", "secure",
	                                  "bogus" };

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
		for (int k = 0; k < ODD_LAT_BUCKETS; k++)
			s->lat[k] += rd(&w->lat[k]);
		s->lat_us += rd(&w->lat_us);
	}
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
	uint64_t cum = 0;
	for (int k = 0; k < ODD_LAT_BUCKETS; k++) {
		cum += s->lat[k];
		if (k == ODD_LAT_BUCKETS - 1)
			od_sbuf_puts(o, "onedot_answer_duration_seconds_bucket"
			                "{le=\"+Inf\"}");
		else
			od_sbuf_printf(o,
			               "onedot_answer_duration_seconds_bucket"
			               "{le=\"%g\"}",
			               odd_lat_bounds_us[k] / 1e6);
		od_sbuf_printf(o, " %llu\n", (unsigned long long)cum);
	}
	od_sbuf_printf(o,
	               "onedot_answer_duration_seconds_sum %.6f\n"
	               "onedot_answer_duration_seconds_count %llu\n",
	               s->lat_us / 1e6, (unsigned long long)cum);
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
	head(o, "onedot_limit_hits_total", "counter",
	     "Client queries refused with SERVFAIL because a limit was "
	     "reached, by limit.");
	od_sbuf_printf(o,
	               "onedot_limit_hits_total{limit=\"outstanding\"} %llu\n",
	               (unsigned long long)s->overload);
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
	write_cache(srv, out);
	write_trust(srv, out);
}

/* HTTP ---------------------------------------------------------------- */

/* Wait for fd to be ready for ev until deadline (monotonic ms).
   \return 1 ready, 0 timed out or stopping, -1 error. */
static int wait_fd(odd_metrics_t *m, int fd, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return 0;
		struct pollfd p[2] = { { .fd = fd, .events = ev },
			               { .fd = m->wake[0], .events = POLLIN } };
		int r = poll(p, 2, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (p[1].revents)
			return 0;
		if (p[0].revents)
			return 1;
	}
}

/* Send all of buf (or give up at the deadline). */
static void send_all(odd_metrics_t *m, int fd, const char *buf, size_t n,
                     int64_t deadline)
{
	while (n) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(m, fd, POLLOUT, deadline) != 1)
				return;
			continue;
		}
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

static void respond(odd_metrics_t *m, int fd, int code, const char *reason,
                    const char *extra, const char *body, size_t blen,
                    bool head_only)
{
	char h[512];
	int n = snprintf(h, sizeof(h),
	                 "HTTP/1.1 %d %s\r\n"
	                 "Content-Type: %s\r\n"
	                 "Content-Length: %zu\r\n"
	                 "%s"
	                 "Connection: close\r\n\r\n",
	                 code, reason,
	                 code == 200 ? "text/plain; version=0.0.4; "
	                               "charset=utf-8"
	                             : "text/plain; charset=utf-8",
	                 blen, extra);
	int64_t deadline = mono_ms() + ODD_METRICS_TIMEOUT_MS;
	m->responded = true;
	send_all(m, fd, h, (size_t)n, deadline);
	if (!head_only)
		send_all(m, fd, body, blen, deadline);
}

static void error_page(odd_metrics_t *m, int fd, int code, const char *reason,
                       const char *extra)
{
	char b[128];
	int n = snprintf(b, sizeof(b), "%d %s\n", code, reason);
	respond(m, fd, code, reason, extra, b, (size_t)n, false);
}

/* End of the request head in req[0..len), or NULL. */
static const char *head_end(const char *req, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (req[i] == '\n' && req[i + 1] == '\n')
			return req + i;
		if (i + 3 < len && memcmp(req + i, "\r\n\r\n", 4) == 0)
			return req + i;
	}
	return NULL;
}

static void serve(odd_metrics_t *m, int fd)
{
	int64_t deadline = mono_ms() + ODD_METRICS_TIMEOUT_MS;
	size_t len = 0;
	for (;;) {
		if (len > 0 && head_end(m->req, len))
			break;
		if (len == ODD_METRICS_REQ_MAX) {
			error_page(m, fd, 431,
			           "Request Header Fields Too Large", "");
			return;
		}
		ssize_t r =
		        recv(fd, m->req + len, ODD_METRICS_REQ_MAX - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(m, fd, POLLIN, deadline) != 1)
				return;
			continue;
		}
		if (r <= 0) {
			/* Closed early: a request line alone will do. */
			if (len == 0 || memchr(m->req, '\n', len) == NULL)
				return;
			break;
		}
		len += (size_t)r;
	}
	m->req[len] = '\0';
	/* Request line: METHOD SP TARGET SP HTTP/1.x (RFC 9112 §3). */
	char *eol = strchr(m->req, '\n');
	if (eol == NULL) {
		error_page(m, fd, 400, "Bad Request", "");
		return;
	}
	if (eol > m->req && eol[-1] == '\r')
		eol--;
	*eol = '\0';
	char *sp1 = strchr(m->req, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == m->req || sp2 == sp1 + 1 ||
	    strchr(sp2 + 1, ' ') ||
	    (strcmp(sp2 + 1, "HTTP/1.0") != 0 &&
	     strcmp(sp2 + 1, "HTTP/1.1") != 0)) {
		error_page(m, fd, 400, "Bad Request", "");
		return;
	}
	*sp1 = *sp2 = '\0';
	const char *method = m->req, *target = sp1 + 1;
	for (const char *p = m->req; p < sp2; p++) {
		unsigned char c = (unsigned char)*p;
		if (c != '\0' && (c <= 0x20 || c >= 0x7f)) {
			error_page(m, fd, 400, "Bad Request", "");
			return;
		}
	}
	bool head_only = strcmp(method, "HEAD") == 0;
	size_t plen = strcspn(target, "?");
	if (plen != strlen("/metrics") ||
	    memcmp(target, "/metrics", plen) != 0) {
		error_page(m, fd, 404, "Not Found", "");
		return;
	}
	if (!head_only && strcmp(method, "GET") != 0) {
		error_page(m, fd, 405, "Method Not Allowed",
		           "Allow: GET, HEAD\r\n");
		return;
	}
	od_sbuf_t out;
	od_sbuf_init(&out, m->body, RESP_MAX);
	odd_metrics_write(m->srv, &out);
	if (out.err) {
		od_log_warn("metrics response too large: cut", NULL);
		/* Keep whole lines only. */
		char *nl = memrchr(m->body, '\n', out.len);
		out.len = nl ? (size_t)(nl - m->body) + 1 : 0;
	}
	respond(m, fd, 200, "OK", "", m->body, out.len, head_only);
}

/* Read and drop what the client still sends (bounded in octets and
   time), so that closing with unread data does not reset the
   connection before the client has read the response. */
static void drain(odd_metrics_t *m, int fd)
{
	int64_t deadline = mono_ms() + 1000;
	size_t total = 0;
	(void)shutdown(fd, SHUT_WR);
	while (total < 256 * 1024) {
		ssize_t r = recv(fd, m->req, ODD_METRICS_REQ_MAX, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(m, fd, POLLIN, deadline) != 1)
				return;
			continue;
		}
		if (r <= 0)
			return;
		total += (size_t)r;
	}
}

static void *thread_main(void *arg)
{
	odd_metrics_t *m = arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = m->lfd, .events = POLLIN },
			               { .fd = m->wake[0], .events = POLLIN } };
		int r = poll(p, 2, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		int fd = accept4(m->lfd, NULL, NULL,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		m->responded = false;
		serve(m, fd);
		/* A client that sent nothing in time gets no more. */
		if (m->responded)
			drain(m, fd);
		close(fd);
	}
	return NULL;
}

int odd_metrics_start(odd_metrics_t **out, odd_server_t *srv,
                      const od_listen_t *addr, char *err, size_t errlen)
{
	char a[80];
	if (od_sockaddr_str((const struct sockaddr *)&addr->addr, a,
	                    sizeof(a)) < 0)
		snprintf(a, sizeof(a), "?");
	odd_metrics_t *m = calloc(1, sizeof(*m));
	if (m == NULL || (m->body = malloc(RESP_MAX)) == NULL) {
		if (m)
			free(m);
		snprintf(err, errlen, "metrics: out of memory");
		return OD_ENOMEM;
	}
	m->srv = srv;
	m->wake[0] = m->wake[1] = -1;
	int on = 1, e;
	m->lfd = socket(addr->addr.ss_family,
	                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->lfd < 0)
		goto fail;
	(void)setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(m->lfd, (const struct sockaddr *)&addr->addr, addr->len) !=
	            0 ||
	    listen(m->lfd, 16) != 0 || pipe2(m->wake, O_CLOEXEC) != 0)
		goto fail;
	e = pthread_create(&m->thread, NULL, thread_main, m);
	if (e != 0) {
		errno = e;
		goto fail;
	}
	*out = m;
	return 0;
fail:
	e = errno;
	snprintf(err, errlen, "metrics %s: %s", a, strerror(e));
	if (m->lfd >= 0)
		close(m->lfd);
	if (m->wake[0] >= 0) {
		close(m->wake[0]);
		close(m->wake[1]);
	}
	free(m->body);
	free(m);
	return -e;
}

void odd_metrics_stop(odd_metrics_t *m)
{
	if (m == NULL)
		return;
	char b = 1;
	while (write(m->wake[1], &b, 1) < 0 && errno == EINTR)
		;
	pthread_join(m->thread, NULL);
	close(m->lfd);
	close(m->wake[0]);
	close(m->wake[1]);
	free(m->body);
	free(m);
}
