/* SPDX-License-Identifier: MIT */
/*
 * Root hints (src/resolve/hints.c): the built-in IANA set, loading a
 * named.root-style file and its errors, and the phase names.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/name.h"
#include "resolve/resolve.h"

static void addr_str(const odr_hint_t *h, char *out, size_t len)
{
	if (h->addr.ss_family == AF_INET) {
		const struct sockaddr_in *s4 =
		        (const struct sockaddr_in *)&h->addr;
		assert_int_equal(ntohs(s4->sin_port), 53);
		assert_int_equal(h->addrlen, sizeof(*s4));
		assert_non_null(inet_ntop(AF_INET, &s4->sin_addr, out, len));
	} else {
		const struct sockaddr_in6 *s6 =
		        (const struct sockaddr_in6 *)&h->addr;
		assert_int_equal(h->addr.ss_family, AF_INET6);
		assert_int_equal(ntohs(s6->sin6_port), 53);
		assert_int_equal(h->addrlen, sizeof(*s6));
		assert_non_null(inet_ntop(AF_INET6, &s6->sin6_addr, out, len));
	}
}

/* Does hints h have this name with this address? */
static bool has(const odr_hints_t *h, const char *name, const char *addr)
{
	uint8_t n[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(n, name, strlen(name), NULL) > 0);
	for (size_t i = 0; i < h->n; i++) {
		char a[INET6_ADDRSTRLEN];
		addr_str(&h->v[i], a, sizeof(a));
		if (od_name_equal(h->v[i].name, n) && strcmp(a, addr) == 0)
			return true;
	}
	return false;
}

static void test_default(void **state)
{
	(void)state;
	odr_hints_t h = { 0 };
	assert_int_equal(odr_hints_default(&h), 0);
	assert_non_null(h.v);
	size_t v4 = 0, v6 = 0;
	uint8_t names[32][OD_NAME_MAXLEN];
	size_t nnames = 0;
	for (size_t i = 0; i < h.n; i++) {
		if (h.v[i].addr.ss_family == AF_INET)
			v4++;
		else if (h.v[i].addr.ss_family == AF_INET6)
			v6++;
		bool seen = false;
		for (size_t j = 0; j < nnames; j++)
			seen |= od_name_equal(names[j], h.v[i].name);
		if (!seen) {
			assert_true(nnames < 32);
			od_name_copy(names[nnames++], h.v[i].name);
			/* x.root-servers.net. */
			char s[64];
			assert_true(od_name_to_str(s, sizeof(s), h.v[i].name) >
			            0);
			assert_int_equal(strlen(s),
			                 strlen("a.root-servers.net."));
			assert_string_equal(s + 1, ".root-servers.net.");
			assert_in_range(s[0], 'a', 'm');
		}
	}
	assert_int_equal(nnames, 13);
	assert_int_equal(v4, 13);
	assert_int_equal(v6, 13);
	assert_int_equal(h.n, 26);
	assert_true(has(&h, "a.root-servers.net.", "198.41.0.4"));
	assert_true(has(&h, "a.root-servers.net.", "2001:503:ba3e::2:30"));
	assert_true(has(&h, "b.root-servers.net.", "170.247.170.2"));
	assert_true(has(&h, "b.root-servers.net.", "2801:1b8:10::b"));
	assert_true(has(&h, "k.root-servers.net.", "193.0.14.129"));
	assert_true(has(&h, "m.root-servers.net.", "2001:dc3::35"));
	assert_false(has(&h, "a.root-servers.net.", "192.33.4.12"));
	odr_hints_free(&h);
	assert_null(h.v);
	assert_int_equal(h.n, 0);
	odr_hints_free(&h);
	odr_hints_free(NULL);
}

