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

enum {
	EXIT_OK = 0,
	EXIT_PROBLEM = 1,
	EXIT_USAGE = 2
};

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
        "  verify FILE [-o ORIGIN]\n"
        "        verify the zone's ZONEMD RRset (RFC 8976, no DNSSEC)\n"
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
        "        sign the zone (NSEC) and print it in canonical form.\n"
        "        KEY: base name (or .key/.private path) of a key from\n"
        "        keygen; KSKs (flags 257) sign the DNSKEY RRset, ZSKs\n"
        "        the rest. T: YYYYMMDDHHmmSS or seconds since the epoch\n"
        "        (default now-1h .. now+30d). --zonemd adds a ZONEMD\n"
        "        record (RFC 8976) computed over the signed zone\n"
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

static void usage(FILE *fp)
{
	fputs(usage_text, fp);
}

typedef enum {
	CMD_CHECK,
	CMD_PRINT,
	CMD_ZONEMD,
	CMD_VERIFY
} cmd_t;

typedef struct args {
	cmd_t cmd;
	const char *file;
	const char *origin_str;
	uint8_t origin[OD_NAME_MAXLEN];
	bool have_origin;
	bool parse_only;
	uint8_t hash;
} args_t;

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

static const char *display_name(const char *file)
{
	return strcmp(file, "-") == 0 ? "-" : file;
}

/* Read all of a stream into memory (for FILE "-"). */
static int slurp(FILE *fp, char **out, size_t *len)
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
static int load_zone(const args_t *a, bool keep_going, od_zone_t **out)
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

static const char *hash_name(uint8_t hash)
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

static void hex_out(FILE *fp, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(fp, "%02x", p[i]);
}

static int cmd_verify(const args_t *a)
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

static int parse_hash(const char *s, uint8_t *hash)
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

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "onedot-zone: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/* keygen / ds ---------------------------------------------------------- */

/* Key file texts: the largest RSA key (4096 bits) needs under 4 KiB of
   private-key text; its DNSKEY record line is under 1 KiB. */
#define KEYTEXT_MAX 8192
#define KEYFILE_MAX (64 * 1024)

/* Write text to a new file; never replaces an existing one. */
static int write_new_file(const char *path, const char *text, size_t len,
                          mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			unlink(path);
			return e;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		int e = -errno;
		unlink(path);
		return e;
	}
	return 0;
}

