/* SPDX-License-Identifier: MIT */
/*
 * Text output into a caller's buffer with a sticky error, for the
 * printers of the library (RDATA, EDNS options, messages).
 *
 * The buffer is kept NUL-terminated after every successful write. The
 * first write that does not fit latches OD_ESPACE and writes nothing;
 * later writes do nothing.
 */
#ifndef OD_SBUF_H
#define OD_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct od_sbuf {
	char *buf;  /*!< caller's buffer (not owned) */
	size_t cap; /*!< its size, including the NUL */
	size_t len; /*!< characters written, without the NUL */
	int err;    /*!< first error, or 0 */
} od_sbuf_t;

/*! Start writing into buf of cap bytes (cap 0 latches OD_ESPACE). */
void od_sbuf_init(od_sbuf_t *sb, char *buf, size_t cap);
/*! Append n characters. */
void od_sbuf_putn(od_sbuf_t *sb, const char *s, size_t n);
/*! Append a NUL-terminated string. */
void od_sbuf_puts(od_sbuf_t *sb, const char *s);
/*! Append one character. */
void od_sbuf_putc(od_sbuf_t *sb, char c);
/*! Append printf-formatted text. */
void od_sbuf_printf(od_sbuf_t *sb, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/*! Append n octets as hex digits, upper or lower case, blank-separated
 *  when spaced. */
void od_sbuf_hex(od_sbuf_t *sb, const uint8_t *p, size_t n, bool upper,
                 bool spaced);

#endif
