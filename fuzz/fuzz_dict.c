/*
 * fuzz_dict.c: arbitrary bytes as a FreeDict dictionary (dict.c): the index-line parser, the
 * entry parser, and a whole dictionary built from them in memory (no gzip).
 *
 * The input is the index text, a NUL byte, then the dictionary text (no NUL: all index). Checks,
 * aborting when one fails:
 *   - an index error is IBID_EPARSE naming the index and a line of it; a good line's entry lies
 *     inside the data;
 *   - every string of an entry is non-empty, at most IBID_DICT_MAX_WORDS words, without control
 *     characters, leading, trailing or double spaces, and parsing again gives the same strings;
 *   - the dictionary built from the input (direct, then inverted with the Arabic article
 *     stripped) gives every headword's translations as non-empty, distinct strings, and a
 *     second build gives the same size.
 */
#include "dict.h"

#include <stdio.h>

#define CHECK(x)                                                                      \
    do {                                                                              \
        if (!(x)) {                                                                   \
            fprintf(stderr, "fuzz_dict: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const ibid_dict_entry *e)
{
    CHECK(e->n_head <= e->n_str);
    for (size_t i = 0; i < e->n_str; i++) {
        const char *s = e->buf + e->str[i];
        size_t n = strlen(s), n_words = 1;
        CHECK(n > 0 && s[0] != ' ' && s[n - 1] != ' ');
        for (size_t k = 0; k < n; k++) {
            CHECK((unsigned char)s[k] >= 0x20 && s[k] != 0x7F);
            if (s[k] == ' ') CHECK(s[k + 1] != ' ');
            n_words += s[k] == ' ';
        }
        CHECK(n_words <= IBID_DICT_MAX_WORDS);
    }
}

/* Parse s[0, n) twice; the same strings both times. */
static void parse_entry(ibid_dict_entry *e, ibid_dict_entry *e2, const char *s, size_t n)
{
    ibid_dict_entry_parse(e, s, n);
    check_entry(e);
    ibid_dict_entry_parse(e2, s, n);
    CHECK(e->n_str == e2->n_str && e->n_head == e2->n_head && e->n_buf == e2->n_buf);
    CHECK(e->n_buf == 0 || memcmp(e->buf, e2->buf, e->n_buf) == 0);
}

/* Every index line alone, and the entry of every good one. */
static void parse_lines(const char *index, size_t n_index, const char *text, size_t n_text)
{
    ibid_dict_entry e, e2;
    memset(&e, 0, sizeof e);
    memset(&e2, 0, sizeof e2);
    long line = 0;
    for (size_t i = 0; i < n_index;) {
        const char *s = index + i, *nl = memchr(s, '\n', n_index - i);
        size_t len = nl ? (size_t)(nl - s) : n_index - i;
        i += len + 1;
        ibid_dict_ref r;
        ibid_error err;
        memset(&err, 0, sizeof err);
        int rc = ibid_dict_index_line(s, len, n_text, "fuzz.index", ++line, &r, &err);
        if (rc < 0) {
            CHECK(rc == IBID_EPARSE && err.code == rc && err.line == line && err.message[0]);
            CHECK(strcmp(err.source, "fuzz.index") == 0);
            continue;
        }
        CHECK(r.head == s && r.n_head < len);
        CHECK(r.byte_off <= n_text && r.n_bytes <= n_text - r.byte_off);
        parse_entry(&e, &e2, text + r.byte_off, r.n_bytes);
    }
    parse_entry(&e, &e2, text, n_text); /* the whole text as one entry */
    ibid_dict_entry_free(&e);
    ibid_dict_entry_free(&e2);
}

static void build(const char *index, size_t n_index, const char *text, size_t n_text,
                  const char *buf, size_t n_buf)
{
    ibid_dict_text t[2] = {{"fuzz.index", index, n_index, text, n_text, 0, 0},
                           {"fuzz.index", index, n_index, text, n_text, 1, 1}};
    ibid_dict *d = NULL, *d2 = NULL;
    ibid_error err;
    int rc = ibid_dict_build(&d, t, 2, &err);
    CHECK(rc == 0 || rc == IBID_EPARSE);
    CHECK((rc == 0) == (d != NULL));
    if (rc < 0) return;
    CHECK(ibid_dict_build(&d2, t, 2, &err) == 0);
    CHECK(ibid_dict_size(d) == ibid_dict_size(d2));
    const char *const *none = NULL;
    CHECK(ibid_dict_lookup(d, "", 0, &none) == 0 && none == NULL); /* strings are never empty */
    /* every word of the input is a possible key: its translations are distinct strings */
    for (size_t i = 0; i < n_buf;) {
        size_t j = i;
        while (j < n_buf && buf[j] != ' ' && buf[j] != '\n' && buf[j] != '\t' && buf[j]) j++;
        const char *const *tr = NULL;
        size_t n = ibid_dict_lookup(d, buf + i, j - i, &tr);
        for (size_t k = 0; k < n; k++) {
            CHECK(tr[k][0] != 0);
            for (size_t m = 0; m < k; m++) CHECK(tr[m] != tr[k] && strcmp(tr[m], tr[k]) != 0);
        }
        i = j + 1;
    }
    ibid_dict_free(d);
    ibid_dict_free(d2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes, so that ASan catches any read past the end */
    char *buf = malloc(size ? size : 1);
    CHECK(buf);
    if (size) memcpy(buf, data, size);
    const char *nul = memchr(buf, 0, size);
    size_t n_index = nul ? (size_t)(nul - buf) : size;
    const char *text = nul ? nul + 1 : buf + size;
    size_t n_text = nul ? size - n_index - 1 : 0;
    parse_lines(buf, n_index, text, n_text);
    build(buf, n_index, text, n_text, buf, size);
    free(buf);
    return 0;
}
