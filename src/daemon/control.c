/* SPDX-License-Identifier: MIT */
#include "daemon/control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/clock.h"
#include "daemon/reload.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/pkt.h"
#include "lib/rr.h"
#include "lib/rrtype.h"
#include "resolve/cache.h"
#include "resolve/cache_snap.h"

#define NAME_STR 1024
/* Longest text of one record (RDATA up to 65535 octets in hex). */
#define RR_STR (4 * 65536 + 2048)
/* Most NTAs and trust anchor keys listed. */
#define LIST_MAX 1024

static const char *sec_name(uint8_t sec)
{
	switch (sec) {
	case ODR_SEC_INSECURE:
		return "insecure";
	case ODR_SEC_SECURE:
		return "secure";
	case ODR_SEC_BOGUS:
		return "bogus";
	default:
		return "unchecked";
	}
}

static const char *rank_name(odr_rank_t rank)
{
	switch (rank) {
	case ODR_RANK_ADDITIONAL:
		return "additional";
	case ODR_RANK_AUTHORITY:
		return "authority";
	case ODR_RANK_ANSWER:
		return "answer";
	case ODR_RANK_AUTH_AA:
		return "auth-aa";
	case ODR_RANK_ANSWER_AA:
		return "answer-aa";
	case ODR_RANK_SECURE:
		return "secure";
	default:
		return "unknown";
	}
}

static void put_name(od_sbuf_t *out, const uint8_t *name)
{
	char s[NAME_STR];
	if (od_name_to_str(s, sizeof(s), name) < 0)
		snprintf(s, sizeof(s), "?");
	od_ctl_json_str(out, s);
}

static void put_type(od_sbuf_t *out, uint16_t type)
{
	char s[32];
	if (od_rrtype_to_str(type, s, sizeof(s)) < 0)
		snprintf(s, sizeof(s), "TYPE%u", type);
	od_ctl_json_str(out, s);
}

static int bad_args(char *err, size_t errlen, const char *usage)
{
	snprintf(err, errlen, "usage: %s", usage);
	return OD_EINVAL;
}

/* A name argument: presentation form, the final dot optional. */
static int arg_name(const char *s, uint8_t name[OD_NAME_MAXLEN], char *err,
                    size_t errlen)
{
	static const uint8_t root[1] = { 0 };
	int r = od_name_from_str(name, s, strlen(s), root);
	if (r < 0) {
		snprintf(err, errlen, "'%s': not a domain name (%s)", s,
		         od_strerror(r));
		return OD_EINVAL;
	}
	od_name_lower(name);
	return 0;
}

/* The cache's clock: monotonic seconds, as the workers give it. */
static uint64_t now_s(void)
{
	return odd_mono_ms() / 1000;
}

