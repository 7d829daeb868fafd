/* SPDX-License-Identifier: MIT */
/* AXFR and IXFR out, transfer ACLs. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/xfr.h"
#include "lib/edns.h"
#include "lib/error.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

/* ACL */

static int acl_err(char *err, size_t errlen, const char *msg, const char *spec)
{
	if (err && errlen)
		snprintf(err, errlen, "bad access list entry '%s': %s", spec,
		         msg);
	return OD_ESYNTAX;
}

int od_acl_parse(od_acl_entry_t *out, const char *spec, char *err,
                 size_t errlen)
{
	od_acl_entry_t e;
	memset(&e, 0, sizeof(e));
	char buf[512];
	if (strlen(spec) >= sizeof(buf))
		return acl_err(err, errlen, "too long", spec);
	strcpy(buf, spec);
	char *save = NULL;
	char *addr = strtok_r(buf, " \t", &save);
	if (!addr)
		return acl_err(err, errlen, "empty", spec);
	char *kw = strtok_r(NULL, " \t", &save);
	if (kw) {
		char *kname = strtok_r(NULL, " \t", &save);
		if (strcmp(kw, "key") != 0 || !kname ||
		    strtok_r(NULL, " \t", &save))
			return acl_err(err, errlen,
			               "expected 'PREFIX' or 'PREFIX key NAME'",
			               spec);
		if (od_name_from_str(e.key, kname, strlen(kname),
		                     (const uint8_t *)"") < 0)
			return acl_err(err, errlen, "bad key name", spec);
		od_name_lower(e.key);
		e.need_key = true;
	}
	char *slash = strchr(addr, '/');
	long len = -1;
	if (slash) {
		*slash = 0;
		char *end;
		if (!isdigit((unsigned char)slash[1]))
			return acl_err(err, errlen, "bad prefix length", spec);
		len = strtol(slash + 1, &end, 10);
		if (*end)
			return acl_err(err, errlen, "bad prefix length", spec);
	}
	if (inet_pton(AF_INET, addr, e.addr) == 1) {
		e.family = AF_INET;
		if (len < 0)
			len = 32;
		if (len > 32)
			return acl_err(err, errlen, "prefix length over 32",
			               spec);
	} else if (inet_pton(AF_INET6, addr, e.addr) == 1) {
		e.family = AF_INET6;
		if (len < 0)
			len = 128;
		if (len > 128)
			return acl_err(err, errlen, "prefix length over 128",
			               spec);
	} else {
		return acl_err(err, errlen, "not an IPv4 or IPv6 address",
		               spec);
	}
	e.prefix = (uint8_t)len;
	/* Clear the host bits so matching compares whole octets. */
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;
		if (lo >= e.prefix)
			e.addr[i] = 0;
		else if (lo + 8 > e.prefix)
			e.addr[i] &= (uint8_t)(0xff << (8 - (e.prefix - lo)));
	}
	*out = e;
	return 0;
}

int od_acl_add(od_acl_t *acl, const char *spec, char *err, size_t errlen)
{
	od_acl_entry_t e;
	int ret = od_acl_parse(&e, spec, err, errlen);
	if (ret)
		return ret;
	od_acl_entry_t *v = realloc(acl->v, (acl->n + 1) * sizeof(*v));
	if (!v)
		return OD_ENOMEM;
	v[acl->n++] = e;
	acl->v = v;
	return 0;
}

void od_acl_clear(od_acl_t *acl)
{
	free(acl->v);
	acl->v = NULL;
	acl->n = 0;
}

