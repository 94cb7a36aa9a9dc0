/* Classification of a numeric field: breaks as R's classInt computes them
 * (see classify.h for the methods and the membership rule). */
#include "classify.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

/* Each method's name as a style writes it, by its value; fisher is the
 * style's alias of natural. */
static const char *const method_names[] = {
    [ST_CLASS_QUANTILE] = "quantile", [ST_CLASS_EQUAL] = "equal",   [ST_CLASS_NATURAL] = "natural",
    [ST_CLASS_STDDEV] = "stddev",     [ST_CLASS_PRETTY] = "pretty", [ST_CLASS_MANUAL] = "manual",
    [ST_CLASS_FISHER] = "fisher",
};

bool st_class_method_from_name(const char *name, st_class_method *out)
{
    for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++) {
        if (strcmp(name, method_names[i]) == 0) {
            *out = i == ST_CLASS_FISHER ? ST_CLASS_NATURAL : (st_class_method)i;
            return true;
        }
    }
    return false;
}

/* fisher never leaves the binding (it is folded into natural there). */
const char *st_class_method_name(st_class_method m)
{
    return (unsigned)m < ST_CLASS_FISHER ? method_names[m] : "unknown";
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* R's mean(): a long double sum divided by n, then corrected by the mean of
 * the residuals; matching it keeps "sd" and "unique" breaks to the last bit. */
static double r_mean(const double *x, size_t n)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    s /= (long double)n;
    if (isfinite((double)s)) {
        long double t = 0;
        for (size_t i = 0; i < n; i++)
            t += x[i] - s;
        s += t / (long double)n;
    }
    return (double)s;
}

/* R's seq.int(from, to, length.out = n + 1) and seq(..., length.out =):
 * from + i * by with by = (to - from) / n, and the last edge exactly to. */
static void r_seq(double from, double to, int n, double *out)
{
    double by = (to - from) / n;
    out[0] = from;
    for (int i = 1; i < n; i++)
        out[i] = from + i * by;
    out[n] = to;
}

/* R's pretty() with its defaults (min.n = n %/% 3, shrink.sml = 0.75,
 * high.u.bias = 1.5, u5.bias = 0.5 + 1.5 * high.u.bias, f.min = 2^-20,
 * bounds = TRUE), written from the algorithm as R's ?pretty describes it:
 * a cell size of range / n (or, for an almost empty range, a size derived
 * from the magnitude), rounded to 1, 2, 5 or 10 times a power of ten with
 * the biases deciding between neighbours, then the range widened to whole
 * units and, when fewer than min.n intervals result, padded on both sides. */
static void pretty_range(double lo, double hi, int ndiv, double *l, double *u, int *nint)
{
    const double h = 1.5;
    const double h5 = 0.5 + 1.5 * h;
    const double eps = 1e-10; /* R's rounding_eps since 4.2.0 */
    int min_n = ndiv / 3;
    double dx = hi - lo;
    double cell;
    bool nearly_empty;

    if (dx == 0 && hi == 0) {
        cell = 1;
        nearly_empty = true;
    } else {
        cell = fmax(fabs(lo), fabs(hi));
        double bias = (h5 >= 1.5 * h + 0.5) ? 1 / (1 + h) : 1.5 / (1 + h5);
        double rel = (1 + bias) * (ndiv > 1 ? ndiv : 1) * DBL_EPSILON;
        nearly_empty = dx < cell * rel * 3;
    }
    if (nearly_empty) {
        if (cell > 10)
            cell = 9 + cell / 10;
        cell *= 0.75;
        if (min_n > 1)
            cell /= min_n;
    } else {
        cell = dx;
        if (ndiv > 1)
            cell /= ndiv;
    }
    double tiny = ldexp(1, -20) * DBL_MIN;
    if (tiny == 0)
        tiny = DBL_MIN;
    if (cell < tiny)
        cell = tiny;
    else if (cell > DBL_MAX / 1.25)
        cell = 0.1 * DBL_MAX;

    double base = pow(10.0, floor(log10(cell)));
    double unit = base;
    if (2 * base - cell < h * (cell - unit)) {
        unit = 2 * base;
        if (5 * base - cell < h5 * (cell - unit)) {
            unit = 5 * base;
            if (10 * base - cell < h * (cell - unit))
                unit = 10 * base;
        }
    }
    double ns = floor(lo / unit + eps);
    double nu = ceil(hi / unit - eps);
    while (ns * unit > lo + eps * unit)
        ns--;
    while (nu * unit < hi - eps * unit)
        nu++;
    int k = (int)(0.5 + nu - ns);
    if (k < min_n) {
        int pad = min_n - k;
        if (ns >= 0) {
            nu += pad / 2;
            ns -= pad / 2 + pad % 2;
        } else {
            ns -= pad / 2;
            nu += pad / 2 + pad % 2;
        }
        k = min_n;
    }
    /* bounds = TRUE: the range only ever grows to whole units. */
    *l = ns * unit < lo ? ns * unit : lo;
    *u = nu * unit > hi ? nu * unit : hi;
    *nint = k;
}