static uint64_t rd(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* localroot ---------------------------------------------------------- */

/* A wall-clock time, or null for 0 (never, none). */
static void put_time(od_sbuf_t *out, const char *key, int64_t t)
{
	if (t == 0)
		od_sbuf_printf(out, ",\"%s\":null", key);
	else
		od_sbuf_printf(out, ",\"%s\":%lld", key, (long long)t);
}

/* The reason of a failed last attempt is known. */
static bool lr_reason_ok(const odd_lr_status_t *st)
{
	return st->last_reason >= 0 && st->last_reason < ODD_LRF_COUNT;
}

/* The serial is shown while there is a copy, or was one (expired). */
static bool lr_has_serial(const odd_lr_status_t *st)
{
	return st->have_copy || st->state == ODD_LR_EXPIRED;
}

/* status: {"state":...,"disabled":...,"serial":...}, or null. */

/* "state", "disabled" and "serial" of the local root (no separators
 * around them). */
static void lr_head(od_sbuf_t *out, const odd_lr_status_t *st)
{
	od_sbuf_printf(out, "\"state\":\"%s\",\"disabled\":%s",
	               odd_lr_state_str(st->state),
	               st->disabled ? "true" : "false");
	if (lr_has_serial(st))
		od_sbuf_printf(out, ",\"serial\":%lu",
		               (unsigned long)st->serial);
	else
		od_sbuf_puts(out, ",\"serial\":null");
}

static void put_localroot_short(od_sbuf_t *out, odd_localroot_t *lr)
{
	if (lr == NULL) {
		od_sbuf_puts(out, ",\"localroot\":null");
		return;
	}
	odd_lr_status_t st;
	odd_localroot_status(lr, &st);
	od_sbuf_puts(out, ",\"localroot\":{");
	lr_head(out, &st);
	od_sbuf_puts(out, "}");
}

static const char localroot_usage[] =
        "localroot status | localroot refresh | localroot disable | "
        "localroot enable";

static void lr_status(od_sbuf_t *out, odd_localroot_t *lr)
{
	odd_lr_status_t st;
	odd_localroot_status(lr, &st);
	int64_t now = (int64_t)time(NULL);
	od_sbuf_puts(out, ",");
	lr_head(out, &st);
	od_sbuf_puts(out, ",\"source\":");
	if (st.source[0])
		od_ctl_json_str(out, st.source);
	else
		od_sbuf_puts(out, "null");
	od_sbuf_printf(out, ",\"records\":%zu", st.records);
	put_time(out, "refreshed", st.refreshed);
	if (st.refreshed)
		od_sbuf_printf(out, ",\"age\":%lld",
		               (long long)(now - st.refreshed));
	else
		od_sbuf_puts(out, ",\"age\":null");
	put_time(out, "expires", st.expires);
	/* Negative once the lifetime is over. */
	if (st.expires)
		od_sbuf_printf(out, ",\"expires_in\":%lld",
		               (long long)(st.expires - now));
	else
		od_sbuf_puts(out, ",\"expires_in\":null");
	put_time(out, "sig_expires", st.sig_expires);
	put_time(out, "last_attempt", st.last_attempt);
	put_time(out, "next_refresh", st.next_refresh);
	od_sbuf_puts(out, ",\"last_error\":");
	if (st.last_error[0])
		od_ctl_json_str(out, st.last_error);
	else
		od_sbuf_puts(out, "null");
	od_sbuf_puts(out, ",\"last_reason\":");
	if (st.last_error[0] && lr_reason_ok(&st))
		od_ctl_json_str(out, odd_lr_reason_str(
		                             (odd_lr_reason_t)st.last_reason));
	else
		od_sbuf_puts(out, "null");
	od_sbuf_printf(out, ",\"refreshes\":%llu,\"loads\":%llu,\"failures\":{",
	               (unsigned long long)st.refreshes,
	               (unsigned long long)st.loads);
	for (int i = 0; i < ODD_LRF_COUNT; i++)
		od_sbuf_printf(out, "%s\"%s\":%llu", i ? "," : "",
		               odd_lr_reason_str((odd_lr_reason_t)i),
		               (unsigned long long)st.failures[i]);
	od_sbuf_printf(out,
	               "},\"answers\":%llu,\"notifies\":%llu,"
	               "\"verify_seconds\":%.3f",
	               (unsigned long long)st.answers,
	               (unsigned long long)st.notifies, st.verify_seconds);
}

static int cmd_localroot(void *ctx, int argc, char **argv, od_sbuf_t *out,
                         char *err, size_t errlen)
{
	odd_server_t *srv = ctx;
	if (argc != 2)
		return bad_args(err, errlen, localroot_usage);
	const char *sub = argv[1];
	if (strcmp(sub, "status") != 0 && strcmp(sub, "refresh") != 0 &&
	    strcmp(sub, "disable") != 0 && strcmp(sub, "enable") != 0) {
		snprintf(err, errlen, "unknown localroot command '%.40s' (%s)",
		         sub, localroot_usage);
		return OD_EINVAL;
	}
	if (srv->localroot == NULL) {
		snprintf(err, errlen, "local root is not configured");
		return OD_EINVAL;
	}
	if (strcmp(sub, "status") == 0) {
		lr_status(out, srv->localroot);
	} else if (strcmp(sub, "refresh") == 0) {
		/* Asynchronous: the loader runs it; status shows the end. */
		odd_localroot_refresh(srv->localroot);
		od_sbuf_puts(out, ",\"refresh\":\"started\"");
	} else {
		bool off = strcmp(sub, "disable") == 0;
		odd_localroot_set_disabled(srv->localroot, off);
		od_sbuf_printf(out, ",\"disabled\":%s", off ? "true" : "false");
	}
	return 0;
}

/* status ------------------------------------------------------------- */

static int cmd_status(void *ctx, int argc, char **argv, od_sbuf_t *out,
                      char *err, size_t errlen)
{
	odd_server_t *srv = ctx;
	if (argc != 1)
		return bad_args(err, errlen, "status");
	int64_t now = (int64_t)time(NULL);
	od_sbuf_printf(out,
	               ",\"version\":\"%s\",\"uptime\":%lld,\"workers\":%u,"
	               "\"validation\":%s",
	               ONEDOT_VERSION, (long long)(now - srv->started),
	               srv->nwstats, srv->trust ? "true" : "false");
	put_localroot_short(out, srv->localroot);
	if (srv->trust == NULL) {
		od_sbuf_puts(out, ",\"trust\":null");
		return 0;
	}
	odd_trust_status_t ts;
	odd_trust_status(srv->trust, &ts);
	od_sbuf_printf(out,
	               ",\"trust\":{\"zones\":%zu,\"trusted_keys\":%zu,"
	               "\"ntas\":%zu,\"stuck_keys\":%zu,\"read_only\":%s,"
	               "\"save_failed\":%s,\"last_saved\":%lld,"
	               "\"state_file\":",
	               ts.zones, ts.trusted, ts.ntas, ts.stuck,
	               ts.read_only ? "true" : "false",
	               ts.save_failed ? "true" : "false",
	               (long long)ts.last_saved);
	od_ctl_json_str(out, ts.state_path);
	od_sbuf_puts(out, ",\"reason\":");
	od_ctl_json_str(out, ts.reason);
	od_sbuf_putc(out, '}');
	return 0;
}

/* stats -------------------------------------------------------------- */

static const char *const rcode_names[16] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "RCODE11",
	"RCODE12",  "RCODE13", "RCODE14",  "RCODE15",
};

