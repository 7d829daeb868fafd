/* SPDX-License-Identifier: MIT */
#include "daemon/worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <uv.h>

#include "daemon/clock.h"
#include "daemon/localroot.h"
#include "daemon/trust.h"
#include "lib/edns.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/mm.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

/* Largest DNS message. */
#define MSG_MAX 65535
/* Buckets of the in-flight table (a power of two). */
#define EX_BUCKETS 1024
/* Random words fetched from the kernel at a time. */
#define RAND_WORDS 256
/* Upper bound on one exchange's wait when the engine gives none. */
#define EX_TIMEOUT_DEFAULT_MS 2000
/* Period of the trust anchor maintenance (odd_trust_tick). */
#define TRUST_TICK_MS 1000
/* Period of the prefill scheduler (odd_prefill_tick): refreshes are
   due on it with this precision; a resolution that ends starts the
   next at once. */
#define PREFILL_TICK_MS 250

typedef struct worker worker_t;
typedef struct dreq dreq_t;
typedef struct exch exch_t;

/* A client query whose answer is deferred, or an internal query (p
   NULL, done set): a refresh the resolver makes itself, no client. */
struct dreq {
	worker_t *w;
	odr_req_t *r;           /* owned */
	od_net_pending_t *p;    /* owned until replied or dropped */
	odd_trust_done_fn done; /* internal: told the outcome, once */
	void *done_arg;
	bool tcp;            /* the client's transport */
	uint64_t start_us;   /* when the client query came (monotonic) */
	exch_t *ex;          /* the exchange it waits on, or NULL */
	dreq_t *ex_next;     /* next waiter of ex */
	dreq_t *prev, *next; /* the worker's active list */
	/* Its own upstream query, to adapt a shared answer: ID and the
	   query name as sent (case included). */
	uint16_t qid;
	uint8_t qname[OD_NAME_MAXLEN];
	size_t qnamelen;
	odd_qlog_addr_t client; /* truncated; set when srv->qlog is */
	/* Serve-stale client timer (RFC 8767): the worker's queue, in
	   deadline order (one timeout for all, so arrival order). */
	dreq_t *sq_prev, *sq_next;
	bool in_sq;
	uint64_t stale_at_ms; /* deadline, monotonic */
	/* A stale answer went out: p is gone, the request goes on to
	   refresh the cache. */
	bool answered;
};

/* One upstream exchange (a query sent, its answer awaited). */
struct exch {
	worker_t *w;
	exch_t *hnext; /* in-flight table chain */
	uint32_t hash;
	bool in_table;
	bool closing; /* finished: handles closing, freed when closed */
	bool tcp;
	bool udp_connected;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint8_t *key; /* owned: the query with ID 0, query name lowercased */
	size_t keylen;
	uint8_t *msg;    /* owned: 2-octet length prefix, then the query */
	size_t len;      /* of the query */
	dreq_t *waiters; /* the first is the one whose query was sent */
	dreq_t **wtail;
	union {
		uv_udp_t udp;
		uv_tcp_t tcp;
	} io;
	uv_timer_t timer;
	uv_connect_t creq;
	uv_write_t wreq;
	uv_udp_send_t sreq;
	int handles;   /* initialised, not yet closed */
	uint8_t *rbuf; /* owned: TCP answer being received */
	size_t rlen, rcap;
	uint64_t sent_us; /* when it started (monotonic), for its RTT */
	uint8_t cls;      /* odd_ucls_t of the zone queried */
};

typedef struct rng {
	uint32_t buf[RAND_WORDS];
	unsigned left;
} rng_t;

struct worker {
	odd_server_t *srv;
	unsigned idx;
	uv_loop_t *loop;
	odr_env_t env;
	rng_t rng;
	od_arena_t arena; /* error answers; reset after each */
	exch_t *tab[EX_BUCKETS];
	uint32_t tab_seed; /* keys the table's hash: query names are
	                     chosen by clients */
	dreq_t *active;    /* deferred requests */
	unsigned nactive;
	unsigned ninternal; /* of which internal (not counted against
	                       outstanding) */
	bool stopping;
	uint8_t *ubuf; /* MSG_MAX: UDP answers received */
	uint8_t *cbuf; /* MSG_MAX: a waiter's copy of a shared answer */
	uint8_t *kbuf; /* MSG_MAX: coalescing key being looked up */
	uint8_t *obuf; /* MSG_MAX: client answers */
	uint64_t overload, coalesced;
	odd_wstats_t *st;    /* srv->wstats[idx], or own_st */
	odd_wstats_t own_st; /* when srv has no slot for this index */
	bool trust_attached; /* env published into by srv->trust */
	bool trust_timer_on; /* trust_timer initialised (worker 0) */
	uv_timer_t trust_timer;
	/* Length of the internal answer in obuf, for the done callback. */
	size_t olen;
	bool prefill_timer_on; /* prefill_timer initialised (worker 0) */
	uv_timer_t prefill_timer;
	dreq_t *sq_head, *sq_tail; /* serve-stale client timer queue */
	bool stale_timer_on;       /* stale_timer initialised */
	uv_timer_t stale_timer;
};

static uint64_t now_ms(void)
{
	return odd_mono_ms();
}

static uint64_t now_us(void)
{
	return odd_mono_us();
}

const uint16_t odd_qtypes[ODD_QT_COUNT - 1] = {
	OD_TYPE_A,    OD_TYPE_NS,    OD_TYPE_CNAME, OD_TYPE_SOA,
	OD_TYPE_PTR,  OD_TYPE_MX,    OD_TYPE_TXT,   OD_TYPE_AAAA,
	OD_TYPE_SRV,  OD_TYPE_NAPTR, OD_TYPE_DS,    OD_TYPE_DNSKEY,
	OD_TYPE_SVCB, OD_TYPE_HTTPS, OD_TYPE_CAA,   OD_TYPE_ANY,
};

