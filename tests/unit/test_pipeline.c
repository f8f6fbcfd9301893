/*
 * test_pipeline.c: ibid_align end to end (pipeline.c and every stage under it), on corpora built
 * in memory with ibid_corpus_add.
 *
 * Every result is written with ibid_result_write (JSON Lines, with texts) and read back: each
 * text1/text2 must be the slice of its document in code points [begin, end), the byte offsets of
 * the passage must be those of the same code points, and id1 < id2. Then: a passage copied with
 * a few edits among non-ASCII text is found with exact edges; unrelated, empty and one-word
 * documents give nothing; a paragraph repeated 20 times gives one passage, not 20; the bytes
 * written are the same for 1, 2 and 4 threads, for any index_memory and for any order in which
 * the documents were added. Random corpora print their seed (IBID_TEST_SEED replays one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ibid_int.h"

/* ---- helpers ---- */

#include "test_rng.h"

/* Byte offset of code point `cp` in valid UTF-8 s[0, n). */
static size_t cp_to_byte(const char *s, size_t n, uint32_t cp)
{
    size_t i = 0;
    for (uint32_t k = 0; k < cp; k++) {
        if (i >= n) fail_msg("code point %u is past the end of the text", cp);
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

static uint32_t count_cp(const char *s, size_t n)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static void add_doc(ibid_corpus *c, const char *id, const char *text)
{
    ibid_error e;
    int rc = ibid_corpus_add(c, id, strlen(id), text, strlen(text), NULL, &e);
    if (rc != 0) fail_msg("adding %s: %s", id, e.message);
}

static ibid_result *align(const ibid_corpus *c, const ibid_align_opts *o)
{
    ibid_result *r = NULL;
    ibid_error e;
    int rc = ibid_align(&r, c, NULL, o, &e);
    if (rc != 0) fail_msg("ibid_align: %s", e.message);
    assert_non_null(r);
    return r;
}

/* The JSON Lines of r, with texts; the caller frees it. */
static char *write_jsonl(const ibid_corpus *c, const ibid_result *r, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    assert_non_null(fp);
    ibid_write_opts w = {IBID_FORMAT_JSONL, 1};
    ibid_error e;
    assert_int_equal(ibid_result_write(fp, c, r, &w, &e), 0);
    assert_int_equal(fclose(fp), 0);
    if (len) *len = n;
    return buf;
}

static void check_side(const ibid_corpus *c, uint32_t doc, uint32_t cp_beg, uint32_t cp_end,
                       uint32_t byte_beg, uint32_t byte_end, const char *slice)
{
    size_t n;
    const char *text = ibid_corpus_text(c, doc, &n);
    assert_true(cp_beg < cp_end);
    size_t b = cp_to_byte(text, n, cp_beg), e = cp_to_byte(text, n, cp_end);
    assert_int_equal(b, byte_beg);
    assert_int_equal(e, byte_end);
    if (slice && (strlen(slice) != e - b || memcmp(slice, text + b, e - b) != 0))
        fail_msg("text \"%s\" is not [%u, %u) of %s", slice, cp_beg, cp_end,
                 ibid_corpus_id(c, doc));
}

/*
 * Check every passage of r: offsets in bounds and consistent (code points and bytes), ids in
 * order, and the written texts equal to the code point slices the written offsets name.
 */
static void check_result(const ibid_corpus *c, const ibid_result *r, const ibid_align_opts *o)
{
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        assert_true(p->doc1 < ibid_corpus_size(c) && p->doc2 < ibid_corpus_size(c));
        assert_true(strcmp(ibid_corpus_id(c, p->doc1), ibid_corpus_id(c, p->doc2)) < 0);
        check_side(c, p->doc1, p->cp_beg1, p->cp_end1, p->byte_beg1, p->byte_end1, NULL);
        check_side(c, p->doc2, p->cp_beg2, p->cp_end2, p->byte_beg2, p->byte_end2, NULL);
        assert_true(p->tok_end1 - p->tok_beg1 >= (uint32_t)o->min_words);
        assert_true(p->tok_end2 - p->tok_beg2 >= (uint32_t)o->min_words);
        assert_true(p->matches <= p->columns);
        assert_true(p->matches > 0);
        double id = ibid_passage_identity(p);
        assert_true(id > 0 && id <= 1);
    }
    char *buf = write_jsonl(c, r, NULL);
    size_t n_lines = 0;
    for (char *line = buf, *nl; *line; line = nl + 1, n_lines++) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        json_error_t je;
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, &je);
        if (!j) fail_msg("bad JSON line: %s", je.text);
        const char *id1 = json_string_value(json_object_get(j, "id1"));
        const char *id2 = json_string_value(json_object_get(j, "id2"));
        assert_non_null(id1);
        assert_non_null(id2);
        assert_true(strcmp(id1, id2) < 0);
        long d1 = ibid_corpus_find(c, id1), d2 = ibid_corpus_find(c, id2);
        assert_true(d1 >= 0 && d2 >= 0);
        assert_true(n_lines < r->n_passages);
        const ibid_passage *p = &r->passages[n_lines];
        assert_int_equal(d1, p->doc1);
        assert_int_equal(d2, p->doc2);
        uint32_t b1 = (uint32_t)json_integer_value(json_object_get(j, "begin1"));
        uint32_t e1 = (uint32_t)json_integer_value(json_object_get(j, "end1"));
        uint32_t b2 = (uint32_t)json_integer_value(json_object_get(j, "begin2"));
        uint32_t e2 = (uint32_t)json_integer_value(json_object_get(j, "end2"));
        assert_int_equal(b1, p->cp_beg1);
        assert_int_equal(e1, p->cp_end1);
        assert_int_equal(b2, p->cp_beg2);
        assert_int_equal(e2, p->cp_end2);
        check_side(c, (uint32_t)d1, b1, e1, p->byte_beg1, p->byte_end1,
                   json_string_value(json_object_get(j, "text1")));
        check_side(c, (uint32_t)d2, b2, e2, p->byte_beg2, p->byte_end2,
                   json_string_value(json_object_get(j, "text2")));
        json_decref(j);
    }
    assert_int_equal(n_lines, r->n_passages);
    free(buf);
}

