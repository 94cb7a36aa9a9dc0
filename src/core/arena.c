/* A bump allocator: blocks chained in a list, freed all at once. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} block;

struct st_arena {
    block *head;
    size_t block_size;
    size_t used;
};

st_arena *st_arena_create(size_t block_size)
{
    st_arena *a = calloc(1, sizeof *a);
    if (a)
        a->block_size = block_size ? block_size : (size_t)1 << 20;
    return a;
}

void st_arena_destroy(st_arena *a)
{
    if (!a)
        return;
    block *b = a->head;
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void st_arena_reset(st_arena *a)
{
    block *keep = NULL;
    block *b = a->head;
    while (b) {
        block *next = b->next;
        if (!keep && b->size == a->block_size) {
            keep = b;
            keep->used = 0;
            keep->next = NULL;
        } else {
            free(b);
        }
        b = next;
    }
    a->head = keep;
    a->used = 0;
}

void *st_arena_alloc(st_arena *a, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size_t need = (size + 15u) & ~(size_t)15u;
    if (need == 0)
        need = 16;
    block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t bsize = need > a->block_size ? need : a->block_size;
        block *nb = malloc(sizeof *nb + bsize);
        if (!nb)
            return NULL;
        nb->size = bsize;
        nb->used = 0;
        /* A large one-off allocation goes behind the current block so the
         * current block's free space stays usable. */
        if (b && need > a->block_size) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += need;
    return p;
}

void *st_arena_calloc(st_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = st_arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *st_arena_strndup(st_arena *a, const char *s, size_t n)
{
    char *p = st_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *st_arena_strdup(st_arena *a, const char *s)
{
    return s ? st_arena_strndup(a, s, strlen(s)) : NULL;
}

char *st_arena_printf(st_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = st_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t st_arena_used(const st_arena *a)
{
    return a->used;
}
