/* Hairlines: ink against length x width, pixels against cairo's stroke,
 * joints, clipping with guard bytes around the buffer, degenerate input,
 * compositing, and the use from draw.c (band translation, cut edges). */
#include <cairo.h>
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "hairline.h"
#include "pixbuf.h"
#include "testutil.h"

/* Draws an open polyline of n points in opaque black, butt caps. */
static void hair_polyline(buf *b, const double *xy, int n, double width)
{
    st_hairline *h = st_hairline_create(b->data, b->w, b->h, b->stride);
    ck_assert_ptr_nonnull(h);
    st_hairline_begin(h, 0, 0, 0, 1, width, 0);
    st_hairline_move_to(h, xy[0], xy[1]);
    for (int i = 1; i < n; i++)
        st_hairline_line_to(h, xy[2 * i], xy[2 * i + 1]);
    st_hairline_stroke(h, NULL);
    st_hairline_destroy(h);
}

/* The same with cairo's stroker, best antialiasing; closed when asked. */
static void cairo_polyline(buf *b, const double *xy, int n, double width, bool closed, cairo_line_join_t join)
{
    cairo_t *cr = buf_cairo(b);
    cairo_set_line_width(cr, width);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, join);
    cairo_move_to(cr, xy[0], xy[1]);
    for (int i = 1; i < n; i++)
        cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
    if (closed)
        cairo_close_path(cr);
    cairo_stroke(cr);
    buf_cairo_done(cr);
}

/* ---- ink: the line is as heavy as its area, at every angle --------------- */

static const struct {
    double deg, width;
} ink_table[] = {
    {0, 1.0},    {90, 1.0},  {45, 1.0}, {30, 1.0},  {10, 1.0},   {3, 1.0},    {60, 1.0},  {135, 1.0},
    {100, 1.0},  {200, 1.0}, {0, 0.5},  {45, 0.5},  {17, 0.75},  {80, 0.75},  {0, 1.6},   {45, 1.6},
    {33.3, 1.6}, {1, 0.25},  {89, 1.3}, {-63, 1.1}, {22.5, 1.0}, {67.5, 1.0}, {0.2, 1.0}, {44.9, 0.9},
};

START_TEST(test_ink)
{
    const double len = 50;
    double a = ink_table[_i].deg * M_PI / 180;
    double w = ink_table[_i].width;
    /* Off the pixel grid, so the ends fall inside pixels. */
    double cx = 40.37;
    double cy = 40.71;
    double xy[4] = {cx - len / 2 * cos(a), cy - len / 2 * sin(a), cx + len / 2 * cos(a),
                    cy + len / 2 * sin(a)};
    buf b = buf_new(80, 80);
    hair_polyline(&b, xy, 2, w);
    /* 8-bit rounding moves each pixel by at most half a level; the line
     * touches at most 5 pixels per slice. */
    double expect = len * w;
    double tol = 5 * (len + 2) * 0.5 / 255 + 0.002 * expect;
    ck_assert_msg(fabs(ink(&b) - expect) <= tol, "%g deg, width %g: ink %g, expected %g +- %g",
                  ink_table[_i].deg, w, ink(&b), expect, tol);
    ck_assert(guards_intact(&b));
    buf_free(&b);
}
END_TEST

/* ---- pixels against cairo's stroke ----------------------------------------- */

/* Segments and polylines compared pixel by pixel with cairo's stroke,
 * away from open ends (a butt end is square to the line in cairo, square
 * to the sweep axis here). cairo's scan converter samples 15 sub-rows per
 * pixel, which moves a pixel by up to ~1/15 of coverage on its own; the
 * tolerance is stated per case. */
typedef struct cmp_case {
    const char *name;
    double xy[16];
    int n;
    double width;
    bool closed;
    int max_diff; /* levels of 255 */
} cmp_case;

