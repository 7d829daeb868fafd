/* SPDX-License-Identifier: MIT */
/*
 * In-memory zone (src/lib/zone/zone.c): loading, canonical order,
 * duplicates, node flags, lookups, semantic checks, and the canonical
 * printer (parse -> print -> parse is the identity), also on the shared
 * reference zones when present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/zone/zone.h"

static const uint8_t *N(const char *s)
{
	static uint8_t buf[8][OD_NAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ & 7];
	int r = od_name_from_str(b, s, strlen(s), NULL);
	assert_true(r > 0);
	return b;
}

static od_zone_t *load_text(const char *text, const char *origin)
{
	od_zload_opts_t o = { 0 };
	o.origin = origin ? N(origin) : NULL;
	od_zone_t *z = NULL;
	int r = od_zone_load_mem(&z, text, strlen(text), "test", &o);
	if (r)
		fprintf(stderr, "load: %s\n", od_strerror(r));
	assert_int_equal(r, 0);
	assert_non_null(z);
	return z;
}

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf_t;

static int to_buf(const char *line, size_t len, void *ctx)
{
	sbuf_t *b = ctx;
	if (b->len + len + 2 > b->cap) {
		b->cap = (b->len + len + 2) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, line, len);
	b->len += len;
	b->p[b->len++] = '\n';
	b->p[b->len] = 0;
	return 0;
}

static char *print_zone(const od_zone_t *z, size_t *len)
{
	sbuf_t b = { 0 };
	assert_int_equal(od_zone_print(z, to_buf, &b), 0);
	if (b.p == NULL)
		b.p = calloc(1, 1);
	*len = b.len;
	return b.p;
}

static bool has_finding(const od_zone_t *z, od_zcheck_t code, const char *owner)
{
	for (size_t i = 0; i < z->nfindings; i++) {
		const od_zfinding_t *f = &z->findings[i];
		if (f->code != code)
			continue;
		if (owner == NULL ||
		    (f->owner && od_name_equal(f->owner, N(owner))))
			return true;
	}
	return false;
}

static const char *ZONE1 =
        "$ORIGIN example.\n"
        "$TTL 3600\n"
        "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
        "@ NS ns1\n"
        "@ NS NS1.EXAMPLE.\n" /* duplicate, other case */
        "@ NS ns2.other.test.\n"
        "ns1 A 192.0.2.1\n"
        "ns1 A 192.0.2.1\n" /* duplicate */
        "www 300 A 192.0.2.10\n"
        "www 600 A 192.0.2.9\n" /* TTL differs */
        "Z A 192.0.2.5\n"
        "a A 192.0.2.6\n"
        "*.z TXT \"wild\"\n"
        "yljkjljk.a TXT x\n"
        "\\001.z TXT x\n"
        "zABC.a TXT x\n"
        "\\200.z TXT x\n"
        "sub NS ns.sub\n"
        "sub NS ns.elsewhere.test.\n"
        "sub DS 12345 8 2 "
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
        "ns.sub A 192.0.2.53\n"
        "deep.ns.sub TXT occluded\n"
        "deep.sub MX 10 mail\n"
        "d DNAME target.test.\n"
        "x.d A 192.0.2.77\n"
        "out.of.zone.test. A 192.0.2.1\n";

