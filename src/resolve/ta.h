/* SPDX-License-Identifier: MIT */
/*
 * DNSSEC trust anchors and their automated updates (RFC 5011).
 *
 * An odr_ta_t holds, per anchored zone (the root and any configured
 * zone), a list of keys, each with an RFC 5011 §4.2 state:
 *
 *   AddPend  a new SEP key seen in a validated DNSKEY RRset, waiting for
 *            the add hold-down; not trusted;
 *   Valid    trusted;
 *   Missing  trusted, but absent from the last validated RRset;
 *   Revoked  seen with the REVOKE bit (0x0080) in an RRset it signed
 *            itself; never trusted again, whatever is published later;
 *   Removed  revoked for the remove hold-down; kept (never trusted) so
 *            that the key cannot come back as new.
 * Start is the absence of an entry: a pending key that disappears is
 * dropped.
 *
 * The state machine is pure: it does no I/O and reads no clock. Every
 * call that depends on time takes `now` (seconds since the epoch). The
 * caller queries the DNSKEY RRset of an anchored zone, validates it with
 * a key odr_ta_trusted() returns (RFC 5011 §2.1: only a set signed by a
 * currently trusted key counts), and passes it to odr_ta_update(), which
 * applies these transitions (§4.1 events):
 *
 *   Start   -> AddPend   NewKey: a SEP zone key without REVOKE appears;
 *   AddPend -> Start     KeyRem: absent from a validated set;
 *   AddPend -> Valid     AddTime: present in a validated set once the
 *                        add hold-down (§2.4.1: the configured time,
 *                        30 days by default, or the set's original TTL
 *                        when longer) has passed since it was first seen;
 *   Valid   -> Missing   KeyRem;
 *   Missing -> Valid     KeyPres: present again;
 *   any     -> Revoked   RevBit: present with REVOKE set and the caller
 *                        says it signed the set (self_signed); a revoked
 *                        key that did not sign the set is ignored (a
 *                        trusted key then counts as absent: Missing);
 *   Revoked -> Removed   RemTime: the remove hold-down (§2.4.2, 30 days by
 *                        default) has passed since the revocation.
 * Keys are matched ignoring the REVOKE bit, so a revoked key and its
 * unrevoked form are the same key (their key tags differ).
 *
 * Anchors configured as DS records are trusted (Valid) DS entries; the
 * first validated DNSKEY RRset that holds the key a DS designates
 * replaces the DS by that DNSKEY, in the same state.
 *
 * The state file (odr_ta_save / odr_ta_load_state) is text, one key per
 * line, blank lines and lines starting with ';' or '#' ignored:
 *
 *   ZONE STATE FIRST_SEEN LAST_SEEN CHANGED TYPE RDATA...
 *   .    Valid 1700000000 1700000000 1700000000 DNSKEY 257 3 8 AwEAAa...
 *
 * ZONE is an absolute name, STATE one of AddPend Valid Missing Revoked
 * Removed, the three times are decimal seconds since the epoch (first
 * seen, last seen in a validated set, entry into the current state),
 * TYPE is DNSKEY or DS and RDATA its presentation form. Saving is atomic:
 * the text goes to PATH.tmp, which is fsync'ed and renamed over PATH, and
 * the directory is fsync'ed.
 *
 * Errors: functions return 0 or a negative code (lib/error.h); those
 * that touch files or parse text also write a message naming the path
 * (and line) and the reason into err (errlen > 0; NUL-terminated,
 * truncated to fit; may be NULL).
 *
 * Memory: an odr_ta_t is long-lived (one per process, replaced on
 * reload) and uses malloc. Not thread-safe: the owner serialises calls
 * (readers copy what odr_ta_trusted returns, or hold the owner's lock).
 */
#ifndef ODR_TA_H
#define ODR_TA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*! Default add and remove hold-down times (RFC 5011 §2.4): 30 days. */
#define ODR_TA_HOLDDOWN_DEFAULT (30 * 86400)

