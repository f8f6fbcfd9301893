/*
 * dedup.c: exact and near-duplicate documents at corpus scale, in clusters with one survivor.
 *
 * The job, as in the near-duplicate detection of Broder ("On the resemblance and containment of
 * documents", 1997) and the MinHash-LSH deduplication of large training corpora (Lee et al.,
 * "Deduplicating Training Data Makes Language Models Better", ACL 2022):
 *
 *   1. Read (docstream.c): batches of documents, never the whole corpus; with n_threads > 1
 *      the JSON Lines reader takes and parses the next batch on its own thread meanwhile. For
 *      each document, on n_threads threads: the token hashes of its normalized words
 *      (tokenize.c), their 64-bit hash (the exact key: equal normalized texts, equal key), its
 *      word n-gram shingles in text order, its MinHash signature and the signature's band keys
 *      (minhash.c). Each thread's shingles for the batch are appended to a temporary file in
 *      one write. (Keeping them in memory instead was slower: 2 GB of new pages to fault in
 *      and zero, against a page cache the kernel fills without zeroing.) Then, in input
 *      order, on one thread: a document whose exact key was seen
 *      joins the first document with that key and goes no further; any other gives its band
 *      keys, as records {key, document}, to a spill bag (spill.c) that writes sorted runs to
 *      disk once its buffer is full.
 *   2. Candidates: the bag is read back in key order (a k-way merge); documents sharing a key
 *      are candidates. A bucket of m <= 16 documents gives all its pairs; a larger one (a
 *      cluster of many copies, or text every document has) gives each document paired with the
 *      bucket's first and with its predecessor: enough to connect a cluster, linear in m. The
 *      pairs go to a second spill bag, so the same pair found by several bands is read once.
 *   3. Verify: distinct pairs, in order, in blocks of 64K; a pair whose documents are already
 *      in one cluster is skipped; the others are compared on n_threads threads by the exact
 *      Jaccard (or containment) of their shingle sets: the stored shingles, sorted and rid of
 *      repeats only now (sorting every document's while reading took a tenth of the time). A pair
 * at or above the threshold joins the two clusters (unionfind.c).
 *   4. Survivors: per cluster, the document chosen by o->keep.
 *
 * Every step is deterministic: batches and blocks are processed in order, item i of a parallel
 * loop writes only slot i, spill order is a total order, and a cluster's root is its smallest
 * document whatever the order of unions. So clusters and survivors do not depend on the thread
 * count or on the memory budget (how many runs were spilled).
 *
 * Memory: o->memory bounds the two bags (each at most a quarter of it while filling, half
 * while merging; the band bag is freed before the pair bag is merged). Beyond it: two batches
 * of text (the reader's 32 MiB line buffers and the documents parsed from them), each thread's
 * shingle buffer for a batch, and per document about 100 bytes (a 48-byte record, the
 * union-find parent, its survivor, 24 to 48 bytes of exact-key table) plus its id and, for
 * --keep oldest, its date. The shingles (4 bytes a word n-gram, repeats and exact copies
 * included) are in the temporary file, read back with pread.
 */
#include "ibid_int.h"

#include <errno.h>
#include <jansson.h>
#include <unistd.h>
#include <xxhash.h>

#define GROUP_ALL_PAIRS 16
#define VERIFY_BLOCK    ((size_t)1 << 16)
#define NO_DATE         UINT64_MAX

/* One document, as kept between the passes. */
typedef struct ddoc {
    uint64_t sh_off;   /* its first shingle in the shingle file, in shingles */
    uint64_t id_off;   /* its id in d->ids */
    uint64_t date_off; /* its date in d->dates, or NO_DATE */
    uint64_t n_bytes;  /* text bytes */
    uint32_t n_sh;     /* shingles stored, in text order, repeats included */
    uint32_t exact;    /* the first document with the same exact key (itself if none) */
    uint32_t source;   /* index in d->sources */
    uint32_t line_no;  /* line in a JSON Lines source, 0 for a text file */
} ddoc;

typedef struct dsource {
    char *path;
    int is_jsonl;
} dsource;

struct ibid_dedup {
    ibid_dedup_opts o;
    ibid_read_opts ro;
    ibid_dedup_stats st;
    size_t n_doc, m_doc;
    ddoc *doc;
    char *ids, *dates; /* NUL-terminated strings, back to back */
    size_t n_ids, m_ids, n_dates, m_dates;
    size_t n_src, m_src;
    dsource *src;
    size_t n_skip, m_skip;
    ibid_error *skip;
    ibid_uf uf;
    uint32_t *surv;     /* the survivor of each document's cluster */
    double *member_sim; /* MPI runs: each document's similarity to its survivor, or NULL */
    int sh_fd;          /* the shingle file */
    uint64_t n_sh;      /* shingles written to it */
    /* the exact keys seen: open addressing, key -> document + 1 */
    size_t m_ex;
    uint64_t *ex_key;
    uint32_t *ex_doc;
    size_t n_ex;
};

void ibid_dedup_opts_init(ibid_dedup_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = 0.8;
    o->ngram = 5;
    o->n_hashes = 256;
    o->fn_weight = 0.9;
    o->keep = IBID_KEEP_FIRST;
    o->date_field = "date";
    o->norm = IBID_NORM_DEFAULT;
    o->seed = 1;
    o->n_threads = 1;
}

