/* SPDX-License-Identifier: MIT */
/*
 * Fetching a copy of the root zone (src/daemon/lr_fetch.h): zone text
 * parsed as the root zone (an unknown type loads, the first syntax error
 * is reported with its line, another zone is refused), file: sources
 * (new copy, unreadable, same serial, older serial), applying IXFR
 * differences (add and delete, a delete of a missing record, several
 * differences in a row) and AXFR/IXFR against a small primary run in a
 * thread of the test (several messages, truncation, TSIG good and bad,
 * same and older serial after the SOA query, IXFR applied, IXFR that does
 * not apply followed by AXFR, connection refused, stop) and HTTP against
 * a small web server in a thread (new copy, redirect, same serial, 404).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/lr_fetch.h"
#include "lib/error.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/tsig.h"
#include "lib/wire.h"

static const uint8_t ROOT[1] = { 0 };

static int reason(int rc)
{
	assert_true(rc < 0);
	return (int)odd_lr_fetch_reason(rc);
}

/* A small root zone of serial `serial`; v2 drops "gone" and adds "new". */
static char *zone_text(uint32_t serial, int version)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf),
	         ". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. "
	         "%u 1800 900 604800 86400\n"
	         ". 518400 IN NS a.root-servers.net.\n"
	         ". 518400 IN NS b.root-servers.net.\n"
	         ". 86400 IN TYPE65400 \\# 4 01020304\n"
	         "a.root-servers.net. 518400 IN A 198.41.0.4\n"
	         "b.root-servers.net. 518400 IN A 170.247.170.2\n"
	         "com. 172800 IN NS a.gtld-servers.net.\n"
	         "a.gtld-servers.net. 172800 IN A 192.5.6.30\n"
	         "org. 172800 IN NS a0.org.afilias-nst.info.\n"
	         "%s",
	         serial,
	         version == 1 ? "gone. 172800 IN NS ns.gone.example.\n"
	                      : "new. 172800 IN NS ns.new.example.\n"
	                        "org. 172800 IN NS b0.org.afilias-nst.org.\n");
	return buf;
}

static od_zone_t *parse_ok(const char *text)
{
	od_zone_t *z = NULL;
	char err[256] = "";
	int rc = odd_lr_parse_text(text, strlen(text), "t.zone", &z, err,
	                           sizeof(err));
	if (rc)
		fail_msg("parse: %s", err);
	assert_non_null(z);
	return z;
}

static uint32_t serial_of(const od_zone_t *z)
{
	uint32_t s = 0;
	assert_int_equal(od_zone_serial(z, &s), 0);
	return s;
}

static bool has(const od_zone_t *z, const char *name, uint16_t type)
{
	uint8_t n[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(n, name, strlen(name), NULL) > 0);
	const od_znode_t *nd = od_zone_find(z, n);
	return nd && od_znode_rrset(nd, type);
}

static size_t count_rrs(const od_zone_t *z, const char *name, uint16_t type)
{
	uint8_t n[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(n, name, strlen(name), NULL) > 0);
	const od_znode_t *nd = od_zone_find(z, n);
	const od_zrrset_t *s = nd ? od_znode_rrset(nd, type) : NULL;
	return s ? s->count : 0;
}

/* Zone text -------------------------------------------------------- */

static void test_parse_good(void **state)
{
	(void)state;
	od_zone_t *z = parse_ok(zone_text(2024010101, 1));
	assert_int_equal(serial_of(z), 2024010101);
	assert_true(z->finalized);
	assert_true(has(z, ".", 65400));
	assert_true(has(z, "com.", OD_TYPE_NS));
	od_zone_free(z);
}

static void test_parse_syntax(void **state)
{
	(void)state;
	const char *text = ". 86400 IN SOA a. b. 1 1800 900 604800 86400\n"
	                   ". 86400 IN NS a.root-servers.net.\n"
	                   "com. 172800 IN A 192.0.2.300\n"
	                   "org. 172800 IN NS a.org.\n";
	od_zone_t *z = NULL;
	char err[256] = "";
	int rc = odd_lr_parse_text(text, strlen(text), "root.zone", &z, err,
	                           sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_PARSE);
	assert_null(z);
	/* NAME:LINE:COL: what */
	assert_true(strncmp(err, "root.zone:3:", 12) == 0);
	assert_non_null(strchr(err + 12, ':'));
	assert_true(strlen(err) > 16);

	/* An $INCLUDE in a downloaded zone is refused. */
	const char *inc = ". 86400 IN SOA a. b. 1 1800 900 604800 86400\n"
	                  "$INCLUDE /etc/passwd\n";
	rc = odd_lr_parse_text(inc, strlen(inc), "root.zone", &z, err,
	                       sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_PARSE);
	assert_true(strncmp(err, "root.zone:2:", 12) == 0);
}

