/* SPDX-License-Identifier: MIT */
/*
 * Cache snapshots: the record cache (cache.h) written to a file and read
 * back, so that a restarted resolver answers from a warm cache. The
 * daemon writes one at a clean shutdown and reads it at start; the
 * control commands "cache dump" and "cache load" use the same format.
 *
 * Format (version 1; every integer big-endian):
 *
 *   header   magic "ODRCACHE" (8), version u16, flags u16 (0),
 *            entry count u32, time of writing u64 (wall clock, Unix
 *            seconds), body length u64, context u64
 *   body     the entries, back to back
 *   trailer  FNV-1a 64 of the header and the body, u64
 *
 *   entry    kind u8 (1 RRset, 2 negative), expiry u64 (wall clock,
 *            Unix seconds), rank u8, sec u8, ede u16, then
 *   RRset    owner (wire name), type u16, count u16, nsigs u16,
 *            count x (rdlen u16, RDATA), nsigs x (rdlen u16, RRSIG RDATA)
 *   negative qname (wire name), qtype u16 (0 for NXDOMAIN), rcode u8
 *            (0 or 3), vflags u8, zone (wire name), SOA rdlen u16 and
 *            RDATA, nproof u16, nproof x (owner, type u16, ttl u32,
 *            rdlen u16, RDATA)
 *
 * Expiries are absolute wall-clock times, so an entry keeps the expiry
 * it had however long the resolver was down, and one that expired
 * meanwhile is loaded only as stale data: with a stale window in the
 * cache's configuration (serve-stale, RFC 8767), the dump also holds
 * the entries that expired less than the window ago, and a load with
 * ODR_SNAP_STALE (the daemon's start) puts back every entry that
 * expired less than the window ago as expired, for the stale lookups
 * only; other loads skip them, so that they never compete with fresh
 * data. Anything older is skipped.
 *
 * The context is a hash the writer gives of whatever makes the cached
 * data valid only in its setup (for the daemon: the root hints, the
 * trust anchors and the validation settings, see odr_snap_hash); a
 * reader with another context refuses the snapshot, so that data
 * resolved from another root, or validated against other anchors, is
 * never taken in.
 *
 * Loading is all or nothing: the whole file is checked first (magic,
 * version, exact length, checksum, every length and name inside it,
 * each RDATA against its type's layout, ranks, security states and the
 * rules odr_cache_put applies), and only a file that passes is put into
 * the cache. A file of another version or context is refused, never
 * guessed at.
 * The checksum guards against accidents (a torn or damaged file), not
 * against someone who may write the file: the state directory and the
 * files the operator names are trusted as the cache itself is.
 *
 * Threading: the functions may run while workers use the cache (it locks
 * itself); the dump sees each shard as it is when the walk reaches it.
 */
#ifndef OD_RESOLVE_CACHE_SNAP_H
#define OD_RESOLVE_CACHE_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "resolve/cache.h"

/*! The format version written, and the only one read. */
#define ODR_SNAP_VERSION 1
/*! Largest file odr_snap_read accepts when max_len is 0: 1 GiB. */
#define ODR_SNAP_MAX_DEFAULT ((size_t)1 << 30)
/*! Start value of odr_snap_hash. */
#define ODR_SNAP_HASH_INIT 0xcbf29ce484222325ull

/*!
 * FNV-1a 64 of n octets at data, continuing from h (ODR_SNAP_HASH_INIT
 * to start): the file's checksum, and how callers build a context.
 */
uint64_t odr_snap_hash(uint64_t h, const void *data, size_t n);

/*! What a dump or a load did. */
typedef struct odr_snap_counts {
	size_t entries;  /*!< written, or put into the cache */
	size_t skipped;  /*!< dump: entries a load would refuse (none in
	                      practice); load: expired since the dump, or
	                      not stored (a better entry was cached, or the
	                      cache was full) */
	int64_t written; /*!< the time of writing in the header */
	size_t bytes;    /*!< size of the snapshot */
} odr_snap_counts_t;

/*!
 * Encode every entry of c live at now (the cache's clock) into a new
 * buffer; wall is the wall-clock time (Unix seconds) at the same moment,
 * which turns remaining TTLs into absolute expiries; context goes into
 * the header.
 * \return 0 with *out (malloc'ed, the caller frees it) and *len set and
 *         counts filled (counts may be NULL); OD_ENOMEM; OD_ELIMIT
 *         (more than 2^32 - 1 entries).
 */
int odr_snap_encode(odr_cache_t *c, uint64_t now, int64_t wall,
                    uint64_t context, uint8_t **out, size_t *len,
                    odr_snap_counts_t *counts);

/*! odr_snap_decode / odr_snap_read flag: take the entries that expired
 *  less than the cache's stale window ago, as stale data. Only for a
 *  cache nothing else writes to yet (the start): put with their expiry
 *  in the past, they would compete with fresh data otherwise. */
#define ODR_SNAP_STALE 1u

/*!
 * Check a whole snapshot, then put its entries into c with their
 * remaining TTL (expiry - wall) at now (the cache's clock). Entries
 * expired at wall are skipped, except, with ODR_SNAP_STALE in flags and
 * a stale window in c, those that expired less than the window ago:
 * they are put as expired (stale) entries, the expiry unchanged.
 * Nothing is put when any check fails.
 * \return 0 with counts filled (may be NULL); OD_EMALF (not a snapshot,
 *         truncated, checksum mismatch, or an entry that does not
 *         parse or check) or OD_ENOTSUP (another version, or not
 *         context), with the reason in err (always NUL-terminated when
 *         errlen > 0); OD_ENOMEM.
 */
int odr_snap_decode(odr_cache_t *c, const uint8_t *buf, size_t len,
                    uint64_t now, int64_t wall, uint64_t context,
                    unsigned flags, odr_snap_counts_t *counts, char *err,
                    size_t errlen);

/*!
 * Write a snapshot of c to path atomically: a temporary file in the
 * same directory (mode 0600), written, synced and renamed over path;
 * the directory is synced after. On failure path is untouched and the
 * temporary file removed.
 * \return 0 with counts filled (may be NULL); -errno or OD_ENOMEM with
 *         a message naming the path in err.
 */
int odr_snap_write(odr_cache_t *c, const char *path, uint64_t now, int64_t wall,
                   uint64_t context, odr_snap_counts_t *counts, char *err,
                   size_t errlen);

/*!
 * Read the snapshot at path (a regular file of at most max_len bytes;
 * 0: ODR_SNAP_MAX_DEFAULT) and load it as odr_snap_decode does.
 * \return 0 with counts filled; -errno (-ENOENT when there is no file),
 *         OD_ELIMIT (too large), or as odr_snap_decode, with a message
 *         naming the path in err.
 */
int odr_snap_read(odr_cache_t *c, const char *path, size_t max_len,
                  uint64_t now, int64_t wall, uint64_t context, unsigned flags,
                  odr_snap_counts_t *counts, char *err, size_t errlen);

#endif
