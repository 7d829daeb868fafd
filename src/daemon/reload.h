/* SPDX-License-Identifier: MIT */
/*
 * onedot's reload (SIGHUP, onedotctl reload): read the configuration
 * again and apply what can change at run time, without dropping queries
 * or the cache.
 *
 * A reload builds a complete new odd_conf_t (the same file, the same
 * command-line overrides: the build callback), checks it and everything
 * derived from it before anything changes, then:
 *   1. listeners: od_net_set_listen() (all or nothing; unchanged
 *      addresses keep their sockets);
 *   2. trust store: the negative trust anchors of the configuration
 *      (those added with onedotctl stay), trust-anchor-read-only and
 *      trust-anchor-holddown (odd_trust_reconfigure);
 *   3. publication: the new configuration and the engine settings
 *      derived from it are stored atomically in the odd_server_t (conf,
 *      rconf); the log level is set.
 * A failure at any step before 3 leaves the running configuration as it
 * was (the listeners too: step 1 is the only one that opens anything,
 * and it is the first to change something). The failure is logged as
 * "reload failed" with the reason (FILE:LINE:COL: key: what for a bad
 * file).
 *
 * Settings that cannot change at run time (workers, cache-size,
 * state-dir, control, metrics, dnssec, aggressive-nsec, trust-anchor,
 * root-hints, log-target, the query log, localroot) keep their running
 * value: the new configuration gets the running one, and each change is
 * logged as a warning ("needs a restart") and reported.
 *
 * Reclamation: readers load srv->conf and srv->rconf at any time, in any
 * thread (handlers, deferred work on the workers' loops, the control and
 * metrics threads), and may keep the pointer for as long as they run.
 * So a configuration is never freed while the daemon runs: every
 * replaced one is kept until odd_reload_free(), after the workers and
 * the other threads stopped. A configuration is small (its arrays are
 * the listeners, the access list and the NTAs: a few kilobytes), and
 * reloads are rare.
 *
 * Threading: odd_reload_run() may be called from any thread except a
 * worker (SIGHUP in the main thread, onedotctl in the control thread);
 * a mutex serialises reloads.
 */
#ifndef OD_DAEMON_RELOAD_H
#define OD_DAEMON_RELOAD_H

#include <stddef.h>

#include "daemon/config.h"
#include "daemon/worker.h"
#include "lib/sbuf.h"
#include "net/net.h"
#include "resolve/resolve.h"

/*!
 * Build the configuration from scratch into out (odd_conf_init, the
 * file, the command line, odd_conf_finish).
 * \return 0, or an error with the message in err (out is then freed).
 */
typedef int (*odd_conf_build_fn)(void *ctx, odd_conf_t *out, char *err,
                                 size_t errlen);

typedef struct odd_reload odd_reload_t;

/*! The engine settings of a configuration. */
void odd_conf_engine(const odd_conf_t *c, odr_conf_t *out);

/*!
 * The reloader of srv, whose current configuration (srv->conf, not
 * owned: it must live until odd_reload_free) is the running one.
 * \return it, or NULL when out of memory.
 */
odd_reload_t *odd_reload_new(odd_server_t *srv, odd_conf_build_fn build,
                             void *ctx);

/*! The transports, once started (a reload before: an error). */
void odd_reload_set_net(odd_reload_t *rl, od_net_t *net);

/*!
 * Reload. On success, when out is not NULL, appends the members
 * ,"changed":[keys...],"restart":[keys...] (the keys applied, and those
 * whose change needs a restart).
 * \return 0, or an error with the reason in err (nothing changed).
 */
int odd_reload_run(odd_reload_t *rl, od_sbuf_t *out, char *err, size_t errlen);

/*! Free rl and every configuration it replaced (after the workers and
 *  every other reader stopped); NULL is fine. */
void odd_reload_free(odd_reload_t *rl);

#endif
