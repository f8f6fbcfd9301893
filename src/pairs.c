/*
 * pairs.c: lists of document pairs, to align only the pairs a user names.
 *
 * The format is TSV, one pair a line. When the first non-blank line has columns named "id1" and
 * "id2", or PAN's "susp_id" and "src_id", it is a header and those columns hold the ids (other
 * columns are ignored); otherwise the ids are the first two columns and there is no header.
 * Fields are taken as written (no quoting, no trimming); "\r\n" line endings and a UTF-8 byte
 * order mark are accepted; blank lines are skipped.
 *
 * ibid_pairs_parse does the syntax alone, calling back for every pair, so that the fuzzer can
 * drive it without a corpus. ibid_pairs_read resolves the ids against a corpus, drops pairs of a
 * document with itself, orders each pair (a < b by corpus index), then sorts the list by (a, b)
 * and removes duplicates, so a pair listed twice, or both ways, is aligned once. ibid_pairs_new
 * does the same for pairs of indices given in memory (the store builds its lists this way).
 */
#include "ibid_int.h"

#include <stdio.h>

struct ibid_pairs {
    size_t n_items, m_items;
    ibid_pair *items; /* sorted by (a, b), unique, a < b */
    size_t n_skipped; /* lines dropped under skip_bad: an id not in the corpus */
};

/* Field k (0-based) of the tab-separated line s[0, n): 1 and its span, or 0 when the line has
 * fewer fields. */
static int field(const char *s, size_t n, size_t k, const char **f, size_t *n_f)
{
    size_t beg = 0;
    for (; k > 0; k--) {
        const char *tab = memchr(s + beg, '\t', n - beg);
        if (!tab) return 0;
        beg = (size_t)(tab - s) + 1;
    }
    const char *tab = memchr(s + beg, '\t', n - beg);
    *f = s + beg;
    *n_f = tab ? (size_t)(tab - s) - beg : n - beg;
    return 1;
}

static size_t count_fields(const char *s, size_t n)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++) k += s[i] == '\t';
    return k;
}

/* The index of the field named `name` in line s[0, n), or SIZE_MAX. */
static size_t find_column(const char *s, size_t n, const char *name)
{
    size_t len = strlen(name), n_f;
    const char *f;
    for (size_t k = 0; field(s, n, k, &f, &n_f); k++)
        if (n_f == len && memcmp(f, name, len) == 0) return k;
    return SIZE_MAX;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

int ibid_pairs_parse(const char *buf, size_t n, const char *name,
                     int (*on_pair)(void *ud, const char *id1, size_t n1, const char *id2,
                                    size_t n2, long line),
                     void *ud, ibid_error *err)
{
    assert(buf || n == 0);
    assert(on_pair);
    int rc = 0, seen_first = 0;
    size_t col1 = 0, col2 = 1, i = 0;
    long line = 0;
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) i = 3; /* a byte order mark */
    while (i < n) {
        const char *s = buf + i;
        const char *nl = memchr(s, '\n', n - i);
        size_t len = nl ? (size_t)(nl - s) : n - i;
        i += len + (nl != NULL);
        line++;
        if (len > 0 && s[len - 1] == '\r') len--;
        if (is_blank(s, len)) continue;
        if (!seen_first) {
            seen_first = 1;
            size_t h1 = find_column(s, len, "id1"), h2 = find_column(s, len, "id2");
            if (h1 == SIZE_MAX || h2 == SIZE_MAX) {
                h1 = find_column(s, len, "susp_id");
                h2 = find_column(s, len, "src_id");
            }
            if (h1 != SIZE_MAX && h2 != SIZE_MAX) {
                assert(h1 != h2);
                col1 = h1;
                col2 = h2;
                continue;
            }
        }
        const char *f1 = NULL, *f2 = NULL;
        size_t n1 = 0, n2 = 0;
        if (!field(s, len, col1, &f1, &n1) || !field(s, len, col2, &f2, &n2)) {
            rc = ibid_fail(err, IBID_EPARSE, name, line, 0,
                           "expected at least %zu tab-separated columns, found %zu",
                           (col1 > col2 ? col1 : col2) + 1, count_fields(s, len));
            goto done;
        }
        assert(f1 >= buf && f1 + n1 <= buf + n && f2 >= buf && f2 + n2 <= buf + n);
        if ((rc = on_pair(ud, f1, n1, f2, n2, line)) < 0) goto done;
    }
done:
    return rc < 0 ? rc : 0;
}

/* ---- resolving ids against a corpus ---- */

typedef struct resolve_ctx {
    const ibid_corpus *c;
    ibid_pairs *p;
    int skip_bad;
    const char *name;
    ibid_error *err;
    char *id;    /* NUL-terminated copy of the id being looked up */
    size_t m_id; /* bytes allocated */
} resolve_ctx;

/* The corpus index of id s[0, n), or -1. */
static long lookup(resolve_ctx *x, const char *s, size_t n)
{
    if (memchr(s, 0, n)) return -1; /* corpus ids hold no NUL */
    IBID_GROW(x->id, x->m_id, n + 1);
    memcpy(x->id, s, n);
    x->id[n] = 0;
    return ibid_corpus_find(x->c, x->id);
}

