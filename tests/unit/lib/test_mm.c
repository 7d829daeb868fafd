/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/mm.h"
#include "lib/wire.h"

static void test_arena(void **state)
{
	(void)state;
	od_arena_t a;
	od_arena_init(&a, 256);
	/* many small allocations span several chunks, all aligned */
	uint8_t *ptrs[100];
	for (int i = 0; i < 100; i++) {
		ptrs[i] = od_arena_alloc(&a, 24);
		assert_non_null(ptrs[i]);
		assert_int_equal((uintptr_t)ptrs[i] % _Alignof(max_align_t), 0);
		memset(ptrs[i], i, 24);
	}
	for (int i = 0; i < 100; i++)
		assert_int_equal(ptrs[i][23], i);
	/* an allocation larger than a chunk */
	uint8_t *big = od_arena_alloc(&a, 10000);
	assert_non_null(big);
	memset(big, 1, 10000);
	assert_true(a.used >= 100 * 24 + 10000);
	od_arena_reset(&a);
	assert_int_equal(a.used, 0);
	/* after reset one default chunk is reused */
	assert_non_null(a.head);
	/* through the allocator interface */
	void *p = od_mm_alloc(&a.mm, 10);
	assert_non_null(p);
	od_mm_free(&a.mm, p); /* no-op */
	char *d = od_mm_dup(&a.mm, "hello", 6);
	assert_string_equal(d, "hello");
	char *g = od_mm_realloc(&a.mm, d, 100, 6);
	assert_string_equal(g, "hello");
	od_arena_deinit(&a);
	assert_null(a.head);
}

static void test_malloc_mm(void **state)
{
	(void)state;
	char *p = od_mm_calloc(NULL, 16);
	assert_non_null(p);
	assert_int_equal(p[15], 0);
	p = od_mm_realloc(NULL, p, 64, 16);
	assert_non_null(p);
	od_mm_free(NULL, p);
	od_mm_free(NULL, NULL);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(od_strerror(0), "ok");
	assert_string_equal(od_strerror(OD_ECOMPLOOP),
	                    "compression pointer loop");
	assert_string_equal(od_strerror(-ENOENT), strerror(ENOENT));
	assert_string_equal(od_strerror(-999999), "unknown error");
	assert_string_equal(od_strerror(5), "unknown error");
	/* every project code has a message */
	for (int c = OD_ERROR_BASE - 1; c > OD_ERROR_LAST; c--)
		assert_string_not_equal(od_strerror(c), "unknown error");
}

static void test_cursor(void **state)
{
	(void)state;
	const uint8_t msg[] = { 1, 2, 3, 4, 5, 6, 7 };
	od_rd_t r;
	od_rd_init(&r, msg, sizeof(msg));
	assert_int_equal(od_rd_u8(&r), 1);
	assert_int_equal(od_rd_u16(&r), 0x0203);
	assert_int_equal(od_rd_u32(&r), 0x04050607);
	assert_int_equal(od_rd_left(&r), 0);
	assert_int_equal(od_rd_err(&r), 0);
	/* the first failure latches; later reads give zeros */
	assert_int_equal(od_rd_u8(&r), 0);
	assert_int_equal(od_rd_err(&r), OD_ETRUNC);
	r.pos = 0;
	assert_int_equal(od_rd_u8(&r), 0);
	uint8_t b[3] = { 9, 9, 9 };
	od_rd_bytes(&r, b, 3);
	assert_int_equal(b[0] | b[1] | b[2], 0);

	od_rd_init(&r, msg, sizeof(msg));
	r.end = 3;
	assert_int_equal(od_rd_u16(&r), 0x0102);
	assert_int_equal(od_rd_u16(&r), 0);
	assert_int_equal(od_rd_err(&r), OD_ETRUNC);
	od_rd_init(&r, msg, sizeof(msg));
	assert_int_equal(od_rd_u48(&r), 0x010203040506ULL);

	uint8_t out[6];
	od_wr_t w;
	od_wr_init(&w, out, sizeof(out));
	od_wr_u16(&w, 0x0102);
	od_wr_u32(&w, 0x03040506);
	assert_int_equal(od_wr_err(&w), 0);
	assert_memory_equal(out, msg, 6);
	od_wr_u8(&w, 1);
	assert_int_equal(od_wr_err(&w), OD_ESPACE);
	assert_int_equal(w.pos, 6);
	od_wr_init(&w, out, sizeof(out));
	od_wr_u48(&w, 0x0a0b0c0d0e0fULL);
	assert_int_equal(od_get_u16(out), 0x0a0b);
	assert_int_equal(od_get_u32(out + 2), 0x0c0d0e0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_malloc_mm),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_cursor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
