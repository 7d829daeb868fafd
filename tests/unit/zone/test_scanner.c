/* SPDX-License-Identifier: MIT */
/*
 * Zone file scanner (src/lib/zone/scanner.c): syntax, directives, error
 * positions and policy, and the conformance data of other projects
 * (knot-zscanner, dnspython, BIND's checkzone tests) when present.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/zone/scanner.h"

#define MAXREC 4096

typedef struct rec {
	uint8_t owner[OD_NAME_MAXLEN];
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[1024];
	unsigned line;
	bool err; /* an error entry */
	unsigned col;
	int code;
	char msg[256];
} rec_t;

typedef struct coll {
	rec_t *r;
	size_t n;
	bool stop_on_err;
	size_t stop_after; /* records; 0: never stop */
} coll_t;

static int on_rec(const od_zrec_t *z, void *ctx)
{
	coll_t *c = ctx;
	if (c->n < MAXREC) {
		rec_t *r = &c->r[c->n++];
		memset(r, 0, sizeof(*r));
		od_name_copy(r->owner, z->owner);
		r->type = z->type;
		r->rclass = z->rclass;
		r->ttl = z->ttl;
		r->rdlen = z->rdlen;
		memcpy(r->rdata, z->rdata, z->rdlen < 1024 ? z->rdlen : 1024);
		r->line = z->line;
	}
	if (c->stop_after && c->n >= c->stop_after)
		return 7;
	return 0;
}

static int on_err(const od_zerr_t *e, void *ctx)
{
	coll_t *c = ctx;
	if (getenv("ZSCAN_VERBOSE"))
		fprintf(stderr, "%s:%u:%u: %s\n", e->file, e->line, e->col,
		        e->msg);
	if (c->n < MAXREC) {
		rec_t *r = &c->r[c->n++];
		memset(r, 0, sizeof(*r));
		r->err = true;
		r->line = e->line;
		r->col = e->col;
		r->code = e->code;
		snprintf(r->msg, sizeof(r->msg), "%s", e->msg);
	}
	return c->stop_on_err ? 1 : 0;
}

static coll_t *coll_new(void)
{
	coll_t *c = calloc(1, sizeof(*c));
	c->r = calloc(MAXREC, sizeof(rec_t));
	return c;
}

static void coll_free(coll_t *c)
{
	free(c->r);
	free(c);
}

static const uint8_t ORIGIN[] = "\7example\3com\0";

static int scan_with(const char *text, coll_t *c, od_zopts_t *o)
{
	c->n = 0;
	o->on_rec = on_rec;
	o->on_err = on_err;
	o->ctx = c;
	return od_zscan_mem(text, strlen(text), "t.zone", o, NULL);
}

static int scan(const char *text, coll_t *c)
{
	od_zopts_t o = { .origin = ORIGIN };
	return scan_with(text, c, &o);
}

static void name_of(char *buf, const uint8_t *n)
{
	od_name_to_str(buf, OD_NAME_STRLEN, n);
}

static size_t nerrs(const coll_t *c)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		k += c->r[i].err;
	return k;
}

static const rec_t *nth_rec(const coll_t *c, size_t k)
{
	for (size_t i = 0; i < c->n; i++)
		if (!c->r[i].err && k-- == 0)
			return &c->r[i];
	return NULL;
}

static const rec_t *nth_err(const coll_t *c, size_t k)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->r[i].err && k-- == 0)
			return &c->r[i];
	return NULL;
}

static void check_owner(const rec_t *r, const char *want)
{
	char buf[OD_NAME_STRLEN];
	assert_non_null(r);
	name_of(buf, r->owner);
	assert_string_equal(buf, want);
}

/* ---- syntax ---- */

static void t_basic(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	const char *z = "$TTL 300\n"
	                "@ IN SOA ns hostmaster 1 2 3 4 5\n"
	                "  NS ns\n"
	                "www 60 IN A 192.0.2.1\n"
	                "    IN 70 A 192.0.2.2 ; comment\n"
	                "mail.example.com. A 192.0.2.3\n"
	                "txt TXT \"a b\" c\r\n"
	                "multi ( MX\n"
	                "   10 ; inside\n"
	                "   mx )\n"
	                "\n"
	                "; only a comment\n"
	                "   \n"
	                "last A 10.0.0.1";
	assert_int_equal(scan(z, c), 0);
	assert_int_equal(c->n, 8);
	check_owner(&c->r[0], "example.com.");
	assert_int_equal(c->r[0].type, OD_TYPE_SOA);
	assert_int_equal(c->r[0].ttl, 300);
	check_owner(&c->r[1], "example.com.");
	assert_int_equal(c->r[1].type, OD_TYPE_NS);
	assert_int_equal(c->r[1].line, 3);
	check_owner(&c->r[2], "www.example.com.");
	assert_int_equal(c->r[2].ttl, 60);
	check_owner(&c->r[3], "www.example.com.");
	assert_int_equal(c->r[3].ttl, 70);
	assert_int_equal(c->r[3].rclass, OD_CLASS_IN);
	check_owner(&c->r[4], "mail.example.com.");
	assert_int_equal(c->r[5].rdlen, 6);
	assert_memory_equal(c->r[5].rdata, "\3a b\1c", 6);
	check_owner(&c->r[6], "multi.example.com.");
	assert_int_equal(c->r[6].type, OD_TYPE_MX);
	assert_int_equal(c->r[6].line, 8);
	assert_int_equal(c->r[6].rdlen, 2 + 16);
	check_owner(&c->r[7], "last.example.com.");
	assert_int_equal(c->r[7].line, 14);
	coll_free(c);
}

