/*
 * test_sentence.c: the sentence splitter (sentence.c).
 *
 * Hand-made cases, one group per rule at the top of sentence.c, compare the sentences cut out of
 * the text with the ones expected, after checking each one's offsets against a decoder written
 * here. Examples in English, German, Arabic, Chinese and Hindi; offsets on non-ASCII text;
 * invalid UTF-8. A randomized test checks the invariants on texts pieced together from
 * fragments that exercise the rules (sorted, non-overlapping, in bounds, code point offsets
 * agreeing with byte offsets, trimmed, every other character covered); it prints its seed and
 * takes one from IBID_TEST_SEED.
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

#include "sentence.h"

/* ---- helpers ---- */

#include "test_rng.h"

/* Decode one code point of valid UTF-8 at s[*i] (no checks: the splitter validated it). */
static uint32_t next_cp(const char *s, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    int k = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    uint32_t c = k == 1 ? p[0] : p[0] & (0x7F >> k);
    for (int j = 1; j < k; j++) c = c << 6 | (p[j] & 0x3F);
    *i += (size_t)k;
    return c;
}

/* White space as sentence.c defines it: Unicode White_Space, U+200B and U+FEFF. */
static int is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == ' ' || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/*
 * The invariants every split of valid text keeps: sentences in order, non-empty, not
 * overlapping, in bounds, code point offsets counting the code points before each byte offset,
 * starting and ending with a non-space character, and every non-space character inside one.
 */
static void check_invariants(const char *text, size_t n, const ibid_sent *v, size_t n_v)
{
    size_t i = 0, k = 0, n_beg = 0, n_end = 0;
    uint32_t cp = 0;
    while (i < n) {
        size_t at = i;
        uint32_t c = next_cp(text, &i);
        while (k < n_v && v[k].byte_end <= at) k++;
        int inside = k < n_v && v[k].byte_beg <= at;
        if (k < n_v && v[k].byte_beg == at) {
            assert_int_equal(v[k].cp_beg, cp);
            assert_false(is_space(c));
            n_beg++;
        }
        if (k < n_v && v[k].byte_end == i) {
            assert_int_equal(v[k].cp_end, cp + 1);
            assert_false(is_space(c));
            n_end++;
        }
        if (!is_space(c) && !inside)
            fail_msg("code point U+%04X at byte %zu is in no sentence", c, at);
        cp++;
    }
    /* every offset falls on a code point boundary */
    assert_int_equal(n_beg, n_v);
    assert_int_equal(n_end, n_v);
    for (k = 0; k < n_v; k++) {
        assert_true(v[k].byte_beg < v[k].byte_end && v[k].byte_end <= n);
        assert_true(v[k].cp_beg < v[k].cp_end);
        if (k > 0) assert_true(v[k - 1].byte_end <= v[k].byte_beg);
    }
}

static ibid_sent *split(const char *text, size_t n, size_t *n_v)
{
    ibid_sent *v;
    ibid_error e;
    int rc = ibid_sentences(&v, n_v, text, n, &e);
    if (rc != 0) fail_msg("ibid_sentences failed: %s", e.message);
    check_invariants(text, n, v, *n_v);
    return v;
}

/* `text` splits into exactly the sentences of `want` (NULL-terminated). */
static void expect_sents(const char *text, const char *const *want)
{
    size_t n_v, n_want = 0, n = strlen(text);
    while (want[n_want]) n_want++;
    ibid_sent *v = split(text, n, &n_v);
    for (size_t k = 0; k < n_v || k < n_want; k++) {
        const char *got = k < n_v ? text + v[k].byte_beg : "(none)";
        int len = k < n_v ? (int)(v[k].byte_end - v[k].byte_beg) : 6;
        if (k >= n_want || k >= n_v || strlen(want[k]) != (size_t)len ||
            memcmp(got, want[k], (size_t)len) != 0)
            fail_msg("\"%s\": sentence %zu of %zu is \"%.*s\", expected \"%s\"", text, k, n_v, len,
                     got, k < n_want ? want[k] : "(none)");
    }
    free(v);
}