static const cmp_case cmp_table[] = {
    {"horizontal", {5.3, 20.5, 70.8, 20.5}, 2, 1.0, false, 2},
    {"horizontal off-grid", {5.3, 20.27, 70.8, 20.27}, 2, 1.0, false, 12},
    {"vertical", {33.62, 4.1, 33.62, 70.2}, 2, 1.0, false, 12},
    {"45 degrees", {5.1, 5.4, 70.1, 70.4}, 2, 1.0, false, 24},
    {"shallow", {4.2, 10.3, 75.7, 31.9}, 2, 1.0, false, 24},
    {"steep", {30.2, 3.3, 49.7, 76.1}, 2, 1.0, false, 24},
    {"thin", {4.2, 60.3, 75.7, 41.9}, 2, 0.5, false, 24},
    {"wide", {4.2, 10.3, 75.7, 51.9}, 2, 1.6, false, 24},
    {"zigzag", {5.2, 30.1, 20.7, 40.3, 36.1, 29.8, 51.4, 41.2, 66.9, 30.6, 75.0, 38.0}, 6, 1.0, false, 24},
    {"turn", {5.5, 10.2, 40.3, 14.1, 44.7, 70.4}, 3, 1.0, false, 48},
    {"closed square", {10.5, 10.5, 60.5, 10.5, 60.5, 60.5, 10.5, 60.5}, 4, 1.0, true, 16},
    {"closed diamond", {40.2, 5.1, 74.3, 40.6, 40.9, 74.2, 6.1, 40.3}, 4, 1.0, true, 64},
};

/* Distance from p to the nearest open end of the case. */
static double end_distance(const cmp_case *c, double x, double y)
{
    if (c->closed)
        return INFINITY;
    double d0 = hypot(x - c->xy[0], y - c->xy[1]);
    double d1 = hypot(x - c->xy[2 * c->n - 2], y - c->xy[2 * c->n - 1]);
    return d0 < d1 ? d0 : d1;
}

START_TEST(test_against_cairo)
{
    const cmp_case *c = &cmp_table[_i];
    buf mine = buf_new(80, 80);
    buf ref = buf_new(80, 80);
    st_hairline *h = st_hairline_create(mine.data, mine.w, mine.h, mine.stride);
    st_hairline_begin(h, 0, 0, 0, 1, c->width, 0);
    st_hairline_move_to(h, c->xy[0], c->xy[1]);
    for (int i = 1; i < c->n; i++)
        st_hairline_line_to(h, c->xy[2 * i], c->xy[2 * i + 1]);
    if (c->closed)
        st_hairline_close_path(h);
    st_hairline_stroke(h, NULL);
    st_hairline_destroy(h);
    cairo_polyline(&ref, c->xy, c->n, c->width, c->closed, CAIRO_LINE_JOIN_ROUND);
    int worst = 0;
    int wx = 0;
    int wy = 0;
    for (int y = 0; y < mine.h; y++) {
        for (int x = 0; x < mine.w; x++) {
            if (end_distance(c, x + 0.5, y + 0.5) < 2.5)
                continue;
            int d = abs(alpha(&mine, x, y) - alpha(&ref, x, y));
            if (d > worst) {
                worst = d;
                wx = x;
                wy = y;
            }
        }
    }
    ck_assert_msg(worst <= c->max_diff,
                  "%s: pixel %d,%d differs by %d levels (allowed %d): %d here, %d cairo", c->name, wx, wy,
                  worst, c->max_diff, alpha(&mine, wx, wy), alpha(&ref, wx, wy));
    /* And the same ink overall (a closed path has no ends to differ). */
    double tol = c->closed ? 0.01 * ink(&ref) : 0.01 * ink(&ref) + 2 * c->width;
    ck_assert_msg(fabs(ink(&mine) - ink(&ref)) <= tol, "%s: ink %g, cairo %g", c->name, ink(&mine),
                  ink(&ref));
    ck_assert(guards_intact(&mine));
    buf_free(&mine);
    buf_free(&ref);
}
END_TEST

/* A circle of many short segments turns through every angle and switches
 * sweep axis four times: same ink as cairo's, no pixel far off. Where the
 * sweep axis changes (the line passing 45 degrees) the two segments are cut
 * square to different axes, which leaves a gap of w^2/4 px^2 on one side of
 * the vertex and doubles as much on the other, in neighbouring pixels: up
 * to 0.22 of coverage (56 levels) moves between two pixels, the ink stays. */
