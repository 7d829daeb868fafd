/* SPDX-License-Identifier: MIT */
#include "daemon/lr_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/file.h"
#include "lib/mm.h"
#include "lib/pkt.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/tsig.h"
#include "lib/wire.h"

static const uint8_t ROOT[1] = { 0 };

/* Poll step: how soon a fetch notices *stop. */
#define STEP_MS 250

static int failv(char *err, size_t errlen, odd_lr_reason_t why, const char *fmt,
                 va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	return -(1 + (int)why);
}

__attribute__((format(printf, 4, 5))) static int
fail(char *err, size_t errlen, odd_lr_reason_t why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = failv(err, errlen, why, fmt, ap);
	va_end(ap);
	return rc;
}

static bool stopped(const _Atomic bool *stop)
{
	return stop && *stop;
}

static uint32_t soa_serial(const uint8_t *rdata, uint16_t len)
{
	/* MNAME, RNAME, then five 32-bit fields: serial is 20 from the end. */
	return len >= 22 ? od_get_u32(rdata + len - 20) : 0;
}

static bool is_root_soa(const od_rr_t *rr)
{
	return rr->type == OD_TYPE_SOA && od_name_is_root(rr->owner);
}

/* "name TYPE" of a record, for messages. */
static void rr_brief(const uint8_t *owner, uint16_t type, char *out, size_t cap)
{
	char name[OD_NAME_STRLEN], t[16];
	if (od_name_to_str(name, sizeof(name), owner) < 0)
		snprintf(name, sizeof(name), "?");
	od_rrtype_to_str(type, t, sizeof(t));
	snprintf(out, cap, "%s %s", name, t);
}

/*
 * Compare the serial a source offers with the copy's. \return 1: the
 * same (unchanged), 0: go on, or the OLDER failure.
 */
static int check_serial(const char *what, uint32_t serial,
                        const od_zone_t *have, char *err, size_t errlen)
{
	uint32_t hs;
	if (have == NULL || od_zone_serial(have, &hs) != 0)
		return 0;
	if (serial == hs)
		return 1;
	if (od_serial_lt(serial, hs))
		return fail(err, errlen, ODD_LRF_OLDER,
		            "%s: serial %u is older than the copy's %u", what,
		            serial, hs);
	return 0;
}

/* Zone text ---------------------------------------------------------- */

typedef struct scan_err {
	char *err;
	size_t errlen;
	const char *name;
	bool seen;
} scan_err_t;

static int on_scan_err(const od_zerr_t *e, void *ctx)
{
	scan_err_t *se = ctx;
	if (!se->seen && se->err && se->errlen)
		snprintf(se->err, se->errlen, "%s:%u:%u: %s",
		         e->file ? e->file : se->name, e->line, e->col,
		         e->msg ? e->msg : od_strerror(e->code));
	se->seen = true;
	return 1; /* stop at the first error */
}

/* The owner of the first SOA below the root, or NULL. */
static const uint8_t *stray_soa(const od_zone_t *z)
{
	for (size_t i = 0; i < z->nnodes; i++)
		if (z->nodes[i] != z->apex &&
		    od_znode_rrset(z->nodes[i], OD_TYPE_SOA))
			return z->nodes[i]->owner;
	return NULL;
}

/* The checks every copy passes, however it came: the root's SOA, once. */
static int check_root(od_zone_t *z, const char *name, char *err, size_t errlen)
{
	const od_zrrset_t *soa = od_zone_soa(z);
	uint32_t serial;
	if (soa == NULL || soa->count == 0) {
		const uint8_t *other = stray_soa(z);
		char o[OD_NAME_STRLEN];
		if (other && od_name_to_str(o, sizeof(o), other) >= 0)
			return fail(err, errlen, ODD_LRF_PARSE,
			            "%s: the zone is %s, not the root zone",
			            name, o);
		return fail(err, errlen, ODD_LRF_PARSE,
		            "%s: no SOA record for the root", name);
	}
	if (soa->count > 1)
		return fail(err, errlen, ODD_LRF_PARSE,
		            "%s: more than one SOA record for the root", name);
	if (od_zone_serial(z, &serial) != 0)
		return fail(err, errlen, ODD_LRF_PARSE,
		            "%s: the root's SOA record is malformed", name);
	if (z->stats.out_of_zone || z->stats.wrong_class)
		return fail(err, errlen, ODD_LRF_PARSE,
		            "%s: %zu records outside the root zone or of "
		            "another class",
		            name, z->stats.out_of_zone + z->stats.wrong_class);
	return 0;
}

int odd_lr_parse_text(const char *text, size_t len, const char *name,
                      od_zone_t **out, char *err, size_t errlen)
{
	/* One record per line at most (a record continued in parentheses
	 * spans several): this bounds the records before any is made. */
	size_t lines = 1;
	for (const char *c = text, *e = text + len;
	     (c = memchr(c, '\n', (size_t)(e - c))) != NULL; c++)
		lines++;
	if (lines > ODD_LR_MAX_RECORDS)
		return fail(err, errlen, ODD_LRF_PARSE,
		            "%s: more than %u lines (a root zone has far "
		            "fewer records)",
		            name, ODD_LR_MAX_RECORDS);
	scan_err_t se = { .err = err, .errlen = errlen, .name = name };
	od_zload_opts_t o = {
		.origin = ROOT,
		.rclass = OD_CLASS_IN,
		/* A downloaded zone must not read local files. */
		.no_include = true,
		.on_err = on_scan_err,
		.ctx = &se,
	};
	od_zone_t *z = NULL;
	int ret = od_zone_load_mem(&z, text, len, name, &o);
	if (ret != 0) {
		if (ret == OD_ENOMEM)
			return fail(err, errlen, ODD_LRF_PARSE,
			            "%s: out of memory", name);
		if (!se.seen)
			return fail(err, errlen, ODD_LRF_PARSE, "%s: %s", name,
			            od_strerror(ret));
		return -(1 + ODD_LRF_PARSE);
	}
	if (z->stats.syntax_errors) {
		od_zone_free(z);
		return fail(err, errlen, ODD_LRF_PARSE, "%s: syntax errors",
		            name);
	}
	ret = check_root(z, name, err, errlen);
	if (ret) {
		od_zone_free(z);
		return ret;
	}
	*out = z;
	return 0;
}

