/* SPDX-License-Identifier: MIT */
/*
 * onedot's query log (opt-in, config `query-log`): one logfmt line per
 * answered client query,
 *
 *   ts=2026-01-02T03:04:05.678Z client=192.0.2.0 transport=udp
 *   qname=www.example. qtype=A rcode=NOERROR flags=AD ede=22
 *   cached=false latency-us=1234
 *
 * (one line; ede= only when the answer carries an Extended DNS Error;
 * flags= is AD, TC, AD,TC or -; in qname every octet other than a
 * letter, digit, '-', '_' or '*' is written \DDD, so no value needs
 * quotes). The client address is truncated before
 * it is stored anywhere: IPv4 to its /24, IPv6 to its /56 (an
 * IPv4-mapped IPv6 address as IPv4, to its /24; a 6to4 address,
 * 2002:V4ADDR::/48, to the /40 that holds the /24 of its IPv4 address);
 * the full address never reaches the log.
 *
 * Threading: each worker formats its lines into a ring buffer of its own
 * (single producer: the worker, single consumer: the writer thread; no
 * lock, no system call on the query path). A full ring drops the line
 * (counted), it never blocks the worker. The writer thread empties every
 * ring into the file at least every ODD_QLOG_FLUSH_MS and once more at
 * odd_qlog_close(), and rotates the file: after `rotate` seconds it is
 * renamed to FILE.YYYYMMDDTHHMMSS (UTC) and a new FILE is opened; of the
 * rotated files only the newest `keep` stay, older ones are removed. A
 * FILE that is not empty at open is rotated first, so no file holds more
 * than one rotation period of one run. A path that is not a regular file
 * (a device, a pipe) is written to but never rotated. A write error is
 * counted, logged once (until a write succeeds again) and loses the
 * lines it could not write.
 */
#ifndef OD_DAEMON_QLOG_H
#define OD_DAEMON_QLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/*! Rotation period: default and bounds, seconds. */
#define ODD_QLOG_ROTATE_DEFAULT 3600u
#define ODD_QLOG_ROTATE_MIN 1u
#define ODD_QLOG_ROTATE_MAX 86400u
/*! Rotated files kept: default and largest value. */
#define ODD_QLOG_KEEP_DEFAULT 24u
#define ODD_QLOG_KEEP_MAX 10000u
/*! The writer empties the buffers at least this often. */
#define ODD_QLOG_FLUSH_MS 100u
/*! Longest line, with its newline and a NUL (a query name of 255
 *  octets, each escaped as \DDD, fits). */
#define ODD_QLOG_LINE_MAX 1280u
/*! Truncation prefixes. */
#define ODD_QLOG_V4_PREFIX 24
#define ODD_QLOG_V6_PREFIX 56

/*! A client address, already truncated (odd_qlog_addr). */
typedef struct odd_qlog_addr {
	sa_family_t family; /*!< AF_INET, AF_INET6, or 0: unknown */
	uint8_t a[16];      /*!< network part only, host bits zero */
} odd_qlog_addr_t;

/*!
 * Truncate the client address sa (may be NULL) into out: the /24 of an
 * IPv4 address (also of an IPv4-mapped IPv6 one), the /56 of an IPv6
 * address; family 0 for anything else.
 */
void odd_qlog_addr(const struct sockaddr *sa, odd_qlog_addr_t *out);

/*! The truncated address as text ("192.0.2.0", "2001:db8:0:100::", "-"
 *  for family 0). \return the length, or -1 when cap is too small. */
int odd_qlog_addr_str(const odd_qlog_addr_t *a, char *out, size_t cap);

/*! One answered query. */
typedef struct odd_qlog_entry {
	const odd_qlog_addr_t *client; /*!< truncated */
	bool tcp;                      /*!< the client's transport */
	const uint8_t *msg;            /*!< the answer as sent */
	size_t len;
	int ede;             /*!< Extended DNS Error code, -1: none */
	bool cached;         /*!< answered without upstream queries */
	uint64_t latency_us; /*!< from the query's arrival to the answer */
} odd_qlog_entry_t;

/*!
 * Format e as one line (with its newline) stamped now (UTC, ms), into
 * out. The question and the rcode, AD and TC come from the answer
 * (qname=- qtype=- when it has no question).
 * \return the length (at most cap - 1; out is NUL-terminated), or -1 when
 *         cap < ODD_QLOG_LINE_MAX.
 */
int odd_qlog_format(char *out, size_t cap, const struct timespec *now,
                    const odd_qlog_entry_t *e);

typedef struct odd_qlog odd_qlog_t;

/*!
 * Open the query log: FILE (its directory must exist; created with mode
 * 0640, appended to), rotated every rotate_s seconds
 * (ODD_QLOG_ROTATE_MIN..MAX), keep rotated files kept (0..KEEP_MAX), one
 * ring for each worker index 0..nworkers-1; starts the writer thread.
 * \return 0, or an error with a message in err (nothing left open).
 */
int odd_qlog_open(odd_qlog_t **out, const char *file, uint32_t rotate_s,
                  unsigned keep, unsigned nworkers, char *err, size_t errlen);

/*!
 * Log e from worker (its own ring; call only from that worker's thread).
 * No-op when ql is NULL or worker is out of range.
 */
void odd_qlog_write(odd_qlog_t *ql, unsigned worker, const odd_qlog_entry_t *e);

/*! Counters (for messages and tests). */
typedef struct odd_qlog_stats {
	uint64_t lines;   /*!< written to the file */
	uint64_t dropped; /*!< lost: a full ring or a failed write */
	uint64_t errors;  /*!< failed writes, opens and renames */
	uint64_t rotations;
} odd_qlog_stats_t;

/*! Read the counters (any thread). */
void odd_qlog_stats(const odd_qlog_t *ql, odd_qlog_stats_t *out);

/*!
 * Write out what the rings hold, stop the writer thread, close the file,
 * free ql (NULL: no-op). Call after the workers stopped writing.
 */
void odd_qlog_close(odd_qlog_t *ql);

#endif
