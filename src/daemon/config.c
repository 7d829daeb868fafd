/* SPDX-License-Identifier: MIT */
#include "daemon/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/listen.h"
#include "conf/yconf.h"
#include "daemon/qlog.h"
#include "lib/error.h"
#include "lib/log.h"
#include "resolve/ta.h"

/* Clients allowed when the file has no access-control list: loopback
   and the private ranges (RFC 1918, RFC 4193 unique local, link-local). */
static const char *const default_acl[] = {
	"127.0.0.0/8 allow",    "::1 allow",
	"10.0.0.0/8 allow",     "172.16.0.0/12 allow",
	"192.168.0.0/16 allow", "fc00::/7 allow",
	"fe80::/10 allow",
};

static int grow(void **arr, size_t n, size_t size)
{
	/* Arrays grow one element at a time: configs are small. */
	void *p = realloc(*arr, (n + 1) * size);
	if (p == NULL)
		return OD_ENOMEM;
	*arr = p;
	memset((char *)p + n * size, 0, size);
	return 0;
}

int odd_conf_init(odd_conf_t *c)
{
	*c = (odd_conf_t){
		.qname_min = true,
		.cache_size = (size_t)256 << 20,
		.cache_snapshot = true,
		.upstream_per_query = 64,
		.ns_per_delegation = 4,
		.time_per_query_ms = 4000,
		.outstanding = 1000,
		.serve_stale = true,
		.stale_window = 86400,
		.stale_client_ms = 1800,
		.edns_size = 1232,
		.ipv6 = true,
		.log_level = OD_LOG_INFO,
		.qlog_rotate = ODD_QLOG_ROTATE_DEFAULT,
		.qlog_keep = ODD_QLOG_KEEP_DEFAULT,
		.dnssec = true,
		.aggressive_nsec = true,
		.nsec3_max_iter = 150,
		.ta_holddown = ODR_TA_HOLDDOWN_DEFAULT,
	};
	size_t n = sizeof(default_acl) / sizeof(default_acl[0]);
	c->acl = calloc(n, sizeof(*c->acl));
	if (c->acl == NULL)
		return OD_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char err[120];
		int r = odd_acl_parse(default_acl[i], &c->acl[i], err,
		                      sizeof(err));
		od_require(r == 0);
	}
	c->nacl = n;
	odd_prefill_conf_init(&c->prefill);
	odd_lr_conf_init(&c->localroot);
	return 0;
}

void odd_conf_free(odd_conf_t *c)
{
	free(c->listen);
	free(c->root_hints);
	free(c->trust_anchor);
	free(c->state_dir);
	free(c->control);
	free(c->ntas);
	odd_prefill_conf_free(&c->prefill);
	odd_lr_conf_free(&c->localroot);
	free(c->acl);
	free(c->qlog_file);
	memset(c, 0, sizeof(*c));
}

int odd_conf_add_listen(odd_conf_t *c, const char *s)
{
	return od_listen_append(&c->listen, &c->nlisten, s, 53);
}