/* DNSKEY record line: `owner [TTL] IN DNSKEY flags proto alg base64`. */
static int dnskey_line(const char *owner, bool have_ttl, uint32_t ttl,
                       const uint8_t *rdata, size_t rdlen, char *out,
                       size_t outlen)
{
	char b64[od_base64_len(1024) + 1];
	if (rdlen < 4 || od_base64_len(rdlen - 4) >= sizeof(b64))
		return OD_ESPACE;
	int r = od_base64_encode(rdata + 4, rdlen - 4, b64, sizeof(b64));
	if (r < 0)
		return r;
	char ttl_s[16] = "";
	if (have_ttl)
		snprintf(ttl_s, sizeof(ttl_s), " %u", ttl);
	int n = snprintf(out, outlen, "%s%s IN DNSKEY %u %u %u %s\n", owner,
	                 ttl_s, (unsigned)(rdata[0] << 8 | rdata[1]), rdata[2],
	                 rdata[3], b64);
	if (n < 0 || (size_t)n >= outlen)
		return OD_ESPACE;
	return n;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int cmd_keygen(int argc, char **argv)
{
	const char *alg_s = NULL, *origin_s = NULL, *dir = ".";
	bool ksk = false, have_ttl = false;
	uint32_t bits = 0, ttl = 0;
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(s, "--ksk") == 0) {
			ksk = true;
		} else if (strcmp(s, "--bits") == 0 || strcmp(s, "-b") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (parse_u32(argv[i], &bits) < 0)
				return bad_usage("bad --bits '%s'", argv[i]);
		} else if (strcmp(s, "--ttl") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (od_ttl_from_str(argv[i], strlen(argv[i]), &ttl) < 0)
				return bad_usage("bad --ttl '%s'", argv[i]);
			have_ttl = true;
		} else if (strcmp(s, "-d") == 0 || strcmp(s, "--dir") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			dir = argv[i];
		} else if (s[0] == '-' && s[1] != '\0') {
			return bad_usage("unknown option '%s'", s);
		} else if (alg_s == NULL) {
			alg_s = s;
		} else if (origin_s == NULL) {
			origin_s = s;
		} else {
			return bad_usage("unexpected argument '%s'", s);
		}
	}
	if (alg_s == NULL || origin_s == NULL)
		return bad_usage("%s", "keygen: needs ALG and ORIGIN");
	int alg = od_alg_from_name(alg_s);
	if (alg < 0)
		return bad_usage("unknown algorithm '%s'", alg_s);
	if (!od_alg_info((uint8_t)alg)->sign) {
		fprintf(stderr,
		        "onedot-zone: keygen: algorithm '%s' is not supported "
		        "for key generation (supported: RSASHA256, RSASHA512, "
		        "ECDSAP256SHA256, ECDSAP384SHA384, ED25519, ED448)\n",
		        alg_s);
		return EXIT_USAGE;
	}
	if (bits && !od_alg_info((uint8_t)alg)->rsa)
		return bad_usage("--bits is for RSA algorithms (%s)", alg_s);
	uint8_t origin[OD_NAME_MAXLEN];
	char owner[OD_NAME_STRLEN];
	if (od_name_from_str(origin, origin_s, strlen(origin_s),
	                     (const uint8_t *)"") < 0 ||
	    od_name_to_str(owner, sizeof(owner), origin) < 0)
		return bad_usage("bad origin '%s'", origin_s);
	/* The owner becomes part of a file name. */
	if (strchr(owner, '/') != NULL)
		return bad_usage("origin '%s' cannot be used in a file name",
		                 origin_s);

	od_privkey_t key = { 0 };
	uint16_t flags = OD_DNSKEY_ZONE | (ksk ? OD_DNSKEY_SEP : 0);
	int r = od_key_generate(&key, (uint8_t)alg, flags, bits);
	if (r == OD_ERANGE) {
		char b[16];
		snprintf(b, sizeof(b), "%u", bits);
		return bad_usage("--bits %s out of range (1024..4096)", b);
	}
	if (r < 0) {
		fprintf(stderr, "onedot-zone: keygen: %s\n", od_strerror(r));
		return EXIT_PROBLEM;
	}

	int ex = EXIT_PROBLEM;
	char *priv = malloc(KEYTEXT_MAX), *pub = malloc(KEYTEXT_MAX);
	char base[OD_NAME_STRLEN + 16];
	char kpath[PATH_MAX], ppath[PATH_MAX];
	if (priv == NULL || pub == NULL) {
		fprintf(stderr, "onedot-zone: keygen: %s\n",
		        od_strerror(OD_ENOMEM));
		goto out;
	}
	int plen = od_privkey_write(&key, priv, KEYTEXT_MAX);
	int klen = snprintf(pub, KEYTEXT_MAX,
	                    "; This is a %s key, keyid %u, for %s\n",
	                    ksk ? "key-signing" : "zone-signing", key.tag,
	                    owner);
	int l2 = -1;
	if (klen > 0 && klen < KEYTEXT_MAX)
		l2 = dnskey_line(owner, have_ttl, ttl, key.rdata, key.rdlen,
		                 pub + klen, KEYTEXT_MAX - (size_t)klen);
	if (plen < 0 || l2 < 0) {
		fprintf(stderr, "onedot-zone: keygen: cannot format key: %s\n",
		        od_strerror(plen < 0 ? plen
		                    : l2 < 0 ? l2
		                             : OD_ESPACE));
		goto out;
	}
	klen += l2;
	snprintf(base, sizeof(base), "K%s+%03u+%05u", owner, key.alg, key.tag);
	int n1 = snprintf(kpath, sizeof(kpath), "%s/%s.key", dir, base);
	int n2 = snprintf(ppath, sizeof(ppath), "%s/%s.private", dir, base);
	if (n1 < 0 || (size_t)n1 >= sizeof(kpath) || n2 < 0 ||
	    (size_t)n2 >= sizeof(ppath)) {
		fprintf(stderr, "onedot-zone: keygen: %s: path too long\n",
		        dir);
		goto out;
	}
	/* Both files are created exclusively: an existing key with the same
	   name and tag is never replaced, and a half-written pair is not
	   left behind. */
	r = write_new_file(ppath, priv, (size_t)plen, 0600);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: keygen: %s: %s\n", ppath,
		        r == -EEXIST ? "file exists, not overwritten"
		                     : od_strerror(r));
		goto out;
	}
	r = write_new_file(kpath, pub, (size_t)klen, 0644);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: keygen: %s: %s\n", kpath,
		        r == -EEXIST ? "file exists, not overwritten"
		                     : od_strerror(r));
		unlink(ppath);
		goto out;
	}
	printf("%s\n", base);
	ex = EXIT_OK;
out:
	if (priv) {
		/* Private key material: do not leave it in freed memory. */
		OPENSSL_cleanse(priv, KEYTEXT_MAX);
		free(priv);
	}
	free(pub);
	od_privkey_free(&key);
	return ex;
}

