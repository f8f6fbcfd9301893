/*
 * mpi_dedup.c: ibid dedup across the ranks of an MPI job, with the clusters and survivors of
 * one process.
 *
 * The one-process job (dedup.c) reads, signs, buckets, verifies and clusters. Here N ranks share
 * the work like a distributed MinHash-LSH deduplication (as in the large-corpus pipelines of Lee
 * et al., ACL 2022, which shuffle band keys between workers):
 *
 *   1. read: rank r reads its share of the inputs (docstream.c, ibid_share_read: about 1/N of
 *      the bytes, a plain JSON Lines file cut at line boundaries, other files whole), so its
 *      documents follow rank r - 1's in input order and an Allgather of the counts numbers them
 *      all (base); line numbers of a file split between ranks are made the file's
 *      (ibid_mpi_share_lines). For each of its documents it computes the token hashes, the exact
 *      key of the normalized text, the distinct shingles (kept in memory) and the band keys of
 *      the MinHash signature, and sends rank 0 the document's id, source, line, size and date,
 *      which the output needs (dedup.c's own per-document record: a few dozen bytes each).
 *   2. exact duplicates: {exact key, k} go to the owner of the key's hash range
 *      (ibid_mpi_exchange); the owner answers each document with the first document of its
 *      key, so, as in one process, a later copy takes part no further.
 *   3. buckets: {band key, k} of the other documents go to the band key's owner, which sorts
 *      them and makes the candidate pairs of each bucket with dedup.c's rule (all pairs up to 16
 *      documents, else each with the first and its predecessor); each pair goes to the rank of
 *      its first document.
 *   4. verification: that rank fetches the shingles of the second documents from their ranks
 *      and computes the exact Jaccard (or containment); pairs at or above the threshold and the
 *      exact duplicates go to rank 0 (MPI_Gatherv: the edges are few), which joins them
 *      (unionfind.c) and picks the survivors as one process does. The clusters are the
 *      connected components of the same edges, so they are the same; one process skips pairs
 *      already joined, so its counts of compared and similar pairs are smaller.
 *   5. the similarity of each cluster member to its survivor (for --clusters) is computed the
 *      same way, on the ranks holding the shingles, and sent to rank 0.
 *   6. the kept documents: rank 0 tells each rank which of its documents survive
 *      (MPI_Scatterv, a byte each); each rank copies its survivors from its own share, read a
 *      second time as one process reads its inputs twice, into a temporary file (rank 0 straight
 *      into the output), and rank 0 appends the parts in rank order, which is input order, a
 *      1 MiB chunk at a time (ibid_mpi_append_part). The clusters are written by rank 0 from the
 *      result (ibid_dedup_write_clusters), which reads no input.
 *
 * Memory of a rank: one batch of text, and for its 1/N of the documents their shingles (4
 * bytes each), band keys and notes; the exchanges hold 1/N of the keys and pairs at a time.
 * Rank 0 also holds the per-document record of every document, as one process does.
 */
#include "mpi_exchange.h"

#include <errno.h>
#include <mpi.h>
#include <sys/resource.h>
#include <xxhash.h>

#define ROUND           0 /* bytes per destination in one exchange round: as MPI allows */
#define GROUP_ALL_PAIRS 16

typedef struct dpair { /* a pair to compare, and what became of it */
    uint64_t key;      /* a << 32 | b: similarity of a's shingles to b's */
    uint32_t tag;      /* for member similarities: the member */
    uint32_t pad;
    double sim;
} dpair;

/* What rank 0 needs of a document read by another rank (ibid_dedup_note), and its place. */
typedef struct dnote {
    uint64_t n_text;    /* bytes */
    int64_t line;       /* in its file (JSON Lines), else 0 */
    uint32_t unit;      /* its file (ibid_share) */
    uint32_t n_id;      /* bytes of the id, then a NUL, in strs */
    uint32_t n_meta;    /* bytes of the metadata (and a NUL) after it, or 0 for none */
    uint32_t line_here; /* its line in the part of the file this rank read (for the copy) */
} dnote;

/* One document of a batch, as a worker leaves it. */
typedef struct ditem {
    uint64_t exact;
    size_t sh_off, n_sh; /* its shingles in the thread's buffer */
    int tid;
    int rc;
    ibid_error e;
} ditem;

