/* SPDX-License-Identifier: MIT */
/*
 * onedot-zone: check, print canonically, compute and verify the ZONEMD of
 * zone files; generate DNSSEC keys and DS records. See docs/onedot-zone.md.
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

#include "lib/base.h"
#include "lib/dnssec/key.h"
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
