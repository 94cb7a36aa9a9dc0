/* Growing heap arrays: see grow.h. */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool st_grow_realloc(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : first;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / size)
            return false;
        ncap *= 2;
    }
    /* items points to the caller's T *: copied through memcpy, so no
     * pointer of another type is written through. */
    void *old;
    memcpy(&old, items, sizeof old);
    void *grown = realloc(old, ncap * size);
    if (!grown)
        return false;
    memcpy(items, &grown, sizeof grown);
    *cap = ncap;
    return true;
}
