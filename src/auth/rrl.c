/* SPDX-License-Identifier: MIT */
#include "auth/rrl.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/name.h"

#define RRL_STRIPES 64

typedef struct bucket {
	uint64_t key;
	uint64_t stamp_ms; /* last refill */
	int64_t tokens;    /* in thousandths of a response */
	uint32_t limited;  /* limited responses so far, for slip */
} bucket_t;

struct od_rrl {
	od_rrl_conf_t conf;
	size_t mask;
	bucket_t *b;
	pthread_mutex_t lock[RRL_STRIPES];
	_Atomic uint64_t passed, dropped, slipped;
};

od_rrl_t *od_rrl_new(const od_rrl_conf_t *conf)
{
	if (conf->rate == 0 || conf->v4_prefix < 8 || conf->v4_prefix > 32 ||
	    conf->v6_prefix < 16 || conf->v6_prefix > 128)
		return NULL;
	size_t size = 1;
	size_t want = conf->size ? conf->size : 65536;
	while (size < want && size < ((size_t)1 << 30))
		size <<= 1;
	od_rrl_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->b = calloc(size, sizeof(*r->b));
	if (r->b == NULL) {
		free(r);
		return NULL;
	}
	r->conf = *conf;
	r->mask = size - 1;
	for (int i = 0; i < RRL_STRIPES; i++)
		pthread_mutex_init(&r->lock[i], NULL);
	return r;
}

void od_rrl_free(od_rrl_t *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < RRL_STRIPES; i++)
		pthread_mutex_destroy(&r->lock[i]);
	free(r->b);
	free(r);
}

/* FNV-1a, then a final mix so neighbouring keys spread over slots. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h | 1; /* 0 marks an empty slot */
}

static uint64_t prefix_hash(uint64_t h, const struct sockaddr *sa,
                            const od_rrl_conf_t *c)
{
	uint8_t buf[17] = { 0 };
	size_t n, bits;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		memcpy(buf + 1, &s4->sin_addr, 4);
		buf[0] = 4;
		n = 4;
		bits = c->v4_prefix;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		memcpy(buf + 1, &s6->sin6_addr, 16);
		buf[0] = 6;
		n = 16;
		bits = c->v6_prefix;
	} else {
		return mix(h, "?", 1);
	}
	for (size_t i = 0; i < n; i++) {
		size_t lo = i * 8;
		if (lo >= bits)
			buf[1 + i] = 0;
		else if (bits - lo < 8)
			buf[1 + i] &= (uint8_t)(0xff << (8 - (bits - lo)));
	}
	return mix(h, buf, n + 1);
}

/* Lower-cased wire name, so 0x20-randomised names share a bucket. */
static uint64_t name_hash(uint64_t h, const uint8_t *name)
{
	size_t len = od_name_len(name);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		h = mix(h, &c, 1);
	}
	return h;
}

od_rrl_action_t od_rrl_check(od_rrl_t *r, const struct sockaddr *client,
                             const uint8_t *qname, const od_auth_info_t *info,
                             uint64_t now_ms)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t kind = (uint8_t)info->kind;
	h = prefix_hash(h, client, &r->conf);
	h = mix(h, &kind, 1);
	if (info->kind == OD_AK_ANSWER && qname) {
		h = name_hash(h, qname);
		h = mix(h, &info->qtype, sizeof(info->qtype));
	} else if (info->zone) {
		h = name_hash(h, od_authzone_zone(info->zone)->origin);
	}
	uint64_t key = finish(h);
	size_t slot = (size_t)key & r->mask;
	pthread_mutex_t *lk = &r->lock[slot % RRL_STRIPES];
	bucket_t *b = &r->b[slot];
	const int64_t full = (int64_t)r->conf.rate * 1000;
	od_rrl_action_t act = OD_RRL_PASS;

	pthread_mutex_lock(lk);
	if (b->key != key) {
		*b = (bucket_t){ .key = key,
			         .stamp_ms = now_ms,
			         .tokens = full };
	} else if (now_ms > b->stamp_ms) {
		/* rate responses per 1000 ms, in thousandths. */
		uint64_t dt = now_ms - b->stamp_ms;
		int64_t add = dt > 1000 ? full : (int64_t)dt * r->conf.rate;
		b->tokens = b->tokens + add > full ? full : b->tokens + add;
		b->stamp_ms = now_ms;
	}
	if (b->tokens >= 1000) {
		b->tokens -= 1000;
	} else {
		b->limited++;
		act = (r->conf.slip && b->limited % r->conf.slip == 0)
		              ? OD_RRL_SLIP
		              : OD_RRL_DROP;
	}
	pthread_mutex_unlock(lk);

	if (act == OD_RRL_PASS)
		atomic_fetch_add_explicit(&r->passed, 1, memory_order_relaxed);
	else if (act == OD_RRL_DROP)
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&r->slipped, 1, memory_order_relaxed);
	return act;
}

size_t od_rrl_slip(uint8_t *msg, size_t len)
{
	if (len < 12 || (msg[4] | msg[5]) == 0)
		return 0;
	size_t pos = 12;
	/* The question name of a response we built is not compressed. */
	while (pos < len && msg[pos] != 0) {
		if (msg[pos] & 0xc0)
			return 0;
		pos += (size_t)msg[pos] + 1;
	}
	pos += 1 + 4;
	if (pos > len)
		return 0;
	msg[2] |= 0x02; /* TC */
	msg[4] = 0;
	msg[5] = 1;
	memset(msg + 6, 0, 6);
	return pos;
}

void od_rrl_stats(const od_rrl_t *r, od_rrl_stats_t *out)
{
	out->passed = atomic_load_explicit(&((od_rrl_t *)r)->passed,
	                                   memory_order_relaxed);
	out->dropped = atomic_load_explicit(&((od_rrl_t *)r)->dropped,
	                                    memory_order_relaxed);
	out->slipped = atomic_load_explicit(&((od_rrl_t *)r)->slipped,
	                                    memory_order_relaxed);
}
