/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "lib/error.h"
#include "net/net.h"

/*
 * The test handler echoes the query with QR set. Byte 2 of the query
 * (opcode byte, QR clear) selects what else it does.
 */
enum {
	OP_ECHO = 0x00,
	OP_EMIT = 0x01,    /* three od_net_emit() messages before the answer */
	OP_NONE = 0x02,    /* answer nothing */
	OP_SLEEP = 0x03,   /* sleep 50 ms in the handler */
	OP_FAIL = 0x04,    /* return -1 */
	OP_EMITUDP = 0x05, /* try od_net_emit() (over UDP) */
	OP_DEFER = 0x06,   /* defer; answered at the next OP_RELEASE */
	OP_DEFERDROP = 0x07, /* defer; dropped at the next OP_RELEASE */
	OP_RELEASE = 0x08,   /* answer now, and complete the held ones from a
	                      timer on the worker's loop */
};

#define QLEN 20

static _Atomic int n_udp, n_tcp, bad_wctx, max_worker, emit_udp_rc;
static _Atomic int sleep_entered, sleep_left, n_init, n_free;
static _Atomic int local_is_127_0_0_2;
static unsigned markers[8];
static unsigned cfg_max_pending; /* for the next start() */

static void *w_init(unsigned idx, void *ctx)
{
	(void)ctx;
	n_init++;
	markers[idx] = idx;
	return &markers[idx];
}

static void w_free(void *wctx, void *ctx)
{
	(void)wctx;
	(void)ctx;
	n_free++;
}

/*
 * Deferred queries held by the handler (one worker per deferred test;
 * touched in its thread only, except the counters).
 */
#define MAX_HELD 64
static od_net_pending_t *held[MAX_HELD];
static uint8_t held_ans[MAX_HELD][QLEN];
static bool held_drop[MAX_HELD];
static int nheld;
static _Atomic int n_held, n_replied, n_dropped, n_stop_dropped, n_epipe;
static _Atomic int bad_defer;

static void complete_held(void)
{
	for (int i = 0; i < nheld; i++) {
		if (held_drop[i]) {
			od_net_drop(held[i]);
			n_dropped++;
			continue;
		}
		int rc = od_net_reply(held[i], held_ans[i], QLEN);
		if (rc == -EPIPE)
			n_epipe++;
		else if (rc != 0)
			bad_defer = 1;
		n_replied++;
	}
	nheld = 0;
}

static void release_closed(uv_handle_t *h)
{
	free(h);
}

static void release_cb(uv_timer_t *t)
{
	complete_held();
	uv_close((uv_handle_t *)t, release_closed);
}

static void w_stop(void *wctx, void *ctx)
{
	(void)wctx;
	(void)ctx;
	for (int i = 0; i < nheld; i++) {
		od_net_drop(held[i]);
		n_stop_dropped++;
	}
	nheld = 0;
}

