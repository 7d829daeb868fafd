/* SPDX-License-Identifier: MIT */
/*
 * Transports shared by both daemons: UDP and TCP listeners served by N
 * worker threads, each with its own libuv event loop and its own
 * SO_REUSEPORT sockets (so the kernel spreads clients over workers and no
 * socket is shared between threads).
 *
 * All sockets are opened and bound by od_net_start() before any worker
 * runs, so an address problem is reported at once and leaves nothing
 * open. od_net_set_listen() changes the listen addresses while the
 * workers run (a reload), keeping the sockets of unchanged ones. IPv6 sockets are IPV6_V6ONLY. With port 0 the kernel picks one
 * port shared by UDP and TCP on every worker (od_net_bound() tells it).
 * Worker threads block all signals: the daemon's main thread takes them.
 *
 * UDP: the worker watches its socket with a uv_poll_t, drains it with
 * recvmmsg() in batches of udp_batch (a few batches per wakeup, so other
 * sockets get their turn), calls the handler for each datagram in the
 * receiving thread, and sends the answers of the batch with one
 * sendmmsg() that never blocks: a full socket buffer gets one retry,
 * then the rest is dropped and counted in udp_send_errors. Datagrams
 * shorter than a DNS header (12 octets) are dropped unanswered. On a
 * wildcard address (0.0.0.0, ::) each answer leaves from the address its
 * query was sent to (IP_PKTINFO / IPV6_PKTINFO), and q->local is that
 * address.
 *
 * TCP (RFC 7766): two-octet length-prefixed messages, several queries per
 * connection answered in the order they arrive (pipelining). A message
 * shorter than a DNS header (length 0 included) closes the connection. A
 * connection with no query and no write progress for tcp_idle_ms is
 * closed. When a worker has tcp_max_conns connections, a new one closes
 * the least recently active to make room. When tcp_max_pending answers of
 * one connection are not yet written, its further queries wait unread
 * until answers go out. After the client's EOF, the answers still due are
 * written, then the connection is closed. od_net_stop() lets queued
 * answers go out for up to a second.
 *
 * The handler runs in a worker thread and answers synchronously into the
 * buffer it is given. Over TCP it may queue extra messages before its
 * answer with od_net_emit() (zone transfers); they are held in memory
 * until written, up to tcp_max_queued bytes per connection.
 *
 * Deferred answers: a handler that cannot answer at once (the resolver
 * waiting for upstream servers) calls od_net_defer(q), keeps the handle
 * and returns OD_NET_DEFER; later the same worker thread (from a callback
 * on its loop, od_net_loop()) completes it with od_net_reply() or
 * od_net_drop(). Over UDP the answer leaves from the listening socket the
 * query came to (from the query's destination address on a wildcard
 * socket). Over TCP deferred queries count towards tcp_max_pending, their
 * answers go out in the order they are completed (RFC 7766 §6.2.1.1
 * allows answers out of order), and the connection waits for them before
 * closing after the client's EOF or a failing handler; a connection that
 * closes for another reason (error, idle, client reset, tcp_max_conns)
 * turns the handle's reply into a no-op. The synchronous path does not
 * change: a handler that answers at once costs what it did before.
 *
 * Reclamation: data the handler reads (a zone set, a config) may be
 * replaced by another thread: publish the new pointer atomically, call
 * od_net_synchronize(), then free the old one. Every handler call that
 * could have seen the old pointer has returned by then. Workers never
 * wait for it: each counts its batches of handler calls (odd while one
 * runs) and the synchronizer waits until every counter is even or has
 * moved on. Only handler calls are covered: code the daemon runs in its
 * own callbacks on a worker's loop (deferred work) must not read such
 * data, or must protect it otherwise.
 */
#ifndef OD_NET_NET_H
#define OD_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef enum od_transport {
	OD_TR_UDP = 1,
	OD_TR_TCP = 2,
} od_transport_t;

/*! A listen address. */
typedef struct od_listen {
	struct sockaddr_storage addr;
	socklen_t len;
} od_listen_t;

