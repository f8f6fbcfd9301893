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
 * Blocks. One SQLite row per sampled n-gram made every batch insert millions of rows into a
 * B-tree, and every lookup a B-tree seek (about 2 us: 6 CPU-seconds for a batch of 10,000
 * documents). The index is stored instead as packed blocks. The hash space is cut into
 * IBID_STORE_PARTS parts by the top 16 of the 63 bits; each batch writes its entries as a run:
 * for every part they fall in, one row of gram_blocks, rowid run << 16 | part, whose blob is
 * the run's (hash, doc) entries of that part, 8 bytes each: the hash's 32 bits below the
 * part's, then the document's rowid, as one little-endian 64-bit number, the block sorted by it
 * (schema versions 3 and 4 kept the whole hash, in 12 bytes); gram_runs counts each run's
 * entries. A run's rows are adjacent in the table's B-tree, so writing one appends to the end
 * of the table rather than dirtying pages all over it, and reading a whole run is a sequential
 * scan. A lookup reads, in every run, the row of each part it needs (a scan of the run when it
 * needs most of them) and merges its sorted hashes with the entries. Runs are merged as in a
 * log-structured merge tree (O'Neil et al., "The Log-Structured Merge-Tree", Acta Informatica
 * 1996): a batch's new run absorbs every run when the runs other than the largest hold more than
 * 1 / IBID_STORE_MERGE_RATIO of its entries, so that each entry is rewritten a bounded number
 * of times whatever the store's size, and the runs but the largest when there are
 * IBID_STORE_MAX_RUNS already, which bounds the rows a lookup reads after many small batches.
 * Winnowing keeps the smallest hashes of each window, so kept hashes crowd the low parts: the
 * sketch stores them through a bijection of [0, 2^63) (mix63) that spreads them evenly again.
 *
 * Candidates. The kept n-grams of a batch of new documents are sorted by hash; each part they
 * fall in is read once, and each distinct hash is looked up in each of its runs, giving the
 * stored documents holding it. An n-gram in more than max_df documents in all, stored and new,
 * is boilerplate and links nothing, as in ibid_align; otherwise it votes for every (new, stored)
 * and (new, new) pair holding it, as a 64-bit key (new document << 32 | the other). Pairs with
 * at least IBID_STORE_CAND_MIN votes are aligned: the votes are bucketed by new document (a
 * counting sort) and each bucket is sorted and counted on its own, in cache. A large batch
 * splits its sorted hashes into one range per thread, each looked up on its own read-only
 * SQLite connection (connections are not shared between threads); the result does not depend
 * on the thread count, as the buckets are sorted whatever order their votes came in. Document
 * frequency is counted against the store as it is when the batch is added: an n-gram that
 * becomes boilerplate later keeps the passages it helped find.
 */
#include "store.h"

#include <endian.h>
#include <xxhash.h>

/* A bijection of [0, 2^63): multiplications by odd constants and xor-shifts, each invertible
 * modulo 2^63, so distinct hashes stay distinct. */
static uint64_t mix63(uint64_t x)
{
    const uint64_t mask = UINT64_MAX >> 1;
    x = (x * 0x9e3779b97f4a7c15u) & mask;
    x ^= x >> 29;
    x = (x * 0xbf58476d1ce4e5b9u) & mask;
    x ^= x >> 32;
    return x;
}

/* Sort n mixed hashes, which are spread evenly over [0, 2^63): one counting pass on the top
 * bits into about one value a bucket, then insertion sort. */
static void sort_mixed(uint64_t *a, size_t n)
{
    int bits = 1;
    while (bits < 16 && ((size_t)1 << bits) < n) bits++;
    size_t nb = (size_t)1 << bits, *count = ibid_xcalloc(nb + 1, sizeof *count);
    uint64_t *tmp = ibid_xmalloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++) count[(a[i] >> (63 - bits)) + 1]++;
    for (size_t b = 0; b < nb; b++) count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++) tmp[count[a[i] >> (63 - bits)]++] = a[i];
    for (size_t i = 0; i < n; i++) {
        uint64_t v = tmp[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) a[j] = a[j - 1], j--;
        a[j] = v;
    }
    free(tmp);
    free(count);
}

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
    if (n_tok <= full_tokens) { /* a short document keeps every n-gram */
        n = m;
        for (size_t i = 0; i < n; i++) h[i] = mix63(h[i]);
    } else { /* winnowing, in place: the n-th kept is written at n <= j, before the window */
        size_t last = SIZE_MAX; /* position of the n-gram kept last */
        for (size_t j = 0; j + w <= m; j++) {
            size_t best = j;
            for (size_t k = j + 1; k < j + w; k++)
                if (h[k] <= h[best]) best = k;
            if (best != last) h[n++] = mix63(h[best]);
            last = best;
        }
    }
    /* sort and drop duplicates: a document lists each kept n-gram once */
    if (n > 1) {
        sort_mixed(h, n);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (k == 0 || h[k - 1] != h[i]) h[k++] = h[i];
        n = k;
    }
    if (n == 0) {
        free(h);
        return 0;
    }
    *out = n < m ? ibid_xrealloc(h, n * sizeof *h) : h; /* a sample keeps ~2/7 */
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

