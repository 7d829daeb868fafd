/* SPDX-License-Identifier: MIT */
/*
 * onedot's query log (src/daemon/qlog.h): client address truncation
 * (/24, /56, IPv4-mapped IPv6 as IPv4), the line format (fields, flags,
 * EDE, escaping of odd query names, answers without a question), and a
 * log written from two worker rings, flushed at close.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/qlog.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

static struct sockaddr_storage v4(const char *a)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;
	s->sin_family = AF_INET;
	s->sin_port = htons(5353);
	assert_int_equal(inet_pton(AF_INET, a, &s->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *a)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(5353);
	assert_int_equal(inet_pton(AF_INET6, a, &s->sin6_addr), 1);
	return ss;
}

static void truncated(struct sockaddr_storage ss, const char *want)
{
	odd_qlog_addr_t a;
	char buf[64];
	odd_qlog_addr((struct sockaddr *)&ss, &a);
	assert_true(odd_qlog_addr_str(&a, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, want);
}

static void test_truncation(void **state)
{
	(void)state;
	truncated(v4("192.0.2.123"), "192.0.2.0");
	truncated(v4("127.13.100.7"), "127.13.100.0");
	truncated(v4("10.255.255.255"), "10.255.255.0");
	/* /56: the first seven octets stay. */
	truncated(v6("2001:db8:aaaa:bbcc:dddd:eeee:ffff:1"),
	          "2001:db8:aaaa:bb00::");
	truncated(v6("2001:db8:1:2ff::53"), "2001:db8:1:200::");
	truncated(v6("::1"), "::");
	/* IPv4-mapped: an IPv6 /56 would keep the whole IPv4 address. */
	truncated(v6("::ffff:198.51.100.77"), "198.51.100.0");
	/* 6to4: the embedded IPv4 address cut to its /24 as well. */
	truncated(v6("2002:c000:0205:1234::1"), "2002:c000:200::");
	odd_qlog_addr_t a;
	char buf[64];
	odd_qlog_addr(NULL, &a);
	assert_int_equal(odd_qlog_addr_str(&a, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "-");
	/* Nothing of the host part is kept anywhere in the struct. */
	struct sockaddr_storage ss = v4("203.0.113.201");
	odd_qlog_addr((struct sockaddr *)&ss, &a);
	for (size_t i = 3; i < sizeof(a.a); i++)
		assert_int_equal(a.a[i], 0);
	assert_int_equal(odd_qlog_addr_str(&a, buf, 4), -1);
}

/* An answer: header flags, the question qname/qtype, and an answer
   record so the question is not the end of the message. */
static int answer(uint8_t *out, size_t cap, const char *qname, uint16_t qtype,
                  uint8_t rcode, bool ad, bool tc)
{
	uint8_t name[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(name, qname, strlen(qname), NULL) > 0);
	od_hdr_t h = { .id = 0x1234,
		       .qr = true,
		       .rd = true,
		       .ra = true,
		       .ad = ad,
		       .tc = tc,
		       .rcode = rcode };
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, out, cap, &h), 0);
	assert_int_equal(od_pkt_w_question(&b, name, qtype, OD_CLASS_IN), 0);
	int len = od_pkt_w_finish(&b);
	assert_true(len > 12);
	return len;
}