static void test_load_basic(void **state)
{
	od_zone_t *z = load_text(ZONE1, "example.");
	assert_true(z->finalized);
	assert_int_equal(z->stats.out_of_zone, 1);
	assert_int_equal(z->stats.duplicates, 2);
	assert_non_null(z->apex);
	assert_true(od_name_equal(z->apex->owner, N("example.")));
	uint32_t serial = 0;
	assert_int_equal(od_zone_serial(z, &serial), 0);
	assert_int_equal(serial, 2024010101);

	/* Find is case-insensitive; out-of-zone data is not loaded. */
	const od_znode_t *n = od_zone_find(z, N("WWW.Example."));
	assert_non_null(n);
	assert_null(od_zone_find(z, N("out.of.zone.test.")));
	assert_null(od_zone_find(z, N("nothere.example.")));

	/* Duplicates (names in RDATA compared case-insensitively). */
	const od_zrrset_t *ns = od_znode_rrset(z->apex, OD_TYPE_NS);
	assert_non_null(ns);
	assert_int_equal(ns->count, 2);
	assert_int_equal(ns->dups, 1);
	const od_zrrset_t *a =
	        od_znode_rrset(od_zone_find(z, N("ns1.example.")), OD_TYPE_A);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->dups, 1);

	/* TTL mismatch: the lowest wins; records in canonical order. */
	const od_zrrset_t *w = od_znode_rrset(n, OD_TYPE_A);
	assert_int_equal(w->count, 2);
	assert_int_equal(w->ttl, 300);
	assert_int_equal(w->rrs[0]->ttl, 300);
	assert_int_equal(w->rrs[1]->ttl, 300);
	assert_int_equal(w->rrs[0]->data[3], 9);
	assert_int_equal(w->rrs[1]->data[3], 10);

	/* Canonical order of all nodes (RFC 4034 §6.1). */
	for (size_t i = 1; i < z->nnodes; i++)
		assert_true(od_name_cmp(z->nodes[i - 1]->owner,
		                        z->nodes[i]->owner) < 0);
	/* The RFC's own example order for the names we have. */
	static const char *order[] = {
		"example.",        "a.example.",       "yljkjljk.a.example.",
		"zABC.a.example.", "z.example.",       "\\001.z.example.",
		"*.z.example.",    "\\200.z.example.",
	};
	size_t prev = 0;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		size_t pos = SIZE_MAX;
		for (size_t i = 0; i < z->nnodes; i++)
			if (od_name_equal(z->nodes[i]->owner, N(order[k])))
				pos = i;
		if (pos == SIZE_MAX)
			fail_msg("%s not found", order[k]);
		if (k)
			assert_true(pos > prev);
		prev = pos;
	}
	/* RRsets of a node by type. */
	for (size_t i = 0; i < z->nnodes; i++)
		for (uint16_t j = 1; j < z->nodes[i]->nsets; j++)
			assert_true(z->nodes[i]->sets[j - 1].type <
			            z->nodes[i]->sets[j].type);
	od_zone_free(z);
}