static void t_stats_and_file(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	od_zstats_t st;
	od_zopts_t o = { .origin = ORIGIN, .on_rec = on_rec, .ctx = c };
	const char *z = "a A 1.2.3.4\nb A 1.2.3.5\n\nc TXT x\n";
	assert_int_equal(od_zscan_mem(z, strlen(z), "x", &o, &st), 0);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.lines, 4);
	/* an empty text is an empty zone */
	assert_int_equal(od_zscan_mem(NULL, 0, "x", &o, &st), 0);
	assert_int_equal(st.records, 0);
	assert_true(od_zscan_file("/nonexistent/zone", &o, NULL) == -ENOENT);
	assert_true(od_zscan_file("/", &o, NULL) == -EISDIR);
	coll_free(c);
}

static void t_escapes_and_names(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	const char *z = "a\\.b A 1.2.3.4\n"
	                "\\065\\ x. A 1.2.3.4\n"
	                "* TXT \"q\\\"uote\" \\032 \"\\\\\"\n"
	                "e TXT \"multi\\\nline\"\n"
	                "f TXT \"caf\xc3\xa9\"\n";
	assert_int_equal(scan(z, c), 0);
	assert_int_equal(c->n, 5);
	check_owner(&c->r[0], "a\\.b.example.com.");
	check_owner(&c->r[1], "A\\032x.");
	check_owner(&c->r[2], "*.example.com.");
	assert_int_equal(c->r[2].rdlen, 7 + 2 + 2);
	assert_memory_equal(c->r[2].rdata, "\6q\"uote\1 \1\\", 11);
	assert_memory_equal(c->r[3].rdata, "\12multi\nline", 11);
	assert_int_equal(c->r[4].line, 6);
	assert_memory_equal(c->r[4].rdata, "\5caf\xc3\xa9", 6);
	coll_free(c);
}

static void t_ttl_units(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	const char *z = "a 1h30m A 1.2.3.4\n"
	                "a 2W A 1.2.3.4\n"
	                "a 1d1H1m1S A 1.2.3.4\n"
	                "a 4294967295 A 1.2.3.4\n"
	                "a 2147483648 A 1.2.3.4\n"
	                "a 4294967296 A 1.2.3.4\n"
	                "a 1x A 1.2.3.4\n"
	                "a 1w4294967295s A 1.2.3.4\n";
	assert_int_not_equal(scan(z, c), 0);
	assert_int_equal(c->n, 8);
	assert_int_equal(c->r[0].ttl, 5400);
	assert_int_equal(c->r[1].ttl, 1209600);
	assert_int_equal(c->r[2].ttl, 86400 + 3600 + 60 + 1);
	assert_int_equal(c->r[3].ttl, 4294967295u);
	assert_int_equal(c->r[4].ttl, 2147483648u);
	assert_true(c->r[5].err);
	assert_int_equal(c->r[5].code, OD_ERANGE);
	assert_true(c->r[6].err);
	assert_non_null(strstr(c->r[6].msg, "'1x'"));
	assert_int_equal(c->r[6].col, 3);
	assert_true(c->r[7].err);
	coll_free(c);
}

static void t_default_ttl(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	/* no $TTL: SOA MINIMUM for the SOA, then the last TTL */
	assert_int_equal(scan("@ SOA ns h 1 2 3 4 900\n"
	                      "@ NS ns\n"
	                      "a 20 A 1.2.3.4\n"
	                      "b A 1.2.3.4\n",
	                      c),
	                 0);
	assert_int_equal(c->r[0].ttl, 900);
	assert_int_equal(c->r[1].ttl, 900);
	assert_int_equal(c->r[2].ttl, 20);
	assert_int_equal(c->r[3].ttl, 20);
	/* $TTL wins over the last explicit TTL */
	assert_int_equal(scan("a 20 A 1.2.3.4\n$TTL 5m\nb A 1.2.3.4\n"
	                      "c 7 A 1.2.3.4\nd A 1.2.3.4\n",
	                      c),
	                 0);
	assert_int_equal(c->r[1].ttl, 300);
	assert_int_equal(c->r[2].ttl, 7);
	assert_int_equal(c->r[3].ttl, 300);
	/* nothing at all: the caller's default */
	od_zopts_t o = { .origin = ORIGIN, .default_ttl = 42 };
	assert_int_equal(scan_with("a A 1.2.3.4\n", c, &o), 0);
	assert_int_equal(c->r[0].ttl, 42);
	assert_int_equal(scan("a A 1.2.3.4\n", c), 0);
	assert_int_equal(c->r[0].ttl, 3600);
	coll_free(c);
}

static void t_class(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	assert_int_not_equal(scan("a IN A 1.2.3.4\nb CH A 1.2.3.4\n"
	                          "c CLASS1 A 1.2.3.4\nd in 5 a 1.2.3.4\n",
	                          c),
	                     0);
	assert_int_equal(c->n, 4);
	assert_false(c->r[0].err);
	assert_true(c->r[1].err);
	assert_int_equal(c->r[1].code, OD_ECLASS);
	assert_int_equal(c->r[1].col, 3);
	assert_false(c->r[2].err);
	assert_false(c->r[3].err);
	assert_int_equal(c->r[3].ttl, 5);
	/* a CH zone */
	od_zopts_t o = { .origin = ORIGIN, .rclass = OD_CLASS_CH };
	assert_int_equal(scan_with("a TXT x\nb CH TXT y\n", c, &o), 0);
	assert_int_equal(c->r[0].rclass, OD_CLASS_CH);
	coll_free(c);
}