const uint32_t odd_lat_bounds_us[ODD_LAT_BUCKETS - 1] = {
	500,    1000,   2500,   5000,    10000,   25000,   50000,
	100000, 250000, 500000, 1000000, 2500000, 5000000,
};

const uint32_t odd_rtt_bounds_us[ODD_RTT_BUCKETS - 1] = {
	250,   500,   1000,   2500,   5000,   10000,
	25000, 50000, 100000, 250000, 500000, 1000000,
};

/* Unpredictable numbers for IDs, 0x20 and ties: the kernel's CSPRNG,
   fetched in blocks so most calls cost no system call. */
static uint32_t rng_next(void *ctx)
{
	rng_t *g = ctx;
	if (g->left == 0) {
		size_t got = 0;
		while (got < sizeof(g->buf)) {
			ssize_t r = getrandom((uint8_t *)g->buf + got,
			                      sizeof(g->buf) - got, 0);
			if (r < 0 && errno == EINTR)
				continue;
			/* Predictable IDs would open the cache to
			   spoofing: better stop than go on. */
			od_require(r > 0);
			got += (size_t)r;
		}
		g->left = RAND_WORDS;
	}
	uint32_t v = g->buf[--g->left];
	g->buf[g->left] = 0;
	return v;
}

/* Length of the uncompressed name at wire[off], or 0 when it is not
   one within len. */
static size_t name_len_at(const uint8_t *wire, size_t len, size_t off)
{
	size_t p = off;
	while (p < len) {
		uint8_t l = wire[p];
		if (l == 0)
			return p + 1 - off <= OD_NAME_MAXLEN ? p + 1 - off : 0;
		if (l > 63)
			return 0;
		p += 1 + (size_t)l;
	}
	return 0;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool name_eq_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
	/* Length octets are below 64, so folding them changes nothing. */
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t n)
{
	/* FNV-1a: the table is per worker and keyed by our own queries,
	   whose IDs are random and not part of the key. */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static bool sa_equal(const struct sockaddr_storage *a,
                     const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
		                         *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 &&
	       x->sin6_scope_id == y->sin6_scope_id;
}

static uint32_t sa_hash(const struct sockaddr_storage *a)
{
	uint32_t h = 2166136261u;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		h = hash_bytes(h, (const uint8_t *)&x->sin_port, 2);
		return hash_bytes(h, (const uint8_t *)&x->sin_addr, 4);
	}
	const struct sockaddr_in6 *x = (const void *)a;
	h = hash_bytes(h, (const uint8_t *)&x->sin6_port, 2);
	return hash_bytes(h, (const uint8_t *)&x->sin6_addr, 16);
}

/* Error answers (REFUSED, SERVFAIL) --------------------------------- */

/* An answer with rcode and the query's question; 0 for a query that
   cannot be parsed (nothing is sent). */
static int error_answer(worker_t *w, const od_net_query_t *q, uint8_t rcode,
                        uint8_t *out, size_t cap)
{
	od_pkt_t pkt;
	int len = 0;
	if (od_pkt_parse(&pkt, q->wire, q->len, &w->arena.mm,
	                 OD_PKT_TRAILING_OK) < 0 ||
	    pkt.hdr.qr)
		goto out;
	od_hdr_t h = { .id = pkt.hdr.id,
		       .opcode = pkt.hdr.opcode,
		       .qr = true,
		       .rd = pkt.hdr.rd,
		       .cd = pkt.hdr.cd,
		       .ra = true,
		       .rcode = rcode };
	od_pkt_w_t b;
	od_edns_t e;
	size_t max = q->tr == OD_TR_TCP ? cap : (cap < 512 ? cap : 512);
	if (od_pkt_w_init(&b, out, max, &h) < 0)
		goto out;
	if (pkt.opt) {
		od_edns_init(&e, w->srv->conf->edns_size);
		if (od_pkt_w_edns(&b, &e) < 0)
			goto out;
	}
	if (pkt.count[OD_QUESTION] == 1 &&
	    od_pkt_w_question(&b, pkt.qd[0].qname, pkt.qd[0].qtype,
	                      pkt.qd[0].qclass) < 0)
		goto out;
	len = od_pkt_w_finish(&b);
	if (len < 0)
		len = 0;
out:
	od_arena_reset(&w->arena);
	return len;
}

/* Requests ---------------------------------------------------------- */

static int attach(dreq_t *d, const odr_send_t *snd);
static void run(dreq_t *d, odr_state_t st);

static void active_unlink(dreq_t *d)
{
	worker_t *w = d->w;
	if (d->prev)
		d->prev->next = d->next;
	else
		w->active = d->next;
	if (d->next)
		d->next->prev = d->prev;
	w->nactive--;
	if (d->done)
		w->ninternal--;
}

