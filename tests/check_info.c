/* steppe info: the text describing a Shapefile or a CSV of points. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include <steppe/info.h>

static char *describe(steppe_ctx_t *ctx, const char *rel, steppe_status_t expect)
{
    char *text = NULL;
    steppe_status_t st = steppe_info_describe(ctx, tu_src(rel), &text);
    ck_assert_msg(st == expect, "%s: status %d: %s", rel, st, steppe_ctx_last_error(ctx));
    return text;
}

static void has(const char *text, const char *line)
{
    ck_assert_msg(strstr(text, line) != NULL, "missing \"%s\" in:\n%s", line, text);
}

START_TEST(test_polygon)
{
    steppe_ctx_t *ctx = tu_ctx();
    char *t = describe(ctx, "tests/fixtures/shp/polygon.shp", STEPPE_OK);
    has(t, "tests/fixtures/shp/polygon.shp\n");
    has(t, "  type:      Polygon (5)\n");
    has(t, "  records:   4 (1 null)\n");
    has(t, "  bbox:      0.0000 0.0000 55.0000 10.0000   (xmin ymin xmax ymax)\n");
    has(t, "  vertices:  25\n");
    has(t, "  crs:       WGS 84 (EPSG:4326)\n");
    has(t, "  encoding:  UTF-8 (from .cpg)\n");
    has(t, "  fields:    3\n");
    has(t, "    name      C(40)\n");
    has(t, "    code      N(5)\n");
    has(t, "    val       F(10,2)\n");
    free(t);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_variants)
{
    static const struct {
        const char *file;
        const char *line;
    } cases[] = {
        {"tests/fixtures/shp/pointz.shp", "  type:      PointZ (11)\n"},
        {"tests/fixtures/shp/polylinem.shp", "  type:      ArcM (23)\n"},
        {"tests/fixtures/shp/multipoint.shp", "  vertices:  5\n"},
        {"tests/fixtures/shp/ldid1251.shp", "  encoding:  CP1251 (from the .dbf language driver)\n"},
        {"tests/fixtures/shp/cp1251.shp", "  encoding:  CP1251 (from .cpg)\n"},
        {"tests/fixtures/shp/noprj.shp", "  crs:       EPSG:4326 (assumed: no .prj)\n"},
        {"tests/fixtures/shp/nodbf.shp", "  encoding:  none (no .dbf)\n"},
        {"tests/fixtures/shp/broken.shp", "  records:   6 (0 null, 2 skipped)\n"},
        {"tests/fixtures/shp/places.csv", "  records:   7 (0 null, 2 skipped)\n"},
        {"tests/fixtures/shp/places.csv", "  fields:    4\n    name      C\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        steppe_ctx_t *ctx = tu_ctx();
        char *t = describe(ctx, cases[i].file, STEPPE_OK);
        has(t, cases[i].line);
        free(t);
        steppe_ctx_destroy(ctx);
    }
}
END_TEST

START_TEST(test_errors)
{
    steppe_ctx_t *ctx = tu_ctx();
    char *t = (char *)"untouched";
    ck_assert_int_eq(steppe_info_describe(ctx, tu_src("tests/fixtures/shp/missing.shp"), &t),
                     STEPPE_ERR_DATA_OPEN);
    ck_assert_str_eq(t, "untouched");
    ck_assert_int_eq(steppe_info_describe(ctx, tu_src("tests/fixtures/shp/multipatch.shp"), &t),
                     STEPPE_ERR_DATA_UNSUPPORTED);
    ck_assert_str_eq(t, "untouched");
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_field)
{
    steppe_ctx_t *ctx = tu_ctx();
    char *t = NULL;
    const char *shp = tu_src("tests/fixtures/shp/polygon.shp");
    ck_assert_int_eq(steppe_info_field(ctx, shp, "val", &t), STEPPE_OK);
    has(t, "field val (F, numeric)\n");
    has(t, "  count:     3\n  no-data:   0\n  distinct:  3\n");
    has(t, "  min:       0\n  max:       4.5\n  mean:      2\n  median:    1.5\n");
    has(t, "  top values:\n    0                    1\n");
    free(t);
    ck_assert_int_eq(steppe_info_field(ctx, shp, "name", &t), STEPPE_OK);
    has(t, "field name (C, text)\n");
    ck_assert_ptr_null(strstr(t, "mean:"));
    free(t);
    t = (char *)"untouched";
    ck_assert_int_eq(steppe_info_field(ctx, shp, "nosuch", &t), STEPPE_ERR_USAGE);
    ck_assert_str_eq(t, "untouched");
    has(steppe_ctx_last_error(ctx), "no field 'nosuch' (fields: name, code, val)");
    steppe_ctx_destroy(ctx);
}
END_TEST

static Suite *info_suite(void)
{
    Suite *s = suite_create("info");
    TCase *tc = tcase_create("info");
    tcase_add_test(tc, test_polygon);
    tcase_add_test(tc, test_variants);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_field);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(info_suite());
}
