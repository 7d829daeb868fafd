/* SPDX-License-Identifier: MIT */
#include "daemon/localroot.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/answer.h"
#include "auth/zonedb.h"
#include "daemon/config.h"
#include "daemon/lr_fetch.h"
#include "daemon/trust.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/zone/zverify.h"
#include "net/net.h"

/* Strings ------------------------------------------------------------ */

const char *odd_lr_state_str(odd_lr_state_t st)
{
	switch (st) {
	case ODD_LR_NONE:
		return "none";
	case ODD_LR_FRESH:
		return "fresh";
	case ODD_LR_STALE:
		return "stale";
	case ODD_LR_EXPIRED:
		return "expired";
	default:
		return "unknown";
	}
}

const char *odd_lr_reason_str(odd_lr_reason_t why)
{
	static const char *const names[ODD_LRF_COUNT] = {
		"fetch",     "parse",   "zonemd", "anchor",
		"signature", "expired", "older",  "store",
	};
	if ((unsigned)why >= ODD_LRF_COUNT)
		return "unknown";
	return names[why];
}

/* Configuration ------------------------------------------------------ */

void odd_lr_conf_init(odd_lr_conf_t *lc)
{
	memset(lc, 0, sizeof(*lc));
	lc->require_zonemd = true;
	lc->margin = ODD_LR_MARGIN_DEFAULT;
	lc->ixfr = true;
}

void odd_lr_source_free(odd_lr_source_t *s)
{
	if (s == NULL)
		return;
	free(s->text);
	free(s->target);
	s->text = NULL;
	s->target = NULL;
}

void odd_lr_conf_free(odd_lr_conf_t *lc)
{
	for (size_t i = 0; i < lc->nsources; i++)
		odd_lr_source_free(&lc->sources[i]);
	free(lc->sources);
	free(lc->state);
	free(lc->ca_file);
	memset(&lc->tsig, 0, sizeof(lc->tsig));
	lc->sources = NULL;
	lc->nsources = 0;
	lc->state = NULL;
	lc->ca_file = NULL;
	lc->has_tsig = false;
}

/* "ADDR" or "[ADDR]" (with an optional @PORT after either) into out. */
static int parse_axfr(const char *s, odd_lr_source_t *out, char *err,
                      size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *a = s, *aend;
	const char *at;
	unsigned long port = 53;
	if (*a == '[') {
		const char *close = strchr(a, ']');
		if (close == NULL) {
			snprintf(err, errlen, "missing ']' after the address");
			return OD_ESYNTAX;
		}
		aend = close;
		a++;
		at = close + 1;
		if (*at != '\0' && *at != '@') {
			snprintf(err, errlen,
			         "unexpected '%s' after the address (a port "
			         "is written ADDR@PORT)",
			         at);
			return OD_ESYNTAX;
		}
	} else {
		at = strchr(a, '@');
		aend = at ? at : a + strlen(a);
	}
	size_t alen = (size_t)(aend - a);
	if (alen == 0) {
		snprintf(err, errlen, "expected an address after axfr://");
		return OD_ESYNTAX;
	}
	if (alen >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	if (at != NULL && *at == '@') {
		const char *p = at + 1;
		char *end = NULL;
		if (*p < '0' || *p > '9')
			goto bad_port;
		errno = 0;
		port = strtoul(p, &end, 10);
		if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
			goto bad_port;
	}
	od_listen_t l;
	if (od_listen_parse(addr, (uint16_t)port, &l) < 0)
		goto bad_addr;
	memcpy(&out->addr, &l.addr, sizeof(out->addr));
	out->addrlen = l.len;
	return 0;
bad_addr:
	snprintf(err, errlen,
	         "'%.*s' is not an IPv4 or IPv6 address (a primary is "
	         "given by its address)",
	         (int)(alen > 64 ? 64 : alen), a);
	return OD_ESYNTAX;
bad_port:
	snprintf(err, errlen, "bad port '%s' (expected 1..65535)", at + 1);
	return OD_ESYNTAX;
}

int odd_lr_source_parse(const char *s, odd_lr_source_t *out, char *err,
                        size_t errlen)
{
	odd_lr_source_t src;
	int r;
	memset(&src, 0, sizeof(src));
	if (s == NULL || *s == '\0') {
		snprintf(err, errlen,
		         "empty source: expected axfr://ADDR[@PORT], "
		         "http(s)://URL or file:PATH");
		return OD_ESYNTAX;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == 0x7f) {
			snprintf(err, errlen,
			         "'%s': blanks, quotes and control characters "
			         "are not allowed in a source",
			         s);
			return OD_ESYNTAX;
		}
	}
	if (strncasecmp(s, "axfr://", 7) == 0) {
		src.kind = ODD_LR_AXFR;
		char why[160];
		if ((r = parse_axfr(s + 7, &src, why, sizeof(why))) < 0) {
			snprintf(err, errlen, "'%s': %s", s, why);
			return r;
		}
	} else if (strncasecmp(s, "http://", 7) == 0 ||
	           strncasecmp(s, "https://", 8) == 0) {
		size_t skip = s[4] == ':' ? 7 : 8;
		if (s[skip] == '\0' || s[skip] == '/') {
			snprintf(err, errlen,
			         "'%s': expected a host in the URL", s);
			return OD_ESYNTAX;
		}
		src.kind = ODD_LR_HTTP;
		src.target = strdup(s);
		if (src.target == NULL)
			return OD_ENOMEM;
	} else if (strncasecmp(s, "file:", 5) == 0) {
		const char *path = s + 5;
		/* file:///path is the URL form of file:/path. */
		if (strncmp(path, "//", 2) == 0 && path[2] == '/')
			path += 2;
		if (*path == '\0' || path[strlen(path) - 1] == '/') {
			snprintf(err, errlen,
			         "'%s': expected a file path after file:", s);
			return OD_ESYNTAX;
		}
		src.kind = ODD_LR_FILE;
		src.target = strdup(path);
		if (src.target == NULL)
			return OD_ENOMEM;
	} else {
		snprintf(err, errlen,
		         "'%s' is not a source: expected axfr://ADDR[@PORT], "
		         "http://URL, https://URL or file:PATH",
		         s);
		return OD_ESYNTAX;
	}
	src.text = strdup(s);
	if (src.text == NULL) {
		odd_lr_source_free(&src);
		return OD_ENOMEM;
	}
	*out = src;
	return 0;
}

