/*
 * test_wordnet.c: WordNet synonyms (wordnet.c) on a tiny hand-made WordNet written to a mkdtemp
 * folder: senses and k, parts of speech kept apart, exception lists (several base forms, several
 * lines, precedence over the rules), the rules of detachment, unknown words, errors with file,
 * line and column, the line parsers alone, concurrent readers; then a smoke test on the real
 * WordNet in /usr/share/wordnet, skipped when it is not installed.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_files.h"
#include "wordnet.h"

/* ---- the tiny WordNet ---- */

#define LICENSE "  1 A license header line.  \n  2 Another one.  \n"

/* Offsets repeat across parts of speech on purpose: noun 10 is not verb 10. */
static const char index_noun[] = LICENSE "car n 3 2 @ ~ 3 1 00000010 00000020 00000030  \n"
                                         "auto n 1 0 1 0 00000010  \n"
                                         "machine n 2 1 @ 2 0 00000040 00000030  \n"
                                         "goose n 1 0 1 0 00000050  \n"
                                         "church n 1 0 1 0 00000070  \n"
                                         "box n 1 0 1 0 00000080  \n"
                                         "woman n 1 0 1 0 00000090  \n"
                                         "berry n 1 0 1 0 00000095  \n"
                                         "run n 1 0 1 0 00000100  \n"
                                         "ox n 1 0 1 0 00000110  \n"
                                         "aurochs n 1 0 1 0 00000120  \n"
                                         "ax n 1 0 1 0 00000130  \n"
                                         "axis n 1 0 1 0 00000140  \n"
                                         "ice_cream n 1 0 1 0 00000150  \n";
static const char index_verb[] = LICENSE "run v 2 1 @ 2 1 00000010 00000200  \n"
                                         "sprint v 1 0 1 0 00000200  \n"
                                         "hope v 1 0 1 0 00000300  \n"
                                         "walk v 1 0 1 0 00000400  \n"
                                         "go v 1 0 1 0 00000500  \n";
static const char index_adj[] = LICENSE "good a 2 0 2 0 00000010 00000020  \n"
                                        "fine a 1 0 1 0 00000010  \n"
                                        "well a 1 0 1 0 00000020  \n"
                                        "big a 1 0 1 0 00000030  \n"
                                        "large s 1 0 1 0 00000030  \n"
                                        "nice a 1 0 1 0 00000050  \n"
                                        "fast a 1 0 1 0 00000060  \n";
static const char index_adv[] = LICENSE "well r 1 0 1 0 00000900  \n";
static const char noun_exc[] = "geese goose\noxen ox\noxen aurochs\naxes axis\n";
static const char verb_exc[] = "running run\nwent go\n";
static const char adj_exc[] = "better good well\nbigger big\n";
static const char adv_exc[] = "better well\r\n"; /* CRLF is fine */

enum { N_FILES = 8 };
static const char *const file_name[N_FILES] = {"index.noun", "index.verb", "index.adj", "index.adv",
                                               "noun.exc",   "verb.exc",   "adj.exc",   "adv.exc"};
static const char *const file_data[N_FILES] = {index_noun, index_verb, index_adj, index_adv,
                                               noun_exc,   verb_exc,   adj_exc,   adv_exc};

/* Write the tiny WordNet into a new folder (returned), with file `name` replaced by `data`, or
 * left out when data is NULL. */
static char *write_wordnet(const char *name, const char *data)
{
    char tmpl[] = "/tmp/ibid_test_wordnet_XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    for (int i = 0; i < N_FILES; i++) {
        const char *d = file_data[i];
        if (name && strcmp(name, file_name[i]) == 0) d = data;
        if (!d) continue;
        char *p = join(tmpl, file_name[i]);
        FILE *fp = fopen(p, "wb");
        assert_non_null(fp);
        fputs(d, fp);
        assert_int_equal(fclose(fp), 0);
        free(p);
    }
    return strdup(tmpl);
}

static int setup(void **state)
{
    char *dir = write_wordnet(NULL, NULL);
    ibid_wordnet *w = NULL;
    ibid_error e;
    int rc = ibid_wordnet_load(&w, dir, &e);
    if (rc) fprintf(stderr, "%s:%ld:%ld: %s\n", e.source, e.line, e.column, e.message);
    rm_tree(dir);
    *state = w;
    return rc;
}

static int teardown(void **state)
{
    ibid_wordnet_free(*state);
    return 0;
}

static int syn(const ibid_wordnet *w, const char *a, const char *b, int k)
{
    int ab = ibid_wordnet_synonyms(w, a, strlen(a), b, strlen(b), k);
    assert_int_equal(ab, ibid_wordnet_synonyms(w, b, strlen(b), a, strlen(a), k));
    return ab;
}