static void put_wstats(od_sbuf_t *out, uint64_t q, uint64_t cached,
                       uint64_t dropped, const uint64_t *rc)
{
	od_sbuf_printf(out,
	               "{\"queries\":%llu,\"cache_answers\":%llu,"
	               "\"no_answer\":%llu,\"answers\":{",
	               (unsigned long long)q, (unsigned long long)cached,
	               (unsigned long long)dropped);
	bool first = true;
	for (int i = 0; i < 16; i++) {
		/* The usual ones always, the rest when seen. */
		if (rc[i] == 0 && i > 5)
			continue;
		od_sbuf_printf(out, "%s\"%s\":%llu", first ? "" : ",",
		               rcode_names[i], (unsigned long long)rc[i]);
		first = false;
	}
	od_sbuf_puts(out, "}}");
}

/* The prefill list's progress (null without one). */
static void put_prefill(od_sbuf_t *out, const odd_prefill_t *p)
{
	if (p == NULL) {
		od_sbuf_puts(out, ",\"prefill\":null");
		return;
	}
	odd_prefill_stats_t ps;
	odd_prefill_stats(p, &ps);
	od_sbuf_printf(out,
	               ",\"prefill\":{\"names\":%llu,\"resolved\":%llu,"
	               "\"pending\":%llu,\"failed\":%llu,\"refreshed\":%llu,"
	               "\"inflight\":%llu}",
	               (unsigned long long)ps.names,
	               (unsigned long long)ps.resolved,
	               (unsigned long long)ps.pending,
	               (unsigned long long)ps.failed,
	               (unsigned long long)ps.refreshed,
	               (unsigned long long)ps.inflight);
}