int odd_lr_conf_add(odd_lr_conf_t *lc, odd_lr_source_t *s)
{
	if (lc->nsources >= ODD_LR_SOURCES_MAX)
		return OD_ELIMIT;
	odd_lr_source_t *v =
	        realloc(lc->sources, (lc->nsources + 1) * sizeof(*v));
	if (v == NULL)
		return OD_ENOMEM;
	lc->sources = v;
	v[lc->nsources++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

static int load_sources(odd_lr_conf_t *lc, od_yc_t *yc, const od_ycn_t *n)
{
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	if (len == 0)
		return od_yc_fail(yc, n, "expected at least one source");
	for (size_t i = 0; i < lc->nsources; i++)
		odd_lr_source_free(&lc->sources[i]);
	lc->nsources = 0;
	for (int i = 0; i < len; i++) {
		od_ycn_t it;
		const char *s;
		char err[256];
		odd_lr_source_t src;
		od_yc_seq_at(yc, n, i, &it);
		if (od_yc_str(yc, &it, &s) < 0)
			return OD_EINVAL;
		int r = odd_lr_source_parse(s, &src, err, sizeof(err));
		if (r == OD_ENOMEM)
			return r;
		if (r < 0)
			return od_yc_fail(yc, &it, "%s", err);
		r = odd_lr_conf_add(lc, &src);
		if (r < 0) {
			odd_lr_source_free(&src);
			if (r == OD_ELIMIT)
				return od_yc_fail(yc, &it, "at most %d sources",
				                  ODD_LR_SOURCES_MAX);
			return r;
		}
	}
	return 0;
}

/* Whole seconds in [0, max]: "30m", "3600", "1h". */
static int load_seconds(od_yc_t *yc, const od_ycn_t *n, uint32_t max,
                        uint32_t *out)
{
	const char *s;
	uint64_t ms;
	if (od_yc_str(yc, n, &s) < 0 ||
	    od_yc_duration_ms(yc, n, 1000, 0, (uint64_t)1 << 50, &ms) < 0)
		return OD_EINVAL;
	if (ms % 1000 != 0 || ms / 1000 > max)
		return od_yc_fail(yc, n,
		                  "'%s' is out of range (whole seconds, "
		                  "0..%ud)",
		                  s, max / 86400);
	*out = (uint32_t)(ms / 1000);
	return 0;
}

static int load_path(od_yc_t *yc, const od_ycn_t *n, char **out)
{
	const char *s;
	if (od_yc_str(yc, n, &s) < 0)
		return OD_EINVAL;
	if (*s == '\0' || s[strlen(s) - 1] == '/')
		return od_yc_fail(yc, n, "expected a file path");
	char *d = strdup(s);
	if (d == NULL)
		return OD_ENOMEM;
	free(*out);
	*out = d;
	return 0;
}

static int load_tsig(odd_lr_conf_t *lc, od_yc_t *yc, const od_ycn_t *m)
{
	static const char *const keys[] = { "name", "algorithm", "secret",
		                            NULL };
	od_ycn_t v;
	const char *name, *alg = "hmac-sha256", *secret;
	char err[256];
	if (m->node->type != YAML_MAPPING_NODE)
		return od_yc_fail(yc, m,
		                  "expected a mapping with name, algorithm "
		                  "and secret");
	if (od_yc_keys(yc, m, keys) < 0)
		return OD_EINVAL;
	if (!od_yc_get(yc, m, "name", &v))
		return od_yc_fail(yc, m, "name is required");
	if (od_yc_str(yc, &v, &name) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, m, "algorithm", &v) && od_yc_str(yc, &v, &alg) < 0)
		return OD_EINVAL;
	if (!od_yc_get(yc, m, "secret", &v))
		return od_yc_fail(yc, m, "secret is required");
	if (od_yc_str(yc, &v, &secret) < 0)
		return OD_EINVAL;
	err[0] = '\0';
	if (od_tsig_key_set(&lc->tsig, name, alg, secret, err, sizeof(err)) < 0)
		return od_yc_fail(yc, m, "%s", err[0] ? err : "bad TSIG key");
	lc->has_tsig = true;
	return 0;
}

int odd_lr_conf_load(odd_lr_conf_t *lc, od_yc_t *yc, const od_ycn_t *m)
{
	static const char *const keys[] = {
		"sources",        "refresh",       "state",
		"require-zonemd", "expire-margin", "ixfr",
		"tsig",           "ca-file",       NULL,
	};
	od_ycn_t v;
	int r;
	if (m->node->type == YAML_SCALAR_NODE ||
	    m->node->type == YAML_SEQUENCE_NODE)
		return load_sources(lc, yc, m);
	if (m->node->type != YAML_MAPPING_NODE)
		return od_yc_fail(yc, m,
		                  "expected a source, a list of sources or a "
		                  "mapping with sources");
	if (od_yc_keys(yc, m, keys) < 0)
		return OD_EINVAL;
	if (!od_yc_get(yc, m, "sources", &v))
		return od_yc_fail(yc, m, "sources is required");
	if ((r = load_sources(lc, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, m, "refresh", &v) &&
	    (r = load_seconds(yc, &v, ODD_DURATION_MAX, &lc->refresh)) < 0)
		return r;
	if (od_yc_get(yc, m, "state", &v) &&
	    (r = load_path(yc, &v, &lc->state)) < 0)
		return r;
	if (od_yc_get(yc, m, "require-zonemd", &v) &&
	    od_yc_bool(yc, &v, &lc->require_zonemd) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, m, "expire-margin", &v) &&
	    (r = load_seconds(yc, &v, ODD_DURATION_MAX, &lc->margin)) < 0)
		return r;
	if (od_yc_get(yc, m, "ixfr", &v) && od_yc_bool(yc, &v, &lc->ixfr) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, m, "tsig", &v) && (r = load_tsig(lc, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, m, "ca-file", &v) &&
	    (r = load_path(yc, &v, &lc->ca_file)) < 0)
		return r;
	return 0;
}

static int conf_copy(odd_lr_conf_t *dst, const odd_lr_conf_t *src)
{
	odd_lr_conf_init(dst);
	dst->refresh = src->refresh;
	dst->require_zonemd = src->require_zonemd;
	dst->margin = src->margin;
	dst->ixfr = src->ixfr;
	dst->has_tsig = src->has_tsig;
	dst->tsig = src->tsig;
	if (src->nsources > 0) {
		dst->sources = calloc(src->nsources, sizeof(*dst->sources));
		if (dst->sources == NULL)
			goto nomem;
	}
	for (size_t i = 0; i < src->nsources; i++) {
		odd_lr_source_t *d = &dst->sources[i];
		*d = src->sources[i];
		d->text = NULL;
		d->target = NULL;
		dst->nsources = i + 1;
		if (src->sources[i].text &&
		    (d->text = strdup(src->sources[i].text)) == NULL)
			goto nomem;
		if (src->sources[i].target &&
		    (d->target = strdup(src->sources[i].target)) == NULL)
			goto nomem;
	}
	if (src->state && (dst->state = strdup(src->state)) == NULL)
		goto nomem;
	if (src->ca_file && (dst->ca_file = strdup(src->ca_file)) == NULL)
		goto nomem;
	return 0;
nomem:
	odd_lr_conf_free(dst);
	return OD_ENOMEM;
}

/* The copy ----------------------------------------------------------- */

/*
 * One verified copy as published. Readers take a reference under lr->mu
 * (only to copy the pointer and count it) and drop it without the lock,
 * so a swap never frees a copy that is answering.
 */
typedef struct lr_copy {
	atomic_uint refs;
	od_authdb_t *db;
	const od_zone_t *zone; /*!< inside db */
	uint32_t serial;
	uint32_t soa_refresh, soa_retry, soa_expire;
	int64_t sig_expires; /*!< earliest RRSIG expiration; 0: none */
	size_t records;
	char source[256];
} lr_copy_t;

static void copy_unref(lr_copy_t *c)
{
	if (c == NULL)
		return;
	if (atomic_fetch_sub(&c->refs, 1) == 1) {
		od_authdb_free(c->db);
		free(c);
	}
}

/* A pool of answer arenas: one per concurrent caller, reused, freed with
 * the local root (no thread-local memory outlives it). */
typedef struct lr_arena {
	struct lr_arena *next;
	od_arena_t arena;
} lr_arena_t;

struct odd_localroot {
	odd_lr_conf_t conf;
	char *state_path;
	struct odd_trust *trust;
	pthread_mutex_t mu;
	pthread_cond_t cv; /*!< CLOCK_MONOTONIC */
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	bool wake;
	odd_lr_purge_fn purge; /*!< set before the loader starts */
	void *purge_ctx;
	int64_t stored; /*!< loader only: refresh time last written to the
	                     state file */

	/* Under mu. */
	lr_copy_t *copy; /*!< published; NULL: none */
	lr_arena_t *arenas;
	odd_lr_state_t state;
	bool disabled;
	uint32_t serial;
	int64_t refreshed, expires, last_attempt, next_refresh;
	int64_t sig_expires;
	char source[256];
	char last_error[256];
	int last_reason;
	uint64_t refreshes, loads, failures[ODD_LRF_COUNT], notifies;
	size_t records;
	double verify_seconds;

	atomic_uint_fast64_t answers;
};

/* The wall clock (tests pin it). */
static int64_t (*lr_wall)(void *ctx);
static void *lr_wall_ctx;

static int64_t wall_now(const odd_localroot_t *lr)
{
	(void)lr;
	if (lr_wall)
		return lr_wall(lr_wall_ctx);
	return (int64_t)time(NULL);
}

static double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Log values are quoted: keep quotes and line breaks out of them. */
static void log_clean(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			*s = '\'';
		else if ((unsigned char)*s < ' ')
			*s = ' ';
}

/* Verification ------------------------------------------------------- */

typedef struct verify_ctx {
	char *msg; /*!< the first error, "OWNER TYPE: what" */
	size_t msglen;
	bool have;
	od_zv_class_t cls; /*!< of the first error */
} verify_ctx_t;

static void verify_report(void *ctx, const uint8_t *owner, uint16_t type,
                          bool error, od_zv_class_t cls, const char *msg)
{
	verify_ctx_t *vc = ctx;
	char name[OD_NAME_STRLEN], tname[32];
	if (!error || vc->have)
		return;
	vc->have = true;
	vc->cls = cls;
	if (owner == NULL || od_name_to_str(name, sizeof(name), owner) < 0)
		name[0] = '\0';
	if (type == 0 || od_rrtype_to_str(type, tname, sizeof(tname)) < 0)
		tname[0] = '\0';
	if (name[0] && tname[0])
		snprintf(vc->msg, vc->msglen, "%s %s: %s", name, tname, msg);
	else if (name[0])
		snprintf(vc->msg, vc->msglen, "%s: %s", name, msg);
	else
		snprintf(vc->msg, vc->msglen, "%s", msg);
}

/*
 * Verify z at now against the root's trust anchors. \return -1 when it
 * verified (res filled), else the reason with a message in err.
 */
static int verify_copy(odd_localroot_t *lr, const od_zone_t *z, int64_t now,
                       od_zv_result_t *res, char *err, size_t errlen)
{
	const odr_trust_t *tr = lr->trust ? odd_trust_current(lr->trust) : NULL;
	size_t n = 0;
	od_zv_anchor_t *anchors = NULL;
	if (tr != NULL && tr->nanchors > 0) {
		anchors = calloc(tr->nanchors, sizeof(*anchors));
		if (anchors == NULL) {
			snprintf(err, errlen, "out of memory");
			return ODD_LRF_FETCH;
		}
		for (size_t i = 0; i < tr->nanchors; i++) {
			const odr_anchor_t *a = &tr->anchors[i];
			if (a->zone == NULL || a->zone[0] != 0)
				continue;
			anchors[n++] = (od_zv_anchor_t){ .type = a->type,
				                         .rdata = a->rdata,
				                         .rdlen = a->rdlen };
		}
	}
	memset(res, 0, sizeof(*res));
	if (n == 0) {
		free(anchors);
		snprintf(err, errlen,
		         "no trust anchor for the root: the copy cannot be "
		         "verified");
		return ODD_LRF_ANCHOR;
	}
	verify_ctx_t vc = { .msg = err, .msglen = errlen, .have = false };
	od_zv_opts_t opts = {
		.now = now < 0 ? 0 : (uint64_t)now,
		.anchors = anchors,
		.nanchors = n,
		.require_zonemd = lr->conf.require_zonemd,
		.require_dnssec = true,
		.report = verify_report,
		.ctx = &vc,
	};
	int r = od_zone_verify(z, &opts, res);
	free(anchors);
	if (r < 0) {
		snprintf(err, errlen, "verification failed: %s",
		         od_strerror(r));
		return ODD_LRF_SIGNATURE;
	}
	if (res->errors == 0)
		return -1;
	/* The reason is that of the first error, which the message shows. */
	od_zv_class_t cls = vc.cls;
	if (!vc.have) {
		snprintf(err, errlen, "%zu verification errors", res->errors);
		cls = res->by_class[OD_ZV_ZONEMD]   ? OD_ZV_ZONEMD
		      : res->by_class[OD_ZV_ANCHOR] ? OD_ZV_ANCHOR
		                                    : OD_ZV_SIGNATURE;
	}
	if (cls == OD_ZV_ZONEMD)
		return ODD_LRF_ZONEMD;
	if (cls == OD_ZV_ANCHOR)
		return ODD_LRF_ANCHOR;
	return ODD_LRF_SIGNATURE;
}

/* When a copy refreshed at refreshed stops being usable. */
static int64_t lifetime_end(const odd_localroot_t *lr, int64_t refreshed,
                            uint32_t soa_expire, int64_t sig_expires)
{
	int64_t end = refreshed + (int64_t)soa_expire;
	if (sig_expires > 0 && sig_expires - (int64_t)lr->conf.margin < end)
		end = sig_expires - (int64_t)lr->conf.margin;
	return end;
}

/* Build the published form of z (taken, also on error). */
static int copy_new(lr_copy_t **out, od_zone_t *z, const char *source,
                    uint64_t sig_expires)
{
	od_soa_fields_t f;
	if (od_zone_soa_fields(z, &f) < 0) {
		od_zone_free(z);
		return OD_EINVAL;
	}
	lr_copy_t *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		od_zone_free(z);
		return OD_ENOMEM;
	}
	c->records = z->stats.records;
	od_authzone_t *az = NULL;
	int r = od_authzone_new(&az, z);
	if (r < 0) {
		free(c);
		return r;
	}
	c->db = od_authdb_new();
	if (c->db == NULL) {
		od_authzone_unref(az);
		free(c);
		return OD_ENOMEM;
	}
	r = od_authdb_add(c->db, az);
	od_authzone_unref(az);
	if (r < 0) {
		od_authdb_free(c->db);
		free(c);
		return r;
	}
	c->zone = od_authzone_zone(az);
	atomic_init(&c->refs, 1);
	c->serial = f.serial;
	c->soa_refresh = f.refresh;
	c->soa_retry = f.retry;
	c->soa_expire = f.expire;
	c->sig_expires = (int64_t)sig_expires;
	snprintf(c->source, sizeof(c->source), "%s", source);
	*out = c;
	return 0;
}