static void msleep(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
		               .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static int handler(void *wctx, const od_net_query_t *q, uint8_t *out,
                   size_t cap)
{
	if (wctx != &markers[q->worker] || *(unsigned *)wctx != q->worker)
		bad_wctx = 1;
	if ((int)q->worker > max_worker)
		max_worker = (int)q->worker;
	if (q->tr == OD_TR_UDP)
		n_udp++;
	else if (q->tr == OD_TR_TCP)
		n_tcp++;
	if (q->local->sa_family == AF_INET) {
		const struct sockaddr_in *l =
		        (const struct sockaddr_in *)q->local;
		if (l->sin_addr.s_addr == htonl(0x7f000002))
			local_is_127_0_0_2 = 1;
	}
	if (q->len > cap)
		return -1;
	if (q->len > QLEN) {
		/* large messages come back whole, QR set */
		memcpy(out, q->wire, q->len);
		out[2] |= 0x80;
		return (int)q->len;
	}
	uint8_t op = q->wire[2];
	memcpy(out, q->wire, q->len);
	out[2] |= 0x80;
	switch (op) {
	case OP_EMIT:
		for (int i = 1; i <= 3; i++) {
			uint8_t m[QLEN];
			memcpy(m, out, QLEN);
			m[0] = 0xE0;
			m[1] = (uint8_t)i;
			if (od_net_emit(q, m, sizeof(m)) != 0)
				return -1;
		}
		break;
	case OP_NONE:
		return 0;
	case OP_SLEEP:
		sleep_entered = 1;
		msleep(50);
		sleep_left = 1;
		break;
	case OP_FAIL:
		return -1;
	case OP_EMITUDP:
		emit_udp_rc = od_net_emit(q, out, q->len);
		break;
	case OP_DEFER:
	case OP_DEFERDROP: {
		od_net_pending_t *p = od_net_defer(q);
		if (p == NULL || nheld == MAX_HELD ||
		    od_net_pending_transport(p) != q->tr) {
			bad_defer = 1;
			return -1;
		}
		memcpy(held_ans[nheld], out, QLEN);
		held_drop[nheld] = op == OP_DEFERDROP;
		held[nheld++] = p;
		n_held++;
		return OD_NET_DEFER;
	}
	case OP_RELEASE: {
		uv_loop_t *loop = od_net_loop(q);
		uv_timer_t *t = malloc(sizeof(*t));
		if (loop == NULL || loop != od_net_current_loop() ||
		    t == NULL || uv_timer_init(loop, t) != 0 ||
		    uv_timer_start(t, release_cb, 0, 0) != 0) {
			bad_defer = 1;
			free(t);
			return -1;
		}
		break;
	}
	}
	return (int)q->len;
}

static void make_query(uint8_t *q, uint16_t id, uint8_t op)
{
	memset(q, 0, QLEN);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = op;
	q[5] = 1; /* QDCOUNT, for looks */
	for (int i = 12; i < QLEN; i++)
		q[i] = (uint8_t)(id + i);
}

static void check_answer(const uint8_t *a, size_t alen, uint16_t id, uint8_t op)
{
	uint8_t q[QLEN];
	make_query(q, id, op);
	q[2] |= 0x80;
	assert_int_equal(alen, QLEN);
	assert_memory_equal(a, q, QLEN);
}

static od_net_t *start(const char *addr, unsigned workers, unsigned idle_ms,
                       unsigned max_conns, od_listen_t *bound)
{
	od_listen_t l;
	assert_int_equal(od_listen_parse(addr, 53, &l), 0);
	od_net_conf_t conf = {
		.listen = &l,
		.nlisten = 1,
		.workers = workers,
		.tcp_idle_ms = idle_ms,
		.tcp_max_conns = max_conns,
		.tcp_max_pending = cfg_max_pending,
		.handler = handler,
		.worker_init = w_init,
		.worker_free = w_free,
		.worker_stop = w_stop,
	};
	od_net_t *n = NULL;
	char err[200];
	int rc = od_net_start(&n, &conf, err, sizeof(err));
	if (rc != 0)
		fail_msg("od_net_start: %s", err);
	struct sockaddr_storage ss;
	assert_int_equal(od_net_bound(n, 0, &ss), 0);
	bound->addr = ss;
	bound->len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
	                                     : sizeof(struct sockaddr_in6);
	assert_int_not_equal(((struct sockaddr_in *)&ss)->sin_port, 0);
	return n;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 2 };
	assert_int_equal(
	        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(
	        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
}

static int udp_client(const od_listen_t *to)
{
	int fd = socket(to->addr.ss_family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	set_timeouts(fd);
	int big = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	assert_int_equal(
	        connect(fd, (const struct sockaddr *)&to->addr, to->len), 0);
	return fd;
}

static int tcp_client(const od_listen_t *to)
{
	int fd = socket(to->addr.ss_family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	set_timeouts(fd);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	assert_int_equal(
	        connect(fd, (const struct sockaddr *)&to->addr, to->len), 0);
	return fd;
}

/* Read exactly len bytes. \return len, or what came before EOF/error. */
static size_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = recv(fd, buf + got, len - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* One framed message. \return its length, or -1 at EOF/error. */
static int read_msg(int fd, uint8_t *buf, size_t cap)
{
	uint8_t pfx[2];
	if (read_full(fd, pfx, 2) != 2)
		return -1;
	size_t len = (size_t)pfx[0] << 8 | pfx[1];
	if (len > cap || read_full(fd, buf, len) != len)
		return -1;
	return (int)len;
}

static void send_framed(int fd, uint16_t id, uint8_t op)
{
	uint8_t b[2 + QLEN];
	b[0] = 0;
	b[1] = QLEN;
	make_query(b + 2, id, op);
	assert_int_equal(send(fd, b, sizeof(b), 0), sizeof(b));
}

/* The server closed the connection: recv sees EOF (or a reset). */
static void assert_closed(int fd)
{
	uint8_t b[64];
	ssize_t r;
	do {
		r = recv(fd, b, sizeof(b), 0);
	} while (r > 0);
	if (r < 0)
		assert_int_equal(errno, ECONNRESET);
	else
		assert_int_equal(r, 0);
}

static void test_listen_parse(void **state)
{
	(void)state;
	od_listen_t l;
	char s[80];
	assert_int_equal(od_listen_parse("127.0.0.1", 53, &l), 0);
	assert_int_equal(l.addr.ss_family, AF_INET);
	assert_int_equal(l.len, sizeof(struct sockaddr_in));
	assert_int_equal(
	        od_sockaddr_str((struct sockaddr *)&l.addr, s, sizeof(s)), 0);
	assert_string_equal(s, "127.0.0.1@53");
	assert_int_equal(od_listen_parse("127.0.0.1@5353", 53, &l), 0);
	od_sockaddr_str((struct sockaddr *)&l.addr, s, sizeof(s));
	assert_string_equal(s, "127.0.0.1@5353");
	assert_int_equal(od_listen_parse("::1@53", 5300, &l), 0);
	assert_int_equal(l.addr.ss_family, AF_INET6);
	assert_int_equal(l.len, sizeof(struct sockaddr_in6));
	od_sockaddr_str((struct sockaddr *)&l.addr, s, sizeof(s));
	assert_string_equal(s, "::1@53");
	assert_int_equal(od_listen_parse("0.0.0.0", 5300, &l), 0);
	od_sockaddr_str((struct sockaddr *)&l.addr, s, sizeof(s));
	assert_string_equal(s, "0.0.0.0@5300");
	assert_int_equal(od_listen_parse("::", 53, &l), 0);
	assert_int_equal(od_listen_parse("2001:db8::1@0", 53, &l), 0);
	od_sockaddr_str((struct sockaddr *)&l.addr, s, sizeof(s));
	assert_string_equal(s, "2001:db8::1@0");
	assert_int_equal(od_listen_parse("10.1.2.3@65535", 53, &l), 0);
	/* too small a buffer */
	assert_int_equal(od_sockaddr_str((struct sockaddr *)&l.addr, s, 8),
	                 OD_ESPACE);

	const char *bad[] = {
		"",
		"@53",
		"127.0.0.1@",
		"127.0.0.1@65536",
		"127.0.0.1@-1",
		"127.0.0.1@5x",
		"127.0.0.1@+5",
		"127.0.0.1@ 5",
		"256.1.1.1",
		"localhost",
		"[::1]@53",
		"::1@53@53",
		"127.0.0.1 ",
		"1.2.3",
		"127.0.0.1@000053",
		"fe80::1%lo",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0x5a, sizeof(l));
		if (od_listen_parse(bad[i], 53, &l) != OD_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		/* nothing set on error */
		assert_int_equal(l.len, 0x5a5a5a5a);
	}
	assert_int_equal(od_listen_parse(NULL, 53, &l), OD_EINVAL);
}

static void test_udp(void **state)
{
	(void)state;
	n_init = n_free = 0;
	od_listen_t to;
	od_net_t *n = start("127.0.0.1@0", 2, 0, 0, &to);
	int before = n_udp;

	int fd = udp_client(&to);
	/* at most 50 outstanding, so no socket buffer overflows */
	uint16_t sent = 0;
	for (; sent < 50; sent++) {
		uint8_t q[QLEN];
		make_query(q, sent, OP_ECHO);
		assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	}
	uint8_t seen[200] = { 0 };
	for (int i = 0; i < 200; i++) {
		uint8_t a[512];
		ssize_t r = recv(fd, a, sizeof(a), 0);
		assert_int_equal(r, QLEN);
		uint16_t id = (uint16_t)(a[0] << 8 | a[1]);
		assert_true(id < 200);
		assert_int_equal(seen[id], 0);
		seen[id] = 1;
		check_answer(a, (size_t)r, id, OP_ECHO);
		if (sent < 200) {
			uint8_t q[QLEN];
			make_query(q, sent++, OP_ECHO);
			assert_int_equal(send(fd, q, QLEN, 0), QLEN);
		}
	}
	assert_int_equal(n_udp - before, 200);
	assert_int_equal(bad_wctx, 0);
	assert_true(max_worker < 2);

	/* a handler answering 0 sends nothing: the next datagram is the
	   answer to the query after it */
	uint8_t q[QLEN], a[512];
	make_query(q, 1000, OP_NONE);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	make_query(q, 1001, OP_ECHO);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	ssize_t r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 1001, OP_ECHO);

	/* od_net_emit is for TCP only */
	emit_udp_rc = 1;
	make_query(q, 1002, OP_EMITUDP);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 1002, OP_EMITUDP);
	assert_int_equal(emit_udp_rc, OD_EINVAL);

	/* datagrams shorter than a DNS header get no answer */
	assert_int_equal(send(fd, q, 11, 0), 11);
	make_query(q, 1003, OP_ECHO);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 1003, OP_ECHO);

	/* the counters catch up with what the client saw */
	od_net_stats_t st;
	for (int i = 0; i < 2000; i++) {
		od_net_stats(n, &st);
		if (st.udp_answers >= 203)
			break;
		msleep(1);
	}
	assert_int_equal(st.udp_answers, 203);
	assert_int_equal(st.udp_queries, 205);
	assert_int_equal(st.udp_send_errors, 0);
	close(fd);
	od_net_stop(n);
	assert_int_equal(n_init, 2);
	assert_int_equal(n_free, 2);
}

static void test_tcp(void **state)
{
	(void)state;
	od_listen_t to;
	od_net_t *n = start("127.0.0.1@0", 2, 0, 0, &to);
	int before = n_tcp;
	uint8_t a[512];

	/* 50 pipelined queries in one send, answered in order */
	int fd = tcp_client(&to);
	uint8_t buf[50 * (2 + QLEN)];
	for (int i = 0; i < 50; i++) {
		buf[i * (2 + QLEN)] = 0;
		buf[i * (2 + QLEN) + 1] = QLEN;
		make_query(buf + i * (2 + QLEN) + 2, (uint16_t)(100 + i),
		           OP_ECHO);
	}
	assert_int_equal(send(fd, buf, sizeof(buf), 0), sizeof(buf));
	for (int i = 0; i < 50; i++) {
		int len = read_msg(fd, a, sizeof(a));
		assert_int_equal(len, QLEN);
		check_answer(a, (size_t)len, (uint16_t)(100 + i), OP_ECHO);
	}
	assert_int_equal(n_tcp - before, 50);

	/* a query split over many writes, the prefix byte by byte */
	uint8_t q[2 + QLEN] = { 0, QLEN };
	make_query(q + 2, 7, OP_ECHO);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(send(fd, q + i, 1, 0), 1);
		msleep(10);
	}
	assert_int_equal(send(fd, q + 2, 5, 0), 5);
	msleep(10);
	assert_int_equal(send(fd, q + 7, sizeof(q) - 7, 0), sizeof(q) - 7);
	int len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 7, OP_ECHO);

	/* od_net_emit: three messages, in order, before the answer */
	send_framed(fd, 8, OP_EMIT);
	for (int i = 1; i <= 3; i++) {
		len = read_msg(fd, a, sizeof(a));
		assert_int_equal(len, QLEN);
		assert_int_equal(a[0], 0xE0);
		assert_int_equal(a[1], i);
		assert_int_equal(a[2], 0x80 | OP_EMIT);
	}
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 8, OP_EMIT);

	/* no answer from the handler: nothing sent, connection stays */
	send_framed(fd, 9, OP_NONE);
	send_framed(fd, 10, OP_ECHO);
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 10, OP_ECHO);

	/* a failing handler closes the connection after earlier answers */
	send_framed(fd, 11, OP_ECHO);
	send_framed(fd, 12, OP_FAIL);
	send_framed(fd, 13, OP_ECHO);
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 11, OP_ECHO);
	assert_closed(fd);
	close(fd);

	/* half-close: queries then EOF; all answers, then the close */
	fd = tcp_client(&to);
	for (uint16_t i = 0; i < 3; i++)
		send_framed(fd, (uint16_t)(20 + i), OP_ECHO);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	for (uint16_t i = 0; i < 3; i++) {
		len = read_msg(fd, a, sizeof(a));
		check_answer(a, (size_t)len, (uint16_t)(20 + i), OP_ECHO);
	}
	assert_closed(fd);
	close(fd);

	/* bad framing: a zero length, then a length below a DNS header */
	fd = tcp_client(&to);
	send_framed(fd, 30, OP_ECHO);
	uint8_t zero[2] = { 0, 0 };
	assert_int_equal(send(fd, zero, 2, 0), 2);
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 30, OP_ECHO);
	assert_closed(fd);
	close(fd);
	fd = tcp_client(&to);
	uint8_t shortmsg[7] = { 0, 5, 1, 2, 3, 4, 5 };
	assert_int_equal(send(fd, shortmsg, sizeof(shortmsg), 0),
	                 sizeof(shortmsg));
	assert_closed(fd);
	close(fd);

	od_net_stats_t st;
	od_net_stats(n, &st);
	assert_true(st.tcp_conns >= 4);
	assert_true(st.tcp_closed_error >= 2);
	assert_int_equal(bad_wctx, 0);
	od_net_stop(n);
}

