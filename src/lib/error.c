/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "lib/error.h"

static const char *const messages[] = {
	[-(OD_EMALF - OD_ERROR_BASE)] = "malformed data",
	[-(OD_ESPACE - OD_ERROR_BASE)] = "not enough space",
	[-(OD_ELABEL - OD_ERROR_BASE)] = "label longer than 63 octets",
	[-(OD_ENAMELEN - OD_ERROR_BASE)] = "name longer than 255 octets",
	[-(OD_ECOMPLOOP - OD_ERROR_BASE)] = "compression pointer loop",
	[-(OD_ECOMPPTR - OD_ERROR_BASE)] = "bad compression pointer",
	[-(OD_ESYNTAX - OD_ERROR_BASE)] = "syntax error",
	[-(OD_ERANGE - OD_ERROR_BASE)] = "value out of range",
	[-(OD_ENOTSUP - OD_ERROR_BASE)] = "not supported",
	[-(OD_ETRAILING - OD_ERROR_BASE)] = "trailing data",
	[-(OD_EDUPOPT - OD_ERROR_BASE)] = "more than one OPT record",
	[-(OD_EOPT - OD_ERROR_BASE)] = "malformed or misplaced OPT record",
	[-(OD_ETRUNC - OD_ERROR_BASE)] = "data truncated",
	[-(OD_ERDLEN - OD_ERROR_BASE)] = "RDATA length mismatch",
	[-(OD_EBASE64 - OD_ERROR_BASE)] = "bad base64",
	[-(OD_EBASE32 - OD_ERROR_BASE)] = "bad base32hex",
	[-(OD_EHEX - OD_ERROR_BASE)] = "bad hexadecimal",
	[-(OD_ETYPE - OD_ERROR_BASE)] = "unknown or unusable RR type",
	[-(OD_ECLASS - OD_ERROR_BASE)] = "unknown class",
	[-(OD_ETSIG - OD_ERROR_BASE)] = "misplaced TSIG record",
	[-(OD_EEMPTY - OD_ERROR_BASE)] = "missing data",
	[-(OD_ESVCPARAM - OD_ERROR_BASE)] = "bad SVCB parameter",
	[-(OD_ENOMEM - OD_ERROR_BASE)] = "out of memory",
	[-(OD_EINVAL - OD_ERROR_BASE)] = "invalid argument",
	[-(OD_ELIMIT - OD_ERROR_BASE)] = "limit reached",
};

const char *od_strerror(int code)
{
	if (code == 0)
		return "ok";
	if (code < OD_ERROR_BASE && code > OD_ERROR_LAST) {
		const char *m = messages[-(code - OD_ERROR_BASE)];
		return m ? m : "unknown error";
	}
	if (code < 0 && code > OD_ERROR_BASE)
		return strerror(-code);
	return "unknown error";
}