static int parse_digest(const char *s, uint8_t *dt)
{
	if (strcasecmp(s, "sha256") == 0 || strcasecmp(s, "sha-256") == 0 ||
	    strcmp(s, "2") == 0)
		*dt = OD_DS_SHA256;
	else if (strcasecmp(s, "sha384") == 0 ||
	         strcasecmp(s, "sha-384") == 0 || strcmp(s, "4") == 0)
		*dt = OD_DS_SHA384;
	else if (strcasecmp(s, "sha1") == 0 || strcasecmp(s, "sha-1") == 0 ||
	         strcmp(s, "1") == 0)
		*dt = OD_DS_SHA1;
	else
		return -1;
	return 0;
}

static bool tok_is(const od_tok_t *t, const char *s)
{
	return !t->quoted && t->len == strlen(s) &&
	       strncasecmp(t->s, s, t->len) == 0;
}

/*
 * Parse the DNSKEY record of a .key file: `owner [TTL] [IN] DNSKEY RDATA`
 * (TTL and class in either order), comments and parentheses allowed.
 * Returns the RDATA length or an error, with a message in *why.
 */
static int parse_keyfile(const char *text, size_t len, uint8_t *owner,
                         bool *have_ttl, uint32_t *ttl, uint8_t *rdata,
                         size_t rdcap, const char **why)
{
	enum {
		MAXTOK = 512
	};
	od_tok_t toks[MAXTOK];
	int n = od_tok_split(text, len, toks, MAXTOK);
	*why = "cannot split the text into fields";
	if (n < 0)
		return n;
	*why = "no DNSKEY record";
	if (n < 2 || toks[0].s[0] == '$')
		return OD_ESYNTAX;
	*why = "bad owner name";
	int r = od_name_from_str(owner, toks[0].s, toks[0].len,
	                         (const uint8_t *)"");
	if (r < 0)
		return r;
	size_t i = 1;
	*have_ttl = false;
	for (int k = 0; k < 2 && i < (size_t)n; k++) {
		if (tok_is(&toks[i], "IN")) {
			i++;
		} else if (!*have_ttl && toks[i].s[0] >= '0' &&
		           toks[i].s[0] <= '9' &&
		           od_ttl_from_str(toks[i].s, toks[i].len, ttl) == 0) {
			*have_ttl = true;
			i++;
		}
	}
	*why = "not a DNSKEY record (owner [TTL] IN DNSKEY ...)";
	if (i >= (size_t)n || !tok_is(&toks[i], "DNSKEY"))
		return OD_ESYNTAX;
	i++;
	od_rdata_diag_t diag = { 0 };
	r = od_rdata_from_text(OD_TYPE_DNSKEY, toks + i, (size_t)n - i, NULL,
	                       rdata, rdcap, &diag);
	*why = diag.expected ? diag.expected : "bad DNSKEY RDATA";
	return r;
}

static int cmd_ds(int argc, char **argv)
{
	const char *file = NULL;
	uint8_t dt = OD_DS_SHA256;
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(s, "--digest") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (parse_digest(argv[i], &dt) < 0)
				return bad_usage("unknown digest '%s' (sha256, "
				                 "sha384 or sha1)",
				                 argv[i]);
		} else if (s[0] == '-' && s[1] != '\0') {
			return bad_usage("unknown option '%s'", s);
		} else if (file == NULL) {
			file = s;
		} else {
			return bad_usage("unexpected argument '%s'", s);
		}
	}
	if (file == NULL)
		return bad_usage("%s", "ds: no key file given");

	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (fp == NULL) {
		fprintf(stderr, "onedot-zone: %s: %s\n", file,
		        od_strerror(-errno));
		return EXIT_USAGE;
	}
	char *text = NULL;
	size_t len = 0;
	int r = slurp(fp, &text, &len);
	if (fp != stdin)
		fclose(fp);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", display_name(file),
		        od_strerror(r));
		return EXIT_USAGE;
	}
	if (len > KEYFILE_MAX) {
		fprintf(stderr, "onedot-zone: %s: too large for a key file\n",
		        display_name(file));
		free(text);
		return EXIT_PROBLEM;
	}
	uint8_t owner[OD_NAME_MAXLEN];
	uint8_t rdata[4096];
	bool have_ttl = false;
	uint32_t ttl = 0;
	const char *why = NULL;
	int rdlen = parse_keyfile(text, len, owner, &have_ttl, &ttl, rdata,
	                          sizeof(rdata), &why);
	free(text);
	if (rdlen < 0) {
		fprintf(stderr, "onedot-zone: %s: %s (%s)\n",
		        display_name(file), why, od_strerror(rdlen));
		return EXIT_PROBLEM;
	}
	uint8_t ds[4 + OD_DS_DIGEST_MAXLEN];
	int dslen = od_ds_make(owner, rdata, (size_t)rdlen, dt, ds, sizeof(ds));
	char name[OD_NAME_STRLEN];
	char hex[od_hex_len(OD_DS_DIGEST_MAXLEN) + 1];
	if (dslen >= 4)
		r = od_hex_encode(ds + 4, (size_t)dslen - 4, hex, sizeof(hex));
	if (dslen < 4 || r < 0 ||
	    od_name_to_str(name, sizeof(name), owner) < 0) {
		fprintf(stderr, "onedot-zone: %s: cannot make the DS: %s\n",
		        display_name(file),
		        od_strerror(dslen < 0 ? dslen : OD_EMALF));
		return EXIT_PROBLEM;
	}
	char ttl_s[16] = "";
	if (have_ttl)
		snprintf(ttl_s, sizeof(ttl_s), " %u", ttl);
	printf("%s%s IN DS %u %u %u %s\n", name, ttl_s,
	       (unsigned)(ds[0] << 8 | ds[1]), ds[2], ds[3], hex);
	return EXIT_OK;
}

