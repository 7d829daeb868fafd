/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "net/internal.h"

/* Upper bound on workers: a typo in a config must not spawn millions. */
#define MAX_WORKERS 1024
/* Attempts at finding a port free for UDP and TCP when port 0 is asked. */
#define ANY_PORT_TRIES 16

/* The worker running in this thread, so synchronize skips itself. */
static _Thread_local od_net_worker_t *cur_worker;

void od_net_enter(od_net_worker_t *w)
{
	atomic_fetch_add_explicit(&w->seq, 1, memory_order_seq_cst);
	/* The handler's loads of shared pointers must not move above this. */
	atomic_thread_fence(memory_order_seq_cst);
}

void od_net_leave(od_net_worker_t *w)
{
	atomic_fetch_add_explicit(&w->seq, 1, memory_order_release);
}

void od_net_synchronize(od_net_t *n)
{
	if (n == NULL)
		return;
	/* Orders the caller's store of the new pointer before our loads. */
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned i = 0; i < n->nworkers; i++) {
		od_net_worker_t *w = &n->w[i];
		if (w == cur_worker)
			continue;
		uint64_t s = atomic_load(&w->seq);
		if ((s & 1) == 0)
			continue;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 20000 };
		while (atomic_load(&w->seq) == s)
			nanosleep(&ts, NULL);
	}
}

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void sa_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static bool sa_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
	        &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int set_int(int fd, int level, int opt, int val)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) != 0)
		return -errno;
	return 0;
}

/* One socket of one worker, bound (and listening for TCP). */
static int open_sock(const od_net_t *n, const od_listen_t *l, int type,
                     bool wildcard, int *out)
{
	int family = l->addr.ss_family;
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (rc == 0 && type == SOCK_STREAM)
		rc = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (rc == 0 && family == AF_INET6)
		rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (rc == 0 && n->conf.freebind)
		rc = set_int(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		             family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND,
		             1);
	if (rc == 0 && type == SOCK_DGRAM && wildcard) {
		/* Learn each query's destination to answer from it. */
		if (family == AF_INET)
			rc = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
		else
			rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	}
	if (rc == 0 && type == SOCK_DGRAM) {
		/* A burst larger than the default buffer (about 200 KiB) is
		   lost before a worker sees it; the kernel caps the request at
		   net.core.rmem_max / wmem_max. Best effort. */
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, OD_NET_UDP_SOCKBUF);
		(void)set_int(fd, SOL_SOCKET, SO_SNDBUF, OD_NET_UDP_SOCKBUF);
	}
	if (rc == 0 && type == SOCK_DGRAM) {
		/* Never fragment answers by path MTU learnt from (possibly
		   forged) ICMP; large answers go out at the interface MTU.
		   Best effort: older kernels lack OMIT. */
		if (family == AF_INET)
			(void)set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER,
			              IP_PMTUDISC_OMIT);
		else
			(void)set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
			              IPV6_PMTUDISC_OMIT);
	}
	if (rc == 0 && bind(fd, (const struct sockaddr *)&l->addr, l->len) != 0)
		rc = -errno;
	if (rc == 0 && type == SOCK_STREAM && listen(fd, SOMAXCONN) != 0)
		rc = -errno;
	if (rc != 0) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static void close_listen_fds(od_net_t *n, size_t li)
{
	for (unsigned k = 0; k < n->nworkers; k++) {
		od_net_worker_t *w = &n->w[k];
		if (w->udp[li].fd >= 0)
			close(w->udp[li].fd);
		if (w->tcp[li].fd >= 0)
			close(w->tcp[li].fd);
		w->udp[li].fd = -1;
		w->tcp[li].fd = -1;
	}
}

/*
 * Open the UDP and TCP sockets of every worker on listen li. With port 0
 * the first socket gets a port from the kernel and all others share it,
 * so that one address serves both transports on every worker.
 */
