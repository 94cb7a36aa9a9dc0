/* Generalisation: Douglas–Peucker in pixels. Every vertex it drops lies
 * within the tolerance of the segment that replaces it, on an ordinary line
 * and on a sawtooth whose teeth are all as far from their chord (the input
 * on which plain Douglas–Peucker splits next to an end every time and
 * steppe's switches to balanced splits); ends and rings are kept. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "generalize.h"
#include "testutil.h"

#define TOL 0.25

static double seg_dist(const double *p, const double *a, const double *b)
{
    double dx = b[0] - a[0], dy = b[1] - a[1];
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
}

/* Generalises one part of n points (a copy of xy), checks that the result is
 * a subsequence of xy with the same ends and that every dropped vertex is
 * within TOL of its replacement; returns the number of points kept. */
static size_t check_within(const double *xy, size_t n, st_geom_type type)
{
    double *work = malloc(2 * n * sizeof *work);
    ck_assert_ptr_nonnull(work);
    memcpy(work, xy, 2 * n * sizeof *work);
    uint32_t parts[1] = {0};
    st_feature f = {.nparts = 1, .npoints = (uint32_t)n, .parts = parts, .xy = work, .cls = -1};
    st_featureset fs = {.type = type, .feat = &f, .n = 1, .cap = 1};
    st_generalize_px(&fs, TOL);
    size_t m = f.npoints;
    ck_assert_uint_ge(m, 2);
    ck_assert(work[0] == xy[0] && work[1] == xy[1]);
    ck_assert(work[2 * (m - 1)] == xy[2 * (n - 1)] && work[2 * (m - 1) + 1] == xy[2 * (n - 1) + 1]);
    size_t k = 0; /* index into xy of the last kept vertex */
    for (size_t j = 1; j < m; j++) {
        size_t next = k + 1;
        while (next < n && !(xy[2 * next] == work[2 * j] && xy[2 * next + 1] == work[2 * j + 1]))
            next++;
        ck_assert_msg(next < n, "kept vertex %zu is not in the input after %zu", j, k);
        for (size_t i = k + 1; i < next; i++)
            ck_assert_msg(seg_dist(xy + 2 * i, xy + 2 * k, xy + 2 * next) <= TOL + 1e-9,
                          "vertex %zu dropped at %.3f px from its segment", i,
                          seg_dist(xy + 2 * i, xy + 2 * k, xy + 2 * next));
        k = next;
    }
    free(work);
    return m;
}

START_TEST(test_ordinary_line)
{
    /* A quarter circle of radius 200 px in 2,000 steps and a straight run. */
    size_t n = 3000;
    double *xy = malloc(2 * n * sizeof *xy);
    for (size_t i = 0; i < 2000; i++) {
        double a = M_PI / 2 * (double)i / 1999;
        xy[2 * i] = 200 * cos(a);
        xy[2 * i + 1] = 200 * sin(a);
    }
    for (size_t i = 2000; i < n; i++) {
        xy[2 * i] = -(double)(i - 1999) * 0.1;
        xy[2 * i + 1] = 200;
    }
    size_t m = check_within(xy, n, ST_GEOM_LINE);
    /* A 0.25 px sagitta on r = 200 px is a chord of 20 px: about 16 for the
     * arc, one for the straight run. */
    ck_assert_uint_lt(m, 40);
    free(xy);
}
END_TEST

START_TEST(test_sawtooth_ring)
{
    /* A closed ring of 200,001 points around a circle of 400 px, its
     * points alternately 4 px in and out: every tooth is visible. */
    size_t n = 200001;
    double *xy = malloc(2 * n * sizeof *xy);
    for (size_t i = 0; i + 1 < n; i++) {
        double a = -2 * M_PI * (double)i / (double)(n - 1);
        double r = i % 2 ? 404 : 396;
        xy[2 * i] = r * cos(a);
        xy[2 * i + 1] = r * sin(a);
    }
    xy[2 * (n - 1)] = xy[0];
    xy[2 * (n - 1) + 1] = xy[1];
    size_t m = check_within(xy, n, ST_GEOM_POLYGON);
    ck_assert_uint_ge(m, 4);
    free(xy);
}
END_TEST

START_TEST(test_sawtooth_shallow)
{
    /* Teeth of 0.1 px on a straight line vanish: two points remain. */
    size_t n = 100001;
    double *xy = malloc(2 * n * sizeof *xy);
    for (size_t i = 0; i < n; i++) {
        xy[2 * i] = (double)i * 0.01;
        xy[2 * i + 1] = i % 2 && i + 1 < n ? 0.1 : 0;
    }
    size_t m = check_within(xy, n, ST_GEOM_LINE);
    /* Chunk boundaries (every 2,048 points) are kept. */
    ck_assert_uint_le(m, n / 2048 + 2);
    free(xy);
}
END_TEST

/* The four-lane scan finds the vertex the plain loop finds, ties included:
 * points on a coarse grid around short chords, so that many are equally
 * far, at every length from none to 40 and every start modulo 4. */
START_TEST(test_farthest_lanes)
{
    enum { N = 48 };
    double xy[2 * N];
    unsigned seed = 12345;
    size_t ties = 0;
    for (int round = 0; round < 4000; round++) {
        for (int k = 0; k < N; k++) {
            seed = seed * 1103515245u + 12345u;
            xy[2 * k] = (double)((seed >> 16) % 7);
            seed = seed * 1103515245u + 12345u;
            xy[2 * k + 1] = (double)((seed >> 16) % 5) - 2;
        }
        size_t i = (size_t)(round % 4);
        size_t j = i + 1 + (size_t)(round / 4 % 41);
        double bs, bv;
        size_t ms = st_generalize_farthest(xy, i, j, false, &bs);
        size_t mv = st_generalize_farthest(xy, i, j, true, &bv);
        ck_assert_msg(ms == mv && bs == bv, "chord %zu-%zu: scalar %zu (%g), vector %zu (%g)", i, j, ms, bs,
                      mv, bv);
        /* Rounds where the farthest distance is reached more than once. */
        size_t reached = 0;
        for (size_t k = i + 1; k < j; k++) {
            double dx = xy[2 * j] - xy[2 * i], dy = xy[2 * j + 1] - xy[2 * i + 1];
            double len2 = dx * dx + dy * dy;
            double inv = len2 > 0 ? 1 / len2 : 0;
            double t = ((xy[2 * k] - xy[2 * i]) * dx + (xy[2 * k + 1] - xy[2 * i + 1]) * dy) * inv;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = xy[2 * i] + t * dx - xy[2 * k], ey = xy[2 * i + 1] + t * dy - xy[2 * k + 1];
            reached += ex * ex + ey * ey == bs;
        }
        ties += reached > 1;
    }
    ck_assert_uint_gt(ties, 1000);
}
END_TEST

static Suite *generalize_suite(void)
{
    Suite *s = suite_create("generalize");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ordinary_line);
    tcase_add_test(tc, test_sawtooth_ring);
    tcase_add_test(tc, test_sawtooth_shallow);
    tcase_add_test(tc, test_farthest_lanes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(generalize_suite());
}
