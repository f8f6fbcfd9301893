/*
 * store_index.c: the store's persisted n-gram index, a sample of each document's word n-grams,
 * and the candidate pairs it yields for new documents and queries.
 *
 * Keeping every n-gram of every document would make the index larger than the texts (one row an
 * n-gram) and every insert slow. A store keeps a sample chosen by winnowing (Schleimer, Wilkerson
 * and Aiken, "Winnowing: Local Algorithms for Document Fingerprinting", SIGMOD 2003; minimap2's
 * minimizers are the same idea): the n-gram hashes of a document are read in windows of W
 * consecutive n-grams, and from each window the smallest hash is kept (the rightmost on ties).
 * Equal text gives equal choices, so two documents that share a run of W + n - 1 tokens share at
 * least one kept n-gram, and a run of 2W + n - 1 tokens at least two; about 2 / (W + 1) of the
 * n-grams are kept. With W = 6 and n = 4, an identical run of 21 tokens holds three kept
 * n-grams, the number a pair needs to become a candidate (IBID_STORE_CAND_MIN); ibid's shortest
 * passage (15 tokens) is found when its kept n-grams fall well. Two would find more short and
 * templated reuse, four fewer chance candidates (bench/RESULTS.md).
 *
 * An n-gram's hash is XXH3-64 over its n token hashes (the tokenizer's, under the store's
 * normalization), kept to 63 bits so that SQLite's signed integers sort it as the number it is.
 * The hashes are persisted, so the token hash, this function and the recorded options are part
 * of the store's format: a change to them needs a schema version and a migration that rebuilds
 * the grams table.
 *
 * Two levels. Inserting a batch's sampled n-grams into one large B-tree keyed by hash touches
 * nearly every page of it (the hashes are spread evenly), so each batch would rewrite the whole
 * index. New rows go to a second, small table, grams_recent, instead; when it holds more than a
 * quarter of the rows of grams it is merged into grams in one sorted pass, the way a
 * log-structured merge tree works. A lookup reads both tables.
 *
 * Candidates. The kept n-grams of a batch of new documents are sorted by hash; for each distinct
 * hash one index lookup gives the stored documents holding it (at most max_df + 1 of them). An
 * n-gram in more than max_df documents in all, stored and new, is boilerplate and links nothing,
 * as in ibid_align; otherwise it votes for every (new, stored) and (new, new) pair holding it.
 * Pairs with at least IBID_STORE_CAND_MIN votes are aligned. Document frequency is counted
 * against the store as it is when the batch is added: an n-gram that becomes boilerplate later
 * keeps the passages it helped find.
 */
#include "store.h"

#include <xxhash.h>

