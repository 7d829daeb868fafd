/* SPDX-License-Identifier: MIT */
/*
 * onedot-zone verify: reads the zone and the trust anchor file, runs
 * od_zone_verify (lib/zone/zverify.h) and prints what it reports.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/zone/scanner.h"
#include "lib/zone/zone.h"
#include "lib/zone/zonemd.h"
#include "lib/zone/zverify.h"

#include "tool.h"

/* Problem lines printed; the rest are only counted. */
#define VERIFY_MAX_SHOWN 100
/* Trust anchor records read. */
#define VERIFY_MAX_ANCHORS 64
/* Problems of the trust anchor file itself (each record at most one,
   plus one for the whole file). */
#define VERIFY_MAX_PENDING (VERIFY_MAX_ANCHORS + 1)

/* One trust anchor record (DS or DNSKEY) from --trust-anchor. */
typedef struct anchor {
	uint8_t owner[OD_NAME_MAXLEN];
	uint16_t type;
	uint16_t rdlen;
	uint8_t *rdata; /* owned (malloc) */
	unsigned line;
} anchor_t;

/* A problem of the trust anchor file, said where the library checks the
   anchors: after the signatures, before the denial chain. */
typedef struct pending {
	const uint8_t *owner; /* into an anchor_t or the zone */
	uint16_t type;
	char msg[OD_NAME_STRLEN + 96];
} pending_t;

typedef struct out {
	FILE *problems; /* problem lines, printed after the ZONEMD line */
	FILE *zonemd;   /* the ZONEMD verdict's detail lines */
	char verdict[512];
	size_t errors, warnings, shown; /* all but the ZONEMD's */
	pending_t pending[VERIFY_MAX_PENDING];
	size_t npending;
} out_t;

static const char *name_str(const uint8_t *name, char *buf, size_t len)
{
	if (od_name_to_str(buf, len, name) < 0)
		snprintf(buf, len, "?");
	return buf;
}

static const char *type_str(uint16_t type, char *buf, size_t len)
{
	if (od_rrtype_to_str(type, buf, len) < 0)
		snprintf(buf, len, "TYPE%u", type);
	return buf;
}

/* One problem line "OWNER TYPE: error: reason" (type 0: no TYPE). */
static void emit(out_t *o, const uint8_t *owner, uint16_t type, bool error,
                 const char *msg)
{
	if (error)
		o->errors++;
	else
		o->warnings++;
	if (o->shown >= VERIFY_MAX_SHOWN)
		return;
	o->shown++;
	char ob[OD_NAME_STRLEN], tb[24];
	name_str(owner, ob, sizeof(ob));
	if (type)
		fprintf(o->problems, "%s %s: %s: %s\n", ob,
		        type_str(type, tb, sizeof(tb)),
		        error ? "error" : "warning", msg);
	else
		fprintf(o->problems, "%s: %s: %s\n", ob,
		        error ? "error" : "warning", msg);
}

static void flush_pending(out_t *o)
{
	for (size_t i = 0; i < o->npending; i++)
		emit(o, o->pending[i].owner, o->pending[i].type, true,
		     o->pending[i].msg);
	o->npending = 0;
}

static void on_problem(void *ctx, const uint8_t *owner, uint16_t type,
                       bool error, od_zv_class_t cls, const char *msg)
{
	out_t *o = ctx;
	if (cls == OD_ZV_ZONEMD) {
		/* The verdict, then one detail line per ZONEMD RR. */
		if (error)
			snprintf(o->verdict, sizeof(o->verdict), "%s", msg);
		else
			fprintf(o->zonemd, "  ZONEMD %s\n", msg);
		return;
	}
	if (cls == OD_ZV_ANCHOR || cls == OD_ZV_CHAIN)
		flush_pending(o);
	emit(o, owner, type, error, msg);
}

/* Trust anchors ---------------------------------------------------------- */

typedef struct ta_ctx {
	anchor_t *v;
	size_t n;
	const char *file;
	bool failed;
} ta_ctx_t;

static int ta_rec(const od_zrec_t *rec, void *ctx)
{
	ta_ctx_t *t = ctx;
	if (t->n == VERIFY_MAX_ANCHORS) {
		fprintf(stderr,
		        "onedot-zone: %s:%u: more than %d trust anchor "
		        "records\n",
		        t->file, rec->line, VERIFY_MAX_ANCHORS);
		t->failed = true;
		return 1;
	}
	anchor_t *a = &t->v[t->n];
	a->rdata = malloc(rec->rdlen + 1u);
	if (a->rdata == NULL) {
		t->failed = true;
		return 1;
	}
	memcpy(a->rdata, rec->rdata, rec->rdlen);
	a->rdlen = rec->rdlen;
	a->type = rec->type;
	a->line = rec->line;
	od_name_copy(a->owner, rec->owner);
	t->n++;
	return 0;
}