int odd_acl_parse(const char *s, odd_acl_rule_t *out, char *err, size_t errlen)
{
	char buf[128];
	const char *sp = strchr(s, ' ');
	if (sp == NULL || (size_t)(sp - s) >= sizeof(buf)) {
		snprintf(err, errlen,
		         "'%s': expected \"PREFIX allow\" or \"PREFIX refuse\"",
		         s);
		return OD_EINVAL;
	}
	memcpy(buf, s, (size_t)(sp - s));
	buf[sp - s] = '\0';
	while (*sp == ' ')
		sp++;
	odd_acl_rule_t r = { 0 };
	if (strcmp(sp, "allow") == 0) {
		r.allow = true;
	} else if (strcmp(sp, "refuse") != 0) {
		snprintf(err, errlen,
		         "'%s': the action must be allow or refuse, not '%s'",
		         s, sp);
		return OD_EINVAL;
	}
	char *slash = strchr(buf, '/');
	unsigned long bits = 0;
	if (slash) {
		*slash = '\0';
		char *end;
		const char *b = slash + 1;
		bits = strtoul(b, &end, 10);
		if (*b < '0' || *b > '9' || *end != '\0' || end - b > 3) {
			snprintf(err, errlen, "'%s': bad prefix length", s);
			return OD_EINVAL;
		}
	}
	unsigned maxbits;
	if (inet_pton(AF_INET, buf, r.addr) == 1) {
		r.family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, buf, r.addr) == 1) {
		r.family = AF_INET6;
		maxbits = 128;
	} else {
		snprintf(err, errlen, "'%s': '%s' is not an IP address", s,
		         buf);
		return OD_EINVAL;
	}
	if (!slash)
		bits = maxbits;
	if (bits > maxbits) {
		snprintf(err, errlen, "'%s': prefix length over %u", s,
		         maxbits);
		return OD_EINVAL;
	}
	r.bits = (uint8_t)bits;
	/* Host bits set usually mean a typo in the prefix length. */
	for (unsigned i = r.bits; i < maxbits; i++) {
		if (r.addr[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen,
			         "'%s': address has bits set beyond the "
			         "prefix length",
			         s);
			return OD_EINVAL;
		}
	}
	*out = r;
	return 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

bool odd_acl_allows(const odd_acl_rule_t *rules, size_t n,
                    const struct sockaddr *sa)
{
	const uint8_t *a;
	if (sa->sa_family == AF_INET)
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)
		            ->sin6_addr;
	else
		return false;
	int best = -1;
	bool allow = false;
	for (size_t i = 0; i < n; i++) {
		const odd_acl_rule_t *r = &rules[i];
		if (r->family != sa->sa_family || (int)r->bits <= best ||
		    !prefix_match(a, r->addr, r->bits))
			continue;
		best = r->bits;
		allow = r->allow;
	}
	return allow;
}

int odd_parse_size(const char *s, uint64_t *out)
{
	if (s == NULL || *s < '0' || *s > '9')
		return OD_EINVAL;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return OD_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	unsigned shift = 0;
	if (*s == 'K' || *s == 'k')
		shift = 10;
	else if (*s == 'M' || *s == 'm')
		shift = 20;
	else if (*s == 'G' || *s == 'g')
		shift = 30;
	else if (*s != '\0')
		return OD_EINVAL;
	if (shift) {
		s++;
		if (*s != '\0' || v > (UINT64_MAX >> shift))
			return OD_EINVAL;
	}
	*out = v << shift;
	return 0;
}

int odd_parse_seconds(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (s == NULL || *s < '0' || *s > '9')
		return OD_EINVAL;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return OD_ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	uint64_t mul = 1;
	if (*s == 's')
		mul = 1;
	else if (*s == 'm')
		mul = 60;
	else if (*s == 'h')
		mul = 3600;
	else if (*s == 'd')
		mul = 86400;
	else if (*s != '\0')
		return OD_EINVAL;
	if (*s != '\0' && s[1] != '\0')
		return OD_EINVAL;
	if (v > UINT64_MAX / mul)
		return OD_ERANGE;
	v *= mul;
	if (v < min || v > max)
		return OD_ERANGE;
	*out = v;
	return 0;
}

