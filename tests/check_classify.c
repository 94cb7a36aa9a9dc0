/* Classification against R's classInt: breaks and the class of every value
 * from tests/fixtures/classint/refs.tsv (made by make-refs.R there), R's
 * pretty() over many ranges, Fisher's divide and conquer against the plain
 * dynamic programme, no-data, manual breaks and the errors. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "testutil.h"

#define FIX "tests/fixtures/classint/"

/* Reads a values file (one number a line, NA for no-data). Caller frees. */
static double *read_values(const char *name, size_t *n)
{
    char rel[256];
    snprintf(rel, sizeof rel, FIX "values/%s.txt", name);
    char *text = tu_read(tu_src(rel), NULL);
    ck_assert_msg(text != NULL, "cannot read %s", rel);
    size_t cap = 16;
    double *v = malloc(sizeof *v * cap);
    *n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (*n == cap) {
            cap *= 2;
            v = realloc(v, sizeof *v * cap);
        }
        v[(*n)++] = strcmp(line, "NA") == 0 ? NAN : strtod(line, NULL);
    }
    free(text);
    return v;
}

/* Splits s at spaces into numbers (NA as NaN); returns the count. */
static size_t split_numbers(char *s, double *out, size_t cap)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, " ", &save); t && n < cap; t = strtok_r(NULL, " ", &save))
        out[n++] = strcmp(t, "NA") == 0 ? NAN : strtod(t, NULL);
    return n;
}

static void same_breaks(const char *what, const st_breaks *b, const double *expect, size_t ne)
{
    ck_assert_msg((size_t)b->nclasses + 1 == ne, "%s: %d classes, classInt has %zu", what, b->nclasses,
                  ne - 1);
    double scale = 0;
    for (size_t i = 0; i < ne; i++)
        scale = fmax(scale, fabs(expect[i]));
    for (size_t i = 0; i < ne; i++) {
        ck_assert_msg(fabs(b->edges[i] - expect[i]) <= 1e-9 * scale, "%s: break %zu is %.17g, classInt %.17g",
                      what, i, b->edges[i], expect[i]);
    }
}

START_TEST(test_classint_refs)
{
    char *text = tu_read(tu_src(FIX "refs.tsv"), NULL);
    ck_assert(text != NULL);
    int rows = 0;
    int errors = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *f[6] = {0};
        int nf = 0;
        for (char *p = line; nf < 6; nf++) {
            f[nf] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                nf++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        ck_assert_int_ge(nf, 5);
        size_t n;
        double *v = read_values(f[0], &n);
        st_classify_opts o = {.classes = atoi(f[2])};
        const char *style = f[1];
        ck_assert(st_class_method_from_name(strcmp(style, "sd") == 0 ? "stddev" : style, &o.method));
        char what[128];
        snprintf(what, sizeof what, "%s %s k=%s", f[0], style, f[2]);

        steppe_ctx_t *ctx = tu_ctx();
        st_breaks b;
        steppe_status_t st = st_classify(ctx, v, n, &o, &b);
        if (strcmp(f[3], "error") == 0) {
            /* classInt: "single unique value". */
            ck_assert_msg(st == STEPPE_ERR_STYLE_VALUE, "%s: expected an error", what);
            ck_assert_msg(strstr(steppe_ctx_last_error(ctx), "single distinct value") != NULL, "%s: %s", what,
                          steppe_ctx_last_error(ctx));
            errors++;
        } else if (strcmp(f[3], "unique") == 0 && st != STEPPE_OK) {
            /* classInt lowers k to the distinct count; steppe refuses. */
            ck_assert_int_eq(st, STEPPE_ERR_STYLE_VALUE);
            ck_assert_msg(strstr(steppe_ctx_last_error(ctx), "more than the") != NULL, "%s: %s", what,
                          steppe_ctx_last_error(ctx));
            errors++;
        } else {
            ck_assert_msg(st == STEPPE_OK, "%s: %s", what, steppe_ctx_last_error(ctx));
            ck_assert_str_eq(b.method, f[3]);
            double expect[64];
            size_t ne = split_numbers(f[4], expect, 64);
            same_breaks(what, &b, expect, ne);
            double *cols = malloc(sizeof *cols * (n + 1));
            ck_assert_uint_eq(split_numbers(f[5], cols, n + 1), n);
            size_t nodata = 0;
            for (size_t i = 0; i < n; i++) {
                int c = st_class_of(&b, v[i]);
                if (isnan(cols[i])) {
                    ck_assert_msg(c == -1, "%s: value %zu is no-data, got class %d", what, i + 1, c);
                    nodata++;
                } else {
                    ck_assert_msg(c + 1 == (int)cols[i], "%s: value %zu (%.17g) in class %d, classInt %d",
                                  what, i + 1, v[i], c + 1, (int)cols[i]);
                }
            }
            ck_assert_uint_eq(b.nodata, nodata);
            ck_assert_uint_eq(b.nvalid + b.nodata, n);
            free(cols);
            st_breaks_free(&b);
        }
        steppe_ctx_destroy(ctx);
        free(v);
        rows++;
    }
    /* 8 datasets x 5 styles x k = 2..9. */
    ck_assert_int_eq(rows, 320);
    ck_assert_int_ge(errors, 40);
    free(text);
}
END_TEST