/* The common end of the text sources: parse, then compare serials. */
static int finish_text(const odd_lr_source_t *src, const char *text, size_t len,
                       const od_zone_t *have, odd_lr_fetched_t *out, char *err,
                       size_t errlen)
{
	od_zone_t *z;
	int ret = odd_lr_parse_text(text, len, src->text, &z, err, errlen);
	if (ret)
		return ret;
	odd_lr_fetched_t f = { .bytes = len };
	od_zone_serial(z, &f.serial);
	ret = check_serial(src->text, f.serial, have, err, errlen);
	if (ret < 0) {
		od_zone_free(z);
		return ret;
	}
	if (ret == 1) {
		od_zone_free(z);
		f.unchanged = true;
	} else {
		f.zone = z;
	}
	*out = f;
	return 0;
}

/* file: -------------------------------------------------------------- */

static int fetch_file(const odd_lr_source_t *src, const od_zone_t *have,
                      odd_lr_fetched_t *out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r = od_file_read(src->target, ODD_LR_MAX_SIZE, &buf, &len);
	if (r == OD_EINVAL)
		return fail(err, errlen, ODD_LRF_FETCH,
		            "%s: not a regular file", src->text);
	if (r == OD_ELIMIT)
		return fail(err, errlen, ODD_LRF_FETCH,
		            "%s: larger than %u MiB", src->text,
		            ODD_LR_MAX_SIZE >> 20);
	if (r == OD_ENOMEM)
		return fail(err, errlen, ODD_LRF_FETCH, "%s: out of memory",
		            src->text);
	if (r < 0)
		return fail(err, errlen, ODD_LRF_FETCH, "%s: %s", src->text,
		            strerror(-r));
	int ret = finish_text(src, buf, len, have, out, err, errlen);
	free(buf);
	return ret;
}

/* HTTP(S) ------------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct body {
	char *buf;
	size_t len, cap;
	bool too_big;
	const _Atomic bool *stop;
} body_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	body_t *b = ctx;
	size_t n = size * nmemb;
	if (n > ODD_LR_MAX_SIZE - b->len) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		while (cap < b->len + n)
			cap *= 2;
		char *nb = realloc(b->buf, cap);
		if (nb == NULL)
			return 0;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, ptr, n);
	b->len += n;
	return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
	body_t *b = ctx;
	if (dltotal > (curl_off_t)ODD_LR_MAX_SIZE) {
		b->too_big = true;
		return 1;
	}
	return stopped(b->stop) ? 1 : 0;
}

static int fetch_http(const odd_lr_source_t *src, const odd_lr_conf_t *lc,
                      const od_zone_t *have, const _Atomic bool *stop,
                      odd_lr_fetched_t *out, char *err, size_t errlen)
{
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return fail(err, errlen, ODD_LRF_FETCH, "%s: libcurl: %s",
		            src->text, curl_easy_strerror(curl_init_rc));
	CURL *c = curl_easy_init();
	if (c == NULL)
		return fail(err, errlen, ODD_LRF_FETCH,
		            "%s: libcurl cannot start", src->text);
	body_t b = { .stop = stop };
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, src->target);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	/* An https source is never redirected to plain http. */
	bool tls = strncasecmp(src->target, "https:", 6) == 0;
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
	                 tls ? "https" : "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	                 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
	                 tls ? (long)CURLPROTO_HTTPS
	                     : (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ODD_LR_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	                 (curl_off_t)ODD_LR_MAX_SIZE);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "onedot-localroot");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &b);
	if (lc && lc->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, lc->ca_file);
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	int ret;
	if (b.too_big || cr == CURLE_FILESIZE_EXCEEDED)
		ret = fail(err, errlen, ODD_LRF_FETCH, "%s: larger than %u MiB",
		           src->text, ODD_LR_MAX_SIZE >> 20);
	else if (cr == CURLE_ABORTED_BY_CALLBACK && stopped(stop))
		ret = fail(err, errlen, ODD_LRF_FETCH, "%s: stopped",
		           src->text);
	else if (cr != CURLE_OK)
		ret = fail(err, errlen, ODD_LRF_FETCH, "%s: %s", src->text,
		           cerr[0] ? cerr : curl_easy_strerror(cr));
	else if (status < 200 || status > 299)
		ret = fail(err, errlen, ODD_LRF_FETCH, "%s: HTTP %ld",
		           src->text, status);
	else
		ret = finish_text(src, b.buf ? b.buf : "", b.len, have, out,
		                  err, errlen);
	free(b.buf);
	return ret;
}

/* AXFR and IXFR ------------------------------------------------------ */

