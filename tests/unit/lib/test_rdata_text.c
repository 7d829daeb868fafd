/* SPDX-License-Identifier: MIT */
/*
 * Presentation input of RDATA (src/lib/rdata_text.c): one case per type
 * with a layout, round trips through the printer, conformance data of
 * other projects (simdzone, unbound) and error reporting.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

#define MAXTOK 4096

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void origin_set(uint8_t *origin, const char *s)
{
	assert_true(od_name_from_str(origin, s, strlen(s), NULL) > 0);
}

/* Parse RDATA text of a type (by mnemonic) with origin example.com. */
static int parse(const char *type, const char *text, uint8_t *out, size_t cap,
                 od_rdata_diag_t *diag)
{
	static od_tok_t toks[MAXTOK];
	uint16_t t;
	uint8_t origin[OD_NAME_MAXLEN];
	origin_set(origin, "example.com.");
	assert_int_equal(od_rrtype_from_str(type, strlen(type), &t), 0);
	int n = od_tok_split(text, strlen(text), toks, MAXTOK);
	if (n < 0)
		return n;
	return od_rdata_from_text(t, toks, (size_t)n, origin, out, cap, diag);
}

/* text -> wire -> text -> wire gives the same wire. */
static void check_roundtrip(uint16_t type, const uint8_t *wire, size_t len,
                            const char *label)
{
	static char text[1 << 20];
	static od_tok_t toks[MAXTOK * 4];
	static uint8_t again[OD_RDATA_MAXLEN];
	int tl = od_rdata_to_str(type, wire, len, text, sizeof(text));
	assert_true(tl >= 0);
	int n = od_tok_split(text, (size_t)tl, toks, MAXTOK * 4);
	if (n < 0)
		fail_msg("%s: printed text does not split: %s", label, text);
	od_rdata_diag_t diag = { 0, NULL };
	int r = od_rdata_from_text(type, toks, (size_t)n, NULL, again,
	                           sizeof(again), &diag);
	if (r != (int)len || memcmp(again, wire, len) != 0)
		fail_msg("%s: round trip of \"%s\" gave %d (%s at token %zu)",
		         label, text, r, diag.expected ? diag.expected : "-",
		         diag.tok);
}

/* (a) one presentation string per type with a layout. */
struct tcase {
	const char *type;
	const char *text;
	const char *hex;
};

