/*
 * test_ngram.c: the index of shared n-grams (ngram.c) and the seeds and candidate pairs made
 * from it (candidates.c).
 *
 * Small corpora of integer token arrays written by hand check each rule: an n-gram in two
 * documents makes a seed, in one none, in more than max_df none (counted as boilerplate);
 * positions beyond max_tf in one document are left out; `partners` restricts the pairs;
 * min_seeds counts independent seeds. Every index built is checked for its invariants (groups
 * are real shared n-grams, the per-document lists are their transpose). Random corpora (seed
 * printed, IBID_TEST_SEED replays one) check that the seeds do not depend on how many passes
 * the index takes (index_memory) or on the number of threads.
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

/* A corpus of token arrays, each allocated to its exact size so that ASan sees overreads. */
typedef struct {
    size_t n_doc;
    ibid_toks toks[1024];
} corpus;

static void set_doc(corpus *c, size_t d, const uint32_t *t, size_t n)
{
    assert_true(d < 1024);
    ibid_toks *k = &c->toks[d];
    memset(k, 0, sizeof *k);
    k->tok = malloc((n ? n : 1) * sizeof *k->tok);
    assert_non_null(k->tok);
    if (n) memcpy(k->tok, t, n * sizeof *t);
    k->n_tok = k->m_tok = n;
    if (d >= c->n_doc) c->n_doc = d + 1;
}

#define SET_DOC(c, d, ...)                         \
    do {                                           \
        const uint32_t t_[] = {__VA_ARGS__};       \
        set_doc(c, d, t_, sizeof t_ / sizeof *t_); \
    } while (0)

static void free_corpus(corpus *c)
{
    for (size_t d = 0; d < c->n_doc; d++) ibid_toks_free(&c->toks[d]);
    free(c);
}

static corpus *new_corpus(void)
{
    corpus *c = calloc(1, sizeof *c);
    assert_non_null(c);
    return c;
}

/* All seeds of a corpus: key = a << 32 | b, x in a, y in b, sorted by (a, b, x, y). */
typedef struct {
    size_t n, m;
    ibid_rec *a;
    size_t n_group, n_boilerplate;
    int n_pass;
} seeds;

/* Check the invariants of an index built from c. */
static void check_index(const ibid_index *ix, const corpus *c, const ibid_align_opts *o)
{
    size_t n = (size_t)o->ngram;
    assert_int_equal(ix->n_doc, c->n_doc);
    assert_int_equal(ix->group_beg[0], 0);
    size_t n_occ = ix->group_beg[ix->n_group];
    for (size_t g = 0; g < ix->n_group; g++) {
        size_t b = ix->group_beg[g], e = ix->group_beg[g + 1];
        assert_true(b < e);
        size_t df = 0;
        for (size_t k = b; k < e; k++) {
            const ibid_occ *q = &ix->group_occ[k];
            assert_true(q->a < c->n_doc && q->b + n <= c->toks[q->a].n_tok);
            /* one n-gram: the same tokens everywhere */
            assert_memory_equal(c->toks[q->a].tok + q->b,
                                c->toks[ix->group_occ[b].a].tok + ix->group_occ[b].b,
                                n * sizeof(uint32_t));
            if (k > b) {
                const ibid_occ *p = q - 1;
                assert_true(p->a < q->a || (p->a == q->a && p->b < q->b));
            }
            df += k == b || q->a != q[-1].a;
        }
        assert_true(df >= 2 && df <= (size_t)o->max_df);
    }
    /* the per-document lists are the transpose of the groups */
    assert_int_equal(ix->doc_beg[0], 0);
    assert_int_equal(ix->doc_beg[c->n_doc], n_occ);
    for (size_t d = 0; d < c->n_doc; d++)
        for (size_t k = ix->doc_beg[d]; k < ix->doc_beg[d + 1]; k++) {
            const ibid_occ *q = &ix->doc_occ[k];
            assert_true(q->b < ix->n_group);
            int found = 0;
            for (size_t t = ix->group_beg[q->b]; t < ix->group_beg[q->b + 1]; t++)
                found |= ix->group_occ[t].a == d && ix->group_occ[t].b == q->a;
            assert_true(found);
        }
}

/* The seeds of the pairs `only` (all pairs if NULL), from an index of the pairs that hold a
 * document before n_first (ibid_index_build_for; n_first = c->n_doc: any pair). */
