/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netinet/in.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "net/internal.h"

/* Per-slot state of one recvmmsg/sendmmsg batch. */
struct od_udp_slot {
	struct sockaddr_storage peer;
	struct sockaddr_storage local;
	/* Control buffers aligned for struct cmsghdr (a union with it would
	 * hold a flexible array member in the middle of this struct). */
	struct {
		alignas(struct cmsghdr) char buf[CMSG_SPACE(
		        sizeof(struct in6_pktinfo))];
	} rctl, sctl;
};

int od_udp_worker_init(od_net_worker_t *w, char *err, size_t errlen)
{
	size_t batch = w->net->conf.udp_batch;
	w->rmsg = calloc(batch, sizeof(*w->rmsg));
	w->smsg = calloc(batch, sizeof(*w->smsg));
	w->riov = calloc(batch, sizeof(*w->riov));
	w->siov = calloc(batch, sizeof(*w->siov));
	w->slots = calloc(batch, sizeof(*w->slots));
	/* Pages are touched only as large datagrams arrive. */
	w->rbuf = malloc(batch * OD_NET_MSG_MAX);
	w->abuf = malloc(batch * OD_NET_MSG_MAX);
	if (!w->rmsg || !w->smsg || !w->riov || !w->siov || !w->slots ||
	    !w->rbuf || !w->abuf) {
		snprintf(err, errlen, "out of memory");
		return OD_ENOMEM;
	}
	return 0;
}

void od_udp_worker_free(od_net_worker_t *w)
{
	free(w->rmsg);
	free(w->smsg);
	free(w->riov);
	free(w->siov);
	free(w->slots);
	free(w->rbuf);
	free(w->abuf);
}

/*
 * Where a query on a wildcard socket was sent to: sets slot->local and
 * the control message that makes the answer leave from that address.
 * \return the control length for the answer (0: let the kernel choose).
 */
static size_t take_pktinfo(struct msghdr *h, struct od_udp_slot *slot)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm;
	     cm = CMSG_NXTHDR(h, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			struct sockaddr_in *a =
			        (struct sockaddr_in *)&slot->local;
			a->sin_addr = pi.ipi_addr;
			struct in_pktinfo out = { .ipi_spec_dst = pi.ipi_addr };
			struct cmsghdr *o =
			        (struct cmsghdr *)(void *)slot->sctl.buf;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(out));
			memcpy(CMSG_DATA(o), &out, sizeof(out));
			return CMSG_SPACE(sizeof(out));
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			struct sockaddr_in6 *a =
			        (struct sockaddr_in6 *)&slot->local;
			a->sin6_addr = pi.ipi6_addr;
			/* The interface matters only for link-local scope;
			   elsewhere routing picks it. */
			struct in6_pktinfo out = { .ipi6_addr = pi.ipi6_addr };
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr)) {
				out.ipi6_ifindex = pi.ipi6_ifindex;
				a->sin6_scope_id = pi.ipi6_ifindex;
			}
			struct cmsghdr *o =
			        (struct cmsghdr *)(void *)slot->sctl.buf;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(out));
			memcpy(CMSG_DATA(o), &out, sizeof(out));
			return CMSG_SPACE(sizeof(out));
		}
	}
	return 0;
}

/*
 * Send the batch's answers without ever blocking: a full socket buffer
 * gets one retry, then the rest is dropped and counted; a message the
 * kernel refuses on its own (unreachable, too big) is skipped.
 */
static void send_all(struct od_udp_sock *s, unsigned count)
{
	od_net_worker_t *w = s->w;
	unsigned i = 0;
	bool retried = false;
	while (i < count) {
		int r = sendmmsg(s->fd, w->smsg + i, count - i, MSG_DONTWAIT);
		if (r > 0) {
			i += (unsigned)r;
			OD_STAT_ADD(w, udp_answers, r);
			continue;
		}
		int e = r < 0 ? errno : EAGAIN;
		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS ||
		    e == EINTR) {
			if (retried) {
				OD_STAT_ADD(w, udp_send_errors, count - i);
				return;
			}
			retried = true;
			continue;
		}
		OD_STAT_ADD(w, udp_send_errors, 1);
		i++;
	}
}

/* Arm receive slot i: recvmmsg rewrites the lengths it fills in. */
static void arm_slot(od_net_worker_t *w, const struct od_udp_sock *s,
                     unsigned i)
{
	w->riov[i].iov_base = w->rbuf + (size_t)i * OD_NET_MSG_MAX;
	w->riov[i].iov_len = OD_NET_MSG_MAX;
	w->rmsg[i].msg_hdr = (struct msghdr){
		.msg_name = &w->slots[i].peer,
		.msg_namelen = sizeof(w->slots[i].peer),
		.msg_iov = &w->riov[i],
		.msg_iovlen = 1,
		.msg_control = s->pktinfo ? w->slots[i].rctl.buf : NULL,
		.msg_controllen = s->pktinfo ? sizeof(w->slots[i].rctl.buf) : 0,
	};
	w->rmsg[i].msg_len = 0;
}