static void test_format(void **state)
{
	(void)state;
	uint8_t msg[512];
	char line[ODD_QLOG_LINE_MAX];
	struct sockaddr_storage ss = v4("127.13.100.42");
	odd_qlog_addr_t client;
	odd_qlog_addr((struct sockaddr *)&ss, &client);
	struct timespec ts = { .tv_sec = 1767323045, .tv_nsec = 678999999 };
	int len = answer(msg, sizeof(msg), "www.Example.", OD_TYPE_AAAA,
	                 OD_RCODE_NOERROR, true, false);
	odd_qlog_entry_t e = { .client = &client,
		               .tcp = false,
		               .msg = msg,
		               .len = (size_t)len,
		               .ede = -1,
		               .cached = true,
		               .latency_us = 1234 };
	int n = odd_qlog_format(line, sizeof(line), &ts, &e);
	const char *want = "ts=2026-01-02T03:04:05.678Z client=127.13.100.0 "
	                   "transport=udp qname=www.Example. qtype=AAAA "
	                   "rcode=NOERROR flags=AD cached=true "
	                   "latency-us=1234\n";
	assert_string_equal(line, want);
	assert_int_equal(n, (int)strlen(want));
	assert_null(strstr(line, "127.13.100.42"));

	/* TCP, SERVFAIL with an EDE, TC and AD, not cached. */
	len = answer(msg, sizeof(msg), "example.", OD_TYPE_DNSKEY,
	             OD_RCODE_SERVFAIL, true, true);
	e.len = (size_t)len;
	e.tcp = true;
	e.ede = 6;
	e.cached = false;
	e.latency_us = 0;
	ss = v6("2001:db8:0:1ff::99");
	odd_qlog_addr((struct sockaddr *)&ss, &client);
	odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_string_equal(
	        line, "ts=2026-01-02T03:04:05.678Z client=2001:db8:0:100:: "
	              "transport=tcp qname=example. qtype=DNSKEY "
	              "rcode=SERVFAIL flags=AD,TC ede=6 cached=false "
	              "latency-us=0\n");

	/* TC alone, no flags, unknown type, the root. */
	len = answer(msg, sizeof(msg), ".", 65280, OD_RCODE_REFUSED, false,
	             true);
	e.len = (size_t)len;
	e.ede = -1;
	odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_non_null(strstr(line, " qname=. qtype=TYPE65280 "
	                             "rcode=REFUSED flags=TC cached"));
	len = answer(msg, sizeof(msg), "a.", OD_TYPE_A, OD_RCODE_NXDOMAIN,
	             false, false);
	e.len = (size_t)len;
	odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_non_null(strstr(line, " rcode=NXDOMAIN flags=- cached"));

	/* Octets that would break logfmt (space, quote, '=', backslash,
	   a dot inside a label) are \DDD. */
	len = answer(msg, sizeof(msg), "a\\032b\\\"c=d\\\\e\\.f.test.",
	             OD_TYPE_TXT, 0, false, false);
	e.len = (size_t)len;
	odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_non_null(strstr(line, " qname=a\\032b\\034c\\061d\\092e\\046f"
	                             ".test. qtype=TXT "));
	/* Exactly one line, no quote, no space inside a value. */
	assert_null(strchr(line, '"'));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);

	/* No question (FORMERR to garbage): qname=- qtype=-. */
	uint8_t hdr[12] = { 0x12, 0x34, 0x80, 0x01 };
	e.msg = hdr;
	e.len = sizeof(hdr);
	odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_non_null(strstr(line, " qname=- qtype=- rcode=FORMERR "));
	/* A question cut short. */
	len = answer(msg, sizeof(msg), "www.example.", OD_TYPE_A, 0, false,
	             false);
	e.msg = msg;
	e.len = (size_t)len - 3;
	odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_non_null(strstr(line, " qname=www.example. qtype=- "));
	e.len = 15;
	odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_non_null(strstr(line, " qname=- qtype=- "));

	/* The longest name fits, and a small buffer is refused. */
	/* 63 + 63 + 63 + 61 octets, each one escaped: 255 in wire form. */
	char big[1200];
	size_t bl = 0;
	for (int l = 0; l < 4; l++) {
		for (int k = 0; k < (l < 3 ? 63 : 61); k++)
			bl += (size_t)snprintf(big + bl, sizeof(big) - bl,
			                       "\\%03d", k);
		big[bl++] = '.';
	}
	big[bl] = '\0';
	len = answer(msg, sizeof(msg), big, OD_TYPE_A, 0, true, true);
	e.len = (size_t)len;
	e.ede = 65535;
	e.latency_us = UINT64_MAX;
	n = odd_qlog_format(line, sizeof(line), &ts, &e);
	assert_true(n > 1000 && n < (int)sizeof(line));
	assert_non_null(strstr(line, "ede=65535 cached=false "
	                             "latency-us=18446744073709551615\n"));
	assert_int_equal(odd_qlog_format(line, ODD_QLOG_LINE_MAX - 1, &ts, &e),
	                 -1);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_log_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/od-qlog-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char file[128], err[200];
	snprintf(file, sizeof(file), "%s/query.log", dir);

	/* A missing directory is a startup error with the path. */
	char bad[160];
	odd_qlog_t *ql = NULL;
	snprintf(bad, sizeof(bad), "%s/none/query.log", dir);
	assert_true(odd_qlog_open(&ql, bad, 3600, 24, 2, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, bad));
	assert_true(odd_qlog_open(&ql, file, 0, 24, 2, err, sizeof(err)) < 0);
	assert_true(odd_qlog_open(&ql, file, 86401, 24, 2, err, sizeof(err)) <
	            0);

	/* An old non-empty file is rotated away at open. */
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("old line\n", f);
	fclose(f);
	assert_int_equal(
	        odd_qlog_open(&ql, file, 3600, 24, 2, err, sizeof(err)), 0);
	uint8_t msg[512];
	int len =
	        answer(msg, sizeof(msg), "x.test.", OD_TYPE_A, 0, false, false);
	struct sockaddr_storage a = v4("127.13.100.9"),
	                        b = v6("2001:db8:1:2ff::1");
	odd_qlog_addr_t ca, cb;
	odd_qlog_addr((struct sockaddr *)&a, &ca);
	odd_qlog_addr((struct sockaddr *)&b, &cb);
	odd_qlog_entry_t e = {
		.client = &ca, .msg = msg, .len = (size_t)len, .ede = -1
	};
	for (int i = 0; i < 100; i++)
		odd_qlog_write(ql, 0, &e);
	e.client = &cb;
	e.tcp = true;
	for (int i = 0; i < 50; i++)
		odd_qlog_write(ql, 1, &e);
	odd_qlog_write(ql, 2, &e); /* no such worker: ignored */
	odd_qlog_close(ql);        /* flushes */

	char *text = slurp(file);
	int n4 = 0, n6 = 0, lines = 0;
	for (char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	for (char *p = text; (p = strstr(p, "client=127.13.100.0 "
	                                    "transport=udp")) != NULL;
	     p++)
		n4++;
	for (char *p = text; (p = strstr(p, "client=2001:db8:1:200:: "
	                                    "transport=tcp")) != NULL;
	     p++)
		n6++;
	assert_int_equal(lines, 150);
	assert_int_equal(n4, 100);
	assert_int_equal(n6, 50);
	assert_null(strstr(text, "127.13.100.9"));
	assert_null(strstr(text, "old line"));

	/* The old content went to FILE.YYYYMMDDTHHMMSS. */
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	int rotated = 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "query.log.", 10) != 0)
			continue;
		assert_int_equal(strlen(de->d_name), 10 + 15);
		assert_int_equal(de->d_name[10 + 8], 'T');
		char p[300];
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		assert_string_equal(slurp(p), "old line\n");
		unlink(p);
		rotated++;
	}
	closedir(d);
	assert_int_equal(rotated, 1);
	unlink(file);
	rmdir(dir);
}

