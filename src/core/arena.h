/* Private: a bump allocator for the intermediate results of one render.
 * Everything allocated from an arena is freed at once by st_arena_destroy();
 * nothing is freed individually. Allocations are 16-byte aligned. */
#ifndef ST_ARENA_H
#define ST_ARENA_H

#include <stddef.h>

typedef struct st_arena st_arena;

/* Creates an arena whose blocks are at least block_size bytes (0: 1 MiB).
 * Returns NULL when out of memory. Free with st_arena_destroy(). */
st_arena *st_arena_create(size_t block_size);

/* Frees the arena and every allocation made from it. Accepts NULL. */
void st_arena_destroy(st_arena *a);

/* Frees every allocation made from a, keeping one block for the next
 * ones: for a batch of work that is done and dropped before the next. */
void st_arena_reset(st_arena *a);

/* Returns size bytes (uninitialised), or NULL when out of memory or when
 * size overflows. Memory belongs to the arena. */
void *st_arena_alloc(st_arena *a, size_t size);

/* As st_arena_alloc() but zeroed, for n * size bytes with overflow check. */
void *st_arena_calloc(st_arena *a, size_t n, size_t size);

/* Copies s (NULL gives NULL) into the arena. */
char *st_arena_strdup(st_arena *a, const char *s);

/* Copies the first n bytes of s and NUL-terminates. */
char *st_arena_strndup(st_arena *a, const char *s, size_t n);

/* printf into the arena. */
char *st_arena_printf(st_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Total bytes handed out (for the render report). */
size_t st_arena_used(const st_arena *a);

#endif
