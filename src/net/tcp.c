/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "net/internal.h"

/* Free space offered to each read. */
#define READ_CHUNK 4096

struct od_tcp_conn {
	uv_tcp_t h; /*!< h.data = this */
	od_net_worker_t *w;
	/* In the worker's list, least recently active first. */
	struct od_tcp_conn *prev, *next;
	uint64_t last; /*!< uv_now() of the last query or write done */
	uint8_t *rbuf; /*!< received, not yet handled; owned */
	size_t rlen, rcap;
	unsigned inflight; /*!< answers queued, not yet written */
	unsigned writes;   /*!< write requests queued (answers + emitted) */
	unsigned deferred; /*!< od_net_pending_t handles on it (each also
	                        counted in inflight until completed) */
	bool reading;
	bool eof;      /*!< the client finished sending */
	bool draining; /*!< handle nothing more; close once written */
	bool closing;  /*!< uv_close called; freed in its callback, or by
	                    the last deferred handle after it */
	bool closed;   /*!< the close callback ran (handle gone) */
	bool kicked;   /*!< in the worker's kick list */
	struct od_tcp_conn *kick_next;
	struct sockaddr_storage peer, local;
	socklen_t peerlen;
};

struct wreq {
	uv_write_t req;
	struct od_tcp_conn *c;
	bool answer;
	uint8_t data[]; /*!< length prefix and message */
};

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void process(struct od_tcp_conn *c);

static void lru_unlink(struct od_tcp_conn *c)
{
	od_net_worker_t *w = c->w;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->lru_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->lru_tail = c->prev;
	c->prev = c->next = NULL;
}

static void lru_append(struct od_tcp_conn *c)
{
	od_net_worker_t *w = c->w;
	c->prev = w->lru_tail;
	c->next = NULL;
	if (w->lru_tail)
		w->lru_tail->next = c;
	else
		w->lru_head = c;
	w->lru_tail = c;
}

static void touch(struct od_tcp_conn *c)
{
	c->last = uv_now(&c->w->loop);
	if (c->w->lru_tail != c) {
		lru_unlink(c);
		lru_append(c);
	}
}

static void close_timers(od_net_worker_t *w)
{
	if (w->timer_init && !uv_is_closing((uv_handle_t *)&w->idle_timer))
		uv_close((uv_handle_t *)&w->idle_timer, NULL);
	if (w->kick_init && !uv_is_closing((uv_handle_t *)&w->kick_timer))
		uv_close((uv_handle_t *)&w->kick_timer, NULL);
}

/* Once stopping, the timers go when the last connection does. */
static void maybe_finish(od_net_worker_t *w)
{
	if (w->stopping && w->nconns == 0)
		close_timers(w);
}

static void close_cb(uv_handle_t *h)
{
	struct od_tcp_conn *c = h->data;
	free(c->rbuf);
	c->rbuf = NULL;
	c->closed = true;
	/* Deferred handles still point here: the last one frees it. */
	if (c->deferred == 0)
		free(c);
}

static void kick_unlink(struct od_tcp_conn *c)
{
	struct od_tcp_conn **pp = &c->w->kick_head;
	while (*pp && *pp != c)
		pp = &(*pp)->kick_next;
	if (*pp)
		*pp = c->kick_next;
	c->kicked = false;
	c->kick_next = NULL;
}

static void conn_close(struct od_tcp_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->kicked)
		kick_unlink(c);
	lru_unlink(c);
	c->w->nconns--;
	/* Pending writes are cancelled (write_cb runs) before close_cb. */
	uv_close((uv_handle_t *)&c->h, close_cb);
	maybe_finish(c->w);
}

static void idle_cb(uv_timer_t *t)
{
	od_net_worker_t *w = t->data;
	uint64_t now = uv_now(&w->loop);
	uint64_t idle = w->net->conf.tcp_idle_ms;
	while (w->lru_head && w->lru_head->last + idle <= now) {
		OD_STAT_ADD(w, tcp_closed_idle, 1);
		conn_close(w->lru_head);
	}
	if (w->lru_head && !w->stopping)
		uv_timer_start(t, idle_cb, w->lru_head->last + idle - now, 0);
}

static void grace_cb(uv_timer_t *t)
{
	od_net_worker_t *w = t->data;
	while (w->lru_head)
		conn_close(w->lru_head);
	maybe_finish(w);
}