/* One writer per counter (the worker): a relaxed load and store. */
static inline void count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c,
	                      atomic_load_explicit(c, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

/* A client answer of len octets (0 or less: none was sent) to a query
   received at start_us. */
static void count_answer(worker_t *w, const uint8_t *msg, int len,
                         uint64_t start_us)
{
	if (len < 4) {
		count(&w->st->dropped);
		return;
	}
	count(&w->st->rcode[msg[3] & 0x0f]);
	uint64_t now = now_us();
	uint64_t us = now > start_us ? now - start_us : 0;
	unsigned b = 0;
	while (b < ODD_LAT_BUCKETS - 1 && us > odd_lat_bounds_us[b])
		b++;
	count(&w->st->lat[b]);
	atomic_store_explicit(
	        &w->st->lat_us,
	        atomic_load_explicit(&w->st->lat_us, memory_order_relaxed) + us,
	        memory_order_relaxed);
}

static void add(_Atomic uint64_t *c, uint64_t v)
{
	if (v)
		atomic_store_explicit(
		        c, atomic_load_explicit(c, memory_order_relaxed) + v,
		        memory_order_relaxed);
}

/* What the engine says of a client request it settled. */
static void count_info(worker_t *w, const odr_req_info_t *info)
{
	if (info->cached)
		count(&w->st->cached);
	if (info->stale)
		count(&w->st->stale);
	for (unsigned b = 0; b < 4; b++)
		if (info->limits & (1u << b))
			count(&w->st->limit[b]);
	if (info->ede >= 0)
		count(&w->st->ede[info->ede < ODD_EDE_COUNT - 1
		                          ? info->ede
		                          : ODD_EDE_COUNT - 1]);
	count(&w->st->sec[info->sec < 4 ? info->sec : ODR_SEC_UNCHECKED]);
	add(&w->st->upstream, info->upstream);
	add(&w->st->timeouts, info->timeouts);
}

/* Index of the query's type in odd_qtypes (the last: other or none). */
static unsigned qtype_index(const uint8_t *wire, size_t len)
{
	if (len < 12 || (wire[4] | wire[5]) == 0)
		return ODD_QT_COUNT - 1;
	size_t nl = name_len_at(wire, len, 12);
	if (nl == 0 || 12 + nl + 2 > len)
		return ODD_QT_COUNT - 1;
	uint16_t t = (uint16_t)(wire[12 + nl] << 8 | wire[12 + nl + 1]);
	for (unsigned i = 0; i < ODD_QT_COUNT - 1; i++)
		if (odd_qtypes[i] == t)
			return i;
	return ODD_QT_COUNT - 1;
}

/* The query log's line for a client answer of len octets (none when
   nothing was sent); info NULL for answers the engine did not make. */
static void qlog_answer(worker_t *w, const odd_qlog_addr_t *client, bool tcp,
                        const uint8_t *msg, int len, const odr_req_info_t *info,
                        uint64_t start_us)
{
	if (len <= 0)
		return;
	uint64_t now = now_us();
	odd_qlog_entry_t e = { .client = client,
		               .tcp = tcp,
		               .msg = msg,
		               .len = (size_t)len,
		               .ede = info ? info->ede : -1,
		               .cached = info && info->cached,
		               .latency_us = now > start_us ? now - start_us
		                                            : 0 };
	odd_qlog_write(w->srv->qlog, w->idx, &e);
}

/* As qlog_answer for an answer given in the handler to q. */
static void qlog_sync(worker_t *w, const od_net_query_t *q, const uint8_t *msg,
                      int len, const odr_req_info_t *info, uint64_t start_us)
{
	odd_qlog_addr_t client;
	odd_qlog_addr(q->peer, &client);
	qlog_answer(w, &client, q->tr == OD_TR_TCP, msg, len, info, start_us);
}

/* Serve-stale client timer ------------------------------------------ */

static void stale_tick(uv_timer_t *h);

static void sq_remove(dreq_t *d)
{
	worker_t *w = d->w;
	if (!d->in_sq)
		return;
	if (d->sq_prev)
		d->sq_prev->sq_next = d->sq_next;
	else
		w->sq_head = d->sq_next;
	if (d->sq_next)
		d->sq_next->sq_prev = d->sq_prev;
	else
		w->sq_tail = d->sq_prev;
	d->sq_prev = d->sq_next = NULL;
	d->in_sq = false;
}

/* Run the timer for the first deadline, or stop it. */
static void sq_arm(worker_t *w, uint64_t now)
{
	if (!w->stale_timer_on)
		return;
	if (w->sq_head == NULL) {
		uv_timer_stop(&w->stale_timer);
		return;
	}
	uint64_t at = w->sq_head->stale_at_ms;
	(void)uv_timer_start(&w->stale_timer, stale_tick,
	                     at > now ? at - now : 0, 0);
}

/* The client timer of d ran out: a stale answer if there is one; the
   request goes on either way (what it learns refreshes the cache). */
static void stale_answer(dreq_t *d, uint64_t now)
{
	worker_t *w = d->w;
	int len = odr_req_stale(d->r, now, w->obuf, MSG_MAX, d->tcp);
	if (len <= 0 || d->p == NULL)
		return;
	uint16_t ede = (w->obuf[3] & 0x0f) == OD_RCODE_NXDOMAIN
	                       ? OD_EDE_STALE_NXDOMAIN
	                       : OD_EDE_STALE;
	odr_req_info_t info = { .rcode = w->obuf[3] & 0x0f,
		                .ede = ede,
		                .stale = true };
	/* Counted before it leaves, as complete() does. */
	count(&w->st->stale);
	count(&w->st->ede[ede]);
	count_answer(w, w->obuf, len, d->start_us);
	if (od_net_reply(d->p, w->obuf, (size_t)len) == OD_EINVAL) {
		/* Not this worker's: cannot be (p stays with the request). */
		return;
	}
	d->p = NULL;
	d->answered = true;
	if (w->srv->qlog)
		qlog_answer(w, &d->client, d->tcp, w->obuf, len, &info,
		            d->start_us);
	od_log_debug("stale answer at the client timer", "rcode=%u",
	             info.rcode);
}

static void stale_tick(uv_timer_t *h)
{
	worker_t *w = h->data;
	uint64_t now = now_ms();
	while (w->sq_head != NULL && w->sq_head->stale_at_ms <= now) {
		dreq_t *d = w->sq_head;
		sq_remove(d);
		stale_answer(d, now);
	}
	sq_arm(w, now);
}

/* The request is settled: answer the client, free it. */
static void complete(dreq_t *d)
{
	worker_t *w = d->w;
	int len = odr_req_finish(d->r, w->obuf, MSG_MAX, d->tcp);
	odr_req_info_t info;
	odr_req_info(d->r, &info);
	w->olen = len > 0 ? (size_t)len : 0;
	sq_remove(d);
	/* Counted before the answer leaves: a client that reads the
	   metrics once it has its answer sees it counted. */
	if (!d->done && !d->answered) {
		count_info(w, &info);
		count_answer(w, w->obuf, len, d->start_us);
	}
	if (d->answered) {
		/* The client had a stale answer at its timer; this request
		   only refreshed the cache (or tried to). */
		add(&w->st->upstream, info.upstream);
		add(&w->st->timeouts, info.timeouts);
	} else if (d->done)
		d->done(d->done_arg, d->r); /* internal: nobody to answer */
	else if (len > 0)
		(void)od_net_reply(d->p, w->obuf, (size_t)len);
	else
		od_net_drop(d->p);
	if (!d->done && !d->answered && w->srv->qlog)
		qlog_answer(w, &d->client, d->tcp, w->obuf, len, &info,
		            d->start_us);
	if (od_log_get_level() >= OD_LOG_DEBUG) {
		od_log_debug(d->done ? "internal query done" : "query done",
		             "rcode=%u upstream=%u timeouts=%u fail=\"%s\"",
		             info.rcode, info.upstream, info.timeouts,
		             info.fail ? info.fail : "");
	}
	odr_req_free(d->r);
	active_unlink(d);
	free(d);
}

/*
 * Drive d from state st until it waits on an exchange or is settled.
 * A query that cannot be sent counts as timed out (the engine moves on
 * to another server or gives up).
 */
static void run(dreq_t *d, odr_state_t st)
{
	for (;;) {
		if (st != ODR_PRODUCE) {
			/* ODR_DONE, ODR_FAIL, or a state the engine
			   should not leave us in: settle it. */
			complete(d);
			return;
		}
		odr_send_t snd;
		st = odr_req_produce(d->r, now_ms(), &snd);
		if (st != ODR_PRODUCE)
			continue;
		if (attach(d, &snd) == 0)
			return;
		st = odr_req_consume(d->r, NULL, 0,
		                     (const struct sockaddr *)&snd.addr,
		                     now_ms());
	}
}

/* Exchanges --------------------------------------------------------- */

static void ex_free(exch_t *ex)
{
	free(ex->key);
	free(ex->msg);
	free(ex->rbuf);
	free(ex);
}

static void ex_handle_closed(uv_handle_t *h)
{
	exch_t *ex = h->data;
	if (--ex->handles == 0)
		ex_free(ex);
}

static void ex_unlink(exch_t *ex)
{
	if (!ex->in_table)
		return;
	exch_t **pp = &ex->w->tab[ex->hash & (EX_BUCKETS - 1)];
	while (*pp != ex)
		pp = &(*pp)->hnext;
	*pp = ex->hnext;
	ex->in_table = false;
}

/* Finish with ex: out of the table, handles closed, freed after them. */
static void ex_close(exch_t *ex)
{
	if (ex->closing)
		return;
	ex->closing = true;
	ex_unlink(ex);
	int n = ex->handles;
	if (n == 0) {
		ex_free(ex);
		return;
	}
	/* Timer first: it is initialised whenever the I/O handle is. */
	uv_close((uv_handle_t *)&ex->timer, ex_handle_closed);
	if (n == 2)
		uv_close((uv_handle_t *)&ex->io, ex_handle_closed);
}

/* Give waiter d (not the one whose query was sent) its copy of resp:
   its own ID, and its own case of the query name. */
static const uint8_t *adapt(const dreq_t *d, const uint8_t *resp, size_t len)
{
	uint8_t *c = d->w->cbuf;
	memcpy(c, resp, len);
	c[0] = (uint8_t)(d->qid >> 8);
	c[1] = (uint8_t)d->qid;
	if (len >= 12 + d->qnamelen && (c[4] | c[5]) != 0 &&
	    name_eq_nocase(c + 12, d->qname, d->qnamelen))
		memcpy(c + 12, d->qname, d->qnamelen);
	return c;
}

/* An answer the first waiter took: its round trip, by class. */
static void count_rtt(exch_t *ex)
{
	odd_wstats_t *st = ex->w->st;
	uint64_t now = now_us();
	uint64_t us = now > ex->sent_us ? now - ex->sent_us : 0;
	unsigned b = 0;
	while (b < ODD_RTT_BUCKETS - 1 && us > odd_rtt_bounds_us[b])
		b++;
	count(&st->rtt[ex->cls][b]);
	add(&st->rtt_us[ex->cls], us);
}

/* The exchange ends with resp (NULL: timeout or network error). */
static void deliver(exch_t *ex, const uint8_t *resp, size_t len)
{
	const struct sockaddr *from = (const struct sockaddr *)&ex->addr;
	dreq_t *first = ex->waiters;
	if (first == NULL) {
		ex_close(ex);
		return;
	}
	uint64_t now = now_ms();
	odr_state_t st0 = odr_req_consume(first->r, resp, len, from, now);
	if (st0 == ODR_CONSUME && resp != NULL) {
		/* Not an answer to our query (wrong ID, question or
		   source). Over UDP keep waiting for the real one; a TCP
		   connection has no second chance. */
		if (!ex->tcp)
			return;
		st0 = odr_req_consume(first->r, NULL, 0, from, now);
		resp = NULL;
	}
	if (resp != NULL)
		count_rtt(ex);
	dreq_t *list = ex->waiters;
	ex->waiters = NULL;
	ex_close(ex);
	for (dreq_t *d = list, *next; d; d = next) {
		next = d->ex_next;
		d->ex = NULL;
		d->ex_next = NULL;
		odr_state_t st = st0;
		if (d != first) {
			now = now_ms();
			st = ODR_CONSUME;
			if (resp)
				st = odr_req_consume(d->r, adapt(d, resp, len),
				                     len, from, now);
			if (st == ODR_CONSUME)
				st = odr_req_consume(d->r, NULL, 0, from, now);
		}
		run(d, st);
	}
}

static void on_timeout(uv_timer_t *t)
{
	exch_t *ex = t->data;
	if (ex->closing)
		return;
	count(&ex->w->st->ex_timeouts[ex->cls]);
	deliver(ex, NULL, 0);
}

static void udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	exch_t *ex = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)ex->w->ubuf, MSG_MAX);
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                     const struct sockaddr *addr, unsigned flags)
{
	exch_t *ex = h->data;
	if (ex->closing || (nread == 0 && addr == NULL))
		return;
	if (nread < 0) {
		/* ICMP unreachable and the like: no answer will come. */
		deliver(ex, NULL, 0);
		return;
	}
	/* A datagram larger than our buffer cannot be DNS. */
	if (flags & UV_UDP_PARTIAL)
		return;
	deliver(ex, (const uint8_t *)buf->base, (size_t)nread);
}

