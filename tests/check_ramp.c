/* Colour ramps: published ColorBrewer and viridis colours, OKLab
 * interpolation between them, reverse, explicit lists and the errors. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ramp.h"
#include "testutil.h"

/* Expected: RColorBrewer::brewer.pal(k, name) and viridisLite (R). */
static const struct {
    const char *name;
    int k;
    uint32_t c[12];
    int tolerance; /* per channel, in 1/255 */
} published[] = {
    {"YlOrRd", 5, {0xFFFFB2, 0xFECC5C, 0xFD8D3C, 0xF03B20, 0xBD0026}, 0},
    {"RdBu", 7, {0xB2182B, 0xEF8A62, 0xFDDBC7, 0xF7F7F7, 0xD1E5F0, 0x67A9CF, 0x2166AC}, 0},
    {"Set3",
     12,
     {0x8DD3C7, 0xFFFFB3, 0xBEBADA, 0xFB8072, 0x80B1D3, 0xFDB462, 0xB3DE69, 0xFCCDE5, 0xD9D9D9, 0xBC80BD,
      0xCCEBC5, 0xFFED6F},
     0},
    {"ylorrd", 3, {0xFFEDA0, 0xFEB24C, 0xF03B20}, 0},
    /* The first row of ramps.csv, the first rows of a scheme and its last:
     * a row shifted or a count misread in the build's table breaks these. */
    {"BrBG", 3, {0xD8B365, 0xF5F5F5, 0x5AB4AC}, 0},
    {"Blues", 3, {0xDEEBF7, 0x9ECAE1, 0x3182BD}, 0},
    {"Blues", 4, {0xEFF3FF, 0xBDD7E7, 0x6BAED6, 0x2171B5}, 0},
    {"Blues",
     9,
     {0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B},
     0},
    {"PuOr",
     11,
     {0x7F3B08, 0xB35806, 0xE08214, 0xFDB863, 0xFEE0B6, 0xF7F7F7, 0xD8DAEB, 0xB2ABD2, 0x8073AC, 0x542788,
      0x2D004B},
     0},
    {"Greys", 3, {0xF0F0F0, 0xBDBDBD, 0x636363}, 0},
    /* A qualitative scheme is one palette: fewer classes take its first colours. */
    {"Accent", 3, {0x7FC97F, 0xBEAED4, 0xFDC086}, 0},
    {"Accent", 8, {0x7FC97F, 0xBEAED4, 0xFDC086, 0xFFFF99, 0x386CB0, 0xF0027F, 0xBF5B17, 0x666666}, 0},
    {"Paired",
     12,
     {0xA6CEE3, 0x1F78B4, 0xB2DF8A, 0x33A02C, 0xFB9A99, 0xE31A1C, 0xFDBF6F, 0xFF7F00, 0xCAB2D6, 0x6A3D9A,
      0xFFFF99, 0xB15928},
     0},
    {"viridis", 2, {0x440154, 0xFDE725}, 0},
    /* viridisLite interpolates its table with a spline in CIELAB; steppe
     * linearly in OKLab between neighbouring entries: a unit or two apart. */
    {"viridis", 5, {0x440154, 0x3B528B, 0x21908C, 0x5DC863, 0xFDE725}, 2},
    {"magma", 7, {0x000004, 0x2D1160, 0x721F81, 0xB63679, 0xF1605D, 0xFEAF77, 0xFCFDBF}, 2},
    {"cividis", 4, {0x00204D, 0x575C6D, 0xA69D75, 0xFFEA46}, 2},
};

static int channel_diff(uint32_t a, uint32_t b)
{
    int d = 0;
    for (int s = 0; s < 24; s += 8) {
        int x = abs((int)((a >> s) & 0xff) - (int)((b >> s) & 0xff));
        if (x > d)
            d = x;
    }
    return d;
}

