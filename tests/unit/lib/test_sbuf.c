/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/sbuf.h"

static void test_writes(void **state)
{
	(void)state;
	char buf[32];
	od_sbuf_t sb;
	od_sbuf_init(&sb, buf, sizeof(buf));
	assert_string_equal(buf, "");
	od_sbuf_puts(&sb, "ab");
	od_sbuf_putc(&sb, ' ');
	od_sbuf_printf(&sb, "%u-%s", 42u, "x");
	const uint8_t bytes[] = { 0x0a, 0xbc };
	od_sbuf_putc(&sb, ' ');
	od_sbuf_hex(&sb, bytes, 2, true, false);
	od_sbuf_putc(&sb, ' ');
	od_sbuf_hex(&sb, bytes, 2, false, true);
	assert_int_equal(sb.err, 0);
	assert_string_equal(buf, "ab 42-x 0ABC 0a bc");
	assert_int_equal(sb.len, strlen(buf));
}

static void test_overflow_latches(void **state)
{
	(void)state;
	char buf[8];
	od_sbuf_t sb;
	od_sbuf_init(&sb, buf, sizeof(buf));
	od_sbuf_puts(&sb, "1234567"); /* exactly fills with the NUL */
	assert_int_equal(sb.err, 0);
	od_sbuf_putc(&sb, 'x');
	assert_int_equal(sb.err, OD_ESPACE);
	assert_string_equal(buf, "1234567");
	od_sbuf_init(&sb, buf, sizeof(buf));
	od_sbuf_puts(&sb, "abc");
	od_sbuf_printf(&sb, "%s", "too long here");
	assert_int_equal(sb.err, OD_ESPACE);
	assert_string_equal(buf, "abc"); /* a partial write is dropped */
	od_sbuf_puts(&sb, "d");          /* nothing after the error */
	assert_string_equal(buf, "abc");
	od_sbuf_init(&sb, buf, 0);
	assert_int_equal(sb.err, OD_ESPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes),
		cmocka_unit_test(test_overflow_latches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