static int cmd_stats(void *ctx, int argc, char **argv, od_sbuf_t *out,
                     char *err, size_t errlen)
{
	odd_server_t *srv = ctx;
	if (argc != 1)
		return bad_args(err, errlen, "stats");
	uint64_t tq = 0, tc = 0, td = 0, trc[16] = { 0 };
	od_sbuf_puts(out, ",\"workers\":[");
	for (unsigned i = 0; i < srv->nwstats; i++) {
		odd_wstats_t *w = &srv->wstats[i];
		uint64_t q = rd(&w->queries), c = rd(&w->cached),
		         d = rd(&w->dropped), rc[16];
		for (int k = 0; k < 16; k++) {
			rc[k] = rd(&w->rcode[k]);
			trc[k] += rc[k];
		}
		tq += q;
		tc += c;
		td += d;
		if (i)
			od_sbuf_putc(out, ',');
		put_wstats(out, q, c, d, rc);
	}
	od_sbuf_puts(out, "],\"total\":");
	put_wstats(out, tq, tc, td, trc);
	uint64_t stale = 0; /* RFC 8767 */
	for (unsigned i = 0; i < srv->nwstats; i++)
		stale += rd(&srv->wstats[i].stale);
	od_sbuf_printf(out, ",\"stale_answers\":%llu",
	               (unsigned long long)stale);
	odr_cache_stats_t cs;
	odr_cache_stats(srv->cache, &cs);
	od_sbuf_printf(out,
	               ",\"cache\":{\"entries\":%zu,\"bytes\":%zu,"
	               "\"max_bytes\":%zu,\"hits\":%llu,\"misses\":%llu,"
	               "\"neg_hits\":%llu,\"neg_misses\":%llu,"
	               "\"inserts\":%llu,\"evictions\":%llu,"
	               "\"stale_hits\":%llu}",
	               cs.entries, cs.bytes, srv->conf->cache_size,
	               (unsigned long long)cs.hits,
	               (unsigned long long)cs.misses,
	               (unsigned long long)cs.neg_hits,
	               (unsigned long long)cs.neg_misses,
	               (unsigned long long)cs.inserts,
	               (unsigned long long)cs.evictions,
	               (unsigned long long)cs.stale_hits);
	put_prefill(out, srv->prefill);
	if (srv->qlog != NULL) {
		odd_qlog_stats_t qs;
		odd_qlog_stats(srv->qlog, &qs);
		od_sbuf_printf(
		        out,
		        ",\"query_log\":{\"lines\":%llu,\"dropped\":%llu,"
		        "\"errors\":%llu,\"rotations\":%llu}",
		        (unsigned long long)qs.lines,
		        (unsigned long long)qs.dropped,
		        (unsigned long long)qs.errors,
		        (unsigned long long)qs.rotations);
	} else {
		od_sbuf_puts(out, ",\"query_log\":null");
	}
	if (srv->aggr == NULL) {
		od_sbuf_puts(out, ",\"aggressive_nsec\":null");
		return 0;
	}
	odr_aggr_stats_t as;
	odr_aggr_stats(srv->aggr, &as);
	od_sbuf_printf(out,
	               ",\"aggressive_nsec\":{\"zones\":%zu,\"records\":%zu,"
	               "\"bytes\":%zu,\"puts\":%llu,\"finds\":%llu,"
	               "\"hits\":%llu,\"evictions\":%llu}",
	               as.zones, as.records, as.bytes,
	               (unsigned long long)as.puts,
	               (unsigned long long)as.finds,
	               (unsigned long long)as.hits,
	               (unsigned long long)as.evictions);
	return 0;
}

/* cache -------------------------------------------------------------- */

typedef struct show {
	const uint8_t *name;
	int type; /* -1: every type */
	od_sbuf_t *out;
	size_t n;
	char *rr; /* RR_STR */
} show_t;

static void put_rrs(show_t *s, const od_rr_t *rrs, size_t n)
{
	od_sbuf_putc(s->out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			od_sbuf_putc(s->out, ',');
		if (od_rr_to_str(&rrs[i], s->rr, RR_STR) < 0)
			snprintf(s->rr, RR_STR, "(cannot print)");
		od_ctl_json_str(s->out, s->rr);
	}
	od_sbuf_putc(s->out, ']');
}

