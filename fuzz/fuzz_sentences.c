/*
 * fuzz_sentences.c: arbitrary bytes through the sentence splitter (sentence.c).
 *
 * Checks, aborting when one fails:
 *   - the splitter and the tokenizer agree on whether the text is valid UTF-8, and an invalid
 *     text's error names the same line and column in both, where the valid prefix ends;
 *   - a valid text's sentences lie in the text, in order, without overlap, non-empty, on
 *     character boundaries, with code point offsets that count the code points before them;
 *   - each starts and ends with a character that is not white space, and every character
 *     that is not white space lies in one of them;
 *   - the same text splits the same way twice.
 */
#include "fuzz_utf8.h"
#include "sentence.h"

#include <stdio.h>
#include <utf8proc.h>

#define CHECK(x)                                                                           \
    do {                                                                                   \
        if (!(x)) {                                                                        \
            fprintf(stderr, "fuzz_sentences: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* White space as sentence.c defines it: Unicode White_Space, U+200B and U+FEFF. */
static int is_space(int32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == ' ' || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

static void check_error(const char *text, size_t n, const ibid_error *e)
{
    CHECK(e->code == IBID_EUTF8 && e->line >= 1 && e->column >= 1);
    ibid_token *t = NULL;
    size_t nt = 0;
    ibid_error e2;
    CHECK(ibid_tokenize(&t, &nt, text, n, 0, &e2) == IBID_EUTF8);
    CHECK(e2.line == e->line && e2.column == e->column);
    size_t ls = 0;
    long line = 1;
    for (size_t i = 0; i < n && line < e->line; i++)
        if (text[i] == '\n') line++, ls = i + 1;
    CHECK(line == e->line);
    size_t bad = ls + (size_t)e->column - 1;
    CHECK(bad < n && valid_prefix(text, n) == bad);
}

/* Walk the code points of valid text s[0, n) alongside the sentences v[0, n_v). */
static void check_sentences(const char *s, size_t n, const ibid_sent *v, size_t n_v)
{
    for (size_t k = 0; k < n_v; k++) {
        CHECK(v[k].byte_beg < v[k].byte_end && v[k].byte_end <= n);
        CHECK(v[k].cp_beg < v[k].cp_end);
        CHECK(k == 0 || v[k - 1].byte_end <= v[k].byte_beg);
    }
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0, k = 0, n_beg = 0, n_end = 0;
    uint32_t cp = 0;
    while (i < n) {
        size_t at = i;
        utf8proc_int32_t c;
        utf8proc_ssize_t len = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &c);
        CHECK(len > 0);
        i += (size_t)len;
        while (k < n_v && v[k].byte_end <= at) k++;
        int inside = k < n_v && v[k].byte_beg <= at;
        if (k < n_v && v[k].byte_beg == at) {
            CHECK(v[k].cp_beg == cp && !is_space(c));
            n_beg++;
        }
        if (k < n_v && v[k].byte_end == i) {
            CHECK(v[k].cp_end == cp + 1 && !is_space(c));
            n_end++;
        }
        CHECK(inside || is_space(c));
        cp++;
    }
    CHECK(n_beg == n_v && n_end == n_v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly size bytes, so that ASan catches any read past the end */
    char *text = calloc(size ? size : 1, 1);
    CHECK(text);
    if (size) memcpy(text, data, size);
    ibid_sent *v = NULL, *w = NULL;
    size_t n_v = 0, n_w = 0;
    ibid_error e;
    memset(&e, 0, sizeof e);
    int rc = ibid_sentences(&v, &n_v, text, size, &e);
    CHECK((rc == 0) == (valid_prefix(text, size) == size));
    if (rc < 0) {
        CHECK(rc == IBID_EUTF8 && v == NULL && n_v == 0);
        check_error(text, size, &e);
    } else {
        CHECK((n_v == 0) == (v == NULL));
        check_sentences(text, size, v, n_v);
        CHECK(ibid_sentences(&w, &n_w, text, size, NULL) == 0);
        CHECK(n_w == n_v && (n_v == 0 || memcmp(v, w, n_v * sizeof *v) == 0));
    }
    free(w);
    free(v);
    free(text);
    return 0;
}
