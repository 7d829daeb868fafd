/* SPDX-License-Identifier: MIT */
#include "daemon/prefill.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "daemon/clock.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/pkt.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"

/* Configuration ------------------------------------------------------ */

void odd_prefill_conf_init(odd_prefill_conf_t *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->types[0] = OD_TYPE_A;
	pc->types[1] = OD_TYPE_AAAA;
	pc->ntypes = 2;
	pc->concurrency = ODD_PREFILL_CONCURRENCY;
	pc->refresh = true;
}

void odd_prefill_conf_free(odd_prefill_conf_t *pc)
{
	free(pc->file);
	pc->file = NULL;
}

/* A type a resolver can be asked for and can cache. */
static bool type_usable(uint16_t type)
{
	const od_rrtype_desc_t *d = od_rrtype_get(type);
	if (type == 0 || (type >= 128 && type <= 255))
		return false;
	return d == NULL || !(d->flags & (OD_RRT_META | OD_RRT_QTYPE));
}

/* Parse a type token; \return 0, OD_ETYPE (unknown) or OD_ENOTSUP. */
static int parse_type(const char *s, size_t len, uint16_t *out)
{
	uint16_t t;
	if (od_rrtype_from_str(s, len, &t) < 0)
		return OD_ETYPE;
	if (!type_usable(t))
		return OD_ENOTSUP;
	*out = t;
	return 0;
}

static int set_file(odd_prefill_conf_t *pc, od_yc_t *yc, const od_ycn_t *n)
{
	const char *s;
	if (od_yc_str(yc, n, &s) < 0)
		return OD_EINVAL;
	if (*s == '\0')
		return od_yc_fail(yc, n, "expected a file name");
	char *d = strdup(s);
	if (d == NULL)
		return OD_ENOMEM;
	free(pc->file);
	pc->file = d;
	return 0;
}

static int load_types(odd_prefill_conf_t *pc, od_yc_t *yc, const od_ycn_t *n)
{
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	if (len == 0)
		return od_yc_fail(yc, n, "expected at least one type");
	size_t nt = 0;
	uint16_t types[ODD_PREFILL_TYPES_MAX];
	for (int i = 0; i < len; i++) {
		od_ycn_t it;
		const char *s;
		uint16_t t;
		od_yc_seq_at(yc, n, i, &it);
		if (od_yc_str(yc, &it, &s) < 0)
			return OD_EINVAL;
		int r = parse_type(s, strlen(s), &t);
		if (r == OD_ETYPE)
			return od_yc_fail(yc, &it, "'%s' is not an RR type", s);
		if (r < 0)
			return od_yc_fail(yc, &it,
			                  "'%s' cannot be prefilled (a meta or "
			                  "question type)",
			                  s);
		bool dup = false;
		for (size_t k = 0; k < nt; k++)
			dup = dup || types[k] == t;
		if (dup)
			continue;
		if (nt == ODD_PREFILL_TYPES_MAX)
			return od_yc_fail(yc, &it, "at most %d types",
			                  ODD_PREFILL_TYPES_MAX);
		types[nt++] = t;
	}
	memcpy(pc->types, types, nt * sizeof(types[0]));
	pc->ntypes = nt;
	return 0;
}