/* ---- texts ---- */

static const char passage[] =
    "The na\xC3\xAFve caf\xC3\xA9 owner in Z\xC3\xBCrich served cr\xC3\xA8me "
    "br\xC3\xBBl\xC3\xA9\x65 "
    "to \xCE\x95\xCE\xBB\xCE\xAD\xCE\xBD\xCE\xB7 and "
    "\xD0\x94\xD0\xBC\xD0\xB8\xD1\x82\xD1\x80\xD0\xB8"
    "\xD0\xB9 every morning, while the old clock above the door counted hours nobody kept. "
    "\xE2\x80\x9CNothing here changes,\xE2\x80\x9D she said \xE2\x80\x94 and "
    "\xE6\x9D\xB1\xE4\xBA\xAC "
    "seemed as far away as the moon over the quiet lake where the ferries sleep through winter "
    "and the gulls argue about bread";

/* The same passage with three words replaced, one removed and one added, none near its ends. */
static const char passage_edited[] =
    "The na\xC3\xAFve caf\xC3\xA9 owner in Z\xC3\xBCrich sold cr\xC3\xA8me br\xC3\xBBl\xC3\xA9\x65 "
    "to \xCE\x95\xCE\xBB\xCE\xAD\xCE\xBD\xCE\xB7 and "
    "\xD0\x94\xD0\xBC\xD0\xB8\xD1\x82\xD1\x80\xD0\xB8"
    "\xD0\xB9 each morning, while the clock above the door counted hours nobody kept. "
    "\xE2\x80\x9CNothing here ever changes,\xE2\x80\x9D she said \xE2\x80\x94 and "
    "\xE6\x9D\xB1\xE4\xBA"
    "\xAC seemed as far away as the sun over the quiet lake where the ferries sleep through winter "
    "and the gulls argue about bread";

static const char intro_a[] = "\xC3\x96lfarben und Stra\xC3\x9F\x65nbahnen pr\xC3\xA4gen diese "
                              "Stadt seit jeher; \xE2\x80\x94 Vorwort, Seite 3.\n\n";
static const char outro_a[] =
    ". Kapitel zwei beginnt mit Regen \xC3\xBC\x62\x65r den H\xC3\xBCgeln.";
