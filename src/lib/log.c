/* SPDX-License-Identifier: MIT */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_level = OD_LOG_INFO;
static _Atomic bool log_syslog = false;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void od_log_set_level(od_log_level_t level)
{
	atomic_store(&log_level, (int)level);
}

od_log_level_t od_log_get_level(void)
{
	return (od_log_level_t)atomic_load(&log_level);
}

int od_log_level_parse(const char *s, od_log_level_t *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (od_log_level_t)i;
			return 0;
		}
	}
	if (strcmp(s, "warning") == 0) {
		*out = OD_LOG_WARN;
		return 0;
	}
	return -1;
}

int od_log_target_parse(const char *s, od_log_target_t *out)
{
	if (strcmp(s, "stderr") == 0)
		*out = OD_LOG_STDERR;
	else if (strcmp(s, "syslog") == 0)
		*out = OD_LOG_SYSLOG;
	else
		return -1;
	return 0;
}

int od_log_set_syslog(const char *ident)
{
	/* syslog(3) connects to _PATH_LOG itself (again on every line
	   while it is missing); the probe only tells the caller now. */
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int r = 0;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", _PATH_LOG);
	for (int i = 0; i < 2; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		r = 0;
		if (fd < 0 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			r = -errno;
		if (fd >= 0)
			close(fd);
		/* The socket may be of the other type (as syslog(3)
		   tries). */
		if (r != -EPROTOTYPE)
			break;
	}
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	atomic_store(&log_syslog, true);
	return r;
}

/* msg="..." with quotes and backslashes escaped, control bytes dropped. */
static size_t put_quoted(char *out, size_t cap, size_t pos, const char *s)
{
	if (pos + 1 < cap)
		out[pos++] = '"';
	for (; *s && pos + 3 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			out[pos++] = '\\';
		if (c >= 0x20)
			out[pos++] = (char)c;
	}
	if (pos + 1 < cap)
		out[pos++] = '"';
	return pos;
}

void od_log(od_log_level_t level, const char *msg, const char *kv, ...)
{
	if ((int)level > atomic_load(&log_level))
		return;
	char line[1024];
	size_t pos = 0;
	bool sys = atomic_load(&log_syslog);
	if (!sys) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		pos += strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S",
		                &tm);
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
		                        ".%03ldZ ", ts.tv_nsec / 1000000);
	}
	int n = snprintf(line + pos, sizeof(line) - pos,
	                 "level=%s msg=", level_names[level]);
	pos += n > 0 ? (size_t)n : 0;
	pos = put_quoted(line, sizeof(line) - 1, pos, msg);
	if (kv && kv[0] && pos + 2 < sizeof(line)) {
		line[pos++] = ' ';
		va_list ap;
		va_start(ap, kv);
		n = vsnprintf(line + pos, sizeof(line) - 1 - pos, kv, ap);
		va_end(ap);
		if (n > 0)
			pos += (size_t)n;
		if (pos > sizeof(line) - 2)
			pos = sizeof(line) - 2;
	}
	if (sys) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
			                    LOG_DEBUG };
		line[pos] = '\0';
		syslog(prio[level], "%s", line);
		return;
	}
	line[pos++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, pos);
	(void)w;
}