START_TEST(test_circle)
{
    static const int counts[] = {12, 40, 200, 1000};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        int n = counts[k];
        double *xy = malloc(sizeof(double) * 2 * (size_t)n);
        for (int i = 0; i < n; i++) {
            xy[2 * i] = 50.3 + 37.1 * cos(2 * M_PI * i / n);
            xy[2 * i + 1] = 49.8 + 37.1 * sin(2 * M_PI * i / n);
        }
        buf mine = buf_new(100, 100);
        buf ref = buf_new(100, 100);
        st_hairline *h = st_hairline_create(mine.data, mine.w, mine.h, mine.stride);
        st_hairline_begin(h, 0, 0, 0, 1, 1.0, 0);
        st_hairline_move_to(h, xy[0], xy[1]);
        for (int i = 1; i < n; i++)
            st_hairline_line_to(h, xy[2 * i], xy[2 * i + 1]);
        st_hairline_close_path(h);
        st_hairline_stroke(h, NULL);
        st_hairline_destroy(h);
        cairo_polyline(&ref, xy, n, 1.0, true, CAIRO_LINE_JOIN_ROUND);
        int worst = 0;
        for (int y = 0; y < 100; y++)
            for (int x = 0; x < 100; x++)
                worst = abs(alpha(&mine, x, y) - alpha(&ref, x, y)) > worst
                            ? abs(alpha(&mine, x, y) - alpha(&ref, x, y))
                            : worst;
        ck_assert_msg(fabs(ink(&mine) - ink(&ref)) <= 0.01 * ink(&ref), "%d segments: ink %g, cairo %g", n,
                      ink(&mine), ink(&ref));
        ck_assert_msg(worst <= 60, "%d segments: a pixel differs by %d levels from cairo's", n, worst);
        ck_assert(guards_intact(&mine));
        buf_free(&mine);
        buf_free(&ref);
        free(xy);
    }
}
END_TEST

/* ---- joints ------------------------------------------------------------------ */

/* A zigzag whose segments are all swept by columns (less than 45 degrees): the ink of every pixel column is
 * the thickness of the line there, w / cos θ; at a joint it lies between the thicknesses of the two segments,
 * so no joint is darker (or lighter) than the segments. */
START_TEST(test_joints_columns)
{
    static const double widths[] = {0.5, 1.0, 1.6};
    for (size_t k = 0; k < 3; k++) {
        double w = widths[k];
        double xy[14] = {2.0, 30.3, 12.6, 38.1, 25.2, 29.7, 36.9, 37.0, 47.3, 28.4, 61.8, 34.2, 77.5, 30.0};
        buf b = buf_new(80, 60);
        hair_polyline(&b, xy, 7, w);
        for (int x = 3; x < 77; x++) {
            double col = 0;
            for (int y = 0; y < b.h; y++)
                col += alpha(&b, x, y) / 255.0;
            /* Thickness of each segment overlapping column x. */
            double tmin = INFINITY;
            double tmax = 0;
            for (int i = 0; i < 6; i++) {
                double x0 = xy[2 * i];
                double x1 = xy[2 * i + 2];
                if (x1 <= x || x0 >= x + 1)
                    continue;
                double m = (xy[2 * i + 3] - xy[2 * i + 1]) / (x1 - x0);
                double t = w * sqrt(1 + m * m);
                tmin = t < tmin ? t : tmin;
                tmax = t > tmax ? t : tmax;
            }
            double tol = 6 * 0.5 / 255;
            ck_assert_msg(col >= tmin - tol && col <= tmax + tol,
                          "width %g, column %d: ink %g outside %g..%g", w, x, col, tmin, tmax);
        }
        buf_free(&b);
    }
}
END_TEST

/* Joints that switch sweep axis: the darkest pixel within 2 px of a joint
 * is no darker than the darkest pixel of the segments' interiors, and the
 * ink around the joint matches cairo's round join within 15%. */
