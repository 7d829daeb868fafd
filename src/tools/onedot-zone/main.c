/* SPDX-License-Identifier: MIT */
/*
 * onedot-zone: check, print canonically, compute and verify the ZONEMD of
 * zone files; generate DNSSEC keys and DS records; sign zones (NSEC). See docs/onedot-zone.md.
 *
 * Exit codes (all commands): 0 success / clean / verified; 1 the zone has
 * problems (syntax or semantic errors, ZONEMD invalid) or the operation
 * failed (key files not written, malformed key file); 2 usage error or the
 * file cannot be read.
 */

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

static const char usage_text[] =
        "usage: onedot-zone COMMAND FILE [options]\n"
        "\n"
        "commands:\n"
        "  check FILE [-o ORIGIN] [--parse-only]\n"
        "        parse the zone and run the semantic checks (SOA once at\n"
        "        the apex, NS at the apex, CNAME exclusivity, glue for NS\n"
        "        below a zone cut, out-of-zone data); findings go to\n"
        "        stdout as FILE:LINE:COL: or OWNER: lines.\n"
        "        --parse-only: only scan the text into records (no zone\n"
        "        in memory, no semantic checks)\n"
        "  print FILE [-o ORIGIN]\n"
        "        print the zone in canonical form, one record a line\n"
        "  zonemd FILE [-o ORIGIN] [--hash sha384|sha512]\n"
        "        print the ZONEMD record (SIMPLE scheme) the zone should\n"
        "        carry at its apex (default hash: sha384)\n"
        "  verify FILE [-o ORIGIN] [--trust-anchor FILE] [--time T]\n"
        "        verify the zone's ZONEMD RRset (RFC 8976) when it has\n"
        "        one and, when the apex has a DNSKEY RRset, every RRSIG,\n"
        "        the signing of each RRset with each algorithm, and the\n"
        "        NSEC or NSEC3 chain; one OWNER TYPE: error: line per\n"
        "        problem, then a summary. --trust-anchor: DS and/or\n"
        "        DNSKEY records of the origin (zone file syntax) that\n"
        "        must have signed the DNSKEY RRset. T: YYYYMMDDHHmmSS or\n"
        "        seconds since the epoch (default now)\n"
        "  keygen ALG ORIGIN [--ksk] [--bits N] [--ttl TTL] [-d DIR]\n"
        "        generate a DNSSEC key pair: writes K<origin>+<alg>+<tag>\n"
        "        .key (DNSKEY record) and .private (mode 0600) in DIR\n"
        "        (default .) and prints the base name. ALG: mnemonic or\n"
        "        number (8, 10, 13, 14, 15, 16); --ksk sets flags 257\n"
        "        (else 256); --bits: RSA modulus size (default 2048)\n"
        "  ds KEYFILE [--digest sha256|sha384|sha1]\n"
        "        print the DS record of the DNSKEY in KEYFILE (a .key\n"
        "        file; default digest sha256)\n"
        "  sign FILE KEY... [-o ORIGIN] [--zonemd sha384|sha512]\n"
        "       [--inception T] [--expiration T]\n"
        "       [--nsec3 [--salt HEX] [--iterations N] [--opt-out]]\n"
        "        sign the zone (NSEC, or NSEC3 with --nsec3) and print\n"
        "        it in canonical form.\n"
        "        KEY: base name (or .key/.private path) of a key from\n"
        "        keygen; KSKs (flags 257) sign the DNSKEY RRset, ZSKs\n"
        "        the rest. T: YYYYMMDDHHmmSS or seconds since the epoch\n"
        "        (default now-1h .. now+30d). --zonemd adds a ZONEMD\n"
        "        record (RFC 8976) computed over the signed zone.\n"
        "        --salt: NSEC3 salt in hex, - for none (default none);\n"
        "        --iterations: 0..500 (default 0, as RFC 9276 says);\n"
        "        --opt-out: delegations without DS get no NSEC3\n"
        "  help  this text\n"
        "\n"
        "options:\n"
        "  -o, --origin ORIGIN  zone origin (default: the owner of the\n"
        "                       first record, which must be the SOA;\n"
        "                       a leading $ORIGIN sets it)\n"
        "  -h, --help           this text\n"
        "\n"
        "FILE may be - for standard input.\n"
        "exit: 0 clean/verified, 1 problems found/invalid or operation\n"
        "      failed, 2 usage error or file cannot be read\n";

