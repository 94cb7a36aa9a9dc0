/* Name look-up shared by the stages: exact then case-insensitive match,
 * and the edit distance for "did you mean" (see names.h). */
#include "names.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int st_name_index(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0)
            return (int)i;
    }
    int found = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(names[i], name) != 0)
            continue;
        if (found >= 0)
            return -1;
        found = (int)i;
    }
    return found;
}

/* Wagner–Fischer with one row: names are short, so 64 entries suffice. */
size_t st_edit_distance(const char *a, const char *b, bool fold_case)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t row[64];
    if (la >= 64 || lb >= 64)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            unsigned char ca = (unsigned char)a[i - 1];
            unsigned char cb = (unsigned char)b[j - 1];
            size_t cost = fold_case ? tolower(ca) != tolower(cb) : ca != cb;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}
