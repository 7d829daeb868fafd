/* SPDX-License-Identifier: MIT */
/* NOTIFY out (blocking, own socket) and the answer to NOTIFY in. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "auth/notify.h"
#include "lib/error.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

int od_notify_build(const od_notify_req_t *r, uint16_t id, uint64_t now,
                    od_tsig_ctx_t *ctx, uint8_t *out, size_t cap)
{
	if (!r->origin || (r->key && !ctx))
		return OD_EINVAL;
	uint16_t rclass = r->rclass ? r->rclass : OD_CLASS_IN;
	od_hdr_t h = { .id = id, .opcode = OD_OPCODE_NOTIFY, .aa = true };
	od_pkt_w_t b;
	int ret = od_pkt_w_init(&b, out, cap, &h);
	if (r->key) {
		od_tsig_ctx_client(ctx, r->key, 0);
		if (!ret)
			ret = od_pkt_w_reserve(&b, od_tsig_space(ctx));
	}
	if (!ret)
		ret = od_pkt_w_question(&b, r->origin, OD_TYPE_SOA, rclass);
	if (!ret && r->soa) {
		od_rr_t soa = { .owner = r->origin,
			        .rdata = r->soa,
			        .rdlen = r->soa_len,
			        .ttl = r->soa_ttl,
			        .type = OD_TYPE_SOA,
			        .rclass = rclass };
		ret = od_pkt_w_rrset(&b, OD_ANSWER, &soa, 1);
	}
	if (ret)
		return ret;
	int n = od_pkt_w_finish(&b);
	if (n >= 0 && r->key)
		n = od_tsig_sign(ctx, &b, now);
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Does resp answer the request we sent? */
static bool matches(const od_notify_req_t *r, const uint8_t *resp, size_t len,
                    uint16_t id, od_tsig_ctx_t *ctx, uint16_t *rcode)
{
	od_pkt_t p;
	if (od_pkt_parse(&p, resp, len, NULL, 0) != 0)
		return false;
	const od_question_t *q = od_pkt_question(&p);
	bool ok = p.hdr.id == id && p.hdr.qr &&
	          p.hdr.opcode == OD_OPCODE_NOTIFY && q &&
	          q->qtype == OD_TYPE_SOA && od_name_equal(q->qname, r->origin);
	if (ok && r->key) {
		od_tsig_ctx_t c = *ctx;
		ok = p.tsig &&
		     od_tsig_verify_response(&c, resp, len, &p,
		                             (uint64_t)time(NULL)) == 0;
	}
	if (ok)
		*rcode = p.rcode;
	od_pkt_free(&p);
	return ok;
}

static int fail(char *err, size_t errlen, int code, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return code;
}

int od_notify_send(const od_notify_req_t *r, od_notify_result_t *res, char *err,
                   size_t errlen)
{
	if (!r->to || !r->origin)
		return fail(err, errlen, OD_EINVAL,
		            "NOTIFY: no target or zone");
	unsigned tries = r->tries ? r->tries : 3;
	unsigned wait = r->timeout_ms ? r->timeout_ms : 1000;
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)now_ms();
	uint8_t msg[1024], resp[OD_PKT_MAXLEN];
	od_tsig_ctx_t ctx;
	int len = od_notify_build(r, id, (uint64_t)time(NULL), &ctx, msg,
	                          sizeof(msg));
	if (len < 0)
		return fail(err, errlen, len,
		            "NOTIFY: cannot build the message");
	int fd = socket(r->to->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = -errno;
		if (err && errlen)
			snprintf(err, errlen, "NOTIFY: socket: %s",
			         strerror(-e));
		return e;
	}
	int ret = -ETIMEDOUT;
	unsigned sent = 0;
	if (r->from && bind(fd, r->from, r->fromlen) != 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "NOTIFY: bind: %s",
			         strerror(errno));
		goto out;
	}
	for (unsigned t = 0; t < tries; t++, wait *= 2) {
		if (sendto(fd, msg, (size_t)len, 0, r->to, r->tolen) < 0) {
			ret = -errno;
			if (err && errlen)
				snprintf(err, errlen, "NOTIFY: send: %s",
				         strerror(errno));
			goto out;
		}
		sent++;
		uint64_t deadline = now_ms() + wait;
		for (;;) {
			uint64_t now = now_ms();
			if (now >= deadline)
				break;
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int pr = poll(&pfd, 1, (int)(deadline - now));
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0)
				break;
			ssize_t n =
			        recvfrom(fd, resp, sizeof(resp), 0, NULL, NULL);
			if (n < 0)
				continue; /* e.g. ICMP port unreachable: wait on */
			uint16_t rcode;
			if (matches(r, resp, (size_t)n, id, &ctx, &rcode)) {
				if (res) {
					res->rcode = rcode;
					res->tries = sent;
				}
				ret = 0;
				goto out;
			}
		}
	}
	if (err && errlen)
		snprintf(err, errlen, "no answer to NOTIFY after %u tries",
		         sent);
out:
	close(fd);
	if (ret && res)
		res->tries = sent;
	return ret;
}

bool od_notify_is(const uint8_t *q, size_t qlen)
{
	if (qlen < OD_HDR_LEN)
		return false;
	od_hdr_t h;
	od_hdr_unpack(&h, q);
	return !h.qr && h.opcode == OD_OPCODE_NOTIFY;
}

int od_notify_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap)
{
	od_pkt_t p;
	if (!od_notify_is(q, qlen) ||
	    od_pkt_parse(&p, q, qlen, NULL, OD_PKT_TRAILING_OK) != 0)
		return 0;
	od_hdr_t h = p.hdr;
	h.qr = true;
	h.aa = false;
	h.tc = false;
	od_pkt_w_t b;
	int ret = od_pkt_w_init(&b, out, cap, &h);
	const od_question_t *qq = od_pkt_question(&p);
	if (!ret && qq)
		ret = od_pkt_w_question(&b, qq->qname, qq->qtype, qq->qclass);
	if (!ret) {
		od_pkt_w_rcode(&b, OD_RCODE_NOTIMP);
		ret = od_pkt_w_finish(&b);
	}
	od_pkt_free(&p);
	return ret > 0 ? ret : 0;
}
