/* Polygon fills (polyfill.h): exact coverage of known shapes, ink against
 * area, the even-odd and non-zero rules, pixels against cairo's best fill,
 * bands and subpath order that change no byte, clipping with guard bytes
 * around the buffer, refused input, translucent colour, and the use from
 * draw.c. */
#include <cairo.h>
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "pixbuf.h"
#include "polyfill.h"
#include "testutil.h"

/* A path: rings of points, each ring n points (closed implicitly). */
typedef struct ring {
    int n;
    const double *xy;
} ring;

/* A filler over the pixels at data. */
static st_polyfill *canvas_filler(unsigned char *data, int w, int h, int stride)
{
    st_px_canvas cv;
    ck_assert(st_px_canvas_init(&cv, data, w, h, stride));
    st_polyfill *f = st_polyfill_create(&cv);
    ck_assert_ptr_nonnull(f);
    return f;
}

static void feed(st_polyfill *f, const ring *rings, int nrings, double dx, double dy)
{
    for (int r = 0; r < nrings; r++)
        st_polyfill_add_ring(f, rings[r].xy, (size_t)rings[r].n, dx, dy);
}

/* Fills rings in opaque black onto b, clipped to clip (NULL: the buffer). */
static bool fill(buf *b, const ring *rings, int nrings, bool even_odd, const st_px_rect *clip)
{
    st_polyfill *f = canvas_filler(b->data, b->w, b->h, b->stride);
    if (clip)
        st_polyfill_set_clip(f, *clip);
    st_polyfill_begin(f, 0, 0, 0, 1, even_odd);
    feed(f, rings, nrings, 0, 0);
    bool ok = st_polyfill_fill(f, NULL);
    st_polyfill_destroy(f);
    return ok;
}

static double polygon_area(const double *xy, int n)
{
    double a = 0;
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        a += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
    }
    return fabs(a) / 2;
}

/* ---- exact coverage of a rectangle with fractional edges ------------------ */

START_TEST(test_rectangle_exact)
{
    buf b = buf_new(10, 8);
    const double xy[] = {1.25, 2.5, 5.75, 2.5, 5.75, 5.0, 1.25, 5.0};
    const ring r = {4, xy};
    ck_assert(fill(&b, &r, 1, true, NULL));
    /* Row 2 is half covered, rows 3 and 4 whole; columns 1 and 5 three
     * quarters, columns 2..4 whole: 0.375 * 255 = 95.6, 0.5, 0.75. */
    const px_expect want[] = {{1, 2, 96},  {3, 2, 128}, {5, 2, 96}, {1, 3, 191}, {3, 3, 255},
                              {5, 4, 191}, {0, 3, 0},   {6, 3, 0},  {3, 5, 0},   {3, 1, 0}};
    expect_alphas(&b, want, sizeof want / sizeof want[0]);
    ck_assert(guards_intact(&b));
    buf_free(&b);
}
END_TEST

/* A triangle's pixel on its hypotenuse: exactly half covered. */
START_TEST(test_diagonal_exact)
{
    buf b = buf_new(8, 8);
    const double xy[] = {0, 0, 8, 8, 0, 8};
    const ring r = {3, xy};
    ck_assert(fill(&b, &r, 1, false, NULL));
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(alpha(&b, i, i), 128);
        if (i > 0)
            ck_assert_int_eq(alpha(&b, i - 1, i), 255);
        if (i < 7)
            ck_assert_int_eq(alpha(&b, i + 1, i), 0);
    }
    buf_free(&b);
}
END_TEST

/* ---- ink against area, for shapes at odd angles -------------------------- */

static const struct {
    double cx, cy, r, turn;
    int sides;
} shape_table[] = {
    {30.3, 25.7, 20.0, 0.1, 3},  {31.0, 30.0, 17.3, 0.7, 5}, {40.5, 20.5, 12.2, 0.0, 4},
    {25.1, 27.9, 24.0, 0.3, 64}, {33.3, 33.3, 9.9, 1.1, 7},  {20.0, 40.0, 3.3, 0.2, 6},
};

