/* SPDX-License-Identifier: MIT */
/*
 * DNS messages (RFC 1035 §4): parsing into a view, building with
 * compression and truncation, and printing in the dig style.
 *
 * Parsing (od_pkt_parse) reads the whole message: header, all questions
 * and the records of the three other sections, with every name and RDATA
 * decompressed into memory from the caller's allocator (an arena is the
 * normal case) and every RDATA checked against its type's layout. A
 * message that is not entirely well formed is rejected; the parsed view
 * is then usable without further checks.
 *
 * Building (od_pkt_w_*) writes into a caller buffer of a given maximum
 * size (for a UDP response: the client's EDNS payload size). Questions
 * come first, then records section by section; each call writes a whole
 * RRset or nothing, so the message always ends on an RRset boundary. The
 * OPT record's space is reserved when EDNS is set and the record is
 * written by od_pkt_w_finish, so it is always present.
 *
 * Neither side does I/O or keeps global state; a parsed packet and a
 * builder each belong to one thread.
 */
#ifndef OD_PKT_H
#define OD_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/edns.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/rr.h"
#include "lib/wire.h"

#define OD_HDR_LEN 12
/*! Largest DNS message (TCP length field). */
#define OD_PKT_MAXLEN 65535
/*! Classic UDP limit without EDNS (RFC 1035 §4.2.1). */
#define OD_PKT_UDP_MAXLEN 512

enum {
	OD_OPCODE_QUERY = 0,
	OD_OPCODE_IQUERY = 1,
	OD_OPCODE_STATUS = 2,
	OD_OPCODE_NOTIFY = 4,
	OD_OPCODE_UPDATE = 5,
	OD_OPCODE_DSO = 6,
};

/* RCODEs; values above 15 need EDNS (the upper 8 bits go in the OPT). */
enum {
	OD_RCODE_NOERROR = 0,
	OD_RCODE_FORMERR = 1,
	OD_RCODE_SERVFAIL = 2,
	OD_RCODE_NXDOMAIN = 3,
	OD_RCODE_NOTIMP = 4,
	OD_RCODE_REFUSED = 5,
	OD_RCODE_YXDOMAIN = 6,
	OD_RCODE_YXRRSET = 7,
	OD_RCODE_NXRRSET = 8,
	OD_RCODE_NOTAUTH = 9,
	OD_RCODE_NOTZONE = 10,
	OD_RCODE_DSOTYPENI = 11,
	OD_RCODE_BADVERS = 16,
	OD_RCODE_BADKEY = 17,
	OD_RCODE_BADTIME = 18,
	OD_RCODE_BADMODE = 19,
	OD_RCODE_BADNAME = 20,
	OD_RCODE_BADALG = 21,
	OD_RCODE_BADTRUNC = 22,
	OD_RCODE_BADCOOKIE = 23,
};

/*! Mnemonic of an opcode ("QUERY"), or NULL when unassigned. */
const char *od_opcode_name(uint8_t opcode);
/*! Mnemonic of an RCODE ("NXDOMAIN"; 16 is "BADVERS"), or NULL. */
const char *od_rcode_name(uint16_t rcode);

typedef enum od_section {
	OD_QUESTION = 0,
	OD_ANSWER = 1,
	OD_AUTHORITY = 2,
	OD_ADDITIONAL = 3,
} od_section_t;

/*! The header's fields other than the counts. */
typedef struct od_hdr {
	uint16_t id;
	uint8_t opcode; /*!< 4 bits */
	uint8_t rcode;  /*!< the header's 4 RCODE bits */
	bool qr, aa, tc, rd, ra, z, ad, cd;
} od_hdr_t;

/*! Decode the first 12 bytes of a message (counts are not part of hdr). */
void od_hdr_unpack(od_hdr_t *hdr, const uint8_t wire[OD_HDR_LEN]);
/*! Encode hdr into wire[0..3] (ID and flags); the counts are left alone. */
void od_hdr_pack(const od_hdr_t *hdr, uint8_t wire[OD_HDR_LEN]);

typedef struct od_question {
	const uint8_t *qname; /*!< uncompressed wire name (packet memory) */
	uint16_t qtype;
	uint16_t qclass;
} od_question_t;

/*! od_pkt_parse flags */
enum {
	/*!
	 * Accept bytes after the last record (some middleboxes append
	 * them); they are counted in od_pkt_t.trailing. Without this flag
	 * they make the message invalid (OD_ETRAILING).
	 */
	OD_PKT_TRAILING_OK = 1 << 0,
};

