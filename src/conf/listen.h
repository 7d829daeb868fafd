/* SPDX-License-Identifier: MIT */
/*
 * Listen and server address lists as both daemons read them, from the
 * command line ("ADDR[@PORT]") and from YAML (an address or a list).
 */
#ifndef OD_CONF_LISTEN_H
#define OD_CONF_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/yconf.h"
#include "net/net.h"

/*!
 * Parse s ("ADDR" or "ADDR@PORT"; port default when none) and append it
 * to *arr (n entries, grown with realloc; the caller frees *arr).
 * \return 0, OD_EINVAL (not an address; nothing added), OD_ENOMEM.
 */
int od_listen_append(od_listen_t **arr, size_t *n, const char *s,
                     uint16_t port);

/*!
 * Append every address of node n (one address or a list of them) to
 * *arr. A bad entry is an error at its line ("'x' is not an address").
 * \return 0, OD_EINVAL (message in yc), OD_ENOMEM.
 */
int od_yc_listen_list(od_yc_t *yc, const od_ycn_t *n, uint16_t port,
                      od_listen_t **arr, size_t *cnt);

/*! True when a and b are the same address and port. */
bool od_listen_eq(const od_listen_t *a, const od_listen_t *b);

/*! True when the lists are the same addresses in the same order. */
bool od_listens_eq(const od_listen_t *a, size_t na, const od_listen_t *b,
                   size_t nb);

/*!
 * Parse "ADDR@PORT" with the port required (1..65535): a service
 * address such as the metrics listener.
 * \return 0, or OD_EINVAL with a message in err ("'x': expected
 *         ADDR@PORT ..." or "'x': the port must be 1..65535").
 */
int od_listen_parse_endpoint(const char *s, od_listen_t *out, char *err,
                             size_t errlen);

#endif
