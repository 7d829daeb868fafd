/* SPDX-License-Identifier: MIT */
#include "ctl/http.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"

struct od_http {
	od_http_conf_t conf;
	int lfd;
	int wake[2]; /* a byte written to wake[1] stops the thread */
	pthread_t thread;
	char *body;     /* owned: OD_HTTP_BODY_MAX */
	bool responded; /* a response was sent on this connection */
	char req[OD_HTTP_REQ_MAX + 1];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* HTTP ---------------------------------------------------------------- */

/* Wait for fd to be ready for ev until deadline (monotonic ms).
   \return 1 ready, 0 timed out or stopping, -1 error. */
static int wait_fd(od_http_t *m, int fd, short ev, int64_t deadline)
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
static void send_all(od_http_t *m, int fd, const char *buf, size_t n,
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

static void respond(od_http_t *m, int fd, int code, const char *reason,
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
	                 code == 200 ? m->conf.content_type
	                             : "text/plain; charset=utf-8",
	                 blen, extra);
	int64_t deadline = mono_ms() + OD_HTTP_TIMEOUT_MS;
	m->responded = true;
	send_all(m, fd, h, (size_t)n, deadline);
	if (!head_only)
		send_all(m, fd, body, blen, deadline);
}

static void error_page(od_http_t *m, int fd, int code, const char *reason,
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

static void serve(od_http_t *m, int fd)
{
	int64_t deadline = mono_ms() + OD_HTTP_TIMEOUT_MS;
	size_t len = 0;
	for (;;) {
		if (len > 0 && head_end(m->req, len))
			break;
		if (len == OD_HTTP_REQ_MAX) {
			error_page(m, fd, 431,
			           "Request Header Fields Too Large", "");
			return;
		}
		ssize_t r = recv(fd, m->req + len, OD_HTTP_REQ_MAX - len, 0);
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
	if (plen != strlen(m->conf.path) ||
	    memcmp(target, m->conf.path, plen) != 0) {
		error_page(m, fd, 404, "Not Found", "");
		return;
	}
	if (!head_only && strcmp(method, "GET") != 0) {
		error_page(m, fd, 405, "Method Not Allowed",
		           "Allow: GET, HEAD\r\n");
		return;
	}
	od_sbuf_t out;
	od_sbuf_init(&out, m->body, OD_HTTP_BODY_MAX);
	m->conf.write(m->conf.ctx, &out);
	if (out.err) {
		od_log_warn("response too large: cut", "server=\"%s\"",
		            m->conf.label);
		/* Keep whole lines only. */
		char *nl = memrchr(m->body, '\n', out.len);
		out.len = nl ? (size_t)(nl - m->body) + 1 : 0;
	}
	respond(m, fd, 200, "OK", "", m->body, out.len, head_only);
}

/* Read and drop what the client still sends (bounded in octets and
   time), so that closing with unread data does not reset the
   connection before the client has read the response. */
static void drain(od_http_t *m, int fd)
{
	int64_t deadline = mono_ms() + 1000;
	size_t total = 0;
	(void)shutdown(fd, SHUT_WR);
	while (total < 256 * 1024) {
		ssize_t r = recv(fd, m->req, OD_HTTP_REQ_MAX, 0);
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
	od_http_t *m = arg;
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

void od_http_histogram(od_sbuf_t *o, const char *name, const char *labels,
                       const uint32_t *bounds_us, size_t nbuckets,
                       const uint64_t *counts, double sum_s)
{
	const char *sep = labels ? "," : "";
	labels = labels ? labels : "";
	uint64_t cum = 0;
	for (size_t k = 0; k < nbuckets; k++) {
		cum += counts[k];
		od_sbuf_printf(o, "%s_bucket{%s%sle=\"", name, labels, sep);
		if (k == nbuckets - 1)
			od_sbuf_puts(o, "+Inf");
		else
			od_sbuf_printf(o, "%g", bounds_us[k] / 1e6);
		od_sbuf_printf(o, "\"} %llu\n", (unsigned long long)cum);
	}
	const char *open = *labels ? "{" : "", *close = *labels ? "}" : "";
	od_sbuf_printf(o, "%s_sum%s%s%s %.9f\n%s_count%s%s%s %llu\n", name,
	               open, labels, close, sum_s, name, open, labels, close,
	               (unsigned long long)cum);
}

int od_http_start(od_http_t **out, const struct sockaddr *addr, socklen_t len,
                  const od_http_conf_t *conf, char *err, size_t errlen)
{
	od_http_t *m = calloc(1, sizeof(*m));
	if (m == NULL || (m->body = malloc(OD_HTTP_BODY_MAX)) == NULL) {
		if (m)
			free(m);
		snprintf(err, errlen, "%s: out of memory", conf->label);
		return OD_ENOMEM;
	}
	m->conf = *conf;
	m->wake[0] = m->wake[1] = -1;
	int on = 1, e;
	m->lfd = socket(addr->sa_family,
	                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->lfd < 0)
		goto fail;
	(void)setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(m->lfd, addr, len) != 0 || listen(m->lfd, 16) != 0 ||
	    pipe2(m->wake, O_CLOEXEC) != 0)
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
	snprintf(err, errlen, "%s: %s", conf->label, strerror(e));
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

void od_http_stop(od_http_t *m)
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
