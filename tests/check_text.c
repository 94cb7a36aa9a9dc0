/* Text layout: sizes in points at the view's dpi, coverage of the scripts
 * steppe's maps use, halos, letter spacing and clusters for curved text. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "text.h"

static st_view view_at(double dpi)
{
    st_view v = {0};
    v.width_px = 400;
    v.height_px = 200;
    v.dpi = dpi;
    v.px_per_pt = dpi / 72.0;
    v.scale = 1;
    return v;
}

static st_text *make(steppe_ctx_t *ctx, double dpi, const char *s, double size, double spacing)
{
    st_view v = view_at(dpi);
    st_font f = {.family = NULL, .size = size, .weight = 400, .letter_spacing = spacing};
    return st_text_create(ctx, &v, s, &f);
}

/* Width ratios: (dpi, size) against 96 dpi 10 pt, expected ratio. */
static const struct {
    double dpi, size, ratio;
} scale_table[] = {
    {96, 20, 2.0}, {192, 10, 2.0}, {300, 10, 3.125}, {72, 10, 0.75}, {96, 5, 0.5},
};

START_TEST(test_scales_with_dpi_and_size)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_text *ref = make(ctx, 96, "Karaganda", 10, 0);
    ck_assert_ptr_nonnull(ref);
    double rw, rh;
    st_text_size(ref, &rw, &rh);
    ck_assert(rw > 10);
    st_text *t = make(ctx, scale_table[_i].dpi, "Karaganda", scale_table[_i].size, 0);
    ck_assert_ptr_nonnull(t);
    double w, h;
    st_text_size(t, &w, &h);
    ck_assert_msg(fabs(w / rw - scale_table[_i].ratio) < 0.02 * scale_table[_i].ratio,
                  "width ratio %g, expected %g", w / rw, scale_table[_i].ratio);
    ck_assert_msg(fabs(h / rh - scale_table[_i].ratio) < 0.05 * scale_table[_i].ratio,
                  "height ratio %g, expected %g", h / rh, scale_table[_i].ratio);
    st_text_destroy(t);
    st_text_destroy(ref);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_points_not_pixels)
{
    /* At 72 dpi one point is one pixel: Noto Sans's line height is about
     * 1.36 em, so 10 pt gives about 13.6 px. */
    steppe_ctx_t *ctx = tu_ctx();
    st_text *t = make(ctx, 72, "Hx", 10, 0);
    double w, h;
    st_text_size(t, &w, &h);
    ck_assert_msg(h > 12.0 && h < 15.0, "height %g", h);
    double b = st_text_baseline(t);
    ck_assert(b > 0 && b < h);
    st_text_destroy(t);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Every letter of these is in Noto Sans: none may become a hex box. */
static const char *const scripts[] = {
    "Astana", "Астана", "Қазақстан", "Әбілқайыр ғ қ ң ө ұ ү һ і", "Ақтөбе — Өскемен", "Bayqońyr",
};

START_TEST(test_scripts_covered)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_text *t = make(ctx, 96, scripts[_i], 10, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(st_text_unknown_glyphs(t), 0);
    st_text_destroy(t);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_letter_spacing)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_text *a = make(ctx, 72, "STEPPE", 10, 0);
    st_text *b = make(ctx, 72, "STEPPE", 10, 3);
    double wa, wb;
    st_text_size(a, &wa, NULL);
    st_text_size(b, &wb, NULL);
    /* Pango spaces the five gaps between six letters by 3 pt = 3 px at
     * 72 dpi each, not the ends. */
    ck_assert_msg(fabs((wb - wa) - 15.0) < 1.0, "spacing added %g px", wb - wa);
    st_text_destroy(a);
    st_text_destroy(b);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_clusters)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_text *t = make(ctx, 96, "Алматы", 12, 0);
    ck_assert_uint_eq(st_text_cluster_count(t), 6);
    double w;
    st_text_size(t, &w, NULL);
    double sum = 0, prev_end = 0;
    for (size_t i = 0; i < st_text_cluster_count(t); i++) {
        double x, cw;
        st_text_cluster_extent(t, i, &x, &cw);
        ck_assert(cw > 0);
        ck_assert(fabs(x - prev_end) < 1e-6);
        prev_end = x + cw;
        sum += cw;
    }
    ck_assert(fabs(sum - w) < 0.5);
    st_text_destroy(t);

    /* Two lines cannot follow a curve. */
    t = make(ctx, 96, "two\nlines", 12, 0);
    ck_assert_uint_eq(st_text_cluster_count(t), 0);
    st_text_destroy(t);
    t = make(ctx, 96, "", 12, 0);
    ck_assert_uint_eq(st_text_cluster_count(t), 0);
    st_text_destroy(t);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Bounding box of pixels with alpha > 0. Returns false when none. */