static int show_cb(const odr_rrset_t *set, const odr_neg_t *neg,
                   const uint8_t *qname, uint16_t qtype, void *ctx)
{
	show_t *s = ctx;
	if (!od_name_equal(qname, s->name))
		return 0;
	if (s->type >= 0 && qtype != (uint16_t)s->type &&
	    !(neg && neg->rcode == OD_RCODE_NXDOMAIN))
		return 0;
	od_sbuf_t *out = s->out;
	if (s->n++)
		od_sbuf_putc(out, ',');
	od_sbuf_puts(out, "{\"type\":");
	if (set) {
		put_type(out, set->type);
		od_sbuf_printf(out,
		               ",\"negative\":false,\"ttl\":%u,\"rank\":\"%s\","
		               "\"security\":\"%s\",\"ede\":%u,\"records\":",
		               set->ttl, rank_name(set->rank),
		               sec_name(set->sec), set->ede);
		put_rrs(s, set->rrs, set->count);
		od_sbuf_puts(out, ",\"rrsigs\":");
		put_rrs(s, set->sigs, set->nsigs);
	} else {
		if (neg->rcode == OD_RCODE_NXDOMAIN)
			od_sbuf_puts(out, "null");
		else
			put_type(out, qtype);
		od_sbuf_printf(out,
		               ",\"negative\":true,\"rcode\":\"%s\","
		               "\"ttl\":%u,\"rank\":\"%s\",\"security\":\"%s\","
		               "\"ede\":%u,\"zone\":",
		               neg->rcode == OD_RCODE_NXDOMAIN ? "NXDOMAIN"
		                                               : "NOERROR",
		               neg->ttl, rank_name(neg->rank),
		               sec_name(neg->sec), neg->ede);
		put_name(out, neg->zone);
		od_sbuf_puts(out, ",\"proof\":");
		put_rrs(s, neg->proof, neg->nproof);
	}
	od_sbuf_putc(out, '}');
	return out->err ? out->err : 0;
}

static uint64_t hash_u16(uint64_t h, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return odr_snap_hash(h, b, 2);
}

uint64_t odd_snap_context(odd_server_t *srv)
{
	uint64_t h = odr_snap_hash(ODR_SNAP_HASH_INIT, "onedot", 6);
	h = hash_u16(h, srv->trust != NULL);
	h = hash_u16(h, srv->conf->nsec3_max_iter);
	for (size_t i = 0; i < srv->hints.n; i++) {
		const odr_hint_t *hint = &srv->hints.v[i];
		const struct sockaddr *sa =
		        (const struct sockaddr *)&hint->addr;
		h = odr_snap_hash(h, hint->name, od_name_len(hint->name));
		h = hash_u16(h, sa->sa_family);
		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *a4 = (const void *)sa;
			h = odr_snap_hash(h, &a4->sin_addr, 4);
			h = hash_u16(h, ntohs(a4->sin_port));
		} else if (sa->sa_family == AF_INET6) {
			const struct sockaddr_in6 *a6 = (const void *)sa;
			h = odr_snap_hash(h, &a6->sin6_addr, 16);
			h = hash_u16(h, ntohs(a6->sin6_port));
		}
	}
	if (srv->trust == NULL)
		return h;
	odd_ta_key_info_t *v = calloc(LIST_MAX, sizeof(*v));
	if (v == NULL)
		return h ^ 1; /* refuses every snapshot: never a wrong one */
	size_t n = odd_trust_keys(srv->trust, v, LIST_MAX);
	/* The trusted keys as a set (a sum: their order does not matter);
	   DS and DNSKEY of one key share its tag and algorithm, so the
	   RFC 5011 replacement of a DS anchor by its key changes nothing. */
	uint64_t keys = 0;
	for (size_t i = 0; i < n && i < LIST_MAX; i++) {
		if (v[i].revoked || (v[i].state != ODR_TA_VALID &&
		                     v[i].state != ODR_TA_MISSING))
			continue;
		uint64_t k = odr_snap_hash(ODR_SNAP_HASH_INIT, v[i].zone,
		                           od_name_len(v[i].zone));
		k = hash_u16(k, v[i].tag);
		k = hash_u16(k, v[i].algorithm);
		keys += k;
	}
	free(v);
	h = hash_u16(h, (uint16_t)(keys >> 48));
	h = hash_u16(h, (uint16_t)(keys >> 32));
	h = hash_u16(h, (uint16_t)(keys >> 16));
	return hash_u16(h, (uint16_t)keys);
}

