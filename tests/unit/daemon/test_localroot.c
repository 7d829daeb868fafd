/* SPDX-License-Identifier: MIT */
/*
 * The local root: configuration, sources, NOTIFY, and the copy's state
 * machine (verification, publication, lifetime, the state file) driven
 * with a scripted fetch and a pinned clock. Fetching itself (lr_fetch.c)
 * is replaced here; the daemon's integration tests run the real one.
 *
 * The zones below are a small root zone signed with ECDSA P-256 keys
 * (KSK 5161, ZSK 37851), NSEC, signatures valid from 2026-01-01 to
 * 2036-01-01, with a SIMPLE/SHA-384 ZONEMD (except zone_nozonemd).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "daemon/localroot.h"
#include "daemon/lr_fetch.h"
#include "daemon/trust.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

static const char zone_00[] =
        ". 86400 IN SOA ns.root. hostmaster.root. 2026112900 1800 900 604800 86400\n"
        ". 86400 IN RRSIG SOA 13 0 86400 20360101000000 20260101000000 37851 . l5u7lm4oLWsCmLqcIV14AEJb9Wsu2T5F/naJUqqbpaI3jQnJl8kKruw8dzGDh7YIztDvCe5q2GI4GxfRKLdghQ==\n"
        ". 518400 IN NS ns.root.\n"
        ". 518400 IN RRSIG NS 13 0 518400 20360101000000 20260101000000 37851 . DrOfTvVQa6+x+ovgZnoEr5pyuJjGrJT2Ca/I0CocbpN6BNdRPlw7DiYbDaLjjIR46tABhXJWjNZwEFb1K916Xg==\n"
        ". 86400 IN DNSKEY 256 3 13 zTqi0QoaEo2pkv5Y6QiZ1YAnVXMfe/NJMrX0Iai2MFrl8nWyex0fMqHGOBoXGBzxxFdNbJ6wecV3J2N3x+Efbw==\n"
        ". 86400 IN DNSKEY 257 3 13 zdvgrRLPXMYvoQnmso8YBnbu9kXwGOTN7Mo7QZbEjOsyjIlXzvnLlZqcRQewk+Ir61DJWTVZcXKllJkjOejDGQ==\n"
        ". 86400 IN RRSIG DNSKEY 13 0 86400 20360101000000 20260101000000 5161 . WzYgHvgqtjT3qqYCiJKS2Ow3hTcYfy0AD0Q39N/5OM5EKJSW6QcyrRwD6QJRsqGZVg74pDV2/qj1lVrsCn4M4Q==\n"
        ". 86400 IN ZONEMD 2026112900 1 1 f866b4e1db3171dd407430e1a66265554dfebd308d1ca608938db311a6cb88f9623c0183ad1dc0f4cef0712dc5223628\n"
        ". 86400 IN RRSIG ZONEMD 13 0 86400 20360101000000 20260101000000 37851 . PMgZqX2bk6hsEEhlFRDze2dNljAOT3RqxpE5hWr7W5tB2OEVNCjYtbi7F6/omvYqmwp3Mf4ltfCpxI5r9nQqKQ==\n"
        ". 86400 IN NSEC example. NS SOA RRSIG NSEC DNSKEY ZONEMD\n"
        ". 86400 IN RRSIG NSEC 13 0 86400 20360101000000 20260101000000 37851 . V6c07t+ZysuMHiN92aJlpvCATL+Hb8A19dVwWY8Oshb4qp56bq0BrEo91OpydSQi+dhVBm5NE6B/fIPo8bZVMw==\n"
        "example. 172800 IN NS ns.example.\n"
        "example. 86400 IN NSEC ns.root. NS RRSIG NSEC\n"
        "example. 86400 IN RRSIG NSEC 13 1 86400 20360101000000 20260101000000 37851 . PVCyxfM+v5kiK2x10opJsnAHP1+3TOPexKqaKAts3+CpcaSs4u9XmXy+vbC1auioKPlI0QaAmKLxw0ELK35+Cg==\n"
        "ns.example. 172800 IN A 127.30.0.3\n"
        "ns.root. 518400 IN A 127.30.0.1\n"
        "ns.root. 518400 IN RRSIG A 13 2 518400 20360101000000 20260101000000 37851 . vshYfAyZTQCPh9HvFnyv2DGByT07C6Yi4BYPalDXZSJp2EvWs8DJvOFVsA7wzy73t9/8XtHQlMpWHHFH+uLDaQ==\n"
        "ns.root. 86400 IN NSEC test. A RRSIG NSEC\n"
        "ns.root. 86400 IN RRSIG NSEC 13 2 86400 20360101000000 20260101000000 37851 . 7CTQeoQxuf1u+OuxYXgedI5ox1DBVrfyrmT3oEMWY/F1nb8jfrTWGfaN8fyBy5iUC+jFkIqhAZnKXcldlXrX4A==\n"
        "test. 172800 IN NS ns.test.\n"
        "test. 86400 IN NSEC . NS RRSIG NSEC\n"
        "test. 86400 IN RRSIG NSEC 13 1 86400 20360101000000 20260101000000 37851 . uDrYlEFclQo4MfDvBDnRs/EfPU3j8aPgtN3VBNkT1STgpZBNVlMFhozKgKK6RNHY409OBpQfcYT+TAhihvllNQ==\n"
        "ns.test. 172800 IN A 127.30.0.2\n";

static const char zone_01[] =
        ". 86400 IN SOA ns.root. hostmaster.root. 2026112901 1800 900 604800 86400\n"
        ". 86400 IN RRSIG SOA 13 0 86400 20360101000000 20260101000000 37851 . QB9omzM3sZmiYaZqfHZwo7dhA2w5es5TkAONj0QBOQBZrX7EAKMZ1PKeI/k/P/6Ac9WxDv2AuRlaFs+sANx9+g==\n"
        ". 518400 IN NS ns.root.\n"
        ". 518400 IN RRSIG NS 13 0 518400 20360101000000 20260101000000 37851 . KXwyzN8WKIRn+WHYtOsigDH2ePgsWZjkFB9C7rAuZFyKYlG1C9+yVCyn/g0bOikshXPM1W4wM8HnWAAkQ0cNxw==\n"
        ". 86400 IN DNSKEY 256 3 13 zTqi0QoaEo2pkv5Y6QiZ1YAnVXMfe/NJMrX0Iai2MFrl8nWyex0fMqHGOBoXGBzxxFdNbJ6wecV3J2N3x+Efbw==\n"
        ". 86400 IN DNSKEY 257 3 13 zdvgrRLPXMYvoQnmso8YBnbu9kXwGOTN7Mo7QZbEjOsyjIlXzvnLlZqcRQewk+Ir61DJWTVZcXKllJkjOejDGQ==\n"
        ". 86400 IN RRSIG DNSKEY 13 0 86400 20360101000000 20260101000000 5161 . wmGdbr2Nmfjt0uFANelYfxSy1J/eKQdL1T8Ts+keCBXIXXIMNqZ+qsxzQDAyYdHB4w7CD1jde6r+IPGnzFFMZg==\n"
        ". 86400 IN ZONEMD 2026112901 1 1 df2d3b2804c3943fceb01e9df40fd822e880d55ab38f3f25ff76508e7f6dfcbe548308df7f190297d6c1dda22049b2a1\n"
        ". 86400 IN RRSIG ZONEMD 13 0 86400 20360101000000 20260101000000 37851 . bJd0/Voie2ogKycw5+s8/aznMvPkYcd2fUG8Kq2j3YGYP7Cud94U3IpYtmV68CwjxFQxRROC+UQ2C9EdnTZK/Q==\n"
        ". 86400 IN NSEC example. NS SOA RRSIG NSEC DNSKEY ZONEMD\n"
        ". 86400 IN RRSIG NSEC 13 0 86400 20360101000000 20260101000000 37851 . 7umOcFk0c8My8u51Wera8w3MGKKGtWG0r5k2vn2kP8oQK4MP8HakRp+GiN9Aj2tZFjipJJRjUMhT3ecbpqOTxw==\n"
        "example. 172800 IN NS ns.example.\n"
        "example. 86400 IN NSEC ns.root. NS RRSIG NSEC\n"
        "example. 86400 IN RRSIG NSEC 13 1 86400 20360101000000 20260101000000 37851 . ynQCfqYx7HXy89mTWhEwzZI9XPHlVMyoI2cn2vxpf+jL+pBU38PqUmU06YvpG7OSOQzBPKCfNGmexHOOUG1NUA==\n"
        "ns.example. 172800 IN A 127.30.0.3\n"
        "ns.root. 518400 IN A 127.30.0.1\n"
        "ns.root. 518400 IN RRSIG A 13 2 518400 20360101000000 20260101000000 37851 . wV+P0N6QOF92MTVSGSMUFbQCeps/q60/geKIDaZSjrjB99LjkSyEkO4uwpHHydxzn6AqZmGWTRRja4bu+efXjg==\n"
        "ns.root. 86400 IN NSEC test. A RRSIG NSEC\n"
        "ns.root. 86400 IN RRSIG NSEC 13 2 86400 20360101000000 20260101000000 37851 . B6HVNF2GFt9i1UArinXeFG4qqNrwnPF1XYLjxoY3VUvs/4SjwYv2zTHaQMy6CoHadX4hQ21JWsX+Bu0X09aXtg==\n"
        "test. 172800 IN NS ns.test.\n"
        "test. 86400 IN NSEC . NS RRSIG NSEC\n"
        "test. 86400 IN RRSIG NSEC 13 1 86400 20360101000000 20260101000000 37851 . 5xnBpxVrGqEfgeao4ZfI78s8/ZeNOygMEnElz+i54rx4eer560kkf/WbFKEtwt831TsJuWrDM9jAbVeXXIgH1Q==\n"
        "ns.test. 172800 IN A 127.30.0.2\n";

static const char zone_nozonemd[] =
        ". 86400 IN SOA ns.root. hostmaster.root. 2026112900 1800 900 604800 86400\n"
        ". 86400 IN RRSIG SOA 13 0 86400 20360101000000 20260101000000 37851 . zESZgJvYRw871fnvDlsM9in6s0tGDnDJyFxhmMnudetb0xmkypZY7RrHKsA6fgTJblfAi2R7pZxN0LCv1fYI0Q==\n"
        ". 518400 IN NS ns.root.\n"
        ". 518400 IN RRSIG NS 13 0 518400 20360101000000 20260101000000 37851 . PBOj+Kb4G9VxugAe1Zg1ifslx0zmbdTeGl22ezhk3dug6Sl/jwedH2pbKZNrx9C7arVW1i7ejNtt6qi81+3jkg==\n"
        ". 86400 IN DNSKEY 256 3 13 zTqi0QoaEo2pkv5Y6QiZ1YAnVXMfe/NJMrX0Iai2MFrl8nWyex0fMqHGOBoXGBzxxFdNbJ6wecV3J2N3x+Efbw==\n"
        ". 86400 IN DNSKEY 257 3 13 zdvgrRLPXMYvoQnmso8YBnbu9kXwGOTN7Mo7QZbEjOsyjIlXzvnLlZqcRQewk+Ir61DJWTVZcXKllJkjOejDGQ==\n"
        ". 86400 IN RRSIG DNSKEY 13 0 86400 20360101000000 20260101000000 5161 . DCnOhhZnJfE2xE4c/e7i+ZQbolHCx0I5HaRBERSgWBnCjpNIfQOlFu2x4SNCguLuXaxHdjFRFhgqbTaSZc9PVA==\n"
        ". 86400 IN NSEC example. NS SOA RRSIG NSEC DNSKEY\n"
        ". 86400 IN RRSIG NSEC 13 0 86400 20360101000000 20260101000000 37851 . 74r1+7lK08oZB/ukn1R377JbhaP4D6ho4x3h52CEIix9e6GhDQj9yr4nXqP0M4BMlPEKA5wOHd9Q/DnXc9Qp8Q==\n"
        "example. 172800 IN NS ns.example.\n"
        "example. 86400 IN NSEC ns.root. NS RRSIG NSEC\n"
        "example. 86400 IN RRSIG NSEC 13 1 86400 20360101000000 20260101000000 37851 . F8Zdag+5cYxbQdNelhvW+P8XlA2+M1pPgFuJU0OU6KShsXYFRHJ40VaA+T6O9r/gOIMjJMJeQt9KMTGcTI1uiw==\n"
        "ns.example. 172800 IN A 127.30.0.3\n"
        "ns.root. 518400 IN A 127.30.0.1\n"
        "ns.root. 518400 IN RRSIG A 13 2 518400 20360101000000 20260101000000 37851 . 3vx+CDLQ3FvVfceZCc2af1lwZjNTcCqkv+dcrxS2bNwq54LnHffj0dgLVQAZCCHJTrihkUEldF6lPxdjJMzhZA==\n"
        "ns.root. 86400 IN NSEC test. A RRSIG NSEC\n"
        "ns.root. 86400 IN RRSIG NSEC 13 2 86400 20360101000000 20260101000000 37851 . ZwLsKhcqE/KWy/9k/tDVGflmG4w9AZThmbGnwciDLS7MXq0K6KrJWn7GIqYMF098o6NqzjQuHT0O+godXuw3Rw==\n"
        "test. 172800 IN NS ns.test.\n"
        "test. 86400 IN NSEC . NS RRSIG NSEC\n"
        "test. 86400 IN RRSIG NSEC 13 1 86400 20360101000000 20260101000000 37851 . JVjpGw/69kTkU8wnM3vUzFSoO2WQ9qKkd/drp2pDYCwyJjTmH+EUQJLoVR4guAnSEXEV1EEtjHnLFt2hiq5DAQ==\n"
        "ns.test. 172800 IN A 127.30.0.2\n";

/* 2026-12-01T00:00:00Z and the signatures' expiration. */
#define T0 INT64_C(1796083200)
#define SIG_END INT64_C(2082758400)
#define SOA_EXPIRE 604800

