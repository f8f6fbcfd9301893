/*
 * test_arena.c: the per-thread bump allocator (arena.c).
 *
 * Allocations are 16-byte aligned, do not overlap (each is filled with its own byte pattern and
 * checked after all the others were made), are counted by ibid_arena_live, survive the growth of
 * the arena into new blocks, and are all released by a reset, after which the arena serves
 * again. Large allocations (beyond one block) work the same. The same checks pass with the
 * arena bypassed (IBID_NO_ARENA, as under the sanitizers).
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

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Allocate `count` blocks of the given sizes, fill each, then check all of them. */
static void fill_and_check(ibid_arena *a, const size_t *sizes, size_t count)
{
    unsigned char **p = malloc(count * sizeof *p);
    assert_non_null(p);
    size_t live = ibid_arena_live(a);
    for (size_t i = 0; i < count; i++) {
        p[i] = ibid_arena_alloc(a, sizes[i]);
        assert_non_null(p[i]);
        if ((uintptr_t)p[i] % 16 != 0)
            fail_msg("allocation %zu of %zu bytes at %p", i, sizes[i], (void *)p[i]);
        memset(p[i], (int)(i * 31 + 7) & 255, sizes[i]);
        live += round16(sizes[i]);
        assert_int_equal(ibid_arena_live(a), live);
    }
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            if (p[i][k] != ((i * 31 + 7) & 255))
                fail_msg("allocation %zu byte %zu overwritten", i, k);
    free(p);
}

static void test_alignment_and_overlap(void **state)
{
    (void)state;
    ibid_arena *a = ibid_arena_new();
    assert_non_null(a);
    assert_int_equal(ibid_arena_live(a), 0);
    size_t sizes[3000];
    for (size_t i = 0; i < 3000; i++) sizes[i] = 1 + (i * 7919) % 1500; /* over several MiB */
    fill_and_check(a, sizes, 3000);
    ibid_arena_free(a);
}

static void test_reset(void **state)
{
    (void)state;
    ibid_arena *a = ibid_arena_new();
    size_t sizes[200];
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < 200; i++) sizes[i] = 1 + ((i + (size_t)round) * 104729) % 9000;
        fill_and_check(a, sizes, 200);
        assert_true(ibid_arena_live(a) > 0);
        ibid_arena_reset(a);
        assert_int_equal(ibid_arena_live(a), 0);
    }
    /* a reset arena, reset again, still works */
    ibid_arena_reset(a);
    const size_t one[1] = {24};
    fill_and_check(a, one, 1);
    assert_int_equal(ibid_arena_live(a), 32);
    ibid_arena_free(a);
}

static void test_large(void **state)
{
    (void)state;
    ibid_arena *a = ibid_arena_new();
    /* small, then larger than a block, then small again: none disturbs the others */
    const size_t sizes[] = {10, 3u << 20, 17, (5u << 20) + 3, 1, 64, 1u << 20, 33};
    fill_and_check(a, sizes, sizeof sizes / sizeof *sizes);
    ibid_arena_reset(a);
    /* after a reset that kept a big block, a bigger request still gets fresh memory */
    const size_t bigger[] = {9u << 20, 5};
    fill_and_check(a, bigger, 2);
    ibid_arena_free(a);
}

/* Shrinking the last allocation gives its tail to the next one; shrinking an earlier one
 * changes nothing but the count of live bytes. */
static void test_shrink(void **state)
{
    (void)state;
    ibid_arena *a = ibid_arena_new();
    unsigned char *p = ibid_arena_alloc(a, 1000);
    memset(p, 1, 1000);
    ibid_arena_shrink(a, p, 1000, 100);
    assert_int_equal(ibid_arena_live(a), 112);
    unsigned char *q = ibid_arena_alloc(a, 64);
#ifndef IBID_NO_ARENA
    assert_ptr_equal(q, p + 112); /* the tail was given back */
#endif
    memset(q, 2, 64);
    ibid_arena_shrink(a, p, 100, 50); /* not the last one */
    assert_int_equal(ibid_arena_live(a), 112 - 48 + 64);
    for (int i = 0; i < 50; i++) assert_int_equal(p[i], 1);
    for (int i = 0; i < 64; i++) assert_int_equal(q[i], 2);
    ibid_arena_free(a);
}

static void test_zero_and_null(void **state)
{
    (void)state;
    ibid_arena *a = ibid_arena_new();
    void *p = ibid_arena_alloc(a, 0);
    void *q = ibid_arena_alloc(a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_int_equal(ibid_arena_live(a), 0);
    const size_t s[] = {16, 16};
    fill_and_check(a, s, 2);
    ibid_arena_free(a);
    ibid_arena_free(NULL);
    ibid_arena_reset(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_overlap),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_zero_and_null),
        cmocka_unit_test(test_shrink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