#define N(off) IBID_WN_ID(IBID_WN_NOUN, off)
#define V(off) IBID_WN_ID(IBID_WN_VERB, off)
#define A(off) IBID_WN_ID(IBID_WN_ADJ, off)
#define R(off) IBID_WN_ID(IBID_WN_ADV, off)

/* The synsets of `word` (top k senses) must be exactly want[0, n_want). */
static void expect_ids(const ibid_wordnet *w, const char *word, int k, const uint32_t *want,
                       size_t n_want)
{
    uint32_t got[64];
    size_t n = ibid_wordnet_synsets(w, word, strlen(word), k, got, 64);
    if (n != n_want) fail_msg("%s, k %d: %zu synsets, expected %zu", word, k, n, n_want);
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("%s, k %d: synset %zu is %08x, expected %08x", word, k, i, got[i], want[i]);
}

#define EXPECT_IDS(w, word, k, ...)                                        \
    do {                                                                   \
        const uint32_t want_[] = {__VA_ARGS__};                            \
        expect_ids((w), (word), (k), want_, sizeof want_ / sizeof *want_); \
    } while (0)

/* ---- tests ---- */

static void test_senses_and_k(void **state)
{
    const ibid_wordnet *w = *state;
    EXPECT_IDS(w, "car", 1, N(10));
    EXPECT_IDS(w, "car", 2, N(10), N(20));
    EXPECT_IDS(w, "car", 3, N(10), N(20), N(30));
    EXPECT_IDS(w, "car", 1000, N(10), N(20), N(30));
    EXPECT_IDS(w, "machine", 1, N(40));
    assert_true(syn(w, "car", "auto", 1));
    /* car's third sense is machine's second */
    assert_false(syn(w, "car", "machine", 2));
    assert_true(syn(w, "car", "machine", 3));
    assert_false(syn(w, "car", "auto", 0));
    assert_false(syn(w, "car", "auto", -1));
    assert_true(syn(w, "car", "car", 1));
    /* an adjective satellite ("s") counts as an adjective */
    assert_true(syn(w, "big", "large", 1));
}

static void test_pos_apart(void **state)
{
    const ibid_wordnet *w = *state;
    /* noun 10 (car), verb 10 (run), adjective 10 (good) are three synsets */
    EXPECT_IDS(w, "run", 3, N(100), V(10), V(200));
    assert_false(syn(w, "car", "run", 3));
    assert_false(syn(w, "car", "good", 3));
    assert_true(syn(w, "run", "sprint", 2));
    assert_false(syn(w, "run", "sprint", 1));
    assert_true(syn(w, "good", "fine", 1));
}

static void test_exceptions(void **state)
{
    const ibid_wordnet *w = *state;
    EXPECT_IDS(w, "geese", 3, N(50));
    assert_true(syn(w, "geese", "goose", 1));
    assert_true(syn(w, "went", "go", 1));
    /* two base forms on one line, and an adverb exception as well */
    EXPECT_IDS(w, "better", 1, A(10), A(20), R(900));
    assert_true(syn(w, "better", "fine", 1));
    /* two lines for one word */
    EXPECT_IDS(w, "oxen", 1, N(110), N(120));
    /* the exception list wins over the rules: "axes" is not "ax" */
    EXPECT_IDS(w, "axes", 1, N(140));
    /* the exception gives the verb, the word itself nothing here */
    EXPECT_IDS(w, "running", 3, V(10), V(200));
    assert_true(syn(w, "running", "sprint", 2));
    assert_true(syn(w, "bigger", "large", 1));
}