int ibid_dedup_opts_check(const ibid_dedup_opts *o, ibid_error *err)
{
    if (!(o->threshold > 0 && o->threshold <= 1))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "threshold is %g; it must be in (0, 1]",
                         o->threshold);
    if (o->ngram < 1 || o->ngram > 64)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "ngram is %d; it must be from 1 to 64",
                         o->ngram);
    if (o->n_hashes < 2 || o->n_hashes > IBID_MAX_HASHES)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "n_hashes is %d; it must be from 2 to %d",
                         o->n_hashes, IBID_MAX_HASHES);
    if ((o->bands == 0) != (o->rows == 0) || o->bands < 0 || o->rows < 0 ||
        (long)o->bands * o->rows > o->n_hashes)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                         "bands (%d) and rows (%d) must both be 0, or positive with bands x rows "
                         "at most n_hashes (%d)",
                         o->bands, o->rows, o->n_hashes);
    if (!(o->fn_weight > 0 && o->fn_weight < 1))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "fn_weight is %g; it must be in (0, 1)",
                         o->fn_weight);
    if (!(o->lsh_threshold >= 0 && o->lsh_threshold < 1))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "lsh_threshold is %g; it must be in [0, 1)",
                         o->lsh_threshold);
    if (o->keep < IBID_KEEP_FIRST || o->keep > IBID_KEEP_LONGEST)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "keep is %d; not a IBID_KEEP_* value",
                         o->keep);
    if (o->keep == IBID_KEEP_OLDEST && (!o->date_field || !*o->date_field))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "the date field name is empty");
    if (o->n_threads < 1 || o->n_threads > 1024)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "n_threads is %d; it must be from 1 to 1024",
                         o->n_threads);
    return 0;
}

static void progress(const ibid_dedup *d, const char *stage, size_t done, size_t total)
{
    if (!d->o.progress) return;
    ibid_progress p = {stage, done, total};
    d->o.progress(d->o.progress_ud, &p);
}

static int io_fail(ibid_error *err, const char *what)
{
    return ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot %s a temporary file: %s", what,
                     strerror(errno));
}

static int write_all(int fd, const void *p, size_t n, ibid_error *err)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return k < 0 ? io_fail(err, "write")
                         : ibid_fail(err, IBID_EIO, NULL, 0, 0, "disk full?");
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ---- the shingle file ---- */

/* Append n shingles to the shingle file: they are shingles d->n_sh, ... of the store. Returns 0
 * or IBID_EIO. */
static int store_shingles(ibid_dedup *d, const uint32_t *sh, size_t n, ibid_error *err)
{
    int rc;
    if (n == 0) return 0;
    if ((rc = write_all(d->sh_fd, sh, n * sizeof *sh, err)) < 0) return rc;
    d->n_sh += n;
    return 0;
}

/* Room for a shingle set and the scratch to sort it. */
typedef struct shset {
    uint32_t *a, *tmp;
    size_t m_a, m_tmp;
} shset;

static void shset_free(shset *b)
{
    free(b->a);
    free(b->tmp);
}

/* Document i's shingle set into b->a: its stored shingles, sorted, repeats dropped; *n their
 * number. Returns 0 or IBID_EIO. */