/* One recvmmsg batch. \return datagrams received. */
static unsigned drain_batch(struct od_udp_sock *s)
{
	od_net_worker_t *w = s->w;
	const od_net_conf_t *conf = &w->net->conf;
	const od_listen_t *l = &s->lw->addr;
	unsigned batch = conf->udp_batch;
	/* Only the slots the last batch used need arming again (a worker's
	   slots are shared by its sockets, whose pktinfo may differ). */
	if (w->armed_for != s) {
		for (unsigned i = 0; i < batch; i++)
			arm_slot(w, s, i);
		w->armed_for = s;
		w->armed_used = 0;
	}
	for (unsigned i = 0; i < w->armed_used; i++)
		arm_slot(w, s, i);
	w->armed_used = 0;
	int r = recvmmsg(s->fd, w->rmsg, batch, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return 0;
	w->armed_used = (unsigned)r;
	OD_STAT_ADD(w, udp_queries, r);

	unsigned nsend = 0;
	od_net_enter(w);
	for (unsigned i = 0; i < (unsigned)r; i++) {
		struct msghdr *h = &w->rmsg[i].msg_hdr;
		struct od_udp_slot *slot = &w->slots[i];
		size_t len = w->rmsg[i].msg_len;
		/* Too short to carry a DNS header: nothing to answer. */
		if ((h->msg_flags & MSG_TRUNC) || len < OD_NET_MSG_MIN)
			continue;
		memcpy(&slot->local, &l->addr, l->len);
		size_t ctl = s->pktinfo ? take_pktinfo(h, slot) : 0;
		od_net_query_t q = {
			.wire = w->riov[i].iov_base,
			.len = len,
			.peer = (const struct sockaddr *)&slot->peer,
			.peerlen = h->msg_namelen,
			.local = (const struct sockaddr *)&slot->local,
			.tr = OD_TR_UDP,
			.worker = w->idx,
			.conn = s,
		};
		uint8_t *ans = w->abuf + (size_t)i * OD_NET_MSG_MAX;
		int alen = conf->handler(w->wctx, &q, ans, OD_NET_MSG_MAX);
		if (alen <= 0 || od_fails(alen > OD_NET_MSG_MAX))
			continue;
		w->siov[nsend].iov_base = ans;
		w->siov[nsend].iov_len = (size_t)alen;
		w->smsg[nsend].msg_hdr = (struct msghdr){
			.msg_name = &slot->peer,
			.msg_namelen = h->msg_namelen,
			.msg_iov = &w->siov[nsend],
			.msg_iovlen = 1,
			.msg_control = ctl ? slot->sctl.buf : NULL,
			.msg_controllen = ctl,
		};
		w->smsg[nsend].msg_len = 0;
		nsend++;
	}
	od_net_leave(w);
	if (nsend > 0)
		send_all(s, nsend);
	return (unsigned)r;
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	struct od_udp_sock *s = p->data;
	if (status < 0 || s->w->stopping)
		return;
	/* Level-triggered: what is left after these rounds comes back on
	   the next loop iteration, after the other sockets had a turn. A
	   short batch is not the end: queries that arrived while it was
	   answered are read at once, which under load saves a trip through
	   epoll and the scheduler; an empty read ends the rounds. */
	for (int round = 0; round < OD_NET_UDP_ROUNDS; round++)
		if (drain_batch(s) == 0)
			break;
}

int od_udp_reply(struct od_net_pending *p, const uint8_t *msg, size_t len)
{
	struct od_udp_sock *s = p->udp;
	od_net_worker_t *w = p->w;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr h = {
		.msg_name = &p->peer,
		.msg_namelen = p->peerlen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	if (s->pktinfo) {
		/* Leave from the address the query was sent to, as the
		   synchronous path does. */
		memset(&ctl, 0, sizeof(ctl));
		struct cmsghdr *o = &ctl.align;
		if (p->local.ss_family == AF_INET) {
			const struct sockaddr_in *a =
			        (const struct sockaddr_in *)&p->local;
			struct in_pktinfo pi = { .ipi_spec_dst = a->sin_addr };
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			h.msg_controllen = CMSG_SPACE(sizeof(pi));
		} else {
			const struct sockaddr_in6 *a =
			        (const struct sockaddr_in6 *)&p->local;
			struct in6_pktinfo pi = { .ipi6_addr = a->sin6_addr };
			if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr))
				pi.ipi6_ifindex = a->sin6_scope_id;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			h.msg_controllen = CMSG_SPACE(sizeof(pi));
		}
		h.msg_control = ctl.buf;
	}
	ssize_t r;
	do {
		r = sendmsg(s->fd, &h, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		OD_STAT_ADD(w, udp_send_errors, 1);
		return -e;
	}
	OD_STAT_ADD(w, udp_answers, 1);
	return 0;
}

int od_udp_start(struct od_udp_sock *s, char *err, size_t errlen)
{
	int rc = uv_poll_init(&s->w->loop, &s->poll, s->fd);
	if (rc != 0) {
		snprintf(err, errlen, "cannot watch a UDP socket: %s",
		         uv_strerror(rc));
		return rc;
	}
	s->poll_init = true;
	s->poll.data = s;
	rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
	if (rc != 0) {
		snprintf(err, errlen, "cannot watch a UDP socket: %s",
		         uv_strerror(rc));
		return rc;
	}
	return 0;
}
