/* Private: growing heap arrays.
 *
 * The one way steppe grows an array it owns with malloc: capacity doubling
 * from a first size, overflow checked, the array untouched when memory runs
 * out. (Arrays in an arena grow with the arena's own calls instead.) */
#ifndef ST_GROW_H
#define ST_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room for at least need items of size bytes in the heap array that
 * items points to (a T **, cast to void *) of capacity *cap items: the
 * capacity doubles, from first when it is 0, until need fit, and the array
 * is realloc'ed. Returns true when need fit (at once or after growing);
 * false when memory runs out or the size would overflow, leaving the array
 * and *cap as they were. The caller frees the array. */
static inline bool st_grow(void *items, size_t *cap, size_t need, size_t size, size_t first);

/* st_grow() when need does not fit: the realloc, out of line. */
bool st_grow_realloc(void *items, size_t *cap, size_t need, size_t size, size_t first);

/* The test inline: st_grow() runs once per item pushed, in loops over
 * every vertex (project_approx.c), where a call each time costs. */
static inline bool st_grow(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
    return need <= *cap || st_grow_realloc(items, cap, need, size, first);
}

#endif
