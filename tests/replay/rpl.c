/* SPDX-License-Identifier: MIT */
/*
 * The .rpl reader, message builder and comparer (see rpl.h, README.md).
 */
#include "rpl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edns.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "resolve/ta.h"

#define MAX_TOKS 1024
#define DEFAULT_TTL 3600

/* Parser state shared by the helpers below. */
typedef struct parser {
	rpl_scenario_t *s;
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
	od_tok_t toks[MAX_TOKS];
	int ntoks;
} parser_t;

static int perr(parser_t *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int perr(parser_t *p, const char *fmt, ...)
{
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->path, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void *xrealloc(void *ptr, size_t n)
{
	void *q = realloc(ptr, n ? n : 1);
	if (q == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	return q;
}

static bool tok_is(const od_tok_t *t, const char *word)
{
	size_t n = strlen(word);
	return !t->quoted && t->len == n && strncasecmp(t->s, word, n) == 0;
}

/* Token as a NUL-terminated string in buf (cut at cap). */
static const char *tok_str(const od_tok_t *t, char *buf, size_t cap)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;
	memcpy(buf, t->s, n);
	buf[n] = '\0';
	return buf;
}

static int tok_long(parser_t *p, const od_tok_t *t, long min, long max,
                    long *out)
{
	char buf[32], *end;
	tok_str(t, buf, sizeof(buf));
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (t->len == 0 || t->len >= sizeof(buf) || *end != '\0' || errno ||
	    v < min || v > max)
		return perr(p, "'%.*s' is not a number in [%ld, %ld]",
		            (int)t->len, t->s, min, max);
	*out = v;
	return 0;
}

static int tok_bool(parser_t *p, const od_tok_t *t, bool *out)
{
	if (tok_is(t, "yes") || tok_is(t, "on") || tok_is(t, "true")) {
		*out = true;
		return 0;
	}
	if (tok_is(t, "no") || tok_is(t, "off") || tok_is(t, "false")) {
		*out = false;
		return 0;
	}
	return perr(p, "'%.*s' is not yes or no", (int)t->len, t->s);
}

static int tok_name(parser_t *p, const od_tok_t *t, uint8_t out[OD_NAME_MAXLEN])
{
	int r = od_name_from_str(out, t->s, t->len, NULL);
	if (r < 0) {
		if (r == OD_ESYNTAX && t->len && t->s[t->len - 1] != '.')
			return perr(
			        p,
			        "relative name '%.*s' (write absolute names, "
			        "with the trailing dot)",
			        (int)t->len, t->s);
		return perr(p, "bad name '%.*s': %s", (int)t->len, t->s,
		            od_strerror(r));
	}
	return 0;
}

int rpl_addr_parse(const char *s, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *in4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(53);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(53);
		return 0;
	}
	return -1;
}

bool rpl_addr_equal(const struct sockaddr_storage *a,
                    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr,
		              16) == 0;
	return false;
}

