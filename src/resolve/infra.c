/* SPDX-License-Identifier: MIT */
/*
 * Infrastructure cache: per-address RTT, backoff, demotion and EDNS
 * knowledge (rules in infra.h).
 *
 * Layout: NSTRIPES stripes, each a chained hash table with its own mutex
 * and its own list of entries in update order. A global sequence number
 * stamps every update, so the least recently updated entry of the whole
 * table is the oldest of the stripes' list tails. RTTs are kept in
 * microseconds so that the 1/8 and 1/4 gains still move the estimate
 * when a sample differs from it by less than 8 ms.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lib/error.h"
#include "resolve/infra.h"

#define NSTRIPES 64
#define BUCKETS_MIN 16
/* RTT samples above this are clamped (keeps the microsecond arithmetic
   far from overflow; no timeout is that long anyway). */
#define RTT_SAMPLE_MAX_MS 120000u
/* First hold for repeated bad answers, doubled per further one. */
#define FAIL_HOLD_MS 1000u

enum {
	EDNS_UNKNOWN = 0,
	EDNS_WORKS,
	EDNS_BROKEN
};

typedef struct key {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	uint32_t scope;
} akey_t;

typedef struct entry {
	struct entry *next;          /* hash chain */
	struct entry *newer, *older; /* stripe's update-order list */
	akey_t key;
	uint64_t hash;
	uint64_t seq; /* global update stamp */
	/* RTT: has_rtt once measured; stale after decay_ms */
	bool has_rtt;
	uint32_t srtt_us, rttvar_us;
	uint64_t rtt_at_ms;
	/* timeouts */
	uint32_t timeouts;
	uint64_t timeout_at_ms;
	uint64_t hold_until_ms;
	/* bad answers */
	uint32_t failures;
	uint32_t penalty_ms;
	uint64_t fail_at_ms;
	/* EDNS */
	uint8_t edns;
	uint64_t edns_at_ms;
} entry_t;

typedef struct stripe {
	pthread_mutex_t lock;
	entry_t **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	entry_t *newest, *oldest;
} __attribute__((aligned(64))) stripe_t;

struct odr_infra {
	stripe_t stripes[NSTRIPES];
	size_t max_entries;
	uint32_t rtt_init_ms, rtt_max_ms, decay_ms;
	uint64_t hash_key[2];
	atomic_size_t count;
	atomic_uint_fast64_t seq;
	atomic_uint_fast64_t rng;
};

