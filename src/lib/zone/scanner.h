/* SPDX-License-Identifier: MIT */
/*
 * Zone file scanner (RFC 1035 §5 master files, as real zones are written).
 *
 * Streams a zone file record by record, already in wire form, to a
 * callback. Handles $ORIGIN, $TTL, $INCLUDE (depth-limited, relative
 * paths resolved against the including file, can be disabled), BIND's
 * $GENERATE (with a bound on the count), parentheses across lines,
 * comments, quoted strings, escapes, "@", relative names, the owner
 * inherited from the previous record, TTL and class in either order, TTL
 * units ("1h30m") and the default TTL rules of RFC 2308 §4 ($TTL, else the
 * last explicit TTL, else the SOA MINIMUM of the zone).
 *
 * RDATA goes through od_rdata_from_text (rdata.h), so every type of the
 * table and the RFC 3597 generic form of any type, known or not, are
 * accepted; an RR type nobody has registered yet is data, not an error.
 *
 * Choices where implementations differ (BIND's, unless said otherwise):
 *  - TTLs: decimal or units s/m/h/d/w in either case ("1h30m", "1s1m1m");
 *    up to 4294967295 accepted as given (values over 2^31-1 are left to
 *    the loader, RFC 2181 §8), more is an error.
 *  - Default TTL: the record's own, else $TTL, else the last explicit
 *    TTL, else for an SOA its MINIMUM (which then counts as the last
 *    TTL), else opts->default_ttl (BIND would reject the record).
 *  - A class other than the zone's (opts->rclass) is an error.
 *  - Relative $ORIGIN and $INCLUDE origins are completed with the
 *    current origin. The origin, $TTL and previous owner of a $INCLUDEd
 *    file revert when it ends. A file that includes itself is an error.
 *  - A newline inside quotes is an error unless escaped; nested '(' is
 *    an error; CRLF is accepted; control characters are errors.
 *  - After a record whose owner is bad, a record with a blank owner is
 *    an error (it must not land on an unrelated name).
 *  - $GENERATE range lhs [ttl] [class] type rdata: the RDATA may be
 *    several items or one quoted string; "$", "${offset[,width[,base]]}"
 *    with base d, o, x, X, n, N (nibbles, reversed, dot-separated; width
 *    counts characters), "\$" and "$$" for a literal '$'. Meta and query
 *    types are rejected here as in ordinary records; one error per
 *    $GENERATE.
 *
 * A bad record is reported to the error callback with file, line, column
 * and what was expected; the callback chooses to skip it or to stop.
 * Whatever the input, the scanner never crashes, leaks or hangs.
 *
 * Not thread-safe per call; separate calls are independent.
 */
#ifndef OD_ZONE_SCANNER_H
#define OD_ZONE_SCANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/name.h"

/*! One record as the scanner hands it over; valid only during the callback. */
typedef struct od_zrec {
	const uint8_t *owner; /*!< absolute name, uncompressed wire form */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata; /*!< uncompressed wire RDATA */
	const char *file;     /*!< file the record came from */
	unsigned line;        /*!< line where the record starts */
} od_zrec_t;

/*! One problem; valid only during the callback. */
typedef struct od_zerr {
	const char *file; /*!< file name as given (or the buffer's name) */
	unsigned line;    /*!< 1-based */
	unsigned col;     /*!< 1-based, of the offending token */
	int code;         /*!< OD_E* code */
	bool fatal;      /*!< scanning cannot continue (e.g. unreadable file) */
	const char *msg; /*!< "expected TTL or class, got 'xyz'" */
} od_zerr_t;

/*! Record callback: return 0 to go on, anything else to stop scanning. */
typedef int (*od_zrec_cb)(const od_zrec_t *rec, void *ctx);
/*!
 * Error callback: return 0 to skip the bad record (or directive) and go
 * on, anything else to stop. Not consulted for fatal errors. With no
 * error callback, the first error stops scanning.
 */
typedef int (*od_zerr_cb)(const od_zerr_t *err, void *ctx);

typedef struct od_zopts {
	const uint8_t *origin; /*!< initial origin (NULL: the file must set
	                              $ORIGIN before using relative names) */
	uint16_t rclass;       /*!< default class (0: IN) */
	uint32_t default_ttl;  /*!< TTL when nothing else gives one (0: 3600) */
	bool no_include;       /*!< $INCLUDE is an error */
	unsigned include_depth; /*!< nested $INCLUDE limit (0: 10) */
	unsigned generate_max;  /*!< records per $GENERATE (0: 65536) */
	od_zrec_cb on_rec;
	od_zerr_cb on_err; /*!< may be NULL */
	void *ctx;
} od_zopts_t;

/*! Scan statistics, filled by the od_zscan_* calls (may be NULL). */
typedef struct od_zstats {
	size_t records; /*!< records handed to on_rec */
	size_t errors;  /*!< errors reported (skipped or not) */
	size_t lines;   /*!< lines read, all files */
} od_zstats_t;

/*!
 * Scan a zone file.
 * \return 0 when every record was read without error; OD_ESYNTAX (or the
 *         first error's code) when errors were skipped at the callback's
 *         request; when scanning stopped: the error's code, or the
 *         callback's non-zero value if the record callback stopped it;
 *         -errno when the file cannot be read.
 */
int od_zscan_file(const char *path, const od_zopts_t *opts, od_zstats_t *st);

/*! Scan len bytes of zone text; name is used in errors and for $INCLUDE
 *  paths (relative to name's directory). As od_zscan_file. */
int od_zscan_mem(const char *text, size_t len, const char *name,
                 const od_zopts_t *opts, od_zstats_t *st);

#endif