static bool prefix_match(const uint8_t *net, const uint8_t *a, unsigned bits)
{
	unsigned full = bits / 8;
	if (memcmp(net, a, full) != 0)
		return false;
	if (bits % 8 == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
	return (a[full] & mask) == net[full];
}

bool od_acl_match(const od_acl_t *acl, const struct sockaddr *sa,
                  const uint8_t *key)
{
	if (!acl || !sa)
		return false;
	int fam;
	uint8_t a[16];
	if (sa->sa_family == AF_INET) {
		fam = AF_INET;
		memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *b =
		        ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0,    0,
			                            0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(b, mapped, 12) == 0) {
			fam = AF_INET;
			memcpy(a, b + 12, 4);
		} else {
			fam = AF_INET6;
			memcpy(a, b, 16);
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < acl->n; i++) {
		const od_acl_entry_t *e = &acl->v[i];
		if (e->family != fam || !prefix_match(e->addr, a, e->prefix))
			continue;
		if (e->need_key && (!key || !od_name_equal(e->key, key)))
			continue;
		return true;
	}
	return false;
}

/* Transfers */

/* The message stream being written. */
typedef struct xw {
	const od_xfr_req_t *req;
	uint8_t *out;
	size_t max;
	od_hdr_t hdr;
	const od_question_t *q;
	const od_edns_t *edns; /* NULL: the query had no OPT */
	od_tsig_ctx_t *tsig;   /* NULL: unsigned */
	od_pkt_w_t b;
	bool first;
	size_t messages, records;
} xw_t;

static int xw_begin(xw_t *x)
{
	int ret = od_pkt_w_init(&x->b, x->out, x->max, &x->hdr);
	if (!ret && x->edns)
		ret = od_pkt_w_edns(&x->b, x->edns);
	if (!ret && x->tsig)
		ret = od_pkt_w_reserve(&x->b, od_tsig_space(x->tsig));
	if (!ret && x->first)
		ret = od_pkt_w_question(&x->b, x->q->qname, x->q->qtype,
		                        x->q->qclass);
	return ret;
}

/* Finish (and sign) the message in out. \return its length or error. */
static int xw_close(xw_t *x)
{
	int n = od_pkt_w_finish(&x->b);
	if (n >= 0 && x->tsig)
		n = od_tsig_sign(x->tsig, &x->b, x->req->now);
	if (n >= 0)
		x->messages++;
	return n;
}

static int xw_flush(xw_t *x)
{
	int n = xw_close(x);
	if (n < 0)
		return n;
	if (!x->req->emit)
		return OD_ESPACE;
	if (x->req->emit(x->req->emit_ctx, x->out, (size_t)n) != 0)
		return OD_ELIMIT;
	x->first = false;
	return xw_begin(x);
}

static int xw_add(xw_t *x, const od_rr_t *rr)
{
	int ret = od_pkt_w_rrset(&x->b, OD_ANSWER, rr, 1);
	if (ret == OD_ESPACE) {
		if (x->b.count[OD_ANSWER] == 0)
			return OD_ESPACE; /* alone it does not fit */
		/* Full: this is a boundary between messages, not a
		 * truncation. */
		x->b.tc = false;
		ret = xw_flush(x);
		if (ret)
			return ret;
		ret = od_pkt_w_rrset(&x->b, OD_ANSWER, rr, 1);
	}
	if (ret)
		return ret;
	x->records++;
	return 0;
}

static od_rr_t soa_rr(const od_zone_t *z)
{
	const od_zrrset_t *s = od_zone_soa(z);
	const od_zrr_t *r = s->rrs[0];
	return (od_rr_t){ .owner = z->apex->owner,
		          .rdata = r->data,
		          .rdlen = r->len,
		          .ttl = r->ttl,
		          .type = OD_TYPE_SOA,
		          .rclass = s->rclass };
}

static int send_axfr(xw_t *x, const od_zone_t *z)
{
	od_rr_t soa = soa_rr(z);
	int ret = xw_add(x, &soa);
	for (size_t i = 0; !ret && i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		for (uint16_t s = 0; !ret && s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			if (set->type == OD_TYPE_SOA && n == z->apex)
				continue;
			for (uint32_t k = 0; !ret && k < set->count; k++) {
				const od_zrr_t *r = set->rrs[k];
				od_rr_t rr = { .owner = n->owner,
					       .rdata = r->data,
					       .rdlen = r->len,
					       .ttl = r->ttl,
					       .type = set->type,
					       .rclass = set->rclass };
				ret = xw_add(x, &rr);
			}
		}
	}
	if (!ret)
		ret = xw_add(x, &soa);
	return ret;
}

static int send_ixfr(xw_t *x, const od_zone_t *z, const od_journal_t *j,
                     size_t first, size_t n)
{
	od_rr_t soa = soa_rr(z);
	int ret = xw_add(x, &soa);
	for (size_t i = first; !ret && i < first + n; i++) {
		const od_jdiff_t *d = od_journal_at(j, i);
		for (size_t k = 0; !ret && k < d->nremoved; k++)
			ret = xw_add(x, &d->removed[k]);
		for (size_t k = 0; !ret && k < d->nadded; k++)
			ret = xw_add(x, &d->added[k]);
	}
	if (!ret)
		ret = xw_add(x, &soa);
	return ret;
}

/* The serial of the SOA in the query's authority section (RFC 1995 §3). */
static int client_serial(const od_pkt_t *p, uint32_t *serial)
{
	for (unsigned i = 0; i < p->count[OD_AUTHORITY]; i++) {
		const od_rr_t *rr = &p->rr[OD_AUTHORITY][i];
		if (rr->type != OD_TYPE_SOA)
			continue;
		int a = od_name_check(rr->rdata, rr->rdlen);
		if (a < 0)
			return OD_EMALF;
		int b = od_name_check(rr->rdata + a, rr->rdlen - (size_t)a);
		if (b < 0 || (size_t)(a + b) + 20 > rr->rdlen)
			return OD_EMALF;
		*serial = od_get_u32(rr->rdata + a + b);
		return 0;
	}
	return OD_EMALF;
}

int od_xfr_answer(const od_xfr_req_t *req, uint8_t *out, size_t cap,
                  od_xfr_info_t *info)
{
	od_xfr_info_t inf;
	memset(&inf, 0, sizeof(inf));
	size_t max = req->msg_max ? req->msg_max : 16384;
	if (max < 512)
		max = 512;
	if (max > OD_PKT_MAXLEN)
		max = OD_PKT_MAXLEN;
	if (cap < max)
		return OD_ESPACE;

	od_pkt_t p;
	if (od_pkt_parse(&p, req->query, req->qlen, NULL, 0) != 0)
		return 0;
	int ret = 0;
	od_edns_t edns;
	od_edns_init(&edns, 1232);
	od_tsig_ctx_t tctx;
	const od_question_t *q = od_pkt_question(&p);
	xw_t x = {
		.req = req,
		.out = out,
		.max = max,
		.hdr = { .id = p.hdr.id,
		         .qr = true,
		         .aa = true,
		         .opcode = OD_OPCODE_QUERY,
		         .rd = p.hdr.rd },
		.q = q,
		.edns = p.opt ? &edns : NULL,
		.first = true,
	};
	if (p.hdr.qr || p.hdr.opcode != OD_OPCODE_QUERY ||
	    p.count[OD_QUESTION] != 1 ||
	    (q->qtype != OD_TYPE_AXFR && q->qtype != OD_TYPE_IXFR))
		goto done;
	inf.qtype = q->qtype;

	uint16_t rcode = OD_RCODE_NOERROR;
	const od_zone_t *z = req->zone;

	if (p.tsig) {
		int v = od_tsig_verify_query(&tctx, req->keys, req->query,
		                             req->qlen, &p, req->now);
		if (v == 0) {
			x.tsig = &tctx;
			inf.signed_ = true;
			od_name_copy(inf.key, tctx.key_name);
		} else if (v == OD_ETSIG) {
			x.tsig = &tctx;
			inf.tsig_error = tctx.error;
			rcode = OD_RCODE_NOTAUTH;
		} else {
			rcode = OD_RCODE_FORMERR;
		}
	}
	/* Not a zone we serve (z NULL), or another one (RFC 5936 §2.2.1). */
	if (rcode == OD_RCODE_NOERROR && (z == NULL || q->qclass != z->rclass ||
	                                  !od_name_equal(q->qname, z->origin)))
		rcode = OD_RCODE_NOTAUTH;
	if (rcode == OD_RCODE_NOERROR &&
	    !od_acl_match(req->acl, req->peer, inf.signed_ ? inf.key : NULL))
		rcode = OD_RCODE_REFUSED;
	if (rcode == OD_RCODE_NOERROR && q->qtype == OD_TYPE_AXFR && !req->tcp)
		rcode = OD_RCODE_REFUSED;
	if (rcode == OD_RCODE_NOERROR && q->qtype == OD_TYPE_IXFR &&
	    client_serial(&p, &inf.client_serial) != 0)
		rcode = OD_RCODE_FORMERR;
	if (rcode == OD_RCODE_NOERROR && !od_zone_soa(z))
		rcode = OD_RCODE_SERVFAIL;

	ret = xw_begin(&x);
	if (ret)
		goto done;
	if (rcode != OD_RCODE_NOERROR) {
		inf.kind = OD_XFR_REFUSED;
		od_pkt_w_rcode(&x.b, rcode);
		ret = xw_close(&x);
		goto done;
	}

	uint32_t serial = 0;
	od_zone_serial(z, &serial);
	size_t first = 0, n = 0;
	if (q->qtype == OD_TYPE_IXFR &&
	    !od_serial_lt(inf.client_serial, serial)) {
		inf.kind = OD_XFR_UPTODATE;
	} else if (q->qtype == OD_TYPE_IXFR && !req->tcp) {
		/* Does not fit a datagram: the SOA alone makes the client
		 * come back over TCP (RFC 1995 §2). */
		inf.kind = OD_XFR_UPTODATE;
	} else if (q->qtype == OD_TYPE_IXFR &&
	           od_journal_find(req->journal, inf.client_serial, serial,
	                           &first, &n) == 0) {
		inf.kind = OD_XFR_IXFR;
	} else {
		inf.kind = OD_XFR_AXFR;
	}
	if (inf.kind == OD_XFR_UPTODATE) {
		od_rr_t soa = soa_rr(z);
		ret = xw_add(&x, &soa);
	} else if (inf.kind == OD_XFR_IXFR) {
		ret = send_ixfr(&x, z, req->journal, first, n);
	} else {
		ret = send_axfr(&x, z);
	}
	if (!ret)
		ret = xw_close(&x);
done:
	if (ret > 0)
		inf.rcode = x.b.rcode;
	inf.messages = x.messages;
	inf.records = x.records;
	od_pkt_free(&p);
	if (info)
		*info = inf;
	return ret;
}