typedef struct djob {
    int rank, n;
    const ibid_dedup_opts *o;
    const ibid_read_opts *ro;
    ibid_dedup *d; /* rank 0: the result */
    int bands, rows;
    uint64_t n_seen;  /* documents read by every rank */
    ibid_share share; /* the inputs and this rank's share of them */
    long line_by;     /* lines of share.u_first read by lower ranks (ibid_mpi_share_lines) */
    uint32_t *base;   /* rank r read documents [base[r], base[r + 1]) (input order) */
    /* this rank's documents: k = base[rank] + i */
    size_t n_own, m_own;
    uint64_t *exact; /* per own document */
    uint32_t *first; /* per own document: the first with its exact key (k itself if none) */
    size_t *sh_beg;  /* own document i's shingles: sh[sh_beg[i], sh_beg[i + 1]) */
    uint32_t *sh;
    size_t n_sh, m_sh, m_beg;
    uint64_t *keys; /* bands per own document */
    size_t m_keys;
    uint64_t n_empty;
    /* batch scratch */
    const ibid_sdoc *docs;
    size_t *batch_idx; /* the batch's documents this rank processes */
    size_t n_batch, m_batch_idx;
    ditem *items;
    size_t m_items;
    uint64_t *bkeys;
    size_t m_bkeys;
    ibid_toks *toks;
    uint32_t **sig, **tmp, **tsh;
    size_t *m_tmp, *n_tsh, *m_tsh;
    dnote *notes; /* per own document: what rank 0 notes of it (ids and metadata in strs) */
    size_t m_notes;
    char *strs;
    size_t n_strs, m_strs;
    ibid_error *skip; /* skipped by the reader, in input order */
    size_t *skip_unit;
    size_t n_skip, m_skip;
    ibid_mpi_rank_stats st;
    ibid_mpi_traffic tr;
    uint64_t n_bucket_keys, n_candidates, n_compared, n_similar;
} djob;

/* ---- 1. read ---- */

static void process_one(void *ud, size_t q, int tid)
{
    djob *j = ud;
    const ibid_sdoc *doc = &j->docs[j->batch_idx[q]];
    ditem *it = &j->items[q];
    ibid_toks *t = &j->toks[tid];
    t->n_tok = t->n_ckpt = 0;
    memset(it, 0, sizeof *it);
    it->rc = ibid_tokenize_hashes(t, doc->text, doc->n_text, j->o->norm, &it->e);
    if (it->rc < 0) {
        snprintf(it->e.source, sizeof it->e.source, "%s", doc->source);
        if (doc->line_no) it->e.line = doc->line_no;
        return;
    }
    it->exact = XXH3_64bits_withSeed(t->tok, t->n_tok * sizeof *t->tok, j->o->seed);
    it->tid = tid;
    if (!t->n_tok) return;
    if (j->m_tmp[tid] < t->n_tok) IBID_GROW(j->tmp[tid], j->m_tmp[tid], t->n_tok);
    IBID_GROW(j->tsh[tid], j->m_tsh[tid], j->n_tsh[tid] + t->n_tok);
    uint32_t *sh = j->tsh[tid] + j->n_tsh[tid];
    it->sh_off = j->n_tsh[tid];
    it->n_sh = ibid_shingles(sh, j->tmp[tid], t->tok, t->n_tok, j->o->ngram);
    j->n_tsh[tid] += it->n_sh;
    ibid_minhash_sign(j->sig[tid], j->bands * j->rows, sh, it->n_sh, j->o->seed);
    ibid_minhash_bands(j->bkeys + q * (size_t)j->bands, j->sig[tid], j->bands, j->rows);
}

static void put_str(djob *j, const char *p, size_t n)
{
    IBID_GROW(j->strs, j->m_strs, j->n_strs + n + 1);
    memcpy(j->strs + j->n_strs, p, n);
    j->strs[j->n_strs + n] = 0;
    j->n_strs += n + 1;
}

/* Note a document for rank 0: the metadata only when the survivor is the oldest (its date). */
static void note(djob *j, const ibid_sdoc *d)
{
    size_t k = j->n_own + j->n_batch;
    IBID_GROW(j->notes, j->m_notes, k + 1);
    dnote *x = &j->notes[k];
    size_t n_id = strlen(d->id),
           n_meta = d->meta && j->o->keep == IBID_KEEP_OLDEST ? strlen(d->meta) : 0;
    *x = (dnote){d->n_text, d->line_no, (uint32_t)d->unit, (uint32_t)n_id, 0, (uint32_t)d->line_no};
    put_str(j, d->id, n_id);
    if (n_meta) {
        x->n_meta = (uint32_t)n_meta + 1;
        put_str(j, d->meta, n_meta);
    }
}

static int on_batch(void *ud, const ibid_sdoc *docs, size_t n, ibid_error *err)
{
    djob *j = ud;
    int rc = 0;
    if (j->n_own + n >= UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, docs[0].source, docs[0].line_no, 0,
                         "more than 2^32 - 1 documents");
    j->n_batch = 0;
    for (size_t i = 0; i < n; i++) {
        note(j, &docs[i]);
        IBID_GROW(j->batch_idx, j->m_batch_idx, j->n_batch + 1);
        j->batch_idx[j->n_batch++] = i;
    }
    IBID_GROW(j->items, j->m_items, j->n_batch + 1);
    IBID_GROW(j->bkeys, j->m_bkeys, (j->n_batch + 1) * (size_t)j->bands);
    j->docs = docs;
    for (int t = 0; t < j->o->n_threads; t++) j->n_tsh[t] = 0;
    ibid_parallel_for(j->o->n_threads, j->n_batch, process_one, j);
    for (size_t q = 0; q < j->n_batch; q++) {
        const ditem *it = &j->items[q];
        if (it->rc < 0) { /* the reader checked UTF-8: only a bug gets here */
            if (err) *err = it->e;
            rc = it->rc;
            break;
        }
        size_t i = j->n_own++;
        IBID_GROW(j->exact, j->m_own, j->n_own);
        j->first = ibid_xrealloc(j->first, j->m_own * sizeof *j->first);
        IBID_GROW(j->sh_beg, j->m_beg, j->n_own + 1);
        IBID_GROW(j->keys, j->m_keys, j->n_own * (size_t)j->bands);
        j->exact[i] = it->exact;
        if (i == 0) j->sh_beg[0] = 0;
        IBID_GROW(j->sh, j->m_sh, j->n_sh + it->n_sh + 1);
        if (it->n_sh) memcpy(j->sh + j->n_sh, j->tsh[it->tid] + it->sh_off, it->n_sh * 4);
        j->n_sh += it->n_sh;
        j->sh_beg[i + 1] = j->n_sh;
        memcpy(j->keys + i * (size_t)j->bands, j->bkeys + q * (size_t)j->bands,
               (size_t)j->bands * sizeof *j->keys);
        j->n_empty += it->n_sh == 0;
        j->st.n_bytes += docs[j->batch_idx[q]].n_text;
    }
    return rc;
}

