#include "sort.h"

#include <stdlib.h>

/* By key times sign (1 ascending, -1 descending), then by index. */
static int compare(const st_keyed *a, const st_keyed *b, int sign)
{
    if (a->key != b->key)
        return a->key < b->key ? -sign : sign;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int ascending(const void *a, const void *b)
{
    return compare(a, b, 1);
}

static int descending(const void *a, const void *b)
{
    return compare(a, b, -1);
}

void st_sort_keyed(st_keyed *items, size_t n, bool descending_order)
{
    qsort(items, n, sizeof *items, descending_order ? descending : ascending);
}