static void test_flags(void **state)
{
	od_zone_t *z = load_text(ZONE1, "example.");
	struct {
		const char *name;
		uint16_t set, clear;
	} cases[] = {
		{ "example.", OD_ZN_APEX, OD_ZN_DELEG | OD_ZN_OCCLUDED },
		{ "ns1.example.", 0, OD_ZN_GLUE | OD_ZN_OCCLUDED | OD_ZN_APEX },
		{ "sub.example.", OD_ZN_DELEG, OD_ZN_GLUE | OD_ZN_OCCLUDED },
		{ "ns.sub.example.", OD_ZN_GLUE | OD_ZN_BELOW_CUT,
		  OD_ZN_OCCLUDED | OD_ZN_DELEG },
		{ "deep.ns.sub.example.", OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT,
		  OD_ZN_GLUE },
		{ "deep.sub.example.", OD_ZN_OCCLUDED, OD_ZN_GLUE },
		{ "d.example.", OD_ZN_DNAME, OD_ZN_OCCLUDED },
		{ "x.d.example.", OD_ZN_OCCLUDED,
		  OD_ZN_GLUE | OD_ZN_BELOW_CUT },
		{ "*.z.example.", OD_ZN_WILDCARD, OD_ZN_OCCLUDED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const od_znode_t *n = od_zone_find(z, N(cases[i].name));
		assert_non_null(n);
		if ((n->flags & cases[i].set) != cases[i].set ||
		    (n->flags & cases[i].clear))
			fail_msg("%s: flags %#x", cases[i].name, n->flags);
	}
	od_zone_free(z);
}

static void test_sigs(void **state)
{
	const char *text =
	        "$ORIGIN example.\n"
	        "@ 3600 SOA ns1 h 1 2 3 4 5\n"
	        "@ 7200 NS ns1\n"
	        "ns1 60 A 192.0.2.1\n"
	        "@ 3600 RRSIG SOA 8 1 3600 20300101000000 20200101000000 1 "
	        "example. AAAA\n"
	        "@ 7200 RRSIG NS 8 1 7200 20300101000000 20200101000000 1 "
	        "example. AAAA\n"
	        "@ 7200 RRSIG NS 8 1 7200 20300101000000 20200101000000 2 "
	        "example. AAAA\n"
	        "@ 100 RRSIG NS 8 1 7200 20300101000000 20200101000000 2 "
	        "example. AAAA\n"; /* duplicate with another TTL */
	od_zone_t *z = load_text(text, "example.");
	size_t first = 99;
	assert_int_equal(od_znode_sigs(z->apex, OD_TYPE_NS, &first), 2);
	assert_int_equal(first, 0); /* NS (2) sorts before SOA (6) */
	assert_int_equal(od_znode_sigs(z->apex, OD_TYPE_SOA, &first), 1);
	assert_int_equal(first, 2);
	assert_int_equal(od_znode_sigs(z->apex, OD_TYPE_A, &first), 0);
	const od_zrrset_t *s = od_znode_rrset(z->apex, OD_TYPE_RRSIG);
	/* TTLs settle per covered type: NS sigs 100, the SOA sig 3600. */
	assert_int_equal(s->rrs[0]->ttl, 100);
	assert_int_equal(s->rrs[1]->ttl, 100);
	assert_int_equal(s->rrs[2]->ttl, 3600);
	assert_int_equal(s->dups, 1);
	od_zone_free(z);
}

static void test_incremental(void **state)
{
	/* No origin given: the first record (the SOA) sets it. */
	od_zone_t *z = od_zone_new(NULL, 0);
	assert_non_null(z);
	uint8_t soa[64];
	size_t l = od_name_copy(soa, N("ns.example."));
	l += od_name_copy(soa + l, N("h.example."));
	memset(soa + l, 0, 20);
	soa[l + 3] = 7;
	l += 20;
	assert_int_equal(od_zone_add(z, N("Example."), OD_TYPE_SOA, OD_CLASS_IN,
	                             60, soa, (uint16_t)l),
	                 0);
	uint8_t a[4] = { 192, 0, 2, 1 };
	assert_int_equal(od_zone_add(z, N("a.example."), OD_TYPE_A, OD_CLASS_IN,
	                             60, a, 4),
	                 0);
	/* Other class: not loaded, reported. */
	assert_int_equal(od_zone_add(z, N("b.example."), OD_TYPE_A, OD_CLASS_CH,
	                             60, a, 4),
	                 0);
	assert_non_null(od_zone_find(z, N("a.example.")));
	assert_int_equal(od_zone_finalize(z), 0);
	assert_int_equal(od_zone_finalize(z), 0);
	assert_int_equal(od_zone_add(z, N("c.example."), OD_TYPE_A, OD_CLASS_IN,
	                             60, a, 4),
	                 OD_EINVAL);
	uint32_t serial;
	assert_int_equal(od_zone_serial(z, &serial), 0);
	assert_int_equal(serial, 7);
	assert_int_equal(z->stats.wrong_class, 1);
	assert_true(has_finding(z, OD_ZC_CLASS, "b.example."));
	assert_null(od_zone_find(z, N("b.example.")));
	od_zone_free(z);

	/* Without an origin, a first record that is not an SOA fails. */
	z = od_zone_new(NULL, 0);
	assert_int_equal(od_zone_add(z, N("a.example."), OD_TYPE_A, OD_CLASS_IN,
	                             60, a, 4),
	                 OD_EINVAL);
	od_zone_free(z);
}

static void test_checks(void **state)
{
	od_zone_t *z = load_text(ZONE1, "example.");
	size_t errors = 99;
	int n = od_zone_check(z, &errors);
	assert_true(n >= 0);
	assert_true(has_finding(z, OD_ZC_OUT_OF_ZONE, "out.of.zone.test."));
	assert_true(has_finding(z, OD_ZC_DUPLICATE, "example."));
	assert_true(has_finding(z, OD_ZC_DUPLICATE, "ns1.example."));
	assert_true(has_finding(z, OD_ZC_TTL_MISMATCH, "www.example."));
	assert_false(has_finding(z, OD_ZC_MISSING_GLUE, NULL));
	assert_false(has_finding(z, OD_ZC_NO_SOA, NULL));
	assert_false(has_finding(z, OD_ZC_NO_APEX_NS, NULL));
	assert_int_equal(errors, 1); /* the out-of-zone record */
	/* A second call recomputes the same. */
	assert_int_equal(od_zone_check(z, NULL), n);
	od_zone_free(z);

	const char *bad = "$ORIGIN example.\n$TTL 60\n"
	                  "@ SOA ns1 h 1 2 3 4 5\n"
	                  "@ SOA ns1 h 2 2 3 4 5\n"
	                  "ns1 A 192.0.2.1\n"
	                  "c CNAME www\n"
	                  "c A 192.0.2.2\n"
	                  "c NSEC d A NSEC\n"
	                  "c2 CNAME a\n"
	                  "c2 CNAME b\n"
	                  "inner SOA ns1 h 1 2 3 4 5\n"
	                  "sub NS ns.sub\n"
	                  "sub NS ns.other.sub2\n"
	                  "sub2 NS ns.sub2\n"
	                  "sub2 NS ns.sub\n"
	                  "ns.sub2 AAAA 2001:db8::1\n"
	                  "deleg3 NS noaddr\n";
	z = load_text(bad, "example.");
	n = od_zone_check(z, &errors);
	assert_true(n > 0);
	assert_true(has_finding(z, OD_ZC_MULTI_SOA, "example."));
	assert_true(has_finding(z, OD_ZC_NO_APEX_NS, NULL));
	assert_true(has_finding(z, OD_ZC_CNAME_OTHER, "c.example."));
	assert_true(has_finding(z, OD_ZC_MULTI_CNAME, "c2.example."));
	assert_true(has_finding(z, OD_ZC_SOA_NOT_APEX, "inner.example."));
	/* ns.sub has no address; ns.other.sub2 neither (both below cuts);
	   ns.sub2 has one. */
	assert_true(has_finding(z, OD_ZC_MISSING_GLUE, "sub.example."));
	assert_true(has_finding(z, OD_ZC_MISSING_GLUE, "sub2.example."));
	assert_true(has_finding(z, OD_ZC_NS_NO_ADDRESS, "deleg3.example."));
	/* The CNAME finding names A, not NSEC. */
	for (size_t i = 0; i < z->nfindings; i++)
		if (z->findings[i].code == OD_ZC_CNAME_OTHER)
			assert_int_equal(z->findings[i].type, OD_TYPE_A);
	for (size_t i = 0; i < z->nfindings; i++) {
		assert_non_null(z->findings[i].msg);
		assert_non_null(od_zcheck_str(z->findings[i].code));
	}
	od_zone_free(z);

	z = load_text("$ORIGIN example.\na 60 A 192.0.2.1\n", "example.");
	od_zone_check(z, &errors);
	assert_true(has_finding(z, OD_ZC_NO_SOA, NULL));
	assert_true(has_finding(z, OD_ZC_NO_APEX_NS, NULL));
	assert_int_equal(errors, 2);
	od_zone_free(z);
}

static void test_syntax_errors(void **state)
{
	const char *text = "$ORIGIN example.\n$TTL 60\n"
	                   "@ SOA ns1 h 1 2 3 4 5\n"
	                   "@ NS ns1\n"
	                   "ns1 A 999.1.1.1\n"
	                   "ns2 A 192.0.2.2\n";
	od_zone_t *z = NULL;
	od_zload_opts_t o = { .origin = N("example.") };
	int r = od_zone_load_mem(&z, text, strlen(text), "t.zone", &o);
	assert_true(r < 0);
	assert_null(z);
	o.keep_going = true;
	r = od_zone_load_mem(&z, text, strlen(text), "t.zone", &o);
	assert_int_equal(r, 0);
	assert_int_equal(z->stats.syntax_errors, 1);
	assert_true(has_finding(z, OD_ZC_SYNTAX, NULL));
	for (size_t i = 0; i < z->nfindings; i++)
		if (z->findings[i].code == OD_ZC_SYNTAX) {
			assert_int_equal(z->findings[i].line, 5);
			assert_string_equal(z->findings[i].file, "t.zone");
		}
	assert_non_null(od_zone_find(z, N("ns2.example.")));
	od_zone_free(z);
	r = od_zone_load_file(&z, "/nonexistent/zone/file", &o);
	assert_true(r < 0);
}

/* parse -> print -> parse -> print gives the same text and zone. */
static void roundtrip(od_zone_t *z, const char *what)
{
	size_t len1, len2;
	char *t1 = print_zone(z, &len1);
	od_zload_opts_t o = { .origin = z->origin, .rclass = z->rclass };
	od_zone_t *z2 = NULL;
	int r = od_zone_load_mem(&z2, t1, len1, what, &o);
	if (r)
		fail_msg("%s: reload: %s", what, od_strerror(r));
	char *t2 = print_zone(z2, &len2);
	if (len1 != len2 || memcmp(t1, t2, len1) != 0)
		fail_msg("%s: printed forms differ", what);
	assert_int_equal(z->stats.records, z2->stats.records);
	assert_int_equal(z->nnodes, z2->nnodes);
	assert_int_equal(z2->stats.duplicates, 0);
	/* Same records, same order, byte for byte. */
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *a = z->nodes[i], *b = z2->nodes[i];
		assert_true(od_name_equal(a->owner, b->owner));
		assert_int_equal(a->nsets, b->nsets);
		assert_int_equal(a->flags, b->flags);
		for (uint16_t j = 0; j < a->nsets; j++) {
			assert_int_equal(a->sets[j].count, b->sets[j].count);
			for (uint32_t k = 0; k < a->sets[j].count; k++) {
				const od_zrr_t *x = a->sets[j].rrs[k];
				const od_zrr_t *y = b->sets[j].rrs[k];
				assert_int_equal(x->ttl, y->ttl);
				assert_int_equal(x->len, y->len);
				assert_memory_equal(x->data, y->data, x->len);
			}
		}
	}
	/* One line per record, absolute owner first. */
	size_t lines = 0;
	for (size_t i = 0; i < len1; i++)
		lines += t1[i] == '\n';
	assert_int_equal(lines, z->stats.records);
	free(t1);
	free(t2);
	od_zone_free(z2);
}

