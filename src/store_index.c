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
 * Pairs with at least IBID_STORE_CAND_MIN votes are aligned. A large batch splits its sorted
 * hashes into one range per thread, each looked up on its own read-only connection (SQLite
 * connections are not shared between threads); the votes are concatenated in range order, so the
 * result does not depend on the thread count. Document frequency is counted
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

/* The lookups of rec[beg, end) (whole runs of one hash) on one connection, and their votes. */
typedef struct {
    sqlite3 *db;              /* the connection: the store's, or one opened for this part */
    sqlite3_stmt *st[2];      /* lookups in grams and grams_recent */
    size_t beg, end;          /* rec[beg, end) */
    ibid_store_cand *sv, *fv; /* votes: new x stored, new x new */
    size_t n_sv, m_sv, n_fv, m_fv;
    int step; /* SQLITE_DONE, or the failed step's code */
} lookup_part;

typedef struct {
    const ibid_rec *rec;
    size_t max_df;
    int has_recent;
    const int64_t *exclude;
    size_t n_exclude;
    const char *path; /* the store's file, for the parts' own connections */
    lookup_part *part;
} lookup_job;

static void lookup(lookup_job *j, lookup_part *p)
{
    const ibid_rec *rec = j->rec;
    int64_t *docs = NULL;
    size_t n_docs = 0, m_docs = 0, max_df = j->max_df;
    /* about two stored votes a sampled n-gram (measured): one allocation, not a dozen copies */
    IBID_GROW(p->sv, p->m_sv, (p->end - p->beg) * 2 + 1);
    p->step = SQLITE_DONE;
    for (size_t i = p->beg; i < p->end;) {
        size_t k = i + 1;
        while (k < p->end && rec[k].key == rec[i].key) k++;
        size_t n_here = k - i;
        if (n_here > max_df) {
            i = k;
            continue;
        }
        n_docs = 0;
        for (int level = 0; level < 1 + j->has_recent; level++) {
            sqlite3_stmt *st = p->st[level];
            sqlite3_bind_int64(st, 1, (int64_t)rec[i].key);
            sqlite3_bind_int64(st, 2, (int64_t)(max_df - n_here + 1));
            int step;
            while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                int64_t d = sqlite3_column_int64(st, 0);
                if (j->n_exclude && bsearch(&d, j->exclude, j->n_exclude, sizeof d, cmp_i64))
                    continue;
                IBID_GROW(docs, m_docs, n_docs + 1);
                docs[n_docs++] = d;
            }
            sqlite3_reset(st);
            if (step != SQLITE_DONE) {
                p->step = step;
                free(docs);
                return;
            }
        }
        if (n_docs + n_here <= max_df) {
            for (size_t x = i; x < k; x++) {
                for (size_t y = 0; y < n_docs; y++) {
                    IBID_GROW(p->sv, p->m_sv, p->n_sv + 1);
                    p->sv[p->n_sv++] = (ibid_store_cand){rec[x].x, docs[y]};
                }
                for (size_t y = x + 1; y < k; y++) {
                    IBID_GROW(p->fv, p->m_fv, p->n_fv + 1);
                    p->fv[p->n_fv++] = (ibid_store_cand){rec[x].x, rec[y].x};
                }
            }
        }
        i = k;
    }
    free(docs);
}

#define GRAM_SQL        "SELECT doc FROM grams WHERE hash = ?1 LIMIT ?2"
#define GRAM_RECENT_SQL "SELECT doc FROM grams_recent WHERE hash = ?1 LIMIT ?2"

/* A part on its own read-only connection, in its own read transaction. The batch's writer holds
 * the write lock but has written nothing yet, so this reads the state the writer reads. */
