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

/*! Send lines to syslog (ident) instead of stderr. */
void od_log_set_syslog(const char *ident);

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
