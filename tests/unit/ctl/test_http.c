/* SPDX-License-Identifier: MIT */
/* The shared HTTP server of the metrics (ctl/http.h): the document at
   its path, HEAD, the error statuses, a document cut at its last whole
   line, and start errors naming the server. Listens on 127.5.200.20. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>

#include "ctl/http.h"
#include "lib/error.h"

#define ADDR "127.5.200.20"
#define PORT 18080

typedef struct doc {
	int calls;
	size_t lines; /* 0: a short document */
} doc_t;

static void write_doc(void *ctx, od_sbuf_t *out)
{
	doc_t *d = ctx;
	d->calls++;
	if (d->lines == 0) {
		od_sbuf_puts(out, "a 1\nb 2\n");
		return;
	}
	for (size_t i = 0; i < d->lines; i++)
		od_sbuf_printf(out, "line_%08zu 1\n", i);
}

static struct sockaddr_in addr(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

/* Send req, read the whole response (malloc'd, NUL-terminated). */
static char *exchange(const char *req, size_t *len)
{
	struct sockaddr_in sa = addr(ADDR, PORT);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	size_t cap = 4 * 1024 * 1024, n = 0;
	char *buf = malloc(cap + 1);
	assert_non_null(buf);
	for (;;) {
		ssize_t r = recv(fd, buf + n, cap - n, 0);
		assert_true(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static od_http_t *start(doc_t *d)
{
	struct sockaddr_in sa = addr(ADDR, PORT);
	od_http_conf_t c = { .path = "/doc",
		             .content_type = "text/plain; x=1",
		             .label = "doc " ADDR,
		             .write = write_doc,
		             .ctx = d };
	char err[256];
	od_http_t *h = NULL;
	int r = od_http_start(&h, (struct sockaddr *)&sa, sizeof(sa), &c, err,
	                      sizeof(err));
	if (r != 0)
		fail_msg("od_http_start: %s", err);
	return h;
}

static void test_get_head(void **state)
{
	(void)state;
	doc_t d = { 0 };
	od_http_t *h = start(&d);
	size_t n;
	char *r = exchange("GET /doc?x=y HTTP/1.1\r\nHost: a\r\n\r\n", &n);
	assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(r, "Content-Type: text/plain; x=1\r\n"));
	assert_non_null(strstr(r, "Content-Length: 8\r\n"));
	assert_non_null(strstr(r, "Connection: close\r\n"));
	assert_string_equal(strstr(r, "\r\n\r\n") + 4, "a 1\nb 2\n");
	free(r);
	r = exchange("HEAD /doc HTTP/1.0\r\n\r\n", &n);
	assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
	assert_string_equal(strstr(r, "\r\n\r\n") + 4, "");
	free(r);
	assert_int_equal(d.calls, 2);
	od_http_stop(h);
}

static void test_errors(void **state)
{
	(void)state;
	doc_t d = { 0 };
	od_http_t *h = start(&d);
	static const struct {
		const char *req, *status;
	} cases[] = {
		{ "GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found" },
		{ "POST /doc HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method" },
		{ "hello\r\n\r\n", "HTTP/1.1 400 Bad Request" },
		{ "GET /doc HTTP/2.0\r\n\r\n", "HTTP/1.1 400 Bad Request" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		char *r = exchange(cases[i].req, &n);
		assert_true(strncmp(r, cases[i].status,
		                    strlen(cases[i].status)) == 0);
		assert_non_null(strstr(r, "text/plain; charset=utf-8"));
		free(r);
	}
	size_t n;
	char *r = exchange("POST /doc HTTP/1.1\r\n\r\n", &n);
	assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
	free(r);
	/* The document is made for GET and HEAD on the path only. */
	assert_int_equal(d.calls, 0);
	od_http_stop(h);
}

static void test_cut(void **state)
{
	(void)state;
	/* 16 octets a line: well over OD_HTTP_BODY_MAX. */
	doc_t d = { .lines = 2 * OD_HTTP_BODY_MAX / 16 };
	od_http_t *h = start(&d);
	size_t n;
	char *r = exchange("GET /doc HTTP/1.1\r\n\r\n", &n);
	const char *body = strstr(r, "\r\n\r\n") + 4;
	size_t blen = n - (size_t)(body - r);
	assert_true(blen <= OD_HTTP_BODY_MAX);
	assert_true(blen >= OD_HTTP_BODY_MAX - 16);
	assert_int_equal(blen % 16, 0);
	assert_int_equal(body[blen - 1], '\n');
	char cl[64];
	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", blen);
	assert_non_null(strstr(r, cl));
	free(r);
	od_http_stop(h);
}

static void test_start_error(void **state)
{
	(void)state;
	doc_t d = { 0 };
	/* Not an address of this machine. */
	struct sockaddr_in sa = addr("192.0.2.1", PORT);
	od_http_conf_t c = { .path = "/doc",
		             .content_type = OD_HTTP_PROMETHEUS,
		             .label = "metrics 192.0.2.1@18080",
		             .write = write_doc,
		             .ctx = &d };
	char err[256];
	od_http_t *h = NULL;
	int r = od_http_start(&h, (struct sockaddr *)&sa, sizeof(sa), &c, err,
	                      sizeof(err));
	assert_true(r < 0);
	assert_null(h);
	assert_true(strncmp(err, "metrics 192.0.2.1@18080: ", 25) == 0);
	od_http_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_head),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_start_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