START_TEST(test_ink_is_area)
{
    buf b = buf_new(70, 70);
    double xy[2 * 64];
    int n = shape_table[_i].sides;
    for (int i = 0; i < n; i++) {
        double a = shape_table[_i].turn + 2 * M_PI * i / n;
        xy[2 * i] = shape_table[_i].cx + shape_table[_i].r * cos(a);
        xy[2 * i + 1] = shape_table[_i].cy + shape_table[_i].r * sin(a);
    }
    const ring r = {n, xy};
    ck_assert(fill(&b, &r, 1, true, NULL));
    double area = polygon_area(xy, n);
    /* Each pixel rounds to 1/255: at most half a level per edge pixel. */
    ck_assert_msg(fabs(ink(&b) - area) <= 0.002 * area + 0.5, "ink %g, area %g", ink(&b), area);
    ck_assert(guards_intact(&b));
    buf_free(&b);
}
END_TEST

/* ---- fill rules ----------------------------------------------------------- */

START_TEST(test_hole_rules)
{
    const double outer[] = {2, 2, 30, 2, 30, 30, 2, 30};
    const double inner[] = {10, 10, 20, 10, 20, 20, 10, 20}; /* same turn */
    const double island[] = {14, 14, 16, 14, 16, 16, 14, 16};
    const ring rings[] = {{4, outer}, {4, inner}, {4, island}};
    buf eo = buf_new(32, 32);
    buf nz = buf_new(32, 32);
    ck_assert(fill(&eo, rings, 3, true, NULL));
    ck_assert(fill(&nz, rings, 3, false, NULL));
    ck_assert_int_eq(alpha(&eo, 12, 12), 0);   /* even-odd: a hole */
    ck_assert_int_eq(alpha(&nz, 12, 12), 255); /* non-zero: wound twice */
    ck_assert_int_eq(alpha(&eo, 15, 15), 255); /* an island in the hole, wound thrice */
    ck_assert_int_eq(alpha(&nz, 15, 15), 255);
    ck_assert_int_eq(alpha(&eo, 5, 5), 255);
    ck_assert_int_eq(alpha(&nz, 5, 5), 255);
    ck_assert_int_eq(alpha(&eo, 25, 15), 255);
    buf_free(&eo);
    buf_free(&nz);
}
END_TEST

/* ---- against cairo ---------------------------------------------------------- */

static void cairo_fill_rings(buf *b, const ring *rings, int nrings)
{
    cairo_t *cr = buf_cairo(b);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_BEST);
    for (int r = 0; r < nrings; r++) {
        cairo_move_to(cr, rings[r].xy[0], rings[r].xy[1]);
        for (int i = 1; i < rings[r].n; i++)
            cairo_line_to(cr, rings[r].xy[2 * i], rings[r].xy[2 * i + 1]);
        cairo_close_path(cr);
    }
    cairo_fill(cr);
    buf_cairo_done(cr);
}

/* A random star of n points around (40,40): every kind of slope, vertices
 * inside pixels, crossings. */
static void star(double *xy, int n, unsigned seed)
{
    srand(seed);
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * i / n;
        double r = 8 + 30 * (rand() / (double)RAND_MAX);
        xy[2 * i] = 40 + r * cos(a);
        xy[2 * i + 1] = 40 + r * sin(a);
    }
}

START_TEST(test_against_cairo)
{
    double xy[2 * 40];
    star(xy, 40, 1000u + (unsigned)_i);
    const ring r = {40, xy};
    buf mine = buf_new(80, 80);
    buf ref = buf_new(80, 80);
    ck_assert(fill(&mine, &r, 1, true, NULL));
    cairo_fill_rings(&ref, &r, 1);
    int worst = 0;
    long over8 = 0;
    for (int y = 0; y < 80; y++) {
        for (int x = 0; x < 80; x++) {
            int d = abs(alpha(&mine, x, y) - alpha(&ref, x, y));
            worst = d > worst ? d : worst;
            over8 += d > 8;
        }
    }
    /* cairo samples 15 rows a pixel (256 columns): a near-horizontal edge
     * moves by up to 1/15 of a pixel there, 17 levels. The eight stars have
     * about 1,000 edge pixels each; 11 to 43 of them differ by more than 8
     * levels. */
    ck_assert_msg(worst <= 20, "star %d: a pixel differs by %d levels", _i, worst);
    ck_assert_msg(over8 <= 80, "star %d: %ld pixels differ by more than 8 levels", _i, over8);
    ck_assert_msg(fabs(ink(&mine) - ink(&ref)) <= 0.005 * ink(&ref), "ink %g, cairo %g", ink(&mine),
                  ink(&ref));
    buf_free(&mine);
    buf_free(&ref);
}
END_TEST

/* ---- bands and order change nothing ---------------------------------------- */

