/* SPDX-License-Identifier: MIT */
/*
 * odprint: prints wire data with libonedot's presentation printers, for the
 * interoperability tests (tests/integration/test_wire_interop_*.py).
 *
 *   odprint rdata TYPE HEX...   presentation RDATA of wire RDATA
 *   odprint rr                  stdin lines, one RR printed per line:
 *                                 OWNER TTL CLASS TYPE \# LEN [HEX...]
 *                                 TYPE \# LEN [HEX...]
 *                                 TYPE [HEX...]
 *   odprint pkt                 a binary DNS message on stdin, dig-style
 *
 * Exit status: 0 when everything printed, 1 on malformed input (with a
 * message on stderr naming the line and the problem), 2 on bad usage.
 * In rr mode a line whose RDATA does not fit its type's layout is still
 * printed (in the generic form, as the library does) so that the lines
 * stay aligned with the input, and the exit status is 1.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#ifdef ODPRINT_HAVE_PKT
#include "lib/pkt.h"
#endif

#define MAX_TOKS 70000

static const char *prog = "odprint";

static void usage(void)
{
	fprintf(stderr,
	        "usage: %s rdata TYPE HEX...\n"
	        "       %s rr   < lines 'OWNER TTL CLASS TYPE \\# LEN HEX' or"
	        " 'TYPE HEX'\n"
	        "       %s pkt  < binary DNS message\n",
	        prog, prog, prog);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode the hex digits of tokens [first, n) (blanks between tokens are
 * allowed, as in the generic form) into out.
 * \return the number of bytes, or -1 with *why set.
 */
static long decode_hex(char **toks, size_t first, size_t n, uint8_t *out,
                       size_t cap, const char **why)
{
	size_t len = 0;
	int hi = -1;

	for (size_t i = first; i < n; i++) {
		for (const char *p = toks[i]; *p; p++) {
			int v = hexval((unsigned char)*p);
			if (v < 0) {
				*why = "bad hexadecimal digit";
				return -1;
			}
			if (hi < 0) {
				hi = v;
				continue;
			}
			if (len == cap) {
				*why = "RDATA longer than 65535 octets";
				return -1;
			}
			out[len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		*why = "odd number of hexadecimal digits";
		return -1;
	}
	return (long)len;
}

/* Split s in place at blanks. \return the number of tokens. */
static size_t split(char *s, char **toks, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t\r\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\r\n", &save))
		toks[n++] = t;
	return n;
}

/*
 * RDATA from tokens [first, n): either `\# LEN HEX...` or bare HEX...
 * \return its length, or -1 with *why set.
 */
static long rdata_from_toks(char **toks, size_t first, size_t n, uint8_t *out,
                            const char **why)
{
	if (first < n && strcmp(toks[first], "\\#") == 0) {
		if (first + 1 >= n) {
			*why = "generic form without a length";
			return -1;
		}
		char *end = NULL;
		errno = 0;
		unsigned long want = strtoul(toks[first + 1], &end, 10);
		if (errno || *end || end == toks[first + 1] ||
		    want > OD_RDATA_MAXLEN) {
			*why = "bad generic length";
			return -1;
		}
		long got = decode_hex(toks, first + 2, n, out, OD_RDATA_MAXLEN,
		                      why);
		if (got < 0)
			return -1;
		if ((unsigned long)got != want) {
			*why = "generic length does not match the hex data";
			return -1;
		}
		return got;
	}
	return decode_hex(toks, first, n, out, OD_RDATA_MAXLEN, why);
}

/*
 * Presentation RDATA into a fresh buffer (caller frees).
 * \return the text, or NULL; *valid tells whether it fits the layout.
 */
static char *rdata_text(uint16_t type, const uint8_t *rd, size_t len,
                        int *check)
{
	size_t cap = od_rdata_str_bound(len);
	char *txt = malloc(cap);
	if (txt == NULL)
		return NULL;
	*check = od_rdata_check(type, rd, len);
	int ret = od_rdata_to_str(type, rd, len, txt, cap);
	if (ret < 0) {
		fprintf(stderr, "%s: cannot print RDATA: %s\n", prog,
		        od_strerror(ret));
		free(txt);
		return NULL;
	}
	return txt;
}

static int parse_type(const char *s, uint16_t *type)
{
	return od_rrtype_from_str(s, strlen(s), type);
}

static int cmd_rdata(int argc, char **argv)
{
	if (argc < 1) {
		usage();
		return 2;
	}
	uint16_t type;
	if (parse_type(argv[0], &type) != 0) {
		fprintf(stderr, "%s: unknown type '%s'\n", prog, argv[0]);
		return 1;
	}
	static uint8_t rd[OD_RDATA_MAXLEN];
	const char *why = NULL;
	long len = rdata_from_toks(argv, 1, (size_t)argc, rd, &why);
	if (len < 0) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return 1;
	}
	int check = 0;
	char *txt = rdata_text(type, rd, (size_t)len, &check);
	if (txt == NULL)
		return 1;
	if (check != 0) {
		fprintf(stderr, "%s: RDATA does not fit type %s: %s\n", prog,
		        argv[0], od_strerror(check));
		free(txt);
		return 1;
	}
	printf("%s\n", txt);
	free(txt);
	return 0;
}

/* One rr-mode line. \return 0, or 1 after a message on stderr. */
static int rr_line(char *line, unsigned long lineno, char **toks, uint8_t *rd)
{
	size_t n = split(line, toks, MAX_TOKS);
	if (n == 0 || toks[0][0] == ';')
		return 0;
	if (n == MAX_TOKS) {
		fprintf(stderr, "%s: line %lu: too many tokens\n", prog,
		        lineno);
		return 1;
	}

	/* Full form when the fourth token is a type and the second a TTL. */
	bool full = false;
	uint16_t type, rclass = OD_CLASS_IN;
	uint8_t owner[OD_NAME_MAXLEN];
	unsigned long ttl = 0;
	if (n >= 5 && strcmp(toks[4], "\\#") == 0) {
		full = true;
		int ret =
		        od_name_from_str(owner, toks[0], strlen(toks[0]), NULL);
		if (ret < 0) {
			fprintf(stderr, "%s: line %lu: bad owner '%s': %s\n",
			        prog, lineno, toks[0], od_strerror(ret));
			return 1;
		}
		char *end = NULL;
		errno = 0;
		ttl = strtoul(toks[1], &end, 10);
		if (errno || *end || end == toks[1] || ttl > UINT32_MAX) {
			fprintf(stderr, "%s: line %lu: bad TTL '%s'\n", prog,
			        lineno, toks[1]);
			return 1;
		}
		if (od_class_from_str(toks[2], strlen(toks[2]), &rclass) != 0) {
			fprintf(stderr, "%s: line %lu: bad class '%s'\n", prog,
			        lineno, toks[2]);
			return 1;
		}
	}
	const char *tname = full ? toks[3] : toks[0];
	if (parse_type(tname, &type) != 0) {
		fprintf(stderr, "%s: line %lu: unknown type '%s'\n", prog,
		        lineno, tname);
		return 1;
	}
	const char *why = NULL;
	long len = rdata_from_toks(toks, full ? 4 : 1, n, rd, &why);
	if (len < 0) {
		fprintf(stderr, "%s: line %lu: %s\n", prog, lineno, why);
		return 1;
	}

	int check = 0;
	char *txt = rdata_text(type, rd, (size_t)len, &check);
	if (txt == NULL)
		return 1;
	char tbuf[16];
	(void)od_rrtype_to_str(type, tbuf, sizeof(tbuf));
	if (full) {
		char obuf[OD_NAME_STRLEN], cbuf[16];
		int ret = od_name_to_str(obuf, sizeof(obuf), owner);
		if (ret < 0) {
			fprintf(stderr,
			        "%s: line %lu: cannot print owner: %s\n", prog,
			        lineno, od_strerror(ret));
			free(txt);
			return 1;
		}
		(void)od_class_to_str(rclass, cbuf, sizeof(cbuf));
		printf("%s\t%lu\t%s\t%s\t%s\n", obuf, ttl, cbuf, tbuf, txt);
	} else {
		printf("%s\t%s\n", tbuf, txt);
	}
	free(txt);
	if (check != 0) {
		fprintf(stderr,
		        "%s: line %lu: RDATA does not fit type %s (%s), printed"
		        " in generic form\n",
		        prog, lineno, tbuf, od_strerror(check));
		return 1;
	}
	return 0;
}

static int cmd_rr(void)
{
	char **toks = calloc(MAX_TOKS, sizeof(*toks));
	uint8_t *rd = malloc(OD_RDATA_MAXLEN);
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int status = 0;

	if (toks == NULL || rd == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = 1;
		goto out;
	}
	while (getline(&line, &cap, stdin) >= 0) {
		lineno++;
		if (rr_line(line, lineno, toks, rd) != 0)
			status = 1;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "%s: reading stdin: %s\n", prog,
		        strerror(errno));
		status = 1;
	}
out:
	free(line);
	free(rd);
	free(toks);
	return status;
}