int odd_prefill_conf_load(odd_prefill_conf_t *pc, od_yc_t *yc,
                          const od_ycn_t *m)
{
	static const char *const keys[] = { "file", "types", "concurrency",
		                            "refresh", NULL };
	od_ycn_t v;
	uint64_t u;
	int r;
	if (m->node->type == YAML_SCALAR_NODE)
		return set_file(pc, yc, m);
	if (m->node->type != YAML_MAPPING_NODE)
		return od_yc_fail(yc, m,
		                  "expected a file name or a mapping with "
		                  "file, types, concurrency and refresh");
	if (od_yc_keys(yc, m, keys) < 0)
		return OD_EINVAL;
	if (!od_yc_get(yc, m, "file", &v))
		return od_yc_fail(yc, m, "file is required");
	if ((r = set_file(pc, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, m, "types", &v) && (r = load_types(pc, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, m, "concurrency", &v)) {
		if (od_yc_uint(yc, &v, 1, ODD_PREFILL_CONCURRENCY_MAX, &u) < 0)
			return OD_EINVAL;
		pc->concurrency = (unsigned)u;
	}
	if (od_yc_get(yc, m, "refresh", &v) &&
	    od_yc_bool(yc, &v, &pc->refresh) < 0)
		return OD_EINVAL;
	return 0;
}

/* The list file ------------------------------------------------------ */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int entry_cmp(const void *a, const void *b)
{
	const odd_prefill_entry_t *x = a, *y = b;
	int c = od_name_cmp(x->name, y->name);
	if (c != 0)
		return c;
	return (x->type > y->type) - (x->type < y->type);
}

static void lower_name(uint8_t *name)
{
	for (size_t i = 0; name[i] != 0; i += (size_t)name[i] + 1)
		for (size_t k = 1; k <= name[i]; k++)
			if (name[i + k] >= 'A' && name[i + k] <= 'Z')
				name[i + k] = (uint8_t)(name[i + k] + 32);
}

int odd_prefill_parse(const char *text, size_t len, const char *fname,
                      const uint16_t *types, size_t ntypes,
                      odd_prefill_entry_t **out, size_t *n, char *err,
                      size_t errlen)
{
	odd_prefill_entry_t *v = NULL;
	size_t nv = 0, cap = 0;
	size_t line = 0;
	int r = 0;
	static const uint8_t root[1] = { 0 };
	for (size_t pos = 0; pos < len;) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - s) : len - pos;
		pos += ll + (nl ? 1 : 0);
		line++;
		const char *hash = memchr(s, '#', ll);
		if (hash)
			ll = (size_t)(hash - s);
		/* Up to three tokens: a third one is the error. */
		const char *tok[3];
		size_t tl[3], nt = 0;
		for (size_t i = 0; i < ll && nt < 3;) {
			if (blank(s[i]) || s[i] == '\0') {
				i++;
				continue;
			}
			size_t k = i;
			while (k < ll && !blank(s[k]) && s[k] != '\0')
				k++;
			tok[nt] = s + i;
			tl[nt++] = k - i;
			i = k;
		}
		if (nt == 0)
			continue;
		if (nt == 3) {
			snprintf(
			        err, errlen,
			        "%s:%zu: expected a name and an optional type, "
			        "found more ('%.*s')",
			        fname, line, (int)(tl[2] > 40 ? 40 : tl[2]),
			        tok[2]);
			r = OD_ESYNTAX;
			goto fail;
		}
		odd_prefill_entry_t e;
		memset(&e, 0, sizeof(e));
		int nr = od_name_from_str(e.name, tok[0], tl[0], root);
		if (nr < 0) {
			snprintf(err, errlen,
			         "%s:%zu: '%.*s' is not a domain "
			         "name (%s)",
			         fname, line, (int)(tl[0] > 80 ? 80 : tl[0]),
			         tok[0], od_strerror(nr));
			r = OD_ESYNTAX;
			goto fail;
		}
		lower_name(e.name);
		uint16_t one;
		const uint16_t *tv = types;
		size_t tn = ntypes;
		if (nt == 2) {
			int tr = parse_type(tok[1], tl[1], &one);
			if (tr < 0) {
				snprintf(
				        err, errlen,
				        tr == OD_ETYPE
				                ? "%s:%zu: '%.*s' is not an RR "
				                  "type"
				                : "%s:%zu: '%.*s' cannot be "
				                  "prefilled (a meta or question "
				                  "type)",
				        fname, line,
				        (int)(tl[1] > 40 ? 40 : tl[1]), tok[1]);
				r = OD_ETYPE;
				goto fail;
			}
			tv = &one;
			tn = 1;
		}
		for (size_t k = 0; k < tn; k++) {
			if (nv == ODD_PREFILL_MAX) {
				snprintf(err, errlen,
				         "%s:%zu: more than %u (name, type) "
				         "pairs",
				         fname, line, ODD_PREFILL_MAX);
				r = OD_ELIMIT;
				goto fail;
			}
			if (nv == cap) {
				size_t nc = cap ? cap * 2 : 64;
				odd_prefill_entry_t *g =
				        realloc(v, nc * sizeof(*v));
				if (g == NULL) {
					snprintf(err, errlen,
					         "%s: out of memory", fname);
					r = OD_ENOMEM;
					goto fail;
				}
				v = g;
				cap = nc;
			}
			e.type = tv[k];
			v[nv++] = e;
		}
	}
	/* Sorted, a pair listed twice is next to itself. */
	if (nv > 1) {
		qsort(v, nv, sizeof(*v), entry_cmp);
		size_t k = 1;
		for (size_t i = 1; i < nv; i++)
			if (entry_cmp(&v[i], &v[k - 1]) != 0)
				v[k++] = v[i];
		nv = k;
	}
	*out = v;
	*n = nv;
	return 0;
fail:
	free(v);
	return r;
}

