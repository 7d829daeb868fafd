/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

/* Decode hex, skipping blanks. Returns the length. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= cap)
				fail_msg("hex vector too long");
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		fail_msg("odd hex vector: %s", s);
	return n;
}

#define NAME_HOST "04686f7374076578616d706c6503636f6d00"
#define NAME_HOSTMASTER "0a686f73746d6173746572076578616d706c6503636f6d00"
#define DS_HEX "e46605013079f1593ebad6dc121e202a8b766a6a4837206c"
#define DS_TEXT "58470 5 1 3079F1593EBAD6DC121E202A8B766A6A4837206C"
#define IPSECKEY_B64 "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="
#define IPSECKEY_KEY                                                           \
	"010351537986ed35533b6064478eeeb27b5bd74dae149b6e81ba3a0521af82ab7801"
#define TLSA_HEX                                                               \
	"000001d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971"
#define TLSA_TEXT                                                              \
	"0 0 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971"
#define CDNSKEY_HEX                                                            \
	"010003050103d22a6ca77f35b893206fd35e4c506d8378843709b97e041647e1bff43d8d64c649af1e371973c9e891fce3df519a8c840a63ee42a6d2ebddbb97035d215aa4e417b1fa45fa11a9741ea2098c1dfa5fb5feb332fd4bc8152089aef36ba644cce2413b3b72be18cbef8da253f4e93d2103866d9234a2e28df529a67d5468dbefe3"
#define CDNSKEY_TEXT                                                           \
	"256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w=="

/*
 * Wire vectors: unpack, print (exact text), pack back. Most come from
 * RFC examples and the simdzone test cases (same RDATA, text re-derived
 * from the presentation formats).
 */
