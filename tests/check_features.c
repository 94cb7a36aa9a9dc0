/* Features: filters (every operator, numeric against textual comparison),
 * field lookup, classes, label templates, bboxes, number parsing. Feature
 * sets are built in code so each case states its attributes. */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "features.h"
#include "testutil.h"

static const char *fields[] = {"name", "iso_n3", "pop", "NAME_EN"};
static char types[] = "CCNC";

/* One feature per row: name, iso_n3, pop, NAME_EN */
static const char *rows[][4] = {
    {"Russia", "643", "146.1", "Russia"},
    {"Kazakhstan", "398.0", "19.6", "Kazakhstan"},
    {"Nowhere", "", "n/a", ""},
    {"Tiny", " 020 ", "0.08", "Andorra"},
};
#define NROWS (sizeof rows / sizeof rows[0])

static st_feature feats[NROWS];
static st_featureset fs;

static void setup(void)
{
    memset(&fs, 0, sizeof fs);
    fs.fields = fields;
    fs.field_types = types;
    fs.nfields = 4;
    fs.path = "test.shp";
    for (size_t i = 0; i < NROWS; i++) {
        memset(&feats[i], 0, sizeof feats[i]);
        feats[i].attrs = rows[i];
        feats[i].cls = -1;
    }
    fs.feat = feats;
    fs.n = NROWS;
}

/* Which rows match: a bit per row, row 0 = bit 0. */
static unsigned matches(const st_cond *c)
{
    st_filter f = {(st_cond *)c, 1};
    unsigned m = 0;
    for (size_t i = 0; i < NROWS; i++) {
        if (st_filter_match(&f, &fs, &feats[i]))
            m |= 1u << i;
    }
    return m;
}

static const char *v643[] = {"643"};
static const char *v643f[] = {"643.0"};
static const char *vrussia[] = {"Russia"};
static const char *vrussia_lc[] = {"russia"};
static const char *vin[] = {"398", "20", "Atlantis"};
static const char *vempty[] = {""};

static const struct {
    const char *field;
    st_cond_op op;
    const char **values;
    size_t nvalues;
    double num;
    unsigned expect; /* rows matching, bit per row */
} filter_cases[] = {
    /* textual equality */
    {"name", ST_OP_EQ, vrussia, 1, 0, 0x1},
    {"name", ST_OP_EQ, vrussia_lc, 1, 0, 0x0},
    {"name", ST_OP_NE, vrussia, 1, 0, 0xE},
    /* numeric equality when both sides are numbers: "643" = "643.0" = " 643 " */
    {"iso_n3", ST_OP_EQ, v643, 1, 0, 0x1},
    {"iso_n3", ST_OP_EQ, v643f, 1, 0, 0x1},
    {"iso_n3", ST_OP_NE, v643f, 1, 0, 0xE},
    {"iso_n3", ST_OP_EQ, vempty, 1, 0, 0x4},
    /* in / not in: "398" matches "398.0", "20" matches " 020 " */
    {"iso_n3", ST_OP_IN, vin, 3, 0, 0xA},
    {"iso_n3", ST_OP_NOT_IN, vin, 3, 0, 0x5},
    {"name", ST_OP_IN, vin, 3, 0, 0x0},
    {"name", ST_OP_NOT_IN, vin, 3, 0, 0xF},
    /* ordering is numeric; "n/a" and "" never satisfy it */
    {"pop", ST_OP_LT, NULL, 0, 19.6, 0x8},
    {"pop", ST_OP_LE, NULL, 0, 19.6, 0xA},
    {"pop", ST_OP_GT, NULL, 0, 19.6, 0x1},
    {"pop", ST_OP_GE, NULL, 0, 19.6, 0x3},
    {"pop", ST_OP_GE, NULL, 0, -1e9, 0xB},
    {"pop", ST_OP_LT, NULL, 0, 1e9, 0xB},
    {"name", ST_OP_GT, NULL, 0, 0, 0x0},
    {"iso_n3", ST_OP_LT, NULL, 0, 100, 0x8},
    /* field names: exact first, case-insensitive fallback */
    {"NAME", ST_OP_EQ, vrussia, 1, 0, 0x1},
    {"name_en", ST_OP_EQ, vrussia, 1, 0, 0x1},
    /* an unknown field never matches */
    {"colour", ST_OP_EQ, vrussia, 1, 0, 0x0},
    {"colour", ST_OP_NE, vrussia, 1, 0, 0x0},
};