#ifdef ODPRINT_HAVE_PKT
static int print_pkt(const uint8_t *msg, size_t len)
{
	od_pkt_t pkt;
	int ret = od_pkt_parse(&pkt, msg, len, NULL, 0);
	if (ret != 0) {
		fprintf(stderr, "%s: malformed message (%zu octets): %s\n",
		        prog, len, od_strerror(ret));
		return 1;
	}
	ret = od_pkt_print(&pkt, stdout);
	od_pkt_free(&pkt);
	if (ret != 0) {
		fprintf(stderr, "%s: cannot print the message: %s\n", prog,
		        od_strerror(ret));
		return 1;
	}
	return 0;
}
#endif

static int cmd_pkt(void)
{
	static uint8_t msg[65536];
	size_t len = fread(msg, 1, sizeof(msg), stdin);
	if (ferror(stdin)) {
		fprintf(stderr, "%s: reading stdin: %s\n", prog,
		        strerror(errno));
		return 1;
	}
	if (len == sizeof(msg)) {
		fprintf(stderr, "%s: message longer than 65535 octets\n", prog);
		return 1;
	}
#ifdef ODPRINT_HAVE_PKT
	return print_pkt(msg, len);
#else
	(void)len;
	fprintf(stderr, "%s: built without the message parser (lib/pkt.h)\n",
	        prog);
	return 2;
#endif
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "rdata") == 0)
		return cmd_rdata(argc - 2, argv + 2);
	if (strcmp(argv[1], "rr") == 0 && argc == 2)
		return cmd_rr();
	if (strcmp(argv[1], "pkt") == 0 && argc == 2)
		return cmd_pkt();
	usage();
	return 2;
}
