/* SPDX-License-Identifier: MIT */
/*
 * onedot's trust anchors: what the validator trusts, kept up to date.
 *
 * One odd_trust_t per process owns the RFC 5011 store (resolve/ta.h), the
 * state file (STATE_DIR/trust-anchors.state) and the negative trust
 * anchors (RFC 7646). From them it builds immutable odr_trust_t
 * snapshots and publishes each into the odr_env_t of every attached
 * worker (atomic store). A snapshot is never freed while the daemon
 * runs: requests that took it may still be running, so retired
 * snapshots are kept until odd_trust_free (they are small and change
 * rarely: a key rollover, an NTA added, removed or expired).
 *
 * Start (odd_trust_open): the state file is read when it exists (its
 * keys win for the zones it holds; configured anchors of other zones are
 * added), else the store starts from the configured anchors (the
 * trust-anchor file, or the built-in root KSKs). Then the state file is
 * checked for writability and saved; when it cannot be written, start
 * fails with the path and the reason, unless trust-anchor-read-only is
 * set (then nothing is ever written, and a warning is logged at start
 * and daily).
 *
 * Updates: the engine calls the ta_seen callback of the env (any worker
 * thread) with every DNSKEY RRset of an anchored zone it validated from
 * fresh data; the store applies RFC 5011, logs every key state change,
 * saves the state file (atomically; not in read-only mode) and, when the
 * trusted keys changed, publishes a new snapshot. odd_trust_tick, run
 * about once a second on one worker's loop, starts the scheduled DNSKEY
 * refresh queries (and the RFC 8145 key-tag query with each root
 * refresh), expires NTAs and repeats the daily warnings.
 *
 * Threading: every function may be called from any thread; one mutex
 * serialises them. Saving the state file (with fsync) happens under it,
 * in the worker thread that reported the RRset: rare (a refresh every
 * few hours at most per zone).
 */
#ifndef OD_DAEMON_TRUST_H
#define OD_DAEMON_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"
#include "lib/name.h"
#include "resolve/resolve.h"
#include "resolve/ta.h"

/*! Name of the state file in the state directory. */
#define ODD_TA_STATE_FILE "trust-anchors.state"

typedef struct odd_trust odd_trust_t;

/*!
 * Read the anchors and the state file and make the trust store (see
 * above). With check_only nothing is created or written (--check-config:
 * the anchor file and an existing state file are read and checked).
 * \return 0 and *out set; an error with the message (path, line and
 *         reason) in err.
 */
int odd_trust_open(odd_trust_t **out, const odd_conf_t *conf, bool check_only,
                   char *err, size_t errlen);

/*! Free everything, retired snapshots included; NULL is fine. Call
 *  after every attached env is detached (the workers stopped). */
void odd_trust_free(odd_trust_t *t);

/*!
 * Make env validate: set its trust snapshot (kept current by every later
 * publication), its wall clock and its ta_seen callback.
 * \return 0 or OD_ENOMEM.
 */
int odd_trust_attach(odd_trust_t *t, odr_env_t *env);

/*! Stop publishing into env (before it is freed). */
void odd_trust_detach(odd_trust_t *t, odr_env_t *env);

/*! The current snapshot (as published; valid until odd_trust_free). */
const odr_trust_t *odd_trust_current(odd_trust_t *t);

/*! Wall clock of the store: seconds since the epoch. */
int64_t odd_trust_wall(void *ctx);

/* Internal queries (refreshes) ---------------------------------------- */

/*!
 * Called once when an internal query ends: r is the finished request
 * (read it with odr_req_info; do not free it), or NULL when it could not
 * run or was dropped at shutdown.
 */
typedef void (*odd_trust_done_fn)(void *arg, const odr_req_t *r);

/*!
 * Run an internal query: qname (wire) qtype IN with RD=1, CD=0, DO=1,
 * not answered from the cache (odr_req_nocache); its answer is
 * discarded. \return 0 when done will be called (possibly before the
 * return), or an error when it will not.
 */
typedef int (*odd_trust_launch_fn)(void *ctx, const uint8_t *qname,
                                   uint16_t qtype, odd_trust_done_fn done,
                                   void *arg);

/*!
 * Periodic work (call about once a second, from one thread): start the
 * refresh of every anchored zone whose time has come (RFC 5011 §2.3,
 * odr_ta_next_refresh) through launch, with the RFC 8145 §5 key-tag
 * query "_ta-XXXX[-YYYY]." NULL for the root; drop expired NTAs; repeat
 * the daily warnings (read-only state, keys stuck in AddPend).
 */