/* sign ------------------------------------------------------------------ */

#define SIGN_MAXKEYS 16
/* RRSIG RDATA: fixed fields, signer name, signature (RSA-4096: 512). */
#define RRSIG_MAX (OD_RRSIG_FIXED_LEN + OD_NAME_MAXLEN + 1024)

/* One record to add to a zone copy; owner and RDATA in one allocation. */
typedef struct sign_rec {
	uint8_t *owner;
	uint8_t *rdata;
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
} sign_rec_t;

typedef struct rec_vec {
	sign_rec_t *v;
	size_t n, cap;
} rec_vec_t;

static int vec_add(rec_vec_t *vec, const uint8_t *owner, uint16_t type,
                   uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen > UINT16_MAX)
		return OD_ESPACE;
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 64;
		sign_rec_t *nv = realloc(vec->v, cap * sizeof(*nv));
		if (nv == NULL)
			return OD_ENOMEM;
		vec->v = nv;
		vec->cap = cap;
	}
	size_t olen = od_name_len(owner);
	uint8_t *mem = malloc(olen + rdlen + 1);
	if (mem == NULL)
		return OD_ENOMEM;
	memcpy(mem, owner, olen);
	if (rdlen)
		memcpy(mem + olen, rdata, rdlen);
	vec->v[vec->n++] = (sign_rec_t){ .owner = mem,
		                         .rdata = mem + olen,
		                         .type = type,
		                         .rdlen = (uint16_t)rdlen,
		                         .ttl = ttl };
	return 0;
}

static void vec_free(rec_vec_t *vec)
{
	for (size_t i = 0; i < vec->n; i++)
		free(vec->v[i].owner);
	free(vec->v);
	*vec = (rec_vec_t){ 0 };
}

/* Types the signer computes itself: dropped from the input zone. */
static bool sign_drops(uint16_t type, bool apex)
{
	return type == OD_TYPE_RRSIG || type == OD_TYPE_NSEC ||
	       type == OD_TYPE_NSEC3 || type == OD_TYPE_NSEC3PARAM ||
	       (apex && type == OD_TYPE_ZONEMD);
}

/*
 * A finalized zone is read-only: each signing step makes a new zone from
 * the records of src (less the signer's own types when strip is set) and
 * the extra records.
 */
static int zone_copy(const od_zone_t *src, bool strip, const rec_vec_t *extra,
                     od_zone_t **out)
{
	od_zone_t *z = od_zone_new(src->origin, src->rclass);
	if (z == NULL)
		return OD_ENOMEM;
	int r = 0;
	for (size_t i = 0; r == 0 && i < src->nnodes; i++) {
		const od_znode_t *n = src->nodes[i];
		for (size_t s = 0; r == 0 && s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			if (strip &&
			    sign_drops(set->type, (n->flags & OD_ZN_APEX) != 0))
				continue;
			for (size_t k = 0; r == 0 && k < set->count; k++)
				r = od_zone_add(z, n->owner, set->type,
				                set->rclass, set->rrs[k]->ttl,
				                set->rrs[k]->data,
				                set->rrs[k]->len);
		}
	}
	for (size_t i = 0; r == 0 && extra && i < extra->n; i++) {
		const sign_rec_t *e = &extra->v[i];
		r = od_zone_add(z, e->owner, e->type, src->rclass, e->ttl,
		                e->rdata, e->rdlen);
	}
	if (r == 0)
		r = od_zone_finalize(z);
	if (r) {
		od_zone_free(z);
		return r;
	}
	*out = z;
	return 0;
}