START_TEST(test_published)
{
    steppe_ctx_t *ctx = tu_ctx();
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
        uint32_t got[12];
        ck_assert_int_eq(st_ramp_colours(ctx, published[i].name, published[i].k, false, got, NULL),
                         STEPPE_OK);
        for (int j = 0; j < published[i].k; j++) {
            ck_assert_msg(channel_diff(got[j], published[i].c[j]) <= published[i].tolerance,
                          "%s %d: colour %d is #%06X, published #%06X", published[i].name, published[i].k,
                          j + 1, got[j], published[i].c[j]);
        }
    }
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_reverse)
{
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t fwd[9];
    uint32_t rev[9];
    ck_assert_int_eq(st_ramp_colours(ctx, "RdBu", 9, false, fwd, NULL), STEPPE_OK);
    ck_assert_int_eq(st_ramp_colours(ctx, "RdBu", 9, true, rev, NULL), STEPPE_OK);
    for (int i = 0; i < 9; i++)
        ck_assert_uint_eq(fwd[i], rev[8 - i]);
    ck_assert_uint_eq(rev[0], 0x2166AC);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Interpolated sequential ramps keep ColorBrewer's ends and get darker at
 * every step (OKLab lightness strictly decreasing). */
START_TEST(test_interpolation_monotone)
{
    static const char *seq[] = {"Blues",   "BuGn", "BuPu", "GnBu",   "Greens", "Greys",
                                "Oranges", "OrRd", "PuBu", "PuBuGn", "PuRd",   "Purples",
                                "RdPu",    "Reds", "YlGn", "YlGnBu", "YlOrBr", "YlOrRd"};
    steppe_ctx_t *ctx = tu_ctx();
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        for (int k = 10; k <= 20; k += 5) {
            uint32_t c[20];
            uint32_t pub[9];
            ck_assert_int_eq(st_ramp_colours(ctx, seq[i], k, false, c, NULL), STEPPE_OK);
            ck_assert_int_eq(st_ramp_colours(ctx, seq[i], 9, false, pub, NULL), STEPPE_OK);
            ck_assert_uint_eq(c[0], pub[0]);
            ck_assert_uint_eq(c[k - 1], pub[8]);
            double prev = 2;
            for (int j = 0; j < k; j++) {
                double lab[3];
                st_oklab_from_rgb(c[j], lab);
                ck_assert_msg(lab[0] < prev, "%s %d: colour %d not darker", seq[i], k, j + 1);
                prev = lab[0];
            }
        }
    }
    /* Two classes of a sequential scheme: the ends of its 3-class palette. */
    uint32_t two[2];
    ck_assert_int_eq(st_ramp_colours(ctx, "YlOrRd", 2, false, two, NULL), STEPPE_OK);
    ck_assert_uint_eq(two[0], 0xFFEDA0);
    ck_assert_uint_eq(two[1], 0xF03B20);
    /* A qualitative scheme below 3 classes takes its first colours. */
    ck_assert_int_eq(st_ramp_colours(ctx, "Set1", 2, false, two, NULL), STEPPE_OK);
    ck_assert_uint_eq(two[0], 0xE41A1C);
    ck_assert_uint_eq(two[1], 0x377EB8);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_oklab_round_trip)
{
    static const uint32_t c[] = {0x000000, 0xFFFFFF, 0xFF0000, 0x00FF00,
                                 0x0000FF, 0x123456, 0xFDE725, 0x808080};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double lab[3];
        st_oklab_from_rgb(c[i], lab);
        ck_assert_uint_eq(st_rgb_from_oklab(lab), c[i]);
    }
    double lab[3];
    st_oklab_from_rgb(0xFFFFFF, lab);
    ck_assert_double_eq_tol(lab[0], 1.0, 1e-6);
    ck_assert_double_eq_tol(lab[1], 0.0, 1e-6);
}
END_TEST