void odd_trust_tick(odd_trust_t *t, odd_trust_launch_fn launch, void *ctx);

/* Negative trust anchors (for the control channel) --------------------- */

/*! One NTA as listed. */
typedef struct odd_nta {
	uint8_t name[OD_NAME_MAXLEN]; /*!< wire form, lower case */
	int64_t expires;              /*!< wall clock; 0: until removed */
	bool from_conf; /*!< from the configuration (a reload replaces it),
	                     not added with odd_trust_nta_add */
} odd_nta_t;

/*!
 * Add an NTA for name (and everything below it) until expires (wall
 * clock seconds; 0: until removed), or change the expiry of an existing
 * one; publishes a new snapshot. The root is refused (OD_EINVAL).
 * \return 0, OD_EINVAL, OD_ENOMEM.
 */
int odd_trust_nta_add(odd_trust_t *t, const uint8_t *name, int64_t expires);

/*! Remove the NTA for name; publishes. \return 0, or -ENOENT when there
 *  is none, or OD_ENOMEM (the NTA is then kept). */
int odd_trust_nta_remove(odd_trust_t *t, const uint8_t *name);

/*! The NTAs in force, in the order they were added (expired ones left
 *  out). \return how many (up to max copied into out). */
size_t odd_trust_nta_list(odd_trust_t *t, odd_nta_t *out, size_t max);

/* Reload ---------------------------------------------------------------- */

/*!
 * Can conf's trust settings be applied to the running store? Only
 * turning trust-anchor-read-only off can fail: the state file must then
 * be writable. Nothing changes.
 * \return 0, or an error with the reason in err.
 */
int odd_trust_reconfigure_check(odd_trust_t *t, const odd_conf_t *conf,
                                char *err, size_t errlen);

/*!
 * Apply conf (replacing old) to the store: trust-anchor-read-only (when
 * turned off, the state is saved at once), trust-anchor-holddown, and
 * the negative trust anchors of the configuration: those old had and
 * conf has not are removed, new ones (or ones whose duration changed)
 * start now, unchanged ones keep their expiry (an expired one stays
 * gone); NTAs added with odd_trust_nta_add stay, and a configured NTA
 * of the same name does not replace them. Publishes a new snapshot when
 * the NTAs changed. The trust-anchor file and the state directory need
 * a restart (not looked at here).
 * \return 0, or OD_ENOMEM (the NTAs are then as before).
 */
int odd_trust_reconfigure(odd_trust_t *t, const odd_conf_t *old,
                          const odd_conf_t *conf);

/* Monitoring ------------------------------------------------------------ */

/*! What monitoring should alert on (metrics are not exported yet). */
typedef struct odd_trust_status {
	bool read_only;     /*!< trust-anchor-read-only: updates are not
	                         saved and are lost at restart */
	bool save_failed;   /*!< the last save of the state file failed */
	size_t stuck;       /*!< keys AddPend for longer than the add
	                         hold-down: refreshes are not validating */
	size_t zones;       /*!< anchored zones */
	size_t trusted;     /*!< trusted keys in the current snapshot */
	size_t ntas;        /*!< NTAs in force */
	int64_t last_saved; /*!< wall clock of the last good save, 0: never */
	char state_path[512];
	char reason[512]; /*!< why the state file is not written ("" if
	                       it is): read-only, or the last save error */
} odd_trust_status_t;

void odd_trust_status(odd_trust_t *t, odd_trust_status_t *out);

/*! One key of the RFC 5011 store, as listed (a copy). */
typedef struct odd_ta_key_info {
	uint8_t zone[OD_NAME_MAXLEN]; /*!< the anchored zone, wire form */
	odr_ta_state_t state;
	uint16_t type;     /*!< OD_TYPE_DNSKEY or OD_TYPE_DS */
	uint16_t tag;      /*!< key tag */
	uint8_t algorithm; /*!< DNSSEC algorithm number (0: unknown) */
	bool revoked;      /*!< DNSKEY with the REVOKE bit */
	int64_t first_seen, last_seen, changed; /*!< wall clock seconds */
} odd_ta_key_info_t;

/*!
 * Every key of every anchored zone, whatever its state, zone by zone in
 * the order they were added.
 * \return how many there are (up to max copied into out).
 */
size_t odd_trust_keys(odd_trust_t *t, odd_ta_key_info_t *out, size_t max);

#endif
