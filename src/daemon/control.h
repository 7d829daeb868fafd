/* SPDX-License-Identifier: MIT */
/*
 * onedot's control commands (docs/onedotctl.md), served by the control
 * channel (ctl/ctl.h) on its own thread. They read the shared caches
 * (which lock themselves), the trust store (its own lock) and the
 * workers' counters (relaxed atomic reads).
 */
#ifndef OD_DAEMON_CONTROL_H
#define OD_DAEMON_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl.h"
#include "daemon/worker.h"

/*!
 * The control socket path of conf: conf->control, else
 * STATE_DIR/control.sock. \return 0, or OD_ESPACE when it is longer
 * than ODD_CONTROL_PATH_MAX (message in err).
 */
int odd_control_path(const odd_conf_t *conf, char *out, size_t cap, char *err,
                     size_t errlen);

/*!
 * The context of srv's cache snapshots (resolve/cache_snap.h): a hash of
 * the root hints, whether answers are validated, the trusted keys of
 * the trust anchor store and nsec3-max-iterations. A snapshot made with
 * another context is refused: its data came from another root or was
 * judged against other anchors. Reads srv->hints, srv->trust, srv->conf.
 */
uint64_t odd_snap_context(odd_server_t *srv);

/*!
 * Start serving the control commands for srv at path (its directory
 * must exist: the state directory is made by the trust store, and is
 * not made without validation).
 * \return 0 and *out set, or an error with the message in err.
 */
int odd_control_start(od_ctl_t **out, odd_server_t *srv, const char *path,
                      char *err, size_t errlen);

#endif
