/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"
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

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * Open the UDP and TCP sockets of every worker on l (ufd and tfd get
 * nworkers descriptors each; all or nothing). With port 0 the first
 * socket gets a port from the kernel, written into l, and all others
 * share it, so that one address serves both transports on every worker.
 */
static int open_listen(od_net_t *n, od_listen_t *l, bool wildcard, int *ufd,
                       int *tfd, char *err, size_t errlen)
{
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
			rc = open_sock(n, l, SOCK_DGRAM, wildcard, &ufd[k]);
			if (rc == 0 && k == 0 && any_port) {
				struct sockaddr_storage ss;
				socklen_t len = sizeof(ss);
				if (getsockname(ufd[k], (struct sockaddr *)&ss,
				                &len) != 0)
					rc = -errno;
				else
					sa_set_port(&l->addr, sa_port(&ss));
			}
		}
		if (rc == 0)
			what = "tcp";
		for (unsigned k = 0; rc == 0 && k < n->nworkers; k++)
			rc = open_sock(n, l, SOCK_STREAM, wildcard, &tfd[k]);
		if (rc == 0)
			return 0;
		close_fds(ufd, n->nworkers);
		close_fds(tfd, n->nworkers);
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

/* A worker's entry for one listen address, owning ufd and tfd. */
static struct od_wlisten *wl_new(od_net_worker_t *w, uint64_t id,
                                 const od_listen_t *bound, bool wildcard,
                                 int ufd, int tfd)
{
	struct od_wlisten *lw = calloc(1, sizeof(*lw));
	if (lw == NULL)
		return NULL;
	lw->id = id;
	lw->addr = *bound;
	lw->udp = (struct od_udp_sock){
		.w = w, .lw = lw, .fd = ufd, .pktinfo = wildcard
	};
	lw->tcp = (struct od_tcp_listener){ .w = w, .lw = lw, .fd = tfd };
	return lw;
}

static void wl_unlink(struct od_wlisten *lw)
{
	od_net_worker_t *w = lw->udp.w;
	struct od_wlisten **pp = &w->lhead;
	while (*pp && *pp != lw)
		pp = &(*pp)->next;
	if (*pp)
		*pp = lw->next;
	/* A later socket may get this address: re-arm the slots for it. */
	if (w->armed_for == &lw->udp)
		w->armed_for = NULL;
}

static void wl_destroy(struct od_wlisten *lw)
{
	if (lw->udp.fd >= 0)
		close(lw->udp.fd);
	if (lw->tcp.fd >= 0)
		close(lw->tcp.fd);
	free(lw);
}

static void wl_maybe_free(struct od_wlisten *lw)
{
	if (!lw->closing || lw->handles > 0 || lw->refs > 0)
		return;
	wl_unlink(lw);
	wl_destroy(lw);
}

static void wl_udp_closed(uv_handle_t *h)
{
	struct od_udp_sock *s = h->data;
	s->lw->handles--;
	wl_maybe_free(s->lw);
}

static void wl_tcp_closed(uv_handle_t *h)
{
	struct od_tcp_listener *l = h->data;
	l->lw->handles--;
	wl_maybe_free(l->lw);
}

/*
 * A UDP socket kept open after its address was removed (deferred queries
 * still answer from it) must take no new datagrams: bound and in its
 * SO_REUSEPORT group, it would get a share of the queries to an address
 * added back, or all of them next to a wildcard, and nobody reads it.
 * Connected to its own address, it only accepts datagrams from there
 * (none come); sending to clients with an explicit address still works.
 */
static void udp_mute(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr))
			a->sin6_addr = in6addr_loopback;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		od_log_warn("removed listener still takes queries",
		            "error=\"%s\"", strerror(errno));
}

/* Stop serving lw (it may be freed before this returns). */
static void wl_close(struct od_wlisten *lw)
{
	if (lw->closing)
		return;
	lw->closing = true;
	if (lw->refs > 0)
		udp_mute(lw->udp.fd);
	if (lw->udp.poll_init) {
		lw->handles++;
		uv_close((uv_handle_t *)&lw->udp.poll, wl_udp_closed);
	}
	if (lw->tcp.h_init) {
		lw->handles++;
		uv_close((uv_handle_t *)&lw->tcp.h, wl_tcp_closed);
	}
	wl_maybe_free(lw);
}

