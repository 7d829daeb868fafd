/* SPDX-License-Identifier: MIT */
/*
 * Response Rate Limiting: keeps onedot-auth from being a useful
 * reflector in a DDoS. Responses are counted in token buckets keyed by
 * the client's network (IPv4 /24, IPv6 /56 by default), the kind of
 * response, and what it is about: the query name and type for answers,
 * the zone for NXDOMAIN, NODATA, referrals and errors (so random names
 * under one zone share one bucket). A bucket refills at `rate` responses
 * a second up to `rate`; a response over the limit is dropped, except
 * every `slip`-th, which goes out as an empty TC=1 answer so a real
 * client behind a spoofed flood retries over TCP (slip 0: drop all,
 * 1: truncate all). TCP is never limited.
 *
 * The table has a fixed size (no allocation after creation) and is
 * shared by the workers; slots are guarded by striped locks. A slot whose
 * key differs is taken over, which errs towards answering.
 */
#ifndef OD_AUTH_RRL_H
#define OD_AUTH_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/answer.h"

typedef struct od_rrl_conf {
	uint32_t rate;     /*!< responses per second per bucket (>= 1) */
	uint32_t slip;     /*!< 0: drop all limited; N: every Nth is TC */
	uint8_t v4_prefix; /*!< 8..32 */
	uint8_t v6_prefix; /*!< 16..128 */
	size_t size;       /*!< buckets (0: 65536), rounded to a power of 2 */
} od_rrl_conf_t;

typedef enum od_rrl_action {
	OD_RRL_PASS = 0, /*!< send the response */
	OD_RRL_DROP = 1, /*!< send nothing */
	OD_RRL_SLIP = 2, /*!< send a truncated empty response */
} od_rrl_action_t;

typedef struct od_rrl od_rrl_t;

/*! \return the table, or NULL (out of memory or a bad conf). */
od_rrl_t *od_rrl_new(const od_rrl_conf_t *conf);
void od_rrl_free(od_rrl_t *r);

/*!
 * Account one UDP response and decide. qname is the query name (wire,
 * uncompressed), info what the answer engine did, now_ms a monotonic
 * clock in milliseconds.
 */
od_rrl_action_t od_rrl_check(od_rrl_t *r, const struct sockaddr *client,
                             const uint8_t *qname, const od_auth_info_t *info,
                             uint64_t now_ms);

/*!
 * Turn the response in msg (len bytes) into the slip form in place:
 * header and question kept, TC=1, no records.
 * \return the new length, or 0 when msg is not a usable response.
 */
size_t od_rrl_slip(uint8_t *msg, size_t len);

/*! Counters (approximate). */
typedef struct od_rrl_stats {
	uint64_t passed, dropped, slipped;
} od_rrl_stats_t;

void od_rrl_stats(const od_rrl_t *r, od_rrl_stats_t *out);

#endif