/* Scheduling --------------------------------------------------------- */

typedef struct item {
	odd_prefill_t *p;
	odd_prefill_entry_t e;
	uint64_t due_ms;
	uint32_t fails; /* in a row */
	bool resolved;  /* at least once */
	bool attempted; /* at least once (for the first-pass log line) */
	bool inflight;
} item_t;

struct odd_prefill {
	item_t *items; /* owned */
	size_t n;
	uint32_t *heap; /* owned: waiting items (not in flight), by due_ms */
	size_t nheap;
	unsigned concurrency;
	bool refresh;
	odd_prefill_launch_fn launch;
	void *ctx;
	bool pumping; /* pump() is on the stack: done callbacks that come
	                 during a launch must not start more */
	unsigned ninflight;
	size_t nattempted;
	uint64_t rng;
	_Atomic uint64_t resolved, failed, refreshed, inflight;
};

static uint64_t mono_ms(void)
{
	return odd_mono_ms();
}

/* xorshift64: jitter only, nothing to guess. */
static uint64_t rnd(odd_prefill_t *p)
{
	uint64_t x = p->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	p->rng = x;
	return x;
}

static void bump(_Atomic uint64_t *c, int64_t d)
{
	atomic_store_explicit(
	        c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)d,
	        memory_order_relaxed);
}

static bool before(const odd_prefill_t *p, uint32_t a, uint32_t b)
{
	return p->items[a].due_ms < p->items[b].due_ms;
}

static void heap_push(odd_prefill_t *p, uint32_t i)
{
	size_t k = p->nheap++;
	while (k > 0) {
		size_t up = (k - 1) / 2;
		if (!before(p, i, p->heap[up]))
			break;
		p->heap[k] = p->heap[up];
		k = up;
	}
	p->heap[k] = i;
}

static uint32_t heap_pop(odd_prefill_t *p)
{
	uint32_t top = p->heap[0];
	uint32_t last = p->heap[--p->nheap];
	size_t k = 0;
	for (;;) {
		size_t c = 2 * k + 1;
		if (c >= p->nheap)
			break;
		if (c + 1 < p->nheap && before(p, p->heap[c + 1], p->heap[c]))
			c++;
		if (!before(p, p->heap[c], last))
			break;
		p->heap[k] = p->heap[c];
		k = c;
	}
	if (p->nheap > 0)
		p->heap[k] = last;
	return top;
}

int odd_prefill_open(odd_prefill_t **out, const odd_prefill_conf_t *pc,
                     char *err, size_t errlen)
{
	FILE *f = fopen(pc->file, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0;
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot read the prefill list: %s",
		         pc->file, strerror(errno));
		return -errno;
	}
	for (;;) {
		if (cap - len < 65536) {
			char *g = realloc(text, cap + 65536);
			if (g == NULL) {
				free(text);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory",
				         pc->file);
				return OD_ENOMEM;
			}
			text = g;
			cap += 65536;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(text);
		snprintf(err, errlen, "%s: cannot read the prefill list",
		         pc->file);
		return OD_EINVAL;
	}
	odd_prefill_entry_t *v = NULL;
	size_t n = 0;
	int r = odd_prefill_parse(text, len, pc->file, pc->types, pc->ntypes,
	                          &v, &n, err, errlen);
	free(text);
	if (r < 0)
		return r;
	odd_prefill_t *p = calloc(1, sizeof(*p));
	if (p == NULL ||
	    (n && ((p->items = calloc(n, sizeof(item_t))) == NULL ||
	           (p->heap = calloc(n, sizeof(uint32_t))) == NULL))) {
		free(v);
		odd_prefill_free(p);
		snprintf(err, errlen, "%s: out of memory", pc->file);
		return OD_ENOMEM;
	}
	p->n = n;
	p->concurrency = pc->concurrency ? pc->concurrency
	                                 : ODD_PREFILL_CONCURRENCY;
	p->refresh = pc->refresh;
	if (getrandom(&p->rng, sizeof(p->rng), 0) != sizeof(p->rng))
		p->rng = mono_ms();
	p->rng |= 1;
	/* All due at once: the heap needs no ordering yet. */
	for (size_t i = 0; i < n; i++) {
		p->items[i] = (item_t){ .p = p, .e = v[i] };
		p->heap[i] = (uint32_t)i;
	}
	p->nheap = n;
	free(v);
	*out = p;
	return 0;
}