void rpl_addr_str(const struct sockaddr_storage *a, char *out, size_t cap)
{
	const void *src =
	        a->ss_family == AF_INET6
	                ? (const void *)&((const struct sockaddr_in6 *)a)
	                          ->sin6_addr
	                : (const void *)&((const struct sockaddr_in *)a)
	                          ->sin_addr;
	if (inet_ntop(a->ss_family, src, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "(family %d)", a->ss_family);
}

static int tok_addr(parser_t *p, const od_tok_t *t,
                    struct sockaddr_storage *out)
{
	char buf[64];
	if (t->len >= sizeof(buf) ||
	    rpl_addr_parse(tok_str(t, buf, sizeof(buf)), out) != 0)
		return perr(p, "'%.*s' is not an IPv4 or IPv6 address",
		            (int)t->len, t->s);
	return 0;
}

/*
 * Configuration.
 */

static int add_hint(parser_t *p, const char *name_str, const od_tok_t *name_tok,
                    const od_tok_t *addr)
{
	odr_hints_t *h = &p->s->hints;
	h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	odr_hint_t *e = &h->v[h->n];
	memset(e, 0, sizeof(*e));
	if (name_tok != NULL) {
		if (tok_name(p, name_tok, e->name) < 0)
			return -1;
	} else {
		od_name_from_str(e->name, name_str, strlen(name_str), NULL);
	}
	if (tok_addr(p, addr, &e->addr) < 0)
		return -1;
	e->addrlen = e->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                           : sizeof(struct sockaddr_in);
	h->n++;
	return 0;
}

/* Keys of Deckard and testbound configurations that do not apply here:
 * accepted so that outside scenarios load, and reported on stderr. */
static const char *const ignored_keys[] = {
	"do-not-query-localhost",
	"harden-glue",
	"val-override-timestamp",
	"force-ipv6",
	"feature-list",
	"harden-referral-path",
	"target-fetch-policy",
	"module-config",
	"verbosity",
	"access-control",
	"interface",
	"port",
	NULL,
};

static int parse_rr(parser_t *p, const od_tok_t *t, int n, od_rr_t *rr,
                    rpl_question_t *qd);
static void rrs_push(rpl_rrs_t *rs, const od_rr_t *rr);

/* trust-anchor: "RR" (or the record unquoted): a DS or DNSKEY. */
static int trust_anchor(parser_t *p)
{
	const od_tok_t *t = &p->toks[1];
	int n = p->ntoks - 1;
	od_tok_t *sub = NULL;
	if (n == 1 && t->quoted) {
		sub = xrealloc(NULL, MAX_TOKS * sizeof(*sub));
		n = od_tok_split(t->s, t->len, sub, MAX_TOKS);
		if (n < 0) {
			free(sub);
			return perr(p, "trust-anchor: cannot split the record");
		}
		t = sub;
	}
	od_rr_t rr;
	int rc = parse_rr(p, t, n, &rr, NULL);
	free(sub);
	if (rc < 0)
		return -1;
	if (rr.type != OD_TYPE_DS && rr.type != OD_TYPE_DNSKEY) {
		free((void *)rr.owner);
		free((void *)rr.rdata);
		return perr(p, "trust-anchor: a DS or DNSKEY record, not "
		               "another type");
	}
	rrs_push(&p->s->anchors, &rr);
	return 0;
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* val-override-date: YYYYMMDDhhmmss (UTC) or seconds since the epoch. */
static int override_date(parser_t *p, const od_tok_t *t)
{
	char buf[32];
	tok_str(t, buf, sizeof(buf));
	size_t len = strlen(buf);
	bool digits = len > 0 && len == t->len;
	for (size_t i = 0; i < len && digits; i++)
		digits = isdigit((unsigned char)buf[i]) != 0;
	if (!digits || len > 14)
		goto bad;
	if (len < 14) {
		p->s->date = strtoll(buf, NULL, 10);
		p->s->have_date = true;
		return 0;
	}
	unsigned v[6];
	if (sscanf(buf, "%4u%2u%2u%2u%2u%2u", &v[0], &v[1], &v[2], &v[3], &v[4],
	           &v[5]) != 6 ||
	    v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		goto bad;
	p->s->date = days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 +
	             v[4] * 60 + v[5];
	p->s->have_date = true;
	return 0;
bad:
	return perr(p,
	            "val-override-date: '%.*s' is neither YYYYMMDDhhmmss "
	            "nor seconds since the epoch",
	            (int)t->len, t->s);
}

/* domain-insecure: NAME, nta: NAME SECONDS. */
static int add_nta(parser_t *p, bool expiring)
{
	rpl_scenario_t *s = p->s;
	if (p->ntoks != (expiring ? 3 : 2))
		return perr(p, expiring ? "nta: NAME SECONDS"
		                        : "domain-insecure: NAME");
	s->ntas = xrealloc(s->ntas, (s->nntas + 1) * sizeof(*s->ntas));
	rpl_nta_t *n = &s->ntas[s->nntas];
	memset(n, 0, sizeof(*n));
	if (tok_name(p, &p->toks[1], n->name) < 0)
		return -1;
	if (expiring) {
		long v;
		if (tok_long(p, &p->toks[2], 1, 0x7fffffff, &v) < 0)
			return -1;
		n->secs = (uint32_t)v;
	}
	s->nntas++;
	return 0;
}

static int config_line(parser_t *p)
{
	od_tok_t *t = p->toks;
	int n = p->ntoks;
	rpl_scenario_t *s = p->s;
	if (n == 0)
		return 0;
	if (t[0].len < 2 || t[0].s[t[0].len - 1] != ':')
		return perr(p,
		            "expected 'key: value' or CONFIG_END, not '%.*s'",
		            (int)t[0].len, t[0].s);
	char key[64];
	tok_str(&t[0], key, sizeof(key));
	key[strlen(key) - 1] = '\0';
	if (n == 1) {
		if (strcmp(key, "server") == 0 || strcmp(key, "stub-zone") == 0)
			return 0;
		return perr(p, "'%s:' needs a value", key);
	}
	const od_tok_t *v = &t[1];
	long num;
	bool b;
	if (strcmp(key, "name") == 0) {
		/* stub-zone name: only the root stub (= root hints) */
		if (!tok_is(v, "."))
			return perr(p, "only a stub-zone for \".\" is "
			               "supported (it sets the root hints)");
		return 0;
	}
	if (strcmp(key, "stub-addr") == 0)
		return add_hint(p, "k.root-servers.net.", NULL, v);
	if (strcmp(key, "root-hint") == 0) {
		if (n != 3)
			return perr(p, "root-hint: NAME ADDRESS");
		return add_hint(p, NULL, &t[1], &t[2]);
	}
	if (strcmp(key, "qname-minimisation") == 0 ||
	    strcmp(key, "qname-minimization") == 0 ||
	    strcmp(key, "query-minimization") == 0) {
		if (tok_bool(p, v, &b) < 0)
			return -1;
		s->conf.no_qname_min = !b;
		return 0;
	}
	if (strcmp(key, "use-0x20") == 0 ||
	    strcmp(key, "use-caps-for-id") == 0) {
		if (tok_bool(p, v, &b) < 0)
			return -1;
		s->conf.use_0x20 = b;
		return 0;
	}
	if (strcmp(key, "local-root") == 0) {
		if (n != 2)
			return perr(p, "local-root: ADDRESS");
		s->have_localroot = true;
		return tok_addr(p, v, &s->localroot);
	}
	if (strcmp(key, "trust-anchor") == 0)
		return trust_anchor(p);
	if (strcmp(key, "val-override-date") == 0) {
		if (n != 2)
			return perr(p, "val-override-date: YYYYMMDDhhmmss");
		return override_date(p, v);
	}
	if (strcmp(key, "domain-insecure") == 0)
		return add_nta(p, false);
	if (strcmp(key, "nta") == 0)
		return add_nta(p, true);
	if (strcmp(key, "trust-anchor-5011") == 0 ||
	    strcmp(key, "trust-anchor-read-only") == 0 ||
	    strcmp(key, "aggressive-nsec") == 0) {
		if (tok_bool(p, v, &b) < 0)
			return -1;
		if (strcmp(key, "trust-anchor-5011") == 0)
			s->ta5011 = b;
		else if (strcmp(key, "aggressive-nsec") == 0)
			s->no_aggressive = !b;
		else
			s->ta_read_only = b;
		return 0;
	}
	if (strcmp(key, "do-ip6") == 0 || strcmp(key, "do-ip4") == 0) {
		if (tok_bool(p, v, &b) < 0)
			return -1;
		if (strcmp(key, "do-ip6") == 0)
			s->conf.no_ipv6 = !b;
		else
			s->conf.no_ipv4 = !b;
		return 0;
	}
	static const struct {
		const char *key;
		long max;
	} nums[] = {
		{ "edns-buffer-size", 65535 },
		{ "max-upstream", 100000 },
		{ "max-ns-resolve", 1000 },
		{ "max-chain", 1000 },
		{ "max-depth", 1000 },
		{ "max-time-ms", 3600000 },
		{ "cache-min-ttl", 0x7fffffff },
		{ "cache-max-ttl", 0x7fffffff },
		{ "cache-max-negative-ttl", 0x7fffffff },
		{ "seed", 0x7fffffff },
		{ "val-nsec3-max-iterations", 65535 },
		{ "val-max-sigs", 0x7fffffff },
		{ "val-max-keys", 0x7fffffff },
		{ "val-max-hash", 0x7fffffff },
		{ "val-bogus-ttl", 0x7fffffff },
		{ "trust-anchor-holddown", 0x7fffffff },
		{ "serve-expired-ttl", ODR_CACHE_STALE_MAX },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (tok_long(p, v, 0, nums[i].max, &num) < 0)
			return -1;
		switch (i) {
		case 0:
			s->conf.edns_size = (uint16_t)num;
			break;
		case 1:
			s->conf.max_upstream = (unsigned)num;
			break;
		case 2:
			s->conf.max_ns_resolve = (unsigned)num;
			break;
		case 3:
			s->conf.max_chain = (unsigned)num;
			break;
		case 4:
			s->conf.max_depth = (unsigned)num;
			break;
		case 5:
			s->conf.max_time_ms = (uint32_t)num;
			break;
		case 6:
			s->cache_conf.ttl_min = (uint32_t)num;
			break;
		case 7:
			s->cache_conf.ttl_max = (uint32_t)num;
			break;
		case 8:
			s->cache_conf.neg_ttl_max = (uint32_t)num;
			break;
		case 9:
			s->seed = (uint64_t)num;
			break;
		case 10:
			s->conf.nsec3_max_iter = (uint16_t)num;
			break;
		case 11:
			s->conf.val_max_sigs = (uint32_t)num;
			break;
		case 12:
			s->conf.val_max_keys = (uint32_t)num;
			break;
		case 13:
			s->conf.val_max_hash = (uint32_t)num;
			break;
		case 14:
			s->conf.bogus_ttl = (uint32_t)num;
			break;
		case 15:
			s->holddown = (uint32_t)num;
			break;
		default:
			s->cache_conf.stale_window = (uint32_t)num;
			break;
		}
		return 0;
	}
	for (size_t i = 0; ignored_keys[i] != NULL; i++) {
		if (strcmp(key, ignored_keys[i]) == 0) {
			fprintf(stderr, "%s:%u: note: '%s' ignored\n", p->path,
			        p->line, key);
			return 0;
		}
	}
	return perr(p,
	            "unknown configuration key '%s' (see "
	            "tests/replay/README.md)",
	            key);
}

/*
 * Entries.
 */

static const struct {
	const char *name;
	unsigned bit;
} match_words[] = {
	{ "opcode", RPL_M_OPCODE },
	{ "qtype", RPL_M_QTYPE },
	{ "qname", RPL_M_QNAME },
	{ "qcase", RPL_M_QCASE },
	{ "subdomain", RPL_M_SUBDOMAIN },
	{ "flags", RPL_M_FLAGS },
	{ "rcode", RPL_M_RCODE },
	{ "question", RPL_M_QUESTION },
	{ "answer", RPL_M_ANSWER },
	{ "authority", RPL_M_AUTHORITY },
	{ "additional", RPL_M_ADDITIONAL },
	{ "all", RPL_M_ALL },
	{ "tcp", RPL_M_TCP },
	{ "udp", RPL_M_UDP },
	{ "ttl", RPL_M_TTL },
	{ "edns", RPL_M_EDNS },
	{ "noedns", RPL_M_NOEDNS },
	{ "do", RPL_M_DO },
};

static const struct {
	const char *name;
	unsigned bit;
} adjust_words[] = {
	{ "copy_id", RPL_A_COPY_ID },
	{ "copy_query", RPL_A_COPY_QUERY },
	{ "timeout", RPL_A_TIMEOUT },
	{ "wrong_id", RPL_A_WRONG_ID },
	{ "wrong_addr", RPL_A_WRONG_ADDR },
	{ "wrong_qname", RPL_A_WRONG_QNAME },
	{ "no_opt", RPL_A_NO_OPT },
};

static int words(parser_t *p, bool match, unsigned *bits)
{
	for (int i = 1; i < p->ntoks; i++) {
		const od_tok_t *t = &p->toks[i];
		bool found = false;
		size_t n =
		        match ? sizeof(match_words) / sizeof(match_words[0])
		              : sizeof(adjust_words) / sizeof(adjust_words[0]);
		for (size_t k = 0; k < n && !found; k++) {
			const char *w = match ? match_words[k].name
			                      : adjust_words[k].name;
			if (tok_is(t, w)) {
				*bits |= match ? match_words[k].bit
				               : adjust_words[k].bit;
				found = true;
			}
		}
		if (!found)
			return perr(p, "unknown %s element '%.*s'",
			            match ? "MATCH" : "ADJUST", (int)t->len,
			            t->s);
	}
	return 0;
}

static int reply_line(parser_t *p, rpl_entry_t *e)
{
	for (int i = 1; i < p->ntoks; i++) {
		const od_tok_t *t = &p->toks[i];
		od_hdr_t *h = &e->hdr;
		if (tok_is(t, "QR"))
			h->qr = true;
		else if (tok_is(t, "AA"))
			h->aa = true;
		else if (tok_is(t, "TC"))
			h->tc = true;
		else if (tok_is(t, "RD"))
			h->rd = true;
		else if (tok_is(t, "RA"))
			h->ra = true;
		else if (tok_is(t, "AD"))
			h->ad = true;
		else if (tok_is(t, "CD"))
			h->cd = true;
		else if (tok_is(t, "DO"))
			e->do_bit = true;
		else {
			bool found = false;
			for (uint8_t op = 0; op < 16 && !found; op++) {
				const char *nm = od_opcode_name(op);
				if (nm && tok_is(t, nm)) {
					h->opcode = op;
					found = true;
				}
			}
			for (uint16_t rc = 0; rc < 24 && !found; rc++) {
				const char *nm = od_rcode_name(rc);
				if (nm && tok_is(t, nm)) {
					e->rcode = rc;
					found = true;
				}
			}
			if (!found)
				return perr(
				        p,
				        "unknown REPLY element '%.*s' (flags "
				        "QR AA TC RD RA AD CD DO, an opcode "
				        "or an rcode)",
				        (int)t->len, t->s);
		}
	}
	return 0;
}

static bool looks_like_ttl(const od_tok_t *t, uint32_t *ttl)
{
	return !t->quoted && t->len > 0 && isdigit((unsigned char)t->s[0]) &&
	       od_ttl_from_str(t->s, t->len, ttl) == 0;
}

static void rrs_push(rpl_rrs_t *rs, const od_rr_t *rr)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 4;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = *rr;
}

static void rrs_free(rpl_rrs_t *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free((void *)rs->v[i].owner);
		free((void *)rs->v[i].rdata);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

/*
 * A record (question: qd not NULL) from n tokens: `owner [ttl] [class]
 * type rdata`. A record's owner and RDATA are malloc'd into *rr.
 */
static int parse_rr(parser_t *p, const od_tok_t *t, int n, od_rr_t *rr,
                    rpl_question_t *qd)
{
	int i = 1;
	uint8_t owner[OD_NAME_MAXLEN];
	uint32_t ttl = DEFAULT_TTL;
	uint16_t rclass = 1, type = 0;
	bool have_ttl = false, have_class = false;
	if (n < 1)
		return perr(p, "expected a record");
	if (tok_name(p, &t[0], owner) < 0)
		return -1;
	for (; i < n; i++) {
		if (!have_ttl && looks_like_ttl(&t[i], &ttl)) {
			have_ttl = true;
			continue;
		}
		if (!have_class &&
		    od_class_from_str(t[i].s, t[i].len, &rclass) == 0) {
			have_class = true;
			continue;
		}
		break;
	}
	if (i >= n || od_rrtype_from_str(t[i].s, t[i].len, &type) != 0)
		return perr(p, "expected a record type%s%.*s%s",
		            i < n ? ", not '" : "", i < n ? (int)t[i].len : 0,
		            i < n ? t[i].s : "", i < n ? "'" : " (missing)");
	i++;
	if (qd != NULL) {
		if (i != n)
			return perr(p, "a question is 'name [class] type'");
		memcpy(qd->name, owner, od_name_len(owner));
		qd->qtype = type;
		qd->qclass = rclass;
		return 0;
	}
	uint8_t *rd = malloc(OD_RDATA_MAXLEN);
	if (rd == NULL)
		return perr(p, "out of memory");
	od_rdata_diag_t diag = { 0, NULL };
	int len = od_rdata_from_text(type, t + i, (size_t)(n - i), NULL, rd,
	                             OD_RDATA_MAXLEN, &diag);
	if (len < 0) {
		free(rd);
		char tn[16];
		od_rrtype_to_str(type, tn, sizeof(tn));
		if ((int)diag.tok < n - i)
			return perr(p, "bad %s RDATA at '%.*s': %s%s%s", tn,
			            (int)t[i + (int)diag.tok].len,
			            t[i + (int)diag.tok].s, od_strerror(len),
			            diag.expected ? ", expected " : "",
			            diag.expected ? diag.expected : "");
		return perr(p, "bad %s RDATA: %s%s%s", tn, od_strerror(len),
		            diag.expected ? ", missing " : "",
		            diag.expected ? diag.expected : "");
	}
	size_t olen = od_name_len(owner);
	uint8_t *o = xrealloc(NULL, olen);
	memcpy(o, owner, olen);
	memset(rr, 0, sizeof(*rr));
	rr->owner = o;
	rr->rdata = xrealloc(rd, (size_t)len);
	rr->rdlen = (uint16_t)len;
	rr->ttl = ttl;
	rr->type = type;
	rr->rclass = rclass;
	return 0;
}

static int record_line(parser_t *p, rpl_entry_t *e, int section)
{
	if (section == OD_QUESTION) {
		rpl_question_t q;
		if (parse_rr(p, p->toks, p->ntoks, NULL, &q) < 0)
			return -1;
		e->qd = xrealloc(e->qd, (e->nqd + 1) * sizeof(*e->qd));
		e->qd[e->nqd++] = q;
		return 0;
	}
	od_rr_t rr;
	if (parse_rr(p, p->toks, p->ntoks, &rr, NULL) < 0)
		return -1;
	rrs_push(&e->sec[section], &rr);
	return 0;
}

static void entry_free(rpl_entry_t *e)
{
	if (e == NULL)
		return;
	free(e->qd);
	for (int s = 1; s < 4; s++)
		rrs_free(&e->sec[s]);
}

/*
 * Lines.
 */

/* Parenthesis depth change of a line (quotes and comments skipped). */
static int paren_delta(const char *s, size_t len)
{
	int d = 0;
	bool q = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (c == '"')
			q = !q;
		else if (!q && c == ';')
			break;
		else if (!q && c == '(')
			d++;
		else if (!q && c == ')')
			d--;
	}
	return d;
}

/* Comments out of a line (outside quotes), for joined lines. */
static size_t strip_comment(char *s, size_t len)
{
	bool q = false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (s[i] == '"')
			q = !q;
		else if (!q && s[i] == ';')
			return i;
	}
	return len;
}

typedef enum {
	ST_CONFIG,
	ST_PRE_SCENARIO,
	ST_SCENARIO,
	ST_RANGE,
	ST_STEP,
	ST_UPSTREAM,
	ST_ENTRY,
	ST_DONE,
} pstate_t;

static int step_line(parser_t *p, rpl_step_t *st)
{
	od_tok_t *t = p->toks;
	int n = p->ntoks;
	if (n < 3)
		return perr(p, "STEP id TYPE [arguments]");
	if (tok_long(p, &t[1], 0, 0x7fffffff, &st->id) < 0)
		return -1;
	st->count = -1;
	st->cmp = '=';
	if (tok_is(&t[2], "QUERY") || tok_is(&t[2], "CHECK_ANSWER") ||
	    tok_is(&t[2], "CHECK_OUT_QUERY")) {
		st->kind = tok_is(&t[2], "QUERY") ? RPL_QUERY
		           : tok_is(&t[2], "CHECK_ANSWER")
		                   ? RPL_CHECK_ANSWER
		                   : RPL_CHECK_OUT_QUERY;
		/* QUERY REFRESH: a refresh the resolver makes itself, which
		 * the cache does not answer (odr_req_nocache); QUERY
		 * DISABLE_STATIC: the request carries the rec_disable_static
		 * tag (no local root) */
		for (int i = 3; i < n && st->kind == RPL_QUERY; i++) {
			if (tok_is(&t[i], "REFRESH"))
				st->refresh = true;
			else if (tok_is(&t[i], "DISABLE_STATIC"))
				st->disable_static = true;
			else
				return perr(p, "STEP id QUERY [REFRESH] "
				               "[DISABLE_STATIC]");
		}
		if (n != 3 && st->kind != RPL_QUERY)
			return perr(p, "unexpected text after the step type");
		return 0;
	}
	if (tok_is(&t[2], "TIME_PASSES")) {
		long v;
		st->kind = RPL_TIME_PASSES;
		if (n != 5 || !tok_is(&t[3], "ELAPSE"))
			return perr(p, "STEP id TIME_PASSES ELAPSE seconds");
		if (tok_long(p, &t[4], 0, 0x7fffffff, &v) < 0)
			return -1;
		st->elapse = (uint32_t)v;
		return 0;
	}
	if (tok_is(&t[2], "CHECK_TA")) {
		st->kind = RPL_CHECK_TA;
		if (n != 6)
			return perr(p, "STEP id CHECK_TA zone tag state");
		if (tok_name(p, &t[3], st->ta_zone) < 0)
			return -1;
		long v;
		if (tok_long(p, &t[4], 0, 65535, &v) < 0)
			return -1;
		st->ta_tag = (uint16_t)v;
		st->ta_state = -1;
		if (tok_is(&t[5], "absent"))
			st->ta_state = 0;
		for (int k = ODR_TA_ADDPEND; k <= ODR_TA_REMOVED; k++)
			if (tok_is(&t[5], odr_ta_state_name((odr_ta_state_t)k)))
				st->ta_state = k;
		if (st->ta_state < 0)
			return perr(p,
			            "unknown key state '%.*s' (AddPend, Valid, "
			            "Missing, Revoked, Removed or absent)",
			            (int)t[5].len, t[5].s);
		return 0;
	}
	static const struct {
		const char *word;
		rpl_step_kind_t kind;
	} bare[] = {
		{ "CHECK_TA_STATEFILE", RPL_CHECK_TA_STATEFILE },
		{ "TA_RESTART", RPL_TA_RESTART },
		{ "TA_STATE_LOST", RPL_TA_STATE_LOST },
		{ "LOCALROOT_OFF", RPL_LOCALROOT_OFF },
		{ "LOCALROOT_ON", RPL_LOCALROOT_ON },
	};
	for (size_t k = 0; k < sizeof(bare) / sizeof(bare[0]); k++) {
		if (!tok_is(&t[2], bare[k].word))
			continue;
		st->kind = bare[k].kind;
		if (n != 3)
			return perr(p, "unexpected text after the step type");
		return 0;
	}
	if (tok_is(&t[2], "CHECK_UPSTREAM") || tok_is(&t[2], "CHECK_SIGS") ||
	    tok_is(&t[2], "CHECK_LOCAL")) {
		bool sigs = tok_is(&t[2], "CHECK_SIGS") ||
		            tok_is(&t[2], "CHECK_LOCAL");
		st->kind = tok_is(&t[2], "CHECK_SIGS")    ? RPL_CHECK_SIGS
		           : tok_is(&t[2], "CHECK_LOCAL") ? RPL_CHECK_LOCAL
		                                          : RPL_CHECK_UPSTREAM;
		int i = 3;
		if (i < n && (tok_is(&t[i], "=") || tok_is(&t[i], "<=") ||
		              tok_is(&t[i], ">="))) {
			st->cmp = t[i].s[0];
			i++;
		}
		if (i < n) {
			if (tok_long(p, &t[i], 0, 1000000, &st->count) < 0)
				return -1;
			i++;
		}
		if (i != n || (sigs && st->count < 0))
			return perr(p,
			            sigs ? "STEP id CHECK_SIGS|CHECK_LOCAL "
			                   "[= | <= | >=] count"
			                 : "STEP id CHECK_UPSTREAM [= | <= | "
			                   ">=] [count]");
		return 0;
	}
	return perr(p,
	            "unsupported step type '%.*s' (QUERY, CHECK_ANSWER, "
	            "TIME_PASSES, CHECK_OUT_QUERY, CHECK_UPSTREAM, "
	            "CHECK_SIGS, CHECK_TA, CHECK_TA_STATEFILE, TA_RESTART, "
	            "TA_STATE_LOST, CHECK_LOCAL, LOCALROOT_OFF, "
	            "LOCALROOT_ON)",
	            (int)t[2].len, t[2].s);
}

/* Steps that are followed by an ENTRY. */
static bool step_has_entry(rpl_step_kind_t kind)
{
	return kind == RPL_QUERY || kind == RPL_CHECK_ANSWER ||
	       kind == RPL_CHECK_OUT_QUERY;
}

/* EDE code... | EDE none, KEYTAG tag... | KEYTAG none. */
static int optvals_line(parser_t *p, bool *given, uint16_t *v, size_t *n,
                        const char *what, long max)
{
	if (*given)
		return perr(p, "a second %s line", what);
	*given = true;
	*n = 0;
	if (p->ntoks == 2 && tok_is(&p->toks[1], "none"))
		return 0;
	if (p->ntoks < 2 || p->ntoks - 1 > RPL_MAX_OPTVALS)
		return perr(p, "%s value... (1 to %d of them) or %s none", what,
		            RPL_MAX_OPTVALS, what);
	for (int i = 1; i < p->ntoks; i++) {
		long x;
		if (tok_long(p, &p->toks[i], 0, max, &x) < 0)
			return -1;
		v[(*n)++] = (uint16_t)x;
	}
	return 0;
}

static int sent_line(parser_t *p, rpl_step_t *st)
{
	static const char usage[] = "SENT|SOME|NONE address|* qname|* qtype|* "
	                            "[tcp|udp] [edns|noedns] [do]";
	od_tok_t *t = p->toks;
	int n = p->ntoks;
	if (n < 4)
		return perr(p, "%s", usage);
	st->upq = xrealloc(st->upq, (st->nupq + 1) * sizeof(*st->upq));
	rpl_upq_t *u = &st->upq[st->nupq++];
	memset(u, 0, sizeof(*u));
	u->tcp = -1;
	u->edns = -1;
	u->some = tok_is(&t[0], "SOME");
	u->none = tok_is(&t[0], "NONE");
	if (tok_is(&t[1], "*"))
		u->any_addr = true;
	else if (tok_addr(p, &t[1], &u->addr) < 0)
		return -1;
	if (tok_is(&t[2], "*"))
		u->any_name = true;
	else if (tok_name(p, &t[2], u->qname) < 0)
		return -1;
	if (tok_is(&t[3], "*"))
		u->any_type = true;
	else if (od_rrtype_from_str(t[3].s, t[3].len, &u->qtype) != 0)
		return perr(p, "unknown type '%.*s'", (int)t[3].len, t[3].s);
	for (int i = 4; i < n; i++) {
		if ((tok_is(&t[i], "tcp") || tok_is(&t[i], "udp")) &&
		    u->tcp < 0)
			u->tcp = tok_is(&t[i], "tcp");
		else if ((tok_is(&t[i], "edns") || tok_is(&t[i], "noedns")) &&
		         u->edns < 0)
			u->edns = tok_is(&t[i], "edns");
		else if (tok_is(&t[i], "do") && !u->do_bit)
			u->do_bit = true;
		else
			return perr(p, "unexpected '%.*s' (or given twice): %s",
			            (int)t[i].len, t[i].s, usage);
	}
	if (u->edns == 0 && u->do_bit)
		return perr(p, "'noedns' and 'do' together: the DO bit lives "
		               "in the OPT record");
	return 0;
}

int rpl_load(rpl_scenario_t *s, const char *path, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	s->seed = 1;
	parser_t *p = calloc(1, sizeof(*p));
	if (p == NULL || s->path == NULL) {
		free(p);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	p->s = s;
	p->path = path;
	p->err = err;
	p->errlen = errlen;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(p);
		return -1;
	}
	pstate_t st = ST_CONFIG, entry_parent = ST_SCENARIO;
	rpl_range_t *range = NULL;
	rpl_step_t *step = NULL;
	rpl_entry_t *entry = NULL;
	int section = -1;
	char *line = NULL, *joined = NULL;
	size_t cap = 0, jlen = 0;
	ssize_t got;
	int rc = -1, depth = 0;
	unsigned start_line = 0;
	while ((got = getline(&line, &cap, f)) >= 0) {
		p->line++;
		size_t len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		/* join a record written over several lines in ( ) */
		if (depth == 0)
			start_line = p->line;
		size_t keep = strip_comment(line, len);
		depth += paren_delta(line, keep);
		joined = xrealloc(joined, jlen + keep + 2);
		memcpy(joined + jlen, line, keep);
		jlen += keep;
		joined[jlen++] = ' ';
		joined[jlen] = '\0';
		if (depth > 0)
			continue;
		unsigned cur_line = p->line;
		p->line = start_line;
		p->ntoks = od_tok_split(joined, jlen, p->toks, MAX_TOKS);
		jlen = 0;
		depth = 0;
		if (p->ntoks < 0) {
			perr(p, "%s",
			     p->ntoks == OD_ELIMIT ? "too many tokens on a line"
			                           : "unterminated quote");
			goto out;
		}
		if (p->ntoks == 0) {
			p->line = cur_line;
			continue;
		}
		od_tok_t *t0 = &p->toks[0];
		switch (st) {
		case ST_CONFIG:
			if (tok_is(t0, "CONFIG_END")) {
				st = ST_PRE_SCENARIO;
				break;
			}
			if (config_line(p) < 0)
				goto out;
			break;
		case ST_PRE_SCENARIO:
			if (!tok_is(t0, "SCENARIO_BEGIN")) {
				perr(p, "expected SCENARIO_BEGIN");
				goto out;
			}
			if (p->ntoks > 1) {
				const char *a = p->toks[1].s;
				const od_tok_t *z = &p->toks[p->ntoks - 1];
				int l = (int)(z->s + z->len - a);
				s->title = strndup(a, (size_t)l);
			}
			st = ST_SCENARIO;
			break;
		case ST_SCENARIO:
		case ST_STEP:
		case ST_UPSTREAM:
		case ST_RANGE:
			if (st == ST_RANGE && tok_is(t0, "ADDRESS")) {
				if (p->ntoks != 2) {
					perr(p, "ADDRESS address");
					goto out;
				}
				range->addr =
				        xrealloc(range->addr,
				                 (range->naddr + 1) *
				                         sizeof(*range->addr));
				if (tok_addr(p, &p->toks[1],
				             &range->addr[range->naddr]) < 0)
					goto out;
				range->naddr++;
				break;
			}
			if (st == ST_RANGE && tok_is(t0, "RANGE_END")) {
				if (range->naddr == 0) {
					perr(p, "RANGE without ADDRESS lines");
					goto out;
				}
				st = ST_SCENARIO;
				break;
			}
			if (st == ST_UPSTREAM &&
			    (tok_is(t0, "SENT") || tok_is(t0, "SOME") ||
			     tok_is(t0, "NONE"))) {
				if (sent_line(p, step) < 0)
					goto out;
				break;
			}
			if (tok_is(t0, "ENTRY_BEGIN") &&
			    (st == ST_RANGE ||
			     (st == ST_STEP && step->entry == NULL &&
			      step_has_entry(step->kind)))) {
				if (st == ST_RANGE) {
					range->e = xrealloc(
					        range->e,
					        (range->ne + 1) *
					                sizeof(*range->e));
					entry = &range->e[range->ne++];
				} else {
					step->entry =
					        xrealloc(NULL, sizeof(*entry));
					entry = step->entry;
				}
				memset(entry, 0, sizeof(*entry));
				entry->line = p->line;
				entry_parent = st;
				section = -1;
				st = ST_ENTRY;
				break;
			}
			if (st == ST_RANGE) {
				perr(p, "expected ADDRESS, ENTRY_BEGIN or "
				        "RANGE_END");
				goto out;
			}
			if (st == ST_STEP && step_has_entry(step->kind) &&
			    step->entry == NULL) {
				perr(p, "STEP %ld needs an ENTRY", step->id);
				goto out;
			}
			if (tok_is(t0, "SCENARIO_END")) {
				st = ST_DONE;
				break;
			}
			if (tok_is(t0, "RANGE_BEGIN")) {
				long a, b;
				if (p->ntoks != 3 ||
				    tok_long(p, &p->toks[1], 0, 0x7fffffff,
				             &a) < 0 ||
				    tok_long(p, &p->toks[2], 0, 0x7fffffff,
				             &b) < 0) {
					if (p->ntoks != 3)
						perr(p,
						     "RANGE_BEGIN start end");
					goto out;
				}
				s->ranges = xrealloc(
				        s->ranges,
				        (s->nranges + 1) * sizeof(*s->ranges));
				range = &s->ranges[s->nranges++];
				memset(range, 0, sizeof(*range));
				range->line = p->line;
				range->start = a;
				range->end = b;
				st = ST_RANGE;
				break;
			}
			if (tok_is(t0, "STEP")) {
				s->steps = xrealloc(s->steps,
				                    (s->nsteps + 1) *
				                            sizeof(*s->steps));
				step = &s->steps[s->nsteps++];
				memset(step, 0, sizeof(*step));
				step->line = p->line;
				if (step_line(p, step) < 0)
					goto out;
				if (s->nsteps > 1 &&
				    step->id <= s->steps[s->nsteps - 2].id) {
					perr(p, "STEP ids must increase");
					goto out;
				}
				st = step->kind == RPL_CHECK_UPSTREAM
				             ? ST_UPSTREAM
				             : ST_STEP;
				break;
			}
			perr(p,
			     "unexpected '%.*s' (RANGE_BEGIN, STEP or "
			     "SCENARIO_END expected)",
			     (int)t0->len, t0->s);
			goto out;
		case ST_ENTRY:
			if (tok_is(t0, "ENTRY_END")) {
				st = entry_parent;
				break;
			}
			if (tok_is(t0, "MATCH")) {
				entry->match_given = true;
				if (words(p, true, &entry->match) < 0)
					goto out;
				break;
			}
			if (tok_is(t0, "ADJUST")) {
				entry->adjust_given = true;
				if (words(p, false, &entry->adjust) < 0)
					goto out;
				break;
			}
			if (tok_is(t0, "REPLY")) {
				if (reply_line(p, entry) < 0)
					goto out;
				break;
			}
			if (tok_is(t0, "EDNS")) {
				long v;
				if (p->ntoks != 2 ||
				    tok_long(p, &p->toks[1], 512, 65535, &v) <
				            0) {
					if (p->ntoks != 2)
						perr(p, "EDNS udp-size");
					goto out;
				}
				entry->edns_size = (uint16_t)v;
				break;
			}
			if (tok_is(t0, "EDE")) {
				if (optvals_line(p, &entry->ede_given,
				                 entry->ede, &entry->nede,
				                 "EDE", 65535) < 0)
					goto out;
				break;
			}
			if (tok_is(t0, "KEYTAG")) {
				if (optvals_line(p, &entry->keytag_given,
				                 entry->keytag, &entry->nkeytag,
				                 "KEYTAG", 65535) < 0)
					goto out;
				break;
			}
			if (tok_is(t0, "SECTION")) {
				static const char *const names[] = {
					"QUESTION", "ANSWER", "AUTHORITY",
					"ADDITIONAL"
				};
				section = -1;
				for (int k = 0; k < 4 && p->ntoks == 2; k++)
					if (tok_is(&p->toks[1], names[k]))
						section = k;
				if (section < 0) {
					perr(p, "SECTION QUESTION | ANSWER | "
					        "AUTHORITY | ADDITIONAL");
					goto out;
				}
				entry->has[section] = true;
				break;
			}
			if (tok_is(t0, "RAW")) {
				perr(p, "RAW entries are not supported");
				goto out;
			}
			if (section < 0) {
				perr(p, "'%.*s' outside a SECTION",
				     (int)t0->len, t0->s);
				goto out;
			}
			if (record_line(p, entry, section) < 0)
				goto out;
			break;
		case ST_DONE:
			perr(p, "text after SCENARIO_END");
			goto out;
		}
		p->line = cur_line;
	}
	if (depth > 0) {
		p->line = start_line;
		perr(p, "unbalanced '('");
		goto out;
	}
	if (st != ST_DONE) {
		perr(p, "%s",
		     st == ST_CONFIG  ? "missing CONFIG_END"
		     : st == ST_ENTRY ? "missing ENTRY_END"
		     : st == ST_RANGE ? "missing RANGE_END"
		                      : "missing SCENARIO_END");
		goto out;
	}
	if (s->hints.n == 0) {
		perr(p, "no root server address (stub-addr: or root-hint: "
		        "before CONFIG_END)");
		goto out;
	}
	rc = 0;
out:
	free(line);
	free(joined);
	fclose(f);
	free(p);
	if (rc != 0)
		rpl_free(s);
	return rc;
}

void rpl_free(rpl_scenario_t *s)
{
	for (size_t i = 0; i < s->nranges; i++) {
		for (size_t k = 0; k < s->ranges[i].ne; k++)
			entry_free(&s->ranges[i].e[k]);
		free(s->ranges[i].e);
		free(s->ranges[i].addr);
	}
	for (size_t i = 0; i < s->nsteps; i++) {
		entry_free(s->steps[i].entry);
		free(s->steps[i].entry);
		free(s->steps[i].upq);
	}
	free(s->ranges);
	free(s->steps);
	free(s->hints.v);
	rrs_free(&s->anchors);
	free(s->ntas);
	free(s->title);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

/*
 * Messages.
 */

int rpl_entry_build(const rpl_entry_t *e, const od_pkt_t *q, uint16_t id,
                    uint8_t *out, size_t max)
{
	od_hdr_t hdr = e->hdr;
	hdr.id = id;
	od_pkt_w_t b;
	int r = od_pkt_w_init(&b, out, max, &hdr);
	if (r < 0)
		return r;
	od_edns_t edns;
	bool opts = e->nede > 0 || e->nkeytag > 0;
	bool with_opt = q != NULL ? q->opt != NULL
	                          : (e->edns_size != 0 || e->do_bit || opts);
	if (e->adjust & RPL_A_NO_OPT)
		with_opt = false;
	if (with_opt) {
		od_edns_init(&edns, e->edns_size ? e->edns_size : 1232);
		if (e->do_bit)
			edns.flags |= OD_EDNS_DO;
		for (size_t i = 0; i < e->nede && r == 0; i++)
			r = od_edns_add_ede(&edns, NULL, e->ede[i], NULL, 0);
		if (e->nkeytag > 0 && r == 0)
			r = od_edns_add_keytag(&edns, NULL, e->keytag,
			                       e->nkeytag);
		if (r == 0)
			r = od_pkt_w_edns(&b, &edns);
		od_edns_clear(&edns, NULL);
		if (r < 0)
			return r;
	}
	od_pkt_w_rcode(&b, e->rcode);
	const od_question_t *qq = q != NULL ? od_pkt_question(q) : NULL;
	uint8_t spoof[OD_NAME_MAXLEN];
	const uint8_t *first = NULL;
	if (qq != NULL && (e->adjust & (RPL_A_COPY_ID | RPL_A_COPY_QUERY)))
		first = qq->qname;
	if (first != NULL && (e->adjust & RPL_A_WRONG_QNAME)) {
		/* a name the query did not ask for: "spoof" + its name */
		size_t l = od_name_len(first);
		if (l + 6 <= OD_NAME_MAXLEN) {
			memcpy(spoof, "\005spoof", 6);
			memcpy(spoof + 6, first, l);
			first = spoof;
		}
	}
	if (q != NULL && (e->adjust & RPL_A_COPY_QUERY)) {
		for (size_t i = 0; i < q->count[OD_QUESTION]; i++) {
			r = od_pkt_w_question(&b, i ? q->qd[i].qname : first,
			                      q->qd[i].qtype, q->qd[i].qclass);
			if (r < 0)
				return r;
		}
	} else if (e->nqd == 0 && first != NULL) {
		r = od_pkt_w_question(&b, first, qq->qtype, qq->qclass);
		if (r < 0)
			return r;
	} else {
		for (size_t i = 0; i < e->nqd; i++) {
			const uint8_t *nm = i == 0 && first ? first
			                                    : e->qd[i].name;
			r = od_pkt_w_question(&b, nm, e->qd[i].qtype,
			                      e->qd[i].qclass);
			if (r < 0)
				return r;
		}
	}
	for (int s = OD_ANSWER; s <= OD_ADDITIONAL; s++) {
		for (size_t i = 0; i < e->sec[s].n; i++) {
			r = od_pkt_w_rrset(&b, (od_section_t)s, &e->sec[s].v[i],
			                   1);
			if (r == OD_ESPACE)
				continue; /* truncated (TC) or dropped */
			if (r < 0)
				return r;
		}
	}
	return od_pkt_w_finish(&b);
}

static bool qname_match(const rpl_entry_t *e, const od_pkt_t *p, unsigned m)
{
	if (e->nqd == 0 ||
	    !(m & (RPL_M_QNAME | RPL_M_QCASE | RPL_M_QTYPE | RPL_M_SUBDOMAIN)))
		return true;
	const od_question_t *q = od_pkt_question(p);
	if (q == NULL)
		return false;
	const rpl_question_t *x = &e->qd[0];
	if ((m & RPL_M_QTYPE) && q->qtype != x->qtype)
		return false;
	if ((m & RPL_M_QNAME) && !od_name_equal(q->qname, x->name))
		return false;
	if ((m & RPL_M_QCASE) &&
	    (od_name_len(q->qname) != od_name_len(x->name) ||
	     memcmp(q->qname, x->name, od_name_len(x->name)) != 0))
		return false;
	if ((m & RPL_M_SUBDOMAIN) && !od_name_in(q->qname, x->name))
		return false;
	return true;
}

static unsigned effective_match(const rpl_entry_t *e)
{
	return e->match_given ? e->match
	                      : (RPL_M_OPCODE | RPL_M_QTYPE | RPL_M_QNAME);
}

bool rpl_entry_matches_query(const rpl_entry_t *e, const od_pkt_t *p, bool tcp)
{
	unsigned m = effective_match(e);
	if ((m & RPL_M_OPCODE) && p->hdr.opcode != e->hdr.opcode)
		return false;
	if (!qname_match(e, p, m))
		return false;
	if ((m & RPL_M_TCP) && !tcp)
		return false;
	if ((m & RPL_M_UDP) && tcp)
		return false;
	if ((m & RPL_M_EDNS) && p->opt == NULL)
		return false;
	if ((m & RPL_M_NOEDNS) && p->opt != NULL)
		return false;
	if ((m & RPL_M_DO) && (p->opt == NULL || !od_edns_do(&p->edns)))
		return false;
	return true;
}

/* Normalised text of a record: lower-case owner, canonical RDATA, TTL
 * only when compared. Malloc'd. */
static char *rr_norm(const od_rr_t *rr, bool ttl)
{
	uint8_t owner[OD_NAME_MAXLEN];
	od_name_copy(owner, rr->owner);
	od_name_lower(owner);
	uint8_t *rd = xrealloc(NULL, rr->rdlen);
	memcpy(rd, rr->rdata, rr->rdlen);
	if (od_rdata_check(rr->type, rd, rr->rdlen) == 0)
		od_rdata_canonicalize(rr->type, rd, rr->rdlen);
	od_rr_t c = *rr;
	c.owner = owner;
	c.rdata = rd;
	if (!ttl)
		c.ttl = 0;
	size_t cap = od_rr_str_bound(&c);
	char *s = xrealloc(NULL, cap);
	if (od_rr_to_str(&c, s, cap) < 0)
		snprintf(s, cap, "(unprintable)");
	free(rd);
	if (!ttl) {
		/* drop the TTL column: "owner\t0\t..." -> "owner\t..." */
		char *tab = strchr(s, '\t');
		if (tab && tab[1] == '0' && tab[2] == '\t')
			memmove(tab, tab + 2, strlen(tab + 2) + 1);
	}
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void appendf(char *buf, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t l = strlen(buf);
	if (l + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + l, cap - l, fmt, ap);
	va_end(ap);
}

static bool section_check(const rpl_entry_t *e, const od_pkt_t *p, int s,
                          bool ttl, char *why, size_t whylen)
{
	static const char *const names[] = { "question", "answer", "authority",
		                             "additional" };
	size_t ne = e->sec[s].n, np = 0;
	char **ev = xrealloc(NULL, (ne + 1) * sizeof(char *));
	char **pv = xrealloc(NULL, ((size_t)p->count[s] + 1) * sizeof(char *));
	for (size_t i = 0; i < ne; i++)
		ev[i] = rr_norm(&e->sec[s].v[i], ttl);
	for (size_t i = 0; i < p->count[s]; i++) {
		const od_rr_t *rr = &p->rr[s][i];
		if (rr->type == 41 /* OPT */ || rr->type == 250 /* TSIG */)
			continue;
		pv[np++] = rr_norm(rr, ttl);
	}
	qsort(ev, ne, sizeof(char *), cmp_str);
	qsort(pv, np, sizeof(char *), cmp_str);
	bool ok = true;
	size_t i = 0, k = 0;
	while (i < ne || k < np) {
		int c = i == ne ? 1 : k == np ? -1 : strcmp(ev[i], pv[k]);
		if (c == 0) {
			i++;
			k++;
			continue;
		}
		if (ok)
			appendf(why, whylen, "%s section differs:\n", names[s]);
		ok = false;
		if (c < 0)
			appendf(why, whylen, "    missing:    %s\n", ev[i++]);
		else
			appendf(why, whylen, "    unexpected: %s\n", pv[k++]);
	}
	for (i = 0; i < ne; i++)
		free(ev[i]);
	for (k = 0; k < np; k++)
		free(pv[k]);
	free(ev);
	free(pv);
	return ok;
}

static void flags_str(const od_hdr_t *h, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s%s%s", h->qr ? " QR" : "",
	         h->aa ? " AA" : "", h->tc ? " TC" : "", h->rd ? " RD" : "",
	         h->ra ? " RA" : "", h->ad ? " AD" : "", h->cd ? " CD" : "");
}

static void codes_str(const uint16_t *v, size_t n, char *out, size_t cap)
{
	out[0] = '\0';
	if (n == 0)
		snprintf(out, cap, " none");
	for (size_t i = 0; i < n; i++)
		appendf(out, cap, " %u", (unsigned)v[i]);
}

/* The EDE INFO-CODEs of the message equal the entry's (as sets). */
static bool ede_check(const rpl_entry_t *e, const od_pkt_t *p, char *why,
                      size_t whylen)
{
	uint16_t got[RPL_MAX_OPTVALS];
	size_t ngot = 0;
	bool ok = true;
	for (size_t i = 0; p->opt != NULL && i < p->edns.nopts; i++) {
		od_edns_ede_t x;
		if (p->edns.opts[i].code != OD_EDNS_EDE)
			continue;
		if (od_edns_ede_parse(&p->edns.opts[i], &x) != 0) {
			appendf(why, whylen, "malformed EDE option\n");
			return false;
		}
		if (ngot < RPL_MAX_OPTVALS)
			got[ngot++] = x.code;
	}
	if (ngot != e->nede)
		ok = false;
	for (size_t i = 0; i < e->nede && ok; i++) {
		bool found = false;
		for (size_t k = 0; k < ngot && !found; k++)
			found = got[k] == e->ede[i];
		ok = found;
	}
	if (!ok) {
		char a[128], b[128];
		codes_str(e->ede, e->nede, a, sizeof(a));
		codes_str(got, ngot, b, sizeof(b));
		appendf(why, whylen, "EDE: expected%s, got%s\n", a, b);
	}
	return ok;
}

/* The edns-key-tag option holds the entry's tags, in order. */
static bool keytag_check(const rpl_entry_t *e, const od_pkt_t *p, char *why,
                         size_t whylen)
{
	uint16_t got[RPL_MAX_OPTVALS];
	size_t ngot = 0;
	const od_edns_opt_t *o =
	        p->opt != NULL ? od_edns_find(&p->edns, OD_EDNS_KEYTAG) : NULL;
	if (o != NULL) {
		int n = od_edns_keytag_parse(o, got, RPL_MAX_OPTVALS);
		if (n < 0) {
			appendf(why, whylen, "malformed edns-key-tag option\n");
			return false;
		}
		ngot = (size_t)n < RPL_MAX_OPTVALS ? (size_t)n
		                                   : RPL_MAX_OPTVALS;
	}
	bool ok =
	        ngot == e->nkeytag &&
	        (ngot == 0 || memcmp(got, e->keytag, ngot * sizeof(*got)) == 0);
	if (!ok) {
		char a[128], b[128];
		codes_str(e->keytag, e->nkeytag, a, sizeof(a));
		codes_str(got, ngot, b, sizeof(b));
		appendf(why, whylen, "edns-key-tag: expected%s, got%s%s\n", a,
		        b, o == NULL ? " (no option)" : "");
	}
	return ok;
}

bool rpl_entry_check(const rpl_entry_t *e, const od_pkt_t *p, char *why,
                     size_t whylen)
{
	unsigned m = effective_match(e);
	why[0] = '\0';
	if (m & RPL_M_ALL) {
		m |= RPL_M_OPCODE | RPL_M_FLAGS | RPL_M_RCODE;
		if (e->has[OD_QUESTION])
			m |= RPL_M_QUESTION;
		if (e->has[OD_ANSWER])
			m |= RPL_M_ANSWER;
		if (e->has[OD_AUTHORITY])
			m |= RPL_M_AUTHORITY;
		if (e->has[OD_ADDITIONAL])
			m |= RPL_M_ADDITIONAL;
	}
	bool ok = true;
	if ((m & RPL_M_OPCODE) && p->hdr.opcode != e->hdr.opcode) {
		appendf(why, whylen, "opcode: expected %u, got %u\n",
		        e->hdr.opcode, p->hdr.opcode);
		ok = false;
	}
	if (!qname_match(e, p, m)) {
		appendf(why, whylen, "question name or type differs\n");
		ok = false;
	}
	if (m & RPL_M_FLAGS) {
		char a[40], b[40];
		flags_str(&e->hdr, a, sizeof(a));
		flags_str(&p->hdr, b, sizeof(b));
		if (strcmp(a, b) != 0) {
			appendf(why, whylen, "flags: expected%s, got%s\n", a,
			        b);
			ok = false;
		}
	}
	if ((m & RPL_M_RCODE) && p->rcode != e->rcode) {
		const char *a = od_rcode_name(e->rcode);
		const char *b = od_rcode_name(p->rcode);
		appendf(why, whylen, "rcode: expected %s, got %s\n",
		        a ? a : "?", b ? b : "?");
		ok = false;
	}
	if ((m & RPL_M_EDNS) && p->opt == NULL) {
		appendf(why, whylen, "expected an OPT record\n");
		ok = false;
	}
	if ((m & RPL_M_NOEDNS) && p->opt != NULL) {
		appendf(why, whylen, "expected no OPT record\n");
		ok = false;
	}
	if ((m & RPL_M_DO) && (p->opt == NULL || !od_edns_do(&p->edns))) {
		appendf(why, whylen, "expected the DO bit\n");
		ok = false;
	}
	if (m & RPL_M_QUESTION) {
		bool same = p->count[OD_QUESTION] == e->nqd;
		for (size_t i = 0; same && i < e->nqd; i++)
			same = od_name_equal(p->qd[i].qname, e->qd[i].name) &&
			       p->qd[i].qtype == e->qd[i].qtype &&
			       p->qd[i].qclass == e->qd[i].qclass;
		if (!same) {
			appendf(why, whylen, "question section differs\n");
			ok = false;
		}
	}
	if (e->ede_given && !ede_check(e, p, why, whylen))
		ok = false;
	if (e->keytag_given && !keytag_check(e, p, why, whylen))
		ok = false;
	bool ttl = (m & RPL_M_TTL) != 0;
	if ((m & RPL_M_ANSWER) &&
	    !section_check(e, p, OD_ANSWER, ttl, why, whylen))
		ok = false;
	if ((m & RPL_M_AUTHORITY) &&
	    !section_check(e, p, OD_AUTHORITY, ttl, why, whylen))
		ok = false;
	if ((m & RPL_M_ADDITIONAL) &&
	    !section_check(e, p, OD_ADDITIONAL, ttl, why, whylen))
		ok = false;
	return ok;
}