#define EXPECT_SENTS(text, ...)                          \
    do {                                                 \
        const char *const want_[] = {__VA_ARGS__, NULL}; \
        expect_sents(text, want_);                       \
    } while (0)

static void expect_none(const char *text)
{
    size_t n_v;
    ibid_sent *v = split(text, strlen(text), &n_v);
    assert_int_equal(n_v, 0);
    assert_null(v);
}

/* ---- rule 1: terminators and closers ---- */

static void test_terminators(void **state)
{
    (void)state;
    EXPECT_SENTS("Hello world. This is a test! Is it? Yes.", "Hello world.", "This is a test!",
                 "Is it?", "Yes.");
    EXPECT_SENTS("  One.  Two.  ", "One.", "Two.");
    EXPECT_SENTS("Really?! Yes!!! Fine", "Really?!", "Yes!!!", "Fine");
    EXPECT_SENTS("He paused\xE2\x80\xA6 Then he left.", "He paused\xE2\x80\xA6", "Then he left.");
    EXPECT_SENTS("Wait... Then go.", "Wait...", "Then go.");
    EXPECT_SENTS("Wait... then go.", "Wait... then go.");
    EXPECT_SENTS("wait\xE2\x80\xA6what now", "wait\xE2\x80\xA6what now");
    EXPECT_SENTS("Done\xE2\x80\xBC Next", "Done\xE2\x80\xBC", "Next");
    /* no terminator at all */
    EXPECT_SENTS("no terminator here", "no terminator here");
    EXPECT_SENTS("x", "x");
}

static void test_closers(void **state)
{
    (void)state;
    EXPECT_SENTS("\"He left.\" She said.", "\"He left.\"", "She said.");
    EXPECT_SENTS("He said \xE2\x80\x9Cstop.\xE2\x80\x9D Then he ran.",
                 "He said \xE2\x80\x9Cstop.\xE2\x80\x9D", "Then he ran.");
    EXPECT_SENTS("(It rained.) We stayed in.", "(It rained.)", "We stayed in.");
    EXPECT_SENTS("'Why?' he asked.", "'Why?' he asked.");
    EXPECT_SENTS("He wrote \"end.\"\" Next.", "He wrote \"end.\"\"", "Next.");
    /* closers with no white space after: not a boundary */
    EXPECT_SENTS("He said \"no.\"She left.", "He said \"no.\"She left.");
}

/* ---- rule 2: what follows a Latin terminator; abbreviations, initials, numbers ---- */

static void test_lowercase_continues(void **state)
{
    (void)state;
    EXPECT_SENTS("The end. and then more.", "The end. and then more.");
    EXPECT_SENTS("Stop! said he.", "Stop! said he.");
    EXPECT_SENTS("Stop! Said he.", "Stop!", "Said he.");
}

static void test_abbreviations(void **state)
{
    (void)state;
    EXPECT_SENTS("Mr. Smith met Dr. Jones and Prof. Lee at St. Paul's.",
                 "Mr. Smith met Dr. Jones and Prof. Lee at St. Paul's.");
    EXPECT_SENTS("Gen. Grant and Sen. Ford met Gov. Brown. They talked.",
                 "Gen. Grant and Sen. Ford met Gov. Brown.", "They talked.");
    EXPECT_SENTS("Fruit, e.g. Apples, and i.e. Pears. Done.", "Fruit, e.g. Apples, and i.e. Pears.",
                 "Done.");
    EXPECT_SENTS("Spurs vs. Lakers tonight.", "Spurs vs. Lakers tonight.");
    /* endings that often close a sentence: only an uppercase letter ends it */
    EXPECT_SENTS("He works at Apple Inc. The firm grew.", "He works at Apple Inc.",
                 "The firm grew.");
    EXPECT_SENTS("Apple Inc. announced it.", "Apple Inc. announced it.");
    EXPECT_SENTS("Apples, pears, etc. Then we left.", "Apples, pears, etc.", "Then we left.");
    EXPECT_SENTS("Smith Jr. (the son) came.", "Smith Jr. (the son) came.");
    /* a listed lowercase word also matches capitalized */
    EXPECT_SENTS("E.g. The apple is red.", "E.g. The apple is red.");
    /* numbering and months: not before a digit */
    EXPECT_SENTS("See No. 5 here. No. I disagree.", "See No. 5 here.", "No.", "I disagree.");
    EXPECT_SENTS("Born Jan. 5, 1990 in Oslo.", "Born Jan. 5, 1990 in Oslo.");
    /* a word that merely looks like a title */
    EXPECT_SENTS("I said no. Then left.", "I said no.", "Then left.");
    EXPECT_SENTS("She met Dr.\nSmith today.", "She met Dr.\nSmith today.");
}

