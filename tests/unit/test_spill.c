/*
 * test_spill.c: records spilled to sorted runs and merged back (spill.c).
 *
 * Spill: random records (few distinct keys, so that ties on key are ordered by x and y) added
 * in random-sized pieces to bags whose budgets go from holding everything to 1024 records (many
 * runs); read back, they must equal qsort's order of all of them, record for record, and the
 * number of runs must be what the budget implies. Prints its seed; IBID_TEST_SEED replays one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibid_int.h"

#include "test_rng.h"

static int cmp_rec(const void *pa, const void *pb)
{
    const ibid_rec *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    return 0;
}

static void check_spill(size_t n, size_t budget_recs, int n_threads)
{
    ibid_rec *a = malloc((n ? n : 1) * sizeof *a);
    assert_non_null(a);
    for (size_t i = 0; i < n; i++)
        a[i] = (ibid_rec){rng() % 97, (uint32_t)(rng() % 5), (uint32_t)rng()};
    ibid_spill *s = NULL;
    ibid_error err;
    assert_int_equal(ibid_spill_new(&s, NULL, budget_recs * sizeof(ibid_rec), n_threads, &err), 0);
    for (size_t i = 0; i < n;) {
        size_t k = 1 + rng() % 3000;
        if (k > n - i) k = n - i;
        assert_int_equal(ibid_spill_add(s, a + i, k, &err), 0);
        i += k;
    }
    assert_int_equal(ibid_spill_finish(s, &err), 0);
    size_t cap = budget_recs < 1024 ? 1024 : budget_recs;
    assert_int_equal(ibid_spill_n_runs(s), n / cap);
    assert_int_equal(ibid_spill_n_records(s), n);
    qsort(a, n, sizeof *a, cmp_rec);
    ibid_rec r;
    size_t i = 0;
    int rc;
    while ((rc = ibid_spill_next(s, &r, &err)) > 0) {
        assert_true(i < n);
        if (cmp_rec(&r, &a[i]) != 0)
            fail_msg("n %zu, budget %zu: record %zu differs", n, budget_recs, i);
        i++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, n);
    assert_int_equal(ibid_spill_next(s, &r, &err), 0); /* and stays at the end */
    ibid_spill_free(s);
    free(a);
}

static void test_spill(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 1023, 1024, 1025, 5000, 100000};
    static const size_t budgets[] = {1, 1024, 4096, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (size_t j = 0; j < sizeof budgets / sizeof *budgets; j++)
            check_spill(sizes[i], budgets[j], 1 + (int)(rng() % 4));
}

int main(void)
{
    seed_rng("test_spill");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
