/*
 * test_chain.c: chaining the anchors of one document pair (chain.c).
 *
 * Hand-made anchor sets with a known answer: a collinear run, two runs too far apart, a run with
 * off-diagonal noise, a region of one document found twice in the other, min_seeds. Every
 * result, and those of random anchor sets (seed printed, IBID_TEST_SEED replays one), is checked
 * for the invariants the aligner relies on: chains are disjoint ranges of the reordered array,
 * each input anchor is used at most once, and x and y grow strictly along a chain.
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

/* A growable anchor set. */
typedef struct {
    size_t n, m;
    ibid_anchor *a;
} anchors;

static void add(anchors *v, uint32_t x, uint32_t y)
{
    IBID_GROW(v->a, v->m, v->n + 1);
    v->a[v->n++] = (ibid_anchor){x, y};
}

/* Anchors (x0 + i, y0 + i) for i in [0, len). */
static void add_run(anchors *v, uint32_t x0, uint32_t y0, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) add(v, x0 + i, y0 + i);
}

static int by_xy(const void *pa, const void *pb)
{
    const ibid_anchor *a = pa, *b = pb;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    return a->y < b->y ? -1 : a->y > b->y;
}

/* The result of chaining: the reordered anchors and the chains. */
typedef struct {
    ibid_arena *km;
    ibid_anchor *a; /* reordered copy */
    size_t n_ch;
    ibid_chain *ch;
} chained;

/*
 * Chain v (sorted first, as the pipeline does) and check the invariants: every chain a disjoint
 * range [beg, end) with at least min_seeds anchors, strictly increasing in x and y, each of them
 * one of the input anchors, no input anchor in two chains.
 */
static chained run_chain(anchors *v, const ibid_align_opts *o)
{
    if (v->n) qsort(v->a, v->n, sizeof *v->a, by_xy);
    for (size_t i = 1; i < v->n; i++) assert_true(by_xy(&v->a[i - 1], &v->a[i]) < 0);
    chained r;
    r.km = ibid_arena_new();
    r.a = malloc((v->n ? v->n : 1) * sizeof *r.a);
    assert_non_null(r.a);
    if (v->n) memcpy(r.a, v->a, v->n * sizeof *r.a);
    r.n_ch = ibid_chain_anchors(r.km, r.a, v->n, o, &r.ch);
    uint8_t *used = calloc(v->n ? v->n : 1, 1);
    assert_non_null(used);
    uint32_t prev_end = 0;
    for (size_t c = 0; c < r.n_ch; c++) {
        const ibid_chain *ch = &r.ch[c];
        assert_true(ch->beg < ch->end);
        assert_true(ch->beg >= prev_end); /* ranges do not overlap */
        assert_true(ch->end <= v->n);
        prev_end = ch->end;
        assert_true(ch->end - ch->beg >= (uint32_t)o->min_seeds);
        for (uint32_t k = ch->beg; k < ch->end; k++) {
            if (k > ch->beg) {
                assert_true(r.a[k].x > r.a[k - 1].x);
                assert_true(r.a[k].y > r.a[k - 1].y);
            }
            const ibid_anchor *hit = bsearch(&r.a[k], v->a, v->n, sizeof *v->a, by_xy);
            if (!hit)
                fail_msg("chain %zu holds (%u, %u), not an input anchor", c, r.a[k].x, r.a[k].y);
            size_t idx = (size_t)(hit - v->a);
            if (used[idx]) fail_msg("anchor (%u, %u) in two chains", hit->x, hit->y);
            used[idx] = 1;
        }
    }
    free(used);
    return r;
}

static void free_chained(chained *r)
{
    ibid_arena_free(r->km);
    free(r->a);
}

/* Chain c holds exactly the run (x0 + i, y0 + i), i < len. */
static void expect_run(const chained *r, size_t c, uint32_t x0, uint32_t y0, uint32_t len)
{
    assert_true(c < r->n_ch);
    const ibid_chain *ch = &r->ch[c];
    if (ch->end - ch->beg != len)
        fail_msg("chain %zu has %u anchors, expected %u", c, ch->end - ch->beg, len);
    for (uint32_t i = 0; i < len; i++) {
        assert_int_equal(r->a[ch->beg + i].x, x0 + i);
        assert_int_equal(r->a[ch->beg + i].y, y0 + i);
    }
}

/* The index of the chain starting at anchor (x, y), or fail. */
static size_t chain_at(const chained *r, uint32_t x, uint32_t y)
{
    for (size_t c = 0; c < r->n_ch; c++)
        if (r->a[r->ch[c].beg].x == x && r->a[r->ch[c].beg].y == y) return c;
    fail_msg("no chain starts at (%u, %u)", x, y);
    return 0;
}

static void test_one_run(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    anchors v = {0};
    add_run(&v, 10, 50, 20);
    chained r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 1);
    expect_run(&r, 0, 10, 50, 20);
    assert_true(r.ch[0].score > 0);
    free_chained(&r);
    /* a run with holes (some n-grams edited away) on one diagonal is still one chain */
    v.n = 0;
    for (uint32_t i = 0; i < 60; i++)
        if (i % 7 != 3) add(&v, 100 + i, 7 + i);
    r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 1);
    assert_int_equal(r.ch[0].end - r.ch[0].beg, v.n);
    free_chained(&r);
    /* and so is a run that shifts diagonal by one token (an insertion) */
    v.n = 0;
    add_run(&v, 0, 0, 12);
    add_run(&v, 16, 17, 12);
    r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 1);
    assert_int_equal(r.ch[0].end - r.ch[0].beg, 24);
    free_chained(&r);
    free(v.a);
}