static const struct vec {
	uint16_t type;
	const char *hex;
	const char *text;
} vecs[] = {
	{ 1, "c0000201", "192.0.2.1" },
	{ 2, NAME_HOST, "host.example.com." },
	{ 3, NAME_HOST, "host.example.com." },
	{ 4, NAME_HOST, "host.example.com." },
	{ 5, NAME_HOST, "host.example.com." },
	{ 6,
	  NAME_HOST NAME_HOSTMASTER
	  "78957dd9 00000001 00000002 00000003 00000004",
	  "host.example.com. hostmaster.example.com. 2023063001 1 2 3 4" },
	{ 7, NAME_HOST, "host.example.com." },
	{ 8, NAME_HOSTMASTER, "hostmaster.example.com." },
	{ 9, NAME_HOSTMASTER, "hostmaster.example.com." },
	{ 10, "0102", "\\# 2 0102" },
	{ 10, "", "\\# 0" },
	{ 11, "c000020106c0", "192.0.2.1 6 0 1" },
	{ 11, "c000020111", "192.0.2.1 17" },
	{ 11, "c00002010600", "\\# 6 C00002010600" },
	{ 12, NAME_HOST, "host.example.com." },
	{ 13, "05616d643634056c696e7578", "\"amd64\" \"linux\"" },
	{ 14, NAME_HOSTMASTER NAME_HOSTMASTER,
	  "hostmaster.example.com. hostmaster.example.com." },
	{ 15, "000a" NAME_HOST, "10 host.example.com." },
	{ 16, "076578616d706c65026f6603545854057264617461",
	  "\"example\" \"of\" \"TXT\" \"rdata\"" },
	{ 16, "06 61225c0a20ff", "\"a\\\"\\\\\\010 \\255\"" },
	{ 16, "00", "\"\"" },
	{ 16, "", "\\# 0" },
	{ 17, NAME_HOSTMASTER NAME_HOST,
	  "hostmaster.example.com. host.example.com." },
	{ 18, "0001" NAME_HOST, "1 host.example.com." },
	{ 19, "0c333131303631373030393536", "\"311061700956\"" },
	{ 20, "0f31353038363230323830303332313703303034",
	  "\"150862028003217\" \"004\"" },
	{ 20, "0f313530383632303238303033323137", "\"150862028003217\"" },
	{ 21, "000a0572656c6179076578616d706c6503636f6d00",
	  "10 relay.example.com." },
	{ 22, "47000580005a0000000001e133aaaaaa00011100",
	  "0x47000580005a0000000001e133aaaaaa00011100" },
	{ 23, NAME_HOST, "host.example.com." },
	{ 24,
	  "001e010300000e1030e8a0a530cc034453bb03666f6f03746c640033115c6f2f64ff2bde74c7d080ace11f97abd0cbbfbc82f3e39224b2471e1468225829ff1b11e16a2e9502e1c0a0d533e18a14d6d55f4824aa4189fafffd7553a36577cd2311e0bc693acef8a2a609a6",
	  "NXT 1 3 3600 19960102030405 19951211100908 21435 foo.tld. "
	  "MxFcby9k/yvedMfQgKzhH5er0Mu/vILz45IkskceFGgiWCn/GxHhai6VAuHAoNUz4YoU1tVfSCSqQYn6//11U6Nld80jEeC8aTrO+KKmCaY=" },
	{ 25, "00000000666f6f626172", "0 0 0 Zm9vYmFy" },
	{ 26, "0032026162026672000750524d442d61620741444d442d616304432d667200",
	  "50 ab.fr. PRMD-ab.ADMD-ac.C-fr." },
	{ 27, "082d33322e36383832083131362e383635320431302e30",
	  "\"-32.6882\" \"116.8652\" \"10.0\"" },
	{ 28, "20010db8000000000000000000000001", "2001:db8::1" },
	{ 29, "000016138b3cf018810cbce0009895b8",
	  "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m" },
	{ 29, "0033161389172dd070be15f000988d20",
	  "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m" },
	{ 29, "009999896cb02700a69fb200fffffffb",
	  "90 0 0.000 S 180 0 0.000 E 42849672.91m 90000000m 90000000m 80000000m" },
	{ 29, "01020304", "\\# 4 01020304" },
	{ 30, "066d656469756d03666f6f03746c640040010082",
	  "medium.foo.tld. A MX SIG NXT" },
	{ 31, "813f4b7cdab34217", "813F4B7CDAB34217" },
	{ 32, "3227450a010034", "3227450A010034" },
	{ 33, "0001 0002 0035" NAME_HOST, "1 2 53 host.example.com." },
	{ 34, "0039246f000e7c9c03120001000100001234567800",
	  "39246f000e7c9c03120001000100001234567800" },
	{ 34, "013139303835353531323132", "+19085551212" },
	{ 35,
	  "00640032017310687474702b49324c2b4932432b49325200055f68747470045f746370066761746563680365647500",
	  "100 50 \"s\" \"http+I2L+I2C+I2R\" \"\" _http._tcp.gatech.edu." },
	{ 36, "000a076b782d686f7374076578616d706c6503636f6d00",
	  "10 kx-host.example.com." },
	{ 37, "0001ffff08666f6f626172", "1 65535 8 Zm9vYmFy" },
	{ 38, "40 0001000200030004 06707265666978076578616d706c6500",
	  "64 ::1:2:3:4 prefix.example." },
	{ 38, "00 20010db8000000000000000000000001", "0 2001:db8::1" },
	{ 38, "80 06707265666978076578616d706c6500", "128 prefix.example." },
	{ 39, NAME_HOST, "host.example.com." },
	{ 40, "40014e4c6e65744c6162732e6e6c", "64 1 TkxuZXRMYWJzLm5s" },
	{ 41, "000a0008 0102030405060708", "\\# 12 000A00080102030405060708" },
	{ 42, "00011503c0a82000011c83c0a826",
	  "1:192.168.32.0/21 !1:192.168.38.0/28" },
	{ 42, "0002400420010db8 00010000", "2:2001:db8::/64 1:0.0.0.0/0" },
	{ 42, "00011504c0a8200000011c84c0a82600",
	  "\\# 16 00011504C0A8200000011C84C0A82600" },
	{ 42, "", "\\# 0" },
	{ 43, DS_HEX, DS_TEXT },
	{ 44,
	  "0402123456789abcdef67890123456789abcdef67890123456789abcdef123456789",
	  "4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789" },
	{ 45, "0a0002" IPSECKEY_KEY, "10 0 2 . " IPSECKEY_B64 },
	{ 45, "0a0102c0000226" IPSECKEY_KEY,
	  "10 1 2 192.0.2.38 " IPSECKEY_B64 },
	{ 45, "0a020220010db8000080020000000020000001" IPSECKEY_KEY,
	  "10 2 2 2001:db8:0:8002::2000:1 " IPSECKEY_B64 },
	{ 45,
	  "0a0302096d7967617465776179076578616d706c6503636f6d00" IPSECKEY_KEY,
	  "10 3 2 mygateway.example.com. " IPSECKEY_B64 },
	{ 46,
	  "00010503000151803e7c9dd73e5510d70a52076578616d706c6503636f6d00a090755ba58d1affa576f4375831b4310920e481218d18a9f164eb3d81afd3b875d3c75428631e0cf2a28d50875f70c329d7dbfafea807dc1fba1dc34c95d401f23f334ce63bfcf3f1b5b44739e5f0eded18d6b33f040a911376d173d757a9f0c1fa1798941bb0b36b2df9062790fa7f0166f2737eea907378341fb12dc0a77a",
	  "A 5 3 86400 20030322173103 20030220173103 2642 example.com. "
	  "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=" },
	{ 47, NAME_HOST "000722000000000290",
	  "host.example.com. NS SOA RRSIG DNSKEY NSEC3PARAM" },
	{ 47,
	  NAME_HOST
	  "0006400100000003041b000000000000000000000000000000000000000000000000000020",
	  "host.example.com. A MX RRSIG NSEC TYPE1234" },
	{ 47, NAME_HOST, "host.example.com." },
	{ 47, NAME_HOST "00024000",
	  "\\# 22 "
	  "04686F7374076578616D706C6503636F6D0000024000" },
	{ 48, CDNSKEY_HEX, CDNSKEY_TEXT },
	{ 49,
	  "000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40",
	  "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=" },
	{ 50, "0101000c04aabbccdd14a23cd75bf90cc4f3ba069b979e04ffc8ee891511",
	  "1 1 12 AABBCCDD k8udemvp1j2f7eg6jebps17vp3n8i58h" },
	{ 50,
	  "0100000000 14a23cd75bf90cc4f3ba069b979e04ffc8ee891511 0006400000000002",
	  "1 0 0 - k8udemvp1j2f7eg6jebps17vp3n8i58h A RRSIG" },
	{ 51, "0100000a04aabbccdd", "1 0 10 AABBCCDD" },
	{ 51, "0100000000", "1 0 0 -" },
	{ 52, TLSA_HEX, TLSA_TEXT },
	{ 53, TLSA_HEX, TLSA_TEXT },
	{ 55,
	  "10020084200100107b1a74df365639cc39f1d57803010001b771ca136e4aeb5ce44333c53b3d2c13c22243851fc708bcce29f7e2eb5787b5f56ccad34f8223acc10904ddb56b2ec4a6d6232f3b50ea094f0914b3b941bbe529af582c36bbadefdaf2adaf9b4911906f5b2522603c615272b880ec8fb930cc6ee39c444daa75b1678f005a4b2499d1da5433f805c7a5ad3237acc5dd5c5e430472767331076578616d706c6503636f6d000472767332076578616d706c6503636f6d00",
	  "2 200100107B1A74DF365639CC39F1D578 "
	  "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D "
	  "rvs1.example.com. rvs2.example.com." },
	{ 56, "0568656c6c6f", "\"hello\"" },
	{ 57, "01000305666f6f626172", "256 3 5 Zm9vYmFy" },
	{ 58,
	  "026830076578616d706c6503636f6d00026832076578616d706c6503636f6d00",
	  "h0.example.com. h2.example.com." },
	{ 59, DS_HEX, DS_TEXT },
	{ 59, "00000000", "\\# 4 00000000" },
	{ 60, CDNSKEY_HEX, CDNSKEY_TEXT },
	{ 60, "00000300", "\\# 4 00000300" },
	{ 61, "666f6f626172", "Zm9vYmFy" },
	{ 62, "000000420003000460000008", "66 3 A NS AAAA" },
	{ 63,
	  "7848b78c0101febe3d4ce2ec2ffa4ba99d46cd69d6d29711e55217057bee7eb1a7b641a47ba7fed2dd5b97ae499fafa4f22c6bd647de",
	  "2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE" },
	{ 64, "000003666f6f0000000002001000100000",
	  "0 foo. mandatory=key16 key16" },
	{ 64, "000003666f6f076578616d706c6503636f6d00", "0 foo.example.com." },
	{ 64, "000100", "1 ." },
	{ 64, "001003666f6f076578616d706c6503636f6d00000300020035",
	  "16 foo.example.com. port=53" },
	{ 64,
	  "000103666f6f076578616d706c6503636f6d00029b000968656c6c6fd2716f6f",
	  "1 foo.example.com. key667=hello\\210qoo" },
	{ 64,
	  "000103666f6f076578616d706c6503636f6d000006002020010db800000000000000000000000120010db8000000000000000000530001",
	  "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1" },
	{ 64,
	  "001003666f6f076578616d706c65036f726700000000040001000400010009026832056833"
	  "2d313900040004c0000201",
	  "16 foo.example.org. mandatory=alpn,ipv4hint alpn=h2,h3-19 ipv4hint=192.0.2.1" },
	{ 64,
	  "001003666f6f076578616d706c65036f7267000001000c08665c6f6f2c626172026832",
	  "16 foo.example.org. alpn=f\\\\\\\\oo\\\\,bar,h2" },
	{ 64,
	  "000306736572766572076578616d706c65036e657400000300021f440009000400"
	  "1d0017",
	  "3 server.example.net. port=8004 tls-supported-groups=29,23" },
	{ 64, "0001000001000302683200080000", "1 . alpn=h2 ohttp" },
	/* key 65535 is the reserved "Invalid key": no text form */
	{ 64, "000100ffff0000", "\\# 7 000100FFFF0000" },
	/* mandatory naming an absent key: zone files refuse it */
	{ 64, "000100000000020001", "\\# 9 000100000000020001" },
	{ 65, "0000000001000602683202683300020000",
	  "0 . alpn=h2,h3 no-default-alpn" },
	{ 65, "0000000005000b68656c6c6f776f726c6421",
	  "0 . ech=aGVsbG93b3JsZCE=" },
	{ 65, "00000000050000", "0 . ech" },
	{ 65, "00000000010003026832000700102f646e732d71756572797b3f646e737d",
	  "0 . alpn=h2 dohpath=/dns-query{?dns}" },
	{ 65,
	  "00000000010003026832000700122f646e732d71756572797bc3a93f646e737d",
	  "0 . alpn=h2 dohpath=/dns-query{\\195\\169?dns}" },
	{ 65, "000100000a0003 6e2c73 000b0000", "1 . key10=n,s key11" },
	{ 65, "00000000020000", "\\# 7 00000000020000" },
	{ 66, "003b0114ef0b6364732d7363616e6e6572076578616d706c65036e657400",
	  "CDS 1 5359 cds-scanner.example.net." },
	{ 67, "831269336666", "gxJpM2Zm" },
	{ 68, "a3000001820451", "owAAAYIEUQ==" },
	{ 99, "0b763d73706631202b616c6c", "\"v=spf1 +all\"" },
	{ 100, "00000001", "\\# 4 00000001" },
	{ 101, "00000001", "\\# 4 00000001" },
	{ 102, "00000001", "\\# 4 00000001" },
	{ 103, "", "\\# 0" },
	{ 104, "000a00144fffff20ee64", "10 0014:4fff:ff20:ee64" },
	{ 105, "000a0a010200", "10 10.1.2.0" },
	{ 106, "000a20010db811401000", "10 2001:0db8:1140:1000" },
	{ 107, "000a0b6c36342d7375626e657431076578616d706c6503636f6d00",
	  "10 l64-subnet1.example.com." },
	{ 108, "00005e00532a", "00-00-5e-00-53-2a" },
	{ 109, "00005eef1000002a", "00-00-5e-ef-10-00-00-2a" },
	{ 249,
	  "086773732d7473696700 63b0cd00 63b21e80 0003 0000 0004deadbeef 0000",
	  "gss-tsig. 20230101000000 20230102000000 3 0 4 DEADBEEF 0" },
	{ 250,
	  "0b686d61632d73686132353600 000063b0cd00 012c 0004deadbeef 1234 0000 0000",
	  "hmac-sha256. 1672531200 300 4 3q2+7w== 4660 0 0" },
	{ 251, "", "\\# 0" },
	{ 252, "", "\\# 0" },
	{ 253, "", "\\# 0" },
	{ 254, "", "\\# 0" },
	{ 255, "", "\\# 0" },
	{ 256,
	  "000a00016674703a2f2f667470312e6578616d706c652e636f6d2f7075626c6963",
	  "10 1 \"ftp://ftp1.example.com/public\"" },
	{ 257, "000569737375656361312e6578616d706c652e6e6574",
	  "0 issue \"ca1.example.net\"" },
	{ 257, "800569737375652e", "128 issue \".\"" },
	{ 257, "00056973737565", "0 issue \"\"" },
	{ 257, "0000", "\\# 2 0000" },
	{ 258,
	  "1f6170702d6e616d653a574f4c4647414e477c6170702d636c6173733a4f414d",
	  "\"app-name:WOLFGANG|app-class:OAM\"" },
	{ 259,
	  "000000000000000102006d61696c746f3a6c616273406e6c6e65746c6162732e6e6c",
	  "0 1 2 \"\" bWFpbHRvOmxhYnNAbmxuZXRsYWJzLm5s" },
	{ 259, "00000000000186a0c80f6578616d706c652f6e6f7468696e67",
	  "0 100000 200 \"example/nothing\" -" },
	{ 260, "c800", "200 0 0 ." },
	{ 260, "0a01cb00710f", "10 0 1 203.0.113.15" },
	{ 260, "0a0220010db8000000000000000000000015", "10 0 2 2001:db8::15" },
	{ 260, "808309616d7472656c617973076578616d706c6503636f6d00",
	  "128 1 3 amtrelays.example.com." },
	{ 260, "0a04010203", "\\# 5 0A04010203" },
	{ 261, "0005746573743101ff057465737432",
	  "\"\" \"test1\" \"\\255\" \"test2\"" },
	{ 262, "0005746573743101ff057465737432",
	  "\"\" \"test1\" \"\\255\" \"test2\"" },
	{ 263, "0102", "\\# 2 0102" },
	{ 264, "0000000000000064", "100" },
	{ 264, "0000006400000064", "429496729700" },
	{ 32768, DS_HEX, DS_TEXT },
	{ 32769, DS_HEX, DS_TEXT },
	/* not in the registry: generic */
	{ 65280, "0102", "\\# 2 0102" },
	{ 0, "666f6f626172", "\\# 6 666F6F626172" },
};