START_TEST(test_filter_ops)
{
    st_cond c = {.field = filter_cases[_i].field,
                 .op = filter_cases[_i].op,
                 .values = filter_cases[_i].values,
                 .nvalues = filter_cases[_i].nvalues,
                 .num = filter_cases[_i].num};
    unsigned got = matches(&c);
    ck_assert_msg(got == filter_cases[_i].expect, "case %d (%s op %d): matched 0x%X, expected 0x%X", _i,
                  c.field, (int)c.op, got, filter_cases[_i].expect);
}
END_TEST

START_TEST(test_filter_conjunction)
{
    st_cond conds[2] = {
        {.field = "pop", .op = ST_OP_GT, .num = 1.0},
        {.field = "name", .op = ST_OP_NE, .values = vrussia, .nvalues = 1},
    };
    st_filter f = {conds, 2};
    ck_assert(!st_filter_match(&f, &fs, &feats[0]));
    ck_assert(st_filter_match(&f, &fs, &feats[1]));
    ck_assert(!st_filter_match(&f, &fs, &feats[3]));
    st_filter empty = {NULL, 0};
    ck_assert(st_filter_match(&empty, &fs, &feats[2]));
    ck_assert(st_filter_match(NULL, &fs, &feats[2]));
}
END_TEST

START_TEST(test_filter_check)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_cond conds[2] = {
        {.field = "name", .op = ST_OP_EQ, .values = vrussia, .nvalues = 1},
        {.field = "colour", .op = ST_OP_EQ, .values = vrussia, .nvalues = 1, .loc = {"styles/x.yaml", 7, 14}},
    };
    st_filter ok = {conds, 1};
    ck_assert_int_eq(st_filter_check(ctx, &ok, &fs), STEPPE_OK);
    ck_assert_int_eq(st_filter_check(ctx, NULL, &fs), STEPPE_OK);
    st_filter bad = {conds, 2};
    ck_assert_int_eq(st_filter_check(ctx, &bad, &fs), STEPPE_ERR_STYLE_KEY);
    ck_assert_str_eq(
        steppe_ctx_last_error(ctx),
        "styles/x.yaml:7:14: no field 'colour' in test.shp (fields: name, iso_n3, pop, NAME_EN)");
    fs.nfields = 0;
    ck_assert_int_eq(st_filter_check(ctx, &ok, &fs), STEPPE_ERR_STYLE_KEY);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), "no field 'name' in test.shp (fields: none)");
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_field_lookup)
{
    ck_assert_int_eq(st_featureset_field(&fs, "name"), 0);
    ck_assert_int_eq(st_featureset_field(&fs, "NAME_EN"), 3);
    ck_assert_int_eq(st_featureset_field(&fs, "name_en"), 3);
    ck_assert_int_eq(st_featureset_field(&fs, "Pop"), 2);
    ck_assert_int_eq(st_featureset_field(&fs, "missing"), -1);
    ck_assert_str_eq(st_feature_attr(&fs, &feats[1], "iso_n3"), "398.0");
    ck_assert_ptr_null(st_feature_attr(&fs, &feats[1], "missing"));
    /* Two fields differing only in case: the exact one, never a guess. */
    static const char *dup[] = {"Name", "NAME"};
    st_featureset d = {.fields = dup, .nfields = 2};
    ck_assert_int_eq(st_featureset_field(&d, "NAME"), 1);
    ck_assert_int_eq(st_featureset_field(&d, "name"), -1);
}
END_TEST

START_TEST(test_classify)
{
    st_cond big = {.field = "pop", .op = ST_OP_GE, .num = 100};
    st_cond small = {.field = "pop", .op = ST_OP_LT, .num = 1};
    st_class classes[3] = {
        {.name = "big", .where = {&big, 1}},
        {.name = "small", .where = {&small, 1}},
        {.name = "also big", .where = {&big, 1}},
    };
    st_layer layer = {.classes = classes, .nclasses = 3};
    st_featureset_classify(&fs, &layer);
    ck_assert_int_eq(feats[0].cls, 0); /* first match wins */
    ck_assert_int_eq(feats[1].cls, -1);
    ck_assert_int_eq(feats[2].cls, -1);
    ck_assert_int_eq(feats[3].cls, 1);
}
END_TEST