START_TEST(test_list)
{
    steppe_ctx_t *ctx = tu_ctx();
    static const uint32_t list[] = {0x000000, 0xFFFFFF};
    uint32_t out[5];
    ck_assert_int_eq(st_ramp_from_list(ctx, list, 2, 2, false, out, NULL), STEPPE_OK);
    ck_assert_uint_eq(out[0], 0x000000);
    ck_assert_uint_eq(out[1], 0xFFFFFF);
    ck_assert_int_eq(st_ramp_from_list(ctx, list, 2, 3, true, out, NULL), STEPPE_OK);
    ck_assert_uint_eq(out[0], 0xFFFFFF);
    ck_assert_uint_eq(out[2], 0x000000);
    /* Half-way in OKLab lightness is L = 0.5, sRGB #636363, not #808080. */
    ck_assert_uint_eq(out[1], 0x636363);
    ck_assert_int_eq(st_ramp_from_list(ctx, list, 1, 3, false, out, "s.yaml:4:9"), STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(
        steppe_ctx_last_error(ctx),
        "s.yaml:4:9: colours: 1 colour given for 3 classes; give 3, or at least 2 to interpolate between");
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_errors)
{
    static const struct {
        const char *name;
        int k;
        const char *msg;
    } cases[] = {
        {"YlOrRed", 5, "s.yaml:2:3: ramp: no colour ramp called 'YlOrRed'; did you mean 'YlOrRd'?"},
        {"virdis", 5, "s.yaml:2:3: ramp: no colour ramp called 'virdis'; did you mean 'viridis'?"},
        {"spectal", 5, "s.yaml:2:3: ramp: no colour ramp called 'spectal'; did you mean 'Spectral'?"},
        {"rainbow-ish", 5, "s.yaml:2:3: ramp: no colour ramp called 'rainbow-ish' (ColorBrewer names"},
        {"Set3", 13, "s.yaml:2:3: ramp: Set3 is qualitative and has at most 12 colours, 13 asked"},
        {"Blues", 0, "s.yaml:2:3: ramp: 0 colours asked of Blues; a ramp gives 1 to 100"},
        {"Blues", 101, "s.yaml:2:3: ramp: 101 colours asked of Blues"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        steppe_ctx_t *ctx = tu_ctx();
        uint32_t out[ST_RAMP_MAX + 1];
        ck_assert_int_eq(st_ramp_colours(ctx, cases[i].name, cases[i].k, false, out, "s.yaml:2:3"),
                         STEPPE_ERR_STYLE_VALUE);
        ck_assert_msg(strncmp(steppe_ctx_last_error(ctx), cases[i].msg, strlen(cases[i].msg)) == 0, "\"%s\"",
                      steppe_ctx_last_error(ctx));
        steppe_ctx_destroy(ctx);
    }
    ck_assert_ptr_null(st_ramp_suggest("zzzzzzzzzz"));
}
END_TEST

/* Every ColorBrewer scheme lists each published count; 35 schemes + 5 maps. */
START_TEST(test_catalogue)
{
    steppe_ctx_t *ctx = tu_ctx();
    static const char *names[] = {"BrBG",    "PiYG",     "PRGn",    "PuOr",   "RdBu",   "RdGy",    "RdYlBu",
                                  "RdYlGn",  "Spectral", "Accent",  "Dark2",  "Paired", "Pastel1", "Pastel2",
                                  "Set1",    "Set2",     "Set3",    "Blues",  "BuGn",   "BuPu",    "GnBu",
                                  "Greens",  "Greys",    "Oranges", "OrRd",   "PuBu",   "PuBuGn",  "PuRd",
                                  "Purples", "RdPu",     "Reds",    "YlGn",   "YlGnBu", "YlOrBr",  "YlOrRd",
                                  "viridis", "magma",    "inferno", "plasma", "cividis"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const st_ramp_def *d = st_ramp_find(names[i]);
        ck_assert_msg(d != NULL, "%s missing", names[i]);
        uint32_t out[ST_RAMP_MAX];
        for (int k = 1; k <= d->max && k <= 12; k++)
            ck_assert_int_eq(st_ramp_colours(ctx, names[i], k, false, out, NULL), STEPPE_OK);
    }
    /* The last palette of the table: Spectral 11 ends in #5E4FA2. */
    uint32_t sp[11];
    ck_assert_int_eq(st_ramp_colours(ctx, "Spectral", 11, false, sp, NULL), STEPPE_OK);
    ck_assert_uint_eq(sp[0], 0x9E0142);
    ck_assert_uint_eq(sp[10], 0x5E4FA2);
    steppe_ctx_destroy(ctx);
}
END_TEST

static Suite *ramp_suite(void)
{
    Suite *s = suite_create("ramp");
    TCase *tc = tcase_create("ramp");
    tcase_add_test(tc, test_published);
    tcase_add_test(tc, test_reverse);
    tcase_add_test(tc, test_interpolation_monotone);
    tcase_add_test(tc, test_oklab_round_trip);
    tcase_add_test(tc, test_list);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_catalogue);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(ramp_suite());
}