/* Many lines through one ring: it wraps around several times, and every
   line comes out whole, once, in order. */
static void test_ring_wraps(void **state)
{
	(void)state;
	char dir[] = "/tmp/od-qlog-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char file[128], err[200];
	snprintf(file, sizeof(file), "%s/query.log", dir);
	odd_qlog_t *ql = NULL;
	assert_int_equal(odd_qlog_open(&ql, file, 3600, 1, 1, err, sizeof(err)),
	                 0);
	uint8_t msg[512];
	struct sockaddr_storage a = v4("192.0.2.1");
	odd_qlog_addr_t c;
	odd_qlog_addr((struct sockaddr *)&a, &c);
	const int total = 40000, batch = 2000;
	for (int i = 0; i < total; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.test.", i);
		int len = answer(msg, sizeof(msg), name, OD_TYPE_A, 0, false,
		                 false);
		odd_qlog_entry_t e = { .client = &c,
			               .msg = msg,
			               .len = (size_t)len,
			               .ede = -1,
			               .latency_us = (uint64_t)i };
		odd_qlog_write(ql, 0, &e);
		if ((i + 1) % batch != 0)
			continue;
		/* Let the writer catch up (bounded) so nothing is
		   dropped. */
		odd_qlog_stats_t st;
		for (int k = 0; k < 400; k++) {
			odd_qlog_stats(ql, &st);
			if (st.lines == (uint64_t)i + 1)
				break;
			usleep(25 * 1000);
		}
		assert_int_equal(st.lines, (uint64_t)i + 1);
		assert_int_equal(st.dropped, 0);
	}
	odd_qlog_close(ql);
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	char line[ODD_QLOG_LINE_MAX];
	int n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char want[80];
		snprintf(want, sizeof(want), " qname=n%d.test. qtype=A ", n);
		assert_non_null(strstr(line, want));
		snprintf(want, sizeof(want), " latency-us=%d\n", n);
		assert_non_null(strstr(line, want));
		assert_memory_equal(line, "ts=", 3);
		n++;
	}
	fclose(f);
	assert_int_equal(n, total);
	unlink(file);
	rmdir(dir);
}

/* Writes that fail (/dev/full) are counted, lose their lines, and do not
   stop the log. */
static void test_write_error(void **state)
{
	(void)state;
	char err[200];
	odd_qlog_t *ql = NULL;
	if (access("/dev/full", W_OK) != 0)
		skip();
	assert_int_equal(
	        odd_qlog_open(&ql, "/dev/full", 1, 0, 1, err, sizeof(err)), 0);
	uint8_t msg[512];
	int len =
	        answer(msg, sizeof(msg), "x.test.", OD_TYPE_A, 0, false, false);
	odd_qlog_addr_t c;
	odd_qlog_addr(NULL, &c);
	odd_qlog_entry_t e = {
		.client = &c, .msg = msg, .len = (size_t)len, .ede = -1
	};
	for (int i = 0; i < 10; i++)
		odd_qlog_write(ql, 0, &e);
	/* Wait (bounded) for the writer's periodic flush to fail. */
	odd_qlog_stats_t st;
	for (int i = 0; i < 200; i++) {
		odd_qlog_stats(ql, &st);
		if (st.errors > 0 && st.dropped == 10)
			break;
		usleep(50 * 1000);
	}
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.dropped, 10);
	assert_true(st.errors >= 1);
	assert_int_equal(st.rotations, 0); /* not a regular file */
	/* It goes on taking lines (and losing them) without blocking. */
	for (int i = 0; i < 5; i++)
		odd_qlog_write(ql, 0, &e);
	odd_qlog_close(ql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_log_file),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
