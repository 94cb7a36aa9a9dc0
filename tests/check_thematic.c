/* The thematic stage wired to real features: tests/fixtures/thematic/
 * regions.shp (made by make-thematic.py there; ten polygons with numeric,
 * text, logical and empty fields). Class membership itself is checked
 * against R classInt in check_classify; here: which feature gets which
 * class and colour, no-data, legend texts, sizes and their order, derived
 * fields and every error. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "source.h"
#include "thematic.h"
#include "testutil.h"

#define REGIONS "tests/fixtures/thematic/regions.shp"
/* Feature order in regions.shp (code, name). */
enum { ALPHA, BETA, GAMMA, DELTA, EPSILON, ZETA, ETA, THETA, OCTANT, HOLED, NREGIONS };

typedef struct fixture {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_featureset fs;
    st_thematic_spec spec;
    st_thematic_result res;
} fixture;

static const st_loc STYLE_LOC = {"map.yaml", 7, 5};

static void fx_open(fixture *fx, const char *rel)
{
    memset(fx, 0, sizeof *fx);
    fx->ctx = tu_ctx();
    tu_log_clear();
    fx->arena = st_arena_create(0);
    st_read_opts opts = {0};
    ck_assert_int_eq(st_source_read_shp(fx->ctx, tu_src(rel), &opts, fx->arena, &fx->fs), STEPPE_OK);
    st_thematic_spec_init(&fx->spec);
    fx->spec.classify.loc = STYLE_LOC;
    fx->spec.categorize.loc = STYLE_LOC;
    fx->spec.size.loc = STYLE_LOC;
}

static void fx_init(fixture *fx)
{
    fx_open(fx, REGIONS);
    ck_assert_int_eq(fx->fs.n, NREGIONS);
}

static void fx_free(fixture *fx)
{
    st_arena_destroy(fx->arena);
    steppe_ctx_destroy(fx->ctx);
}

static steppe_status_t fx_apply(fixture *fx)
{
    return st_thematic_apply(fx->ctx, &fx->spec, &fx->fs, fx->arena, &fx->res);
}

static void assert_rgb(st_rgba c, uint32_t rgb)
{
    uint32_t got = (uint32_t)(lround(c.r * 255) << 16 | lround(c.g * 255) << 8 | lround(c.b * 255));
    ck_assert_msg(got == rgb, "colour %06x, expected %06x", got, rgb);
}

static void assert_error(fixture *fx, steppe_status_t want, const char *text)
{
    steppe_status_t st = fx_apply(fx);
    ck_assert_int_eq(st, want);
    const char *msg = steppe_ctx_last_error(fx->ctx);
    ck_assert_msg(strstr(msg, text) != NULL, "message '%s' lacks '%s'", msg, text);
    ck_assert_ptr_null(fx->res.cls);
    ck_assert_ptr_null(fx->res.size);
}

/* ---- classify ------------------------------------------------------------ */

START_TEST(test_classify_quantile)
{
    /* pop, sorted: 0 500 1000 2000 3000 4000 5000 7000 12600000 (Zeta empty).
     * Type 7 quantiles at 1/3 and 2/3: 1666.67 and 4333.33. */
    fixture fx;
    fx_init(&fx);
    fx.spec.classify.enabled = true;
    fx.spec.classify.field = "pop";
    fx.spec.classify.classes = 3;
    fx.spec.classify.ramp = "Blues";
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_str_eq(fx.res.kind, "classify");
    ck_assert_str_eq(fx.res.method, "quantile");
    ck_assert_str_eq(fx.res.method_classint, "quantile");
    ck_assert_int_eq(fx.res.nclasses, 3);
    ck_assert_double_eq_tol(fx.res.edges[1], 5000.0 / 3, 1e-9);
    ck_assert_double_eq_tol(fx.res.edges[2], 13000.0 / 3, 1e-9);
    static const int want[NREGIONS] = {0, 1, 1, 1, 2, -1, 2, 2, 0, 0};
    for (int i = 0; i < NREGIONS; i++)
        ck_assert_msg(fx.res.cls[i] == want[i], "feature %d: class %d, expected %d", i, fx.res.cls[i],
                      want[i]);
    /* ColorBrewer Blues, 3 classes, as published. */
    static const uint32_t blues[3] = {0xdeebf7, 0x9ecae1, 0x3182bd};
    for (int c = 0; c < 3; c++) {
        ck_assert_uint_eq(fx.res.entries[c].rgb, blues[c]);
        ck_assert_uint_eq(fx.res.entries[c].count, 3);
    }
    assert_rgb(fx.res.fill[ALPHA], blues[0]);
    assert_rgb(fx.res.fill[DELTA], blues[1]);
    assert_rgb(fx.res.fill[THETA], blues[2]);
    /* No-data: its own colour and row, never class 1. */
    assert_rgb(fx.res.fill[ZETA], 0xd9d9d9);
    ck_assert_uint_eq(fx.res.nodata.count, 1);
    ck_assert_str_eq(fx.res.nodata.label, "No data");
    ck_assert_str_eq(fx.res.entries[0].label, "0 \u2013 1,667");
    ck_assert_str_eq(fx.res.entries[1].label, "1,667 \u2013 4,333");
    ck_assert_str_eq(fx.res.entries[2].label, "4,333 \u2013 12,600,000");
    ck_assert_ptr_null(fx.res.size);
    fx_free(&fx);
}
END_TEST

