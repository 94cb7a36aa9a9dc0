/* Legend numbers and ranges in en, ru and kk (CLDR separators). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "testutil.h"

#define NBSP "\xc2\xa0"
#define DASH " \xe2\x80\x93 "

START_TEST(test_numbers)
{
    static const struct {
        double v;
        st_lang lang;
        int decimals;
        const char *expect;
    } cases[] = {
        {1234.5, ST_LANG_EN, 1, "1,234.5"},
        {1234.5, ST_LANG_RU, 1, "1" NBSP "234,5"},
        {1234.5, ST_LANG_KK, 1, "1" NBSP "234,5"},
        {-1234567.25, ST_LANG_EN, 2, "-1,234,567.25"},
        {-1234567.25, ST_LANG_RU, 0, "-1" NBSP "234" NBSP "567"},
        {999, ST_LANG_EN, 0, "999"},
        {1000, ST_LANG_EN, 0, "1,000"},
        {100000, ST_LANG_RU, 0, "100" NBSP "000"},
        {0.125, ST_LANG_EN, -1, "0.125"},
        {2.50, ST_LANG_KK, -1, "2,5"},
        {3, ST_LANG_EN, -1, "3"},
        {-0.0001, ST_LANG_EN, 2, "0.00"},
        {-0.4, ST_LANG_EN, 0, "0"},
        {0.5, ST_LANG_EN, 3, "0.500"},
        {NAN, ST_LANG_EN, 0, "\xe2\x80\x93"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        st_numfmt_opts o = {.lang = cases[i].lang, .decimals = cases[i].decimals};
        char out[64];
        size_t n = st_numfmt(cases[i].v, &o, out, sizeof out);
        ck_assert_msg(strcmp(out, cases[i].expect) == 0, "case %zu: \"%s\", expected \"%s\"", i, out,
                      cases[i].expect);
        ck_assert_uint_eq(n, strlen(cases[i].expect));
    }
    st_numfmt_opts plain = {.lang = ST_LANG_EN, .decimals = 0, .no_grouping = true};
    char out[64];
    st_numfmt(1234567, &plain, out, sizeof out);
    ck_assert_str_eq(out, "1234567");
    /* Truncated like snprintf, the full length returned. */
    char small[4];
    st_numfmt_opts en = {.lang = ST_LANG_EN, .decimals = 0};
    ck_assert_uint_eq(st_numfmt(1234567, &en, small, sizeof small), 9);
    ck_assert_str_eq(small, "1,2");
}
END_TEST

START_TEST(test_decimals)
{
    static const struct {
        double e[6];
        size_t n;
        int expect;
    } cases[] = {
        {{0, 1000, 2500, 10000}, 4, 0}, {{0.1, 0.35, 0.6}, 3, 1},
        {{1.2, 1.25, 1.3}, 3, 2},       {{3, 3, 4.5}, 3, 0}, /* equal quantile edges stay equal */
        {{10.0001, 10.0002}, 2, 4},     {{1, 1 + 1e-15}, 2, ST_NUMFMT_MAX_DECIMALS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(st_numfmt_decimals(cases[i].e, cases[i].n) == cases[i].expect, "case %zu: %d", i,
                      st_numfmt_decimals(cases[i].e, cases[i].n));
}
END_TEST

START_TEST(test_ranges)
{
    char out[128];
    st_numfmt_opts en = {.lang = ST_LANG_EN, .decimals = 0};
    st_numfmt_range(1000, 2500, &en, out, sizeof out);
    ck_assert_str_eq(out, "1,000" DASH "2,500");
    st_numfmt_opts ru = {.lang = ST_LANG_RU, .decimals = 1, .unit = "км²"};
    st_numfmt_range(1500.26, 20000, &ru, out, sizeof out);
    ck_assert_str_eq(out, "1" NBSP "500,3" DASH "20" NBSP "000,0" NBSP "км²");
    st_numfmt_opts kk = {.lang = ST_LANG_KK, .decimals = -1, .unit = "%"};
    st_numfmt_range(-2.5, 0, &kk, out, sizeof out);
    ck_assert_str_eq(out, "-2,5" DASH "0" NBSP "%");
}
END_TEST

START_TEST(test_langs)
{
    st_lang l;
    ck_assert(st_lang_from_name("ru", &l));
    ck_assert_int_eq(l, ST_LANG_RU);
    ck_assert(st_lang_from_name("kk", &l));
    ck_assert_int_eq(l, ST_LANG_KK);
    ck_assert(!st_lang_from_name("de", &l));
}
END_TEST

static Suite *numfmt_suite(void)
{
    Suite *s = suite_create("numfmt");
    TCase *tc = tcase_create("numfmt");
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_decimals);
    tcase_add_test(tc, test_ranges);
    tcase_add_test(tc, test_langs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(numfmt_suite());
}
