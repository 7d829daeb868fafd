/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "lib/error.h"
#include "lib/log.h"

struct od_ctl {
	int lfd;
	int wake[2]; /* a byte written to wake[1] stops the thread */
	pthread_t thread;
	bool running;
	char *path; /* owned */
	const od_ctl_cmd_t *cmds;
	size_t ncmds;
	void *ctx;
	char *reply; /* owned: OD_CTL_REPLY_MAX */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int od_ctl_split(char *line, char **argv, int max, char *err, size_t errlen)
{
	size_t n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	int argc = 0;
	char *p = line;
	for (char *q = line; *q; q++) {
		unsigned char c = (unsigned char)*q;
		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			snprintf(err, errlen,
			         "bad request: octet 0x%02x at offset %zu "
			         "(printable ASCII only)",
			         c, (size_t)(q - line));
			return OD_EINVAL;
		}
	}
	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == max) {
			snprintf(err, errlen, "bad request: more than %d words",
			         max);
			return OD_EINVAL;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return argc;
}

void od_ctl_json_str(od_sbuf_t *out, const char *s)
{
	od_sbuf_putc(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			od_sbuf_putc(out, '\\');
			od_sbuf_putc(out, (char)c);
		} else if (c == '\n') {
			od_sbuf_puts(out, "\\n");
		} else if (c < 0x20 || c == 0x7f) {
			od_sbuf_printf(out, "\\u%04x", c);
		} else {
			od_sbuf_putc(out, (char)c);
		}
	}
	od_sbuf_putc(out, '"');
}

/* Write all of buf before the deadline; false when the client is gone
   or too slow. */
static bool send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return false;
		int64_t left = deadline - mono_ms();
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return false;
	}
	return true;
}

/* Read one request line into line (NUL-terminated). 1: a line; 0: the
   client sent nothing or went away; OD_ESPACE: too long; OD_ELIMIT: too
   slow; OD_EMALF: a NUL octet; OD_ETRAILING: more after the newline. */
static int read_line(int fd, char *line, size_t cap, int64_t deadline)
{
	size_t len = 0;
	for (;;) {
		int64_t left = deadline - mono_ms();
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (left <= 0)
			return OD_ELIMIT;
		int pr = poll(&pf, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return OD_ELIMIT;
		ssize_t r = recv(fd, line + len, cap - 1 - len, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			/* End of input: a last line without its newline is
			   still a request. */
			line[len] = '\0';
			return len ? 1 : 0;
		}
		if (memchr(line + len, '\0', (size_t)r))
			return OD_EMALF;
		char *nl = memchr(line + len, '\n', (size_t)r);
		len += (size_t)r;
		line[len] = '\0';
		if (nl)
			return nl + 1 == line + len ? 1 : OD_ETRAILING;
		if (len >= cap - 1)
			return OD_ESPACE;
	}
}

static void reply_error(od_sbuf_t *sb, const char *msg)
{
	sb->len = 0;
	sb->err = 0;
	if (sb->cap)
		sb->buf[0] = '\0';
	od_sbuf_puts(sb, "{\"ok\":false,\"error\":");
	od_ctl_json_str(sb, msg);
	od_sbuf_puts(sb, "}\n");
}

static void serve(od_ctl_t *c, int fd)
{
	char line[OD_CTL_LINE_MAX + 1];
	char err[512];
	char *argv[OD_CTL_ARGS_MAX];
	od_sbuf_t sb;
	od_sbuf_init(&sb, c->reply, OD_CTL_REPLY_MAX);
	int r = read_line(fd, line, sizeof(line),
	                  mono_ms() + OD_CTL_TIMEOUT_MS);
	if (r == 0)
		return;
	if (r == OD_ELIMIT) {
		reply_error(&sb, "bad request: no complete line in time");
		goto send;
	}
	if (r == OD_ESPACE) {
		snprintf(err, sizeof(err), "bad request: longer than %d octets",
		         OD_CTL_LINE_MAX);
		reply_error(&sb, err);
		goto send;
	}
	if (r == OD_EMALF) {
		reply_error(&sb, "bad request: NUL octet");
		goto send;
	}
	if (r == OD_ETRAILING) {
		reply_error(&sb, "bad request: data after the request line "
		                 "(one request per connection)");
		goto send;
	}
	int argc = od_ctl_split(line, argv, OD_CTL_ARGS_MAX, err, sizeof(err));
	if (argc < 0) {
		reply_error(&sb, err);
		goto send;
	}
	if (argc == 0) {
		reply_error(&sb, "bad request: empty line");
		goto send;
	}
	const od_ctl_cmd_t *cmd = NULL;
	for (size_t i = 0; i < c->ncmds; i++) {
		if (strcmp(c->cmds[i].name, argv[0]) == 0) {
			cmd = &c->cmds[i];
			break;
		}
	}
	if (cmd == NULL) {
		char w[64];
		snprintf(w, sizeof(w), "%.40s%s", argv[0],
		         strlen(argv[0]) > 40 ? "..." : "");
		snprintf(err, sizeof(err), "unknown command '%s'", w);
		reply_error(&sb, err);
		goto send;
	}
	od_sbuf_puts(&sb, "{\"ok\":true");
	err[0] = '\0';
	r = cmd->fn(c->ctx, argc, argv, &sb, err, sizeof(err));
	if (r < 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s", od_strerror(r));
		reply_error(&sb, err);
		goto send;
	}
	od_sbuf_puts(&sb, "}\n");
	if (sb.err)
		reply_error(&sb, "response too large");
send:
	(void)send_all(fd, sb.buf, sb.len, mono_ms() + OD_CTL_TIMEOUT_MS);
	/* Closing with unread input would reset the connection and the
	   client could lose the response: read what is already there. */
	for (int i = 0; i < 64; i++)
		if (recv(fd, line, sizeof(line), MSG_DONTWAIT) <= 0)
			break;
}

static void *ctl_thread(void *arg)
{
	od_ctl_t *c = arg;
	for (;;) {
		struct pollfd pf[2] = { { .fd = c->lfd, .events = POLLIN },
			                { .fd = c->wake[0],
			                  .events = POLLIN } };
		int pr = poll(pf, 2, -1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0 || pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		int fd = accept4(c->lfd, NULL, NULL,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				poll(NULL, 0, 100); /* do not spin */
			continue;
		}
		serve(c, fd);
		close(fd);
	}
	return NULL;
}

/* The directory of path must be a directory nobody else can write to
   (else another user could replace the socket). */
static int check_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	struct stat st;
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "control socket %s: directory %s: %s",
		         path, dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
		         "control socket %s: %s is not a directory", path, dir);
		return OD_EINVAL;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		snprintf(err, errlen,
		         "control socket %s: directory %s is writable by "
		         "group or others (mode %03o)",
		         path, dir, (unsigned)(st.st_mode & 0777));
		return OD_EINVAL;
	}
	return 0;
}

