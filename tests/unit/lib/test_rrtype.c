/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/rrtype.h"

static void test_table_order(void **state)
{
	(void)state;
	const od_rrtype_desc_t *d, *prev = NULL;
	size_t n = 0;
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++, n++) {
		if (prev != NULL)
			assert_true(prev->type < d->type);
		assert_ptr_equal(od_rrtype_get(d->type), d);
		assert_non_null(d->name);
		/* opaque types have no layout and say why; others do */
		if (d->flags & OD_RRT_OPAQUE) {
			assert_int_equal(d->fields[0], OD_F_END);
			assert_non_null(d->note);
		} else {
			assert_int_not_equal(d->fields[0], OD_F_END);
			assert_null(d->note);
		}
		/* the layout ends within the array */
		bool end = false;
		for (size_t k = 0; k < OD_RDF_MAX; k++)
			end |= d->fields[k] == OD_F_END;
		assert_true(end);
		/* tails and whole-RDATA kinds come last */
		for (size_t k = 0; k + 1 < OD_RDF_MAX && d->fields[k]; k++)
			if (d->fields[k] >= OD_F_STRS &&
			    d->fields[k] < OD_F_OPTIONAL)
				assert_int_equal(d->fields[k + 1], OD_F_END);
		prev = d;
	}
	assert_true(n > 90);
	assert_null(od_rrtype_get(0));
	assert_null(od_rrtype_get(54));
	assert_null(od_rrtype_get(65280));
	assert_null(od_rrtype_get(65535));
}

static void test_flags(void **state)
{
	(void)state;
	assert_true(od_rrtype_get(OD_TYPE_CNAME)->flags & OD_RRT_SINGLETON);
	assert_true(od_rrtype_get(OD_TYPE_SOA)->flags & OD_RRT_SINGLETON);
	assert_true(od_rrtype_get(OD_TYPE_DNAME)->flags & OD_RRT_SINGLETON);
	assert_false(od_rrtype_get(OD_TYPE_NS)->flags & OD_RRT_SINGLETON);
	assert_true(od_rrtype_get(OD_TYPE_OPT)->flags & OD_RRT_META);
	assert_true(od_rrtype_get(OD_TYPE_TSIG)->flags & OD_RRT_META);
	assert_true(od_rrtype_get(OD_TYPE_TKEY)->flags & OD_RRT_META);
	assert_true(od_rrtype_get(OD_TYPE_AXFR)->flags & OD_RRT_QTYPE);
	assert_true(od_rrtype_get(OD_TYPE_IXFR)->flags & OD_RRT_QTYPE);
	assert_true(od_rrtype_get(OD_TYPE_ANY)->flags & OD_RRT_QTYPE);
	assert_true(od_rrtype_get(OD_TYPE_RRSIG)->flags & OD_RRT_DNSSEC);
	assert_true(od_rrtype_get(OD_TYPE_NSEC3)->flags & OD_RRT_DNSSEC);
	assert_true(od_rrtype_get(3)->flags & OD_RRT_OBSOLETE);
	assert_true(od_rrtype_get(OD_TYPE_NULL)->flags & OD_RRT_OPAQUE);
	/* types registered after the 2023 registry snapshot */
	assert_string_equal(od_rrtype_get(66)->name, "DSYNC");
	assert_string_equal(od_rrtype_get(67)->name, "HHIT");
	assert_string_equal(od_rrtype_get(68)->name, "BRID");
	assert_string_equal(od_rrtype_get(262)->name, "WALLET");
	assert_string_equal(od_rrtype_get(263)->name, "CLA");
	assert_string_equal(od_rrtype_get(264)->name, "IPN");
}