typedef struct od_pkt {
	od_hdr_t hdr;
	uint16_t count[4];  /*!< entries per section: the header counts */
	od_question_t *qd;  /*!< owned: count[OD_QUESTION] questions */
	od_rr_t *rr[4];     /*!< owned: rr[s] holds count[s] records,
	                            s = ANSWER..ADDITIONAL; rr[0] is NULL */
	const od_rr_t *opt; /*!< the OPT record in rr[OD_ADDITIONAL], or NULL */
	const od_rr_t *tsig; /*!< TSIG (always the last additional), or NULL */
	od_edns_t edns;      /*!< decoded OPT when opt != NULL (options
	                            point into opt->rdata) */
	uint16_t rcode;      /*!< 12-bit RCODE: header bits | OPT bits << 4 */
	size_t wire_len;     /*!< message length, trailing bytes excluded */
	size_t trailing;     /*!< bytes after the last record */
	od_mm_t *mm;         /*!< where the view's memory comes from */
	od_arena_t *own;     /*!< owned: private arena when parse got mm NULL */
} od_pkt_t;

/*!
 * Parse a whole message of len bytes.
 *
 * Every question and record is decoded; names and RDATA are copied out
 * decompressed, so the view does not refer to wire after the call. Memory
 * comes from mm; with mm NULL the packet keeps its own malloc-backed
 * arena and od_pkt_free() must be called. A caller's mm is expected to
 * free in bulk (an arena): the view is made of many small allocations
 * that od_pkt_free does not release one by one.
 *
 * Checks: header present; each count backed by records actually present;
 * names (pointer loops, forward or out-of-range pointers, label and name
 * lengths); RDLENGTH within the message; every RDATA against its type's
 * layout (od_rdata_unpack), except that empty RDATA is accepted in
 * records of class ANY or NONE (RFC 2136 UPDATE); OPT only in the
 * additional section, with the root owner, at most one (OD_EDUPOPT),
 * options framed within its RDATA; TSIG only as the last additional
 * record; no bytes after the last record unless OD_PKT_TRAILING_OK. The
 * content of EDNS options is not checked here (see the typed parsers in
 * edns.h).
 *
 * \return 0, or OD_ETRUNC / OD_EMALF / OD_ERDLEN / name errors /
 *         OD_EOPT / OD_EDUPOPT / OD_ETSIG / OD_ETRAILING / OD_ENOMEM.
 *         On failure nothing needs freeing (an own arena is released;
 *         memory taken from a caller's arena stays until its reset).
 */
int od_pkt_parse(od_pkt_t *p, const uint8_t *wire, size_t len, od_mm_t *mm,
                 unsigned flags);

/*! Release the memory of a packet parsed with mm NULL; no-op otherwise. */
void od_pkt_free(od_pkt_t *p);

/*! The first question, or NULL when there is none. */
static inline const od_question_t *od_pkt_question(const od_pkt_t *p)
{
	return p->count[OD_QUESTION] ? &p->qd[0] : NULL;
}

/*!
 * Print the message in the style of dig: header line (opcode, status,
 * id), flags line with the counts, OPT PSEUDOSECTION (version, flags,
 * udp, then one line per option, see od_edns_opt_to_str), QUESTION,
 * ANSWER, AUTHORITY and ADDITIONAL sections (empty ones left out; the OPT
 * record is not repeated there; UPDATE messages name them ZONE,
 * PREREQUISITE, UPDATE, ADDITIONAL) and a TSIG PSEUDOSECTION. One record
 * per line: `owner<TAB>ttl<TAB>class<TAB>type<TAB>rdata`.
 * \return the string length, or OD_ESPACE (out holds a prefix).
 */
int od_pkt_to_str(const od_pkt_t *p, char *out, size_t outcap);

/*! As od_pkt_to_str, to a stream. \return 0, OD_ENOMEM or -errno. */
int od_pkt_print(const od_pkt_t *p, FILE *f);

/*
 * Building.
 *
 * Call order: od_pkt_w_init, optionally od_pkt_w_edns (then
 * od_pkt_w_padding) and od_pkt_w_reserve,
 * od_pkt_w_question (any number), od_pkt_w_rrset for ANSWER, then
 * AUTHORITY, then ADDITIONAL (sections never go backwards), then
 * od_pkt_w_finish; after it only od_pkt_w_last (a TSIG record).
 */