START_TEST(test_classify_manual_ru_reverse)
{
    /* density: 10.5 20.25 30 40.125 (empty) 60 70 80 1 2 */
    static const double breaks[] = {0, 25, 50, 100};
    fixture fx;
    fx_init(&fx);
    fx.spec.classify.enabled = true;
    fx.spec.classify.field = "DENSITY"; /* dBASE names match without case */
    fx.spec.classify.method = ST_CLASS_MANUAL;
    fx.spec.classify.breaks = breaks;
    fx.spec.classify.nbreaks = 4;
    fx.spec.classify.ramp = "Blues";
    fx.spec.classify.reverse = true;
    fx.spec.legend.lang = ST_LANG_RU;
    fx.spec.legend.unit = "чел./км²";
    fx.spec.legend.decimals = 1;
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    static const int want[NREGIONS] = {0, 0, 1, 1, -1, 2, 2, 2, 0, 0};
    for (int i = 0; i < NREGIONS; i++)
        ck_assert_msg(fx.res.cls[i] == want[i], "feature %d: class %d, expected %d", i, fx.res.cls[i],
                      want[i]);
    ck_assert_uint_eq(fx.res.entries[0].count, 4);
    ck_assert_uint_eq(fx.res.entries[1].count, 2);
    ck_assert_uint_eq(fx.res.entries[2].count, 3);
    ck_assert_uint_eq(fx.res.entries[0].rgb, 0x3182bd);
    ck_assert_uint_eq(fx.res.entries[2].rgb, 0xdeebf7);
    ck_assert_str_eq(fx.res.entries[0].label, "0,0 \u2013 25,0\u00a0чел./км²");
    ck_assert_str_eq(fx.res.entries[2].label, "50,0 \u2013 100,0\u00a0чел./км²");
    ck_assert_str_eq(fx.res.nodata.label, "Нет данных");
    fx_free(&fx);
}
END_TEST

START_TEST(test_classify_colour_list_and_text_numbers)
{
    /* A text column whose values are numbers (as a CSV or a join gives)
     * classifies; explicit colours are used as they are. */
    fixture fx;
    fx_init(&fx);
    const char *vals[NREGIONS] = {"1", "2", " 3 ", "4", "", "6", "7", "8", "9", "10"};
    const char *const *cols[] = {vals};
    const char *names[] = {"score"};
    ck_assert(st_featureset_add_columns(&fx.fs, names, NULL, 1, cols, fx.arena));
    ck_assert(st_thematic_field_numeric(&fx.fs, st_featureset_field(&fx.fs, "score"), NULL));
    st_rgba list[2] = {{1, 0, 0, 1}, {0, 0, 1, 1}};
    fx.spec.classify.enabled = true;
    fx.spec.classify.field = "score";
    fx.spec.classify.method = ST_CLASS_EQUAL;
    fx.spec.classify.classes = 2;
    fx.spec.classify.colours = list;
    fx.spec.classify.ncolours = 2;
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_int_eq(fx.res.cls[ALPHA], 0);
    ck_assert_int_eq(fx.res.cls[HOLED], 1);
    ck_assert_int_eq(fx.res.cls[EPSILON], -1);
    assert_rgb(fx.res.fill[ALPHA], 0xff0000);
    assert_rgb(fx.res.fill[HOLED], 0x0000ff);
    /* 5.5 shows as 6: numfmt writes the fewest decimals that keep the
     * edges 1, 5.5, 10 apart */
    ck_assert_str_eq(fx.res.entries[0].label, "1 \u2013 6");
    fx_free(&fx);
}
END_TEST