START_TEST(test_joints_axis_switch)
{
    static const double paths[][6] = {
        {5.3, 10.4, 40.2, 12.1, 44.6, 70.3}, /* shallow into steep */
        {5.3, 40.4, 40.2, 41.1, 38.9, 5.3},  /* right angle, up */
        {70.1, 5.2, 40.7, 40.3, 75.2, 70.9}, /* sharp turn back */
        {5.6, 5.3, 40.4, 40.1, 5.2, 75.6},   /* 45 degrees both ways */
    };
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        const double *xy = paths[k];
        buf mine = buf_new(80, 80);
        buf ref = buf_new(80, 80);
        hair_polyline(&mine, xy, 3, 1.0);
        cairo_polyline(&ref, xy, 3, 1.0, false, CAIRO_LINE_JOIN_ROUND);
        int jx = (int)xy[2];
        int jy = (int)xy[3];
        int joint_max = 0;
        int other_max = 0;
        double joint_ink = 0;
        double ref_ink = 0;
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 80; x++) {
                int a = alpha(&mine, x, y);
                bool near_joint = abs(x - jx) <= 2 && abs(y - jy) <= 2;
                if (near_joint) {
                    joint_max = a > joint_max ? a : joint_max;
                    joint_ink += a / 255.0;
                    ref_ink += alpha(&ref, x, y) / 255.0;
                } else if (end_distance(
                               &(cmp_case){"", {xy[0], xy[1], xy[2], xy[3], xy[4], xy[5]}, 3, 1, false, 0},
                               x + 0.5, y + 0.5) > 3) {
                    other_max = a > other_max ? a : other_max;
                }
            }
        }
        ck_assert_msg(joint_max <= other_max, "path %zu: joint pixel %d darker than the line's %d", k,
                      joint_max, other_max);
        ck_assert_msg(fabs(joint_ink - ref_ink) <= 0.15 * ref_ink, "path %zu: ink at the joint %g, cairo %g",
                      k, joint_ink, ref_ink);
        buf_free(&mine);
        buf_free(&ref);
    }
}
END_TEST

/* A line that goes back over itself covers the same area twice: cairo
 * strokes the union, one line's ink. Coverage from segments that do not
 * follow each other is combined as independent (a + b - ab), not summed,
 * which keeps such a pixel within a third of cairo's instead of doubling. */
START_TEST(test_retrace)
{
    double there[4] = {5.3, 12.2, 70.6, 31.7};
    double back[6] = {5.3, 12.2, 70.6, 31.7, 5.3, 12.2};
    buf one = buf_new(80, 40);
    buf two = buf_new(80, 40);
    buf ref = buf_new(80, 40);
    hair_polyline(&one, there, 2, 1.0);
    hair_polyline(&two, back, 3, 1.0);
    cairo_polyline(&ref, back, 3, 1.0, false, CAIRO_LINE_JOIN_ROUND);
    ck_assert_msg(ink(&two) >= ink(&one) && ink(&two) <= 1.35 * ink(&ref),
                  "retraced ink %g, one way %g, cairo %g", ink(&two), ink(&one), ink(&ref));
    buf_free(&one);
    buf_free(&two);
    buf_free(&ref);
}
END_TEST

/* ---- clipping and degenerate input ------------------------------------------ */

/* Pseudo-random segments over and far beyond the buffer, clipped to two
 * rectangles: nothing changes outside them, nor outside the buffer. */
START_TEST(test_clip_guards)
{
    buf b = buf_new(64, 48);
    st_hairline *h = st_hairline_create(b.data, b.w, b.h, b.stride);
    const st_px_rect clip[] = {{5, 7, 30, 20}, {30, 25, 90, 60}}; /* the second reaches beyond */
    ck_assert(st_hairline_set_clip(h, clip, 2));
    uint32_t seed = 12345;
    for (int i = 0; i < 400; i++) {
        double v[4];
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            v[k] = ((seed >> 8) % 20000) / 100.0 - 60; /* -60 .. 140 */
        }
        st_hairline_begin(h, 0.2, 0.4, 0.9, 0.8, 0.5 + (i % 12) * 0.1, i % 3 * 0.3);
        st_hairline_move_to(h, v[0], v[1]);
        st_hairline_line_to(h, v[2], v[3]);
        st_hairline_line_to(h, v[3], v[0]);
        st_hairline_stroke(h, NULL);
    }
    st_hairline_destroy(h);
    ck_assert(guards_intact(&b));
    int inside = 0;
    for (int y = 0; y < b.h; y++) {
        for (int x = 0; x < b.w; x++) {
            bool in = (x >= 5 && x < 30 && y >= 7 && y < 20) || (x >= 30 && y >= 25);
            if (!in)
                ck_assert_msg(px(&b, x, y) == 0, "pixel %d,%d outside the clip was written", x, y);
            else
                inside += px(&b, x, y) != 0;
        }
    }
    ck_assert_int_gt(inside, 200);
    buf_free(&b);
}
END_TEST