typedef struct sign_key {
	od_privkey_t key;
	uint8_t owner[OD_NAME_MAXLEN];
	bool have_ttl;
	uint32_t ttl;
} sign_key_t;

static int read_text_file(const char *path, char **text, size_t *len)
{
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return -errno;
	int r = slurp(fp, text, len);
	fclose(fp);
	if (r == 0 && *len > KEYFILE_MAX) {
		OPENSSL_cleanse(*text, *len);
		free(*text);
		return OD_ESPACE;
	}
	return r;
}

/* Load a key pair from a base name, or its .key or .private path. */
static int sign_load_key(const char *arg, sign_key_t *out)
{
	char base[PATH_MAX], path[PATH_MAX + 16];
	size_t len = strlen(arg);
	if (len >= sizeof(base)) {
		fprintf(stderr, "onedot-zone: %s: path too long\n", arg);
		return EXIT_USAGE;
	}
	memcpy(base, arg, len + 1);
	if (len > 8 && strcmp(base + len - 8, ".private") == 0)
		base[len - 8] = '\0';
	else if (len > 4 && strcmp(base + len - 4, ".key") == 0)
		base[len - 4] = '\0';

	snprintf(path, sizeof(path), "%s.key", base);
	char *text = NULL;
	size_t tlen = 0;
	int r = read_text_file(path, &text, &tlen);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", path, od_strerror(r));
		return r > OD_ERROR_BASE ? EXIT_USAGE : EXIT_PROBLEM;
	}
	uint8_t rdata[4096];
	const char *why = NULL;
	int rdlen = parse_keyfile(text, tlen, out->owner, &out->have_ttl,
	                          &out->ttl, rdata, sizeof(rdata), &why);
	free(text);
	if (rdlen < 4) {
		fprintf(stderr, "onedot-zone: %s: %s (%s)\n", path,
		        why ? why : "bad DNSKEY",
		        od_strerror(rdlen < 0 ? rdlen : OD_EMALF));
		return EXIT_PROBLEM;
	}
	uint16_t flags = (uint16_t)(rdata[0] << 8 | rdata[1]);

	snprintf(path, sizeof(path), "%s.private", base);
	r = read_text_file(path, &text, &tlen);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", path, od_strerror(r));
		return r > OD_ERROR_BASE ? EXIT_USAGE : EXIT_PROBLEM;
	}
	r = od_privkey_read(&out->key, text, tlen, flags);
	OPENSSL_cleanse(text, tlen);
	free(text);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: %s\n", path, od_strerror(r));
		return EXIT_PROBLEM;
	}
	/* The .key and .private files must be the two halves of one key. */
	if (out->key.rdlen != (size_t)rdlen ||
	    memcmp(out->key.rdata, rdata, (size_t)rdlen) != 0) {
		fprintf(stderr,
		        "onedot-zone: %s: does not match the public key in "
		        "%s.key\n",
		        path, base);
		od_privkey_free(&out->key);
		return EXIT_PROBLEM;
	}
	return EXIT_OK;
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Signature time: YYYYMMDDHHmmSS (RFC 4034 §3.2) or seconds since the
   epoch; stored modulo 2^32 (RFC 4034 §3.1.5). */
static int parse_sigtime(const char *s, uint32_t *out)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (len == 14) {
		unsigned v[6];
		if (sscanf(s, "%4u%2u%2u%2u%2u%2u", &v[0], &v[1], &v[2], &v[3],
		           &v[4], &v[5]) != 6 ||
		    v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
		    v[3] > 23 || v[4] > 59 || v[5] > 60)
			return -1;
		int64_t t = days_from_civil(v[0], v[1], v[2]) * 86400 +
		            v[3] * 3600 + v[4] * 60 + v[5];
		*out = (uint32_t)t;
		return 0;
	}
	return parse_u32(s, out);
}

typedef struct sign_ctx {
	const od_zone_t *z;
	sign_key_t *keys;
	size_t nkeys;
	uint32_t inception, expiration;
	rec_vec_t *sigs;
} sign_ctx_t;