void od_wlisten_release(struct od_wlisten *lw)
{
	if (od_fails(lw->refs == 0))
		return;
	lw->refs--;
	wl_maybe_free(lw);
}

static int wl_start(struct od_wlisten *lw, char *err, size_t errlen)
{
	int rc = od_udp_start(&lw->udp, err, errlen);
	if (rc == 0)
		rc = od_tcp_start(&lw->tcp, err, errlen);
	return rc;
}

/* Close every handle of w; its loop then runs until they are gone. */
static void stop_worker(od_net_worker_t *w)
{
	w->stopping = true;
	for (struct od_wlisten *lw = w->lhead, *next; lw; lw = next) {
		next = lw->next;
		wl_close(lw);
	}
	if (w->async_init && !uv_is_closing((uv_handle_t *)&w->stop_async))
		uv_close((uv_handle_t *)&w->stop_async, NULL);
	if (w->cmd_init && !uv_is_closing((uv_handle_t *)&w->cmd_async))
		uv_close((uv_handle_t *)&w->cmd_async, NULL);
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

/* A listener change from od_net_set_listen(), in the worker's thread. */
static void on_cmd(uv_async_t *a)
{
	od_net_worker_t *w = a->data;
	od_net_t *n = w->net;
	pthread_mutex_lock(&n->cmd_lock);
	struct od_net_cmd *c = w->cmd;
	w->cmd = NULL;
	pthread_mutex_unlock(&n->cmd_lock);
	if (c == NULL)
		return;
	for (struct od_wlisten *lw = w->lhead, *next; lw; lw = next) {
		next = lw->next;
		for (size_t i = 0; i < c->nremove; i++)
			if (lw->id == c->remove[i])
				wl_close(lw);
	}
	for (size_t i = 0; i < c->nadd; i++) {
		struct od_wlisten *lw = c->add[i];
		c->add[i] = NULL;
		lw->next = w->lhead;
		w->lhead = lw;
		char e[120];
		int rc = w->stopping ? OD_EINVAL : wl_start(lw, e, sizeof(e));
		if (rc != 0) {
			if (c->rc == 0) {
				c->rc = rc;
				snprintf(c->err, sizeof(c->err),
				         "worker %u: %s", w->idx,
				         w->stopping ? "stopping" : e);
			}
			wl_close(lw);
		}
	}
	pthread_mutex_lock(&n->cmd_lock);
	c->done = true;
	pthread_cond_broadcast(&n->cmd_cond);
	pthread_mutex_unlock(&n->cmd_lock);
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
		/* Entries never started, or still held by a deferred query
		   the daemon did not complete. */
		while (w->lhead) {
			struct od_wlisten *lw = w->lhead;
			w->lhead = lw->next;
			wl_destroy(lw);
		}
		od_udp_worker_free(w);
		od_tcp_worker_free(w);
	}
	free(n->w);
	free(n->lsn);
	pthread_mutex_destroy(&n->cmd_lock);
	pthread_cond_destroy(&n->cmd_cond);
	free(n);
}

static int uv_err(int uvrc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, uv_strerror(uvrc));
	/* libuv's codes are negative errno values on Unix. */
	return uvrc;
}

static int setup_worker(od_net_worker_t *w, char *err, size_t errlen)
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
	rc = uv_async_init(&w->loop, &w->cmd_async, on_cmd);
	if (rc != 0)
		return uv_err(rc, "cannot create an event loop", err, errlen);
	w->cmd_async.data = w;
	w->cmd_init = true;
	rc = od_udp_worker_init(w, err, errlen);
	if (rc == 0)
		rc = od_tcp_worker_init(w);
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot start worker %u: %s",
			         w->idx, od_strerror(rc));
		return rc;
	}
	for (struct od_wlisten *lw = w->lhead; rc == 0 && lw; lw = lw->next)
		rc = wl_start(lw, err, errlen);
	return rc;
}