START_TEST(test_clip_rejects_overlap)
{
    buf b = buf_new(16, 16);
    st_hairline *h = st_hairline_create(b.data, b.w, b.h, b.stride);
    const st_px_rect overlap[] = {{0, 0, 10, 10}, {5, 5, 16, 16}};
    ck_assert(!st_hairline_set_clip(h, overlap, 2));
    ck_assert(!st_hairline_set_clip(h, overlap, -1));
    /* An empty clip draws nothing. */
    ck_assert(st_hairline_set_clip(h, overlap, 0));
    st_hairline_begin(h, 0, 0, 0, 1, 1, 0);
    st_hairline_move_to(h, 0, 8);
    st_hairline_line_to(h, 16, 8);
    st_px_rect d;
    st_hairline_stroke(h, &d);
    ck_assert_int_eq(d.x0, d.x1);
    ck_assert_double_eq(ink(&b), 0);
    st_hairline_destroy(h);
    buf_free(&b);
}
END_TEST

static const struct {
    const char *name;
    double xy[6];
    int n;
} degenerate_table[] = {
    {"NaN start", {NAN, 10, 20, 20}, 2},
    {"NaN end", {10, 10, 20, NAN}, 2},
    {"infinity", {INFINITY, 10, 20, 20}, 2},
    {"-infinity across", {-INFINITY, 10, INFINITY, 10}, 2},
    {"1e300 across", {-1e300, 10.5, 1e300, 10.5}, 2},
    {"1e300 diagonal", {-1e300, -1e300, 1e300, 1e300}, 2},
    {"far away", {1e9, 1e9, 1e9 + 50, 1e9 + 3}, 2},
    {"left of the buffer", {-30, 5, -4, 30}, 2},
    {"below the buffer", {3, 40, 30, 60}, 2},
    {"zero length", {10.3, 10.7, 10.3, 10.7}, 2},
    {"zero length twice", {10.3, 10.7, 10.3, 10.7, 10.3, 10.7}, 3},
    {"one point", {10.3, 10.7}, 1},
};

START_TEST(test_degenerate)
{
    buf b = buf_new(32, 32);
    st_hairline *h = st_hairline_create(b.data, b.w, b.h, b.stride);
    for (int cap = 0; cap < 2; cap++) {
        st_hairline_begin(h, 0, 0, 0, 1, 1.0, cap * 0.5);
        st_hairline_move_to(h, degenerate_table[_i].xy[0], degenerate_table[_i].xy[1]);
        for (int i = 1; i < degenerate_table[_i].n; i++)
            st_hairline_line_to(h, degenerate_table[_i].xy[2 * i], degenerate_table[_i].xy[2 * i + 1]);
        st_hairline_stroke(h, NULL);
    }
    st_hairline_destroy(h);
    ck_assert_msg(ink(&b) == 0, "%s: wrote %g", degenerate_table[_i].name, ink(&b));
    ck_assert(guards_intact(&b));
    buf_free(&b);
}
END_TEST

/* Far ends within range are clipped without losing the line: a horizontal
 * line from -1e11 to 1e11 on a pixel row fills that row exactly. */
START_TEST(test_long_line)
{
    buf b = buf_new(40, 20);
    double xy[4] = {-1e11, 10.5, 1e11, 10.5};
    hair_polyline(&b, xy, 2, 1.0);
    for (int x = 0; x < 40; x++) {
        ck_assert_int_eq(alpha(&b, x, 10), 255);
        ck_assert_int_eq(alpha(&b, x, 9), 0);
        ck_assert_int_eq(alpha(&b, x, 11), 0);
    }
    ck_assert(guards_intact(&b));
    buf_free(&b);
}
END_TEST

START_TEST(test_create_limits)
{
    unsigned char one[4];
    ck_assert_ptr_null(st_hairline_create(NULL, 4, 4, 16));
    ck_assert_ptr_null(st_hairline_create(one, 0, 4, 16));
    ck_assert_ptr_null(st_hairline_create(one, 4, 4, 8));
    ck_assert_ptr_null(st_hairline_create(one, 40000, 1, 160000));
    st_hairline_destroy(NULL);
}
END_TEST

/* ---- compositing ---------------------------------------------------------------- */

/* A line covering whole pixels composites exactly as cairo does: colours
 * with alpha over an opaque and a translucent background. */
