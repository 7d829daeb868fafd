/* SPDX-License-Identifier: MIT */
/*
 * Domain names.
 *
 * A name is held in uncompressed wire form: length-prefixed labels ending
 * with the zero-length root label, at most OD_NAME_MAXLEN (255) octets,
 * labels at most 63 octets. Functions that take a `const uint8_t *name`
 * expect such a validated name (from od_name_unpack, od_name_from_str or
 * od_name_check); they do not re-check bounds.
 *
 * Comparison is case-insensitive over ASCII letters only (RFC 4343).
 */
#ifndef OD_NAME_H
#define OD_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/wire.h"

#define OD_NAME_MAXLEN 255
#define OD_LABEL_MAXLEN 63
/*! Longest presentation form: every octet as \DDD plus dots, plus NUL. */
#define OD_NAME_STRLEN (OD_NAME_MAXLEN * 4 + 2)

/*!
 * Check that buf holds one uncompressed name within maxlen bytes.
 * \return its wire length, or OD_ELABEL / OD_ENAMELEN / OD_ETRUNC /
 *         OD_ECOMPPTR (a compression pointer where none may be).
 */
int od_name_check(const uint8_t *buf, size_t maxlen);

/*!
 * Read a possibly compressed name at r's position into out (uncompressed).
 * Pointers must point backwards (strictly before the label that holds
 * them) and inside r->msg; loops, forward pointers, labels over 63 octets
 * and names over 255 octets are errors. Advances r past the name as it
 * appears in the message (to just after the first pointer, if any).
 * \return the uncompressed length, or a negative error (also latched in r).
 */
int od_name_unpack(od_rd_t *r, uint8_t out[OD_NAME_MAXLEN]);

/*! Wire length of a validated name. */
size_t od_name_len(const uint8_t *name);

/*! Number of labels, not counting the root label ("." has 0). */
int od_name_labels(const uint8_t *name);

/*! Pointer to the parent name (the name without its first label); NULL for root. */
const uint8_t *od_name_parent(const uint8_t *name);

/*! Pointer into name at its suffix with `labels` labels (0 = root). */
const uint8_t *od_name_suffix(const uint8_t *name, int labels);

/*! True for the root name. */
static inline bool od_name_is_root(const uint8_t *name)
{
	return name[0] == 0;
}

/*! True when the first label is exactly "*" (RFC 4592). */
bool od_name_is_wildcard(const uint8_t *name);

/*! Case-insensitive equality. */
bool od_name_equal(const uint8_t *a, const uint8_t *b);

/*!
 * True when name is equal to or below parent (name is in parent's tree).
 */
bool od_name_in(const uint8_t *name, const uint8_t *parent);

/*! True when name is strictly below parent. */
bool od_name_below(const uint8_t *name, const uint8_t *parent);

/*!
 * Canonical DNS name order (RFC 4034 §6.1): by labels from the root,
 * each compared as lower-cased octet strings.
 * \return <0, 0, >0.
 */
int od_name_cmp(const uint8_t *a, const uint8_t *b);

/*! Lower-case ASCII letters in place (canonical form, RFC 4034 §6.2). */
void od_name_lower(uint8_t *name);

/*! Copy a validated name into out. \return its length. */
size_t od_name_copy(uint8_t *out, const uint8_t *name);

/*! Case-insensitive hash (for hash tables; not cryptographic). */
uint32_t od_name_hash(const uint8_t *name);

/*!
 * Parse a presentation-form name of len bytes (not NUL-terminated).
 * Handles escapes `\.` and `\DDD`. A name without a trailing dot is
 * relative and gets origin appended; with origin NULL it is an error
 * (OD_ESYNTAX). "@" alone means origin. "." is the root.
 * \return the wire length written to out, or OD_ESYNTAX / OD_ELABEL /
 *         OD_ENAMELEN / OD_EEMPTY.
 */
int od_name_from_str(uint8_t out[OD_NAME_MAXLEN], const char *str, size_t len,
                     const uint8_t *origin);

/*!
 * Write the presentation form of a name (absolute, with trailing dot),
 * NUL-terminated. Octets other than letters, digits, '-', '_' and '*' are
 * escaped: `\.` `\\` `\"` `\(` `\)` `\;` `\@` `\$` as backslash + char,
 * and non-printable octets (and space) as \DDD.
 * \return the string length, or OD_ESPACE.
 */
int od_name_to_str(char *out, size_t outlen, const uint8_t *name);

/*
 * Name compression for writing messages (RFC 1035 §4.1.4).
 *
 * The table remembers where names were written in the message (offsets
 * below 0x4000). od_name_pack() writes the longest suffix already present
 * as a pointer. The table holds the message buffer pointer, so it belongs
 * to one message being built.
 */
#define OD_COMPR_MAX 64

typedef struct od_compr {
	const uint8_t *msg;         /*!< message being written (not owned) */
	uint16_t count;             /*!< entries used */
	uint16_t off[OD_COMPR_MAX]; /*!< offsets of written names */
} od_compr_t;

static inline void od_compr_init(od_compr_t *c, const uint8_t *msg)
{
	c->msg = msg;
	c->count = 0;
}

/*!
 * Write name at w's position, compressed against the names in c (which
 * may be NULL: no compression). Offsets of new labels are added to c.
 * The writer must write into c->msg.
 * On failure the table is left as it was (the writer's position is not
 * rewound: the caller owns that).
 * \return 0 or the writer's error (OD_ESPACE).
 */
int od_name_pack(od_wr_t *w, const uint8_t *name, od_compr_t *c);

#endif
