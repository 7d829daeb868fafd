/* SPDX-License-Identifier: MIT */
#include "conf/listen.h"

#include <stdlib.h>

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