/* Stand-ins for the trust store and the fetcher ---------------------- */

static const uint8_t root_name[1] = { 0 };
/* DS 5161 13 2 2bc76095...: the KSK of the zones above. */
static uint8_t ds_good[36] = {
	0x14, 0x29, 13,   2,    0x2b, 0xc7, 0x60, 0x95, 0xd0, 0xa4, 0x2a, 0x37,
	0x4f, 0x87, 0x7c, 0xe8, 0x24, 0xca, 0x5a, 0xe7, 0x0a, 0x69, 0xb4, 0x8d,
	0xc9, 0xc2, 0xdc, 0x77, 0xbd, 0xc0, 0xf6, 0x33, 0x69, 0x77, 0xd7, 0xc8,
};
static uint8_t ds_other[36];
static odr_anchor_t g_anchor = {
	.zone = root_name, .type = OD_TYPE_DS, .rdata = ds_good, .rdlen = 36
};
static odr_trust_t g_trust = { .anchors = &g_anchor, .nanchors = 1 };
static int g_trust_obj;
#define TRUST ((struct odd_trust *)&g_trust_obj)

const odr_trust_t *odd_trust_current(odd_trust_t *t)
{
	assert_ptr_equal(t, TRUST);
	return &g_trust;
}

int odd_lr_parse_text(const char *text, size_t len, const char *name,
                      od_zone_t **out, char *err, size_t errlen)
{
	od_zload_opts_t o = { .origin = root_name };
	int r = od_zone_load_mem(out, text, len, name, &o);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", name, od_strerror(r));
		return -(1 + ODD_LRF_PARSE);
	}
	return 0;
}