#define ENTRY     8 /* bytes of one (hash, doc) entry in a block */
#define PART_MASK (IBID_STORE_PARTS - 1)
/* An entry keeps the 32 bits of the hash below the part's (the block gives those): bits 46-15 of
 * the 63. Two of a batch's hashes that agree on all 48 bits meet the same entries, and a stored
 * n-gram is found for another whose 48 bits are its: with about 650 entries a block (100,000
 * documents), about one lookup in 6.6 million meets one such stranger (2^32 / 650), against the
 * three shared n-grams that make a candidate. */
#define SUB_SHIFT (63 - IBID_STORE_PART_BITS - 32)

/* The hash bits an entry keeps. */
static uint32_t sub_of(uint64_t hash)
{
    return (uint32_t)(hash >> SUB_SHIFT);
}

/* An entry as one number, sub << 32 | doc: blocks are sorted by it. */
static uint64_t entry_val(const unsigned char *e)
{
    uint64_t v;
    memcpy(&v, e, 8);
    return le64toh(v);
}

static uint32_t entry_sub(const unsigned char *e)
{
    return (uint32_t)(entry_val(e) >> 32);
}

static uint32_t entry_doc(const unsigned char *e)
{
    return (uint32_t)entry_val(e);
}

static void put_val(unsigned char *e, uint64_t v)
{
    v = htole64(v);
    memcpy(e, &v, 8);
}

static void put_entry(unsigned char *e, uint64_t hash, uint32_t doc)
{
    put_val(e, (uint64_t)sub_of(hash) << 32 | doc);
}

/* Sort n entries by value and drop repeats, in place; returns how many are left. Entries made
 * from records sorted by (hash, doc) are in order but where two hashes share their kept bits,
 * so this is a check in the common case. */
static size_t normalize_entries(unsigned char *e, size_t n)
{
    size_t k = 1;
    while (k < n && entry_val(e + (k - 1) * ENTRY) < entry_val(e + k * ENTRY)) k++;
    if (k >= n) return n;
    uint64_t *v = ibid_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = entry_val(e + i * ENTRY);
    qsort(v, n, sizeof *v, ibid_cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || v[i] != v[m - 1]) v[m++] = v[i];
    for (size_t i = 0; i < m; i++) put_val(e + i * ENTRY, v[i]);
    free(v);
    return m;
}

static uint32_t part_of(uint64_t hash)
{
    return (uint32_t)(hash >> (63 - IBID_STORE_PART_BITS));
}

static int64_t block_id(int64_t run, uint32_t part)
{
    return (int64_t)((uint64_t)run << IBID_STORE_PART_BITS | part);
}

/* Step a statement that returns no row, then reset it. */
static int run_stmt(ibid_store *s, sqlite3_stmt *st, const char *what, ibid_error *err)
{
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : ibid_store_sqlerr(s, err, what);
}

/* The runs, in run order, with their entry counts. Returns SQLITE_DONE or the step's error. */
typedef struct {
    int64_t run, n;
} run_info;

static int read_runs(sqlite3 *db, run_info **out, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    run_info *r = NULL;
    size_t n = 0, m = 0;
    int step;
    *out = NULL;
    *n_out = 0;
    if ((step = sqlite3_prepare_v2(db, "SELECT run, n FROM gram_runs ORDER BY run", -1, &st,
                                   NULL)) != SQLITE_OK)
        return step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        IBID_GROW(r, m, n + 1);
        r[n++] = (run_info){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        free(r);
        return step;
    }
    *out = r;
    *n_out = n;
    return SQLITE_DONE;
}

/* ---- lookups ---- */

/* Votes are 64-bit (a << 32 | b): new document a, and a stored document's rowid (the index
 * holds rowids of at most 32 bits) or a later new document's index. */
typedef struct {
    const uint64_t *v;
    size_t n;
} votes;

typedef struct {
    const size_t *beg; /* new document a's votes are b[beg[a], beg[a + 1]) */
    uint32_t *b;
    size_t *kept;   /* pairs of a kept, at the start of its votes */
    uint32_t **tmp; /* per thread */
} count_job;

static void count_one(void *ud, size_t a, int tid)
{
    count_job *j = ud;
    uint32_t *b = j->b + j->beg[a];
    size_t n = j->beg[a + 1] - j->beg[a], k = 0;
    ibid_u32_sort(b, j->tmp[tid], n);
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && b[e] == b[i]) e++;
        if (e - i >= IBID_STORE_CAND_MIN) b[k++] = b[i];
        i = e;
    }
    j->kept[a] = k;
}

/* The pairs with at least IBID_STORE_CAND_MIN of the votes in v[0, n_v) (the parts' lists),
 * once each, sorted by (a, b), malloc'd in *out. The votes are bucketed by a (a < n_a), and each
 * bucket sorted on its own. Returns the number of pairs. */
