/* SPDX-License-Identifier: MIT */
/*
 * The infrastructure cache: what the resolver knows about each upstream
 * server address, shared by all workers. Smoothed RTT with decay,
 * timeouts with exponential backoff, servers demoted after bad answers,
 * and the EDNS behaviour learnt from each.
 *
 * Selection: among the addresses of a zone's servers, odr_infra_pick
 * takes the lowest effective RTT: the smoothed RTT plus a penalty for
 * recent bad answers, an unknown server counting as rtt_init_ms (so
 * every server slower than that loses to an unknown one, which then gets
 * measured). Equal candidates (e.g. all unknown) are chosen among at
 * random. Servers in backoff are skipped until their hold expires unless
 * nothing else is left. Times are milliseconds of one caller clock.
 *
 * The rules, all per address (family, IP, port, IPv6 scope):
 *  - ODR_OK: RTT sample R smoothed as RFC 6298 §2 (RTTVAR += (|SRTT - R|
 *    - RTTVAR)/4 with the old SRTT, then SRTT += (R - SRTT)/8; the first
 *    sample sets SRTT = R, RTTVAR = R/2); clears timeouts, failures and
 *    any hold; halves the penalty.
 *  - ODR_TIMEOUT: the consecutive timeout count n goes up and the server
 *    is held for min(rtt_max_ms, base * 2^n), base being the timeout
 *    without backoff. A timeout reported while the server is held
 *    already (a query sent before the first timeout was known) does not
 *    count again, so a burst of queries lost together backs off once.
 *  - ODR_SERVFAIL, REFUSED, LAME, FORMERR, BAD: the server answered
 *    (timeouts cleared) but is demoted: ODR_INFRA_PENALTY_MS more on its
 *    effective RTT (up to rtt_max_ms); once ODR_INFRA_FAIL_HOLD_AFTER
 *    come in a row, also a hold of 1 s, doubled per further one, capped
 *    at rtt_max_ms.
 *  - Decay: a penalty halves every decay_ms/4 since the last failure
 *    and is gone after decay_ms; an RTT measured more than decay_ms ago
 *    and timeouts older than that are forgotten (the server counts as
 *    unknown again).
 *  - EDNS knowledge expires after ODR_INFRA_EDNS_TTL_MS.
 *
 * Bounded: at most max_entries addresses; adding one more forgets the
 * one updated least recently (exact for one thread, approximate when
 * threads insert concurrently). Thread-safe: every call may come from
 * any worker; the table is split in stripes, each with its own lock.
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

/*! Lowest timeout odr_infra_timeout returns (unless rtt_max_ms is lower):
 *  low enough to move on quickly from a lost packet, high enough not to
 *  give up on a busy nearby server. */
#define ODR_INFRA_TIMEOUT_FLOOR_MS 200
/*! Added to the effective RTT per bad answer (decaying). */
#define ODR_INFRA_PENALTY_MS 1000
/*! Consecutive bad answers after which the server is also held. */
#define ODR_INFRA_FAIL_HOLD_AFTER 3
/*! How long EDNS knowledge about a server is kept. */
#define ODR_INFRA_EDNS_TTL_MS (15 * 60 * 1000)

/*! A new, empty infrastructure cache (conf may be NULL: all defaults).
 *  NULL when out of memory. */
odr_infra_t *odr_infra_new(const odr_infra_conf_t *conf);
/*! Free it and all it holds (no other thread may still use it). */
void odr_infra_free(odr_infra_t *in);

/*! Outcome of one exchange with a server. */
typedef enum odr_outcome {
	ODR_OK = 0,   /*!< a usable answer, with rtt_ms */
	ODR_TIMEOUT,  /*!< no answer in time */
	ODR_SERVFAIL, /*!< SERVFAIL */
	ODR_REFUSED,  /*!< REFUSED / NOTAUTH */
	ODR_LAME,     /*!< not authoritative for the zone asked */
	ODR_FORMERR,  /*!< FORMERR (with EDNS: see edns_broken) */
	ODR_BAD,      /*!< malformed or mismatched answer */
} odr_outcome_t;

/*! Record the outcome of one exchange (rtt_ms is read for ODR_OK only).
 *  Addresses of other families than AF_INET and AF_INET6 are ignored;
 *  out of memory, nothing is recorded. */
void odr_infra_report(odr_infra_t *in, const struct sockaddr *sa,
                      odr_outcome_t what, uint32_t rtt_ms, uint64_t now_ms);

/*! Remember that a server fails with EDNS (answer FORMERR or drops it)
 *  or works with it. */
void odr_infra_set_edns(odr_infra_t *in, const struct sockaddr *sa, bool broken,
                        uint64_t now_ms);
/*! True when the server is known not to handle EDNS. */
bool odr_infra_edns_broken(odr_infra_t *in, const struct sockaddr *sa,
                           uint64_t now_ms);

/*!
 * Timeout to use for the next query to sa: SRTT + 4 * RTTVAR (RFC 6298
 * §2.3; rtt_init_ms for an unknown server), at least
 * ODR_INFRA_TIMEOUT_FLOOR_MS, doubled per recent consecutive timeout,
 * capped at rtt_max_ms.
 */
uint32_t odr_infra_timeout(odr_infra_t *in, const struct sockaddr *sa,
                           uint64_t now_ms);

/*!
 * Choose among n addresses (skipping those whose index is set in
 * tried[], may be NULL, and those of a family other than AF_INET and
 * AF_INET6): the lowest effective RTT among those not held, ties broken
 * at random; when all are held, the one whose hold ends first.
 * \return the index, or -1 when none is left.
 */
int odr_infra_pick(odr_infra_t *in, const struct sockaddr_storage *addrs,
                   size_t n, const bool *tried, uint64_t now_ms);

/*! Number of addresses remembered now. */
size_t odr_infra_count(odr_infra_t *in);

/*! What is known of one server (for tests, logs, onedotctl). */
typedef struct odr_infra_info {
	bool known; /*!< an RTT measured within decay_ms */
	uint32_t srtt_ms, rttvar_ms;
	uint32_t penalty_ms;    /*!< added for selection, decayed to now */
	uint32_t failures;      /*!< consecutive bad answers */
	uint32_t timeouts;      /*!< consecutive */
	uint64_t hold_until_ms; /*!< in backoff until then */
	bool edns_broken;
} odr_infra_info_t;

void odr_infra_get(odr_infra_t *in, const struct sockaddr *sa, uint64_t now_ms,
                   odr_infra_info_t *out);

#endif