static const struct tcase cases[] = {
	{ "A", "192.0.2.1", "c0000201" },
	{ "NS", "ns1", "036e7331076578616d706c6503636f6d00" },
	{ "MD", "md.example.", "026d64076578616d706c6500" },
	{ "MF", "mf.example.", "026d66076578616d706c6500" },
	{ "CNAME", "@", "076578616d706c6503636f6d00" },
	{ "SOA",
	  "ns.example. hostmaster.example. 2024010101 7200 3600 1209600 300",
	  "026e73076578616d706c65000a686f73746d6173746572076578616d706c650078a3f17500001c2000000e10001275000000012c" },
	{ "MB", "mb.example.", "026d62076578616d706c6500" },
	{ "MG", "mg.example.", "026d67076578616d706c6500" },
	{ "MR", "mr.example.", "026d72076578616d706c6500" },
	{ "WKS", "10.0.0.1 udp domain 123 ntp",
	  "0a0000011100000000000004000000000000000010" },
	{ "PTR", "host.example.", "04686f7374076578616d706c6500" },
	{ "HINFO", "\"PC Intel\" Linux", "08504320496e74656c054c696e7578" },
	{ "MINFO", "rm.example. em.example.",
	  "02726d076578616d706c650002656d076578616d706c6500" },
	{ "MX", "10 mail.example.", "000a046d61696c076578616d706c6500" },
	{ "TXT", "\"a b\" c \"\\\"q\\\"\" \"\\065\\\\\"",
	  "0361206201630322712202415c" },
	{ "RP", "mbox.example. txt.example.",
	  "046d626f78076578616d706c650003747874076578616d706c6500" },
	{ "AFSDB", "1 afs.example.", "000103616673076578616d706c6500" },
	{ "X25", "\"311061700956\"", "0c333131303631373030393536" },
	{ "ISDN", "\"150862028003217\"", "0f313530383632303238303033323137" },
	{ "RT", "10 relay.example.", "000a0572656c6179076578616d706c6500" },
	{ "NSAP", "0x47.0005.80.005a00.0000.0001.e133.aaaaaa000111.00",
	  "47000580005a0000000001e133aaaaaa00011100" },
	{ "NSAP-PTR", "host.example.", "04686f7374076578616d706c6500" },
	{ "SIG",
	  "A 5 2 3600 20240102030405 20231202030405 12345 example. AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJz",
	  "0001050200000e1065937d25656a9ea53039076578616d706c650003010001acffb409bcc939f831f7a1e5ec88f7a59255ec53040be4320273" },
	{ "KEY",
	  "256 3 RSASHA256 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=",
	  "0100030803010001acffb409bcc939f831f7a1e5ec88f7a59255ec53040be432027390a4ce896d6f9086f3c5e177fbfe118163aaec7af1462c47945944c4e2c026be5e98bbcded25978272e1e3e079c5094d573f0e83c92f02b32d3513b1550b826929c80dd0f92cac966d17769fd5867b647c3f38029abdc48152eb8f207159ecc5d232c7c1537c79f4b7ac28ff11682f21681bf6d6aba555032bf6f9f036beb2aaa5b3778d6eebfba6bf9ea191be4ab0caea759e2f773a1f9029c73ecb8d5735b9321db085f1b8e2d8038fe2941992548cee0d67dd4547e11dd63af9c9fc1c5466fb684cf009d7197c2cf79e792ab501e6a8a1ca519af2cb9b5f6367e94c0d47502451357be1b5" },
	{ "PX", "10 map822.example. mapx400.example.",
	  "000a066d6170383232076578616d706c6500076d617078343030076578616d706c6500" },
	{ "GPOS", "-32.6882 116.8652 10.0",
	  "082d33322e36383832083131362e383635320431302e30" },
	{ "AAAA", "2001:db8::1", "20010db8000000000000000000000001" },
	{ "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
	  "000016138b3cf018810cbce0009895b8" },
	{ "NXT", "next.example. A NS NXT",
	  "046e657874076578616d706c650060000002" },
	{ "EID", "0123 4567 89ab", "0123456789ab" },
	{ "NIMLOC", "32 27 45", "322745" },
	{ "SRV", "0 5 5060 sip.example.",
	  "0000000513c403736970076578616d706c6500" },
	{ "ATMA", "+1.908.555.1212", "013139303835353531323132" },
	{ "NAPTR", "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
	  "0064000a0175074532552b7369701b215e2e2a24217369703a696e666f406578616d706c652e636f6d2100" },
	{ "KX", "10 kx.example.", "000a026b78076578616d706c6500" },
	{ "CERT", "PGP 0 0 AwEAAaz/tAm8yTn4Mfeh",
	  "000300000003010001acffb409bcc939f831f7a1" },
	{ "A6", "64 ::1:2:3:4 prefix.example.",
	  "40000100020003000406707265666978076578616d706c6500" },
	{ "DNAME", "target.example.", "06746172676574076578616d706c6500" },
	{ "SINK", "1 0 AAEC", "0100000102" },
	{ "APL",
	  "1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32 1:0.0.0.0/0",
	  "00011503c0a82000011c83c0a8260002200420010db800010000" },
	{ "DS", "60485 5 1 2BB183AF5F22588179A53B0A 98631FAD1A292118",
	  "ec4505012bb183af5f22588179a53b0a98631fad1a292118" },
	{ "SSHFP", "2 1 123456789abcdef67890123456789abcdef67890",
	  "0201123456789abcdef67890123456789abcdef67890" },
	{ "IPSECKEY",
	  "10 3 2 gw.example. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
	  "0a0302026777076578616d706c6500010351537986ed35533b6064478eeeb27b5bd74dae149b6e81ba3a0521af82ab7801" },
	{ "RRSIG",
	  "NSEC3PARAM ECDSAP256SHA256 2 0 1700000000 20231101000000 4242 example. AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTO",
	  "00330d02000000006553f100654195001092076578616d706c650003010001acffb409bcc939f831f7a1e5ec88f7a59255ec53040be432027390a4ce" },
	{ "NSEC", "next.example. A NS SOA RRSIG NSEC DNSKEY TYPE65534 CAA",
	  "046e657874076578616d706c6500000762000000000380010140ff200000000000000000000000000000000000000000000000000000000000000002" },
	{ "DNSKEY",
	  "257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=",
	  "0101030803010001acffb409bcc939f831f7a1e5ec88f7a59255ec53040be432027390a4ce896d6f9086f3c5e177fbfe118163aaec7af1462c47945944c4e2c026be5e98bbcded25978272e1e3e079c5094d573f0e83c92f02b32d3513b1550b826929c80dd0f92cac966d17769fd5867b647c3f38029abdc48152eb8f207159ecc5d232c7c1537c79f4b7ac28ff11682f21681bf6d6aba555032bf6f9f036beb2aaa5b3778d6eebfba6bf9ea191be4ab0caea759e2f773a1f9029c73ecb8d5735b9321db085f1b8e2d8038fe2941992548cee0d67dd4547e11dd63af9c9fc1c5466fb684cf009d7197c2cf79e792ab501e6a8a1ca519af2cb9b5f6367e94c0d47502451357be1b5" },
	{ "DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
	  "000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40" },
	{ "NSEC3",
	  "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG",
	  "0101000c04aabbccdd14174eb2409fe28bcb4887a1836f957f0a8425e27b000722010000000290" },
	{ "NSEC3PARAM", "1 0 0 -", "0100000000" },
	{ "TLSA",
	  "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
	  "0301010c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6" },
	{ "SMIMEA", "3 0 0 AB CD", "030000abcd" },
	{ "HIP",
	  "2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc rvs.example.",
	  "1002000c200100107b1a74df365639cc39f1d57803010001b771ca136e4aeb5c03727673076578616d706c6500" },
	{ "NINFO", "\"ninfo\" \"x\"", "056e696e666f0178" },
	{ "RKEY", "0 3 10 AQID", "0000030a010203" },
	{ "TALINK", "prev.example. next.example.",
	  "0470726576076578616d706c6500046e657874076578616d706c6500" },
	{ "CDS", "0 0 0 00", "0000000000" },
	{ "CDNSKEY", "0 3 0 AA==", "0000030000" },
	{ "OPENPGPKEY", "AQID BAUG", "010203040506" },
	{ "CSYNC", "66 3 A NS AAAA", "000000420003000460000008" },
	{ "ZONEMD",
	  "2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE",
	  "7848b78c0101febe3d4ce2ec2ffa4ba99d46cd69d6d29711e55217057bee7eb1a7b641a47ba7fed2dd5b97ae499fafa4f22c6bd647de" },
	{ "SVCB",
	  "1 . alpn=h2,h3 port=8443 ipv4hint=192.0.2.1,192.0.2.2 key65000=\"x y\"",
	  "000100000100060268320268330003000220fb00040008c0000201c0000202fde80003782079" },
	{ "HTTPS",
	  "1 . alpn=h3 no-default-alpn mandatory=alpn ech=AQID ipv6hint=2001:db8::1 dohpath=/q{?dns} ohttp tls-supported-groups=29,23",
	  "0001000000000200010001000302683300020000000500030102030006001020010db8000000000000000000000001000700082f717b3f646e737d0008000000090004001d0017" },
	{ "DSYNC", "CDS 1 5359 cds-scanner.example.net.",
	  "003b0114ef0b6364732d7363616e6e6572076578616d706c65036e657400" },
	{ "HHIT", "AQID", "010203" },
	{ "BRID", "AQIDBA==", "01020304" },
	{ "SPF", "\"v=spf1 -all\"", "0b763d73706631202d616c6c" },
	{ "NID", "10 14:4fff:ff20:ee64", "000a00144fffff20ee64" },
	{ "L32", "10 10.1.2.0", "000a0a010200" },
	{ "L64", "10 2001:0DB8:1140:1000", "000a20010db811401000" },
	{ "LP", "10 l64-subnet1.example.com.",
	  "000a0b6c36342d7375626e657431076578616d706c6503636f6d00" },
	{ "EUI48", "00-00-5e-00-53-2a", "00005e00532a" },
	{ "EUI64", "00-00-5e-ef-10-00-00-2a", "00005eef1000002a" },
	{ "TKEY", "hmac-sha256. 20240101000000 20240102000000 3 0 4 01020304 0",
	  "0b686d61632d736861323536006592008065935200000300000004010203040000" },
	{ "TSIG", "hmac-sha256. 1700000000 300 4 AQIDBA== 4242 0 0",
	  "0b686d61632d7368613235360000006553f100012c000401020304109200000000" },
	{ "URI", "10 1 \"ftp://ftp1.example.com/public\"",
	  "000a00016674703a2f2f667470312e6578616d706c652e636f6d2f7075626c6963" },
	{ "CAA", "0 issue \"ca.example.net; account=230123\"",
	  "0005697373756563612e6578616d706c652e6e65743b206163636f756e743d323330313233" },
	{ "AVC", "\"app-name:WOLFGANG|app-class:OAM\"",
	  "1f6170702d6e616d653a574f4c4647414e477c6170702d636c6173733a4f414d" },
	{ "DOA", "0 1 2 \"\" bWFpbHRvOmxhYnNAbmxuZXRsYWJzLm5s",
	  "000000000000000102006d61696c746f3a6c616273406e6c6e65746c6162732e6e6c" },
	{ "AMTRELAY", "10 1 3 amtrelays.example.com.",
	  "0a8309616d7472656c617973076578616d706c6503636f6d00" },
	{ "RESINFO",
	  "qnamemin exterr=15,16,17 infourl=https://resolver.example.com/guide",
	  "08716e616d656d696e0f6578746572723d31352c31362c31372a696e666f75726c3d68747470733a2f2f7265736f6c7665722e6578616d706c652e636f6d2f6775696465" },
	{ "WALLET", "\"BTC\" \"bc1qexample\"",
	  "034254430b626331716578616d706c65" },
	{ "IPN", "429496729700", "0000006400000064" },
	{ "TA", "58470 5 1 3079F1593EBAD6DC121E202A8B766A6A4837206C",
	  "e46605013079f1593ebad6dc121e202a8b766a6a4837206c" },
	{ "DLV", "58470 RSASHA1 1 3079F1593EBAD6DC121E202A8B766A6A4837206C",
	  "e46605013079f1593ebad6dc121e202a8b766a6a4837206c" },
};

