/*
 * test_tokenize.c: tokens, their offsets and hashes (tokenize.c), and normalization (norm.c).
 *
 * Every token is checked against an independent reading of the text: its code point offsets,
 * mapped to bytes by a decoder written here, must give back its byte offsets, and the slice must
 * be the word expected. Hash equalities check the normalization rules (NFKC, case folding,
 * marks, ignorables). A randomized test checks that the compact form (hashes plus checkpoints,
 * ibid_tokenize_hashes and ibid_toks_span) finds every token exactly where ibid_tokenize does;
 * it prints its seed and takes one from IBID_TEST_SEED.
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

/* ---- helpers ---- */

#include "test_rng.h"

/* Byte offset of code point `cp` in valid UTF-8 s[0, n): counts lead bytes. */
static size_t cp_to_byte(const char *s, size_t n, uint32_t cp)
{
    size_t i = 0;
    for (uint32_t k = 0; k < cp; k++) {
        assert_true(i < n);
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

static ibid_token *tokenize(const char *text, unsigned flags, size_t *n)
{
    ibid_token *t;
    ibid_error e;
    int rc = ibid_tokenize(&t, n, text, strlen(text), flags, &e);
    if (rc != 0) fail_msg("tokenize failed: %s", e.message);
    return t;
}

/* `text` tokenizes into exactly the words of `want` (NULL-terminated), each at the right place. */
static void expect_tokens(const char *text, unsigned flags, const char *const *want)
{
    size_t n, n_want = 0, len = strlen(text);
    while (want[n_want]) n_want++;
    ibid_token *t = tokenize(text, flags, &n);
    if (n != n_want) fail_msg("\"%s\": %zu tokens, expected %zu", text, n, n_want);
    uint32_t prev_end = 0;
    for (size_t k = 0; k < n; k++) {
        assert_true(t[k].cp_beg < t[k].cp_end);
        assert_true(t[k].cp_beg >= prev_end);
        prev_end = t[k].cp_end;
        /* text[cp_beg:cp_end], in code points, is the token */
        size_t b = cp_to_byte(text, len, t[k].cp_beg), e = cp_to_byte(text, len, t[k].cp_end);
        assert_int_equal(b, t[k].byte_beg);
        assert_int_equal(e, t[k].byte_end);
        if (e - b != strlen(want[k]) || memcmp(text + b, want[k], e - b) != 0)
            fail_msg("\"%s\": token %zu is \"%.*s\", expected \"%s\"", text, k, (int)(e - b),
                     text + b, want[k]);
    }
    free(t);
}

#define EXPECT_TOKENS(text, flags, ...)                  \
    do {                                                 \
        const char *const want_[] = {__VA_ARGS__, NULL}; \
        expect_tokens(text, flags, want_);               \
    } while (0)

/* The hash of a text that holds exactly one token. */
static uint32_t hash1(const char *text, unsigned flags)
{
    size_t n;
    ibid_token *t = tokenize(text, flags, &n);
    if (n != 1) fail_msg("\"%s\": %zu tokens, expected 1", text, n);
    uint32_t h = t[0].hash;
    free(t);
    return h;
}

static void expect_same(const char *a, const char *b, unsigned flags)
{
    uint32_t ha = hash1(a, flags), hb = hash1(b, flags);
    if (ha != hb) fail_msg("\"%s\" and \"%s\" hash apart under flags %u", a, b, flags);
}

static void expect_differ(const char *a, const char *b, unsigned flags)
{
    uint32_t ha = hash1(a, flags), hb = hash1(b, flags);
    if (ha == hb) fail_msg("\"%s\" and \"%s\" hash alike under flags %u", a, b, flags);
}

/* ---- offsets ---- */

static void test_ascii(void **state)
{
    (void)state;
    EXPECT_TOKENS("Hello, world! 42 times", 0, "Hello", "world", "42", "times");
    EXPECT_TOKENS("  leading and trailing  ", 0, "leading", "and", "trailing");
    EXPECT_TOKENS("a", 0, "a");
    EXPECT_TOKENS("x1y2_z3-w4", 0, "x1y2", "z3", "w4");
    EXPECT_TOKENS("line\none\ttab\r\nend", 0, "line", "one", "tab", "end");
}

static void test_non_ascii(void **state)
{
    (void)state;
    /* accents: code points and bytes differ */
    EXPECT_TOKENS("caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9\x65", IBID_NORM_DEFAULT,
                  "caf\xC3\xA9", "cr\xC3\xA8me", "br\xC3\xBBl\xC3\xA9\x65");
    /* a decomposed accent (e + U+0301) stays in its word */
    EXPECT_TOKENS("e\xCC\x81t\xC3\xA9 x", 0, "e\xCC\x81t\xC3\xA9", "x");
    /* Arabic and Cyrillic words */
    EXPECT_TOKENS(
        "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD8\xA8\xD8\xA7\xD9\x84\xD8\xB9\xD8\xA7"
        "\xD9\x84\xD9\x85",
        IBID_NORM_DEFAULT, "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
        "\xD8\xA8\xD8\xA7\xD9\x84\xD8\xB9\xD8\xA7\xD9\x84\xD9\x85");
    EXPECT_TOKENS("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82, \xD0\xBC\xD0\xB8\xD1\x80!",
                  IBID_NORM_DEFAULT, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
                  "\xD0\xBC\xD0\xB8\xD1\x80");
    /* an emoji (4 bytes, one code point) separates */
    EXPECT_TOKENS("a\xF0\x9F\x98\x80"
                  "b \xF0\x9F\x98\x80\xF0\x9F\x98\x80 c",
                  0, "a", "b", "c");
}

static void test_single_char_scripts(void **state)
{
    (void)state;
    /* Han and Kana: one token a character, also next to Latin letters */
    EXPECT_TOKENS("\xE6\x9D\xB1\xE4\xBA\xAC"
                  "abc",
                  0, "\xE6\x9D\xB1", "\xE4\xBA\xAC", "abc");
    EXPECT_TOKENS("abc\xE6\x9D\xB1"
                  "def",
                  0, "abc", "\xE6\x9D\xB1", "def");
    EXPECT_TOKENS("\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x82\xBF\xE3\x83\xAF\xE3\x83\xBC", 0, "\xE6\x9D\xB1",
                  "\xE4\xBA\xAC", "\xE3\x82\xBF", "\xE3\x83\xAF", "\xE3\x83\xBC");
    /* ideographic punctuation separates */
    EXPECT_TOKENS("\xE6\x9D\xB1\xE3\x80\x82\xE4\xBA\xAC", 0, "\xE6\x9D\xB1", "\xE4\xBA\xAC");
    /* Thai consonants */
    EXPECT_TOKENS("\xE0\xB8\x81\xE0\xB8\x82\xE0\xB8\x84 \xE0\xB8\x87", 0, "\xE0\xB8\x81",
                  "\xE0\xB8\x82", "\xE0\xB8\x84", "\xE0\xB8\x87");
}

static void test_ignorables_inside_words(void **state)
{
    (void)state;
    /* a soft hyphen (U+00AD) and a zero-width joiner (U+200D) do not split a word... */
    EXPECT_TOKENS("co\xC2\xADoperate now", IBID_NORM_DEFAULT, "co\xC2\xADoperate", "now");
    EXPECT_TOKENS("ab\xE2\x80\x8D"
                  "cd",
                  0,
                  "ab\xE2\x80\x8D"
                  "cd");
    /* ...and are not part of its hash */
    expect_same("co\xC2\xADoperate", "cooperate", IBID_NORM_DEFAULT);
    expect_same("ab\xE2\x80\x8D"
                "cd",
                "abcd", 0);
    /* at a word's edge they belong to no token */
    EXPECT_TOKENS("\xC2\xAD"
                  "ab\xC2\xAD x",
                  0, "ab", "x");
}

static void test_punctuation_separates(void **state)
{
    (void)state;
    EXPECT_TOKENS("don\xE2\x80\x99t", 0, "don", "t");
    EXPECT_TOKENS("\xE2\x80\x9Cquoted\xE2\x80\x9D, \"plain\" 'single'", 0, "quoted", "plain",
                  "single");
    EXPECT_TOKENS("a.b,c;d:e!f?g(h)i[j]k{l}m/n\\o|p", 0, "a", "b", "c", "d", "e", "f", "g", "h",
                  "i", "j", "k", "l", "m", "n", "o", "p");
    EXPECT_TOKENS("\xC2\xAB"
                  "guillemets\xC2\xBB \xE2\x80\x94 dash",
                  0, "guillemets", "dash");
}

static void test_no_tokens(void **state)
{
    (void)state;
    const char *texts[] = {"",
                           " ",
                           "...",
                           " !!! \xE2\x80\x94 \xC2\xAB\xC2\xBB \xE2\x80\x9C\xE2\x80\x9D",
                           "\xF0\x9F\x98\x80\n\t",
                           "\xC2\xAD\xE2\x80\x8D"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        ibid_token *t = (ibid_token *)&t; /* must be reset */
        size_t n = 99;
        assert_int_equal(ibid_tokenize(&t, &n, texts[i], strlen(texts[i]), 0, NULL), 0);
        if (n != 0) fail_msg("\"%s\" gave %zu tokens", texts[i], n);
        free(t);
        ibid_toks k = {0};
        assert_int_equal(ibid_tokenize_hashes(&k, texts[i], strlen(texts[i]), 0, NULL), 0);
        assert_int_equal(k.n_tok, 0);
        assert_int_equal(k.n_ckpt, 0);
        ibid_toks_free(&k);
    }
}

/* ---- hashes: normalization ---- */

static void test_nfkc_equivalence(void **state)
{
    (void)state;
    for (unsigned f = 0; f < 4; f++) {
        /* composed and decomposed e-acute */
        expect_same("caf\xC3\xA9", "cafe\xCC\x81", f);
        /* the fi ligature */
        expect_same("\xEF\xAC\x81ne", "fine", f);
        /* full-width letters */
        expect_same("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", "ABC", f);
        /* a superscript digit */
        expect_same("x\xC2\xB2", "x2", f);
        /* Angstrom sign and A-ring */
        expect_same("\xE2\x84\xAB", "\xC3\x85", f);
    }
    expect_differ("cafe", "cafi", 0);
    expect_differ("ab", "ba", 0);
    expect_differ("a", "aa", 0);
}

static void test_casefold(void **state)
{
    (void)state;
    expect_same("Hello", "hELLO", IBID_NORM_CASEFOLD);
    expect_differ("Hello", "hello", 0);
    expect_same("\xC3\x89T\xC3\x89", "\xC3\xA9t\xC3\xA9", IBID_NORM_CASEFOLD); /* ÉTÉ, été */
    expect_differ("\xC3\x89T\xC3\x89", "\xC3\xA9t\xC3\xA9", 0);
    expect_same("\xD0\x9C\xD0\x98\xD0\xA0", "\xD0\xBC\xD0\xB8\xD1\x80",
                IBID_NORM_CASEFOLD); /* МИР */
    /* full case folding: sharp s is ss */
    expect_same("Stra\xC3\x9F\x65", "STRASSE", IBID_NORM_CASEFOLD);
    expect_differ("Stra\xC3\x9F\x65", "STRASSE", 0);
    /* full-width capitals fold like ASCII ones */
    expect_same("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", "abc", IBID_NORM_CASEFOLD);
    expect_differ("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", "abc", 0);
}

static void test_stripmark(void **state)
{
    (void)state;
    expect_same("caf\xC3\xA9", "cafe", IBID_NORM_STRIPMARK);
    expect_same("cafe\xCC\x81", "cafe", IBID_NORM_STRIPMARK);
    expect_differ("caf\xC3\xA9", "cafe", 0);
    expect_differ("caf\xC3\xA9", "cafe", IBID_NORM_CASEFOLD);
    expect_same("\xC3\x89T\xC3\x89", "ete", IBID_NORM_CASEFOLD | IBID_NORM_STRIPMARK);
    expect_differ("\xC3\x89T\xC3\x89", "ete", IBID_NORM_STRIPMARK);
    /* the offsets still cover the marks */
    EXPECT_TOKENS("cafe\xCC\x81 x", IBID_NORM_STRIPMARK, "cafe\xCC\x81", "x");
}

static void test_classes(void **state)
{
    (void)state;
    assert_int_equal(ibid_cp_class('a'), IBID_CP_WORD);
    assert_int_equal(ibid_cp_class('7'), IBID_CP_WORD);
    assert_int_equal(ibid_cp_class('_'), IBID_CP_SEP);
    assert_int_equal(ibid_cp_class(0xE9), IBID_CP_WORD);     /* é */
    assert_int_equal(ibid_cp_class(0x301), IBID_CP_WORD);    /* combining acute */
    assert_int_equal(ibid_cp_class(0x6771), IBID_CP_SINGLE); /* 東 */
    assert_int_equal(ibid_cp_class(0x0E01), IBID_CP_SINGLE); /* Thai ko kai */
    assert_int_equal(ibid_cp_class(0xAD), IBID_CP_IGNORE);   /* soft hyphen */
    assert_int_equal(ibid_cp_class(0x200D), IBID_CP_IGNORE); /* zero-width joiner */
    assert_int_equal(ibid_cp_class(0x2019), IBID_CP_SEP);    /* ’ */
    assert_int_equal(ibid_cp_class(0x1F600), IBID_CP_SEP);   /* emoji */
    int32_t buf[32];
    assert_int_equal(ibid_norm_cp(0xFB01, 0, buf, 32), 2); /* ﬁ */
    assert_int_equal(buf[0], 'f');
    assert_int_equal(buf[1], 'i');
    assert_int_equal(ibid_norm_cp(0xDF, IBID_NORM_CASEFOLD, buf, 32), 2); /* ß */
    assert_int_equal(buf[0], 's');
    assert_int_equal(buf[1], 's');
    assert_int_equal(ibid_norm_cp(0xE9, IBID_NORM_STRIPMARK, buf, 32), 1);
    assert_int_equal(buf[0], 'e');
    assert_int_equal(ibid_norm_cp(0xAD, 0, buf, 32), 0);
}

/* ---- errors ---- */

static void expect_utf8_error(const char *text, size_t n, long line, long column)
{
    ibid_token *t = (ibid_token *)&t;
    size_t n_tok = 99;
    ibid_error e;
    memset(&e, 0, sizeof e);
    int rc = ibid_tokenize(&t, &n_tok, text, n, 0, &e);
    if (rc != IBID_EUTF8) fail_msg("rc %d, expected IBID_EUTF8", rc);
    assert_null(t);
    assert_int_equal(n_tok, 0);
    assert_int_equal(e.code, IBID_EUTF8);
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, column);
    assert_non_null(strstr(e.message, "UTF-8"));
    /* the compact form fails alike */
    ibid_toks k = {0};
    ibid_error e2;
    memset(&e2, 0, sizeof e2);
    assert_int_equal(ibid_tokenize_hashes(&k, text, n, 0, &e2), IBID_EUTF8);
    assert_int_equal(e2.line, line);
    assert_int_equal(e2.column, column);
    ibid_toks_free(&k);
    /* and without an error struct */
    assert_int_equal(ibid_tokenize(&t, &n_tok, text, n, 0, NULL), IBID_EUTF8);
    char *norm = NULL;
    size_t n_norm;
    assert_int_equal(ibid_normalize(&norm, &n_norm, text, n, 0, &e), IBID_EUTF8);
}

#define EXPECT_UTF8_ERROR(lit, line, column) expect_utf8_error(lit, sizeof(lit) - 1, line, column)

static void test_invalid_utf8(void **state)
{
    (void)state;
    EXPECT_UTF8_ERROR("\xFF", 1, 1);
    EXPECT_UTF8_ERROR("ok\nline two \xFF rest", 2, 10);
    EXPECT_UTF8_ERROR("a\nb\n\ncaf\xE9 x", 4, 4);          /* Latin-1 é inside a word */
    EXPECT_UTF8_ERROR("abc\xC3", 1, 4);                    /* truncated at the end */
    EXPECT_UTF8_ERROR("ab\xC3 x", 1, 3);                   /* truncated before a space */
    EXPECT_UTF8_ERROR("x \xC0\xAF", 1, 3);                 /* overlong */
    EXPECT_UTF8_ERROR("\xE6\x9D\xB1 a\xED\xA0\x80", 1, 6); /* a surrogate */
    EXPECT_UTF8_ERROR("\xF4\x90\x80\x80", 1, 1);           /* above U+10FFFF */
    EXPECT_UTF8_ERROR("one\ntwo\xBF", 2, 4);               /* a stray continuation byte */
}

static void test_too_big(void **state)
{
    (void)state;
    /* the length is checked before a byte is read */
    ibid_token *t;
    size_t n;
    ibid_error e;
    assert_int_equal(ibid_tokenize(&t, &n, "x", (size_t)UINT32_MAX, 0, &e), IBID_ETOOBIG);
    assert_int_equal(e.code, IBID_ETOOBIG);
    ibid_toks k = {0};
    assert_int_equal(ibid_tokenize_hashes(&k, "x", (size_t)UINT32_MAX + 5, 0, NULL), IBID_ETOOBIG);
    assert_int_equal(k.n_tok, 0);
}

/* ---- the compact form agrees with the full one ---- */

static const char *const words[] = {"the",
                                    "Quick",
                                    "caf\xC3\xA9",
                                    "na\xC3\xAFve",
                                    "e\xCC\x81t\xC3\xA9",
                                    "\xEF\xAC\x81ne",
                                    "\xEF\xBC\xA6\xEF\xBD\x95\xEF\xBD\x8C\xEF\xBD\x8C",
                                    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
                                    "\xD0\xBC\xD0\xB8\xD1\x80",
                                    "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
                                    "\xE6\x9D\xB1",
                                    "\xE4\xBA\xAC\xE9\x83\xBD",
                                    "\xE3\x82\xBF\xE3\x83\xAF\xE3\x83\xBC",
                                    "\xE0\xB8\x81\xE0\xB8\x82",
                                    "ab\xC2\xAD"
                                    "cd",
                                    "x\xE2\x80\x8Dy",
                                    "123",
                                    "Stra\xC3\x9F\x65",
                                    "\xCE\x95\xCE\xBB\xCE\xBB\xCE\xAC"
                                    "\xCE\xB4\xCE\xB1",
                                    "\xD7\xA2\xD7\x91\xD7\xA8\xD7\x99\xD7\xAA",
                                    "x\xC2\xB2",
                                    "a"};
static const char *const seps[] = {" ",
                                   ", ",
                                   ".\n",
                                   " \xE2\x80\x94 ",
                                   " \xE2\x80\x9C",
                                   "\xE2\x80\x9D ",
                                   "\t",
                                   "\xF0\x9F\x98\x80",
                                   "\xE2\x80\x99",
                                   "\xC2\xAD ",
                                   "<b>",
                                   "</p>\n",
                                   " &amp; ",
                                   "&#8217;",
                                   "<a href=\"x\xC3\xA9\">",
                                   " < "};

static char *random_text(size_t n_words, size_t *len)
{
    size_t m = n_words * 24 + 1, n = 0;
    char *s = malloc(m);
    assert_non_null(s);
    for (size_t i = 0; i < n_words; i++) {
        const char *w = words[rng() % (sizeof words / sizeof *words)];
        const char *p = seps[rng() % (sizeof seps / sizeof *seps)];
        size_t lw = strlen(w), lp = strlen(p);
        assert_true(n + lw + lp < m);
        memcpy(s + n, w, lw), n += lw;
        memcpy(s + n, p, lp), n += lp;
    }
    s[n] = 0;
    *len = n;
    return s;
}

static void check_compact(const char *text, size_t len, unsigned flags)
{
    ibid_token *t;
    size_t n;
    assert_int_equal(ibid_tokenize(&t, &n, text, len, flags, NULL), 0);
    ibid_toks k = {0};
    assert_int_equal(ibid_tokenize_hashes(&k, text, len, flags, NULL), 0);
    assert_int_equal(k.n_tok, n);
    assert_int_equal(k.n_ckpt, (n + 63) / 64);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(k.tok[i], t[i].hash);
        assert_int_equal(cp_to_byte(text, len, t[i].cp_beg), t[i].byte_beg);
        assert_int_equal(cp_to_byte(text, len, t[i].cp_end), t[i].byte_end);
        if (i) assert_true(t[i].byte_beg >= t[i - 1].byte_end);
    }
    for (size_t c = 0; c < k.n_ckpt; c++) {
        assert_int_equal(k.ckpt[c].byte_off, t[c << IBID_CKPT_SHIFT].byte_beg);
        assert_int_equal(k.ckpt[c].cp_off, t[c << IBID_CKPT_SHIFT].cp_beg);
    }
    /* the sentence layer's view: the same tokens, hashes and checkpoints, with their spans and
     * 64-bit keys, equal exactly when the 32-bit hashes are (no collision in a test's text) */
    ibid_toks kw = {0};
    ibid_word *w = NULL;
    size_t m_w = 0;
    assert_int_equal(ibid_tokenize_words(&kw, &w, &m_w, text, len, flags, NULL), 0);
    assert_int_equal(kw.n_tok, n);
    assert_int_equal(kw.n_ckpt, k.n_ckpt);
    if (n) assert_memory_equal(kw.tok, k.tok, n * sizeof *k.tok);
    if (k.n_ckpt) assert_memory_equal(kw.ckpt, k.ckpt, k.n_ckpt * sizeof *k.ckpt);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(w[i].byte_beg, t[i].byte_beg);
        assert_int_equal(w[i].byte_end, t[i].byte_end);
        for (size_t q = i + 1; q < n && q < i + 50; q++)
            assert_int_equal(w[i].key == w[q].key, t[i].hash == t[q].hash);
    }
    free(w);
    ibid_toks_free(&kw);
    /* every single token, then random spans, across the checkpoints */
    for (size_t i = 0; i < n; i++) {
        ibid_token f, l;
        ibid_toks_span(&k, text, len, flags, (uint32_t)i, (uint32_t)i + 1, &f, &l);
        assert_memory_equal(&f, &t[i], sizeof f);
        assert_memory_equal(&l, &t[i], sizeof l);
    }
    for (int r = 0; r < 200 && n; r++) {
        uint32_t b = (uint32_t)(rng() % n), e = b + 1 + (uint32_t)(rng() % (n - b));
        ibid_token f, l;
        ibid_toks_span(&k, text, len, flags, b, e, &f, &l);
        assert_memory_equal(&f, &t[b], sizeof f);
        assert_memory_equal(&l, &t[e - 1], sizeof l);
    }
    ibid_toks_free(&k);
    assert_null(k.tok);
    free(t);
}