static void t_generic_and_unknown(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	assert_int_equal(scan("a TYPE65000 \\# 3 010203\n"
	                      "b A \\# 4 0A000001\n"
	                      "c ZONEMD 1 1 1 ( 0000000000000000000000000000"
	                      "00000000000000000000000000000000000000000000"
	                      "000000000000000000000000 )\n",
	                      c),
	                 0);
	assert_int_equal(c->n, 3);
	assert_int_equal(c->r[0].type, 65000);
	assert_int_equal(c->r[0].rdlen, 3);
	assert_memory_equal(c->r[1].rdata, "\12\0\0\1", 4);
	assert_int_equal(c->r[2].type, OD_TYPE_ZONEMD);
	/* meta and query types do not belong in zones */
	assert_int_not_equal(
	        scan("a TKEY \\# 0\nb AXFR \\# 0\nc OPT \\# 0\n", c), 0);
	assert_int_equal(nerrs(c), 3);
	coll_free(c);
}

/* ---- errors ---- */

static void t_error_positions(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	const char *z = "ok A 1.2.3.4\n"
	                "bad xyz A 1.2.3.4\n"
	                "x A 1.2.3\n"
	                "y MX 10\n"
	                "  ( A\n"
	                "  1.2.3.4 ) 5\n";
	assert_int_equal(scan(z, c), OD_ETYPE);
	assert_int_equal(c->n, 5);
	const rec_t *e = nth_err(c, 0);
	assert_int_equal(e->line, 2);
	assert_int_equal(e->col, 5);
	assert_string_equal(e->msg, "expected a TTL, class or type, got 'xyz'");
	e = nth_err(c, 1);
	assert_int_equal(e->line, 3);
	assert_int_equal(e->col, 5);
	assert_non_null(strstr(e->msg, "'1.2.3'"));
	e = nth_err(c, 2);
	assert_int_equal(e->line, 4);
	assert_int_equal(e->col, 8);
	assert_non_null(strstr(e->msg, "end of the record"));
	e = nth_err(c, 3);
	assert_int_equal(e->line, 6);
	assert_int_equal(e->col, 13);
	/* record 1 only: the others failed */
	assert_int_equal(c->r[0].line, 1);
	coll_free(c);
}

static void t_skip_vs_stop(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	const char *z = "a A 1.2.3.4\nb A bad\nc A 1.2.3.5\n";
	assert_int_equal(scan(z, c), OD_ESYNTAX);
	assert_int_equal(c->n, 3);
	assert_false(c->r[2].err);
	c->stop_on_err = true;
	assert_int_equal(scan(z, c), OD_ESYNTAX);
	assert_int_equal(c->n, 2);
	assert_true(c->r[1].err);
	c->stop_on_err = false;
	/* no error callback: the first error stops */
	od_zopts_t o = { .origin = ORIGIN, .on_rec = on_rec, .ctx = c };
	c->n = 0;
	assert_int_equal(od_zscan_mem(z, strlen(z), "t", &o, NULL), OD_ESYNTAX);
	assert_int_equal(c->n, 1);
	/* the record callback stops with its own value */
	c->stop_after = 2;
	assert_int_equal(scan("a A 1.2.3.4\nb A 1.2.3.4\nc A 1.2.3.4\n", c), 7);
	assert_int_equal(c->n, 2);
	coll_free(c);
}

static void t_parens_quotes(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	/* unclosed '(' at the end: reported where it opened */
	assert_int_not_equal(scan("a A 1.2.3.4\nb TXT ( x\n\n y\n", c), 0);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->r[1].line, 2);
	assert_int_equal(c->r[1].col, 7);
	/* nested and stray parentheses */
	assert_int_not_equal(scan("a NS ((b))\nc A 1.2.3.4\n", c), 0);
	assert_true(c->r[0].err);
	check_owner(&c->r[1], "c.example.com.");
	assert_int_not_equal(scan("a A 1.2.3.4 )\nc A 1.2.3.4\n", c), 0);
	assert_true(c->r[0].err);
	assert_false(c->r[1].err);
	/* newline inside quotes (BIND): error, unless escaped */
	assert_int_not_equal(scan("a TXT \"x\ny\"\nb A 1.2.3.4\n", c), 0);
	assert_true(c->r[0].err);
	assert_int_equal(c->r[0].col, 7);
	/* unterminated quote at the end of the text */
	assert_int_not_equal(scan("a TXT \"abc", c), 0);
	assert_int_equal(c->n, 1);
	assert_true(c->r[0].err);
	coll_free(c);
}

static void t_garbage(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	const char z[] = "a A 1.2.3.4\nb A 1.2\0.3.4\nc TXT \"x\1\"\n"
	                 "d A 1.2.3.4\n\x7f\x01\n";
	c->n = 0;
	od_zopts_t o = {
		.origin = ORIGIN, .on_rec = on_rec, .on_err = on_err, .ctx = c
	};
	assert_int_not_equal(od_zscan_mem(z, sizeof(z) - 1, "g", &o, NULL), 0);
	assert_int_equal(nerrs(c), 3);
	assert_int_equal(nth_err(c, 0)->line, 2);
	assert_int_equal(nth_err(c, 0)->col, 8);
	check_owner(nth_rec(c, 1), "d.example.com.");
	/* owner without an origin; blank owner without a previous one */
	od_zopts_t o2 = { 0 };
	assert_int_not_equal(scan_with("a A 1.2.3.4\n  A 1.2.3.4\n"
	                               "a. A 1.2.3.4\n  A 1.2.3.5\n",
	                               c, &o2),
	                     0);
	assert_int_equal(c->n, 4);
	assert_non_null(strstr(c->r[0].msg, "$ORIGIN"));
	assert_true(c->r[1].err);
	check_owner(&c->r[3], "a.");
	coll_free(c);
}

/* ---- directives ---- */

