/* SPDX-License-Identifier: MIT */
/* The control channel's request splitting and JSON string output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/ctl.h"
#include "lib/error.h"

static int split(const char *in, char **argv, int max, char *buf, char *err)
{
	strcpy(buf, in);
	return od_ctl_split(buf, argv, max, err, 256);
}

static void test_split_words(void **state)
{
	char buf[256], err[256];
	char *argv[8];
	assert_int_equal(
	        split("cache show  example.com.\tA\n", argv, 8, buf, err), 4);
	assert_string_equal(argv[0], "cache");
	assert_string_equal(argv[1], "show");
	assert_string_equal(argv[2], "example.com.");
	assert_string_equal(argv[3], "A");
	assert_int_equal(split("  status\r\n", argv, 8, buf, err), 1);
	assert_string_equal(argv[0], "status");
	assert_int_equal(split("stats", argv, 8, buf, err), 1);
	assert_int_equal(split("", argv, 8, buf, err), 0);
	assert_int_equal(split(" \t \n", argv, 8, buf, err), 0);
	/* exactly max words is fine */
	assert_int_equal(split("a b c", argv, 3, buf, err), 3);
	assert_string_equal(argv[2], "c");
}

static void test_split_errors(void **state)
{
	char buf[256], err[256];
	char *argv[8];
	assert_int_equal(split("a b c d", argv, 3, buf, err), OD_EINVAL);
	assert_non_null(strstr(err, "more than 3 words"));
	assert_int_equal(split("sta\001tus\n", argv, 8, buf, err), OD_EINVAL);
	assert_non_null(strstr(err, "0x01 at offset 3"));
	assert_int_equal(split("caf\xc3\xa9", argv, 8, buf, err), OD_EINVAL);
	assert_non_null(strstr(err, "printable ASCII"));
	/* a newline inside the line is a control character */
	assert_int_equal(split("status\nstats\n", argv, 8, buf, err),
	                 OD_EINVAL);
	assert_int_equal(split("status\x7f", argv, 8, buf, err), OD_EINVAL);
}

static void test_json_str(void **state)
{
	char buf[128];
	od_sbuf_t sb;
	od_sbuf_init(&sb, buf, sizeof(buf));
	od_ctl_json_str(&sb, "a\"b\\c\nd\001e\x7f");
	assert_int_equal(sb.err, 0);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\u0001e\\u007f\"");
	od_sbuf_init(&sb, buf, 4);
	od_ctl_json_str(&sb, "long");
	assert_int_equal(sb.err, OD_ESPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_json_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
