/* SPDX-License-Identifier: MIT */
/*
 * Names: od_name_unpack on arbitrary bytes (the first byte picks where
 * the name starts, so pointers have something before them), and the
 * presentation round trip: whatever od_name_from_str accepts must print
 * and parse back to the same name, and be written (plain, then as a
 * compression pointer) and read back from the wire.
 */
#include <stdint.h>
#include <string.h>

#include "lib/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever is a valid name must also survive the wire. */
static void wire_roundtrip(const uint8_t *name, int len)
{
	uint8_t msg[2 * OD_NAME_MAXLEN + 2];
	uint8_t back[OD_NAME_MAXLEN];
	od_wr_t w;
	od_compr_t c;
	od_wr_init(&w, msg, sizeof(msg));
	od_compr_init(&c, msg);
	od_require(od_name_pack(&w, name, &c) == 0);
	size_t first = w.pos;
	od_require(od_name_pack(&w, name, &c) == 0); /* now a pointer */
	od_rd_t r;
	od_rd_init(&r, msg, w.pos);
	od_require(od_name_unpack(&r, back) == len);
	od_require(memcmp(back, name, (size_t)len) == 0 && r.pos == first);
	od_require(od_name_unpack(&r, back) == len);
	od_require(memcmp(back, name, (size_t)len) == 0 && r.pos == w.pos);
}

static void text_roundtrip(const uint8_t *name, int len)
{
	char text[OD_NAME_STRLEN];
	uint8_t again[OD_NAME_MAXLEN];
	int n = od_name_to_str(text, sizeof(text), name);
	od_require(n > 0 && strlen(text) == (size_t)n);
	int m = od_name_from_str(again, text, (size_t)n, NULL);
	od_require(m == len);
	od_require(memcmp(again, name, (size_t)len) == 0);
	wire_roundtrip(name, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t name[OD_NAME_MAXLEN];

	od_rd_t r;
	od_rd_init(&r, data + 1, size - 1);
	r.pos = size > 1 ? data[0] % (size - 1) : 0;
	int len = od_name_unpack(&r, name);
	if (len > 0) {
		od_require(r.err == 0);
		od_require(od_name_check(name, sizeof(name)) == len);
		od_require((size_t)len == od_name_len(name));
		text_roundtrip(name, len);
	} else {
		od_require(r.err == len);
	}

	uint8_t origin[] = "\7example\0";
	len = od_name_from_str(name, (const char *)data, size, NULL);
	if (len > 0) {
		od_require(od_name_check(name, sizeof(name)) == len);
		text_roundtrip(name, len);
	}
	len = od_name_from_str(name, (const char *)data, size, origin);
	if (len > 0)
		text_roundtrip(name, len);
	return 0;
}