static void on_skip(void *ud, const ibid_error *e)
{
    djob *j = ud;
    IBID_GROW(j->skip, j->m_skip, j->n_skip + 1);
    j->skip_unit = ibid_xrealloc(j->skip_unit, j->m_skip * sizeof *j->skip_unit);
    j->skip_unit[j->n_skip] = j->share.cur_unit;
    j->skip[j->n_skip++] = *e;
}

/* The rank that read document k: the last with base[r] <= k (ranks that read nothing have the
 * base of the next). */
static int owner(const djob *j, uint32_t k)
{
    int lo = 0, hi = j->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (j->base[mid] <= k)
            lo = mid;
        else
            hi = mid - 1;
    }
    assert(k >= j->base[lo] && k < j->base[lo + 1]);
    return lo;
}

/* This rank's index of its document k. */
static size_t local(const djob *j, uint32_t k)
{
    assert(k >= j->base[j->rank] && k < j->base[j->rank + 1]);
    return k - j->base[j->rank];
}

/* Send `n` bytes at p to rank 0 (every rank's, in rank order, in *all there, malloc'd). */
static char *to_root(djob *j, const void *p, size_t n, size_t *n_all)
{
    size_t *send_n = ibid_xcalloc((size_t)j->n, sizeof *send_n);
    size_t *recv_n = ibid_xmalloc((size_t)j->n * sizeof *recv_n);
    send_n[0] = n;
    char *all;
    ibid_mpi_exchange(p, send_n, &all, recv_n, ROUND, &j->tr);
    *n_all = 0;
    for (int s = 0; s < j->n; s++) *n_all += recv_n[s];
    free(send_n);
    free(recv_n);
    return all;
}

/*
 * After the read: the line numbers of a file split between ranks made the file's
 * (ibid_mpi_share_lines), the documents numbered in input order (base), and rank 0 given what
 * it notes of every document and the skipped records, in input order. Returns the read's error
 * as every rank agrees on it (the lowest rank's, which is the first in input order). Collective.
 */
static int settle_read(djob *j, int rc, ibid_error *err)
{
    long by = j->line_by = ibid_mpi_share_lines(&j->share);
    size_t u = j->share.u_first;
    for (size_t i = 0; by && i < j->n_own; i++)
        if (j->notes[i].unit == u && j->notes[i].line > 0) j->notes[i].line += by;
    for (size_t i = 0; by && i < j->n_skip; i++)
        if (j->skip_unit[i] == u && j->skip[i].line > 0) j->skip[i].line += by;
    if (by && rc < 0 && err && j->share.cur_unit == u && err->line > 0) err->line += by;
    uint64_t mine = j->n_own, *all = ibid_xmalloc((size_t)j->n * sizeof *all);
    MPI_Allgather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    j->base = ibid_xmalloc((size_t)(j->n + 1) * sizeof *j->base);
    uint64_t total = 0;
    for (int r = 0; r < j->n; r++) {
        j->base[r] = (uint32_t)total;
        total += all[r];
    }
    free(all);
    j->n_seen = total;
    if (rc == 0 && total >= UINT32_MAX)
        rc = ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0, "more than 2^32 - 1 documents");
    if ((rc = ibid_mpi_agree(rc, err)) < 0) return rc;
    j->base[j->n] = (uint32_t)total;
    j->first = ibid_xrealloc(j->first, (j->n_own ? j->n_own : 1) * sizeof *j->first);
    for (size_t i = 0; i < j->n_own; i++) j->first[i] = j->base[j->rank] + (uint32_t)i;

    size_t n_notes, n_strs, n_skip;
    char *notes = to_root(j, j->notes, j->n_own * sizeof *j->notes, &n_notes);
    char *strs = to_root(j, j->strs, j->n_strs, &n_strs);
    char *skip = to_root(j, j->skip, j->n_skip * sizeof *j->skip, &n_skip);
    free(j->strs); /* the notes stay, for the copy of the kept documents */
    j->strs = NULL;
    if (j->d) {
        const char *q = strs;
        for (size_t i = 0; i < n_notes / sizeof(dnote); i++) {
            dnote x;
            memcpy(&x, notes + i * sizeof x, sizeof x);
            const char *path = j->share.units[x.unit].path;
            ibid_sdoc d = {q,
                           NULL,
                           (size_t)x.n_text,
                           x.n_meta ? q + x.n_id + 1 : NULL,
                           path,
                           ibid_is_jsonl_name(path),
                           (long)x.line,
                           x.unit};
            ibid_dedup_note(j->d, &d);
            q += x.n_id + 1 + x.n_meta;
        }
        assert(q == strs + n_strs);
        for (size_t i = 0; i < n_skip / sizeof(ibid_error); i++)
            ibid_dedup_note_skip(j->d, (const ibid_error *)(void *)(skip + i * sizeof(ibid_error)));
    }
    free(notes);
    free(strs);
    free(skip);
    return 0;
}