static void test_tcp_idle(void **state)
{
	(void)state;
	od_listen_t to;
	od_net_t *n = start("127.0.0.1@0", 2, 200, 0, &to);
	uint8_t a[512];
	/* silent from the start */
	int fd1 = tcp_client(&to);
	/* silent after one query */
	int fd2 = tcp_client(&to);
	send_framed(fd2, 1, OP_ECHO);
	int len = read_msg(fd2, a, sizeof(a));
	check_answer(a, (size_t)len, 1, OP_ECHO);
	assert_closed(fd1);
	assert_closed(fd2);
	close(fd1);
	close(fd2);
	od_net_stats_t st;
	od_net_stats(n, &st);
	assert_int_equal(st.tcp_closed_idle, 2);
	od_net_stop(n);
}

static void test_tcp_max_conns(void **state)
{
	(void)state;
	od_listen_t to;
	/* one worker: the cap is per worker */
	od_net_t *n = start("127.0.0.1@0", 1, 0, 4, &to);
	uint8_t a[512];
	int fd[5];
	for (int i = 0; i < 5; i++) {
		fd[i] = tcp_client(&to);
		send_framed(fd[i], (uint16_t)i, OP_ECHO);
		int len = read_msg(fd[i], a, sizeof(a));
		check_answer(a, (size_t)len, (uint16_t)i, OP_ECHO);
	}
	/* the fifth was served; the least recently active one made room */
	assert_closed(fd[0]);
	for (int i = 1; i < 5; i++) {
		send_framed(fd[i], (uint16_t)(10 + i), OP_ECHO);
		int len = read_msg(fd[i], a, sizeof(a));
		check_answer(a, (size_t)len, (uint16_t)(10 + i), OP_ECHO);
	}
	od_net_stats_t st;
	od_net_stats(n, &st);
	assert_int_equal(st.tcp_closed_limit, 1);
	for (int i = 0; i < 5; i++)
		close(fd[i]);
	od_net_stop(n);
}

