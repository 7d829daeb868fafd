/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/base.h"
#include "lib/error.h"

/* RFC 4648 §10 test vectors. */
static const char *const plain[] = { "",     "f",     "fo",    "foo",
	                             "foob", "fooba", "foobar" };
static const char *const b64[] = { "",         "Zg==",     "Zm8=",    "Zm9v",
	                           "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
static const char *const b32hex[] = {
	"",         "CO======", "CPNG====",        "CPNMU===",
	"CPNMUOG=", "CPNMUOJ1", "CPNMUOJ1E8======"
};
static const char *const b32hex_out[] = { "",          "co",      "cpng",
	                                  "cpnmu",     "cpnmuog", "cpnmuoj1",
	                                  "cpnmuoj1e8" };

static void test_base64(void **state)
{
	(void)state;
	char out[64];
	uint8_t bin[64];
	for (size_t i = 0; i < 7; i++) {
		size_t n = strlen(plain[i]);
		assert_int_equal(od_base64_len(n), strlen(b64[i]));
		assert_int_equal(od_base64_encode((const uint8_t *)plain[i], n,
		                                  out, sizeof(out)),
		                 (int)strlen(b64[i]));
		assert_string_equal(out, b64[i]);
		assert_int_equal(od_base64_decode(b64[i], strlen(b64[i]), bin,
		                                  sizeof(bin)),
		                 (int)n);
		assert_memory_equal(bin, plain[i], n);
		/* no room for the NUL */
		if (n > 0)
			assert_int_equal(
			        od_base64_encode((const uint8_t *)plain[i], n,
			                         out, strlen(b64[i])),
			        OD_ESPACE);
	}
	/* every octet value */
	uint8_t all[256];
	char enc[400];
	uint8_t dec[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	int e = od_base64_encode(all, 256, enc, sizeof(enc));
	assert_int_equal(e, od_base64_len(256));
	assert_int_equal(od_base64_decode(enc, (size_t)e, dec, sizeof(dec)),
	                 256);
	assert_memory_equal(dec, all, 256);

	static const char *const bad[] = {
		"Zm9",      "Zm9vY", "Zm=v", "Zm9v=",    "Z===",    "====",
		"Zm9v!A==", "Zm9 v", "Zg=a", "Zg==Zg==", "Zm9vYg=", "Zm-v",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (od_base64_decode(bad[i], strlen(bad[i]), bin,
		                     sizeof(bin)) != OD_EBASE64)
			fail_msg("accepted '%s'", bad[i]);
	/* non-zero bits after the last octet: accepted, as BIND does */
	assert_int_equal(od_base64_decode("Zm9=", 4, bin, sizeof(bin)), 2);
	assert_memory_equal(bin, "fo", 2);
	assert_int_equal(od_base64_decode("Zh==", 4, bin, sizeof(bin)), 1);
	/* output space */
	assert_int_equal(od_base64_decode("Zm9vYmFy", 8, bin, 5), OD_ESPACE);
	assert_int_equal(od_base64_decode("Zm9vYmFy", 8, bin, 6), 6);
}

static void test_base32hex(void **state)
{
	(void)state;
	char out[64];
	uint8_t bin[64];
	for (size_t i = 0; i < 7; i++) {
		size_t n = strlen(plain[i]);
		assert_int_equal(od_base32hex_len(n), strlen(b32hex_out[i]));
		assert_int_equal(od_base32hex_encode((const uint8_t *)plain[i],
		                                     n, out, sizeof(out)),
		                 (int)strlen(b32hex_out[i]));
		assert_string_equal(out, b32hex_out[i]);
		/* padded upper case, unpadded lower case */
		assert_int_equal(od_base32hex_decode(b32hex[i],
		                                     strlen(b32hex[i]), bin,
		                                     sizeof(bin)),
		                 (int)n);
		assert_memory_equal(bin, plain[i], n);
		assert_int_equal(od_base32hex_decode(b32hex_out[i],
		                                     strlen(b32hex_out[i]), bin,
		                                     sizeof(bin)),
		                 (int)n);
		assert_memory_equal(bin, plain[i], n);
		if (n > 0)
			assert_int_equal(od_base32hex_encode(
			                         (const uint8_t *)plain[i], n,
			                         out, strlen(b32hex_out[i])),
			                 OD_ESPACE);
	}
	/* mixed case; an NSEC3 hash (RFC 5155 Appendix A) */
	assert_int_equal(od_base32hex_decode("CpNmUoJ1", 8, bin, sizeof(bin)),
	                 5);
	assert_memory_equal(bin, "fooba", 5);
	uint8_t hash[20];
	assert_int_equal(od_base32hex_decode("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
	                                     32, hash, sizeof(hash)),
	                 20);
	char back[40];
	assert_int_equal(od_base32hex_encode(hash, 20, back, sizeof(back)), 32);
	assert_string_equal(back, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");

	static const char *const bad[] = {
		"c",         "cpn",      "cpnmuo",
		"cw",        "co=",      "co=====",
		"CO=======", "c=o=====", "CPNMUOJ1========",
		"co======x", "c o",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (od_base32hex_decode(bad[i], strlen(bad[i]), bin,
		                        sizeof(bin)) != OD_EBASE32)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(od_base32hex_decode("cpnmuoj1", 8, bin, 4), OD_ESPACE);
}

static void test_hex(void **state)
{
	(void)state;
	const uint8_t in[] = { 0x00, 0x7f, 0xde, 0xad, 0xbe, 0xef };
	char out[16];
	assert_int_equal(od_hex_encode(in, sizeof(in), out, sizeof(out)), 12);
	assert_string_equal(out, "007FDEADBEEF");
	assert_int_equal(od_hex_encode(in, sizeof(in), out, 12), OD_ESPACE);
	assert_int_equal(od_hex_encode(in, 0, out, 1), 0);
	assert_string_equal(out, "");
	uint8_t bin[8];
	assert_int_equal(od_hex_decode("007fDeAdbeEF", 12, bin, sizeof(bin)),
	                 6);
	assert_memory_equal(bin, in, 6);
	assert_int_equal(od_hex_decode("", 0, bin, sizeof(bin)), 0);
	assert_int_equal(od_hex_decode("ABC", 3, bin, sizeof(bin)), OD_EHEX);
	assert_int_equal(od_hex_decode("GG", 2, bin, sizeof(bin)), OD_EHEX);
	assert_int_equal(od_hex_decode("0x", 2, bin, sizeof(bin)), OD_EHEX);
	assert_int_equal(od_hex_decode("a b", 3, bin, sizeof(bin)), OD_EHEX);
	assert_int_equal(od_hex_decode("0011", 4, bin, 1), OD_ESPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_base32hex),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