static size_t count_votes(const votes *v, size_t n_v, size_t n_a, int n_threads,
                          ibid_store_cand **out)
{
    size_t *beg = ibid_xcalloc(n_a + 2, sizeof *beg), n = 0, max = 0;
    for (size_t p = 0; p < n_v; p++)
        for (size_t i = 0; i < v[p].n; i++) beg[(v[p].v[i] >> 32) + 2]++;
    for (size_t a = 0; a < n_a; a++) {
        if (beg[a + 2] > max) max = beg[a + 2];
        beg[a + 2] += beg[a + 1];
    }
    n = beg[n_a + 1];
    uint32_t *b = ibid_xmalloc((n ? n : 1) * sizeof *b);
    for (size_t p = 0; p < n_v; p++) /* beg[a + 1] moves from a's start to its end */
        for (size_t i = 0; i < v[p].n; i++) b[beg[(v[p].v[i] >> 32) + 1]++] = (uint32_t)v[p].v[i];
    int nt = n_threads > 1 && n > 65536 ? n_threads : 1;
    count_job j = {beg, b, ibid_xmalloc((n_a ? n_a : 1) * sizeof *j.kept),
                   ibid_xmalloc((size_t)nt * sizeof *j.tmp)};
    for (int t = 0; t < nt; t++) j.tmp[t] = ibid_xmalloc((max ? max : 1) * sizeof **j.tmp);
    ibid_parallel_for(nt, n_a, count_one, &j);
    size_t k = 0;
    for (size_t a = 0; a < n_a; a++) k += j.kept[a];
    ibid_store_cand *c = ibid_xmalloc((k ? k : 1) * sizeof *c);
    k = 0;
    for (size_t a = 0; a < n_a; a++)
        for (size_t i = 0; i < j.kept[a]; i++)
            c[k++] = (ibid_store_cand){(uint32_t)a, b[beg[a] + i]};
    for (int t = 0; t < nt; t++) free(j.tmp[t]);
    free(j.tmp);
    free(j.kept);
    free(b);
    free(beg);
    *out = c;
    return k;
}

/* The lookups of rec[beg, end) (whole runs of one hash) on one connection, and their votes. */
typedef struct {
    sqlite3 *db;              /* the connection: the store's, or one opened for this part */
    sqlite3_stmt *one, *scan; /* a block by rowid; the blocks of a rowid range */
    size_t beg, end;          /* rec[beg, end) */
    uint64_t *sv, *fv;        /* votes: new x stored, new x new */
    size_t n_sv, n_fv;
    int step; /* SQLITE_DONE, or the failed step's code */
} lookup_part;

typedef struct {
    const ibid_rec *rec;
    size_t max_df;
    int scan; /* ibid_store.scan_blocks */
    const int64_t *exclude;
    size_t n_exclude;
    const char *path; /* the store's file, for the parts' own connections */
    lookup_part *part;
} lookup_job;

/* The distinct hashes of a lookup range and what the runs hold of each. */
typedef struct {
    uint64_t *hash;   /* distinct hashes, ascending */
    size_t *first;    /* hash[i] is rec[first[i], first[i + 1]) */
    uint32_t *n_docs; /* stored documents found holding hash[i] (counting stops past max_df) */
    size_t n;
    uint64_t *found; /* (i << 32 | doc): the documents found, by run, each run in hash order */
    size_t n_found, m_found;
    const lookup_job *j;
} hits;

/* Match the hashes hash[lo, hi) (all in one part) against one block's entries, both sorted, by
 * the bits an entry keeps. */
static void match_block(hits *h, size_t lo, size_t hi, const unsigned char *e, size_t n_e)
{
    const lookup_job *j = h->j;
    size_t x = 0, x_key = 0; /* x_key: where the previous hash's entries began */
    for (size_t i = lo; i < hi; i++) {
        uint32_t key = sub_of(h->hash[i]);
        if (i > lo && key == sub_of(h->hash[i - 1])) x = x_key; /* the same entries again */
        if (x >= n_e) break;
        /* gallop when the block is much larger than the hashes (a query), else step */
        if (n_e - x > 64 && entry_sub(e + (x + 32) * ENTRY) < key) {
            size_t a = x + 32, b = n_e;
            while (a + 1 < b) {
                size_t mid = a + (b - a) / 2;
                if (entry_sub(e + mid * ENTRY) < key)
                    a = mid;
                else
                    b = mid;
            }
            x = a;
        }
        while (x < n_e && entry_sub(e + x * ENTRY) < key) x++;
        x_key = x;
        size_t n_here = h->first[i + 1] - h->first[i];
        for (; x < n_e && entry_sub(e + x * ENTRY) == key; x++) {
            if (h->n_docs[i] + n_here > j->max_df) continue; /* boilerplate: counted enough */
            int64_t d = entry_doc(e + x * ENTRY);
            if (j->n_exclude && bsearch(&d, j->exclude, j->n_exclude, sizeof d, ibid_store_cmp_i64))
                continue;
            h->n_docs[i]++;
            IBID_GROW(h->found, h->m_found, h->n_found + 1); /* room made by lookup */
            h->found[h->n_found++] = (uint64_t)i << 32 | (uint64_t)d;
        }
    }
}

