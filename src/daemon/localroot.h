/* SPDX-License-Identifier: MIT */
/*
 * The local root (RFC 8806): a verified copy of the root zone that the
 * engine's localroot layer answers root-server queries from
 * (resolve.h odr_localroot_t), and the loader that keeps it.
 *
 * A copy comes from the configured sources, tried in order (AXFR/IXFR
 * from primaries, HTTP(S), a file; lr_fetch.h), and is used only after
 * it was parsed by the tolerant zone parser, its ZONEMD verified (RFC
 * 8976; a zone without one only with require-zonemd: false) and every
 * RRset's signatures verified against the resolver's root trust anchors
 * at the current time (lib/zone/zverify.h). It is then published with an
 * atomic swap (readers hold a reference for one answer) and written to
 * the state file (write, fsync, rename) with the time of the refresh.
 *
 * Lifetime: a copy is used until the earlier of (last successful refresh
 * + SOA expire) and (earliest RRSIG expiration - margin). States:
 *   none     no copy (never loaded, or the saved one was unusable)
 *   fresh    a copy, and the last refresh attempt succeeded
 *   stale    a copy still inside its lifetime, the last refresh failed
 *   expired  the copy's lifetime is over: it is never used again
 * In none and expired, and while disabled, the answer hook returns 0 and
 * the engine asks the root servers as usual.
 *
 * Refresh: at start (after the saved copy was loaded and verified
 * synchronously by odd_localroot_open), then every SOA refresh (or the
 * configured refresh) after a success, every SOA retry after a failure
 * (60 s without a copy), and at once on NOTIFY or odd_localroot_refresh.
 * A source whose SOA serial equals the copy's counts as a successful
 * refresh without a transfer.
 *
 * Logs: a warning per failed refresh (source, reason), an error when the
 * copy turns stale and when it expires, info on each new copy.
 */
#ifndef OD_DAEMON_LOCALROOT_H
#define OD_DAEMON_LOCALROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf/yconf.h"
#include "lib/tsig.h"

struct odd_trust;

#define ODD_LOCALROOT_FILE "localroot.zone" /*!< in STATE_DIR */
#define ODD_LR_SOURCES_MAX 16
#define ODD_LR_MARGIN_DEFAULT 3600u /*!< seconds */
#define ODD_LR_RETRY_NOCOPY 60u     /*!< retry without a copy, s */
#define ODD_LR_REFRESH_MIN 1u       /*!< shortest refresh, s */
#define ODD_LR_TIMEOUT_MS 30000u    /*!< one fetch attempt at most */
#define ODD_LR_MAX_SIZE (64u << 20) /*!< largest zone text or AXFR */
/*! Most records in a copy (the root zone has about 22,000): with the
 *  size limit, it bounds what decompression can make of a transfer. */
#define ODD_LR_MAX_RECORDS 1000000u
/*! Most memory the records of one transfer may take once decompressed. */
#define ODD_LR_MAX_MEM (512u << 20)

typedef enum odd_lr_kind {
	ODD_LR_AXFR = 0, /*!< axfr://ADDR[@PORT] (IXFR when a copy is held) */
	ODD_LR_HTTP = 1, /*!< http:// or https:// URL */
	ODD_LR_FILE = 2, /*!< file:PATH */
} odd_lr_kind_t;

typedef struct odd_lr_source {
	odd_lr_kind_t kind;
	char *text;                   /*!< owned: as written (logs, status) */
	struct sockaddr_storage addr; /*!< AXFR: primary (port 53 default) */
	socklen_t addrlen;
	char *target; /*!< owned: HTTP(S) URL or file path */
} odd_lr_source_t;

/*! The localroot key of the configuration. */
typedef struct odd_lr_conf {
	odd_lr_source_t *sources; /*!< owned; nsources 0: local root off */
	size_t nsources;
	uint32_t refresh;    /*!< seconds between refreshes; 0: SOA refresh
	                          after a success, SOA retry after a failure */
	char *state;         /*!< owned: the saved copy; NULL:
	                          STATE_DIR/ODD_LOCALROOT_FILE */
	bool require_zonemd; /*!< refuse a zone without ZONEMD (true) */
	uint32_t margin;     /*!< stop this long before the earliest RRSIG
	                          expiration (ODD_LR_MARGIN_DEFAULT) */
	bool ixfr;           /*!< ask AXFR primaries for IXFR when a copy is
	                          held (true) */
	bool has_tsig;       /*!< sign AXFR/IXFR/SOA queries with tsig */
	od_tsig_key_t tsig;
	char *ca_file; /*!< owned; HTTPS CA bundle, NULL: the system
	                          store */
} odd_lr_conf_t;

