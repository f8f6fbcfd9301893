/*
 * test_align.c: aligning two token sequences along a chain of anchors (align.c).
 *
 * Token sequences are small integer arrays written by hand; anchors are every n-gram match on
 * the expected diagonals (what ngram.c and chain.c would hand over). With a fixed scoring
 * (match 2, mismatch -2, a gap of k tokens costs 3 + k, xdrop 20; not the defaults, which are
 * tuned) each case has a known span, number of matches, columns and score: identity, a
 * substitution, an insertion, a deletion, longer gaps, sparse anchors, extension past the
 * chain's ends, the rule that an extension ends only after two equal tokens in a row, and the
 * X-drop rule that stops it.
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

typedef struct {
    uint32_t beg1, end1, beg2, end2, matches, columns;
    int32_t score;
} want;

/* Anchors: every position i where a[i, i + n) == b[j, j + n) with j - i one of the diagonals
 * (in x order), restricted to a[lo, hi). */
static size_t anchors_on(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb, int n,
                         const int *diag, size_t n_diag, uint32_t lo, uint32_t hi, ibid_anchor *out)
{
    size_t k = 0;
    for (uint32_t i = lo; i + (uint32_t)n <= na && i < hi; i++)
        for (size_t d = 0; d < n_diag; d++) {
            long j = (long)i + diag[d];
            if (j < 0 || j + n > (long)nb) continue;
            if (memcmp(a + i, b + j, (size_t)n * sizeof *a) == 0)
                out[k++] = (ibid_anchor){i, (uint32_t)j};
        }
    return k;
}

static void check(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                  const ibid_anchor *an, size_t n_an, const ibid_align_opts *o, const want *w)
{
    assert_true(n_an > 0);
    ibid_arena *km = ibid_arena_new();
    ibid_passage p;
    memset(&p, 0, sizeof p);
    ibid_align_chain(km, a, na, b, nb, an, n_an, o, &p);
    if (p.tok_beg1 != w->beg1 || p.tok_end1 != w->end1 || p.tok_beg2 != w->beg2 ||
        p.tok_end2 != w->end2 || p.matches != w->matches || p.columns != w->columns ||
        p.score != w->score)
        fail_msg("got [%u, %u) [%u, %u) matches %u columns %u score %d; expected [%u, %u) "
                 "[%u, %u) matches %u columns %u score %d",
                 p.tok_beg1, p.tok_end1, p.tok_beg2, p.tok_end2, p.matches, p.columns, p.score,
                 w->beg1, w->end1, w->beg2, w->end2, w->matches, w->columns, w->score);
    assert_true(p.matches <= p.columns);
    ibid_arena_free(km);
}

/* The scoring every expected figure here is computed with, whatever the defaults become. */
static void opts(ibid_align_opts *o)
{
    ibid_align_opts_init(o);
    o->ngram = 4;
    o->max_gap = 40;
    o->match = 2;
    o->mismatch = -2;
    o->gap_open = 3;
    o->gap_extend = 1;
    o->xdrop = 20;
}

static void seq(uint32_t *a, uint32_t n, uint32_t first)
{
    for (uint32_t i = 0; i < n; i++) a[i] = first + i;
}

static void test_identical(void **state)
{
    (void)state;
    ibid_align_opts o;
    opts(&o);
    uint32_t a[30];
    seq(a, 30, 1);
    ibid_anchor an[64];
    const int d0[] = {0};
    size_t n = anchors_on(a, 30, a, 30, o.ngram, d0, 1, 0, 30, an);
    assert_int_equal(n, 27);
    want w = {0, 30, 0, 30, 30, 30, 30 * 2};
    check(a, 30, a, 30, an, n, &o, &w);
    /* identity 1 */
    ibid_passage p = {.matches = 30, .columns = 30};
    assert_true(ibid_passage_identity(&p) == 1.0);
    /* sparse anchors on the diagonal give the same alignment */
    ibid_anchor sparse[3] = {{0, 0}, {11, 11}, {26, 26}};
    check(a, 30, a, 30, sparse, 3, &o, &w);
    /* one anchor in the middle: the rest comes from extending both ways */
    ibid_anchor mid[1] = {{13, 13}};
    check(a, 30, a, 30, mid, 1, &o, &w);
    /* the score follows the match score */
    o.match = 5;
    w.score = 150;
    check(a, 30, a, 30, an, n, &o, &w);
}