void odd_prefill_free(odd_prefill_t *p)
{
	if (p == NULL)
		return;
	free(p->items);
	free(p->heap);
	free(p);
}

/* Lowest TTL of an answer worth caching (NOERROR or NXDOMAIN): the
   answer records, and the SOA of a negative answer (RFC 2308 §5: the
   lower of its TTL and MINIMUM). \return 1 with *ttl, 0 for such an
   answer without any TTL, -1 for a failure. */
static int answer_ttl(const uint8_t *ans, size_t len, uint32_t *ttl)
{
	od_pkt_t pk;
	if (od_pkt_parse(&pk, ans, len, NULL, OD_PKT_TRAILING_OK) < 0)
		return -1;
	int ret = -1;
	if (pk.rcode != OD_RCODE_NOERROR && pk.rcode != OD_RCODE_NXDOMAIN)
		goto out;
	ret = 0;
	uint32_t t = UINT32_MAX;
	for (uint16_t i = 0; i < pk.count[OD_ANSWER]; i++) {
		const od_rr_t *rr = &pk.rr[OD_ANSWER][i];
		if (rr->ttl < t)
			t = rr->ttl;
		ret = 1;
	}
	if (pk.rcode == OD_RCODE_NXDOMAIN || pk.count[OD_ANSWER] == 0) {
		for (uint16_t i = 0; i < pk.count[OD_AUTHORITY]; i++) {
			const od_rr_t *rr = &pk.rr[OD_AUTHORITY][i];
			if (rr->type != OD_TYPE_SOA || rr->rdlen < 20)
				continue;
			const uint8_t *m = rr->rdata + rr->rdlen - 4;
			uint32_t min = (uint32_t)m[0] << 24 |
			               (uint32_t)m[1] << 16 |
			               (uint32_t)m[2] << 8 | m[3];
			if (rr->ttl < t)
				t = rr->ttl;
			if (min < t)
				t = min;
			ret = 1;
		}
	}
	*ttl = t;
out:
	od_pkt_free(&pk);
	return ret;
}

/* Milliseconds until the refresh of an answer with this TTL: when 90 %
   of it has passed, or ODD_PREFILL_MARGIN_MS before expiry if that is
   earlier (short TTLs: room for the resolution itself), less a jitter
   of up to 5 %; never before the floor. */
static uint64_t refresh_delay(odd_prefill_t *p, uint32_t ttl)
{
	if (ttl > ODD_PREFILL_TTL_MAX)
		ttl = ODD_PREFILL_TTL_MAX;
	uint64_t full = (uint64_t)ttl * 1000;
	uint64_t margin = full / 10;
	if (margin < ODD_PREFILL_MARGIN_MS)
		margin = ODD_PREFILL_MARGIN_MS;
	uint64_t ms = full > margin ? full - margin : 0;
	uint64_t jitter = rnd(p) % (full / 20 + 1);
	ms = ms > jitter ? ms - jitter : 0;
	return ms < ODD_PREFILL_FLOOR_MS ? ODD_PREFILL_FLOOR_MS : ms;
}

static uint64_t retry_delay(odd_prefill_t *p, uint32_t fails)
{
	uint64_t ms = ODD_PREFILL_RETRY_MS;
	for (uint32_t k = 1; k < fails && ms < ODD_PREFILL_RETRY_MAX_MS; k++)
		ms *= 2;
	if (ms > ODD_PREFILL_RETRY_MAX_MS)
		ms = ODD_PREFILL_RETRY_MAX_MS;
	/* Up to a tenth later, so failures do not come back in step. */
	return ms + rnd(p) % (ms / 10 + 1);
}

/* One resolution of it ended: ok with the answer's lowest TTL (has_ttl
   false: none), or failed. Count it and schedule the next one. */