/* Sign one RRset with the keys its type calls for. */
static int sign_rrset(const sign_ctx_t *c, const od_znode_t *n,
                      const od_zrrset_t *set)
{
	od_rrsig_rd_t *rds = malloc(set->count * sizeof(*rds) + 1);
	if (rds == NULL)
		return OD_ENOMEM;
	for (size_t k = 0; k < set->count; k++)
		rds[k] = (od_rrsig_rd_t){ set->rrs[k]->data, set->rrs[k]->len };
	od_rrsig_rrset_t rs = { .owner = n->owner,
		                .type = set->type,
		                .rclass = set->rclass,
		                .count = set->count,
		                .rrs = rds };
	bool dnskey = set->type == OD_TYPE_DNSKEY;
	int r = 0;
	for (size_t i = 0; r == 0 && i < c->nkeys; i++) {
		/* Per algorithm (RFC 4035 §2.2: every RRset is signed with
		   each algorithm of the DNSKEY RRset): KSKs sign the DNSKEY
		   RRset, ZSKs the rest, either kind alone signs everything. */
		bool ksk = (c->keys[i].key.flags & OD_DNSKEY_SEP) != 0;
		bool have_ksk = false, have_zsk = false;
		for (size_t j = 0; j < c->nkeys; j++) {
			if (c->keys[j].key.alg != c->keys[i].key.alg)
				continue;
			if (c->keys[j].key.flags & OD_DNSKEY_SEP)
				have_ksk = true;
			else
				have_zsk = true;
		}
		bool use = dnskey ? (ksk || !have_ksk) : (!ksk || !have_zsk);
		if (!use)
			continue;
		uint8_t sig[RRSIG_MAX];
		int len = od_rrsig_sign(&rs, &c->keys[i].key, c->z->origin,
		                        c->inception, c->expiration, set->ttl,
		                        NULL, sig, sizeof(sig));
		if (len < 0)
			r = len;
		else
			r = vec_add(c->sigs, n->owner, OD_TYPE_RRSIG, set->ttl,
			            sig, (size_t)len);
	}
	free(rds);
	return r;
}

/* Nodes the zone is authoritative for, plus delegation points. */
static bool node_in_chain(const od_znode_t *n)
{
	return !(n->flags & (OD_ZN_GLUE | OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT));
}

/*
 * Sign every authoritative RRset of c->z: at a delegation only DS and
 * NSEC; never glue or occluded data; the apex ZONEMD only when
 * only_zonemd (it is signed last, after its digest is in place), and then
 * only that.
 */