static void seeds_of_for(seeds *s, const corpus *c, const ibid_pair *only, size_t n_only,
                         size_t n_first, const ibid_align_opts *o)
{
    memset(s, 0, sizeof *s);
    ibid_index ix;
    ibid_index_build_for(&ix, c->toks, c->n_doc, n_first, o);
    check_index(&ix, c, o);
    s->n_group = ix.n_group;
    s->n_boilerplate = ix.n_boilerplate;
    s->n_pass = ix.n_pass;
    ibid_arena *km = ibid_arena_new();
    for (uint32_t a = 0; a < c->n_doc; a++) {
        uint32_t partners[64];
        size_t n_partners = 0;
        for (size_t i = 0; i < n_only; i++)
            if (only[i].a == a) partners[n_partners++] = only[i].b;
        ibid_rec *hits;
        ibid_cand *cand;
        size_t n_hits;
        ibid_candidates(km, &ix, a, only ? partners : NULL, n_partners, 1, &hits, &n_hits, &cand);
        for (size_t i = 0; i < n_hits; i++) {
            /* hits are {key = b << 32 | x, x = y}, sorted by key then x */
            uint32_t b = (uint32_t)(hits[i].key >> 32);
            assert_true(b > a && b < c->n_doc);
            assert_int_equal(hits[i].y, 0);
            if (i)
                assert_true(hits[i - 1].key < hits[i].key ||
                            (hits[i - 1].key == hits[i].key && hits[i - 1].x < hits[i].x));
            IBID_GROW(s->a, s->m, s->n + 1);
            s->a[s->n++] = (ibid_rec){(uint64_t)a << 32 | b, (uint32_t)hits[i].key, hits[i].x};
        }
        ibid_arena_reset(km);
    }
    ibid_arena_free(km);
    ibid_index_free(&ix);
    for (size_t i = 0; i < s->n; i++) {
        uint32_t d1 = (uint32_t)(s->a[i].key >> 32), d2 = (uint32_t)s->a[i].key;
        assert_true(s->a[i].x + (uint32_t)o->ngram <= c->toks[d1].n_tok);
        assert_true(s->a[i].y + (uint32_t)o->ngram <= c->toks[d2].n_tok);
        /* a seed is a real match */
        assert_memory_equal(c->toks[d1].tok + s->a[i].x, c->toks[d2].tok + s->a[i].y,
                            (size_t)o->ngram * sizeof(uint32_t));
    }
}

static void seeds_of(seeds *s, const corpus *c, const ibid_pair *only, size_t n_only,
                     const ibid_align_opts *o)
{
    seeds_of_for(s, c, only, n_only, c->n_doc, o);
}

static void expect_seed(const seeds *s, size_t i, uint32_t d1, uint32_t d2, uint32_t x, uint32_t y)
{
    assert_true(i < s->n);
    if (s->a[i].key != ((uint64_t)d1 << 32 | d2) || s->a[i].x != x || s->a[i].y != y)
        fail_msg("seed %zu is (%llu, %llu, %u, %u), expected (%u, %u, %u, %u)", i,
                 (unsigned long long)(s->a[i].key >> 32),
                 (unsigned long long)(s->a[i].key & 0xFFFFFFFF), s->a[i].x, s->a[i].y, d1, d2, x,
                 y);
}

static void test_shared_ngram(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 3;
    corpus *c = new_corpus();
    SET_DOC(c, 0, 1, 2, 3, 4, 5);
    SET_DOC(c, 1, 9, 2, 3, 4, 8);
    SET_DOC(c, 2, 7, 7, 3, 4, 5, 6); /* shares "3 4 5" with doc 0 */
    SET_DOC(c, 3, 4, 2);             /* shorter than an n-gram */
    SET_DOC(c, 4, 1, 2);             /* "1 2" is a prefix of doc 0's n-gram, not one */
    seeds s;
    seeds_of(&s, c, NULL, 0, &o);
    assert_int_equal(s.n, 2);
    expect_seed(&s, 0, 0, 1, 1, 1);
    expect_seed(&s, 1, 0, 2, 2, 2);
    assert_int_equal(s.n_group, 2);
    assert_int_equal(s.n_boilerplate, 0);
    free(s.a);
    /* an n-gram in one document only, even repeated, is no seed */
    corpus *c2 = new_corpus();
    SET_DOC(c2, 0, 1, 2, 3, 1, 2, 3);
    SET_DOC(c2, 1, 4, 5, 6, 7);
    seeds_of(&s, c2, NULL, 0, &o);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_group, 0);
    free(s.a);
    free_corpus(c2);
    /* no documents, one document */
    corpus *c3 = new_corpus();
    seeds_of(&s, c3, NULL, 0, &o);
    assert_int_equal(s.n, 0);
    free(s.a);
    SET_DOC(c3, 0, 1, 2, 3, 4);
    seeds_of(&s, c3, NULL, 0, &o);
    assert_int_equal(s.n, 0);
    free(s.a);
    free_corpus(c3);
    /* every occurrence pair across the two documents */
    corpus *c4 = new_corpus();
    SET_DOC(c4, 0, 1, 2, 3, 0, 1, 2, 3);
    SET_DOC(c4, 1, 1, 2, 3, 9, 9, 1, 2, 3);
    seeds_of(&s, c4, NULL, 0, &o);
    assert_int_equal(s.n, 4);
    expect_seed(&s, 0, 0, 1, 0, 0);
    expect_seed(&s, 1, 0, 1, 0, 5);
    expect_seed(&s, 2, 0, 1, 4, 0);
    expect_seed(&s, 3, 0, 1, 4, 5);
    free(s.a);
    free_corpus(c4);
    free_corpus(c);
}