static void set_reading(struct od_tcp_conn *c, bool on)
{
	if (on == c->reading)
		return;
	if (on)
		on = uv_read_start((uv_stream_t *)&c->h, alloc_cb, read_cb) ==
		     0;
	else
		uv_read_stop((uv_stream_t *)&c->h);
	c->reading = on;
}

/* Closes the connection once nothing more will be handled or sent. */
static void maybe_close_drained(struct od_tcp_conn *c)
{
	if (!c->closing && (c->eof || c->draining) && c->writes == 0 &&
	    c->deferred == 0)
		conn_close(c);
}

static void write_cb(uv_write_t *req, int status)
{
	struct wreq *r = (struct wreq *)req;
	struct od_tcp_conn *c = r->c;
	bool answer = r->answer;
	free(r);
	c->writes--;
	if (answer) {
		c->inflight--;
		if (status == 0)
			OD_STAT_ADD(c->w, tcp_answers, 1);
	}
	if (c->closing)
		return;
	if (status < 0) {
		OD_STAT_ADD(c->w, tcp_closed_error, 1);
		conn_close(c);
		return;
	}
	touch(c);
	/* Queries held back by tcp_max_pending may go now. */
	process(c);
}

static int queue_write(struct od_tcp_conn *c, const uint8_t *msg, size_t len,
                       bool answer)
{
	struct wreq *r = malloc(sizeof(*r) + 2 + len);
	if (r == NULL)
		return OD_ENOMEM;
	r->c = c;
	r->answer = answer;
	r->data[0] = (uint8_t)(len >> 8);
	r->data[1] = (uint8_t)len;
	memcpy(r->data + 2, msg, len);
	uv_buf_t b = uv_buf_init((char *)r->data, (unsigned)(2 + len));
	int rc = uv_write(&r->req, (uv_stream_t *)&c->h, &b, 1, write_cb);
	if (rc != 0) {
		free(r);
		return rc;
	}
	c->writes++;
	if (answer)
		c->inflight++;
	return 0;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct od_tcp_conn *c = h->data;
	size_t want = READ_CHUNK;
	if (c->rlen >= 2) {
		/* Room for the rest of the message being received. */
		size_t need = 2 + ((size_t)c->rbuf[0] << 8 | c->rbuf[1]);
		if (need > c->rlen && need - c->rlen > want)
			want = need - c->rlen;
	}
	if (c->rcap - c->rlen < want) {
		uint8_t *nb = realloc(c->rbuf, c->rlen + want);
		if (nb == NULL) {
			/* read_cb gets UV_ENOBUFS and closes. */
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		c->rbuf = nb;
		c->rcap = c->rlen + want;
	}
	*buf = uv_buf_init((char *)c->rbuf + c->rlen,
	                   (unsigned)(c->rcap - c->rlen));
}

/*
 * Handle the complete messages received, in order, while the
 * connection may take more; keep the rest; then decide about reading.
 */
static void process(struct od_tcp_conn *c)
{
	od_net_worker_t *w = c->w;
	const od_net_conf_t *conf = &w->net->conf;
	size_t off = 0;
	bool entered = false;
	while (!c->closing && !c->draining &&
	       c->inflight < conf->tcp_max_pending && c->rlen - off >= 2) {
		size_t mlen = (size_t)c->rbuf[off] << 8 | c->rbuf[off + 1];
		if (mlen < OD_NET_MSG_MIN) {
			/* Empty or shorter than a DNS header: the framing
			   cannot be trusted any more. */
			OD_STAT_ADD(w, tcp_closed_error, 1);
			conn_close(c);
			break;
		}
		if (c->rlen - off < 2 + mlen)
			break;
		if (!entered) {
			od_net_enter(w);
			entered = true;
		}
		OD_STAT_ADD(w, tcp_queries, 1);
		touch(c);
		od_net_query_t q = {
			.wire = c->rbuf + off + 2,
			.len = mlen,
			.peer = (const struct sockaddr *)&c->peer,
			.peerlen = c->peerlen,
			.local = (const struct sockaddr *)&c->local,
			.tr = OD_TR_TCP,
			.worker = w->idx,
			.conn = c,
		};
		int alen = conf->handler(w->wctx, &q, w->tcp_answer,
		                         OD_NET_MSG_MAX);
		off += 2 + mlen;
		if (c->closing)
			break;
		if (alen == OD_NET_DEFER)
			continue;
		if (alen < 0 || od_fails(alen > OD_NET_MSG_MAX)) {
			/* The handler gave up on this client: send what
			   is queued, then close. */
			c->draining = true;
			break;
		}
		if (alen > 0 &&
		    queue_write(c, w->tcp_answer, (size_t)alen, true) != 0) {
			OD_STAT_ADD(w, tcp_closed_error, 1);
			conn_close(c);
			break;
		}
	}
	if (entered)
		od_net_leave(w);
	if (c->closing)
		return;
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	set_reading(c, !c->eof && !c->draining && !w->stopping &&
	                       c->inflight < conf->tcp_max_pending);
	maybe_close_drained(c);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct od_tcp_conn *c = s->data;
	if (c->closing)
		return;
	if (nread > 0) {
		c->rlen += (size_t)nread;
		process(c);
	} else if (nread == UV_EOF) {
		/* Half-closed: answer what came, then close. */
		c->eof = true;
		set_reading(c, false);
		process(c);
	} else if (nread < 0) {
		OD_STAT_ADD(c->w, tcp_closed_error, 1);
		conn_close(c);
	}
}

static void reject_closed(uv_handle_t *h)
{
	od_net_worker_t *w = h->data;
	w->reject_busy = false;
}

/*
 * No memory for a connection: accept and close it at once, since libuv
 * stops watching a listener whose accepted socket is left unclaimed.
 */
static void refuse(uv_stream_t *server, od_net_worker_t *w)
{
	OD_STAT_ADD(w, tcp_closed_limit, 1);
	if (w->reject_busy || uv_tcp_init(&w->loop, &w->reject) != 0)
		return;
	w->reject.data = w;
	w->reject_busy = true;
	(void)uv_accept(server, (uv_stream_t *)&w->reject);
	uv_close((uv_handle_t *)&w->reject, reject_closed);
}

static void on_conn(uv_stream_t *server, int status)
{
	struct od_tcp_listener *l = server->data;
	od_net_worker_t *w = l->w;
	if (status < 0 || w->stopping)
		return;
	struct od_tcp_conn *c = calloc(1, sizeof(*c));
	if (c == NULL || uv_tcp_init(&w->loop, &c->h) != 0) {
		free(c);
		refuse(server, w);
		return;
	}
	c->w = w;
	c->h.data = c;
	c->closing = true; /* not counted until accepted */
	if (uv_accept(server, (uv_stream_t *)&c->h) != 0) {
		uv_close((uv_handle_t *)&c->h, close_cb);
		return;
	}
	c->closing = false;
	if (w->nconns >= w->net->conf.tcp_max_conns) {
		/* Make room: the least recently active one goes. */
		OD_STAT_ADD(w, tcp_closed_limit, 1);
		conn_close(w->lru_head);
	}
	int len = sizeof(c->peer);
	if (uv_tcp_getpeername(&c->h, (struct sockaddr *)&c->peer, &len) == 0)
		c->peerlen = (socklen_t)len;
	len = sizeof(c->local);
	if (uv_tcp_getsockname(&c->h, (struct sockaddr *)&c->local, &len) != 0)
		memcpy(&c->local, &l->lw->addr.addr, l->lw->addr.len);
	uv_tcp_nodelay(&c->h, 1);
	c->last = uv_now(&w->loop);
	lru_append(c);
	w->nconns++;
	OD_STAT_ADD(w, tcp_conns, 1);
	if (!uv_is_active((uv_handle_t *)&w->idle_timer))
		uv_timer_start(&w->idle_timer, idle_cb,
		               w->net->conf.tcp_idle_ms, 0);
	set_reading(c, true);
	if (!c->reading) {
		OD_STAT_ADD(w, tcp_closed_error, 1);
		conn_close(c);
	}
}

int od_tcp_worker_init(od_net_worker_t *w)
{
	w->tcp_answer = malloc(OD_NET_MSG_MAX);
	if (w->tcp_answer == NULL)
		return OD_ENOMEM;
	int rc = uv_timer_init(&w->loop, &w->idle_timer);
	if (rc != 0)
		return rc;
	w->idle_timer.data = w;
	w->timer_init = true;
	rc = uv_timer_init(&w->loop, &w->kick_timer);
	if (rc != 0)
		return rc;
	w->kick_timer.data = w;
	w->kick_init = true;
	return 0;
}

void od_tcp_worker_free(od_net_worker_t *w)
{
	free(w->tcp_answer);
}

int od_tcp_start(struct od_tcp_listener *l, char *err, size_t errlen)
{
	od_net_worker_t *w = l->w;
	int rc = uv_tcp_init(&w->loop, &l->h);
	if (rc != 0)
		goto fail;
	l->h_init = true;
	l->h.data = l;
	rc = uv_tcp_open(&l->h, l->fd);
	if (rc != 0)
		goto fail;
	l->fd = -1; /* the handle owns it now */
	rc = uv_listen((uv_stream_t *)&l->h, SOMAXCONN, on_conn);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on a TCP socket: %s",
	         uv_strerror(rc));
	return rc;
}