static int sign_zone(const sign_ctx_t *c, bool only_zonemd)
{
	for (size_t i = 0; i < c->z->nnodes; i++) {
		const od_znode_t *n = c->z->nodes[i];
		if (!node_in_chain(n))
			continue;
		bool apex = (n->flags & OD_ZN_APEX) != 0;
		for (size_t s = 0; s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			bool zmd = apex && set->type == OD_TYPE_ZONEMD;
			if (set->type == OD_TYPE_RRSIG || zmd != only_zonemd)
				continue;
			if ((n->flags & OD_ZN_DELEG) &&
			    set->type != OD_TYPE_DS &&
			    set->type != OD_TYPE_NSEC)
				continue;
			int r = sign_rrset(c, n, set);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The NSEC chain over the authoritative names and delegation points. */
static int add_nsec_chain(const od_zone_t *z, uint32_t ttl, rec_vec_t *out)
{
	size_t nn = 0, nt = 0;
	for (size_t i = 0; i < z->nnodes; i++)
		nt += z->nodes[i]->nsets;
	od_denial_node_t *nodes = calloc(z->nnodes + 1, sizeof(*nodes));
	uint16_t *types = calloc(nt + 1, sizeof(*types));
	int r = OD_ENOMEM;
	if (nodes == NULL || types == NULL)
		goto out;
	uint16_t *t = types;
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		if (!node_in_chain(n))
			continue;
		bool deleg = (n->flags & OD_ZN_DELEG) != 0;
		od_denial_node_t *d = &nodes[nn++];
		d->name = n->owner;
		d->types = t;
		for (size_t s = 0; s < n->nsets; s++) {
			uint16_t ty = n->sets[s].type;
			if (ty == OD_TYPE_RRSIG || ty == OD_TYPE_NSEC)
				continue;
			if (deleg && ty != OD_TYPE_NS && ty != OD_TYPE_DS)
				continue;
			*t++ = ty;
			d->ntypes++;
		}
	}
	od_denial_rec_t *recs = NULL;
	r = od_nsec_chain(NULL, nodes, nn, &recs);
	if (r < 0)
		goto out;
	for (size_t i = 0; r == 0 && i < nn; i++)
		r = vec_add(out, recs[i].owner, OD_TYPE_NSEC, ttl,
		            recs[i].rdata, recs[i].rdlen);
	od_denial_recs_free(NULL, recs, nn);
out:
	free(nodes);
	free(types);
	return r;
}

static int sign_fail(const char *what, int r)
{
	fprintf(stderr, "onedot-zone: sign: %s: %s\n", what, od_strerror(r));
	return EXIT_PROBLEM;
}

static int cmd_sign(int argc, char **argv)
{
	args_t a = { .hash = 0 };
	const char *keyargs[SIGN_MAXKEYS];
	size_t nkeys = 0;
	bool have_inc = false, have_exp = false;
	uint32_t inception = 0, expiration = 0;
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(s, "-o") == 0 || strcmp(s, "--origin") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			a.origin_str = argv[i];
		} else if (strcmp(s, "--zonemd") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (parse_hash(argv[i], &a.hash) < 0)
				return bad_usage("unknown hash '%s' (sha384 "
				                 "or sha512)",
				                 argv[i]);
		} else if (strcmp(s, "--inception") == 0 ||
		           strcmp(s, "--expiration") == 0) {
			bool inc = s[2] == 'i';
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			if (parse_sigtime(argv[i],
			                  inc ? &inception : &expiration) < 0)
				return bad_usage(
				        "bad time '%s' (YYYYMMDDHHmmSS "
				        "or seconds since the epoch)",
				        argv[i]);
			*(inc ? &have_inc : &have_exp) = true;
		} else if (strncmp(s, "--nsec3", 7) == 0) {
			fprintf(stderr, "onedot-zone: sign: NSEC3 is not "
			                "supported yet (NSEC only)\n");
			return EXIT_USAGE;
		} else if (s[0] == '-' && s[1] != '\0') {
			return bad_usage("unknown option '%s'", s);
		} else if (a.file == NULL) {
			a.file = s;
		} else if (nkeys < SIGN_MAXKEYS) {
			keyargs[nkeys++] = s;
		} else {
			return bad_usage("too many keys (at most 16): '%s'", s);
		}
	}
	if (a.file == NULL || nkeys == 0)
		return bad_usage("%s", "sign: needs FILE and at least one KEY");
	if (a.origin_str) {
		if (od_name_from_str(a.origin, a.origin_str,
		                     strlen(a.origin_str),
		                     (const uint8_t *)"") < 0)
			return bad_usage("bad origin '%s'", a.origin_str);
		a.have_origin = true;
	}
	time_t now = time(NULL);
	if (!have_inc)
		inception = (uint32_t)((uint64_t)now - 3600);
	if (!have_exp)
		expiration = (uint32_t)((uint64_t)now + 30 * 86400);

	sign_key_t *keys = calloc(SIGN_MAXKEYS, sizeof(*keys));
	if (keys == NULL)
		return sign_fail("keys", OD_ENOMEM);
	od_zone_t *z0 = NULL, *z1 = NULL, *z2 = NULL, *z3 = NULL;
	rec_vec_t extra = { 0 }, sigs = { 0 };
	int ex = EXIT_OK, r;
	size_t loaded = 0;
	for (; loaded < nkeys && ex == EXIT_OK; loaded++)
		ex = sign_load_key(keyargs[loaded], &keys[loaded]);
	if (ex != EXIT_OK) {
		loaded--;
		goto out;
	}
	ex = load_zone(&a, false, &z0);
	if (ex != EXIT_OK)
		goto out;
	const od_zrrset_t *soa = od_zone_soa(z0);
	uint32_t serial = 0;
	if (soa == NULL || soa->count != 1 || soa->rrs[0]->len < 20 ||
	    od_zone_serial(z0, &serial) < 0) {
		fprintf(stderr, "onedot-zone: %s: no usable SOA at the apex\n",
		        display_name(a.file));
		ex = EXIT_PROBLEM;
		goto out;
	}
	const uint8_t *sd = soa->rrs[0]->data + soa->rrs[0]->len - 4;
	uint32_t minimum = (uint32_t)sd[0] << 24 | (uint32_t)sd[1] << 16 |
	                   (uint32_t)sd[2] << 8 | sd[3];
	sign_ctx_t c = { .keys = keys,
		         .nkeys = nkeys,
		         .inception = inception,
		         .expiration = expiration,
		         .sigs = &sigs };
	for (size_t i = 0; i < nkeys; i++) {
		for (size_t j = 0; j < i; j++) {
			if (keys[j].key.rdlen == keys[i].key.rdlen &&
			    memcmp(keys[j].key.rdata, keys[i].key.rdata,
			           keys[i].key.rdlen) == 0) {
				fprintf(stderr,
				        "onedot-zone: sign: %s: key given "
				        "twice\n",
				        keyargs[i]);
				ex = EXIT_USAGE;
				goto out;
			}
		}
		if (od_name_cmp(keys[i].owner, z0->origin) != 0) {
			fprintf(stderr,
			        "onedot-zone: sign: %s: the key's owner is not "
			        "the zone's origin\n",
			        keyargs[i]);
			ex = EXIT_PROBLEM;
			goto out;
		}
		r = vec_add(&extra, z0->origin, OD_TYPE_DNSKEY,
		            keys[i].have_ttl ? keys[i].ttl : soa->ttl,
		            keys[i].key.rdata, keys[i].key.rdlen);
		if (r < 0) {
			ex = sign_fail("DNSKEY", r);
			goto out;
		}
	}
	/* RFC 8976 §3.3: a placeholder ZONEMD takes part in the NSEC
	   bitmap and the zone; its digest is filled in after signing. */
	if (a.hash) {
		uint8_t ph[OD_ZONEMD_RDATA_FIXED + OD_ZONEMD_DIGEST_MAX] = { 0 };
		size_t dlen = a.hash == OD_ZONEMD_HASH_SHA384 ? 48 : 64;
		ph[0] = (uint8_t)(serial >> 24);
		ph[1] = (uint8_t)(serial >> 16);
		ph[2] = (uint8_t)(serial >> 8);
		ph[3] = (uint8_t)serial;
		ph[4] = OD_ZONEMD_SCHEME_SIMPLE;
		ph[5] = a.hash;
		r = vec_add(&extra, z0->origin, OD_TYPE_ZONEMD, soa->ttl, ph,
		            OD_ZONEMD_RDATA_FIXED + dlen);
		if (r < 0) {
			ex = sign_fail("ZONEMD", r);
			goto out;
		}
	}
	/* z1: the data, our DNSKEYs and the placeholder; then the chain. */
	r = zone_copy(z0, true, &extra, &z1);
	if (r < 0) {
		ex = sign_fail("zone", r);
		goto out;
	}
	vec_free(&extra);
	r = add_nsec_chain(z1, minimum, &extra);
	if (r < 0) {
		ex = sign_fail("NSEC chain", r);
		goto out;
	}
	r = zone_copy(z1, false, &extra, &z2);
	if (r < 0) {
		ex = sign_fail("zone", r);
		goto out;
	}
	c.z = z2;
	r = sign_zone(&c, false);
	if (r < 0) {
		ex = sign_fail("signing", r);
		goto out;
	}
	r = zone_copy(z2, false, &sigs, &z3);
	if (r < 0) {
		ex = sign_fail("zone", r);
		goto out;
	}
	if (a.hash) {
		/* The digest covers everything but the apex ZONEMD RRset and
		   its signatures, so it is computed on the signed zone; the
		   placeholder has the digest's size and is overwritten in
		   place, then signed. */
		uint8_t md[OD_ZONEMD_RDATA_FIXED + OD_ZONEMD_DIGEST_MAX];
		int len = od_zonemd_make(z3, OD_ZONEMD_SCHEME_SIMPLE, a.hash,
		                         md, sizeof(md));
		od_zrrset_t *zs = z3->apex ? (od_zrrset_t *)od_znode_rrset(
		                                     z3->apex, OD_TYPE_ZONEMD)
		                           : NULL;
		if (len < 0 || zs == NULL || zs->count != 1 ||
		    zs->rrs[0]->len != (uint16_t)len) {
			ex = sign_fail("ZONEMD", len < 0 ? len : OD_EINVAL);
			goto out;
		}
		memcpy(zs->rrs[0]->data, md, (size_t)len);
		vec_free(&sigs);
		c.z = z3;
		r = sign_zone(&c, true);
		od_zone_t *z4 = NULL;
		if (r == 0)
			r = zone_copy(z3, false, &sigs, &z4);
		if (r < 0) {
			ex = sign_fail("ZONEMD signature", r);
			goto out;
		}
		od_zone_free(z3);
		z3 = z4;
	}
	r = od_zone_print_file(z3, stdout);
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	if (r)
		ex = sign_fail("print", r);
out:
	for (size_t i = 0; i < loaded; i++)
		od_privkey_free(&keys[i].key);
	free(keys);
	vec_free(&extra);
	vec_free(&sigs);
	od_zone_free(z0);
	od_zone_free(z1);
	od_zone_free(z2);
	od_zone_free(z3);
	return ex;
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
	args_t a = { .hash = OD_ZONEMD_HASH_SHA384 };
	if (strcmp(c, "check") == 0)
		a.cmd = CMD_CHECK;
	else if (strcmp(c, "print") == 0)
		a.cmd = CMD_PRINT;
	else if (strcmp(c, "zonemd") == 0)
		a.cmd = CMD_ZONEMD;
	else if (strcmp(c, "verify") == 0)
		a.cmd = CMD_VERIFY;
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
	case CMD_VERIFY:
		return cmd_verify(&a);
	}
	return EXIT_USAGE;
}