static void t_origin(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	assert_int_equal(scan("$ORIGIN sub\na A 1.2.3.4\n"
	                      "$origin other.\n@ A 1.2.3.4\nb A 1.2.3.4\n",
	                      c),
	                 0);
	check_owner(&c->r[0], "a.sub.example.com.");
	check_owner(&c->r[1], "other.");
	check_owner(&c->r[2], "b.other.");
	assert_int_not_equal(scan("$ORIGIN\n$ORIGIN a. b.\n$FOO\n", c), 0);
	assert_int_equal(nerrs(c), 3);
	assert_non_null(strstr(c->r[2].msg, "$GENERATE"));
	coll_free(c);
}

static char tmpdir[256];

static void write_file(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int scan_tmp(const char *rel, coll_t *c, od_zopts_t *o)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	c->n = 0;
	o->on_rec = on_rec;
	o->on_err = on_err;
	o->ctx = c;
	return od_zscan_file(p, o, NULL);
}

static void t_include(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/od-zscan-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file("sub/inc.zone", "$TTL 77\nx A 1.2.3.4\n  A 1.2.3.5\n"
	                           "$INCLUDE deeper.zone\n");
	write_file("sub/deeper.zone", "$ORIGIN d.\ny A 1.2.3.4\n");
	write_file("main.zone", "$TTL 10\nm A 1.2.3.4\n"
	                        "$INCLUDE sub/inc.zone inc\n"
	                        "  A 1.2.3.6\n"
	                        "$INCLUDE \"sub/inc.zone\"\n"
	                        "z A 1.2.3.4\n");
	od_zopts_t o = { .origin = ORIGIN };
	assert_int_equal(scan_tmp("main.zone", c, &o), 0);
	assert_int_equal(c->n, 9);
	check_owner(&c->r[1], "x.inc.example.com.");
	assert_int_equal(c->r[1].ttl, 77);
	check_owner(&c->r[2], "x.inc.example.com.");
	check_owner(&c->r[3], "y.d.");
	/* origin, $TTL and previous owner revert after the file */
	check_owner(&c->r[4], "m.example.com.");
	assert_int_equal(c->r[4].ttl, 10);
	check_owner(&c->r[5], "x.example.com.");
	check_owner(&c->r[8], "z.example.com.");
	assert_int_equal(c->r[8].ttl, 10);

	/* disabled */
	o.no_include = true;
	assert_int_equal(scan_tmp("main.zone", c, &o), OD_ENOTSUP);
	assert_int_equal(nerrs(c), 2);
	assert_int_equal(nth_err(c, 0)->line, 3);
	o.no_include = false;

	/* depth limit */
	o.include_depth = 1;
	assert_int_equal(scan_tmp("main.zone", c, &o), OD_ELIMIT);
	assert_int_equal(nerrs(c), 2);
	assert_string_equal(nth_err(c, 0)->msg,
	                    "$INCLUDE nested more than 1 deep");
	o.include_depth = 0;

	/* recursion */
	write_file("loop.zone", "a A 1.2.3.4\n$INCLUDE loop2.zone\n");
	write_file("loop2.zone", "b A 1.2.3.4\n$INCLUDE loop.zone\n");
	assert_int_equal(scan_tmp("loop.zone", c, &o), OD_ELIMIT);
	assert_int_equal(c->n, 3);
	assert_non_null(strstr(c->r[2].msg, "includes itself"));

	/* missing file, directory, bad origin */
	write_file("bad.zone", "$INCLUDE nothere.zone\n$INCLUDE sub\n"
	                       "$INCLUDE sub/inc.zone bad..origin\n"
	                       "$INCLUDE\nok A 1.2.3.4\n");
	assert_int_equal(scan_tmp("bad.zone", c, &o), -ENOENT);
	assert_int_equal(c->n, 5);
	assert_true(c->r[1].code == -EISDIR);
	assert_false(c->r[4].err);

	/* an error inside an included file names that file */
	write_file("sub/err.zone", "\n  bad A 1.2.3.4\n");
	write_file("e.zone", "$INCLUDE sub/err.zone\n");
	c->n = 0;
	char p[512];
	snprintf(p, sizeof(p), "%s/e.zone", tmpdir);
	assert_int_not_equal(scan_tmp("e.zone", c, &o), 0);
	assert_int_equal(nth_err(c, 0)->line, 2);
	coll_free(c);
	const char *rm[] = { "sub/inc.zone", "sub/deeper.zone", "sub/err.zone",
		             "main.zone",    "loop.zone",       "loop2.zone",
		             "bad.zone",     "e.zone" };
	for (size_t i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, rm[i]);
		unlink(p);
	}
	rmdir(sub);
	rmdir(tmpdir);
}

