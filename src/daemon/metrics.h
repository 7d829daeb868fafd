/* SPDX-License-Identifier: MIT */
/*
 * onedot's metrics: the Prometheus text exposition format (version
 * 0.0.4), served at /metrics by the shared HTTP server of ctl/http.h
 * (docs/metrics.md names every metric).
 *
 * What it reads: the workers' counters (relaxed atomic loads, summed
 * over the workers), the caches' statistics (under their own locks) and
 * the trust store (its own lock). Nothing is added to the query path
 * beyond the counters of worker.h.
 */
#ifndef OD_DAEMON_METRICS_H
#define OD_DAEMON_METRICS_H

#include <stddef.h>

#include "daemon/worker.h"
#include "lib/sbuf.h"

typedef struct odd_metrics odd_metrics_t;

/*!
 * Listen on addr and serve srv's metrics until odd_metrics_stop.
 * \return 0 and *out set, or an error with the message (address and
 *         reason) in err.
 */
int odd_metrics_start(odd_metrics_t **out, odd_server_t *srv,
                      const od_listen_t *addr, char *err, size_t errlen);

/*! Stop serving (a client being served is cut off), close, free; NULL
 *  is fine. */
void odd_metrics_stop(odd_metrics_t *m);

/*! Write every metric of srv to out in the text exposition format. */
void odd_metrics_write(odd_server_t *srv, od_sbuf_t *out);

#endif