static void test_tcp_flow(void **state)
{
	(void)state;
	od_listen_t to;
	/* at most two answers unsent per connection: the rest wait in the
	   buffer and are handled, in order, as answers go out */
	cfg_max_pending = 2;
	od_net_t *n = start("127.0.0.1@0", 1, 0, 0, &to);
	cfg_max_pending = 0;
	int fd = tcp_client(&to);
	uint8_t buf[50 * (2 + QLEN)];
	for (int i = 0; i < 50; i++) {
		buf[i * (2 + QLEN)] = 0;
		buf[i * (2 + QLEN) + 1] = QLEN;
		make_query(buf + i * (2 + QLEN) + 2, (uint16_t)(300 + i),
		           OP_ECHO);
	}
	assert_int_equal(send(fd, buf, sizeof(buf), 0), sizeof(buf));
	uint8_t a[512];
	for (int i = 0; i < 50; i++) {
		int len = read_msg(fd, a, sizeof(a));
		check_answer(a, (size_t)len, (uint16_t)(300 + i), OP_ECHO);
	}

	/* the largest message, in pieces, and its answer */
	static uint8_t big[2 + 65535], back[65535];
	big[0] = 0xff;
	big[1] = 0xff;
	for (size_t i = 2; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	big[4] = 0;
	for (size_t off = 0; off < sizeof(big); off += 10000) {
		size_t chunk = sizeof(big) - off < 10000 ? sizeof(big) - off
		                                         : 10000;
		assert_int_equal(send(fd, big + off, chunk, 0), chunk);
	}
	int len = read_msg(fd, back, sizeof(back));
	assert_int_equal(len, 65535);
	big[4] |= 0x80;
	assert_memory_equal(back, big + 2, 65535);

	/* stopping with a client that has answers it never read, and
	   another that is idle */
	int idle = tcp_client(&to);
	for (int i = 0; i < 8; i++) {
		big[4] = 0;
		assert_int_equal(send(fd, big, sizeof(big), 0), sizeof(big));
	}
	send_framed(idle, 1, OP_ECHO);
	len = read_msg(idle, a, sizeof(a));
	check_answer(a, (size_t)len, 1, OP_ECHO);
	od_net_stop(n);
	assert_closed(idle);
	close(idle);
	close(fd);
}

static void test_synchronize(void **state)
{
	(void)state;
	od_listen_t to;
	od_net_t *n = start("127.0.0.1@0", 2, 0, 0, &to);
	sleep_entered = sleep_left = 0;
	int fd = udp_client(&to);
	uint8_t q[QLEN], a[512];
	make_query(q, 5, OP_SLEEP);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	for (int i = 0; i < 2000 && !sleep_entered; i++)
		msleep(1);
	assert_int_equal(sleep_entered, 1);
	od_net_synchronize(n);
	/* the handler that was running has returned */
	assert_int_equal(sleep_left, 1);
	ssize_t r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 5, OP_SLEEP);
	/* nothing running: returns at once */
	od_net_synchronize(n);
	close(fd);
	od_net_stop(n);
}