static void test_detachment(void **state)
{
    const ibid_wordnet *w = *state;
    const char *pairs[][2] = {
        {"churches", "church"}, {"boxes", "box"},   {"women", "woman"},  {"berries", "berry"},
        {"hoping", "hope"},     {"hoped", "hope"},  {"hopes", "hope"},   {"walked", "walk"},
        {"walking", "walk"},    {"walks", "walk"},  {"cars", "car"},     {"nicer", "nice"},
        {"nicest", "nice"},     {"faster", "fast"}, {"fastest", "fast"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        if (!syn(w, pairs[i][0], pairs[i][1], 1)) fail_msg("%s !~ %s", pairs[i][0], pairs[i][1]);
    /* rules stay inside their part of speech: "-ing" is a verb rule, "-er" an adjective one */
    EXPECT_IDS(w, "carring", 3);
    EXPECT_IDS(w, "walker", 3);
    /* a rule needs something left over */
    EXPECT_IDS(w, "s", 3);
    /* a space stands for '_' */
    EXPECT_IDS(w, "ice cream", 1, N(150));
    EXPECT_IDS(w, "ice_cream", 1, N(150));
}

static void test_unknown(void **state)
{
    const ibid_wordnet *w = *state;
    EXPECT_IDS(w, "zebra", 3);
    EXPECT_IDS(w, "", 3);
    EXPECT_IDS(w, "Car", 3); /* words come lower-case */
    assert_false(syn(w, "zebra", "zebra", 3));
    assert_false(syn(w, "car", "", 3));
    char long_word[IBID_WN_MAX_LEMMA + 2];
    memset(long_word, 'a', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = 0;
    EXPECT_IDS(w, long_word, 3);
    /* a prefix or a longer word does not match: lengths count */
    assert_int_equal(ibid_wordnet_synsets(w, "carx", 2, 3, NULL, 0), 0);
    uint32_t id = 0;
    assert_int_equal(ibid_wordnet_synsets(w, "carx", 3, 3, &id, 1), 1);
    assert_int_equal(id, N(10)); /* max 1: the smallest */
    /* a word holding a NUL */
    assert_int_equal(ibid_wordnet_synsets(w, "car\0", 4, 3, &id, 1), 0);
}

/* Load a tiny WordNet whose file `name` holds `data`: it must fail with `code` naming the file,
 * `line` and `column`, with `part` in the message. */
static void expect_error(const char *name, const char *data, int code, long line, long column,
                         const char *part)
{
    char *dir = write_wordnet(name, data);
    char *path = join(dir, name);
    ibid_wordnet *w = (ibid_wordnet *)&w; /* must come back NULL */
    ibid_error e;
    memset(&e, 0, sizeof e);
    int rc = ibid_wordnet_load(&w, dir, &e);
    if (rc != code) fail_msg("%s: rc %d (%s), expected %d", name, rc, e.message, code);
    assert_null(w);
    assert_int_equal(e.code, code);
    assert_string_equal(e.source, path);
    if (e.line != line || e.column != column)
        fail_msg("%s: error at %ld:%ld (%s), expected %ld:%ld", name, e.line, e.column, e.message,
                 line, column);
    if (!strstr(e.message, part)) fail_msg("message \"%s\" lacks \"%s\"", e.message, part);
    free(path);
    rm_tree(dir);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("adv.exc", NULL, IBID_EIO, 0, 0, "cannot open");
    expect_error("index.noun", NULL, IBID_EIO, 0, 0, "cannot open");
    expect_error("index.verb", LICENSE "walk v 1 0 1 0 00000400\nrun n 1 0 1 0 00000010\n",
                 IBID_EPARSE, 4, 5, "part of speech");
    expect_error("index.verb", LICENSE "walk v 2 0 2 0 00000400  \n", IBID_EPARSE, 3, 26,
                 "missing synset offset");
    expect_error("index.verb", "walk v 1 0 1 0 00000400 00000500\n", IBID_EPARSE, 1, 25,
                 "more fields");
    expect_error("index.verb", "walk v x 0 1 0 00000400\n", IBID_EPARSE, 1, 8, "bad synset_cnt");
    expect_error("index.verb", "walk v 0 0 0 0\n", IBID_EPARSE, 1, 8, "synset_cnt 0");
    expect_error("index.verb", "walk v 2000 0 0 0\n", IBID_ETOOBIG, 1, 8, "synset_cnt 2000");
    expect_error("index.verb", "walk v 1 3 @ ~ 1 0\n", IBID_EPARSE, 1, 19, "missing tagsense_cnt");
    expect_error("index.verb", "walk v 1 0 1 0 1073741824\n", IBID_EPARSE, 1, 16,
                 "bad synset offset");
    expect_error("index.verb", "walk v 1 0 1 0 0000040x\n", IBID_EPARSE, 1, 16,
                 "bad synset offset");
    expect_error("index.verb", "walk\n", IBID_EPARSE, 1, 5, "missing part of speech");
    expect_error("index.adv", "well r 1 0 1 0 00000900\nwell r 1 0 1 0 00000901\n", IBID_EPARSE, 2,
                 1, "listed twice");
    expect_error("index.noun", "ca\tr n 1 0 1 0 00000010\n", IBID_EPARSE, 1, 3, "control byte");
    expect_error("noun.exc", "geese goose\noxen\n", IBID_EPARSE, 2, 5, "missing base form");
    expect_error("noun.exc", "geese go\x7fose\n", IBID_EPARSE, 1, 9, "control byte 0x7f");
    expect_error("verb.exc", "a b c d e f g h i j k l m n o p q r\n", IBID_ETOOBIG, 1, 35,
                 "more than 16 base forms");
    char long_line[IBID_WN_MAX_LEMMA + 64];
    memset(long_line, 'a', IBID_WN_MAX_LEMMA + 1);
    strcpy(long_line + IBID_WN_MAX_LEMMA + 1, " a 1 0 1 0 00000001\n");
    expect_error("index.adj", long_line, IBID_ETOOBIG, 1, 1, "lemma of 256 bytes");
}

static void test_parse_lines(void **state)
{
    (void)state;
    ibid_wn_index_line il;
    ibid_wn_exc_line el;
    ibid_error e;
    const char *s = "car n 2 1 @ 2 1 00000010 00000020  \r";
    assert_int_equal(ibid_wordnet_parse_index(&il, s, strlen(s), IBID_WN_NOUN, "x", 1, &e), 1);
    assert_int_equal(il.n_lemma, 3);
    assert_memory_equal(il.lemma, "car", 3);
    assert_int_equal(il.n_offset, 2);
    assert_int_equal(il.offset[0], 10);
    assert_int_equal(il.offset[1], 20);
    /* skipped: blank, license, "\r" alone */
    assert_int_equal(ibid_wordnet_parse_index(&il, "", 0, IBID_WN_NOUN, "x", 1, &e), 0);
    assert_int_equal(ibid_wordnet_parse_index(&il, "  1 x", 5, IBID_WN_NOUN, "x", 1, &e), 0);
    assert_int_equal(ibid_wordnet_parse_exc(&el, "\r", 1, "x", 1, &e), 0);
    s = "axes  ax axis";
    assert_int_equal(ibid_wordnet_parse_exc(&el, s, strlen(s), "x", 1, &e), 1);
    assert_int_equal(el.n_word, 4);
    assert_int_equal(el.n_base, 2);
    assert_memory_equal(el.base[1], "axis", 4);
    assert_int_equal(el.n_base_bytes[1], 4);
    /* the line ends where the caller says, NUL or not */
    s = "car n 1 0 1 0 00000010 00000020";
    assert_int_equal(ibid_wordnet_parse_index(&il, s, 22, IBID_WN_NOUN, "x", 1, &e), 1);
    assert_int_equal(ibid_wordnet_parse_index(&il, s, strlen(s), IBID_WN_NOUN, "x", 7, &e),
                     IBID_EPARSE);
    assert_int_equal(e.line, 7);
    assert_string_equal(e.source, "x");
}

/* ---- concurrent readers ---- */

typedef struct par_ctx {
    const ibid_wordnet *w;
    int results[400];
} par_ctx;

static const char *const words[] = {"car", "auto", "running", "sprint", "better", "fine"};

static void par_item(void *ud, size_t i, int tid)
{
    (void)tid;
    par_ctx *x = ud;
    const char *a = words[i % 6], *b = words[(i / 6) % 6];
    x->results[i] = ibid_wordnet_synonyms(x->w, a, strlen(a), b, strlen(b), 2);
}

static void test_threads(void **state)
{
    par_ctx x = {*state, {0}};
    ibid_parallel_for(4, 400, par_item, &x);
    for (size_t i = 0; i < 400; i++) {
        const char *a = words[i % 6], *b = words[(i / 6) % 6];
        assert_int_equal(x.results[i], syn(x.w, a, b, 2));
    }
}

/* ---- the real WordNet ---- */

static void test_real_wordnet(void **state)
{
    (void)state;
    if (access("/usr/share/wordnet/index.noun", R_OK) != 0) skip();
    ibid_wordnet *w = NULL;
    ibid_error e;
    int rc = ibid_wordnet_load(&w, NULL, &e);
    if (rc) fail_msg("%s:%ld:%ld: %s", e.source, e.line, e.column, e.message);
    assert_true(syn(w, "car", "automobile", 1));
    assert_true(syn(w, "buy", "purchase", 1));
    assert_true(syn(w, "big", "large", 3));
    /* adjective synset 01859572 is secret's 8th sense and confidential's 2nd */
    assert_false(syn(w, "secret", "confidential", 3));
    assert_true(syn(w, "secret", "confidential", 8));
    uint32_t secret[16];
    size_t n = ibid_wordnet_synsets(w, "secret", 6, 8, secret, 16);
    int found = 0;
    for (size_t i = 0; i < n; i++) found |= secret[i] == A(1859572);
    assert_true(found);
    assert_true(syn(w, "running", "run", 3));
    assert_true(syn(w, "geese", "goose", 3));
    assert_true(syn(w, "better", "good", 3));
    assert_true(syn(w, "cars", "automobile", 1));
    assert_false(syn(w, "car", "banana", 3));
    assert_false(syn(w, "car", "purchase", 3));
    assert_false(syn(w, "car", "xyzzyq", 3));
    ibid_wordnet_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_senses_and_k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pos_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exceptions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detachment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_parse_lines),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test(test_real_wordnet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