static void finish(odd_prefill_t *p, item_t *it, bool ok, bool has_ttl,
                   uint32_t ttl, uint64_t now)
{
	uint32_t idx = (uint32_t)(it - p->items);
	uint64_t delay;
	if (ok) {
		it->fails = 0;
		if (it->resolved) {
			bump(&p->refreshed, 1);
		} else {
			it->resolved = true;
			bump(&p->resolved, 1);
		}
		if (!p->refresh)
			return;
		delay = has_ttl ? refresh_delay(p, ttl) : ODD_PREFILL_RETRY_MS;
	} else {
		bump(&p->failed, 1);
		if (it->fails < UINT32_MAX)
			it->fails++;
		delay = retry_delay(p, it->fails);
		if (od_log_get_level() >= OD_LOG_DEBUG) {
			char name[OD_NAME_STRLEN], type[16];
			if (od_name_to_str(name, sizeof(name), it->e.name) < 0)
				snprintf(name, sizeof(name), "?");
			if (od_rrtype_to_str(it->e.type, type, sizeof(type)) <
			    0)
				snprintf(type, sizeof(type), "?");
			od_log_debug("prefill failed",
			             "name=%s type=%s retry-ms=%llu", name,
			             type, (unsigned long long)delay);
		}
	}
	it->due_ms = now + delay;
	heap_push(p, idx);
}

/* After the first attempt of every pair: say how the start went. */
static void first_pass(odd_prefill_t *p, item_t *it)
{
	if (it->attempted)
		return;
	it->attempted = true;
	if (++p->nattempted < p->n)
		return;
	odd_prefill_stats_t s;
	odd_prefill_stats(p, &s);
	od_log_info("prefill first pass done",
	            "names=%llu resolved=%llu failed=%llu",
	            (unsigned long long)s.names, (unsigned long long)s.resolved,
	            (unsigned long long)s.failed);
}

static void pump(odd_prefill_t *p, uint64_t now);

static void on_done(void *arg, const uint8_t *ans, size_t len)
{
	item_t *it = arg;
	odd_prefill_t *p = it->p;
	uint64_t now = mono_ms();
	if (od_fails(!it->inflight))
		return;
	it->inflight = false;
	p->ninflight--;
	bump(&p->inflight, -1);
	if (ans == NULL) {
		/* Abandoned (stopping): nothing counted; back in the queue
		   so that the state stays whole. */
		it->due_ms = now + ODD_PREFILL_RETRY_MS;
		heap_push(p, (uint32_t)(it - p->items));
		return;
	}
	uint32_t ttl = 0;
	int r = answer_ttl(ans, len, &ttl);
	finish(p, it, r >= 0, r > 0, ttl, now);
	first_pass(p, it);
	pump(p, now);
}

static void pump(odd_prefill_t *p, uint64_t now)
{
	if (p->pumping || p->launch == NULL)
		return;
	p->pumping = true;
	while (p->ninflight < p->concurrency && p->nheap > 0 &&
	       p->items[p->heap[0]].due_ms <= now) {
		item_t *it = &p->items[heap_pop(p)];
		it->inflight = true;
		p->ninflight++;
		bump(&p->inflight, 1);
		if (p->launch(p->ctx, it->e.name, it->e.type, on_done, it) <
		    0) {
			/* Not started (out of memory, stopping): a failed
			   attempt, tried again later. */
			it->inflight = false;
			p->ninflight--;
			bump(&p->inflight, -1);
			finish(p, it, false, false, 0, now);
			first_pass(p, it);
		}
		/* A resolution settled at once (its callback ran inside
		   launch) may have taken a while. */
		uint64_t t = mono_ms();
		if (t > now)
			now = t;
	}
	p->pumping = false;
}

void odd_prefill_tick(odd_prefill_t *p, odd_prefill_launch_fn launch, void *ctx,
                      uint64_t now_ms)
{
	if (p == NULL)
		return;
	p->launch = launch;
	p->ctx = ctx;
	pump(p, now_ms);
}

void odd_prefill_stats(const odd_prefill_t *p, odd_prefill_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return;
	odd_prefill_t *q = (odd_prefill_t *)p;
	out->names = p->n;
	out->resolved =
	        atomic_load_explicit(&q->resolved, memory_order_relaxed);
	out->failed = atomic_load_explicit(&q->failed, memory_order_relaxed);
	out->refreshed =
	        atomic_load_explicit(&q->refreshed, memory_order_relaxed);
	out->inflight =
	        atomic_load_explicit(&q->inflight, memory_order_relaxed);
	out->pending = out->resolved < out->names ? out->names - out->resolved
	                                          : 0;
}
