/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "lib/mm.h"

void *od_mm_alloc(od_mm_t *mm, size_t len)
{
	if (mm == NULL)
		return malloc(len ? len : 1);
	return mm->alloc(mm->ctx, len ? len : 1);
}

void *od_mm_calloc(od_mm_t *mm, size_t len)
{
	void *p = od_mm_alloc(mm, len);
	if (p)
		memset(p, 0, len);
	return p;
}

void od_mm_free(od_mm_t *mm, void *ptr)
{
	if (ptr == NULL)
		return;
	if (mm == NULL)
		free(ptr);
	else if (mm->free)
		mm->free(mm->ctx, ptr);
}

void *od_mm_realloc(od_mm_t *mm, void *ptr, size_t new_len, size_t old_len)
{
	if (mm == NULL)
		return realloc(ptr, new_len ? new_len : 1);
	void *p = od_mm_alloc(mm, new_len);
	if (p == NULL)
		return NULL;
	if (ptr) {
		memcpy(p, ptr, old_len < new_len ? old_len : new_len);
		od_mm_free(mm, ptr);
	}
	return p;
}

void *od_mm_dup(od_mm_t *mm, const void *src, size_t len)
{
	void *p = od_mm_alloc(mm, len);
	if (p && len)
		memcpy(p, src, len);
	return p;
}

struct od_arena_chunk {
	od_arena_chunk_t *next;
	size_t size; /* usable bytes in data[] */
	size_t pos;
	_Alignas(max_align_t) unsigned char data[];
};

#define ALIGN (sizeof(max_align_t))

static void *arena_alloc_cb(void *ctx, size_t len)
{
	return od_arena_alloc(ctx, len);
}

void od_arena_init(od_arena_t *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 16384;
	a->used = 0;
	a->mm.ctx = a;
	a->mm.alloc = arena_alloc_cb;
	a->mm.free = NULL;
}

void *od_arena_alloc(od_arena_t *a, size_t len)
{
	if (len == 0)
		len = 1;
	if (len > SIZE_MAX / 2)
		return NULL;
	size_t need = (len + ALIGN - 1) & ~(ALIGN - 1);
	od_arena_chunk_t *c = a->head;
	if (c == NULL || c->size - c->pos < need) {
		size_t size = need > a->chunk_size ? need : a->chunk_size;
		od_arena_chunk_t *n = malloc(sizeof(*n) + size);
		if (n == NULL)
			return NULL;
		n->size = size;
		n->pos = 0;
		n->next = c;
		a->head = n;
		c = n;
	}
	void *p = c->data + c->pos;
	c->pos += need;
	a->used += need;
	return p;
}

void od_arena_reset(od_arena_t *a)
{
	od_arena_chunk_t *keep = NULL;
	od_arena_chunk_t *c = a->head;
	while (c) {
		od_arena_chunk_t *next = c->next;
		/* Keep one chunk of the default size; oversized ones go. */
		if (keep == NULL && c->size == a->chunk_size) {
			keep = c;
			keep->pos = 0;
			keep->next = NULL;
		} else {
			free(c);
		}
		c = next;
	}
	a->head = keep;
	a->used = 0;
}

void od_arena_deinit(od_arena_t *a)
{
	od_arena_reset(a);
	free(a->head);
	a->head = NULL;
}