/*! RFC 5011 §4.2 key states (Start is the absence of an entry). */
typedef enum odr_ta_state {
	ODR_TA_ADDPEND = 1,
	ODR_TA_VALID,
	ODR_TA_MISSING,
	ODR_TA_REVOKED,
	ODR_TA_REMOVED,
} odr_ta_state_t;

/*! One key of an anchored zone. */
typedef struct odr_ta_key {
	odr_ta_state_t state;
	uint16_t type; /*!< OD_TYPE_DNSKEY or OD_TYPE_DS */
	uint16_t tag;  /*!< key tag (of the RDATA as stored; DS: its field) */
	int64_t first_seen; /*!< first sighting (configured: load time) */
	int64_t last_seen;  /*!< last validated set that held it */
	int64_t changed;    /*!< entry into the current state */
	uint8_t *rdata;     /*!< owned; DNSKEY as last seen (REVOKE bit
	                           set once revoked), or DS */
	uint16_t rdlen;
} odr_ta_key_t;

typedef struct odr_ta odr_ta_t;

/*! A key of the input DNSKEY RRset. */
typedef struct odr_ta_dnskey {
	const uint8_t *rdata; /*!< DNSKEY RDATA (not owned) */
	uint16_t rdlen;
	bool self_signed; /*!< this key made a valid RRSIG over the set */
} odr_ta_dnskey_t;

/*! One DNSKEY RRset observation of an anchored zone. */
typedef struct odr_ta_rrset {
	const odr_ta_dnskey_t *keys;
	size_t n;
	uint32_t orig_ttl;   /*!< original TTL of the set (RRSIG field) */
	uint32_t sig_expire; /*!< seconds until the earliest RRSIG over the
	                          set expires (0: unknown) */
	/*! The set was validated with a trusted key of the zone. false
	 *  records a failed refresh: no key changes state, the next refresh
	 *  comes at the retry interval. */
	bool validated;
} odr_ta_rrset_t;

/*! Empty set of anchors (hold-downs at the default), NULL on ENOMEM. */
odr_ta_t *odr_ta_new(void);

/*!
 * The IANA root anchors, Valid, first seen at time 0: KSK-2017 (key tag
 * 20326) and KSK-2024 (key tag 38696), algorithm 8. NULL on ENOMEM.
 */
odr_ta_t *odr_ta_new_builtin(void);

/*! Release everything; NULL is fine. */
void odr_ta_free(odr_ta_t *ta);

/*! Hold-down times in seconds (tests shorten them). */
void odr_ta_set_holddown(odr_ta_t *ta, uint32_t add, uint32_t remove);

/*!
 * Add the DS and DNSKEY records of a zone-file-syntax file as configured
 * anchors (Valid, first seen at now). Other types are errors; so are a
 * DNSKEY without the zone-key flag or with REVOKE, and a file with no
 * anchor. A key already present is not duplicated.
 * \return 0; the scanner's errors; OD_ETYPE; OD_EEMPTY; OD_ENOMEM;
 *         -errno when the file cannot be read. err says where and why.
 */
int odr_ta_load_file(odr_ta_t *ta, const char *path, int64_t now, char *err,
                     size_t errlen);

/*!
 * Add one configured anchor (DS or DNSKEY RDATA) of zone, Valid, first
 * seen at now; a key already present is not duplicated. The checks of
 * odr_ta_load_file apply. \return 0, OD_EINVAL (another type, RDATA
 * shorter than 4 octets, a DNSKEY without the zone-key flag, with
 * REVOKE or not protocol 3), OD_ENOMEM.
 */
int odr_ta_add(odr_ta_t *ta, const uint8_t *zone, uint16_t type,
               const uint8_t *rdata, uint16_t rdlen, int64_t now);

/*!
 * Apply one observation of zone's DNSKEY RRset (see the transitions
 * above) and schedule the next refresh (odr_ta_refresh_interval).
 * zone must be anchored. Input RDATA is copied.
 * \return the number of keys that changed state (>= 0), OD_EINVAL (zone
 *         not anchored), OD_EMALF (DNSKEY RDATA shorter than 4 octets;
 *         nothing changed then), OD_ENOMEM (some keys may have changed
 *         state; the caller keeps the previous saved state).
 */
