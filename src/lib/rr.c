/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "lib/rdata.h"
#include "lib/rr.h"
#include "lib/rrtype.h"

int od_rr_write(od_wr_t *w, const od_rr_t *rr, od_compr_t *c)
{
	od_name_pack(w, rr->owner, c);
	od_wr_u16(w, rr->type);
	od_wr_u16(w, rr->rclass);
	od_wr_u32(w, rr->ttl);
	size_t lenpos = w->pos;
	od_wr_u16(w, 0);
	if (w->err)
		return w->err;
	size_t start = w->pos;
	/* Empty RDATA is written as is (UPDATE deletions, RFC 2136 §2.5). */
	if (rr->rdlen > 0) {
		int ret = od_rdata_pack(rr->type, rr->rdata, rr->rdlen, w, c);
		if (ret < 0)
			od_wr_fail(w, ret);
		if (w->err)
			return w->err;
	}
	size_t len = w->pos - start;
	if (len > UINT16_MAX) {
		od_wr_fail(w, OD_ERDLEN);
		return OD_ERDLEN;
	}
	od_put_u16(w->buf + lenpos, (uint16_t)len);
	return 0;
}

size_t od_rr_str_bound(const od_rr_t *rr)
{
	/* owner, TTL (10 digits), CLASSnnnnn, TYPEnnnnn, four tabs, NUL */
	return OD_NAME_STRLEN + 10 + 16 + 16 + 4 + 1 +
	       od_rdata_str_bound(rr->rdlen);
}

int od_rr_to_str(const od_rr_t *rr, char *out, size_t outcap)
{
	char cls[16], typ[16];
	int n = od_name_to_str(out, outcap, rr->owner);
	if (n < 0)
		return n;
	if (od_class_to_str(rr->rclass, cls, sizeof(cls)) < 0 ||
	    od_rrtype_to_str(rr->type, typ, sizeof(typ)) < 0)
		return OD_ESPACE;
	size_t pos = (size_t)n;
	int m = snprintf(out + pos, outcap - pos, "\t%u\t%s\t%s\t",
	                 (unsigned)rr->ttl, cls, typ);
	if (m < 0 || (size_t)m >= outcap - pos)
		return OD_ESPACE;
	pos += (size_t)m;
	int r = od_rdata_to_str(rr->type, rr->rdata, rr->rdlen, out + pos,
	                        outcap - pos);
	if (r < 0)
		return r;
	return (int)(pos + (size_t)r);
}