void od_tcp_stop_all(od_net_worker_t *w)
{
	if (!w->timer_init)
		return;
	uv_timer_stop(&w->idle_timer);
	/* Nothing new is handled; what is queued gets written. */
	for (struct od_tcp_conn *c = w->lru_head, *next; c; c = next) {
		next = c->next;
		c->draining = true;
		set_reading(c, false);
		maybe_close_drained(c);
	}
	if (uv_is_closing((uv_handle_t *)&w->idle_timer))
		return;
	if (w->nconns == 0)
		close_timers(w);
	else
		uv_timer_start(&w->idle_timer, grace_cb, OD_NET_STOP_GRACE_MS,
		               0);
}

static void kick_cb(uv_timer_t *t)
{
	od_net_worker_t *w = t->data;
	while (w->kick_head) {
		struct od_tcp_conn *c = w->kick_head;
		w->kick_head = c->kick_next;
		c->kick_next = NULL;
		c->kicked = false;
		/* Closing connections left the list in conn_close. */
		process(c);
	}
}

void od_tcp_defer(struct od_net_pending *p)
{
	struct od_tcp_conn *c = p->conn;
	c->deferred++;
	/* Counts as an answer not yet written (tcp_max_pending). */
	c->inflight++;
}

/* The handle p lets go of its connection. \return false when it is
   closing (or closed), with the memory freed if p was the last user. */