/* What the next fetches return, in order. */
typedef enum step_kind {
	S_ZONE,
	S_SAME,
	S_FAIL
} step_kind_t;
typedef struct step {
	step_kind_t kind;
	const char *text;    /*!< S_ZONE */
	odd_lr_reason_t why; /*!< S_FAIL */
	int64_t takes;       /*!< the clock moves on this much meanwhile */
} step_t;

/* The pinned clock. */
static int64_t g_now = T0;

static step_t g_steps[8];
static size_t g_nsteps, g_next;
static const char *g_last_src;
static uint32_t g_have_serial; /*!< serial of the copy passed in */
static bool g_had_copy;

static void script(size_t n, const step_t *s)
{
	if (n > 0)
		memcpy(g_steps, s, n * sizeof(*s));
	g_nsteps = n;
	g_next = 0;
}

int odd_lr_fetch(const odd_lr_source_t *src, const odd_lr_conf_t *lc,
                 const od_zone_t *have, const _Atomic bool *stop,
                 odd_lr_fetched_t *out, char *err, size_t errlen)
{
	(void)lc;
	(void)stop;
	g_last_src = src->text;
	g_had_copy = have != NULL;
	if (have)
		assert_int_equal(od_zone_serial(have, &g_have_serial), 0);
	if (g_next >= g_nsteps) {
		snprintf(err, errlen, "nothing scripted");
		return -(1 + ODD_LRF_FETCH);
	}
	const step_t *s = &g_steps[g_next++];
	memset(out, 0, sizeof(*out));
	g_now += s->takes;
	switch (s->kind) {
	case S_ZONE:
		return odd_lr_parse_text(s->text, strlen(s->text), src->text,
		                         &out->zone, err, errlen);
	case S_SAME:
		assert_non_null(have);
		out->unchanged = true;
		out->serial = g_have_serial;
		return 0;
	default:
		snprintf(err, errlen, "scripted failure");
		return -(1 + (int)s->why);
	}
}

static int64_t test_wall(void *ctx)
{
	(void)ctx;
	return g_now;
}

/* Strings -------------------------------------------------------------- */

static void test_strings(void **state)
{
	(void)state;
	assert_string_equal(odd_lr_state_str(ODD_LR_NONE), "none");
	assert_string_equal(odd_lr_state_str(ODD_LR_FRESH), "fresh");
	assert_string_equal(odd_lr_state_str(ODD_LR_STALE), "stale");
	assert_string_equal(odd_lr_state_str(ODD_LR_EXPIRED), "expired");
	static const char *const r[ODD_LRF_COUNT] = {
		"fetch",     "parse",   "zonemd", "anchor",
		"signature", "expired", "older",  "store",
	};
	for (int i = 0; i < ODD_LRF_COUNT; i++)
		assert_string_equal(odd_lr_reason_str((odd_lr_reason_t)i),
		                    r[i]);
}

/* Sources -------------------------------------------------------------- */

static void src_ok(const char *s, odd_lr_kind_t kind, odd_lr_source_t *out)
{
	char err[256] = "";
	int r = odd_lr_source_parse(s, out, err, sizeof(err));
	if (r != 0)
		fail_msg("%s: %s", s, err);
	assert_int_equal(out->kind, kind);
	assert_string_equal(out->text, s);
}

static void v4_is(const odd_lr_source_t *s, const char *addr, uint16_t port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&s->addr;
	char b[INET_ADDRSTRLEN];
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(s->addrlen, sizeof(*sin));
	assert_non_null(inet_ntop(AF_INET, &sin->sin_addr, b, sizeof(b)));
	assert_string_equal(b, addr);
	assert_int_equal(ntohs(sin->sin_port), port);
}

static void v6_is(const odd_lr_source_t *s, const char *addr, uint16_t port)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&s->addr;
	char b[INET6_ADDRSTRLEN];
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(s->addrlen, sizeof(*sin6));
	assert_non_null(inet_ntop(AF_INET6, &sin6->sin6_addr, b, sizeof(b)));
	assert_string_equal(b, addr);
	assert_int_equal(ntohs(sin6->sin6_port), port);
}

static void src_bad(const char *s, const char *msg)
{
	odd_lr_source_t out;
	char err[256] = "";
	assert_int_equal(odd_lr_source_parse(s, &out, err, sizeof(err)),
	                 OD_ESYNTAX);
	if (strstr(err, msg) == NULL)
		fail_msg("'%s': got '%s', expected '%s'", s, err, msg);
}

static void test_source_parse(void **state)
{
	(void)state;
	odd_lr_source_t s;
	src_ok("axfr://127.30.0.1", ODD_LR_AXFR, &s);
	v4_is(&s, "127.30.0.1", 53);
	assert_null(s.target);
	odd_lr_source_free(&s);
	src_ok("axfr://127.30.0.2@5300", ODD_LR_AXFR, &s);
	v4_is(&s, "127.30.0.2", 5300);
	odd_lr_source_free(&s);
	src_ok("axfr://[::1]@5300", ODD_LR_AXFR, &s);
	v6_is(&s, "::1", 5300);
	odd_lr_source_free(&s);
	src_ok("axfr://2001:db8::53@53000", ODD_LR_AXFR, &s);
	v6_is(&s, "2001:db8::53", 53000);
	odd_lr_source_free(&s);
	src_ok("axfr://[2001:db8::1]", ODD_LR_AXFR, &s);
	v6_is(&s, "2001:db8::1", 53);
	odd_lr_source_free(&s);
	src_ok("axfr://::1", ODD_LR_AXFR, &s);
	v6_is(&s, "::1", 53);
	odd_lr_source_free(&s);
	src_ok("https://www.internic.net/domain/root.zone", ODD_LR_HTTP, &s);
	assert_string_equal(s.target,
	                    "https://www.internic.net/domain/root.zone");
	odd_lr_source_free(&s);
	src_ok("http://127.30.0.5:8080/root.zone", ODD_LR_HTTP, &s);
	assert_string_equal(s.target, "http://127.30.0.5:8080/root.zone");
	odd_lr_source_free(&s);
	src_ok("file:/var/lib/root.zone", ODD_LR_FILE, &s);
	assert_string_equal(s.target, "/var/lib/root.zone");
	odd_lr_source_free(&s);
	src_ok("file:root.zone", ODD_LR_FILE, &s);
	assert_string_equal(s.target, "root.zone");
	odd_lr_source_free(&s);
	src_ok("file:///srv/root.zone", ODD_LR_FILE, &s);
	assert_string_equal(s.target, "/srv/root.zone");
	odd_lr_source_free(&s);

	src_bad("", "empty source");
	src_bad("axfr://", "expected an address after axfr://");
	src_bad("axfr://@53", "expected an address after axfr://");
	src_bad("axfr://a.root-servers.net",
	        "'a.root-servers.net' is not an IPv4 or IPv6 address");
	src_bad("axfr://127.0.0.300", "is not an IPv4 or IPv6 address");
	src_bad("axfr://127.0.0.1@0", "bad port '0' (expected 1..65535)");
	src_bad("axfr://127.0.0.1@65536", "bad port '65536'");
	src_bad("axfr://127.0.0.1@", "bad port ''");
	src_bad("axfr://127.0.0.1@53x", "bad port '53x'");
	src_bad("axfr://[::1", "missing ']'");
	src_bad("axfr://[::1]:53", "a port is written ADDR@PORT");
	src_bad("https://", "expected a host in the URL");
	src_bad("http:///x", "expected a host in the URL");
	src_bad("file:", "expected a file path after file:");
	src_bad("file:/var/lib/", "expected a file path");
	src_bad("ftp://x/root.zone",
	        "'ftp://x/root.zone' is not a source: expected "
	        "axfr://ADDR[@PORT], http://URL, https://URL or file:PATH");
	src_bad("127.0.0.1", "is not a source");
	src_bad("file:/a b", "blanks, quotes and control characters");
}