static void udp_sent(uv_udp_send_t *req, int status)
{
	exch_t *ex = req->data;
	if (status < 0 && !ex->closing)
		deliver(ex, NULL, 0);
}

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	exch_t *ex = h->data;
	(void)suggested;
	size_t want = 2 + MSG_MAX;
	if (ex->rcap < want) {
		uint8_t *nb = realloc(ex->rbuf, want);
		if (nb == NULL) {
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		ex->rbuf = nb;
		ex->rcap = want;
	}
	*buf = uv_buf_init((char *)ex->rbuf + ex->rlen,
	                   (unsigned)(ex->rcap - ex->rlen));
}

static void tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	exch_t *ex = s->data;
	(void)buf;
	if (ex->closing)
		return;
	if (nread < 0) {
		deliver(ex, NULL, 0);
		return;
	}
	ex->rlen += (size_t)nread;
	if (ex->rlen < 2)
		return;
	size_t mlen = (size_t)ex->rbuf[0] << 8 | ex->rbuf[1];
	if (ex->rlen >= 2 + mlen)
		deliver(ex, ex->rbuf + 2, mlen);
}

static void tcp_written(uv_write_t *req, int status)
{
	exch_t *ex = req->data;
	if (status < 0 && !ex->closing)
		deliver(ex, NULL, 0);
}