/* One fetch from a primary: the deadline covers every connection. */
typedef struct xfr {
	const odd_lr_source_t *src;
	const odd_lr_conf_t *lc;
	const _Atomic bool *stop;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	size_t bytes;             /* received, all connections */
	char *err;
	size_t errlen;
	bool soft; /* the failure allows trying AXFR after IXFR */
} xfr_t;

__attribute__((format(printf, 3, 4))) static int
xfail(xfr_t *x, odd_lr_reason_t why, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(x->err, x->errlen, why, "%s: %s", x->src->text, msg);
}

static int64_t ms_left(const xfr_t *x)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(x->deadline.tv_sec - now.tv_sec) * 1000 +
	       (x->deadline.tv_nsec - now.tv_nsec) / 1000000;
}

/* Wait for events on fd in short steps, watching *stop and the deadline.
 * \return 0 when ready, else the failure. */
static int wait_fd(xfr_t *x, int fd, short events)
{
	for (;;) {
		if (stopped(x->stop))
			return xfail(x, ODD_LRF_FETCH, "stopped");
		int64_t left = ms_left(x);
		if (left <= 0)
			return xfail(x, ODD_LRF_FETCH, "timed out after %u s",
			             ODD_LR_TIMEOUT_MS / 1000);
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, left < STEP_MS ? (int)left : STEP_MS);
		if (r < 0 && errno != EINTR)
			return xfail(x, ODD_LRF_FETCH, "poll: %s",
			             strerror(errno));
		if (r > 0)
			return 0;
	}
}

