/* A stable order by a numeric key (core/sort.c): keys ascending or
 * descending, equal keys in the order of their indices whatever order
 * they come in. */
#include <check.h>
#include <stdlib.h>

#include "sort.h"
#include "testutil.h"

/* Keys in input order (their indices are the positions), direction, and
 * the indices in the order wanted. */
static const struct {
    double keys[6];
    size_t n;
    bool descending;
    size_t want[6];
} sort_table[] = {
    {{3, 1, 2}, 3, false, {1, 2, 0}},
    {{3, 1, 2}, 3, true, {0, 2, 1}},
    {{2, 1, 2, 1, 2, 1}, 6, false, {1, 3, 5, 0, 2, 4}}, /* ties by index */
    {{2, 1, 2, 1, 2, 1}, 6, true, {0, 2, 4, 1, 3, 5}},  /* ties still by index, not reversed */
    {{-0.5, 1e300, -1e300, 0}, 4, false, {2, 0, 3, 1}},
    {{7}, 1, true, {0}},
    {{0}, 0, false, {0}},
};

START_TEST(test_sort_table)
{
    st_keyed items[6];
    size_t n = sort_table[_i].n;
    /* Given in reverse, so that index order is not the order they come in. */
    for (size_t k = 0; k < n; k++)
        items[k] = (st_keyed){sort_table[_i].keys[n - 1 - k], n - 1 - k};
    st_sort_keyed(items, n, sort_table[_i].descending);
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(items[k].index == sort_table[_i].want[k], "row %d, place %zu: index %zu, want %zu", _i,
                      k, items[k].index, sort_table[_i].want[k]);
}
END_TEST

int main(void)
{
    TCase *tc;
    Suite *s = tu_suite("sort", &tc);
    tcase_add_loop_test(tc, test_sort_table, 0, sizeof sort_table / sizeof sort_table[0]);
    return tu_run_suite(s);
}
