/* SPDX-License-Identifier: MIT */
/*
 * The control channel of the daemons: a UNIX stream socket served on a
 * thread of its own, with the commands a daemon registers.
 *
 * Protocol (docs/onedotctl.md): the client connects, sends one request
 * line (words separated by blanks, at most OD_CTL_LINE_MAX octets with
 * the newline, printable ASCII only) and reads one response, a single
 * JSON object on one line ending in a newline; then the server closes
 * the connection. {"ok":true,...} on success, {"ok":false,"error":"..."}
 * otherwise. A client gets OD_CTL_TIMEOUT_MS to send its request and
 * again to read the response; one client is served at a time.
 *
 * Socket: created with mode 0600 (owner only) in a directory that must
 * exist, be a directory and not be writable by group or others (unless
 * sticky). A stale socket left by a daemon that died is replaced; one
 * that still answers is an error (another daemon uses it).
 *
 * Threading: handlers run on the control thread, one at a time; they
 * must only touch what is safe to touch from another thread.
 */
#ifndef OD_CTL_CTL_H
#define OD_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sbuf.h"

/*! Longest request, newline included. */
#define OD_CTL_LINE_MAX 1024
/*! Most words in a request. */
#define OD_CTL_ARGS_MAX 16
/*! Largest response, newline included; a longer one becomes an error. */
#define OD_CTL_REPLY_MAX (1024 * 1024)
/*! Time a client has to send its request, and to read the response. */
#define OD_CTL_TIMEOUT_MS 5000

/*!
 * A command handler. argv[0] is the command word, argv[1..argc-1] its
 * arguments. On success it returns 0 and has appended the members of the
 * response object to out, each written as ,"key":value (the server
 * writes {"ok":true before them and } after). On failure it returns a
 * negative code with the message in err (the members written are
 * dropped).
 */
typedef int (*od_ctl_fn)(void *ctx, int argc, char **argv, od_sbuf_t *out,
                         char *err, size_t errlen);

typedef struct od_ctl_cmd {
	const char *name; /*!< the request's first word */
	od_ctl_fn fn;
} od_ctl_cmd_t;

typedef struct od_ctl od_ctl_t;

/*!
 * Create the socket at path and start serving the commands cmds (n of
 * them, not copied: they must outlive the server) with ctx passed to
 * every handler.
 * \return 0 and *out set; an error with the message (path and reason)
 *         in err.
 */
int od_ctl_start(od_ctl_t **out, const char *path, const od_ctl_cmd_t *cmds,
                 size_t n, void *ctx, char *err, size_t errlen);

/*! The control socket's name in a daemon's state directory. */
#define OD_CTL_FILE "control.sock"
/*! Longest control socket path (sun_path less the NUL). */
#define OD_CTL_PATH_MAX 107

/*!
 * A daemon's control socket path into out (cap octets): control when
 * given (--control, the config key), else STATE_DIR/OD_CTL_FILE.
 * \return 0, or OD_ESPACE when it is longer than OD_CTL_PATH_MAX (or
 *         cap), with a message in err.
 */
int od_ctl_path(const char *control, const char *state_dir, char *out,
                size_t cap, char *err, size_t errlen);

/*! Stop serving (a request in progress finishes first), remove the
 *  socket, free everything; NULL is fine. */
void od_ctl_stop(od_ctl_t *c);

/*!
 * Split a request line (changed in place: blanks become NULs) into at
 * most max words. The line may end in "\n" or "\r\n".
 * \return the number of words (0 for an empty line), or OD_EINVAL with a
 *         message in err (a control or non-ASCII octet, too many words).
 */
int od_ctl_split(char *line, char **argv, int max, char *err, size_t errlen);

/*! Append s as a JSON string (quotes included, escaped). */
void od_ctl_json_str(od_sbuf_t *out, const char *s);

#endif