static void test_print_identity(void **state)
{
	od_zone_t *z = load_text(ZONE1, "example.");
	size_t len;
	char *t = print_zone(z, &len);
	assert_non_null(strstr(t, "example. 3600 IN SOA ns1.example. "
	                          "hostmaster.example. 2024010101 7200 3600 "
	                          "1209600 300\n"));
	assert_non_null(strstr(t, "www.example. 300 IN A 192.0.2.9\n"
	                          "www.example. 300 IN A 192.0.2.10\n"));
	assert_null(strstr(t, "out.of.zone"));
	free(t);
	roundtrip(z, "zone1");
	od_zone_free(z);

	const char *odd = "$ORIGIN example.\n$TTL 60\n"
	                  "@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n"
	                  "ns1 A 192.0.2.1\n"
	                  "a\\.b\\032c TXT \"quote \\\" and \\\\ and ;\"\n"
	                  "u TYPE65280 \\# 3 010203\n"
	                  "e TYPE65281 \\# 0\n"
	                  "s SVCB 1 . alpn=h2,h3 port=853\n"
	                  "c CAA 0 issue \"ca.example\"\n";
	z = load_text(odd, "example.");
	roundtrip(z, "odd");
	od_zone_free(z);
}

static const char *data_dir(void)
{
	const char *d = getenv("ONEDOT_SHARED_DATA");
	struct stat st;
	if (d == NULL || stat(d, &st) != 0)
		return NULL;
	return d;
}