static int open_listen(od_net_t *n, size_t li, char *err, size_t errlen)
{
	od_listen_t *l = &n->bound[li];
	bool any_port = sa_port(&l->addr) == 0;
	const char *what = "udp";
	int rc = 0;
	for (int attempt = 0; attempt < (any_port ? ANY_PORT_TRIES : 1);
	     attempt++) {
		if (any_port)
			sa_set_port(&l->addr, 0);
		rc = 0;
		what = "udp";
		for (unsigned k = 0; rc == 0 && k < n->nworkers; k++) {
			struct od_udp_sock *s = &n->w[k].udp[li];
			rc = open_sock(n, l, SOCK_DGRAM, n->wildcard[li],
			               &s->fd);
			if (rc == 0 && k == 0 && any_port) {
				struct sockaddr_storage ss;
				socklen_t len = sizeof(ss);
				if (getsockname(s->fd, (struct sockaddr *)&ss,
				                &len) != 0)
					rc = -errno;
				else
					sa_set_port(&l->addr, sa_port(&ss));
			}
		}
		if (rc == 0)
			what = "tcp";
		for (unsigned k = 0; rc == 0 && k < n->nworkers; k++)
			rc = open_sock(n, l, SOCK_STREAM, n->wildcard[li],
			               &n->w[k].tcp[li].fd);
		if (rc == 0)
			return 0;
		close_listen_fds(n, li);
		/* Only a port the kernel chose may be traded for another. */
		if (!any_port || rc != -EADDRINUSE)
			break;
	}
	char addr[80];
	if (any_port)
		sa_set_port(&l->addr, 0);
	if (od_sockaddr_str((const struct sockaddr *)&l->addr, addr,
	                    sizeof(addr)) != 0)
		snprintf(addr, sizeof(addr), "?");
	snprintf(err, errlen, "cannot listen on %s/%s: %s", addr, what,
	         od_strerror(rc));
	return rc;
}

/* Close every handle of w; its loop then runs until they are gone. */
static void stop_worker(od_net_worker_t *w)
{
	w->stopping = true;
	for (size_t i = 0; i < w->net->nlisten; i++) {
		struct od_udp_sock *s = &w->udp[i];
		if (s->poll_init && !uv_is_closing((uv_handle_t *)&s->poll))
			uv_close((uv_handle_t *)&s->poll, NULL);
		struct od_tcp_listener *l = &w->tcp[i];
		if (l->h_init && !uv_is_closing((uv_handle_t *)&l->h))
			uv_close((uv_handle_t *)&l->h, NULL);
	}
	if (w->async_init && !uv_is_closing((uv_handle_t *)&w->stop_async))
		uv_close((uv_handle_t *)&w->stop_async, NULL);
	od_tcp_stop_all(w);
}

static void on_stop(uv_async_t *a)
{
	od_net_worker_t *w = a->data;
	const od_net_conf_t *c = &w->net->conf;
	/* First, so answers the daemon completes now still find their
	   connections open. */
	if (c->worker_stop)
		c->worker_stop(w->wctx, c->ctx);
	stop_worker(w);
}

static void *worker_main(void *arg)
{
	od_net_worker_t *w = arg;
	const od_net_conf_t *c = &w->net->conf;
	cur_worker = w;
	if (c->worker_init)
		w->wctx = c->worker_init(w->idx, c->ctx);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	if (c->worker_free)
		c->worker_free(w->wctx, c->ctx);
	cur_worker = NULL;
	return NULL;
}

/* Tear down everything (after the threads, if any, were joined). */
static void net_free(od_net_t *n)
{
	for (unsigned k = 0; n->w && k < n->nworkers; k++) {
		od_net_worker_t *w = &n->w[k];
		if (w->loop_init) {
			if (!w->thread_started) {
				/* Never ran: close its handles here. */
				stop_worker(w);
				uv_run(&w->loop, UV_RUN_DEFAULT);
			}
			int rc = uv_loop_close(&w->loop);
			od_require(rc == 0);
		}
		for (size_t i = 0; w->udp && i < n->nlisten; i++)
			if (w->udp[i].fd >= 0)
				close(w->udp[i].fd);
		for (size_t i = 0; w->tcp && i < n->nlisten; i++)
			if (w->tcp[i].fd >= 0)
				close(w->tcp[i].fd);
		od_udp_worker_free(w);
		od_tcp_worker_free(w);
		free(w->udp);
		free(w->tcp);
	}
	free(n->w);
	free(n->bound);
	free(n->wildcard);
	free(n);
}

static int uv_err(int uvrc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, uv_strerror(uvrc));
	/* libuv's codes are negative errno values on Unix. */
	return uvrc;
}