static const char cache_usage[] =
        "cache show NAME [TYPE] | cache flush NAME [--subtree] | "
        "cache dump FILE | cache load FILE";

/*
 * cache dump FILE / cache load FILE: the snapshot format of the state
 * directory's cache.snapshot (resolve/cache_snap.h). The path is the
 * daemon's, so it must be absolute (the daemon's working directory is
 * not the operator's).
 */
static int cache_file(odd_server_t *srv, bool load, const char *path,
                      od_sbuf_t *out, char *err, size_t errlen)
{
	if (path[0] != '/') {
		snprintf(err, errlen, "'%.200s': expected an absolute path",
		         path);
		return OD_EINVAL;
	}
	odr_snap_counts_t n;
	int r;
	if (load) {
		/* As at start: twice the cache budget is more than a
		   snapshot of it can hold. */
		size_t max = srv->conf->cache_size * 2 + ((size_t)1 << 20);
		/* The workers write to the cache meanwhile: no stale
		   entries (they would compete with fresh data). */
		r = odr_snap_read(srv->cache, path, max, now_s(),
		                  (int64_t)time(NULL), odd_snap_context(srv), 0,
		                  &n, err, errlen);
	} else {
		r = odr_snap_write(srv->cache, path, now_s(),
		                   (int64_t)time(NULL), odd_snap_context(srv),
		                   &n, err, errlen);
	}
	if (r < 0)
		return r;
	od_sbuf_puts(out, ",\"path\":");
	od_ctl_json_str(out, path);
	od_sbuf_printf(out,
	               ",\"%s\":%zu,\"skipped\":%zu,\"bytes\":%zu,"
	               "\"written\":%lld",
	               load ? "loaded" : "entries", n.entries, n.skipped,
	               n.bytes, (long long)n.written);
	od_log_info(load ? "cache loaded" : "cache dumped",
	            "path=%s entries=%zu skipped=%zu", path, n.entries,
	            n.skipped);
	return 0;
}

