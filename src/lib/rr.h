/* SPDX-License-Identifier: MIT */
/*
 * A resource record view: the owner name and RDATA in uncompressed wire
 * form, the fixed fields in host order. The view does not own its
 * memory; whoever filled it says where the bytes live (od_pkt_parse puts
 * them in the packet's allocator).
 */
#ifndef OD_RR_H
#define OD_RR_H

#include <stddef.h>
#include <stdint.h>

#include "lib/name.h"
#include "lib/wire.h"

typedef struct od_rr {
	const uint8_t *owner; /*!< uncompressed wire name (not owned) */
	const uint8_t *rdata; /*!< uncompressed RDATA, rdlen bytes (not owned) */
	uint32_t ttl;
	uint16_t type;
	uint16_t rclass;
	uint16_t rdlen;
} od_rr_t;

/*!
 * Append rr to w: owner compressed against c (NULL: no compression),
 * then type, class, TTL, RDLENGTH and the RDATA, whose names are
 * compressed as the type allows (od_rdata_pack). Names written are added
 * to c. On failure w's error is latched and the bytes already written are
 * left in place: callers that need all-or-nothing save w->pos and
 * c->count first and restore them.
 * Empty RDATA is always accepted (RFC 2136 UPDATE records of class ANY
 * or NONE); other RDATA must be valid for the type.
 * \return 0, OD_ESPACE, OD_ERDLEN (compressed RDATA over 65535), or the
 *         error of od_rdata_pack for RDATA its type's layout rejects.
 */
int od_rr_write(od_wr_t *w, const od_rr_t *rr, od_compr_t *c);

/*!
 * Presentation form `owner<TAB>ttl<TAB>class<TAB>type<TAB>rdata`,
 * NUL-terminated, one line without a newline. RDATA is printed by
 * od_rdata_to_str (RFC 3597 generic form when the type has no layout).
 * \return the string length, or OD_ESPACE.
 */
int od_rr_to_str(const od_rr_t *rr, char *out, size_t outcap);

/*! Text size that always suffices for od_rr_to_str of rr. */
size_t od_rr_str_bound(const od_rr_t *rr);

#endif