/*!
 * Parse "ADDR", "ADDR@PORT" (IPv4 or IPv6 literal, no brackets) into out;
 * default_port when no @PORT is given.
 * \return 0, or OD_EINVAL (with nothing set).
 */
int od_listen_parse(const char *s, uint16_t default_port, od_listen_t *out);

/*! Print an address as "ADDR@PORT" (for messages). */
int od_sockaddr_str(const struct sockaddr *sa, char *out, size_t outcap);

/*! One query handed to the handler. Valid only during the call. */
typedef struct od_net_query {
	const uint8_t *wire;
	size_t len;
	const struct sockaddr *peer; /*!< the client's address */
	socklen_t peerlen;
	const struct sockaddr *local; /*!< the listen address it came to */
	od_transport_t tr;
	unsigned worker; /*!< worker index, 0..workers-1 */
	void *conn;      /*!< internal: the TCP connection or UDP socket */
} od_net_query_t;

/*!
 * Handler return value: the answer was deferred with od_net_defer() and
 * will be given later (distinct from every error code).
 */
#define OD_NET_DEFER (-0x40000000)

/*!
 * Answer q into out (cap bytes: 65535 for both transports; over UDP the
 * handler keeps the answer within the client's limit itself).
 * wctx is what worker_init returned for this worker.
 * \return the answer's length, 0 (or negative) to send nothing; over TCP,
 *         a negative return also closes the connection; OD_NET_DEFER
 *         after od_net_defer(q): the answer comes later.
 */
typedef int (*od_net_handler_fn)(void *wctx, const od_net_query_t *q,
                                 uint8_t *out, size_t cap);

/*!
 * Over TCP, queue one more message to the client ahead of the handler's
 * own answer (the message is copied). Over UDP: OD_EINVAL.
 * \return 0, OD_EINVAL, OD_ENOMEM, OD_ELIMIT (too much queued on the
 *         connection: the caller should stop).
 */
int od_net_emit(const od_net_query_t *q, const uint8_t *msg, size_t len);

/*!
 * A deferred query: a copy of the client's address, the local address
 * and the transport, plus (TCP) a reference to the connection. Owned by
 * the caller of od_net_defer() until od_net_reply() or od_net_drop(),
 * which free it; every handle must get one of them, in the worker thread
 * that made it (at the latest from worker_stop or worker_free).
 */
typedef struct od_net_pending od_net_pending_t;

/*!
 * Defer the answer to q (call from the handler, which then returns
 * OD_NET_DEFER).
 * \return the handle, or NULL when out of memory (the handler should then
 *         answer at once, e.g. SERVFAIL).
 */
od_net_pending_t *od_net_defer(const od_net_query_t *q);

/*!
 * Send the answer to a deferred query (msg is copied; at most 65535
 * bytes) and free p. Call from the worker thread that deferred it.
 * \return 0 (sent or queued), -EPIPE (the TCP connection is gone: nothing
 *         sent), OD_ENOMEM, or a send error (UDP, e.g. -EAGAIN when the
 *         socket buffer is full), and p is freed in each of these cases;
 *         OD_EINVAL when p is NULL, msg is NULL or too long, or this is
 *         not p's worker thread: then nothing is done (p stays valid).
 */
int od_net_reply(od_net_pending_t *p, const uint8_t *msg, size_t len);

/*! Answer nothing to a deferred query and free p (NULL: no-op). */
void od_net_drop(od_net_pending_t *p);

/*! The transport a deferred query came over. */
od_transport_t od_net_pending_transport(const od_net_pending_t *p);

struct uv_loop_s;
/*!
 * The libuv loop of the worker serving q (valid in the handler and for
 * the worker's life): the daemon runs its own sockets and timers on it,
 * in the worker's thread.
 */
struct uv_loop_s *od_net_loop(const od_net_query_t *q);
/*! The loop of the worker running in this thread (from worker_init,
 *  worker_stop, worker_free or a handler), or NULL in other threads. */
struct uv_loop_s *od_net_current_loop(void);

