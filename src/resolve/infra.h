/* SPDX-License-Identifier: MIT */
/*
 * The infrastructure cache: what the resolver knows about each upstream
 * server address, shared by all workers. Smoothed RTT with decay,
 * timeouts with exponential backoff, servers demoted after bad answers,
 * and the EDNS behaviour learnt from each.
 *
 * Selection: among the addresses of a zone's servers, odr_infra_pick
 * prefers unknown servers a little (so every one gets measured), then the
 * lowest smoothed RTT; servers in backoff are skipped until their hold
 * expires unless nothing else is left. Times are milliseconds of one
 * caller clock.
 */
#ifndef OD_RESOLVE_INFRA_H
#define OD_RESOLVE_INFRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct odr_infra_conf {
	size_t max_entries;   /*!< addresses remembered (0: 100000) */
	uint32_t rtt_init_ms; /*!< assumed RTT of an unknown server (0: 376) */
	uint32_t rtt_max_ms;  /*!< cap of the timeout backoff (0: 12000) */
	uint32_t decay_ms;    /*!< age after which what is known fades
	                           towards unknown (0: 600000) */
} odr_infra_conf_t;

typedef struct odr_infra odr_infra_t;

odr_infra_t *odr_infra_new(const odr_infra_conf_t *conf);
void odr_infra_free(odr_infra_t *in);

/*! Outcome of one exchange with a server. */
typedef enum odr_outcome {
	ODR_OK = 0,       /*!< a usable answer, with rtt_ms */
	ODR_TIMEOUT,      /*!< no answer in time */
	ODR_SERVFAIL,     /*!< SERVFAIL */
	ODR_REFUSED,      /*!< REFUSED / NOTAUTH */
	ODR_LAME,         /*!< not authoritative for the zone asked */
	ODR_FORMERR,      /*!< FORMERR (with EDNS: see edns_broken) */
	ODR_BAD,          /*!< malformed or mismatched answer */
} odr_outcome_t;

void odr_infra_report(odr_infra_t *in, const struct sockaddr *sa,
                      odr_outcome_t what, uint32_t rtt_ms, uint64_t now_ms);

/*! Remember that a server fails with EDNS (answer FORMERR or drops it)
 *  or works with it. */
void odr_infra_set_edns(odr_infra_t *in, const struct sockaddr *sa,
                        bool broken, uint64_t now_ms);
/*! True when the server is known not to handle EDNS. */
bool odr_infra_edns_broken(odr_infra_t *in, const struct sockaddr *sa,
                           uint64_t now_ms);

/*!
 * Timeout to use for the next query to sa: a multiple of its smoothed
 * RTT (with a floor), doubled per recent timeout, capped at rtt_max_ms.
 */
uint32_t odr_infra_timeout(odr_infra_t *in, const struct sockaddr *sa,
                           uint64_t now_ms);

/*!
 * Choose among n addresses (skipping those whose index is set in
 * tried[], may be NULL). \return the index, or -1 when none is left.
 */
int odr_infra_pick(odr_infra_t *in, const struct sockaddr_storage *addrs,
                   size_t n, const bool *tried, uint64_t now_ms);

/*! What is known of one server (for tests, logs, onedotctl). */
typedef struct odr_infra_info {
	bool known;
	uint32_t srtt_ms, rttvar_ms;
	uint32_t timeouts;       /*!< consecutive */
	uint64_t hold_until_ms;  /*!< in backoff until then */
	bool edns_broken;
} odr_infra_info_t;

void odr_infra_get(odr_infra_t *in, const struct sockaddr *sa,
                   uint64_t now_ms, odr_infra_info_t *out);

#endif