START_TEST(test_format)
{
    st_arena *a = st_arena_create(0);
    static const struct {
        const char *tmpl;
        const char *expect;
    } cases[] = {
        {"{name}", "Russia"},    {"{name} ({iso_n3})", "Russia (643)"}, {"{missing}!", "!"},
        {"{{name}}", "{name}"},  {"open {name", "open {name"},          {"", ""},
        {"{name_en}", "Russia"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_str_eq(st_feature_format(a, cases[i].tmpl, &fs, &feats[0]), cases[i].expect);
    ck_assert_ptr_null(st_feature_format(a, NULL, &fs, &feats[0]));
    st_arena_destroy(a);
}
END_TEST

START_TEST(test_add_and_bbox)
{
    st_arena *a = st_arena_create(0);
    st_featureset g = {0};
    for (int i = 0; i < 1000; i++) {
        st_feature *f = st_featureset_add(&g, a);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(f->cls, -1);
        f->record = (uint32_t)i;
    }
    ck_assert_uint_eq(g.n, 1000);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(g.feat[i].record, (uint32_t)i);

    double xy[] = {3, -1, -2, 5, 4, 0};
    st_feature f = {.npoints = 3, .xy = xy};
    st_feature_update_bbox(&f);
    ck_assert_double_eq(f.bbox[0], -2);
    ck_assert_double_eq(f.bbox[1], -1);
    ck_assert_double_eq(f.bbox[2], 4);
    ck_assert_double_eq(f.bbox[3], 5);
    st_arena_destroy(a);
}
END_TEST

static const struct {
    const char *text;
    int ok;
    double value;
} number_cases[] = {
    {"0", 1, 0.0},
    {"643", 1, 643.0},
    {"643.0", 1, 643.0},
    {"  -12.5  ", 1, -12.5},
    {"+7", 1, 7.0},
    {".5", 1, 0.5},
    {"5.", 1, 5.0},
    {"1e3", 1, 1000.0},
    {"2.5E-2", 1, 0.025},
    {"0.1", 1, 0.1},
    {"55.7558", 1, 55.7558},
    {"123456789012345678901234", 1, 1.2345678901234568e23},
    {"0.000000000000000000000000001", 1, 1e-27},
    {"", 0, 0},
    {"   ", 0, 0},
    {"-", 0, 0},
    {".", 0, 0},
    {"1e", 0, 0},
    {"12abc", 0, 0},
    {"1,5", 0, 0},
    {"nan", 0, 0},
    {"inf", 0, 0},
    {"1e999", 0, 0},
    {"0x10", 0, 0},
};

START_TEST(test_parse_number)
{
    double v = -999;
    int ok = st_parse_number(number_cases[_i].text, &v);
    ck_assert_msg(ok == number_cases[_i].ok, "'%s': ok %d", number_cases[_i].text, ok);
    if (ok)
        ck_assert_msg(v == number_cases[_i].value, "'%s': %.17g", number_cases[_i].text, v);
}
END_TEST

START_TEST(test_parse_number_locale)
{
    /* A host application may have set a locale with a decimal comma. */
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "ru_RU.UTF-8"))
        return;
    double v = 0;
    ck_assert(st_parse_number("55.7558", &v));
    ck_assert(v == 55.7558);
    ck_assert(st_parse_number("1.2345678901234567890123", &v));
    ck_assert_double_eq_tol(v, 1.2345678901234567, 1e-15);
    setlocale(LC_NUMERIC, "C");
}
END_TEST

static Suite *features_suite(void)
{
    Suite *s = suite_create("features");
    TCase *tc = tcase_create("features");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_loop_test(tc, test_filter_ops, 0, sizeof filter_cases / sizeof filter_cases[0]);
    tcase_add_test(tc, test_filter_conjunction);
    tcase_add_test(tc, test_filter_check);
    tcase_add_test(tc, test_field_lookup);
    tcase_add_test(tc, test_classify);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_add_and_bbox);
    tcase_add_loop_test(tc, test_parse_number, 0, sizeof number_cases / sizeof number_cases[0]);
    tcase_add_test(tc, test_parse_number_locale);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(features_suite());
}