static void test_initials_and_acronyms(void **state)
{
    (void)state;
    EXPECT_SENTS("J. R. R. Tolkien wrote it.", "J. R. R. Tolkien wrote it.");
    EXPECT_SENTS("The U.S. Army won.", "The U.S. Army won.");
    EXPECT_SENTS("He moved to the U.S. The move was hard.", "He moved to the U.S.",
                 "The move was hard.");
    EXPECT_SENTS("She got a Ph.D. It took years.", "She got a Ph.D.", "It took years.");
    EXPECT_SENTS("Find x. Then add one.", "Find x.", "Then add one.");
    EXPECT_SENTS("Meet at 5 p.m. Tuesday.", "Meet at 5 p.m. Tuesday.");
    /* a long dotted word is no acronym */
    EXPECT_SENTS("Visit example.com. Bring food.", "Visit example.com.", "Bring food.");
    /* a starter word must be a whole word */
    EXPECT_SENTS("By A. Thompson.", "By A. Thompson.");
    EXPECT_SENTS("Dear A. I. Smith.", "Dear A. I. Smith.");
}

static void test_numbers(void **state)
{
    (void)state;
    EXPECT_SENTS("Pi is 3.14 and 1,000.50 units, see v2.0 of it.",
                 "Pi is 3.14 and 1,000.50 units, see v2.0 of it.");
    EXPECT_SENTS("He counted to 100. Then he stopped.", "He counted to 100.", "Then he stopped.");
    EXPECT_SENTS("It is version 2.0. Bugs remain.", "It is version 2.0.", "Bugs remain.");
    EXPECT_SENTS("Prices rose 1,000. Many left.", "Prices rose 1,000.", "Many left.");
    /* one or two digits: an ordinal unless a sentence-opening word follows */
    EXPECT_SENTS("He was 25. Then he left.", "He was 25.", "Then he left.");
    EXPECT_SENTS("Step 3. Mix well.", "Step 3. Mix well.");
}

/* ---- rules 3 and 4: line breaks ---- */

static void test_blank_lines(void **state)
{
    (void)state;
    EXPECT_SENTS("Title\n\nbody text here", "Title", "body text here");
    EXPECT_SENTS("no stop\n \t \nnext line", "no stop", "next line");
    EXPECT_SENTS("Dr.\n\nSmith", "Dr.", "Smith");
    EXPECT_SENTS("a\r\n\r\nb", "a", "b");
    EXPECT_SENTS("a\xE2\x80\xA9"
                 "b",
                 "a", "b"); /* U+2029 */
    EXPECT_SENTS("page one\fpage two", "page one", "page two");
}

