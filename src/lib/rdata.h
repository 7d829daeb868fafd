/* SPDX-License-Identifier: MIT */
/*
 * RDATA: wire validation, (de)compression, canonical form, presentation
 * output and input, all driven by the layouts in rrtype.h.
 *
 * "rdata" below is always uncompressed wire form. Types without a layout
 * (unknown or OD_RRT_OPAQUE) are opaque bytes and always valid.
 */
#ifndef OD_RDATA_H
#define OD_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/name.h"
#include "lib/wire.h"

/*! Largest RDATA on the wire. */
#define OD_RDATA_MAXLEN 65535

/*!
 * Read rdlen bytes of RDATA at r's position (inside a message, so names
 * may be compressed), check them against the type's layout and write the
 * uncompressed form to out. Advances r by exactly rdlen.
 * \return the uncompressed length, or OD_EMALF / OD_ERDLEN / OD_ETRUNC /
 *         name errors / OD_ESPACE (also latched in r, except OD_ESPACE).
 */
int od_rdata_unpack(uint16_t type, od_rd_t *r, uint16_t rdlen, uint8_t *out,
                    size_t outcap);

/*! Check uncompressed RDATA against the type's layout. \return 0 or error. */
int od_rdata_check(uint16_t type, const uint8_t *rdata, size_t len);

/*!
 * Write RDATA (without the RDLENGTH field) at w's position, compressing
 * the names the type allows (RFC 3597 §4) against c (may be NULL).
 * \return 0 or the writer's error.
 */
int od_rdata_pack(uint16_t type, const uint8_t *rdata, size_t len, od_wr_t *w,
                  od_compr_t *c);

/*!
 * Canonical form in place (RFC 4034 §6.2 with RFC 6840 §5.1): lower-case
 * the names of the types that require it. rdata must be valid.
 */
void od_rdata_canonicalize(uint16_t type, uint8_t *rdata, size_t len);

/*!
 * Canonical RDATA order (RFC 4034 §6.3): left-justified unsigned octet
 * strings, shorter first on a common prefix. Inputs already canonical.
 */
int od_rdata_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*!
 * Presentation form of RDATA, NUL-terminated. Types without a layout, and
 * RDATA that its layout cannot represent, are written in the RFC 3597
 * generic form `\# LEN HEX`, so the output always parses back to the same
 * bytes.
 * \return the string length, or OD_ESPACE.
 */
int od_rdata_to_str(uint16_t type, const uint8_t *rdata, size_t len, char *out,
                    size_t outcap);

/*! RFC 3597 generic form `\# LEN HEX` (`\# 0` when empty). As above. */
int od_rdata_to_generic(const uint8_t *rdata, size_t len, char *out,
                        size_t outcap);

/*! Text size that always suffices for od_rdata_to_str of len bytes. */
size_t od_rdata_str_bound(size_t len);

/*
 * Presentation input. A zone-file lexer (or od_tok_split for one line of
 * text) hands over tokens; quotes are removed but escapes are not yet
 * processed, the field parsers do that.
 */
typedef struct od_tok {
	const char *s; /*!< token text (not owned, not NUL-terminated) */
	uint32_t len;  /*!< its length */
	bool quoted;   /*!< it was a "quoted string" */
} od_tok_t;

/*!
 * Split one line of text into tokens: blanks separate, "..." is one token
 * (with \" and other escapes kept for the field parser), parentheses are
 * ignored, ';' starts a comment.
 * \return the number of tokens, OD_ESYNTAX (unterminated quote) or
 *         OD_ELIMIT (more than max).
 */
int od_tok_split(const char *text, size_t len, od_tok_t *toks, size_t max);

/*!
 * Parse a TTL-style duration as zone files write TTLs and SOA timers:
 * decimal seconds, or numbers each followed by a unit s, m, h, d or w in
 * either case ("1h30m", "2W"). Values up to 2^32-1 are accepted (callers
 * apply RFC 2181 §8 where it matters).
 * \return 0 and *out set, OD_ESYNTAX (bad form or unit), OD_ERANGE.
 */
int od_ttl_from_str(const char *s, size_t len, uint32_t *out);

/*! What went wrong while parsing presentation RDATA. */
typedef struct od_rdata_diag {
	size_t tok; /*!< index of the offending token (== ntoks: missing) */
	const char *expected; /*!< static text naming what was expected */
} od_rdata_diag_t;

/*!
 * Parse presentation RDATA of `type` from toks into uncompressed wire
 * form in out. Relative names are completed with origin (NULL: relative
 * names are errors). The generic form `\# LEN HEX...` is accepted for
 * every type, known or not, and checked against the type's layout when it
 * has one. diag may be NULL.
 * \return the RDATA length, or OD_ESYNTAX / OD_ERANGE / OD_EBASE64 / ...
 *         with diag filled in.
 */
int od_rdata_from_text(uint16_t type, const od_tok_t *toks, size_t ntoks,
                       const uint8_t *origin, uint8_t *out, size_t outcap,
                       od_rdata_diag_t *diag);

/*!
 * RFC 1982 serial number arithmetic on 32 bits (SOA serials, RRSIG
 * times): a < b. The one undefined distance (2^31) counts as "not less",
 * which errs towards rejecting.
 */
static inline bool od_serial_lt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}

#endif