/* The state file ----------------------------------------------------- */

typedef struct tbuf {
	char *p;
	size_t len, cap;
	bool fail;
} tbuf_t;

static int tbuf_put(tbuf_t *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->fail = true;
			return 1;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int tbuf_line(const char *line, size_t len, void *ctx)
{
	tbuf_t *b = ctx;
	if (tbuf_put(b, line, len) || tbuf_put(b, "\n", 1))
		return 1;
	return 0;
}

/* Write c (refreshed at refreshed) to the state file. */
static int store_copy(odd_localroot_t *lr, const lr_copy_t *c,
                      int64_t refreshed, char *err, size_t errlen)
{
	tbuf_t b = { 0 };
	char head[400];
	int n = snprintf(head, sizeof(head),
	                 "; onedot-localroot refreshed=%" PRId64
	                 " source=%s serial=%" PRIu32 "\n",
	                 refreshed, c->source, c->serial);
	int r = 0;
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    tbuf_put(&b, head, (size_t)n) != 0) {
		r = OD_ENOMEM;
	} else {
		r = od_zone_print(c->zone, tbuf_line, &b);
		if (b.fail)
			r = OD_ENOMEM;
	}
	if (r != 0) {
		snprintf(err, errlen, "cannot print the copy: %s",
		         od_strerror(r < 0 ? r : OD_ENOMEM));
		free(b.p);
		return r < 0 ? r : OD_ENOMEM;
	}
	r = od_file_replace(lr->state_path, NULL, b.p, b.len, 0644, err,
	                    errlen);
	free(b.p);
	return r;
}