static void test_single_line_breaks(void **state)
{
    (void)state;
    /* a heading: short, unterminated, and the next line capitalized */
    EXPECT_SENTS("Introduction\nThe study shows this.", "Introduction", "The study shows this.");
    EXPECT_SENTS("Home\r\nAbout us\r\nContact", "Home", "About us", "Contact");
    /* the next line starts lowercase: the same sentence */
    EXPECT_SENTS("a line that\ncontinues here.", "a line that\ncontinues here.");
    EXPECT_SENTS("It ends here.\nand goes on.", "It ends here.\nand goes on.");
    /* a long line is hard-wrapped prose */
    EXPECT_SENTS("This program is free software and you can redistribute it under the GNU\n"
                 "General Public License as published.",
                 "This program is free software and you can redistribute it under the GNU\n"
                 "General Public License as published.");
    /* list markers */
    EXPECT_SENTS("Shopping list:\n- eggs\n- milk and bread\n* tea", "Shopping list:", "- eggs",
                 "- milk and bread", "* tea");
    EXPECT_SENTS("Steps\n1. Mix the flour\n2. Bake it\n10) Eat", "Steps", "1. Mix the flour",
                 "2. Bake it", "10) Eat");
    EXPECT_SENTS("Items: \xE2\x80\xA2 one\n\xE2\x80\xA2 two", "Items: \xE2\x80\xA2 one",
                 "\xE2\x80\xA2 two");
    EXPECT_SENTS("1. First item. Fine.", "1. First item.", "Fine.");
    /* a long line before a list marker still ends */
    EXPECT_SENTS("This is a very long line of text without any punctuation at all really\n"
                 "- item",
                 "This is a very long line of text without any punctuation at all really",
                 "- item");
    /* a minus sign is no marker */
    EXPECT_SENTS("the value is\n-5 degrees", "the value is\n-5 degrees");
}

/* ---- rule 5: caps ---- */

static void test_caps(void **state)
{
    (void)state;
    /* words without terminators or line breaks: cut at white space past 1000 code points */
    size_t n = 0, m = 6000;
    char *t = malloc(m + 1);
    while (n + 5 <= m) memcpy(t + n, "word ", 5), n += 5;
    t[n] = 0;
    size_t n_v;
    ibid_sent *v = split(t, n, &n_v);
    assert_true(n_v >= 5);
    for (size_t k = 0; k < n_v; k++) assert_true(v[k].cp_end - v[k].cp_beg <= 1004);
    free(v);
    /* lines of lowercase prose: cut at a line break past 600 code points */
    n = 0;
    const char *line = "lorem ipsum dolor sit amet consectetur adipiscing elit sed\n";
    size_t ll = strlen(line);
    while (n + ll <= m) memcpy(t + n, line, ll), n += ll;
    t[n] = 0;
    v = split(t, n, &n_v);
    assert_true(n_v >= 8);
    for (size_t k = 0; k < n_v; k++) {
        uint32_t len = v[k].cp_end - v[k].cp_beg;
        assert_true(len >= 600 || k == n_v - 1);
        assert_true(len < 600 + ll);
        assert_true(v[k].byte_end == n - 1 || t[v[k].byte_end] == '\n');
    }
    free(v);
    /* a script without spaces and no terminators: cut past 2000 code points */
    n = 0;
    while (n + 3 <= m) memcpy(t + n, "\xE4\xB8\xAD", 3), n += 3;
    t[n] = 0;
    v = split(t, n, &n_v);
    assert_int_equal(n_v, 1);
    free(v);
    char *u = malloc(3 * 4500 + 1);
    for (size_t k = 0; k < 4500; k++) memcpy(u + 3 * k, "\xE4\xB8\xAD", 3);
    v = split(u, 3 * 4500, &n_v);
    assert_int_equal(n_v, 3);
    assert_int_equal(v[0].cp_end, 2000);
    assert_int_equal(v[1].cp_beg, 2000);
    assert_int_equal(v[1].byte_beg, 6000);
    free(v);
    free(u);
    free(t);
}

static void test_white_space_only(void **state)
{
    (void)state;
    expect_none("");
    expect_none("   ");
    expect_none(" \n\t\r\n\f\v \xC2\xA0\xE3\x80\x80\xE2\x80\x8B\xEF\xBB\xBF\xE2\x80\xA8");
    size_t n_v;
    ibid_sent *v;
    assert_int_equal(ibid_sentences(&v, &n_v, NULL, 0, NULL), 0);
    assert_int_equal(n_v, 0);
    assert_null(v);
}

