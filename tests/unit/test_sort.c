/*
 * test_sort.c: the in-place radix sort of 16-byte records (sort.c), checked against qsort.
 *
 * Random arrays of many sizes (around the insertion sort cut-off of 32 records and the parallel
 * threshold of 4096) and key shapes: random 64-bit keys, few distinct keys, all keys equal,
 * seed keys doc1 << 32 | doc2 with their leading zero bytes, keys that differ only in one byte.
 * Each is sorted with 1 and 4 threads and must equal qsort's order on (key, x, y) exactly.
 * Prints its seed; IBID_TEST_SEED replays one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

enum { K_RANDOM, K_FEW, K_EQUAL, K_SEED, K_LOW_BYTE, K_HIGH_BYTE, K_MID_BYTES, N_SHAPES };
static const char *const shape_name[] = {"random",   "few",       "equal",    "seed",
                                         "low byte", "high byte", "mid bytes"};

static uint64_t make_key(int shape)
{
    switch (shape) {
    case K_RANDOM:
        return rng();
    case K_FEW:
        return rng() % 5 * 0x0101010101010101ull;
    case K_EQUAL:
        return 0x1234;
    case K_SEED: /* doc1 < doc2, both small */
    {
        uint64_t a = rng() % 50, b = a + 1 + rng() % 50;
        return a << 32 | b;
    }
    case K_LOW_BYTE:
        return 0xABCDEF0000000000ull | (rng() & 255);
    case K_HIGH_BYTE:
        return (rng() & 255) << 56;
    default:
        return (rng() & 0xFFFF) << 20;
    }
}

static void check_sort(size_t n, int shape, int n_threads)
{
    ibid_rec *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    uint32_t xy_range = rng() % 2 ? 4 : UINT32_MAX; /* often many equal (x, y) too */
    for (size_t i = 0; i < n; i++) {
        a[i].key = make_key(shape);
        a[i].x = (uint32_t)(rng() % xy_range);
        a[i].y = (uint32_t)(rng() % xy_range);
    }
    memcpy(b, a, n * sizeof *a);
    ibid_rec_sort(a, n, n_threads);
    qsort(b, n, sizeof *b, cmp_rec);
    for (size_t i = 0; i < n; i++)
        if (cmp_rec(&a[i], &b[i]) != 0)
            fail_msg("n %zu, keys %s, %d threads: record %zu is (%llx, %u, %u), expected "
                     "(%llx, %u, %u)",
                     n, shape_name[shape], n_threads, i, (unsigned long long)a[i].key, a[i].x,
                     a[i].y, (unsigned long long)b[i].key, b[i].x, b[i].y);
    free(a);
    free(b);
}

static void test_against_qsort(void **state)
{
    (void)state;
    seed_rng("test_against_qsort");
    const size_t sizes[] = {0, 1, 2, 31, 32, 33, 255, 256, 257, 1000, 4095, 4096, 5000, 100000};
    const int threads[] = {1, 4};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int shape = 0; shape < N_SHAPES; shape++)
            for (size_t t = 0; t < 2; t++) check_sort(sizes[s], shape, threads[t]);
}

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* ibid_u32_sort against qsort: both sides of the insertion sort threshold, few and many
 * distinct values. */
static void test_u32_sort(void **state)
{
    (void)state;
    seed_rng("test_u32_sort");
    const size_t sizes[] = {0, 1, 2, 47, 48, 49, 200, 1000, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int narrow = 0; narrow < 2; narrow++) {
            size_t n = sizes[s];
            uint32_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b),
                     *tmp = malloc((n + 1) * sizeof *tmp);
            for (size_t i = 0; i < n; i++) a[i] = b[i] = (uint32_t)(narrow ? rng() % 7 : rng());
            ibid_u32_sort(a, tmp, n);
            qsort(b, n, sizeof *b, cmp_u32);
            if (n) assert_memory_equal(a, b, n * sizeof *a);
            free(a), free(b), free(tmp);
        }
}

/* ibid_u64_sort_hi: sorted by the high halves, stable: values made as (key << 32 | position)
 * come out in (key, position) order, which a full sort of the values must give too. */
static void test_u64_sort_hi(void **state)
{
    (void)state;
    seed_rng("test_u64_sort_hi");
    const size_t sizes[] = {0, 1, 2, 47, 48, 49, 200, 1000, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int narrow = 0; narrow < 2; narrow++) {
            size_t n = sizes[s];
            uint64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b),
                     *tmp = malloc((n + 1) * sizeof *tmp);
            for (size_t i = 0; i < n; i++) { /* the low half: the position, and noise above */
                uint64_t key = narrow ? rng() % 7 : (uint32_t)rng();
                a[i] = b[i] = key << 32 | (uint64_t)i;
            }
            ibid_u64_sort_hi(a, tmp, n);
            qsort(b, n, sizeof *b, cmp_u64);
            if (n) assert_memory_equal(a, b, n * sizeof *a);
            free(a), free(b), free(tmp);
        }
}

/* A sorted and a reverse-sorted input, the orders that break naive partitioning. */
static void test_presorted(void **state)
{
    (void)state;
    size_t n = 50000;
    ibid_rec *a = malloc(n * sizeof *a);
    assert_non_null(a);
    for (int t = 1; t <= 4; t += 3) {
        for (size_t i = 0; i < n; i++) a[i] = (ibid_rec){(uint64_t)i << 8, (uint32_t)i, 0};
        ibid_rec_sort(a, n, t);
        for (size_t i = 0; i < n; i++) assert_int_equal(a[i].x, i);
        for (size_t i = 0; i < n; i++)
            a[i] = (ibid_rec){(uint64_t)(n - i) << 32, (uint32_t)(n - i), (uint32_t)i};
        ibid_rec_sort(a, n, t);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(a[i].key, (uint64_t)(i + 1) << 32);
            assert_int_equal(a[i].x, i + 1);
        }
    }
    free(a);
}

/* Equal keys are ordered by x, then y, even when the whole array shares one key. */
static void test_ties_by_xy(void **state)
{
    (void)state;
    ibid_rec a[6] = {{7, 2, 1}, {7, 1, 9}, {7, 2, 0}, {7, 1, 3}, {5, 9, 9}, {7, 0, 5}};
    ibid_rec_sort(a, 6, 1);
    const ibid_rec want[6] = {{5, 9, 9}, {7, 0, 5}, {7, 1, 3}, {7, 1, 9}, {7, 2, 0}, {7, 2, 1}};
    for (int i = 0; i < 6; i++) assert_int_equal(cmp_rec(&a[i], &want[i]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_qsort), cmocka_unit_test(test_u32_sort),
        cmocka_unit_test(test_u64_sort_hi),   cmocka_unit_test(test_presorted),
        cmocka_unit_test(test_ties_by_xy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