static int cmd_cache(void *ctx, int argc, char **argv, od_sbuf_t *out,
                     char *err, size_t errlen)
{
	odd_server_t *srv = ctx;
	uint8_t name[OD_NAME_MAXLEN];
	if (argc < 3)
		return bad_args(err, errlen, cache_usage);
	if (strcmp(argv[1], "show") == 0) {
		if (argc > 4)
			return bad_args(err, errlen, cache_usage);
		show_t s = { .name = name, .type = -1, .out = out };
		if (arg_name(argv[2], name, err, errlen) < 0)
			return OD_EINVAL;
		if (argc == 4) {
			uint16_t t;
			if (od_rrtype_from_str(argv[3], strlen(argv[3]), &t) <
			    0) {
				snprintf(err, errlen, "'%s': not an RR type",
				         argv[3]);
				return OD_EINVAL;
			}
			s.type = t;
		}
		s.rr = malloc(RR_STR);
		if (s.rr == NULL)
			return OD_ENOMEM;
		od_sbuf_puts(out, ",\"name\":");
		put_name(out, name);
		od_sbuf_puts(out, ",\"entries\":[");
		int r = odr_cache_walk(srv->cache, show_cb, &s, now_s());
		free(s.rr);
		if (r < 0) {
			snprintf(err, errlen, "%s",
			         r == OD_ESPACE ? "response too large"
			                        : od_strerror(r));
			return r;
		}
		od_sbuf_putc(out, ']');
		return 0;
	}
	if (strcmp(argv[1], "flush") == 0) {
		bool subtree = false;
		if (argc == 4 && strcmp(argv[3], "--subtree") == 0)
			subtree = true;
		else if (argc != 3)
			return bad_args(err, errlen, cache_usage);
		if (arg_name(argv[2], name, err, errlen) < 0)
			return OD_EINVAL;
		size_t n = odr_cache_flush(srv->cache, name, subtree);
		/* Names proven absent from the zone are forgotten too: the
		   zone's records changed, or an operator thinks so. */
		int z = srv->aggr ? odr_aggr_flush(srv->aggr, name) : 0;
		od_sbuf_puts(out, ",\"name\":");
		put_name(out, name);
		od_sbuf_printf(out,
		               ",\"subtree\":%s,\"removed\":%zu,"
		               "\"nsec_zone_removed\":%s",
		               subtree ? "true" : "false", n,
		               z > 0 ? "true" : "false");
		od_log_info("cache flushed", "entries=%zu subtree=%s", n,
		            subtree ? "yes" : "no");
		return 0;
	}
	if ((strcmp(argv[1], "dump") == 0 || strcmp(argv[1], "load") == 0)) {
		if (argc != 3)
			return bad_args(err, errlen, cache_usage);
		return cache_file(srv, argv[1][0] == 'l', argv[2], out, err,
		                  errlen);
	}
	snprintf(err, errlen, "unknown cache command '%.40s' (%s)", argv[1],
	         cache_usage);
	return OD_EINVAL;
}

/* nta ---------------------------------------------------------------- */

static const char nta_usage[] =
        "nta add NAME [DURATION] | nta remove NAME | nta list";

static int no_validation(char *err, size_t errlen)
{
	snprintf(err, errlen,
	         "validation is off (dnssec: false): no "
	         "trust anchors");
	return OD_EINVAL;
}

static int cmd_nta(void *ctx, int argc, char **argv, od_sbuf_t *out, char *err,
                   size_t errlen)
{
	odd_server_t *srv = ctx;
	uint8_t name[OD_NAME_MAXLEN];
	if (argc < 2)
		return bad_args(err, errlen, nta_usage);
	if (srv->trust == NULL)
		return no_validation(err, errlen);
	int64_t now = odd_trust_wall(NULL);
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		odd_nta_t *v = calloc(LIST_MAX, sizeof(*v));
		if (v == NULL)
			return OD_ENOMEM;
		size_t n = odd_trust_nta_list(srv->trust, v, LIST_MAX);
		od_sbuf_puts(out, ",\"ntas\":[");
		for (size_t i = 0; i < n && i < LIST_MAX; i++) {
			od_sbuf_puts(out, i ? ",{\"name\":" : "{\"name\":");
			put_name(out, v[i].name);
			if (v[i].expires)
				od_sbuf_printf(out,
				               ",\"expires\":%lld,"
				               "\"remaining\":%lld}",
				               (long long)v[i].expires,
				               (long long)(v[i].expires - now));
			else
				od_sbuf_puts(out, ",\"expires\":null,"
				                  "\"remaining\":null}");
		}
		od_sbuf_putc(out, ']');
		free(v);
		return 0;
	}
	if (strcmp(argv[1], "add") == 0 && (argc == 3 || argc == 4)) {
		if (arg_name(argv[2], name, err, errlen) < 0)
			return OD_EINVAL;
		if (od_name_is_root(name)) {
			snprintf(err, errlen,
			         "the root cannot be a negative "
			         "trust anchor");
			return OD_EINVAL;
		}
		uint64_t d = 0;
		if (argc == 4 &&
		    odd_parse_seconds(argv[3], 1, ODD_DURATION_MAX, &d) < 0) {
			snprintf(err, errlen,
			         "'%s': expected a duration of 1s..365d "
			         "(seconds, or with s, m, h or d)",
			         argv[3]);
			return OD_EINVAL;
		}
		int64_t exp = d ? now + (int64_t)d : 0;
		int r = odd_trust_nta_add(srv->trust, name, exp);
		if (r < 0)
			return r;
		od_sbuf_puts(out, ",\"name\":");
		put_name(out, name);
		if (exp)
			od_sbuf_printf(out, ",\"expires\":%lld",
			               (long long)exp);
		else
			od_sbuf_puts(out, ",\"expires\":null");
		return 0;
	}
	if (strcmp(argv[1], "remove") == 0 && argc == 3) {
		if (arg_name(argv[2], name, err, errlen) < 0)
			return OD_EINVAL;
		int r = odd_trust_nta_remove(srv->trust, name);
		if (r == -ENOENT) {
			snprintf(err, errlen, "no negative trust anchor for %s",
			         argv[2]);
			return r;
		}
		if (r < 0)
			return r;
		od_sbuf_puts(out, ",\"name\":");
		put_name(out, name);
		return 0;
	}
	return bad_args(err, errlen, nta_usage);
}