/* ---- languages ---- */

static void test_german(void **state)
{
    (void)state;
    EXPECT_SENTS("Dr. M\xC3\xBCller wohnt in der Hauptstra\xC3\x9F"
                 "e. Er arbeitet z.B. bei der Bahn, d.h. viel. Am 3. Oktober feiern wir usw. "
                 "Die Ferien beginnen.",
                 "Dr. M\xC3\xBCller wohnt in der Hauptstra\xC3\x9F"
                 "e.",
                 "Er arbeitet z.B. bei der Bahn, d.h. viel.", "Am 3. Oktober feiern wir usw.",
                 "Die Ferien beginnen.");
    /* German quotes: „…“ closes with U+201C */
    EXPECT_SENTS("\xE2\x80\x9EKomm mit.\xE2\x80\x9C Sie ging.", "\xE2\x80\x9EKomm mit.\xE2\x80\x9C",
                 "Sie ging.");
    EXPECT_SENTS("Das ist \xC3\x9C"
                 "berall so. \xC3\x84pfel sind rund.",
                 "Das ist \xC3\x9C"
                 "berall so.",
                 "\xC3\x84pfel sind rund.");
}

static void test_arabic(void **state)
{
    (void)state;
    /* "ما اسمك؟ اسمي أحمد. أنا من مصر" */
    const char *t = "\xD9\x85\xD8\xA7 \xD8\xA7\xD8\xB3\xD9\x85\xD9\x83\xD8\x9F "
                    "\xD8\xA7\xD8\xB3\xD9\x85\xD9\x8A \xD8\xA3\xD8\xAD\xD9\x85\xD8\xAF. "
                    "\xD8\xA3\xD9\x86\xD8\xA7 \xD9\x85\xD9\x86 \xD9\x85\xD8\xB5\xD8\xB1";
    EXPECT_SENTS(t, "\xD9\x85\xD8\xA7 \xD8\xA7\xD8\xB3\xD9\x85\xD9\x83\xD8\x9F",
                 "\xD8\xA7\xD8\xB3\xD9\x85\xD9\x8A \xD8\xA3\xD8\xAD\xD9\x85\xD8\xAF.",
                 "\xD8\xA3\xD9\x86\xD8\xA7 \xD9\x85\xD9\x86 \xD9\x85\xD8\xB5\xD8\xB1");
    size_t n_v;
    ibid_sent *v = split(t, strlen(t), &n_v);
    assert_int_equal(n_v, 3);
    /* python: [(m.start(), m.end()) ...] over code points */
    assert_int_equal(v[0].cp_beg, 0);
    assert_int_equal(v[0].cp_end, 8);
    assert_int_equal(v[1].cp_beg, 9);
    assert_int_equal(v[1].cp_end, 19);
    assert_int_equal(v[2].cp_beg, 20);
    assert_int_equal(v[2].byte_beg, 35);
    free(v);
    /* the Arabic question mark needs no space after it; the Urdu full stop ends one too */
    EXPECT_SENTS("\xD9\x84\xD9\x85\xD8\xA7\xD8\xB0\xD8\xA7\xD8\x9F\xD9\x84\xD8\xA7 "
                 "\xDB\x94 x",
                 "\xD9\x84\xD9\x85\xD8\xA7\xD8\xB0\xD8\xA7\xD8\x9F", "\xD9\x84\xD8\xA7 \xDB\x94",
                 "x");
}