size_t ibid_store_sketch(const uint32_t *tok, size_t n_tok, int ngram, size_t full_tokens,
                         uint64_t **out)
{
    assert(ngram >= 1 && (tok || n_tok == 0));
    *out = NULL;
    if (n_tok < (size_t)ngram) return 0;
    size_t m = n_tok - (size_t)ngram + 1, w = IBID_STORE_WINNOW, n = 0;
    uint64_t *h = ibid_xmalloc(m * sizeof *h);
    for (size_t i = 0; i < m; i++)
        h[i] = XXH3_64bits(tok + i, (size_t)ngram * sizeof *tok) & (UINT64_MAX >> 1);
    if (w > m) w = m;
    uint64_t *kept;
    if (n_tok <= full_tokens) { /* a short document keeps every n-gram */
        kept = h;
        n = m;
    } else {
        kept = ibid_xmalloc(m * sizeof *kept);
        size_t last = SIZE_MAX; /* position of the n-gram kept last */
        for (size_t j = 0; j + w <= m; j++) {
            size_t best = j;
            for (size_t k = j + 1; k < j + w; k++)
                if (h[k] <= h[best]) best = k;
            if (best != last) kept[n++] = h[best];
            last = best;
        }
        free(h);
    }
    /* sort and drop duplicates: a document lists each kept n-gram once */
    if (n > 1) {
        ibid_rec *r = ibid_xmalloc(n * sizeof *r);
        for (size_t i = 0; i < n; i++) r[i] = (ibid_rec){kept[i], 0, 0};
        ibid_rec_sort(r, n, 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (k == 0 || kept[k - 1] != r[i].key) kept[k++] = r[i].key;
        n = k;
        free(r);
    }
    if (n == 0) {
        free(kept);
        return 0;
    }
    *out = kept;
    return n;
}

int ibid_store_sketch_text(const ibid_store *s, const char *text, size_t n_bytes, uint64_t **out,
                           size_t *n_out, ibid_error *err)
{
    ibid_toks t = {0};
    int rc = ibid_tokenize_hashes(&t, text, n_bytes, s->opts.norm, err);
    *out = NULL;
    *n_out = 0;
    if (rc == 0)
        *n_out = ibid_store_sketch(t.tok, t.n_tok, s->opts.ngram, (size_t)s->full_tokens, out);
    ibid_toks_free(&t);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort the votes, keep the pairs with at least IBID_STORE_CAND_MIN of them, once each. */
static size_t count_votes(ibid_store_cand *v, size_t n, int n_threads)
{
    if (n > 1) {
        /* radix sort on (a, b): one 64-bit key a << 32 | b while every b fits 32 bits (rowids
         * do, short of four billion documents), else key a, then b's two halves */
        int wide = 0;
        for (size_t i = 0; i < n; i++) wide |= (uint64_t)v[i].b > UINT32_MAX;
        ibid_rec *r = ibid_xmalloc(n * sizeof *r);
        for (size_t i = 0; i < n; i++) {
            assert(v[i].b >= 0);
            if (wide)
                r[i] = (ibid_rec){v[i].a, (uint32_t)((uint64_t)v[i].b >> 32), (uint32_t)v[i].b};
            else
                r[i] = (ibid_rec){(uint64_t)v[i].a << 32 | (uint64_t)v[i].b, 0, 0};
        }
        ibid_rec_sort(r, n, n_threads);
        for (size_t i = 0; i < n; i++)
            v[i] = wide ? (ibid_store_cand){(uint32_t)r[i].key,
                                            (int64_t)((uint64_t)r[i].x << 32 | r[i].y)}
                        : (ibid_store_cand){(uint32_t)(r[i].key >> 32),
                                            (int64_t)(r[i].key & UINT32_MAX)};
        free(r);
    }
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].a == v[i].a && v[j].b == v[i].b) j++;
        if (j - i >= IBID_STORE_CAND_MIN) v[k++] = v[i];
        i = j;
    }
    return k;
}