static void lookup(lookup_job *j, lookup_part *p)
{
    const ibid_rec *rec = j->rec;
    hits h = {0};
    run_info *runs = NULL;
    size_t n_runs = 0;
    h.j = j;
    p->step = SQLITE_DONE;
    /* the distinct hashes */
    for (size_t i = p->beg; i < p->end; i++)
        if (i == p->beg || rec[i].key != rec[i - 1].key) h.n++;
    h.hash = ibid_xmalloc((h.n + 1) * sizeof *h.hash);
    h.first = ibid_xmalloc((h.n + 1) * sizeof *h.first);
    h.n_docs = ibid_xcalloc(h.n + 1, sizeof *h.n_docs);
    h.n = 0;
    for (size_t i = p->beg; i < p->end; i++)
        if (i == p->beg || rec[i].key != rec[i - 1].key) {
            h.hash[h.n] = rec[i].key;
            h.first[h.n++] = i;
        }
    h.first[h.n] = p->end;
    size_t n_parts = 0;
    for (size_t i = 0; i < h.n; i++)
        if (i == 0 || part_of(h.hash[i]) != part_of(h.hash[i - 1])) n_parts++;

    if (h.n && (p->step = read_runs(p->db, &runs, &n_runs)) != SQLITE_DONE) goto done;
    /* room for every document found, made once rather than grown: a hash finds at most max_df
     * of them, and the runs hold no more than their entries (the bound can be hundreds of MB
     * for a batch, of which only the pages written are ever touched) */
    for (size_t r = 0; r < n_runs; r++) h.m_found += (size_t)runs[r].n;
    if (h.m_found > h.n * j->max_df) h.m_found = h.n * j->max_df;
    h.found = ibid_xmalloc((h.m_found + 1) * sizeof *h.found);
    for (size_t r = 0; r < n_runs && h.n; r++) {
        /* scan the run's blocks of the parts in range when most are needed, else read each */
        uint32_t p0 = part_of(h.hash[0]), p1 = part_of(h.hash[h.n - 1]);
        int scan = j->scan >= 0 ? j->scan : n_parts * 4 > (size_t)(p1 - p0 + 1);
        sqlite3_stmt *st = scan ? p->scan : p->one;
        if (scan) {
            sqlite3_bind_int64(st, 1, block_id(runs[r].run, p0));
            sqlite3_bind_int64(st, 2, block_id(runs[r].run, p1));
        }
        size_t i = 0;
        while (i < h.n) {
            if (!scan) sqlite3_bind_int64(st, 1, block_id(runs[r].run, part_of(h.hash[i])));
            int step = sqlite3_step(st);
            if (step != SQLITE_ROW) {
                if (step != SQLITE_DONE) {
                    p->step = step;
                    sqlite3_reset(st);
                    goto done;
                }
                if (scan) break;
                /* no block of this part in the run: skip its hashes */
                uint32_t part = part_of(h.hash[i]);
                while (i < h.n && part_of(h.hash[i]) == part) i++;
                sqlite3_reset(st);
                continue;
            }
            uint32_t part = (uint32_t)(sqlite3_column_int64(st, 0) & PART_MASK);
            while (i < h.n && part_of(h.hash[i]) < part) i++;
            size_t lo = i;
            while (i < h.n && part_of(h.hash[i]) == part) i++;
            if (i > lo) {
                size_t n_e = (size_t)sqlite3_column_bytes(st, 1) / ENTRY;
                const unsigned char *e = sqlite3_column_blob(st, 1);
                if (e) match_block(&h, lo, i, e, n_e);
            }
            if (!scan) sqlite3_reset(st);
        }
        sqlite3_reset(st);
    }

    /* the documents of each hash together (one run's are already); the sort is stable, so the
     * votes come out the same whatever the order of the runs' blocks */
    if (n_runs > 1 && h.n_found > 1) {
        uint64_t *tmp = ibid_xmalloc(h.n_found * sizeof *tmp);
        ibid_u64_sort_hi(h.found, tmp, h.n_found);
        free(tmp);
    }
    /* the votes, counted first so that each list is allocated once */
    for (size_t i = 0; i < h.n; i++) {
        size_t m = h.first[i + 1] - h.first[i];
        if (h.n_docs[i] + m > j->max_df) continue;
        p->n_sv += m * h.n_docs[i];
        p->n_fv += m * (m - 1) / 2;
    }
    p->sv = ibid_xmalloc((p->n_sv ? p->n_sv : 1) * sizeof *p->sv);
    p->fv = ibid_xmalloc((p->n_fv ? p->n_fv : 1) * sizeof *p->fv);
    size_t n_sv = 0, n_fv = 0;
    for (size_t f = 0, i = 0; i < h.n; i++) {
        size_t f0 = f;
        f += h.n_docs[i];
        size_t a = h.first[i], b = h.first[i + 1];
        if (h.n_docs[i] + (b - a) > j->max_df) continue;
        for (size_t x = a; x < b; x++) {
            uint64_t hi = (uint64_t)rec[x].x << 32;
            for (size_t y = f0; y < f; y++) p->sv[n_sv++] = hi | (h.found[y] & UINT32_MAX);
            for (size_t y = x + 1; y < b; y++) p->fv[n_fv++] = hi | rec[y].x;
        }
    }
    assert(n_sv == p->n_sv && n_fv == p->n_fv);
done:
    free(runs);
    free(h.hash);
    free(h.first);
    free(h.n_docs);
    free(h.found);
}