/* trust-anchors ------------------------------------------------------ */

static int cmd_trust_anchors(void *ctx, int argc, char **argv, od_sbuf_t *out,
                             char *err, size_t errlen)
{
	odd_server_t *srv = ctx;
	if (argc != 1)
		return bad_args(err, errlen, "trust-anchors");
	if (srv->trust == NULL)
		return no_validation(err, errlen);
	odd_ta_key_info_t *v = calloc(LIST_MAX, sizeof(*v));
	if (v == NULL)
		return OD_ENOMEM;
	size_t n = odd_trust_keys(srv->trust, v, LIST_MAX);
	od_sbuf_puts(out, ",\"keys\":[");
	for (size_t i = 0; i < n && i < LIST_MAX; i++) {
		od_sbuf_puts(out, i ? ",{\"zone\":" : "{\"zone\":");
		put_name(out, v[i].zone);
		od_sbuf_puts(out, ",\"type\":");
		put_type(out, v[i].type);
		od_sbuf_printf(out,
		               ",\"tag\":%u,\"algorithm\":%u,\"state\":\"%s\","
		               "\"revoked\":%s,\"first_seen\":%lld,"
		               "\"last_seen\":%lld,\"changed\":%lld}",
		               v[i].tag, v[i].algorithm,
		               odr_ta_state_name(v[i].state),
		               v[i].revoked ? "true" : "false",
		               (long long)v[i].first_seen,
		               (long long)v[i].last_seen,
		               (long long)v[i].changed);
	}
	od_sbuf_putc(out, ']');
	free(v);
	return 0;
}

/* reload: the same as SIGHUP (reload.h), with what changed. */
static int cmd_reload(void *ctx, int argc, char **argv, od_sbuf_t *out,
                      char *err, size_t errlen)
{
	odd_server_t *srv = ctx;
	(void)argv;
	if (argc != 1)
		return bad_args(err, errlen, "reload");
	if (srv->reload == NULL) {
		snprintf(err, errlen, "reload is not available yet");
		return OD_EINVAL;
	}
	return odd_reload_run(srv->reload, out, err, errlen);
}

static const od_ctl_cmd_t commands[] = {
	{ "reload", cmd_reload },
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "cache", cmd_cache },
	{ "nta", cmd_nta },
	{ "trust-anchors", cmd_trust_anchors },
	{ "localroot", cmd_localroot },
};

int odd_control_path(const odd_conf_t *conf, char *out, size_t cap, char *err,
                     size_t errlen)
{
	return od_ctl_path(conf->control,
	                   conf->state_dir ? conf->state_dir
	                                   : ODD_STATE_DIR_DEFAULT,
	                   out, cap, err, errlen);
}

int odd_control_start(od_ctl_t **out, odd_server_t *srv, const char *path,
                      char *err, size_t errlen)
{
	return od_ctl_start(out, path, commands,
	                    sizeof(commands) / sizeof(commands[0]), srv, err,
	                    errlen);
}
