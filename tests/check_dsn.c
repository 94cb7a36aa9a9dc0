/* check suite for dsn.c: which sources are connections, and the form
 * every message shows them in, without the password — a table of inputs
 * and what each must show. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dsn.h"
#include "testutil.h"

typedef struct shown_case {
    const char *dsn;
    const char *shown;
} shown_case;

static const shown_case shown_cases[] = {
    {"postgresql://maps@db.example.org/gis", "postgresql://maps@db.example.org/gis"},
    {"postgresql://maps:s3cret@db.example.org:5433/gis", "postgresql://maps:***@db.example.org:5433/gis"},
    {"postgres://maps:p%40ss@db/gis?sslmode=require", "postgres://maps:***@db/gis?sslmode=require"},
    {"postgresql://maps@db/gis?password=s3cret&sslmode=require",
     "postgresql://maps@db/gis?password=***&sslmode=require"},
    {"postgresql://a:b@/gis?host=/run/postgresql&password=c",
     "postgresql://a:***@/gis?host=/run/postgresql&password=***"},
    /* An @ in the path or query is not the end of the user part. */
    {"postgresql://u:pw@h/db?application_name=x@y", "postgresql://u:***@h/db?application_name=x@y"},
    {"postgresql:///gis", "postgresql:///gis"},
    {"postgresql://u:pa?ss#x@h/db", "postgresql://u:***@h/db"},
    {"postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"},
    {"PG:host=db dbname=gis user=maps password=s3cret", "PG:host=db dbname=gis user=maps password=***"},
    {"PG:password = 's3 cr\\'et' dbname=gis", "PG:password=*** dbname=gis"},
    {"PG:service=maps", "PG:service=maps"},
};

START_TEST(test_shown)
{
    const shown_case *c = &shown_cases[_i];
    st_arena *a = st_arena_create(0);
    char *s = st_dsn_shown(a, c->dsn);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strcmp(s, c->shown) == 0, "%s: shown as '%s', expected '%s'", c->dsn, s, c->shown);
    st_arena_destroy(a);
}
END_TEST

START_TEST(test_is_dsn)
{
    ck_assert(st_dsn_is("postgresql://h/db"));
    ck_assert(st_dsn_is("postgres://h/db"));
    ck_assert(st_dsn_is("PG:dbname=gis"));
    ck_assert(!st_dsn_is("shapes/countries.shp"));
    ck_assert(!st_dsn_is("postgresql.shp"));
    ck_assert(!st_dsn_is("pg:dbname=gis")); /* GDAL's prefix is upper case */
    ck_assert(!st_dsn_is(NULL));
    ck_assert_str_eq(st_dsn_conninfo("PG:dbname=gis"), "dbname=gis");
    ck_assert_str_eq(st_dsn_conninfo("postgresql://h/db"), "postgresql://h/db");
}
END_TEST

START_TEST(test_uri_password)
{
    size_t b = 0, e = 0;
    const char *d = "postgresql://maps:s3cret@db/gis";
    ck_assert(st_dsn_uri_password(d, &b, &e));
    ck_assert_int_eq((int)(e - b), 6);
    ck_assert(strncmp(d + b, "s3cret", 6) == 0);
    ck_assert(!st_dsn_uri_password("postgresql://maps@db/gis", &b, &e));
    ck_assert(!st_dsn_uri_password("PG:user=a password=b", &b, &e));
}
END_TEST

static Suite *dsn_suite(void)
{
    Suite *s = suite_create("dsn");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_shown, 0, (int)(sizeof shown_cases / sizeof shown_cases[0]));
    tcase_add_test(tc, test_is_dsn);
    tcase_add_test(tc, test_uri_password);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(dsn_suite());
}
