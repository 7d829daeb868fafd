/* SPDX-License-Identifier: MIT */
/*
 * onedot-auth configuration: the YAML file (-c) and the command line,
 * merged into one od_auth_conf_t. Every key is documented in
 * docs/onedot-auth.md. A bad file is an error naming the file, line and
 * key path; nothing is half-applied.
 */
#ifndef OD_AUTH_CONFIG_H
#define OD_AUTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/name.h"
#include "net/net.h"

/*! The state directory when none is configured. */
#define ODA_STATE_DIR_DEFAULT "/var/lib/onedot-auth"
/*! The control socket's file name in the state directory. */
#define ODA_CONTROL_FILE "control.sock"
/*! Longest control socket path (sun_path less the NUL). */
#define ODA_CONTROL_PATH_MAX 107

typedef struct od_auth_zone_conf {
	uint8_t origin[OD_NAME_MAXLEN];
	char *file;
	od_listen_t *notify; /*!< secondaries to NOTIFY on change */
	size_t nnotify;
	char **allow_transfer; /*!< "PREFIX" or "PREFIX key NAME" */
	size_t nallow_transfer;
} od_auth_zone_conf_t;

typedef struct od_auth_key_conf {
	char *name;
	char *algorithm;
	char *secret; /*!< base64 */
} od_auth_key_conf_t;

typedef struct od_auth_conf {
	od_listen_t *listen;
	size_t nlisten;
	unsigned workers;       /*!< 0: one per CPU */
	uint16_t udp_max;       /*!< largest UDP answer, 512..4096 (1232) */
	unsigned tcp_idle_ms;   /*!< 10000 */
	unsigned tcp_max_conns; /*!< per worker, 1024 */
	bool rrl;               /*!< response rate limiting on */
	unsigned rrl_rate;      /*!< responses per second per bucket (20) */
	unsigned rrl_slip;      /*!< every Nth limited answer is TC=1 (2) */
	unsigned rrl_v4_prefix, rrl_v6_prefix; /*!< 24, 56 */
	int log_level;                         /*!< od_log_level_t */
	int log_target;                        /*!< od_log_target_t */
	char *state_dir;     /*!< owned; NULL: ODA_STATE_DIR_DEFAULT */
	char *control;       /*!< owned; control socket path, NULL:
	                          STATE_DIR/control.sock */
	bool metrics_on;     /*!< serve Prometheus metrics (false) */
	od_listen_t metrics; /*!< where (when metrics_on) */
	od_auth_zone_conf_t *zones;
	size_t nzones;
	od_auth_key_conf_t *keys;
	size_t nkeys;
} od_auth_conf_t;

/*! Defaults (no listener, no zone). */
void od_auth_conf_init(od_auth_conf_t *c);
void od_auth_conf_free(od_auth_conf_t *c);

/*!
 * Read the YAML file into c (which holds the defaults).
 * \return 0, or an error with the message in err.
 */
int od_auth_conf_load(od_auth_conf_t *c, const char *path, char *err,
                      size_t errlen);

/*! Add a listen address ("ADDR[@PORT]"). \return 0 or OD_EINVAL. */
int od_auth_conf_add_listen(od_auth_conf_t *c, const char *s);

/*!
 * Add a zone from "ORIGIN:FILE" (the command line form).
 * \return 0, or OD_EINVAL with a message in err.
 */
int od_auth_conf_add_zone_arg(od_auth_conf_t *c, const char *arg, char *err,
                              size_t errlen);

/*!
 * Set the metrics listener from "ADDR@PORT" (the port is required) and
 * turn metrics on. \return 0, or OD_EINVAL with a message in err.
 */
int od_auth_conf_set_metrics(od_auth_conf_t *c, const char *s, char *err,
                             size_t errlen);

/*!
 * Set the state directory or the control socket path (a copy of s):
 * which is &c->state_dir or &c->control.
 * \return 0, or OD_EINVAL (empty, or a control path longer than 107
 *         octets) with a message in err, OD_ENOMEM.
 */
int od_auth_conf_set_path(od_auth_conf_t *c, char **which, const char *s,
                          char *err, size_t errlen);

/*! Final checks (a zone given twice, no listener: 127.0.0.1@53). */
int od_auth_conf_finish(od_auth_conf_t *c, char *err, size_t errlen);

#endif
