/*
 * test_stem.c: Snowball stemming by ISO code (stem.c), with Arabic clitics removed first.
 *
 * Known stems in English, German, Spanish, French, Russian and Arabic; the Arabic steps (alef
 * and alef maqsura variants, harakat, tatweel, the conjunction و, a preposition before the
 * article) and the length limit that keeps و on short words. Every libstemmer algorithm is
 * reachable by its ISO code; anything else gets NULL. One stemmer used for many words gives the
 * same stems as fresh ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

/* The stem of `word` as a NUL-terminated string in a static buffer. */
static const char *stem(ibid_stemmer *s, const char *word)
{
    static char buf[256];
    size_t n;
    const char *r = ibid_stem(s, word, strlen(word), &n);
    assert_non_null(r);
    assert_true(n < sizeof buf);
    memcpy(buf, r, n);
    buf[n] = 0;
    return buf;
}

static void expect_stem(const char *lang, const char *word, const char *want)
{
    ibid_stemmer *s = ibid_stemmer_new(lang);
    assert_non_null(s);
    const char *got = stem(s, word);
    if (strcmp(got, want) != 0)
        fail_msg("%s: %s -> \"%s\", expected \"%s\"", lang, word, got, want);
    ibid_stemmer_free(s);
}

/* Two words of `lang` have the same stem. */
static void expect_same(const char *lang, const char *a, const char *b)
{
    ibid_stemmer *s = ibid_stemmer_new(lang);
    assert_non_null(s);
    char sa[256];
    snprintf(sa, sizeof sa, "%s", stem(s, a));
    const char *sb = stem(s, b);
    if (strcmp(sa, sb) != 0) fail_msg("%s: %s -> %s but %s -> %s", lang, a, sa, b, sb);
    ibid_stemmer_free(s);
}

static void test_known_stems(void **state)
{
    (void)state;
    expect_stem("en", "running", "run");
    expect_stem("en", "connection", "connect");
    expect_same("en", "connections", "connected");
    expect_stem("de", "häuser", "haus");
    expect_same("de", "häusern", "haus");
    expect_stem("es", "cantando", "cant");
    expect_same("es", "cantando", "cantaba");
    expect_stem("fr", "continuation", "continu");
    expect_stem("ru", "переговорах", "переговор");
    expect_stem("ar", "المفاوضات", "مفاوض");
    expect_stem("ar", "الدبلوماسية", "دبلوماس");
}

static void test_arabic_clitics(void **state)
{
    (void)state;
    /* Snowball alone keeps the و of both */
    expect_same("ar", "والمسؤولون", "المسؤولون");
    expect_stem("ar", "والمفاوضات", "مفاوض");
    expect_stem("ar", "بالمفاوضات", "مفاوض");
    expect_stem("ar", "للمفاوضات", "مفاوض");
    expect_stem("ar", "وبالمفاوضات", "مفاوض");
    expect_stem("ar", "والكتاب", "كتاب");
    expect_stem("ar", "بالكتاب", "كتاب");
    expect_stem("ar", "كالكتاب", "كتاب");
    expect_stem("ar", "فالكتاب", "كتاب");
    expect_stem("ar", "للكتاب", "كتاب");
    expect_stem("ar", "الكتاب", "كتاب");
    expect_same("ar", "وكتاب", "كتاب");
    expect_same("ar", "والسيارات", "السيارات");
    /* too short to lose و: 2 letters would remain */
    expect_stem("ar", "ولد", "ولد");
    expect_stem("ar", "وصل", "وصل");
    /* لل with 2 letters after it is ل + ال: للعب is لعب (play) with the article */
    expect_same("ar", "للعب", "العب");
}

static void test_arabic_spelling(void **state)
{
    (void)state;
    expect_same("ar", "أحمد", "احمد");
    expect_same("ar", "إسلام", "اسلام");
    expect_same("ar", "وأحمد", "احمد");
    expect_same("ar", "مستشفى", "مستشفي"); /* Snowball alone stems these apart */
    expect_same("ar", "كِتَاب", "كتاب");     /* harakat */
    expect_same("ar", "كـــتاب", "كتاب");  /* tatweel */
    expect_same("ar", "مدرسة", "مدرسه");   /* ta marbuta: Snowball's own doing */
}

static void test_edge_words(void **state)
{
    (void)state;
    const char *langs[] = {"en", "ar", "de"};
    for (size_t i = 0; i < 3; i++) {
        ibid_stemmer *s = ibid_stemmer_new(langs[i]);
        assert_non_null(s);
        size_t n = 99;
        assert_non_null(ibid_stem(s, "", 0, &n));
        assert_int_equal(n, 0);
        assert_string_equal(stem(s, "x"), "x");
        assert_string_equal(stem(s, "و"), "و");
        assert_string_equal(stem(s, "ال"), "ال");
        /* a word not NUL-terminated: only [0, n) counts */
        const char *r = ibid_stem(s, "runningXYZ", 7, &n);
        if (strcmp(langs[i], "en") == 0) assert_true(n == 3 && memcmp(r, "run", 3) == 0);
        ibid_stemmer_free(s);
    }
}

/* Every algorithm of libstemmer 2.2's sb_stemmer_list, but "porter", by its ISO code. */
static void test_every_language(void **state)
{
    (void)state;
    static const char *const codes[] = {
        "ar", "hy", "eu", "ca", "da", "nl", "en", "fi", "fr", "de", "el",
        "hi", "hu", "id", "ga", "it", "lt", "ne", "nb", "nn", "no", "pt",
        "ro", "ru", "sr", "es", "sv", "ta", "tr", "yi", "hr", "bs", "sh",
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        ibid_stemmer *s = ibid_stemmer_new(codes[i]);
        if (!s) fail_msg("no stemmer for \"%s\"", codes[i]);
        size_t n;
        assert_non_null(ibid_stem(s, "abcdefgh", 8, &n));
        assert_true(n > 0 && n <= 8);
        ibid_stemmer_free(s);
    }
}

static void test_unknown_codes(void **state)
{
    (void)state;
    assert_null(ibid_stemmer_new(NULL));
    assert_null(ibid_stemmer_new(""));
    assert_null(ibid_stemmer_new("xx"));
    assert_null(ibid_stemmer_new("zh")); /* no Snowball stemmer */
    assert_null(ibid_stemmer_new("EN"));
    assert_null(ibid_stemmer_new("english")); /* an algorithm's name is not a code */
    assert_null(ibid_stemmer_new("porter"));
    ibid_stemmer_free(NULL);
}

/* One stemmer for many words, in turn, gives what fresh stemmers give. */
static void test_stable(void **state)
{
    (void)state;
    static const char *const words[] = {
        "المفاوضات", "والمسؤولون", "ولد", "مستشفى", "بالكتاب", "أحمد", "running", "x", "",
    };
    enum { N = sizeof words / sizeof words[0] };
    char want[N][256];
    for (size_t i = 0; i < N; i++) {
        ibid_stemmer *s = ibid_stemmer_new("ar");
        snprintf(want[i], sizeof want[i], "%s", stem(s, words[i]));
        ibid_stemmer_free(s);
    }
    ibid_stemmer *s = ibid_stemmer_new("ar");
    for (size_t round = 0; round < 500; round++) {
        size_t i = (round * 7 + round / N) % N;
        assert_string_equal(stem(s, words[i]), want[i]);
    }
    ibid_stemmer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_stems),     cmocka_unit_test(test_arabic_clitics),
        cmocka_unit_test(test_arabic_spelling), cmocka_unit_test(test_edge_words),
        cmocka_unit_test(test_every_language),  cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