static void test_chinese(void **state)
{
    (void)state;
    /* 你好。今天天气很好！你去哪里？“我走了。”他说。 */
    const char *t = "\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82"
                    "\xE4\xBB\x8A\xE5\xA4\xA9\xE5\xA4\xA9\xE6\xB0\x94\xE5\xBE\x88\xE5\xA5\xBD"
                    "\xEF\xBC\x81"
                    "\xE4\xBD\xA0\xE5\x8E\xBB\xE5\x93\xAA\xE9\x87\x8C\xEF\xBC\x9F"
                    "\xE2\x80\x9C\xE6\x88\x91\xE8\xB5\xB0\xE4\xBA\x86\xE3\x80\x82\xE2\x80\x9D"
                    "\xE4\xBB\x96\xE8\xAF\xB4\xE3\x80\x82";
    EXPECT_SENTS(t, "\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82",
                 "\xE4\xBB\x8A\xE5\xA4\xA9\xE5\xA4\xA9\xE6\xB0\x94\xE5\xBE\x88\xE5\xA5\xBD"
                 "\xEF\xBC\x81",
                 "\xE4\xBD\xA0\xE5\x8E\xBB\xE5\x93\xAA\xE9\x87\x8C\xEF\xBC\x9F",
                 "\xE2\x80\x9C\xE6\x88\x91\xE8\xB5\xB0\xE4\xBA\x86\xE3\x80\x82\xE2\x80\x9D",
                 "\xE4\xBB\x96\xE8\xAF\xB4\xE3\x80\x82");
    size_t n_v;
    ibid_sent *v = split(t, strlen(t), &n_v);
    assert_int_equal(n_v, 5);
    assert_int_equal(v[1].cp_beg, 3);
    assert_int_equal(v[1].byte_beg, 9);
    assert_int_equal(v[3].cp_beg, 15);
    assert_int_equal(v[3].byte_beg, 45);
    assert_int_equal(v[3].cp_end, 21);
    assert_int_equal(v[4].cp_end, 24);
    assert_int_equal(v[4].byte_end, strlen(t));
    free(v);
    /* Hindi: यह वाक्य है। दूसरा॥ */
    EXPECT_SENTS("\xE0\xA4\xAF\xE0\xA4\xB9 \xE0\xA4\xB5\xE0\xA4\xBE\xE0\xA4\x95\xE0\xA5\x8D"
                 "\xE0\xA4\xAF \xE0\xA4\xB9\xE0\xA5\x88\xE0\xA5\xA4 "
                 "\xE0\xA4\xA6\xE0\xA5\x82\xE0\xA4\xB8\xE0\xA4\xB0\xE0\xA4\xBE\xE0\xA5\xA5",
                 "\xE0\xA4\xAF\xE0\xA4\xB9 \xE0\xA4\xB5\xE0\xA4\xBE\xE0\xA4\x95\xE0\xA5\x8D"
                 "\xE0\xA4\xAF \xE0\xA4\xB9\xE0\xA5\x88\xE0\xA5\xA4",
                 "\xE0\xA4\xA6\xE0\xA5\x82\xE0\xA4\xB8\xE0\xA4\xB0\xE0\xA4\xBE\xE0\xA5\xA5");
}

static void test_non_ascii_offsets(void **state)
{
    (void)state;
    /* "Ünïcode ok. Ça va 😀. Fin" */
    const char *t = "\xC3\x9Cn\xC3\xAF"
                    "code ok. \xC3\x87"
                    "a va \xF0\x9F\x98\x80. Fin";
    size_t n_v;
    ibid_sent *v = split(t, strlen(t), &n_v);
    assert_int_equal(n_v, 3);
    assert_int_equal(v[0].byte_end, 13);
    assert_int_equal(v[0].cp_end, 11);
    assert_int_equal(v[1].byte_beg, 14);
    assert_int_equal(v[1].cp_beg, 12);
    assert_int_equal(v[1].byte_end, 26);
    assert_int_equal(v[1].cp_end, 20);
    assert_int_equal(v[2].byte_beg, 27);
    assert_int_equal(v[2].cp_beg, 21);
    assert_int_equal(v[2].cp_end, 24);
    free(v);
}

/* ---- errors ---- */