void odd_lr_conf_init(odd_lr_conf_t *lc);
void odd_lr_conf_free(odd_lr_conf_t *lc);

/*!
 * Read the `localroot:` value m: a mapping (sources (required), refresh,
 * state, require-zonemd, expire-margin, ixfr, tsig {name, algorithm,
 * secret}, ca-file), a list (the sources) or a scalar (one source).
 * \return 0, or an error with the message in yc.
 */
int odd_lr_conf_load(odd_lr_conf_t *lc, od_yc_t *yc, const od_ycn_t *m);

/*!
 * Parse one source: "axfr://ADDR[@PORT]" (IPv6 addresses as written,
 * with or without brackets), "http://..." / "https://...", "file:PATH".
 * \return 0, or OD_ESYNTAX with the reason in err.
 */
int odd_lr_source_parse(const char *s, odd_lr_source_t *out, char *err,
                        size_t errlen);
void odd_lr_source_free(odd_lr_source_t *s);
/*! Append a source (--localroot); lc keeps it. \return 0, OD_ENOMEM,
 *  OD_ELIMIT (ODD_LR_SOURCES_MAX). */
int odd_lr_conf_add(odd_lr_conf_t *lc, odd_lr_source_t *s);

typedef enum odd_lr_state {
	ODD_LR_NONE = 0,
	ODD_LR_FRESH = 1,
	ODD_LR_STALE = 2,
	ODD_LR_EXPIRED = 3,
	ODD_LR_STATE_COUNT
} odd_lr_state_t;

/*! Why a copy was refused or a refresh failed (metrics label). */
typedef enum odd_lr_reason {
	ODD_LRF_FETCH = 0,     /*!< source unreachable, transfer or download
	                            failed or truncated, file unreadable */
	ODD_LRF_PARSE = 1,     /*!< the zone does not parse (or is not the
	                            root zone, or has no SOA) */
	ODD_LRF_ZONEMD = 2,    /*!< ZONEMD missing (when required) or wrong */
	ODD_LRF_ANCHOR = 3,    /*!< DNSKEY RRset not signed by a trust anchor */
	ODD_LRF_SIGNATURE = 4, /*!< a signature does not verify or is out of
	                            its validity, or an RRset is unsigned */
	ODD_LRF_EXPIRED = 5,   /*!< verified, but its lifetime is already over
	                            (or shorter than the margin) */
	ODD_LRF_OLDER = 6,     /*!< the source's serial is older than ours */
	ODD_LRF_STORE = 7,     /*!< the state file could not be written (the
	                            copy is used all the same) */
	ODD_LRF_COUNT
} odd_lr_reason_t;

const char *odd_lr_state_str(odd_lr_state_t st);
/*! "fetch", "parse", "zonemd", "anchor", "signature", "expired",
 *  "older", "store". */
const char *odd_lr_reason_str(odd_lr_reason_t why);

typedef struct odd_localroot odd_localroot_t;

/*!
 * Set up the local root of conf (lc->nsources > 0): trust is the
 * resolver's anchor store (the root's trusted keys are read at each
 * verification); state_dir is used when lc->state is NULL. The saved
 * copy, when there is one, is loaded and verified now (before any
 * network access), and used when it verifies and its lifetime (from the
 * refresh time saved with it) is not over; otherwise the state is none
 * and the reason is logged. check_only: only check the configuration
 * (nothing read but the sources' syntax). lc is copied.
 * \return 0 and *out, or an error with the message in err.
 */
int odd_localroot_open(odd_localroot_t **out, const odd_lr_conf_t *lc,
                       const char *state_dir, struct odd_trust *trust,
                       bool check_only, char *err, size_t errlen);

/*! Start the loader thread (first refresh at once). \return 0 or an
 *  error (OD_ENOMEM, thread creation). */
int odd_localroot_start(odd_localroot_t *lr);