/* Configuration -------------------------------------------------------- */

static int conf(const char *yaml, odd_lr_conf_t *lc, char *err)
{
	od_yc_t yc;
	od_ycn_t root, v;
	odd_lr_conf_init(lc);
	int r = od_yc_load_mem(&yc, yaml, strlen(yaml), "c.yaml", &root);
	if (r == 0) {
		assert_true(od_yc_get(&yc, &root, "localroot", &v));
		r = odd_lr_conf_load(lc, &yc, &v);
	}
	strcpy(err, yc.err);
	od_yc_free(&yc);
	return r;
}

static void conf_bad(const char *yaml, const char *msg)
{
	odd_lr_conf_t lc;
	char err[600];
	assert_true(conf(yaml, &lc, err) < 0);
	if (strstr(err, msg) == NULL)
		fail_msg("got '%s', expected '%s'", err, msg);
	odd_lr_conf_free(&lc);
}

static void test_conf(void **state)
{
	(void)state;
	odd_lr_conf_t lc;
	char err[600];

	/* Defaults, one source as a scalar. */
	assert_int_equal(conf("localroot: file:/srv/root.zone\n", &lc, err), 0);
	assert_int_equal(lc.nsources, 1);
	assert_int_equal(lc.sources[0].kind, ODD_LR_FILE);
	assert_string_equal(lc.sources[0].target, "/srv/root.zone");
	assert_int_equal(lc.refresh, 0);
	assert_null(lc.state);
	assert_true(lc.require_zonemd);
	assert_int_equal(lc.margin, ODD_LR_MARGIN_DEFAULT);
	assert_true(lc.ixfr);
	assert_false(lc.has_tsig);
	assert_null(lc.ca_file);
	odd_lr_conf_free(&lc);

	/* A list. */
	assert_int_equal(conf("localroot: [axfr://127.30.0.1, "
	                      "\"axfr://[::1]@5300\", "
	                      "https://h/root.zone]\n",
	                      &lc, err),
	                 0);
	assert_int_equal(lc.nsources, 3);
	v4_is(&lc.sources[0], "127.30.0.1", 53);
	v6_is(&lc.sources[1], "::1", 5300);
	assert_int_equal(lc.sources[2].kind, ODD_LR_HTTP);
	odd_lr_conf_free(&lc);

	/* Every key. */
	assert_int_equal(conf("localroot:\n"
	                      "  sources:\n"
	                      "    - axfr://127.30.0.1@5353\n"
	                      "    - file:/srv/root.zone\n"
	                      "  refresh: 30m\n"
	                      "  state: /var/lib/onedot/lr.zone\n"
	                      "  require-zonemd: false\n"
	                      "  expire-margin: 2h\n"
	                      "  ixfr: false\n"
	                      "  tsig:\n"
	                      "    name: xfr-key\n"
	                      "    algorithm: hmac-sha512\n"
	                      "    secret: c2VjcmV0c2VjcmV0\n"
	                      "  ca-file: /etc/ssl/ca.pem\n",
	                      &lc, err),
	                 0);
	assert_int_equal(lc.nsources, 2);
	v4_is(&lc.sources[0], "127.30.0.1", 5353);
	assert_string_equal(lc.sources[1].text, "file:/srv/root.zone");
	assert_int_equal(lc.refresh, 1800);
	assert_string_equal(lc.state, "/var/lib/onedot/lr.zone");
	assert_false(lc.require_zonemd);
	assert_int_equal(lc.margin, 7200);
	assert_false(lc.ixfr);
	assert_true(lc.has_tsig);
	assert_int_equal(lc.tsig.secret_len, 12);
	assert_memory_equal(lc.tsig.secret, "secretsecret", 12);
	assert_string_equal(lc.ca_file, "/etc/ssl/ca.pem");
	odd_lr_conf_free(&lc);

	/* Plain seconds; refresh 0 means the SOA timers; TSIG default
	 * algorithm. */
	assert_int_equal(conf("localroot:\n  sources: file:/z\n  refresh: 0\n"
	                      "  expire-margin: 600\n"
	                      "  tsig: {name: k, secret: c2VjcmV0}\n",
	                      &lc, err),
	                 0);
	assert_int_equal(lc.refresh, 0);
	assert_int_equal(lc.margin, 600);
	assert_true(lc.has_tsig);
	odd_lr_conf_free(&lc);

	conf_bad("localroot:\n  refresh: 1h\n",
	         "c.yaml:2:3: localroot: sources is required");
	conf_bad("localroot:\n  sources: []\n",
	         "localroot.sources: expected at least one source");
	conf_bad("localroot: []\n", "expected at least one source");
	conf_bad("localroot:\n  sources: [file:/a, ftp://b]\n",
	         "localroot.sources[1]: 'ftp://b' is not a source");
	conf_bad("localroot: [axfr://host.example]\n",
	         "localroot[0]: 'axfr://host.example': 'host.example' is not "
	         "an IPv4 or IPv6 address");
	conf_bad("localroot:\n  sources: file:/a\n  refrsh: 1h\n", "refrsh");
	conf_bad("localroot:\n  sources: file:/a\n  refresh: 5x\n",
	         "localroot.refresh: expected a duration");
	conf_bad("localroot:\n  sources: file:/a\n  refresh: 1500ms\n",
	         "localroot.refresh: '1500ms' is out of range (whole seconds");
	conf_bad("localroot:\n  sources: file:/a\n  expire-margin: 400d\n",
	         "localroot.expire-margin: '400d' is out of range");
	conf_bad("localroot:\n  sources: file:/a\n  expire-margin: -1\n",
	         "localroot.expire-margin");
	conf_bad("localroot:\n  sources: file:/a\n  ixfr: maybe\n",
	         "localroot.ixfr");
	conf_bad("localroot:\n  sources: file:/a\n  state: \"\"\n",
	         "localroot.state: expected a file path");
	conf_bad("localroot:\n  sources: file:/a\n  ca-file: /etc/\n",
	         "localroot.ca-file: expected a file path");
	conf_bad("localroot:\n  sources: file:/a\n  tsig: k:secret\n",
	         "localroot.tsig: expected a mapping");
	conf_bad("localroot:\n  sources: file:/a\n  tsig: {name: k}\n",
	         "localroot.tsig: secret is required");
	conf_bad("localroot:\n  sources: file:/a\n"
	         "  tsig: {name: k, algorithm: hmac-foo, secret: c2VjcmV0}\n",
	         "localroot.tsig: ");
	conf_bad("localroot:\n  sources: file:/a\n"
	         "  tsig: {name: k, secret: \"!!\"}\n",
	         "localroot.tsig: ");
	conf_bad("localroot:\n  sources: file:/a\n"
	         "  tsig: {name: k, secret: c2VjcmV0, extra: 1}\n",
	         "extra");

	/* --localroot: appended one by one, at most ODD_LR_SOURCES_MAX. */
	odd_lr_conf_init(&lc);
	for (int i = 0; i < ODD_LR_SOURCES_MAX; i++) {
		odd_lr_source_t s;
		src_ok("file:/z", ODD_LR_FILE, &s);
		assert_int_equal(odd_lr_conf_add(&lc, &s), 0);
		assert_null(s.text); /* taken */
	}
	odd_lr_source_t s;
	src_ok("file:/z", ODD_LR_FILE, &s);
	assert_int_equal(odd_lr_conf_add(&lc, &s), OD_ELIMIT);
	odd_lr_source_free(&s);
	assert_int_equal(lc.nsources, ODD_LR_SOURCES_MAX);
	odd_lr_conf_free(&lc);
}