/* Compression on write: RFC 3597 §4, the RFC 1035 types only. */
static void test_compressed_kinds(void **state)
{
	(void)state;
	static const uint16_t c[] = { 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15 };
	const od_rrtype_desc_t *d;
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++) {
		bool has = false, want = false;
		for (size_t k = 0; k < OD_RDF_MAX; k++)
			has |= d->fields[k] == OD_F_NAME_C;
		for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++)
			want |= c[k] == d->type;
		if (has != want)
			fail_msg("%s: compression %d", d->name, has);
	}
}

static void test_type_str(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(od_rrtype_to_str(1, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "A");
	assert_int_equal(od_rrtype_to_str(23, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "NSAP-PTR");
	assert_int_equal(od_rrtype_to_str(255, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "ANY");
	assert_int_equal(od_rrtype_to_str(0, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "TYPE0");
	assert_int_equal(od_rrtype_to_str(65535, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "TYPE65535");
	assert_int_equal(od_rrtype_to_str(65535, buf, 9), OD_ESPACE);
	assert_int_equal(od_rrtype_to_str(1, buf, 1), OD_ESPACE);

	uint16_t t = 0;
	assert_int_equal(od_rrtype_from_str("A", 1, &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(od_rrtype_from_str("aaaa", 4, &t), 0);
	assert_int_equal(t, 28);
	assert_int_equal(od_rrtype_from_str("nsap-ptr", 8, &t), 0);
	assert_int_equal(t, 23);
	assert_int_equal(od_rrtype_from_str("Nsec3Param", 10, &t), 0);
	assert_int_equal(t, 51);
	assert_int_equal(od_rrtype_from_str("TYPE0", 5, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(od_rrtype_from_str("type1", 5, &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(od_rrtype_from_str("TYPE65535", 9, &t), 0);
	assert_int_equal(t, 65535);
	assert_int_equal(od_rrtype_from_str("TYPE00065", 9, &t), 0);
	assert_int_equal(t, 65);
	/* a length shorter than the string: only the prefix counts */
	assert_int_equal(od_rrtype_from_str("MXX", 2, &t), 0);
	assert_int_equal(t, 15);
	t = 7;
	static const char *const bad[] = {
		"TYPE65536", "TYPE", "TYPE-1", "TYPE1x", "xTYPE1",
		" A",        "A ",   "TYPE 1", "TYPE+1", "TYPE000001",
		"FOO",       "*",    "CLASS1", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (od_rrtype_from_str(bad[i], strlen(bad[i]), &t) != OD_ETYPE)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(t, 7); /* untouched on failure */
	assert_int_equal(od_rrtype_from_str(NULL, 0, &t), OD_ETYPE);

	/* every mnemonic round-trips */
	const od_rrtype_desc_t *d;
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++) {
		assert_true(od_rrtype_to_str(d->type, buf, sizeof(buf)) > 0);
		assert_int_equal(od_rrtype_from_str(buf, strlen(buf), &t), 0);
		assert_int_equal(t, d->type);
	}
	/* and every number in TYPEnnn form */
	for (uint32_t v = 0; v <= 65535; v++) {
		int n = snprintf(buf, sizeof(buf), "TYPE%u", v);
		assert_int_equal(od_rrtype_from_str(buf, (size_t)n, &t), 0);
		assert_int_equal(t, v);
	}
}

static void test_class_str(void **state)
{
	(void)state;
	char buf[16];
	static const struct {
		uint16_t c;
		const char *s;
	} ok[] = { { 1, "IN" },     { 3, "CH" },
		   { 4, "HS" },     { 254, "NONE" },
		   { 255, "ANY" },  { 2, "CLASS2" },
		   { 0, "CLASS0" }, { 65535, "CLASS65535" } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(od_class_to_str(ok[i].c, buf, sizeof(buf)),
		                 (int)strlen(ok[i].s));
		assert_string_equal(buf, ok[i].s);
		uint16_t c = 0xdead;
		assert_int_equal(
		        od_class_from_str(ok[i].s, strlen(ok[i].s), &c), 0);
		assert_int_equal(c, ok[i].c);
	}
	uint16_t c;
	assert_int_equal(od_class_from_str("in", 2, &c), 0);
	assert_int_equal(c, 1);
	assert_int_equal(od_class_from_str("class1", 6, &c), 0);
	assert_int_equal(c, 1);
	static const char *const bad[] = { "CLASS65536", "CLASS", "IN1",
		                           "xCLASS1",    "TYPE1", "",
		                           "CLASS1 ",    "CHAOSX" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (od_class_from_str(bad[i], strlen(bad[i]), &c) != OD_ECLASS)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(od_class_to_str(255, buf, 3), OD_ESPACE);
}

/*
 * Read one CSV record (RFC 4180 quoting, fields may span lines) into
 * fields[]. Returns the number of fields, 0 at the end.
 */
static int csv_record(FILE *f, char fields[][256], int max)
{
	int nf = 0, c;
	size_t n = 0;
	bool quoted = false, any = false;
	while ((c = fgetc(f)) != EOF) {
		any = true;
		if (quoted) {
			if (c == '"') {
				int d = fgetc(f);
				if (d == '"') {
					c = '"';
				} else {
					quoted = false;
					if (d != EOF)
						ungetc(d, f);
					continue;
				}
			}
		} else if (c == '"') {
			quoted = true;
			continue;
		} else if (c == ',' || c == '\n') {
			if (nf < max) {
				fields[nf][n] = '\0';
				nf++;
			}
			n = 0;
			if (c == '\n')
				return nf;
			continue;
		} else if (c == '\r') {
			continue;
		}
		if (nf < max && n + 1 < 256)
			fields[nf][n++] = (char)c;
	}
	if (any && nf < max) {
		fields[nf][n] = '\0';
		nf++;
	}
	return nf;
}

/*
 * Every type number of the IANA registry snapshot is in the table under
 * its registered mnemonic. Also lists which types have a layout and
 * which are handled as opaque, with the reason.
 */
static void test_iana_registry(void **state)
{
	(void)state;
	const char *dir = getenv("ONEDOT_SHARED_DATA");
	char path[1024];
	snprintf(path, sizeof(path), "%s/dns-parameters-4.csv",
	         dir ? dir : "../shared/data");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		skip();
	char fields[6][256];
	int nf, registered = 0;
	bool header = true;
	while ((nf = csv_record(f, fields, 6)) > 0) {
		if (header) {
			header = false;
			continue;
		}
		if (nf < 2)
			continue;
		const char *mn = fields[0], *val = fields[1];
		if (strcmp(mn, "Unassigned") == 0 ||
		    strcmp(mn, "Private use") == 0 ||
		    strcmp(mn, "Reserved") == 0 || strchr(val, '-') != NULL)
			continue;
		unsigned long v = strtoul(val, NULL, 10);
		assert_true(v <= 65535);
		const od_rrtype_desc_t *d = od_rrtype_get((uint16_t)v);
		if (d == NULL)
			fail_msg("registry type %s (%lu) missing", mn, v);
		/* the registry spells ANY as "*" */
		const char *want = strcmp(mn, "*") == 0 ? "ANY" : mn;
		if (strcmp(d->name, want) != 0)
			fail_msg("type %lu is %s, registry says %s", v, d->name,
			         mn);
		registered++;
	}
	fclose(f);
	assert_true(registered >= 90);

	const od_rrtype_desc_t *d;
	printf("types with a layout:");
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++)
		if (!(d->flags & OD_RRT_OPAQUE))
			printf(" %s(%u)", d->name, d->type);
	printf("\ntypes handled as opaque (RFC 3597 generic form only):\n");
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++)
		if (d->flags & OD_RRT_OPAQUE)
			printf("  %s(%u): %s\n", d->name, d->type, d->note);
	printf("(%d registry types checked)\n", registered);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_compressed_kinds),
		cmocka_unit_test(test_type_str),
		cmocka_unit_test(test_class_str),
		cmocka_unit_test(test_iana_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