START_TEST(test_bands_identical)
{
    double a[2 * 40];
    double c[2 * 24];
    star(a, 40, 7u);
    star(c, 24, 8u);
    const ring rings[] = {{40, a}, {24, c}};
    const ring reversed[] = {{24, c}, {40, a}};
    buf whole = buf_new(80, 80);
    ck_assert(fill(&whole, rings, 2, true, NULL));
    /* The same rows in three bands, each a buffer of its own translated
     * up, as render.c draws them, and the subpaths in the other order. */
    buf bands = buf_new(80, 80);
    const int cuts[] = {0, 23, 51, 80};
    for (int k = 0; k < 3; k++) {
        int y0 = cuts[k];
        int h = cuts[k + 1] - y0;
        st_polyfill *f = canvas_filler(bands.data + (size_t)y0 * (size_t)bands.stride, 80, h, bands.stride);
        st_polyfill_begin(f, 0, 0, 0, 1, true);
        feed(f, reversed, 2, 0, -y0);
        ck_assert(st_polyfill_fill(f, NULL));
        st_polyfill_destroy(f);
    }
    for (int y = 0; y < 80; y++)
        for (int x = 0; x < 80; x++)
            ck_assert_msg(px(&whole, x, y) == px(&bands, x, y), "pixel %d,%d: %08x whole, %08x in bands", x,
                          y, px(&whole, x, y), px(&bands, x, y));
    ck_assert(guards_intact(&bands));
    buf_free(&whole);
    buf_free(&bands);
}
END_TEST

/* ---- clipping --------------------------------------------------------------- */

START_TEST(test_clip_guards)
{
    /* Far beyond the buffer on every side, and a clip inside it. */
    const double xy[] = {-500, -300, 900, -200, 700, 800, -100, 600};
    const ring r = {4, xy};
    buf b = buf_new(40, 30);
    ck_assert(fill(&b, &r, 1, true, NULL));
    ck_assert(guards_intact(&b));
    ck_assert_int_eq(alpha(&b, 0, 0), 255);
    ck_assert_int_eq(alpha(&b, 39, 29), 255);
    buf c = buf_new(40, 30);
    const st_px_rect clip = {5, 7, 21, 19};
    ck_assert(fill(&c, &r, 1, true, &clip));
    for (int y = 0; y < 30; y++) {
        for (int x = 0; x < 40; x++) {
            bool in = x >= 5 && x < 21 && y >= 7 && y < 19;
            ck_assert_int_eq(alpha(&c, x, y), in ? 255 : 0);
        }
    }
    ck_assert(guards_intact(&c));
    /* An edge wholly left of the clip still counts: a polygon whose left
     * half is clipped away is filled right of the clip's left side. */
    buf d = buf_new(40, 30);
    const double left[] = {-50.5, 10, 30.5, 10, 30.5, 20, -50.5, 20};
    const ring lr = {4, left};
    const st_px_rect right_half = {20, 0, 40, 30};
    ck_assert(fill(&d, &lr, 1, true, &right_half));
    const px_expect want[] = {{19, 15, 0}, {20, 15, 255}, {30, 15, 128}, {31, 15, 0}};
    expect_alphas(&d, want, sizeof want / sizeof want[0]);
    ck_assert(guards_intact(&d));
    buf_free(&b);
    buf_free(&c);
    buf_free(&d);
}
END_TEST

/* ---- refused input ---------------------------------------------------------- */

START_TEST(test_refused)
{
    const double bad[][8] = {
        {1, 1, NAN, 5, 9, 9, 1, 9},
        {1, 1, 9, 1, INFINITY, 9, 1, 9},
        {1, 1, 1e7, 1, 9, 9, 1, 9},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        buf b = buf_new(12, 12);
        const ring r = {4, bad[k]};
        ck_assert(!fill(&b, &r, 1, true, NULL));
        ck_assert_int_eq(ink(&b), 0);
        ck_assert(guards_intact(&b));
        buf_free(&b);
    }
    /* The filler is usable again after a refusal; degenerate paths draw
     * nothing. */
    buf b = buf_new(12, 12);
    st_polyfill *f = canvas_filler(b.data, 12, 12, b.stride);
    const double nan_ring[] = {NAN, 1, 5, 5, 1, 5};
    const double flat[] = {2, 2, 8, 2}; /* a line, no area */
    st_polyfill_begin(f, 0, 0, 0, 1, true);
    st_polyfill_add_ring(f, nan_ring, 3, 0, 0);
    ck_assert(!st_polyfill_fill(f, NULL));
    st_polyfill_begin(f, 0, 0, 0, 1, true);
    st_polyfill_add_ring(f, flat, 2, 0, 0);
    st_px_rect d;
    ck_assert(st_polyfill_fill(f, &d));
    ck_assert_int_eq(d.x0, d.x1);
    ck_assert_int_eq(ink(&b), 0);
    st_polyfill_destroy(f);
    st_px_canvas cv;
    ck_assert(!st_px_canvas_init(&cv, b.data, 0, 12, b.stride));
    ck_assert(!st_px_canvas_init(&cv, b.data, 12, 12, 8));
    ck_assert(!st_px_canvas_init(&cv, b.data, 40000, 12, 160000));
    buf_free(&b);
}
END_TEST