/* NOTIFY --------------------------------------------------------------- */

static size_t make_msg(uint8_t *buf, uint8_t opcode, bool qr, const char *qname,
                       uint16_t qclass)
{
	uint8_t name[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(name, qname, strlen(qname), NULL) > 0);
	od_hdr_t h = { .id = 0x1234, .opcode = opcode, .qr = qr, .aa = true };
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, buf, 512, &h), 0);
	assert_int_equal(od_pkt_w_question(&b, name, OD_TYPE_SOA, qclass), 0);
	int n = od_pkt_w_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/* Parse a reply: its RCODE, checking the ID, QR and opcode. */
static int reply_rcode(const uint8_t *w, size_t n, od_pkt_t *p)
{
	assert_true(n >= OD_HDR_LEN);
	assert_int_equal(od_pkt_parse(p, w, n, NULL, 0), 0);
	assert_int_equal(p->hdr.id, 0x1234);
	assert_true(p->hdr.qr);
	return p->rcode;
}

static struct sockaddr_storage sa(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr),
		                 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	}
	return ss;
}

/* require-zonemd of the next open_sources (true: the default). */
static bool g_require_zonemd = true;

static odd_localroot_t *open_sources(const char *const *srcs, size_t n,
                                     bool check_only, const char *state)
{
	odd_lr_conf_t lc;
	odd_localroot_t *lr = NULL;
	char err[256] = "";
	odd_lr_conf_init(&lc);
	for (size_t i = 0; i < n; i++) {
		odd_lr_source_t s;
		char e[256];
		assert_int_equal(odd_lr_source_parse(srcs[i], &s, e, sizeof(e)),
		                 0);
		assert_int_equal(odd_lr_conf_add(&lc, &s), 0);
	}
	if (state)
		lc.state = strdup(state);
	lc.require_zonemd = g_require_zonemd;
	int r = odd_localroot_open(&lr, &lc, "/nonexistent-dir", TRUST,
	                           check_only, err, sizeof(err));
	if (r != 0)
		fail_msg("open: %s", err);
	odd_lr_conf_free(&lc); /* lr has its own copy */
	return lr;
}

static void test_notify(void **state)
{
	(void)state;
	static const char *const srcs[] = { "file:/z", "axfr://127.30.0.1",
		                            "axfr://[::1]@5300" };
	odd_localroot_t *lr = open_sources(srcs, 3, true, NULL);
	uint8_t q[512], out[512];
	od_pkt_t p;
	size_t qn, n;
	struct sockaddr_storage from;
	odd_lr_status_t st;

	/* From a primary (any port): acknowledged, counted. */
	qn = make_msg(q, OD_OPCODE_NOTIFY, false, ".", OD_CLASS_IN);
	from = sa("127.30.0.1", 41000);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_int_equal(p.hdr.opcode, OD_OPCODE_NOTIFY);
	assert_int_equal(p.count[OD_QUESTION], 1);
	assert_int_equal(p.qd[0].qname[0], 0);
	assert_int_equal(p.qd[0].qtype, OD_TYPE_SOA);
	assert_int_equal(p.qd[0].qclass, OD_CLASS_IN);
	od_pkt_free(&p);
	from = sa("::1", 1);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NOERROR);
	od_pkt_free(&p);
	/* IPv4-mapped form of a primary's address. */
	from = sa("::ffff:127.30.0.1", 53);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NOERROR);
	od_pkt_free(&p);
	odd_localroot_status(lr, &st);
	assert_int_equal(st.notifies, 3);

	/* From anyone else: refused, not counted. */
	from = sa("127.30.0.2", 53);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_REFUSED);
	od_pkt_free(&p);
	from = sa("::2", 5300);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_REFUSED);
	od_pkt_free(&p);
	odd_localroot_status(lr, &st);
	assert_int_equal(st.notifies, 3);

	/* Not a NOTIFY for the root. */
	from = sa("127.30.0.1", 53);
	qn = make_msg(q, OD_OPCODE_NOTIFY, false, "com.", OD_CLASS_IN);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NOTAUTH);
	od_pkt_free(&p);
	qn = make_msg(q, OD_OPCODE_NOTIFY, false, ".", 3 /* CH */);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NOTAUTH);
	od_pkt_free(&p);
	qn = make_msg(q, OD_OPCODE_QUERY, false, ".", OD_CLASS_IN);
	n = odd_localroot_notify(lr, q, qn, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NOTAUTH);
	od_pkt_free(&p);

	/* Malformed: FORMERR; a response or a stub of a header: nothing. */
	qn = make_msg(q, OD_OPCODE_NOTIFY, false, ".", OD_CLASS_IN);
	n = odd_localroot_notify(lr, q, qn - 2, (struct sockaddr *)&from, out,
	                         sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_FORMERR);
	od_pkt_free(&p);
	q[5] = 0; /* QDCOUNT 0, the question left as trailing bytes */
	n = odd_localroot_notify(lr, q, OD_HDR_LEN, (struct sockaddr *)&from,
	                         out, sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_FORMERR);
	od_pkt_free(&p);
	qn = make_msg(q, OD_OPCODE_NOTIFY, true, ".", OD_CLASS_IN);
	assert_int_equal(odd_localroot_notify(lr, q, qn,
	                                      (struct sockaddr *)&from, out,
	                                      sizeof(out)),
	                 0);
	assert_int_equal(odd_localroot_notify(lr, q, 11,
	                                      (struct sockaddr *)&from, out,
	                                      sizeof(out)),
	                 0);
	odd_localroot_status(lr, &st);
	assert_int_equal(st.notifies, 3);
	odd_localroot_free(lr);
}

/* The copy ------------------------------------------------------------- */