static void test_substitution(void **state)
{
    (void)state;
    ibid_align_opts o;
    opts(&o);
    uint32_t a[30], b[30];
    seq(a, 30, 1);
    seq(b, 30, 1);
    b[15] = 999;
    ibid_anchor an[64];
    const int d0[] = {0};
    size_t n = anchors_on(a, 30, b, 30, o.ngram, d0, 1, 0, 30, an);
    assert_int_equal(n, 27 - 4);
    want w = {0, 30, 0, 30, 29, 30, 29 * 2 - 2};
    check(a, 30, b, 30, an, n, &o, &w);
    /* a harsher mismatch */
    o.mismatch = -7;
    w.score = 29 * 2 - 7;
    check(a, 30, b, 30, an, n, &o, &w);
    /* two substitutions side by side */
    b[16] = 998;
    o.mismatch = -2;
    n = anchors_on(a, 30, b, 30, o.ngram, d0, 1, 0, 30, an);
    want w2 = {0, 30, 0, 30, 28, 30, 28 * 2 - 4};
    check(a, 30, b, 30, an, n, &o, &w2);
}

/* b is a with `k` new tokens inserted before a[at]. */
static uint32_t with_insertion(const uint32_t *a, uint32_t na, uint32_t at, uint32_t k, uint32_t *b)
{
    memcpy(b, a, at * sizeof *a);
    for (uint32_t i = 0; i < k; i++) b[at + i] = 900 + i;
    memcpy(b + at + k, a + at, (na - at) * sizeof *a);
    return na + k;
}

static void test_insertion_deletion(void **state)
{
    (void)state;
    ibid_align_opts o;
    opts(&o);
    uint32_t a[30], b[40];
    seq(a, 30, 1);
    for (uint32_t k = 1; k <= 5; k++) {
        uint32_t nb = with_insertion(a, 30, 15, k, b);
        ibid_anchor an[128];
        const int diag[] = {0, (int)k};
        size_t n = anchors_on(a, 30, b, nb, o.ngram, diag, 2, 0, 30, an);
        /* a gap of k tokens costs gap_open + k * gap_extend */
        int32_t score = 30 * 2 - (o.gap_open + (int32_t)k * o.gap_extend);
        /* an insertion in b */
        want w = {0, 30, 0, nb, 30, 30 + k, score};
        check(a, 30, b, nb, an, n, &o, &w);
        /* a deletion: the same with the documents swapped */
        ibid_anchor sw[128];
        for (size_t i = 0; i < n; i++) sw[i] = (ibid_anchor){an[i].y, an[i].x};
        want wd = {0, nb, 0, 30, 30, 30 + k, score};
        check(b, nb, a, 30, sw, n, &o, &wd);
    }
    /* other gap costs */
    o.gap_open = 10;
    o.gap_extend = 2;
    uint32_t nb = with_insertion(a, 30, 15, 3, b);
    ibid_anchor an[128];
    const int diag[] = {0, 3};
    size_t n = anchors_on(a, 30, b, nb, o.ngram, diag, 2, 0, 30, an);
    want w = {0, 30, 0, nb, 30, 33, 60 - 10 - 3 * 2};
    check(a, 30, b, nb, an, n, &o, &w);
}

/* A gap and a substitution between two anchors far enough apart to need the dynamic program. */
static void test_gap_between_blocks(void **state)
{
    (void)state;
    ibid_align_opts o;
    opts(&o);
    /* a: 1..40; b: 1..14, then 15..24 with one substituted and two tokens inserted, then 25..40 */
    uint32_t a[40], b[42];
    seq(a, 40, 1);
    uint32_t nb = 0;
    for (uint32_t i = 0; i < 14; i++) b[nb++] = a[i];
    for (uint32_t i = 14; i < 24; i++) {
        b[nb++] = i == 18 ? 777 : a[i];
        if (i == 20) b[nb++] = 901, b[nb++] = 902;
    }
    for (uint32_t i = 24; i < 40; i++) b[nb++] = a[i];
    assert_int_equal(nb, 42);
    /* anchors only outside the edited stretch */
    ibid_anchor an[2] = {{0, 0}, {30, 32}};
    /* 39 matches, 1 mismatch, a gap of 2: 39 * 2 - 2 - (3 + 2) */
    want w = {0, 40, 0, 42, 39, 42, 39 * 2 - 2 - 5};
    check(a, 40, b, nb, an, 2, &o, &w);
}