static void expect_utf8_error(const char *text, size_t n, long line, long column)
{
    ibid_sent *v = (ibid_sent *)1;
    size_t n_v = 99;
    ibid_error e;
    memset(&e, 0, sizeof e);
    assert_int_equal(ibid_sentences(&v, &n_v, text, n, &e), IBID_EUTF8);
    assert_null(v);
    assert_int_equal(n_v, 0);
    assert_int_equal(e.code, IBID_EUTF8);
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, column);
    /* the tokenizer names the same place */
    ibid_token *t;
    size_t nt;
    ibid_error e2;
    assert_int_equal(ibid_tokenize(&t, &nt, text, n, 0, &e2), IBID_EUTF8);
    assert_int_equal(e2.line, line);
    assert_int_equal(e2.column, column);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *t = "Good line.\nbad \xFF here";
    expect_utf8_error(t, strlen(t), 2, 5);
    expect_utf8_error("ok. \xC3", 5, 1, 5);           /* truncated at the end */
    expect_utf8_error("a\n\nb\xED\xA0\x80", 7, 3, 2); /* a surrogate */
    expect_utf8_error("One. Two\xE2\x80!", 11, 1, 9); /* truncated in the middle */
    expect_utf8_error("x.\xC0\xAF", 4, 1, 3);         /* overlong, right after a terminator */
    /* errors are reported even with no err */
    ibid_sent *v;
    size_t n_v;
    assert_int_equal(ibid_sentences(&v, &n_v, "\xFF", 1, NULL), IBID_EUTF8);
}

/* ---- randomized ---- */

static const char *const fragments[] = {
    "word",
    "Word",
    "the",
    "The",
    "Mr.",
    "U.S.",
    "e.g.",
    "etc.",
    "No.",
    "J.",
    "3.14",
    "1,000.50",
    "12.",
    "7.",
    ".",
    "!",
    "?",
    "?!",
    "...",
    "\"",
    "'",
    "(",
    ")",
    " ",
    " ",
    " ",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    "- ",
    "1. ",
    "\xE2\x80\xA6",
    "\xE2\x80\x9D",
    "\xE2\x80\x9C",
    "\xC2\xA0",
    "\xC3\xA9t\xC3\xA9",
    "\xC3\x9C",
    "\xE4\xB8\xAD\xE6\x96\x87",
    "\xE3\x80\x82",
    "\xEF\xBC\x81",
    "\xD8\x9F",
    "\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85",
    "\xE0\xA5\xA4",
    "\xE2\x80\xA9",
    "\xE2\x80\x8B",
    "\xEF\xBB\xBF",
    "\xCC\x81",
    "\xF0\x9F\x98\x80",
    "\xE2\x80\xA2",
    "\f",
    "\v",
    "\xC2\x85",
    "x",
    "I",
    "In",
};

static void test_random_invariants(void **state)
{
    (void)state;
    seed_rng("test_random_invariants");
    size_t n_frag = sizeof fragments / sizeof fragments[0];
    char *t = malloc(4000 * 16);
    for (int round = 0; round < 2000; round++) {
        size_t n = 0, len = rng() % (round % 10 == 0 ? 4000 : 200);
        for (size_t k = 0; k < len; k++) {
            const char *f = fragments[rng() % n_frag];
            size_t fl = strlen(f);
            memcpy(t + n, f, fl);
            n += fl;
        }
        size_t n_v;
        ibid_sent *v = split(t, n, &n_v);
        /* the same text gives the same answer */
        size_t n_w;
        ibid_sent *w = split(t, n, &n_w);
        assert_int_equal(n_v, n_w);
        if (n_v) assert_memory_equal(v, w, n_v * sizeof *v);
        free(w);
        free(v);
    }
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terminators),
        cmocka_unit_test(test_closers),
        cmocka_unit_test(test_lowercase_continues),
        cmocka_unit_test(test_abbreviations),
        cmocka_unit_test(test_initials_and_acronyms),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_single_line_breaks),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_white_space_only),
        cmocka_unit_test(test_german),
        cmocka_unit_test(test_arabic),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_non_ascii_offsets),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_random_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