static char g_dir[64];
static char g_state[128];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(g_dir, "/tmp/lr-test-XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	snprintf(g_state, sizeof(g_state), "%s/localroot.zone", g_dir);
	g_now = T0;
	g_anchor.rdata = ds_good;
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	unlink(g_state);
	rmdir(g_dir);
	return 0;
}

/* A query for name/type with DO; \return the answer's length. */
static size_t ask(odd_localroot_t *lr, const char *name, uint16_t type,
                  uint16_t qclass, uint8_t *out, size_t cap)
{
	uint8_t q[512], qn[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(qn, name, strlen(name), NULL) > 0);
	od_hdr_t h = { .id = 0x1234 };
	od_edns_t e = { .udp_size = 1232, .flags = OD_EDNS_DO };
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, q, sizeof(q), &h), 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	assert_int_equal(od_pkt_w_question(&b, qn, type, qclass), 0);
	int n = od_pkt_w_finish(&b);
	assert_true(n > 0);
	return odd_localroot_answer(lr, q, (size_t)n, false, 1232, out, cap);
}

static odd_localroot_t *open_file_lr(const char *const *srcs, size_t n)
{
	odd_localroot_set_clock(test_wall, NULL);
	return open_sources(srcs, n, false, g_state);
}

/* The text of zone with the first occurrence of from replaced by to. */
static char *edit(const char *zone, const char *from, const char *to)
{
	const char *at = strstr(zone, from);
	assert_non_null(at);
	size_t n = strlen(zone) + strlen(to) + 1;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "%.*s%s%s", (int)(at - zone), zone, to,
	         at + strlen(from));
	return s;
}

static void status_is(odd_localroot_t *lr, odd_lr_state_t st, uint32_t serial,
                      odd_lr_status_t *out)
{
	odd_localroot_status(lr, out);
	if (out->state != st)
		fail_msg("state %s, expected %s (last error: %s)",
		         odd_lr_state_str(out->state), odd_lr_state_str(st),
		         out->last_error);
	assert_int_equal(out->serial, serial);
	assert_int_equal(out->have_copy,
	                 st == ODD_LR_FRESH || st == ODD_LR_STALE);
}