static void tcp_connected(uv_connect_t *req, int status)
{
	exch_t *ex = req->data;
	if (ex->closing)
		return;
	uv_stream_t *s = (uv_stream_t *)&ex->io.tcp;
	uv_buf_t b = uv_buf_init((char *)ex->msg, (unsigned)(2 + ex->len));
	if (status < 0 || uv_write(&ex->wreq, s, &b, 1, tcp_written) != 0 ||
	    uv_read_start(s, tcp_alloc, tcp_read) != 0)
		deliver(ex, NULL, 0);
}

/* Open the socket and send; on error ex is closed (and freed later). */
static int ex_start(exch_t *ex, uint32_t timeout_ms)
{
	worker_t *w = ex->w;
	const struct sockaddr *sa = (const struct sockaddr *)&ex->addr;
	int rc = uv_timer_init(w->loop, &ex->timer);
	if (rc != 0)
		return rc;
	ex->timer.data = ex;
	ex->handles = 1;
	if (ex->tcp) {
		rc = uv_tcp_init(w->loop, &ex->io.tcp);
	} else {
		rc = uv_udp_init_ex(w->loop, &ex->io.udp, sa->sa_family);
	}
	if (rc != 0)
		goto fail;
	ex->handles = 2;
	if (ex->tcp)
		ex->io.tcp.data = ex;
	else
		ex->io.udp.data = ex;
	if (ex->tcp) {
		ex->creq.data = ex;
		rc = uv_tcp_connect(&ex->creq, &ex->io.tcp, sa, tcp_connected);
	} else {
		/* The kernel binds an unbound socket to a random ephemeral
		   port (Linux randomises UDP port choice); connect() makes
		   it drop datagrams from any other source. */
		rc = uv_udp_connect(&ex->io.udp, sa);
		if (rc == 0)
			rc = uv_udp_recv_start(&ex->io.udp, udp_alloc,
			                       udp_recv);
		if (rc == 0) {
			uv_buf_t b = uv_buf_init((char *)ex->msg + 2,
			                         (unsigned)ex->len);
			rc = uv_udp_try_send(&ex->io.udp, &b, 1, NULL);
			if (rc == UV_EAGAIN) {
				ex->sreq.data = ex;
				rc = uv_udp_send(&ex->sreq, &ex->io.udp, &b, 1,
				                 NULL, udp_sent);
			} else if (rc > 0) {
				rc = 0;
			}
		}
	}
	if (rc != 0)
		goto fail;
	rc = uv_timer_start(&ex->timer, on_timeout, timeout_ms, 0);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	ex_close(ex);
	return rc;
}

/* The metrics class of a query for zone (NULL: unknown). */
static uint8_t zone_class(const uint8_t *zone)
{
	if (zone == NULL)
		return ODD_UCLS_OTHER;
	int n = od_name_labels(zone);
	return n == 0 ? ODD_UCLS_ROOT : n == 1 ? ODD_UCLS_TLD : ODD_UCLS_OTHER;
}

/*
 * Make d wait for the answer to snd: join an identical exchange in
 * flight, or start one. \return 0, or an error (nothing sent).
 */