static int check_listen(const od_listen_t *listen, size_t nlisten, char *err,
                        size_t errlen)
{
	if (nlisten == 0 || listen == NULL) {
		snprintf(err, errlen, "no listen address given");
		return OD_EINVAL;
	}
	for (size_t i = 0; i < nlisten; i++) {
		const od_listen_t *l = &listen[i];
		sa_family_t f = l->addr.ss_family;
		if ((f != AF_INET && f != AF_INET6) ||
		    l->len != (f == AF_INET ? sizeof(struct sockaddr_in)
		                            : sizeof(struct sockaddr_in6))) {
			snprintf(err, errlen,
			         "listen address %zu is not IPv4 or IPv6", i);
			return OD_EINVAL;
		}
	}
	return 0;
}

/*
 * Open listener li of n->lsn (its req set) on every worker and give each
 * worker its entry: linked into the worker (at start) or stored in
 * add[k] (at run time, for the worker to start). All or nothing.
 */
static int open_lsn(od_net_t *n, struct od_net_lsn *ln, struct od_wlisten **add,
                    char *err, size_t errlen)
{
	unsigned nw = n->nworkers;
	int *fds = malloc(2 * nw * sizeof(*fds));
	if (fds == NULL) {
		snprintf(err, errlen, "out of memory");
		return OD_ENOMEM;
	}
	for (unsigned k = 0; k < 2 * nw; k++)
		fds[k] = -1;
	ln->bound = ln->req;
	ln->wildcard = sa_is_wildcard(&ln->req.addr);
	ln->id = n->next_id++;
	int rc = open_listen(n, &ln->bound, ln->wildcard, fds, fds + nw, err,
	                     errlen);
	if (rc != 0) {
		free(fds);
		return rc;
	}
	unsigned k = 0;
	for (; k < nw; k++) {
		od_net_worker_t *w = &n->w[k];
		struct od_wlisten *lw = wl_new(w, ln->id, &ln->bound,
		                               ln->wildcard, fds[k],
		                               fds[nw + k]);
		if (lw == NULL)
			break;
		fds[k] = fds[nw + k] = -1;
		if (add) {
			add[k] = lw;
		} else {
			struct od_wlisten **pp = &w->lhead;
			while (*pp)
				pp = &(*pp)->next;
			*pp = lw;
		}
	}
	if (k < nw) {
		close_fds(fds, 2 * nw);
		for (unsigned j = 0; add && j < k; j++) {
			wl_destroy(add[j]);
			add[j] = NULL;
		}
		snprintf(err, errlen, "out of memory");
		rc = OD_ENOMEM;
	}
	free(fds);
	return rc;
}

static bool listen_equal(const od_listen_t *a, const od_listen_t *b)
{
	return a->len == b->len && memcmp(&a->addr, &b->addr, a->len) == 0;
}