static void test_lifecycle(void **state)
{
	(void)state;
	static const char *const srcs[] = { "file:/primary/root.zone",
		                            "file:/backup/root.zone" };
	odd_localroot_t *lr = open_file_lr(srcs, 2);
	odd_lr_status_t st;
	uint8_t out[4096];
	od_pkt_t p;

	/* No saved copy: none, nothing answered. */
	status_is(lr, ODD_LR_NONE, 0, &st);
	assert_int_equal(st.last_reason, -1);
	assert_int_equal(st.expires, 0);
	assert_int_equal(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                     sizeof(out)),
	                 0);

	/* First source fails, the second has the zone. */
	script(2, (step_t[]){ { .kind = S_FAIL, .why = ODD_LRF_FETCH },
	                      { .kind = S_ZONE, .text = zone_00 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	assert_false(g_had_copy);
	status_is(lr, ODD_LR_FRESH, 2026112900, &st);
	assert_string_equal(st.source, "file:/backup/root.zone");
	assert_int_equal(st.loads, 1);
	assert_int_equal(st.refreshes, 1);
	assert_int_equal(st.failures[ODD_LRF_FETCH], 1);
	assert_int_equal(st.last_reason, -1);
	assert_string_equal(st.last_error, "");
	assert_int_equal(st.refreshed, T0);
	assert_int_equal(st.last_attempt, T0);
	assert_int_equal(st.sig_expires, SIG_END);
	assert_int_equal(st.expires, T0 + SOA_EXPIRE);
	assert_int_equal(st.next_refresh, T0 + 1800); /* SOA refresh */
	assert_true(st.records >= 20);

	/* The state file: the header line, then the zone. */
	FILE *f = fopen(g_state, "r");
	assert_non_null(f);
	char line[256];
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "; onedot-localroot refreshed=1796083200 "
	                          "source=file:/backup/root.zone "
	                          "serial=2026112900\n");

	/* Answers as a root server: a referral, an NXDOMAIN. */
	size_t n = ask(lr, "www.example.", OD_TYPE_A, OD_CLASS_IN, out,
	               sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NOERROR);
	assert_false(p.hdr.aa);
	assert_true(p.count[OD_AUTHORITY] >= 1);
	assert_int_equal(p.rr[OD_AUTHORITY][0].type, OD_TYPE_NS);
	od_pkt_free(&p);
	n = ask(lr, "junk-tld.", OD_TYPE_A, OD_CLASS_IN, out, sizeof(out));
	assert_int_equal(reply_rcode(out, n, &p), OD_RCODE_NXDOMAIN);
	assert_true(p.hdr.aa);
	od_pkt_free(&p);
	/* Not the root zone's business (another class): not answered. */
	assert_int_equal(ask(lr, "example.", OD_TYPE_NS, 3, out, sizeof(out)),
	                 0);
	odd_localroot_status(lr, &st);
	assert_int_equal(st.answers, 2);

	/* Disabled: not used, at once; enabled again. */
	odd_localroot_set_disabled(lr, true);
	assert_int_equal(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                     sizeof(out)),
	                 0);
	odd_localroot_status(lr, &st);
	assert_true(st.disabled);
	odd_localroot_set_disabled(lr, false);
	assert_true(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                sizeof(out)) > 0);

	/* Every source fails: stale, the copy still answers. */
	g_now = T0 + 100;
	script(2, (step_t[]){ { .kind = S_FAIL, .why = ODD_LRF_FETCH },
	                      { .kind = S_FAIL, .why = ODD_LRF_OLDER } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_OLDER);
	assert_true(g_had_copy);
	assert_int_equal(g_have_serial, 2026112900);
	status_is(lr, ODD_LR_STALE, 2026112900, &st);
	assert_int_equal(st.failures[ODD_LRF_FETCH], 2);
	assert_int_equal(st.failures[ODD_LRF_OLDER], 1);
	assert_int_equal(st.last_reason, ODD_LRF_OLDER);
	assert_non_null(strstr(st.last_error, "file:/backup/root.zone: "
	                                      "scripted failure"));
	assert_int_equal(st.next_refresh, T0 + 100 + 900); /* SOA retry */
	assert_int_equal(st.refreshed, T0);
	assert_true(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                sizeof(out)) > 0);

	/* Copies that fail verification are refused, by reason. */
	char *bad_md = edit(zone_01, "127.30.0.2", "127.30.0.9");
	char *bad_sig = edit(zone_01,
	                     "RRSIG ZONEMD 13 0 86400 20360101000000 "
	                     "20260101000000 37851 . ",
	                     "RRSIG ZONEMD 13 0 86400 20360101000000 "
	                     "20260101000000 37851 . AAAA");
	script(2, (step_t[]){ { .kind = S_ZONE, .text = bad_md },
	                      { .kind = S_ZONE, .text = bad_md } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_ZONEMD);
	script(2, (step_t[]){ { .kind = S_ZONE, .text = bad_sig },
	                      { .kind = S_ZONE, .text = bad_sig } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_SIGNATURE);
	script(2, (step_t[]){ { .kind = S_ZONE, .text = zone_nozonemd },
	                      { .kind = S_ZONE, .text = zone_nozonemd } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_ZONEMD);
	g_anchor.rdata = ds_other;
	script(2, (step_t[]){ { .kind = S_ZONE, .text = zone_01 },
	                      { .kind = S_ZONE, .text = zone_01 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_ANCHOR);
	g_anchor.rdata = ds_good;
	g_anchor.zone = (const uint8_t *)"\3com"; /* not the root's */
	script(2, (step_t[]){ { .kind = S_ZONE, .text = zone_01 },
	                      { .kind = S_ZONE, .text = zone_01 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_ANCHOR);
	g_anchor.zone = root_name;
	free(bad_md);
	free(bad_sig);
	status_is(lr, ODD_LR_STALE, 2026112900, &st);
	assert_int_equal(st.failures[ODD_LRF_ZONEMD], 4);
	assert_int_equal(st.failures[ODD_LRF_SIGNATURE], 2);
	assert_int_equal(st.failures[ODD_LRF_ANCHOR], 4);
	assert_int_equal(st.loads, 1);
	assert_true(st.last_error[0] != '\0');

	/* The same serial: a successful refresh without a new copy. */
	g_now = T0 + 200;
	script(1, (step_t[]){ { .kind = S_SAME } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	status_is(lr, ODD_LR_FRESH, 2026112900, &st);
	assert_int_equal(st.refreshes, 2);
	assert_int_equal(st.loads, 1);
	assert_int_equal(st.refreshed, T0 + 200);
	assert_int_equal(st.expires, T0 + 200 + SOA_EXPIRE);
	assert_string_equal(st.last_error, "");

	/* A new serial. */
	g_now = T0 + 300;
	script(1, (step_t[]){ { .kind = S_ZONE, .text = zone_01 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	status_is(lr, ODD_LR_FRESH, 2026112901, &st);
	assert_string_equal(st.source, "file:/primary/root.zone");
	assert_int_equal(st.loads, 2);
	assert_int_equal(st.refreshes, 3);

	/* Refreshes fail until the SOA expire is over: stale, then expired
	 * (checked at each answer, not only by the loader). */
	g_now = T0 + 300 + SOA_EXPIRE - 1;
	script(0, NULL);
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_FETCH);
	status_is(lr, ODD_LR_STALE, 2026112901, &st);
	assert_true(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                sizeof(out)) > 0);
	g_now = T0 + 300 + SOA_EXPIRE;
	assert_int_equal(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                     sizeof(out)),
	                 0);
	status_is(lr, ODD_LR_EXPIRED, 2026112901, &st);
	assert_int_equal(st.expires, 0);
	/* An unchanged serial does not bring it back: the expired copy is
	 * no longer offered to the fetcher, only a new copy is taken. */
	script(0, NULL);
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_FETCH);
	assert_false(g_had_copy);
	status_is(lr, ODD_LR_EXPIRED, 2026112901, &st);
	assert_int_equal(st.next_refresh, g_now + ODD_LR_RETRY_NOCOPY);
	script(1, (step_t[]){ { .kind = S_ZONE, .text = zone_01 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	status_is(lr, ODD_LR_FRESH, 2026112901, &st);
	assert_true(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                sizeof(out)) > 0);

	/* Near the signatures' end: the lifetime is bounded by them (less
	 * the margin); inside the margin a copy is refused as expired. */
	g_now = SIG_END - 3600 - 100;
	script(1, (step_t[]){ { .kind = S_ZONE, .text = zone_01 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	status_is(lr, ODD_LR_FRESH, 2026112901, &st);
	assert_int_equal(st.expires, SIG_END - 3600);
	g_now += 50;
	script(1, (step_t[]){ { .kind = S_SAME } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	status_is(lr, ODD_LR_FRESH, 2026112901, &st);
	assert_int_equal(st.expires, SIG_END - 3600);
	assert_int_equal(st.refreshed, SIG_END - 3600 - 50);
	g_now = SIG_END - 1800;
	script(2, (step_t[]){ { .kind = S_ZONE, .text = zone_00 },
	                      { .kind = S_ZONE, .text = zone_01 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_EXPIRED);
	status_is(lr, ODD_LR_EXPIRED, 2026112901, &st);
	assert_int_equal(st.failures[ODD_LRF_EXPIRED], 2);
	/* After the signatures' end: they do not verify. */
	g_now = SIG_END + 10;
	script(2, (step_t[]){ { .kind = S_ZONE, .text = zone_01 },
	                      { .kind = S_ZONE, .text = zone_00 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_SIGNATURE);
	status_is(lr, ODD_LR_EXPIRED, 2026112901, &st);
	odd_localroot_free(lr);
}

static void write_state(const char *text)
{
	FILE *f = fopen(g_state, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_restart(void **state)
{
	(void)state;
	static const char *const srcs[] = { "axfr://127.30.0.1" };
	odd_lr_status_t st;
	uint8_t out[4096];

	/* Save a copy. */
	odd_localroot_t *lr = open_file_lr(srcs, 1);
	script(1, (step_t[]){ { .kind = S_ZONE, .text = zone_00 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	odd_localroot_free(lr);

	/* A restart inside its lifetime: used at once (no fetch). */
	g_now = T0 + 3600;
	lr = open_file_lr(srcs, 1);
	status_is(lr, ODD_LR_FRESH, 2026112900, &st);
	assert_int_equal(st.refreshed, T0);
	assert_int_equal(st.expires, T0 + SOA_EXPIRE);
	assert_string_equal(st.source, "axfr://127.30.0.1");
	assert_true(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                sizeof(out)) > 0);
	/* The loader's first refresh sees the copy. */
	script(1, (step_t[]){ { .kind = S_SAME } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	assert_true(g_had_copy);
	assert_int_equal(g_have_serial, 2026112900);
	odd_localroot_free(lr);

	/* The lifetime counts from the refresh saved in the file: a restart
	 * after it is over does not resurrect the copy. */
	g_now = T0 + 3600 + SOA_EXPIRE;
	lr = open_file_lr(srcs, 1);
	status_is(lr, ODD_LR_EXPIRED, 2026112900, &st);
	assert_int_equal(st.last_reason, ODD_LRF_EXPIRED);
	assert_int_equal(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                     sizeof(out)),
	                 0);
	odd_localroot_free(lr);

	/* Signatures over: expired as well, not "broken". */
	g_now = SIG_END + 1;
	lr = open_file_lr(srcs, 1);
	status_is(lr, ODD_LR_EXPIRED, 2026112900, &st);
	odd_localroot_free(lr);

	/* A damaged file: not used, none, with the reason. */
	g_now = T0 + 3600;
	write_state(zone_00); /* no header line */
	lr = open_file_lr(srcs, 1);
	status_is(lr, ODD_LR_NONE, 0, &st);
	odd_localroot_free(lr);
	char *text = malloc(strlen(zone_00) + 200);
	assert_non_null(text);
	sprintf(text, "; onedot-localroot refreshed=%lld source=x serial=1\n%s",
	        (long long)T0, zone_00);
	char *bad = edit(text, "127.30.0.2", "127.30.0.9");
	write_state(bad);
	lr = open_file_lr(srcs, 1);
	status_is(lr, ODD_LR_NONE, 2026112900, &st);
	assert_int_equal(st.last_reason, ODD_LRF_ZONEMD);
	odd_localroot_free(lr);
	write_state(text);
	lr = open_file_lr(srcs, 1);
	status_is(lr, ODD_LR_FRESH, 2026112900, &st);
	assert_string_equal(st.source, "x");
	odd_localroot_free(lr);
	free(bad);
	free(text);

	/* check_only reads nothing. */
	lr = open_sources(srcs, 1, true, g_state);
	status_is(lr, ODD_LR_NONE, 0, &st);
	odd_localroot_free(lr);
}

/* A newer version refused, then a source that still has our serial:
 * the copy stays stale and its lifetime is not extended. A copy that
 * expires while a source is asked is not brought back by "same serial".
 * A saved refresh time ahead of the clock is not trusted. */
static void test_refresh_edges(void **state)
{
	(void)state;
	static const char *const srcs[] = { "file:/primary/root.zone",
		                            "file:/mirror/root.zone" };
	odd_lr_status_t st;
	uint8_t out[4096];
	odd_localroot_t *lr = open_file_lr(srcs, 2);
	script(1, (step_t[]){ { .kind = S_ZONE, .text = zone_00 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	status_is(lr, ODD_LR_FRESH, 2026112900, &st);

	char *bad = edit(zone_01, "127.30.0.2", "127.30.0.9");
	g_now = T0 + 3600;
	script(2, (step_t[]){ { .kind = S_ZONE, .text = bad },
	                      { .kind = S_SAME } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_ZONEMD);
	status_is(lr, ODD_LR_STALE, 2026112900, &st);
	assert_int_equal(st.refreshed, T0);
	assert_int_equal(st.expires, T0 + SOA_EXPIRE);
	assert_int_equal(st.refreshes, 1);
	assert_true(strstr(st.last_error, "/primary/") != NULL);
	free(bad);

	/* The copy's lifetime ends while the first source is asked. */
	g_now = T0 + SOA_EXPIRE - 10;
	script(2, (step_t[]){ { .kind = S_SAME, .takes = 20 },
	                      { .kind = S_FAIL, .why = ODD_LRF_FETCH } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_FETCH);
	status_is(lr, ODD_LR_EXPIRED, 2026112900, &st);
	assert_int_equal(st.failures[ODD_LRF_EXPIRED], 1);
	assert_false(g_had_copy); /* the mirror was asked for a full copy */
	assert_int_equal(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                     sizeof(out)),
	                 0);
	odd_localroot_free(lr);

	/* A saved copy refreshed "in the future". */
	char *text = malloc(strlen(zone_00) + 200);
	assert_non_null(text);
	g_now = T0;
	sprintf(text, "; onedot-localroot refreshed=%lld source=x serial=1\n%s",
	        (long long)(T0 + 86400), zone_00);
	write_state(text);
	lr = open_file_lr(srcs, 1);
	status_is(lr, ODD_LR_NONE, 0, &st);
	odd_localroot_free(lr);
	free(text);
}

/* require-zonemd: false accepts a signed zone without ZONEMD, and still
 * refuses one whose ZONEMD is wrong. */
static void test_zonemd_optional(void **state)
{
	(void)state;
	static const char *const srcs[] = { "file:/primary/root.zone" };
	odd_lr_status_t st;
	g_require_zonemd = false;
	odd_localroot_t *lr = open_file_lr(srcs, 1);
	g_require_zonemd = true;
	char *bad = edit(zone_01, "127.30.0.2", "127.30.0.9");
	script(1, (step_t[]){ { .kind = S_ZONE, .text = bad } });
	assert_int_equal(odd_localroot_refresh_sync(lr), ODD_LRF_ZONEMD);
	status_is(lr, ODD_LR_NONE, 0, &st);
	script(1, (step_t[]){ { .kind = S_ZONE, .text = zone_nozonemd } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	odd_localroot_status(lr, &st);
	assert_int_equal(st.state, ODD_LR_FRESH);
	assert_int_equal(st.failures[ODD_LRF_ZONEMD], 1);
	odd_localroot_free(lr);
	free(bad);
}

static void test_state_file_unwritable(void **state)
{
	(void)state;
	static const char *const srcs[] = { "file:/z" };
	odd_lr_conf_t lc;
	odd_localroot_t *lr = NULL;
	odd_lr_status_t st;
	char err[256], path[200];
	uint8_t out[4096];
	odd_localroot_set_clock(test_wall, NULL);
	odd_lr_conf_init(&lc);
	odd_lr_source_t s;
	assert_int_equal(odd_lr_source_parse(srcs[0], &s, err, sizeof(err)), 0);
	assert_int_equal(odd_lr_conf_add(&lc, &s), 0);
	snprintf(path, sizeof(path), "%s/missing-dir/lr.zone", g_dir);
	lc.state = strdup(path);
	assert_int_equal(odd_localroot_open(&lr, &lc, NULL, TRUST, false, err,
	                                    sizeof(err)),
	                 0);
	odd_lr_conf_free(&lc);
	script(1, (step_t[]){ { .kind = S_ZONE, .text = zone_00 } });
	assert_int_equal(odd_localroot_refresh_sync(lr), -1);
	status_is(lr, ODD_LR_FRESH, 2026112900, &st);
	assert_int_equal(st.failures[ODD_LRF_STORE], 1);
	assert_true(ask(lr, "example.", OD_TYPE_NS, OD_CLASS_IN, out,
	                sizeof(out)) > 0);
	odd_localroot_free(lr);
}

static void test_open_errors(void **state)
{
	(void)state;
	odd_lr_conf_t lc;
	odd_localroot_t *lr = NULL;
	char err[256] = "";
	odd_lr_conf_init(&lc);
	assert_int_equal(odd_localroot_open(&lr, &lc, NULL, TRUST, true, err,
	                                    sizeof(err)),
	                 OD_EINVAL);
	assert_non_null(strstr(err, "no source"));
	odd_lr_conf_free(&lc);
}

/* The loader thread: the first refresh at once, another on request. */
static void test_loader(void **state)
{
	(void)state;
	static const char *const srcs[] = { "file:/z" };
	odd_localroot_set_clock(NULL, NULL);
	odd_localroot_t *lr = open_sources(srcs, 1, false, g_state);
	odd_lr_status_t st;
	script(2, (step_t[]){ { .kind = S_ZONE, .text = zone_00 },
	                      { .kind = S_ZONE, .text = zone_01 } });
	/* The real clock: the signatures are valid until 2036. */
	assert_int_equal(odd_localroot_start(lr), 0);
	assert_int_equal(odd_localroot_refresh_sync(lr), OD_EINVAL);
	for (int i = 0; i < 3000; i++) {
		odd_localroot_status(lr, &st);
		if (st.loads >= 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.loads, 1);
	assert_int_equal(st.state, ODD_LR_FRESH);
	odd_localroot_refresh(lr);
	for (int i = 0; i < 3000; i++) {
		odd_localroot_status(lr, &st);
		if (st.loads >= 2)
			break;
		usleep(10000);
	}
	assert_int_equal(st.loads, 2);
	assert_int_equal(st.serial, 2026112901);
	odd_localroot_free(lr);
}

int main(void)
{
	memcpy(ds_other, ds_good, sizeof(ds_other));
	ds_other[35] ^= 0x01;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_source_parse),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test_setup_teardown(test_lifecycle, setup_dir,
		                                teardown_dir),
		cmocka_unit_test_setup_teardown(test_restart, setup_dir,
		                                teardown_dir),
		cmocka_unit_test_setup_teardown(test_refresh_edges, setup_dir,
		                                teardown_dir),
		cmocka_unit_test_setup_teardown(test_zonemd_optional, setup_dir,
		                                teardown_dir),
		cmocka_unit_test_setup_teardown(test_state_file_unwritable,
		                                setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_loader, setup_dir,
		                                teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