static int read_shingles(const ibid_dedup *d, uint32_t i, shset *b, size_t *n, ibid_error *err)
{
    const ddoc *x = &d->doc[i];
    *n = 0;
    if (x->n_sh == 0) return 0;
    assert(x->sh_off + x->n_sh <= d->n_sh);
    IBID_GROW(b->a, b->m_a, x->n_sh);
    IBID_GROW(b->tmp, b->m_tmp, x->n_sh);
    size_t want = (size_t)x->n_sh * sizeof *b->a, got = 0;
    off_t at = (off_t)(x->sh_off * sizeof *b->a);
    while (got < want) {
        ssize_t k = pread(d->sh_fd, (char *)b->a + got, want - got, at + (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return k < 0 ? io_fail(err, "read") : io_fail(err, "read all of");
        got += (size_t)k;
    }
    *n = ibid_shingle_set(b->a, b->tmp, x->n_sh);
    return 0;
}

/* ---- the exact keys ---- */

/* The first document with key `key`, or -1 after recording `doc` as its first. */
static long exact_first(ibid_dedup *d, uint64_t key, uint32_t doc)
{
    if ((d->n_ex + 1) * 2 > d->m_ex) {
        size_t m = d->m_ex ? 2 * d->m_ex : 1024;
        uint64_t *k2 = ibid_xcalloc(m, sizeof *k2);
        uint32_t *d2 = ibid_xcalloc(m, sizeof *d2);
        for (size_t i = 0; i < d->m_ex; i++) {
            if (!d->ex_doc[i]) continue;
            size_t j = d->ex_key[i] & (m - 1);
            while (d2[j]) j = (j + 1) & (m - 1);
            k2[j] = d->ex_key[i];
            d2[j] = d->ex_doc[i];
        }
        free(d->ex_key);
        free(d->ex_doc);
        d->ex_key = k2;
        d->ex_doc = d2;
        d->m_ex = m;
    }
    size_t j = key & (d->m_ex - 1);
    while (d->ex_doc[j]) {
        if (d->ex_key[j] == key) return (long)d->ex_doc[j] - 1;
        j = (j + 1) & (d->m_ex - 1);
    }
    d->ex_key[j] = key;
    d->ex_doc[j] = doc + 1;
    d->n_ex++;
    return -1;
}

/* ---- pass 1: reading ---- */

/* What the workers make of one document of a batch. */
typedef struct item {
    uint64_t exact; /* hash of the token hashes */
    size_t sh_off;  /* its shingles: r->sh[tid][sh_off, sh_off + n_sh) */
    size_t n_sh;    /* how many */
    int tid;        /* the thread that made them */
    char *date;     /* the date field, malloc'd, or NULL */
    int rc;         /* 0 or an error, in e */
    ibid_error e;
} item;

typedef struct reader {
    ibid_dedup *d;
    ibid_spill *bands;
    int n_bands, n_rows;
    const ibid_sdoc *docs;
    item *items;
    size_t m_items;
    uint64_t *keys; /* n_bands per item */
    size_t m_keys;
    ibid_toks *toks; /* per thread */
    uint32_t **sig;  /* per thread */
    uint32_t **sh;   /* per thread: the shingles of this batch's documents, back to back */
    size_t *n_sh, *m_sh;
    uint64_t *sh_beg; /* per thread: where r->sh[tid][0] went in the shingle file */
    ibid_rec *recs;
    size_t m_recs;
} reader;

/* The date field of a document's metadata, as a string (a number as written), or NULL. */
static char *date_of(const char *meta, const char *field)
{
    if (!meta) return NULL;
    json_t *obj = json_loads(meta, JSON_DECODE_ANY, NULL);
    json_t *v = obj ? json_object_get(obj, field) : NULL;
    char *out = NULL;
    if (json_is_string(v)) {
        out = ibid_xstrndup(json_string_value(v), json_string_length(v));
    } else if (json_is_number(v)) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", json_number_value(v));
        out = ibid_xstrndup(buf, strlen(buf));
    }
    json_decref(obj);
    return out;
}

static void process_one(void *ud, size_t i, int tid)
{
    reader *r = ud;
    const ibid_dedup *d = r->d;
    const ibid_sdoc *doc = &r->docs[i];
    item *it = &r->items[i];
    ibid_toks *t = &r->toks[tid];
    t->n_tok = t->n_ckpt = 0;
    memset(it, 0, sizeof *it);
    it->rc = ibid_tokenize_hashes(t, doc->text, doc->n_text, d->o.norm, &it->e);
    if (it->rc < 0) {
        snprintf(it->e.source, sizeof it->e.source, "%s", doc->source);
        if (doc->line_no) it->e.line = doc->line_no;
        return;
    }
    it->exact = XXH3_64bits_withSeed(t->tok, t->n_tok * sizeof *t->tok, d->o.seed);
    it->tid = tid;
    if (t->n_tok) {
        IBID_GROW(r->sh[tid], r->m_sh[tid], r->n_sh[tid] + t->n_tok);
        uint32_t *sh = r->sh[tid] + r->n_sh[tid];
        it->sh_off = r->n_sh[tid];
        it->n_sh = ibid_shingle_hashes(sh, t->tok, t->n_tok, d->o.ngram);
        r->n_sh[tid] += it->n_sh;
        uint32_t *sig = r->sig[tid];
        ibid_minhash_sign(sig, r->n_bands * r->n_rows, sh, it->n_sh, d->o.seed);
        ibid_minhash_bands(r->keys + i * (size_t)r->n_bands, sig, r->n_bands, r->n_rows);
    }
    if (d->o.keep == IBID_KEEP_OLDEST) it->date = date_of(doc->meta, d->o.date_field);
}

static uint64_t push_str(char **buf, size_t *n, size_t *m, const char *s)
{
    size_t k = strlen(s) + 1;
    IBID_GROW(*buf, *m, *n + k);
    memcpy(*buf + *n, s, k);
    uint64_t off = *n;
    *n += k;
    return off;
}

/* The source of a document: the last one when it is the next line of the same JSON Lines file,
 * else a new one (a text file, another file, or the same file given again). */
static uint32_t source_of(ibid_dedup *d, const ibid_sdoc *doc)
{
    if (d->n_src && doc->is_jsonl && d->src[d->n_src - 1].is_jsonl && d->n_doc >= 2 &&
        d->doc[d->n_doc - 2].line_no < doc->line_no &&
        strcmp(d->src[d->n_src - 1].path, doc->source) == 0)
        return (uint32_t)d->n_src - 1;
    IBID_GROW(d->src, d->m_src, d->n_src + 1);
    d->src[d->n_src].path = ibid_xstrndup(doc->source, strlen(doc->source));
    d->src[d->n_src].is_jsonl = doc->is_jsonl;
    return (uint32_t)d->n_src++;
}

static int on_batch(void *ud, const ibid_sdoc *docs, size_t n, ibid_error *err)
{
    reader *r = ud;
    ibid_dedup *d = r->d;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (docs[i].line_no >= (long)UINT32_MAX)
            return ibid_fail(err, IBID_ETOOBIG, docs[i].source, docs[i].line_no, 0,
                             "more than 2^32 - 1 lines in one file");
    if (d->n_doc + n >= UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, docs[0].source, docs[0].line_no, 0,
                         "more than 2^32 - 1 documents");
    IBID_GROW(r->items, r->m_items, n);
    IBID_GROW(r->keys, r->m_keys, n * (size_t)r->n_bands);
    r->docs = docs;
    /* A text of b bytes has at most (b + 1) / 2 words, so each thread's shingle buffer gets
     * room for all of the batch's: it never grows (a growth copies it), and the pages that
     * stay untouched cost nothing. */
    size_t most = 0;
    for (size_t i = 0; i < n; i++) most += (docs[i].n_text + 1) / 2;
    for (int t = 0; t < d->o.n_threads; t++) {
        r->n_sh[t] = 0;
        if (r->m_sh[t] < most) {
            free(r->sh[t]);
            r->sh[t] = ibid_xmalloc(most * sizeof *r->sh[t]);
            r->m_sh[t] = most;
        }
    }
    ibid_parallel_for(d->o.n_threads, n, process_one, r);
    for (int t = 0; t < d->o.n_threads; t++) {
        r->sh_beg[t] = d->n_sh;
        if ((rc = store_shingles(d, r->sh[t], r->n_sh[t], err)) < 0) return rc;
    }

    size_t n_recs = 0;
    for (size_t i = 0; i < n; i++) {
        item *it = &r->items[i];
        if (rc == 0 && it->rc < 0) {
            rc = it->rc;
            if (err) *err = it->e;
        }
        if (rc < 0) {
            free(it->date);
            continue;
        }
        const ibid_sdoc *doc = &docs[i];
        uint32_t k = (uint32_t)d->n_doc++;
        IBID_GROW(d->doc, d->m_doc, d->n_doc);
        ddoc *x = &d->doc[k];
        memset(x, 0, sizeof *x);
        x->id_off = push_str(&d->ids, &d->n_ids, &d->m_ids, doc->id);
        x->date_off = it->date ? push_str(&d->dates, &d->n_dates, &d->m_dates, it->date) : NO_DATE;
        x->n_bytes = doc->n_text;
        x->source = source_of(d, doc);
        x->line_no = (uint32_t)doc->line_no;
        d->st.n_bytes += doc->n_text;
        d->st.n_empty += it->n_sh == 0;
        long first = exact_first(d, it->exact, k);
        ibid_uf_grow(&d->uf, d->n_doc);
        if (first >= 0) {
            x->exact = (uint32_t)first;
            x->sh_off = d->doc[first].sh_off;
            x->n_sh = d->doc[first].n_sh;
            ibid_uf_union(&d->uf, (uint32_t)first, k);
        } else {
            x->exact = k;
            x->sh_off = r->sh_beg[it->tid] + it->sh_off;
            x->n_sh = (uint32_t)it->n_sh;
            if (it->n_sh) {
                IBID_GROW(r->recs, r->m_recs, n_recs + (size_t)r->n_bands);
                for (int j = 0; j < r->n_bands; j++)
                    r->recs[n_recs++] = (ibid_rec){r->keys[i * (size_t)r->n_bands + j], k, 0};
            }
        }
        free(it->date);
    }
    int rc2;
    if ((rc2 = ibid_spill_add(r->bands, r->recs, n_recs, err)) < 0) return rc2;
    d->st.n_bucket_keys += n_recs;
    progress(d, "read", d->n_doc, 0);
    return rc;
}

static void on_skip(void *ud, const ibid_error *e)
{
    ibid_dedup *d = ((reader *)ud)->d;
    IBID_GROW(d->skip, d->m_skip, d->n_skip + 1);
    d->skip[d->n_skip++] = *e;
}

/* ---- pass 2: candidates ---- */

static int emit_group(ibid_spill *pairs, const uint32_t *g, size_t m, ibid_rec **buf, size_t *mb,
                      ibid_error *err)
{
    size_t n = 0;
    if (m < 2) return 0;
    if (m <= GROUP_ALL_PAIRS) {
        IBID_GROW(*buf, *mb, m * (m - 1) / 2);
        for (size_t i = 0; i < m; i++)
            for (size_t j = i + 1; j < m; j++)
                (*buf)[n++] = (ibid_rec){(uint64_t)g[i] << 32 | g[j], 0, 0};
    } else {
        IBID_GROW(*buf, *mb, 2 * m);
        for (size_t j = 1; j < m; j++) {
            (*buf)[n++] = (ibid_rec){(uint64_t)g[0] << 32 | g[j], 0, 0};
            if (j > 1) (*buf)[n++] = (ibid_rec){(uint64_t)g[j - 1] << 32 | g[j], 0, 0};
        }
    }
    return ibid_spill_add(pairs, *buf, n, err);
}

static int candidates(ibid_dedup *d, ibid_spill *bands, ibid_spill *pairs, ibid_error *err)
{
    int rc;
    progress(d, "candidates", 0, d->st.n_bucket_keys);
    if ((rc = ibid_spill_finish(bands, err)) < 0) return rc;
    ibid_rec rec, *buf = NULL;
    size_t n_g = 0, m_g = 0, m_buf = 0;
    uint32_t *g = NULL;
    uint64_t key = 0, done = 0;
    while ((rc = ibid_spill_next(bands, &rec, err)) > 0) {
        if (n_g && rec.key != key) {
            if ((rc = emit_group(pairs, g, n_g, &buf, &m_buf, err)) < 0) goto done;
            n_g = 0;
        }
        key = rec.key;
        if (n_g == 0 || g[n_g - 1] != rec.x) { /* two bands of one document with one key */
            IBID_GROW(g, m_g, n_g + 1);
            g[n_g++] = rec.x;
        }
        if (++done % (1 << 20) == 0) progress(d, "candidates", done, d->st.n_bucket_keys);
    }
    if (rc < 0) goto done;
    rc = emit_group(pairs, g, n_g, &buf, &m_buf, err);
done:
    free(g);
    free(buf);
    return rc;
}

/* ---- pass 3: verification ---- */

typedef struct verifier {
    const ibid_dedup *d;
    const uint64_t *pair; /* a << 32 | b */
    double *sim;
    int *rc;
    ibid_error *e; /* per thread */
    shset *a, *b;  /* per thread */
} verifier;

static void verify_one(void *ud, size_t i, int tid)
{
    verifier *v = ud;
    uint32_t a = (uint32_t)(v->pair[i] >> 32), b = (uint32_t)v->pair[i];
    size_t na, nb;
    v->sim[i] = 0;
    if (v->rc[tid] < 0) return;
    if ((v->rc[tid] = read_shingles(v->d, a, &v->a[tid], &na, &v->e[tid])) < 0 ||
        (v->rc[tid] = read_shingles(v->d, b, &v->b[tid], &nb, &v->e[tid])) < 0)
        return;
    v->sim[i] = ibid_set_similarity(v->a[tid].a, na, v->b[tid].a, nb, v->d->o.containment);
}

static int verify(ibid_dedup *d, ibid_spill *pairs, ibid_error *err)
{
    int rc, nt = d->o.n_threads;
    progress(d, "verify", 0, 0);
    if ((rc = ibid_spill_finish(pairs, err)) < 0) return rc;
    verifier v = {.d = d};
    uint64_t *pair = ibid_xmalloc(VERIFY_BLOCK * sizeof *pair);
    v.pair = pair;
    v.sim = ibid_xmalloc(VERIFY_BLOCK * sizeof *v.sim);
    v.rc = ibid_xcalloc((size_t)nt, sizeof *v.rc);
    v.e = ibid_xcalloc((size_t)nt, sizeof *v.e);
    v.a = ibid_xcalloc((size_t)nt, sizeof *v.a);
    v.b = ibid_xcalloc((size_t)nt, sizeof *v.b);
    double thr = d->o.threshold;
    ibid_rec rec;
    uint64_t last = UINT64_MAX;
    int more = 1;
    while (more) {
        size_t n = 0;
        while (n < VERIFY_BLOCK && (rc = ibid_spill_next(pairs, &rec, err)) > 0) {
            if (rec.key == last) continue;
            last = rec.key;
            d->st.n_candidates++;
            uint32_t a = (uint32_t)(rec.key >> 32), b = (uint32_t)rec.key;
            if (ibid_uf_find(&d->uf, a) == ibid_uf_find(&d->uf, b)) continue;
            pair[n++] = rec.key;
        }
        if (rc < 0) goto done;
        more = rc > 0;
        ibid_parallel_for(nt, n, verify_one, &v);
        for (int t = 0; t < nt; t++) {
            if (v.rc[t] < 0) {
                rc = v.rc[t];
                if (err) *err = v.e[t];
                goto done;
            }
        }
        for (size_t i = 0; i < n; i++) {
            d->st.n_compared++;
            if (v.sim[i] >= thr) {
                d->st.n_similar++;
                ibid_uf_union(&d->uf, (uint32_t)(pair[i] >> 32), (uint32_t)pair[i]);
            }
        }
        progress(d, "verify", (size_t)d->st.n_candidates, 0);
    }
    rc = 0;
done:
    for (int t = 0; t < nt; t++) {
        shset_free(&v.a[t]);
        shset_free(&v.b[t]);
    }
    free(v.a);
    free(v.b);
    free(v.rc);
    free(v.e);
    free(v.sim);
    free(pair);
    return rc;
}

/* ---- pass 4: survivors ---- */

/* Whether document a should survive rather than b (a > b in input order). */
static int better(const ibid_dedup *d, uint32_t a, uint32_t b)
{
    const ddoc *x = &d->doc[a], *y = &d->doc[b];
    switch (d->o.keep) {
    case IBID_KEEP_LONGEST:
        return x->n_bytes > y->n_bytes;
    case IBID_KEEP_OLDEST:
        if (x->date_off == NO_DATE) return 0;
        if (y->date_off == NO_DATE) return 1;
        return strcmp(d->dates + x->date_off, d->dates + y->date_off) < 0;
    default:
        return 0;
    }
}

static void survivors(ibid_dedup *d)
{
    d->surv = ibid_xmalloc((d->n_doc ? d->n_doc : 1) * sizeof *d->surv);
    size_t *size = ibid_xcalloc(d->n_doc ? d->n_doc : 1, sizeof *size);
    for (uint32_t i = 0; i < d->n_doc; i++) {
        uint32_t root = ibid_uf_find(&d->uf, i);
        if (root == i)
            d->surv[i] = i; /* the root is the cluster's first document */
        else if (better(d, i, d->surv[root]))
            d->surv[root] = i;
        size[root]++;
    }
    for (uint32_t i = 0; i < d->n_doc; i++) {
        uint32_t root = ibid_uf_find(&d->uf, i), s = d->surv[root];
        d->surv[i] = s;
        if (root == i && size[i] > 1) d->st.n_clusters++;
        if (s == i)
            d->st.n_kept++;
        else if (d->doc[i].exact == d->doc[s].exact)
            d->st.n_exact++;
        else
            d->st.n_near++;
    }
    free(size);
}

/* ---- the job ---- */

void ibid_dedup_lsh(const ibid_dedup_opts *o, int *bands, int *rows)
{
    if (o->bands) {
        *bands = o->bands;
        *rows = o->rows;
        return;
    }
    double t = o->lsh_threshold > 0 ? o->lsh_threshold
                                    : (o->containment ? o->threshold / 4 : o->threshold);
    if (t > 0.99) t = 0.99;
    int rc = ibid_minhash_params(t, o->n_hashes, 1 - o->fn_weight, o->fn_weight, bands, rows, NULL,
                                 NULL);
    assert(rc == 0);
    (void)rc;
}

int ibid_dedup_run(ibid_dedup **out, const char *const *inputs, size_t n_inputs,
                   const ibid_read_opts *ro, const ibid_dedup_opts *o, ibid_error *err)
{
    assert(out && (inputs || n_inputs == 0) && o);
    int rc;
    *out = NULL;
    ibid_read_opts ro_default;
    if (!ro) {
        ibid_read_opts_init(&ro_default);
        ro = &ro_default;
    }
    if ((rc = ibid_dedup_opts_check(o, err)) < 0) return rc;
    if ((rc = ibid_read_opts_check(ro, err)) < 0) return rc;
    ibid_dedup *d = ibid_xcalloc(1, sizeof *d);
    d->o = *o;
    d->ro = *ro;
    d->sh_fd = -1;
    ibid_spill *bands = NULL, *pairs = NULL;
    reader r = {.d = d};
    int nt = o->n_threads;

    size_t mem = o->memory;
    if (mem == 0) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        mem = pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 4 : (size_t)1 << 30;
    }
    d->o.memory = mem;
    ibid_dedup_lsh(o, &r.n_bands, &r.n_rows);
    d->st.bands = r.n_bands;
    d->st.rows = r.n_rows;

    const char *dir = o->tmp_dir ? o->tmp_dir : "/tmp";
    d->o.tmp_dir = dir;
    { /* created now, even if nothing goes to it, so that a bad tmp_dir fails at once */
        size_t n = strlen(dir);
        char *path = ibid_xmalloc(n + 32);
        snprintf(path, n + 32, "%s/ibid-shingles-XXXXXX", dir);
        d->sh_fd = mkstemp(path);
        if (d->sh_fd < 0)
            rc = ibid_fail(err, IBID_EIO, dir, 0, 0, "cannot create a temporary file: %s",
                           strerror(errno));
        else
            unlink(path);
        free(path);
        if (rc < 0) goto done;
    }
    if ((rc = ibid_spill_new(&bands, dir, mem / 4, nt, err)) < 0) goto done;
    if ((rc = ibid_spill_new(&pairs, dir, mem / 4, nt, err)) < 0) goto done;
    r.bands = bands;
    r.toks = ibid_xcalloc((size_t)nt, sizeof *r.toks);
    r.sig = ibid_xcalloc((size_t)nt, sizeof *r.sig);
    r.sh = ibid_xcalloc((size_t)nt, sizeof *r.sh);
    r.n_sh = ibid_xcalloc((size_t)nt, sizeof *r.n_sh);
    r.m_sh = ibid_xcalloc((size_t)nt, sizeof *r.m_sh);
    r.sh_beg = ibid_xcalloc((size_t)nt, sizeof *r.sh_beg);
    for (int t = 0; t < nt; t++)
        r.sig[t] = ibid_xmalloc((size_t)r.n_bands * (size_t)r.n_rows * sizeof **r.sig);
    ibid_docstream_cb cb = {on_batch, on_skip, &r};
    if ((rc = ibid_docstream_read(inputs, n_inputs, ro, &cb, err)) < 0) goto done;
    d->st.n_docs = d->n_doc;
    d->st.n_shingle_bytes = d->n_sh * sizeof(uint32_t);
    d->st.n_skipped = d->n_skip;
    if ((rc = candidates(d, bands, pairs, err)) < 0) goto done;
    d->st.n_runs = ibid_spill_n_runs(bands);
    ibid_spill_free(bands);
    bands = NULL;
    if ((rc = verify(d, pairs, err)) < 0) goto done;
    d->st.n_runs += ibid_spill_n_runs(pairs);
    progress(d, "clusters", 0, d->n_doc);
    survivors(d);
    progress(d, "done", d->n_doc, d->n_doc);
    rc = 0;
done:
    ibid_spill_free(bands);
    ibid_spill_free(pairs);
    if (r.toks)
        for (int t = 0; t < nt; t++) ibid_toks_free(&r.toks[t]);
    if (r.sig)
        for (int t = 0; t < nt; t++) free(r.sig[t]);
    if (r.sh)
        for (int t = 0; t < nt; t++) free(r.sh[t]);
    free(r.sh);
    free(r.n_sh);
    free(r.m_sh);
    free(r.sh_beg);
    free(r.toks);
    free(r.sig);
    free(r.items);
    free(r.keys);
    free(r.recs);
    free(d->ex_key);
    free(d->ex_doc);
    d->ex_key = NULL;
    d->ex_doc = NULL;
    if (rc < 0) {
        ibid_dedup_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void ibid_dedup_free(ibid_dedup *d)
{
    if (!d) return;
    if (d->sh_fd >= 0) close(d->sh_fd);
    for (size_t i = 0; i < d->n_src; i++) free(d->src[i].path);
    free(d->src);
    free(d->doc);
    free(d->ids);
    free(d->dates);
    free(d->skip);
    free(d->surv);
    free(d->member_sim);
    free(d->ex_key);
    free(d->ex_doc);
    ibid_uf_free(&d->uf);
    free(d);
}

/* ---- the pieces the MPI driver (mpi_dedup.c) assembles a result from, on rank 0 ---- */

ibid_dedup *ibid_dedup_begin(const ibid_dedup_opts *o, const ibid_read_opts *ro)
{
    ibid_dedup *d = ibid_xcalloc(1, sizeof *d);
    d->o = *o;
    d->ro = *ro;
    d->sh_fd = -1;
    ibid_dedup_lsh(o, &d->st.bands, &d->st.rows);
    return d;
}

void ibid_dedup_note(ibid_dedup *d, const ibid_sdoc *doc)
{
    uint32_t k = (uint32_t)d->n_doc++;
    IBID_GROW(d->doc, d->m_doc, d->n_doc);
    ddoc *x = &d->doc[k];
    memset(x, 0, sizeof *x);
    char *date = d->o.keep == IBID_KEEP_OLDEST ? date_of(doc->meta, d->o.date_field) : NULL;
    x->id_off = push_str(&d->ids, &d->n_ids, &d->m_ids, doc->id);
    x->date_off = date ? push_str(&d->dates, &d->n_dates, &d->m_dates, date) : NO_DATE;
    free(date);
    x->n_bytes = doc->n_text;
    x->source = source_of(d, doc);
    x->line_no = (uint32_t)doc->line_no;
    x->exact = k;
    d->st.n_bytes += doc->n_text;
    ibid_uf_grow(&d->uf, d->n_doc);
}

void ibid_dedup_note_skip(ibid_dedup *d, const ibid_error *e)
{
    IBID_GROW(d->skip, d->m_skip, d->n_skip + 1);
    d->skip[d->n_skip++] = *e;
}

void ibid_dedup_join(ibid_dedup *d, uint32_t a, uint32_t b, int exact)
{
    assert(a < d->n_doc && b < d->n_doc);
    if (exact) d->doc[b].exact = a;
    ibid_uf_union(&d->uf, a, b);
}

void ibid_dedup_settle(ibid_dedup *d)
{
    d->st.n_docs = d->n_doc;
    d->st.n_skipped = d->n_skip;
    survivors(d);
}

size_t ibid_dedup_exact_of(const ibid_dedup *d, size_t i)
{
    assert(i < d->n_doc);
    return d->doc[i].exact;
}

ibid_dedup_stats *ibid_dedup_stats_of(ibid_dedup *d)
{
    return &d->st;
}

void ibid_dedup_set_member_sim(ibid_dedup *d, double *sim)
{
    free(d->member_sim);
    d->member_sim = sim;
}

const ibid_dedup_stats *ibid_dedup_get_stats(const ibid_dedup *d)
{
    return &d->st;
}

const char *ibid_dedup_id(const ibid_dedup *d, size_t i)
{
    assert(i < d->n_doc);
    return d->ids + d->doc[i].id_off;
}

int ibid_dedup_is_kept(const ibid_dedup *d, size_t i)
{
    assert(i < d->n_doc);
    return d->surv[i] == i;
}

size_t ibid_dedup_survivor(const ibid_dedup *d, size_t i)
{
    assert(i < d->n_doc);
    return d->surv[i];
}

const ibid_error *ibid_dedup_skipped(const ibid_dedup *d, size_t i)
{
    assert(i < d->n_skip);
    return &d->skip[i];
}

/* ---- output ---- */

static void put_json_string(FILE *fp, const char *s, size_t n)
{
    fputc('"', fp);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            fputc('\\', fp);
            fputc(c, fp);
        } else if (c == '\n') {
            fputs("\\n", fp);
        } else if (c == '\t') {
            fputs("\\t", fp);
        } else if (c == '\r') {
            fputs("\\r", fp);
        } else if (c < 0x20) {
            fprintf(fp, "\\u%04x", c);
        } else {
            fputc(c, fp);
        }
    }
    fputc('"', fp);
}