/* ---- exchanges of 16-byte records by destination ---- */

typedef struct rec_vec {
    size_t n, m;
    ibid_rec *v;
} rec_vec;

/* Send out[d] to each rank d; returns what arrived (count in *n_got), to free. */
static ibid_rec *trade(djob *j, rec_vec *out, size_t *n_got)
{
    int n = j->n;
    size_t *send_n = ibid_xmalloc((size_t)n * sizeof *send_n);
    size_t *recv_n = ibid_xmalloc((size_t)n * sizeof *recv_n), total = 0;
    for (int d = 0; d < n; d++) total += out[d].n;
    ibid_rec *buf = ibid_xmalloc((total ? total : 1) * sizeof *buf), *p = buf;
    for (int d = 0; d < n; d++) {
        send_n[d] = out[d].n * sizeof *buf;
        if (out[d].n) memcpy(p, out[d].v, send_n[d]);
        p += out[d].n;
        out[d].n = 0;
    }
    char *recv;
    ibid_mpi_exchange((const char *)buf, send_n, &recv, recv_n, ROUND, &j->tr);
    free(buf);
    *n_got = 0;
    for (int s = 0; s < n; s++) *n_got += recv_n[s] / sizeof(ibid_rec);
    free(send_n);
    free(recv_n);
    return (ibid_rec *)(void *)recv;
}

static void push_rec(rec_vec *v, ibid_rec r)
{
    IBID_GROW(v->v, v->m, v->n + 1);
    v->v[v->n++] = r;
}

/* ---- 2. exact duplicates ---- */

static void exact_dups(djob *j)
{
    rec_vec *out = ibid_xcalloc((size_t)j->n, sizeof *out);
    for (size_t i = 0; i < j->n_own; i++)
        push_rec(&out[ibid_mpi_dest(j->exact[i], j->n)], (ibid_rec){j->exact[i], j->first[i], 0});
    size_t n_got;
    ibid_rec *r = trade(j, out, &n_got);
    ibid_rec_sort(r, n_got, j->o->n_threads);
    for (size_t i = 0; i < n_got;) { /* answer each later copy with the first of its key */
        size_t e = i + 1;
        while (e < n_got && r[e].key == r[i].key) e++;
        for (size_t q = i + 1; q < e; q++)
            push_rec(&out[owner(j, r[q].x)], (ibid_rec){r[q].x, r[i].x, 0});
        i = e;
    }
    free(r);
    r = trade(j, out, &n_got);
    for (size_t q = 0; q < n_got; q++) j->first[local(j, (uint32_t)r[q].key)] = r[q].x;
    free(r);
    for (int d = 0; d < j->n; d++) free(out[d].v);
    free(out);
}

/* ---- 3. buckets and candidate pairs ---- */

static void emit_group(const djob *j, rec_vec *out, const uint32_t *g, size_t m)
{
    if (m < 2) return;
    if (m <= GROUP_ALL_PAIRS) {
        for (size_t a = 0; a < m; a++)
            for (size_t b = a + 1; b < m; b++)
                push_rec(&out[owner(j, g[a])], (ibid_rec){(uint64_t)g[a] << 32 | g[b], 0, 0});
        return;
    }
    for (size_t b = 1; b < m; b++) {
        push_rec(&out[owner(j, g[0])], (ibid_rec){(uint64_t)g[0] << 32 | g[b], 0, 0});
        if (b > 1)
            push_rec(&out[owner(j, g[b - 1])], (ibid_rec){(uint64_t)g[b - 1] << 32 | g[b], 0, 0});
    }
}

