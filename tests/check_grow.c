/* Growing heap arrays (core/grow.c): the capacity doubles from the first
 * size until the items asked for fit, the contents survive, and a size
 * that would overflow is refused with the array left as it was. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"
#include "testutil.h"

/* need, first, capacity before, capacity after (0: refused). */
static const struct {
    size_t need, first, cap, want;
} grow_table[] = {
    {1, 16, 0, 16},  /* empty: the first size */
    {16, 16, 0, 16}, /* exactly the first size */
    {17, 16, 0, 32}, /* more than the first: doubled until it fits */
    {5, 4, 4, 8},    /* full: doubled once */
    {6, 4, 4, 8},    /* two more (a point of two doubles): still once */
    {33, 4, 8, 64},  /* far more: doubled three times */
    {3, 4, 8, 8},    /* room already: unchanged */
};

START_TEST(test_grow_table)
{
    size_t cap = grow_table[_i].cap;
    int *v = cap ? calloc(cap, sizeof *v) : NULL;
    ck_assert(cap == 0 || v);
    for (size_t i = 0; i < cap; i++)
        v[i] = (int)i + 1;
    ck_assert(st_grow(&v, &cap, grow_table[_i].need, sizeof *v, grow_table[_i].first));
    ck_assert_uint_eq(cap, grow_table[_i].want);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < grow_table[_i].cap; i++)
        ck_assert_int_eq(v[i], (int)i + 1); /* contents kept */
    v[cap - 1] = 7;                         /* the whole capacity is writable (ASan checks) */
    free(v);
}
END_TEST

START_TEST(test_grow_overflow)
{
    size_t cap = 4;
    double *v = calloc(cap, sizeof *v);
    ck_assert_ptr_nonnull(v);
    double *before = v;
    ck_assert(!st_grow(&v, &cap, SIZE_MAX / 2, sizeof *v, 4));
    ck_assert_ptr_eq(v, before);
    ck_assert_uint_eq(cap, 4);
    free(v);
}
END_TEST

int main(void)
{
    TCase *tc;
    Suite *s = tu_suite("grow", &tc);
    tcase_add_loop_test(tc, test_grow_table, 0, sizeof grow_table / sizeof grow_table[0]);
    tcase_add_test(tc, test_grow_overflow);
    return tu_run_suite(s);
}