void usage(FILE *fp)
{
	fputs(usage_text, fp);
}

/* Scanner errors: printed as they come, so the position (with column)
   reaches the user even when loading stops at the first one. */
typedef struct err_ctx {
	bool keep_going;
	size_t count;
} err_ctx_t;

static int on_scan_err(const od_zerr_t *e, void *ctx)
{
	err_ctx_t *c = ctx;
	c->count++;
	printf("%s:%u:%u: error: %s\n", e->file ? e->file : "-", e->line,
	       e->col, e->msg ? e->msg : od_strerror(e->code));
	return c->keep_going ? 0 : 1;
}

const char *display_name(const char *file)
{
	return strcmp(file, "-") == 0 ? "-" : file;
}

/* Read all of a stream into memory (for FILE "-"). */
int slurp(FILE *fp, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return OD_ENOMEM;
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return OD_ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*len = n;
	return 0;
}

/*
 * Load the zone. Returns an exit code; *out is set on EXIT_OK.
 * keep_going: skip bad records (check) rather than stop at the first.
 */
int load_zone(const args_t *a, bool keep_going, od_zone_t **out)
{
	err_ctx_t ec = { .keep_going = keep_going };
	od_zload_opts_t lo = {
		.origin = a->have_origin ? a->origin : NULL,
		.keep_going = keep_going,
		.on_err = on_scan_err,
		.ctx = &ec,
	};
	int r;
	if (strcmp(a->file, "-") == 0) {
		char *text = NULL;
		size_t len = 0;
		r = slurp(stdin, &text, &len);
		if (r == 0) {
			r = od_zone_load_mem(out, text, len, "-", &lo);
			free(text);
		}
	} else {
		r = od_zone_load_file(out, a->file, &lo);
	}
	if (r == 0)
		return EXIT_OK;
	if (r < 0 && r > OD_ERROR_BASE) {
		/* -errno: the file (or an included one) cannot be read. */
		fprintf(stderr, "onedot-zone: %s: %s\n", display_name(a->file),
		        od_strerror(r));
		return EXIT_USAGE;
	}
	if (r == OD_EINVAL && ec.count == 0)
		fprintf(stderr,
		        "onedot-zone: %s: origin unknown: the first record is "
		        "not an SOA; give -o ORIGIN\n",
		        display_name(a->file));
	else if (ec.count == 0)
		fprintf(stderr, "onedot-zone: %s: %s\n", display_name(a->file),
		        od_strerror(r));
	else
		fprintf(stderr, "onedot-zone: %s: zone not loaded (%s)\n",
		        display_name(a->file), od_strerror(r));
	return EXIT_PROBLEM;
}

/* check --parse-only: scan, count, no zone in memory. */
static int count_rec(const od_zrec_t *rec, void *ctx)
{
	(void)rec;
	(void)ctx;
	return 0;
}

static int cmd_parse_only(const args_t *a)
{
	err_ctx_t ec = { .keep_going = true };
	od_zopts_t so = {
		.origin = a->have_origin ? a->origin : NULL,
		.on_rec = count_rec,
		.on_err = on_scan_err,
		.ctx = &ec,
	};
	od_zstats_t st = { 0 };
	int r;
	if (strcmp(a->file, "-") == 0) {
		char *text = NULL;
		size_t len = 0;
		r = slurp(stdin, &text, &len);
		if (r == 0) {
			r = od_zscan_mem(text, len, "-", &so, &st);
			free(text);
		}
	} else {
		r = od_zscan_file(a->file, &so, &st);
	}
	if (r < 0 && r > OD_ERROR_BASE && ec.count == 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", display_name(a->file),
		        od_strerror(r));
		return EXIT_USAGE;
	}
	fprintf(stderr, "%s: %zu records, %zu errors\n", display_name(a->file),
	        st.records, st.errors);
	return (r == 0 && ec.count == 0) ? EXIT_OK : EXIT_PROBLEM;
}