/* ---- colour ------------------------------------------------------------------ */

START_TEST(test_translucent_colour)
{
    /* Over the same background, a whole pixel and a quarter-covered one
     * match cairo's fill with the same colour. */
    const double xy[] = {1, 1, 6, 1, 6, 5.5, 1, 5.5};
    const ring r = {4, xy};
    buf mine = buf_new(8, 8);
    buf ref = buf_new(8, 8);
    for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
            uint32_t bg = 0xff336699u;
            memcpy(mine.data + (size_t)y * (size_t)mine.stride + 4 * (size_t)x, &bg, 4);
            memcpy(ref.data + (size_t)y * (size_t)ref.stride + 4 * (size_t)x, &bg, 4);
        }
    }
    st_polyfill *f = canvas_filler(mine.data, 8, 8, mine.stride);
    st_polyfill_begin(f, 0.9, 0.5, 0.1, 0.6, true);
    feed(f, &r, 1, 0, 0);
    ck_assert(st_polyfill_fill(f, NULL));
    st_polyfill_destroy(f);
    cairo_surface_t *s = cairo_image_surface_create_for_data(ref.data, CAIRO_FORMAT_ARGB32, 8, 8, ref.stride);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgba(cr, 0.9, 0.5, 0.1, 0.6);
    cairo_rectangle(cr, 1, 1, 5, 4.5);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    ck_assert_uint_eq(px(&mine, 3, 3), px(&ref, 3, 3));
    ck_assert_uint_eq(px(&mine, 3, 5), px(&ref, 3, 5));
    ck_assert_uint_eq(px(&mine, 7, 7), 0xff336699u);
    buf_free(&mine);
    buf_free(&ref);
}
END_TEST

/* ---- from draw.c --------------------------------------------------------------- */

static double square_xy[] = {10.5, 10.5, 50.5, 10.5, 50.5, 40.5, 10.5, 40.5, 10.5, 10.5};
static uint32_t square_parts[] = {0};

START_TEST(test_draw_feature)
{
    st_symbol sym;
    memset(&sym, 0, sizeof sym);
    sym.has_fill = true;
    sym.fill = (st_rgba){0.2, 0.4, 0.6, 1};
    sym.opacity = 1;
    st_feature f = one_ring(square_xy, square_parts, 5);
    three_ways t = draw_three_ways(60, 50, 21, &sym, &f);
    for (int y = 0; y < 50; y++) {
        for (int x = 0; x < 60; x++) {
            size_t i = (size_t)y * (size_t)t.stride + 4 * (size_t)x;
            ck_assert_int_eq(memcmp(t.w + i, t.bands + i, 4), 0);
            ck_assert_int_le(abs(t.w[i + 3] - t.sl[i + 3]), 1);
        }
    }
    /* Half-pixel edges: half covered; the inside whole. */
    ck_assert_int_eq(t.w[(size_t)10 * t.stride + 4 * 30 + 3], 128);
    ck_assert_int_eq(t.w[(size_t)25 * t.stride + 4 * 30 + 3], 255);
    three_ways_free(&t);
}
END_TEST

static Suite *polyfill_suite(void)
{
    TCase *tc;
    Suite *s = tu_suite("polyfill", &tc);
    tcase_add_test(tc, test_rectangle_exact);
    tcase_add_test(tc, test_diagonal_exact);
    tcase_add_loop_test(tc, test_ink_is_area, 0, sizeof shape_table / sizeof shape_table[0]);
    tcase_add_test(tc, test_hole_rules);
    tcase_add_loop_test(tc, test_against_cairo, 0, 8);
    tcase_add_test(tc, test_bands_identical);
    tcase_add_test(tc, test_clip_guards);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_translucent_colour);
    tcase_add_test(tc, test_draw_feature);
    return s;
}

int main(void)
{
    return tu_run_suite(polyfill_suite());
}
