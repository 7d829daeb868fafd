/* SPDX-License-Identifier: MIT */
/*
 * Internals of the transports, shared by net.c (workers, start/stop),
 * udp.c and tcp.c. Not for use outside src/net.
 *
 * Threading: everything in a worker is touched only by its own thread,
 * except seq (read by od_net_synchronize) and the stats counters (read by
 * od_net_stats); both are atomics written by the worker alone.
 */
#ifndef OD_NET_INTERNAL_H
#define OD_NET_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "net/net.h"

/*! Largest DNS message over either transport. */
#define OD_NET_MSG_MAX 65535
/*! Smallest message worth handing to the handler (a DNS header). */
#define OD_NET_MSG_MIN 12
/*! Batches drained per readiness event before other sockets get a turn. */
#define OD_NET_UDP_ROUNDS 8
/* UDP socket buffers asked for (bytes; the kernel caps them). */
#define OD_NET_UDP_SOCKBUF (4 * 1024 * 1024)
/*! How long od_net_stop lets connections flush queued answers. */
#define OD_NET_STOP_GRACE_MS 1000

struct od_net_worker;

struct od_wlisten;

/*! One UDP socket of one worker. */
struct od_udp_sock {
	struct od_net_worker *w;
	struct od_wlisten *lw; /*!< the listen address it belongs to */
	int fd;                /*!< owned; closed when lw is freed */
	bool pktinfo;          /*!< wildcard address: answer from the query's */
	bool poll_init;        /*!< poll handle initialised (must be closed) */
	uv_poll_t poll;
};

/*! One TCP listening socket of one worker. */
struct od_tcp_listener {
	struct od_net_worker *w;
	struct od_wlisten *lw;
	int fd;      /*!< owned until handed to h (then -1) */
	bool h_init; /*!< h initialised (must be closed) */
	uv_tcp_t h;
};

/*!
 * One listen address as one worker serves it: its UDP and TCP sockets.
 * Heap-allocated (libuv handles must not move) and linked in the
 * worker's list. Closing it (removal or stop) closes both handles; it is
 * freed, with the UDP socket, once both are closed and no deferred query
 * holds the UDP socket any more (refs), so a removed address still
 * answers the queries it had taken.
 */
struct od_wlisten {
	struct od_wlisten *next;
	uint64_t id;      /*!< the net-wide listener it serves */
	od_listen_t addr; /*!< bound address (the port chosen for 0) */
	unsigned refs;    /*!< deferred UDP queries holding udp */
	unsigned handles; /*!< close callbacks still due */
	bool closing;     /*!< closed: freed when handles and refs are 0 */
	struct od_udp_sock udp;
	struct od_tcp_listener tcp;
};

/*! Listener changes handed to one worker (od_net_set_listen). */
struct od_net_cmd {
	struct od_wlisten **add; /*!< entries to start (fds set), owned
	                              until taken by the worker */
	size_t nadd;
	const uint64_t *remove; /*!< listener ids to close */
	size_t nremove;
	int rc;        /*!< first failure starting an added entry */
	char err[160]; /*!< its message */
	bool done;     /*!< the worker applied it (under n->cmd_lock) */
};

/*! One listen address of the net (the calling thread's view). */
struct od_net_lsn {
	od_listen_t req;   /*!< as asked for (port 0: any) */
	od_listen_t bound; /*!< as bound */
	bool wildcard;
	uint64_t id;
};

struct od_tcp_conn;

/*! A deferred query (net.h). */
struct od_net_pending {
	struct od_net_worker *w;
	od_transport_t tr;
	struct od_udp_sock *udp;  /*!< UDP: the socket it came to */
	struct od_tcp_conn *conn; /*!< TCP: counted in conn->deferred */
	struct sockaddr_storage peer, local;
	socklen_t peerlen;
};

/*! Counters; written by the worker alone (relaxed), read by anyone. */
struct od_net_wstats {
	_Atomic uint64_t udp_queries, udp_answers, udp_send_errors;
	_Atomic uint64_t tcp_conns, tcp_queries, tcp_answers, tcp_closed_idle,
	        tcp_closed_limit, tcp_closed_error;
};

