/* SPDX-License-Identifier: MIT */
/*
 * A minimal HTTP/1.0 and 1.1 server on a thread of its own, serving one
 * text document at one path: what both daemons use for their Prometheus
 * metrics (docs/metrics.md).
 *
 * One connection at a time. A client has OD_HTTP_TIMEOUT_MS to send its
 * request head (at most OD_HTTP_REQ_MAX octets) and again to read the
 * response; then the connection is closed (no keep-alive). GET (or
 * HEAD) on the path: 200 with the document the write callback makes.
 * Another path: 404; another method: 405; a request that is not HTTP:
 * 400; too large: 431. A document longer than OD_HTTP_BODY_MAX is cut
 * after its last whole line (with a warning in the log).
 *
 * Threading: the write callback runs on the server's thread, once per
 * request, one at a time; it must only touch what is safe to touch from
 * another thread.
 */
#ifndef OD_CTL_HTTP_H
#define OD_CTL_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/sbuf.h"

/*! Longest request head (request line and header fields). */
#define OD_HTTP_REQ_MAX 8192
/*! Time a client has to send its request, and to read the response. */
#define OD_HTTP_TIMEOUT_MS 5000
/*! Largest document (the buffer is made once, at start). */
#define OD_HTTP_BODY_MAX (1024 * 1024)

/*! The content type of the Prometheus text exposition format 0.0.4. */
#define OD_HTTP_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"

/*! Write the document into out (a full buffer sets out->err). */
typedef void (*od_http_write_fn)(void *ctx, od_sbuf_t *out);

typedef struct od_http_conf {
	const char *path;         /*!< the one path served, e.g. "/metrics" */
	const char *content_type; /*!< of the 200 response */
	const char *label;        /*!< names the server in messages, e.g.
	                               "metrics 127.0.0.1@9153" */
	od_http_write_fn write;
	void *ctx; /*!< passed to write */
} od_http_conf_t;

typedef struct od_http od_http_t;

/*!
 * Write the samples of one Prometheus histogram (the # HELP and # TYPE
 * lines are the caller's): name_bucket{labels,le="B"} for each of the
 * nbuckets - 1 bounds (bounds_us, microseconds, ascending) and +Inf,
 * cumulative over counts (nbuckets, not cumulative: the last counts
 * what is above every bound), then name_sum (sum_s, seconds) and
 * name_count. labels: NULL, or label pairs such as class="root".
 */
void od_http_histogram(od_sbuf_t *o, const char *name, const char *labels,
                       const uint32_t *bounds_us, size_t nbuckets,
                       const uint64_t *counts, double sum_s);

/*!
 * Listen on addr (len octets) and serve until od_http_stop. The strings
 * of conf are not copied: they must outlive the server.
 * \return 0 and *out set, or an error with the message (label and
 *         reason) in err.
 */
int od_http_start(od_http_t **out, const struct sockaddr *addr, socklen_t len,
                  const od_http_conf_t *conf, char *err, size_t errlen);

/*! Stop serving (a client being served is cut off), close, free; NULL
 *  is fine. */
void od_http_stop(od_http_t *h);

#endif
