/*
 * fuzz_wordnet.c: arbitrary bytes as WordNet index and exception lines (wordnet.c).
 *
 * The first byte picks the part of speech (bits 0-1) and the file type (bit 2: an exception
 * file); the rest is the file. Each line goes through ibid_wordnet_parse_index or
 * ibid_wordnet_parse_exc, then the whole file through ibid_wordnet_add, then every lemma the
 * parser accepted is looked up. Checks, aborting when one fails:
 *   - a parsed lemma, word or base form lies inside the line, is 1..IBID_WN_MAX_LEMMA bytes and
 *     holds no space or control byte; offsets are below 2^30, and 1..IBID_WN_MAX_SENSES of them;
 *   - a failure is IBID_EPARSE or IBID_ETOOBIG naming the input, the line and a column inside
 *     the line (or just past it); parsing twice gives the same answer;
 *   - ibid_wordnet_add fails exactly at the first line that fails alone, or at a lemma listed
 *     twice, and fails the same way twice;
 *   - every lemma added from an index file has synsets, all of its part of speech, sorted and
 *     unique, its first sense among them, and it is its own synonym.
 */
#include "wordnet.h"

#include <stdio.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_wordnet: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_word(const char *line, size_t n, const char *w, size_t n_w)
{
    CHECK(w >= line && w + n_w <= line + n);
    CHECK(n_w >= 1 && n_w <= IBID_WN_MAX_LEMMA);
    for (size_t i = 0; i < n_w; i++) CHECK((unsigned char)w[i] > 0x20 && w[i] != 0x7f);
}

static void check_error(const ibid_error *e, int rc, long line, size_t n)
{
    CHECK(rc == IBID_EPARSE || rc == IBID_ETOOBIG);
    CHECK(e->code == rc && e->line == line && e->message[0]);
    CHECK(e->column >= 1 && (size_t)e->column <= n + 1);
    CHECK(strcmp(e->source, "fuzz") == 0);
}

/* Parse one line alone; returns the parser's answer. */
static int parse_line(int pos, int is_exc, const char *s, size_t n, long line)
{
    static ibid_wn_index_line il, il2; /* 4 KiB each: kept off the stack */
    ibid_wn_exc_line el, el2;
    ibid_error e, e2;
    memset(&e, 0, sizeof e);
    memset(&e2, 0, sizeof e2);
    int rc, rc2;
    if (is_exc) {
        rc = ibid_wordnet_parse_exc(&el, s, n, "fuzz", line, &e);
        rc2 = ibid_wordnet_parse_exc(&el2, s, n, "fuzz", line, &e2);
    } else {
        rc = ibid_wordnet_parse_index(&il, s, n, pos, "fuzz", line, &e);
        rc2 = ibid_wordnet_parse_index(&il2, s, n, pos, "fuzz", line, &e2);
    }
    CHECK(rc == rc2);
    if (rc < 0) {
        check_error(&e, rc, line, n);
        CHECK(e.column == e2.column && strcmp(e.message, e2.message) == 0);
    } else if (rc == 1 && is_exc) {
        check_word(s, n, el.word, el.n_word);
        CHECK(el.n_base >= 1 && el.n_base <= IBID_WN_MAX_BASES && el.n_base == el2.n_base);
        for (size_t k = 0; k < el.n_base; k++) check_word(s, n, el.base[k], el.n_base_bytes[k]);
    } else if (rc == 1) {
        check_word(s, n, il.lemma, il.n_lemma);
        CHECK(il.n_offset >= 1 && il.n_offset <= IBID_WN_MAX_SENSES);
        CHECK(il.n_offset == il2.n_offset);
        for (size_t k = 0; k < il.n_offset; k++) CHECK(il.offset[k] < (1u << 30));
    } else {
        CHECK(rc == 0);
    }
    return rc;
}

/* Look up the lemma of an index line, when it parses: it was added. */
static void check_lookup(const ibid_wordnet *w, int pos, const char *s, size_t n, long line)
{
    static ibid_wn_index_line il;
    static uint32_t ids[16 * IBID_WN_MAX_SENSES]; /* the word and 8 rule forms, all senses */
    if (ibid_wordnet_parse_index(&il, s, n, pos, "fuzz", line, NULL) != 1) return;
    size_t max = sizeof ids / sizeof *ids;
    size_t n_ids = ibid_wordnet_synsets(w, il.lemma, il.n_lemma, 1 << 20, ids, max);
    CHECK(n_ids >= 1 && n_ids < max);
    int found = 0;
    for (size_t i = 0; i < n_ids; i++) {
        CHECK(i == 0 || ids[i - 1] < ids[i]);
        CHECK(IBID_WN_POS(ids[i]) == pos);
        found |= ids[i] == IBID_WN_ID(pos, il.offset[0]);
    }
    CHECK(found);
    CHECK(ibid_wordnet_synonyms(w, il.lemma, il.n_lemma, il.lemma, il.n_lemma, 1) == 1);
    CHECK(ibid_wordnet_synsets(w, il.lemma, il.n_lemma, 0, ids, max) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int pos = data[0] & 3, is_exc = (data[0] >> 2) & 1;
    size_t n = size - 1;
    /* a copy of exactly n bytes, so that ASan catches any read past the end */
    char *buf = malloc(n ? n : 1);
    CHECK(buf);
    if (n) memcpy(buf, data + 1, n);

    /* the first line that fails alone */
    long bad_line = 0, line = 0;
    for (size_t i = 0; i < n && !bad_line;) {
        const char *s = buf + i, *nl = memchr(s, '\n', n - i);
        size_t len = nl ? (size_t)(nl - s) : n - i;
        i += len + (nl != NULL);
        if (parse_line(pos, is_exc, s, len, ++line) < 0) bad_line = line;
    }

    ibid_wordnet *w;
    ibid_error e, e2;
    memset(&e, 0, sizeof e);
    memset(&e2, 0, sizeof e2);
    ibid_wordnet_new(&w);
    int rc = ibid_wordnet_add(w, pos, is_exc, buf, n, "fuzz", &e);
    if (rc < 0) {
        CHECK(rc == IBID_EPARSE || rc == IBID_ETOOBIG);
        CHECK(strcmp(e.source, "fuzz") == 0 && e.line >= 1);
        CHECK(e.line == bad_line || (!is_exc && strstr(e.message, "listed twice")));
        CHECK(bad_line == 0 || e.line <= bad_line);
    } else {
        CHECK(bad_line == 0);
    }

    /* every index line before the failing one was added and can be found */
    line = 0;
    for (size_t i = 0; i < n && !is_exc;) {
        const char *s = buf + i, *nl = memchr(s, '\n', n - i);
        size_t len = nl ? (size_t)(nl - s) : n - i;
        i += len + (nl != NULL);
        if (++line >= e.line && rc < 0) break;
        check_lookup(w, pos, s, len, line);
    }
    ibid_wordnet_free(w);

    ibid_wordnet_new(&w);
    CHECK(ibid_wordnet_add(w, pos, is_exc, buf, n, "fuzz", &e2) == rc);
    if (rc < 0) CHECK(e.line == e2.line && e.column == e2.column);
    ibid_wordnet_free(w);
    free(buf);
    return 0;
}
