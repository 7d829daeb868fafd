/* SPDX-License-Identifier: MIT */
/*
 * onedot configuration: the YAML file (-c) and the command line, merged
 * into one odd_conf_t. Every key is documented in docs/onedot.md. A bad
 * file is an error naming the file, line and key path; nothing is
 * half-applied.
 */
#ifndef OD_DAEMON_CONFIG_H
#define OD_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/localroot.h"
#include "daemon/prefill.h"
#include "lib/name.h"
#include "net/net.h"

/*! Default state directory (the RFC 5011 trust anchor state lives there). */
#define ODD_STATE_DIR_DEFAULT "/var/lib/onedot"
/*! Control socket name in the state directory (the default path). */
#define ODD_CONTROL_FILE "control.sock"
/*! Cache snapshot file name in the state directory. */
#define ODD_CACHE_SNAPSHOT "cache.snapshot"
/*! Longest control socket path (sun_path less the NUL). */
#define ODD_CONTROL_PATH_MAX 107
/*! Longest NTA duration and trust anchor hold-down accepted: a year. */
#define ODD_DURATION_MAX (365u * 86400u)

/*! One access-control rule: clients in the prefix are allowed or
 *  refused; the longest matching prefix decides. */
typedef struct odd_acl_rule {
	sa_family_t family; /*!< AF_INET or AF_INET6 */
	uint8_t addr[16];   /*!< network address (host bits zero) */
	uint8_t bits;       /*!< prefix length */
	bool allow;
} odd_acl_rule_t;

/*! A configured negative trust anchor (RFC 7646). */
typedef struct odd_nta_conf {
	uint8_t name[OD_NAME_MAXLEN]; /*!< wire form, lower case */
	uint32_t duration; /*!< seconds from start; 0: until removed */
} odd_nta_conf_t;

typedef struct odd_conf {
	od_listen_t *listen; /*!< owned */
	size_t nlisten;
	char *root_hints;        /*!< owned; NULL: the built-in hints */
	char *trust_anchor;      /*!< owned; NULL: the built-in root anchors */
	bool dnssec;             /*!< validate (true) */
	bool aggressive_nsec;    /*!< RFC 8198 synthesis (true) */
	uint16_t nsec3_max_iter; /*!< RFC 9276 limit (150) */
	char *state_dir;         /*!< owned; NULL: ODD_STATE_DIR_DEFAULT */
	char *control;           /*!< owned; control socket path, NULL:
	                              STATE_DIR/ODD_CONTROL_FILE */
	bool metrics_on;         /*!< serve metrics (false) */
	od_listen_t metrics;     /*!< where (when metrics_on) */
	bool ta_read_only;       /*!< never write the state file (false) */
	uint32_t ta_holddown;    /*!< RFC 5011 add/remove hold-down, seconds
	                           (ODR_TA_HOLDDOWN_DEFAULT) */
	odd_nta_conf_t *ntas;    /*!< owned; file first, then --nta */
	size_t nntas;
	bool qname_min;      /*!< RFC 9156 (true) */
	unsigned workers;    /*!< 0: one per CPU */
	size_t cache_size;   /*!< bytes (256 MiB) */
	bool cache_snapshot; /*!< keep the cache across restarts in
	                          STATE_DIR/ODD_CACHE_SNAPSHOT (true) */
	odd_acl_rule_t *acl; /*!< owned */
	size_t nacl;
	unsigned upstream_per_query; /*!< 64 */
	unsigned ns_per_delegation;  /*!< 4 */
	uint32_t time_per_query_ms;  /*!< 4000 */
	unsigned outstanding;        /*!< per worker (1000) */
	uint16_t edns_size;          /*!< 1232 */
	bool use_0x20;               /*!< false */
	bool ipv6;                   /*!< query IPv6 servers (true) */
	int log_level;               /*!< od_log_level_t */
	int log_target;              /*!< od_log_target_t (stderr) */
	char *qlog_file;      /*!< owned; the query log (qlog.h), NULL: off */
	uint32_t qlog_rotate; /*!< seconds (ODD_QLOG_ROTATE_DEFAULT) */
	unsigned qlog_keep;   /*!< rotated files kept (ODD_QLOG_KEEP_DEFAULT) */
	/*! The prefill list (prefill.h); file NULL: off. */
	odd_prefill_conf_t prefill;
	/*! The local root (localroot.h); no sources: off. */
	odd_lr_conf_t localroot;
	/* Serve-stale (RFC 8767). */
	bool serve_stale;         /*!< answer from expired data (true) */
	uint32_t stale_window;    /*!< seconds past expiry (86400) */
	uint32_t stale_client_ms; /*!< client-facing timer (1800); 0:
	                               stale only after resolution fails */
} odd_conf_t;

/*! Defaults (no listener yet; the default access list). \return 0 or
 *  OD_ENOMEM. */
int odd_conf_init(odd_conf_t *c);
void odd_conf_free(odd_conf_t *c);

/*!
 * Read the YAML file into c (which holds the defaults).
 * \return 0, or an error with the message ("FILE:LINE:COL: key: what")
 *         in err.
 */
int odd_conf_load(odd_conf_t *c, const char *path, char *err, size_t errlen);

/*! Add a listen address ("ADDR[@PORT]"). \return 0, OD_EINVAL or
 *  OD_ENOMEM. */
int odd_conf_add_listen(odd_conf_t *c, const char *s);

/*!
 * Parse one access-control rule, "PREFIX allow" or "PREFIX refuse"
 * (PREFIX: an address, optionally /LEN; host bits must be zero).
 * \return 0, or OD_EINVAL with a message in err.
 */
int odd_acl_parse(const char *s, odd_acl_rule_t *out, char *err, size_t errlen);

/*! True when the client address sa is allowed (longest prefix wins; no
 *  match: refused). */
bool odd_acl_allows(const odd_acl_rule_t *rules, size_t n,
                    const struct sockaddr *sa);

/*!
 * "256M" style sizes: an integer with an optional K, M or G suffix
 * (powers of 1024). \return 0, or OD_EINVAL.
 */
int odd_parse_size(const char *s, uint64_t *out);

/*!
 * Parse a negative trust anchor: "NAME" (until removed) or NAME, the
 * separator sep (' ': any run of blanks, as in the file; ':' on the
 * command line) and a DURATION (seconds, or with an s, m, h or d suffix;
 * 1s..365d). NAME may omit the final dot; the root is refused.
 * \return 0, or OD_EINVAL with a message in err.
 */
int odd_nta_parse(const char *s, char sep, odd_nta_conf_t *out, char *err,
                  size_t errlen);

/*! Append an NTA (a later entry for the same name replaces an earlier
 *  one when the trust anchors are built). \return 0 or OD_ENOMEM. */
int odd_conf_add_nta(odd_conf_t *c, const odd_nta_conf_t *nta);

/*!
 * Seconds: an integer with an optional s, m, h or d suffix, in
 * [min, max]. \return 0, OD_EINVAL (not a duration) or OD_ERANGE.
 */
int odd_parse_seconds(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*! Final checks (a local root needs validation); no listener:
 *  127.0.0.1@53. */
int odd_conf_finish(odd_conf_t *c, char *err, size_t errlen);

#endif