static void print_finding(const args_t *a, const od_zfinding_t *f)
{
	char owner[OD_NAME_STRLEN], type[32];
	const char *sev = od_zsev_str(f->sev);
	const char *what = od_zcheck_str(f->code);
	type[0] = '\0';
	if (f->type) {
		char tb[24];
		od_rrtype_to_str(f->type, tb, sizeof(tb));
		snprintf(type, sizeof(type), " %s", tb);
	}
	if (f->file && f->line) {
		printf("%s:%u: %s: %s [%s]\n", f->file, f->line, sev, f->msg,
		       what);
	} else if (f->owner &&
	           od_name_to_str(owner, sizeof(owner), f->owner) >= 0) {
		printf("%s%s: %s: %s [%s]\n", owner, type, sev, f->msg, what);
	} else {
		printf("%s: %s: %s [%s]\n", display_name(a->file), sev, f->msg,
		       what);
	}
}

static int cmd_check(const args_t *a)
{
	if (a->parse_only)
		return cmd_parse_only(a);
	od_zone_t *z = NULL;
	int ex = load_zone(a, true, &z);
	if (ex != EXIT_OK)
		return ex;
	size_t errors = 0;
	int n = od_zone_check(z, &errors);
	if (n < 0) {
		fprintf(stderr, "onedot-zone: %s: checks failed: %s\n",
		        display_name(a->file), od_strerror(n));
		od_zone_free(z);
		return EXIT_PROBLEM;
	}
	size_t problems = 0;
	for (size_t i = 0; i < z->nfindings; i++) {
		const od_zfinding_t *f = &z->findings[i];
		if (f->sev != OD_ZSEV_NOTE)
			problems++;
		/* Syntax errors were printed (with their column) as the
		   scanner found them. */
		if (f->code != OD_ZC_SYNTAX)
			print_finding(a, f);
	}
	if (z->stats.syntax_errors > 0 && problems == 0)
		problems = z->stats.syntax_errors;
	od_zone_free(z);
	return problems ? EXIT_PROBLEM : EXIT_OK;
}

static int cmd_print(const args_t *a)
{
	od_zone_t *z = NULL;
	int ex = load_zone(a, false, &z);
	if (ex != EXIT_OK)
		return ex;
	int r = od_zone_print_file(z, stdout);
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	od_zone_free(z);
	if (r) {
		fprintf(stderr, "onedot-zone: print: %s\n", od_strerror(r));
		return EXIT_PROBLEM;
	}
	return EXIT_OK;
}

const char *hash_name(uint8_t hash)
{
	switch (hash) {
	case OD_ZONEMD_HASH_SHA384:
		return "SHA-384";
	case OD_ZONEMD_HASH_SHA512:
		return "SHA-512";
	default:
		return "unknown hash";
	}
}

static int cmd_zonemd(const args_t *a)
{
	od_zone_t *z = NULL;
	int ex = load_zone(a, false, &z);
	if (ex != EXIT_OK)
		return ex;
	uint8_t rdata[OD_ZONEMD_RDATA_FIXED + OD_ZONEMD_DIGEST_MAX];
	int len = od_zonemd_make(z, OD_ZONEMD_SCHEME_SIMPLE, a->hash, rdata,
	                         sizeof(rdata));
	const od_zrrset_t *soa = od_zone_soa(z);
	if (len < 0 || soa == NULL) {
		fprintf(stderr, "onedot-zone: %s: cannot compute ZONEMD: %s\n",
		        display_name(a->file),
		        soa == NULL ? "no SOA at the apex" : od_strerror(len));
		od_zone_free(z);
		return EXIT_PROBLEM;
	}
	/* TTL: the one of the ZONEMD RRset already there, else the SOA's
	   (what signers do; RFC 8976 leaves it to the publisher). */
	uint32_t ttl = soa->ttl;
	const od_zrrset_t *old =
	        z->apex ? od_znode_rrset(z->apex, OD_TYPE_ZONEMD) : NULL;
	if (old)
		ttl = old->ttl;
	char owner[OD_NAME_STRLEN];
	char text[2 * sizeof(rdata) + 64];
	int r = od_name_to_str(owner, sizeof(owner), z->origin);
	if (r >= 0)
		r = od_rdata_to_str(OD_TYPE_ZONEMD, rdata, (size_t)len, text,
		                    sizeof(text));
	od_zone_free(z);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: zonemd: %s\n", od_strerror(r));
		return EXIT_PROBLEM;
	}
	printf("%s %u IN ZONEMD %s\n", owner, ttl, text);
	return EXIT_OK;
}