/*! Stop the loader thread (a fetch in progress is abandoned within about
 *  a second) and free everything; NULL is fine. Call after the workers
 *  stopped. */
void odd_localroot_free(odd_localroot_t *lr);

/*!
 * The engine hook (odr_localroot_t.answer; ctx is the odd_localroot_t):
 * answer q as a root server would, from the current copy, or return 0
 * when the copy is not to be used (none, expired (checked against the
 * clock at each call, not only when the loader wakes), disabled).
 * Any thread; does not block on the loader.
 */
size_t odd_localroot_answer(void *ctx, const uint8_t *q, size_t qlen, bool tcp,
                            uint16_t udp_max, uint8_t *out, size_t cap);

/*! Refresh now (NOTIFY, onedotctl localroot refresh): wakes the loader. */
void odd_localroot_refresh(odd_localroot_t *lr);

/*! Stop (true) or resume (false) answering from the copy, at once. The
 *  loader keeps refreshing while disabled. Disabling also purges (see
 *  odd_localroot_set_purge). */
void odd_localroot_set_disabled(odd_localroot_t *lr, bool disabled);

/*!
 * Forget what the copy's answers left in the resolver: the cached data
 * of the root and of every single-label name (delegations, DS, NSEC,
 * negative answers) and the root's RFC 8198 NSEC index. Called (from
 * the loader or the control thread) when the local root is disabled and
 * when a copy expires, so that neither keeps answering through the
 * cache.
 */
typedef void (*odd_lr_purge_fn)(void *ctx);
/*! Set before odd_localroot_start. */
void odd_localroot_set_purge(odd_localroot_t *lr, odd_lr_purge_fn fn,
                             void *ctx);

/*!
 * A NOTIFY (RFC 1996) received by the resolver: q (qlen octets, opcode
 * NOTIFY) from from. A NOTIFY for the root from the address of an AXFR
 * source starts a refresh and is acknowledged (NOERROR, AA, the
 * question echoed); from anyone else it gets REFUSED; a malformed one
 * FORMERR. \return the response length written to out (cap octets),
 * 0: send nothing.
 */
size_t odd_localroot_notify(odd_localroot_t *lr, const uint8_t *q, size_t qlen,
                            const struct sockaddr *from, uint8_t *out,
                            size_t cap);

/*! What status, stats and metrics show. */
typedef struct odd_lr_status {
	odd_lr_state_t state;
	bool disabled;
	bool have_copy;       /*!< a copy is held (fresh or stale) */
	uint32_t serial;      /*!< of the copy held (or the last one) */
	int64_t refreshed;    /*!< wall clock of the last successful refresh
	                            (0: never) */
	int64_t expires;      /*!< wall clock when the copy's lifetime ends
	                            (0: no copy) */
	int64_t sig_expires;  /*!< earliest RRSIG expiration of the copy */
	int64_t last_attempt; /*!< wall clock of the last refresh attempt */
	int64_t next_refresh; /*!< wall clock of the next one */
	char source[256];     /*!< source of the copy held ("" none) */
	char last_error[256]; /*!< "" when the last attempt succeeded */
	int last_reason;      /*!< odd_lr_reason_t of the failed last
	                            attempt; -1 when it succeeded */
	uint64_t refreshes;   /*!< successful refreshes (new copy or same
	                            serial) */
	uint64_t loads;       /*!< copies published */
	uint64_t failures[ODD_LRF_COUNT]; /*!< by reason */
	uint64_t answers;                 /*!< queries answered from the copy */
	uint64_t notifies;                /*!< NOTIFYs accepted */
	size_t records;                   /*!< records in the copy */
	double verify_seconds;            /*!< last parse + verification time */
} odd_lr_status_t;

void odd_localroot_status(odd_localroot_t *lr, odd_lr_status_t *out);

/*! Tests: the wall clock of every local root in the process (NULL:
 *  time()); set before odd_localroot_open. */
void odd_localroot_set_clock(int64_t (*wall)(void *ctx), void *ctx);

/*!
 * Tests: run one refresh (every source in order, as the loader does) in
 * the calling thread; only when the loader was not started.
 * \return -1 when it succeeded, else the odd_lr_reason_t of the last
 *         failure; OD_EINVAL when the loader runs.
 */
int odd_localroot_refresh_sync(odd_localroot_t *lr);

#endif