/* Parse the first line of a state file. \return 0 or OD_ESYNTAX. */
static int parse_head(const char *text, size_t len, int64_t *refreshed,
                      char *source, size_t srclen)
{
	static const char pfx[] = "; onedot-localroot refreshed=";
	const char *nl = memchr(text, '\n', len);
	size_t ll = nl ? (size_t)(nl - text) : len;
	if (ll < sizeof(pfx) - 1 || memcmp(text, pfx, sizeof(pfx) - 1) != 0)
		return OD_ESYNTAX;
	char line[512];
	if (ll >= sizeof(line))
		return OD_ESYNTAX;
	memcpy(line, text, ll);
	line[ll] = '\0';
	char *p = line + sizeof(pfx) - 1, *end = NULL;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	if (errno != 0 || end == p || v <= 0 || strncmp(end, " source=", 8))
		return OD_ESYNTAX;
	char *s = end + 8;
	char *ser = strstr(s, " serial=");
	if (ser == NULL)
		return OD_ESYNTAX;
	*ser = '\0';
	snprintf(source, srclen, "%s", s);
	*refreshed = (int64_t)v;
	return 0;
}

/* Tolerance for a saved refresh time ahead of the clock, seconds. */
#define LR_CLOCK_SKEW_S 300

/* Load the saved copy at open (no thread runs yet: no lock needed). */
static void load_saved(odd_localroot_t *lr)
{
	char *text = NULL, err[256], source[256];
	size_t len = 0;
	int64_t refreshed = 0;
	int r = od_file_read(lr->state_path, ODD_LR_MAX_SIZE, &text, &len);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		od_log_warn("localroot saved copy not used",
		            "path=%s reason=fetch error=\"%s\"", lr->state_path,
		            od_strerror(r));
		return;
	}
	int64_t now = wall_now(lr);
	if (parse_head(text, len, &refreshed, source, sizeof(source)) < 0) {
		free(text);
		od_log_warn("localroot saved copy not used",
		            "path=%s reason=parse error=\"the first line is "
		            "not '; onedot-localroot refreshed=EPOCH "
		            "source=TEXT serial=N'\"",
		            lr->state_path);
		return;
	}
	od_zone_t *z = NULL;
	err[0] = '\0';
	r = odd_lr_parse_text(text, len, lr->state_path, &z, err, sizeof(err));
	free(text);
	if (r < 0) {
		log_clean(err);
		od_log_warn("localroot saved copy not used",
		            "path=%s reason=parse error=\"%s\"", lr->state_path,
		            err);
		return;
	}
	od_soa_fields_t f;
	if (od_zone_soa_fields(z, &f) < 0) {
		od_zone_free(z);
		od_log_warn("localroot saved copy not used",
		            "path=%s reason=parse error=\"no SOA\"",
		            lr->state_path);
		return;
	}
	/* A refresh time ahead of the clock (a clock stepped back since,
	 * or a damaged file) would stretch the SOA expire bound: such a
	 * copy is not trusted. */
	if (refreshed > now + LR_CLOCK_SKEW_S) {
		od_zone_free(z);
		od_log_warn("localroot saved copy not used",
		            "path=%s reason=parse error=\"refreshed=%" PRId64
		            " is later than the clock (%" PRId64 ")\"",
		            lr->state_path, refreshed, now);
		return;
	}
	od_zv_result_t res;
	double t0 = mono_seconds();
	int why = verify_copy(lr, z, now, &res, err, sizeof(err));
	lr->verify_seconds = mono_seconds() - t0;
	bool over = false;
	int64_t expires = 0;
	if (why < 0) {
		expires = lifetime_end(lr, refreshed, f.expire,
		                       (int64_t)res.min_expiration);
		over = expires <= now;
	} else {
		/* Refused now but good when the copy was last refreshed: only
		 * time changed (signatures out of their validity), so its
		 * lifetime is over; it is not broken. */
		od_zv_result_t then;
		char e2[64];
		if (refreshed < now &&
		    verify_copy(lr, z, refreshed, &then, e2, sizeof(e2)) < 0)
			over = true;
	}
	if (why < 0 && !over) {
		lr_copy_t *c = NULL;
		r = copy_new(&c, z, source, res.min_expiration);
		if (r < 0) {
			od_log_warn("localroot saved copy not used",
			            "path=%s reason=parse error=\"%s\"",
			            lr->state_path, od_strerror(r));
			return;
		}
		lr->copy = c;
		lr->state = ODD_LR_FRESH;
		lr->serial = c->serial;
		lr->refreshed = refreshed;
		lr->expires = expires;
		lr->sig_expires = c->sig_expires;
		lr->records = c->records;
		snprintf(lr->source, sizeof(lr->source), "%s", source);
		od_log_info("localroot saved copy loaded",
		            "serial=%" PRIu32 " records=%zu refreshed=%" PRId64
		            " expires=%" PRId64 " verify_ms=%.0f",
		            c->serial, c->records, refreshed, expires,
		            lr->verify_seconds * 1000);
		return;
	}
	od_zone_free(z);
	lr->serial = f.serial;
	if (over) {
		lr->state = ODD_LR_EXPIRED;
		lr->last_reason = ODD_LRF_EXPIRED;
		snprintf(lr->last_error, sizeof(lr->last_error),
		         "the saved copy (serial %" PRIu32
		         ") is past its lifetime",
		         f.serial);
		od_log_error("localroot copy expired, using the root servers",
		             "serial=%" PRIu32 " path=%s", f.serial,
		             lr->state_path);
		return;
	}
	lr->last_reason = why;
	snprintf(lr->last_error, sizeof(lr->last_error), "%s", err);
	log_clean(err);
	od_log_warn("localroot saved copy not used",
	            "path=%s reason=%s error=\"%s\"", lr->state_path,
	            odd_lr_reason_str((odd_lr_reason_t)why), err);
}