static void test_wildcard(void **state)
{
	(void)state;
	od_listen_t to;
	od_net_t *n = start("0.0.0.0@0", 2, 0, 0, &to);
	/* query 127.0.0.2 (also loopback) from 127.0.0.1: the answer must
	   come from 127.0.0.2, not the kernel's pick for the client */
	od_listen_t dst = to;
	((struct sockaddr_in *)&dst.addr)->sin_addr.s_addr = htonl(0x7f000002);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	set_timeouts(fd);
	struct sockaddr_in src = { .sin_family = AF_INET,
		                   .sin_addr.s_addr = htonl(0x7f000001) };
	assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
	uint8_t q[QLEN], a[512];
	make_query(q, 77, OP_ECHO);
	local_is_127_0_0_2 = 0;
	assert_int_equal(sendto(fd, q, QLEN, 0, (struct sockaddr *)&dst.addr,
	                        dst.len),
	                 QLEN);
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	ssize_t r = recvfrom(fd, a, sizeof(a), 0, (struct sockaddr *)&from,
	                     &fromlen);
	check_answer(a, (size_t)r, 77, OP_ECHO);
	assert_int_equal(ntohl(from.sin_addr.s_addr), 0x7f000002);
	assert_int_equal(from.sin_port,
	                 ((struct sockaddr_in *)&to.addr)->sin_port);
	assert_int_equal(local_is_127_0_0_2, 1);
	close(fd);

	/* TCP on the wildcard too */
	local_is_127_0_0_2 = 0;
	fd = tcp_client(&dst);
	send_framed(fd, 78, OP_ECHO);
	int len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 78, OP_ECHO);
	assert_int_equal(local_is_127_0_0_2, 1);
	close(fd);
	od_net_stop(n);
}

static void test_ipv6(void **state)
{
	(void)state;
	int probe = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 lo = { .sin6_family = AF_INET6,
		                   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	if (probe < 0 || bind(probe, (struct sockaddr *)&lo, sizeof(lo)) != 0) {
		if (probe >= 0)
			close(probe);
		skip();
	}
	close(probe);
	od_listen_t to;
	od_net_t *n = start("::1@0", 2, 0, 0, &to);
	uint8_t q[QLEN], a[512];
	int fd = udp_client(&to);
	make_query(q, 66, OP_ECHO);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	ssize_t r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 66, OP_ECHO);
	close(fd);
	fd = tcp_client(&to);
	send_framed(fd, 67, OP_ECHO);
	int len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 67, OP_ECHO);
	close(fd);
	od_net_stop(n);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int count = 0;
	while (readdir(d))
		count++;
	closedir(d);
	return count;
}

static void test_bind_errors(void **state)
{
	(void)state;
	char err[200];
	od_net_t *n = NULL;
	od_listen_t l[2];

	/* an address not on this machine */
	assert_int_equal(od_listen_parse("192.0.2.1@53", 53, &l[0]), 0);
	od_net_conf_t conf = {
		.listen = l, .nlisten = 1, .workers = 2, .handler = handler
	};
	int rc = od_net_start(&n, &conf, err, sizeof(err));
	assert_int_equal(rc, -EADDRNOTAVAIL);
	assert_null(n);
	assert_string_equal(err, "cannot listen on 192.0.2.1@53/udp: "
	                         "Cannot assign requested address");

	/* IP_FREEBIND accepts it (port 0: nothing is ever sent there) */
	assert_int_equal(od_listen_parse("192.0.2.1@0", 53, &l[0]), 0);
	conf.freebind = true;
	rc = od_net_start(&n, &conf, err, sizeof(err));
	if (rc != 0)
		fail_msg("freebind: %s", err);
	od_net_stop(n);
	n = NULL;
	conf.freebind = false;

	/* a port held by a socket without SO_REUSEPORT, as the second
	   address: nothing of the first stays open */
	int fds_before = count_fds();
	int hold = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in lo = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(0x7f000001) };
	assert_int_equal(bind(hold, (struct sockaddr *)&lo, sizeof(lo)), 0);
	assert_int_equal(listen(hold, 1), 0);
	socklen_t len = sizeof(lo);
	assert_int_equal(getsockname(hold, (struct sockaddr *)&lo, &len), 0);
	char spec[64];
	snprintf(spec, sizeof(spec), "127.0.0.1@%u", ntohs(lo.sin_port));
	assert_int_equal(od_listen_parse("127.0.0.1@0", 53, &l[0]), 0);
	assert_int_equal(od_listen_parse(spec, 53, &l[1]), 0);
	conf.nlisten = 2;
	rc = od_net_start(&n, &conf, err, sizeof(err));
	assert_int_equal(rc, -EADDRINUSE);
	assert_null(n);
	char want[200];
	snprintf(want, sizeof(want),
	         "cannot listen on %s/tcp: Address already in use", spec);
	assert_string_equal(err, want);
	close(hold);
	assert_int_equal(count_fds(), fds_before);

	/* no address, no handler */
	conf.nlisten = 0;
	assert_int_equal(od_net_start(&n, &conf, err, sizeof(err)), OD_EINVAL);
	assert_string_equal(err, "no listen address given");
	conf.nlisten = 1;
	conf.handler = NULL;
	assert_int_equal(od_net_start(&n, &conf, err, sizeof(err)), OD_EINVAL);
	assert_string_equal(err, "no handler given");
}

static void bound_of(od_net_t *n, size_t i, od_listen_t *out)
{
	struct sockaddr_storage ss;
	assert_int_equal(od_net_bound(n, i, &ss), 0);
	out->addr = ss;
	out->len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
	                                   : sizeof(struct sockaddr_in6);
}

static void udp_echo(const od_listen_t *to, uint16_t id)
{
	int fd = udp_client(to);
	uint8_t q[QLEN], a[512];
	make_query(q, id, OP_ECHO);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	ssize_t r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, id, OP_ECHO);
	close(fd);
}

static void tcp_echo(const od_listen_t *to, uint16_t id)
{
	int fd = tcp_client(to);
	uint8_t a[512];
	send_framed(fd, id, OP_ECHO);
	int len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)(len < 0 ? 0 : len), id, OP_ECHO);
	close(fd);
}

