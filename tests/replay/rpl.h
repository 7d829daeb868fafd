/* SPDX-License-Identifier: MIT */
/*
 * Replay scenarios: the .rpl format of Unbound's testbound and Deckard
 * (configuration lines, RANGE blocks of scripted server answers, STEPs of
 * client queries and checks), parsed into memory, plus the message
 * building and comparison the runner needs. README.md in this directory
 * describes the format and onedot's extensions.
 *
 * Everything a scenario holds is malloc'd and released by rpl_free.
 */
#ifndef OD_TESTS_REPLAY_RPL_H
#define OD_TESTS_REPLAY_RPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/pkt.h"
#include "lib/rr.h"
#include "resolve/resolve.h"

/*! MATCH elements (bits of rpl_entry_t.match). */
enum {
	RPL_M_OPCODE = 1u << 0,
	RPL_M_QTYPE = 1u << 1,
	RPL_M_QNAME = 1u << 2,
	RPL_M_QCASE = 1u << 3,     /*!< qname, case-sensitive */
	RPL_M_SUBDOMAIN = 1u << 4, /*!< qname at or below the entry's */
	RPL_M_FLAGS = 1u << 5,
	RPL_M_RCODE = 1u << 6,
	RPL_M_QUESTION = 1u << 7,
	RPL_M_ANSWER = 1u << 8,
	RPL_M_AUTHORITY = 1u << 9,
	RPL_M_ADDITIONAL = 1u << 10,
	RPL_M_ALL = 1u << 11,    /*!< flags, rcode, opcode, defined sections */
	RPL_M_TCP = 1u << 12,    /*!< query came over TCP */
	RPL_M_UDP = 1u << 13,    /*!< query came over UDP */
	RPL_M_TTL = 1u << 14,    /*!< compare TTLs too */
	RPL_M_EDNS = 1u << 15,   /*!< query carries an OPT record */
	RPL_M_NOEDNS = 1u << 16, /*!< query carries no OPT record */
	RPL_M_DO = 1u << 17,     /*!< query has the DO bit */
};

/*! ADJUST elements (bits of rpl_entry_t.adjust). */
enum {
	RPL_A_COPY_ID = 1u << 0,     /*!< ID and query name from the query */
	RPL_A_COPY_QUERY = 1u << 1,  /*!< whole question from the query */
	RPL_A_TIMEOUT = 1u << 2,     /*!< send nothing (the query times out) */
	RPL_A_WRONG_ID = 1u << 3,    /*!< answer with another ID, then go on */
	RPL_A_WRONG_ADDR = 1u << 4,  /*!< answer from another address, go on */
	RPL_A_WRONG_QNAME = 1u << 5, /*!< answer another question, go on */
	RPL_A_NO_OPT = 1u << 6,      /*!< no OPT even if the query had one */
};

/*! The bits that make an entry a spoof delivered before the real answer. */
#define RPL_A_SPOOF (RPL_A_WRONG_ID | RPL_A_WRONG_ADDR | RPL_A_WRONG_QNAME)

/*! Most values of one EDE or KEYTAG line. */
#define RPL_MAX_OPTVALS 16

typedef struct rpl_question {
	uint8_t name[OD_NAME_MAXLEN];
	uint16_t qtype, qclass;
} rpl_question_t;

/*! Records of one section (owners and RDATA malloc'd). */
typedef struct rpl_rrs {
	od_rr_t *v;
	size_t n, cap;
} rpl_rrs_t;

/*! One ENTRY: a message plus what to match and adjust. */
typedef struct rpl_entry {
	unsigned line; /*!< of ENTRY_BEGIN */
	unsigned match, adjust;
	bool match_given, adjust_given; /*!< a MATCH / ADJUST line was seen */
	od_hdr_t hdr;                   /*!< REPLY flags and opcode */
	uint16_t rcode;                 /*!< REPLY rcode (12 bits) */
	bool do_bit;                    /*!< REPLY DO */
	uint16_t edns_size;             /*!< EDNS line (0: none given) */
	rpl_question_t *qd;
	size_t nqd;
	bool has[4];      /*!< SECTION x was written */
	rpl_rrs_t sec[4]; /*!< ANSWER..ADDITIONAL (index 0 unused) */
	/*! EDE lines: the Extended DNS Error INFO-CODEs the message must
	 *  carry (EDE none: ede_given with nede 0: it must carry none) */
	bool ede_given;
	uint16_t ede[RPL_MAX_OPTVALS];
	size_t nede;
	/*! KEYTAG line: the RFC 8145 edns-key-tag option, tags in order
	 *  (KEYTAG none: keytag_given with nkeytag 0: no such option) */
	bool keytag_given;
	uint16_t keytag[RPL_MAX_OPTVALS];
	size_t nkeytag;
} rpl_entry_t;

typedef struct rpl_range {
	unsigned line;
	long start, end;
	struct sockaddr_storage *addr;
	size_t naddr;
	rpl_entry_t *e;
	size_t ne;
} rpl_range_t;

