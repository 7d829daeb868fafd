/* SPDX-License-Identifier: MIT */
/*
 * Logging (src/lib/log.h): target and level names, and the stderr line
 * format (ts= first, one write per line, levels above the set one
 * dropped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/log.h"

static void test_target_parse(void **state)
{
	(void)state;
	od_log_target_t t = OD_LOG_SYSLOG;
	assert_int_equal(od_log_target_parse("stderr", &t), 0);
	assert_int_equal(t, OD_LOG_STDERR);
	assert_int_equal(od_log_target_parse("syslog", &t), 0);
	assert_int_equal(t, OD_LOG_SYSLOG);
	const char *bad[] = { "",     "Syslog",  "journald",
		              "file", "stderr ", "syslog:local0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = OD_LOG_STDERR;
		assert_int_equal(od_log_target_parse(bad[i], &t), -1);
		assert_int_equal(t, OD_LOG_STDERR); /* untouched */
	}
}

static void test_level_parse(void **state)
{
	(void)state;
	od_log_level_t l;
	assert_int_equal(od_log_level_parse("error", &l), 0);
	assert_int_equal(l, OD_LOG_ERROR);
	assert_int_equal(od_log_level_parse("warning", &l), 0);
	assert_int_equal(l, OD_LOG_WARN);
	assert_int_equal(od_log_level_parse("debug", &l), 0);
	assert_int_equal(l, OD_LOG_DEBUG);
	assert_int_equal(od_log_level_parse("trace", &l), -1);
}

/* What od_log writes to stderr, read back through a pipe. */
static void test_stderr_line(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	od_log_set_level(OD_LOG_INFO);
	od_log_warn("a \"quoted\" message", "zone=%s n=%d", "example.", 3);
	od_log_debug("dropped", NULL);
	od_log_info("plain", NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	char buf[1024];
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	char *second = strchr(buf, '\n');
	assert_non_null(second);
	*second++ = '\0';
	/* ts=YYYY-MM-DDTHH:MM:SS.mmmZ */
	assert_memory_equal(buf, "ts=", 3);
	assert_int_equal(buf[7], '-');
	assert_int_equal(buf[13], 'T');
	assert_int_equal(buf[22], '.');
	assert_int_equal(buf[26], 'Z');
	assert_string_equal(buf + 27, " level=warn msg=\"a \\\"quoted\\\" "
	                              "message\" zone=example. n=3");
	assert_non_null(strstr(second, " level=info msg=\"plain\"\n"));
	assert_null(strstr(second, "dropped"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_stderr_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