static int write_error(FILE *fp, ibid_error *err)
{
    if (ferror(fp))
        return ibid_fail(err, IBID_EIO, NULL, 0, 0, "cannot write the output: %s", strerror(errno));
    return 0;
}

/*
 * Nearly every line of a corpus is usually kept, so the lines are not written one at a time:
 * each run of kept lines inside a read block goes out in one fwrite.
 */
int ibid_dedup_copy_lines(ibid_stream *st, const char *path, long line_add, const uint32_t *lines,
                          size_t n, FILE *fp, ibid_error *err)
{
    int rc;
    enum { BUF = 4 << 20 };
    char *buf = ibid_xmalloc(BUF);
    uint32_t line = 1;
    size_t next = 0; /* lines[next] is the next line to copy */
    int in_kept = n > 0 && lines[0] == 1, mid_line = 0;
    while (next < n) {
        long k = ibid_stream_read(st, buf, BUF, err);
        if (k < 0) {
            rc = (int)k;
            goto done;
        }
        if (k == 0) break;
        const char *p = buf, *end = buf + k;
        const char *run = in_kept ? p : NULL; /* the start of the kept bytes not yet written */
        while (p < end && next < n) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            mid_line = !nl;
            if (!nl) break;
            if (in_kept) next++;
            line++;
            p = nl + 1;
            int kept = next < n && lines[next] == line;
            if (in_kept && !kept) {
                fwrite(run, 1, (size_t)(p - run), fp);
                run = NULL;
            } else if (!in_kept && kept) {
                run = p;
            }
            in_kept = kept;
        }
        if (run) { /* a kept line goes on past the block, or the last one just ended */
            const char *stop = mid_line ? end : p;
            fwrite(run, 1, (size_t)(stop - run), fp);
        }
    }
    if (next < n && in_kept && mid_line) { /* the last line, without a line ending */
        fputc('\n', fp);
        next++;
    }
    if (next < n)
        rc = ibid_fail(err, IBID_EIO, path, (long)lines[next] + line_add, 0,
                       "the file is shorter than when it was read; was it changed?");
    else
        rc = write_error(fp, err);