#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

static void test_vectors(void **state)
{
	(void)state;
	static uint8_t rd[4096], msg[4200], un[4096], back[4200];
	static char text[65536];
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		size_t len = unhex(v->hex, rd, sizeof(rd));
		char tname[16];
		od_rrtype_to_str(v->type, tname, sizeof(tname));

		/* unpack from a message: a few header octets before it */
		memset(msg, 0, 12);
		memcpy(msg + 12, rd, len);
		msg[12 + len] = 0xee; /* a byte after the RDATA stays unread */
		od_rd_t r;
		od_rd_init(&r, msg, 12 + len + 1);
		r.pos = 12;
		int n = od_rdata_unpack(v->type, &r, (uint16_t)len, un,
		                        sizeof(un));
		if (n != (int)len || memcmp(un, rd, len) != 0)
			fail_msg("%s #%zu: unpack %d (%s)", tname, i, n,
			         od_strerror(n));
		assert_int_equal(r.pos, 12 + len);
		assert_int_equal(od_rdata_check(v->type, rd, len), 0);

		/* print */
		int t = od_rdata_to_str(v->type, rd, len, text, sizeof(text));
		if (t < 0 || strcmp(text, v->text) != 0)
			fail_msg("%s #%zu: got '%s' want '%s'", tname, i, text,
			         v->text);
		assert_int_equal((size_t)t, strlen(v->text));
		assert_true((size_t)t < od_rdata_str_bound(len));
		/* too small a buffer fails cleanly */
		assert_int_equal(od_rdata_to_str(v->type, rd, len, text,
		                                 (size_t)t),
		                 OD_ESPACE);

		/* pack back without compression: identical bytes */
		od_wr_t w;
		od_wr_init(&w, back, sizeof(back));
		assert_int_equal(od_rdata_pack(v->type, rd, len, &w, NULL), 0);
		assert_int_equal(w.pos, len);
		if (len > 0)
			assert_memory_equal(back, rd, len);
	}
}

