/* SPDX-License-Identifier: MIT */
/*
 * SVCB/HTTPS SvcParamKeys (RFC 9460 §14.3.2 registry) shared by the RDATA
 * printer (rdata.c) and parser (rdata_text.c). Internal to libonedot.
 */
#ifndef OD_SVCPARAM_H
#define OD_SVCPARAM_H

#include <stddef.h>
#include <stdint.h>

enum {
	OD_SVC_MANDATORY = 0,
	OD_SVC_ALPN = 1,
	OD_SVC_NO_DEFAULT_ALPN = 2,
	OD_SVC_PORT = 3,
	OD_SVC_IPV4HINT = 4,
	OD_SVC_ECH = 5,
	OD_SVC_IPV6HINT = 6,
	OD_SVC_DOHPATH = 7,
	OD_SVC_OHTTP = 8,
	OD_SVC_TLS_GROUPS = 9,
	OD_SVC_DOCPATH = 10,
	OD_SVC_PVD = 11,
	OD_SVC_OOTS = 12,
	OD_SVC_NAMED_COUNT = 13,
	OD_SVC_INVALID = 65535,
};

/*!
 * Keys the printer writes by name: those whose values it prints in their
 * own presentation form. Others print as keyNNNNN with an opaque value,
 * which the parser reads back to the same octets.
 */
#define OD_SVC_PRINT_NAMED OD_SVC_TLS_GROUPS

/*! Name of a key below OD_SVC_NAMED_COUNT, or NULL. */
const char *od_svc_key_name(uint16_t key);

#endif
