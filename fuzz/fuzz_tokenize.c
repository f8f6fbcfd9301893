/*
 * fuzz_tokenize.c: arbitrary bytes through the UTF-8 tokenizer and normalizer (tokenize.c,
 * norm.c). The first byte picks the IBID_NORM_* flags, the rest is the text.
 *
 * Checks, aborting when one fails:
 *   - ibid_tokenize, ibid_tokenize_hashes and ibid_normalize agree on whether the text is valid;
 *   - an invalid text's error names a line and column where an invalid sequence starts, after
 *     a valid prefix, and both tokenizers name the same place;
 *   - a valid text's tokens lie in the text, in order, without overlap, on character
 *     boundaries, with code point offsets that count the code points before them;
 *   - a token cut out of the text and tokenized alone is one token with the same hash;
 *   - the compact form (hashes, checkpoints, ibid_toks_span) gives every token's offsets again;
 *   - the normalized text is valid UTF-8 and NUL-terminated.
 */
#include "fuzz_utf8.h"
#include "ibid_int.h"

#include <stdio.h>
#include <utf8proc.h>

#define CHECK(x)                                                                          \
    do {                                                                                  \
        if (!(x)) {                                                                       \
            fprintf(stderr, "fuzz_tokenize: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int boundary(const char *s, size_t n, size_t i)
{
    return i == n || ((unsigned char)s[i] & 0xC0) != 0x80;
}

static void check_error(const char *text, size_t n, const ibid_error *e)
{
    CHECK(e->code == IBID_EUTF8 && e->line >= 1 && e->column >= 1);
    size_t ls = 0;
    long line = 1;
    for (size_t i = 0; i < n && line < e->line; i++)
        if (text[i] == '\n') line++, ls = i + 1;
    CHECK(line == e->line);
    size_t bad = ls + (size_t)e->column - 1;
    CHECK(bad < n);
    CHECK(!memchr(text + ls, '\n', bad - ls));
    CHECK(valid_prefix(text, n) == bad);
}

static void check_tokens(const char *text, size_t n, unsigned flags, const ibid_token *t, size_t nt)
{
    uint32_t cp = 0;
    size_t byte = 0;
    for (size_t i = 0; i < nt; i++) {
        CHECK(t[i].byte_beg >= byte && t[i].byte_beg < t[i].byte_end && t[i].byte_end <= n);
        CHECK(boundary(text, n, t[i].byte_beg) && boundary(text, n, t[i].byte_end));
        cp += count_cp(text + byte, t[i].byte_beg - byte);
        CHECK(t[i].cp_beg == cp);
        cp += count_cp(text + t[i].byte_beg, t[i].byte_end - t[i].byte_beg);
        CHECK(t[i].cp_end == cp);
        byte = t[i].byte_end;
        /* alone, the token is itself */
        ibid_token *u;
        size_t nu;
        size_t len = t[i].byte_end - t[i].byte_beg;
        CHECK(ibid_tokenize(&u, &nu, text + t[i].byte_beg, len, flags, NULL) == 0);
        CHECK(nu == 1 && u[0].hash == t[i].hash && u[0].byte_beg == 0 && u[0].byte_end == len);
        free(u);
    }
}

static void check_compact(const char *text, size_t n, unsigned flags, const ibid_token *t,
                          size_t nt, const ibid_toks *k)
{
    CHECK(k->n_tok == nt);
    CHECK(k->n_ckpt == (nt + (1u << IBID_CKPT_SHIFT) - 1) >> IBID_CKPT_SHIFT);
    for (size_t i = 0; i < nt; i++) CHECK(k->tok[i] == t[i].hash);
    for (size_t i = 0; i < nt; i++) {
        ibid_token f, l;
        ibid_toks_span(k, text, n, flags, (uint32_t)i, (uint32_t)i + 1, &f, &l);
        CHECK(memcmp(&f, &t[i], sizeof f) == 0 && memcmp(&l, &t[i], sizeof l) == 0);
        /* a span from here to the end and from the start to here */
        ibid_toks_span(k, text, n, flags, (uint32_t)i, (uint32_t)nt, &f, &l);
        CHECK(memcmp(&f, &t[i], sizeof f) == 0 && memcmp(&l, &t[nt - 1], sizeof l) == 0);
        ibid_toks_span(k, text, n, flags, 0, (uint32_t)i + 1, &f, &l);
        CHECK(memcmp(&f, &t[0], sizeof f) == 0 && memcmp(&l, &t[i], sizeof l) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    unsigned flags = data[0] & (IBID_NORM_CASEFOLD | IBID_NORM_STRIPMARK | IBID_NORM_MARKUP);
    size_t n = size - 1;
    /* a copy of exactly n bytes, so that ASan catches any read past the end */
    char *text = malloc(n ? n : 1);
    CHECK(text);
    if (n) memcpy(text, data + 1, n);

    ibid_token *t = NULL;
    size_t nt = 0;
    ibid_error e1, e2;
    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    int rc1 = ibid_tokenize(&t, &nt, text, n, flags, &e1);
    ibid_toks k = {0};
    int rc2 = ibid_tokenize_hashes(&k, text, n, flags, &e2);
    char *norm = NULL;
    size_t n_norm = 0;
    int rc3 = ibid_normalize(&norm, &n_norm, text, n, flags, NULL);
    CHECK(rc1 == rc2);
    CHECK((rc1 == 0) == (rc3 == 0));
    CHECK((rc1 == 0) == (valid_prefix(text, n) == n));
    if (rc1 < 0) {
        CHECK(rc1 == IBID_EUTF8 && t == NULL && nt == 0);
        check_error(text, n, &e1);
        CHECK(e1.line == e2.line && e1.column == e2.column);
    } else {
        check_tokens(text, n, flags, t, nt);
        check_compact(text, n, flags, t, nt, &k);
    }
    if (rc3 == 0) {
        CHECK(norm && norm[n_norm] == 0 && valid_prefix(norm, n_norm) == n_norm);
    } else {
        CHECK(rc3 == IBID_EUTF8);
    }
    free(norm);
    ibid_toks_free(&k);
    free(t);
    free(text);
    return 0;
}