static int ta_err(const od_zerr_t *e, void *ctx)
{
	ta_ctx_t *t = ctx;
	t->failed = true;
	fprintf(stderr, "onedot-zone: %s:%u:%u: error: %s\n",
	        e->file ? e->file : t->file, e->line, e->col,
	        e->msg ? e->msg : od_strerror(e->code));
	return 1;
}

/* Read the trust anchor file. Returns an exit code. */
static int read_anchors(const char *path, const uint8_t *origin, anchor_t *v,
                        size_t *n)
{
	ta_ctx_t t = { .v = v, .file = path };
	od_zopts_t so = {
		.origin = origin,
		.no_include = true,
		.on_rec = ta_rec,
		.on_err = ta_err,
		.ctx = &t,
	};
	int r = od_zscan_file(path, &so, NULL);
	*n = t.n;
	if (r < 0 && r > OD_ERROR_BASE && !t.failed) {
		fprintf(stderr, "onedot-zone: %s: %s\n", path, od_strerror(r));
		return EXIT_USAGE;
	}
	if (r != 0 || t.failed) {
		fprintf(stderr, "onedot-zone: %s: trust anchor file not read\n",
		        path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * The anchors od_zone_verify checks: DS and DNSKEY records of the origin.
 * Each other record is a problem of the file, as is a file without any
 * usable record.
 */
static size_t usable_anchors(const anchor_t *v, size_t n, const uint8_t *origin,
                             od_zv_anchor_t *use, out_t *o)
{
	char ob[OD_NAME_STRLEN];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const anchor_t *a = &v[i];
		pending_t *p = &o->pending[o->npending];
		if (a->type != OD_TYPE_DS && a->type != OD_TYPE_DNSKEY) {
			*p = (pending_t){ .owner = a->owner, .type = a->type };
			snprintf(p->msg, sizeof(p->msg),
			         "trust anchor (line %u) is not DS or DNSKEY",
			         a->line);
			o->npending++;
			continue;
		}
		if (!od_name_equal(a->owner, origin)) {
			*p = (pending_t){ .owner = a->owner, .type = a->type };
			snprintf(p->msg, sizeof(p->msg),
			         "trust anchor (line %u) is for another name "
			         "than the origin %s",
			         a->line, name_str(origin, ob, sizeof(ob)));
			o->npending++;
			continue;
		}
		use[k++] = (od_zv_anchor_t){ .type = a->type,
			                     .rdata = a->rdata,
			                     .rdlen = a->rdlen,
			                     .line = a->line };
	}
	if (k == 0) {
		pending_t *p = &o->pending[o->npending++];
		*p = (pending_t){ .owner = origin, .type = OD_TYPE_DNSKEY };
		snprintf(p->msg, sizeof(p->msg),
		         "no DS or DNSKEY record of the origin in the trust "
		         "anchor file");
	}
	return k;
}

/* Output ----------------------------------------------------------------- */

/* Copy a memory stream's text to fp. */
static void put_stream(FILE *fp, FILE *mem, char **text, size_t *len)
{
	if (mem == NULL || fflush(mem) != 0 || *len == 0)
		return;
	fwrite(*text, 1, *len, fp);
}

/* The ZONEMD lines. Returns the summary word; *bad set when invalid. */
static const char *print_zonemd(const char *name, const od_zv_result_t *res,
                                out_t *o, char **ztext, size_t *zlen)
{
	if (res->by_class[OD_ZV_ZONEMD] == 0) {
		if (res->zonemd_checked && res->zonemd == OD_ZONEMD_OK) {
			printf("%s: ZONEMD verified: serial %u, SIMPLE %s\n",
			       name, res->zonemd_serial,
			       hash_name(res->zonemd_hash));
			return "verified";
		}
		fprintf(stderr,
		        "%s: no ZONEMD at the apex: digest not checked\n",
		        name);
		return "none";
	}
	if (!res->zonemd_checked) {
		fprintf(stderr, "onedot-zone: %s: verify: %s\n", name,
		        o->verdict);
		return "not checked";
	}
	fprintf(stderr, "%s: ZONEMD invalid: %s\n", name, o->verdict);
	put_stream(stderr, o->zonemd, ztext, zlen);
	return "invalid";
}

static int verify_zone(const args_t *a, const char *ta_file, uint64_t now)
{
	od_zone_t *z = NULL;
	int ex = load_zone(a, false, &z);
	if (ex != EXIT_OK)
		return ex;
	const char *name = display_name(a->file);
	anchor_t anchors[VERIFY_MAX_ANCHORS];
	od_zv_anchor_t use[VERIFY_MAX_ANCHORS];
	size_t nanchors = 0, nuse = 0;
	char *ptext = NULL, *ztext = NULL;
	size_t plen = 0, zlen = 0;
	out_t *o = calloc(1, sizeof(*o));
	if (o == NULL ||
	    (o->problems = open_memstream(&ptext, &plen)) == NULL ||
	    (o->zonemd = open_memstream(&ztext, &zlen)) == NULL) {
		fprintf(stderr, "onedot-zone: %s: verify: %s\n", name,
		        od_strerror(OD_ENOMEM));
		ex = EXIT_PROBLEM;
		goto out;
	}
	if (ta_file) {
		ex = read_anchors(ta_file, z->origin, anchors, &nanchors);
		if (ex != EXIT_OK)
			goto out;
		nuse = usable_anchors(anchors, nanchors, z->origin, use, o);
	}
	bool is_signed = z->apex && od_znode_rrset(z->apex, OD_TYPE_DNSKEY);
	/* The file's problems are said with the signatures' check. */
	if (!is_signed)
		o->npending = 0;

	od_zv_opts_t opts = {
		.now = now,
		.anchors = use,
		.nanchors = nuse,
		.report = on_problem,
		.ctx = o,
	};
	od_zv_result_t res;
	int r = od_zone_verify(z, &opts, &res);
	flush_pending(o);
	if (!is_signed && ta_file && nuse == 0)
		emit(o, z->origin, OD_TYPE_DNSKEY, true,
		     "trust anchor given, but the zone is not signed (no "
		     "DNSKEY RRset at the apex)");
	const char *zonemd = print_zonemd(name, &res, o, &ztext, &zlen);
	if (r < 0) {
		fprintf(stderr, "onedot-zone: %s: verify: %s\n", name,
		        od_strerror(r));
		o->errors++;
	}
	fflush(stdout);
	put_stream(stdout, o->problems, &ptext, &plen);
	if (o->errors + o->warnings > o->shown)
		printf("... %zu more problems not shown\n",
		       o->errors + o->warnings - o->shown);
	if (is_signed) {
		const char *chain = "";
		if (od_znode_rrset(z->apex, OD_TYPE_NSEC3PARAM))
			chain = res.chain_ok ? "NSEC3 chain ok"
			                     : "NSEC3 chain broken";
		else if (od_znode_rrset(z->apex, OD_TYPE_NSEC))
			chain = res.chain_ok ? "NSEC chain ok"
			                     : "NSEC chain broken";
		else
			chain = "no NSEC/NSEC3 chain";
		printf("%s: %zu RRsets, %zu signatures verified, %s, ZONEMD "
		       "%s: %zu errors, %zu warnings\n",
		       name, res.rrsets, res.verified, chain, zonemd, o->errors,
		       o->warnings);
	} else {
		printf("%s: not signed (no DNSKEY at the apex), ZONEMD %s: "
		       "%zu errors, %zu warnings\n",
		       name, zonemd, o->errors, o->warnings);
	}
	ex = (o->errors || res.by_class[OD_ZV_ZONEMD]) ? EXIT_PROBLEM : EXIT_OK;
out:
	if (o && o->problems)
		fclose(o->problems);
	if (o && o->zonemd)
		fclose(o->zonemd);
	free(ptext);
	free(ztext);
	free(o);
	for (size_t i = 0; i < nanchors; i++)
		free(anchors[i].rdata);
	od_zone_free(z);
	return ex;
}

int cmd_verify(int argc, char **argv)
{
	args_t a = { .hash = OD_ZONEMD_HASH_SHA384 };
	const char *ta_file = NULL;
	uint64_t now = (uint64_t)time(NULL);
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(s, "-o") == 0 || strcmp(s, "--origin") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			a.origin_str = argv[i];
		} else if (strcmp(s, "--trust-anchor") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			ta_file = argv[i];
		} else if (strcmp(s, "--time") == 0) {
			if (++i >= argc)
				return bad_usage("%s needs an argument", s);
			uint32_t t;
			if (parse_sigtime(argv[i], &t) < 0)
				return bad_usage(
				        "bad time '%s' (YYYYMMDDHHmmSS "
				        "or seconds since the epoch)",
				        argv[i]);
			now = t;
		} else if (s[0] == '-' && s[1] != '\0') {
			return bad_usage("unknown option '%s'", s);
		} else if (a.file == NULL) {
			a.file = s;
		} else {
			return bad_usage("unexpected argument '%s'", s);
		}
	}
	if (a.file == NULL)
		return bad_usage("%s", "verify: no zone file given");
	if (a.origin_str) {
		/* The origin is absolute whether or not it ends with a dot. */
		if (od_name_from_str(a.origin, a.origin_str,
		                     strlen(a.origin_str),
		                     (const uint8_t *)"") < 0)
			return bad_usage("bad origin '%s'", a.origin_str);
		a.have_origin = true;
	}
	return verify_zone(&a, ta_file, now);
}