static void t_generate(void **state)
{
	(void)state;
	coll_t *c = coll_new();
	assert_int_equal(scan("$GENERATE 1-3 host$ A 10.0.0.$\n", c), 0);
	assert_int_equal(c->n, 3);
	check_owner(&c->r[0], "host1.example.com.");
	check_owner(&c->r[2], "host3.example.com.");
	assert_memory_equal(c->r[2].rdata, "\12\0\0\3", 4);
	assert_int_equal(scan("$GENERATE 0-10/5 ${10,3} 300 IN PTR "
	                      "h${-0,2,x}.$\n",
	                      c),
	                 0);
	assert_int_equal(c->n, 3);
	check_owner(&c->r[1], "015.example.com.");
	assert_int_equal(c->r[1].ttl, 300);
	assert_memory_equal(c->r[1].rdata, "\3h05\0015\7example\3com", 17);
	assert_int_equal(scan("$GENERATE 26-26 ${0,0,o}-${0,4,X}-${0,0,n}-"
	                      "${0,5,N}-\\$-$$ TXT \"a $\"\n",
	                      c),
	                 0);
	assert_int_equal(c->n, 1);
	check_owner(&c->r[0], "32-001A-a.1-A.1.0-\\$-\\$.example.com.");
	assert_memory_equal(c->r[0].rdata, "\1a\00226", 5);
	/* MX with two RDATA tokens, class and TTL in either order */
	assert_int_equal(scan("$GENERATE 1-2 m$ IN 9 MX 10 mx$\n", c), 0);
	assert_int_equal(c->r[1].ttl, 9);
	/* bound, meta type, bad forms */
	od_zopts_t o = { .origin = ORIGIN, .generate_max = 100 };
	assert_int_equal(scan_with("$GENERATE 1-100 a$ A 1.2.3.4\n", c, &o), 0);
	assert_int_equal(c->n, 100);
	assert_int_equal(scan_with("$GENERATE 0-100 a$ A 1.2.3.4\n", c, &o),
	                 OD_ELIMIT);
	assert_int_equal(c->n, 1);
	assert_int_equal(scan("$GENERATE 0-2147483647/1024 a$ A 1.2.3.4\n", c),
	                 OD_ELIMIT);
	assert_int_equal(scan("$GENERATE 0-7 tkey$ TKEY \"x\"\n", c), OD_ETYPE);
	const char *bad[] = {
		"$GENERATE 5-1 a$ A 1.2.3.4\n",
		"$GENERATE 1-2/0 a$ A 1.2.3.4\n",
		"$GENERATE 1 a$ A 1.2.3.4\n",
		"$GENERATE -1-2 a$ A 1.2.3.4\n",
		"$GENERATE 1-2 a${1 A 1.2.3.4\n",
		"$GENERATE 1-2 a${1,2,q} A 1.2.3.4\n",
		"$GENERATE 1-2 a${-5} A 1.2.3.4\n",
		"$GENERATE 1-2 a$ A\n",
		"$GENERATE 1-2 a$\n",
		"$GENERATE 1-2 a$ A 1.2.3.$$$\n",
		"$GENERATE 1-2 a$ A 1.2.3.${0,300}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(scan(bad[i], c), 0);
		assert_int_equal(nerrs(c), 1);
		assert_int_equal(nth_err(c, 0)->line, 1);
	}
	coll_free(c);
}

/* ---- conformance data ---- */

static const char *data_dir(void)
{
	return getenv("ONEDOT_SHARED_DATA");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b) {
		b[n] = 0;
		*len = (size_t)n;
	}
	return b;
}

/* One expected entry of a knot-zscanner .out file. */
typedef struct kexp {
	bool err;
	bool fatal;
	char what[40];
	uint8_t owner[OD_NAME_MAXLEN];
	size_t olen;
	uint16_t rclass, type;
	uint32_t ttl;
	uint8_t *rdata;
	size_t rdlen;
} kexp_t;