/* The distinct candidate pairs whose first document is this rank's, sorted (count in *n_pairs). */
static ibid_rec *candidates(djob *j, size_t *n_pairs)
{
    int n = j->n;
    rec_vec *out = ibid_xcalloc((size_t)n, sizeof *out);
    for (size_t i = 0; i < j->n_own; i++) {
        uint32_t k = j->base[j->rank] + (uint32_t)i;
        if (j->first[i] != k || j->sh_beg[i + 1] == j->sh_beg[i]) continue;
        for (int b = 0; b < j->bands; b++) {
            uint64_t key = j->keys[i * (size_t)j->bands + (size_t)b];
            push_rec(&out[ibid_mpi_dest(key, n)], (ibid_rec){key, k, 0});
            j->n_bucket_keys++;
        }
    }
    free(j->keys);
    j->keys = NULL;
    size_t n_got;
    ibid_rec *r = trade(j, out, &n_got);
    j->st.n_postings = n_got;
    ibid_rec_sort(r, n_got, j->o->n_threads);
    uint32_t *g = NULL;
    size_t n_g = 0, m_g = 0;
    for (size_t i = 0; i < n_got;) {
        size_t e = i + 1;
        while (e < n_got && r[e].key == r[i].key) e++;
        n_g = 0;
        for (size_t q = i; q < e; q++)
            if (n_g == 0 || g[n_g - 1] != r[q].x) { /* two bands of one document, one key */
                IBID_GROW(g, m_g, n_g + 1);
                g[n_g++] = r[q].x;
            }
        emit_group(j, out, g, n_g);
        i = e;
    }
    free(g);
    free(r);
    r = trade(j, out, &n_got);
    for (int d = 0; d < n; d++) free(out[d].v);
    free(out);
    ibid_rec_sort(r, n_got, j->o->n_threads);
    size_t u = 0;
    for (size_t i = 0; i < n_got; i++)
        if (u == 0 || r[u - 1].key != r[i].key) r[u++] = r[i];
    *n_pairs = u;
    j->n_candidates += u;
    return r;
}

/* ---- 4 and 5. similarities of pairs whose first document is this rank's ---- */

typedef struct fetched {
    uint64_t *doc; /* the other ranks' documents fetched, as owner << 32 | document, sorted */
    size_t *beg;   /* doc[i]'s shingles are sh[beg[i], beg[i + 1]) */
    uint32_t *sh;
    size_t n;
} fetched;

static uint64_t owner_key(const djob *j, uint32_t k)
{
    return (uint64_t)owner(j, k) << 32 | k;
}

static void shingles_of(const djob *j, const fetched *f, uint32_t k, const uint32_t **sh,
                        size_t *n_sh)
{
    if (owner(j, k) == j->rank) {
        size_t i = local(j, k);
        *sh = j->sh + j->sh_beg[i];
        *n_sh = j->sh_beg[i + 1] - j->sh_beg[i];
        return;
    }
    uint64_t key = owner_key(j, k);
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->doc[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    assert(lo < f->n && f->doc[lo] == key);
    *sh = f->sh + f->beg[lo];
    *n_sh = f->beg[lo + 1] - f->beg[lo];
}

/* Fetch the shingles of the second documents of p[0, n) that other ranks hold. Requests go to
 * each owner in (owner, document) order, and the answers come back in that order. */
static void fetch_shingles(djob *j, const dpair *p, size_t n, fetched *f)
{
    int nr = j->n;
    uint64_t *want = ibid_xmalloc((n ? n : 1) * sizeof *want);
    size_t n_want = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b = (uint32_t)p[i].key;
        if (owner(j, b) != j->rank) want[n_want++] = owner_key(j, b);
    }
    qsort(want, n_want, sizeof *want, ibid_cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < n_want; i++)
        if (u == 0 || want[u - 1] != want[i]) want[u++] = want[i];
    n_want = u;
    size_t *send_n = ibid_xcalloc((size_t)nr, sizeof *send_n);
    size_t *recv_n = ibid_xmalloc((size_t)nr * sizeof *recv_n);
    uint32_t *req = ibid_xmalloc((n_want ? n_want : 1) * sizeof *req);
    for (size_t i = 0; i < n_want; i++) {
        req[i] = (uint32_t)want[i];
        send_n[want[i] >> 32] += 4;
    }
    char *rbuf;
    ibid_mpi_exchange((const char *)req, send_n, &rbuf, recv_n, ROUND, &j->tr);
    free(req);
    /* answers: [count, shingles...] per request */
    size_t total = 0, n_asked = 0, at = 0;
    const uint32_t *asked = (const uint32_t *)(void *)rbuf;
    for (int s = 0; s < nr; s++) n_asked += recv_n[s] / 4;
    for (size_t i = 0; i < n_asked; i++) {
        size_t k = local(j, asked[i]);
        total += 1 + j->sh_beg[k + 1] - j->sh_beg[k];
    }
    uint32_t *ans = ibid_xmalloc((total ? total : 1) * sizeof *ans), *w = ans;
    for (int s = 0; s < nr; s++) {
        uint32_t *from = w;
        for (size_t i = 0; i < recv_n[s] / 4; i++, at++) {
            size_t k = local(j, asked[at]), m = j->sh_beg[k + 1] - j->sh_beg[k];
            *w++ = (uint32_t)m;
            if (m) memcpy(w, j->sh + j->sh_beg[k], m * 4);
            w += m;
        }
        send_n[s] = (size_t)(w - from) * 4;
    }
    free(rbuf);
    ibid_mpi_exchange((const char *)ans, send_n, &rbuf, recv_n, ROUND, &j->tr);
    free(ans);
    size_t got = 0;
    for (int s = 0; s < nr; s++) got += recv_n[s] / 4;
    f->n = n_want;
    f->doc = want;
    f->beg = ibid_xmalloc((n_want + 1) * sizeof *f->beg);
    f->sh = ibid_xmalloc((got ? got : 1) * sizeof *f->sh);
    const uint32_t *q = (const uint32_t *)(void *)rbuf;
    size_t n_sh = 0;
    f->beg[0] = 0;
    for (size_t i = 0; i < n_want; i++) {
        uint32_t m = *q++;
        if (m) memcpy(f->sh + n_sh, q, (size_t)m * 4);
        n_sh += m;
        q += m;
        f->beg[i + 1] = n_sh;
        j->st.n_fetched++;
        j->st.n_fetched_bytes += (uint64_t)m * 4;
    }
    free(rbuf);
    free(send_n);
    free(recv_n);
}

