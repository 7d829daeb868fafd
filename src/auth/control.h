/* SPDX-License-Identifier: MIT */
/*
 * onedot-auth's control commands (docs/onedotctl.md), served by the
 * control channel (ctl/ctl.h) on its own thread: status, stats, reload,
 * zone list, zone reload [NAME], zone status NAME. They read the
 * workers' counters (relaxed atomic reads) and, under the server's
 * reload_lock, the snapshot and the zones' load state; reload and zone
 * reload call the server's reload function (which takes the lock).
 */
#ifndef OD_AUTH_CONTROL_H
#define OD_AUTH_CONTROL_H

#include <stddef.h>

#include "auth/server.h"
#include "ctl/ctl.h"

/*!
 * The control socket path of conf into out (cap octets): conf->control,
 * else STATE_DIR/control.sock. \return 0, or OD_ESPACE when it is
 * longer than ODA_CONTROL_PATH_MAX (message in err).
 */
int oda_control_path(const od_auth_conf_t *conf, char *out, size_t cap,
                     char *err, size_t errlen);

/*!
 * Start serving the control commands for s at path (its directory must
 * exist). \return 0 and *out set, or an error with the message in err.
 */
int oda_control_start(od_ctl_t **out, oda_server_t *s, const char *path,
                      char *err, size_t errlen);

#endif
