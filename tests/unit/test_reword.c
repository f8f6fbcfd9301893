/*
 * test_reword.c: the sentence layer (terms.c, reword.c) on small hand-made documents.
 *
 * A source of six sentences and a rewrite of three of them (reordered words, inflections,
 * one sentence split in two) among unrelated sentences: the rewrite is found as one passage of
 * whole sentences on each side, and nothing else. A copy read by bad OCR still aligns, by its
 * characters. A pair that only shares a stock phrase gives nothing.
 */
#include "terms.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

static const char *const corpus[] = {
    /* 0: the source */
    "The harbour authority closed the northern pier on Monday after inspectors found deep "
    "cracks in its concrete pillars. Fishing boats were moved to the southern basin. "
    "Engineers from Rotterdam will examine the pillars next week and report to the council. "
    "Repairs could cost the city more than four million euros, according to early estimates. "
    "The mayor said the pier would reopen before the summer festival. "
    "Local restaurants fear losing tourists during the closure.",
    /* 1: a rewrite of sentences 1, 3 and 4 of the source, among other text */
    "Weather in the region stayed mild through the weekend. "
    "After inspectors discovered deep cracks in the concrete pillars, the northern pier was "
    "closed by the harbour authority on Monday. "
    "Next week, engineers from Rotterdam are going to examine the pillars. They will report "
    "to the council. "
    "Early estimates say that the repairs might cost the city over four million euros. "
    "In other news, the library opened a new reading room for children.",
    /* 2: unrelated, but for one stock phrase */
    "The company did not respond to a request for comment on Tuesday. Its shares fell sharply "
    "after the quarterly report showed a loss in every region where it sells tractors.",
    /* 3: unrelated, with the same stock phrase */
    "A spokesman did not respond to a request for comment. The orchestra will tour Japan and "
    "Korea in the autumn, playing symphonies by Sibelius and Nielsen in twelve cities.",
    /* 4: the first three sentences of the source as bad OCR reads them */
    "Tbe harbour authoritv c1osed tbe northem pier on Mondav after inspecters found deep cracks "
    "in its concrete pi1lars. Fishing b0ats were rnoved to tbe southem basin. Engineers frorn "
    "Rotterdarn wi11 exarnine tbe pi1lars next week and rep0rt to tbe counci1.",
};
#define N_DOC (sizeof corpus / sizeof *corpus)

typedef struct {
    ibid_terms t[N_DOC];
    ibid_toks k[N_DOC];
    ibid_terms_ctx *c; /* owns the terms' arrays */
    double log_sent;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ibid_terms_ctx *c = ibid_terms_ctx_new();
    size_t n_sent = 0;
    for (size_t i = 0; i < N_DOC; i++) {
        size_t n = strlen(corpus[i]);
        const char *lang = ibid_terms_lang(c, corpus[i], n);
        ibid_word *w = NULL;
        size_t m = 0;
        assert_int_equal(
            ibid_tokenize_words(&f->k[i], &w, &m, corpus[i], n, IBID_NORM_DEFAULT, NULL), 0);
        assert_int_equal(ibid_terms_build(&f->t[i], c, corpus[i], n, w, f->k[i].n_tok,
                                          IBID_NORM_DEFAULT, lang, NULL, NULL, NULL, NULL),
                         0);
        assert_int_equal(f->t[i].sent_tok[f->t[i].n_sent], f->k[i].n_tok);
        free(w);
    }
    n_sent = ibid_terms_weigh(f->t, N_DOC, &c, 1);
    f->log_sent = log((double)n_sent);
    f->c = c;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < N_DOC; i++) ibid_toks_free(&f->k[i]);
    ibid_terms_ctx_free(f->c);
    free(f);
    return 0;
}

static size_t run(fixture *f, ibid_arena *km, uint32_t a, uint32_t b, ibid_passage **ps)
{
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.min_words = 8;
    return ibid_reword_pair(km, &f->t[a], &f->t[b], a, b, f->k[a].tok, f->k[b].tok, f->log_sent, &o,
                            ps);
}

static void test_terms(void **state)
{
    fixture *f = *state;
    assert_string_equal(f->t[0].lang, "en");
    assert_int_equal(f->t[0].n_sent, 6);
    assert_int_equal(f->t[1].n_sent, 6);
    /* unit vectors, sorted terms */
    for (size_t i = 0; i < N_DOC; i++)
        for (uint32_t s = 0; s < f->t[i].n_sent; s++) {
            double n2 = 0;
            for (size_t k = f->t[i].term_beg[s]; k < f->t[i].term_beg[s + 1]; k++) {
                n2 += (double)f->t[i].term[k].w * f->t[i].term[k].w;
                if (k > f->t[i].term_beg[s])
                    assert_true(f->t[i].term[k - 1].id < f->t[i].term[k].id);
            }
            if (f->t[i].term_beg[s + 1] > f->t[i].term_beg[s]) assert_true(fabs(n2 - 1) < 1e-4);
        }
    /* "inspectors found" and "inspectors discovered": the stem of "inspectors" is shared */
}

