/* SPDX-License-Identifier: MIT */
#include "conf/listen.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"

int od_listen_append(od_listen_t **arr, size_t *n, const char *s, uint16_t port)
{
	od_listen_t l;
	if (od_listen_parse(s, port, &l) < 0)
		return OD_EINVAL;
	/* Lists grow one entry at a time: configurations are small. */
	od_listen_t *p = realloc(*arr, (*n + 1) * sizeof(*p));
	if (p == NULL)
		return OD_ENOMEM;
	p[(*n)++] = l;
	*arr = p;
	return 0;
}

int od_yc_listen_list(od_yc_t *yc, const od_ycn_t *n, uint16_t port,
                      od_listen_t **arr, size_t *cnt)
{
	int len = od_yc_seq_len(yc, n);
	if (len < 0)
		return len;
	for (int i = 0; i < len; i++) {
		od_ycn_t it;
		const char *s;
		od_yc_seq_at(yc, n, i, &it);
		if (od_yc_str(yc, &it, &s) < 0)
			return OD_EINVAL;
		int r = od_listen_append(arr, cnt, s, port);
		if (r == OD_EINVAL)
			return od_yc_fail(yc, &it,
			                  "'%s' is not an address (ADDR or "
			                  "ADDR@PORT)",
			                  s);
		if (r < 0)
			return r;
	}
	return 0;
}

int od_listen_parse_endpoint(const char *s, od_listen_t *out, char *err,
                             size_t errlen)
{
	const char *at = strrchr(s, '@');
	od_listen_t l;
	/* Port 0 stands for "none given": a port is required. */
	if (at == NULL || od_listen_parse(s, 0, &l) < 0) {
		snprintf(err, errlen,
		         "'%s': expected ADDR@PORT (an IPv4 or IPv6 address "
		         "and a port)",
		         s);
		return OD_EINVAL;
	}
	const struct sockaddr *sa = (const struct sockaddr *)&l.addr;
	uint16_t port = sa->sa_family == AF_INET
	                        ? ((const struct sockaddr_in *)sa)->sin_port
	                        : ((const struct sockaddr_in6 *)sa)->sin6_port;
	if (port == 0) {
		snprintf(err, errlen, "'%s': the port must be 1..65535", s);
		return OD_EINVAL;
	}
	*out = l;
	return 0;
}

bool od_listen_eq(const od_listen_t *a, const od_listen_t *b)
{
	return a->len == b->len && memcmp(&a->addr, &b->addr, a->len) == 0;
}

bool od_listens_eq(const od_listen_t *a, size_t na, const od_listen_t *b,
                   size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!od_listen_eq(&a[i], &b[i]))
			return false;
	return true;
}