START_TEST(test_classify_all_nodata)
{
    fixture fx;
    fx_init(&fx);
    fx.spec.classify.enabled = true;
    fx.spec.classify.field = "empty";
    fx.spec.classify.field_loc = STYLE_LOC;
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    for (int i = 0; i < NREGIONS; i++)
        ck_assert_int_eq(fx.res.cls[i], -1);
    ck_assert_uint_eq(fx.res.nodata.count, NREGIONS);
    ck_assert_uint_eq(fx.res.nentries, 0);
    ck_assert_ptr_nonnull(strstr(tu_log(), "map.yaml:7:5: classify: every value of 'empty'"));
    fx_free(&fx);
}
END_TEST

START_TEST(test_classify_errors)
{
    fixture fx;
    fx_init(&fx);
    fx.spec.classify.enabled = true;
    fx.spec.classify.field = "densty";
    fx.spec.classify.field_loc = STYLE_LOC;
    assert_error(&fx, STEPPE_ERR_STYLE_KEY, "map.yaml:7:5: classify: no field 'densty' in ");
    assert_error(&fx, STEPPE_ERR_STYLE_KEY, "did you mean 'density'?");
    fx.spec.classify.field = "zzzzzzzz";
    assert_error(&fx, STEPPE_ERR_STYLE_KEY,
                 "(fields: code, name, pop, density, district, delta, empty, flag)");
    fx.spec.classify.field = "name";
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "classify: field 'name' of ");
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "is not numeric ('Alpha' in record 1)");
    fx.spec.classify.field = "flag";
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "is not numeric (dBASE type L)");
    fx.spec.classify.field = "pop";
    fx.spec.classify.classes = 0;
    fx.spec.classify.classes_loc = (st_loc){"map.yaml", 9, 14};
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "map.yaml:9:14: ");
    fx.spec.classify.classes = 10; /* 9 distinct values */
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "map.yaml:9:14: ");
    fx.spec.classify.classes = 3;
    fx.spec.classify.ramp = "YlOrRed";
    fx.spec.classify.ramp_loc = (st_loc){"map.yaml", 10, 11};
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "map.yaml:10:11: ");
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "did you mean 'YlOrRd'?");
    fx.spec.classify.ramp = NULL;
    fx.spec.categorize.enabled = true;
    fx.spec.categorize.field = "district";
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "not both");
    fx_free(&fx);
}
END_TEST

/* ---- categorize ------------------------------------------------------------ */

START_TEST(test_categorize_sorted)
{
    fixture fx;
    fx_init(&fx);
    fx.spec.categorize.enabled = true;
    fx.spec.categorize.field = "district";
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_str_eq(fx.res.kind, "categorize");
    ck_assert_uint_eq(fx.res.nentries, 4);
    static const char *names[] = {"East", "North", "South", "West"};
    static const uint32_t set3[] = {0x8dd3c7, 0xffffb3, 0xbebada, 0xfb8072};
    static const size_t counts[] = {2, 3, 2, 2};
    for (int k = 0; k < 4; k++) {
        ck_assert_str_eq(fx.res.entries[k].label, names[k]);
        ck_assert_uint_eq(fx.res.entries[k].rgb, set3[k]);
        ck_assert_uint_eq(fx.res.entries[k].count, counts[k]);
    }
    ck_assert_int_eq(fx.res.cls[ALPHA], 1);
    ck_assert_int_eq(fx.res.cls[DELTA], 0);
    ck_assert_int_eq(fx.res.cls[ZETA], -1); /* empty: no-data */
    assert_rgb(fx.res.fill[ZETA], 0xd9d9d9);
    ck_assert_uint_eq(fx.res.nodata.count, 1);
    fx_free(&fx);
}
END_TEST

