/* SPDX-License-Identifier: MIT */
/*
 * The machine's ceiling for a UDP DNS server on one core: one socket,
 * recvmmsg() in batches of BATCH, every query answered with the same
 * A record (192.0.2.1, TTL 3600, owner a compression pointer to the
 * question), sendmmsg(). No cache, no lookup, no EDNS: what is left is the
 * cost of the kernel and loopback path plus the few bytes of copying any
 * server must do. bench/resolver/run measures it next to the resolvers.
 *
 * Usage: bench_ceiling [--listen ADDR[@PORT]]   (default 127.0.0.1@53)
 *        bench_ceiling --smoke
 *
 * It answers until SIGTERM or SIGINT. Messages that are not a plain query
 * (a response, a truncated header, no question or a compressed or
 * overlong question name) are dropped. --smoke binds an ephemeral port on
 * 127.0.0.1, sends itself one query, serves one batch and checks the
 * answer byte by byte; it prints no timing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BATCH 64
#define IN_MAX 1232
#define OUT_MAX 512
#define HDR 12
#define ANSWER_LEN 16 /* pointer, type, class, TTL, RDLENGTH, 4 bytes */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Build the answer to query q (qlen bytes) into out. Returns its length,
 * or 0 when the message is to be dropped.
 */
static size_t answer(const uint8_t *q, size_t qlen, uint8_t *out)
{
	if (qlen < HDR || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
		return 0;
	size_t off = HDR;
	while (off < qlen && q[off] != 0) {
		if (q[off] > 63)
			return 0;
		off += 1 + q[off];
	}
	off += 1 + 4; /* root label, QTYPE, QCLASS */
	if (off > qlen || off + ANSWER_LEN > OUT_MAX)
		return 0;
	memcpy(out, q, off);
	out[2] = 0x80 | (q[2] & 0x79); /* QR, opcode and RD kept, AA TC clear */
	out[3] = 0x80;                 /* RA, rcode NOERROR */
	out[6] = 0;
	out[7] = 1; /* ANCOUNT */
	memset(out + 8, 0, 4);
	static const uint8_t rr[ANSWER_LEN] = {
		0xc0, HDR,             /* the question name */
		0,    1,   0,    1,    /* A IN */
		0,    0,   0x0e, 0x10, /* TTL 3600 */
		0,    4,   192,  0,    2, 1,
	};
	memcpy(out + off, rr, sizeof(rr));
	return off + sizeof(rr);
}

typedef struct batch {
	uint8_t in[BATCH][IN_MAX];
	uint8_t out[BATCH][OUT_MAX];
	struct sockaddr_storage from[BATCH];
	struct iovec iov_in[BATCH], iov_out[BATCH];
	struct mmsghdr rx[BATCH], tx[BATCH];
} batch_t;

static void batch_init(batch_t *b)
{
	memset(b, 0, sizeof(*b));
	for (int i = 0; i < BATCH; i++) {
		b->iov_in[i] = (struct iovec){ b->in[i], IN_MAX };
		b->rx[i].msg_hdr.msg_iov = &b->iov_in[i];
		b->rx[i].msg_hdr.msg_iovlen = 1;
	}
}

/*
 * Receive one batch (blocking) and answer it. Returns the number of
 * answers sent, or -errno (-EINTR when a signal came).
 */
static int serve_batch(int fd, batch_t *b)
{
	for (int i = 0; i < BATCH; i++) {
		b->rx[i].msg_hdr.msg_name = &b->from[i];
		b->rx[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
	}
	int n = recvmmsg(fd, b->rx, BATCH, MSG_WAITFORONE, NULL);
	if (n < 0)
		return -errno;
	int m = 0;
	for (int i = 0; i < n; i++) {
		size_t len = answer(b->in[i], b->rx[i].msg_len, b->out[m]);
		if (len == 0)
			continue;
		b->iov_out[m] = (struct iovec){ b->out[m], len };
		b->tx[m].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i],
			.msg_namelen = b->rx[i].msg_hdr.msg_namelen,
			.msg_iov = &b->iov_out[m],
			.msg_iovlen = 1,
		};
		m++;
	}
	int sent = 0;
	while (sent < m) {
		int k = sendmmsg(fd, b->tx + sent, m - sent, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			/* A full send buffer drops the rest: a client retries. */
			break;
		}
		sent += k;
	}
	return sent;
}

/* Parse ADDR[@PORT] (IPv4 or IPv6). Returns 0 or -1. */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
                        socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *at = strrchr(s, '@');
	size_t hl = at ? (size_t)(at - s) : strlen(s);
	long port = 53;
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (at) {
		char *end;
		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (errno || *end || end == at + 1 || port < 0 || port > 65535)
			return -1;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	} else {
		return -1;
	}
	return 0;
}