static int on_pair(void *ud, const char *id1, size_t n1, const char *id2, size_t n2, long line)
{
    resolve_ctx *x = ud;
    long a = lookup(x, id1, n1), b = -1;
    const char *bad = id1;
    size_t n_bad = n1;
    if (a >= 0) {
        b = lookup(x, id2, n2);
        bad = id2;
        n_bad = n2;
    }
    if (a < 0 || b < 0) {
        if (x->skip_bad) {
            x->p->n_skipped++;
            return 0;
        }
        return ibid_fail(x->err, IBID_ENOTFOUND, x->name, line, 0,
                         "unknown document id '%.*s' (not in the corpus)",
                         (int)(n_bad < 300 ? n_bad : 300), bad);
    }
    if (a == b) return 0;
    assert((unsigned long)a < UINT32_MAX && (unsigned long)b < UINT32_MAX);
    IBID_GROW(x->p->items, x->p->m_items, x->p->n_items + 1);
    ibid_pair *q = &x->p->items[x->p->n_items++];
    q->a = (uint32_t)(a < b ? a : b);
    q->b = (uint32_t)(a < b ? b : a);
    return 0;
}

static int by_pair(const void *pa, const void *pb)
{
    const ibid_pair *x = pa, *y = pb;
    if (x->a != y->a) return x->a < y->a ? -1 : 1;
    if (x->b != y->b) return x->b < y->b ? -1 : 1;
    return 0;
}

int ibid_pairs_read(ibid_pairs **out, const ibid_corpus *c, const char *path, int skip_bad,
                    ibid_error *err)
{
    assert(out && c && path);
    int rc = 0;
    ibid_stream *s = NULL;
    char *buf = NULL;
    size_t n_buf = 0, m_buf = 0;
    ibid_pairs *p = ibid_xcalloc(1, sizeof *p);
    resolve_ctx x = {c, p, skip_bad, path, err, NULL, 0};
    *out = NULL;

    if ((rc = ibid_stream_open(&s, path, err)) < 0) goto done;
    for (;;) {
        if (m_buf - n_buf < 4096) IBID_GROW(buf, m_buf, n_buf + 65536);
        long k = ibid_stream_read(s, buf + n_buf, m_buf - n_buf, err);
        if (k < 0) {
            rc = (int)k;
            goto done;
        }
        if (k == 0) break;
        n_buf += (size_t)k;
    }
    if ((rc = ibid_pairs_parse(buf, n_buf, path, on_pair, &x, err)) < 0) goto done;

    if (p->n_items > 1) qsort(p->items, p->n_items, sizeof *p->items, by_pair);
    size_t k = 0;
    for (size_t i = 0; i < p->n_items; i++)
        if (k == 0 || by_pair(&p->items[k - 1], &p->items[i]) != 0) p->items[k++] = p->items[i];
    p->n_items = k;
done:
    if (rc < 0) {
        ibid_pairs_free(p);
        p = NULL;
    }
    *out = p;
    free(x.id);
    free(buf);
    ibid_stream_close(s);
    return rc;
}

int ibid_pairs_new(ibid_pairs **out, const ibid_corpus *c, const uint32_t (*pairs)[2], size_t n,
                   ibid_error *err)
{
    assert(out && c && (pairs || n == 0));
    size_t n_doc = ibid_corpus_size(c);
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (pairs[i][0] >= n_doc || pairs[i][1] >= n_doc)
            return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                             "pair %zu names document %u of a corpus of %zu", i,
                             pairs[i][0] >= n_doc ? pairs[i][0] : pairs[i][1], n_doc);
    ibid_pairs *p = ibid_xcalloc(1, sizeof *p);
    p->items = ibid_xmalloc((n ? n : 1) * sizeof *p->items);
    p->m_items = n ? n : 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t a = pairs[i][0], b = pairs[i][1];
        if (a == b) continue;
        p->items[p->n_items++] = (ibid_pair){a < b ? a : b, a < b ? b : a};
    }
    if (p->n_items > 1) qsort(p->items, p->n_items, sizeof *p->items, by_pair);
    size_t k = 0;
    for (size_t i = 0; i < p->n_items; i++)
        if (k == 0 || by_pair(&p->items[k - 1], &p->items[i]) != 0) p->items[k++] = p->items[i];
    p->n_items = k;
    *out = p;
    return 0;
}

void ibid_pairs_free(ibid_pairs *p)
{
    if (!p) return;
    free(p->items);
    free(p);
}

size_t ibid_pairs_size(const ibid_pairs *p)
{
    return p->n_items;
}

size_t ibid_pairs_n_skipped(const ibid_pairs *p)
{
    return p->n_skipped;
}

const ibid_pair *ibid_pairs_items(const ibid_pairs *p, size_t *n)
{
    if (n) *n = p->n_items;
    return p->items;
}