/* The built-in set matches Debian's copy of IANA's file when installed. */
static void test_default_matches_system_file(void **state)
{
	(void)state;
	const char *path = "/usr/share/dns/root.hints";
	if (access(path, R_OK) != 0)
		skip();
	odr_hints_t d = { 0 }, f = { 0 };
	char err[256];
	assert_int_equal(odr_hints_default(&d), 0);
	int r = odr_hints_load(&f, path, err, sizeof(err));
	if (r != 0)
		fail_msg("%s", err);
	assert_int_equal(f.n, d.n);
	for (size_t i = 0; i < d.n; i++) {
		char a[INET6_ADDRSTRLEN], n[64];
		addr_str(&d.v[i], a, sizeof(a));
		assert_true(od_name_to_str(n, sizeof(n), d.v[i].name) > 0);
		if (!has(&f, n, a))
			fail_msg("%s %s not in %s", n, a, path);
	}
	odr_hints_free(&d);
	odr_hints_free(&f);
}

static char tmpdir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/od-hints-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	if (d == NULL)
		return -1;
	struct dirent *de;
	char path[512];
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

static void test_load(void **state)
{
	(void)state;
	const char *p = write_file("two.hints",
	                           "; test root\n"
	                           ".            3600000 IN NS ns1.test.\n"
	                           ".            3600000 NS    NS2.Test.\n"
	                           "ns1.test.    3600000 A     127.10.0.1\n"
	                           "ns1.test.    3600000 AAAA  fd00::1\n"
	                           "ns2.test.    3600000 A     127.10.0.2\n"
	                           "other.test.  3600000 A     127.10.0.9\n");
	odr_hints_t h = { 0 };
	char err[256] = "x";
	int r = odr_hints_load(&h, p, err, sizeof(err));
	if (r != 0)
		fail_msg("%s", err);
	assert_string_equal(err, "");
	assert_int_equal(h.n, 3);
	assert_true(has(&h, "ns1.test.", "127.10.0.1"));
	assert_true(has(&h, "ns1.test.", "fd00::1"));
	assert_true(has(&h, "ns2.test.", "127.10.0.2"));
	/* not a root server: ignored */
	assert_false(has(&h, "other.test.", "127.10.0.9"));
	odr_hints_free(&h);
}

static void expect_fail(const char *name, const char *text, const char *want)
{
	const char *p = write_file(name, text);
	odr_hints_t h = { 0 };
	char err[256] = "";
	int r = odr_hints_load(&h, p, err, sizeof(err));
	assert_true(r < 0);
	assert_null(h.v);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	/* the file is named */
	assert_non_null(strstr(err, name));
}

static void test_load_errors(void **state)
{
	(void)state;
	expect_fail("nons.hints", "ns1.test. 3600 A 127.10.0.1\n",
	            "no NS records for the root");
	expect_fail("empty.hints", "; nothing\n", "no NS records");
	expect_fail("noaddr.hints",
	            ". 3600 NS ns1.test.\n"
	            "ns1.test. 3600 A 127.10.0.1\n"
	            ". 3600 NS ns2.test.\n",
	            "noaddr.hints:3: root server ns2.test. has no A or AAAA");
	expect_fail("syntax.hints",
	            ". 3600 NS ns1.test.\n"
	            "ns1.test. 3600 A 127.10.0.1\n"
	            "ns1.test. 3600 A 127.10.0.300\n",
	            "syntax.hints:3:");
	expect_fail("nonroot.hints",
	            ". 3600 NS ns1.test.\n"
	            "test. 3600 NS ns1.test.\n"
	            "ns1.test. 3600 A 127.10.0.1\n",
	            "nonroot.hints:2: NS record for test.");

	odr_hints_t h = { 0 };
	char err[256] = "";
	char path[128];
	snprintf(path, sizeof(path), "%s/missing.hints", tmpdir);
	assert_true(odr_hints_load(&h, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "missing.hints"));
	assert_null(h.v);
	/* no room for a message is fine */
	assert_true(odr_hints_load(&h, path, NULL, 0) < 0);
}

static void test_phase_names(void **state)
{
	(void)state;
	static const char *const want[ODR_PH_COUNT] = {
		"pre-cache", "cache", "localroot", "iterate",
		"validate",  "post",  "finish",
	};
	for (int i = 0; i < ODR_PH_COUNT; i++)
		assert_string_equal(odr_phase_name((odr_phase_t)i), want[i]);
	assert_string_equal(odr_phase_name(ODR_PH_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_default_matches_system_file),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_phase_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
