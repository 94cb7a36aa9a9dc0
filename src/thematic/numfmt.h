/* Private: numbers and class ranges written for a map's language (legend
 * labels of thematic maps, issue 11).
 *
 * Design note: the separators follow CLDR's number symbols for each
 * language (common/main/{en,ru,kk}.xml, numbers/symbols[@numberSystem=
 * "latn"]) and its "#,##0.###" pattern: groups of three digits from four
 * digits on (minimumGroupingDigits 1).
 *   en  group ","       decimal "."   1,234,567.5
 *   ru  group U+00A0    decimal ","   1 234 567,5   (no-break space)
 *   kk  group U+00A0    decimal ","   1 234 567,5
 * The minus sign is CLDR's hyphen-minus. A range is "low – high" with an
 * en dash (U+2013) between spaces, and the unit, when given, follows the
 * high value after a no-break space ("1,000 – 2,500 km²"). Decimals are
 * the fewest (0 to ST_NUMFMT_MAX_DECIMALS) that keep adjacent class bounds
 * apart (st_numfmt_decimals()), so a legend never reads "1.2 – 1.2".
 * Output is UTF-8.
 */
#ifndef ST_NUMFMT_H
#define ST_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* The map model's language (ST_LANG_EN, ST_LANG_RU, ST_LANG_KK): one enum,
 * so that a module can include both this header and model.h. */
typedef st_language st_lang;

#define ST_NUMFMT_MAX_DECIMALS 10

typedef struct st_numfmt_opts {
    st_lang lang;
    int decimals;     /* digits after the decimal separator; -1: as many as needed, up to
                         ST_NUMFMT_MAX_DECIMALS, trailing zeros dropped */
    bool no_grouping; /* true: no thousands separators */
    const char *unit; /* NULL, or a suffix such as "km²" */
} st_numfmt_opts;

/* The language called name ("en", "ru", "kk"); false for any other. */
bool st_lang_from_name(const char *name, st_lang *out);

/* Writes v formatted per opts (without the unit) to out, NUL-terminated.
 * Returns the length it needs, as snprintf() does; non-finite values are
 * written "–" (no data). */
size_t st_numfmt(double v, const st_numfmt_opts *opts, char *out, size_t cap);

/* The fewest decimals (0..ST_NUMFMT_MAX_DECIMALS) at which the n edges,
 * rounded, are all told apart from their neighbours (equal edges, as
 * quantile breaks on tied data make, are left equal). */
int st_numfmt_decimals(const double *edges, size_t n);

/* Writes "low – high" (and the unit) per opts to out. Returns the length it
 * needs, as snprintf() does. */
size_t st_numfmt_range(double lo, double hi, const st_numfmt_opts *opts, char *out, size_t cap);

#endif
