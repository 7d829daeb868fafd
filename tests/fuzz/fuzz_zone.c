/* SPDX-License-Identifier: MIT */
/*
 * Zone file scanner: arbitrary text, $INCLUDE disabled, every error
 * skipped so the scanner goes through the whole input. Whatever it hands
 * over must be a valid name and valid RDATA for the type.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/zone/scanner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_rec(const od_zrec_t *r, void *ctx)
{
	(void)ctx;
	od_require(od_name_check(r->owner, OD_NAME_MAXLEN) > 0);
	od_require(od_rdata_check(r->type, r->rdata, r->rdlen) == 0);
	return 0;
}

static int on_err(const od_zerr_t *e, void *ctx)
{
	(void)ctx;
	od_require(e->msg != NULL && e->line >= 1 && e->col >= 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t origin[] = "\7example\0";
	od_zopts_t o = {
		.origin = origin,
		.no_include = true,
		.generate_max = 64,
		.on_rec = on_rec,
		.on_err = on_err,
	};
	od_zstats_t st;
	od_zscan_mem((const char *)data, size, "fuzz", &o, &st);
	return 0;
}
