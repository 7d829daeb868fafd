/* SPDX-License-Identifier: MIT */
/*
 * Allocator context and arena.
 *
 * Every allocating API in libonedot takes an od_mm_t *; NULL means the C
 * library's malloc/free. An arena hands out memory from large chunks and
 * frees it all at once with od_arena_reset(): the authoritative server
 * flushes one per worker after each query, the resolver keeps one per
 * request. Arena memory is never freed piecemeal (free is a no-op).
 *
 * Not thread-safe: one arena belongs to one thread at a time.
 */
#ifndef OD_MM_H
#define OD_MM_H

#include <stddef.h>
#include <stdint.h>

typedef struct od_mm {
	void *ctx;
	void *(*alloc)(void *ctx, size_t len);
	void (*free)(void *ctx, void *ptr); /*!< NULL: free is a no-op */
} od_mm_t;

/*! Allocate len bytes from mm (NULL = malloc). Returns NULL on failure. */
void *od_mm_alloc(od_mm_t *mm, size_t len);
/*! Like od_mm_alloc, zero-filled. */
void *od_mm_calloc(od_mm_t *mm, size_t len);
/*! Grow an allocation of old_len bytes to new_len; copies the content. */
void *od_mm_realloc(od_mm_t *mm, void *ptr, size_t new_len, size_t old_len);
/*! Copy len bytes into new memory from mm. */
void *od_mm_dup(od_mm_t *mm, const void *src, size_t len);
/*! Release memory from od_mm_alloc (no-op for arenas). NULL is allowed. */
void od_mm_free(od_mm_t *mm, void *ptr);

typedef struct od_arena_chunk od_arena_chunk_t;

typedef struct od_arena {
	od_arena_chunk_t *head; /*!< owned: current chunk, list of older ones */
	size_t chunk_size;      /*!< default size of a new chunk */
	size_t used;            /*!< bytes handed out since the last reset */
	od_mm_t mm;             /*!< allocator view of this arena */
} od_arena_t;

/*! Start an empty arena whose chunks are chunk_size bytes (0: 16 KiB). */
void od_arena_init(od_arena_t *a, size_t chunk_size);
/*! Allocate len bytes aligned for any type; NULL when malloc fails. */
void *od_arena_alloc(od_arena_t *a, size_t len);
/*! Forget every allocation; keeps one chunk for reuse. */
void od_arena_reset(od_arena_t *a);
/*! Release all memory of the arena. */
void od_arena_deinit(od_arena_t *a);

#endif