typedef struct od_net_conf {
	const od_listen_t *listen; /*!< UDP and TCP on each */
	size_t nlisten;
	unsigned workers;         /*!< 0: one per online CPU */
	unsigned tcp_idle_ms;     /*!< 0: 10000 */
	unsigned tcp_max_conns;   /*!< per worker; 0: 1024 */
	unsigned tcp_max_pending; /*!< queries in flight per connection;
	                               0: 100 */
	unsigned udp_batch;       /*!< recvmmsg batch; 0: 64 */
	od_net_handler_fn handler;
	/*! Called in each worker thread before it serves; may be NULL. */
	void *(*worker_init)(unsigned idx, void *ctx);
	/*! Called in each worker thread when it stops; may be NULL. */
	void (*worker_free)(void *wctx, void *ctx);
	void *ctx;
	/*! Bytes queued unsent on one connection before od_net_emit()
	    says OD_ELIMIT; 0: 64 MiB. */
	size_t tcp_max_queued;
	/*! Bind with IP_FREEBIND (addresses not yet on the machine). */
	bool freebind;
	/*!
	 * Called in each worker thread when od_net_stop() begins, before
	 * the listeners close; may be NULL. The worker's loop runs until
	 * every handle on it is closed, so the daemon closes its own here
	 * (and may complete or drop its deferred queries: answers given
	 * now still go out).
	 */
	void (*worker_stop)(void *wctx, void *ctx);
} od_net_conf_t;

typedef struct od_net od_net_t;

/*!
 * Open every socket (all or nothing: on error nothing stays open and
 * err gets a message such as "cannot listen on 127.0.0.1@53/udp: Address
 * already in use"), then start the workers.
 * \return 0, or an error code.
 */
int od_net_start(od_net_t **out, const od_net_conf_t *conf, char *err,
                 size_t errlen);

/*!
 * The address listen i is actually bound to (the port the kernel chose
 * when it was 0; UDP and TCP share it).
 * \return 0, or OD_EINVAL when i is out of range.
 */
int od_net_bound(const od_net_t *n, size_t i, struct sockaddr_storage *out);

/*!
 * Wait until every handler call that was running has returned. Call it
 * from any thread; from a handler it skips the caller's own worker.
 */
void od_net_synchronize(od_net_t *n);

/*!
 * Serve exactly the listen addresses listen[0..nlisten-1] from now on.
 * An address served already (the same address and port as asked for
 * before, port 0 included) keeps its sockets, so nothing queued on them
 * is lost. The sockets of new addresses are opened and bound in the
 * calling thread first, on every worker, all or nothing: on error
 * nothing changed and err says why ("cannot listen on ADDR@PORT/udp:
 * ..."). Then every worker gets its new sockets and closes those of the
 * addresses no longer listed, on its own loop; the call returns once
 * every worker has done so. A removed UDP socket stays open until the
 * deferred queries it took are answered (od_net_reply still sends from
 * it); TCP connections accepted on a removed address go on until they
 * close. Afterwards od_net_bound(n, i) is the address of listen[i].
 * Call from one controlling thread (the one that calls od_net_bound and
 * od_net_stop), never from a worker.
 * \return 0; a negative error with nothing changed; or 1 when the
 *         change was made but a worker could not watch a new socket
 *         (out of memory, rare): that address is then not served by that
 *         worker, and err says so.
 */
int od_net_set_listen(od_net_t *n, const od_listen_t *listen, size_t nlisten,
                      char *err, size_t errlen);

/*! How many listen addresses n serves. */
size_t od_net_nlisten(const od_net_t *n);

/*! Stop the workers (in-flight answers are sent), join them, free n. */
void od_net_stop(od_net_t *n);

/*! Counters, summed over workers (approximate while running). */
typedef struct od_net_stats {
	uint64_t udp_queries, udp_answers, udp_send_errors;
	uint64_t tcp_conns, tcp_queries, tcp_answers, tcp_closed_idle,
	        tcp_closed_limit, tcp_closed_error;
} od_net_stats_t;

void od_net_stats(const od_net_t *n, od_net_stats_t *out);

#endif