typedef struct sim_job {
    const djob *j;
    const fetched *f;
    dpair *p;
} sim_job;

static void sim_one(void *ud, size_t i, int tid)
{
    sim_job *s = ud;
    (void)tid;
    const uint32_t *a, *b;
    size_t na, nb;
    shingles_of(s->j, s->f, (uint32_t)(s->p[i].key >> 32), &a, &na);
    shingles_of(s->j, s->f, (uint32_t)s->p[i].key, &b, &nb);
    s->p[i].sim = ibid_set_similarity(a, na, b, nb, s->j->o->containment);
}

/* Compute the similarity of every pair p[0, n) (all with this rank's first document), then
 * gather on rank 0 those with sim >= min_sim: returns them there (count in *n_out), NULL
 * elsewhere. */
static dpair *similarities(djob *j, dpair *p, size_t n, double min_sim, size_t *n_out)
{
    fetched f = {0};
    fetch_shingles(j, p, n, &f);
    sim_job s = {j, &f, p};
    ibid_parallel_for(j->o->n_threads, n, sim_one, &s);
    free(f.doc);
    free(f.beg);
    free(f.sh);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].sim >= min_sim) p[k++] = p[i];
    int bytes = (int)(k * sizeof *p), *counts = NULL, *displs = NULL;
    assert(k * sizeof *p <= (size_t)INT32_MAX);
    if (j->rank == 0) {
        counts = ibid_xmalloc((size_t)j->n * sizeof *counts);
        displs = ibid_xmalloc((size_t)j->n * sizeof *displs);
    }
    MPI_Gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    size_t all = 0;
    if (j->rank == 0)
        for (int r = 0; r < j->n; r++) {
            displs[r] = (int)all;
            all += (size_t)counts[r];
        }
    dpair *out = j->rank == 0 ? ibid_xmalloc(all ? all : 1) : NULL;
    MPI_Gatherv(p, bytes, MPI_BYTE, out, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (j->rank != 0) j->tr.sent += (uint64_t)bytes;
    if (j->rank == 0) j->tr.received += all - (size_t)counts[0];
    free(counts);
    free(displs);
    *n_out = all / sizeof *p;
    return out;
}

/* Rank 0 has settled the clusters: the similarity of each member to its survivor, computed on
 * the ranks holding their shingles. */
static void member_similarities(djob *j)
{
    rec_vec *out = ibid_xcalloc((size_t)j->n, sizeof *out);
    if (j->d) {
        size_t nd = j->n_seen;
        for (size_t m = 0; m < nd; m++) {
            size_t s = ibid_dedup_survivor(j->d, m);
            uint32_t a = (uint32_t)ibid_dedup_exact_of(j->d, m);
            uint32_t b = (uint32_t)ibid_dedup_exact_of(j->d, s);
            if (s == m || a == b) continue;
            push_rec(&out[owner(j, a)], (ibid_rec){(uint64_t)a << 32 | b, (uint32_t)m, 0});
        }
    }
    size_t n_got, n_sims;
    ibid_rec *r = trade(j, out, &n_got);
    for (int d = 0; d < j->n; d++) free(out[d].v);
    free(out);
    dpair *p = ibid_xmalloc((n_got ? n_got : 1) * sizeof *p);
    for (size_t i = 0; i < n_got; i++) p[i] = (dpair){r[i].key, r[i].x, 0, 0};
    free(r);
    dpair *sims = similarities(j, p, n_got, -1, &n_sims);
    free(p);
    if (j->d) {
        double *sim = ibid_xcalloc(j->n_seen ? j->n_seen : 1, sizeof *sim);
        for (size_t i = 0; i < n_sims; i++) sim[sims[i].tag] = sims[i].sim;
        ibid_dedup_set_member_sim(j->d, sim);
    }
    free(sims);
}

/* ---- 6. the kept documents ---- */

/* This rank's survivors, copied from its share into fp, in input order. */
static int copy_kept(djob *j, const uint8_t *keep, FILE *fp, ibid_error *err)
{
    int rc = 0;
    uint32_t *lines = NULL;
    size_t m_lines = 0;
    for (size_t i = 0; i < j->n_own && rc == 0;) {
        uint32_t u = j->notes[i].unit;
        size_t e = i, n = 0;
        for (; e < j->n_own && j->notes[e].unit == u; e++) {
            if (!keep[e]) continue;
            IBID_GROW(lines, m_lines, n + 1);
            lines[n++] = j->notes[e].line_here;
        }
        const ibid_share_unit *su = &j->share.units[u];
        if (n && ibid_is_jsonl_name(su->path)) {
            ibid_stream *st = NULL;
            long add = u == j->share.u_first ? j->line_by : 0;
            if ((rc = ibid_share_open(&j->share, u, j->rank, j->n, &st, err)) == 0)
                rc = ibid_dedup_copy_lines(st, su->path, add, lines, n, fp, err);
            ibid_stream_close(st);
        } else if (n) {
            assert(e == i + 1);
            rc =
                ibid_dedup_copy_text(su->path, su->id, j->notes[i].n_text, j->ro->max_doc, fp, err);
        }
        i = e;
    }
    free(lines);
    return rc;
}