/* Opening ------------------------------------------------------------ */

int odd_localroot_open(odd_localroot_t **out, const odd_lr_conf_t *lc,
                       const char *state_dir, struct odd_trust *trust,
                       bool check_only, char *err, size_t errlen)
{
	if (lc->nsources == 0) {
		snprintf(err, errlen, "localroot: no source configured");
		return OD_EINVAL;
	}
	for (size_t i = 0; i < lc->nsources; i++) {
		const odd_lr_source_t *s = &lc->sources[i];
		if (s->text == NULL ||
		    (s->kind != ODD_LR_AXFR && s->target == NULL) ||
		    (s->kind == ODD_LR_AXFR && s->addrlen == 0)) {
			snprintf(err, errlen,
			         "localroot: source %zu is not "
			         "set up",
			         i + 1);
			return OD_EINVAL;
		}
	}
	odd_localroot_t *lr = calloc(1, sizeof(*lr));
	if (lr == NULL)
		goto nomem;
	if (conf_copy(&lr->conf, lc) < 0) {
		free(lr);
		goto nomem;
	}
	if (lc->state) {
		lr->state_path = strdup(lc->state);
	} else {
		const char *dir = state_dir ? state_dir : ODD_STATE_DIR_DEFAULT;
		size_t n = strlen(dir) + sizeof(ODD_LOCALROOT_FILE) + 1;
		lr->state_path = malloc(n);
		if (lr->state_path)
			snprintf(lr->state_path, n, "%s/%s", dir,
			         ODD_LOCALROOT_FILE);
	}
	if (lr->state_path == NULL) {
		odd_lr_conf_free(&lr->conf);
		free(lr);
		goto nomem;
	}
	lr->trust = trust;
	lr->last_reason = -1;
	pthread_mutex_init(&lr->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&lr->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&lr->answers, 0);
	if (!check_only)
		load_saved(lr);
	*out = lr;
	return 0;
nomem:
	snprintf(err, errlen, "localroot: out of memory");
	return OD_ENOMEM;
}

void odd_localroot_set_clock(int64_t (*wall)(void *ctx), void *ctx)
{
	lr_wall = wall;
	lr_wall_ctx = ctx;
}

/* Refreshing --------------------------------------------------------- */

static uint32_t at_least(uint32_t v)
{
	return v < ODD_LR_REFRESH_MIN ? ODD_LR_REFRESH_MIN : v;
}

/* Under mu: when the next attempt is due after a success or a failure. */
static int64_t next_after(const odd_localroot_t *lr, int64_t now, bool ok)
{
	const lr_copy_t *c = lr->copy;
	if (c == NULL) {
		uint32_t v = ODD_LR_RETRY_NOCOPY;
		if (lr->conf.refresh && lr->conf.refresh < v)
			v = lr->conf.refresh;
		return now + at_least(v);
	}
	if (lr->conf.refresh)
		return now + at_least(lr->conf.refresh);
	return now + at_least(ok ? c->soa_refresh : c->soa_retry);
}

/* Under mu: the copy's lifetime is over. \return the copy, for
 * expired_drop once mu is released (freeing a whole zone under mu would
 * stall the workers' answers). */
static lr_copy_t *expire_locked(odd_localroot_t *lr)
{
	lr_copy_t *c = lr->copy;
	lr->copy = NULL;
	lr->state = ODD_LR_EXPIRED;
	lr->expires = 0;
	return c;
}

/* After expire_locked, without mu: say so, drop the copy and what it
 * put in the resolver's cache. */
static void expired_drop(odd_localroot_t *lr, lr_copy_t *c)
{
	if (c == NULL)
		return;
	od_log_error("localroot copy expired, using the root servers",
	             "serial=%" PRIu32, c->serial);
	copy_unref(c);
	if (lr->purge != NULL)
		lr->purge(lr->purge_ctx);
}

void odd_localroot_set_purge(odd_localroot_t *lr, odd_lr_purge_fn fn, void *ctx)
{
	lr->purge = fn;
	lr->purge_ctx = ctx;
}

static void fail_source(odd_localroot_t *lr, const odd_lr_source_t *src,
                        int why, const char *err)
{
	char clean[256];
	snprintf(clean, sizeof(clean), "%s", err);
	pthread_mutex_lock(&lr->mu);
	lr->failures[why]++;
	lr->last_reason = why;
	/* Fetch errors name their source already; verification errors
	 * do not. */
	size_t tl = strlen(src->text);
	if (strncmp(err, src->text, tl) == 0 && err[tl] == ':')
		snprintf(lr->last_error, sizeof(lr->last_error), "%s", err);
	else
		snprintf(lr->last_error, sizeof(lr->last_error), "%s: %s",
		         src->text, err);
	pthread_mutex_unlock(&lr->mu);
	log_clean(clean);
	od_log_warn("localroot refresh failed",
	            "source=\"%s\" reason=%s error=\"%s\"", src->text,
	            odd_lr_reason_str((odd_lr_reason_t)why), clean);
}