int odd_nta_parse(const char *s, char sep, odd_nta_conf_t *out, char *err,
                  size_t errlen)
{
	const char *end = s + strlen(s), *dur = NULL;
	const char *name_end = end;
	if (sep == ' ') {
		while (*s == ' ' || *s == '\t')
			s++;
		name_end = s;
		while (name_end < end && *name_end != ' ' && *name_end != '\t')
			name_end++;
		dur = name_end;
		while (dur < end && (*dur == ' ' || *dur == '\t'))
			dur++;
		if (dur == end)
			dur = NULL;
	} else {
		const char *c = strrchr(s, sep);
		if (c) {
			name_end = c;
			dur = c + 1;
		}
	}
	odd_nta_conf_t n = { 0 };
	if (name_end == s) {
		snprintf(err, errlen,
		         "'%s': expected \"NAME\" or \"NAME%sDURATION\"", s,
		         sep == ' ' ? " " : ":");
		return OD_EINVAL;
	}
	int r = od_name_from_str(n.name, s, (size_t)(name_end - s),
	                         (const uint8_t *)"");
	if (r < 0) {
		snprintf(err, errlen, "'%.*s' is not a domain name: %s",
		         (int)(name_end - s), s, od_strerror(r));
		return OD_EINVAL;
	}
	if (od_name_is_root(n.name)) {
		snprintf(err, errlen,
		         "a negative trust anchor for the root would turn "
		         "validation off: use dnssec: false (--no-dnssec)");
		return OD_EINVAL;
	}
	od_name_lower(n.name);
	if (dur) {
		uint64_t v;
		r = odd_parse_seconds(dur, 1, ODD_DURATION_MAX, &v);
		if (r == OD_ERANGE) {
			snprintf(err, errlen,
			         "duration '%s' is out of range (1s..365d)",
			         dur);
			return OD_EINVAL;
		}
		if (r < 0) {
			snprintf(err, errlen,
			         "'%s': expected a duration such as 3600, 30m, "
			         "12h or 7d",
			         dur);
			return OD_EINVAL;
		}
		n.duration = (uint32_t)v;
	}
	*out = n;
	return 0;
}

int odd_conf_add_nta(odd_conf_t *c, const odd_nta_conf_t *nta)
{
	if (grow((void **)&c->ntas, c->nntas, sizeof(*nta)) < 0)
		return OD_ENOMEM;
	c->ntas[c->nntas++] = *nta;
	return 0;
}

static int str_dup(od_yc_t *yc, const od_ycn_t *n, char **dst)
{
	const char *s;
	if (od_yc_str(yc, n, &s) < 0)
		return OD_EINVAL;
	if (*s == '\0')
		return od_yc_fail(yc, n, "expected a file name");
	char *d = strdup(s);
	if (d == NULL)
		return OD_ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

static int load_acl(odd_conf_t *c, od_yc_t *yc, const od_ycn_t *n)
{
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	/* The file's list replaces the defaults. */
	free(c->acl);
	c->acl = NULL;
	c->nacl = 0;
	for (int i = 0; i < len; i++) {
		od_ycn_t it;
		const char *s;
		char err[300];
		odd_acl_rule_t rule;
		od_yc_seq_at(yc, n, i, &it);
		if (od_yc_str(yc, &it, &s) < 0)
			return OD_EINVAL;
		if (odd_acl_parse(s, &rule, err, sizeof(err)) < 0)
			return od_yc_fail(yc, &it, "%s", err);
		if (grow((void **)&c->acl, c->nacl, sizeof(rule)) < 0)
			return OD_ENOMEM;
		c->acl[c->nacl++] = rule;
	}
	return 0;
}

static int load_ntas(odd_conf_t *c, od_yc_t *yc, const od_ycn_t *n)
{
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	for (int i = 0; i < len; i++) {
		od_ycn_t it;
		const char *s;
		char err[300];
		odd_nta_conf_t nta;
		od_yc_seq_at(yc, n, i, &it);
		if (od_yc_str(yc, &it, &s) < 0)
			return OD_EINVAL;
		if (odd_nta_parse(s, ' ', &nta, err, sizeof(err)) < 0)
			return od_yc_fail(yc, &it, "%s", err);
		if (odd_conf_add_nta(c, &nta) < 0)
			return OD_ENOMEM;
	}
	return 0;
}

static int load_uint(od_yc_t *yc, const od_ycn_t *m, const char *key,
                     uint64_t min, uint64_t max, unsigned *dst)
{
	od_ycn_t v;
	uint64_t u;
	if (!od_yc_get(yc, m, key, &v))
		return 0;
	if (od_yc_uint(yc, &v, min, max, &u) < 0)
		return OD_EINVAL;
	*dst = (unsigned)u;
	return 0;
}

static int load_limits(odd_conf_t *c, od_yc_t *yc, const od_ycn_t *m)
{
	static const char *const keys[] = { "upstream-per-query",
		                            "ns-per-delegation",
		                            "time-per-query",
		                            "outstanding-per-worker", NULL };
	od_ycn_t v;
	if (od_yc_keys(yc, m, keys) < 0 ||
	    load_uint(yc, m, "upstream-per-query", 1, 10000,
	              &c->upstream_per_query) < 0 ||
	    load_uint(yc, m, "ns-per-delegation", 1, 100,
	              &c->ns_per_delegation) < 0 ||
	    load_uint(yc, m, "outstanding-per-worker", 1, 1000000,
	              &c->outstanding) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, m, "time-per-query", &v)) {
		uint64_t ms;
		if (od_yc_duration_ms(yc, &v, 1, 100, 60000, &ms) < 0)
			return OD_EINVAL;
		c->time_per_query_ms = (uint32_t)ms;
	}
	return 0;
}

