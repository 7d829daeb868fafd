/* SPDX-License-Identifier: MIT */
/*
 * replay: run .rpl scenarios against the I/O-free resolution engine
 * under a fake network and a fake clock (see README.md).
 *
 *   replay [-v | -vv] FILE.rpl | DIRECTORY ...
 *
 * Exit status 0 when every scenario passed, 1 when one failed, 2 on a
 * usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/dnssec/key.h"
#include "lib/error.h"
#include "lib/mm.h"
#include "lib/pkt.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "resolve/aggr.h"
#include "resolve/cache.h"
#include "resolve/infra.h"
#include "resolve/resolve.h"
#include "resolve/ta.h"
#include "rpl.h"

/* An engine that sends more than this for one client query is looping. */
#define MAX_EXCHANGES 300
/* Simulated round trip of every scripted answer. */
#define RTT_MS 10
/* Where the fake clock starts (any non-zero point of a monotonic clock). */
#define CLOCK_START_MS 1000000000ull
/* The wall clock at the start when val-override-date is not given:
 * 2024-01-01 00:00:00 UTC (runs stay deterministic). */
#define WALL_START_DEFAULT 1704067200

/* One published trust snapshot; all are kept to the end of the run, as
 * a request may still hold an older one (resolve.h). */
typedef struct snap {
	odr_trust_t trust;
	odr_anchor_t *anchors; /*!< owned, with their zone and RDATA */
	odr_nta_t *ntas;       /*!< owned, zones point into the scenario */
	struct snap *next;
} snap_t;

/* One upstream query the engine sent. */
typedef struct upq_log {
	struct sockaddr_storage addr;
	bool tcp;
	uint8_t *wire; /*!< owned */
	size_t len;
	char outcome[256];
} upq_log_t;

typedef struct run {
	const rpl_scenario_t *s;
	odr_env_t env;
	uint64_t now_ms;
	uint64_t rng;
	long step_id;    /*!< of the QUERY being run */
	long query_step; /*!< id of the last QUERY step, -1 before */
	uint8_t *answer; /*!< owned: the last client answer */
	int answer_len;
	upq_log_t *log; /*!< owned: upstream queries of the last QUERY */
	size_t nlog;
	int verbose; /*!< 1: traffic, 2: also every scripted reply */
	bool failed;
	odr_req_info_t info; /*!< of the last client query */
	/* DNSSEC */
	snap_t *snaps;       /*!< owned: every snapshot published, newest
	                          first */
	odr_ta_t *ta;        /*!< owned: RFC 5011 store (trust-anchor-5011) */
	char tmpdir[64];     /*!< state files live here ("" : none yet) */
	char state_path[96]; /*!< the state file */
	bool ta_error;       /*!< an RFC 5011 update or save failed */
	char ta_why[512];
	/* The local root (local-root:) */
	odr_localroot_t lr;
	bool lr_off; /*!< LOCALROOT_OFF: the hook answers nothing */
} run_t;

static uint32_t rng_next(void *ctx)
{
	uint64_t *x = ctx;
	/* xorshift64*: deterministic for a given seed */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (uint32_t)((*x * 0x2545F4914F6CDD1Dull) >> 32);
}