static void test_far_apart(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    anchors v = {0};
    /* x gap of 200 > max_gap */
    add_run(&v, 0, 0, 10);
    add_run(&v, 209, 209, 10);
    chained r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 2);
    expect_run(&r, chain_at(&r, 0, 0), 0, 0, 10);
    expect_run(&r, chain_at(&r, 209, 209), 209, 209, 10);
    free_chained(&r);
    /* a gap far beyond max_gap on the y side only */
    v.n = 0;
    add_run(&v, 0, 0, 10);
    add_run(&v, 12, 500, 10);
    r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 2);
    free_chained(&r);
    /* a small gap on the same diagonal joins */
    v.n = 0;
    add_run(&v, 0, 0, 10);
    add_run(&v, 30, 30, 10);
    r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 1);
    free_chained(&r);
    /* max_gap decides: the same anchors with max_gap 5 split */
    o.max_gap = 5;
    r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 2);
    free_chained(&r);
    free(v.a);
}

static void test_noise_left_out(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    anchors v = {0};
    add_run(&v, 0, 0, 30);
    /* isolated matches far off the diagonal */
    add(&v, 5, 90);
    add(&v, 17, 3);
    add(&v, 25, 70);
    add(&v, 40, 1);
    add(&v, 3, 200);
    chained r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 1);
    expect_run(&r, 0, 0, 0, 30);
    free_chained(&r);
    /* with min_seeds 1 the noise may make chains of its own, but never joins the run */
    o.min_seeds = 1;
    r = run_chain(&v, &o);
    expect_run(&r, chain_at(&r, 0, 0), 0, 0, 30);
    free_chained(&r);
    free(v.a);
}

static void test_repeated_region(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    /* the region x in [0, 20) appears twice in the other document, far apart and back to back */
    const uint32_t offsets[] = {200, 24, 30, 60};
    for (size_t t = 0; t < sizeof offsets / sizeof *offsets; t++) {
        anchors v = {0};
        add_run(&v, 0, 0, 20);
        add_run(&v, 0, offsets[t], 20);
        chained r = run_chain(&v, &o);
        if (r.n_ch != 2) fail_msg("repeat at +%u: %zu chains, expected 2", offsets[t], r.n_ch);
        expect_run(&r, chain_at(&r, 0, 0), 0, 0, 20);
        expect_run(&r, chain_at(&r, 0, offsets[t]), 0, offsets[t], 20);
        free_chained(&r);
        free(v.a);
    }
    /* the other way round: the region of y found at two x */
    anchors v = {0};
    add_run(&v, 5, 0, 20);
    add_run(&v, 35, 0, 20);
    chained r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 2);
    expect_run(&r, chain_at(&r, 5, 0), 5, 0, 20);
    expect_run(&r, chain_at(&r, 35, 0), 35, 0, 20);
    free_chained(&r);
    free(v.a);
}

static void test_min_seeds(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    anchors v = {0};
    add_run(&v, 0, 0, 3);
    add_run(&v, 500, 100, 5);
    for (int ms = 1; ms <= 6; ms++) {
        o.min_seeds = ms;
        chained r = run_chain(&v, &o);
        size_t want = ms <= 3 ? 2 : ms <= 5 ? 1 : 0;
        if (r.n_ch != want) fail_msg("min_seeds %d: %zu chains, expected %zu", ms, r.n_ch, want);
        if (want == 1) expect_run(&r, 0, 500, 100, 5);
        free_chained(&r);
    }
    /* no anchors, no chains */
    v.n = 0;
    chained r = run_chain(&v, &o);
    assert_int_equal(r.n_ch, 0);
    free_chained(&r);
    free(v.a);
}

static void test_random_invariants(void **state)
{
    (void)state;
    seed_rng("test_random_invariants");
    for (int round = 0; round < 300; round++) {
        ibid_align_opts o;
        ibid_align_opts_init(&o);
        o.ngram = 1 + (int)(rng() % 6);
        o.max_gap = (int)(rng() % 60);
        o.min_seeds = 1 + (int)(rng() % 4);
        anchors v = {0};
        uint32_t range = 20 + (uint32_t)(rng() % 400);
        size_t n = rng() % 300;
        /* runs on a few diagonals plus noise, without duplicates */
        for (size_t i = 0; i < n; i++) {
            uint32_t x = (uint32_t)(rng() % range), y;
            if (rng() % 3)
                y = x + (uint32_t)(rng() % 4) * 37;
            else
                y = (uint32_t)(rng() % range);
            add(&v, x, y);
        }
        if (v.n) qsort(v.a, v.n, sizeof *v.a, by_xy);
        size_t k = 0;
        for (size_t i = 0; i < v.n; i++)
            if (k == 0 || by_xy(&v.a[k - 1], &v.a[i]) != 0) v.a[k++] = v.a[i];
        v.n = k;
        chained r = run_chain(&v, &o);
        free_chained(&r);
        free(v.a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_run),        cmocka_unit_test(test_far_apart),
        cmocka_unit_test(test_noise_left_out), cmocka_unit_test(test_repeated_region),
        cmocka_unit_test(test_min_seeds),      cmocka_unit_test(test_random_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