static int prepare_lookup(lookup_part *p)
{
    int rc = sqlite3_prepare_v2(p->db, IBID_STORE_BLOCK_SQL, -1, &p->one, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(p->db, IBID_STORE_BLOCKS_SQL, -1, &p->scan, NULL);
    return rc;
}

/* A part on its own read-only connection, in its own read transaction, with a reader's small
 * page cache and no mmap (store_add.c's open_reader says why). The batch's writer holds the
 * write lock but has made nothing visible yet, so this reads the state the writer read. */
static void lookup_own(void *ud, size_t i, int tid)
{
    (void)tid;
    lookup_job *j = ud;
    lookup_part *p = &j->part[i];
    p->step = SQLITE_CANTOPEN;
    if (ibid_store_open_part(j->path, &p->db) != SQLITE_OK || prepare_lookup(p) != SQLITE_OK)
        return;
    lookup(j, p);
    sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
}

int ibid_store_candidates(ibid_store *s, const ibid_rec *rec, size_t n_rec, size_t n_new,
                          const int64_t *exclude, size_t n_exclude, ibid_store_cand **stored,
                          size_t *n_stored, ibid_store_cand **fresh, size_t *n_fresh,
                          ibid_error *err)
{
    int rc = 0;
    /* parts cut at hash boundaries; each makes its votes, counted in part order */
    size_t n_part =
        n_rec >= s->parallel_lookups && s->opts.n_threads > 1 ? (size_t)s->opts.n_threads : 1;
    lookup_part *part = ibid_xcalloc(n_part, sizeof *part);
    lookup_job job = {rec, (size_t)s->opts.max_df, s->scan_blocks, exclude, n_exclude, s->path,
                      part};
    for (size_t t = 0, at = 0; t < n_part; t++) {
        size_t end = t + 1 == n_part ? n_rec : n_rec / n_part * (t + 1);
        if (end < at) end = at;
        while (end > 0 && end < n_rec && rec[end].key == rec[end - 1].key) end++;
        part[t].beg = at;
        part[t].end = at = end;
    }
    if (n_part == 1) {
        part[0].db = s->db;
        part[0].one = s->st_block;
        part[0].scan = s->st_blocks;
        lookup(&job, &part[0]);
    } else {
        ibid_parallel_for(s->opts.n_threads, n_part, lookup_own, &job);
    }
    votes *sv = ibid_xmalloc(n_part * sizeof *sv), *fv = ibid_xmalloc(n_part * sizeof *fv);
    for (size_t t = 0; t < n_part; t++) {
        if (part[t].step != SQLITE_DONE && rc == 0)
            rc = n_part == 1 ? ibid_store_sqlerr(s, err, "cannot read the n-gram index")
                             : ibid_fail(err, IBID_EIO, s->path, 0, 0,
                                         "cannot read the n-gram index: %s (SQLite error %d)",
                                         part[t].db ? sqlite3_errmsg(part[t].db) : "no memory",
                                         part[t].step);
        sv[t] = (votes){part[t].sv, part[t].n_sv};
        fv[t] = (votes){part[t].fv, part[t].n_fv};
    }
    if (rc == 0) {
        *n_stored = count_votes(sv, n_part, n_new, s->opts.n_threads, stored);
        *n_fresh = count_votes(fv, n_part, n_new, s->opts.n_threads, fresh);
    }
    for (size_t t = 0; t < n_part; t++) {
        free(part[t].sv);
        free(part[t].fv);
        if (n_part > 1) {
            sqlite3_finalize(part[t].one);
            sqlite3_finalize(part[t].scan);
            sqlite3_close(part[t].db);
        }
    }
    free(sv);
    free(fv);
    free(part);
    return rc;
}

/* ---- writing ---- */

typedef struct {
    sqlite3_stmt *one, *ins, *del, *upd, *del_run;
    unsigned char *buf; /* a block read by get_block */
    size_t n, m;
} block_io;

static int prepare_io(ibid_store *s, block_io *b, ibid_error *err)
{
    memset(b, 0, sizeof *b);
    if (sqlite3_prepare_v2(s->db, IBID_STORE_BLOCK_SQL, -1, &b->one, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT INTO gram_blocks(block, data) VALUES (?1, ?2)", -1,
                           &b->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM gram_blocks WHERE block = ?1", -1, &b->del, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE gram_blocks SET data = ?2 WHERE block = ?1", -1, &b->upd,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM gram_blocks WHERE block BETWEEN ?1 AND ?2", -1,
                           &b->del_run, NULL) != SQLITE_OK)
        return ibid_store_sqlerr(s, err, "cannot prepare the n-gram index statements");
    return 0;
}

static void finalize_io(block_io *b)
{
    sqlite3_finalize(b->one);
    sqlite3_finalize(b->ins);
    sqlite3_finalize(b->del);
    sqlite3_finalize(b->upd);
    sqlite3_finalize(b->del_run);
    free(b->buf);
}

/* Read block `block` into b->buf[0, b->n) (n = 0 when there is none). */
static int get_block(ibid_store *s, block_io *b, int64_t block, ibid_error *err)
{
    b->n = 0;
    sqlite3_bind_int64(b->one, 1, block);
    int step = sqlite3_step(b->one);
    if (step == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(b->one, 1);
        n -= n % ENTRY;
        IBID_GROW(b->buf, b->m, n + 1);
        if (n) memcpy(b->buf, sqlite3_column_blob(b->one, 1), n);
        b->n = n;
        step = sqlite3_step(b->one);
    }
    sqlite3_reset(b->one);
    return step == SQLITE_DONE ? 0 : ibid_store_sqlerr(s, err, "cannot read the n-gram index");
}

static int put_block(ibid_store *s, sqlite3_stmt *st, int64_t block, const unsigned char *data,
                     size_t n, ibid_error *err)
{
    sqlite3_bind_int64(st, 1, block);
    sqlite3_bind_blob(st, 2, data, (int)n, SQLITE_STATIC);
    return run_stmt(s, st, "cannot write the n-gram index", err);
}

/* Merge sorted entry arrays a[0, na) and b[0, nb) into out (room for na + nb). */
static void merge_entries(const unsigned char *a, size_t na, const unsigned char *b, size_t nb,
                          unsigned char *out)
{
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        int take_a = entry_val(a + i * ENTRY) <= entry_val(b + j * ENTRY);
        memcpy(out, take_a ? a + i++ * ENTRY : b + j++ * ENTRY, ENTRY);
        out += ENTRY;
    }
    if (i < na) memcpy(out, a + i * ENTRY, (na - i) * ENTRY);
    if (j < nb) memcpy(out + (na - i) * ENTRY, b + j * ENTRY, (nb - j) * ENTRY);
}