size_t st_pretty(double lo, double hi, int n, double *out, size_t cap)
{
    double l;
    double u;
    int k;
    pretty_range(lo, hi, n, &l, &u, &k);
    if ((size_t)k + 1 > cap)
        return 0;
    if (k == 0) {
        out[0] = l;
        return 1;
    }
    r_seq(l, u, k, out);
    /* pretty() sets edges within rounding of zero to zero. */
    double delta = (u - l) / k;
    for (int i = 0; i <= k; i++) {
        if (fabs(out[i]) < 1e-14 * delta)
            out[i] = 0;
    }
    return (size_t)k + 1;
}

/* ---- Fisher's optimal partition ------------------------------------------------
 *
 * Cost of a class = weighted sum of squared deviations from its mean, from
 * prefix sums of w, w x and w x^2 (x shifted by the middle value to keep the
 * subtraction S2 - S1^2 / W well conditioned, as Ckmeans.1d.dp does).
 * D[j][i] = min over s of D[j-1][s-1] + cost(s, i) is Fisher's (1958)
 * dynamic programme. That cost satisfies the quadrangle inequality, so the
 * smallest minimising s is non-decreasing in i and each row can be filled by
 * divide and conquer in O(m log m) instead of O(m^2) (Wang & Song 2011,
 * Ckmeans.1d.dp; Grønlund et al. 2017, "Fast exact k-means, k-medians and
 * Bregman divergence clustering in 1D"). The partition is still the exact
 * optimum. On equal costs the smallest s wins, the last class being as long
 * as possible, which is also how classInt's fish() breaks ties. */

typedef struct fisher {
    const double *pw, *px, *pxx; /* prefix sums, m + 1 entries each */
    const double *prev;          /* D[j-1] */
    double *cur;                 /* D[j] */
    uint32_t *arg;               /* row j of the split table */
} fisher;

static double class_cost(const fisher *f, size_t a, size_t b)
{
    double w = f->pw[b + 1] - f->pw[a];
    double s = f->px[b + 1] - f->px[a];
    double ss = f->pxx[b + 1] - f->pxx[a];
    double c = ss - s * s / w;
    return c > 0 ? c : 0;
}

static void fisher_best(const fisher *f, size_t i, size_t slo, size_t shi, double *best, size_t *at)
{
    double b = INFINITY;
    size_t bs = slo;
    for (size_t s = slo; s <= shi; s++) {
        double c = f->prev[s - 1] + class_cost(f, s, i);
        if (c < b) {
            b = c;
            bs = s;
        }
    }
    *best = b;
    *at = bs;
}