static const char intro_b[] = "\xD0\x92\xD1\x81\xD1\x82\xD1\x83\xD0\xBF\xD0\xBB\xD0\xB5\xD0\xBD"
                              "\xD0\xB8\xD0\xB5: \xD0\xBA\xD0\xBE\xD1\x80\xD0\xBE\xD1\x82\xD0\xBA"
                              "\xD0\xB8\xD0\xB9 \xD1\x80\xD0\xB0\xD1\x81\xD1\x81\xD0\xBA\xD0\xB0"
                              "\xD0\xB7 (1901) \xE2\x80\x94 ";
static const char outro_b[] = "! \xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xE3\x81\x8A\xE3\x82\x8F"
                              "\xE3\x82\x8A fin.";

static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    assert_non_null(s);
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* ---- tests ---- */

static void test_copied_passage(void **state)
{
    (void)state;
    char *a = concat3(intro_a, passage, outro_a), *b = concat3(intro_b, passage_edited, outro_b);
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    add_doc(c, "a", a);
    add_doc(c, "b", b);
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    ibid_result *r = align(c, &o);
    check_result(c, r, &o);
    assert_int_equal(r->n_passages, 1);
    assert_int_equal(r->n_candidates, 1);
    const ibid_passage *p = &r->passages[0];
    assert_int_equal(p->doc1, 0);
    assert_int_equal(p->doc2, 1);
    /* the whole passage, exactly: its first and last words are unedited */
    uint32_t beg_a = count_cp(intro_a, strlen(intro_a)), beg_b = count_cp(intro_b, strlen(intro_b));
    assert_int_equal(p->cp_beg1, beg_a);
    assert_int_equal(p->cp_end1, beg_a + count_cp(passage, strlen(passage)));
    assert_int_equal(p->cp_beg2, beg_b);
    assert_int_equal(p->cp_end2, beg_b + count_cp(passage_edited, strlen(passage_edited)));
    /* tokens: the passage in a, and all but the 4 edits are matched */
    ibid_token *t;
    size_t n_tok;
    assert_int_equal(ibid_tokenize(&t, &n_tok, passage, strlen(passage), o.norm, NULL), 0);
    free(t);
    assert_int_equal(p->tok_end1 - p->tok_beg1, n_tok);
    assert_true(p->matches >= n_tok - 4 && p->matches < n_tok);
    assert_true(ibid_passage_identity(p) > 0.85 && ibid_passage_identity(p) < 1);
    assert_true(r->n_tokens > 2 * n_tok);
    ibid_result_free(r);
    ibid_corpus_free(c);
    free(a);
    free(b);
}

/* Ids are ordered by strcmp in the output, however the documents were added. */
static void test_id_order(void **state)
{
    (void)state;
    char *a = concat3(intro_a, passage, outro_a), *b = concat3(intro_b, passage_edited, outro_b);
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    add_doc(c, "zeta", b);
    add_doc(c, "Alpha", a); /* "Alpha" < "zeta" */
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    ibid_result *r = align(c, &o);
    check_result(c, r, &o);
    assert_int_equal(r->n_passages, 1);
    assert_int_equal(r->passages[0].doc1, 1);
    assert_int_equal(r->passages[0].doc2, 0);
    assert_int_equal(r->passages[0].cp_beg1, count_cp(intro_a, strlen(intro_a)));
    assert_int_equal(r->passages[0].cp_beg2, count_cp(intro_b, strlen(intro_b)));
    ibid_result_free(r);
    ibid_corpus_free(c);
    free(a);
    free(b);
}

static void test_unrelated(void **state)
{
    (void)state;
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    add_doc(c, "a", passage);
    add_doc(c, "b",
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
            "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, "
            "quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo.");
    add_doc(c, "c", intro_a);
    add_doc(c, "d", intro_b);
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    ibid_result *r = align(c, &o);
    assert_int_equal(r->n_passages, 0);
    assert_int_equal(r->n_seeds, 0);
    assert_int_equal(r->n_candidates, 0);
    ibid_result_free(r);
    /* and an empty corpus */
    ibid_corpus *e;
    assert_int_equal(ibid_corpus_new(&e), 0);
    r = align(e, &o);
    assert_int_equal(r->n_passages, 0);
    assert_int_equal(r->n_tokens, 0);
    ibid_result_free(r);
    ibid_corpus_free(e);
    ibid_corpus_free(c);
}