static int attach(dreq_t *d, const odr_send_t *snd)
{
	worker_t *w = d->w;
	const odd_conf_t *conf = w->srv->conf;
	if (w->stopping || snd->len < 12 || snd->len > MSG_MAX ||
	    (snd->addr.ss_family != AF_INET && snd->addr.ss_family != AF_INET6))
		return OD_EINVAL;
	size_t qnl = (snd->wire[4] | snd->wire[5]) != 0
	                     ? name_len_at(snd->wire, snd->len, 12)
	                     : 0;
	d->qid = (uint16_t)(snd->wire[0] << 8 | snd->wire[1]);
	d->qnamelen = qnl;
	memcpy(d->qname, snd->wire + 12, qnl);

	uint8_t *key = w->kbuf;
	memcpy(key, snd->wire, snd->len);
	key[0] = key[1] = 0;
	for (size_t i = 0; i < qnl; i++)
		key[12 + i] = lower(key[12 + i]);
	uint32_t h =
	        hash_bytes(sa_hash(&snd->addr) ^ w->tab_seed, key, snd->len);
	h = hash_bytes(h, (const uint8_t *)&snd->tcp, 1);
	for (exch_t *ex = w->tab[h & (EX_BUCKETS - 1)]; ex; ex = ex->hnext) {
		if (ex->hash != h || ex->tcp != snd->tcp ||
		    ex->keylen != snd->len ||
		    !sa_equal(&ex->addr, &snd->addr) ||
		    memcmp(ex->key, key, snd->len) != 0)
			continue;
		d->ex = ex;
		*ex->wtail = d;
		ex->wtail = &d->ex_next;
		w->coalesced++;
		return 0;
	}

	exch_t *ex = calloc(1, sizeof(*ex));
	if (ex == NULL)
		return OD_ENOMEM;
	ex->w = w;
	ex->hash = h;
	ex->tcp = snd->tcp;
	ex->addr = snd->addr;
	ex->addrlen = snd->addrlen;
	ex->len = snd->len;
	ex->keylen = snd->len;
	ex->key = malloc(snd->len);
	ex->msg = malloc(2 + snd->len);
	if (ex->key == NULL || ex->msg == NULL) {
		ex_free(ex);
		return OD_ENOMEM;
	}
	memcpy(ex->key, key, snd->len);
	ex->msg[0] = (uint8_t)(snd->len >> 8);
	ex->msg[1] = (uint8_t)snd->len;
	memcpy(ex->msg + 2, snd->wire, snd->len);
	ex->waiters = NULL;
	ex->wtail = &ex->waiters;
	ex->cls = zone_class(snd->zone);
	ex->sent_us = now_us();
	uint32_t timeout = snd->timeout_ms ? snd->timeout_ms
	                                   : EX_TIMEOUT_DEFAULT_MS;
	if (timeout > conf->time_per_query_ms)
		timeout = conf->time_per_query_ms;
	int rc = ex_start(ex, timeout);
	if (rc != 0)
		return rc;
	d->ex = ex;
	*ex->wtail = d;
	ex->wtail = &d->ex_next;
	ex->hnext = w->tab[h & (EX_BUCKETS - 1)];
	w->tab[h & (EX_BUCKETS - 1)] = ex;
	ex->in_table = true;
	return 0;
}

/* Make d (settled neither at begin nor at its first produce) wait for
   snd on the worker's loop. */
static void start_deferred(dreq_t *d, const odr_send_t *snd)
{
	worker_t *w = d->w;
	const odd_conf_t *conf = w->srv->conf;
	/* Serve-stale: a client waits at most stale_client_ms before a
	   stale answer (when there is one). Deadlines come in arrival
	   order: append. */
	if (d->p != NULL && d->done == NULL && conf->serve_stale &&
	    conf->stale_client_ms > 0 && w->stale_timer_on) {
		d->stale_at_ms = d->start_us / 1000 + conf->stale_client_ms;
		d->sq_prev = w->sq_tail;
		d->sq_next = NULL;
		if (w->sq_tail)
			w->sq_tail->sq_next = d;
		else
			w->sq_head = d;
		w->sq_tail = d;
		d->in_sq = true;
		if (w->sq_head == d)
			sq_arm(w, now_ms());
	}
	d->next = w->active;
	if (w->active)
		w->active->prev = d;
	w->active = d;
	w->nactive++;
	if (d->done)
		w->ninternal++;
	if (attach(d, snd) != 0)
		run(d, odr_req_consume(d->r, NULL, 0,
		                       (const struct sockaddr *)&snd->addr,
		                       now_ms()));
}

/* Internal queries (odd_trust_launch_fn) ------------------------------ */

static int internal_query(void *ctx, const uint8_t *qname, uint16_t qtype,
                          odd_trust_done_fn done, void *arg)
{
	worker_t *w = ctx;
	uint8_t q[OD_NAME_MAXLEN + 64];
	od_hdr_t h = { .id = (uint16_t)rng_next(&w->rng), .rd = true };
	od_pkt_w_t b;
	od_edns_t e;
	if (w->stopping)
		return OD_EINVAL;
	od_edns_init(&e, w->srv->conf->edns_size);
	e.flags |= OD_EDNS_DO;
	if (od_pkt_w_init(&b, q, sizeof(q), &h) < 0 ||
	    od_pkt_w_question(&b, qname, qtype, OD_CLASS_IN) < 0 ||
	    od_pkt_w_edns(&b, &e) < 0)
		return OD_ESPACE;
	int len = od_pkt_w_finish(&b);
	if (len < 0)
		return len;
	/* A reload may have replaced the settings: each request copies
	   the current ones (odr_req_new). */
	w->env.conf = atomic_load(&w->srv->rconf);
	odr_req_t *r = odr_req_new(&w->env);
	if (r == NULL)
		return OD_ENOMEM;
	odr_req_nocache(r);
	uint64_t now = now_ms();
	odr_state_t st = odr_req_begin(r, q, (size_t)len, now);
	odr_send_t snd;
	if (st == ODR_PRODUCE)
		st = odr_req_produce(r, now, &snd);
	if (st != ODR_PRODUCE) {
		int n = odr_req_finish(r, w->obuf, MSG_MAX, true);
		w->olen = n > 0 ? (size_t)n : 0;
		done(arg, r);
		odr_req_free(r);
		return 0;
	}
	dreq_t *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		odr_req_free(r);
		return OD_ENOMEM;
	}
	/* Internal queries are few (one or two per anchored zone every
	   hour or more): they do not count against outstanding. */
	*d = (dreq_t){
		.w = w, .r = r, .tcp = true, .done = done, .done_arg = arg
	};
	start_deferred(d, &snd);
	return 0;
}