int odr_ta_update(odr_ta_t *ta, const uint8_t *zone, const odr_ta_rrset_t *set,
                  int64_t now);

/*!
 * Keys usable as anchors for zone now: Valid and Missing ones, in order.
 * Writes up to max pointers (valid until the next call that changes ta).
 * \return how many there are (may exceed max).
 */
size_t odr_ta_trusted(const odr_ta_t *ta, const uint8_t *zone,
                      const odr_ta_key_t **out, size_t max);

/*!
 * All keys of zone, whatever their state (for monitoring and tests).
 * \return how many there are; up to max pointers written.
 */
size_t odr_ta_keys(const odr_ta_t *ta, const uint8_t *zone,
                   const odr_ta_key_t **out, size_t max);

/*!
 * Anchored zones, in the order they were added. *zone_out points into ta.
 * \return the number of zones; i >= that number leaves *zone_out NULL.
 */
size_t odr_ta_zone(const odr_ta_t *ta, size_t i, const uint8_t **zone_out);

/*! Closest anchored zone at or above name, or NULL (points into ta). */
const uint8_t *odr_ta_closest(const odr_ta_t *ta, const uint8_t *name);

/*!
 * RFC 8145 key tags of zone's trusted keys, ascending, without
 * duplicates. \return how many (up to max written).
 */
size_t odr_ta_keytags(const odr_ta_t *ta, const uint8_t *zone, uint16_t *out,
                      size_t max);

/*! A key and its zone, for reports. */
typedef struct odr_ta_ref {
	const uint8_t *zone;
	const odr_ta_key_t *key;
} odr_ta_ref_t;

/*!
 * Keys that have been AddPend for longer than the add hold-down at now:
 * they should have become Valid, so validated refreshes are not
 * happening (the caller warns). \return how many (up to max written).
 */
size_t odr_ta_stuck(const odr_ta_t *ta, int64_t now, odr_ta_ref_t *out,
                    size_t max);

/*!
 * Seconds until the next refresh of a DNSKEY RRset (RFC 5011 §2.3):
 * success: MAX(1 hour, MIN(15 days, orig_ttl / 2, sig_expire / 2));
 * failure: MAX(1 hour, MIN(1 day, orig_ttl / 10, sig_expire / 10)).
 * sig_expire 0 (unknown) is left out of the MIN.
 */
uint32_t odr_ta_refresh_interval(uint32_t orig_ttl, uint32_t sig_expire,
                                 bool failure);

/*!
 * When zone's DNSKEY RRset should next be queried: 0 (now) before any
 * update, else the time odr_ta_update scheduled. -1 if zone is not
 * anchored.
 */
int64_t odr_ta_next_refresh(const odr_ta_t *ta, const uint8_t *zone);

/*! State name as in the state file ("AddPend" ...), "?" when unknown. */
const char *odr_ta_state_name(odr_ta_state_t state);

/*!
 * Write the state file atomically (format above).
 * \return 0 or -errno; err names the path and the reason (e.g.
 *         "cannot create /var/lib/onedot/ta.tmp: No such file or
 *         directory"). On failure PATH is untouched and PATH.tmp removed.
 */
int odr_ta_save(const odr_ta_t *ta, const char *path, char *err, size_t errlen);

/*!
 * Check, without writing PATH, that the state file can be saved there:
 * creates and removes PATH.tmp. Meant for start-up, to refuse to run
 * with an unwritable state file. \return 0 or -errno with err set.
 */
int odr_ta_check_path(const char *path, char *err, size_t errlen);

/*!
 * Read a state file into a new odr_ta_t (hold-downs at the default).
 * \return 0 and *out set; -errno (cannot read); OD_ESYNTAX and the
 *         RDATA/name parser codes with "path:line: reason" in err;
 *         OD_ENOMEM.
 */
int odr_ta_load_state(odr_ta_t **out, const char *path, char *err,
                      size_t errlen);

#endif