START_TEST(test_pretty_refs)
{
    char *text = tu_read(tu_src(FIX "pretty.tsv"), NULL);
    ck_assert(text != NULL);
    int rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *f[4];
        f[0] = line;
        for (int i = 1; i < 4; i++) {
            f[i] = strchr(f[i - 1], '\t');
            ck_assert(f[i] != NULL);
            *f[i]++ = '\0';
        }
        double lo = strtod(f[0], NULL);
        double hi = strtod(f[1], NULL);
        int n = atoi(f[2]);
        double expect[64];
        size_t ne = split_numbers(f[3], expect, 64);
        double got[64];
        size_t ng = st_pretty(lo, hi, n, got, 64);
        ck_assert_msg(ng == ne, "pretty(c(%.17g, %.17g), %d): %zu values, R %zu", lo, hi, n, ng, ne);
        double scale = 0;
        for (size_t i = 0; i < ne; i++)
            scale = fmax(scale, fabs(expect[i]));
        for (size_t i = 0; i < ne; i++) {
            ck_assert_msg(fabs(got[i] - expect[i]) <= 1e-12 * scale,
                          "pretty(c(%.17g, %.17g), %d)[%zu] = %.17g, R %.17g", lo, hi, n, i + 1, got[i],
                          expect[i]);
        }
        rows++;
    }
    ck_assert_int_eq(rows, 400);
    free(text);
}
END_TEST

/* The divide-and-conquer Fisher partition equals the plain O(k m^2)
 * programme on data with ties, clusters and outliers. */
START_TEST(test_fisher_dc_equals_plain)
{
    unsigned seed = 12345;
    for (int trial = 0; trial < 60; trial++) {
        size_t m = 20 + (size_t)(trial * 7) % 180;
        double *u = malloc(sizeof *u * m);
        double *w = malloc(sizeof *w * m);
        double x = 0;
        for (size_t i = 0; i < m; i++) {
            seed = seed * 1103515245u + 12345u;
            double r = (double)((seed >> 8) & 0xffff) / 65536.0;
            x += trial % 3 == 0 ? r * r * r * 50 + 0.01 : r + 0.001;
            u[i] = x;
            w[i] = 1 + (double)((seed >> 4) % (trial % 4 == 0 ? 7 : 1));
        }
        for (int k = 2; k <= 9; k++) {
            size_t a[9];
            size_t p[9];
            ck_assert(st_fisher_partition(u, w, m, k, false, a));
            ck_assert(st_fisher_partition(u, w, m, k, true, p));
            for (int j = 0; j < k; j++)
                ck_assert_msg(a[j] == p[j], "trial %d k %d: class %d starts at %zu, plain DP %zu", trial, k,
                              j, a[j], p[j]);
        }
        free(u);
        free(w);
    }
}
END_TEST