static int open_socket(const struct sockaddr_storage *ss, socklen_t len,
                       const char *what)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		fprintf(stderr, "bench_ceiling: socket: %s\n", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0) {
		fprintf(stderr, "bench_ceiling: cannot bind %s: %s\n", what,
		        strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int smoke(void)
{
	static batch_t b;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = 1;
	batch_init(&b);
	if (parse_listen("127.0.0.1@0", &ss, &len) != 0)
		return 1;
	int srv = open_socket(&ss, len, "127.0.0.1@0");
	if (srv < 0)
		return 1;
	int cli = socket(AF_INET, SOCK_DGRAM, 0);
	if (cli < 0 || getsockname(srv, (struct sockaddr *)&ss, &len) != 0) {
		fprintf(stderr, "bench_ceiling: smoke: %s\n", strerror(errno));
		goto out;
	}
	/* ID 0x1234, RD, "h1.bench." A IN, then an OPT record that is
	 * dropped from the answer. */
	static const uint8_t q[] = {
		0x12, 0x34, 0x01, 0x00, 0,    1,   0,   0,   0, 0, 0, 1, 2,
		'h',  '1',  5,    'b',  'e',  'n', 'c', 'h', 0, 0, 1, 0, 1,
		0,    0,    41,   0x04, 0xd0, 0,   0,   0,   0, 0, 0,
	};
	static const uint8_t want[] = {
		0x12, 0x34, 0x81, 0x80, 0,    1,   0,   1,   0,   0,   0,
		0,    2,    'h',  '1',  5,    'b', 'e', 'n', 'c', 'h', 0,
		0,    1,    0,    1,    0xc0, 12,  0,   1,   0,   1,   0,
		0,    0x0e, 0x10, 0,    4,    192, 0,   2,   1,
	};
	/* A response and a header alone must be dropped, not answered. */
	static const uint8_t resp[] = { 0, 1, 0x80, 0, 0, 1, 0, 0, 0,
		                        0, 0, 0,    0, 0, 1, 0, 1 };
	if (sendto(cli, resp, sizeof(resp), 0, (struct sockaddr *)&ss, len) !=
	            (ssize_t)sizeof(resp) ||
	    sendto(cli, q, 5, 0, (struct sockaddr *)&ss, len) != 5 ||
	    sendto(cli, q, sizeof(q), 0, (struct sockaddr *)&ss, len) !=
	            (ssize_t)sizeof(q)) {
		fprintf(stderr, "bench_ceiling: smoke: send: %s\n",
		        strerror(errno));
		goto out;
	}
	usleep(100000); /* all three queued, so one batch takes them */
	int n = serve_batch(srv, &b);
	if (n != 1) {
		fprintf(stderr,
		        "bench_ceiling: smoke: %d answers sent, "
		        "expected 1\n",
		        n);
		goto out;
	}
	struct timeval tv = { 2, 0 };
	setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint8_t got[OUT_MAX];
	ssize_t k = recv(cli, got, sizeof(got), 0);
	if (k != (ssize_t)sizeof(want) || memcmp(got, want, sizeof(want))) {
		fprintf(stderr,
		        "bench_ceiling: smoke: wrong answer (%zd "
		        "bytes, expected %zu)\n",
		        k, sizeof(want));
		goto out;
	}
	printf("bench_ceiling: smoke run passed\n");
	rc = 0;
out:
	if (cli >= 0)
		close(cli);
	close(srv);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_ceiling [--listen ADDR[@PORT]] | --smoke\n");
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1@53";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0 && argc == 2)
			return smoke();
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			listen = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 ||
		           strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "bench_ceiling: bad argument '%s'\n",
			        argv[i]);
			usage(stderr);
			return 2;
		}
	}
	struct sockaddr_storage ss;
	socklen_t len;
	if (parse_listen(listen, &ss, &len) != 0) {
		fprintf(stderr,
		        "bench_ceiling: --listen %s: expected "
		        "ADDR[@PORT]\n",
		        listen);
		return 2;
	}
	int fd = open_socket(&ss, len, listen);
	if (fd < 0)
		return 1;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: recvmmsg returns */
	sigaction(SIGINT, &sa, NULL);
	static batch_t b;
	batch_init(&b);
	while (!stop) {
		int n = serve_batch(fd, &b);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "bench_ceiling: recvmmsg: %s\n",
			        strerror(-n));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}
