/* SPDX-License-Identifier: MIT */
/*
 * Presentation RDATA: the first two bytes pick the RR type (folded onto
 * the types with a layout, so the fuzzer spends its time in the field
 * parsers), the rest is the text. Whatever parses must be valid wire
 * RDATA, must print, and the printed text must parse back to the same
 * bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rdata.h"
#include "lib/rrtype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TOKS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t ntypes = 0;
	while (od_rrtype_at(ntypes) != NULL)
		ntypes++;
	uint16_t pick = (uint16_t)(data[0] << 8 | data[1]);
	/* Below 0x8000: one of the table's types; above: any number. */
	uint16_t type = pick < 0x8000 ? od_rrtype_at(pick % ntypes)->type
	                              : (uint16_t)(pick - 0x8000);
	const char *text = (const char *)data + 2;
	size_t len = size - 2;

	static od_tok_t toks[MAX_TOKS], toks2[MAX_TOKS];
	static uint8_t wire[OD_RDATA_MAXLEN], wire2[OD_RDATA_MAXLEN];
	static const uint8_t origin[] = "\7example\0";

	int n = od_tok_split(text, len, toks, MAX_TOKS);
	if (n < 0)
		return 0;
	od_rdata_diag_t diag;
	int wl = od_rdata_from_text(type, toks, (size_t)n, origin, wire,
	                            sizeof(wire), &diag);
	if (wl < 0) {
		od_require(diag.expected != NULL && diag.tok <= (size_t)n);
		return 0;
	}
	od_require(od_rdata_check(type, wire, (size_t)wl) == 0);

	size_t cap = od_rdata_str_bound((size_t)wl);
	char *out = malloc(cap);
	od_require(out != NULL);
	int sl = od_rdata_to_str(type, wire, (size_t)wl, out, cap);
	od_require(sl >= 0 && strlen(out) == (size_t)sl);
	int n2 = od_tok_split(out, (size_t)sl, toks2, MAX_TOKS);
	od_require(n2 >= 0);
	int wl2 = od_rdata_from_text(type, toks2, (size_t)n2, NULL, wire2,
	                             sizeof(wire2), &diag);
	if (wl2 != wl || memcmp(wire, wire2, (size_t)wl) != 0) {
		fprintf(stderr, "type %u: '%s' did not parse back (%d)\n", type,
		        out, wl2);
		abort();
	}
	free(out);
	return 0;
}
