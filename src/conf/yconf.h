/* SPDX-License-Identifier: MIT */
/*
 * YAML configuration files, read whole into a node tree (libyaml's
 * document API) and walked with typed accessors that say exactly what is
 * wrong and where: "FILE:LINE:COL: zones[1].origin: expected a domain
 * name". Every accessor that fails leaves the message in the document's
 * error buffer and returns a negative code; the caller stops at the first
 * error.
 *
 * Schema checks are explicit: od_yc_keys() rejects keys a mapping may not
 * have, so a typo in a key is an error, never a silently ignored line.
 */
#ifndef OD_CONF_YCONF_H
#define OD_CONF_YCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

typedef struct od_yc {
	yaml_document_t doc;
	bool loaded;
	const char *file; /*!< as given (not copied) */
	char err[512];    /*!< the first error */
} od_yc_t;

/*! A node and its key path, for messages ("zones[1].origin"). */
typedef struct od_ycn {
	yaml_node_t *node;
	char path[160];
} od_ycn_t;

/*!
 * Read and parse path. \return 0 and *root set to the top node (a
 * mapping; an empty file is an empty mapping), or OD_ESYNTAX / -errno
 * with the message in yc->err.
 */
int od_yc_load(od_yc_t *yc, const char *path, od_ycn_t *root);

/*! As od_yc_load from text in memory; name is used in messages. */
int od_yc_load_mem(od_yc_t *yc, const char *text, size_t len, const char *name,
                   od_ycn_t *root);

void od_yc_free(od_yc_t *yc);

/*! Set the error for node n: "FILE:LINE:COL: PATH: message". Returns
 *  OD_EINVAL so callers can `return od_yc_fail(...)`. */
int od_yc_fail(od_yc_t *yc, const od_ycn_t *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*!
 * Check that mapping m has only keys from allowed (NULL-terminated).
 * \return 0, or OD_EINVAL ("unknown key 'x'" or "expected a mapping").
 */
int od_yc_keys(od_yc_t *yc, const od_ycn_t *m, const char *const *allowed);

/*! Value of key in mapping m. \return true and *out set, or false when
 *  the key is absent. */
bool od_yc_get(od_yc_t *yc, const od_ycn_t *m, const char *key, od_ycn_t *out);

/*! Scalars. Each fails (OD_EINVAL, message set) on the wrong type. */
int od_yc_str(od_yc_t *yc, const od_ycn_t *n, const char **out);
int od_yc_bool(od_yc_t *yc, const od_ycn_t *n, bool *out);
/*! An unsigned integer in [min, max]. */
int od_yc_uint(od_yc_t *yc, const od_ycn_t *n, uint64_t min, uint64_t max,
               uint64_t *out);
/*!
 * A duration: an integer with an optional unit, ms, s, m, h or d
 * (default unit: unit_ms milliseconds), in [min_ms, max_ms].
 */
int od_yc_duration_ms(od_yc_t *yc, const od_ycn_t *n, uint64_t unit_ms,
                      uint64_t min_ms, uint64_t max_ms, uint64_t *out);

/*!
 * Sequences. A scalar where a sequence is expected counts as a sequence
 * of one (so `listen: 127.0.0.1` works like `listen: [127.0.0.1]`).
 * \return the number of items, or OD_EINVAL (a mapping).
 */
int od_yc_seq_len(od_yc_t *yc, const od_ycn_t *n);
/*! Item i of sequence n (0 <= i < od_yc_seq_len). */
void od_yc_seq_at(od_yc_t *yc, const od_ycn_t *n, int i, od_ycn_t *out);

#endif
