/*
 * fuzz_pairs.c: arbitrary bytes as a pairs TSV (ibid_pairs_parse in pairs.c), no corpus needed.
 *
 * Checks, aborting when one fails:
 *   - every id handed to the callback lies inside the input and holds no tab or line feed;
 *   - lines are 1-based, strictly increasing, and never past the input's last line;
 *   - an error is IBID_EPARSE naming the input and a line, or the callback's own error;
 *   - parsing twice gives the same pairs (a digest of them) and the same result;
 *   - stopping the callback at the k-th pair returns its error after exactly k pairs.
 */
#include "ibid_int.h"

#include <stdio.h>

#define CHECK(x)                                                                       \
    do {                                                                               \
        if (!(x)) {                                                                    \
            fprintf(stderr, "fuzz_pairs: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct state {
    const char *buf;
    size_t n;
    long max_line; /* lines in the input */
    long last;     /* line of the previous pair */
    size_t n_pairs;
    size_t stop_after; /* return an error on this pair (1-based), or 0 */
    uint64_t digest;
} state;

static uint64_t mix(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return (h ^ 0xff) * 0x100000001b3ULL;
}

static void check_id(const state *st, const char *id, size_t n)
{
    CHECK(id >= st->buf && id + n <= st->buf + st->n);
    CHECK(!memchr(id, '\t', n) && !memchr(id, '\n', n));
}

static int on_pair(void *ud, const char *id1, size_t n1, const char *id2, size_t n2, long line)
{
    state *st = ud;
    check_id(st, id1, n1);
    check_id(st, id2, n2);
    CHECK(line > st->last && line <= st->max_line);
    st->last = line;
    if (++st->n_pairs == st->stop_after) return IBID_ENOTFOUND;
    st->digest = mix(mix(st->digest, id1, n1), id2, n2) + (uint64_t)line;
    return 0;
}

static int run(state *st, const char *buf, size_t n, size_t stop_after)
{
    ibid_error e;
    memset(&e, 0, sizeof e);
    memset(st, 0, sizeof *st);
    st->buf = buf;
    st->n = n;
    st->max_line = 1;
    for (size_t i = 0; i < n; i++) st->max_line += buf[i] == '\n';
    st->stop_after = stop_after;
    st->digest = 0xcbf29ce484222325ULL;
    int rc = ibid_pairs_parse(buf, n, "fuzz.tsv", on_pair, st, &e);
    CHECK(rc == 0 || rc == IBID_EPARSE || rc == IBID_ENOTFOUND);
    if (rc == IBID_EPARSE) {
        CHECK(e.code == rc && e.line >= 1 && e.line <= st->max_line && e.message[0]);
        CHECK(strcmp(e.source, "fuzz.tsv") == 0);
    }
    if (rc == IBID_ENOTFOUND) CHECK(stop_after > 0 && st->n_pairs == stop_after);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes, so that ASan catches any read past the end */
    char *buf = malloc(size ? size : 1);
    CHECK(buf);
    if (size) memcpy(buf, data, size);
    state s1, s2;
    int rc1 = run(&s1, buf, size, 0);
    int rc2 = run(&s2, buf, size, 0);
    CHECK(rc1 == rc2 && s1.n_pairs == s2.n_pairs && s1.digest == s2.digest);
    CHECK(rc1 != IBID_ENOTFOUND);
    if (s1.n_pairs > 0) {
        size_t k = s1.n_pairs / 2 + 1;
        CHECK(run(&s2, buf, size, k) == IBID_ENOTFOUND && s2.n_pairs == k);
    }
    free(buf);
    return 0;
}