static void trust_tick(uv_timer_t *h)
{
	worker_t *w = h->data;
	if (!w->stopping)
		odd_trust_tick(w->srv->trust, internal_query, w);
}

/* Prefill (odd_prefill_launch_fn) ------------------------------------ */

/* A prefill resolution in flight: whom to tell (owned by it). */
typedef struct pf_call {
	worker_t *w;
	odd_prefill_done_fn done;
	void *arg;
} pf_call_t;

/* Its internal query is settled: complete() (or internal_query) has
   just written the answer into obuf. */
static void prefill_done(void *arg, const odr_req_t *r)
{
	pf_call_t *c = arg;
	worker_t *w = c->w;
	if (r == NULL)
		c->done(c->arg, NULL, 0);
	else
		c->done(c->arg, w->obuf, w->olen);
	free(c);
}

static int prefill_query(void *ctx, const uint8_t *qname, uint16_t qtype,
                         odd_prefill_done_fn done, void *arg)
{
	worker_t *w = ctx;
	pf_call_t *c = malloc(sizeof(*c));
	if (c == NULL)
		return OD_ENOMEM;
	*c = (pf_call_t){ .w = w, .done = done, .arg = arg };
	int rc = internal_query(w, qname, qtype, prefill_done, c);
	if (rc < 0)
		free(c);
	return rc;
}

static void prefill_tick(uv_timer_t *h)
{
	worker_t *w = h->data;
	if (!w->stopping)
		odd_prefill_tick(w->srv->prefill, prefill_query, w, now_ms());
}

/* Net callbacks ------------------------------------------------------ */

void *odd_worker_init(unsigned idx, void *ctx)
{
	odd_server_t *srv = ctx;
	worker_t *w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto fail;
	w->srv = srv;
	w->idx = idx;
	w->st = srv->wstats && idx < srv->nwstats ? &srv->wstats[idx]
	                                          : &w->own_st;
	w->loop = od_net_current_loop();
	od_arena_init(&w->arena, 16384);
	w->ubuf = malloc(MSG_MAX);
	w->cbuf = malloc(MSG_MAX);
	w->kbuf = malloc(MSG_MAX);
	w->obuf = malloc(MSG_MAX);
	if (w->loop == NULL || !w->ubuf || !w->cbuf || !w->kbuf || !w->obuf) {
		odd_worker_free(w, ctx);
		goto fail;
	}
	w->env = (odr_env_t){ .conf = atomic_load(&srv->rconf),
		              .hints = &srv->hints,
		              .cache = srv->cache,
		              .infra = srv->infra,
		              .aggr = srv->aggr,
		              .random = rng_next,
		              .random_ctx = &w->rng,
		              .localroot = srv->localroot ? &srv->lr_hook
		                                          : NULL };
	w->tab_seed = rng_next(&w->rng);
	/* What can fail comes before the first handle: once one is
	   initialised, w must outlive its close (the loop runs on after a
	   failed start), so no failure may free it. uv_timer_init does not
	   fail. */
	if (srv->trust) {
		/* Without its trust anchors a worker would answer
		   unvalidated: it does not start then. */
		if (odd_trust_attach(srv->trust, &w->env) < 0) {
			odd_worker_free(w, ctx);
			goto fail;
		}
		w->trust_attached = true;
	}
	/* Serve-stale client timer; started when a request waits. */
	(void)uv_timer_init(w->loop, &w->stale_timer);
	w->stale_timer_on = true;
	w->stale_timer.data = w;
	if (srv->trust) {
		if (idx == 0) {
			(void)uv_timer_init(w->loop, &w->trust_timer);
			w->trust_timer_on = true;
			w->trust_timer.data = w;
			/* First run at once: the refreshes due at start. */
			if (uv_timer_start(&w->trust_timer, trust_tick, 0,
			                   TRUST_TICK_MS) != 0)
				od_log_error("trust anchor refreshes cannot be "
				             "scheduled",
				             NULL);
		}
	}
	if (srv->prefill && idx == 0) {
		(void)uv_timer_init(w->loop, &w->prefill_timer);
		w->prefill_timer_on = true;
		w->prefill_timer.data = w;
		/* First run at once: the whole list is due at start. */
		if (uv_timer_start(&w->prefill_timer, prefill_tick, 0,
		                   PREFILL_TICK_MS) != 0)
			od_log_error("prefill cannot be scheduled", NULL);
	}
	return w;
fail:
	od_log_error("worker cannot start: its queries are dropped",
	             "worker=%u error=\"%s\"", idx, od_strerror(OD_ENOMEM));
	return NULL;
}