/* Remove a socket left by a daemon that is gone; refuse to take over one
   that still answers, and anything that is not a socket. */
static int clear_stale(const char *path, const struct sockaddr_un *sa,
                       char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
		         "control socket %s: exists and is not a socket", path);
		return OD_EINVAL;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 &&
	    connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		close(fd);
		snprintf(err, errlen,
		         "control socket %s: in use by another daemon", path);
		return OD_EINVAL;
	}
	if (fd >= 0)
		close(fd);
	if (unlink(path) != 0) {
		snprintf(err, errlen,
		         "control socket %s: cannot remove the "
		         "stale socket: %s",
		         path, strerror(errno));
		return -errno;
	}
	return 0;
}

int od_ctl_start(od_ctl_t **out, const char *path, const od_ctl_cmd_t *cmds,
                 size_t n, void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen,
		         "control socket '%s': empty or longer than %zu "
		         "octets",
		         path, sizeof(sa.sun_path) - 1);
		return OD_EINVAL;
	}
	memcpy(sa.sun_path, path, strlen(path));
	int r = check_dir(path, err, errlen);
	if (r < 0)
		return r;
	if ((r = clear_stale(path, &sa, err, errlen)) < 0)
		return r;
	od_ctl_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	c->lfd = -1;
	c->wake[0] = c->wake[1] = -1;
	c->cmds = cmds;
	c->ncmds = n;
	c->ctx = ctx;
	c->path = strdup(path);
	c->reply = malloc(OD_CTL_REPLY_MAX);
	if (c->path == NULL || c->reply == NULL) {
		free(c->path);
		free(c->reply);
		free(c);
		goto nomem;
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->lfd < 0 || pipe2(c->wake, O_CLOEXEC) != 0) {
		r = -errno;
		snprintf(err, errlen, "control socket %s: %s", path,
		         strerror(errno));
		goto fail;
	}
	/* Created owner-only: no moment where others could connect. */
	mode_t old = umask(0177);
	int b = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa));
	int be = errno;
	umask(old);
	if (b != 0 || chmod(path, 0600) != 0 || listen(c->lfd, 16) != 0) {
		r = -(b != 0 ? be : errno);
		snprintf(err, errlen, "control socket %s: %s", path,
		         strerror(-r));
		if (b == 0)
			unlink(path);
		goto fail;
	}
	if ((r = pthread_create(&c->thread, NULL, ctl_thread, c)) != 0) {
		snprintf(err, errlen, "control socket %s: no thread: %s", path,
		         strerror(r));
		unlink(path);
		r = -r;
		goto fail;
	}
	c->running = true;
	*out = c;
	return 0;
nomem:
	snprintf(err, errlen, "control socket %s: %s", path,
	         od_strerror(OD_ENOMEM));
	return OD_ENOMEM;
fail:
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
	free(c->path);
	free(c->reply);
	free(c);
	return r;
}

int od_ctl_path(const char *control, const char *state_dir, char *out,
                size_t cap, char *err, size_t errlen)
{
	int n = control ? snprintf(out, cap, "%s", control)
	                : snprintf(out, cap, "%s/%s", state_dir, OD_CTL_FILE);
	if (n < 0 || (size_t)n >= cap || n > OD_CTL_PATH_MAX) {
		snprintf(err, errlen,
		         "control socket path too long (over %d octets): "
		         "choose one with --control",
		         OD_CTL_PATH_MAX);
		return OD_ESPACE;
	}
	return 0;
}

void od_ctl_stop(od_ctl_t *c)
{
	if (c == NULL)
		return;
	if (c->running) {
		char b = 0;
		while (write(c->wake[1], &b, 1) < 0 && errno == EINTR)
			;
		pthread_join(c->thread, NULL);
	}
	close(c->lfd);
	close(c->wake[0]);
	close(c->wake[1]);
	unlink(c->path);
	free(c->path);
	free(c->reply);
	free(c);
}
