/*
 * test_reword.c: the sentence layer (terms.c, reword.c) on small hand-made documents.
 *
 * A source of six sentences and a rewrite of three of them (reordered words, inflections,
 * one sentence split in two) among unrelated sentences: the rewrite is found as one passage of
 * whole sentences on each side, and nothing else. A copy read by bad OCR still aligns, by its
 * characters. A pair that only shares a stock phrase gives nothing.
 */
#include "dict.h"
#include "terms.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "test_dictd.h"

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

/* Build terms of `text` (language lang, translated to English with dict when not NULL). */
static void build(ibid_terms_ctx *c, ibid_terms *t, ibid_toks *k, const char *text,
                  const char *lang, const ibid_dict *dict)
{
    ibid_word *w = NULL;
    size_t m = 0, n = strlen(text);
    assert_int_equal(ibid_tokenize_words(k, &w, &m, text, n, IBID_NORM_DEFAULT, NULL), 0);
    assert_int_equal(ibid_terms_build(t, c, text, n, w, k->n_tok, IBID_NORM_DEFAULT, lang, dict,
                                      dict ? "en" : NULL, NULL, NULL),
                     0);
    free(w);
}

/* The only term of one-word document `text` in language `lang`. */
static uint32_t one_term(ibid_terms_ctx *c, const char *text, const char *lang)
{
    ibid_toks k = {0};
    ibid_terms t;
    build(c, &t, &k, text, lang, NULL);
    assert_int_equal(k.n_tok, 1);
    assert_int_equal(t.n_term, 1);
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

/* The weight of term `id` in sentence s of t; -1 when the sentence lacks it. */
static double weight_of(const ibid_terms *t, uint32_t s, uint32_t id, int *alt)
{
    for (uint32_t x = t->term_beg[s]; x < t->term_beg[s + 1]; x++)
        if (t->term[x].id == id) {
            if (alt) *alt = IBID_TERM_ALT(&t->term[x]);
            return t->term[x].w;
        }
    return -1;
}

/* A German word with four translations gives four alternative terms; seen from an English
 * document that uses one of them, the other three weigh nothing and the sentence is of unit
 * length again, so the one used weighs more than before; a word with one translation is no
 * alternative, and a document seen from one that has all its terms is itself. */
static void test_translation_view(void **state)
{
    (void)state;
    static const char *const entries[] = {
        "brücke\ndeck, gangway, rug, bridge\n",
        "hafen\nharbour\n",
    };
    char index[256] = "", data[256] = "";
    for (size_t i = 0, off = 0; i < 2; i++) {
        char o[16], l[16];
        size_t len = strlen(entries[i]);
        b64(off, o);
        b64(len, l);
        snprintf(index + strlen(index), sizeof index - strlen(index), "%.*s\t%s\t%s\n",
                 (int)strcspn(entries[i], "\n"), entries[i], o, l);
        strcat(data, entries[i]);
        off += len;
    }
    ibid_dict_text dt = {"test.index", index, strlen(index), data, strlen(data), 0, 0};
    ibid_dict *dict = NULL;
    assert_int_equal(ibid_dict_build(&dict, &dt, 1, NULL), 0);
    ibid_terms_ctx *c = ibid_terms_ctx_new();
    ibid_terms t[4];
    ibid_toks k[4] = {{0}};
    build(c, &t[0], &k[0], "Brücke Hafen Zollamt.", "de", dict);
    build(c, &t[1], &k[1], "Bridge harbour customs.", "en", NULL);
    build(c, &t[2], &k[2], "Deck gangway rug bridge harbour.", "en", NULL);
    build(c, &t[3], &k[3], "Ferry quay customs.", "en", NULL);
    ibid_terms_weigh(t, 4, &c, 1);
    ibid_terms_ctx *c1 = ibid_terms_ctx_new(); /* the English stems' terms, counted apart */
    uint32_t bridge = one_term(c1, "bridge", "en"), harbour = one_term(c1, "harbour", "en");
    ibid_terms_ctx_free(c1);
    int alt = -1;
    double w_bridge = weight_of(&t[0], 0, bridge, &alt);
    assert_true(w_bridge > 0);
    assert_int_equal(alt, 1); /* one of four translations */
    double w_harbour = weight_of(&t[0], 0, harbour, &alt);
    assert_true(w_harbour > 0);
    assert_int_equal(alt, 0); /* the only translation */
    size_t n_alt = 0;
    for (uint32_t x = 0; x < t[0].n_term; x++) n_alt += IBID_TERM_ALT(&t[0].term[x]);
    assert_int_equal(n_alt, 4);

    ibid_arena *km = ibid_arena_new();
    ibid_terms v;
    const ibid_terms *seen = ibid_reword_view(km, &t[0], &t[1], &v);
    assert_ptr_equal(seen, &v);
    double len = 0;
    size_t n_zero = 0;
    for (uint32_t x = 0; x < seen->n_term; x++) {
        len += (double)seen->term[x].w * seen->term[x].w;
        n_zero += seen->term[x].w == 0;
    }
    assert_int_equal(n_zero, 3); /* deck, gangway, rug */
    assert_true(fabs(len - 1) < 1e-5);
    assert_true(weight_of(seen, 0, bridge, NULL) > w_bridge);
    assert_true(weight_of(seen, 0, harbour, NULL) > w_harbour);
    assert_true(weight_of(&t[0], 0, bridge, NULL) == w_bridge); /* t[0] itself is unchanged */
    /* t[2] has every translation: nothing changes; nor for a document without alternatives */
    assert_ptr_equal(ibid_reword_view(km, &t[0], &t[2], &v), &t[0]);
    assert_ptr_equal(ibid_reword_view(km, &t[1], &t[0], &v), &t[1]);
    /* t[3] has none of the four: all of them weigh nothing */
    seen = ibid_reword_view(km, &t[0], &t[3], &v);
    n_zero = 0;
    for (uint32_t x = 0; x < seen->n_term; x++) n_zero += seen->term[x].w == 0;
    assert_int_equal(n_zero, 4);
    ibid_arena_free(km);
    for (int i = 0; i < 4; i++) ibid_toks_free(&k[i]);
    ibid_terms_ctx_free(c);
    ibid_dict_free(dict);
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
        cmocka_unit_test(test_translation_view),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