static size_t unhex(const char *h, size_t hl, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i + 1 < hl && n < cap; i += 2) {
		unsigned v;
		char b[3] = { h[i], h[i + 1], 0 };
		if (sscanf(b, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static size_t parse_out(char *text, kexp_t *e, size_t max)
{
	size_t n = 0;
	kexp_t *cur = NULL;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = 0;
		if (strncmp(line, "------", 6) == 0) {
			cur = NULL;
			continue;
		}
		if (cur == NULL) {
			if (n == max)
				break;
			cur = &e[n++];
			memset(cur, 0, sizeof(*cur));
		}
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq++ = 0;
		size_t vl = strlen(eq);
		if (!strcmp(line, "WARNG") || !strcmp(line, "ERROR")) {
			cur->err = true;
			cur->fatal = line[0] == 'E';
			snprintf(cur->what, sizeof(cur->what), "%s", eq);
		} else if (!strcmp(line, "OWNER")) {
			cur->olen =
			        unhex(eq, vl, cur->owner, sizeof(cur->owner));
		} else if (!strcmp(line, "CLASS")) {
			cur->rclass = (uint16_t)strtoul(eq, NULL, 16);
		} else if (!strcmp(line, "RRTTL")) {
			cur->ttl = (uint32_t)strtoul(eq, NULL, 16);
		} else if (!strcmp(line, "RTYPE")) {
			cur->type = (uint16_t)strtoul(eq, NULL, 16);
		} else if (!strcmp(line, "RDATA")) {
			cur->rdata = malloc(vl / 2 + 1);
			cur->rdlen = unhex(eq, vl, cur->rdata, vl / 2 + 1);
		}
	}
	return n;
}

static bool kmatch(const kexp_t *e, const rec_t *r)
{
	if (e->err || r->err)
		return e->err && r->err;
	size_t ol = od_name_len(r->owner);
	return ol == e->olen && memcmp(r->owner, e->owner, ol) == 0 &&
	       r->rclass == e->rclass && r->type == e->type &&
	       r->ttl == e->ttl && r->rdlen == e->rdlen &&
	       (e->rdlen == 0 || memcmp(r->rdata, e->rdata, e->rdlen) == 0);
}

/*
 * Where onedot differs from knot-zscanner, by input file and line of our
 * entry (0: we produced nothing for the file). Two kinds:
 *  D - deliberate: onedot follows BIND / the RFCs where Knot does not;
 *  R - the RDATA parser (rdata_text.c) differs from Knot, BIND and the
 *      RFCs: known gaps of that layer, to be fixed there (the scanner
 *      hands it the right tokens). The test prints them. None at present.
 */
static const struct kdiff {
	const char *file;
	unsigned line;
	char kind;
	const char *why;
} kdiffs[] = {
	/* Scanner, deliberate */
	{ "00-2_general.in", 0, 'D', "CRLF line ends are accepted" },
	{ "01_owner.in", 27, 'D', "'&' in a label (RFC 2181 §11; BIND)" },
	{ "01_owner.in", 31, 'D', "',' in a label (RFC 2181 §11; BIND)" },
	{ "01_owner.in", 32, 'D', "',' in a label (RFC 2181 §11; BIND)" },
	{ "01_owner.in", 33, 'D', "',' in a label (RFC 2181 §11; BIND)" },
	{ "01_owner.in", 34, 'D', "previous owner ',b' was valid" },
	{ "01_owner.in", 36, 'D', "'@@' is an ordinary label (BIND)" },
	{ "02_class.in", 10, 'D', "CLASS1 is IN (RFC 3597 §5; BIND)" },
	{ "04-1_ORIGIN.in", 0, 'D',
	  "relative $ORIGIN joins the origin (BIND)" },
	{ "04-2_ORIGIN.in", 0, 'D', "'%' in a label (RFC 2181 §11; BIND)" },
	{ "06-1_INCLUDE.in", 3, 'D', "relative $INCLUDE origin (BIND)" },
	{ "06-2_INCLUDE.in", 3, 'D', "'%' in a label (RFC 2181 §11; BIND)" },
	{ "06-6_INCLUDE.in", 1, 'D', "no summary error for a $INCLUDE" },
	{ "06-7_INCLUDE.in", 1, 'D', "no summary error for a $INCLUDE" },
	{ "07-2-rdata.in", 1, 'D', "no TTL anywhere: caller's default (3600)" },
	{ "07-3-rdata.in", 1, 'D', "no TTL anywhere: caller's default (3600)" },
	{ "07-4-rdata.in", 1, 'D', "no TTL anywhere: caller's default (3600)" },
	{ "12_TXT.in", 22, 'D', "newline inside quotes is an error (BIND)" },
	{ "12_TXT.in", 27, 'D',
	  "quoted string > 255 octets rejected (BIND, ldns, dnspython); "
	  "Knot splits it" },
	{ "12_TXT.in", 28, 'D',
	  "(pairing of the entries of lines 21-37 in "
	  "the alignment; no difference of its own)" },
	{ "12_TXT.in", 37, 'D',
	  "'\"\"\"' lexes as BIND does: the third quote "
	  "opens a string closed in the comment" },
	{ "14_NS.in", 31, 'D', "'&' in a label (RFC 2181 §11; BIND)" },
	{ "14_NS.in", 32, 'D', "'@@' is an ordinary label (BIND)" },
	{ "14_NS.in", 37, 'D', "',' in a label (RFC 2181 §11; BIND)" },
	{ "14_NS.in", 38, 'D', "',' in a label (RFC 2181 §11; BIND)" },
	{ "14_NS.in", 39, 'D', "',' in a label (RFC 2181 §11; BIND)" },
	{ "18_MX.in", 22, 'D', "'$' in a label (RFC 2181 §11; BIND)" },
	{ "26_SRV.in", 20, 'D', "'%' in a label (RFC 2181 §11; BIND)" },
	{ "36_RRSIG.in", 36, 'D', "'%' in a label (RFC 2181 §11; BIND)" },
	/* RDATA layer, deliberate */
	{ "29_CERT.in", 52, 'D',
	  "base64 may be split by blanks anywhere "
	  "(RFC 4034 §2.2; BIND joins the pieces)" },
	{ "30_KEY.in", 25, 'D', "base64 split by blanks (BIND)" },
	{ "31_DNSKEY.in", 26, 'D', "base64 split by blanks (BIND)" },
	{ "36_RRSIG.in", 40, 'D', "base64 split by blanks (BIND)" },
	{ "38_DHCID.in", 21, 'D', "base64 split by blanks (BIND)" },
	{ "50_CDNSKEY.in", 26, 'D', "base64 split by blanks (BIND)" },
	{ "52_CAA.in", 14, 'D', "empty CAA tag (RFC 8659 §4.1.1: 1+ octets)" },
	{ "57_SVCB.in", 14, 'D',
	  "no-default-alpn needs alpn (RFC 9460 §7.1.1)" },
	{ "57_SVCB.in", 27, 'D', "key65535 is reserved (RFC 9460 §14.3.2)" },
	{ "57_SVCB.in", 28, 'D', "key65535 is reserved (RFC 9460 §14.3.2)" },
	{ "57_SVCB.in", 29, 'D', "key65535 is reserved (RFC 9460 §14.3.2)" },
	{ "57_SVCB.in", 30, 'D', "key65535 is reserved (RFC 9460 §14.3.2)" },
	{ "58_HTTPS.in", 9, 'D', "key65535 is reserved (RFC 9460 §14.3.2)" },
	{ "57_SVCB.in", 72, 'D',
	  "escaped backslash in alpn (RFC 9460 App. D)" },
	{ "57_SVCB.in", 73, 'D',
	  "escaped backslash in alpn (RFC 9460 App. D)" },
	{ "57_SVCB.in", 74, 'D',
	  "escaped backslash in alpn (RFC 9460 App. D)" },
	{ "62_ALIAS.in", 7, 'D', "ALIAS is Knot's, not in the IANA registry" },
	{ "62_ALIAS.in", 8, 'D', "ALIAS is Knot's, not in the IANA registry" },
	{ "62_ALIAS.in", 10, 'D', "TYPE65401 (private use) is opaque here" },
	{ "62_ALIAS.in", 11, 'D', "ALIAS is Knot's, not in the IANA registry" },
	{ "63_DELEG.in", 5, 'D', "DELEG is a draft, not in the IANA registry" },
	{ "63_DELEG.in", 6, 'D', "DELEGPARAM: draft, not in the registry" },
	{ "63_DELEG.in", 7, 'D', "DELEG is a draft, not in the IANA registry" },
	{ "63_DELEG.in", 8, 'D', "DELEGPARAM: draft, not in the registry" },
	{ "63_DELEG.in", 9, 'D', "DELEG is a draft, not in the IANA registry" },
	{ "63_DELEG.in", 10, 'D', "DELEGPARAM: draft, not in the registry" },
	{ "63_DELEG.in", 11, 'D', "TYPE61440 (private use) is opaque here" },
	{ "36_RRSIG.in", 33, 'D',
	  "dates past 2106 wrap: serial arithmetic "
	  "(RFC 4034 §3.1.5; BIND, ldns)" },
	{ "42_LOC.in", 18, 'D',
	  "no latitude beyond a pole: 90 59 59.999 S "
	  "is refused (BIND)" },
	{ "47_L64.in", 20, 'D',
	  "a group of 1-4 hex digits is a 16-bit value "
	  "(RFC 6742 §2.3; BIND, ldns)" },
	{ "49_CDS.in", 20, 'D',
	  "CDS 0 0 0 0 is RFC 8078 §4's removal form: "
	  "one zero octet (erratum 5049; ldns)" },
	{ "52_CAA.in", 15, 'D',
	  "the tag is letters and digits, not a "
	  "character-string (RFC 8659 §4.1.1; BIND, "
	  "ldns)" },
	{ "57_SVCB.in", 88, 'D', "ech with an empty value (BIND, NSD)" },
	{ "57_SVCB.in", 89, 'D', "ech with an empty value (BIND, NSD)" },
	{ "57_SVCB.in", 114, 'D',
	  "(alignment: lines 70-71 are one entry, the "
	  "'\\' escapes the newline; the duplicate key "
	  "of line 114 is refused)" },
};

#define NKDIFFS (sizeof(kdiffs) / sizeof(kdiffs[0]))

static int kdiff_find(const char *file, unsigned line)
{
	for (size_t i = 0; i < NKDIFFS; i++)
		if (!strcmp(kdiffs[i].file, file) && kdiffs[i].line == line)
			return (int)i;
	return -1;
}

/* Replace every @TMPDIR@ (the test's data directory in Knot's suite). */
static char *subst_tmpdir(const char *text, const char *dir)
{
	size_t dl = strlen(dir), n = 0;
	for (const char *p = text; (p = strstr(p, "@TMPDIR@")); p += 8)
		n++;
	char *out = malloc(strlen(text) + n * dl + 1), *o = out;
	const char *p = text, *q;
	while ((q = strstr(p, "@TMPDIR@"))) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, dir, dl);
		o += dl;
		p = q + 8;
	}
	strcpy(o, p);
	return out;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void t_knot_zscanner(void **state)
{
	(void)state;
	if (data_dir() == NULL)
		skip();
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/zones/knot-zscanner/data", data_dir());
	DIR *d = opendir(dir);
	if (d == NULL)
		skip();
	char *names[256];
	size_t nn = 0;
	struct dirent *de;
	while ((de = readdir(d)) && nn < 256) {
		size_t l = strlen(de->d_name);
		if (l > 3 && !strcmp(de->d_name + l - 3, ".in"))
			names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmpstr);
	assert_true(nn > 50);

	coll_t *c = coll_new();
	kexp_t *exp = calloc(MAXREC, sizeof(*exp));
	size_t total = 0, agree = 0, deliberate = 0, rgaps = 0, unexplained = 0;
	size_t used[NKDIFFS] = { 0 };
	for (size_t fi = 0; fi < nn; fi++) {
		char path[1300], opath[1300];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, names[fi]);
		snprintf(opath, sizeof(opath), "%s", path);
		strcpy(opath + strlen(opath) - 3, ".out");
		char *raw = slurp(path, &len);
		char *out = slurp(opath, &len);
		assert_non_null(raw);
		assert_non_null(out);
		char *text = subst_tmpdir(raw, dir);
		size_t ne = parse_out(out, exp, MAXREC);
		c->n = 0;
		/* Knot's test tool starts with origin "." */
		od_zopts_t o = { .origin = (const uint8_t *)"",
			         .on_rec = on_rec,
			         .on_err = on_err,
			         .ctx = c };
		od_zscan_mem(text, strlen(text), path, &o, NULL);
		/* after a fatal Knot error, what follows is not compared */
		size_t na = c->n;
		/* alignment: longest common subsequence */
		size_t w = na + 1;
		uint16_t *L = calloc((ne + 1) * w, sizeof(*L));
		for (size_t i = ne; i-- > 0;)
			for (size_t j = na; j-- > 0;)
				L[i * w + j] =
				        kmatch(&exp[i], &c->r[j])
				                ? L[(i + 1) * w + j + 1] + 1
				                : (L[(i + 1) * w +
				                     j] > L[i * w + j + 1]
				                           ? L[(i + 1) * w + j]
				                           : L[i * w + j + 1]);
		size_t i = 0, j = 0;
		bool after_fatal = false;
		while (i < ne || j < na) {
			if (i < ne && j < na && kmatch(&exp[i], &c->r[j])) {
				agree++;
				total++;
				after_fatal = exp[i].fatal;
				i++, j++;
				continue;
			}
			bool take_exp = i < ne &&
			                (j >= na || L[(i + 1) * w + j] >=
			                                    L[i * w + j + 1]);
			unsigned line = j < na ? c->r[j].line
			                       : (na ? c->r[na - 1].line : 0);
			if (i < ne && j < na &&
			    L[(i + 1) * w + j + 1] == L[i * w + j]) {
				/* a substitution: one difference */
				total++;
				i++, j++;
			} else if (take_exp) {
				total++;
				i++;
			} else {
				j++;
				if (after_fatal ||
				    (i == ne && ne > 0 && exp[ne - 1].fatal))
					continue; /* Knot stopped there */
			}
			int k = kdiff_find(names[fi], line);
			if (k >= 0) {
				used[k]++;
				if (kdiffs[k].kind == 'R') {
					rgaps++;
					print_message(
					        "knot-zscanner %s:%u: RDATA "
					        "parser gap: %s\n",
					        names[fi], line, kdiffs[k].why);
				} else {
					deliberate++;
				}
			} else {
				unexplained++;
				print_message(
				        "knot-zscanner %s:%u: differs "
				        "(expected %s)\n",
				        names[fi], line,
				        take_exp ? (exp[i - 1].err
				                            ? exp[i - 1].what
				                            : "a record")
				                 : "nothing");
			}
		}
		free(L);
		for (size_t k = 0; k < ne; k++)
			free(exp[k].rdata);
		free(text);
		free(raw);
		free(out);
		free(names[fi]);
	}
	print_message("knot-zscanner: %zu files, %zu expected entries, %zu "
	              "agree, %zu deliberate differences, %zu RDATA parser "
	              "gaps, %zu unexplained\n",
	              nn, total, agree, deliberate, rgaps, unexplained);
	for (size_t k = 0; k < sizeof(kdiffs) / sizeof(kdiffs[0]); k++)
		if (used[k] == 0)
			print_message("listed difference %s:%u no longer "
			              "differs\n",
			              kdiffs[k].file, kdiffs[k].line);
	free(exp);
	coll_free(c);
	assert_int_equal(unexplained, 0);
	for (size_t k = 0; k < sizeof(kdiffs) / sizeof(kdiffs[0]); k++)
		assert_true(used[k] > 0);
}