static void fisher_fill(const fisher *f, size_t ilo, size_t ihi, size_t slo, size_t shi)
{
    while (ilo <= ihi) {
        size_t mid = ilo + (ihi - ilo) / 2;
        double best;
        size_t at;
        fisher_best(f, mid, slo, mid < shi ? mid : shi, &best, &at);
        f->cur[mid] = best;
        f->arg[mid] = (uint32_t)at;
        if (mid > ilo)
            fisher_fill(f, ilo, mid - 1, slo, at);
        /* The right half continues in the loop, keeping the recursion
         * depth at log2(m). */
        ilo = mid + 1;
        slo = at;
    }
}

bool st_fisher_partition(const double *u, const double *w, size_t m, int k, bool quadratic, size_t *starts)
{
    bool ok = false;
    double *sums = malloc(sizeof *sums * 3 * (m + 1));
    double *rows = malloc(sizeof *rows * 2 * m);
    uint32_t *arg = malloc(sizeof *arg * (size_t)k * m);
    if (!sums || !rows || !arg || m > UINT32_MAX)
        goto out;

    double *pw = sums;
    double *px = sums + (m + 1);
    double *pxx = sums + 2 * (m + 1);
    double shift = u[m / 2];
    pw[0] = px[0] = pxx[0] = 0;
    for (size_t i = 0; i < m; i++) {
        double x = u[i] - shift;
        pw[i + 1] = pw[i] + w[i];
        px[i + 1] = px[i] + w[i] * x;
        pxx[i + 1] = pxx[i] + w[i] * x * x;
    }
    fisher f = {.pw = pw, .px = px, .pxx = pxx};
    double *prev = rows;
    double *cur = rows + m;
    for (size_t i = 0; i < m; i++) {
        prev[i] = class_cost(&f, 0, i);
        arg[i] = 0;
    }
    for (int j = 1; j < k; j++) {
        f.prev = prev;
        f.cur = cur;
        f.arg = arg + (size_t)j * m;
        /* Class j (0-based) can end at i >= j; only the last row's final
         * entry is needed. */
        size_t ilo = j == k - 1 ? m - 1 : (size_t)j;
        if (quadratic) {
            for (size_t i = ilo; i < m; i++) {
                size_t at;
                fisher_best(&f, i, (size_t)j, i, &cur[i], &at);
                f.arg[i] = (uint32_t)at;
            }
        } else {
            fisher_fill(&f, ilo, m - 1, (size_t)j, m - 1);
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    size_t end = m - 1;
    for (int j = k - 1; j >= 1; j--) {
        starts[j] = arg[(size_t)j * m + end];
        end = starts[j] - 1;
    }
    starts[0] = 0;
    ok = true;
out:
    free(arg);
    free(rows);
    free(sums);
    return ok;
}

/* ---- the methods ---------------------------------------------------------------- */

static const char *sep(const char *where)
{
    return where ? ": " : "";
}

/* R's quantile(x, probs = seq(0, 1, 1/k), type = 7) of the sorted x. */
static void quantile_breaks(const double *x, size_t n, int k, double *edges)
{
    double by = 1.0 / k;
    for (int i = 0; i <= k; i++) {
        double p = i * by;
        if (p > 1)
            p = 1;
        double index = 1 + (double)(n - 1) * p;
        double lo = floor(index);
        double hi = ceil(index);
        double q = x[(size_t)lo - 1];
        double xhi = x[(size_t)hi - 1];
        if (index > lo && xhi != q) {
            double h = index - lo;
            q = (1 - h) * q + h * xhi;
        }
        edges[i] = q;
    }
}

/* classInt's "sd": pretty() of scale(x), scaled back. scale() centres on
 * colMeans() (a long double sum over n, no correction pass) and divides by
 * sqrt(sum(centred^2) / (n - 1)). */
static size_t sd_breaks(const double *x, size_t n, int k, double *edges, size_t cap)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double centre = (double)(s / (long double)n);
    long double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - centre;
        ss += (long double)d * d;
    }
    double scale = sqrt((double)(ss / (long double)(n > 1 ? n - 1 : 1)));
    double lo = (x[0] - centre) / scale;
    double hi = (x[n - 1] - centre) / scale;
    size_t ne = st_pretty(lo, hi, k, edges, cap);
    for (size_t i = 0; i < ne; i++)
        edges[i] = edges[i] * scale + centre;
    return ne;
}