static void test_print_identity_data(void **state)
{
	const char *d = data_dir();
	if (d == NULL)
		skip();
	static const struct {
		const char *file, *origin;
	} files[] = {
		{ "rfc8976/unbound-zonemd.example_a1.zone", "example." },
		{ "rfc8976/unbound-zonemd.example_a2.zone", "example." },
		{ "rfc8976/unbound-zonemd.example_a3.zone", "example." },
		{ "rfc8976/unbound-zonemd.example_a4.zone", "uri.arpa." },
		{ "rfc8976/unbound-zonemd.example_a5.orig-cdf6544b4.zone",
		  "root-servers.net." },
		{ "rfc8976/dnspython-complex_example.zone", "example." },
		{ "rfc8976/unbound-zonemd-verify/zonemd.example12.zone",
		  "example.com." },
		{ "rootzone/root.zone.2026073102", "." },
		{ "rootzone/root.zone.2023042001", "." },
	};
	int done = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", d, files[i].file);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		od_zload_opts_t o = { .origin = N(files[i].origin) };
		od_zone_t *z = NULL;
		int r = od_zone_load_file(&z, path, &o);
		if (r)
			fail_msg("%s: %s", path, od_strerror(r));
		roundtrip(z, files[i].file);
		od_zone_free(z);
		done++;
	}
	if (done == 0)
		skip();
}

static void test_root_zone(void **state)
{
	const char *d = data_dir();
	if (d == NULL)
		skip();
	char path[1024];
	snprintf(path, sizeof(path), "%s/rootzone/root.zone.2026073102", d);
	struct stat st;
	if (stat(path, &st) != 0)
		skip();
	od_zone_t *z = NULL;
	assert_int_equal(od_zone_load_file(&z, path, NULL), 0);
	assert_true(od_name_is_root(z->origin));
	size_t errors;
	od_zone_check(z, &errors);
	assert_int_equal(errors, 0);
	const od_znode_t *com = od_zone_find(z, N("com."));
	assert_non_null(com);
	assert_true(com->flags & OD_ZN_DELEG);
	size_t glue = 0, deleg = 0;
	for (size_t i = 0; i < z->nnodes; i++) {
		glue += !!(z->nodes[i]->flags & OD_ZN_GLUE);
		deleg += !!(z->nodes[i]->flags & OD_ZN_DELEG);
	}
	assert_true(deleg > 1000);
	assert_true(glue > 1000);
	const od_znode_t *g = od_zone_find(z, N("a.nic.aaa."));
	assert_non_null(g);
	assert_true(g->flags & OD_ZN_GLUE);
	od_zone_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_basic),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_sigs),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_print_identity),
		cmocka_unit_test(test_print_identity_data),
		cmocka_unit_test(test_root_zone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
