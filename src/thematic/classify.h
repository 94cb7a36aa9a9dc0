/* Private: classification of a numeric field into classes (the "classify"
 * stage of thematic maps, issue 11).
 *
 * Design note: the methods reproduce R's classInt (the engine behind tmap)
 * so that a choropleth drawn by steppe puts every feature in the class tmap
 * would: same breaks (to rounding) and the same membership rule. Breaks are
 * recomputed from the values on every render; nothing is cached.
 *
 *   quantile  classInt style "quantile": R's quantile() type 7 (the default),
 *             that is x[lo] + h (x[lo+1] - x[lo]) at index 1 + (n-1) p of the
 *             sorted values, p = 0, 1/k, ..., 1 (Hyndman & Fan 1996,
 *             definition 7). Ties can make two breaks equal; the class
 *             between them is then empty, as in classInt.
 *   equal     classInt "equal": k + 1 evenly spaced edges from min to max,
 *             computed as R's seq(min, max, length.out = k + 1).
 *   natural   classInt "fisher": the exact optimal partition of Fisher (1958)
 *             minimising the within-class sum of squared deviations; breaks
 *             at the midpoints between the largest value of a class and the
 *             smallest of the next. classInt samples above 3000 values; steppe
 *             never samples (see st_fisher_partition()).
 *   stddev    classInt "sd": pretty() of the values scaled by their mean and
 *             standard deviation (n - 1 denominator), scaled back; k is only
 *             a hint for pretty(), so the class count can differ from k.
 *   pretty    classInt "pretty": R's pretty(range, n = k), round numbers 1, 2
 *             or 5 times a power of ten covering the range; the class count
 *             can differ from k.
 *   manual    the breaks given, used as they are (k = nbreaks - 1).
 *
 * Membership (st_class_of()) is classInt's findCols() with its default
 * intervalClosure = "left": classes are [b0, b1), [b1, b2), ..., and the
 * last class is closed, [b(k-1), bk]. Values below b0 go to the first class
 * and values above bk to the last (findInterval(all.inside = TRUE)); only
 * manual breaks can leave values outside, and st_breaks.outside counts them.
 *
 * No-data: NaN and infinite values are no-data. They are left out of the
 * computation, counted in st_breaks.nodata, and st_class_of() returns -1 for
 * them, never class 0.
 *
 * When k equals the number of distinct values every distinct value gets a
 * class of its own, with breaks at the midpoints (classInt's "unique"
 * style). Where classInt silently lowers k when it exceeds the number of
 * distinct values, steppe reports an error: the style asked for more classes
 * than the data has.
 *
 * Errors are recorded with st_error(). A message is one line written to
 * follow "FILE:LINE:COL: "; opts->where, when set, is put in front of it
 * with ": " so that the report names the style location.
 */
#ifndef ST_CLASSIFY_H
#define ST_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <steppe/ctx.h>
#include <steppe/status.h>

#include "thematic_spec.h" /* st_class_method: the model names the method */

/* The most classes a classification may ask for. */
#define ST_CLASS_MAX 100

typedef struct st_classify_opts {
    st_class_method method;
    int classes;          /* k; ignored for manual */
    const double *breaks; /* manual: nbreaks strictly increasing finite edges */
    size_t nbreaks;
    const char *where; /* NULL, or "FILE:LINE:COL" to put in front of messages */
} st_classify_opts;

typedef struct st_breaks {
    double *edges;      /* nclasses + 1 non-decreasing edges; owned, st_breaks_free() */
    int nclasses;       /* may differ from opts->classes for stddev and pretty */
    size_t nvalid;      /* finite values classified */
    size_t nodata;      /* NaN and infinite values */
    size_t ndistinct;   /* distinct finite values */
    size_t outside;     /* manual: finite values outside [edges[0], edges[nclasses]] */
    const char *method; /* classInt's name of the style used: "quantile", "equal",
                           "fisher", "sd", "pretty", "fixed" or "unique"; static */
} st_breaks;

/* The method called name ("quantile", "equal", "natural" or its alias
 * "fisher", "stddev", "pretty", "manual"). False when there is none. */
bool st_class_method_from_name(const char *name, st_class_method *out);

/* Name of a method as a style writes it. */
const char *st_class_method_name(st_class_method m);

/* Classifies the n values (NaN or infinite for no-data) as opts says.
 *   out: filled on success (free with st_breaks_free()); zeroed on failure.
 * Returns STEPPE_OK; STEPPE_ERR_STYLE_VALUE when the request does not fit the
 * data (classes < 2 or > ST_CLASS_MAX, more classes than distinct values, no
 * finite value, bad manual breaks); STEPPE_ERR_NOMEM. */
steppe_status_t st_classify(steppe_ctx_t *ctx, const double *values, size_t n, const st_classify_opts *opts,
                            st_breaks *out);

/* Releases b's edges and zeroes it. Accepts a zeroed or NULL b. */
void st_breaks_free(st_breaks *b);

/* Class of v, 0-based (findCols() minus one), or -1 when v is no-data. */
int st_class_of(const st_breaks *b, double v);

/* R's pretty(c(lo, hi), n) with its default arguments: writes up to cap
 * edges to out and returns how many there are (0 if cap is too small). */
size_t st_pretty(double lo, double hi, int n, double *out, size_t cap);

/* The optimal partition of the m distinct sorted values u (u[0] < u[1] <
 * ...) with weights w (counts) into k classes, 2 <= k <= m: writes the index
 * of the first value of each class to starts[0..k-1] (starts[0] = 0).
 * quadratic = true runs the plain O(k m^2) Fisher dynamic programme and is
 * there for the tests to compare with; false runs the divide-and-conquer
 * version, O(k m log m), which gives the same partition. Returns false when
 * out of memory. */
bool st_fisher_partition(const double *u, const double *w, size_t m, int k, bool quadratic, size_t *starts);

#endif