static void test_max_df(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 2;
    corpus *c = new_corpus();
    SET_DOC(c, 0, 5, 6, 1);
    SET_DOC(c, 1, 2, 5, 6);
    SET_DOC(c, 2, 5, 6, 3);
    SET_DOC(c, 3, 4, 4, 8, 9); /* "8 9" shared by docs 3 and 4 only */
    SET_DOC(c, 4, 8, 9);
    seeds s;
    o.max_df = 3;
    seeds_of(&s, c, NULL, 0, &o);
    assert_int_equal(s.n, 4);
    expect_seed(&s, 0, 0, 1, 0, 1);
    expect_seed(&s, 1, 0, 2, 0, 0);
    expect_seed(&s, 2, 1, 2, 1, 0);
    expect_seed(&s, 3, 3, 4, 2, 0);
    assert_int_equal(s.n_group, 2);
    assert_int_equal(s.n_boilerplate, 0);
    free(s.a);
    /* "5 6" is in 3 documents: boilerplate under max_df 2 */
    o.max_df = 2;
    seeds_of(&s, c, NULL, 0, &o);
    assert_int_equal(s.n, 1);
    expect_seed(&s, 0, 3, 4, 2, 0);
    assert_int_equal(s.n_group, 1);
    assert_int_equal(s.n_boilerplate, 1);
    free(s.a);
    free_corpus(c);
}

static void test_max_tf(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 2;
    corpus *c = new_corpus();
    SET_DOC(c, 0, 7, 8, 0, 7, 8, 0, 7, 8); /* "7 8" three times */
    SET_DOC(c, 1, 7, 8);
    SET_DOC(c, 2, 1, 7, 8, 2, 7, 8); /* twice */
    seeds s;
    o.max_tf = 3;
    seeds_of(&s, c, NULL, 0, &o);
    assert_int_equal(s.n, 3 + 3 * 2 + 2);
    free(s.a);
    /* max_tf 2: doc 0's occurrences are skipped, docs 1 and 2 still pair */
    o.max_tf = 2;
    seeds_of(&s, c, NULL, 0, &o);
    assert_int_equal(s.n, 2);
    expect_seed(&s, 0, 1, 2, 0, 1);
    expect_seed(&s, 1, 1, 2, 0, 4);
    assert_int_equal(s.n_group, 1);
    free(s.a);
    /* max_tf 1: only doc 1 keeps it, so the n-gram pairs nothing and is not indexed */
    o.max_tf = 1;
    seeds_of(&s, c, NULL, 0, &o);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_group, 0);
    free(s.a);
    free_corpus(c);
}

