/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "lib/sbuf.h"

void od_sbuf_init(od_sbuf_t *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = cap;
	sb->len = 0;
	sb->err = cap ? 0 : OD_ESPACE;
	if (cap)
		buf[0] = '\0';
}

void od_sbuf_putn(od_sbuf_t *sb, const char *s, size_t n)
{
	if (sb->err)
		return;
	if (sb->cap - sb->len <= n) {
		sb->err = OD_ESPACE;
		return;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void od_sbuf_puts(od_sbuf_t *sb, const char *s)
{
	od_sbuf_putn(sb, s, strlen(s));
}

void od_sbuf_putc(od_sbuf_t *sb, char c)
{
	od_sbuf_putn(sb, &c, 1);
}

void od_sbuf_printf(od_sbuf_t *sb, const char *fmt, ...)
{
	if (sb->err)
		return;
	size_t room = sb->cap - sb->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		sb->buf[sb->len] = '\0'; /* drop the partial write */
		sb->err = OD_ESPACE;
		return;
	}
	sb->len += (size_t)n;
}

void od_sbuf_hex(od_sbuf_t *sb, const uint8_t *p, size_t n, bool upper,
                 bool spaced)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (size_t i = 0; i < n && !sb->err; i++) {
		char t[3] = { ' ', digits[p[i] >> 4], digits[p[i] & 15] };
		if (spaced && i)
			od_sbuf_putn(sb, t, 3);
		else
			od_sbuf_putn(sb, t + 1, 2);
	}
}
