/* SPDX-License-Identifier: MIT */
/*
 * One error space for all of libonedot and the programs built on it.
 *
 * Functions return int: 0 on success, -errno for operating-system errors,
 * or one of the OD_E* codes below (all in their own range below -1000).
 * od_strerror() turns any of them into a message.
 */
#ifndef OD_ERROR_H
#define OD_ERROR_H

#include <stdio.h>
#include <stdlib.h>

enum od_error {
	OD_EOK = 0,
	OD_ERROR_BASE = -1000,
	OD_EMALF = -1001,     /*!< malformed wire data */
	OD_ESPACE = -1002,    /*!< output buffer too small */
	OD_ELABEL = -1003,    /*!< label longer than 63 octets */
	OD_ENAMELEN = -1004,  /*!< name longer than 255 octets */
	OD_ECOMPLOOP = -1005, /*!< compression pointer loop */
	OD_ECOMPPTR = -1006, /*!< compression pointer forward or out of range */
	OD_ESYNTAX = -1007,  /*!< presentation-format syntax error */
	OD_ERANGE = -1008,   /*!< value out of range */
	OD_ENOTSUP = -1009,  /*!< not supported */
	OD_ETRAILING = -1010, /*!< unexpected data after the end */
	OD_EDUPOPT = -1011,   /*!< more than one OPT record */
	OD_EOPT = -1012,      /*!< OPT record misplaced or malformed */
	OD_ETRUNC = -1013,    /*!< data ends before it should */
	OD_ERDLEN = -1014,    /*!< RDATA length does not match content */
	OD_EBASE64 = -1015,   /*!< bad base64 */
	OD_EBASE32 = -1016,   /*!< bad base32hex */
	OD_EHEX = -1017,      /*!< bad hexadecimal */
	OD_ETYPE = -1018,     /*!< unknown or unusable RR type */
	OD_ECLASS = -1019,    /*!< unknown class */
	OD_ETSIG = -1020,     /*!< TSIG record misplaced */
	OD_EEMPTY = -1021,    /*!< empty input where data is required */
	OD_ESVCPARAM = -1022, /*!< bad SVCB/HTTPS parameter */
	OD_ENOMEM = -1023,    /*!< allocation failed */
	OD_EINVAL = -1024,    /*!< invalid argument */
	OD_ELIMIT = -1025,    /*!< a configured limit was reached */
	OD_ERROR_LAST = -1026,
};

/*! Message for any libonedot return code (OD_E*, -errno, or 0). */
const char *od_strerror(int code);

/*! Abort with a message when an invariant does not hold. */
#define od_require(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: requirement failed: %s\n",     \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/*!
 * True when a condition that should never hold does. Survivable: the
 * caller returns an error. Debug builds abort so the bug is seen.
 */
#ifdef NDEBUG
#define od_fails(cond) (__builtin_expect(!!(cond), 0))
#else
#define od_fails(cond)                                                         \
	(__builtin_expect(!!(cond), 0)                                         \
	         ? (fprintf(stderr, "%s:%d: unexpected: %s\n", __FILE__,       \
	                    __LINE__, #cond),                                  \
	            abort(), 1)                                                \
	         : 0)
#endif

#endif