/* Nothing serves to any more: TCP connections are refused. */
static void assert_not_served(const od_listen_t *to)
{
	int fd = socket(to->addr.ss_family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_not_equal(
	        connect(fd, (const struct sockaddr *)&to->addr, to->len), 0);
	assert_int_equal(errno, ECONNREFUSED);
	close(fd);
}

static void test_set_listen(void **state)
{
	(void)state;
	n_held = n_replied = 0;
	bad_defer = 0;
	char err[200];
	od_listen_t a0, l[3], a1, a2;
	od_net_t *n = start("127.0.0.1@0", 1, 0, 0, &a0);
	int fds_before = count_fds();
	assert_int_equal(od_net_nlisten(n), 1);

	/* the same address again (port 0 as asked for): nothing changes,
	   its socket and port stay */
	assert_int_equal(od_listen_parse("127.0.0.1@0", 53, &l[0]), 0);
	assert_int_equal(od_net_set_listen(n, l, 1, err, sizeof(err)), 0);
	assert_int_equal(count_fds(), fds_before);
	bound_of(n, 0, &a1);
	assert_memory_equal(&a1.addr, &a0.addr, a0.len);

	/* a UDP client with a query deferred on the first address */
	int ufd = udp_client(&a0);
	uint8_t q[QLEN];
	make_query(q, 1, OP_DEFER);
	assert_int_equal(send(ufd, q, QLEN, 0), QLEN);
	udp_echo(&a0, 2);
	assert_int_equal(n_held, 1);

	/* add 127.0.0.2: both serve UDP and TCP */
	assert_int_equal(od_listen_parse("127.0.0.2@0", 53, &l[1]), 0);
	int rc = od_net_set_listen(n, l, 2, err, sizeof(err));
	if (rc != 0)
		fail_msg("set_listen: %s", err);
	assert_int_equal(od_net_nlisten(n), 2);
	bound_of(n, 0, &a1);
	assert_memory_equal(&a1.addr, &a0.addr, a0.len);
	bound_of(n, 1, &a2);
	udp_echo(&a0, 3);
	tcp_echo(&a0, 4);
	udp_echo(&a2, 5);
	tcp_echo(&a2, 6);
	local_is_127_0_0_2 = 0;
	udp_echo(&a2, 7);
	assert_int_equal(local_is_127_0_0_2, 1);

	/* an address that cannot be bound: an error, nothing changed */
	int hold = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in lo = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(0x7f000003) };
	assert_int_equal(bind(hold, (struct sockaddr *)&lo, sizeof(lo)), 0);
	assert_int_equal(listen(hold, 1), 0);
	socklen_t len = sizeof(lo);
	assert_int_equal(getsockname(hold, (struct sockaddr *)&lo, &len), 0);
	char spec[64], want[200];
	snprintf(spec, sizeof(spec), "127.0.0.3@%u", ntohs(lo.sin_port));
	assert_int_equal(od_listen_parse(spec, 53, &l[2]), 0);
	int fds_mid = count_fds();
	rc = od_net_set_listen(n, &l[1], 2, err, sizeof(err));
	assert_int_equal(rc, -EADDRINUSE);
	snprintf(want, sizeof(want),
	         "cannot listen on %s/tcp: Address already in use", spec);
	assert_string_equal(err, want);
	assert_int_equal(count_fds(), fds_mid);
	assert_int_equal(od_net_nlisten(n), 2);
	udp_echo(&a0, 8);
	udp_echo(&a2, 9);
	close(hold);

	/* remove 127.0.0.1: it no longer answers, 127.0.0.2 does; the
	   query it had deferred is still answered from its socket */
	rc = od_net_set_listen(n, &l[1], 1, err, sizeof(err));
	if (rc != 0)
		fail_msg("set_listen: %s", err);
	assert_int_equal(od_net_nlisten(n), 1);
	bound_of(n, 0, &a1);
	assert_memory_equal(&a1.addr, &a2.addr, a2.len);
	assert_not_served(&a0);
	int tfd = tcp_client(&a2);
	uint8_t a[512];
	send_framed(tfd, 10, OP_RELEASE);
	int alen = read_msg(tfd, a, sizeof(a));
	check_answer(a, (size_t)(alen < 0 ? 0 : alen), 10, OP_RELEASE);
	close(tfd);
	ssize_t r = recv(ufd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 1, OP_DEFER);
	for (int i = 0; i < 2000 && n_replied == 0; i++)
		msleep(1);
	assert_int_equal(n_replied, 1);
	assert_int_equal(bad_defer, 0);
	close(ufd);
	/* the removed socket is gone once its query was answered */
	int fds_after = 0;
	for (int i = 0; i < 2000; i++) {
		fds_after = count_fds();
		if (fds_after == fds_before)
			break;
		msleep(1);
	}
	assert_int_equal(fds_after, fds_before);

	/* bad input */
	assert_int_equal(od_net_set_listen(n, l, 0, err, sizeof(err)),
	                 OD_EINVAL);
	assert_string_equal(err, "no listen address given");
	udp_echo(&a2, 11);
	od_net_stop(n);
}

/*
 * An address removed while one of its queries is deferred, then added
 * back (or covered by a wildcard): the old socket stays open for that
 * query's answer, but must not take a share of the new queries (nobody
 * reads it any more).
 */
static void test_removed_socket_takes_nothing(void **state)
{
	(void)state;
	n_held = n_replied = 0;
	bad_defer = 0;
	char err[200], spec[64];
	od_listen_t a0, l[2];
	od_net_t *n = start("127.0.0.1@0", 1, 0, 0, &a0);
	unsigned port = ntohs(((struct sockaddr_in *)&a0.addr)->sin_port);
	int ufd = udp_client(&a0);
	uint8_t q[QLEN], a[512];
	make_query(q, 1, OP_DEFER);
	assert_int_equal(send(ufd, q, QLEN, 0), QLEN);
	udp_echo(&a0, 2);
	assert_int_equal(n_held, 1);
	/* removed (127.0.0.2 instead), then back on the same port */
	assert_int_equal(od_listen_parse("127.0.0.2@0", 53, &l[0]), 0);
	if (od_net_set_listen(n, l, 1, err, sizeof(err)) != 0)
		fail_msg("set_listen: %s", err);
	snprintf(spec, sizeof(spec), "127.0.0.1@%u", port);
	assert_int_equal(od_listen_parse(spec, 53, &l[1]), 0);
	if (od_net_set_listen(n, &l[1], 1, err, sizeof(err)) != 0)
		fail_msg("set_listen: %s", err);
	/* every query is answered, none lands on the old socket (each
	   client has its own port, so the kernel's choice varies) */
	for (uint16_t id = 100; id < 140; id++)
		udp_echo(&a0, id);
	/* the deferred query is still answered, from the old socket */
	int tfd = tcp_client(&a0);
	send_framed(tfd, 10, OP_RELEASE);
	int alen = read_msg(tfd, a, sizeof(a));
	check_answer(a, (size_t)(alen < 0 ? 0 : alen), 10, OP_RELEASE);
	close(tfd);
	ssize_t r = recv(ufd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 1, OP_DEFER);
	close(ufd);
	assert_int_equal(bad_defer, 0);
	od_net_stop(n);
}