/* An up-to-date refresh rewrites the state file at most this often,
 * seconds. */
#define LR_STORE_SAME_S 600

static void store_logged(odd_localroot_t *lr, const lr_copy_t *c,
                         int64_t refreshed)
{
	char err[256];
	err[0] = '\0';
	if (store_copy(lr, c, refreshed, err, sizeof(err)) == 0) {
		lr->stored = refreshed;
		return;
	}
	pthread_mutex_lock(&lr->mu);
	lr->failures[ODD_LRF_STORE]++;
	pthread_mutex_unlock(&lr->mu);
	log_clean(err);
	od_log_warn("localroot state file not written",
	            "path=%s reason=store error=\"%s\"", lr->state_path, err);
}

/* The source says its serial is ours. \return true when that made a
 * successful refresh. */
static bool refresh_same(odd_localroot_t *lr, const odd_lr_source_t *src,
                         lr_copy_t *have, int64_t now)
{
	int64_t expires =
	        lifetime_end(lr, now, have->soa_expire, have->sig_expires);
	if (expires <= now) {
		char err[200];
		snprintf(err, sizeof(err),
		         "serial %" PRIu32 " is current, but its signatures "
		         "expire at %" PRId64 " (margin %" PRIu32 " s)",
		         have->serial, have->sig_expires, lr->conf.margin);
		fail_source(lr, src, ODD_LRF_EXPIRED, err);
		return false;
	}
	pthread_mutex_lock(&lr->mu);
	/* The copy may have expired while the source was asked: an
	 * expired copy is never used again, whatever the source says. */
	if (lr->copy != have || now >= lr->expires) {
		lr_copy_t *gone = lr->copy == have ? expire_locked(lr) : NULL;
		pthread_mutex_unlock(&lr->mu);
		expired_drop(lr, gone);
		fail_source(lr, src, ODD_LRF_EXPIRED,
		            "the copy expired during the refresh; a new "
		            "copy is needed");
		return false;
	}
	lr->refreshed = now;
	lr->expires = expires;
	lr->state = ODD_LR_FRESH;
	lr->refreshes++;
	lr->last_reason = -1;
	lr->last_error[0] = '\0';
	lr->next_refresh = next_after(lr, now, true);
	pthread_mutex_unlock(&lr->mu);
	od_log_info("localroot up to date", "serial=%" PRIu32 " source=\"%s\"",
	            have->serial, src->text);
	/* The saved refresh time only shortens the lifetime after a
	 * restart when it is old; rewriting the whole zone for each
	 * up-to-date answer (a NOTIFY flood) is not worth it. */
	if (now - lr->stored >= LR_STORE_SAME_S)
		store_logged(lr, have, now);
	return true;
}

/* A new zone from src: verify and publish (z is taken). */
static bool refresh_new(odd_localroot_t *lr, const odd_lr_source_t *src,
                        od_zone_t *z, bool by_ixfr, int64_t now)
{
	char err[256];
	od_zv_result_t res;
	od_soa_fields_t f;
	if (od_zone_soa_fields(z, &f) < 0) {
		od_zone_free(z);
		fail_source(lr, src, ODD_LRF_PARSE, "the zone has no SOA");
		return false;
	}
	err[0] = '\0';
	double t0 = mono_seconds();
	int why = verify_copy(lr, z, now, &res, err, sizeof(err));
	double dt = mono_seconds() - t0;
	pthread_mutex_lock(&lr->mu);
	lr->verify_seconds = dt;
	pthread_mutex_unlock(&lr->mu);
	if (why >= 0) {
		od_zone_free(z);
		char msg[256];
		snprintf(msg, sizeof(msg), "serial %" PRIu32 ": %s", f.serial,
		         err);
		fail_source(lr, src, why, msg);
		return false;
	}
	int64_t expires =
	        lifetime_end(lr, now, f.expire, (int64_t)res.min_expiration);
	if (expires <= now) {
		od_zone_free(z);
		snprintf(err, sizeof(err),
		         "serial %" PRIu32 " verified, but its lifetime is "
		         "over (earliest signature expiration %" PRIu64
		         ", margin %" PRIu32 " s)",
		         f.serial, res.min_expiration, lr->conf.margin);
		fail_source(lr, src, ODD_LRF_EXPIRED, err);
		return false;
	}
	lr_copy_t *c = NULL;
	int r = copy_new(&c, z, src->text, res.min_expiration);
	if (r < 0) {
		snprintf(err, sizeof(err), "serial %" PRIu32 ": %s", f.serial,
		         r == OD_ENOMEM ? "out of memory"
		                        : "the zone cannot be served");
		fail_source(lr, src,
		            r == OD_ENOMEM ? ODD_LRF_FETCH : ODD_LRF_PARSE,
		            err);
		return false;
	}
	pthread_mutex_lock(&lr->mu);
	lr_copy_t *old = lr->copy;
	lr->copy = c;
	lr->state = ODD_LR_FRESH;
	lr->serial = c->serial;
	lr->refreshed = now;
	lr->expires = expires;
	lr->sig_expires = c->sig_expires;
	lr->records = c->records;
	snprintf(lr->source, sizeof(lr->source), "%s", src->text);
	lr->refreshes++;
	lr->loads++;
	lr->last_reason = -1;
	lr->last_error[0] = '\0';
	lr->next_refresh = next_after(lr, now, true);
	pthread_mutex_unlock(&lr->mu);
	copy_unref(old);
	od_log_info("localroot new copy",
	            "serial=%" PRIu32 " source=\"%s\" ixfr=%s records=%zu "
	            "verify_ms=%.0f",
	            c->serial, src->text, by_ixfr ? "yes" : "no", c->records,
	            dt * 1000);
	store_logged(lr, c, now);
	return true;
}

/* One fetch from src (have: the copy held, or NULL); a failure is
 * counted and logged, *now is read again after it (fetches take time).
 * \return 0 and *f, -1 when it failed, 1 when the loader stops. */
static int fetch_one(odd_localroot_t *lr, const odd_lr_source_t *src,
                     const odd_lr_conf_t *conf, const lr_copy_t *have,
                     odd_lr_fetched_t *f, int64_t *now)
{
	char err[256];
	memset(f, 0, sizeof(*f));
	err[0] = '\0';
	int r = odd_lr_fetch(src, conf, have ? have->zone : NULL, &lr->stop, f,
	                     err, sizeof(err));
	if (lr->stop) {
		od_zone_free(f->zone);
		f->zone = NULL;
		return 1;
	}
	*now = wall_now(lr);
	if (r >= 0)
		return 0;
	int why = (int)odd_lr_fetch_reason(r);
	if (why < 0 || why >= ODD_LRF_COUNT)
		why = ODD_LRF_FETCH;
	fail_source(lr, src, why, err[0] ? err : od_strerror(r));
	return -1;
}

