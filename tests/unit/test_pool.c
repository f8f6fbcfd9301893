/*
 * test_pool.c: the parallel for (pool.c).
 *
 * Every index in [0, n) must be visited exactly once, with a thread id in [0, n_threads), for
 * item counts around the thread counts (0, 1, fewer items than threads, many more) and for thread
 * counts from 1 to 16. Items of very uneven cost check that the shared counter balances them
 * without losing or repeating one. Nothing here measures time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibid_int.h"

typedef struct {
    atomic_int *visits; /* per index */
    atomic_int *by_tid; /* items done per thread id, [0, 64) */
    int n_threads;
    atomic_int bad_tid;
    int uneven;
} job;

static void visit(void *ud, size_t i, int tid)
{
    job *j = ud;
    if (tid < 0 || tid >= j->n_threads || tid >= 64)
        atomic_fetch_add(&j->bad_tid, 1);
    else
        atomic_fetch_add(&j->by_tid[tid], 1);
    if (j->uneven && i % 97 == 0) { /* a few heavy items */
        volatile uint64_t x = i;
        for (int k = 0; k < 200000; k++) x = x * 6364136223846793005ull + 1;
    }
    atomic_fetch_add(&j->visits[i], 1);
}

static void run(size_t n, int n_threads, int uneven)
{
    job j;
    j.visits = calloc(n ? n : 1, sizeof *j.visits);
    j.by_tid = calloc(64, sizeof *j.by_tid);
    assert_non_null(j.visits);
    assert_non_null(j.by_tid);
    j.n_threads = n_threads < 1 ? 1 : n_threads;
    atomic_init(&j.bad_tid, 0);
    j.uneven = uneven;
    ibid_parallel_for(n_threads, n, visit, &j);
    for (size_t i = 0; i < n; i++) {
        int v = atomic_load(&j.visits[i]);
        if (v != 1) fail_msg("n %zu, %d threads: index %zu visited %d times", n, n_threads, i, v);
    }
    assert_int_equal(atomic_load(&j.bad_tid), 0);
    size_t total = 0;
    for (int t = 0; t < 64; t++) total += (size_t)atomic_load(&j.by_tid[t]);
    assert_int_equal(total, n);
    /* no more threads than items take part */
    int used = 0;
    for (int t = 0; t < 64; t++) used += atomic_load(&j.by_tid[t]) > 0;
    assert_true((size_t)used <= (n ? n : 0) && used <= j.n_threads);
    free(j.visits);
    free(j.by_tid);
}

static void test_every_index_once(void **state)
{
    (void)state;
    const size_t ns[] = {0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 64, 1000, 100003};
    const int ts[] = {1, 2, 3, 4, 8, 16};
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (size_t b = 0; b < sizeof ts / sizeof *ts; b++) run(ns[a], ts[b], 0);
}

static void test_uneven_items(void **state)
{
    (void)state;
    for (int t = 1; t <= 4; t++) run(2000, t, 1);
}

/* A thread count below 1 runs everything on the caller, as thread 0. */
static void test_bad_thread_count(void **state)
{
    (void)state;
    run(10, 0, 0);
    run(10, -3, 0);
}

/* Called from one worker, a nested parallel for still visits every index once. */
typedef struct {
    atomic_int *cells; /* 8 x 50 */
} nest;

static void inner(void *ud, size_t i, int tid)
{
    (void)tid;
    atomic_fetch_add(&((atomic_int *)ud)[i], 1);
}

static void outer(void *ud, size_t i, int tid)
{
    (void)tid;
    nest *n = ud;
    ibid_parallel_for(2, 50, inner, n->cells + i * 50);
}

static void test_nested(void **state)
{
    (void)state;
    nest n;
    n.cells = calloc(8 * 50, sizeof *n.cells);
    assert_non_null(n.cells);
    ibid_parallel_for(3, 8, outer, &n);
    for (int i = 0; i < 8 * 50; i++) assert_int_equal(atomic_load(&n.cells[i]), 1);
    free(n.cells);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_index_once),
        cmocka_unit_test(test_uneven_items),
        cmocka_unit_test(test_bad_thread_count),
        cmocka_unit_test(test_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