static void test_extension(void **state)
{
    (void)state;
    ibid_align_opts o;
    opts(&o);
    /* identical 40 tokens, anchors only in [10, 20): both ends come from extension */
    uint32_t a[60], b[60];
    seq(a, 40, 1);
    ibid_anchor an[64];
    const int d0[] = {0};
    size_t n = anchors_on(a, 40, a, 40, o.ngram, d0, 1, 10, 17, an);
    assert_int_equal(n, 7);
    want w = {0, 40, 0, 40, 40, 40, 80};
    check(a, 40, a, 40, an, n, &o, &w);
    /* different unrelated context around a shared stretch: extension stops at its edges */
    for (uint32_t i = 0; i < 10; i++) a[i] = 100 + i, b[i] = 200 + i;
    seq(a + 10, 20, 1);
    seq(b + 10, 20, 1);
    for (uint32_t i = 30; i < 45; i++) a[i] = 300 + i, b[i] = 400 + i;
    ibid_anchor mid[1] = {{15, 15}};
    want w2 = {10, 30, 10, 30, 20, 20, 40};
    check(a, 45, b, 45, mid, 1, &o, &w2);
    /* the extension stops at the shorter document's end */
    ibid_anchor end[1] = {{26, 6}};
    want w3 = {20, 30, 0, 10, 10, 10, 20};
    check(a, 45, b + 20, 10, end, 1, &o, &w3);
}

static void test_xdrop(void **state)
{
    (void)state;
    ibid_align_opts o;
    opts(&o);
    /* 20 shared tokens, then 15 mismatches, then 25 shared tokens again */
    uint32_t a[60], b[60];
    seq(a, 20, 1);
    seq(b, 20, 1);
    for (uint32_t i = 20; i < 35; i++) a[i] = 500 + i, b[i] = 600 + i;
    seq(a + 35, 25, 1000);
    seq(b + 35, 25, 1000);
    ibid_anchor an[64];
    const int d0[] = {0};
    size_t n = anchors_on(a, 60, b, 60, o.ngram, d0, 1, 0, 20, an);
    assert_int_equal(n, 17);
    /* the run of mismatches costs 30 > xdrop (20): the extension stops at the shared stretch */
    want w = {0, 20, 0, 20, 20, 20, 40};
    check(a, 60, b, 60, an, n, &o, &w);
    /* with a generous xdrop it crosses them, since 25 matches outweigh 15 mismatches */
    o.xdrop = 1000;
    want w2 = {0, 60, 0, 60, 45, 60, 90 - 30};
    check(a, 60, b, 60, an, n, &o, &w2);
    /* extension never ends on a mismatch: trailing mismatches are cut */
    o.xdrop = 20;
    uint32_t c[23];
    seq(c, 20, 1);
    c[20] = 71, c[21] = 72, c[22] = 73;
    uint32_t d[23];
    seq(d, 20, 1);
    d[20] = 81, d[21] = 82, d[22] = 83;
    check(c, 23, d, 23, an, n, &o, &w);
}

/*
 * One equal token past the chain's end is no reason to extend, even when it would pay (here: a
 * free gap opening, so skipping a token and matching the next scores +1); two in a row are.
 */
static void test_extension_needs_two_matches(void **state)
{
    (void)state;
    ibid_align_opts o;
    opts(&o);
    o.gap_open = 0;
    /* right: a = 1..20, 900, 7777, ...; b = 1..20, 7777, ... */
    uint32_t a[30], b[30];
    seq(a, 20, 1);
    seq(b, 20, 1);
    for (uint32_t i = 20; i < 30; i++) a[i] = 100 + i, b[i] = 200 + i;
    a[20] = 900, a[21] = b[20] = 7777;
    ibid_anchor an[1] = {{10, 10}};
    want w = {0, 20, 0, 20, 20, 20, 40};
    check(a, 30, b, 30, an, 1, &o, &w);
    a[22] = b[21] = 8888;
    want w2 = {0, 23, 0, 22, 22, 23, 40 - 1 + 4};
    check(a, 30, b, 30, an, 1, &o, &w2);
    /* left: the mirror image */
    uint32_t c[30], d[30];
    for (uint32_t i = 0; i < 10; i++) c[i] = 100 + i, d[i] = 200 + i;
    seq(c + 10, 20, 1);
    seq(d + 10, 20, 1);
    c[9] = 900, c[8] = d[9] = 7777;
    ibid_anchor an2[1] = {{15, 15}};
    want w3 = {10, 30, 10, 30, 20, 20, 40};
    check(c, 30, d, 30, an2, 1, &o, &w3);
    c[7] = d[8] = 8888;
    want w4 = {7, 30, 8, 30, 22, 23, 40 - 1 + 4};
    check(c, 30, d, 30, an2, 1, &o, &w4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_substitution),
        cmocka_unit_test(test_insertion_deletion),
        cmocka_unit_test(test_gap_between_blocks),
        cmocka_unit_test(test_extension),
        cmocka_unit_test(test_xdrop),
        cmocka_unit_test(test_extension_needs_two_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