static void fail(run_t *r, const rpl_step_t *st, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void fail(run_t *r, const rpl_step_t *st, const char *fmt, ...)
{
	va_list ap;
	if (st != NULL)
		fprintf(stderr, "FAIL %s:%u: step %ld: ", r->s->path, st->line,
		        st->id);
	else
		fprintf(stderr, "FAIL %s: ", r->s->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	r->failed = true;
}

static void print_msg(const char *title, const uint8_t *wire, size_t len)
{
	od_pkt_t p;
	fprintf(stderr, "  %s:\n", title);
	int rc = od_pkt_parse(&p, wire, len, NULL, OD_PKT_TRAILING_OK);
	if (rc < 0) {
		fprintf(stderr, "    (%zu bytes, not a valid message: %s)\n",
		        len, od_strerror(rc));
		return;
	}
	size_t cap = 65536;
	char *buf = malloc(cap);
	if (buf != NULL && od_pkt_to_str(&p, buf, cap) >= 0) {
		char *line = buf, *nl;
		while (*line) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			fprintf(stderr, "    %s\n", line);
			if (!nl)
				break;
			line = nl + 1;
		}
	}
	free(buf);
	od_pkt_free(&p);
}

static void upq_str(const upq_log_t *u, char *out, size_t cap)
{
	char addr[64], name[OD_NAME_STRLEN], type[16];
	od_pkt_t p;
	rpl_addr_str(&u->addr, addr, sizeof(addr));
	if (od_pkt_parse(&p, u->wire, u->len, NULL, 0) < 0 ||
	    od_pkt_question(&p) == NULL) {
		snprintf(out, cap, "%s %s (unparsable query)", addr,
		         u->tcp ? "tcp" : "udp");
		return;
	}
	od_name_to_str(name, sizeof(name), p.qd[0].qname);
	od_rrtype_to_str(p.qd[0].qtype, type, sizeof(type));
	snprintf(out, cap, "%s %s %s %s%s%s%s", addr, name, type,
	         u->tcp ? "tcp" : "udp", p.opt ? " edns" : "",
	         p.opt && od_edns_do(&p.edns) ? " do" : "",
	         p.hdr.rd ? " rd" : "");
	od_pkt_free(&p);
}

static void print_log(const run_t *r)
{
	fprintf(stderr, "  upstream queries of step %ld (%zu):\n",
	        r->query_step, r->nlog);
	for (size_t i = 0; i < r->nlog; i++) {
		char q[OD_NAME_STRLEN + 128];
		upq_str(&r->log[i], q, sizeof(q));
		fprintf(stderr, "    %2zu. %s -> %s\n", i + 1, q,
		        r->log[i].outcome);
	}
}

static void clear_log(run_t *r)
{
	for (size_t i = 0; i < r->nlog; i++)
		free(r->log[i].wire);
	free(r->log);
	r->log = NULL;
	r->nlog = 0;
}

static const char *state_name(odr_state_t st)
{
	switch (st) {
	case ODR_CONSUME:
		return "CONSUME";
	case ODR_PRODUCE:
		return "PRODUCE";
	case ODR_DONE:
		return "DONE";
	case ODR_FAIL:
		return "FAIL";
	case ODR_YIELD:
		return "YIELD";
	}
	return "?";
}

/* A source address that is not the server's. */
static void other_addr(const struct sockaddr_storage *a,
                       struct sockaddr_storage *out)
{
	rpl_addr_parse(a->ss_family == AF_INET6 ? "2001:db8::dead"
	                                        : "198.51.100.254",
	               out);
}

/*
 * Answer one upstream query from the scripted RANGEs; *st gets the
 * engine's state after the answer (or after the timeout).
 * \return 0, or -1 when the run must stop (failure reported).
 */
static int exchange(run_t *r, const rpl_step_t *step, odr_req_t *req,
                    const odr_send_t *snd, odr_state_t *st)
{
	r->log = realloc(r->log, (r->nlog + 1) * sizeof(*r->log));
	if (r->log == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	upq_log_t *u = &r->log[r->nlog++];
	memset(u, 0, sizeof(*u));
	memcpy(&u->addr, &snd->addr, sizeof(u->addr));
	u->tcp = snd->tcp;
	u->wire = malloc(snd->len ? snd->len : 1);
	if (u->wire == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	memcpy(u->wire, snd->wire, snd->len);
	u->len = snd->len;
	snprintf(u->outcome, sizeof(u->outcome), "no scripted answer: timeout");

	od_pkt_t q;
	int rc = od_pkt_parse(&q, snd->wire, snd->len, NULL, 0);
	if (rc < 0) {
		fail(r, step, "the engine sent a malformed query: %s",
		     od_strerror(rc));
		return -1;
	}
	uint8_t *buf = malloc(OD_PKT_MAXLEN);
	if (buf == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	size_t max = snd->tcp ? OD_PKT_MAXLEN
	             : q.opt  ? (q.edns.udp_size < 512 ? 512 : q.edns.udp_size)
	                      : OD_PKT_UDP_MAXLEN;
	bool answered = false, done = false;
	for (size_t i = 0; i < r->s->nranges && !done; i++) {
		const rpl_range_t *rg = &r->s->ranges[i];
		if (r->step_id < rg->start || r->step_id > rg->end)
			continue;
		bool addr_ok = false;
		for (size_t k = 0; k < rg->naddr && !addr_ok; k++)
			addr_ok = rpl_addr_equal(&rg->addr[k], &snd->addr);
		if (!addr_ok)
			continue;
		for (size_t k = 0; k < rg->ne && !done; k++) {
			const rpl_entry_t *e = &rg->e[k];
			if (!rpl_entry_matches_query(e, &q, snd->tcp))
				continue;
			if (e->adjust & RPL_A_TIMEOUT) {
				snprintf(u->outcome, sizeof(u->outcome),
				         "timeout (entry at line %u)", e->line);
				done = true;
				break;
			}
			unsigned adj = e->adjust_given ? e->adjust
			                               : RPL_A_COPY_ID;
			rpl_entry_t ea = *e;
			ea.adjust = adj;
			uint16_t id = (adj & (RPL_A_COPY_ID | RPL_A_COPY_QUERY))
			                      ? q.hdr.id
			                      : 0;
			if (adj & RPL_A_WRONG_ID)
				id ^= 0x5a5a;
			int len = rpl_entry_build(&ea, &q, id, buf, max);
			if (len < 0) {
				fail(r, step,
				     "cannot build the answer of the entry at "
				     "line %u: %s",
				     e->line, od_strerror(len));
				od_pkt_free(&q);
				free(buf);
				return -1;
			}
			if (r->verbose > 1)
				print_msg("scripted reply", buf, (size_t)len);
			struct sockaddr_storage from = snd->addr;
			if (adj & RPL_A_WRONG_ADDR)
				other_addr(&snd->addr, &from);
			r->now_ms += RTT_MS;
			*st = odr_req_consume(req, buf, (size_t)len,
			                      (const struct sockaddr *)&from,
			                      r->now_ms);
			bool spoof = (adj & RPL_A_SPOOF) != 0;
			const char *rn = od_rcode_name(buf[3] & 0x0f);
			size_t ol = answered ? strlen(u->outcome) : 0;
			snprintf(u->outcome + ol, sizeof(u->outcome) - ol,
			         "%s%sentry at line %u: %s%s%s",
			         answered ? "; " : "", spoof ? "forged, " : "",
			         e->line, rn ? rn : "?",
			         buf[2] & 0x02 ? " TC" : "",
			         *st == ODR_CONSUME ? " (ignored)" : "");
			answered = true;
			/* a spoof the engine ignored: the real answer (a
			 * later matching entry) still comes */
			if (!spoof || *st != ODR_CONSUME)
				done = true;
		}
	}
	od_pkt_free(&q);
	free(buf);
	if (answered && *st != ODR_CONSUME)
		return 0;
	if (answered)
		strncat(u->outcome, "; then timeout",
		        sizeof(u->outcome) - strlen(u->outcome) - 1);
	r->now_ms += snd->timeout_ms ? snd->timeout_ms : 1000;
	*st = odr_req_consume(req, NULL, 0, NULL, r->now_ms);
	if (*st == ODR_CONSUME) {
		fail(r, step,
		     "the engine still waits after a timeout "
		     "(consume(NULL) returned CONSUME)");
		return -1;
	}
	return 0;
}

/* The scenario's wall clock: val-override-date plus the fake clock's
 * time since the start, so TIME_PASSES moves it. */
static int64_t wall_now(const run_t *r)
{
	int64_t start = r->s->have_date ? r->s->date : WALL_START_DEFAULT;
	return start + (int64_t)((r->now_ms - CLOCK_START_MS) / 1000);
}

static int64_t wall_cb(void *ctx)
{
	return wall_now(ctx);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (p == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	return p;
}

static void *xdup(const void *src, size_t n)
{
	void *p = xmalloc(n);
	memcpy(p, src, n);
	return p;
}

/* Anchors of one snapshot: the configured ones, or the RFC 5011 store's
 * trusted keys (Valid and Missing). */
static size_t snap_anchors(const run_t *r, odr_anchor_t **out)
{
	const rpl_scenario_t *s = r->s;
	if (r->ta == NULL) {
		*out = xmalloc(s->anchors.n * sizeof(**out));
		for (size_t i = 0; i < s->anchors.n; i++) {
			const od_rr_t *rr = &s->anchors.v[i];
			(*out)[i].zone =
			        xdup(rr->owner, od_name_len(rr->owner));
			(*out)[i].type = rr->type;
			(*out)[i].rdata = xdup(rr->rdata, rr->rdlen);
			(*out)[i].rdlen = rr->rdlen;
		}
		return s->anchors.n;
	}
	size_t n = 0, cap = 0;
	*out = NULL;
	const uint8_t *zone;
	for (size_t z = 0; odr_ta_zone(r->ta, z, &zone) > z; z++) {
		const odr_ta_key_t *k[64];
		size_t nk = odr_ta_trusted(r->ta, zone, k, 64);
		if (nk > 64)
			nk = 64;
		for (size_t i = 0; i < nk; i++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				odr_anchor_t *v = xmalloc(cap * sizeof(*v));
				if (n)
					memcpy(v, *out, n * sizeof(*v));
				free(*out);
				*out = v;
			}
			(*out)[n].zone = xdup(zone, od_name_len(zone));
			(*out)[n].type = k[i]->type;
			(*out)[n].rdata = xdup(k[i]->rdata, k[i]->rdlen);
			(*out)[n].rdlen = k[i]->rdlen;
			n++;
		}
	}
	return n;
}

/* Build and publish a new trust snapshot (validation is on only when
 * the configuration names an anchor). */
static void publish_trust(run_t *r)
{
	const rpl_scenario_t *s = r->s;
	if (s->anchors.n == 0) {
		atomic_store(&r->env.trust, NULL);
		return;
	}
	snap_t *sn = xmalloc(sizeof(*sn));
	sn->trust.nanchors = snap_anchors(r, &sn->anchors);
	sn->trust.anchors = sn->anchors;
	sn->ntas = xmalloc(s->nntas * sizeof(*sn->ntas));
	int64_t start = s->have_date ? s->date : WALL_START_DEFAULT;
	for (size_t i = 0; i < s->nntas; i++) {
		sn->ntas[i].zone = s->ntas[i].name;
		sn->ntas[i].expires = s->ntas[i].secs ? start + s->ntas[i].secs
		                                      : 0;
	}
	sn->trust.ntas = sn->ntas;
	sn->trust.nntas = s->nntas;
	sn->next = r->snaps;
	r->snaps = sn;
	atomic_store(&r->env.trust, &sn->trust);
}

static void free_snaps(run_t *r)
{
	while (r->snaps != NULL) {
		snap_t *sn = r->snaps;
		r->snaps = sn->next;
		for (size_t i = 0; i < sn->trust.nanchors; i++) {
			free((void *)sn->anchors[i].zone);
			free((void *)sn->anchors[i].rdata);
		}
		free(sn->anchors);
		free(sn->ntas);
		free(sn);
	}
}

static void ta_fail(run_t *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void ta_fail(run_t *r, const char *fmt, ...)
{
	if (r->ta_error)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->ta_why, sizeof(r->ta_why), fmt, ap);
	va_end(ap);
	r->ta_error = true;
}

/* Write the state file, unless the store is read-only. */
static void ta_save(run_t *r)
{
	char err[512];
	if (r->s->ta_read_only)
		return;
	int rc = odr_ta_save(r->ta, r->state_path, err, sizeof(err));
	if (rc < 0)
		ta_fail(r, "saving the trust anchor state failed: %s", err);
}

/* A store holding the configured anchors only (Valid, first seen now):
 * what a resolver starts from without a state file. */
static odr_ta_t *ta_from_config(run_t *r)
{
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/anchors.conf", r->tmpdir);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		ta_fail(r, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < r->s->anchors.n; i++) {
		const od_rr_t *rr = &r->s->anchors.v[i];
		size_t cap = od_rr_str_bound(rr);
		char *line = xmalloc(cap);
		if (od_rr_to_str(rr, line, cap) >= 0)
			fprintf(f, "%s\n", line);
		free(line);
	}
	fclose(f);
	odr_ta_t *ta = odr_ta_new();
	if (ta == NULL) {
		ta_fail(r, "out of memory");
		return NULL;
	}
	int rc = odr_ta_load_file(ta, path, wall_now(r), err, sizeof(err));
	unlink(path);
	if (rc < 0) {
		ta_fail(r,
		        "the trust-anchor lines do not load as RFC 5011 "
		        "anchors: %s",
		        err);
		odr_ta_free(ta);
		return NULL;
	}
	return ta;
}

static void ta_setup(odr_ta_t *ta, const rpl_scenario_t *s)
{
	if (s->holddown)
		odr_ta_set_holddown(ta, s->holddown, s->holddown);
}

/* RFC 5011: the validator saw the DNSKEY RRset of an anchored zone. */
static void on_ta_seen(void *ctx, const odr_ta_seen_t *seen)
{
	run_t *r = ctx;
	if (r->ta == NULL)
		return;
	odr_ta_dnskey_t *keys = xmalloc(seen->n * sizeof(*keys));
	for (size_t i = 0; i < seen->n; i++) {
		keys[i].rdata = seen->rdata[i];
		keys[i].rdlen = seen->rdlen[i];
		keys[i].self_signed = seen->self_signed[i];
	}
	odr_ta_rrset_t set = {
		.keys = keys,
		.n = seen->n,
		.orig_ttl = seen->orig_ttl,
		.sig_expire = seen->sig_expire,
		.validated = true,
	};
	int rc = odr_ta_update(r->ta, seen->zone, &set, wall_now(r));
	free(keys);
	if (r->verbose) {
		char z[OD_NAME_STRLEN];
		od_name_to_str(z, sizeof(z), seen->zone);
		fprintf(stderr,
		        "  RFC 5011: DNSKEY RRset of %s (%zu keys): %d "
		        "changed state\n",
		        z, seen->n, rc);
	}
	if (rc < 0) {
		ta_fail(r, "odr_ta_update failed: %s", od_strerror(rc));
		return;
	}
	if (rc > 0) {
		publish_trust(r);
		ta_save(r);
	}
}

/* Start (or restart) the RFC 5011 store: from the state file when
 * from_file and there is one, else from the configured anchors. */
static int ta_start(run_t *r, bool from_file)
{
	char err[512];
	odr_ta_t *ta = NULL;
	if (from_file && access(r->state_path, F_OK) == 0) {
		int rc =
		        odr_ta_load_state(&ta, r->state_path, err, sizeof(err));
		if (rc < 0) {
			ta_fail(r, "cannot read the state file: %s", err);
			return -1;
		}
	} else {
		ta = ta_from_config(r);
		if (ta == NULL)
			return -1;
	}
	ta_setup(ta, r->s);
	odr_ta_free(r->ta);
	r->ta = ta;
	ta_save(r);
	publish_trust(r);
	return r->ta_error ? -1 : 0;
}

static void ta_cleanup(run_t *r)
{
	odr_ta_free(r->ta);
	r->ta = NULL;
	if (r->tmpdir[0] == '\0')
		return;
	char p[160];
	static const char *const files[] = { "ta.state", "ta.state.tmp",
		                             "check.state", "check.state.tmp",
		                             "anchors.conf" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", r->tmpdir, files[i]);
		unlink(p);
	}
	rmdir(r->tmpdir);
}

/* Tag of a key as the scenario names it: its own, or (DNSKEY) the one
 * it has with the REVOKE bit flipped, so that a key is found by either. */
static bool key_has_tag(const odr_ta_key_t *k, uint16_t tag)
{
	if (k->tag == tag)
		return true;
	if (k->type != OD_TYPE_DNSKEY || k->rdlen < 4)
		return false;
	uint8_t *rd = xdup(k->rdata, k->rdlen);
	rd[1] ^= (uint8_t)OD_DNSKEY_REVOKE;
	bool same = od_key_tag(rd, k->rdlen) == tag;
	free(rd);
	return same;
}

static void print_ta(const run_t *r, const uint8_t *zone)
{
	const odr_ta_key_t *k[64];
	size_t n = odr_ta_keys(r->ta, zone, k, 64);
	fprintf(stderr, "  keys of the zone (%zu):\n", n);
	for (size_t i = 0; i < n && i < 64; i++)
		fprintf(stderr,
		        "    %s tag %u, first seen %+lld s, changed %+lld s "
		        "(from the start)\n",
		        odr_ta_state_name(k[i]->state), (unsigned)k[i]->tag,
		        (long long)(k[i]->first_seen -
		                    (r->s->have_date ? r->s->date
		                                     : WALL_START_DEFAULT)),
		        (long long)(k[i]->changed -
		                    (r->s->have_date ? r->s->date
		                                     : WALL_START_DEFAULT)));
}

static void check_ta(run_t *r, const rpl_step_t *step)
{
	if (r->ta == NULL) {
		fail(r, step, "CHECK_TA needs trust-anchor-5011: yes");
		return;
	}
	const odr_ta_key_t *k[64];
	size_t n = odr_ta_keys(r->ta, step->ta_zone, k, 64);
	const odr_ta_key_t *found = NULL;
	for (size_t i = 0; i < n && i < 64 && found == NULL; i++)
		if (key_has_tag(k[i], step->ta_tag))
			found = k[i];
	int got = found ? (int)found->state : 0;
	if (got == step->ta_state)
		return;
	fail(r, step, "key %u: expected %s, got %s", (unsigned)step->ta_tag,
	     step->ta_state ? odr_ta_state_name(step->ta_state) : "absent",
	     got ? odr_ta_state_name(found->state) : "absent");
	print_ta(r, step->ta_zone);
}

static bool same_key(const odr_ta_key_t *a, const odr_ta_key_t *b)
{
	return a->state == b->state && a->type == b->type && a->tag == b->tag &&
	       a->first_seen == b->first_seen && a->last_seen == b->last_seen &&
	       a->changed == b->changed && a->rdlen == b->rdlen &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

/* Save the store, read it back, and compare key by key. */
static void check_ta_statefile(run_t *r, const rpl_step_t *step)
{
	char path[128], err[512];
	if (r->ta == NULL) {
		fail(r, step,
		     "CHECK_TA_STATEFILE needs trust-anchor-5011: yes");
		return;
	}
	snprintf(path, sizeof(path), "%s/check.state", r->tmpdir);
	int rc = odr_ta_save(r->ta, path, err, sizeof(err));
	if (rc < 0) {
		fail(r, step, "odr_ta_save: %s", err);
		return;
	}
	odr_ta_t *back = NULL;
	rc = odr_ta_load_state(&back, path, err, sizeof(err));
	unlink(path);
	if (rc < 0) {
		fail(r, step, "odr_ta_load_state: %s", err);
		return;
	}
	const uint8_t *zone, *zb;
	size_t z = 0;
	for (; odr_ta_zone(r->ta, z, &zone) > z; z++) {
		const odr_ta_key_t *a[64], *b[64];
		char zn[OD_NAME_STRLEN];
		od_name_to_str(zn, sizeof(zn), zone);
		size_t na = odr_ta_keys(r->ta, zone, a, 64);
		size_t nb = odr_ta_keys(back, zone, b, 64);
		bool ok = na == nb;
		for (size_t i = 0; ok && i < na && i < 64; i++)
			ok = same_key(a[i], b[i]);
		if (!ok) {
			fail(r, step,
			     "the keys of %s read back from the state file "
			     "differ (%zu kept, %zu read)",
			     zn, na, nb);
			break;
		}
	}
	if (!r->failed && odr_ta_zone(back, z, &zb) != z)
		fail(r, step, "the state file holds another set of zones");
	odr_ta_free(back);
}

/* The daemon restarting: new caches, anchors from the state file (or
 * the configuration when lost). */
static void ta_restart(run_t *r, const rpl_step_t *step, bool lost)
{
	if (r->ta == NULL) {
		fail(r, step, "%s needs trust-anchor-5011: yes",
		     lost ? "TA_STATE_LOST" : "TA_RESTART");
		return;
	}
	if (lost)
		unlink(r->state_path);
	odr_cache_free(r->env.cache);
	odr_infra_free(r->env.infra);
	r->env.cache = odr_cache_new(&r->s->cache_conf);
	r->env.infra = odr_infra_new(NULL);
	if (r->env.aggr != NULL) {
		odr_aggr_free(r->env.aggr);
		r->env.aggr = odr_aggr_new(0);
	}
	if (r->env.cache == NULL || r->env.infra == NULL ||
	    (r->env.aggr == NULL && !r->s->no_aggressive)) {
		fail(r, step, "cannot create the caches");
		return;
	}
	if (ta_start(r, !lost) < 0)
		fail(r, step, "%s", r->ta_why);
}

static int do_query(run_t *r, const rpl_step_t *step)
{
	uint8_t q[OD_PKT_MAXLEN];
	uint16_t id = (uint16_t)rng_next(&r->rng);
	int qlen = rpl_entry_build(step->entry, NULL, id, q, sizeof(q));
	if (qlen < 0) {
		fail(r, step, "cannot build the query: %s", od_strerror(qlen));
		return -1;
	}
	clear_log(r);
	memset(&r->info, 0, sizeof(r->info));
	r->step_id = step->id;
	r->query_step = step->id;
	odr_req_t *req = odr_req_new(&r->env);
	if (req == NULL) {
		fail(r, step, "odr_req_new failed");
		return -1;
	}
	int rc = 0;
	if (step->refresh)
		odr_req_nocache(req);
	if (step->disable_static)
		odr_req_set_tags(req, ODR_TAG_DISABLE_STATIC);
	odr_state_t st = odr_req_begin(req, q, (size_t)qlen, r->now_ms);
	if (st != ODR_DONE && st != ODR_PRODUCE) {
		fail(r, step,
		     "odr_req_begin returned %s (contract: DONE or "
		     "PRODUCE)",
		     state_name(st));
		rc = -1;
		goto out;
	}
	while (st == ODR_PRODUCE) {
		odr_send_t snd;
		memset(&snd, 0, sizeof(snd));
		st = odr_req_produce(req, r->now_ms, &snd);
		if (st == ODR_DONE)
			break;
		if (st != ODR_PRODUCE) {
			fail(r, step,
			     "odr_req_produce returned %s (contract: "
			     "PRODUCE or DONE)",
			     state_name(st));
			rc = -1;
			goto out;
		}
		if (r->nlog >= MAX_EXCHANGES) {
			fail(r, step,
			     "more than %d upstream queries for one "
			     "client query",
			     MAX_EXCHANGES);
			print_log(r);
			rc = -1;
			goto out;
		}
		if (exchange(r, step, req, &snd, &st) < 0) {
			print_log(r);
			rc = -1;
			goto out;
		}
		if (st != ODR_PRODUCE && st != ODR_DONE) {
			fail(r, step,
			     "odr_req_consume returned %s (contract: "
			     "PRODUCE, DONE or CONSUME)",
			     state_name(st));
			print_log(r);
			rc = -1;
			goto out;
		}
	}
	bool tcp = (step->entry->match & RPL_M_TCP) != 0;
	free(r->answer);
	r->answer = malloc(OD_PKT_MAXLEN);
	if (r->answer == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	r->answer_len = odr_req_finish(req, r->answer, OD_PKT_MAXLEN, tcp);
	odr_req_info(req, &r->info);
	if (r->verbose) {
		const odr_req_info_t *info = &r->info;
		static const char *const sec[] = { "unchecked", "insecure",
			                           "secure", "bogus" };
		fprintf(stderr,
		        "step %ld%s: rcode %u, %s, %u upstream, %u "
		        "timeouts, %s, %u signatures%s%s\n",
		        step->id, step->refresh ? " (refresh)" : "",
		        info->rcode, info->cached ? "cached" : "not cached",
		        info->upstream, info->timeouts,
		        info->sec < 4 ? sec[info->sec] : "?", info->sigs,
		        info->fail ? ", fail: " : "",
		        info->fail ? info->fail : "");
		print_log(r);
		if (r->answer_len > 0)
			print_msg("answer", r->answer, (size_t)r->answer_len);
	}
out:
	odr_req_free(req);
	return rc;
}

static void show_expected(const rpl_entry_t *e)
{
	uint8_t buf[OD_PKT_MAXLEN];
	int len = rpl_entry_build(e, NULL, 0, buf, sizeof(buf));
	if (len > 0)
		print_msg("expected", buf, (size_t)len);
}

static void check_answer(run_t *r, const rpl_step_t *step)
{
	char why[8192];
	if (r->query_step < 0) {
		fail(r, step, "CHECK_ANSWER before any QUERY");
		return;
	}
	if (r->answer == NULL || r->answer_len <= 0) {
		fail(r, step, "no answer to check (odr_req_finish returned %d)",
		     r->answer_len);
		return;
	}
	od_pkt_t p;
	int rc = od_pkt_parse(&p, r->answer, (size_t)r->answer_len, NULL, 0);
	if (rc < 0) {
		fail(r, step, "the answer is not a valid message: %s",
		     od_strerror(rc));
		return;
	}
	if (!rpl_entry_check(step->entry, &p, why, sizeof(why))) {
		fail(r, step, "answer of step %ld differs:\n%s", r->query_step,
		     why);
		show_expected(step->entry);
		print_msg("got", r->answer, (size_t)r->answer_len);
		print_log(r);
	}
	od_pkt_free(&p);
}

static void check_out_query(run_t *r, const rpl_step_t *step)
{
	char why[4096];
	const rpl_entry_t *e = step->entry;
	for (size_t i = 0; i < r->nlog; i++) {
		od_pkt_t p;
		if (od_pkt_parse(&p, r->log[i].wire, r->log[i].len, NULL, 0) <
		    0)
			continue;
		bool ok = rpl_entry_check(e, &p, why, sizeof(why)) &&
		          !((e->match & RPL_M_TCP) && !r->log[i].tcp) &&
		          !((e->match & RPL_M_UDP) && r->log[i].tcp);
		od_pkt_free(&p);
		if (ok)
			return;
	}
	fail(r, step, "no upstream query of step %ld matches", r->query_step);
	show_expected(e);
	print_log(r);
}

static bool upq_matches(const rpl_upq_t *x, const upq_log_t *u)
{
	od_pkt_t p;
	if (od_pkt_parse(&p, u->wire, u->len, NULL, 0) < 0)
		return false;
	const od_question_t *q = od_pkt_question(&p);
	bool ok = q != NULL &&
	          (x->any_name || od_name_equal(q->qname, x->qname)) &&
	          (x->any_type || q->qtype == x->qtype) &&
	          (x->any_addr || rpl_addr_equal(&x->addr, &u->addr)) &&
	          (x->tcp < 0 || x->tcp == (int)u->tcp) &&
	          (x->edns < 0 || x->edns == (p.opt != NULL)) &&
	          (!x->do_bit || (p.opt != NULL && od_edns_do(&p.edns)));
	od_pkt_free(&p);
	return ok;
}

static void check_upstream(run_t *r, const rpl_step_t *step)
{
	if (step->count >= 0) {
		long n = (long)r->nlog;
		bool ok = step->cmp == '<'   ? n <= step->count
		          : step->cmp == '>' ? n >= step->count
		                             : n == step->count;
		if (!ok) {
			fail(r, step, "%ld upstream queries, expected %s%ld", n,
			     step->cmp == '<'   ? "at most "
			     : step->cmp == '>' ? "at least "
			                        : "",
			     step->count);
			print_log(r);
			return;
		}
	}
	if (step->nupq == 0)
		return;
	size_t nsent = 0, k = 0;
	bool ok = true;
	for (size_t i = 0; i < step->nupq; i++) {
		const rpl_upq_t *x = &step->upq[i];
		if (x->some || x->none) {
			bool found = false;
			for (size_t j = 0; j < r->nlog && !found; j++)
				found = upq_matches(x, &r->log[j]);
			ok = ok && found == x->some;
		} else {
			nsent++;
			ok = ok && k < r->nlog && upq_matches(x, &r->log[k]);
			k++;
		}
	}
	if (nsent > 0 && nsent != r->nlog)
		ok = false;
	if (ok)
		return;
	fail(r, step, "upstream queries differ from the expected ones");
	fprintf(stderr, "  expected (%zu):\n", step->nupq);
	for (size_t i = 0; i < step->nupq; i++) {
		const rpl_upq_t *x = &step->upq[i];
		char a[64] = "*", n[OD_NAME_STRLEN] = "*", t[16] = "*";
		if (!x->any_addr)
			rpl_addr_str(&x->addr, a, sizeof(a));
		if (!x->any_name)
			od_name_to_str(n, sizeof(n), x->qname);
		if (!x->any_type)
			od_rrtype_to_str(x->qtype, t, sizeof(t));
		fprintf(stderr, "    %s %s %s %s%s%s%s\n",
		        x->none   ? "NONE"
		        : x->some ? "SOME"
		                  : "SENT",
		        a, n, t,
		        x->tcp < 0 ? ""
		        : x->tcp   ? " tcp"
		                   : " udp",
		        x->edns < 0 ? ""
		        : x->edns   ? " edns"
		                    : " noedns",
		        x->do_bit ? " do" : "");
	}
	print_log(r);
}

/*
 * The local root hook: the ranges of the local-root address answer, with
 * the first matching entry (its answer as built for a real exchange);
 * nothing is logged as upstream traffic.
 */
static size_t lr_answer(void *ctx, const uint8_t *q, size_t qlen, bool tcp,
                        uint16_t udp_max, uint8_t *out, size_t cap)
{
	run_t *r = ctx;
	if (r->lr_off)
		return 0;
	od_pkt_t p;
	if (od_pkt_parse(&p, q, qlen, NULL, 0) < 0)
		return 0;
	size_t max = tcp ? cap : (udp_max < cap ? udp_max : cap);
	int len = 0;
	for (size_t i = 0; i < r->s->nranges && len == 0; i++) {
		const rpl_range_t *rg = &r->s->ranges[i];
		if (r->step_id < rg->start || r->step_id > rg->end)
			continue;
		bool addr_ok = false;
		for (size_t k = 0; k < rg->naddr && !addr_ok; k++)
			addr_ok =
			        rpl_addr_equal(&rg->addr[k], &r->s->localroot);
		for (size_t k = 0; addr_ok && k < rg->ne && len == 0; k++) {
			const rpl_entry_t *e = &rg->e[k];
			if (!rpl_entry_matches_query(e, &p, tcp))
				continue;
			rpl_entry_t ea = *e;
			ea.adjust = e->adjust_given ? e->adjust : RPL_A_COPY_ID;
			len = rpl_entry_build(&ea, &p, p.hdr.id, out, max);
			if (len < 0)
				len = 0;
			else if (r->verbose > 0)
				print_msg("local root answer", out,
				          (size_t)len);
		}
	}
	od_pkt_free(&p);
	return (size_t)len;
}

static void check_local(run_t *r, const rpl_step_t *step)
{
	long n = (long)r->info.local;
	bool ok = step->cmp == '<'   ? n <= step->count
	          : step->cmp == '>' ? n >= step->count
	                             : n == step->count;
	if (!ok) {
		fail(r, step,
		     "%ld root queries answered by the local root, expected "
		     "%s%ld",
		     n,
		     step->cmp == '<'   ? "at most "
		     : step->cmp == '>' ? "at least "
		                        : "",
		     step->count);
		print_log(r);
	}
}

static void check_sigs(run_t *r, const rpl_step_t *step)
{
	long n = (long)r->info.sigs;
	bool ok = step->cmp == '<'   ? n <= step->count
	          : step->cmp == '>' ? n >= step->count
	                             : n == step->count;
	if (!ok) {
		fail(r, step, "%ld signature verifications, expected %s%ld", n,
		     step->cmp == '<'   ? "at most "
		     : step->cmp == '>' ? "at least "
		                        : "",
		     step->count);
		print_log(r);
	}
}

static int run_file(const char *path, int verbose)
{
	rpl_scenario_t s;
	char err[1024];
	if (rpl_load(&s, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "FAIL %s\n", err);
		return 1;
	}
	run_t r;
	memset(&r, 0, sizeof(r));
	r.s = &s;
	r.verbose = verbose;
	r.now_ms = CLOCK_START_MS;
	r.rng = s.seed ? s.seed : 1;
	r.query_step = -1;
	r.env.conf = &s.conf;
	r.env.hints = &s.hints;
	r.env.cache = odr_cache_new(&s.cache_conf);
	r.env.infra = odr_infra_new(NULL);
	r.env.random = rng_next;
	r.env.random_ctx = &r.rng;
	r.env.wall = wall_cb;
	r.env.wall_ctx = &r;
	if (s.have_localroot) {
		r.lr.answer = lr_answer;
		r.lr.ctx = &r;
		r.env.localroot = &r.lr;
	}
	/* RFC 8198 is on by default, as in the daemon */
	if (!s.no_aggressive)
		r.env.aggr = odr_aggr_new(0);
	if (r.env.cache == NULL || r.env.infra == NULL ||
	    (r.env.aggr == NULL && !s.no_aggressive)) {
		fail(&r, NULL, "cannot create the cache or infra cache");
		goto out;
	}
	if (s.ta5011 && s.anchors.n == 0) {
		fail(&r, NULL, "trust-anchor-5011 without a trust-anchor");
		goto out;
	}
	if (s.ta5011) {
		snprintf(r.tmpdir, sizeof(r.tmpdir), "/tmp/replay-ta-XXXXXX");
		if (mkdtemp(r.tmpdir) == NULL) {
			fail(&r, NULL, "mkdtemp: %s", strerror(errno));
			r.tmpdir[0] = '\0';
			goto out;
		}
		snprintf(r.state_path, sizeof(r.state_path), "%s/ta.state",
		         r.tmpdir);
		r.env.ta_seen = on_ta_seen;
		r.env.ta_ctx = &r;
		if (ta_start(&r, false) < 0) {
			fail(&r, NULL, "%s", r.ta_why);
			goto out;
		}
	} else {
		publish_trust(&r);
	}
	for (size_t i = 0; i < s.nsteps && !r.failed; i++) {
		const rpl_step_t *st = &s.steps[i];
		switch (st->kind) {
		case RPL_QUERY:
			do_query(&r, st);
			break;
		case RPL_CHECK_ANSWER:
			check_answer(&r, st);
			break;
		case RPL_TIME_PASSES:
			r.now_ms += (uint64_t)st->elapse * 1000;
			break;
		case RPL_CHECK_OUT_QUERY:
			check_out_query(&r, st);
			break;
		case RPL_CHECK_UPSTREAM:
			check_upstream(&r, st);
			break;
		case RPL_CHECK_SIGS:
			check_sigs(&r, st);
			break;
		case RPL_CHECK_TA:
			check_ta(&r, st);
			break;
		case RPL_CHECK_TA_STATEFILE:
			check_ta_statefile(&r, st);
			break;
		case RPL_TA_RESTART:
		case RPL_TA_STATE_LOST:
			ta_restart(&r, st, st->kind == RPL_TA_STATE_LOST);
			break;
		case RPL_CHECK_LOCAL:
			check_local(&r, st);
			break;
		case RPL_LOCALROOT_OFF:
		case RPL_LOCALROOT_ON:
			r.lr_off = st->kind == RPL_LOCALROOT_OFF;
			break;
		}
		if (r.ta_error && !r.failed)
			fail(&r, st, "%s", r.ta_why);
	}
out:
	if (!r.failed)
		printf("PASS %s%s%s\n", path, s.title ? ": " : "",
		       s.title ? s.title : "");
	clear_log(&r);
	free(r.answer);
	if (r.env.cache)
		odr_cache_free(r.env.cache);
	if (r.env.infra)
		odr_infra_free(r.env.infra);
	if (r.env.aggr)
		odr_aggr_free(r.env.aggr);
	ta_cleanup(&r);
	free_snaps(&r);
	rpl_free(&s);
	return r.failed ? 1 : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, int verbose)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".rpl") != 0)
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		size_t pl = strlen(dir) + l + 2;
		v[n] = malloc(pl);
		if (v[n] == NULL)
			break;
		snprintf(v[n++], pl, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_names);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc |= run_file(v[i], verbose);
		free(v[i]);
	}
	free(v);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: replay [-v | -vv] FILE.rpl | DIRECTORY ...\n"
	           "Runs resolver scenarios under a fake network and clock.\n"
	           "  -v   print every query's upstream traffic and answer\n"
	           "  -vv  also print every scripted reply\n");
}

int main(int argc, char **argv)
{
	int verbose = 0;
	int i = 1, rc = 0;
	/* PASS lines and the diagnostics on stderr stay in order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else if (strcmp(argv[i], "-vv") == 0) {
			verbose = 2;
		} else if (strcmp(argv[i], "-h") == 0 ||
		           strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "replay: unknown option '%s'\n",
			        argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			        strerror(errno));
			rc = 1;
			continue;
		}
		rc |= S_ISDIR(sb.st_mode) ? run_dir(argv[i], verbose)
		                          : run_file(argv[i], verbose);
	}
	return rc ? 1 : 0;
}
