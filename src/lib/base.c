/* SPDX-License-Identifier: MIT */
#include "lib/base.h"
#include "lib/error.h"

static const char b64_alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32_alpha[] = "0123456789abcdefghijklmnopqrstuv";
static const char hex_alpha[] = "0123456789ABCDEF";

int od_base64_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t need = od_base64_len(len);
	if (outlen <= need)
		return OD_ESPACE;
	char *o = out;
	size_t i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		             in[i + 2];
		*o++ = b64_alpha[v >> 18];
		*o++ = b64_alpha[(v >> 12) & 63];
		*o++ = b64_alpha[(v >> 6) & 63];
		*o++ = b64_alpha[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*o++ = b64_alpha[v >> 18];
		*o++ = b64_alpha[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = b64_alpha[v >> 18];
		*o++ = b64_alpha[(v >> 12) & 63];
		*o++ = b64_alpha[(v >> 6) & 63];
		*o++ = '=';
	}
	*o = '\0';
	return (int)need;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Bits left over in the last group are ignored, as BIND does: RFC 4648
 * §3.5 allows decoders to accept them.
 */
int od_base64_decode(const char *in, size_t len, uint8_t *out, size_t outlen)
{
	if (len % 4 != 0)
		return OD_EBASE64;
	size_t pos = 0;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = in[i + k];
			if (c == '=') {
				/* '=' only in the last group, at its end */
				if (i + 4 != len || k < 2)
					return OD_EBASE64;
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad > 0)
				return OD_EBASE64;
			v[k] = b64_val(c);
			if (v[k] < 0)
				return OD_EBASE64;
		}
		size_t n = 3 - (size_t)pad;
		if (outlen - pos < n)
			return OD_ESPACE;
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		             (uint32_t)v[2] << 6 | (uint32_t)v[3];
		out[pos++] = (uint8_t)(w >> 16);
		if (n > 1)
			out[pos++] = (uint8_t)(w >> 8);
		if (n > 2)
			out[pos++] = (uint8_t)w;
	}
	return (int)pos;
}

int od_base32hex_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t need = od_base32hex_len(len);
	if (outlen <= need)
		return OD_ESPACE;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alpha[(acc >> bits) & 31];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[o++] = b32_alpha[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

static int b32_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

int od_base32hex_decode(const char *in, size_t len, uint8_t *out, size_t outlen)
{
	/* Padding: only at the end, and only to complete an 8-char group. */
	size_t dlen = len;
	while (dlen > 0 && in[dlen - 1] == '=')
		dlen--;
	if (dlen != len && len % 8 != 0)
		return OD_EBASE32;
	/* Lengths that cannot end a group: 1, 3 and 6 characters. */
	size_t rem = dlen % 8;
	if (rem == 1 || rem == 3 || rem == 6)
		return OD_EBASE32;
	if (dlen != len && len - dlen >= 8)
		return OD_EBASE32;
	size_t pos = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < dlen; i++) {
		int v = b32_val(in[i]);
		if (v < 0)
			return OD_EBASE32;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (pos >= outlen)
				return OD_ESPACE;
			out[pos++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (int)pos;
}

int od_hex_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t need = od_hex_len(len);
	if (outlen <= need)
		return OD_ESPACE;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_alpha[in[i] >> 4];
		out[2 * i + 1] = hex_alpha[in[i] & 15];
	}
	out[need] = '\0';
	return (int)need;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int od_hex_decode(const char *in, size_t len, uint8_t *out, size_t outlen)
{
	if (len % 2 != 0)
		return OD_EHEX;
	if (outlen < len / 2)
		return OD_ESPACE;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_val(in[i]), lo = hex_val(in[i + 1]);
		if (hi < 0 || lo < 0)
			return OD_EHEX;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}
