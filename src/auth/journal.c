/* SPDX-License-Identifier: MIT */
/* Zone differences for IXFR: merge walk, immutable refcounted journal. */
#include <stdlib.h>
#include <string.h>

#include "auth/journal.h"
#include "lib/error.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"

/* A cursor over every record of a zone in canonical order, apex SOA
 * excluded (the difference carries the SOAs apart). */
typedef struct zit {
	const od_zone_t *z;
	size_t node, set, rr;
} zit_t;

static void zit_settle(zit_t *it)
{
	while (it->node < it->z->nnodes) {
		const od_znode_t *n = it->z->nodes[it->node];
		if (it->set < n->nsets) {
			const od_zrrset_t *s = &n->sets[it->set];
			bool soa = s->type == OD_TYPE_SOA && n == it->z->apex;
			if (!soa && it->rr < s->count)
				return;
			it->set++;
			it->rr = 0;
			continue;
		}
		it->node++;
		it->set = 0;
		it->rr = 0;
	}
}

static bool zit_end(const zit_t *it)
{
	return it->node >= it->z->nnodes;
}

static const od_znode_t *zit_node(const zit_t *it)
{
	return it->z->nodes[it->node];
}

static const od_zrrset_t *zit_set(const zit_t *it)
{
	return &zit_node(it)->sets[it->set];
}

static const od_zrr_t *zit_rr(const zit_t *it)
{
	return zit_set(it)->rrs[it->rr];
}

static void zit_next(zit_t *it)
{
	it->rr++;
	zit_settle(it);
}

/* One record picked for the difference (views into a zone). */
typedef struct pick {
	const uint8_t *owner;
	uint16_t type, rclass;
	const od_zrr_t *rr;
} pick_t;

typedef struct picks {
	pick_t *v;
	size_t n, cap;
	size_t bytes;
} picks_t;

static int picks_add(picks_t *p, const uint8_t *owner, const od_zrrset_t *s,
                     const od_zrr_t *rr)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		pick_t *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return OD_ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (pick_t){ owner, s->type, s->rclass, rr };
	p->bytes += od_name_len(owner) + rr->len;
	return 0;
}

/* Canonical RDATA order, as the zone sorted its records. */
static int rdata_cmp(uint16_t type, const od_zrr_t *a, const od_zrr_t *b,
                     uint8_t *ba, uint8_t *bb)
{
	if (!od_rrtype_canon_lower(type))
		return od_rdata_cmp(a->data, a->len, b->data, b->len);
	memcpy(ba, a->data, a->len);
	memcpy(bb, b->data, b->len);
	od_rdata_canonicalize(type, ba, a->len);
	od_rdata_canonicalize(type, bb, b->len);
	return od_rdata_cmp(ba, a->len, bb, b->len);
}

static int rec_cmp(const zit_t *x, const zit_t *y, uint8_t *ba, uint8_t *bb)
{
	int c = od_name_cmp(zit_node(x)->owner, zit_node(y)->owner);
	if (c)
		return c;
	uint16_t tx = zit_set(x)->type, ty = zit_set(y)->type;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return rdata_cmp(tx, zit_rr(x), zit_rr(y), ba, bb);
}

static int add_cur(picks_t *p, const zit_t *it)
{
	return picks_add(p, zit_node(it)->owner, zit_set(it), zit_rr(it));
}

/* Copy the picked records into the difference's own block. */
static void fill(od_rr_t *out, const picks_t *p, uint8_t **mem)
{
	for (size_t i = 0; i < p->n; i++) {
		const pick_t *k = &p->v[i];
		size_t nl = od_name_len(k->owner);
		memcpy(*mem, k->owner, nl);
		out[i].owner = *mem;
		*mem += nl;
		if (k->rr->len)
			memcpy(*mem, k->rr->data, k->rr->len);
		out[i].rdata = *mem;
		*mem += k->rr->len;
		out[i].rdlen = k->rr->len;
		out[i].ttl = k->rr->ttl;
		out[i].type = k->type;
		out[i].rclass = k->rclass;
	}
}

