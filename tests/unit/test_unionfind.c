/*
 * test_unionfind.c: the disjoint sets of dedup's clusters (unionfind.c).
 *
 * Random unions on random sizes against a naive relabelling: every find gives the smallest
 * member of the set, whatever the order of the unions, union says whether the sets were apart,
 * and growing keeps the sets. Prints its seed; IBID_TEST_SEED replays one.
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

static void test_unionfind(void **state)
{
    (void)state;
    for (int trial = 0; trial < 50; trial++) {
        size_t n = 1 + rng() % 300;
        ibid_uf u = {0};
        ibid_uf_grow(&u, n / 2);
        ibid_uf_grow(&u, n); /* growing keeps the sets and adds singletons */
        uint32_t *label = malloc(n * sizeof *label);
        assert_non_null(label);
        for (size_t i = 0; i < n; i++) label[i] = (uint32_t)i;
        size_t unions = rng() % (n + 1);
        for (size_t k = 0; k < unions; k++) {
            uint32_t a = (uint32_t)(rng() % n), b = (uint32_t)(rng() % n);
            int apart = label[a] != label[b];
            assert_int_equal(ibid_uf_union(&u, a, b), apart);
            uint32_t from = label[a] > label[b] ? label[a] : label[b];
            uint32_t to = label[a] < label[b] ? label[a] : label[b];
            for (size_t i = 0; i < n; i++)
                if (label[i] == from) label[i] = to; /* the label is the smallest member */
        }
        for (size_t i = 0; i < n; i++) assert_int_equal(ibid_uf_find(&u, (uint32_t)i), label[i]);
        free(label);
        ibid_uf_free(&u);
    }
}

int main(void)
{
    seed_rng("test_unionfind");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unionfind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