static void test_markup(void **state)
{
    (void)state;
    const unsigned m = IBID_NORM_DEFAULT | IBID_NORM_MARKUP;
    EXPECT_TOKENS("<p>The <b>quick</b> fox</p>", m, "The", "quick", "fox");
    EXPECT_TOKENS("<p>The <b>quick</b> fox</p>", IBID_NORM_DEFAULT, "p", "The", "b", "quick", "b",
                  "fox", "p");
    EXPECT_TOKENS("salt&amp;pepper, it&#8217;s&#x2019;s &nbsp;ok", m, "salt", "pepper", "it", "s",
                  "s", "ok");
    EXPECT_TOKENS("<!-- note --><?xml v?><a\nhref=\"u\">link</a>", m, "link");
    /* not markup: a lone '<' or '&', a tag never closed, a '<' inside, bad entities */
    EXPECT_TOKENS("a < b and c > d", m, "a", "b", "and", "c", "d");
    EXPECT_TOKENS("x <y z", m, "x", "y", "z");
    EXPECT_TOKENS("<a <b>c", m, "a", "c");
    EXPECT_TOKENS("AT&T & co &#; &#x; &1; &amp", m, "AT", "T", "co", "x", "1", "amp");
    /* offsets count the code points of skipped markup: "<i>" is 3, "caf\xC3\xA9" 4 */
    ibid_token *t;
    size_t n;
    const char *text = "<i title=\"caf\xC3\xA9\">\xC3\xA9t\xC3\xA9</i> x";
    assert_int_equal(ibid_tokenize(&t, &n, text, strlen(text), m, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].cp_beg, 16);
    assert_int_equal(t[0].cp_end, 19);
    assert_int_equal(t[1].cp_beg, 24);
    free(t);
    /* invalid UTF-8 inside a tag is still an error */
    ibid_error err;
    assert_int_equal(ibid_tokenize(&t, &n, "ok <a \xFF>", 10, m, &err), IBID_EUTF8);
    assert_int_equal(err.column, 7);
}

