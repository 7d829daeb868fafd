/* SPDX-License-Identifier: MIT */
/*
 * Binary-to-text encodings used in presentation formats: base64 (RFC 4648
 * §4), base32hex without padding (RFC 4648 §7, as NSEC3 uses it) and hex.
 *
 * Encoders write NUL-terminated text and return its length or OD_ESPACE.
 * Decoders take contiguous text without whitespace (callers join the
 * tokens of a field first); they return the number of bytes written or
 * OD_EBASE64 / OD_EBASE32 / OD_EHEX / OD_ESPACE.
 */
#ifndef OD_BASE_H
#define OD_BASE_H

#include <stddef.h>
#include <stdint.h>

/*! Encoded sizes (without the NUL). */
#define od_base64_len(n) ((((n) + 2) / 3) * 4)
#define od_base32hex_len(n) (((n)*8 + 4) / 5)
#define od_hex_len(n) ((n)*2)

int od_base64_encode(const uint8_t *in, size_t len, char *out, size_t outlen);
/*! Decode base64 text (padding required per 4-character group). */
int od_base64_decode(const char *in, size_t len, uint8_t *out, size_t outlen);

/*! Lower-case base32hex without padding. */
int od_base32hex_encode(const uint8_t *in, size_t len, char *out,
                        size_t outlen);
/*! Decode base32hex, either case, padding optional. */
int od_base32hex_decode(const char *in, size_t len, uint8_t *out,
                        size_t outlen);

/*! Upper-case hex (as DS/NSEC3 salt are usually printed). */
int od_hex_encode(const uint8_t *in, size_t len, char *out, size_t outlen);
/*! Decode hex of either case; an odd number of digits is an error. */
int od_hex_decode(const char *in, size_t len, uint8_t *out, size_t outlen);

#endif
