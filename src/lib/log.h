/* SPDX-License-Identifier: MIT */
/*
 * Logging: one line per event in logfmt (`ts=... level=... msg="..." k=v`),
 * written with a single write() so lines from several threads never mix.
 * Goes to stderr by default; od_log_set_syslog() sends it to syslog
 * instead. Never pass client addresses: the daemons do not log them.
 */
#ifndef OD_LOG_H
#define OD_LOG_H

#include <stdbool.h>

typedef enum od_log_level {
	OD_LOG_ERROR = 0,
	OD_LOG_WARN = 1,
	OD_LOG_INFO = 2,
	OD_LOG_DEBUG = 3,
} od_log_level_t;

/*! Lines above level are dropped (default: OD_LOG_INFO). */
void od_log_set_level(od_log_level_t level);
od_log_level_t od_log_get_level(void);

/*! "error", "warn", "info", "debug" -> level. \return 0 or -1. */
int od_log_level_parse(const char *s, od_log_level_t *out);

/*! Where lines go. */
typedef enum od_log_target {
	OD_LOG_STDERR = 0, /*!< stderr, each line with ts= first */
	OD_LOG_SYSLOG = 1, /*!< syslog(3), LOG_DAEMON, without ts= */
} od_log_target_t;

/*! "stderr" or "syslog" -> target. \return 0 or -1. */
int od_log_target_parse(const char *s, od_log_target_t *out);

/*!
 * Send lines to syslog instead of stderr: openlog(ident, LOG_PID,
 * LOG_DAEMON); levels map to LOG_ERR, LOG_WARNING, LOG_INFO and
 * LOG_DEBUG; the line is the same logfmt text less the ts= field (syslog
 * stamps it). ident must stay valid for the life of the process.
 * \return 0, or -errno when the local syslog socket (/dev/log) cannot be
 *         reached now: lines still go to syslog (a syslog daemon that
 *         starts later gets them), the caller may warn on stderr.
 */
int od_log_set_syslog(const char *ident);

/*!
 * Log msg (quoted as needed) followed by the key=value pairs that kv
 * formats (printf style; may be NULL). Values with spaces must be quoted
 * by the caller with od_log_q... or simply avoided.
 */
void od_log(od_log_level_t level, const char *msg, const char *kv, ...)
        __attribute__((format(printf, 3, 4)));

#define od_log_error(msg, ...) od_log(OD_LOG_ERROR, msg, __VA_ARGS__)
#define od_log_warn(msg, ...) od_log(OD_LOG_WARN, msg, __VA_ARGS__)
#define od_log_info(msg, ...) od_log(OD_LOG_INFO, msg, __VA_ARGS__)
#define od_log_debug(msg, ...) od_log(OD_LOG_DEBUG, msg, __VA_ARGS__)

#endif
