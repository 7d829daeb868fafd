/* SPDX-License-Identifier: MIT */
/* onedot-zone keygen and ds; key files shared with sign. */
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

/* keygen / ds ---------------------------------------------------------- */

/* Key file texts: the largest RSA key (4096 bits) needs under 4 KiB of
   private-key text; its DNSKEY record line is under 1 KiB. */
#define KEYTEXT_MAX 8192

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

int parse_u32(const char *s, uint32_t *out)
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

int cmd_keygen(int argc, char **argv)
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
int parse_keyfile(const char *text, size_t len, uint8_t *owner, bool *have_ttl,
                  uint32_t *ttl, uint8_t *rdata, size_t rdcap, const char **why)
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

int cmd_ds(int argc, char **argv)
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