/* SipHash-1-3 (Aumasson and Bernstein) keyed with a random key per
   table: server addresses come from referrals, i.e. from anyone, and
   must not be able to pile up in one chain. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

static uint64_t siphash13(const uint64_t k[2], const uint8_t *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k[0];
	uint64_t v1 = 0x646f72616e646f6dULL ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ k[0];
	uint64_t v3 = 0x7465646279746573ULL ^ k[1];
	uint64_t b = (uint64_t)len << 56;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t m = 0;
		for (int j = 7; j >= 0; j--)
			m = (m << 8) | in[i + j];
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static bool make_key(const struct sockaddr *sa, akey_t *k)
{
	memset(k, 0, sizeof(*k));
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		k->family = 4;
		memcpy(k->addr, &s4->sin_addr, 4);
		k->port = s4->sin_port;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		k->family = 6;
		memcpy(k->addr, &s6->sin6_addr, 16);
		k->port = s6->sin6_port;
		k->scope = s6->sin6_scope_id;
		return true;
	}
	return false;
}

static uint64_t key_hash(const odr_infra_t *in, const akey_t *k)
{
	uint8_t buf[1 + 16 + 2 + 4];
	buf[0] = k->family;
	memcpy(buf + 1, k->addr, 16);
	memcpy(buf + 17, &k->port, 2);
	memcpy(buf + 19, &k->scope, 4);
	return siphash13(in->hash_key, buf, sizeof(buf));
}

static bool key_eq(const akey_t *a, const akey_t *b)
{
	return a->family == b->family && a->port == b->port &&
	       a->scope == b->scope && memcmp(a->addr, b->addr, 16) == 0;
}

static stripe_t *stripe_of(odr_infra_t *in, uint64_t h)
{
	return &in->stripes[(h >> 58) % NSTRIPES];
}

/* splitmix64 over an atomic counter: lock-free; only breaks ties. */
static uint64_t rnd(odr_infra_t *in)
{
	uint64_t z = atomic_fetch_add(&in->rng, 0x9e3779b97f4a7c15ULL) +
	             0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t r = getrandom(p + got, len - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < len) {
		/* No kernel randomness: the clock still varies per run. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec ^
		             ((uint64_t)ts.tv_sec << 32) ^
		             (uint64_t)(uintptr_t)buf;
		for (size_t i = got; i < len; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			p[i] = (uint8_t)(x >> 56);
		}
	}
}

odr_infra_t *odr_infra_new(const odr_infra_conf_t *conf)
{
	odr_infra_t *in = calloc(1, sizeof(*in));
	if (in == NULL)
		return NULL;
	odr_infra_conf_t c = { 0 };
	if (conf != NULL)
		c = *conf;
	in->max_entries = c.max_entries ? c.max_entries : 100000;
	in->rtt_init_ms = c.rtt_init_ms ? c.rtt_init_ms : 376;
	in->rtt_max_ms = c.rtt_max_ms ? c.rtt_max_ms : 12000;
	in->decay_ms = c.decay_ms ? c.decay_ms : 600000;
	fill_random(in->hash_key, sizeof(in->hash_key));
	uint64_t seed;
	fill_random(&seed, sizeof(seed));
	atomic_init(&in->rng, seed);
	atomic_init(&in->count, 0);
	atomic_init(&in->seq, 0);
	int i;
	for (i = 0; i < NSTRIPES; i++) {
		stripe_t *s = &in->stripes[i];
		s->buckets = calloc(BUCKETS_MIN, sizeof(*s->buckets));
		if (s->buckets == NULL)
			goto fail;
		s->nbuckets = BUCKETS_MIN;
		if (pthread_mutex_init(&s->lock, NULL) != 0) {
			free(s->buckets);
			goto fail;
		}
	}
	return in;
fail:
	while (i-- > 0) {
		pthread_mutex_destroy(&in->stripes[i].lock);
		free(in->stripes[i].buckets);
	}
	free(in);
	return NULL;
}

void odr_infra_free(odr_infra_t *in)
{
	if (in == NULL)
		return;
	for (int i = 0; i < NSTRIPES; i++) {
		stripe_t *s = &in->stripes[i];
		entry_t *e = s->newest;
		while (e != NULL) {
			entry_t *next = e->older;
			free(e);
			e = next;
		}
		free(s->buckets);
		pthread_mutex_destroy(&s->lock);
	}
	free(in);
}

size_t odr_infra_count(odr_infra_t *in)
{
	return in ? atomic_load(&in->count) : 0;
}

/* --- stripe internals (lock held) --- */

static entry_t *find(stripe_t *s, const akey_t *k, uint64_t h)
{
	for (entry_t *e = s->buckets[h & (s->nbuckets - 1)]; e; e = e->next)
		if (e->hash == h && key_eq(&e->key, k))
			return e;
	return NULL;
}

static void list_unlink(stripe_t *s, entry_t *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void list_push(stripe_t *s, entry_t *e)
{
	e->newer = NULL;
	e->older = s->newest;
	if (s->newest)
		s->newest->newer = e;
	else
		s->oldest = e;
	s->newest = e;
}

static void bucket_remove(stripe_t *s, entry_t *e)
{
	entry_t **pp = &s->buckets[e->hash & (s->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
}

/* Doubling keeps chains short; failure to grow only lengthens them. */
static void grow(stripe_t *s)
{
	size_t nb = s->nbuckets * 2;
	entry_t **b = calloc(nb, sizeof(*b));
	if (b == NULL)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		entry_t *e = s->buckets[i];
		while (e) {
			entry_t *next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
			e = next;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

/* Forget the least recently updated entry of the whole table. Stripes
   are locked one at a time, never two together. \return false when
   another thread emptied the chosen stripe first. */
static bool evict_one(odr_infra_t *in)
{
	stripe_t *best = NULL;
	uint64_t best_seq = UINT64_MAX;
	for (int i = 0; i < NSTRIPES; i++) {
		stripe_t *s = &in->stripes[i];
		pthread_mutex_lock(&s->lock);
		if (s->oldest && s->oldest->seq < best_seq) {
			best_seq = s->oldest->seq;
			best = s;
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (best == NULL)
		return true; /* empty: nothing to do */
	pthread_mutex_lock(&best->lock);
	entry_t *e =
	        best->oldest; /* may have changed meanwhile: close enough */
	if (e) {
		list_unlink(best, e);
		bucket_remove(best, e);
		best->count--;
		atomic_fetch_sub(&in->count, 1);
	}
	pthread_mutex_unlock(&best->lock);
	bool done = e != NULL;
	free(e);
	return done;
}

/* Entry to update, created when missing; moved to the newest end. With
   the stripe locked on return (also when NULL is returned). */
static entry_t *lock_for_update(odr_infra_t *in, const akey_t *k, uint64_t h,
                                stripe_t *s, bool *created)
{
	*created = false;
	pthread_mutex_lock(&s->lock);
	entry_t *e = find(s, k, h);
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return NULL;
		e->key = *k;
		e->hash = h;
		if (s->count >= s->nbuckets)
			grow(s);
		size_t b = h & (s->nbuckets - 1);
		e->next = s->buckets[b];
		s->buckets[b] = e;
		s->count++;
		atomic_fetch_add(&in->count, 1);
		*created = true;
	} else {
		list_unlink(s, e);
	}
	list_push(s, e);
	e->seq = atomic_fetch_add(&in->seq, 1) + 1;
	return e;
}

static void unlock_after_update(odr_infra_t *in, stripe_t *s, bool created)
{
	pthread_mutex_unlock(&s->lock);
	if (!created)
		return;
	while (atomic_load(&in->count) > in->max_entries && !evict_one(in))
		;
}

/* --- what an entry means at a given time --- */

static bool older_than(uint64_t then, uint64_t now, uint64_t age)
{
	return now >= then && now - then >= age;
}

static bool rtt_valid(const odr_infra_t *in, const entry_t *e, uint64_t now)
{
	return e->has_rtt && !older_than(e->rtt_at_ms, now, in->decay_ms);
}

static uint32_t timeouts_now(const odr_infra_t *in, const entry_t *e,
                             uint64_t now)
{
	if (e->timeouts == 0 || older_than(e->timeout_at_ms, now, in->decay_ms))
		return 0;
	return e->timeouts;
}

static uint32_t penalty_now(const odr_infra_t *in, const entry_t *e,
                            uint64_t now)
{
	if (e->penalty_ms == 0 || older_than(e->fail_at_ms, now, in->decay_ms))
		return 0;
	uint64_t step = in->decay_ms / 4 ? in->decay_ms / 4 : 1;
	uint64_t halvings = now > e->fail_at_ms ? (now - e->fail_at_ms) / step
	                                        : 0;
	return halvings >= 32 ? 0 : e->penalty_ms >> halvings;
}

/* Selection RTT: smoothed RTT (or the unknown-server guess) + penalty. */
static uint64_t effective_rtt(const odr_infra_t *in, const entry_t *e,
                              uint64_t now)
{
	uint64_t rtt = in->rtt_init_ms;
	if (e != NULL) {
		if (rtt_valid(in, e, now))
			rtt = e->srtt_us / 1000;
		rtt += penalty_now(in, e, now);
	}
	return rtt;
}

/* Timeout before backoff (RFC 6298 §2.3 RTO with a floor, no cap). */
static uint64_t base_timeout(const odr_infra_t *in, const entry_t *e,
                             uint64_t now)
{
	uint64_t t = in->rtt_init_ms;
	if (e != NULL && rtt_valid(in, e, now))
		t = ((uint64_t)e->srtt_us + 4 * (uint64_t)e->rttvar_us + 999) /
		    1000;
	if (t < ODR_INFRA_TIMEOUT_FLOOR_MS)
		t = ODR_INFRA_TIMEOUT_FLOOR_MS;
	return t;
}

static uint64_t backoff(uint64_t base, uint32_t n, uint64_t cap)
{
	uint64_t t = base;
	for (uint32_t i = 0; i < n && t < cap; i++)
		t *= 2;
	return t < cap ? t : cap;
}

/* --- updates --- */

static void on_ok(odr_infra_t *in, entry_t *e, uint32_t rtt_ms, uint64_t now)
{
	if (rtt_ms > RTT_SAMPLE_MAX_MS)
		rtt_ms = RTT_SAMPLE_MAX_MS;
	uint64_t r = (uint64_t)rtt_ms * 1000;
	if (!rtt_valid(in, e, now)) {
		e->srtt_us = (uint32_t)r;
		e->rttvar_us = (uint32_t)(r / 2);
	} else {
		uint64_t srtt = e->srtt_us;
		uint64_t diff = srtt > r ? srtt - r : r - srtt;
		/* RFC 6298 §2.3: RTTVAR first, with the old SRTT. */
		e->rttvar_us =
		        (uint32_t)((3 * (uint64_t)e->rttvar_us + diff) / 4);
		e->srtt_us = (uint32_t)((7 * srtt + r) / 8);
	}
	e->has_rtt = true;
	e->rtt_at_ms = now;
	e->timeouts = 0;
	e->hold_until_ms = 0;
	e->failures = 0;
	e->penalty_ms = penalty_now(in, e, now) / 2;
	e->fail_at_ms = now;
}

static void on_timeout(odr_infra_t *in, entry_t *e, uint64_t now)
{
	/* Queries sent before the first timeout was seen all end in timeouts
	   too: back off once for them, not once each. */
	if (e->hold_until_ms > now && e->timeouts > 0)
		return;
	uint32_t n = timeouts_now(in, e, now);
	if (n < UINT32_MAX)
		n++;
	e->timeouts = n;
	e->timeout_at_ms = now;
	uint64_t hold = backoff(base_timeout(in, e, now), n, in->rtt_max_ms);
	if (now + hold > e->hold_until_ms)
		e->hold_until_ms = now + hold;
}

static void on_bad(odr_infra_t *in, entry_t *e, uint64_t now)
{
	/* It answered: reachable, so the timeout backoff ends. */
	e->timeouts = 0;
	e->hold_until_ms = 0;
	uint64_t p = (uint64_t)penalty_now(in, e, now) + ODR_INFRA_PENALTY_MS;
	e->penalty_ms = (uint32_t)(p < in->rtt_max_ms ? p : in->rtt_max_ms);
	e->fail_at_ms = now;
	if (e->failures < UINT32_MAX)
		e->failures++;
	if (e->failures >= ODR_INFRA_FAIL_HOLD_AFTER) {
		uint64_t hold = backoff(FAIL_HOLD_MS,
		                        e->failures - ODR_INFRA_FAIL_HOLD_AFTER,
		                        in->rtt_max_ms);
		e->hold_until_ms = now + hold;
	}
}

void odr_infra_report(odr_infra_t *in, const struct sockaddr *sa,
                      odr_outcome_t what, uint32_t rtt_ms, uint64_t now_ms)
{
	akey_t k;
	if (in == NULL || !make_key(sa, &k))
		return;
	uint64_t h = key_hash(in, &k);
	stripe_t *s = stripe_of(in, h);
	bool created;
	entry_t *e = lock_for_update(in, &k, h, s, &created);
	if (e != NULL) {
		switch (what) {
		case ODR_OK:
			on_ok(in, e, rtt_ms, now_ms);
			break;
		case ODR_TIMEOUT:
			on_timeout(in, e, now_ms);
			break;
		case ODR_SERVFAIL:
		case ODR_REFUSED:
		case ODR_LAME:
		case ODR_FORMERR:
		case ODR_BAD:
		default:
			on_bad(in, e, now_ms);
			break;
		}
	}
	unlock_after_update(in, s, created);
}

void odr_infra_set_edns(odr_infra_t *in, const struct sockaddr *sa, bool broken,
                        uint64_t now_ms)
{
	akey_t k;
	if (in == NULL || !make_key(sa, &k))
		return;
	uint64_t h = key_hash(in, &k);
	stripe_t *s = stripe_of(in, h);
	bool created;
	entry_t *e = lock_for_update(in, &k, h, s, &created);
	if (e != NULL) {
		e->edns = broken ? EDNS_BROKEN : EDNS_WORKS;
		e->edns_at_ms = now_ms;
	}
	unlock_after_update(in, s, created);
}

/* --- reads: a copy of the entry taken under the lock --- */

static bool snapshot(odr_infra_t *in, const struct sockaddr *sa, entry_t *out)
{
	akey_t k;
	if (in == NULL || !make_key(sa, &k))
		return false;
	uint64_t h = key_hash(in, &k);
	stripe_t *s = stripe_of(in, h);
	pthread_mutex_lock(&s->lock);
	entry_t *e = find(s, &k, h);
	if (e != NULL)
		*out = *e;
	pthread_mutex_unlock(&s->lock);
	return e != NULL;
}

bool odr_infra_edns_broken(odr_infra_t *in, const struct sockaddr *sa,
                           uint64_t now_ms)
{
	entry_t e;
	if (!snapshot(in, sa, &e))
		return false;
	return e.edns == EDNS_BROKEN &&
	       !older_than(e.edns_at_ms, now_ms, ODR_INFRA_EDNS_TTL_MS);
}

uint32_t odr_infra_timeout(odr_infra_t *in, const struct sockaddr *sa,
                           uint64_t now_ms)
{
	entry_t e;
	bool found = snapshot(in, sa, &e);
	if (in == NULL)
		return ODR_INFRA_TIMEOUT_FLOOR_MS;
	const entry_t *ep = found ? &e : NULL;
	uint32_t n = found ? timeouts_now(in, &e, now_ms) : 0;
	return (uint32_t)backoff(base_timeout(in, ep, now_ms), n,
	                         in->rtt_max_ms);
}

int odr_infra_pick(odr_infra_t *in, const struct sockaddr_storage *addrs,
                   size_t n, const bool *tried, uint64_t now_ms)
{
	if (in == NULL || addrs == NULL)
		return -1;
	int best = -1, best_held = -1;
	uint64_t best_rtt = UINT64_MAX;
	uint64_t held_end = UINT64_MAX, held_rtt = UINT64_MAX;
	unsigned ties = 0, held_ties = 0;
	for (size_t i = 0; i < n && i <= (size_t)INT32_MAX; i++) {
		if (tried != NULL && tried[i])
			continue;
		const struct sockaddr *sa = (const struct sockaddr *)&addrs[i];
		if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
			continue;
		entry_t e;
		bool found = snapshot(in, sa, &e);
		uint64_t rtt = effective_rtt(in, found ? &e : NULL, now_ms);
		if (found && e.hold_until_ms > now_ms) {
			/* held: earliest end of hold, then RTT, then chance */
			uint64_t end = e.hold_until_ms;
			if (end < held_end ||
			    (end == held_end && rtt < held_rtt)) {
				best_held = (int)i;
				held_end = end;
				held_rtt = rtt;
				held_ties = 1;
			} else if (end == held_end && rtt == held_rtt &&
			           rnd(in) % ++held_ties == 0) {
				best_held = (int)i;
			}
			continue;
		}
		if (rtt < best_rtt) {
			best = (int)i;
			best_rtt = rtt;
			ties = 1;
		} else if (rtt == best_rtt && rnd(in) % ++ties == 0) {
			/* reservoir sampling: each of the equal ones alike */
			best = (int)i;
		}
	}
	return best >= 0 ? best : best_held;
}

void odr_infra_get(odr_infra_t *in, const struct sockaddr *sa, uint64_t now_ms,
                   odr_infra_info_t *out)
{
	memset(out, 0, sizeof(*out));
	entry_t e;
	if (!snapshot(in, sa, &e))
		return;
	if (rtt_valid(in, &e, now_ms)) {
		out->known = true;
		out->srtt_ms = e.srtt_us / 1000;
		out->rttvar_ms = e.rttvar_us / 1000;
	}
	out->penalty_ms = penalty_now(in, &e, now_ms);
	out->failures = e.failures;
	out->timeouts = timeouts_now(in, &e, now_ms);
	out->hold_until_ms = e.hold_until_ms > now_ms ? e.hold_until_ms : 0;
	out->edns_broken =
	        e.edns == EDNS_BROKEN &&
	        !older_than(e.edns_at_ms, now_ms, ODR_INFRA_EDNS_TTL_MS);
}