/* ibid_store_index_add, or with stage_only ibid_store_index_stage. */
static int index_add(ibid_store *s, const ibid_rec *grams, size_t n_grams, const int64_t *rowid,
                     int64_t run, int stage_only, size_t *n_staged, ibid_error *err)
{
    int rc = 0;
    run_info *runs = NULL;
    size_t n_runs = 0;
    block_io b;
    unsigned char *ent = NULL, *tmp = NULL, *mrg = NULL;
    size_t m_tmp = 0, m_mrg = 0;
    int64_t *merged = NULL; /* the runs merged into this one, in run order */
    size_t n_merged = 0;
    sqlite3_stmt *st = NULL;
    if ((rc = prepare_io(s, &b, err)) < 0) goto done;
    if (read_runs(s->db, &runs, &n_runs) != SQLITE_DONE) {
        rc = ibid_store_sqlerr(s, err, "cannot read the index runs");
        goto done;
    }
    assert(n_runs == 0 || runs[n_runs - 1].run < run);

    /* the batch's entries, sorted by (hash, doc): grams come sorted by (hash, batch index), and
     * rowids grow with the batch index */
    ent = ibid_xmalloc((n_grams ? n_grams : 1) * ENTRY);
    for (size_t k = 0; k < n_grams; k++) {
        int64_t d = rowid[grams[k].x];
        if (d < 0 || d > UINT32_MAX) {
            rc = ibid_fail(err, IBID_EINVAL, s->path, 0, 0,
                           "document rowid %lld is past the n-gram index's 32-bit limit",
                           (long long)d);
            goto done;
        }
        put_entry(ent + k * ENTRY, grams[k].key, (uint32_t)d);
    }

    /* which runs this one absorbs */
    size_t largest = 0;
    int64_t rest = (int64_t)n_grams;
    for (size_t r = 0; r < n_runs; r++)
        if (runs[r].n > runs[largest].n) largest = r;
    for (size_t r = 0; r < n_runs; r++)
        if (r != largest) rest += runs[r].n;
    merged = ibid_xmalloc((n_runs ? n_runs : 1) * sizeof *merged);
    int merging = n_runs && (rest * IBID_STORE_MERGE_RATIO > runs[largest].n ||
                             n_runs >= IBID_STORE_MAX_RUNS);
    if (stage_only && merging) goto done; /* rc 0: not staged */
    if (n_runs && rest * IBID_STORE_MERGE_RATIO > runs[largest].n) {
        for (size_t r = 0; r < n_runs; r++) merged[n_merged++] = runs[r].run;
    } else if (n_runs >= IBID_STORE_MAX_RUNS) {
        for (size_t r = 0; r < n_runs; r++)
            if (r != largest) merged[n_merged++] = runs[r].run;
    }
    int64_t n_total = 0; /* the run's entries: the batch's, then those of the runs it absorbs */

    /* the run's blocks in part order, so that they append to the table */
    size_t k = 0;
    for (uint32_t part = 0; part < IBID_STORE_PARTS; part++) {
        size_t k0 = k;
        while (k < n_grams && part_of(grams[k].key) == part) k++;
        size_t n_tmp = normalize_entries(ent + k0 * ENTRY, k - k0);
        const unsigned char *data = ent + k0 * ENTRY;
        n_total += (int64_t)n_tmp;
        if (n_merged) {
            IBID_GROW(tmp, m_tmp, n_tmp * ENTRY + 1);
            if (n_tmp) memcpy(tmp, data, n_tmp * ENTRY);
            for (size_t r = 0; r < n_merged; r++) {
                if ((rc = get_block(s, &b, block_id(merged[r], part), err)) < 0) goto done;
                if (b.n == 0) continue;
                size_t n_r = b.n / ENTRY;
                IBID_GROW(mrg, m_mrg, (n_tmp + n_r) * ENTRY + 1);
                merge_entries(tmp, n_tmp, b.buf, n_r, mrg);
                unsigned char *x = tmp;
                size_t mx = m_tmp;
                tmp = mrg, m_tmp = m_mrg;
                mrg = x, m_mrg = mx;
                n_tmp += n_r;
            }
            data = tmp;
        } else if (n_tmp == 0) { /* on to the batch's next part */
            if (k == n_grams) break;
            part = part_of(grams[k].key) - 1;
            continue;
        }
        if (n_tmp && (rc = put_block(s, b.ins, block_id(run, part), data, n_tmp * ENTRY, err)) < 0)
            goto done;
    }

    /* the absorbed runs go; the runs table */
    for (size_t r = 0; r < n_merged; r++) {
        sqlite3_bind_int64(b.del_run, 1, block_id(merged[r], 0));
        sqlite3_bind_int64(b.del_run, 2, block_id(merged[r], PART_MASK));
        if ((rc = run_stmt(s, b.del_run, "cannot write the n-gram index", err)) < 0) goto done;
    }
    if (sqlite3_prepare_v2(s->db, "DELETE FROM gram_runs WHERE run = ?1", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot update the index runs");
        goto done;
    }
    for (size_t r = 0; r < n_runs && rc == 0; r++) {
        if (!bsearch(&runs[r].run, merged, n_merged, sizeof runs[r].run, ibid_store_cmp_i64))
            continue;
        n_total += runs[r].n;
        sqlite3_bind_int64(st, 1, runs[r].run);
        rc = run_stmt(s, st, "cannot update the index runs", err);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc < 0) goto done;
    if (stage_only) {
        *n_staged = (size_t)n_total;
        rc = 1;
        goto done;
    }
    if (n_total == 0) goto done;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO gram_runs(run, n) VALUES (?1, ?2)", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot update the index runs");
        goto done;
    }
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, n_total);
    rc = run_stmt(s, st, "cannot update the index runs", err);