static bool ink_box(cairo_surface_t *s, int *x0, int *y0, int *x1, int *y1)
{
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned char *d = cairo_image_surface_get_data(s);
    bool any = false;
    *x0 = w;
    *y0 = h;
    *x1 = -1;
    *y1 = -1;
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(d + y * stride);
        for (int x = 0; x < w; x++) {
            if ((row[x] >> 24) == 0)
                continue;
            any = true;
            if (x < *x0)
                *x0 = x;
            if (x > *x1)
                *x1 = x;
            if (y < *y0)
                *y0 = y;
            if (y > *y1)
                *y1 = y;
        }
    }
    return any;
}

START_TEST(test_draw_within_box)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_text *t = make(ctx, 96, "Қарағанды", 14, 0);
    double w, h;
    st_text_size(t, &w, &h);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 400, 200);
    cairo_t *cr = cairo_create(s);
    st_rgba black = {0, 0, 0, 1}, white = {1, 1, 1, 1};
    double halo = 3;
    st_text_draw(cr, t, 50, 60, black, white, halo);
    int x0, y0, x1, y1;
    ck_assert(ink_box(s, &x0, &y0, &x1, &y1));
    ck_assert_msg(x0 >= 50 - halo - 1 && y0 >= 60 - halo - 1 && x1 <= 50 + w + halo + 1 &&
                      y1 <= 60 + h + halo + 1,
                  "ink %d,%d-%d,%d outside box %g x %g at 50,60", x0, y0, x1, y1, w, h);
    /* The halo really widens the ink. */
    ck_assert(x0 < 50);
    cairo_destroy(cr);
    cairo_surface_destroy(s);

    /* Rotated a quarter turn: the ink is taller than wide. */
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 400, 400);
    cr = cairo_create(s);
    st_text_draw_rotated(cr, t, 200, 200, M_PI / 2, black, white, 0);
    ck_assert(ink_box(s, &x0, &y0, &x1, &y1));
    ck_assert(y1 - y0 > x1 - x0);
    ck_assert(abs((x0 + x1) / 2 - 200) < h / 2 + 2 && abs((y0 + y1) / 2 - 200) < 6);
    cairo_destroy(cr);
    cairo_surface_destroy(s);

    /* Clusters drawn one by one land where the whole layout would. */
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 400, 200);
    cr = cairo_create(s);
    for (size_t i = 0; i < st_text_cluster_count(t); i++) {
        double cx, cw;
        st_text_cluster_extent(t, i, &cx, &cw);
        st_text_draw_cluster(cr, t, i, 50 + cx, 60 + st_text_baseline(t), 0, white, halo);
    }
    for (size_t i = 0; i < st_text_cluster_count(t); i++) {
        double cx, cw;
        st_text_cluster_extent(t, i, &cx, &cw);
        st_text_draw_cluster(cr, t, i, 50 + cx, 60 + st_text_baseline(t), 0, black, 0);
    }
    int c0, d0, c1, d1;
    ck_assert(ink_box(s, &c0, &d0, &c1, &d1));
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 400, 200);
    cr = cairo_create(s);
    st_text_draw(cr, t, 50, 60, black, white, halo);
    ck_assert(ink_box(s, &x0, &y0, &x1, &y1));
    ck_assert(abs(c0 - x0) <= 1 && abs(c1 - x1) <= 1 && abs(d0 - y0) <= 1 && abs(d1 - y1) <= 1);
    cairo_destroy(cr);
    cairo_surface_destroy(s);

    st_text_destroy(t);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A halo covers what lies within its width of the glyphs and nothing
 * much beyond: a pixel d from the nearest pixel of the text's ink (alpha
 * at least ½) is covered at least clamp(r + ½ − d, 0, 1), less 40 levels,
 * and pixels r + 2 or more away are untouched. On image surfaces the halo is made by
 * dilating the glyphs' mask (text.c halo_by_dilation), straight and
 * rotated alike. */