static const struct {
    double r, g, b, a;
    uint32_t bg;
} colour_table[] = {
    {0.2, 0.4, 0.6, 1.0, 0xff808080u},  {0.9, 0.1, 0.3, 0.5, 0xff204060u},
    {0.0, 0.0, 0.0, 0.25, 0xfff0e0d0u}, {1.0, 1.0, 1.0, 0.7, 0x80402010u},
    {0.5, 0.5, 0.5, 0.0, 0xff112233u},  {0.33, 0.66, 0.99, 0.9, 0x00000000u},
};

START_TEST(test_colour)
{
    buf mine = buf_new(20, 20);
    buf ref = buf_new(20, 20);
    for (int y = 0; y < 20; y++) {
        for (int x = 0; x < 20; x++) {
            memcpy(mine.data + (size_t)y * mine.stride + 4 * x, &colour_table[_i].bg, 4);
            memcpy(ref.data + (size_t)y * ref.stride + 4 * x, &colour_table[_i].bg, 4);
        }
    }
    st_hairline *h = st_hairline_create(mine.data, mine.w, mine.h, mine.stride);
    st_hairline_begin(h, colour_table[_i].r, colour_table[_i].g, colour_table[_i].b, colour_table[_i].a, 1.0,
                      0);
    st_hairline_move_to(h, 2, 7.5);
    st_hairline_line_to(h, 18, 7.5);
    st_hairline_stroke(h, NULL);
    st_hairline_destroy(h);
    cairo_surface_t *s =
        cairo_image_surface_create_for_data(ref.data, CAIRO_FORMAT_ARGB32, 20, 20, ref.stride);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgba(cr, colour_table[_i].r, colour_table[_i].g, colour_table[_i].b, colour_table[_i].a);
    cairo_set_line_width(cr, 1.0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_move_to(cr, 2, 7.5);
    cairo_line_to(cr, 18, 7.5);
    cairo_stroke(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    for (int y = 0; y < 20; y++) {
        for (int x = 0; x < 20; x++) {
            uint32_t a = px(&mine, x, y);
            uint32_t b = px(&ref, x, y);
            for (int c = 0; c < 32; c += 8)
                ck_assert_msg(abs((int)((a >> c) & 255) - (int)((b >> c) & 255)) <= 1,
                              "pixel %d,%d: %08x, cairo %08x", x, y, a, b);
        }
    }
    buf_free(&mine);
    buf_free(&ref);
}
END_TEST

/* Open ends grow by the cap length: a butt-ended line of length 20 with
 * cap 0.5 has the ink of one of length 21. */
START_TEST(test_caps)
{
    buf b = buf_new(40, 20);
    st_hairline *h = st_hairline_create(b.data, b.w, b.h, b.stride);
    st_hairline_begin(h, 0, 0, 0, 1, 1.0, 0.5);
    st_hairline_move_to(h, 10.2, 10.5);
    st_hairline_line_to(h, 20.2, 10.5);
    st_hairline_line_to(h, 30.2, 10.5);
    st_hairline_stroke(h, NULL);
    ck_assert_double_eq_tol(ink(&b), 21, 0.02);
    /* A closed path has no ends to cap. */
    buf_free(&b);
    b = buf_new(40, 20);
    st_hairline_destroy(h);
    h = st_hairline_create(b.data, b.w, b.h, b.stride);
    st_hairline_begin(h, 0, 0, 0, 1, 1.0, 0.5);
    st_hairline_move_to(h, 10.5, 5.5);
    st_hairline_line_to(h, 30.5, 5.5);
    st_hairline_line_to(h, 30.5, 15.5);
    st_hairline_line_to(h, 10.5, 15.5);
    st_hairline_close_path(h);
    st_hairline_stroke(h, NULL);
    /* 60 px of outline; cairo's square corners (miter or round) differ by
     * at most a quarter pixel each. */
    ck_assert_double_eq_tol(ink(&b), 60, 1.01);
    st_hairline_destroy(h);
    buf_free(&b);
}
END_TEST

/* ---- from draw.c ------------------------------------------------------------------ */

static st_symbol line_symbol(double width_pt)
{
    st_symbol s;
    memset(&s, 0, sizeof s);
    s.has_stroke = true;
    s.stroke = (st_rgba){0.1, 0.2, 0.3, 1};
    s.width = width_pt;
    s.cap = ST_CAP_BUTT;
    s.opacity = 1;
    return s;
}

/* A polygon: a square ring whose right edge (points 1 to 2) is a cut. */
static double ring_xy[] = {10.3, 10.6, 60.2, 10.6, 60.2, 50.4, 10.3, 50.4, 10.3, 10.6};
static uint32_t ring_parts[] = {0};
static uint8_t ring_cut[] = {0, 1, 0, 0, 0};

static st_feature ring_feature(bool cut)
{
    st_feature f = one_ring(ring_xy, ring_parts, 5);
    f.cut = cut ? ring_cut : NULL;
    return f;
}

START_TEST(test_draw_bands_and_cuts)
{
    st_symbol sym = line_symbol(1.0);
    st_feature f = ring_feature(true);
    three_ways t = draw_three_ways(70, 60, 27, &sym, &f);
    const unsigned char *w = t.w;
    const unsigned char *sl = t.sl;
    const unsigned char *shared = t.bands;
    int stride = t.stride;
    int worst = 0;
    for (int y = 0; y < 60; y++) {
        for (int x = 0; x < 70; x++) {
            int aw = w[(size_t)y * stride + 4 * x + 3];
            int as = sl[(size_t)y * stride + 4 * x + 3];
            int ab = shared[(size_t)y * stride + 4 * x + 3];
            ck_assert_msg(abs(aw - ab) <= 1, "pixel %d,%d: whole %d, bands %d", x, y, aw, ab);
            worst = abs(aw - as) > worst ? abs(aw - as) : worst;
        }
    }
    /* cairo's FAST antialiasing (17 levels) against exact coverage, and
     * at the corners cairo's round join against the square one here. */
    ck_assert_msg(worst <= 64, "hairline and cairo differ by %d levels", worst);
    /* The cut edge (x = 60.2, rows 11..49) is not stroked; the left edge is. */
    for (int y = 13; y < 48; y++) {
        ck_assert_int_eq(w[(size_t)y * stride + 4 * 60 + 3], 0);
        ck_assert_int_eq(w[(size_t)y * stride + 4 * 59 + 3], 0);
        ck_assert_int_gt(w[(size_t)y * stride + 4 * 10 + 3], 150);
    }
    three_ways_free(&t);
}
END_TEST

/* A clip that is not whole pixels keeps cairo: the stroke is cut with
 * cairo's antialiased clip edge, not at a pixel boundary. */
START_TEST(test_draw_partial_clip)
{
    st_symbol sym = line_symbol(1.0);
    st_feature f = ring_feature(false);
    st_view v;
    memset(&v, 0, sizeof v);
    v.width_px = 70;
    v.height_px = 60;
    v.px_per_pt = 1.0;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 70, 60);
    cairo_t *cr = cairo_create(s);
    cairo_rectangle(cr, 0, 0, 30.5, 60);
    cairo_clip(cr);
    st_draw_feature(cr, &v, &sym, ST_GEOM_POLYGON, &f);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    /* Top edge at y 10.6: row 10 fully in the clip at x 29, half at x 30. */
    int full = d[(size_t)10 * stride + 4 * 29 + 3];
    int half = d[(size_t)10 * stride + 4 * 30 + 3];
    ck_assert_int_gt(full, 0);
    ck_assert_int_lt(abs(2 * half - full), 24);
    ck_assert_int_eq(d[(size_t)10 * stride + 4 * 31 + 3], 0);
    cairo_surface_destroy(s);
}
END_TEST

static Suite *hairline_suite(void)
{
    Suite *s = suite_create("hairline");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_ink, 0, sizeof ink_table / sizeof ink_table[0]);
    tcase_add_loop_test(tc, test_against_cairo, 0, sizeof cmp_table / sizeof cmp_table[0]);
    tcase_add_test(tc, test_circle);
    tcase_add_test(tc, test_joints_columns);
    tcase_add_test(tc, test_joints_axis_switch);
    tcase_add_test(tc, test_retrace);
    tcase_add_test(tc, test_clip_guards);
    tcase_add_test(tc, test_clip_rejects_overlap);
    tcase_add_loop_test(tc, test_degenerate, 0, sizeof degenerate_table / sizeof degenerate_table[0]);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_create_limits);
    tcase_add_loop_test(tc, test_colour, 0, sizeof colour_table / sizeof colour_table[0]);
    tcase_add_test(tc, test_caps);
    tcase_add_test(tc, test_draw_bands_and_cuts);
    tcase_add_test(tc, test_draw_partial_clip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(hairline_suite());
}