static int xconnect(xfr_t *x, int *out)
{
	const struct sockaddr *sa = (const struct sockaddr *)&x->src->addr;
	int fd = socket(sa->sa_family,
	                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xfail(x, ODD_LRF_FETCH, "socket: %s", strerror(errno));
	if (connect(fd, sa, x->src->addrlen) != 0) {
		if (errno != EINPROGRESS) {
			int e = errno;
			close(fd);
			return xfail(x, ODD_LRF_FETCH, "connect: %s",
			             strerror(e));
		}
		int ret = wait_fd(x, fd, POLLOUT);
		if (ret) {
			close(fd);
			return ret;
		}
		int e = 0;
		socklen_t el = sizeof(e);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		if (e) {
			close(fd);
			return xfail(x, ODD_LRF_FETCH, "connect: %s",
			             strerror(e));
		}
	}
	*out = fd;
	return 0;
}

static int xsend(xfr_t *x, int fd, const uint8_t *msg, size_t len)
{
	uint8_t buf[2 + OD_PKT_MAXLEN];
	od_put_u16(buf, (uint16_t)len);
	memcpy(buf + 2, msg, len);
	size_t off = 0, total = len + 2;
	while (off < total) {
		ssize_t n = send(fd, buf + off, total - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int ret = wait_fd(x, fd, POLLOUT);
			if (ret)
				return ret;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return xfail(x, ODD_LRF_FETCH, "send: %s",
			             strerror(errno));
		off += (size_t)n;
	}
	return 0;
}

/* Read exactly n octets. \return 0, 1 when the connection closed before
 * all of them came (*got says how many did), or the failure. */
static int xread(xfr_t *x, int fd, uint8_t *buf, size_t n, size_t *got)
{
	size_t off = 0;
	while (off < n) {
		ssize_t r = recv(fd, buf + off, n - off, 0);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int ret = wait_fd(x, fd, POLLIN);
			if (ret)
				return ret;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return xfail(x, ODD_LRF_FETCH, "receive: %s",
			             strerror(errno));
		if (r == 0) {
			*got = off;
			return 1;
		}
		off += (size_t)r;
		x->bytes += (size_t)r;
		if (x->bytes > ODD_LR_MAX_SIZE)
			return xfail(x, ODD_LRF_FETCH,
			             "transfer larger than %u MiB",
			             ODD_LR_MAX_SIZE >> 20);
	}
	*got = off;
	return 0;
}

/* One message. \return 0 (*len set), 1 when the connection closed
 * before it, or the failure. */
static int xrecv_msg(xfr_t *x, int fd, uint8_t *buf, size_t *len)
{
	uint8_t lb[2];
	size_t got;
	int ret = xread(x, fd, lb, 2, &got);
	if (ret)
		return ret;
	size_t n = od_get_u16(lb);
	if (n < OD_HDR_LEN)
		return xfail(x, ODD_LRF_FETCH, "message of %zu octets", n);
	ret = xread(x, fd, buf, n, &got);
	if (ret)
		return ret;
	*len = n;
	return 0;
}

static uint16_t new_id(void)
{
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)time(NULL);
	return id;
}

static const char *tsig_error_str(uint16_t e)
{
	switch (e) {
	case OD_TSIG_BADSIG:
		return "BADSIG";
	case OD_TSIG_BADKEY:
		return "BADKEY";
	case OD_TSIG_BADTIME:
		return "BADTIME";
	case OD_TSIG_BADTRUNC:
		return "BADTRUNC";
	default:
		return NULL;
	}
}

static const char *qtype_str(uint16_t qtype)
{
	return qtype == OD_TYPE_AXFR   ? "AXFR"
	       : qtype == OD_TYPE_IXFR ? "IXFR"
	                               : "SOA";
}

/* Build the query for qtype (IXFR: with have's SOA in authority),
 * signed when a key is configured. \return its length or the failure. */
static int build_query(xfr_t *x, uint16_t id, uint16_t qtype,
                       const od_zone_t *have, od_tsig_ctx_t *tctx, uint8_t *buf,
                       size_t cap)
{
	od_hdr_t h = { .id = id, .opcode = OD_OPCODE_QUERY };
	od_pkt_w_t b;
	int ret = od_pkt_w_init(&b, buf, cap, &h);
	if (!ret && x->lc->has_tsig) {
		od_tsig_ctx_client(tctx, &x->lc->tsig, 0);
		ret = od_pkt_w_reserve(&b, od_tsig_space(tctx));
	}
	if (!ret)
		ret = od_pkt_w_question(&b, ROOT, qtype, OD_CLASS_IN);
	if (!ret && qtype == OD_TYPE_IXFR) {
		const od_zrrset_t *soa = od_zone_soa(have);
		if (od_fails(soa == NULL || soa->count == 0))
			return xfail(x, ODD_LRF_FETCH, "no SOA in the copy");
		od_rr_t rr = { .owner = ROOT,
			       .rdata = soa->rrs[0]->data,
			       .rdlen = soa->rrs[0]->len,
			       .ttl = soa->rrs[0]->ttl,
			       .type = OD_TYPE_SOA,
			       .rclass = OD_CLASS_IN };
		ret = od_pkt_w_rrset(&b, OD_AUTHORITY, &rr, 1);
	}
	int n = ret ? ret : od_pkt_w_finish(&b);
	if (n >= 0 && x->lc->has_tsig)
		n = od_tsig_sign(tctx, &b, (uint64_t)time(NULL));
	if (n < 0)
		return xfail(x, ODD_LRF_FETCH, "cannot build the %s query: %s",
		             qtype_str(qtype), od_strerror(n));
	return n;
}

/* Does the parsed response p answer our query: ID, question (required in
 * the first message only, RFC 5936 §2.2.1), TSIG, RCODE. */
static int check_parsed(xfr_t *x, const uint8_t *wire, size_t len, uint16_t id,
                        uint16_t qtype, bool first, od_tsig_ctx_t *tctx,
                        const od_pkt_t *p)
{
	const char *qs = qtype_str(qtype);
	int ret;
	if (p->hdr.id != id)
		return xfail(x, ODD_LRF_FETCH,
		             "%s response does not match the query (ID %u, "
		             "expected %u)",
		             qs, p->hdr.id, id);
	if (!p->hdr.qr || p->hdr.opcode != OD_OPCODE_QUERY)
		return xfail(x, ODD_LRF_FETCH,
		             "%s answered by a message that is not a query "
		             "response (QR %u, opcode %u)",
		             qs, (unsigned)p->hdr.qr, (unsigned)p->hdr.opcode);
	const od_question_t *q = od_pkt_question(p);
	if ((first && q == NULL) ||
	    (q && (p->count[OD_QUESTION] != 1 || !od_name_is_root(q->qname) ||
	           q->qtype != qtype || q->qclass != OD_CLASS_IN)))
		return xfail(x, ODD_LRF_FETCH,
		             "%s response for another question", qs);
	if (x->lc->has_tsig) {
		if (p->tsig == NULL) {
			if (p->rcode != OD_RCODE_NOERROR)
				goto rcode;
			return xfail(x, ODD_LRF_FETCH,
			             "%s response without TSIG", qs);
		}
		ret = od_tsig_verify_response(tctx, wire, len, p,
		                              (uint64_t)time(NULL));
		if (ret == OD_ETSIG) {
			const char *e = tsig_error_str(tctx->error);
			if (e)
				return xfail(x, ODD_LRF_FETCH,
				             "TSIG verification failed: %s", e);
			return xfail(x, ODD_LRF_FETCH,
			             "TSIG verification failed: error %u",
			             tctx->error);
		}
		if (ret)
			return xfail(x, ODD_LRF_FETCH,
			             "TSIG verification failed: %s",
			             od_strerror(ret));
	}
rcode:
	if (p->rcode != OD_RCODE_NOERROR) {
		const char *rc = od_rcode_name(p->rcode);
		x->soft = true;
		if (rc)
			return xfail(x, ODD_LRF_FETCH, "%s answered %s", qs,
			             rc);
		return xfail(x, ODD_LRF_FETCH, "%s answered RCODE %u", qs,
		             p->rcode);
	}
	return 0;
}

/* Parse a response message into p (memory from mm) and check it; on
 * failure nothing is left to free. */
static int check_msg(xfr_t *x, const uint8_t *wire, size_t len, uint16_t id,
                     uint16_t qtype, bool first, od_tsig_ctx_t *tctx,
                     od_mm_t *mm, od_pkt_t *p)
{
	int ret = od_pkt_parse(p, wire, len, mm, 0);
	if (ret)
		return xfail(x, ODD_LRF_FETCH, "malformed %s response: %s",
		             qtype_str(qtype), od_strerror(ret));
	ret = check_parsed(x, wire, len, id, qtype, first, tctx, p);
	if (ret)
		od_pkt_free(p);
	return ret;
}

/* The primary's serial (SOA query over TCP). */
static int query_soa(xfr_t *x, uint32_t *serial)
{
	uint8_t q[512], *buf = malloc(OD_PKT_MAXLEN);
	if (buf == NULL)
		return xfail(x, ODD_LRF_FETCH, "out of memory");
	od_tsig_ctx_t tctx;
	uint16_t id = new_id();
	int fd = -1;
	int n = build_query(x, id, OD_TYPE_SOA, NULL, &tctx, q, sizeof(q));
	int ret = n < 0 ? n : xconnect(x, &fd);
	if (!ret)
		ret = xsend(x, fd, q, (size_t)n);
	size_t len = 0;
	if (!ret) {
		ret = xrecv_msg(x, fd, buf, &len);
		if (ret == 1)
			ret = xfail(x, ODD_LRF_FETCH,
			            "connection closed before the SOA answer");
	}
	od_pkt_t p;
	if (!ret) {
		ret = check_msg(x, buf, len, id, OD_TYPE_SOA, true, &tctx, NULL,
		                &p);
		if (!ret) {
			bool found = false;
			for (size_t i = 0; i < p.count[OD_ANSWER]; i++) {
				const od_rr_t *rr = &p.rr[OD_ANSWER][i];
				if (is_root_soa(rr)) {
					*serial = soa_serial(rr->rdata,
					                     rr->rdlen);
					found = true;
					break;
				}
			}
			od_pkt_free(&p);
			if (!found)
				ret = xfail(x, ODD_LRF_FETCH,
				            "no SOA in the answer to the SOA "
				            "query");
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Records of a transfer, their memory in an arena. */
typedef struct rrvec {
	od_arena_t arena;
	od_rr_t *v;
	size_t n, cap;
} rrvec_t;

static int rrvec_push(rrvec_t *rv, const od_rr_t *rr)
{
	if (rv->n == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 1024;
		od_rr_t *nv = realloc(rv->v, cap * sizeof(*nv));
		if (nv == NULL)
			return OD_ENOMEM;
		rv->v = nv;
		rv->cap = cap;
	}
	rv->v[rv->n++] = *rr;
	return 0;
}

static void rrvec_free(rrvec_t *rv)
{
	free(rv->v);
	od_arena_deinit(&rv->arena);
}

/*
 * Where a transfer stands, record by record: its end is the SOA that
 * closes the AXFR form, or the new SOA after the last difference of the
 * IXFR form, or (IXFR) a lone SOA not newer than the copy's.
 */
enum {
	XS_START,
	XS_SECOND,
	XS_AXFR,
	XS_IXFR,
	XS_DONE
};

typedef struct xstate {
	int st;
	uint32_t serial; /* of the first SOA: the version transferred */
	uint32_t ver;    /* IXFR: version the difference leads to */
	bool adds;       /* IXFR: in the records added */
	bool incr;       /* the IXFR form came */
	bool have_serial;
	uint32_t hs; /* the copy's serial */
} xstate_t;

static int xstate_add(xfr_t *x, xstate_t *s, const od_rr_t *rr)
{
	bool soa = is_root_soa(rr);
	uint32_t serial = soa ? soa_serial(rr->rdata, rr->rdlen) : 0;
	switch (s->st) {
	case XS_START:
		if (!soa)
			return xfail(x, ODD_LRF_FETCH,
			             "the transfer does not start with the "
			             "root's SOA");
		s->serial = serial;
		s->st = XS_SECOND;
		return 0;
	case XS_SECOND:
		if (!soa) {
			s->st = XS_AXFR;
		} else if (s->have_serial && serial == s->hs &&
		           s->serial != s->hs) {
			s->st = XS_IXFR;
			s->incr = true;
			s->ver = serial;
			s->adds = false;
		} else if (serial == s->serial) {
			s->st = XS_DONE; /* a zone of its SOA alone */
		} else {
			return xfail(x, ODD_LRF_FETCH,
			             "second SOA has serial %u, expected %u",
			             serial, s->serial);
		}
		return 0;
	case XS_AXFR:
		if (soa) {
			if (serial != s->serial)
				return xfail(
				        x, ODD_LRF_FETCH,
				        "the transfer ends with serial %u, "
				        "it began with %u",
				        serial, s->serial);
			s->st = XS_DONE;
		}
		return 0;
	case XS_IXFR:
		if (!soa)
			return 0;
		if (!s->adds) {
			s->ver = serial;
			s->adds = true;
		} else if (serial == s->serial && s->ver == s->serial) {
			s->st = XS_DONE;
		} else if (serial == s->ver) {
			s->adds = false;
		} else {
			x->soft = true;
			return xfail(x, ODD_LRF_FETCH,
			             "IXFR difference starts at serial %u, "
			             "expected %u",
			             serial, s->ver);
		}
		return 0;
	default:
		return xfail(x, ODD_LRF_FETCH, "records after the final SOA");
	}
}

/*
 * Run one transfer (qtype AXFR or IXFR) to its end, collecting the answer
 * records in rv; *st tells which form came.
 */
static int transfer(xfr_t *x, uint16_t qtype, const od_zone_t *have,
                    rrvec_t *rv, xstate_t *st)
{
	uint8_t q[1024], *buf = malloc(OD_PKT_MAXLEN);
	if (buf == NULL)
		return xfail(x, ODD_LRF_FETCH, "out of memory");
	od_tsig_ctx_t tctx;
	uint16_t id = new_id();
	int fd = -1;
	memset(st, 0, sizeof(*st));
	st->have_serial = qtype == OD_TYPE_IXFR &&
	                  od_zone_serial(have, &st->hs) == 0;
	int n = build_query(x, id, qtype, have, &tctx, q, sizeof(q));
	int ret = n < 0 ? n : xconnect(x, &fd);
	if (!ret)
		ret = xsend(x, fd, q, (size_t)n);
	for (bool first = true; !ret && st->st != XS_DONE; first = false) {
		size_t len = 0;
		ret = xrecv_msg(x, fd, buf, &len);
		if (ret == 1) {
			ret = xfail(x, ODD_LRF_FETCH,
			            "transfer truncated after %zu records",
			            rv->n);
			break;
		}
		if (ret)
			break;
		od_pkt_t p;
		ret = check_msg(x, buf, len, id, qtype, first, &tctx,
		                &rv->arena.mm, &p);
		if (ret)
			break;
		for (size_t i = 0; !ret && i < p.count[OD_ANSWER]; i++) {
			const od_rr_t *rr = &p.rr[OD_ANSWER][i];
			if (rr->rclass != OD_CLASS_IN) {
				char b[OD_NAME_STRLEN + 24];
				rr_brief(rr->owner, rr->type, b, sizeof(b));
				ret = xfail(x, ODD_LRF_PARSE,
				            "record of class %u in the "
				            "transfer: %s",
				            rr->rclass, b);
				break;
			}
			ret = xstate_add(x, st, rr);
			/* Compression makes small messages big in memory:
			 * the transfer is bounded in records and memory. */
			if (!ret && (rv->n >= ODD_LR_MAX_RECORDS ||
			             rv->arena.used > ODD_LR_MAX_MEM))
				ret = xfail(
				        x, ODD_LRF_FETCH,
				        "transfer larger than %u records or "
				        "%u MiB in memory",
				        ODD_LR_MAX_RECORDS,
				        ODD_LR_MAX_MEM >> 20);
			if (!ret && rrvec_push(rv, rr))
				ret = xfail(x, ODD_LRF_FETCH, "out of memory");
		}
		/* IXFR: a lone SOA not newer than ours means up to date. */
		if (!ret && qtype == OD_TYPE_IXFR && first &&
		    st->st == XS_SECOND && rv->n == 1 && st->have_serial &&
		    !od_serial_lt(st->hs, st->serial))
			st->st = XS_DONE;
		if (!ret && first && rv->n == 0)
			ret = xfail(x, ODD_LRF_FETCH,
			            "empty answer to the %s query",
			            qtype_str(qtype));
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* The zone of an AXFR-form transfer (the last record is the closing
 * SOA). */
static int zone_of_axfr(xfr_t *x, const rrvec_t *rv, od_zone_t **out)
{
	od_zone_t *z = od_zone_new(ROOT, OD_CLASS_IN);
	if (z == NULL)
		return xfail(x, ODD_LRF_FETCH, "out of memory");
	size_t n = rv->n > 1 ? rv->n - 1 : rv->n;
	for (size_t i = 0; i < n; i++) {
		const od_rr_t *rr = &rv->v[i];
		if (od_zone_add(z, rr->owner, rr->type, rr->rclass, rr->ttl,
		                rr->rdata, rr->rdlen) != 0) {
			od_zone_free(z);
			return xfail(x, ODD_LRF_FETCH, "out of memory");
		}
	}
	if (od_zone_finalize(z) != 0) {
		od_zone_free(z);
		return xfail(x, ODD_LRF_FETCH, "out of memory");
	}
	int ret = check_root(z, x->src->text, x->err, x->errlen);
	if (ret) {
		od_zone_free(z);
		return ret;
	}
	*out = z;
	return 0;
}

/*
 * One transfer of qtype and what it gives: *z a new zone, or NULL with
 * *serial the primary's when it is up to date.
 */
static int xfr_once(xfr_t *x, uint16_t qtype, const od_zone_t *have,
                    od_zone_t **z, uint32_t *serial, bool *ixfr)
{
	rrvec_t rv = { 0 };
	od_arena_init(&rv.arena, 1 << 20);
	xstate_t st;
	*z = NULL;
	*ixfr = false;
	int ret = transfer(x, qtype, have, &rv, &st);
	if (!ret) {
		*serial = st.serial;
		if (rv.n == 1 && qtype == OD_TYPE_IXFR) {
			/* up to date: no zone */
		} else if (st.incr) {
			char m[400];
			ret = odd_lr_ixfr_apply(have, rv.v, rv.n, z, m,
			                        sizeof(m));
			if (ret) {
				x->soft = true;
				ret = xfail(x, ODD_LRF_FETCH, "%s", m);
			} else {
				*ixfr = true;
			}
		} else {
			ret = zone_of_axfr(x, &rv, z);
		}
	}
	rrvec_free(&rv);
	return ret;
}

static int fetch_axfr(const odd_lr_source_t *src, const odd_lr_conf_t *lc,
                      const od_zone_t *have, const _Atomic bool *stop,
                      odd_lr_fetched_t *out, char *err, size_t errlen)
{
	odd_lr_conf_t none;
	if (lc == NULL) {
		memset(&none, 0, sizeof(none));
		lc = &none;
	}
	xfr_t x = {
		.src = src, .lc = lc, .stop = stop, .err = err, .errlen = errlen
	};
	clock_gettime(CLOCK_MONOTONIC, &x.deadline);
	x.deadline.tv_sec += ODD_LR_TIMEOUT_MS / 1000;
	x.deadline.tv_nsec += (long)(ODD_LR_TIMEOUT_MS % 1000) * 1000000;
	if (x.deadline.tv_nsec >= 1000000000) {
		x.deadline.tv_sec++;
		x.deadline.tv_nsec -= 1000000000;
	}
	uint32_t hs;
	if (have && od_zone_serial(have, &hs) != 0)
		have = NULL;
	odd_lr_fetched_t f = { 0 };
	int ret;
	if (have) {
		ret = query_soa(&x, &f.serial);
		if (ret)
			return ret;
		ret = check_serial(src->text, f.serial, have, err, errlen);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			f.unchanged = true;
			f.bytes = x.bytes;
			*out = f;
			return 0;
		}
	}
	od_zone_t *z = NULL;
	ret = 1;
	if (have && lc->ixfr) {
		x.soft = false;
		ret = xfr_once(&x, OD_TYPE_IXFR, have, &z, &f.serial, &f.ixfr);
		/* An IXFR that cannot be used (refused, not applicable)
		 * is followed by one AXFR; a network failure, a stop or a
		 * time-out is not. */
		if (ret && x.soft && !stopped(stop) && ms_left(&x) > 0)
			ret = 1;
		else if (ret)
			return ret;
	}
	if (ret == 1) {
		f.ixfr = false;
		ret = xfr_once(&x, OD_TYPE_AXFR, have, &z, &f.serial, &f.ixfr);
		if (ret)
			return ret;
	}
	if (z)
		od_zone_serial(z, &f.serial);
	ret = check_serial(src->text, f.serial, have, err, errlen);
	if (ret < 0) {
		od_zone_free(z);
		return ret;
	}
	if (ret == 1 || z == NULL) {
		od_zone_free(z);
		z = NULL;
		f.unchanged = true;
		f.ixfr = false;
	}
	f.zone = z;
	f.bytes = x.bytes;
	*out = f;
	return 0;
}

/* IXFR application --------------------------------------------------- */

/* One record of the working copy. */
typedef struct ent {
	const uint8_t *owner;
	const uint8_t *rdata; /* as received (case kept) */
	uint32_t hash;
	uint32_t next; /* hash chain, UINT32_MAX: end */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	bool gone;
} ent_t;

typedef struct work {
	ent_t *v;
	size_t n, cap;
	uint32_t *heads;
	size_t mask;
	uint8_t *ca, *cb; /* canonical RDATA scratch */
} work_t;

static uint32_t ent_hash(work_t *w, const uint8_t *owner, uint16_t type,
                         const uint8_t *rdata, uint16_t rdlen)
{
	memcpy(w->ca, rdata, rdlen);
	od_rdata_canonicalize(type, w->ca, rdlen);
	uint32_t h = 2166136261u ^ od_name_hash(owner);
	h = (h ^ type) * 16777619u;
	for (size_t i = 0; i < rdlen; i++)
		h = (h ^ w->ca[i]) * 16777619u;
	return h;
}

/* The live entry equal to the record, or NULL; hash is its ent_hash
 * (w->ca holds its canonical RDATA). */
static ent_t *work_find(work_t *w, uint32_t hash, const uint8_t *owner,
                        uint16_t type, uint16_t rdlen)
{
	for (uint32_t i = w->heads[hash & w->mask]; i != UINT32_MAX;
	     i = w->v[i].next) {
		ent_t *e = &w->v[i];
		if (e->gone || e->hash != hash || e->type != type ||
		    e->rdlen != rdlen || !od_name_equal(e->owner, owner))
			continue;
		memcpy(w->cb, e->rdata, rdlen);
		od_rdata_canonicalize(type, w->cb, rdlen);
		if (memcmp(w->ca, w->cb, rdlen) == 0)
			return e;
	}
	return NULL;
}

static void work_add(work_t *w, const uint8_t *owner, uint16_t type,
                     uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	uint32_t h = ent_hash(w, owner, type, rdata, rdlen);
	ent_t *e = work_find(w, h, owner, type, rdlen);
	if (e) {
		e->ttl = ttl;
		return;
	}
	od_require(w->n < w->cap);
	e = &w->v[w->n];
	*e = (ent_t){ .owner = owner,
		      .rdata = rdata,
		      .hash = h,
		      .next = w->heads[h & w->mask],
		      .ttl = ttl,
		      .type = type,
		      .rdlen = rdlen };
	w->heads[h & w->mask] = (uint32_t)w->n++;
}

static bool work_del(work_t *w, const od_rr_t *rr)
{
	uint32_t h = ent_hash(w, rr->owner, rr->type, rr->rdata, rr->rdlen);
	ent_t *e = work_find(w, h, rr->owner, rr->type, rr->rdlen);
	if (e == NULL)
		return false;
	e->gone = true;
	return true;
}

int odd_lr_ixfr_apply(const od_zone_t *have, const od_rr_t *rrs, size_t n,
                      od_zone_t **out, char *err, size_t errlen)
{
	uint32_t cur;
	if (have == NULL || od_zone_serial(have, &cur) != 0)
		return fail(err, errlen, ODD_LRF_FETCH,
		            "IXFR: no copy to apply it to");
	if (n < 2 || !is_root_soa(&rrs[0]) || !is_root_soa(&rrs[n - 1]))
		return fail(err, errlen, ODD_LRF_FETCH,
		            "IXFR: does not begin and end with the root's SOA");
	uint32_t target = soa_serial(rrs[0].rdata, rrs[0].rdlen);
	if (soa_serial(rrs[n - 1].rdata, rrs[n - 1].rdlen) != target)
		return fail(err, errlen, ODD_LRF_FETCH,
		            "IXFR: ends with serial %u, began with %u",
		            soa_serial(rrs[n - 1].rdata, rrs[n - 1].rdlen),
		            target);
	for (size_t i = 0; i < n; i++)
		if (rrs[i].rclass != OD_CLASS_IN)
			return fail(err, errlen, ODD_LRF_FETCH,
			            "IXFR: record of class %u", rrs[i].rclass);

	size_t count = 0;
	for (size_t i = 0; i < have->nnodes; i++)
		for (size_t j = 0; j < have->nodes[i]->nsets; j++)
			count += have->nodes[i]->sets[j].count;
	work_t w = { .cap = count + n };
	size_t buckets = 16;
	while (buckets < 2 * w.cap)
		buckets *= 2;
	w.mask = buckets - 1;
	w.v = malloc(w.cap * sizeof(*w.v));
	w.heads = malloc(buckets * sizeof(*w.heads));
	w.ca = malloc(65536);
	w.cb = malloc(65536);
	od_zone_t *z = NULL;
	int ret = 0;
	if (!w.v || !w.heads || !w.ca || !w.cb) {
		ret = fail(err, errlen, ODD_LRF_FETCH, "IXFR: out of memory");
		goto out;
	}
	memset(w.heads, 0xff, buckets * sizeof(*w.heads));
	for (size_t i = 0; i < have->nnodes; i++) {
		const od_znode_t *nd = have->nodes[i];
		for (size_t j = 0; j < nd->nsets; j++) {
			const od_zrrset_t *s = &nd->sets[j];
			for (size_t k = 0; k < s->count; k++)
				work_add(&w, nd->owner, s->type, s->rrs[k]->ttl,
				         s->rrs[k]->data, s->rrs[k]->len);
		}
	}

	size_t i = 1;
	while (i < n - 1) {
		/* The old SOA, the records removed. */
		uint32_t from = soa_serial(rrs[i].rdata, rrs[i].rdlen);
		if (!is_root_soa(&rrs[i]) || from != cur) {
			ret = fail(err, errlen, ODD_LRF_FETCH,
			           "IXFR: a difference starts at serial %u, "
			           "the copy is at %u",
			           is_root_soa(&rrs[i]) ? from : 0, cur);
			goto out;
		}
		do {
			if (!work_del(&w, &rrs[i])) {
				char b[OD_NAME_STRLEN + 24];
				rr_brief(rrs[i].owner, rrs[i].type, b,
				         sizeof(b));
				ret = fail(err, errlen, ODD_LRF_FETCH,
				           "IXFR: a record to delete is not in "
				           "the copy: %s",
				           b);
				goto out;
			}
			i++;
		} while (i < n - 1 && !is_root_soa(&rrs[i]));
		/* The new SOA, the records added. */
		if (i >= n - 1 || !is_root_soa(&rrs[i])) {
			ret = fail(err, errlen, ODD_LRF_FETCH,
			           "IXFR: a difference without its new SOA");
			goto out;
		}
		uint32_t to = soa_serial(rrs[i].rdata, rrs[i].rdlen);
		do {
			work_add(&w, rrs[i].owner, rrs[i].type, rrs[i].ttl,
			         rrs[i].rdata, rrs[i].rdlen);
			i++;
		} while (i < n - 1 && !is_root_soa(&rrs[i]));
		cur = to;
	}
	if (cur != target) {
		ret = fail(err, errlen, ODD_LRF_FETCH,
		           "IXFR: the differences lead to serial %u, not %u",
		           cur, target);
		goto out;
	}

	z = od_zone_new(ROOT, OD_CLASS_IN);
	if (z == NULL) {
		ret = fail(err, errlen, ODD_LRF_FETCH, "IXFR: out of memory");
		goto out;
	}
	for (size_t k = 0; k < w.n; k++) {
		const ent_t *e = &w.v[k];
		if (e->gone)
			continue;
		if (od_zone_add(z, e->owner, e->type, OD_CLASS_IN, e->ttl,
		                e->rdata, e->rdlen) != 0) {
			ret = fail(err, errlen, ODD_LRF_FETCH,
			           "IXFR: out of memory");
			goto out;
		}
	}
	if (od_zone_finalize(z) != 0) {
		ret = fail(err, errlen, ODD_LRF_FETCH, "IXFR: out of memory");
		goto out;
	}
	ret = check_root(z, "IXFR", err, errlen);
	if (!ret) {
		*out = z;
		z = NULL;
	} else {
		ret = -(1 + ODD_LRF_FETCH);
	}
out:
	od_zone_free(z);
	free(w.v);
	free(w.heads);
	free(w.ca);
	free(w.cb);
	return ret;
}

/* Dispatch ----------------------------------------------------------- */

int odd_lr_fetch(const odd_lr_source_t *src, const odd_lr_conf_t *lc,
                 const od_zone_t *have, const _Atomic bool *stop,
                 odd_lr_fetched_t *out, char *err, size_t errlen)
{
	if (stopped(stop))
		return fail(err, errlen, ODD_LRF_FETCH, "%s: stopped",
		            src->text);
	switch (src->kind) {
	case ODD_LR_AXFR:
		return fetch_axfr(src, lc, have, stop, out, err, errlen);
	case ODD_LR_HTTP:
		return fetch_http(src, lc, have, stop, out, err, errlen);
	case ODD_LR_FILE:
		return fetch_file(src, have, out, err, errlen);
	}
	return fail(err, errlen, ODD_LRF_FETCH, "%s: unknown kind of source",
	            src->text);
}