steppe_status_t st_classify(steppe_ctx_t *ctx, const double *values, size_t n, const st_classify_opts *opts,
                            st_breaks *out)
{
    steppe_status_t st = STEPPE_OK;
    const char *where = opts->where ? opts->where : "";
    double *x = NULL;
    double *u = NULL;
    double *w = NULL;
    size_t *starts = NULL;
    st_breaks b = {0};
    int k = opts->classes;

    memset(out, 0, sizeof *out);
    if (opts->method != ST_CLASS_MANUAL && (k < 2 || k > ST_CLASS_MAX)) {
        st = st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                      "%s%sclasses: %d is out of range: a classification has 2 to %d classes", where,
                      sep(opts->where), k, ST_CLASS_MAX);
        goto out;
    }
    if (opts->method == ST_CLASS_MANUAL) {
        if (opts->nbreaks < 2 || opts->nbreaks > ST_CLASS_MAX + 1) {
            st = st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                          "%s%sbreaks: %zu values given; manual classes need 2 to %d breaks (classes + 1)",
                          where, sep(opts->where), opts->nbreaks, ST_CLASS_MAX + 1);
            goto out;
        }
        for (size_t i = 0; i < opts->nbreaks; i++) {
            if (!isfinite(opts->breaks[i]) || (i > 0 && !(opts->breaks[i] > opts->breaks[i - 1]))) {
                st = st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                              "%s%sbreaks: must be finite and strictly increasing (break %zu is %g)", where,
                              sep(opts->where), i + 1, opts->breaks[i]);
                goto out;
            }
        }
    }

    x = malloc(sizeof *x * (n ? n : 1));
    if (!x) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s%sout of memory classifying %zu values", where,
                      sep(opts->where), n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (isfinite(values[i]))
            x[b.nvalid++] = values[i];
        else
            b.nodata++;
    }
    if (b.nvalid == 0 && opts->method != ST_CLASS_MANUAL) {
        st = st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                      "%s%sthe field has no numeric values to classify (%zu no-data)", where,
                      sep(opts->where), b.nodata);
        goto out;
    }
    qsort(x, b.nvalid, sizeof *x, cmp_double);

    /* Distinct values and their counts (Fisher works on these). */
    u = malloc(sizeof *u * (b.nvalid ? b.nvalid : 1));
    w = malloc(sizeof *w * (b.nvalid ? b.nvalid : 1));
    if (!u || !w) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s%sout of memory classifying %zu values", where,
                      sep(opts->where), n);
        goto out;
    }
    for (size_t i = 0; i < b.nvalid; i++) {
        if (b.ndistinct > 0 && x[i] == u[b.ndistinct - 1]) {
            w[b.ndistinct - 1] += 1;
        } else {
            u[b.ndistinct] = x[i];
            w[b.ndistinct] = 1;
            b.ndistinct++;
        }
    }

    if (opts->method == ST_CLASS_MANUAL) {
        k = (int)opts->nbreaks - 1;
    } else if (b.ndistinct == 1) {
        st = st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                      "%s%sthe field has a single distinct value (%.15g); there is nothing to classify",
                      where, sep(opts->where), u[0]);
        goto out;
    } else if ((size_t)k > b.ndistinct) {
        st = st_error(
            ctx, STEPPE_ERR_STYLE_VALUE,
            "%s%sclasses: %d is more than the %zu distinct values of the field; use classes: %zu or fewer",
            where, sep(opts->where), k, b.ndistinct, b.ndistinct);
        goto out;
    }

    /* pretty() can return a few more edges than k + 1. */
    size_t cap = (size_t)k + 16;
    b.edges = malloc(sizeof *b.edges * cap);
    if (!b.edges) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s%sout of memory classifying %zu values", where,
                      sep(opts->where), n);
        goto out;
    }
    size_t ne = (size_t)k + 1;
    if (opts->method == ST_CLASS_MANUAL) {
        memcpy(b.edges, opts->breaks, sizeof *b.edges * opts->nbreaks);
        b.method = "fixed";
        for (size_t i = 0; i < b.nvalid; i++) {
            if (x[i] < b.edges[0] || x[i] > b.edges[k])
                b.outside++;
        }
    } else if ((size_t)k == b.ndistinct) {
        /* classInt's "unique": each value its own class, edges half-way
         * between neighbours and half the mean gap beyond the ends. */
        size_t m = b.ndistinct;
        double *gaps = w; /* the counts are not needed any more */
        for (size_t i = 0; i + 1 < m; i++)
            gaps[i] = u[i + 1] - u[i];
        double half = r_mean(gaps, m - 1) / 2;
        b.edges[0] = u[0] - half;
        for (size_t i = 0; i + 1 < m; i++)
            b.edges[i + 1] = u[i] + gaps[i] / 2;
        b.edges[m] = u[m - 1] + half;
        b.method = "unique";
    } else {
        switch (opts->method) {
        case ST_CLASS_QUANTILE:
            quantile_breaks(x, b.nvalid, k, b.edges);
            b.method = "quantile";
            break;
        case ST_CLASS_EQUAL:
            r_seq(x[0], x[b.nvalid - 1], k, b.edges);
            b.method = "equal";
            break;
        case ST_CLASS_PRETTY:
            ne = st_pretty(x[0], x[b.nvalid - 1], k, b.edges, cap);
            b.method = "pretty";
            break;
        case ST_CLASS_STDDEV:
            ne = sd_breaks(x, b.nvalid, k, b.edges, cap);
            b.method = "sd";
            break;
        case ST_CLASS_FISHER: /* bind folds it into natural; the same here */
        case ST_CLASS_NATURAL:
            starts = malloc(sizeof *starts * (size_t)k);
            if (!starts || !st_fisher_partition(u, w, b.ndistinct, k, false, starts)) {
                st = st_error(ctx, STEPPE_ERR_NOMEM, "%s%sout of memory classifying %zu values", where,
                              sep(opts->where), n);
                goto out;
            }
            b.edges[0] = u[0];
            for (int j = 1; j < k; j++)
                b.edges[j] = (u[starts[j] - 1] + u[starts[j]]) / 2;
            b.edges[k] = u[b.ndistinct - 1];
            b.method = "fisher";
            break;
        case ST_CLASS_MANUAL: break;
        }
        if (ne < 2) {
            st = st_error(ctx, STEPPE_ERR_INTERNAL, "%s%sclassification produced %zu breaks", where,
                          sep(opts->where), ne);
            goto out;
        }
    }
    b.nclasses = (int)ne - 1;
    *out = b;
    b.edges = NULL;

out:
    free(b.edges);
    free(starts);
    free(w);
    free(u);
    free(x);
    return st;
}

void st_breaks_free(st_breaks *b)
{
    if (!b)
        return;
    free(b->edges);
    memset(b, 0, sizeof *b);
}

int st_class_of(const st_breaks *b, double v)
{
    if (!isfinite(v) || b->nclasses < 1)
        return -1;
    /* findInterval(): the number of edges <= v, clamped to 1..k. */
    size_t lo = 0;
    size_t hi = (size_t)b->nclasses + 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->edges[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    int c = (int)lo;
    if (c < 1)
        c = 1;
    if (c > b->nclasses)
        c = b->nclasses;
    return c - 1;
}