done:
    sqlite3_finalize(st);
    finalize_io(&b);
    free(runs);
    free(ent);
    free(tmp);
    free(mrg);
    free(merged);
    return rc;
}

int ibid_store_index_add(ibid_store *s, const ibid_rec *grams, size_t n_grams, const int64_t *rowid,
                         int64_t run, ibid_error *err)
{
    return index_add(s, grams, n_grams, rowid, run, 0, NULL, err);
}

int ibid_store_index_stage(ibid_store *s, const ibid_rec *grams, size_t n_grams,
                           const int64_t *rowid, int64_t run, size_t *n_staged, ibid_error *err)
{
    return index_add(s, grams, n_grams, rowid, run, 1, n_staged, err);
}

int ibid_store_index_publish(ibid_store *s, int64_t run, size_t n_entries, ibid_error *err)
{
    if (n_entries == 0) return 0;
    char sql[96];
    snprintf(sql, sizeof sql, "INSERT INTO gram_runs(run, n) VALUES (%lld, %lld)", (long long)run,
             (long long)n_entries);
    return ibid_store_exec(s, sql, err);
}

int ibid_store_discard_staged(ibid_store *s, ibid_error *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM texts WHERE doc > (SELECT coalesce(max(doc), 0) FROM docs); "
             "DELETE FROM gram_blocks WHERE block >= "
             "((SELECT coalesce(max(run), 0) FROM gram_runs) + 1) << %d",
             IBID_STORE_PART_BITS);
    return ibid_store_exec(s, sql, err);
}

int ibid_store_index_remove(ibid_store *s, int64_t doc, const uint64_t *sk, size_t n_sk,
                            ibid_error *err)
{
    int rc = 0;
    block_io b;
    run_info *runs = NULL;
    size_t n_runs = 0;
    unsigned char *keep = NULL;
    size_t m_keep = 0;
    sqlite3_stmt *cnt = NULL;
    if ((rc = prepare_io(s, &b, err)) < 0) goto done;
    if (read_runs(s->db, &runs, &n_runs) != SQLITE_DONE ||
        sqlite3_prepare_v2(s->db, "UPDATE gram_runs SET n = n - ?2 WHERE run = ?1", -1, &cnt,
                           NULL) != SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot update the index runs");
        goto done;
    }
    /* a document's entries are its sketch: visit the parts it falls in, drop its entries */
    for (size_t i = 0; i < n_sk; i++) {
        uint32_t part = part_of(sk[i]);
        if (i > 0 && part_of(sk[i - 1]) == part) continue;
        for (size_t r = 0; r < n_runs; r++) {
            int64_t block = block_id(runs[r].run, part);
            if ((rc = get_block(s, &b, block, err)) < 0) goto done;
            size_t n_e = b.n / ENTRY, n_k = 0;
            IBID_GROW(keep, m_keep, b.n + 1);
            for (size_t x = 0; x < n_e; x++)
                if ((int64_t)entry_doc(b.buf + x * ENTRY) != doc)
                    memcpy(keep + n_k++ * ENTRY, b.buf + x * ENTRY, ENTRY);
            if (n_k == n_e) continue;
            if (n_k == 0) {
                sqlite3_bind_int64(b.del, 1, block);
                rc = run_stmt(s, b.del, "cannot write the n-gram index", err);
            } else {
                rc = put_block(s, b.upd, block, keep, n_k * ENTRY, err);
            }
            if (rc < 0) goto done;
            sqlite3_bind_int64(cnt, 1, runs[r].run);
            sqlite3_bind_int64(cnt, 2, (int64_t)(n_e - n_k));
            if ((rc = run_stmt(s, cnt, "cannot update the index runs", err)) < 0) goto done;
        }
    }
done:
    sqlite3_finalize(cnt);
    finalize_io(&b);
    free(runs);
    free(keep);
    return rc;
}

/* Version 3's entries (schema versions 3 and 4): the whole hash as 8 bytes little-endian, then
 * the document as 4; blocks sorted by (hash, doc). */
#define ENTRY_V3 12

static void put_entry_v3(unsigned char *e, uint64_t hash, uint32_t doc)
{
    uint64_t h = htole64(hash);
    uint32_t d = htole32(doc);
    memcpy(e, &h, 8);
    memcpy(e + 8, &d, 4);
}

/* Version 2's index (tables grams and grams_recent, one row per entry, its hashes unmixed) as
 * one run of blocks, in version 3's entries (the migration to version 5 rewrites them). */