START_TEST(test_categorize_order_max_other)
{
    fixture fx;
    fx_init(&fx);
    static const char *order[] = {"West"};
    fx.spec.categorize.enabled = true;
    fx.spec.categorize.field = "district";
    fx.spec.categorize.order = order;
    fx.spec.categorize.norder = 1;
    fx.spec.categorize.max = 2;
    fx.spec.legend.lang = ST_LANG_RU;
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_uint_eq(fx.res.nentries, 3);
    ck_assert_str_eq(fx.res.entries[0].label, "West");
    ck_assert_str_eq(fx.res.entries[1].label, "East");
    ck_assert(fx.res.entries[2].other);
    ck_assert_str_eq(fx.res.entries[2].label, "Прочие");
    ck_assert_uint_eq(fx.res.entries[2].count, 5); /* North 3 + South 2 */
    ck_assert_int_eq(fx.res.cls[ALPHA], 2);
    ck_assert_int_eq(fx.res.cls[EPSILON], 0);
    assert_rgb(fx.res.fill[ALPHA], 0xb3b3b3);
    fx_free(&fx);
}
END_TEST

START_TEST(test_categorize_limits)
{
    fixture fx;
    fx_init(&fx);
    /* Two colours for four categories: the last two share "other", with a
     * warning. */
    st_rgba two[2] = {{1, 0, 0, 1}, {0, 1, 0, 1}};
    fx.spec.categorize.enabled = true;
    fx.spec.categorize.field = "district";
    fx.spec.categorize.colours = two;
    fx.spec.categorize.ncolours = 2;
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_uint_eq(fx.res.nentries, 3);
    ck_assert_uint_eq(fx.res.entries[2].count, 4);
    ck_assert_ptr_nonnull(strstr(tu_log(), "categorize: 'district' has 4 categories"));
    /* max above what the palette has */
    fx.spec.categorize.colours = NULL;
    fx.spec.categorize.palette = "Set1";
    fx.spec.categorize.max = 20;
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "categorize: max: 20 categories, but Set1 has 9 colours");
    fx.spec.categorize.max = 0;
    fx.spec.categorize.palette = "Set4";
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "did you mean");
    static const char *twice[] = {"West", "West"};
    fx.spec.categorize.palette = NULL;
    fx.spec.categorize.order = twice;
    fx.spec.categorize.norder = 2;
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "order lists 'West' twice");
    fx_free(&fx);
}
END_TEST

/* ---- sizes ---------------------------------------------------------------- */

START_TEST(test_size_sqrt_order_refs)
{
    fixture fx;
    fx_init(&fx);
    fx.spec.size.enabled = true;
    fx.spec.size.field = "pop";
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_ptr_null(fx.res.kind);
    ck_assert_double_eq(fx.res.size_vmax, 12600000);
    ck_assert_double_eq_tol(fx.res.size[THETA], 24, 1e-12);
    ck_assert_double_eq_tol(fx.res.size[ALPHA], 24 * sqrt(1000 / 12600000.0), 1e-12);
    /* area-true: four times the value, twice the diameter */
    ck_assert_double_eq_tol(fx.res.size[DELTA], 2 * fx.res.size[ALPHA], 1e-12);
    ck_assert_double_eq(fx.res.size[ZETA], 0);   /* no-data */
    ck_assert_double_eq(fx.res.size[OCTANT], 0); /* zero */
    ck_assert_uint_eq(fx.res.size_nodata, 1);
    ck_assert_uint_eq(fx.res.size_zero, 1);
    static const size_t order[NREGIONS] = {THETA, ETA,   EPSILON, DELTA, GAMMA,
                                           BETA,  ALPHA, HOLED,   ZETA,  OCTANT};
    for (int i = 0; i < NREGIONS; i++)
        ck_assert_msg(fx.res.order[i] == order[i], "order[%d] = %zu, expected %zu", i, fx.res.order[i],
                      order[i]);
    for (int i = 1; i < NREGIONS; i++)
        ck_assert(fx.res.size[fx.res.order[i - 1]] >= fx.res.size[fx.res.order[i]]);
    ck_assert_uint_eq(fx.res.nrefs, 3);
    ck_assert_double_eq(fx.res.refs[0].value, 1e7);
    ck_assert_double_eq(fx.res.refs[1].value, 5e6);
    ck_assert_double_eq(fx.res.refs[2].value, 1e6);
    ck_assert_str_eq(fx.res.refs[0].label, "10,000,000");
    ck_assert_double_eq_tol(fx.res.refs[2].diameter, 24 * sqrt(1e6 / 12600000.0), 1e-12);
    fx_free(&fx);
}
END_TEST