/*! Single-writer increment without a locked instruction. */
#define OD_STAT_ADD(w, field, n)                                               \
	atomic_store_explicit(&(w)->stats.field,                               \
	                      atomic_load_explicit(&(w)->stats.field,          \
	                                           memory_order_relaxed) +     \
	                              (uint64_t)(n),                           \
	                      memory_order_relaxed)

typedef struct od_net_worker {
	od_net_t *net;
	unsigned idx;
	void *wctx; /*!< what worker_init returned */

	uv_loop_t loop;
	bool loop_init;
	uv_async_t stop_async;
	bool async_init;
	uv_async_t cmd_async; /*!< a listener change is waiting in cmd */
	bool cmd_init;
	struct od_net_cmd *cmd; /*!< under net->cmd_lock */
	uv_timer_t idle_timer;  /*!< idle sweep, then the stop grace period */
	bool timer_init;
	bool stopping;

	pthread_t thread;
	bool thread_started;

	/*! Odd while handlers run, even between batches. */
	_Atomic uint64_t seq;

	struct od_wlisten *lhead; /*!< listen addresses served, owned
	                               (closing ones too, until freed) */

	/* UDP batch state, allocated once (udp.c). */
	struct mmsghdr *rmsg, *smsg;
	struct iovec *riov, *siov;
	struct od_udp_slot *slots;
	uint8_t *rbuf; /*!< batch * OD_NET_MSG_MAX, owned */
	uint8_t *abuf; /*!< batch * OD_NET_MSG_MAX, owned */
	const struct od_udp_sock *armed_for; /*!< socket the receive slots
	                                          are set up for */
	unsigned armed_used; /*!< slots the last recvmmsg filled */

	/* TCP state (tcp.c). */
	uint8_t *tcp_answer;                     /*!< OD_NET_MSG_MAX, owned */
	struct od_tcp_conn *lru_head, *lru_tail; /*!< least recently active
	                                              first */
	unsigned nconns;
	uv_tcp_t reject; /*!< closes what cannot be served (no memory) */
	bool reject_busy;
	/*! Connections to process again on the next loop turn (a deferred
	    query was dropped, so held-back queries may go). Later, never
	    inside od_net_drop(): the handler must not be re-entered from
	    the daemon's own callbacks. */
	struct od_tcp_conn *kick_head;
	uv_timer_t kick_timer;
	bool kick_init;

	struct od_net_wstats stats;
} od_net_worker_t;

struct od_net {
	od_net_conf_t conf;     /*!< copy; listen/nlisten cleared (see lsn) */
	struct od_net_lsn *lsn; /*!< nlisten listen addresses, owned;
	                             touched by the controlling thread only */
	size_t nlisten;
	uint64_t next_id;
	unsigned nworkers;
	od_net_worker_t *w;       /*!< nworkers entries, owned */
	pthread_mutex_t cmd_lock; /*!< guards each worker's cmd and done */
	pthread_cond_t cmd_cond;
};

/* udp.c */
int od_udp_worker_init(od_net_worker_t *w, char *err, size_t errlen);
void od_udp_worker_free(od_net_worker_t *w);
int od_udp_start(struct od_udp_sock *s, char *err, size_t errlen);

/* tcp.c */
int od_tcp_worker_init(od_net_worker_t *w);
void od_tcp_worker_free(od_net_worker_t *w);
int od_tcp_start(struct od_tcp_listener *l, char *err, size_t errlen);
/*! Begin closing every connection (stop): flush, then close. */
void od_tcp_stop_all(od_net_worker_t *w);

/* Deferred answers, per transport (udp.c, tcp.c). */
int od_udp_reply(struct od_net_pending *p, const uint8_t *msg, size_t len);
void od_tcp_defer(struct od_net_pending *p);
int od_tcp_reply(struct od_net_pending *p, const uint8_t *msg, size_t len);
void od_tcp_drop(struct od_net_pending *p);

/* net.c */
/*! Mark the start and end of a batch of handler calls. */
void od_net_enter(od_net_worker_t *w);
void od_net_leave(od_net_worker_t *w);
/*! A deferred UDP query lets go of its socket's listen address (freed
 *  when it was closed and this was the last hold). */
void od_wlisten_release(struct od_wlisten *lw);

#endif