static int scan_data_file(const char *rel, const char *origin, coll_t *c)
{
	char path[1300];
	snprintf(path, sizeof(path), "%s/zones/%s", data_dir(), rel);
	uint8_t o[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(o, origin, strlen(origin), NULL) > 0);
	od_zopts_t opts = { .origin = o, .no_include = true };
	c->n = 0;
	opts.on_rec = on_rec;
	opts.on_err = on_err;
	opts.ctx = c;
	return od_zscan_file(path, &opts, NULL);
}

static void t_bind_checkzone(void **state)
{
	(void)state;
	if (data_dir() == NULL)
		skip();
	char p[1300];
	snprintf(p, sizeof(p), "%s/zones/bind9-checkzone/good1.db", data_dir());
	if (access(p, R_OK) != 0)
		skip();
	static const struct {
		const char *file, *origin;
		bool accept;
		const char *gap; /* RDATA parser gap that changes the result */
	} cases[] = {
		{ "bind9-checkzone/good1.db", "example.", true, NULL },
		{ "bind9-checkzone/good-svcb.db", "example.", true, NULL },
		{ "bind9-checkzone/bad-svcb.db", "example.", false, NULL },
		/* BIND and dnspython reject; ldns accepts */
		{ "bind9-checkzone/bad-svcb-mandatory.db", "example.", false,
		  NULL },
		{ "bind9-checkzone/bad-generate-tkey.db", "example.", false,
		  NULL },
		/* must not crash; BIND, ldns and dnspython reject it for the
		 * RRSIG without a signature on line 14 */
		{ "bind9-checkzone/crashzone.db", "dyn.example.net.", false,
		  NULL },
	};
	coll_t *c = coll_new();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = scan_data_file(cases[i].file, cases[i].origin, c);
		if (cases[i].accept != (ret == 0))
			print_message("%s: %d %s\n", cases[i].file, ret,
			              nerrs(c) ? nth_err(c, 0)->msg : "");
		if (cases[i].gap) {
			print_message("%s: RDATA parser gap: %s\n",
			              cases[i].file, cases[i].gap);
			continue;
		}
		assert_int_equal(cases[i].accept, ret == 0);
		if (!cases[i].accept)
			assert_true(nerrs(c) > 0);
	}
	coll_free(c);
}