typedef enum rpl_step_kind {
	RPL_QUERY,
	RPL_CHECK_ANSWER,
	RPL_TIME_PASSES,
	RPL_CHECK_OUT_QUERY,
	RPL_CHECK_UPSTREAM,
	RPL_CHECK_SIGS,         /*!< signature verifications of the query */
	RPL_CHECK_TA,           /*!< RFC 5011 state of an anchor key */
	RPL_CHECK_TA_STATEFILE, /*!< the state file reads back the same */
	RPL_TA_RESTART,         /*!< restart: anchors from the state file */
	RPL_TA_STATE_LOST,      /*!< restart without the state file */
	RPL_CHECK_LOCAL,        /*!< root queries answered by the local root */
	RPL_LOCALROOT_OFF,      /*!< the local root stops answering */
	RPL_LOCALROOT_ON,       /*!< ... and answers again */
} rpl_step_kind_t;

/*! One expected upstream query of CHECK_UPSTREAM. */
typedef struct rpl_upq {
	bool any_addr;
	struct sockaddr_storage addr;
	uint8_t qname[OD_NAME_MAXLEN];
	bool any_name; /*!< qname written as * */
	uint16_t qtype;
	bool any_type; /*!< qtype written as * */
	bool some;     /*!< SOME: anywhere in the sequence, not in order */
	bool none;     /*!< NONE: no query of the sequence is like it */
	int tcp;       /*!< -1 either, 0 UDP, 1 TCP */
	int edns;      /*!< -1 either, 0 without an OPT record, 1 with one */
	bool do_bit;   /*!< the query has the DO bit */
} rpl_upq_t;

typedef struct rpl_step {
	unsigned line;
	long id;
	rpl_step_kind_t kind;
	rpl_entry_t *entry;  /*!< QUERY, CHECK_ANSWER, CHECK_OUT_QUERY */
	bool refresh;        /*!< QUERY REFRESH: odr_req_nocache first */
	bool disable_static; /*!< QUERY DISABLE_STATIC: the request is
	                          tagged rec_disable_static */
	uint32_t elapse;     /*!< TIME_PASSES: seconds */
	int cmp;             /*!< CHECK_UPSTREAM: '=', '<' (<=), '>' (>=) */
	long count;          /*!< CHECK_UPSTREAM: -1 when not given */
	rpl_upq_t *upq;      /*!< CHECK_UPSTREAM: expected sequence */
	size_t nupq;
	/* CHECK_TA: zone, key tag and state (0: absent) */
	uint8_t ta_zone[OD_NAME_MAXLEN];
	uint16_t ta_tag;
	int ta_state;
} rpl_step_t;

/*! A negative trust anchor of the configuration. */
typedef struct rpl_nta {
	uint8_t name[OD_NAME_MAXLEN];
	uint32_t secs; /*!< lifetime from the start (0: no expiry) */
} rpl_nta_t;

typedef struct rpl_scenario {
	char *path;
	char *title;
	odr_conf_t conf;
	odr_cache_conf_t cache_conf;
	odr_hints_t hints; /*!< v malloc'd */
	uint64_t seed;
	/* DNSSEC: trust anchors (validation is on when there is one) */
	rpl_rrs_t anchors; /*!< DS and DNSKEY records */
	rpl_nta_t *ntas;   /*!< malloc'd */
	size_t nntas;
	bool have_date;      /*!< val-override-date given */
	int64_t date;        /*!< wall clock at the start (seconds) */
	bool ta5011;         /*!< trust-anchor-5011: RFC 5011 updates */
	bool ta_read_only;   /*!< trust-anchor-read-only: no state saved */
	uint32_t holddown;   /*!< add and remove hold-down (0: default) */
	bool no_aggressive;  /*!< aggressive-nsec: no (RFC 8198 off) */
	bool have_localroot; /*!< local-root: given */
	struct sockaddr_storage localroot; /*!< the range address that plays
	                                        the local root copy */
	rpl_range_t *ranges;
	size_t nranges;
	rpl_step_t *steps;
	size_t nsteps;
} rpl_scenario_t;

/*!
 * Parse the scenario at path. \return 0, or -1 with a message
 * "path:line: what" in err.
 */
int rpl_load(rpl_scenario_t *s, const char *path, char *err, size_t errlen);
void rpl_free(rpl_scenario_t *s);

/*! Parse an IPv4 or IPv6 address (port 53). \return 0 or -1. */
int rpl_addr_parse(const char *s, struct sockaddr_storage *out);
/*! Same IP address (ports ignored). */
bool rpl_addr_equal(const struct sockaddr_storage *a,
                    const struct sockaddr_storage *b);
/*! Address text without the port. */
void rpl_addr_str(const struct sockaddr_storage *a, char *out, size_t cap);

/*!
 * Write the entry as a message: flags, rcode and sections as written
 * (q: the query it answers, for copy_id/copy_query/EDNS, may be NULL),
 * within max bytes (TC set when it does not fit). \return length or <0.
 */
int rpl_entry_build(const rpl_entry_t *e, const od_pkt_t *q, uint16_t id,
                    uint8_t *out, size_t max);

/*!
 * Does message p (a query sent upstream over tcp or UDP) satisfy the
 * entry's MATCH elements for choosing a scripted answer?
 */
bool rpl_entry_matches_query(const rpl_entry_t *e, const od_pkt_t *p, bool tcp);

/*!
 * Compare an answer with the entry of a CHECK_ANSWER (or an upstream
 * query with CHECK_OUT_QUERY). \return true when it matches; otherwise
 * why in why.
 */
bool rpl_entry_check(const rpl_entry_t *e, const od_pkt_t *p, char *why,
                     size_t whylen);

#endif