/* Answers on fd (UDP datagrams or TCP messages) until count came; each
   must be the echo of one of ids[] with op ops[], each once. */
static void expect_set(int fd, bool tcp, int count, const uint16_t *ids,
                       const uint8_t *ops)
{
	bool seen[16] = { false };
	od_require(count <= 16);
	for (int k = 0; k < count; k++) {
		uint8_t a[512];
		int len = tcp ? read_msg(fd, a, sizeof(a))
		              : (int)recv(fd, a, sizeof(a), 0);
		assert_int_equal(len, QLEN);
		uint16_t id = (uint16_t)(a[0] << 8 | a[1]);
		int i = 0;
		while (i < count && ids[i] != id)
			i++;
		if (i == count)
			fail_msg("unexpected answer id %u", id);
		assert_false(seen[i]);
		seen[i] = true;
		check_answer(a, (size_t)len, id, ops[i]);
	}
}

static void reset_defer_counters(void)
{
	n_held = n_replied = n_dropped = n_stop_dropped = n_epipe = 0;
	bad_defer = 0;
}

static void test_defer_udp(void **state)
{
	(void)state;
	reset_defer_counters();
	od_listen_t to;
	od_net_t *n = start("127.0.0.1@0", 1, 0, 0, &to);
	int fd = udp_client(&to);
	uint8_t q[QLEN], a[512];

	/* a deferred query is not answered until released; the queries
	   after it are answered at once */
	make_query(q, 1, OP_DEFER);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	make_query(q, 2, OP_DEFERDROP);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	make_query(q, 3, OP_ECHO);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	ssize_t r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 3, OP_ECHO);
	assert_int_equal(n_held, 2);

	/* released from a timer: the answer to 1 comes (2 was dropped),
	   sent from the listening address to the client */
	make_query(q, 4, OP_RELEASE);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	expect_set(fd, false, 2, (const uint16_t[]){ 4, 1 },
	           (const uint8_t[]){ OP_RELEASE, OP_DEFER });
	make_query(q, 5, OP_ECHO);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 5, OP_ECHO);
	assert_int_equal(n_replied, 1);
	assert_int_equal(n_dropped, 1);
	assert_int_equal(bad_defer, 0);
	od_net_stats_t st;
	for (int i = 0; i < 2000; i++) {
		od_net_stats(n, &st);
		if (st.udp_answers >= 4)
			break;
		msleep(1);
	}
	assert_int_equal(st.udp_answers, 4);

	/* one still held at stop: worker_stop gets to drop it */
	make_query(q, 6, OP_DEFER);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	make_query(q, 7, OP_ECHO);
	assert_int_equal(send(fd, q, QLEN, 0), QLEN);
	r = recv(fd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 7, OP_ECHO);
	close(fd);
	od_net_stop(n);
	assert_int_equal(n_stop_dropped, 1);
}

static void test_defer_wildcard(void **state)
{
	(void)state;
	reset_defer_counters();
	od_listen_t to;
	od_net_t *n = start("0.0.0.0@0", 1, 0, 0, &to);
	/* the deferred answer leaves from the address the query went to */
	od_listen_t dst = to;
	((struct sockaddr_in *)&dst.addr)->sin_addr.s_addr = htonl(0x7f000002);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	set_timeouts(fd);
	struct sockaddr_in src = { .sin_family = AF_INET,
		                   .sin_addr.s_addr = htonl(0x7f000001) };
	assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
	uint8_t q[QLEN], a[512];
	make_query(q, 1, OP_DEFER);
	assert_int_equal(sendto(fd, q, QLEN, 0, (struct sockaddr *)&dst.addr,
	                        dst.len),
	                 QLEN);
	make_query(q, 2, OP_RELEASE);
	assert_int_equal(sendto(fd, q, QLEN, 0, (struct sockaddr *)&dst.addr,
	                        dst.len),
	                 QLEN);
	bool got[3] = { false };
	for (int k = 0; k < 2; k++) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t r = recvfrom(fd, a, sizeof(a), 0,
		                     (struct sockaddr *)&from, &fromlen);
		assert_int_equal(r, QLEN);
		uint16_t id = (uint16_t)(a[0] << 8 | a[1]);
		assert_true(id == 1 || id == 2);
		got[id] = true;
		check_answer(a, (size_t)r, id, id == 1 ? OP_DEFER : OP_RELEASE);
		assert_int_equal(ntohl(from.sin_addr.s_addr), 0x7f000002);
		assert_int_equal(from.sin_port,
		                 ((struct sockaddr_in *)&to.addr)->sin_port);
	}
	assert_true(got[1] && got[2]);
	assert_int_equal(bad_defer, 0);
	close(fd);
	od_net_stop(n);
}