void odd_worker_stop(void *wctx, void *ctx)
{
	worker_t *w = wctx;
	(void)ctx;
	if (w == NULL || w->stopping)
		return;
	w->stopping = true;
	if (w->trust_timer_on) {
		w->trust_timer_on = false;
		uv_close((uv_handle_t *)&w->trust_timer, NULL);
	}
	if (w->prefill_timer_on) {
		w->prefill_timer_on = false;
		uv_close((uv_handle_t *)&w->prefill_timer, NULL);
	}
	if (w->stale_timer_on) {
		w->stale_timer_on = false;
		uv_close((uv_handle_t *)&w->stale_timer, NULL);
	}
	w->sq_head = w->sq_tail = NULL;
	/* Exchanges first (they point at requests), then the requests:
	   their clients get no answer, as from a resolver that went away. */
	for (size_t i = 0; i < EX_BUCKETS; i++) {
		while (w->tab[i]) {
			exch_t *ex = w->tab[i];
			ex->waiters = NULL;
			ex_close(ex);
		}
	}
	while (w->active) {
		dreq_t *d = w->active;
		if (d->done)
			d->done(d->done_arg, NULL);
		od_net_drop(d->p);
		odr_req_free(d->r);
		active_unlink(d);
		free(d);
	}
	od_log_debug("worker stopping",
	             "worker=%u coalesced=%llu overload=%llu", w->idx,
	             (unsigned long long)w->coalesced,
	             (unsigned long long)w->overload);
}

void odd_worker_free(void *wctx, void *ctx)
{
	worker_t *w = wctx;
	if (w == NULL)
		return;
	/* Normally empty by now (worker_stop); not when start failed. */
	odd_worker_stop(w, ctx);
	if (w->trust_attached)
		odd_trust_detach(w->srv->trust, &w->env);
	od_arena_deinit(&w->arena);
	free(w->ubuf);
	free(w->cbuf);
	free(w->kbuf);
	free(w->obuf);
	free(w);
}

/* A NOTIFY request (not a response) in wire (a whole header). */
static bool is_notify(const uint8_t *wire)
{
	od_hdr_t h;
	od_hdr_unpack(&h, wire);
	return !h.qr && h.opcode == OD_OPCODE_NOTIFY;
}

int odd_handle(void *wctx, const od_net_query_t *q, uint8_t *out, size_t cap)
{
	worker_t *w = wctx;
	if (w == NULL)
		return 0;
	const odd_conf_t *conf = w->srv->conf;
	int len;
	uint64_t start = now_us();
	bool tcp = q->tr == OD_TR_TCP;
	count(&w->st->queries);
	count(&w->st->qtype[tcp][qtype_index(q->wire, q->len)]);
	/* NOTIFY (RFC 1996) for the local root: before the access list,
	   since a primary need not be a client; the local root itself
	   refuses every sender but its AXFR sources. */
	if (w->srv->localroot && q->len >= OD_HDR_LEN && is_notify(q->wire)) {
		size_t n = odd_localroot_notify(w->srv->localroot, q->wire,
		                                q->len, q->peer, out, cap);
		len = n <= cap && n <= MSG_MAX ? (int)n : 0;
		count_answer(w, out, len, start);
		if (w->srv->qlog)
			qlog_sync(w, q, out, len, NULL, start);
		return len;
	}
	if (!odd_acl_allows(conf->acl, conf->nacl, q->peer)) {
		len = error_answer(w, q, OD_RCODE_REFUSED, out, cap);
		count_answer(w, out, len, start);
		if (w->srv->qlog)
			qlog_sync(w, q, out, len, NULL, start);
		return len;
	}
	w->env.conf = atomic_load(&w->srv->rconf);
	odr_req_t *r = odr_req_new(&w->env);
	if (r == NULL) {
		len = error_answer(w, q, OD_RCODE_SERVFAIL, out, cap);
		count_answer(w, out, len, start);
		if (w->srv->qlog)
			qlog_sync(w, q, out, len, NULL, start);
		return len;
	}
	uint64_t now = now_ms();
	odr_state_t st = odr_req_begin(r, q->wire, q->len, now);
	odr_send_t snd;
	if (st == ODR_PRODUCE)
		st = odr_req_produce(r, now, &snd);
	if (st != ODR_PRODUCE) {
		/* Settled without upstream (cache hit, refusal, FORMERR):
		   answered here, nothing deferred. */
		len = odr_req_finish(r, out, cap, tcp);
		odr_req_info_t info;
		odr_req_info(r, &info);
		count_info(w, &info);
		count_answer(w, out, len, start);
		if (w->srv->qlog)
			qlog_sync(w, q, out, len, &info, start);
		odr_req_free(r);
		return len > 0 ? len : 0;
	}
	dreq_t *d = NULL;
	od_net_pending_t *p = NULL;
	if (w->nactive - w->ninternal >= conf->outstanding || w->stopping ||
	    (d = calloc(1, sizeof(*d))) == NULL ||
	    (p = od_net_defer(q)) == NULL) {
		w->overload++;
		count(&w->st->overload);
		free(d);
		/* Nothing can be asked for it now: stale data, when there
		   is any, beats a SERVFAIL (RFC 8767). */
		odr_req_info_t info = { .ede = -1 };
		len = conf->serve_stale ? odr_req_stale(r, now, out, cap, tcp)
		                        : 0;
		odr_req_free(r);
		if (len > 0) {
			info.rcode = out[3] & 0x0f;
			info.ede = info.rcode == OD_RCODE_NXDOMAIN
			                   ? OD_EDE_STALE_NXDOMAIN
			                   : OD_EDE_STALE;
			info.stale = true;
			count(&w->st->stale);
			count(&w->st->ede[info.ede]);
		} else {
			len = error_answer(w, q, OD_RCODE_SERVFAIL, out, cap);
		}
		count_answer(w, out, len, start);
		if (w->srv->qlog)
			qlog_sync(w, q, out, len, info.stale ? &info : NULL,
			          start);
		return len;
	}
	*d = (dreq_t){ .w = w, .r = r, .p = p, .tcp = tcp, .start_us = start };
	if (w->srv->qlog)
		odd_qlog_addr(q->peer, &d->client);
	start_deferred(d, &snd);
	return OD_NET_DEFER;
}