static void test_parse_not_root(void **state)
{
	(void)state;
	const char *text =
	        "$ORIGIN example.\n"
	        "@ 3600 IN SOA ns hostmaster 5 1800 900 604800 86400\n"
	        "@ 3600 IN NS ns\n"
	        "ns 3600 IN A 192.0.2.1\n";
	od_zone_t *z = NULL;
	char err[256] = "";
	int rc = odd_lr_parse_text(text, strlen(text), "x.zone", &z, err,
	                           sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_PARSE);
	assert_null(z);
	assert_string_equal(err, "x.zone: the zone is example., not the root "
	                         "zone");

	/* No SOA at all. */
	const char *nosoa = ". 518400 IN NS a.root-servers.net.\n";
	rc = odd_lr_parse_text(nosoa, strlen(nosoa), "y.zone", &z, err,
	                       sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_PARSE);
	assert_string_equal(err, "y.zone: no SOA record for the root");

	/* Another class is a syntax error of the scanner. */
	const char *ch = ". 86400 CH SOA a. b. 1 1800 900 604800 86400\n";
	rc = odd_lr_parse_text(ch, strlen(ch), "c.zone", &z, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_PARSE);
	assert_true(strncmp(err, "c.zone:1:", 9) == 0);
}

/* file: ------------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static odd_lr_source_t file_src(char *path)
{
	static char text[300];
	snprintf(text, sizeof(text), "file:%s", path);
	return (odd_lr_source_t){ .kind = ODD_LR_FILE,
		                  .text = text,
		                  .target = path };
}

static void test_file_source(void **state)
{
	(void)state;
	char path[] = "/tmp/lr_fetch_testXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	odd_lr_source_t src = file_src(path);
	odd_lr_conf_t lc = { .ixfr = true };
	odd_lr_fetched_t out;
	char err[256] = "";

	/* New copy. */
	write_file(path, zone_text(2024010102, 2));
	int rc = odd_lr_fetch(&src, &lc, NULL, NULL, &out, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_non_null(out.zone);
	assert_false(out.unchanged);
	assert_false(out.ixfr);
	assert_int_equal(out.serial, 2024010102);
	assert_int_equal(out.bytes, strlen(zone_text(2024010102, 2)));
	assert_true(has(out.zone, "new.", OD_TYPE_NS));
	assert_true(has(out.zone, ".", 65400));

	/* Same serial as the copy held: unchanged, no zone. */
	od_zone_t *have = out.zone;
	rc = odd_lr_fetch(&src, &lc, have, NULL, &out, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_true(out.unchanged);
	assert_null(out.zone);
	assert_int_equal(out.serial, 2024010102);

	/* Older serial (RFC 1982: 2024010101 < 2024010102). */
	write_file(path, zone_text(2024010101, 1));
	rc = odd_lr_fetch(&src, &lc, have, NULL, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_OLDER);
	assert_non_null(strstr(err, "2024010101"));
	assert_non_null(strstr(err, "older"));

	/* Serial wrapped around: 5 is newer than 4294967290. */
	od_zone_t *big = parse_ok(zone_text(4294967290u, 1));
	write_file(path, zone_text(5, 2));
	rc = odd_lr_fetch(&src, &lc, big, NULL, &out, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(out.serial, 5);
	assert_non_null(out.zone);
	od_zone_free(out.zone);
	od_zone_free(big);

	/* Syntax error: parse. */
	write_file(path, ". 86400 IN SOA a. b. 1 1800 900 604800 86400\n"
	                 "com. NS\n");
	rc = odd_lr_fetch(&src, &lc, have, NULL, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_PARSE);
	assert_true(strncmp(err, src.text, strlen(src.text)) == 0);
	assert_non_null(strstr(err, ":2:"));

	/* Unreadable: fetch. */
	unlink(path);
	rc = odd_lr_fetch(&src, &lc, have, NULL, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	char want[400];
	snprintf(want, sizeof(want), "%s: No such file or directory", src.text);
	assert_string_equal(err, want);
	od_zone_free(have);

	/* A directory is not a zone file. */
	src = file_src((char *)"/tmp");
	rc = odd_lr_fetch(&src, &lc, NULL, NULL, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
}

/* IXFR application ------------------------------------------------- */

/* Records from zone text lines, in order (memory lives until rrs_free). */
typedef struct rrs {
	od_rr_t v[64];
	size_t n;
	void *mem[128];
	size_t nmem;
} rrs_t;

static void *keep(rrs_t *r, const void *p, size_t len)
{
	void *m = malloc(len ? len : 1);
	assert_non_null(m);
	memcpy(m, p, len);
	r->mem[r->nmem++] = m;
	return m;
}

static int on_rec(const od_zrec_t *rec, void *ctx)
{
	rrs_t *r = ctx;
	assert_true(r->n < 64);
	r->v[r->n++] = (od_rr_t){
		.owner = keep(r, rec->owner, od_name_len(rec->owner)),
		.rdata = keep(r, rec->rdata, rec->rdlen),
		.ttl = rec->ttl,
		.type = rec->type,
		.rclass = rec->rclass,
		.rdlen = rec->rdlen,
	};
	return 0;
}

static void rrs_parse(rrs_t *r, const char *text)
{
	memset(r, 0, sizeof(*r));
	od_zopts_t o = { .origin = ROOT, .on_rec = on_rec, .ctx = r };
	assert_int_equal(od_zscan_mem(text, strlen(text), "ixfr", &o, NULL), 0);
}

static void rrs_free(rrs_t *r)
{
	for (size_t i = 0; i < r->nmem; i++)
		free(r->mem[i]);
}

#define SOA(serial)                                                            \
	". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. " #serial  \
	" 1800 900 604800 86400\n"

static void test_ixfr_apply(void **state)
{
	(void)state;
	od_zone_t *have = parse_ok(zone_text(2024010101, 1));
	rrs_t r;
	/* 101 -> 102: gone. removed, new. added, an org. NS added, a TTL
	 * changed (removed and added with another TTL), names in a case
	 * other than the copy's. */
	rrs_parse(
	        &r,
	        SOA(2024010102) SOA(
	                2024010101) "GONE. 172800 IN NS NS.Gone.Example.\n"
	                            "com. 172800 IN NS a.gtld-servers.net.\n" SOA(
	                                    2024010102) "new. 172800 IN NS ns.new.example.\n"
	                                                "org. 172800 IN NS b0.org.afilias-nst.org.\n"
	                                                "com. 3600 IN NS a.gtld-servers.net.\n" SOA(
	                                                        2024010102));
	od_zone_t *z = NULL;
	char err[256] = "";
	int rc = odd_lr_ixfr_apply(have, r.v, r.n, &z, err, sizeof(err));
	if (rc)
		fail_msg("apply: %s", err);
	assert_true(z->finalized);
	assert_int_equal(serial_of(z), 2024010102);
	assert_false(has(z, "gone.", OD_TYPE_NS));
	assert_true(has(z, "new.", OD_TYPE_NS));
	assert_int_equal(count_rrs(z, "org.", OD_TYPE_NS), 2);
	assert_int_equal(count_rrs(z, ".", OD_TYPE_SOA), 1);
	assert_true(has(z, ".", 65400));
	uint8_t com[] = { 3, 'c', 'o', 'm', 0 };
	assert_int_equal(od_znode_rrset(od_zone_find(z, com), OD_TYPE_NS)->ttl,
	                 3600);
	/* The copy is left alone. */
	assert_int_equal(serial_of(have), 2024010101);
	assert_true(has(have, "gone.", OD_TYPE_NS));
	/* Same as the whole v2 zone, but for the TTL of com. NS. */
	od_zone_t *v2 = parse_ok(zone_text(2024010102, 2));
	assert_int_equal(z->stats.records, v2->stats.records);
	od_zone_free(v2);
	od_zone_free(z);
	rrs_free(&r);
	od_zone_free(have);
}

static void test_ixfr_apply_missing(void **state)
{
	(void)state;
	od_zone_t *have = parse_ok(zone_text(2024010101, 1));
	rrs_t r;
	od_zone_t *z = NULL;
	char err[256] = "";

	/* A record to delete that the copy does not have. */
	rrs_parse(
	        &r,
	        SOA(2024010102)
	                SOA(2024010101) "gone. 172800 IN NS ns.other.example.\n" SOA(
	                        2024010102) SOA(2024010102));
	int rc = odd_lr_ixfr_apply(have, r.v, r.n, &z, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_null(z);
	assert_string_equal(err, "IXFR: a record to delete is not in the "
	                         "copy: gone. NS");
	rrs_free(&r);

	/* The difference starts from another version. */
	rrs_parse(&r, SOA(2024010102) SOA(2024010100) SOA(2024010102)
	                      SOA(2024010102));
	rc = odd_lr_ixfr_apply(have, r.v, r.n, &z, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_string_equal(err, "IXFR: a difference starts at serial "
	                         "2024010100, the copy is at 2024010101");
	rrs_free(&r);

	/* The differences stop short of the version announced. */
	rrs_parse(&r, SOA(2024010103) SOA(2024010101) SOA(2024010102)
	                      SOA(2024010103));
	rc = odd_lr_ixfr_apply(have, r.v, r.n, &z, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_non_null(strstr(err, "2024010102"));
	rrs_free(&r);

	/* A difference without its new SOA. */
	rrs_parse(
	        &r,
	        SOA(2024010102)
	                SOA(2024010101) "gone. 172800 IN NS ns.gone.example.\n" SOA(
	                        2024010102));
	rc = odd_lr_ixfr_apply(have, r.v, r.n, &z, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_string_equal(err, "IXFR: a difference without its new SOA");
	rrs_free(&r);
	od_zone_free(have);
}

static void test_ixfr_apply_steps(void **state)
{
	(void)state;
	od_zone_t *have = parse_ok(zone_text(2024010101, 1));
	rrs_t r;
	/* 101 -> 102 adds x., 102 -> 103 removes it again and gone.,
	 * 103 -> 104 adds y.; deleting x. in step 2 works only if step 1
	 * was applied first. */
	rrs_parse(
	        &r,
	        SOA(2024010104) SOA(2024010101) SOA(2024010102) "x. 3600 IN NS ns.x.example.\n" SOA(
	                2024010102) "x. 3600 IN NS ns.x.example.\n"
	                            "gone. 172800 IN NS ns.gone.example.\n" SOA(
	                                    2024010103) SOA(2024010103)
	                                    SOA(2024010104) "y. 3600 IN NS ns.y.example.\n"
	                                                    "y. 3600 IN NS ns2.y.example.\n" SOA(
	                                                            2024010104));
	od_zone_t *z = NULL;
	char err[256] = "";
	int rc = odd_lr_ixfr_apply(have, r.v, r.n, &z, err, sizeof(err));
	if (rc)
		fail_msg("apply: %s", err);
	assert_int_equal(serial_of(z), 2024010104);
	assert_false(has(z, "x.", OD_TYPE_NS));
	assert_false(has(z, "gone.", OD_TYPE_NS));
	assert_int_equal(count_rrs(z, "y.", OD_TYPE_NS), 2);
	assert_int_equal(count_rrs(z, ".", OD_TYPE_SOA), 1);
	od_zone_free(z);

	/* The same, but step 2 deletes x. before step 1 was announced:
	 * the order matters. */
	rrs_free(&r);
	rrs_parse(&r,
	          SOA(2024010102)
	                  SOA(2024010101) "x. 3600 IN NS ns.x.example.\n" SOA(
	                          2024010102) SOA(2024010102));
	rc = odd_lr_ixfr_apply(have, r.v, r.n, &z, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_string_equal(err, "IXFR: a record to delete is not in the "
	                         "copy: x. NS");
	rrs_free(&r);
	od_zone_free(have);
}

/* A primary in a thread -------------------------------------------- */

#define PRIMARY "127.31.250.1"

typedef struct primary {
	int lfd;
	uint16_t port;
	pthread_t thr;
	const od_zone_t *zone; /* served by AXFR and SOA */
	const od_rr_t *ixfr;   /* IXFR answer (NULL: as AXFR) */
	size_t nixfr;
	size_t per_msg;           /* records per message */
	size_t cut_after;         /* close after this many records (0: never) */
	bool ignore;              /* accept, read, answer nothing */
	_Atomic bool *set_stop;   /* set once the query was read */
	const od_tsig_key_t *key; /* the server's key, or NULL */
	int conns;                /* connections served */
	uint16_t qtypes[8];       /* query types seen */
} primary_t;

static bool read_all(int fd, uint8_t *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t r = recv(fd, buf + off, n - off, 0);
		if (r <= 0)
			return false;
		off += (size_t)r;
	}
	return true;
}

static bool send_msg(int fd, const uint8_t *msg, size_t len)
{
	uint8_t lb[2];
	od_put_u16(lb, (uint16_t)len);
	return send(fd, lb, 2, MSG_NOSIGNAL) == 2 &&
	       send(fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/* The records of z in AXFR order: SOA, the others, SOA. */
static size_t axfr_records(const od_zone_t *z, od_rr_t *v, size_t cap)
{
	size_t n = 0;
	const od_zrrset_t *soa = od_zone_soa(z);
	od_rr_t s = { .owner = ROOT,
		      .rdata = soa->rrs[0]->data,
		      .rdlen = soa->rrs[0]->len,
		      .ttl = soa->ttl,
		      .type = OD_TYPE_SOA,
		      .rclass = OD_CLASS_IN };
	v[n++] = s;
	for (size_t i = 0; i < z->nnodes; i++)
		for (size_t j = 0; j < z->nodes[i]->nsets; j++) {
			const od_zrrset_t *set = &z->nodes[i]->sets[j];
			if (set->type == OD_TYPE_SOA)
				continue;
			for (size_t k = 0; k < set->count; k++) {
				assert_true(n + 1 < cap);
				v[n++] = (od_rr_t){
					.owner = z->nodes[i]->owner,
					.rdata = set->rrs[k]->data,
					.rdlen = set->rrs[k]->len,
					.ttl = set->rrs[k]->ttl,
					.type = set->type,
					.rclass = set->rclass,
				};
			}
		}
	v[n++] = s;
	return n;
}

static void serve_one(primary_t *pr, int fd)
{
	uint8_t lb[2], q[OD_PKT_MAXLEN], m[OD_PKT_MAXLEN];
	if (!read_all(fd, lb, 2) || !read_all(fd, q, od_get_u16(lb)))
		return;
	size_t qlen = od_get_u16(lb);
	od_pkt_t p;
	if (od_pkt_parse(&p, q, qlen, NULL, 0) != 0)
		return;
	const od_question_t *qq = od_pkt_question(&p);
	uint16_t qtype = qq ? qq->qtype : 0;
	if (pr->conns < 8)
		pr->qtypes[pr->conns] = qtype;
	pr->conns++;
	od_tsig_ctx_t tctx;
	bool tsig = false;
	uint16_t rcode = 0;
	if (pr->key) {
		od_tsig_keyring_t kr = { .keys = pr->key, .n = 1 };
		if (p.tsig == NULL)
			rcode = OD_RCODE_REFUSED;
		else if (od_tsig_verify_query(&tctx, &kr, q, qlen, &p,
		                              (uint64_t)time(NULL)) != 0)
			rcode = OD_RCODE_NOTAUTH;
		tsig = p.tsig != NULL;
	}
	od_hdr_t h = { .id = p.hdr.id, .qr = true, .aa = true };
	od_pkt_free(&p);
	if (pr->set_stop)
		*pr->set_stop = true;
	if (pr->ignore)
		return;
	od_rr_t v[128];
	size_t n;
	if (rcode) {
		n = 0;
	} else if (qtype == OD_TYPE_IXFR && pr->ixfr) {
		memcpy(v, pr->ixfr, pr->nixfr * sizeof(*v));
		n = pr->nixfr;
	} else {
		n = axfr_records(pr->zone, v, 128);
		if (qtype == OD_TYPE_SOA)
			n = 1;
	}
	size_t sent = 0;
	bool first = true;
	do {
		od_pkt_w_t b;
		assert_int_equal(od_pkt_w_init(&b, m, sizeof(m), &h), 0);
		if (tsig)
			assert_int_equal(
			        od_pkt_w_reserve(&b, od_tsig_space(&tctx)), 0);
		if (first)
			assert_int_equal(od_pkt_w_question(&b, ROOT, qtype,
			                                   OD_CLASS_IN),
			                 0);
		od_pkt_w_rcode(&b, rcode);
		size_t k = 0;
		while (sent < n && k < pr->per_msg) {
			if (pr->cut_after && sent == pr->cut_after)
				break;
			assert_int_equal(
			        od_pkt_w_rrset(&b, OD_ANSWER, &v[sent], 1), 0);
			sent++;
			k++;
		}
		int len = od_pkt_w_finish(&b);
		assert_true(len > 0);
		if (tsig)
			len = od_tsig_sign(&tctx, &b, (uint64_t)time(NULL));
		assert_true(len > 0);
		if (!send_msg(fd, m, (size_t)len))
			return;
		first = false;
	} while (sent < n && !(pr->cut_after && sent == pr->cut_after));
}

static void *primary_run(void *arg)
{
	primary_t *pr = arg;
	for (;;) {
		struct pollfd pf = { .fd = pr->lfd, .events = POLLIN };
		if (poll(&pf, 1, 5000) <= 0)
			break;
		int fd = accept(pr->lfd, NULL, NULL);
		if (fd < 0)
			break;
		serve_one(pr, fd);
		if (pr->ignore) {
			/* Hold the connection until the client gives up. */
			uint8_t b;
			while (recv(fd, &b, 1, 0) > 0)
				;
		}
		close(fd);
	}
	return NULL;
}

static void primary_start(primary_t *pr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, PRIMARY, &sa.sin_addr);
	pr->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(pr->lfd >= 0);
	int one = 1;
	setsockopt(pr->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(pr->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	getsockname(pr->lfd, (struct sockaddr *)&sa, &sl);
	pr->port = ntohs(sa.sin_port);
	assert_int_equal(listen(pr->lfd, 8), 0);
	if (pr->per_msg == 0)
		pr->per_msg = 3;
	assert_int_equal(pthread_create(&pr->thr, NULL, primary_run, pr), 0);
}

/* Stop accepting (the thread ends at the next poll timeout or error). */
static void primary_stop(primary_t *pr)
{
	shutdown(pr->lfd, SHUT_RDWR);
	pthread_join(pr->thr, NULL);
	close(pr->lfd);
}

static odd_lr_source_t axfr_src(uint16_t port, char *text, size_t cap)
{
	odd_lr_source_t s = { .kind = ODD_LR_AXFR, .text = text };
	snprintf(text, cap, "axfr://%s@%u", PRIMARY, port);
	struct sockaddr_in *sa = (struct sockaddr_in *)&s.addr;
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	inet_pton(AF_INET, PRIMARY, &sa->sin_addr);
	s.addrlen = sizeof(*sa);
	return s;
}

static void test_axfr(void **state)
{
	(void)state;
	od_zone_t *v1 = parse_ok(zone_text(2024010101, 1));
	primary_t pr = { .zone = v1, .per_msg = 2 };
	primary_start(&pr);
	char text[64], err[256] = "";
	odd_lr_source_t src = axfr_src(pr.port, text, sizeof(text));
	odd_lr_conf_t lc = { .ixfr = true };
	odd_lr_fetched_t out;
	int rc = odd_lr_fetch(&src, &lc, NULL, NULL, &out, err, sizeof(err));
	primary_stop(&pr);
	if (rc)
		fail_msg("fetch: %s", err);
	assert_int_equal(pr.conns, 1);
	assert_int_equal(pr.qtypes[0], OD_TYPE_AXFR);
	assert_non_null(out.zone);
	assert_false(out.unchanged);
	assert_false(out.ixfr);
	assert_int_equal(out.serial, 2024010101);
	assert_true(out.bytes > 0);
	assert_int_equal(out.zone->stats.records, v1->stats.records);
	assert_true(has(out.zone, ".", 65400));
	assert_true(has(out.zone, "gone.", OD_TYPE_NS));
	od_zone_free(out.zone);
	od_zone_free(v1);
}

static void test_axfr_truncated(void **state)
{
	(void)state;
	od_zone_t *v1 = parse_ok(zone_text(2024010101, 1));
	primary_t pr = { .zone = v1, .per_msg = 2, .cut_after = 5 };
	primary_start(&pr);
	char text[64], err[256] = "";
	odd_lr_source_t src = axfr_src(pr.port, text, sizeof(text));
	odd_lr_conf_t lc = { .ixfr = true };
	odd_lr_fetched_t out = { 0 };
	int rc = odd_lr_fetch(&src, &lc, NULL, NULL, &out, err, sizeof(err));
	primary_stop(&pr);
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_null(out.zone);
	char want[128];
	snprintf(want, sizeof(want), "%s: transfer truncated after 5 records",
	         text);
	assert_string_equal(err, want);
	od_zone_free(v1);
}

static void set_key(od_tsig_key_t *k, const char *secret)
{
	assert_int_equal(od_tsig_key_set(k, "xfr-key", "hmac-sha256", secret,
	                                 NULL, 0),
	                 0);
}

static void test_axfr_tsig(void **state)
{
	(void)state;
	od_zone_t *v1 = parse_ok(zone_text(2024010101, 1));
	od_zone_t *v2 = parse_ok(zone_text(2024010102, 2));
	od_tsig_key_t good, bad;
	set_key(&good, "ZGhzYWtqZGhha2pzZGhha2pzZGhha2pzZGhha2pzZGg=");
	set_key(&bad, "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyb3Q=");
	char text[64], err[256] = "";
	odd_lr_fetched_t out;

	/* Signed query, every message signed and verified; SOA query
	 * first (a copy is held), then AXFR (ixfr off). */
	primary_t pr = { .zone = v2, .per_msg = 2, .key = &good };
	primary_start(&pr);
	odd_lr_source_t src = axfr_src(pr.port, text, sizeof(text));
	odd_lr_conf_t lc = { .ixfr = false, .has_tsig = true, .tsig = good };
	int rc = odd_lr_fetch(&src, &lc, v1, NULL, &out, err, sizeof(err));
	primary_stop(&pr);
	if (rc)
		fail_msg("fetch: %s", err);
	assert_int_equal(pr.conns, 2);
	assert_int_equal(pr.qtypes[0], OD_TYPE_SOA);
	assert_int_equal(pr.qtypes[1], OD_TYPE_AXFR);
	assert_int_equal(out.serial, 2024010102);
	assert_true(has(out.zone, "new.", OD_TYPE_NS));
	od_zone_free(out.zone);

	/* The server has another secret: it answers NOTAUTH/BADSIG. */
	primary_t pr2 = { .zone = v2, .key = &bad };
	primary_start(&pr2);
	src = axfr_src(pr2.port, text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, NULL, NULL, &out, err, sizeof(err));
	primary_stop(&pr2);
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	char want[128];
	snprintf(want, sizeof(want), "%s: TSIG verification failed: BADSIG",
	         text);
	assert_string_equal(err, want);

	/* A key configured, the primary answers unsigned. */
	primary_t pr3 = { .zone = v2 };
	primary_start(&pr3);
	src = axfr_src(pr3.port, text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, NULL, NULL, &out, err, sizeof(err));
	primary_stop(&pr3);
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_non_null(strstr(err, "without TSIG"));
	od_zone_free(v1);
	od_zone_free(v2);
}

static void test_axfr_serials(void **state)
{
	(void)state;
	od_zone_t *v1 = parse_ok(zone_text(2024010101, 1));
	od_zone_t *v2 = parse_ok(zone_text(2024010102, 2));
	char text[64], err[256] = "";
	odd_lr_conf_t lc = { .ixfr = true };
	odd_lr_fetched_t out;

	/* Same serial: one SOA query, nothing transferred. */
	primary_t pr = { .zone = v1 };
	primary_start(&pr);
	odd_lr_source_t src = axfr_src(pr.port, text, sizeof(text));
	int rc = odd_lr_fetch(&src, &lc, v1, NULL, &out, err, sizeof(err));
	primary_stop(&pr);
	if (rc)
		fail_msg("fetch: %s", err);
	assert_int_equal(pr.conns, 1);
	assert_int_equal(pr.qtypes[0], OD_TYPE_SOA);
	assert_true(out.unchanged);
	assert_null(out.zone);
	assert_int_equal(out.serial, 2024010101);

	/* The primary is behind the copy. */
	primary_t pr2 = { .zone = v1 };
	primary_start(&pr2);
	src = axfr_src(pr2.port, text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, v2, NULL, &out, err, sizeof(err));
	primary_stop(&pr2);
	assert_int_equal(reason(rc), ODD_LRF_OLDER);
	assert_int_equal(pr2.conns, 1);
	od_zone_free(v1);
	od_zone_free(v2);
}

static void test_ixfr(void **state)
{
	(void)state;
	od_zone_t *v1 = parse_ok(zone_text(2024010101, 1));
	od_zone_t *v2 = parse_ok(zone_text(2024010102, 2));
	rrs_t r;
	rrs_parse(
	        &r,
	        SOA(2024010102) SOA(2024010101) "gone. 172800 IN NS ns.gone.example.\n" SOA(
	                2024010102) "new. 172800 IN NS ns.new.example.\n"
	                            "org. 172800 IN NS b0.org.afilias-nst.org.\n" SOA(
	                                    2024010102));
	char text[64], err[256] = "";
	odd_lr_conf_t lc = { .ixfr = true };
	odd_lr_fetched_t out;

	/* SOA query, then IXFR applied to the copy. */
	primary_t pr = { .zone = v2, .ixfr = r.v, .nixfr = r.n, .per_msg = 2 };
	primary_start(&pr);
	odd_lr_source_t src = axfr_src(pr.port, text, sizeof(text));
	int rc = odd_lr_fetch(&src, &lc, v1, NULL, &out, err, sizeof(err));
	primary_stop(&pr);
	if (rc)
		fail_msg("fetch: %s", err);
	assert_int_equal(pr.conns, 2);
	assert_int_equal(pr.qtypes[1], OD_TYPE_IXFR);
	assert_true(out.ixfr);
	assert_false(out.unchanged);
	assert_int_equal(out.serial, 2024010102);
	assert_true(has(out.zone, "new.", OD_TYPE_NS));
	assert_false(has(out.zone, "gone.", OD_TYPE_NS));
	assert_int_equal(out.zone->stats.records, v2->stats.records);
	od_zone_free(out.zone);
	rrs_free(&r);

	/* A difference that does not apply (deletes a record the copy
	 * does not have): one AXFR follows. */
	rrs_parse(
	        &r,
	        SOA(2024010102)
	                SOA(2024010101) "gone. 172800 IN NS ns.elsewhere.example.\n" SOA(
	                        2024010102) SOA(2024010102));
	primary_t pr2 = { .zone = v2, .ixfr = r.v, .nixfr = r.n };
	primary_start(&pr2);
	src = axfr_src(pr2.port, text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, v1, NULL, &out, err, sizeof(err));
	primary_stop(&pr2);
	if (rc)
		fail_msg("fetch: %s", err);
	assert_int_equal(pr2.conns, 3);
	assert_int_equal(pr2.qtypes[1], OD_TYPE_IXFR);
	assert_int_equal(pr2.qtypes[2], OD_TYPE_AXFR);
	assert_false(out.ixfr);
	assert_true(has(out.zone, "new.", OD_TYPE_NS));
	assert_false(has(out.zone, "gone.", OD_TYPE_NS));
	od_zone_free(out.zone);
	rrs_free(&r);

	/* The AXFR form in answer to IXFR (no journal at the primary). */
	primary_t pr3 = { .zone = v2 };
	primary_start(&pr3);
	src = axfr_src(pr3.port, text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, v1, NULL, &out, err, sizeof(err));
	primary_stop(&pr3);
	if (rc)
		fail_msg("fetch: %s", err);
	assert_int_equal(pr3.conns, 2);
	assert_int_equal(pr3.qtypes[1], OD_TYPE_IXFR);
	assert_false(out.ixfr);
	assert_int_equal(out.zone->stats.records, v2->stats.records);
	od_zone_free(out.zone);
	od_zone_free(v1);
	od_zone_free(v2);
}

static void test_axfr_refused_and_stop(void **state)
{
	(void)state;
	char text[64], err[256] = "";
	odd_lr_conf_t lc = { .ixfr = true };
	odd_lr_fetched_t out;

	/* Nobody listens on the port. */
	primary_t pr = { 0 };
	primary_start(&pr);
	uint16_t port = pr.port;
	primary_stop(&pr);
	odd_lr_source_t src = axfr_src(port, text, sizeof(text));
	int rc = odd_lr_fetch(&src, &lc, NULL, NULL, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	char want[128];
	snprintf(want, sizeof(want), "%s: connect: Connection refused", text);
	assert_string_equal(err, want);

	/* A primary that never answers, and a stop request once it has
	 * the query. */
	od_zone_t *v1 = parse_ok(zone_text(2024010101, 1));
	_Atomic bool stop = false;
	primary_t pr2 = { .zone = v1, .ignore = true, .set_stop = &stop };
	primary_start(&pr2);
	src = axfr_src(pr2.port, text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, NULL, &stop, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	snprintf(want, sizeof(want), "%s: stopped", text);
	assert_string_equal(err, want);
	primary_stop(&pr2);
	assert_int_equal(pr2.conns, 1);

	/* Stopped before anything. */
	rc = odd_lr_fetch(&src, &lc, NULL, &stop, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	assert_string_equal(err, want);
	od_zone_free(v1);
}

/* HTTP ------------------------------------------------------------ */

/* A web server in a thread: /root.zone (the v2 zone), /moved (302 to
 * /root.zone), anything else 404; one request per connection. */
typedef struct web {
	int lfd;
	uint16_t port;
	pthread_t thr;
	int requests;
} web_t;

static void *web_run(void *arg)
{
	web_t *w = arg;
	for (;;) {
		struct pollfd pf = { .fd = w->lfd, .events = POLLIN };
		if (poll(&pf, 1, 5000) <= 0)
			break;
		int fd = accept(w->lfd, NULL, NULL);
		if (fd < 0)
			break;
		char req[2048];
		size_t n = 0;
		while (n < sizeof(req) - 1) {
			ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);
			if (r <= 0)
				break;
			n += (size_t)r;
			req[n] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[n] = '\0';
		w->requests++;
		char resp[4096];
		int len;
		if (strncmp(req, "GET /root.zone ", 15) == 0) {
			const char *body = zone_text(2024010102, 2);
			len = snprintf(resp, sizeof(resp),
			               "HTTP/1.1 200 OK\r\nContent-Length: "
			               "%zu\r\nConnection: close\r\n\r\n%s",
			               strlen(body), body);
		} else if (strncmp(req, "GET /moved ", 11) == 0) {
			len = snprintf(resp, sizeof(resp),
			               "HTTP/1.1 302 Found\r\nLocation: "
			               "/root.zone\r\nContent-Length: 0\r\n"
			               "Connection: close\r\n\r\n");
		} else {
			len = snprintf(resp, sizeof(resp),
			               "HTTP/1.1 404 Not Found\r\n"
			               "Content-Length: 0\r\n"
			               "Connection: close\r\n\r\n");
		}
		send(fd, resp, (size_t)len, MSG_NOSIGNAL);
		close(fd);
	}
	return NULL;
}

static odd_lr_source_t http_src(uint16_t port, const char *path, char *text,
                                size_t cap)
{
	snprintf(text, cap, "http://%s:%u%s", PRIMARY, port, path);
	return (odd_lr_source_t){ .kind = ODD_LR_HTTP,
		                  .text = text,
		                  .target = text };
}

static void test_http(void **state)
{
	(void)state;
	web_t w = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, PRIMARY, &sa.sin_addr);
	w.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(w.lfd >= 0);
	assert_int_equal(bind(w.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	getsockname(w.lfd, (struct sockaddr *)&sa, &sl);
	w.port = ntohs(sa.sin_port);
	assert_int_equal(listen(w.lfd, 8), 0);
	assert_int_equal(pthread_create(&w.thr, NULL, web_run, &w), 0);

	char text[128], err[256] = "";
	odd_lr_conf_t lc = { .ixfr = true };
	odd_lr_fetched_t out;
	od_zone_t *v1 = parse_ok(zone_text(2024010101, 1));

	odd_lr_source_t src =
	        http_src(w.port, "/root.zone", text, sizeof(text));
	int rc = odd_lr_fetch(&src, &lc, v1, NULL, &out, err, sizeof(err));
	if (rc)
		fail_msg("fetch: %s", err);
	assert_int_equal(out.serial, 2024010102);
	assert_non_null(out.zone);
	assert_false(out.unchanged);
	assert_true(has(out.zone, "new.", OD_TYPE_NS));
	od_zone_t *v2 = out.zone;

	/* Through a redirect; the same serial as the copy: unchanged. */
	src = http_src(w.port, "/moved", text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, v2, NULL, &out, err, sizeof(err));
	if (rc)
		fail_msg("fetch: %s", err);
	assert_true(out.unchanged);
	assert_null(out.zone);

	/* HTTP status 404. */
	src = http_src(w.port, "/none.zone", text, sizeof(text));
	rc = odd_lr_fetch(&src, &lc, v2, NULL, &out, err, sizeof(err));
	assert_int_equal(reason(rc), ODD_LRF_FETCH);
	char want[160];
	snprintf(want, sizeof(want), "%s: HTTP 404", text);
	assert_string_equal(err, want);
	assert_int_equal(w.requests, 4);

	shutdown(w.lfd, SHUT_RDWR);
	pthread_join(w.thr, NULL);
	close(w.lfd);
	od_zone_free(v1);
	od_zone_free(v2);
}

int main(void)
{
	/* The web server is local: no proxy from the environment. */
	setenv("no_proxy", "*", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_parse_not_root),
		cmocka_unit_test(test_file_source),
		cmocka_unit_test(test_ixfr_apply),
		cmocka_unit_test(test_ixfr_apply_missing),
		cmocka_unit_test(test_ixfr_apply_steps),
		cmocka_unit_test(test_axfr),
		cmocka_unit_test(test_axfr_truncated),
		cmocka_unit_test(test_axfr_tsig),
		cmocka_unit_test(test_axfr_serials),
		cmocka_unit_test(test_ixfr),
		cmocka_unit_test(test_axfr_refused_and_stop),
		cmocka_unit_test(test_http),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
