/* SPDX-License-Identifier: MIT */
/*
 * onedot-auth's metrics: the Prometheus text exposition format (version
 * 0.0.4), served at /metrics by the shared HTTP server of ctl/http.h
 * (docs/metrics.md names every metric).
 *
 * What it reads: the workers' counters (relaxed atomic loads, summed
 * over the workers), the zones' counters (atomics) and, under the
 * server's reload_lock, the snapshot (serials) and the zones' load
 * state: a scrape waits for a reload in progress.
 */
#ifndef OD_AUTH_METRICS_H
#define OD_AUTH_METRICS_H

#include <stddef.h>

#include "auth/server.h"
#include "lib/sbuf.h"

typedef struct oda_metrics oda_metrics_t;

/*!
 * Listen on addr and serve s's metrics until oda_metrics_stop.
 * \return 0 and *out set, or an error with the message (address and
 *         reason) in err.
 */
int oda_metrics_start(oda_metrics_t **out, oda_server_t *s,
                      const od_listen_t *addr, char *err, size_t errlen);

/*! Stop serving, close, free; NULL is fine. */
void oda_metrics_stop(oda_metrics_t *m);

/*! Write every metric of s to out in the text exposition format. */
void oda_metrics_write(oda_server_t *s, od_sbuf_t *out);

#endif