done:
    free(buf);
    return rc;
}

int ibid_dedup_copy_text(const char *path, const char *id, size_t n_bytes, size_t max_doc, FILE *fp,
                         ibid_error *err)
{
    char *text = NULL;
    size_t n_text = 0;
    int rc = ibid_read_whole(&text, &n_text, path, max_doc, 0, err);
    if (rc == 0 && n_text != n_bytes)
        rc = ibid_fail(err, IBID_EIO, path, 0, 0, "the file has changed since it was read");
    if (rc == 0) {
        fputs("{\"id\":", fp);
        put_json_string(fp, id, strlen(id));
        fputs(",\"text\":", fp);
        put_json_string(fp, text, n_text);
        fputs("}\n", fp);
        rc = write_error(fp, err);
    }
    free(text);
    return rc;
}

int ibid_dedup_write_kept(const ibid_dedup *d, FILE *fp, ibid_error *err)
{
    int rc = 0;
    uint32_t *lines = NULL;
    size_t m_lines = 0;
    for (size_t i = 0; i < d->n_doc && rc == 0;) {
        uint32_t src = d->doc[i].source;
        size_t j = i, n = 0;
        for (; j < d->n_doc && d->doc[j].source == src; j++) {
            if (d->surv[j] != j) continue;
            IBID_GROW(lines, m_lines, n + 1);
            lines[n++] = d->doc[j].line_no;
        }
        const dsource *s = &d->src[src];
        if (s->is_jsonl) {
            ibid_stream *st = NULL;
            if ((rc = ibid_stream_open(&st, s->path, err)) == 0)
                rc = ibid_dedup_copy_lines(st, s->path, 0, lines, n, fp, err);
            ibid_stream_close(st);
        } else if (n) {
            assert(j == i + 1);
            rc = ibid_dedup_copy_text(s->path, ibid_dedup_id(d, i), d->doc[i].n_bytes,
                                      d->ro.max_doc, fp, err);
        }
        i = j;
    }
    free(lines);
    return rc;
}