static void test_empty_and_tiny_documents(void **state)
{
    (void)state;
    char *a = concat3(intro_a, passage, outro_a);
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    add_doc(c, "empty1", "");
    add_doc(c, "empty2", "");
    add_doc(c, "one1", "word");
    add_doc(c, "one2", "word");
    add_doc(c, "one3", "WORD!");
    add_doc(c, "punct", " ... \xE2\x80\x94 !!");
    add_doc(c, "x", a);
    add_doc(c, "y", passage);
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    ibid_result *r = align(c, &o);
    check_result(c, r, &o);
    assert_int_equal(r->n_passages, 1);
    assert_string_equal(ibid_corpus_id(c, r->passages[0].doc1), "x");
    assert_string_equal(ibid_corpus_id(c, r->passages[0].doc2), "y");
    ibid_result_free(r);
    /* the most permissive options: nothing crashes, every passage is well formed */
    o.ngram = 1;
    o.min_seeds = 1;
    o.min_words = 1;
    o.max_gap = 0;
    o.max_tf = 1000;
    r = align(c, &o);
    check_result(c, r, &o);
    int x_y = 0;
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        const char *id1 = ibid_corpus_id(c, p->doc1), *id2 = ibid_corpus_id(c, p->doc2);
        assert_true(strncmp(id1, "empty", 5) != 0 && strncmp(id2, "empty", 5) != 0);
        assert_true(strcmp(id1, "punct") != 0 && strcmp(id2, "punct") != 0);
        x_y += strcmp(id1, "x") == 0 && strcmp(id2, "y") == 0;
    }
    assert_true(x_y >= 1);
    ibid_result_free(r);
    ibid_corpus_free(c);
    free(a);
}

static void test_min_words(void **state)
{
    (void)state;
    /* 10 shared words between unrelated ones */
    const char *a = "alpha beta gamma delta one two three four five six seven eight nine ten "
                    "epsilon zeta eta theta";
    const char *b = "iota kappa lambda mu one two three four five six seven eight nine ten nu xi "
                    "omicron pi";
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    add_doc(c, "a", a);
    add_doc(c, "b", b);
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    ibid_result *r = align(c, &o);
    assert_int_equal(r->n_passages, 0);
    assert_int_equal(r->n_candidates, 1);
    ibid_result_free(r);
    for (int mw = 9; mw <= 11; mw++) {
        o.min_words = mw;
        r = align(c, &o);
        check_result(c, r, &o);
        assert_int_equal(r->n_passages, mw <= 10 ? 1 : 0);
        if (r->n_passages) {
            assert_int_equal(r->passages[0].cp_beg1, strstr(a, "one") - a);
            assert_int_equal(r->passages[0].cp_end1, strstr(a, " epsilon") - a);
            assert_int_equal(r->passages[0].matches, 10);
        }
        ibid_result_free(r);
    }
    ibid_corpus_free(c);
}

/* A paragraph repeated 20 times in one document, once in another: one passage, not 20. */
static void test_repeats(void **state)
{
    (void)state;
    size_t lp = strlen(passage);
    char *rep = malloc(20 * (lp + 2) + 1);
    assert_non_null(rep);
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        memcpy(rep + n, passage, lp);
        n += lp;
        memcpy(rep + n, ".\n", 2);
        n += 2;
    }
    rep[n] = 0;
    char *once = concat3(intro_a, passage, outro_a);
    uint32_t lcp = count_cp(passage, lp), intro = count_cp(intro_a, strlen(intro_a));
    /* the repeated document second in id order, then first: overlaps on either side */
    const char *ids[2][2] = {{"once", "rep"}, {"zonce", "arep"}};
    for (int k = 0; k < 2; k++) {
        ibid_corpus *c;
        assert_int_equal(ibid_corpus_new(&c), 0);
        add_doc(c, ids[k][0], once);
        add_doc(c, ids[k][1], rep);
        ibid_align_opts o;
        ibid_align_opts_init(&o);
        /* max_tf above the repeat count, so that every copy makes seeds */
        o.max_tf = 32;
        for (int t = 1; t <= 4; t *= 2) {
            o.n_threads = t;
            ibid_result *r = align(c, &o);
            check_result(c, r, &o);
            assert_true(r->n_seeds >= 20);
            if (r->n_passages != 1) fail_msg("%zu passages, expected 1", r->n_passages);
            const ibid_passage *p = &r->passages[0];
            uint32_t beg_once = k ? p->cp_beg2 : p->cp_beg1, beg_rep = k ? p->cp_beg1 : p->cp_beg2;
            assert_int_equal(beg_once, intro);
            assert_int_equal(p->cp_end1 - p->cp_beg1, lcp);
            assert_int_equal(p->cp_end2 - p->cp_beg2, lcp);
            assert_int_equal(beg_rep % (lcp + 2), 0); /* one of the copies, whole */
            ibid_result_free(r);
        }
        /* with the default max_tf the repeated n-grams are skipped: at most one passage */
        ibid_align_opts_init(&o);
        ibid_result *r = align(c, &o);
        check_result(c, r, &o);
        assert_true(r->n_passages <= 1);
        ibid_result_free(r);
        ibid_corpus_free(c);
    }
    free(rep);
    free(once);
}