START_TEST(test_size_linear_min_ru)
{
    fixture fx;
    fx_init(&fx);
    fx.spec.size.enabled = true;
    fx.spec.size.field = "pop";
    fx.spec.size.scale = ST_SIZE_LINEAR;
    fx.spec.size.max = 30;
    fx.spec.size.min = 2;
    fx.spec.legend.lang = ST_LANG_RU;
    fx.spec.legend.unit = "чел.";
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_double_eq_tol(fx.res.size[THETA], 30, 1e-12);
    ck_assert_double_eq(fx.res.size[ALPHA], 2);  /* 0.0024 pt, raised to min */
    ck_assert_double_eq(fx.res.size[OCTANT], 0); /* zero stays without marker */
    ck_assert_double_eq_tol(fx.res.refs[1].diameter, 30 * 5e6 / 12600000.0, 1e-12);
    ck_assert_str_eq(fx.res.refs[0].label, "10\u00a0000\u00a0000\u00a0чел.");
    fx_free(&fx);
}
END_TEST

START_TEST(test_size_errors)
{
    fixture fx;
    fx_init(&fx);
    fx.spec.size.enabled = true;
    fx.spec.size.field = "delta";
    fx.spec.size.field_loc = STYLE_LOC;
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "map.yaml:7:5: size: field 'delta' of ");
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "has a negative value (-3 in record 2)");
    fx.spec.size.field = "district";
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "is not numeric");
    fx.spec.size.field = "pop";
    fx.spec.size.max = 0;
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "size: max must be a positive size");
    fx.spec.size.max = 10;
    fx.spec.size.min = 11;
    assert_error(&fx, STEPPE_ERR_STYLE_VALUE, "size: min must be between 0 and max");
    fx.spec.size.min = 0;
    fx.spec.size.field = "empty";
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_uint_eq(fx.res.nrefs, 0);
    ck_assert_ptr_nonnull(strstr(tu_log(), "size: every value of 'empty'"));
    fx_free(&fx);
}
END_TEST

/* Reference values of the nested-circle legend: a table. */
static const struct {
    double vmax;
    double a, b, c;
} refs_table[] = {
    {12.6e6, 1e7, 5e6, 1e6}, {1e7, 1e7, 5e6, 1e6},     {9999, 5000, 2000, 500}, {5, 5, 2, 0.5},
    {2.5, 2, 1, 0.2},        {1e-3, 1e-3, 5e-4, 1e-4}, {73, 50, 20, 5},
};

START_TEST(test_size_refs_table)
{
    double r[3];
    ck_assert_uint_eq(st_thematic_size_refs(refs_table[_i].vmax, r), 3);
    ck_assert_double_eq_tol(r[0], refs_table[_i].a, refs_table[_i].a * 1e-12);
    ck_assert_double_eq_tol(r[1], refs_table[_i].b, refs_table[_i].b * 1e-12);
    ck_assert_double_eq_tol(r[2], refs_table[_i].c, refs_table[_i].c * 1e-12);
}
END_TEST

START_TEST(test_size_refs_none)
{
    double r[3];
    ck_assert_uint_eq(st_thematic_size_refs(0, r), 0);
    ck_assert_uint_eq(st_thematic_size_refs(NAN, r), 0);
}
END_TEST

/* ---- marker points and derived fields -------------------------------------- */

START_TEST(test_marker_points)
{
    fixture fx;
    fx_init(&fx);
    double x;
    double y;
    st_thematic_marker_point(&fx.fs, &fx.fs.feat[HOLED], ST_MARKER_AT_CENTROID, 0.01, &x, &y);
    ck_assert_double_eq_tol(x, 41, 1e-9);
    ck_assert_double_eq_tol(y, 41, 1e-9);
    st_thematic_marker_point(&fx.fs, &fx.fs.feat[ALPHA], ST_MARKER_AT_LABEL_POINT, 0.001, &x, &y);
    ck_assert_double_eq_tol(x, 30.5, 0.002);
    ck_assert_double_eq_tol(y, 50.5, 0.002);
    /* The label point of the holed square avoids the hole; its centroid
     * does not. */
    st_thematic_marker_point(&fx.fs, &fx.fs.feat[HOLED], ST_MARKER_AT_LABEL_POINT, 0.001, &x, &y);
    ck_assert(!(x > 40.5 && x < 41.5 && y > 40.5 && y < 41.5));
    fx_free(&fx);
}
END_TEST

