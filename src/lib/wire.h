/* SPDX-License-Identifier: MIT */
/*
 * Wire cursors with a sticky error.
 *
 * A reader walks a byte range [pos, end) of a message that starts at msg
 * (kept for name decompression). The first failure latches in err; every
 * later read returns zeros and leaves the position alone, so a parser can
 * read a whole structure and check od_rd_err() once.
 *
 * A writer appends to a caller-owned buffer with the same sticky rule
 * (OD_ESPACE when the buffer is full).
 */
#ifndef OD_WIRE_H
#define OD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/error.h"

typedef struct od_rd {
	const uint8_t *msg; /*!< start of the whole message (not owned) */
	size_t msg_len;     /*!< length of the whole message */
	size_t pos;         /*!< next byte to read, offset from msg */
	size_t end;         /*!< reading stops here (<= msg_len) */
	int err;            /*!< first error, or 0 */
} od_rd_t;

static inline void od_rd_init(od_rd_t *r, const uint8_t *msg, size_t len)
{
	r->msg = msg;
	r->msg_len = len;
	r->pos = 0;
	r->end = len;
	r->err = 0;
}

static inline int od_rd_err(const od_rd_t *r)
{
	return r->err;
}

static inline void od_rd_fail(od_rd_t *r, int err)
{
	if (r->err == 0)
		r->err = err;
}

static inline size_t od_rd_left(const od_rd_t *r)
{
	return r->err ? 0 : r->end - r->pos;
}

/*! Pointer to the next n bytes, advancing past them; NULL on error. */
static inline const uint8_t *od_rd_take(od_rd_t *r, size_t n)
{
	if (r->err)
		return NULL;
	if (r->end - r->pos < n) {
		r->err = OD_ETRUNC;
		return NULL;
	}
	const uint8_t *p = r->msg + r->pos;
	r->pos += n;
	return p;
}

static inline uint8_t od_rd_u8(od_rd_t *r)
{
	const uint8_t *p = od_rd_take(r, 1);
	return p ? p[0] : 0;
}

static inline uint16_t od_rd_u16(od_rd_t *r)
{
	const uint8_t *p = od_rd_take(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t od_rd_u32(od_rd_t *r)
{
	const uint8_t *p = od_rd_take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	                       (uint32_t)p[2] << 8 | p[3]
	         : 0;
}

static inline uint64_t od_rd_u48(od_rd_t *r)
{
	uint64_t hi = od_rd_u16(r);
	return hi << 32 | od_rd_u32(r);
}

static inline void od_rd_bytes(od_rd_t *r, void *dst, size_t n)
{
	const uint8_t *p = od_rd_take(r, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

static inline void od_rd_skip(od_rd_t *r, size_t n)
{
	(void)od_rd_take(r, n);
}

typedef struct od_wr {
	uint8_t *buf; /*!< caller's buffer (not owned) */
	size_t cap;   /*!< writing stops here */
	size_t pos;   /*!< bytes written */
	int err;      /*!< first error, or 0 */
} od_wr_t;

static inline void od_wr_init(od_wr_t *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->err = 0;
}

static inline int od_wr_err(const od_wr_t *w)
{
	return w->err;
}

static inline void od_wr_fail(od_wr_t *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

/*! Reserve n bytes at the write position; NULL (and OD_ESPACE) if full. */
static inline uint8_t *od_wr_reserve(od_wr_t *w, size_t n)
{
	if (w->err)
		return NULL;
	if (w->cap - w->pos < n) {
		w->err = OD_ESPACE;
		return NULL;
	}
	uint8_t *p = w->buf + w->pos;
	w->pos += n;
	return p;
}

static inline void od_wr_u8(od_wr_t *w, uint8_t v)
{
	uint8_t *p = od_wr_reserve(w, 1);
	if (p)
		p[0] = v;
}

static inline void od_wr_u16(od_wr_t *w, uint16_t v)
{
	uint8_t *p = od_wr_reserve(w, 2);
	if (p) {
		p[0] = v >> 8;
		p[1] = v & 0xff;
	}
}

static inline void od_wr_u32(od_wr_t *w, uint32_t v)
{
	uint8_t *p = od_wr_reserve(w, 4);
	if (p) {
		p[0] = v >> 24;
		p[1] = (v >> 16) & 0xff;
		p[2] = (v >> 8) & 0xff;
		p[3] = v & 0xff;
	}
}

static inline void od_wr_u48(od_wr_t *w, uint64_t v)
{
	od_wr_u16(w, (uint16_t)(v >> 32));
	od_wr_u32(w, (uint32_t)v);
}

static inline void od_wr_bytes(od_wr_t *w, const void *src, size_t n)
{
	uint8_t *p = od_wr_reserve(w, n);
	if (p && n)
		memcpy(p, src, n);
}

/* Big-endian helpers on raw buffers whose bounds the caller checked. */
static inline uint16_t od_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t od_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline void od_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}
static inline void od_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

#endif