static void test_only(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 2;
    corpus *c = new_corpus();
    for (size_t d = 0; d < 5; d++) SET_DOC(c, d, 3, 1, 4, 1, 5);
    seeds s;
    seeds_of(&s, c, NULL, 0, &o);
    assert_int_equal(s.n, 10 * 4); /* 10 pairs, 4 n-grams each */
    free(s.a);
    const ibid_pair only[] = {{0, 2}, {1, 4}, {3, 4}};
    seeds_of(&s, c, only, 3, &o);
    assert_int_equal(s.n, 3 * 4);
    for (size_t i = 0; i < s.n; i++) {
        uint32_t d1 = (uint32_t)(s.a[i].key >> 32), d2 = (uint32_t)s.a[i].key;
        const ibid_pair want = only[i / 4];
        assert_int_equal(d1, want.a);
        assert_int_equal(d2, want.b);
        assert_int_equal(s.a[i].x, s.a[i].y);
    }
    free(s.a);
    const ibid_pair none[] = {{0, 1}};
    SET_DOC(c, 5, 9, 9, 9);
    SET_DOC(c, 6, 9, 9, 9);
    ibid_toks_free(&c->toks[1]);
    SET_DOC(c, 1, 2, 2, 2);
    seeds_of(&s, c, none, 1, &o);
    assert_int_equal(s.n, 0);
    free(s.a);
    free_corpus(c);
}

/* A random corpus over a small alphabet: many shared n-grams, some repeated, some boilerplate. */
static corpus *random_corpus(size_t n_doc, size_t max_len, uint32_t alphabet)
{
    corpus *c = new_corpus();
    uint32_t *t = malloc((max_len + 1) * sizeof *t);
    assert_non_null(t);
    for (size_t d = 0; d < n_doc; d++) {
        size_t n = rng() % (max_len + 1);
        for (size_t i = 0; i < n; i++) t[i] = (uint32_t)(rng() % alphabet);
        set_doc(c, d, t, n);
    }
    free(t);
    return c;
}

static void expect_same_seeds(const seeds *a, const seeds *b, const char *what)
{
    if (a->n != b->n) fail_msg("%s: %zu seeds vs %zu", what, a->n, b->n);
    assert_int_equal(a->n_group, b->n_group);
    assert_int_equal(a->n_boilerplate, b->n_boilerplate);
    if (a->n && memcmp(a->a, b->a, a->n * sizeof *a->a) != 0) fail_msg("%s: seeds differ", what);
}

static void test_passes_and_threads(void **state)
{
    (void)state;
    seed_rng("test_passes_and_threads");
    for (int round = 0; round < 12; round++) {
        /* over 256 documents (one block) in some rounds */
        size_t n_doc = round % 3 == 2 ? 600 : 2 + rng() % 40;
        corpus *c = random_corpus(n_doc, round % 3 == 2 ? 40 : 300, 3 + (uint32_t)(rng() % 12));
        ibid_align_opts o;
        ibid_align_opts_init(&o);
        o.ngram = 1 + round % 5;
        o.max_df = 2 + (int)(rng() % 30);
        o.max_tf = 1 + (int)(rng() % 5);
        ibid_pair only[64];
        size_t n_only = 0;
        if (round % 4 == 1) {
            for (uint32_t a = 0; a < 8; a++)
                for (uint32_t b = a + 1; b < n_doc && b < a + 5; b++)
                    only[n_only++] = (ibid_pair){a, b};
        }
        seeds ref, s;
        seeds_of(&ref, c, n_only ? only : NULL, n_only, &o);
        /* P = total * 16 / index_memory + 1 passes: about 40, 3 and 1 */
        size_t total = 0;
        for (size_t d = 0; d < n_doc; d++)
            if (c->toks[d].n_tok >= (size_t)o.ngram)
                total += c->toks[d].n_tok - (size_t)o.ngram + 1;
        const size_t mems[] = {total * sizeof(ibid_rec) / 40 + 1, total * sizeof(ibid_rec) / 3 + 1,
                               (size_t)1 << 30};
        const int threads[] = {1, 2, 3};
        for (size_t m = 0; m < 3; m++)
            for (size_t t = 0; t < 3; t++) {
                o.index_memory = mems[m];
                o.n_threads = threads[t];
                seeds_of(&s, c, n_only ? only : NULL, n_only, &o);
                char what[128];
                snprintf(what, sizeof what, "ngram %d, index_memory %zu, %d threads", o.ngram,
                         mems[m], threads[t]);
                expect_same_seeds(&ref, &s, what);
                free(s.a);
            }
        free(ref.a);
        free_corpus(c);
    }
}