/* Write the kept documents to `kept` (rank 0; NULL there: not written). Collective. */
static int write_kept(djob *j, FILE *kept, ibid_error *err)
{
    int want = kept != NULL, rc = 0;
    MPI_Bcast(&want, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!want) return 0;
    uint8_t *all = NULL, *keep = ibid_xmalloc(j->n_own ? j->n_own : 1);
    int *counts = NULL, *displs = NULL;
    if (j->d) {
        all = ibid_xmalloc(j->n_seen ? j->n_seen : 1);
        for (size_t k = 0; k < j->n_seen; k++) all[k] = (uint8_t)ibid_dedup_is_kept(j->d, k);
        counts = ibid_xmalloc((size_t)j->n * sizeof *counts);
        displs = ibid_xmalloc((size_t)j->n * sizeof *displs);
        for (int r = 0; r < j->n; r++) {
            assert(j->base[r] <= (uint32_t)INT32_MAX);
            displs[r] = (int)j->base[r];
            counts[r] = (int)(j->base[r + 1] - j->base[r]);
        }
    }
    assert(j->n_own <= (size_t)INT32_MAX);
    MPI_Scatterv(all, counts, displs, MPI_BYTE, keep, (int)j->n_own, MPI_BYTE, 0, MPI_COMM_WORLD);
    free(all);
    free(counts);
    free(displs);
    FILE *fp = j->rank == 0 ? kept : tmpfile();
    if (!fp)
        rc = ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot create a temporary file: %s",
                       strerror(errno));
    else
        rc = copy_kept(j, keep, fp, err);
    free(keep);
    if (rc == 0 && fp != kept && (fflush(fp) != 0 || ferror(fp)))
        rc = ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot write a temporary file: %s",
                       strerror(errno));
    if (rc == 0 && fp != kept) rewind(fp);
    if ((rc = ibid_mpi_agree(rc, err)) == 0) {
        if (j->rank == 0) {
            for (int s = 1; s < j->n && rc == 0; s++)
                if (ibid_mpi_append_part(s, kept, &j->tr) < 0) {
                    for (int t = s + 1; t < j->n; t++) ibid_mpi_stop_part(t);
                    rc = ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot write the output: %s",
                                   strerror(errno));
                }
        } else {
            ibid_mpi_serve_part(fp, &j->tr);
        }
        rc = ibid_mpi_agree(rc, err);
    }
    if (fp && fp != kept) fclose(fp);
    return rc;
}

/* ---- ibid_mpi_dedup ---- */

static void free_job(djob *j)
{
    free(j->exact);
    free(j->first);
    free(j->sh_beg);
    free(j->sh);
    free(j->keys);
    free(j->batch_idx);
    free(j->items);
    free(j->bkeys);
    for (int t = 0; t < j->o->n_threads; t++) {
        if (j->toks) ibid_toks_free(&j->toks[t]);
        if (j->sig) free(j->sig[t]);
        if (j->tmp) free(j->tmp[t]);
        if (j->tsh) free(j->tsh[t]);
    }
    free(j->toks);
    free(j->base);
    free(j->notes);
    free(j->strs);
    free(j->skip);
    free(j->skip_unit);
    ibid_share_free(&j->share);
    free(j->sig);
    free(j->tmp);
    free(j->tsh);
    free(j->m_tmp);
    free(j->n_tsh);
    free(j->m_tsh);
}

static void report(djob *j, ibid_mpi_report **rep)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    j->st.n_docs = j->n_own;
    j->st.bytes_sent = j->tr.sent;
    j->st.bytes_received = j->tr.received;
    j->st.max_rss = (uint64_t)ru.ru_maxrss * 1024;
    ibid_mpi_report *r = ibid_xcalloc(1, sizeof *r);
    r->n_ranks = j->n;
    r->rank = ibid_xcalloc(j->rank == 0 ? (size_t)j->n : 1, sizeof *r->rank);
    MPI_Gather(&j->st, (int)sizeof j->st, MPI_BYTE, r->rank, (int)sizeof j->st, MPI_BYTE, 0,
               MPI_COMM_WORLD);
    if (j->rank != 0) r->rank[0] = j->st;
    r->n_docs = (size_t)j->n_seen;
    r->n_candidates = (size_t)j->n_candidates;
    r->n_passes = 1;
    if (rep)
        *rep = r;
    else
        ibid_mpi_report_free(r);
}