static void t_dnspython_example(void **state)
{
	(void)state;
	if (data_dir() == NULL)
		skip();
	char p[1300];
	snprintf(p, sizeof(p), "%s/zones/dnspython/example", data_dir());
	if (access(p, R_OK) != 0)
		skip();
	coll_t *c = coll_new();
	/* accepted by dnspython HEAD (rejected by BIND 9.18 and ldns 1.8.3,
	 * which predate the unpadded NSEC3 hash and the ohttp key) */
	int ret = scan_data_file("dnspython/example", "example.", c);
	size_t unexpected = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (!c->r[i].err)
			continue;
		print_message("example:%u:%u: %s\n", c->r[i].line, c->r[i].col,
		              c->r[i].msg);
		unexpected++;
	}
	assert_int_equal(unexpected, 0);
	(void)ret;
	assert_true(c->n > 100);
	coll_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_basic),
		cmocka_unit_test(t_stats_and_file),
		cmocka_unit_test(t_escapes_and_names),
		cmocka_unit_test(t_ttl_units),
		cmocka_unit_test(t_default_ttl),
		cmocka_unit_test(t_class),
		cmocka_unit_test(t_generic_and_unknown),
		cmocka_unit_test(t_error_positions),
		cmocka_unit_test(t_skip_vs_stop),
		cmocka_unit_test(t_parens_quotes),
		cmocka_unit_test(t_garbage),
		cmocka_unit_test(t_origin),
		cmocka_unit_test(t_include),
		cmocka_unit_test(t_generate),
		cmocka_unit_test(t_knot_zscanner),
		cmocka_unit_test(t_bind_checkzone),
		cmocka_unit_test(t_dnspython_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