/* The most passes there can be: every n-gram its own partition, for n = 1 too. */
static void test_many_passes(void **state)
{
    (void)state;
    seed_rng("test_many_passes");
    corpus *c = random_corpus(12, 12, 4);
    ibid_toks_free(&c->toks[0]);
    SET_DOC(c, 0, 1, 2, 3, 0, 3, 3); /* at least one shared n-gram for every n */
    ibid_toks_free(&c->toks[1]);
    SET_DOC(c, 1, 2, 1, 2, 3, 0, 3);
    for (int n = 1; n <= 3; n++) {
        ibid_align_opts o;
        ibid_align_opts_init(&o);
        o.ngram = n;
        seeds ref, s;
        seeds_of(&ref, c, NULL, 0, &o);
        assert_true(ref.n > 0);
        assert_int_equal(ref.n_pass, 1);
        o.index_memory = 1;
        seeds_of(&s, c, NULL, 0, &o);
        assert_true(s.n_pass > 1);
        char what[64];
        snprintf(what, sizeof what, "ngram %d, index_memory 1", n);
        expect_same_seeds(&ref, &s, what);
        free(s.a);
        free(ref.a);
    }
    free_corpus(c);
}

/* Candidates: the pairs (a, b > a) with at least min_seeds seeds, their seeds contiguous in the
 * hits, sorted by (b, x, y). */
static void test_candidates(void **state)
{
    (void)state;
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 3;
    corpus *c = new_corpus();
    SET_DOC(c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    SET_DOC(c, 1, 1, 2, 3, 4, 0, 0, 7, 8, 9); /* with 0: seeds (0,0) (1,1) (6,6) */
    SET_DOC(c, 2, 1, 2, 3, 4, 5, 6, 11, 12);  /* with 0: (0,0)..(3,3); with 1: (0,0) (1,1) */
    SET_DOC(c, 3, 5, 5, 7, 8, 9);             /* with 0 and 1: (6,2) */
    ibid_index ix;
    ibid_index_build(&ix, c->toks, c->n_doc, &o);
    check_index(&ix, c, &o);
    ibid_arena *km = ibid_arena_new();
    ibid_rec *hits;
    ibid_cand *cd;
    size_t n_hits;
    /* document 0, min_seeds 1: every pair */
    size_t n = ibid_candidates(km, &ix, 0, NULL, 0, 1, &hits, &n_hits, &cd);
    assert_int_equal(n_hits, 3 + 4 + 1);
    assert_int_equal(n, 3);
    const size_t b[3] = {1, 2, 3}, beg[3] = {0, 3, 7}, end[3] = {3, 7, 8};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(cd[k].a, 0);
        assert_int_equal(cd[k].b, b[k]);
        assert_int_equal(cd[k].beg, beg[k]);
        assert_int_equal(cd[k].end, end[k]);
        for (size_t h = beg[k]; h < end[k]; h++) assert_int_equal(hits[h].key >> 32, b[k]);
    }
    assert_int_equal((uint32_t)hits[2].key, 6);
    assert_int_equal(hits[2].x, 6);
    assert_int_equal((uint32_t)hits[7].key, 6);
    assert_int_equal(hits[7].x, 2);
    ibid_arena_reset(km);
    /* min_seeds 2, 4, 5 */
    n = ibid_candidates(km, &ix, 0, NULL, 0, 2, &hits, &n_hits, &cd);
    assert_int_equal(n, 2);
    assert_int_equal(cd[0].b, 1);
    assert_int_equal(cd[1].b, 2);
    ibid_arena_reset(km);
    n = ibid_candidates(km, &ix, 0, NULL, 0, 4, &hits, &n_hits, &cd);
    assert_int_equal(n, 1);
    assert_int_equal(cd[0].b, 2);
    assert_int_equal(cd[0].beg, 3);
    ibid_arena_reset(km);
    n = ibid_candidates(km, &ix, 0, NULL, 0, 5, &hits, &n_hits, &cd);
    assert_int_equal(n, 0);
    assert_int_equal(n_hits, 8);
    ibid_arena_reset(km);
    /* partners: only document 2 */
    const uint32_t p2[] = {2};
    n = ibid_candidates(km, &ix, 0, p2, 1, 1, &hits, &n_hits, &cd);
    assert_int_equal(n_hits, 4);
    assert_int_equal(n, 1);
    assert_int_equal(cd[0].b, 2);
    ibid_arena_reset(km);
    n = ibid_candidates(km, &ix, 0, p2, 0, 1, &hits, &n_hits, &cd);
    assert_int_equal(n, 0);
    assert_int_equal(n_hits, 0);
    ibid_arena_reset(km);
    /* document 1 pairs only with later documents */
    n = ibid_candidates(km, &ix, 1, NULL, 0, 1, &hits, &n_hits, &cd);
    assert_int_equal(n, 2);
    assert_int_equal(cd[0].a, 1);
    assert_int_equal(cd[0].b, 2);
    assert_int_equal(cd[1].b, 3);
    ibid_arena_reset(km);
    /* the last document has none */
    n = ibid_candidates(km, &ix, 3, NULL, 0, 1, &hits, &n_hits, &cd);
    assert_int_equal(n, 0);
    assert_int_equal(n_hits, 0);
    ibid_arena_free(km);
    ibid_index_free(&ix);
    free_corpus(c);
}