int ibid_dedup_write_clusters(const ibid_dedup *d, FILE *fp, ibid_error *err)
{
    int rc = 0;
    size_t n = d->n_doc;
    /* documents grouped by survivor, groups ordered by their first document */
    uint32_t *first = ibid_xmalloc((n ? n : 1) * sizeof *first); /* survivor -> first member */
    uint32_t *count = ibid_xcalloc(n ? n : 1, sizeof *count);
    uint32_t *next = ibid_xmalloc((n ? n : 1) * sizeof *next); /* member -> next member */
    uint32_t *last = ibid_xmalloc((n ? n : 1) * sizeof *last);
    for (size_t i = 0; i < n; i++) {
        uint32_t s = d->surv[i];
        next[i] = UINT32_MAX;
        if (count[s]++ == 0)
            first[s] = (uint32_t)i;
        else
            next[last[s]] = (uint32_t)i;
        last[s] = (uint32_t)i;
    }
    shset sa = {0}, sb = {0};
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint32_t s = d->surv[i];
        if (count[s] < 2 || first[s] != i) continue;
        const ddoc *ks = &d->doc[s];
        size_t na = 0, nb;
        if (!d->member_sim && (rc = read_shingles(d, ks->exact, &sa, &na, err)) < 0) break;
        fputs("{\"kept\":", fp);
        put_json_string(fp, ibid_dedup_id(d, s), strlen(ibid_dedup_id(d, s)));
        fprintf(fp, ",\"size\":%u,\"members\":[", count[s]);
        for (uint32_t m = (uint32_t)i; m != UINT32_MAX; m = next[m]) {
            const ddoc *x = &d->doc[m];
            int exact = x->exact == ks->exact;
            double sim = 1;
            if (!exact && d->member_sim) {
                sim = d->member_sim[m];
            } else if (!exact) {
                if ((rc = read_shingles(d, x->exact, &sb, &nb, err)) < 0) break;
                sim = ibid_set_similarity(sb.a, nb, sa.a, na, d->o.containment);
            }
            fputs(m == i ? "{\"id\":" : ",{\"id\":", fp);
            put_json_string(fp, ibid_dedup_id(d, m), strlen(ibid_dedup_id(d, m)));
            fprintf(fp, ",\"n\":%u,\"similarity\":%.4f,\"exact\":%s}", m, sim,
                    exact ? "true" : "false");
        }
        fputs("]}\n", fp);
        if (rc == 0) rc = write_error(fp, err);
    }
    shset_free(&sa);
    shset_free(&sb);
    free(first);
    free(count);
    free(next);
    free(last);
    return rc;
}