/* query-log: { file: PATH, rotate: DURATION, keep: N } */
static int load_qlog(odd_conf_t *c, od_yc_t *yc, const od_ycn_t *m)
{
	static const char *const keys[] = { "file", "rotate", "keep", NULL };
	od_ycn_t v;
	uint64_t u;
	const char *s;
	if (od_yc_keys(yc, m, keys) < 0)
		return OD_EINVAL;
	if (!od_yc_get(yc, m, "file", &v))
		return od_yc_fail(yc, m,
		                  "'file' is required (the query "
		                  "log's path)");
	if (od_yc_str(yc, &v, &s) < 0)
		return OD_EINVAL;
	if (*s == '\0' || s[strlen(s) - 1] == '/')
		return od_yc_fail(yc, &v, "expected a file path");
	char *d = strdup(s);
	if (d == NULL)
		return OD_ENOMEM;
	free(c->qlog_file);
	c->qlog_file = d;
	if (od_yc_get(yc, m, "rotate", &v)) {
		/* Any duration parses; the range is said in seconds. */
		if (od_yc_str(yc, &v, &s) < 0 ||
		    od_yc_duration_ms(yc, &v, 1000, 0, (uint64_t)1 << 50, &u) <
		            0)
			return OD_EINVAL;
		if (u < (uint64_t)ODD_QLOG_ROTATE_MIN * 1000 ||
		    u > (uint64_t)ODD_QLOG_ROTATE_MAX * 1000 || u % 1000 != 0)
			return od_yc_fail(
			        yc, &v,
			        "'%s' is out of range (whole seconds, "
			        "1s..24h)",
			        s);
		c->qlog_rotate = (uint32_t)(u / 1000);
	}
	if (od_yc_get(yc, m, "keep", &v)) {
		if (od_yc_uint(yc, &v, 0, ODD_QLOG_KEEP_MAX, &u) < 0)
			return OD_EINVAL;
		c->qlog_keep = (unsigned)u;
	}
	return 0;
}

static const char lr_needs_dnssec[] =
        "localroot needs dnssec: true: the copy is verified against the "
        "trust anchors";

