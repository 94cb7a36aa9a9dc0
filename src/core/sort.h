/* Private: a stable order by a numeric key.
 *
 * qsort is not stable, and where equal keys land differs between C
 * libraries; output that depends on the order (a PNG's Huffman codes, the
 * drawing order of sized symbols) must not. Each item carries its index in
 * the caller's list, and equal keys stay in index order. */
#ifndef ST_SORT_H
#define ST_SORT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct st_keyed {
    double key;   /* any value a double holds exactly (an integer below 2^53) */
    size_t index; /* the caller's index; ties are ordered by it */
} st_keyed;

/* Sorts items[0..n) by key, ascending (or descending), equal keys by index
 * ascending. Keys must not be NaN. */
void st_sort_keyed(st_keyed *items, size_t n, bool descending);

#endif