typedef struct od_pkt_w {
	od_wr_t w; /*!< cap lowered by the reserve until finish */
	od_compr_t compr;
	size_t max;            /*!< the caller's size limit */
	size_t reserve;        /*!< kept back: OPT (+ padding header), extra */
	size_t extra;          /*!< the od_pkt_w_reserve part of it */
	const od_edns_t *edns; /*!< written at finish (not owned), or NULL */
	uint16_t rcode;        /*!< 12-bit RCODE */
	uint16_t pad_block;    /*!< od_pkt_w_padding block, 0: no padding */
	uint16_t count[4];
	uint8_t section; /*!< section being written */
	bool tc;         /*!< truncated: no more records */
	bool finished;
} od_pkt_w_t;

/*!
 * Start a message in buf of at most max bytes (max is clamped to
 * OD_PKT_MAXLEN) and write hdr. Its tc bit is written as given and does
 * not stop records from being added (truncation, or od_pkt_w_set_tc,
 * does); counts start at 0.
 * \return 0, or OD_ESPACE when max is below the header size.
 */
int od_pkt_w_init(od_pkt_w_t *b, uint8_t *buf, size_t max, const od_hdr_t *hdr);

/*!
 * Add an OPT record: its size is reserved now and it is written by
 * od_pkt_w_finish, after everything else, so it is always present. edns
 * must stay valid and unchanged until then. Its ext_rcode is combined
 * into the builder's RCODE (see od_pkt_w_rcode). May be called once.
 * \return 0, OD_ESPACE (the record no longer fits), OD_EINVAL (twice).
 */
int od_pkt_w_edns(od_pkt_w_t *b, const od_edns_t *edns);

/*!
 * Pad the message (RFC 7830) to a multiple of block bytes (RFC 8467: 128
 * for queries, 468 for responses), or to the size limit when that is
 * nearer: od_pkt_w_finish appends a PADDING option to the OPT record.
 * Needs od_pkt_w_edns first; reserves the option's 4-byte header.
 * \return 0, OD_EINVAL (no EDNS, or called twice), OD_ESPACE.
 */
int od_pkt_w_padding(od_pkt_w_t *b, uint16_t block);

/*!
 * Keep n more bytes free for a record the caller adds with
 * od_pkt_w_last after finish (a TSIG signature).
 * \return 0 or OD_ESPACE.
 */
int od_pkt_w_reserve(od_pkt_w_t *b, size_t n);

/*!
 * Set the 12-bit RCODE: the low 4 bits go in the header, the high 8 in
 * the OPT record (which od_pkt_w_finish then requires).
 */
void od_pkt_w_rcode(od_pkt_w_t *b, uint16_t rcode);

/*!
 * Append a question. Only before any record.
 * \return 0, OD_ESPACE (nothing written), OD_EINVAL (after records).
 */
int od_pkt_w_question(od_pkt_w_t *b, const uint8_t *qname, uint16_t qtype,
                      uint16_t qclass);

/*!
 * Append the n records of an RRset (or any group that must stay whole)
 * to section, all or nothing, with name compression.
 *
 * When the group does not fit: in ANSWER and AUTHORITY the message keeps
 * what was written before the group, TC is set and every later call
 * fails with OD_ESPACE (the message is complete and truncated); in
 * ADDITIONAL the group is dropped without TC (RFC 2181 §9) and later
 * smaller groups may still fit. A caller that needs TC for a dropped
 * additional group (in-domain glue, RFC 9471) calls od_pkt_w_set_tc.
 *
 * \return 0; OD_ESPACE (not written, as above); OD_EINVAL (section
 *         going backwards, the question section, after finish);
 *         OD_ELIMIT (section count over 65535); OD_EOPT (an OPT record:
 *         use od_pkt_w_edns); OD_ETSIG (a TSIG: use od_pkt_w_last).
 */
int od_pkt_w_rrset(od_pkt_w_t *b, od_section_t section, const od_rr_t *rrs,
                   size_t n);

/*! Set TC and refuse further records. */
void od_pkt_w_set_tc(od_pkt_w_t *b);

/*!
 * Write the OPT record (if any) and the header counts and flags.
 * \return the message length, or OD_ERANGE (RCODE over 15 without
 *         EDNS), OD_EINVAL (called twice).
 */
int od_pkt_w_finish(od_pkt_w_t *b);

/*!
 * After finish: append one record to the additional section without
 * compression, using the space kept by od_pkt_w_reserve (a TSIG must be
 * the last record, after the OPT).
 * \return the new message length, OD_ESPACE, or OD_EINVAL (before finish).
 */
int od_pkt_w_last(od_pkt_w_t *b, const od_rr_t *rr);

/*! Bytes written so far. */
static inline size_t od_pkt_w_len(const od_pkt_w_t *b)
{
	return b->w.pos;
}

#endif