/* Every type of the table has at least one vector above. */
static void test_vectors_cover_table(void **state)
{
	(void)state;
	const od_rrtype_desc_t *d;
	for (size_t i = 0; (d = od_rrtype_at(i)) != NULL; i++) {
		bool found = false;
		for (size_t j = 0; j < NVECS && !found; j++)
			found = vecs[j].type == d->type;
		if (!found)
			fail_msg("no wire vector for %s", d->name);
	}
}

static void test_generic(void **state)
{
	(void)state;
	char buf[32];
	const uint8_t rd[] = { 0xde, 0xad, 0x01 };
	assert_int_equal(od_rdata_to_generic(rd, 3, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "\\# 3 DEAD01");
	assert_int_equal(od_rdata_to_generic(rd, 0, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "\\# 0");
	assert_int_equal(od_rdata_to_generic(rd, 3, buf, 11), OD_ESPACE);
	assert_int_equal(od_rdata_to_generic(rd, 3, buf, 0), OD_ESPACE);
	/* invalid RDATA of a known type prints generic too */
	const uint8_t bad_a[] = { 1, 2, 3 };
	assert_int_equal(od_rdata_to_str(OD_TYPE_A, bad_a, 3, buf, sizeof(buf)),
	                 11);
	assert_string_equal(buf, "\\# 3 010203");
	assert_true(od_rdata_str_bound(0) > 4);
	assert_true(od_rdata_str_bound(65535) > 65535 * 2 + 8);
}

/* Decompression: a message with "example.com." at offset 12. */
static void test_decompress(void **state)
{
	(void)state;
	static const struct {
		uint16_t type;
		const char *rdata;  /* in the message, after the name */
		const char *expect; /* uncompressed */
	} cases[] = {
		{ OD_TYPE_NS, "04686f7374c00c", NAME_HOST },
		{ OD_TYPE_MX, "000a04686f7374c00c", "000a" NAME_HOST },
		{ OD_TYPE_SOA,
		  "04686f7374c00c 0a686f73746d6173746572c00c 78957dd9 00000001 00000002 00000003 00000004",
		  NAME_HOST NAME_HOSTMASTER
		  "78957dd9 00000001 00000002 00000003 00000004" },
		{ OD_TYPE_CNAME, "c00c", "076578616d706c6503636f6d00" },
		/* lenient on read: pointers in names of any type */
		{ OD_TYPE_SRV, "000100020035 04686f7374c00c",
		  "000100020035" NAME_HOST },
		{ OD_TYPE_NSEC, "04686f7374c00c 000122", NAME_HOST "000122" },
		{ OD_TYPE_SVCB, "0001 c00c 000300020035",
		  "0001 076578616d706c6503636f6d00 000300020035" },
	};
	const char *origin =
	        "000000000000000000000000 076578616d706c6503636f6d00";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t msg[512], want[512], out[512];
		size_t mlen = unhex(origin, msg, sizeof(msg));
		size_t rdlen =
		        unhex(cases[i].rdata, msg + mlen, sizeof(msg) - mlen);
		size_t wlen = unhex(cases[i].expect, want, sizeof(want));
		od_rd_t r;
		od_rd_init(&r, msg, mlen + rdlen);
		r.pos = mlen;
		int n = od_rdata_unpack(cases[i].type, &r, (uint16_t)rdlen, out,
		                        sizeof(out));
		assert_int_equal(n, (int)wlen);
		assert_memory_equal(out, want, wlen);
		assert_int_equal(r.pos, mlen + rdlen);
		assert_int_equal(r.err, 0);
		/* too small an output buffer: OD_ESPACE, not latched */
		od_rd_init(&r, msg, mlen + rdlen);
		r.pos = mlen;
		n = od_rdata_unpack(cases[i].type, &r, (uint16_t)rdlen, out,
		                    wlen - 1);
		assert_int_equal(n, OD_ESPACE);
		assert_int_equal(r.err, 0);
	}
	/* a forward pointer inside RDATA is an error */
	uint8_t msg[64];
	size_t mlen =
	        unhex("000000000000000000000000 c00e 00", msg, sizeof(msg));
	od_rd_t r;
	od_rd_init(&r, msg, mlen);
	r.pos = 12;
	uint8_t out[64];
	assert_true(od_rdata_unpack(OD_TYPE_NS, &r, 2, out, sizeof(out)) < 0);
	assert_true(r.err < 0);
}

static bool has_field(const od_rrtype_desc_t *d, od_rdf_t f)
{
	for (size_t i = 0; i < OD_RDF_MAX && d->fields[i] != OD_F_END; i++)
		if (d->fields[i] == f)
			return true;
	return false;
}

static bool has_name(const od_rrtype_desc_t *d)
{
	return has_field(d, OD_F_NAME_C) || has_field(d, OD_F_NAME_L) ||
	       has_field(d, OD_F_NAME) || has_field(d, OD_F_A6) ||
	       has_field(d, OD_F_HIP) || has_field(d, OD_F_AMTRELAY) ||
	       has_field(d, OD_F_IPSECKEY_GW);
}

/*
 * Compression on write: with the suffixes of every vector name already in
 * the message, only the RFC 1035 types shrink; all others are written as
 * they are. Whatever was written reads back to the same RDATA.
 */
static void test_pack_compression(void **state)
{
	(void)state;
	static const char *const suffixes[] = {
		"076578616d706c6503636f6d00",
		"03636f6d00",
		"02667200",
		"03746c6400",
		"0365647500",
		"036e657400",
		"036f726700",
		"076578616d706c6500",
	};
	static const uint16_t compressible[] = { 2, 3, 4,  5,  6, 7,
		                                 8, 9, 12, 14, 15 };
	static uint8_t msg[8192], rd[4096], un[4096];
	for (size_t i = 0; i < NVECS; i++) {
		const od_rrtype_desc_t *d = od_rrtype_get(vecs[i].type);
		if (d == NULL || (d->flags & OD_RRT_OPAQUE) || !has_name(d))
			continue;
		size_t len = unhex(vecs[i].hex, rd, sizeof(rd));
		od_compr_t c;
		od_compr_init(&c, msg);
		od_wr_t w;
		od_wr_init(&w, msg, sizeof(msg));
		for (size_t s = 0; s < sizeof(suffixes) / sizeof(suffixes[0]);
		     s++) {
			uint8_t name[OD_NAME_MAXLEN];
			unhex(suffixes[s], name, sizeof(name));
			assert_int_equal(od_name_pack(&w, name, &c), 0);
		}
		size_t start = w.pos;
		int pr = od_rdata_pack(d->type, rd, len, &w, &c);
		if (pr != 0)
			fail_msg("%s #%zu: pack %s %s", d->name, i,
			         od_strerror(pr), vecs[i].hex);
		size_t wrote = w.pos - start;
		bool comp = false;
		for (size_t k = 0; k < sizeof(compressible) / 2; k++)
			comp |= compressible[k] == d->type;
		assert_int_equal(has_field(d, OD_F_NAME_C), comp);
		if (comp) {
			if (!(wrote < len))
				fail_msg("%s not compressed", d->name);
		} else {
			if (wrote != len || memcmp(msg + start, rd, len) != 0)
				fail_msg("%s compressed", d->name);
		}
		od_rd_t r;
		od_rd_init(&r, msg, w.pos);
		r.pos = start;
		int n = od_rdata_unpack(d->type, &r, (uint16_t)wrote, un,
		                        sizeof(un));
		assert_int_equal(n, (int)len);
		assert_memory_equal(un, rd, len);
	}
	/* invalid RDATA is not written */
	od_wr_t w;
	od_wr_init(&w, msg, sizeof(msg));
	const uint8_t bad[] = { 0x04, 'h', 'o' };
	assert_true(od_rdata_pack(OD_TYPE_NS, bad, sizeof(bad), &w, NULL) < 0);
	assert_int_equal(w.pos, 0);
	/*
	 * Invalid RDATA whose first name was already packed: the table
	 * must not keep that name, whose bytes the next write reuses.
	 */
	od_compr_t bc;
	od_compr_init(&bc, msg);
	od_wr_init(&w, msg, sizeof(msg));
	uint8_t soa[128];
	size_t sl = unhex(NAME_HOST NAME_HOSTMASTER "00000001 00000002", soa,
	                  sizeof(soa));
	assert_true(od_rdata_pack(OD_TYPE_SOA, soa, sl, &w, &bc) < 0);
	assert_int_equal(w.pos, 0);
	assert_int_equal(bc.count, 0);
	/* full buffer */
	od_wr_init(&w, msg, 3);
	uint8_t host[64];
	size_t hl = unhex(NAME_HOST, host, sizeof(host));
	assert_int_equal(od_rdata_pack(OD_TYPE_NS, host, hl, &w, NULL),
	                 OD_ESPACE);
}

static void upper_ascii(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'a' && p[i] <= 'z')
			p[i] -= 'a' - 'A';
}