/* ---- determinism ---- */

static const char *const syll[] = {"ka",
                                   "lo",
                                   "mi",
                                   "n\xC3\xA9",
                                   "\xC3\xBCr",
                                   "\xC3\x9F\x61",
                                   "do",
                                   "\xD0\xB2\xD0\xB0",
                                   "ri",
                                   "te",
                                   "po",
                                   "\xC3\xA7\x65",
                                   "su",
                                   "an",
                                   "\xCE\xBB\xCE\xB1",
                                   "vo"};
static const char *const gaps[] = {
    " ", " ", " ", ", ", ". ", "\n", " \xE2\x80\x94 ", "\xE2\x80\x9D "};

/* Append a random text of n words to s (capacity checked by the caller). */
static size_t random_words(char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int ns = 1 + (int)(rng() % 3);
        for (int j = 0; j < ns; j++) {
            const char *y = syll[rng() % (sizeof syll / sizeof *syll)];
            memcpy(s + k, y, strlen(y)), k += strlen(y);
        }
        const char *g = gaps[rng() % (sizeof gaps / sizeof *gaps)];
        memcpy(s + k, g, strlen(g)), k += strlen(g);
    }
    return k;
}

#define N_RDOC 14

/* Random documents, some sharing copies of others' stretches with a few words changed. */
static void random_docs(char **docs)
{
    for (int d = 0; d < N_RDOC; d++) {
        docs[d] = malloc(64 * 1024);
        assert_non_null(docs[d]);
        size_t k = random_words(docs[d], 100 + rng() % 300);
        docs[d][k] = 0;
    }
    for (int i = 0; i < 20; i++) {
        int src = (int)(rng() % N_RDOC), dst = (int)(rng() % N_RDOC);
        size_t ls = strlen(docs[src]);
        size_t beg = rng() % (ls / 2), len = 100 + rng() % (ls / 2);
        if (beg + len > ls) len = ls - beg;
        /* whole words, so that no character is cut */
        while (beg > 0 && docs[src][beg - 1] != ' ') beg--, len++;
        while (len > 0 && docs[src][beg + len - 1] != ' ') len--;
        size_t ld = strlen(docs[dst]);
        if (len == 0 || ld + len + 64 >= 64 * 1024) continue;
        size_t at = rng() % (ld + 1);
        while (at > 0 && docs[dst][at - 1] != ' ') at--;
        char *copy = malloc(len + 1);
        assert_non_null(copy);
        memcpy(copy, docs[src] + beg, len);
        size_t lc = len;
        memmove(docs[dst] + at + lc, docs[dst] + at, ld - at + 1);
        memcpy(docs[dst] + at, copy, lc);
        /* a few one-word edits */
        for (int e = 0; e < 3; e++) {
            size_t p = at + rng() % lc;
            if (docs[dst][p] == 'a' || docs[dst][p] == 'o') docs[dst][p] = 'u';
        }
        free(copy);
    }
}

static char *align_bytes(ibid_corpus *c, const ibid_align_opts *o, size_t *len)
{
    ibid_result *r = align(c, o);
    check_result(c, r, o);
    char *out = write_jsonl(c, r, len);
    ibid_result_free(r);
    return out;
}