START_TEST(test_derived_area)
{
    fixture fx;
    fx_init(&fx);
    ck_assert_int_eq(st_ctx_load_proj(fx.ctx), STEPPE_OK);
    double a;
    /* The octant (0N 0E, 0N 90E, 90N 0E) is an eighth of the WGS 84
     * ellipsoid, 510,065,621.718 km² (Karney 2013, table 2). */
    ck_assert(st_thematic_derived_value(&fx.fs, &fx.fs.feat[OCTANT], "area_km2", &a));
    ck_assert_double_eq_tol(a, 510065621.718 / 8, 1e-2);
    /* A hole subtracts: the holed 2x2 square equals its outer ring minus
     * the 1x1 hole, each measured alone. */
    st_feature outer = fx.fs.feat[HOLED];
    outer.nparts = 1;
    outer.npoints = outer.parts[1];
    st_feature hole = fx.fs.feat[HOLED];
    hole.nparts = 1;
    hole.xy += 2 * (size_t)hole.parts[1];
    hole.npoints -= hole.parts[1];
    uint32_t zero = 0;
    hole.parts = &zero;
    double ah;
    double ao;
    double ai;
    ck_assert(st_thematic_derived_value(&fx.fs, &fx.fs.feat[HOLED], "area_km2", &ah));
    ck_assert(st_thematic_derived_value(&fx.fs, &outer, "area_km2", &ao));
    ck_assert(st_thematic_derived_value(&fx.fs, &hole, "area_km2", &ai));
    ck_assert(ai > 8000 && ao > 4 * ai * 0.98);
    ck_assert_double_eq_tol(ah, ao - ai, 1e-6);
    /* Not a polygon measure on lines, not a derived name at all */
    ck_assert(!st_thematic_derived_value(&fx.fs, &fx.fs.feat[0], "length_km", &a));
    ck_assert(!st_thematic_derived_value(&fx.fs, &fx.fs.feat[0], "pop", &a));
    fx_free(&fx);
}
END_TEST

START_TEST(test_derived_columns_classify)
{
    fixture fx;
    fx_init(&fx);
    unsigned mask = st_thematic_derived_in("{name}: {area_km2} km² at {lat}");
    ck_assert_uint_eq(mask, ST_DERIVED_AREA_KM2 | ST_DERIVED_LAT);
    ck_assert_uint_eq(st_thematic_derived_in("length_km"), ST_DERIVED_LENGTH_KM);
    ck_assert_uint_eq(st_thematic_derived_in("{{area_km2}}"), 0);
    ck_assert_int_eq(st_thematic_derive_fields(fx.ctx, &fx.fs, mask | ST_DERIVED_LON, STYLE_LOC, fx.arena),
                     STEPPE_OK);
    int fa = st_featureset_field(&fx.fs, "area_km2");
    int fl = st_featureset_field(&fx.fs, "lat");
    ck_assert_int_ge(fa, 0);
    ck_assert_int_ge(fl, 0);
    ck_assert_int_eq(fx.fs.field_types[fa], 'N');
    ck_assert_int_eq(strncmp(fx.fs.feat[OCTANT].attrs[fa], "63758202.71", 11), 0);
    ck_assert_uint_eq(strlen(fx.fs.feat[OCTANT].attrs[fa]), 12); /* three decimals */
    ck_assert_str_eq(st_feature_attr(&fx.fs, &fx.fs.feat[ALPHA], "lon"), "30.500000");
    double lat = atof(st_feature_attr(&fx.fs, &fx.fs.feat[ALPHA], "lat"));
    ck_assert_double_eq_tol(lat, 50.5, 0.002);
    /* old fields untouched */
    ck_assert_str_eq(st_feature_attr(&fx.fs, &fx.fs.feat[BETA], "code"), "02");
    /* usable as a label template and for classify */
    char *label = st_feature_format(fx.arena, "{name} {area_km2}", &fx.fs, &fx.fs.feat[OCTANT]);
    ck_assert_int_eq(strncmp(label, "Octant 63758202.71", 18), 0);
    fx.spec.classify.enabled = true;
    fx.spec.classify.field = "area_km2";
    fx.spec.classify.method = ST_CLASS_NATURAL; /* the eight squares have one area */
    fx.spec.classify.classes = 2;
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    ck_assert_int_eq(fx.res.cls[OCTANT], 1);
    ck_assert_int_eq(fx.res.cls[ALPHA], 0);
    ck_assert_uint_eq(fx.res.nodata.count, 0);
    /* a second call adds nothing */
    size_t nf = fx.fs.nfields;
    ck_assert_int_eq(st_thematic_derive_fields(fx.ctx, &fx.fs, mask, STYLE_LOC, fx.arena), STEPPE_OK);
    ck_assert_uint_eq(fx.fs.nfields, nf);
    /* length of polygons */
    ck_assert_int_eq(st_thematic_derive_fields(fx.ctx, &fx.fs, ST_DERIVED_LENGTH_KM, STYLE_LOC, fx.arena),
                     STEPPE_ERR_STYLE_VALUE);
    ck_assert_ptr_nonnull(
        strstr(steppe_ctx_last_error(fx.ctx), "map.yaml:7:5: length_km is measured on lines"));
    fx_free(&fx);
}
END_TEST

