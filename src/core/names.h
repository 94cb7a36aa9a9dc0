/* Private: finding a name among names, for every stage that looks up a
 * field, a column, a ramp or a style key by what the user wrote: an exact
 * match first, then a unique case-insensitive one; and the edit distance
 * behind "did you mean". */
#ifndef ST_NAMES_H
#define ST_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The index of name among names[0..n): the exact match, else the only
 * case-insensitive one (dBASE field names are often upper case while
 * styles are written in lower case); -1 when there is none or two match
 * without case. */
int st_name_index(const char *const *names, size_t n, const char *name);

/* Levenshtein distance of a and b, ignoring ASCII case when fold_case.
 * Names of 64 bytes or more count as far away ((size_t)-1). */
size_t st_edit_distance(const char *a, const char *b, bool fold_case);

#endif