/* RFC 4034 §6.2 with RFC 6840 §5.1: exactly these types are lowered. */
static void test_canonicalize(void **state)
{
	(void)state;
	static const uint16_t lowered[] = { 2,  3,  4,  5,  6,  7,  8,  9,
		                            12, 14, 15, 17, 18, 21, 24, 26,
		                            30, 33, 35, 36, 38, 39, 46 };
	for (uint32_t t = 0; t <= 65535; t++) {
		bool want = false;
		for (size_t k = 0; k < sizeof(lowered) / 2; k++)
			want |= lowered[k] == t;
		if (od_rrtype_canon_lower((uint16_t)t) != want)
			fail_msg("canon_lower(%u) wrong", t);
	}
	/* Upper-cased vectors: only the lowering types change, and only
	 * in case. */
	static uint8_t rd[4096], up[4096];
	for (size_t i = 0; i < NVECS; i++) {
		size_t len = unhex(vecs[i].hex, rd, sizeof(rd));
		memcpy(up, rd, len);
		upper_ascii(up, len);
		if (od_rdata_check(vecs[i].type, up, len) != 0)
			continue;
		uint8_t canon[4096];
		memcpy(canon, up, len);
		od_rdata_canonicalize(vecs[i].type, canon, len);
		bool changed = memcmp(canon, up, len) != 0;
		const od_rrtype_desc_t *d = od_rrtype_get(vecs[i].type);
		bool lowers = od_rrtype_canon_lower(vecs[i].type);
		if (!lowers && changed)
			fail_msg("type %u lowered", vecs[i].type);
		if (lowers && !changed && memcmp(rd, up, len) != 0)
			fail_msg("%s not lowered", d->name);
		for (size_t k = 0; k < len; k++) {
			uint8_t a = canon[k], b = up[k];
			assert_true(a == b || a == b + ('a' - 'A'));
		}
	}
	/* exact cases: NAPTR keeps its strings, lowers the replacement */
	uint8_t naptr[128], want[128];
	size_t n = unhex("00640032015301480001 5f04484f535403434f4d00", naptr,
	                 sizeof(naptr));
	unhex("00640032015301480001 5f04686f737403636f6d00", want,
	      sizeof(want));
	od_rdata_canonicalize(OD_TYPE_NAPTR, naptr, n);
	assert_memory_equal(naptr, want, n);
	/* RRSIG: signer lowered, signature untouched */
	uint8_t sig[64];
	n = unhex("0001 05 02 00000e10 00000001 00000002 0a52 03464f4f00 4142",
	          sig, sizeof(sig));
	unhex("0001 05 02 00000e10 00000001 00000002 0a52 03666f6f00 4142",
	      want, sizeof(want));
	od_rdata_canonicalize(OD_TYPE_RRSIG, sig, n);
	assert_memory_equal(sig, want, n);
	/* NSEC: next name kept (RFC 6840 §5.1) */
	n = unhex("03464f4f00 000140", sig, sizeof(sig));
	memcpy(want, sig, n);
	od_rdata_canonicalize(OD_TYPE_NSEC, sig, n);
	assert_memory_equal(sig, want, n);
	/* A6: prefix name lowered */
	n = unhex("78 ff 03464f4f00", sig, sizeof(sig));
	unhex("78 ff 03666f6f00", want, sizeof(want));
	od_rdata_canonicalize(38, sig, n);
	assert_memory_equal(sig, want, n);
}