START_TEST(test_derived_length)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    /* Moscow - Omsk - Pavlodar (check_derive's geod table: 2243.024482 +
     * 383.359623 km) */
    double xy[] = {37.6173, 55.7558, 73.3686, 54.9885, 76.9674, 52.2873};
    uint32_t p0 = 0;
    st_feature f = {.nparts = 1, .npoints = 3, .parts = &p0, .xy = xy};
    st_feature_update_bbox(&f);
    st_featureset fs = {.type = ST_GEOM_LINE, .feat = &f, .n = 1, .cap = 1, .crs = "EPSG:4326"};
    ck_assert_int_eq(st_thematic_derive_fields(ctx, &fs, ST_DERIVED_LENGTH_KM, (st_loc){0}, arena),
                     STEPPE_OK);
    ck_assert_str_eq(st_feature_attr(&fs, &f, "length_km"), "2626.384");
    ck_assert_int_eq(st_thematic_derive_fields(ctx, &fs, ST_DERIVED_AREA_KM2, (st_loc){0}, arena),
                     STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), "area_km2 is measured on polygons, and the layer has lines");
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_derived_ru_regions)
{
    /* The 83 regions of shapes/ru_regions.shp together: Russia's area,
     * 17.1 million km² (Rosstat), within 1 %. */
    fixture fx;
    fx_open(&fx, "shapes/ru_regions.shp");
    ck_assert_int_eq(fx.fs.n, 83);
    ck_assert_int_eq(st_thematic_derive_fields(fx.ctx, &fx.fs, ST_DERIVED_AREA_KM2, (st_loc){0}, fx.arena),
                     STEPPE_OK);
    double total = 0;
    for (size_t i = 0; i < fx.fs.n; i++)
        total += atof(st_feature_attr(&fx.fs, &fx.fs.feat[i], "area_km2"));
    ck_assert_msg(fabs(total - 17.1e6) < 0.01 * 17.1e6, "total %.0f km²", total);
    fx.spec.classify.enabled = true;
    fx.spec.classify.field = "area_km2";
    fx.spec.classify.method = ST_CLASS_NATURAL;
    fx.spec.classify.classes = 5;
    ck_assert_int_eq(fx_apply(&fx), STEPPE_OK);
    size_t sum = 0;
    for (int c = 0; c < fx.res.nclasses; c++)
        sum += fx.res.entries[c].count;
    ck_assert_uint_eq(sum, 83);
    fx_free(&fx);
}
END_TEST

static Suite *thematic_suite(void)
{
    Suite *s = suite_create("thematic");
    TCase *tc = tcase_create("thematic");
    tcase_add_test(tc, test_classify_quantile);
    tcase_add_test(tc, test_classify_manual_ru_reverse);
    tcase_add_test(tc, test_classify_colour_list_and_text_numbers);
    tcase_add_test(tc, test_classify_all_nodata);
    tcase_add_test(tc, test_classify_errors);
    tcase_add_test(tc, test_categorize_sorted);
    tcase_add_test(tc, test_categorize_order_max_other);
    tcase_add_test(tc, test_categorize_limits);
    tcase_add_test(tc, test_size_sqrt_order_refs);
    tcase_add_test(tc, test_size_linear_min_ru);
    tcase_add_test(tc, test_size_errors);
    tcase_add_loop_test(tc, test_size_refs_table, 0, (int)(sizeof refs_table / sizeof refs_table[0]));
    tcase_add_test(tc, test_size_refs_none);
    tcase_add_test(tc, test_marker_points);
    tcase_add_test(tc, test_derived_area);
    tcase_add_test(tc, test_derived_columns_classify);
    tcase_add_test(tc, test_derived_length);
    tcase_add_test(tc, test_derived_ru_regions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(thematic_suite());
}