static bool tcp_release(struct od_net_pending *p)
{
	struct od_tcp_conn *c = p->conn;
	c->deferred--;
	c->inflight--;
	if (!c->closing)
		return true;
	if (c->closed && c->deferred == 0)
		free(c);
	return false;
}

int od_tcp_reply(struct od_net_pending *p, const uint8_t *msg, size_t len)
{
	struct od_tcp_conn *c = p->conn;
	if (!tcp_release(p))
		return -EPIPE;
	int rc = queue_write(c, msg, len, true);
	if (rc != 0) {
		OD_STAT_ADD(c->w, tcp_closed_error, 1);
		conn_close(c);
		return rc == OD_ENOMEM ? rc : -EPIPE;
	}
	/* write_cb processes what was held back. */
	return 0;
}

void od_tcp_drop(struct od_net_pending *p)
{
	struct od_tcp_conn *c = p->conn;
	if (!tcp_release(p))
		return;
	od_net_worker_t *w = c->w;
	if (c->kicked || !w->kick_init ||
	    uv_is_closing((uv_handle_t *)&w->kick_timer))
		return;
	c->kicked = true;
	c->kick_next = w->kick_head;
	w->kick_head = c;
	if (!uv_is_active((uv_handle_t *)&w->kick_timer))
		uv_timer_start(&w->kick_timer, kick_cb, 0, 0);
}

int od_net_emit(const od_net_query_t *q, const uint8_t *msg, size_t len)
{
	if (q == NULL || q->tr != OD_TR_TCP || q->conn == NULL ||
	    (msg == NULL && len > 0) || len > OD_NET_MSG_MAX)
		return OD_EINVAL;
	struct od_tcp_conn *c = q->conn;
	if (c->closing || c->draining)
		return OD_ELIMIT;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) >
	    c->w->net->conf.tcp_max_queued)
		return OD_ELIMIT;
	int rc = queue_write(c, msg, len, false);
	if (rc == OD_ENOMEM)
		return rc;
	if (rc != 0) {
		/* The socket failed: the caller should stop. */
		c->draining = true;
		return OD_ELIMIT;
	}
	return 0;
}