static const struct {
    double r, angle;
} halo_table[] = {{1.2, 0}, {1.6, 0}, {2.5, 0}, {3.8, 0}, {1.6, 0.5}, {2.5, -1.2}};

START_TEST(test_halo_reach)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_text *t = make(ctx, 96, "Ust-Kamenogorsk", 11, 0);
    ck_assert_ptr_nonnull(t);
    double r = halo_table[_i].r, angle = halo_table[_i].angle;
    st_rgba black = {0, 0, 0, 1}, white = {1, 1, 1, 1};
    const int W = 240, H = 240;
    cairo_surface_t *ink = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_surface_t *halo = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *ci = cairo_create(ink);
    cairo_t *ch = cairo_create(halo);
    st_text_draw_rotated(ci, t, W / 2.0, H / 2.0, angle, black, white, 0);
    st_text_draw_rotated(ch, t, W / 2.0, H / 2.0, angle, black, white, r);
    cairo_surface_flush(ink);
    cairo_surface_flush(halo);
    const unsigned char *di = cairo_image_surface_get_data(ink);
    const unsigned char *dh = cairo_image_surface_get_data(halo);
    int stride = cairo_image_surface_get_stride(ink);
    int reach = (int)ceil(r) + 3;
    size_t inner = 0;
    for (int y = reach; y < H - reach; y++) {
        for (int x = reach; x < W - reach; x++) {
            double best = HUGE_VAL;
            for (int dy = -reach; dy <= reach; dy++) {
                const uint32_t *row = (const uint32_t *)(di + (size_t)(y + dy) * (size_t)stride);
                for (int dx = -reach; dx <= reach; dx++) {
                    if ((row[x + dx] >> 24) >= 128)
                        best = fmin(best, hypot(dx, dy));
                }
            }
            unsigned a = ((const uint32_t *)(dh + (size_t)y * (size_t)stride))[x] >> 24;
            if (best <= r - 0.5) {
                inner++;
                ck_assert_msg(a >= 250, "r %g: pixel %d,%d, %.2f from the ink, has alpha %u", r, x, y, best,
                              a);
            } else if (best >= r + 2) {
                ck_assert_msg(a == 0, "r %g: pixel %d,%d, %.2f from the ink, has alpha %u", r, x, y, best, a);
            }
        }
    }
    ck_assert(inner > 100);
    cairo_destroy(ci);
    cairo_destroy(ch);
    cairo_surface_destroy(ink);
    cairo_surface_destroy(halo);
    st_text_destroy(t);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Loading fonts ahead (st_text_warm, done by the render while it reads
 * data) changes nothing in the texts laid out afterwards: the same sizes
 * and baselines, in every font warmed, and in one that was not. */
START_TEST(test_warm_changes_nothing)
{
    static const st_font fonts[] = {
        {.family = NULL, .size = 9, .weight = 400},
        {.family = "Noto Sans", .size = 9, .weight = 400}, /* the same font named */
        {.family = NULL, .size = 7.5, .weight = 700, .italic = true},
        {.family = NULL, .size = 17, .weight = 700},
        {.family = NULL, .size = 9, .weight = 400}, /* a duplicate */
    };
    const st_font other = {.family = NULL, .size = 6.5, .weight = 400};
    const size_t n = sizeof fonts / sizeof fonts[0];
    steppe_ctx_t *warm = tu_ctx();
    steppe_ctx_t *cold = tu_ctx();
    st_text_warm(warm, 96, fonts, n);
    st_text_warm(warm, 96, fonts, 0);
    st_view v = view_at(96);
    for (size_t i = 0; i <= n; i++) {
        const st_font *f = i < n ? &fonts[i] : &other;
        st_text *a = st_text_create(warm, &v, "Қарағанды · Orenburg", f);
        st_text *b = st_text_create(cold, &v, "Қарағанды · Orenburg", f);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        double aw, ah, bw, bh;
        st_text_size(a, &aw, &ah);
        st_text_size(b, &bw, &bh);
        ck_assert_double_eq(aw, bw);
        ck_assert_double_eq(ah, bh);
        ck_assert_double_eq(st_text_baseline(a), st_text_baseline(b));
        ck_assert_uint_eq(st_text_cluster_count(a), st_text_cluster_count(b));
        st_text_destroy(a);
        st_text_destroy(b);
    }
    steppe_ctx_destroy(warm);
    steppe_ctx_destroy(cold);
}
END_TEST