int od_net_set_listen(od_net_t *n, const od_listen_t *listen, size_t nlisten,
                      char *err, size_t errlen)
{
	char dummy[1];
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (n == NULL) {
		snprintf(err, errlen, "not running");
		return OD_EINVAL;
	}
	int rc = check_listen(listen, nlisten, err, errlen);
	if (rc != 0)
		return rc;
	unsigned nw = n->nworkers;
	struct od_net_lsn *nl = calloc(nlisten, sizeof(*nl));
	bool *kept = calloc(n->nlisten + 1, sizeof(*kept));
	bool *fresh = calloc(nlisten, sizeof(*fresh));
	uint64_t *remove = calloc(n->nlisten + 1, sizeof(*remove));
	struct od_net_cmd *cmds = calloc(nw, sizeof(*cmds));
	size_t nadd = 0, nremove = 0;
	if (!nl || !kept || !fresh || !remove || !cmds)
		goto nomem;
	/* Each address asked for again keeps its sockets (a duplicate
	   takes the next entry of the same address, or a new one). */
	for (size_t i = 0; i < nlisten; i++) {
		size_t j = 0;
		while (j < n->nlisten &&
		       (kept[j] || !listen_equal(&n->lsn[j].req, &listen[i])))
			j++;
		if (j < n->nlisten) {
			kept[j] = true;
			nl[i] = n->lsn[j];
		} else {
			nl[i].req = listen[i];
			fresh[i] = true;
			nadd++;
		}
	}
	for (size_t j = 0; j < n->nlisten; j++)
		if (!kept[j])
			remove[nremove++] = n->lsn[j].id;
	for (unsigned k = 0; k < nw; k++) {
		cmds[k].add = calloc(nadd + 1, sizeof(*cmds[k].add));
		if (cmds[k].add == NULL)
			goto nomem;
		cmds[k].remove = remove;
		cmds[k].nremove = nremove;
	}
	/* Every new socket first: a failure leaves everything as it was. */
	for (size_t i = 0, a = 0; i < nlisten; i++) {
		if (!fresh[i])
			continue;
		struct od_wlisten **add = calloc(nw, sizeof(*add));
		if (add == NULL)
			goto nomem;
		rc = open_lsn(n, &nl[i], add, err, errlen);
		if (rc == 0)
			for (unsigned k = 0; k < nw; k++)
				cmds[k].add[a] = add[k];
		free(add);
		if (rc != 0)
			goto fail;
		a++;
		for (unsigned k = 0; k < nw; k++)
			cmds[k].nadd = a;
	}
	if (nadd > 0 || nremove > 0) {
		pthread_mutex_lock(&n->cmd_lock);
		for (unsigned k = 0; k < nw; k++)
			n->w[k].cmd = &cmds[k];
		pthread_mutex_unlock(&n->cmd_lock);
		for (unsigned k = 0; k < nw; k++)
			uv_async_send(&n->w[k].cmd_async);
		pthread_mutex_lock(&n->cmd_lock);
		for (unsigned k = 0; k < nw; k++)
			while (!cmds[k].done)
				pthread_cond_wait(&n->cmd_cond, &n->cmd_lock);
		pthread_mutex_unlock(&n->cmd_lock);
	}
	rc = 0;
	for (unsigned k = 0; k < nw && rc == 0; k++) {
		if (cmds[k].rc != 0) {
			rc = 1; /* applied, but not everywhere */
			snprintf(err, errlen, "%s", cmds[k].err);
		}
	}
	free(n->lsn);
	n->lsn = nl;
	n->nlisten = nlisten;
	nl = NULL;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = OD_ENOMEM;
fail:
	/* Entries the workers never got (their sockets close with them). */
	for (unsigned k = 0; cmds && k < nw; k++)
		for (size_t a = 0; cmds[k].add && a < cmds[k].nadd; a++)
			if (cmds[k].add[a])
				wl_destroy(cmds[k].add[a]);
out:
	for (unsigned k = 0; cmds && k < nw; k++)
		free(cmds[k].add);
	free(cmds);
	free(remove);
	free(fresh);
	free(kept);
	free(nl);
	return rc;
}

size_t od_net_nlisten(const od_net_t *n)
{
	return n ? n->nlisten : 0;
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
	int rc = check_listen(conf->listen, conf->nlisten, err, errlen);
	if (rc != 0)
		return rc;
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
	n->next_id = 1;
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
	pthread_mutex_init(&n->cmd_lock, NULL);
	pthread_cond_init(&n->cmd_cond, NULL);
	n->conf.listen = NULL;
	n->conf.nlisten = 0;
	n->lsn = calloc(n->nlisten, sizeof(*n->lsn));
	n->w = calloc(nworkers, sizeof(*n->w));
	if (n->lsn == NULL || n->w == NULL)
		goto nomem_free;
	for (unsigned k = 0; k < nworkers; k++) {
		od_net_worker_t *w = &n->w[k];
		w->net = n;
		w->idx = k;
	}

	/* All sockets first, so an address problem leaves nothing open. */
	for (size_t i = 0; i < n->nlisten; i++) {
		n->lsn[i].req = conf->listen[i];
		rc = open_lsn(n, &n->lsn[i], NULL, err, errlen);
		if (rc != 0)
			goto fail;
	}
	for (unsigned k = 0; k < nworkers; k++) {
		rc = setup_worker(&n->w[k], err, errlen);
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
		/* The socket outlives a removal of its address until then. */
		p->udp->lw->refs++;
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
	int rc;
	if (p->tr == OD_TR_UDP) {
		rc = od_udp_reply(p, msg, len);
		od_wlisten_release(p->udp->lw);
	} else {
		rc = od_tcp_reply(p, msg, len);
	}
	free(p);
	return rc;
}

void od_net_drop(od_net_pending_t *p)
{
	if (p == NULL || od_fails(p->w != cur_worker))
		return;
	if (p->tr == OD_TR_TCP)
		od_tcp_drop(p);
	else
		od_wlisten_release(p->udp->lw);
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
	*out = n->lsn[i].bound.addr;
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