static int setup_worker(od_net_t *n, od_net_worker_t *w, char *err,
                        size_t errlen)
{
	int rc = uv_loop_init(&w->loop);
	if (rc != 0)
		return uv_err(rc, "cannot create an event loop", err, errlen);
	w->loop_init = true;
	rc = uv_async_init(&w->loop, &w->stop_async, on_stop);
	if (rc != 0)
		return uv_err(rc, "cannot create an event loop", err, errlen);
	w->stop_async.data = w;
	w->async_init = true;
	rc = od_udp_worker_init(w, err, errlen);
	if (rc == 0)
		rc = od_tcp_worker_init(w);
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot start worker %u: %s",
			         w->idx, od_strerror(rc));
		return rc;
	}
	for (size_t i = 0; rc == 0 && i < n->nlisten; i++) {
		rc = od_udp_start(&w->udp[i], err, errlen);
		if (rc == 0)
			rc = od_tcp_start(&w->tcp[i], err, errlen);
	}
	return rc;
}

int od_net_start(od_net_t **out, const od_net_conf_t *conf, char *err,
                 size_t errlen)
{
	char dummy[1];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (out == NULL || conf == NULL || conf->handler == NULL) {
		snprintf(err, errlen, "no handler given");
		return OD_EINVAL;
	}
	if (conf->nlisten == 0 || conf->listen == NULL) {
		snprintf(err, errlen, "no listen address given");
		return OD_EINVAL;
	}
	for (size_t i = 0; i < conf->nlisten; i++) {
		const od_listen_t *l = &conf->listen[i];
		sa_family_t f = l->addr.ss_family;
		if ((f != AF_INET && f != AF_INET6) ||
		    l->len != (f == AF_INET ? sizeof(struct sockaddr_in)
		                            : sizeof(struct sockaddr_in6))) {
			snprintf(err, errlen,
			         "listen address %zu is not IPv4 or IPv6", i);
			return OD_EINVAL;
		}
	}
	unsigned nworkers = conf->workers;
	if (nworkers == 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		nworkers = ncpu > 0 ? (unsigned)ncpu : 1;
		if (nworkers > MAX_WORKERS)
			nworkers = MAX_WORKERS;
	}
	if (nworkers > MAX_WORKERS) {
		snprintf(err, errlen, "too many workers: %u (at most %d)",
		         nworkers, MAX_WORKERS);
		return OD_ERANGE;
	}
	/* recvmmsg() takes at most UIO_MAXIOV (1024) messages. */
	if (conf->udp_batch > 1024) {
		snprintf(err, errlen, "UDP batch too large: %u (at most 1024)",
		         conf->udp_batch);
		return OD_ERANGE;
	}

	od_net_t *n = calloc(1, sizeof(*n));
	if (n == NULL)
		goto nomem;
	n->conf = *conf;
	n->nworkers = nworkers;
	n->nlisten = conf->nlisten;
	n->conf.workers = nworkers;
	if (n->conf.tcp_idle_ms == 0)
		n->conf.tcp_idle_ms = 10000;
	if (n->conf.tcp_max_conns == 0)
		n->conf.tcp_max_conns = 1024;
	if (n->conf.tcp_max_pending == 0)
		n->conf.tcp_max_pending = 100;
	if (n->conf.udp_batch == 0)
		n->conf.udp_batch = 64;
	if (n->conf.tcp_max_queued == 0)
		n->conf.tcp_max_queued = (size_t)64 << 20;
	n->bound = calloc(n->nlisten, sizeof(*n->bound));
	n->wildcard = calloc(n->nlisten, sizeof(*n->wildcard));
	n->w = calloc(nworkers, sizeof(*n->w));
	if (n->bound == NULL || n->wildcard == NULL || n->w == NULL)
		goto nomem_free;
	memcpy(n->bound, conf->listen, n->nlisten * sizeof(*n->bound));
	n->conf.listen = n->bound;
	for (size_t i = 0; i < n->nlisten; i++)
		n->wildcard[i] = sa_is_wildcard(&n->bound[i].addr);
	for (unsigned k = 0; k < nworkers; k++) {
		od_net_worker_t *w = &n->w[k];
		w->net = n;
		w->idx = k;
		w->udp = calloc(n->nlisten, sizeof(*w->udp));
		w->tcp = calloc(n->nlisten, sizeof(*w->tcp));
		if (w->udp == NULL || w->tcp == NULL)
			goto nomem_free;
		for (size_t i = 0; i < n->nlisten; i++) {
			w->udp[i] =
			        (struct od_udp_sock){ .w = w,
				                      .fd = -1,
				                      .li = i,
				                      .pktinfo =
				                              n->wildcard[i] };
			w->tcp[i] = (struct od_tcp_listener){ .w = w,
				                              .fd = -1,
				                              .li = i };
		}
	}

	/* All sockets first, so an address problem leaves nothing open. */
	int rc = 0;
	for (size_t i = 0; i < n->nlisten; i++) {
		rc = open_listen(n, i, err, errlen);
		if (rc != 0)
			goto fail;
	}
	for (unsigned k = 0; k < nworkers; k++) {
		rc = setup_worker(n, &n->w[k], err, errlen);
		if (rc != 0)
			goto fail;
	}

	/* Workers take no signals: the daemon's main thread handles them,
	   and EPIPE is reported by the write itself. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned k = 0; k < nworkers; k++) {
		od_net_worker_t *w = &n->w[k];
		rc = -pthread_create(&w->thread, NULL, worker_main, w);
		if (rc != 0) {
			snprintf(err, errlen, "cannot start worker %u: %s", k,
			         od_strerror(rc));
			break;
		}
		w->thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		od_net_stop(n);
		return rc;
	}
	*out = n;
	return 0;

nomem_free:
	rc = OD_ENOMEM;
	snprintf(err, errlen, "out of memory");
fail:
	net_free(n);
	return rc;
nomem:
	snprintf(err, errlen, "out of memory");
	return OD_ENOMEM;
}

void od_net_stop(od_net_t *n)
{
	if (n == NULL)
		return;
	for (unsigned k = 0; k < n->nworkers; k++)
		if (n->w[k].thread_started)
			uv_async_send(&n->w[k].stop_async);
	for (unsigned k = 0; k < n->nworkers; k++)
		if (n->w[k].thread_started)
			pthread_join(n->w[k].thread, NULL);
	net_free(n);
}

od_net_pending_t *od_net_defer(const od_net_query_t *q)
{
	od_net_worker_t *w = cur_worker;
	if (q == NULL || w == NULL || od_fails(q->worker != w->idx) ||
	    q->peerlen > sizeof(struct sockaddr_storage))
		return NULL;
	od_net_pending_t *p = malloc(sizeof(*p));
	if (p == NULL)
		return NULL;
	*p = (od_net_pending_t){ .w = w, .tr = q->tr, .peerlen = q->peerlen };
	memcpy(&p->peer, q->peer, q->peerlen);
	size_t llen = q->local->sa_family == AF_INET
	                      ? sizeof(struct sockaddr_in)
	                      : sizeof(struct sockaddr_in6);
	memcpy(&p->local, q->local, llen);
	if (q->tr == OD_TR_UDP) {
		p->udp = q->conn;
	} else {
		p->conn = q->conn;
		od_tcp_defer(p);
	}
	return p;
}

int od_net_reply(od_net_pending_t *p, const uint8_t *msg, size_t len)
{
	if (p == NULL || p->w != cur_worker || msg == NULL ||
	    len > OD_NET_MSG_MAX)
		return OD_EINVAL;
	int rc = p->tr == OD_TR_UDP ? od_udp_reply(p, msg, len)
	                            : od_tcp_reply(p, msg, len);
	free(p);
	return rc;
}

void od_net_drop(od_net_pending_t *p)
{
	if (p == NULL || od_fails(p->w != cur_worker))
		return;
	if (p->tr == OD_TR_TCP)
		od_tcp_drop(p);
	free(p);
}

od_transport_t od_net_pending_transport(const od_net_pending_t *p)
{
	return p->tr;
}

struct uv_loop_s *od_net_loop(const od_net_query_t *q)
{
	if (q == NULL || cur_worker == NULL || q->worker != cur_worker->idx)
		return NULL;
	return &cur_worker->loop;
}

struct uv_loop_s *od_net_current_loop(void)
{
	return cur_worker ? &cur_worker->loop : NULL;
}

int od_net_bound(const od_net_t *n, size_t i, struct sockaddr_storage *out)
{
	if (n == NULL || out == NULL || i >= n->nlisten)
		return OD_EINVAL;
	*out = n->bound[i].addr;
	return 0;
}

void od_net_stats(const od_net_t *n, od_net_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	if (n == NULL)
		return;
#define SUM(f) out->f += atomic_load_explicit(&w->stats.f, memory_order_relaxed)
	for (unsigned k = 0; k < n->nworkers; k++) {
		const od_net_worker_t *w = &n->w[k];
		SUM(udp_queries);
		SUM(udp_answers);
		SUM(udp_send_errors);
		SUM(tcp_conns);
		SUM(tcp_queries);
		SUM(tcp_answers);
		SUM(tcp_closed_idle);
		SUM(tcp_closed_limit);
		SUM(tcp_closed_error);
	}
#undef SUM
}