START_TEST(test_fontmap_per_context)
{
    steppe_ctx_t *a = tu_ctx();
    steppe_ctx_t *b = tu_ctx();
    st_text *ta = make(a, 96, "x", 10, 0);
    st_text *tb = make(b, 96, "x", 10, 0);
    ck_assert_ptr_nonnull(a->fontmap);
    ck_assert_ptr_nonnull(b->fontmap);
    ck_assert_ptr_ne(a->fontmap, b->fontmap);
    /* Texts hold their font map: destroy them before their context. */
    st_text_destroy(ta);
    st_text_destroy(tb);
    steppe_ctx_destroy(a);
    steppe_ctx_destroy(b);
}
END_TEST

/* Huge sizes and spacings: the size in pango units (size * 1024) and the
 * spacing in pango units must not overflow an int, which made pango refuse
 * the size (a text of height 0) or FreeType fail the surface. A text
 * bigger than the canvas is laid out at the canvas's size: its caller then
 * reports it does not fit. */
static const struct {
    double size, spacing;
} huge_table[] = {
    {1e6, 0}, {3e6, 0}, {1e9, 0}, {1e300, 0}, {INFINITY, 0}, {NAN, 0}, {10, 1e9}, {10, -1e9}, {10, NAN},
};

START_TEST(test_huge_size_is_laid_out)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_text *t = make(ctx, 96, "Ab", huge_table[_i].size, huge_table[_i].spacing);
    ck_assert_ptr_nonnull(t);
    double w, h;
    st_text_size(t, &w, &h);
    ck_assert_msg(isfinite(w) && isfinite(h) && h > 0 && h < 1e5 && fabs(w) < 1e5, "size %g x %g", w, h);
    if (huge_table[_i].size > 1e5)
        ck_assert_msg(h > 200, "a huge text laid out at %g px high", h); /* the canvas is 400 x 200 */
    st_text_destroy(t);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A text far longer than the canvas could ever show is cut before pango
 * sees it (a 15 MB title took 1.6 GB to lay out), at a character boundary
 * and with an ellipsis; a text that can fit is left whole. */
START_TEST(test_long_text_is_cut)
{
    steppe_ctx_t *ctx = tu_ctx();
    enum { N = 1000000 };
    char *s = malloc(2 * N + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < N; i++)
        memcpy(s + 2 * i, "\xd0\x96", 2); /* Ж: two bytes each */
    s[2 * N] = '\0';
    st_text *t = make(ctx, 96, s, 10, 0);
    ck_assert_ptr_nonnull(t);
    size_t n = st_text_cluster_count(t);
    /* 400 x 200 px at 13.3 px: far fewer than a million; still wider than the canvas */
    ck_assert_msg(n > 10 && n < 20000, "%zu clusters", n);
    double w, h;
    st_text_size(t, &w, &h);
    ck_assert_msg(w > 400, "cut text %g px wide: cut shorter than the canvas", w);
    st_text_destroy(t);
    /* a text that fits the canvas is never cut */
    t = make(ctx, 96, "Қарағанды · Orenburg", 10, 0);
    ck_assert_uint_eq(st_text_cluster_count(t), 20);
    st_text_destroy(t);
    free(s);
    steppe_ctx_destroy(ctx);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_scales_with_dpi_and_size, 0, sizeof scale_table / sizeof scale_table[0]);
    tcase_add_test(tc, test_points_not_pixels);
    tcase_add_loop_test(tc, test_scripts_covered, 0, sizeof scripts / sizeof scripts[0]);
    tcase_add_test(tc, test_letter_spacing);
    tcase_add_test(tc, test_clusters);
    tcase_add_test(tc, test_draw_within_box);
    tcase_add_loop_test(tc, test_halo_reach, 0, sizeof halo_table / sizeof halo_table[0]);
    tcase_add_test(tc, test_warm_changes_nothing);
    tcase_add_test(tc, test_fontmap_per_context);
    tcase_add_loop_test(tc, test_huge_size_is_laid_out, 0, sizeof huge_table / sizeof huge_table[0]);
    tcase_add_test(tc, test_long_text_is_cut);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(text_suite());
}