static void test_deterministic(void **state)
{
    (void)state;
    seed_rng("test_deterministic");
    for (int round = 0; round < 3; round++) {
        char *docs[N_RDOC];
        random_docs(docs);
        char ids[N_RDOC][16];
        for (int d = 0; d < N_RDOC; d++) snprintf(ids[d], sizeof ids[d], "doc%02d", (d * 7) % 17);
        ibid_corpus *fwd, *rev;
        assert_int_equal(ibid_corpus_new(&fwd), 0);
        assert_int_equal(ibid_corpus_new(&rev), 0);
        for (int d = 0; d < N_RDOC; d++) add_doc(fwd, ids[d], docs[d]);
        for (int d = N_RDOC - 1; d >= 0; d--) add_doc(rev, ids[d], docs[d]);
        ibid_align_opts o;
        ibid_align_opts_init(&o);
        o.min_words = 8;
        size_t n_ref, n;
        char *ref = align_bytes(fwd, &o, &n_ref);
        assert_true(n_ref > 0); /* the copies are found */
        const int threads[] = {2, 4, 1, 4};
        for (int t = 0; t < 4; t++) {
            o.n_threads = threads[t];
            o.index_memory = t == 3 ? 4096 : (size_t)512 << 20;
            char *out = align_bytes(t % 2 ? rev : fwd, &o, &n);
            if (n != n_ref || memcmp(out, ref, n) != 0)
                fail_msg("%d threads, %s order, index_memory %zu: output differs", o.n_threads,
                         t % 2 ? "reverse" : "forward", o.index_memory);
            free(out);
        }
        free(ref);
        ibid_corpus_free(fwd);
        ibid_corpus_free(rev);
        for (int d = 0; d < N_RDOC; d++) free(docs[d]);
    }
}

/*
 * Equally good alignments (a periodic text) must be chosen the same way whichever document was
 * added first: found by fuzz_align (fuzz/corpus/fuzz_align/order_tie).
 */
static void test_order_with_ties(void **state)
{
    (void)state;
    const char *ta = "a a f a a f a ", *tb = "a f a a f a a f ";
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    o.ngram = 1, o.min_seeds = 1, o.max_gap = 1, o.min_words = 1, o.match = 1, o.mismatch = -1;
    o.gap_open = 1, o.gap_extend = 0, o.xdrop = 6, o.max_tf = 42, o.merge_gap = 25;
    ibid_corpus *fwd, *rev;
    assert_int_equal(ibid_corpus_new(&fwd), 0);
    assert_int_equal(ibid_corpus_new(&rev), 0);
    add_doc(fwd, "a", ta);
    add_doc(fwd, "b", tb);
    add_doc(rev, "b", tb);
    add_doc(rev, "a", ta);
    size_t n1, n2;
    char *out1 = align_bytes(fwd, &o, &n1), *out2 = align_bytes(rev, &o, &n2);
    assert_true(n1 > 0);
    if (n1 != n2 || memcmp(out1, out2, n1) != 0)
        fail_msg("added a, b:\n%s\nadded b, a:\n%s", out1, out2);
    free(out1);
    free(out2);
    ibid_corpus_free(fwd);
    ibid_corpus_free(rev);
}

/* ---- options ---- */

typedef struct {
    const char *name;
    void (*set)(ibid_align_opts *o);
} bad_opt;

#define BAD(nm, field, value)                \
    static void set_##nm(ibid_align_opts *o) \
    {                                        \
        o->field = value;                    \
    }
BAD(ngram0, ngram, 0)
BAD(ngram65, ngram, 65)
BAD(max_df1, max_df, 1)
BAD(max_tf0, max_tf, 0)
BAD(min_seeds0, min_seeds, 0)
BAD(max_gap_neg, max_gap, -1)
BAD(max_gap_big, max_gap, 10001)
BAD(min_words0, min_words, 0)
BAD(merge_gap_neg, merge_gap, -1)
BAD(match0, match, 0)
BAD(match_big, match, 1001)
BAD(mismatch_pos, mismatch, 1)
BAD(mismatch_big, mismatch, -1001)
BAD(gap_open_neg, gap_open, -1)
BAD(gap_open_big, gap_open, 1001)
BAD(gap_extend_neg, gap_extend, -1)
BAD(gap_extend_big, gap_extend, 1001)
BAD(xdrop0, xdrop, 0)
BAD(threads0, n_threads, 0)
BAD(threads_big, n_threads, 1025)
BAD(norm_bad, norm, 8)