/* A group's key: its first occurrence (which no other group has) and its size. */
static int groups_with_first(const ibid_index *ix, size_t n_first, uint64_t **out)
{
    int n = 0;
    *out = malloc((ix->n_group + 1) * sizeof **out);
    assert_non_null(*out);
    for (size_t g = 0; g < ix->n_group; g++) {
        const ibid_occ *q = &ix->group_occ[ix->group_beg[g]];
        if (q->a >= n_first) continue; /* occurrences by document: the first is the least */
        size_t size = ix->group_beg[g + 1] - ix->group_beg[g];
        (*out)[n++] = (uint64_t)q->a << 40 | (uint64_t)q->b << 16 | (size & 0xFFFF);
    }
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ibid_index_build_for: the same groups and the same seeds as ibid_index_build for every pair
 * that holds one of the first documents, and (mostly) none of the n-grams only later documents
 * share. */
static void test_first_docs(void **state)
{
    (void)state;
    seed_rng("test_first_docs");
    for (int round = 0; round < 16; round++) {
        size_t n_doc = 4 + rng() % 60, n_first = rng() % (n_doc + 1);
        /* later documents repeat each other over a larger alphabet, so that they share
         * n-grams none of the first has */
        uint32_t alphabet = round % 2 ? 4 + (uint32_t)(rng() % 30) : 2000;
        corpus *c = random_corpus(n_doc, 200, alphabet);
        for (size_t d = n_first + 1; d < n_doc; d += 2) {
            ibid_toks_free(&c->toks[d]);
            set_doc(c, d, c->toks[d - 1].tok, c->toks[d - 1].n_tok);
        }
        ibid_align_opts o;
        ibid_align_opts_init(&o);
        o.ngram = 1 + round % 4;
        o.max_df = 2 + (int)(rng() % 30);
        o.max_tf = 1 + (int)(rng() % 5);
        o.n_threads = 1 + round % 3;
        ibid_index full, part;
        ibid_index_build(&full, c->toks, c->n_doc, &o);
        ibid_index_build_for(&part, c->toks, c->n_doc, n_first, &o);
        check_index(&part, c, &o);
        uint64_t *gf, *gp;
        int nf = groups_with_first(&full, n_first, &gf),
            np = groups_with_first(&part, n_first, &gp);
        qsort(gf, (size_t)nf, sizeof *gf, cmp_u64);
        qsort(gp, (size_t)np, sizeof *gp, cmp_u64);
        assert_int_equal(nf, np);
        if (nf) assert_memory_equal(gf, gp, (size_t)nf * sizeof *gf);
        size_t later_full = full.n_group - (size_t)nf, later_part = part.n_group - (size_t)np;
        if (alphabet == 2000 && later_full >= 20) /* the bit table leaves out most of them */
            assert_true(later_part * 4 < later_full);
        free(gf);
        free(gp);
        ibid_index_free(&full);
        ibid_index_free(&part);
        /* the seeds of every pair with a first document */
        ibid_pair *only = malloc((n_doc * n_doc + 1) * sizeof *only);
        assert_non_null(only);
        size_t n_only = 0;
        for (uint32_t a = 0; a < n_first; a++)
            for (uint32_t b = a + 1; b < n_doc; b++) only[n_only++] = (ibid_pair){a, b};
        seeds ref, s;
        seeds_of(&ref, c, only, n_only, &o);
        seeds_of_for(&s, c, only, n_only, n_first, &o);
        if (ref.n != s.n || (ref.n && memcmp(ref.a, s.a, ref.n * sizeof *ref.a) != 0))
            fail_msg("round %d: %zu seeds vs %zu", round, ref.n, s.n);
        free(ref.a);
        free(s.a);
        free(only);
        free_corpus(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_ngram),
        cmocka_unit_test(test_max_df),
        cmocka_unit_test(test_max_tf),
        cmocka_unit_test(test_only),
        cmocka_unit_test(test_passes_and_threads),
        cmocka_unit_test(test_many_passes),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_first_docs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