int od_journal_diff(od_jdiff_t **out, const od_zone_t *old_z,
                    const od_zone_t *new_z)
{
	const od_zrrset_t *so = od_zone_soa(old_z), *sn = od_zone_soa(new_z);
	uint32_t from, to;
	if (!old_z->finalized || !new_z->finalized || !so || !sn ||
	    so->count != 1 || sn->count != 1 || od_zone_serial(old_z, &from) ||
	    od_zone_serial(new_z, &to) ||
	    !od_name_equal(old_z->origin, new_z->origin))
		return OD_EINVAL;
	if (!od_serial_lt(from, to))
		return OD_ERANGE;

	int ret = OD_ENOMEM;
	picks_t rem = { 0 }, add = { 0 };
	uint8_t *ba = malloc(65536), *bb = malloc(65536);
	if (!ba || !bb)
		goto done;
	if (picks_add(&rem, old_z->apex->owner, so, so->rrs[0]) ||
	    picks_add(&add, new_z->apex->owner, sn, sn->rrs[0]))
		goto done;
	zit_t a = { old_z, 0, 0, 0 }, b = { new_z, 0, 0, 0 };
	zit_settle(&a);
	zit_settle(&b);
	while (!zit_end(&a) || !zit_end(&b)) {
		int c;
		if (zit_end(&a))
			c = 1;
		else if (zit_end(&b))
			c = -1;
		else
			c = rec_cmp(&a, &b, ba, bb);
		if (c < 0) {
			if (add_cur(&rem, &a))
				goto done;
			zit_next(&a);
		} else if (c > 0) {
			if (add_cur(&add, &b))
				goto done;
			zit_next(&b);
		} else {
			/* Same record: a TTL change is a removal and an
			 * addition in IXFR terms. */
			if (zit_rr(&a)->ttl != zit_rr(&b)->ttl &&
			    (add_cur(&rem, &a) || add_cur(&add, &b)))
				goto done;
			zit_next(&a);
			zit_next(&b);
		}
	}
	size_t n = rem.n + add.n;
	size_t bytes = sizeof(od_jdiff_t) + n * sizeof(od_rr_t) + rem.bytes +
	               add.bytes;
	od_jdiff_t *d = malloc(bytes);
	if (!d)
		goto done;
	d->serial_from = from;
	d->serial_to = to;
	d->nremoved = rem.n;
	d->nadded = add.n;
	d->removed = (od_rr_t *)(d + 1);
	d->added = d->removed + rem.n;
	d->bytes = bytes;
	atomic_init(&d->refs, 1);
	uint8_t *mem = (uint8_t *)(d->added + add.n);
	fill(d->removed, &rem, &mem);
	fill(d->added, &add, &mem);
	*out = d;
	ret = 0;
done:
	free(rem.v);
	free(add.v);
	free(ba);
	free(bb);
	return ret;
}

void od_jdiff_ref(od_jdiff_t *d)
{
	atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
}

void od_jdiff_unref(od_jdiff_t *d)
{
	if (d &&
	    atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1)
		free(d);
}

struct od_journal {
	size_t n;
	od_jdiff_t *d[]; /* n references, oldest first */
};

int od_journal_add(od_journal_t **out, const od_journal_t *old, od_jdiff_t *d,
                   const od_journal_limits_t *lim)
{
	size_t max_diffs = lim && lim->max_diffs ? lim->max_diffs : 64;
	size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes
	                                         : (size_t)64 << 20;
	size_t keep = 0; /* differences of old carried over */
	if (old && old->n && old->d[old->n - 1]->serial_to == d->serial_from) {
		size_t bytes = d->bytes;
		while (keep < old->n && keep + 1 < max_diffs) {
			const od_jdiff_t *o = old->d[old->n - 1 - keep];
			if (bytes + o->bytes > max_bytes)
				break;
			bytes += o->bytes;
			keep++;
		}
	}
	od_journal_t *j = malloc(sizeof(*j) + (keep + 1) * sizeof(j->d[0]));
	if (!j) {
		od_jdiff_unref(d);
		return OD_ENOMEM;
	}
	j->n = keep + 1;
	for (size_t i = 0; i < keep; i++) {
		j->d[i] = old->d[old->n - keep + i];
		od_jdiff_ref(j->d[i]);
	}
	j->d[keep] = d;
	*out = j;
	return 0;
}

void od_journal_free(od_journal_t *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		od_jdiff_unref(j->d[i]);
	free(j);
}

size_t od_journal_count(const od_journal_t *j)
{
	return j ? j->n : 0;
}

const od_jdiff_t *od_journal_at(const od_journal_t *j, size_t i)
{
	return j->d[i];
}

int od_journal_find(const od_journal_t *j, uint32_t from, uint32_t to,
                    size_t *first, size_t *n)
{
	if (!j)
		return OD_ERANGE;
	for (size_t i = 0; i < j->n; i++) {
		if (j->d[i]->serial_from != from)
			continue;
		/* The journal is consecutive: walk to `to`. */
		for (size_t k = i; k < j->n; k++)
			if (j->d[k]->serial_to == to) {
				*first = i;
				*n = k - i + 1;
				return 0;
			}
		return OD_ERANGE;
	}
	return OD_ERANGE;
}