static void lookup_own(void *ud, size_t i, int tid)
{
    (void)tid;
    lookup_job *j = ud;
    lookup_part *p = &j->part[i];
    p->step = SQLITE_CANTOPEN;
    if (sqlite3_open_v2(j->path, &p->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(p->db, "PRAGMA cache_size = -65536; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(p->db, GRAM_SQL, -1, &p->st[0], NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(p->db, GRAM_RECENT_SQL, -1, &p->st[1], NULL) != SQLITE_OK)
        return;
    lookup(j, p);
    sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
}

int ibid_store_candidates(ibid_store *s, size_t n_new, uint64_t *const *sk, const size_t *n_sk,
                          const int64_t *exclude, size_t n_exclude, ibid_store_cand **stored,
                          size_t *n_stored, ibid_store_cand **fresh, size_t *n_fresh,
                          ibid_error *err)
{
    int rc = 0;
    size_t n_rec = 0;
    for (size_t i = 0; i < n_new; i++) n_rec += n_sk[i];
    /* an empty grams_recent (just merged, or a store built in one batch) costs no lookups */
    int has_recent = 1;
    if (sqlite3_step(s->st_recent_any) == SQLITE_DONE) has_recent = 0;
    sqlite3_reset(s->st_recent_any);
    ibid_rec *rec = ibid_xmalloc((n_rec ? n_rec : 1) * sizeof *rec);
    n_rec = 0;
    for (size_t i = 0; i < n_new; i++)
        for (size_t k = 0; k < n_sk[i]; k++) rec[n_rec++] = (ibid_rec){sk[i][k], (uint32_t)i, 0};
    ibid_rec_sort(rec, n_rec, s->opts.n_threads);

    /* parts cut at hash boundaries; each makes its votes, concatenated in part order */
    size_t n_part =
        n_rec >= s->parallel_lookups && s->opts.n_threads > 1 ? (size_t)s->opts.n_threads : 1;
    lookup_part *part = ibid_xcalloc(n_part, sizeof *part);
    lookup_job job = {rec, (size_t)s->opts.max_df, has_recent, exclude, n_exclude, s->path, part};
    for (size_t t = 0, at = 0; t < n_part; t++) {
        size_t end = t + 1 == n_part ? n_rec : n_rec / n_part * (t + 1);
        if (end < at) end = at;
        while (end > 0 && end < n_rec && rec[end].key == rec[end - 1].key) end++;
        part[t].beg = at;
        part[t].end = at = end;
    }
    if (n_part == 1) {
        part[0].st[0] = s->st_gram;
        part[0].st[1] = s->st_gram_recent;
        lookup(&job, &part[0]);
    } else {
        ibid_parallel_for(s->opts.n_threads, n_part, lookup_own, &job);
    }
    size_t n_sv = 0, n_fv = 0;
    for (size_t t = 0; t < n_part; t++) {
        if (part[t].step != SQLITE_DONE && rc == 0)
            rc = n_part == 1 ? ibid_store_sqlerr(s, err, "cannot read the n-gram index")
                             : ibid_fail(err, IBID_EIO, s->path, 0, 0,
                                         "cannot read the n-gram index: %s (SQLite error %d)",
                                         part[t].db ? sqlite3_errmsg(part[t].db) : "no memory",
                                         part[t].step);
        n_sv += part[t].n_sv;
        n_fv += part[t].n_fv;
    }
    ibid_store_cand *sv = ibid_xmalloc((n_sv ? n_sv : 1) * sizeof *sv);
    ibid_store_cand *fv = ibid_xmalloc((n_fv ? n_fv : 1) * sizeof *fv);
    n_sv = n_fv = 0;
    for (size_t t = 0; t < n_part; t++) {
        if (part[t].n_sv) memcpy(sv + n_sv, part[t].sv, part[t].n_sv * sizeof *sv);
        if (part[t].n_fv) memcpy(fv + n_fv, part[t].fv, part[t].n_fv * sizeof *fv);
        n_sv += part[t].n_sv;
        n_fv += part[t].n_fv;
        free(part[t].sv);
        free(part[t].fv);
        if (n_part > 1) {
            sqlite3_finalize(part[t].st[0]);
            sqlite3_finalize(part[t].st[1]);
            sqlite3_close(part[t].db);
        }
    }
    free(part);
    free(rec);
    if (rc < 0) {
        free(sv);
        free(fv);
        return rc;
    }
    *n_stored = count_votes(sv, n_sv, s->opts.n_threads);
    *n_fresh = count_votes(fv, n_fv, s->opts.n_threads);
    *stored = sv;
    *fresh = fv;
    return 0;
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