static void test_opts_check(void **state)
{
    (void)state;
    const bad_opt bad[] = {
        {"ngram", set_ngram0},
        {"ngram", set_ngram65},
        {"max-df", set_max_df1},
        {"max-tf", set_max_tf0},
        {"min-seeds", set_min_seeds0},
        {"max-gap", set_max_gap_neg},
        {"max-gap", set_max_gap_big},
        {"min-words", set_min_words0},
        {"merge-gap", set_merge_gap_neg},
        {"match", set_match0},
        {"match", set_match_big},
        {"mismatch", set_mismatch_pos},
        {"mismatch", set_mismatch_big},
        {"gap-open", set_gap_open_neg},
        {"gap-open", set_gap_open_big},
        {"gap-extend", set_gap_extend_neg},
        {"gap-extend", set_gap_extend_big},
        {"xdrop", set_xdrop0},
        {"threads", set_threads0},
        {"threads", set_threads_big},
        {"norm", set_norm_bad},
    };
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    ibid_error e;
    assert_int_equal(ibid_align_opts_check(&o, &e), 0);
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    add_doc(c, "a", "some text here");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ibid_align_opts_init(&o);
        bad[i].set(&o);
        memset(&e, 0, sizeof e);
        assert_int_equal(ibid_align_opts_check(&o, &e), IBID_EINVAL);
        assert_int_equal(e.code, IBID_EINVAL);
        if (strncmp(e.message, bad[i].name, strlen(bad[i].name)) != 0)
            fail_msg("message \"%s\" does not name %s", e.message, bad[i].name);
        ibid_result *r = (ibid_result *)&r;
        assert_int_equal(ibid_align(&r, c, NULL, &o, &e), IBID_EINVAL);
        assert_null(r);
    }
    /* the edges of the ranges are accepted */
    ibid_align_opts_init(&o);
    o.ngram = 64, o.max_df = 2, o.max_tf = 1, o.min_seeds = 1, o.max_gap = 10000;
    o.min_words = 1, o.merge_gap = 0, o.match = 1000, o.mismatch = -1000, o.gap_open = 1000;
    o.gap_extend = 1000, o.xdrop = 1, o.n_threads = 1024, o.norm = 7;
    assert_int_equal(ibid_align_opts_check(&o, &e), 0);
    o.ngram = 1, o.max_gap = 0, o.match = 1, o.mismatch = 0, o.gap_open = 0, o.gap_extend = 0;
    o.norm = 0;
    assert_int_equal(ibid_align_opts_check(&o, &e), 0);
    ibid_corpus_free(c);
}

/* Progress goes through the callback, from the calling thread, stage by stage. */
typedef struct {
    int n_calls, saw_done;
    char last[16];
} prog;

static void on_progress(void *ud, const ibid_progress *p)
{
    prog *g = ud;
    g->n_calls++;
    assert_true(p->done <= p->total);
    g->saw_done |= strcmp(p->stage, "done") == 0;
    snprintf(g->last, sizeof g->last, "%s", p->stage);
}

static void test_progress(void **state)
{
    (void)state;
    char *a = concat3(intro_a, passage, outro_a);
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    add_doc(c, "a", a);
    add_doc(c, "b", passage_edited);
    ibid_align_opts o;
    ibid_align_opts_init(&o);
    prog g = {0};
    o.progress = on_progress;
    o.progress_ud = &g;
    o.n_threads = 2;
    ibid_result *r = align(c, &o);
    assert_int_equal(r->n_passages, 1);
    assert_true(g.n_calls >= 4);
    assert_true(g.saw_done);
    assert_string_equal(g.last, "done");
    ibid_result_free(r);
    ibid_corpus_free(c);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copied_passage), cmocka_unit_test(test_id_order),
        cmocka_unit_test(test_unrelated),      cmocka_unit_test(test_empty_and_tiny_documents),
        cmocka_unit_test(test_min_words),      cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_deterministic),  cmocka_unit_test(test_order_with_ties),
        cmocka_unit_test(test_opts_check),     cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