static void test_cmp(void **state)
{
	(void)state;
	const uint8_t a[] = { 1, 2, 3 }, b[] = { 1, 2, 4 }, c[] = { 1, 2 };
	assert_true(od_rdata_cmp(a, 3, b, 3) < 0);
	assert_true(od_rdata_cmp(b, 3, a, 3) > 0);
	assert_true(od_rdata_cmp(c, 2, a, 3) < 0);
	assert_true(od_rdata_cmp(a, 3, c, 2) > 0);
	assert_int_equal(od_rdata_cmp(a, 3, a, 3), 0);
	assert_int_equal(od_rdata_cmp(a, 0, b, 0), 0);
	assert_true(od_rdata_cmp(a, 0, b, 1) < 0);
}

static const struct bad {
	uint16_t type;
	const char *hex;
	const char *why;
} bads[] = {
	{ 1, "c00002", "A too short" },
	{ 1, "c000020101", "A too long" },
	{ 28, "20010db8", "AAAA too short" },
	{ 2, "04686f7374076578616d706c6503636f6d", "name without root" },
	{ 2, "04686f7374c00c", "pointer in uncompressed RDATA" },
	{ 2, "40 00", "label of 64 octets" },
	{ 2, NAME_HOST "00", "octet after the name" },
	{ 15, "000a", "MX without exchange" },
	{ 15, "00", "MX preference cut" },
	{ 6,
	  NAME_HOST NAME_HOSTMASTER
	  "78957dd9 00000001 00000002 00000003 000000",
	  "SOA minimum cut" },
	{ 16, "05616263", "TXT string past the end" },
	{ 13, "05616d643634", "HINFO without OS" },
	{ 20, "0f31353038363230323830303332313703303034 00", "ISDN 3 strings" },
	{ 33, "00010002" NAME_HOST, "SRV without port" },
	{ 47, NAME_HOST "0000", "NSEC window of 0 octets" },
	{ 47,
	  NAME_HOST
	  "0021 000000000000000000000000000000000000000000000000000000000000000000",
	  "NSEC window of 33 octets" },
	{ 47, NAME_HOST "0101 40 0001 40", "NSEC windows out of order" },
	{ 47, NAME_HOST "0001 40 0001 40", "NSEC window repeated" },
	{ 47, NAME_HOST "0002 40", "NSEC window past the end" },
	{ 50, "0101000c04aabbccdd14a23cd75bf90cc4f3ba069b979e04ffc8ee8915",
	  "NSEC3 hash cut" },
	{ 51, "0100000a05aabbccdd", "NSEC3PARAM salt cut" },
	{ 43, "e466", "DS cut" },
	{ 46, "0001050300015180", "RRSIG cut" },
	{ 42, "000115 05 c0a8200000", "APL IPv4 with 5 address octets" },
	{ 42, "000121 04 c0a82000", "APL IPv4 prefix 33" },
	{ 42, "000281 04 20010db8", "APL IPv6 prefix 129" },
	{ 42, "000240 11 20010db8000000000000000000000000 00",
	  "APL IPv6 with 17 octets" },
	{ 42, "000115 04 c0a820", "APL address past the end" },
	{ 42, "000115", "APL item header cut" },
	{ 64, "0001 00 0003", "SVCB param header cut" },
	{ 64, "0001 00 0003000200", "SVCB value past the end" },
	{ 64, "0001 00 000300020035 000100030268", "SVCB keys out of order" },
	{ 64, "0001 00 000300020035 000300020035", "SVCB key repeated" },
	{ 64, "0001 00 00030003003500", "SVCB port of 3 octets" },
	{ 64, "0001 00 00010000", "SVCB empty alpn" },
	{ 64, "0001 00 0001000300026832", "SVCB alpn id past its value" },
	{ 64, "0001 00 000100020068", "SVCB empty alpn id" },
	{ 64, "0001 00 000200016100010003026832",
	  "SVCB no-default-alpn with value" },
	{ 64, "0001 00 00000002 0000", "SVCB mandatory lists mandatory" },
	{ 64, "0001 00 00000004 00030001 00010003026832 000300020035",
	  "SVCB mandatory out of order" },
	{ 64, "0001 00 00000001 00", "SVCB mandatory of odd length" },
	{ 64, "0001 00 00040005 c000020101", "SVCB ipv4hint of 5 octets" },
	{ 64, "0001 00 00040000", "SVCB empty ipv4hint" },
	{ 64, "0001 00 00060004 20010db8", "SVCB ipv6hint of 4 octets" },
	{ 64, "0001 00 00080001 00", "SVCB ohttp with value" },
	{ 64, "0001 00 00090003 001d00", "SVCB tls-supported-groups odd" },
	{ 64, "00", "SVCB priority cut" },
	{ 65, "0001 00 000300020035 000300020035", "HTTPS key repeated" },
	{ 45, "0a0402 00", "IPSECKEY gateway type 4" },
	{ 45, "0a0102 c00002", "IPSECKEY IPv4 gateway cut" },
	{ 38, "81 00", "A6 prefix length 129" },
	{ 38, "40 0001000200030004", "A6 without prefix name" },
	{ 29, "000016138b3cf018810cbce0009895", "LOC of 15 octets" },
	{ 29, "000016138b3cf018810cbce0009895b800", "LOC of 17 octets" },
	{ 260, "c80000", "AMTRELAY type 0 with a relay" },
	{ 260, "0a01cb0071", "AMTRELAY IPv4 cut" },
	{ 55, "10020084 2001", "HIP HIT cut" },
	{ 34, "", "ATMA empty" },
	{ 11, "c0000201", "WKS without protocol" },
	{ 30, "00 0102030405060708090a0b0c0d0e0f1011",
	  "NXT bitmap of 17 octets" },
	{ 250, "0b686d61632d73686132353600 000063b0cd00 012c 0010deadbeef",
	  "TSIG MAC cut" },
	{ 264, "00000064", "IPN of 4 octets" },
	{ 108, "00005e0053", "EUI48 of 5 octets" },
};