int ibid_mpi_dedup(ibid_dedup **out, FILE *kept, const char *const *inputs, size_t n_inputs,
                   const ibid_read_opts *ro, const ibid_dedup_opts *o, const ibid_mpi_opts *mo,
                   ibid_mpi_report **rep, ibid_error *err)
{
    *out = NULL;
    if (rep) *rep = NULL;
    ibid_read_opts ro_default;
    if (!ro) {
        ibid_read_opts_init(&ro_default);
        ro = &ro_default;
    }
    int rc;
    djob j = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &j.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &j.n);
    j.o = o;
    j.ro = ro;
    if ((rc = ibid_dedup_opts_check(o, err)) == 0) rc = ibid_read_opts_check(ro, err);
    if ((rc = ibid_mpi_agree(rc, err)) < 0) return rc;
    ibid_dedup_lsh(o, &j.bands, &j.rows);
    if (j.rank == 0) j.d = ibid_dedup_begin(o, ro);
    int nt = o->n_threads;
    j.toks = ibid_xcalloc((size_t)nt, sizeof *j.toks);
    j.sig = ibid_xcalloc((size_t)nt, sizeof *j.sig);
    j.tmp = ibid_xcalloc((size_t)nt, sizeof *j.tmp);
    j.tsh = ibid_xcalloc((size_t)nt, sizeof *j.tsh);
    j.m_tmp = ibid_xcalloc((size_t)nt, sizeof *j.m_tmp);
    j.n_tsh = ibid_xcalloc((size_t)nt, sizeof *j.n_tsh);
    j.m_tsh = ibid_xcalloc((size_t)nt, sizeof *j.m_tsh);
    for (int t = 0; t < nt; t++)
        j.sig[t] = ibid_xmalloc((size_t)j.bands * (size_t)j.rows * sizeof **j.sig);

    ibid_share_plan(&j.share, inputs, n_inputs, err);
    ibid_docstream_cb cb = {on_batch, on_skip, &j};
    rc = ibid_share_read(&j.share, j.rank, j.n, ro, &cb, err);
    if ((rc = settle_read(&j, rc, err)) < 0) goto done;
    if (mo && mo->test_die_rank == j.rank) ibid_mpi_test_die(mo); /* the failure test */

    exact_dups(&j);
    size_t n_pairs, n_edges;
    ibid_rec *pairs = candidates(&j, &n_pairs);
    dpair *p = ibid_xmalloc((n_pairs ? n_pairs : 1) * sizeof *p);
    for (size_t i = 0; i < n_pairs; i++) p[i] = (dpair){pairs[i].key, 0, 0, 0};
    free(pairs);
    j.n_compared = n_pairs;
    j.st.n_group_occ = n_pairs;
    dpair *edges = similarities(&j, p, n_pairs, o->threshold, &n_edges);
    free(p);
    /* the exact duplicates this rank found, as edges for rank 0 too */
    rec_vec ex = {0};
    for (size_t i = 0; i < j.n_own; i++) {
        uint32_t k = j.base[j.rank] + (uint32_t)i;
        if (j.first[i] != k) push_rec(&ex, (ibid_rec){(uint64_t)j.first[i] << 32 | k, 0, 0});
    }
    int bytes = (int)(ex.n * sizeof *ex.v), *counts = NULL, *displs = NULL;
    if (j.rank == 0) {
        counts = ibid_xmalloc((size_t)j.n * sizeof *counts);
        displs = ibid_xmalloc((size_t)j.n * sizeof *displs);
    }
    MPI_Gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    size_t all = 0;
    if (j.rank == 0)
        for (int r = 0; r < j.n; r++) displs[r] = (int)all, all += (size_t)counts[r];
    ibid_rec *exact = ibid_xmalloc(all ? all : 1);
    MPI_Gatherv(ex.v, bytes, MPI_BYTE, exact, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    free(ex.v);
    free(counts);
    free(displs);
    uint64_t mine[6] = {j.n_empty,    j.n_bucket_keys, j.n_candidates,
                        j.n_compared, n_edges,         j.n_sh * 4},
             sum[6];
    j.n_similar = n_edges;
    MPI_Reduce(mine, sum, 6, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if (j.d) {
        for (size_t i = 0; i < all / sizeof *exact; i++)
            ibid_dedup_join(j.d, (uint32_t)(exact[i].key >> 32), (uint32_t)exact[i].key, 1);
        for (size_t i = 0; i < n_edges; i++)
            ibid_dedup_join(j.d, (uint32_t)(edges[i].key >> 32), (uint32_t)edges[i].key, 0);
        ibid_dedup_stats *st = ibid_dedup_stats_of(j.d);
        st->n_empty = (size_t)sum[0];
        st->n_bucket_keys = sum[1];
        st->n_candidates = sum[2];
        st->n_compared = sum[3];
        st->n_similar = sum[4];
        st->n_shingle_bytes = sum[5];
        ibid_dedup_settle(j.d);
    }
    free(exact);
    free(edges);
    member_similarities(&j);
    if ((rc = write_kept(&j, kept, err)) < 0) goto done;
    report(&j, rep);
    rc = 0;
done:
    free_job(&j);
    if (rc < 0) {
        ibid_dedup_free(j.d);
        return rc;
    }
    *out = j.d;
    return 0;
}
