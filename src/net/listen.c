/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "net/net.h"

int od_listen_parse(const char *s, uint16_t default_port, od_listen_t *out)
{
	if (s == NULL || out == NULL)
		return OD_EINVAL;
	/* Longest IPv6 literal is 45 characters; "@65535" adds 6. */
	char host[64];
	const char *at = strrchr(s, '@');
	size_t hlen = at ? (size_t)(at - s) : strlen(s);
	if (hlen == 0 || hlen >= sizeof(host))
		return OD_EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	unsigned long port = default_port;
	if (at) {
		const char *p = at + 1;
		if (*p == '\0' || strlen(p) > 5)
			return OD_EINVAL;
		port = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return OD_EINVAL;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port > 65535)
			return OD_EINVAL;
	}

	od_listen_t l;
	memset(&l, 0, sizeof(l));
	struct sockaddr_in *v4 = (struct sockaddr_in *)&l.addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&l.addr;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		l.len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		l.len = sizeof(*v6);
	} else {
		return OD_EINVAL;
	}
	*out = l;
	return 0;
}

int od_sockaddr_str(const struct sockaddr *sa, char *out, size_t outcap)
{
	if (sa == NULL || out == NULL || outcap == 0)
		return OD_EINVAL;
	char host[INET6_ADDRSTRLEN];
	unsigned port;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		port = ntohs(v4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		port = ntohs(v6->sin6_port);
	} else {
		return OD_EINVAL;
	}
	int n = snprintf(out, outcap, "%s@%u", host, port);
	if (n < 0 || (size_t)n >= outcap)
		return OD_ESPACE;
	return 0;
}