static void test_malformed(void **state)
{
	(void)state;
	uint8_t rd[512], msg[600], out[600];
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		size_t len = unhex(bads[i].hex, rd, sizeof(rd));
		int ret = od_rdata_check(bads[i].type, rd, len);
		if (ret >= 0)
			fail_msg("accepted: %s", bads[i].why);
		/* the same through a message: latched, position kept */
		memcpy(msg, rd, len);
		od_rd_t r;
		od_rd_init(&r, msg, len);
		int n = od_rdata_unpack(bads[i].type, &r, (uint16_t)len, out,
		                        sizeof(out));
		if (n >= 0)
			fail_msg("unpack accepted: %s", bads[i].why);
		assert_int_equal(r.err, n);
		/* printing falls back to the generic form */
		char text[2048];
		assert_true(od_rdata_to_str(bads[i].type, rd, len, text,
		                            sizeof(text)) > 0);
		assert_memory_equal(text, "\\# ", 3);
	}
}

/* RDLENGTH against content, through a message. */
static void test_rdlen(void **state)
{
	(void)state;
	uint8_t msg[64], out[64];
	size_t len = unhex(NAME_HOST "0a0b", msg, sizeof(msg));
	od_rd_t r;
	/* too long: an octet after the name */
	od_rd_init(&r, msg, len);
	assert_int_equal(od_rdata_unpack(OD_TYPE_NS, &r, 19, out, sizeof(out)),
	                 OD_ERDLEN);
	assert_int_equal(r.err, OD_ERDLEN);
	/* too short: the name runs past RDLENGTH */
	od_rd_init(&r, msg, len);
	assert_int_equal(od_rdata_unpack(OD_TYPE_NS, &r, 17, out, sizeof(out)),
	                 OD_ETRUNC);
	/* A with rdlen 5 */
	od_rd_init(&r, msg, len);
	assert_int_equal(od_rdata_unpack(OD_TYPE_A, &r, 5, out, sizeof(out)),
	                 OD_ERDLEN);
	/* RDLENGTH beyond the message */
	od_rd_init(&r, msg, len);
	assert_int_equal(od_rdata_unpack(OD_TYPE_NS, &r, 40, out, sizeof(out)),
	                 OD_ETRUNC);
	/* an earlier error stays */
	od_rd_init(&r, msg, len);
	od_rd_fail(&r, OD_EMALF);
	assert_int_equal(od_rdata_unpack(OD_TYPE_A, &r, 4, out, sizeof(out)),
	                 OD_EMALF);
	/* opaque types take exactly rdlen */
	od_rd_init(&r, msg, len);
	assert_int_equal(od_rdata_unpack(OD_TYPE_NULL, &r, 3, out, sizeof(out)),
	                 3);
	assert_int_equal(r.pos, 3);
	/* RDATA larger than 65535 octets is refused by check */
	assert_int_equal(od_rdata_check(OD_TYPE_NULL, msg, 65536), OD_ERDLEN);
}