int parse_hash(const char *s, uint8_t *hash)
{
	if (strcmp(s, "sha384") == 0 || strcmp(s, "SHA384") == 0 ||
	    strcmp(s, "1") == 0)
		*hash = OD_ZONEMD_HASH_SHA384;
	else if (strcmp(s, "sha512") == 0 || strcmp(s, "SHA512") == 0 ||
	         strcmp(s, "2") == 0)
		*hash = OD_ZONEMD_HASH_SHA512;
	else
		return -1;
	return 0;
}

int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "onedot-zone: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return bad_usage("%s", "no command given");
	const char *c = argv[1];
	if (strcmp(c, "help") == 0 || strcmp(c, "--help") == 0 ||
	    strcmp(c, "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(c, "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(c, "ds") == 0)
		return cmd_ds(argc, argv);
	if (strcmp(c, "sign") == 0)
		return cmd_sign(argc, argv);
	if (strcmp(c, "verify") == 0)
		return cmd_verify(argc, argv);
	args_t a = { .hash = OD_ZONEMD_HASH_SHA384 };
	if (strcmp(c, "check") == 0)
		a.cmd = CMD_CHECK;
	else if (strcmp(c, "print") == 0)
		a.cmd = CMD_PRINT;
	else if (strcmp(c, "zonemd") == 0)
		a.cmd = CMD_ZONEMD;
	else
		return bad_usage("unknown command '%s'", c);

	bool hash_given = false;
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(s, "-o") == 0 || strcmp(s, "--origin") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			a.origin_str = argv[i];
		} else if (strcmp(s, "--hash") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (parse_hash(argv[i], &a.hash) < 0)
				return bad_usage("unknown hash '%s' (sha384 "
				                 "or sha512)",
				                 argv[i]);
			hash_given = true;
		} else if (strcmp(s, "--parse-only") == 0) {
			a.parse_only = true;
		} else if (s[0] == '-' && s[1] != '\0') {
			return bad_usage("unknown option '%s'", s);
		} else if (a.file == NULL) {
			a.file = s;
		} else {
			return bad_usage("unexpected argument '%s'", s);
		}
	}
	if (a.file == NULL)
		return bad_usage("%s: no zone file given", c);
	if (hash_given && a.cmd != CMD_ZONEMD)
		return bad_usage("--hash is for the zonemd command (%s)", c);
	if (a.parse_only && a.cmd != CMD_CHECK)
		return bad_usage("--parse-only is for the check command (%s)",
		                 c);
	if (a.origin_str) {
		size_t len = strlen(a.origin_str);
		/* The origin is absolute whether or not it ends with a dot. */
		int r = od_name_from_str(a.origin, a.origin_str, len,
		                         (const uint8_t *)"");
		if (r < 0)
			return bad_usage("bad origin '%s'", a.origin_str);
		a.have_origin = true;
	}

	switch (a.cmd) {
	case CMD_CHECK:
		return cmd_check(&a);
	case CMD_PRINT:
		return cmd_print(&a);
	case CMD_ZONEMD:
		return cmd_zonemd(&a);
	}
	return EXIT_USAGE;
}