static void test_compact_agrees(void **state)
{
    (void)state;
    seed_rng("test_compact_agrees");
    for (int round = 0; round < 20; round++) {
        size_t len;
        char *text = random_text(1 + rng() % 700, &len);
        check_compact(text, len, (unsigned)(rng() % 8));
        free(text);
    }
}

/* ---- ibid_normalize ---- */

static void expect_norm(const char *in, unsigned flags, const char *want)
{
    char *out = NULL;
    size_t n = 0;
    ibid_error e;
    assert_int_equal(ibid_normalize(&out, &n, in, strlen(in), flags, &e), 0);
    assert_non_null(out);
    if (n != strlen(want) || strcmp(out, want) != 0)
        fail_msg("normalize(\"%s\", %u) = \"%s\", expected \"%s\"", in, flags, out, want);
    free(out);
}

static void test_normalize(void **state)
{
    (void)state;
    expect_norm("", 0, "");
    expect_norm("plain text", 0, "plain text");
    expect_norm("Plain Text", IBID_NORM_CASEFOLD, "plain text");
    expect_norm("\xEF\xAC\x81ne \xEF\xBC\xA1", 0, "fine A"); /* NFKC */
    expect_norm("\xEF\xAC\x81ne \xEF\xBC\xA1", IBID_NORM_CASEFOLD, "fine a");
    expect_norm("cafe\xCC\x81", 0, "caf\xC3\xA9"); /* composed */
    expect_norm("caf\xC3\xA9", IBID_NORM_STRIPMARK, "cafe");
    expect_norm("co\xC2\xADop", 0, "coop"); /* ignorables go */
    expect_norm("Stra\xC3\x9F\x65", IBID_NORM_CASEFOLD, "strasse");
    expect_norm("\xE6\x9D\xB1\xE4\xBA\xAC", IBID_NORM_CASEFOLD, "\xE6\x9D\xB1\xE4\xBA\xAC");
    /* a NUL byte is a character like any other */
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(ibid_normalize(&out, &n, "a\0b", 3, 0, NULL), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "a\0b", 3);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_single_char_scripts),
        cmocka_unit_test(test_ignorables_inside_words),
        cmocka_unit_test(test_punctuation_separates),
        cmocka_unit_test(test_no_tokens),
        cmocka_unit_test(test_nfkc_equivalence),
        cmocka_unit_test(test_casefold),
        cmocka_unit_test(test_stripmark),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_markup),
        cmocka_unit_test(test_compact_agrees),
        cmocka_unit_test(test_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