/* Unknown SvcParamKeys are fine on the wire, whatever their value. */
static void test_svcb_unknown_key(void **state)
{
	(void)state;
	uint8_t rd[64];
	size_t len = unhex("0001 00 000a0000 03e8000301ff02 fffe0000", rd,
	                   sizeof(rd));
	assert_int_equal(od_rdata_check(OD_TYPE_SVCB, rd, len), 0);
	char text[256];
	assert_true(od_rdata_to_str(OD_TYPE_SVCB, rd, len, text, sizeof(text)) >
	            0);
	assert_string_equal(text, "1 . key10 key1000=\\001\\255\\002 key65534");
}

/*
 * The simdzone type cases: every accepted RDATA passes od_rdata_check for
 * the type named in its text.
 */

/* Decode one JSON string value after `"key": "`. */
static bool json_str(const char *line, const char *key, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	size_t n = 0;
	while (*p && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			c = *p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'u': {
				unsigned v = 0;
				for (int k = 0; k < 4 && *p; k++, p++)
					v = v * 16 +
					    (unsigned)(*p <= '9' ? *p - '0'
					                         : (*p | 32) -
					                                   'a' +
					                                   10);
				c = (char)(v < 0x80 ? v : '?');
				break;
			}
			default:
				break;
			}
		}
		if (n + 1 < cap)
			out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* The type of the last record line: owner, [TTL] [class], type. */
static int type_of_text(const char *text, uint16_t *type)
{
	const char *line = text;
	while (*line == '$') {
		line = strchr(line, '\n');
		if (line == NULL)
			return -1;
		line++;
	}
	const char *p = line;
	bool owner = true;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		size_t n = (size_t)(p - s);
		if (n == 0)
			break;
		if (owner) {
			owner = false;
			continue;
		}
		if (strspn(s, "0123456789") >= n)
			continue; /* TTL */
		uint16_t cl;
		if (od_class_from_str(s, n, &cl) == 0)
			continue;
		return od_rrtype_from_str(s, n, type);
	}
	return -1;
}

static void test_simdzone_cases(void **state)
{
	(void)state;
	const char *dir = getenv("ONEDOT_SHARED_DATA");
	char path[1024];
	snprintf(path, sizeof(path), "%s/zones/simdzone/types.cases.jsonl",
	         dir ? dir : "../shared/data");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		skip();
	/*
	 * Known quirks of the data set (zones/MANIFEST.md):
	 * - nsap_ptr_text: simdzone stores the target as one label with
	 *   dots and no root label, which is not a domain name.
	 * Accepted by check but not the canonical form: LOC rounding
	 * (loc_text_2, last octet fb vs fa) and APL trailing zero octets
	 * (apl_text); both are valid wire data, so they pass.
	 */
	static const char *const quirks[] = { "nsap_ptr_text" };
	static char line[65536], text[8192], hex[16384], name[128], expect[64];
	static uint8_t rd[8192];
	int checked = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (!json_str(line, "expect", expect, sizeof(expect)) ||
		    strcmp(expect, "accept") != 0)
			continue;
		assert_true(json_str(line, "case", name, sizeof(name)));
		assert_true(json_str(line, "text", text, sizeof(text)));
		assert_true(json_str(line, "rdata_hex", hex, sizeof(hex)));
		uint16_t type;
		if (type_of_text(text, &type) != 0)
			fail_msg("%s: no type in '%s'", name, text);
		size_t len = unhex(hex, rd, sizeof(rd));
		int ret = od_rdata_check(type, rd, len);
		bool quirk = false;
		for (size_t q = 0; q < sizeof(quirks) / sizeof(quirks[0]); q++)
			quirk |= strcmp(name, quirks[q]) == 0;
		if (quirk) {
			if (ret == 0)
				fail_msg("%s: quirk now passes", name);
			continue;
		}
		if (ret != 0)
			fail_msg("%s (type %u): %s", name, type,
			         od_strerror(ret));
		/* and it prints to something */
		static char out[65536];
		assert_true(od_rdata_to_str(type, rd, len, out, sizeof(out)) >
		            0);
		checked++;
	}
	fclose(f);
	assert_true(checked > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_vectors_cover_table),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_decompress),
		cmocka_unit_test(test_pack_compression),
		cmocka_unit_test(test_canonicalize),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_rdlen),
		cmocka_unit_test(test_svcb_unknown_key),
		cmocka_unit_test(test_simdzone_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