int ibid_store_candidates(ibid_store *s, size_t n_new, uint64_t *const *sk, const size_t *n_sk,
                          const int64_t *exclude, size_t n_exclude, ibid_store_cand **stored,
                          size_t *n_stored, ibid_store_cand **fresh, size_t *n_fresh,
                          ibid_error *err)
{
    int rc = 0, step;
    size_t n_rec = 0, n_sv = 0, m_sv = 0, n_fv = 0, m_fv = 0, n_docs = 0, m_docs = 0;
    size_t max_df = (size_t)s->opts.max_df;
    for (size_t i = 0; i < n_new; i++) n_rec += n_sk[i];
    /* an empty grams_recent (just merged, or a store built in one batch) costs no lookups */
    int has_recent = 1;
    if (sqlite3_step(s->st_recent_any) == SQLITE_DONE) has_recent = 0;
    sqlite3_reset(s->st_recent_any);
    ibid_rec *rec = ibid_xmalloc((n_rec ? n_rec : 1) * sizeof *rec);
    ibid_store_cand *sv = NULL, *fv = NULL;
    int64_t *docs = NULL;
    n_rec = 0;
    for (size_t i = 0; i < n_new; i++)
        for (size_t k = 0; k < n_sk[i]; k++) rec[n_rec++] = (ibid_rec){sk[i][k], (uint32_t)i, 0};
    ibid_rec_sort(rec, n_rec, s->opts.n_threads);
    /* about two stored votes a sampled n-gram (measured): one allocation, not a dozen copies */
    IBID_GROW(sv, m_sv, n_rec * 2 + 1);
    for (size_t i = 0; i < n_rec;) {
        size_t j = i + 1;
        while (j < n_rec && rec[j].key == rec[i].key) j++;
        size_t n_here = j - i;
        if (n_here > max_df) {
            i = j;
            continue;
        }
        n_docs = 0;
        for (int level = 0; level < 1 + has_recent; level++) {
            sqlite3_stmt *st = level ? s->st_gram_recent : s->st_gram;
            sqlite3_bind_int64(st, 1, (int64_t)rec[i].key);
            sqlite3_bind_int64(st, 2, (int64_t)(max_df - n_here + 1));
            while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                int64_t d = sqlite3_column_int64(st, 0);
                if (n_exclude && bsearch(&d, exclude, n_exclude, sizeof d, cmp_i64)) continue;
                IBID_GROW(docs, m_docs, n_docs + 1);
                docs[n_docs++] = d;
            }
            sqlite3_reset(st);
            if (step != SQLITE_DONE) {
                rc = ibid_store_sqlerr(s, err, "cannot read the n-gram index");
                goto done;
            }
        }
        if (n_docs + n_here <= max_df) {
            for (size_t x = i; x < j; x++) {
                for (size_t y = 0; y < n_docs; y++) {
                    IBID_GROW(sv, m_sv, n_sv + 1);
                    sv[n_sv++] = (ibid_store_cand){rec[x].x, docs[y]};
                }
                for (size_t y = x + 1; y < j; y++) {
                    IBID_GROW(fv, m_fv, n_fv + 1);
                    fv[n_fv++] = (ibid_store_cand){rec[x].x, rec[y].x};
                }
            }
        }
        i = j;
    }
    *n_stored = count_votes(sv, n_sv, s->opts.n_threads);
    *n_fresh = count_votes(fv, n_fv, s->opts.n_threads);
    *stored = sv;
    *fresh = fv;
    sv = fv = NULL;
done:
    free(rec);
    free(docs);
    free(sv);
    free(fv);
    return rc;
}

int ibid_store_index_grow(ibid_store *s, int64_t n_rows, ibid_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t main_rows = 0, recent_rows = 0;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, "UPDATE index_rows SET n = n + ?1 WHERE tab = 'grams_recent'", -1,
                           &st, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot count index rows");
    sqlite3_bind_int64(st, 1, n_rows);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return ibid_store_sqlerr(s, err, "cannot count index rows");
    if (sqlite3_prepare_v2(s->db, "SELECT tab, n FROM index_rows", -1, &st, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot count index rows");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *tab = (const char *)sqlite3_column_text(st, 0);
        if (tab && strcmp(tab, "grams") == 0) main_rows = sqlite3_column_int64(st, 1);
        if (tab && strcmp(tab, "grams_recent") == 0) recent_rows = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return ibid_store_sqlerr(s, err, "cannot count index rows");
    if (recent_rows * IBID_STORE_MERGE_RATIO <= main_rows) return 0;
    /* the merge: one pass over grams in hash order, the cost amortized over the batches since
     * the last one, as in a log-structured merge tree (O'Neil et al., "The Log-Structured
     * Merge-Tree", Acta Informatica 1996) */
    rc = ibid_store_exec(s,
                         "INSERT INTO grams(hash, doc) SELECT hash, doc FROM grams_recent "
                         "ORDER BY hash, doc;\n"
                         "DELETE FROM grams_recent;\n"
                         "UPDATE index_rows SET n = (SELECT sum(n) FROM index_rows) "
                         "WHERE tab = 'grams';\n"
                         "UPDATE index_rows SET n = 0 WHERE tab = 'grams_recent';",
                         err);
    return rc;
}