START_TEST(test_nodata_never_class_one)
{
    steppe_ctx_t *ctx = tu_ctx();
    double v[] = {NAN, 1, 2, 3, INFINITY, 4, 5, -INFINITY, 6, NAN};
    st_classify_opts o = {.method = ST_CLASS_EQUAL, .classes = 3};
    st_breaks b;
    ck_assert_int_eq(st_classify(ctx, v, 10, &o, &b), STEPPE_OK);
    ck_assert_uint_eq(b.nodata, 4);
    ck_assert_uint_eq(b.nvalid, 6);
    ck_assert_double_eq(b.edges[0], 1);
    ck_assert_double_eq(b.edges[3], 6);
    ck_assert_int_eq(st_class_of(&b, NAN), -1);
    ck_assert_int_eq(st_class_of(&b, INFINITY), -1);
    ck_assert_int_eq(st_class_of(&b, 1), 0);
    ck_assert_int_eq(st_class_of(&b, 6), 2);
    st_breaks_free(&b);
    st_breaks_free(&b);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_manual)
{
    steppe_ctx_t *ctx = tu_ctx();
    double v[] = {-5, 0, 10, 10.5, 99, 100, 250, NAN};
    double br[] = {0, 10, 100, 200};
    st_classify_opts o = {.method = ST_CLASS_MANUAL, .breaks = br, .nbreaks = 4};
    st_breaks b;
    ck_assert_int_eq(st_classify(ctx, v, 8, &o, &b), STEPPE_OK);
    ck_assert_int_eq(b.nclasses, 3);
    ck_assert_str_eq(b.method, "fixed");
    ck_assert_uint_eq(b.outside, 2);
    static const int expect[] = {0, 0, 1, 1, 1, 2, 2, -1};
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(st_class_of(&b, v[i]), expect[i]);
    st_breaks_free(&b);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Numeric tests are tables: method, classes, values, breaks, expected message. */
START_TEST(test_errors)
{
    static const double three[] = {1, 2, 3};
    static const double one[] = {7, 7, NAN, 7};
    static const double none[] = {NAN, NAN};
    static const double unsorted[] = {0, 5, 5};
    static const struct {
        st_class_method m;
        int k;
        const double *v;
        size_t n;
        const double *br;
        size_t nbr;
        const char *msg;
    } cases[] = {
        {ST_CLASS_QUANTILE, 0, three, 3, NULL, 0,
         "s.yaml:3:5: classes: 0 is out of range: a classification has 2 to 100 classes"},
        {ST_CLASS_EQUAL, 1, three, 3, NULL, 0, "s.yaml:3:5: classes: 1 is out of range"},
        {ST_CLASS_EQUAL, 101, three, 3, NULL, 0, "s.yaml:3:5: classes: 101 is out of range"},
        {ST_CLASS_NATURAL, 5, three, 3, NULL, 0,
         "s.yaml:3:5: classes: 5 is more than the 3 distinct values of the field; use classes: 3 or fewer"},
        {ST_CLASS_QUANTILE, 2, one, 4, NULL, 0,
         "s.yaml:3:5: the field has a single distinct value (7); there is nothing to classify"},
        {ST_CLASS_PRETTY, 4, none, 2, NULL, 0,
         "s.yaml:3:5: the field has no numeric values to classify (2 no-data)"},
        {ST_CLASS_MANUAL, 0, three, 3, unsorted, 3,
         "s.yaml:3:5: breaks: must be finite and strictly increasing (break 3 is 5)"},
        {ST_CLASS_MANUAL, 0, three, 3, unsorted, 1, "s.yaml:3:5: breaks: 1 values given"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        steppe_ctx_t *ctx = tu_ctx();
        st_classify_opts o = {.method = cases[i].m,
                              .classes = cases[i].k,
                              .breaks = cases[i].br,
                              .nbreaks = cases[i].nbr,
                              .where = "s.yaml:3:5"};
        st_breaks b = {.nclasses = 99};
        ck_assert_int_eq(st_classify(ctx, cases[i].v, cases[i].n, &o, &b), STEPPE_ERR_STYLE_VALUE);
        ck_assert_ptr_null(b.edges);
        ck_assert_int_eq(b.nclasses, 0);
        ck_assert_msg(strncmp(steppe_ctx_last_error(ctx), cases[i].msg, strlen(cases[i].msg)) == 0,
                      "case %zu: \"%s\"", i, steppe_ctx_last_error(ctx));
        steppe_ctx_destroy(ctx);
    }
}
END_TEST

START_TEST(test_method_names)
{
    st_class_method m;
    ck_assert(st_class_method_from_name("natural", &m));
    ck_assert_int_eq(m, ST_CLASS_NATURAL);
    ck_assert(st_class_method_from_name("fisher", &m));
    ck_assert_int_eq(m, ST_CLASS_NATURAL);
    ck_assert(!st_class_method_from_name("jenks", &m));
    ck_assert_str_eq(st_class_method_name(ST_CLASS_STDDEV), "stddev");
}
END_TEST

static Suite *classify_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("classify");
    tcase_add_test(tc, test_classint_refs);
    tcase_add_test(tc, test_pretty_refs);
    tcase_add_test(tc, test_fisher_dc_equals_plain);
    tcase_add_test(tc, test_nodata_never_class_one);
    tcase_add_test(tc, test_manual);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_method_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(classify_suite());
}