int ibid_store_index_from_v2(ibid_store *s, ibid_error *err)
{
    int rc = 0;
    sqlite3_stmt *st = NULL;
    block_io b;
    ibid_rec *r = NULL;
    unsigned char *buf = NULL;
    size_t n = 0, m = 0, m_buf = 0;
    int64_t run = 1;
    if ((rc = prepare_io(s, &b, err)) < 0) goto done;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(batch), 1) FROM batches", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        run = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(
            s->db, "SELECT hash, doc FROM grams UNION ALL SELECT hash, doc FROM grams_recent", -1,
            &st, NULL) != SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot read the version 2 index");
        goto done;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t h = sqlite3_column_int64(st, 0), d = sqlite3_column_int64(st, 1);
        if (h < 0 || d < 0 || d > UINT32_MAX) {
            rc = ibid_fail(err, IBID_EIO, s->path, 0, 0, "a version 2 index row is out of range");
            goto done;
        }
        IBID_GROW(r, m, n + 1);
        r[n++] = (ibid_rec){mix63((uint64_t)h), (uint32_t)d, 0};
    }
    if (step != SQLITE_DONE) {
        rc = ibid_store_sqlerr(s, err, "cannot read the version 2 index");
        goto done;
    }
    ibid_rec_sort(r, n, s->opts.n_threads);
    for (size_t i = 0; i < n;) {
        uint32_t part = part_of(r[i].key);
        size_t k = i;
        while (k < n && part_of(r[k].key) == part) k++;
        IBID_GROW(buf, m_buf, (k - i) * ENTRY_V3);
        for (size_t x = i; x < k; x++) put_entry_v3(buf + (x - i) * ENTRY_V3, r[x].key, r[x].x);
        if ((rc = put_block(s, b.ins, block_id(run, part), buf, (k - i) * ENTRY_V3, err)) < 0)
            goto done;
        i = k;
    }
    if (n > 0) {
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO gram_runs(run, n) VALUES (%lld, %lld)",
                 (long long)run, (long long)n);
        rc = ibid_store_exec(s, sql, err);
    }
done:
    sqlite3_finalize(st);
    finalize_io(&b);
    free(r);
    free(buf);
    return rc;
}

/* Version 3's 12-byte entries rewritten as this version's 8-byte ones, block by block; the runs'
 * counts lose the repeats this makes (two hashes of one document that agree on the kept bits). */
int ibid_store_index_to_v5(ibid_store *s, ibid_error *err)
{
    int rc = 0, step;
    sqlite3_stmt *ids = NULL, *get = NULL, *put = NULL, *cnt = NULL;
    int64_t *blk = NULL;
    size_t n_blk = 0, m_blk = 0, m_v = 0;
    uint64_t *v = NULL;
    unsigned char *buf = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT block FROM gram_blocks ORDER BY block", -1, &ids, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(s->db, IBID_STORE_BLOCK_SQL, -1, &get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE gram_blocks SET data = ?2 WHERE block = ?1", -1, &put,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE gram_runs SET n = n - ?2 WHERE run = ?1", -1, &cnt,
                           NULL) != SQLITE_OK) {
        rc = ibid_store_sqlerr(s, err, "cannot rewrite the n-gram index");
        goto done;
    }
    while ((step = sqlite3_step(ids)) == SQLITE_ROW) {
        IBID_GROW(blk, m_blk, n_blk + 1);
        blk[n_blk++] = sqlite3_column_int64(ids, 0);
    }
    if (step != SQLITE_DONE) {
        rc = ibid_store_sqlerr(s, err, "cannot rewrite the n-gram index");
        goto done;
    }
    for (size_t i = 0; i < n_blk && rc == 0; i++) {
        sqlite3_bind_int64(get, 1, blk[i]);
        if (sqlite3_step(get) != SQLITE_ROW) {
            sqlite3_reset(get);
            rc = ibid_store_sqlerr(s, err, "cannot rewrite the n-gram index");
            break;
        }
        const unsigned char *d = sqlite3_column_blob(get, 1);
        size_t n = (size_t)sqlite3_column_bytes(get, 1), n_e = n / ENTRY_V3, m = 0;
        if (n % ENTRY_V3) {
            sqlite3_reset(get);
            rc = ibid_fail(err, IBID_EIO, s->path, 0, 0,
                           "n-gram index block %lld: %zu bytes, not whole 12-byte entries",
                           (long long)blk[i], n);
            break;
        }
        IBID_GROW(v, m_v, n_e + 1);
        for (size_t k = 0; k < n_e; k++) {
            uint64_t h;
            uint32_t doc;
            memcpy(&h, d + k * ENTRY_V3, 8);
            memcpy(&doc, d + k * ENTRY_V3 + 8, 4);
            v[k] = (uint64_t)sub_of(le64toh(h)) << 32 | le32toh(doc);
        }
        sqlite3_reset(get);
        qsort(v, n_e, sizeof *v, ibid_cmp_u64);
        for (size_t k = 0; k < n_e; k++)
            if (m == 0 || v[k] != v[m - 1]) v[m++] = v[k];
        buf = ibid_xrealloc(buf, m * ENTRY + 1);
        for (size_t k = 0; k < m; k++) put_val(buf + k * ENTRY, v[k]);
        sqlite3_bind_int64(put, 1, blk[i]);
        sqlite3_bind_blob(put, 2, buf, (int)(m * ENTRY), SQLITE_STATIC);
        if ((rc = run_stmt(s, put, "cannot rewrite the n-gram index", err)) < 0) break;
        if (m < n_e) {
            sqlite3_bind_int64(cnt, 1, blk[i] >> IBID_STORE_PART_BITS);
            sqlite3_bind_int64(cnt, 2, (int64_t)(n_e - m));
            rc = run_stmt(s, cnt, "cannot rewrite the n-gram index", err);
        }
    }
done:
    sqlite3_finalize(ids);
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    sqlite3_finalize(cnt);
    free(blk);
    free(v);
    free(buf);
    return rc;
}