static void test_rewrite_found(void **state)
{
    fixture *f = *state;
    ibid_arena *km = ibid_arena_new();
    ibid_passage *ps;
    size_t n = run(f, km, 0, 1, &ps);
    assert_int_equal(n, 1);
    /* sentences 0-3 of the source ("The harbour authority" to "early estimates."), sentences
     * 1-4 of the rewrite ("After inspectors" to "four million euros."), first to last word */
    assert_int_equal(ps[0].tok_beg1, f->t[0].sent_tok[0]);
    assert_int_equal(ps[0].tok_end1, f->t[0].sent_tok[4]);
    assert_int_equal(ps[0].tok_beg2, f->t[1].sent_tok[1]);
    assert_int_equal(ps[0].tok_end2, f->t[1].sent_tok[5]);
    assert_int_equal(ps[0].kind, IBID_KIND_REWORDED);
    assert_true(ps[0].matches > 20 && ps[0].matches <= ps[0].columns);
    ibid_arena_free(km);
}

/* Misread words share no stem, but their characters: the first two sentences still align. */
static void test_ocr_noise(void **state)
{
    fixture *f = *state;
    ibid_arena *km = ibid_arena_new();
    ibid_passage *ps;
    assert_int_equal(run(f, km, 0, 4, &ps), 1);
    assert_true(ps[0].tok_beg1 <= f->t[0].sent_tok[0] + 1);
    assert_true(ps[0].tok_end1 >= f->t[0].sent_tok[2] - 1);
    assert_true(ps[0].tok_beg2 <= f->t[4].sent_tok[0] + 1);
    assert_true(ps[0].tok_end2 >= f->t[4].sent_tok[2] - 1);
    ibid_arena_free(km);
}

static void expect_skeleton(const char *name, const char *want)
{
    char out[64];
    size_t n = ibid_terms_skeleton(name, strlen(name), out, sizeof out);
    if (n != strlen(want) || memcmp(out, want, n) != 0)
        fail_msg("skeleton of \"%s\": \"%.*s\", expected \"%s\"", name, (int)n, out, want);
}

/* Names across languages and scripts meet by their consonants. */
static void test_name_skeleton(void **state)
{
    (void)state;
    expect_skeleton("baghdad", "bgdd");
    expect_skeleton("bagdad", "bgdd");
    expect_skeleton("\xD8\xA8\xD8\xBA\xD8\xAF\xD8\xA7\xD8\xAF", "bgdd"); /* Baghdad in Arabic */
    expect_skeleton("basra", "bsr");
    expect_skeleton("basora", "bsr");
    expect_skeleton("m\xC3\xBCnchen", "mncn");                  /* diacritics go, and h */
    expect_skeleton("\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF", "mmd"); /* Muhammad */
    expect_skeleton("muhammad", "mmd");
    expect_skeleton("ai", "");                       /* fewer than two consonants */
    expect_skeleton("\xE6\x9D\xB1\xE4\xBA\xAC", ""); /* no Latin or Arabic letters */
}

/* The only term of one-word document `text` in language `lang`. */
static uint32_t one_term(ibid_terms_ctx *c, const char *text, const char *lang)
{
    ibid_toks k = {0};
    ibid_word *w = NULL;
    size_t m = 0, n = strlen(text);
    ibid_terms t;
    assert_int_equal(ibid_tokenize_words(&k, &w, &m, text, n, IBID_NORM_DEFAULT, NULL), 0);
    assert_int_equal(k.n_tok, 1);
    assert_int_equal(ibid_terms_build(&t, c, text, n, w, k.n_tok, IBID_NORM_DEFAULT, lang, NULL,
                                      NULL, NULL, NULL),
                     0);
    assert_int_equal(t.n_term, 1);
    free(w);
    ibid_toks_free(&k);
    return t.term[0].id;
}

/* Words are stemmed composed (NFKC), as Snowball expects: "Häuser" written with a precomposed
 * or a combining diaeresis has the stem of "Haus". */
static void test_composed_stems(void **state)
{
    (void)state;
    ibid_terms_ctx *c = ibid_terms_ctx_new();
    uint32_t haus = one_term(c, "Haus", "de");
    assert_int_equal(one_term(c, "H\xc3\xa4user", "de"), haus);
    assert_int_equal(one_term(c, "Ha\xcc\x88user", "de"), haus);
    ibid_terms_ctx_free(c);
}

static void test_stock_phrase_alone(void **state)
{
    fixture *f = *state;
    ibid_arena *km = ibid_arena_new();
    ibid_passage *ps;
    assert_int_equal(run(f, km, 2, 3, &ps), 0);
    assert_int_equal(run(f, km, 0, 2, &ps), 0);
    assert_int_equal(run(f, km, 1, 3, &ps), 0);
    ibid_arena_free(km);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_rewrite_found),
        cmocka_unit_test(test_ocr_noise),
        cmocka_unit_test(test_name_skeleton),
        cmocka_unit_test(test_stock_phrase_alone),
        cmocka_unit_test(test_composed_stems),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