static void test_defer_tcp(void **state)
{
	(void)state;
	reset_defer_counters();
	od_listen_t to;
	od_net_t *n = start("127.0.0.1@0", 1, 0, 0, &to);
	uint8_t a[512];

	/* pipelined: the deferred answer goes out after later ones (out of
	   order, RFC 7766 6.2.1.1) */
	int fd = tcp_client(&to);
	send_framed(fd, 1, OP_DEFER);
	send_framed(fd, 2, OP_ECHO);
	int len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 2, OP_ECHO);
	send_framed(fd, 3, OP_DEFERDROP);
	send_framed(fd, 4, OP_RELEASE);
	expect_set(fd, true, 2, (const uint16_t[]){ 4, 1 },
	           (const uint8_t[]){ OP_RELEASE, OP_DEFER });
	/* the drop sent nothing and the connection goes on */
	send_framed(fd, 5, OP_ECHO);
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 5, OP_ECHO);
	assert_int_equal(n_replied, 1);
	assert_int_equal(n_dropped, 1);

	/* half-close with a deferred query: its answer, then the close */
	int fd2 = tcp_client(&to);
	send_framed(fd2, 10, OP_DEFER);
	assert_int_equal(shutdown(fd2, SHUT_WR), 0);
	for (int i = 0; i < 2000 && n_held < 3; i++)
		msleep(1);
	assert_int_equal(n_held, 3);
	/* whether or not the server has seen the EOF yet, the connection
	   stays open for the deferred answer */
	send_framed(fd, 11, OP_RELEASE);
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 11, OP_RELEASE);
	len = read_msg(fd2, a, sizeof(a));
	check_answer(a, (size_t)len, 10, OP_DEFER);
	assert_closed(fd2);
	close(fd2);
	assert_int_equal(bad_defer, 0);
	close(fd);
	od_net_stop(n);
	assert_int_equal(n_stop_dropped, 0);
}

static void test_defer_tcp_flow(void **state)
{
	(void)state;
	reset_defer_counters();
	od_listen_t to;
	/* one query in flight per connection: a deferred one holds the
	   slot, the next waits unread until it is answered or dropped */
	cfg_max_pending = 1;
	od_net_t *n = start("127.0.0.1@0", 1, 0, 0, &to);
	cfg_max_pending = 0;
	int fd = tcp_client(&to);
	int ufd = udp_client(&to);
	uint8_t q[QLEN], a[512];
	send_framed(fd, 1, OP_DEFERDROP);
	send_framed(fd, 2, OP_ECHO);
	for (int i = 0; i < 2000 && n_held < 1; i++)
		msleep(1);
	assert_int_equal(n_held, 1);
	/* release over UDP (same worker): the drop lets query 2 go */
	make_query(q, 3, OP_RELEASE);
	assert_int_equal(send(ufd, q, QLEN, 0), QLEN);
	ssize_t r = recv(ufd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 3, OP_RELEASE);
	int len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 2, OP_ECHO);
	assert_int_equal(n_dropped, 1);

	/* the same with an answer */
	send_framed(fd, 4, OP_DEFER);
	send_framed(fd, 5, OP_ECHO);
	make_query(q, 6, OP_RELEASE);
	for (int i = 0; i < 2000 && n_held < 2; i++)
		msleep(1);
	assert_int_equal(send(ufd, q, QLEN, 0), QLEN);
	r = recv(ufd, a, sizeof(a), 0);
	check_answer(a, (size_t)r, 6, OP_RELEASE);
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 4, OP_DEFER);
	len = read_msg(fd, a, sizeof(a));
	check_answer(a, (size_t)len, 5, OP_ECHO);
	assert_int_equal(bad_defer, 0);
	close(fd);
	close(ufd);
	od_net_stop(n);
}

static void test_defer_tcp_closed(void **state)
{
	(void)state;
	reset_defer_counters();
	od_listen_t to;
	od_net_t *n = start("127.0.0.1@0", 1, 0, 0, &to);
	uint8_t a[512];
	int ctl = tcp_client(&to);

	/* the client resets the connection while two answers are deferred:
	   the connection goes, the handles stay valid, completing them
	   sends nothing (ASan/LeakSanitizer see the memory handled) */
	int fd = tcp_client(&to);
	send_framed(fd, 1, OP_DEFER);
	send_framed(fd, 2, OP_DEFERDROP);
	for (int i = 0; i < 2000 && n_held < 2; i++)
		msleep(1);
	assert_int_equal(n_held, 2);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
	                 0);
	close(fd);
	od_net_stats_t st;
	for (int i = 0; i < 2000; i++) {
		od_net_stats(n, &st);
		if (st.tcp_closed_error >= 1)
			break;
		msleep(1);
	}
	assert_int_equal(st.tcp_closed_error, 1);
	/* let the close callback run before the release */
	send_framed(ctl, 3, OP_ECHO);
	int len = read_msg(ctl, a, sizeof(a));
	check_answer(a, (size_t)len, 3, OP_ECHO);
	send_framed(ctl, 4, OP_RELEASE);
	len = read_msg(ctl, a, sizeof(a));
	check_answer(a, (size_t)len, 4, OP_RELEASE);
	send_framed(ctl, 5, OP_ECHO);
	len = read_msg(ctl, a, sizeof(a));
	check_answer(a, (size_t)len, 5, OP_ECHO);
	assert_int_equal(n_epipe, 1);
	assert_int_equal(n_dropped, 1);

	/* a client that sent EOF while its answer is deferred, still held
	   when the server stops: worker_stop drops it, the connection
	   closes */
	fd = tcp_client(&to);
	send_framed(fd, 6, OP_DEFER);
	for (int i = 0; i < 2000 && n_held < 3; i++)
		msleep(1);
	assert_int_equal(n_held, 3);
	close(fd);
	close(ctl);
	assert_int_equal(bad_defer, 0);
	od_net_stop(n);
	assert_int_equal(n_stop_dropped, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_idle),
		cmocka_unit_test(test_tcp_max_conns),
		cmocka_unit_test(test_tcp_flow),
		cmocka_unit_test(test_synchronize),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_bind_errors),
		cmocka_unit_test(test_defer_udp),
		cmocka_unit_test(test_defer_wildcard),
		cmocka_unit_test(test_defer_tcp),
		cmocka_unit_test(test_defer_tcp_flow),
		cmocka_unit_test(test_defer_tcp_closed),
		cmocka_unit_test(test_set_listen),
		cmocka_unit_test(test_removed_socket_takes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