/* One refresh: every source in order until one succeeds. Loader only
 * (the copy is swapped nowhere else, so it is read without a ref). */
static void refresh_once(odd_localroot_t *lr)
{
	int64_t now = wall_now(lr);
	lr_copy_t *gone = NULL;
	pthread_mutex_lock(&lr->mu);
	lr->last_attempt = now;
	if (lr->copy != NULL && now >= lr->expires)
		gone = expire_locked(lr);
	lr_copy_t *have = lr->copy;
	pthread_mutex_unlock(&lr->mu);
	expired_drop(lr, gone);
	gone = NULL;
	/* A newer version refused by one source is not made good by
	 * another source that still has our serial: the copy stays stale
	 * (the October 2023 failure must not hide behind a mirror). */
	bool newer_refused = false;
	/* Without IXFR, for a second try after an IXFR result failed. */
	odd_lr_conf_t axfr_only = lr->conf;
	axfr_only.ixfr = false;
	for (size_t i = 0; i < lr->conf.nsources && !lr->stop; i++) {
		const odd_lr_source_t *src = &lr->conf.sources[i];
		odd_lr_fetched_t f;
		int r = fetch_one(lr, src, &lr->conf, have, &f, &now);
		if (r > 0)
			return;
		if (r < 0)
			continue;
		if (f.zone == NULL) {
			if (have != NULL && newer_refused)
				continue;
			if (have != NULL && refresh_same(lr, src, have, now))
				return;
			if (have == NULL)
				fail_source(lr, src, ODD_LRF_FETCH,
				            "no zone received");
			else
				have = NULL; /* it expired: a full copy next */
			continue;
		}
		bool by_ixfr = f.ixfr;
		if (refresh_new(lr, src, f.zone, by_ixfr, now))
			return;
		newer_refused = true;
		if (!by_ixfr)
			continue;
		/* The differences applied to our copy did not verify (a
		 * broken journal, or a base that differs from the primary's
		 * version of our serial): the whole zone, once. */
		r = fetch_one(lr, src, &axfr_only, NULL, &f, &now);
		if (r > 0)
			return;
		if (r == 0 && f.zone != NULL &&
		    refresh_new(lr, src, f.zone, false, now))
			return;
	}
	if (lr->stop)
		return;
	pthread_mutex_lock(&lr->mu);
	lr->next_refresh = next_after(lr, now, false);
	if (lr->copy != NULL) {
		if (now >= lr->expires) {
			gone = expire_locked(lr);
		} else if (lr->state != ODD_LR_STALE) {
			lr->state = ODD_LR_STALE;
			od_log_error("localroot copy is stale",
			             "serial=%" PRIu32 " expires=%" PRId64,
			             lr->copy->serial, lr->expires);
		}
	}
	pthread_mutex_unlock(&lr->mu);
	expired_drop(lr, gone);
}

int odd_localroot_refresh_sync(odd_localroot_t *lr)
{
	if (lr->started)
		return OD_EINVAL;
	refresh_once(lr);
	pthread_mutex_lock(&lr->mu);
	int r = lr->last_reason;
	pthread_mutex_unlock(&lr->mu);
	return r;
}

/* Longest sleep of the loader: the wall clock may jump (or be moved in
 * tests), and an expiry must still be noticed soon after. */
#define LR_WAIT_MAX_S 1
/* Least time between the start of a refresh and one asked for. */
#define LR_WAKE_MIN_S 2

static void *loader_main(void *arg)
{
	odd_localroot_t *lr = arg;
	pthread_mutex_lock(&lr->mu);
	lr->wake = true;
	while (!lr->stop) {
		int64_t now = wall_now(lr);
		if (lr->copy != NULL && now >= lr->expires) {
			lr_copy_t *gone = expire_locked(lr);
			pthread_mutex_unlock(&lr->mu);
			expired_drop(lr, gone);
			pthread_mutex_lock(&lr->mu);
			continue;
		}
		/* Asked-for refreshes (NOTIFY, onedotctl) start at most
		 * every LR_WAKE_MIN_S: a NOTIFY flood from a spoofed
		 * primary address costs one refresh per interval. */
		bool asked = lr->wake &&
		             (lr->last_attempt == 0 ||
		              now - lr->last_attempt >= LR_WAKE_MIN_S ||
		              now < lr->last_attempt);
		if (asked || now >= lr->next_refresh) {
			lr->wake = false;
			pthread_mutex_unlock(&lr->mu);
			refresh_once(lr);
			pthread_mutex_lock(&lr->mu);
			continue;
		}
		int64_t until = lr->next_refresh;
		if (lr->copy != NULL && lr->expires < until)
			until = lr->expires;
		int64_t wait = until - now;
		if (wait > LR_WAIT_MAX_S)
			wait = LR_WAIT_MAX_S;
		if (wait < 1)
			wait = 1;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)wait;
		pthread_cond_timedwait(&lr->cv, &lr->mu, &ts);
	}
	pthread_mutex_unlock(&lr->mu);
	return NULL;
}

int odd_localroot_start(odd_localroot_t *lr)
{
	if (lr->started)
		return 0;
	int r = pthread_create(&lr->thread, NULL, loader_main, lr);
	if (r != 0)
		return -r;
	lr->started = true;
	return 0;
}

void odd_localroot_refresh(odd_localroot_t *lr)
{
	if (lr == NULL)
		return;
	pthread_mutex_lock(&lr->mu);
	lr->wake = true;
	pthread_cond_signal(&lr->cv);
	pthread_mutex_unlock(&lr->mu);
}

void odd_localroot_set_disabled(odd_localroot_t *lr, bool disabled)
{
	pthread_mutex_lock(&lr->mu);
	bool was = lr->disabled;
	lr->disabled = disabled;
	pthread_mutex_unlock(&lr->mu);
	/* Disabling means no answer from the copy from now on: neither
	 * a new one nor one it left in the cache. */
	if (disabled && !was && lr->purge != NULL)
		lr->purge(lr->purge_ctx);
}

void odd_localroot_free(odd_localroot_t *lr)
{
	if (lr == NULL)
		return;
	if (lr->started) {
		pthread_mutex_lock(&lr->mu);
		lr->stop = true;
		pthread_cond_signal(&lr->cv);
		pthread_mutex_unlock(&lr->mu);
		pthread_join(lr->thread, NULL);
	}
	copy_unref(lr->copy);
	while (lr->arenas) {
		lr_arena_t *a = lr->arenas;
		lr->arenas = a->next;
		od_arena_deinit(&a->arena);
		free(a);
	}
	pthread_cond_destroy(&lr->cv);
	pthread_mutex_destroy(&lr->mu);
	odd_lr_conf_free(&lr->conf);
	free(lr->state_path);
	free(lr);
}

