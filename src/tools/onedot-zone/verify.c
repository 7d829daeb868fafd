/* SPDX-License-Identifier: MIT */
/* onedot-zone verify: ZONEMD and DNSSEC checks of a zone. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/base.h"
#include "lib/dnssec/key.h"
#include "lib/dnssec/nsec.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/scanner.h"
#include "lib/zone/zone.h"
#include "lib/zone/zonemd.h"

#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

static void hex_out(FILE *fp, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(fp, "%02x", p[i]);
}

int cmd_verify(const args_t *a)
{
	od_zone_t *z = NULL;
	int ex = load_zone(a, false, &z);
	if (ex != EXIT_OK)
		return ex;
	od_zonemd_result_t res;
	int r = od_zonemd_verify(z, &res);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: verify: %s\n",
		        display_name(a->file), od_strerror(r));
		od_zone_free(z);
		return EXIT_PROBLEM;
	}
	const char *name = display_name(a->file);
	if (res.status == OD_ZONEMD_OK) {
		const od_zonemd_rr_result_t *m = &res.rr[res.matched];
		printf("%s: ZONEMD verified: serial %u, SIMPLE %s\n", name,
		       m->serial, hash_name(m->hash));
		od_zone_free(z);
		return EXIT_OK;
	}
	fprintf(stderr, "%s: ZONEMD invalid: %s\n", name,
	        od_zonemd_status_str(res.status));
	size_t shown = res.count < OD_ZONEMD_MAXREC ? res.count
	                                            : OD_ZONEMD_MAXREC;
	for (size_t i = 0; i < shown; i++) {
		const od_zonemd_rr_result_t *rr = &res.rr[i];
		fprintf(stderr, "  ZONEMD %u %u %u: %s", rr->serial, rr->scheme,
		        rr->hash, od_zonemd_status_str(rr->status));
		if (rr->status == OD_ZONEMD_SERIAL_MISMATCH)
			fprintf(stderr, " (ZONEMD serial %u, SOA serial %u)",
			        rr->serial, res.soa_serial);
		if (rr->status == OD_ZONEMD_DIGEST_MISMATCH &&
		    rr->scheme == OD_ZONEMD_SCHEME_SIMPLE) {
			uint8_t d[OD_ZONEMD_DIGEST_MAX];
			int dl = od_zonemd_digest(z, rr->scheme, rr->hash, d,
			                          sizeof(d));
			if (dl > 0) {
				fprintf(stderr, "; computed ");
				hex_out(stderr, d, (size_t)dl);
			}
		}
		fputc('\n', stderr);
	}
	od_zone_free(z);
	return EXIT_PROBLEM;
}