static int load_top(odd_conf_t *c, od_yc_t *yc, const od_ycn_t *root)
{
	static const char *const keys[] = { "listen",
		                            "root-hints",
		                            "trust-anchor",
		                            "dnssec",
		                            "aggressive-nsec",
		                            "nsec3-max-iterations",
		                            "state-dir",
		                            "control",
		                            "metrics",
		                            "trust-anchor-read-only",
		                            "trust-anchor-holddown",
		                            "negative-trust-anchors",
		                            "qname-minimisation",
		                            "workers",
		                            "cache-size",
		                            "cache-snapshot",
		                            "access-control",
		                            "limits",
		                            "edns-buffer-size",
		                            "use-0x20",
		                            "ipv6",
		                            "log-level",
		                            "prefill",
		                            "log-target",
		                            "query-log",
		                            "serve-stale",
		                            "serve-stale-window",
		                            "serve-stale-client-timeout",
		                            "localroot",
		                            NULL };
	od_ycn_t v;
	uint64_t u;
	int r;
	if (od_yc_keys(yc, root, keys) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "listen", &v) &&
	    (r = od_yc_listen_list(yc, &v, 53, &c->listen, &c->nlisten)) < 0)
		return r;
	if (od_yc_get(yc, root, "root-hints", &v) &&
	    (r = str_dup(yc, &v, &c->root_hints)) < 0)
		return r;
	if (od_yc_get(yc, root, "trust-anchor", &v) &&
	    (r = str_dup(yc, &v, &c->trust_anchor)) < 0)
		return r;
	if (od_yc_get(yc, root, "dnssec", &v) &&
	    od_yc_bool(yc, &v, &c->dnssec) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "aggressive-nsec", &v) &&
	    od_yc_bool(yc, &v, &c->aggressive_nsec) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "nsec3-max-iterations", &v)) {
		if ((r = od_yc_uint(yc, &v, 0, 65535, &u)) < 0)
			return r;
		c->nsec3_max_iter = (uint16_t)u;
	}
	if (od_yc_get(yc, root, "state-dir", &v)) {
		const char *s;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (*s == '\0')
			return od_yc_fail(yc, &v, "expected a directory");
		char *d = strdup(s);
		if (d == NULL)
			return OD_ENOMEM;
		free(c->state_dir);
		c->state_dir = d;
	}
	if (od_yc_get(yc, root, "control", &v)) {
		const char *s;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (*s == '\0' || strlen(s) > ODD_CONTROL_PATH_MAX)
			return od_yc_fail(yc, &v,
			                  "expected a socket path (1..107 "
			                  "octets)");
		char *d = strdup(s);
		if (d == NULL)
			return OD_ENOMEM;
		free(c->control);
		c->control = d;
	}
	if (od_yc_get(yc, root, "metrics", &v)) {
		const char *s;
		char e[200];
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (od_listen_parse_endpoint(s, &c->metrics, e, sizeof(e)) < 0)
			return od_yc_fail(yc, &v, "%s", e);
		c->metrics_on = true;
	}
	if (od_yc_get(yc, root, "trust-anchor-read-only", &v) &&
	    od_yc_bool(yc, &v, &c->ta_read_only) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "trust-anchor-holddown", &v)) {
		const char *s;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		r = odd_parse_seconds(s, 0, ODD_DURATION_MAX, &u);
		if (r == OD_ERANGE)
			return od_yc_fail(yc, &v,
			                  "'%s' is out of range (0s..365d)", s);
		if (r < 0)
			return od_yc_fail(
			        yc, &v,
			        "expected seconds, or a duration such "
			        "as 30d, 12h, 10m or 90s");
		c->ta_holddown = (uint32_t)u;
	}
	if (od_yc_get(yc, root, "negative-trust-anchors", &v) &&
	    (r = load_ntas(c, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, root, "qname-minimisation", &v) &&
	    od_yc_bool(yc, &v, &c->qname_min) < 0)
		return OD_EINVAL;
	if (load_uint(yc, root, "workers", 0, 256, &c->workers) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "cache-size", &v)) {
		const char *s;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (odd_parse_size(s, &u) < 0)
			return od_yc_fail(yc, &v,
			                  "expected a size such as 64M, 1G or "
			                  "500000 (bytes)");
		if (u < ((uint64_t)1 << 20) || u > ((uint64_t)1 << 40))
			return od_yc_fail(
			        yc, &v, "'%s' is out of range (1M..1024G)", s);
		c->cache_size = (size_t)u;
	}
	if (od_yc_get(yc, root, "cache-snapshot", &v) &&
	    od_yc_bool(yc, &v, &c->cache_snapshot) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "serve-stale", &v) &&
	    od_yc_bool(yc, &v, &c->serve_stale) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "serve-stale-window", &v)) {
		/* Seconds by default; RFC 8767 suggests 1 to 3 days. Any
		   duration parses; the range is said in seconds and days. */
		if (od_yc_duration_ms(yc, &v, 1000, 0, (uint64_t)1 << 50, &u) <
		    0)
			return OD_EINVAL;
		if (u < 1000 || u > 7ull * 86400 * 1000 || u % 1000 != 0)
			return od_yc_fail(yc, &v,
			                  "expected whole seconds from 1s to "
			                  "7d");
		c->stale_window = (uint32_t)(u / 1000);
	}
	if (od_yc_get(yc, root, "serve-stale-client-timeout", &v)) {
		/* Milliseconds by default; 0: only after failures. */
		if (od_yc_duration_ms(yc, &v, 1, 0, 60000, &u) < 0)
			return OD_EINVAL;
		c->stale_client_ms = (uint32_t)u;
	}
	if (od_yc_get(yc, root, "access-control", &v) &&
	    (r = load_acl(c, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, root, "prefill", &v) &&
	    (r = odd_prefill_conf_load(&c->prefill, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, root, "limits", &v) &&
	    (r = load_limits(c, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, root, "edns-buffer-size", &v)) {
		if (od_yc_uint(yc, &v, 512, 4096, &u) < 0)
			return OD_EINVAL;
		c->edns_size = (uint16_t)u;
	}
	if (od_yc_get(yc, root, "use-0x20", &v) &&
	    od_yc_bool(yc, &v, &c->use_0x20) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "ipv6", &v) && od_yc_bool(yc, &v, &c->ipv6) < 0)
		return OD_EINVAL;
	if (od_yc_get(yc, root, "log-level", &v)) {
		const char *s;
		od_log_level_t lvl;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (od_log_level_parse(s, &lvl) < 0)
			return od_yc_fail(
			        yc, &v, "expected error, warn, info or debug");
		c->log_level = (int)lvl;
	}
	if (od_yc_get(yc, root, "log-target", &v)) {
		const char *s;
		od_log_target_t t;
		if (od_yc_str(yc, &v, &s) < 0)
			return OD_EINVAL;
		if (od_log_target_parse(s, &t) < 0)
			return od_yc_fail(yc, &v, "expected stderr or syslog");
		c->log_target = (int)t;
	}
	if (od_yc_get(yc, root, "query-log", &v) &&
	    (r = load_qlog(c, yc, &v)) < 0)
		return r;
	if (od_yc_get(yc, root, "localroot", &v)) {
		if ((r = odd_lr_conf_load(&c->localroot, yc, &v)) < 0)
			return r;
		/* Here, with the key's position, when the file itself turns
		   validation off; --no-dnssec is odd_conf_finish's. */
		if (c->localroot.nsources && !c->dnssec)
			return od_yc_fail(yc, &v, "%s", lr_needs_dnssec);
	}
	return 0;
}

int odd_conf_load(odd_conf_t *c, const char *path, char *err, size_t errlen)
{
	od_yc_t yc;
	od_ycn_t root;
	int r = od_yc_load(&yc, path, &root);
	if (r == 0)
		r = load_top(c, &yc, &root);
	if (r == OD_ENOMEM && yc.err[0] == '\0')
		snprintf(yc.err, sizeof(yc.err), "%s: out of memory", path);
	if (r < 0)
		snprintf(err, errlen, "%s", yc.err);
	od_yc_free(&yc);
	return r;
}

int odd_conf_finish(odd_conf_t *c, char *err, size_t errlen)
{
	if (c->nlisten == 0 && odd_conf_add_listen(c, "127.0.0.1@53") < 0) {
		snprintf(err, errlen, "out of memory");
		return OD_ENOMEM;
	}
	if (c->localroot.nsources && !c->dnssec) {
		snprintf(err, errlen, "%s", lr_needs_dnssec);
		return OD_EINVAL;
	}
	if (c->nacl == 0)
		od_log_warn("access-control is empty: every client is refused",
		            NULL);
	return 0;
}