static void test_types(void **state)
{
	(void)state;
	static uint8_t out[OD_RDATA_MAXLEN], want[OD_RDATA_MAXLEN];
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct tcase *tc = &cases[k];
		od_rdata_diag_t diag = { 0, NULL };
		int n = parse(tc->type, tc->text, out, sizeof(out), &diag);
		size_t wl = unhex(tc->hex, want, sizeof(want));
		if (n < 0)
			fail_msg("%s %s: %s (%s at token %zu)", tc->type,
			         tc->text, od_strerror(n),
			         diag.expected ? diag.expected : "-", diag.tok);
		if ((size_t)n != wl || memcmp(out, want, wl) != 0) {
			char got[2 * 4096 + 1] = "";
			for (int j = 0; j < n && j < 4096; j++)
				sprintf(got + 2 * j, "%02x", out[j]);
			fail_msg("%s %s:\n got %s\nwant %s", tc->type, tc->text,
			         got, tc->hex);
		}
		uint16_t t;
		assert_int_equal(
		        od_rrtype_from_str(tc->type, strlen(tc->type), &t), 0);
		assert_int_equal(od_rdata_check(t, out, (size_t)n), 0);
		check_roundtrip(t, out, (size_t)n, tc->type);
	}
}

/* Every type of the table that has a layout has a case above. */
static void test_types_covered(void **state)
{
	(void)state;
	const od_rrtype_desc_t *d;
	int missing = 0;
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++) {
		if ((d->flags & OD_RRT_OPAQUE) || d->fields[0] == OD_F_END)
			continue;
		bool found = false;
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
			if (strcasecmp(cases[k].type, d->name) == 0)
				found = true;
		if (!found) {
			print_error("no presentation case for %s\n", d->name);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

/* Alternative spellings that give the same wire as a canonical text. */
static void same(const char *type, const char *a, const char *b)
{
	static uint8_t x[OD_RDATA_MAXLEN], y[OD_RDATA_MAXLEN];
	od_rdata_diag_t diag = { 0, NULL };
	int n = parse(type, a, x, sizeof(x), &diag);
	if (n < 0)
		fail_msg("%s %s: %s (%s at token %zu)", type, a, od_strerror(n),
		         diag.expected ? diag.expected : "-", diag.tok);
	int m = parse(type, b, y, sizeof(y), &diag);
	if (m < 0)
		fail_msg("%s %s: %s (%s at token %zu)", type, b, od_strerror(m),
		         diag.expected ? diag.expected : "-", diag.tok);
	if (n != m || memcmp(x, y, (size_t)n) != 0)
		fail_msg("%s: \"%s\" and \"%s\" differ", type, a, b);
}

static void test_variants(void **state)
{
	(void)state;
	/* numbers of seconds for times */
	same("RRSIG", "A 8 2 300 20240102030405 20231202030405 1 . AQID",
	     "A 8 2 300 1704164645 1701486245 1 . AQID");
	/* mnemonic and numeric algorithms, TYPEnnn */
	same("DS", "1 RSASHA256 2 AB", "1 8 2 ab");
	same("RRSIG", "TYPE1 8 2 300 1 1 1 . AQID", "A 8 2 300 1 1 1 . AQID");
	/* bitmaps in any order with duplicates */
	same("NSEC", "x. MX A TYPE1 A RRSIG", "x. A MX RRSIG");
	same("NSEC", "x.", "x.");
	/* base64 and hex split anywhere */
	same("DNSKEY", "256 3 8 A QI D", "256 3 8 AQID");
	same("DS", "1 8 2 a bc d", "1 8 2 ABCD");
	/* quoted and unquoted strings, escapes */
	same("TXT", "\"abc\" \"\\100\"", "abc d");
	same("HINFO", "\"a\\\"b\" c", "a\\\"b \"c\"");
	/* LOC defaults and spelled-out parts */
	same("LOC", "42 21 54 N 71 6 18 W -24m 30m",
	     "42 21 54.000 N 71 06 18.000 W -24.00m 30m 10000m 10m");
	same("LOC", "42 N 71 W 0", "42 0 0 N 71 0 0 W 0m 1m 10000m 10m");
	/* SvcParams: order, quoting, keyNNNNN for known keys */
	same("SVCB", "1 . port=53 alpn=h2", "1 . alpn=\"h2\" port=\"53\"");
	same("SVCB", "1 . mandatory=port,alpn alpn=h2 port=53",
	     "1 . mandatory=key1,key3 port=53 alpn=h2");
	/* keyNNNNN has an opaque value even for a named key (RFC 9460 §2.1) */
	same("SVCB", "1 . port=53 alpn=h2", "1 . key1=\\002h2 key3=\\000\\053");
	same("SVCB", "1 . docpath=a,bc", "1 . key10=\\001a\\002bc");
	/* relative names, @ */
	same("MX", "10 @", "10 example.com.");
	same("NS", "a.b", "a.b.example.com.");
	/* generic form of a known type, hex split over tokens */
	same("A", "\\# 4 c000 02 01", "192.0.2.1");
	same("TXT", "\\# 4 03616263", "abc");
	/* WKS services by number and name */
	same("WKS", "10.0.0.1 6 25 80", "10.0.0.1 TCP smtp www");
	/* CDS/CDNSKEY delete form: RFC 8078 §4 as corrected by erratum 5049
	 * (one zero octet of digest or key) */
	same("CDS", "0 0 0 0", "0 0 0 00");
	same("CDNSKEY", "0 3 0 0", "0 3 0 AA==");
	/* the form with no digest or key, as some signers write it */
	same("CDS", "\\# 4 00000000", "\\# 4 0000 0000");
	/* SALT, DOA dash */
	same("NSEC3PARAM", "1 0 10 -", "\\# 5 0100000a00");
	/* IPN node.service form */
	same("IPN", "100.100", "429496729700");
	/* tokens glued by escapes */
	same("TXT", "a\\ b", "\"a b\"");
}

/* (c) errors name the token and what was expected there. */
static void bad(const char *type, const char *text, int err, size_t tok)
{
	static uint8_t out[OD_RDATA_MAXLEN];
	od_rdata_diag_t diag = { 999, NULL };
	int n = parse(type, text, out, sizeof(out), &diag);
	if (n >= 0)
		fail_msg("%s %s: accepted", type, text);
	if ((err && n != err) || diag.tok != tok || diag.expected == NULL)
		fail_msg("%s %s: %s at token %zu (%s), want %s at %zu", type,
		         text, od_strerror(n), diag.tok,
		         diag.expected ? diag.expected : "-", od_strerror(err),
		         tok);
}

static void test_errors(void **state)
{
	(void)state;
	bad("A", "192.0.2", OD_ESYNTAX, 0);
	bad("A", "", OD_ESYNTAX, 0);
	bad("A", "192.0.2.1 x", OD_ETRAILING, 1);
	bad("AAAA", "2001:db8::g", OD_ESYNTAX, 0);
	bad("MX", "65536 mx.", OD_ERANGE, 0);
	bad("MX", "-1 mx.", OD_ESYNTAX, 0);
	bad("MX", "10", OD_ESYNTAX, 1);
	bad("SOA", "a. b. 1 2 3 4 4294967296", OD_ERANGE, 6);
	bad("SOA", "a. b. 1 2 3 4", OD_ESYNTAX, 6);
	bad("NS", "a..b.", OD_ESYNTAX, 0);
	bad("RRSIG", "A 8 2 300 20241302030405 1 1 . AQID", OD_ERANGE, 4);
	bad("RRSIG", "A 8 2 300 2024010203040 1 1 . AQID", 0, 4);
	bad("RRSIG", "BOGUS 8 2 300 1 1 1 . AQID", OD_ETYPE, 0);
	bad("DNSKEY", "256 3 8 AQI*", OD_EBASE64, 3);
	bad("DNSKEY", "256 3 8 AQI", OD_EBASE64, 3);
	bad("DNSKEY", "256 3 8 AQ== AQ==", OD_EBASE64, 4);
	bad("DS", "1 8 2 ABC", OD_EHEX, 3);
	bad("DS", "1 8 2 AB XY", OD_EHEX, 4);
	bad("DS", "1 FOO 2 AB", OD_ESYNTAX, 1);
	bad("TXT", "", OD_ESYNTAX, 0);
	bad("TXT", "ok \"\\256\"", OD_ESYNTAX, 1);
	bad("TXT", "ok \"\\0\"", OD_ESYNTAX, 1);
	bad("TXT", "x\\", OD_ESYNTAX, 0);
	char longstr[300];
	memset(longstr, 'a', 256);
	strcpy(longstr + 256, " ok");
	bad("TXT", longstr, OD_ERANGE, 0);
	longstr[255] = ' ';
	uint8_t tmp[512];
	assert_int_equal(parse("TXT", longstr, tmp, sizeof(tmp), NULL), 259);
	bad("NSEC", "x. A BOGUS", OD_ETYPE, 2);
	bad("NSEC3", "1 1 12 aabbccdd 0p9mhaveqvm6t7vbl5lop2u3t2rp3to!", 0, 4);
	bad("NSEC3PARAM", "1 0 0 abc", OD_EHEX, 3);
	bad("EUI48", "00-00-5e-00-53", OD_ESYNTAX, 0);
	bad("EUI64", "00-00-5e-00-53-2a-00-0g", OD_ESYNTAX, 0);
	bad("L64", "10 2001:db8:1:2:3", OD_ESYNTAX, 1);
	bad("LOC", "91 N 0 E 0m", OD_ERANGE, 0);
	bad("LOC", "90 30 N 0 E 0m", OD_ERANGE, 2);
	bad("LOC", "10 60 N 0 E 0m", 0, 1);
	bad("LOC", "10 N 0 E", OD_ESYNTAX, 4);
	bad("LOC", "10 N 0 E 0m 90000001m", OD_ERANGE, 5);
	bad("LOC", "10 X 0 E 0m", 0, 1);
	bad("APL", "1:192.0.2.0/33", OD_ERANGE, 0);
	bad("APL", "3:192.0.2.0/8", OD_ESYNTAX, 0);
	bad("APL", "1:192.0.2.0/8 2:192.0.2.0/8", OD_ESYNTAX, 1);
	bad("CAA", "0 is-sue \"x\"", OD_ESYNTAX, 1);
	bad("URI", "10 1", OD_ESYNTAX, 2);
	bad("WKS", "10.0.0.1 tcp nosuchservice", 0, 2);
	bad("WKS", "10.0.0.1 tcp 65536", OD_ERANGE, 2);
	bad("IPSECKEY", "10 4 2 x AQID", OD_ERANGE, 1);
	bad("IPSECKEY", "10 1 2 ::1 AQID", OD_ESYNTAX, 3);
	bad("IPSECKEY", "10 0 2 x. AQID", OD_ESYNTAX, 3);
	bad("AMTRELAY", "10 2 1 1.2.3.4", OD_ERANGE, 1);
	bad("NSAP", "47.0005", OD_ESYNTAX, 0);
	bad("NSAP", "0x470", OD_ESYNTAX, 0);
	bad("HIP", "2 xyz AQID", OD_EHEX, 1);
	bad("A6", "129 ::1", OD_ERANGE, 0);
	bad("A6", "64 ::1", OD_ESYNTAX, 2);
	bad("NXT", "x. A TYPE128", OD_ERANGE, 2);
	bad("TSIG", "hmac. 1 300 4 AQID 1 0 0", OD_ERDLEN, 4);
	/* generic form */
	bad("A", "\\# 5 c0000201", OD_ERDLEN, 2);
	bad("A", "\\# 3 c00002", 0, 0);
	bad("A", "\\# 4", OD_ESYNTAX, 2);
	bad("A", "\\# 0 00", OD_ETRAILING, 2);
	bad("A", "\\# 65536 00", OD_ERANGE, 1);
	bad("A", "\\# 4 c00002zz", OD_EHEX, 2);
	bad("TYPE999", "x", OD_ESYNTAX, 0);
	bad("NULL", "x", OD_ESYNTAX, 0);
	/* SvcParams */
	bad("SVCB", "1 . alpn=h2 alpn=h3", OD_ESVCPARAM, 3);
	bad("SVCB", "1 . foo=bar", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . port=x", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . port=65536", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . mandatory=alpn", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . alpn=h2 mandatory=alpn,alpn", OD_ESVCPARAM, 3);
	bad("SVCB", "1 . alpn=h2,,h3", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . alpn=h2,", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . ipv4hint=1.2.3.4,::1", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . ipv6hint=1.2.3.4", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . ech=abc", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . key65535=x", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . key65536", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . ohttp=1", OD_ESVCPARAM, 2);
	bad("HTTPS", "1 . no-default-alpn", OD_ESVCPARAM, 2);
	bad("HTTPS", "1 . \"alpn=h2\"", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . key3=\\000", 0, 0); /* a port of one octet */
	/* split errors */
	od_tok_t toks[4];
	assert_int_equal(od_tok_split("a \"b", 4, toks, 4), OD_ESYNTAX);
	assert_int_equal(od_tok_split("a b c d e", 9, toks, 4), OD_ELIMIT);
	/* no space */
	uint8_t small[3];
	od_rdata_diag_t diag;
	od_tok_t t1 = { "192.0.2.1", 9, false };
	assert_int_equal(od_rdata_from_text(OD_TYPE_A, &t1, 1, NULL, small,
	                                    sizeof(small), &diag),
	                 OD_ESPACE);
}

static void test_split(void **state)
{
	(void)state;
	od_tok_t t[16];
	const char *s =
	        "a (b\n\"c d\\\" e\" ) ; comment \"x\n f\\ g key=\"v w\"";
	int n = od_tok_split(s, strlen(s), t, 16);
	assert_int_equal(n, 6);
	assert_true(t[0].len == 1 && t[0].s[0] == 'a' && !t[0].quoted);
	assert_true(t[1].len == 1 && t[1].s[0] == 'b');
	assert_true(t[2].quoted && t[2].len == 7 &&
	            memcmp(t[2].s, "c d\\\" e", 7) == 0);
	assert_true(t[3].len == 4 && memcmp(t[3].s, "f\\ g", 4) == 0);
	assert_true(t[4].len == 4 && memcmp(t[4].s, "key=", 4) == 0);
	assert_true(t[5].quoted && t[5].len == 3 && t[5].s == t[4].s + 5);
	assert_int_equal(od_tok_split("", 0, t, 16), 0);
	assert_int_equal(od_tok_split("\"\"", 2, t, 16), 1);
	assert_true(t[0].quoted && t[0].len == 0);
}

/*
 * A small zone reader for the conformance files: records end at a
 * newline outside parentheses and quotes; $ORIGIN is honoured; the owner
 * is kept from the previous record when a line starts with a blank.
 */
typedef struct rec {
	char owner[256];
	uint16_t type;
	int ret;
	od_rdata_diag_t diag;
	size_t len;
	uint8_t rdata[OD_RDATA_MAXLEN];
} rec_t;

typedef void (*rec_cb)(void *arg, const rec_t *r);

static void one_record(const char *s, size_t len, uint8_t *origin, char *owner,
                       rec_cb cb, void *arg)
{
	static od_tok_t toks[MAXTOK];
	static rec_t r;
	int n = od_tok_split(s, len, toks, MAXTOK);
	assert_true(n >= 0);
	if (n == 0)
		return;
	if (toks[0].s[0] == '$') {
		if (toks[0].len == 7 && strncmp(toks[0].s, "$ORIGIN", 7) == 0) {
			assert_true(n >= 2);
			assert_true(od_name_from_str(origin, toks[1].s,
			                             toks[1].len, NULL) > 0);
		}
		return;
	}
	size_t i = 0;
	if (!isspace((unsigned char)s[0])) {
		size_t ol = toks[0].len < 255 ? toks[0].len : 255;
		memcpy(owner, toks[0].s, ol);
		owner[ol] = '\0';
		i = 1;
	}
	for (; i < (size_t)n; i++) {
		uint16_t cls;
		bool digits = toks[i].len > 0;
		for (size_t k = 0; k < toks[i].len; k++)
			digits &= isdigit((unsigned char)toks[i].s[k]) != 0;
		if (!digits &&
		    od_class_from_str(toks[i].s, toks[i].len, &cls) != 0)
			break;
	}
	memset(&r.diag, 0, sizeof(r.diag));
	strcpy(r.owner, owner);
	r.len = 0;
	if (i >= (size_t)n ||
	    od_rrtype_from_str(toks[i].s, toks[i].len, &r.type) != 0) {
		r.type = 0;
		r.ret = OD_ETYPE;
	} else {
		r.ret = od_rdata_from_text(r.type, toks + i + 1,
		                           (size_t)n - i - 1, origin, r.rdata,
		                           sizeof(r.rdata), &r.diag);
		if (r.ret >= 0)
			r.len = (size_t)r.ret;
	}
	cb(arg, &r);
}

static void zone_walk(const char *s, size_t len, const char *origin_text,
                      rec_cb cb, void *arg)
{
	uint8_t origin[OD_NAME_MAXLEN];
	char owner[256] = "@";
	origin_set(origin, origin_text);
	size_t start = 0;
	int depth = 0;
	bool quote = false;
	for (size_t k = 0; k <= len; k++) {
		char ch = k < len ? s[k] : '\n';
		if (ch == '\\' && k + 1 < len) {
			k++;
		} else if (quote) {
			quote = ch != '"';
		} else if (ch == '"') {
			quote = true;
		} else if (ch == ';') {
			while (k + 1 < len && s[k + 1] != '\n')
				k++;
		} else if (ch == '(') {
			depth++;
		} else if (ch == ')') {
			depth--;
		} else if (ch == '\n' && depth <= 0) {
			one_record(s + start, k - start, origin, owner, cb,
			           arg);
			start = k + 1;
			depth = 0;
		}
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static char *data_path(char *buf, size_t cap, const char *rel)
{
	const char *base = getenv("ONEDOT_SHARED_DATA");
	if (!base)
		base = "/work/shared/data";
	snprintf(buf, cap, "%s/zones/%s", base, rel);
	return buf;
}

/* A tiny JSON-lines reader: flat objects of strings, booleans and null. */
typedef struct jcase {
	char name[128];
	char text[16384];
	char expect[64];
	char hex[16384];
	bool secondary;
} jcase_t;

static const char *json_str(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		unsigned ch = (unsigned char)*p;
		if (ch == '\\') {
			p++;
			switch (*p) {
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			case 'r':
				ch = '\r';
				break;
			case 'b':
				ch = '\b';
				break;
			case 'f':
				ch = '\f';
				break;
			case 'u': {
				unsigned v;
				if (sscanf(p + 1, "%4x", &v) != 1)
					return NULL;
				p += 4;
				/* UTF-8 of a BMP code point */
				char u[3];
				size_t ul = 0;
				if (v < 0x80) {
					u[ul++] = (char)v;
				} else if (v < 0x800) {
					u[ul++] = (char)(0xc0 | v >> 6);
					u[ul++] = (char)(0x80 | (v & 0x3f));
				} else {
					u[ul++] = (char)(0xe0 | v >> 12);
					u[ul++] =
					        (char)(0x80 | (v >> 6 & 0x3f));
					u[ul++] = (char)(0x80 | (v & 0x3f));
				}
				for (size_t k = 0; k < ul && n + 1 < cap; k++)
					out[n++] = u[k];
				continue;
			}
			case '\0':
				return NULL;
			default:
				ch = (unsigned char)*p;
				break;
			}
		}
		if (n + 1 < cap)
			out[n++] = (char)ch;
	}
	if (*p != '"')
		return NULL;
	out[n] = '\0';
	return p + 1;
}

static bool json_line(const char *p, jcase_t *c)
{
	memset(c, 0, sizeof(*c));
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '{')
		return false;
	for (;;) {
		char key[64], val[16384];
		while (isspace((unsigned char)*p) || *p == ',')
			p++;
		if (*p == '}')
			return true;
		if (!(p = json_str(p, key, sizeof(key))))
			return false;
		while (isspace((unsigned char)*p) || *p == ':')
			p++;
		val[0] = '\0';
		bool truth = false;
		if (*p == '"') {
			if (!(p = json_str(p, val, sizeof(val))))
				return false;
		} else {
			truth = strncmp(p, "true", 4) == 0;
			while (*p && *p != ',' && *p != '}')
				p++;
		}
		if (strcmp(key, "case") == 0)
			snprintf(c->name, sizeof(c->name), "%s", val);
		else if (strcmp(key, "text") == 0)
			snprintf(c->text, sizeof(c->text), "%s", val);
		else if (strcmp(key, "expect") == 0)
			snprintf(c->expect, sizeof(c->expect), "%s", val);
		else if (strcmp(key, "rdata_hex") == 0)
			snprintf(c->hex, sizeof(c->hex), "%s", val);
		else if (strcmp(key, "secondary_mode") == 0)
			c->secondary = truth;
	}
}

/*
 * Cases where this parser knowingly differs from the dataset. hex NULL:
 * skipped; otherwise the wire this parser must give instead.
 */
static const struct {
	const char *name;
	bool secondary;
	const char *hex;
	const char *why;
} overrides[] = {
	{ "nsap_ptr_text", false, "04686f7374076578616d706c6503636f6d00",
	  "simdzone reads the NSAP-PTR target as one label (MANIFEST: "
	  "quirk); it is a domain name (RFC 1706 §6)" },
	{ "apl_text", false, "00011503c0a82000011c83c0a826",
	  "simdzone keeps trailing zero address octets; RFC 3123 §4 "
	  "omits them (as dnspython does)" },
	{ "cds2_text", false, "0000000000",
	  "RFC 8078 erratum 5049: the removal record's digest is one zero "
	  "octet (BIND, Knot, ldns); simdzone leaves it empty" },
	{ "cdnskey2_text", false, "0000030000",
	  "RFC 8078 erratum 5049: the removal record's key is one zero "
	  "octet (BIND, Knot, ldns); simdzone leaves it empty" },
	{ "nsd_fc23_text", true, NULL,
	  "lenient secondary mode (empty dohpath) is not implemented" },
	{ "nsd_s04_text", true, NULL,
	  "lenient secondary mode (no-default-alpn without alpn)" },
	{ "nsd_s05_https_text", true, NULL,
	  "lenient secondary mode (HTTPS mandatory=port), also unsorted keys" },
};

struct conf {
	jcase_t *c;
	int records;
	bool ok;
	char why[512];
	const char *want_hex;
};

static void conf_cb(void *arg, const rec_t *r)
{
	struct conf *cf = arg;
	static uint8_t want[OD_RDATA_MAXLEN];
	cf->records++;
	bool accept = strcmp(cf->c->expect, "accept") == 0;
	if (!accept) {
		cf->ok = r->ret < 0;
		if (!cf->ok)
			snprintf(cf->why, sizeof(cf->why), "accepted");
		return;
	}
	if (r->ret < 0) {
		cf->ok = false;
		snprintf(cf->why, sizeof(cf->why), "%s (%s at token %zu)",
		         od_strerror(r->ret),
		         r->diag.expected ? r->diag.expected : "-",
		         r->diag.tok);
		return;
	}
	size_t wl = unhex(cf->want_hex, want, sizeof(want));
	cf->ok = wl == r->len && memcmp(want, r->rdata, wl) == 0;
	if (!cf->ok) {
		int o = snprintf(cf->why, sizeof(cf->why), "got ");
		for (size_t k = 0; k < r->len && o < 400; k++)
			o += snprintf(cf->why + o, sizeof(cf->why) - (size_t)o,
			              "%02x", r->rdata[k]);
		return;
	}
	check_roundtrip(r->type, r->rdata, r->len, cf->c->name);
}

static void run_jsonl(const char *file)
{
	char path[4096];
	size_t len;
	char *buf = slurp(data_path(path, sizeof(path), file), &len);
	if (!buf) {
		print_message("%s absent: skipped\n", path);
		return;
	}
	static jcase_t c;
	int total = 0, passed = 0, skipped = 0, overridden = 0, failed = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!json_line(line, &c))
			fail_msg("%s: bad JSON line: %.60s", file, line);
		total++;
		struct conf cf = { .c = &c, .ok = false, .want_hex = c.hex };
		bool skip = false;
		for (size_t k = 0; k < sizeof(overrides) / sizeof(overrides[0]);
		     k++) {
			if (strcmp(overrides[k].name, c.name) == 0 &&
			    overrides[k].secondary == c.secondary) {
				if (!overrides[k].hex)
					skip = true;
				else
					cf.want_hex = overrides[k].hex;
				overridden++;
			}
		}
		if (skip) {
			skipped++;
			continue;
		}
		/* origin of simdzone's tests */
		zone_walk(c.text, strlen(c.text), "example.com.", conf_cb, &cf);
		if (cf.records != 1) {
			cf.ok = false;
			snprintf(cf.why, sizeof(cf.why), "%d records",
			         cf.records);
		}
		if (cf.ok) {
			passed++;
		} else {
			failed++;
			print_error("%s %s%s: %s\n  %s\n", file, c.name,
			            c.secondary ? " (secondary)" : "", cf.why,
			            c.text);
		}
	}
	print_message("%s: %d cases, %d passed, %d skipped, %d with a "
	              "documented difference, %d failed\n",
	              file, total, passed, skipped, overridden - skipped,
	              failed);
	free(buf);
	assert_int_equal(failed, 0);
}

static void test_simdzone_types(void **state)
{
	(void)state;
	run_jsonl("simdzone/types.cases.jsonl");
}

static void test_simdzone_svcb(void **state)
{
	(void)state;
	run_jsonl("simdzone/svcb.cases.jsonl");
}

/* Records of a zone, kept for comparison. */
struct zone {
	size_t n;
	rec_t *r;
};

static void zone_cb(void *arg, const rec_t *r)
{
	struct zone *z = arg;
	z->r = realloc(z->r, (z->n + 1) * sizeof(*z->r));
	assert_non_null(z->r);
	z->r[z->n++] = *r;
}

static bool load_zone(const char *rel, struct zone *z)
{
	char path[4096];
	size_t len;
	char *buf = slurp(data_path(path, sizeof(path), rel), &len);
	if (!buf)
		return false;
	z->n = 0;
	z->r = NULL;
	zone_walk(buf, len, ".", zone_cb, z);
	free(buf);
	return true;
}

static void test_unbound_svcb(void **state)
{
	(void)state;
	struct zone pf, wf;
	if (!load_zone("unbound-svcb/svcb.test-vectors-pf.zone", &pf) ||
	    !load_zone("unbound-svcb/svcb.test-vectors-wf.zone", &wf)) {
		print_message("unbound-svcb absent: skipped\n");
		return;
	}
	assert_int_equal(pf.n, wf.n);
	size_t svcb = 0;
	for (size_t k = 0; k < pf.n; k++) {
		const rec_t *a = &pf.r[k], *b = &wf.r[k];
		if (a->ret < 0 || b->ret < 0)
			fail_msg("%s: %s / %s (%s at token %zu)", a->owner,
			         od_strerror(a->ret), od_strerror(b->ret),
			         a->ret < 0 ? a->diag.expected
			                    : b->diag.expected,
			         a->ret < 0 ? a->diag.tok : b->diag.tok);
		assert_string_equal(a->owner, b->owner);
		assert_int_equal(a->type, b->type);
		assert_int_equal(a->len, b->len);
		assert_memory_equal(a->rdata, b->rdata, a->len);
		check_roundtrip(a->type, a->rdata, a->len, a->owner);
		svcb += a->type == OD_TYPE_SVCB || a->type == OD_TYPE_HTTPS;
	}
	print_message("unbound svcb test vectors: %zu SVCB/HTTPS records "
	              "identical in presentation and generic form\n",
	              svcb);
	free(pf.r);
	free(wf.r);

	/*
	 * Failure cases 01, 02 and 04 must be refused (03 is unbound's own
	 * limit of 64 SvcParams, which RFC 9460 does not have).
	 */
	static const char *const fails[] = {
		"unbound-svcb/svcb.failure-cases-01",
		"unbound-svcb/svcb.failure-cases-02",
		"unbound-svcb/svcb.failure-cases-04",
	};
	for (size_t f = 0; f < 3; f++) {
		struct zone z;
		assert_true(load_zone(fails[f], &z));
		size_t refused = 0;
		for (size_t k = 0; k < z.n; k++) {
			if (z.r[k].type == OD_TYPE_SOA)
				assert_true(z.r[k].ret >= 0);
			else if (z.r[k].ret >= 0)
				fail_msg("%s: %s accepted", fails[f],
				         z.r[k].owner);
			else
				refused++;
		}
		assert_true(refused > 0);
		free(z.r);
	}
}

/* Mangled inputs must fail cleanly (ASan/UBSan builds check for more). */
static void test_robust(void **state)
{
	(void)state;
	static uint8_t out[OD_RDATA_MAXLEN];
	static char text[8192];
	static od_tok_t toks[MAXTOK];
	const od_rrtype_desc_t *d;
	uint32_t seed = 12345;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint16_t t;
		assert_int_equal(od_rrtype_from_str(cases[k].type,
		                                    strlen(cases[k].type), &t),
		                 0);
		size_t len = strlen(cases[k].text);
		for (int round = 0; round < 200; round++) {
			memcpy(text, cases[k].text, len);
			size_t cut = len;
			if (round % 3 == 0 && len > 0) {
				seed = seed * 1103515245 + 12345;
				cut = (seed >> 8) % len;
			}
			for (int m = 0; m < 3 && cut > 0; m++) {
				seed = seed * 1103515245 + 12345;
				size_t at = (seed >> 8) % cut;
				static const char pool[] = " \"\\0.:-=,9aZ/+()";
				text[at] = round % 2 ? (char)(seed >> 24)
				                     : pool[(seed >> 16) % 16];
			}
			int n = od_tok_split(text, cut, toks, MAXTOK);
			if (n < 0)
				continue;
			od_rdata_diag_t diag = { 0, NULL };
			int r = od_rdata_from_text(t, toks, (size_t)n, NULL,
			                           out, sizeof(out), &diag);
			if (r >= 0)
				assert_int_equal(
				        od_rdata_check(t, out, (size_t)r), 0);
			else
				assert_non_null(diag.expected);
			/* every type must cope with the same tokens */
			d = od_rrtype_at((size_t)round % 90);
			if (d) {
				r = od_rdata_from_text(d->type, toks, (size_t)n,
				                       NULL, out, 64, &diag);
				if (r < 0)
					assert_non_null(diag.expected);
			}
		}
	}
}

/* Accepted, and printed back as want (NULL: not compared). */
static void ok(const char *type, const char *text, const char *want)
{
	static uint8_t out[OD_RDATA_MAXLEN];
	static char str[1 << 16];
	od_rdata_diag_t diag = { 0, NULL };
	int n = parse(type, text, out, sizeof(out), &diag);
	if (n < 0)
		fail_msg("%s %s: %s (%s at token %zu)", type, text,
		         od_strerror(n), diag.expected ? diag.expected : "-",
		         diag.tok);
	if (want == NULL)
		return;
	uint16_t t;
	assert_int_equal(od_rrtype_from_str(type, strlen(type), &t), 0);
	assert_true(od_rdata_to_str(t, out, (size_t)n, str, sizeof(str)) >= 0);
	if (strcmp(str, want) != 0)
		fail_msg("%s %s: printed \"%s\", want \"%s\"", type, text, str,
		         want);
}

/*
 * Where the presentation parser once differed from the RFCs (and from
 * Knot's conformance data), each case on its own.
 */
static void test_presentation_rules(void **state)
{
	(void)state;
	/* required base64/hex fields have at least one token */
	bad("DS", "1 8 2", OD_ESYNTAX, 3);
	bad("CDS", "1 8 2", OD_ESYNTAX, 3);
	bad("DNSKEY", "256 3 8", OD_ESYNTAX, 3);
	bad("CDNSKEY", "257 3 8", OD_ESYNTAX, 3);
	bad("KEY", "256 3 8", OD_ESYNTAX, 3);
	bad("CERT", "1 2 3", OD_ESYNTAX, 3);
	bad("TLSA", "3 1 1", OD_ESYNTAX, 3);
	bad("SSHFP", "1 1", OD_ESYNTAX, 2);
	bad("ZONEMD", "1 1 1", OD_ESYNTAX, 3);
	bad("OPENPGPKEY", "", OD_ESYNTAX, 0);
	bad("DHCID", "", OD_ESYNTAX, 0);
	bad("RRSIG", "A 8 2 300 1 1 1 .", OD_ESYNTAX, 8);
	/* ... and in the generic form of the type */
	bad("DS", "\\# 4 00010802", OD_ESYNTAX, 0);
	bad("TXT", "\\# 0", OD_ESYNTAX, 0);
	bad("DHCID", "\\# 0", OD_ESYNTAX, 0);
	/* the lone "0" is the removal form of CDS/CDNSKEY only */
	bad("DS", "0 0 0 0", OD_EHEX, 3);
	bad("CDS", "1 8 2 0", OD_EHEX, 3);
	bad("CDNSKEY", "257 3 8 0", OD_EBASE64, 3);
	/* whole octets of hex */
	bad("SSHFP", "1 1 0", OD_EHEX, 2);
	bad("TLSA", "3 1 1 abc", OD_EHEX, 3);
	bad("ZONEMD", "1 1 1 0", OD_EHEX, 3);
	/* base32hex: the bits past the last octet are zero */
	bad("NSEC3", "1 0 1 - 12", OD_EBASE32, 4);
	bad("NSEC3", "1 0 1 - 1234567", OD_EBASE32, 4);
	ok("NSEC3", "1 0 1 - 10", "1 0 1 - 10");
	ok("NSEC3", "1 0 1 - 1234560", NULL);
	/* SOA timers take TTL units; printed as plain numbers */
	ok("SOA", "ns. h. 1 1d 1h 1w2d3h4m5s 1H",
	   "ns. h. 1 86400 3600 788645 3600");
	same("SOA", "ns. h. 2024010101 1D 2h 1W 30m",
	     "ns. h. 2024010101 86400 7200 604800 1800");
	bad("SOA", "ns. h. 1h 1 1 1 1", OD_ESYNTAX, 2);
	bad("SOA", "ns. h. 1 1x 1 1 1", OD_ESYNTAX, 3);
	bad("SOA", "ns. h. 1 h 1 1 1", OD_ESYNTAX, 3);
	bad("SOA", "ns. h. 1 1 1 1 4294967296", OD_ERANGE, 6);
	bad("SOA", "ns. h. 1 1 1 1 7102w", OD_ERANGE, 6);
	/* not the RRSIG original TTL (BIND and Knot take no units there) */
	bad("RRSIG", "A 8 2 1h 1 1 1 . AQID", OD_ESYNTAX, 3);
	/* IPSECKEY: no key with algorithm 0 (RFC 4025 §2.4) */
	bad("IPSECKEY", "1 0 0 . AA==", OD_ETRAILING, 4);
	bad("IPSECKEY", "\\# 4 01000000", OD_ETRAILING, 0);
	ok("IPSECKEY", "1 0 0 .", NULL);
	ok("IPSECKEY", "1 0 2 . AA==", "1 0 2 . AA==");
	/* SVCB keys are lower case (RFC 9460 §2.1) */
	bad("SVCB", "1 . PORT=53", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . KEY3=\\000\\053", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . mandatory=PORT port=53", OD_ESVCPARAM, 2);
	/* ohttp has no value, not even "=" (RFC 9540 §4) */
	bad("SVCB", "1 . ohttp=", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . alpn=h2 no-default-alpn=", OD_ESVCPARAM, 3);
	ok("SVCB", "1 . ohttp", "1 . ohttp");
	/* a key twice in mandatory */
	bad("SVCB", "1 . mandatory=key123,key123 key123=abc", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . mandatory=port,port port=1", OD_ESVCPARAM, 2);
	/* ech may be empty (BIND, NSD) */
	same("SVCB", "1 . ech", "1 . ech=");
	/* values decoded as they are read: escapes, quotes, long values */
	same("SVCB", "1 . alpn=\\h2,h\\051", "1 . alpn=h2,h3");
	same("SVCB", "1 . alpn=a\\\\\\,b", "1 . key1=\\003a,b");
	same("SVCB", "1 . ech=\"AQID\"", "1 . ech=AQID");
	bad("SVCB", "1 . port=1\\", OD_ESVCPARAM, 2);
	bad("SVCB", "1 . alpn=a\\", OD_ESVCPARAM, 2);
	/* DSYNC scheme mnemonic (RFC 9859 §5.2) */
	same("DSYNC", "CDS NOTIFY 53 x.", "CDS 1 53 x.");
	same("DSYNC", "CSYNC notify 53 x.", "CSYNC 1 53 x.");
	/* deliberate: RRSIG dates past 2106 wrap (RFC 4034 §3.1.5 serial
	 * arithmetic; BIND, ldns) */
	same("RRSIG", "A 0 0 0 0 22260101000000 0 . AA==",
	     "A 0 0 0 0 3783605504 0 . AA==");
	/* deliberate: ILNP groups of fewer than 4 digits (BIND, ldns) */
	same("L64", "10 0:0:0:1", "10 0000:0000:0000:0001");
	/* deliberate: the CAA tag is not a character-string (RFC 8659
	 * §4.1.1; BIND, ldns) */
	bad("CAA", "0 \"issue\" \"ca\"", OD_ESYNTAX, 1);
	/* deliberate: no latitude beyond a pole (BIND) */
	bad("LOC", "90 59 59.999 S 180 W 0m", OD_ERANGE, 3);
}

/* A record with many SvcParams: bounded, no allocation per record. */
static void test_svcb_many(void **state)
{
	(void)state;
	static char text[1 << 16];
	static uint8_t out[OD_RDATA_MAXLEN];
	size_t n = (size_t)snprintf(text, sizeof(text), "1 .");
	/* in decreasing order: the parser sorts them */
	for (int k = 512; k > 0; k--)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " key%d=x",
		                      1000 + k);
	od_rdata_diag_t diag = { 0, NULL };
	int r = parse("SVCB", text, out, sizeof(out), &diag);
	assert_int_equal(r, 3 + 512 * 5);
	for (int k = 0; k < 512; k++)
		assert_int_equal(od_get_u16(out + 3 + k * 5), 1001 + k);
	snprintf(text + n, sizeof(text) - n, " key999=y");
	bad("SVCB", text, OD_ELIMIT, 514);
}

/* Type mnemonics: every name of the table, in any case. */
static void test_type_lookup(void **state)
{
	(void)state;
	const od_rrtype_desc_t *d;
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++) {
		char low[32];
		size_t l = strlen(d->name);
		uint16_t t = 0;
		assert_int_equal(od_rrtype_from_str(d->name, l, &t), 0);
		assert_int_equal(t, d->type);
		for (size_t k = 0; k <= l; k++)
			low[k] = (char)tolower((unsigned char)d->name[k]);
		t = 0;
		assert_int_equal(od_rrtype_from_str(low, l, &t), 0);
		assert_int_equal(t, d->type);
		/* a prefix or an extension of a name is not that name */
		if (l > 1 && od_rrtype_from_str(d->name, l - 1, &t) == 0)
			assert_int_not_equal(t, d->type);
	}
	uint16_t t;
	assert_int_equal(od_rrtype_from_str("NSEC3PARAMS", 11, &t), OD_ETYPE);
	assert_int_equal(od_rrtype_from_str("A\0", 2, &t), OD_ETYPE);
	assert_int_equal(od_rrtype_from_str("", 0, &t), OD_ETYPE);
	assert_int_equal(od_rrtype_from_str("type65535", 9, &t), 0);
	assert_int_equal(t, 65535);
	assert_int_equal(od_rrtype_from_str("NSEC3", 5, &t), 0);
	assert_int_equal(t, OD_TYPE_NSEC3);
	assert_int_equal(od_rrtype_from_str("nsap-ptr", 8, &t), 0);
	assert_int_equal(t, 23);
	assert_int_equal(od_rrtype_from_str("ZZZ", 3, &t), OD_ETYPE);
	assert_int_equal(od_rrtype_from_str("aaaaaaaaaaaaaaaaaaaaaa", 22, &t),
	                 OD_ETYPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_types_covered),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_simdzone_types),
		cmocka_unit_test(test_simdzone_svcb),
		cmocka_unit_test(test_unbound_svcb),
		cmocka_unit_test(test_robust),
		cmocka_unit_test(test_presentation_rules),
		cmocka_unit_test(test_svcb_many),
		cmocka_unit_test(test_type_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