/* Answering ---------------------------------------------------------- */

size_t odd_localroot_answer(void *ctx, const uint8_t *q, size_t qlen, bool tcp,
                            uint16_t udp_max, uint8_t *out, size_t cap)
{
	odd_localroot_t *lr = ctx;
	int64_t now = wall_now(lr);
	pthread_mutex_lock(&lr->mu);
	lr_copy_t *c = lr->copy;
	if (lr->disabled || c == NULL || now >= lr->expires) {
		pthread_mutex_unlock(&lr->mu);
		return 0;
	}
	atomic_fetch_add(&c->refs, 1);
	lr_arena_t *a = lr->arenas;
	if (a != NULL)
		lr->arenas = a->next;
	pthread_mutex_unlock(&lr->mu);
	if (a == NULL) {
		a = malloc(sizeof(*a));
		if (a == NULL) {
			copy_unref(c);
			return 0;
		}
		od_arena_init(&a->arena, 0);
	}
	od_auth_info_t info;
	memset(&info, 0, sizeof(info));
	od_auth_opts_t opts = { .udp_max = udp_max, .tcp = tcp };
	int n = od_auth_answer(c->db, q, qlen, &opts, out, cap, &a->arena,
	                       &info);
	od_arena_reset(&a->arena);
	copy_unref(c);
	pthread_mutex_lock(&lr->mu);
	a->next = lr->arenas;
	lr->arenas = a;
	pthread_mutex_unlock(&lr->mu);
	if (n <= 0 || info.kind == OD_AK_REFUSED || info.kind == OD_AK_DROP)
		return 0;
	atomic_fetch_add(&lr->answers, 1);
	return (size_t)n;
}

/* NOTIFY ------------------------------------------------------------- */

/* The IPv4 address of sa, also inside an IPv4-mapped IPv6 address. */
static bool addr_v4(const struct sockaddr *sa, struct in_addr *out)
{
	if (sa->sa_family == AF_INET) {
		*out = ((const struct sockaddr_in *)sa)->sin_addr;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		        &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, &a->s6_addr[12], 4);
			return true;
		}
	}
	return false;
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	struct in_addr x, y;
	if (addr_v4(a, &x) && addr_v4(b, &y))
		return x.s_addr == y.s_addr;
	if (a->sa_family == AF_INET6 && b->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr,
		              16) == 0;
	return false;
}

/* A NOTIFY response: rcode, the question when there is one. */
static size_t notify_reply(uint16_t id, uint8_t opcode, uint16_t rcode,
                           const od_question_t *qd, uint8_t *out, size_t cap)
{
	od_hdr_t h = { .id = id, .opcode = opcode, .qr = true, .aa = true };
	od_pkt_w_t b;
	if (rcode != OD_RCODE_NOERROR)
		h.aa = false;
	if (od_pkt_w_init(&b, out, cap, &h) < 0)
		return 0;
	od_pkt_w_rcode(&b, rcode);
	if (qd != NULL &&
	    od_pkt_w_question(&b, qd->qname, qd->qtype, qd->qclass) < 0)
		return 0;
	int n = od_pkt_w_finish(&b);
	return n < 0 ? 0 : (size_t)n;
}

size_t odd_localroot_notify(odd_localroot_t *lr, const uint8_t *q, size_t qlen,
                            const struct sockaddr *from, uint8_t *out,
                            size_t cap)
{
	od_hdr_t h;
	od_pkt_t p;
	if (qlen < OD_HDR_LEN)
		return 0;
	od_hdr_unpack(&h, q);
	if (h.qr)
		return 0; /* a response: never answered */
	if (od_pkt_parse(&p, q, qlen, NULL, OD_PKT_TRAILING_OK) < 0)
		return notify_reply(h.id, h.opcode, OD_RCODE_FORMERR, NULL, out,
		                    cap);
	size_t n;
	const od_question_t *qd = od_pkt_question(&p);
	if (p.count[OD_QUESTION] != 1) {
		n = notify_reply(h.id, h.opcode, OD_RCODE_FORMERR, NULL, out,
		                 cap);
	} else if (h.opcode != OD_OPCODE_NOTIFY || qd->qname[0] != 0 ||
	           qd->qclass != OD_CLASS_IN) {
		n = notify_reply(h.id, h.opcode, OD_RCODE_NOTAUTH, qd, out,
		                 cap);
	} else {
		bool known = false;
		for (size_t i = 0; from && i < lr->conf.nsources && !known;
		     i++) {
			const odd_lr_source_t *s = &lr->conf.sources[i];
			known = s->kind == ODD_LR_AXFR &&
			        same_addr((const struct sockaddr *)&s->addr,
			                  from);
		}
		if (known) {
			n = notify_reply(h.id, h.opcode, OD_RCODE_NOERROR, qd,
			                 out, cap);
			pthread_mutex_lock(&lr->mu);
			lr->notifies++;
			lr->wake = true;
			pthread_cond_signal(&lr->cv);
			pthread_mutex_unlock(&lr->mu);
		} else {
			n = notify_reply(h.id, h.opcode, OD_RCODE_REFUSED, qd,
			                 out, cap);
		}
	}
	od_pkt_free(&p);
	return n;
}

/* Status ------------------------------------------------------------- */

void odd_localroot_status(odd_localroot_t *lr, odd_lr_status_t *out)
{
	int64_t now = wall_now(lr);
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&lr->mu);
	out->state = lr->state;
	out->have_copy = lr->copy != NULL;
	if (out->have_copy && now >= lr->expires) {
		/* The loader notices within a second; say it already. */
		out->state = ODD_LR_EXPIRED;
		out->have_copy = false;
	}
	out->disabled = lr->disabled;
	out->serial = lr->serial;
	out->refreshed = lr->refreshed;
	out->expires = out->have_copy ? lr->expires : 0;
	out->sig_expires = lr->sig_expires;
	out->last_attempt = lr->last_attempt;
	out->next_refresh = lr->next_refresh;
	snprintf(out->source, sizeof(out->source), "%s",
	         out->have_copy ? lr->source : "");
	snprintf(out->last_error, sizeof(out->last_error), "%s",
	         lr->last_error);
	out->last_reason = lr->last_reason;
	out->refreshes = lr->refreshes;
	out->loads = lr->loads;
	memcpy(out->failures, lr->failures, sizeof(out->failures));
	out->notifies = lr->notifies;
	out->records = out->have_copy ? lr->records : 0;
	out->verify_seconds = lr->verify_seconds;
	pthread_mutex_unlock(&lr->mu);
	out->answers = atomic_load(&lr->answers);
}
