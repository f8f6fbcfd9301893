/*
 * ngram.c: hash word n-grams, find the ones documents share, and turn them into seeds.
 *
 * Every position i of a document with at least n tokens starts an n-gram, hashed to 64 bits
 * with XXH3 over the n token hashes. Postings (hash, document, position) are sorted by hash;
 * a run of equal hashes is one n-gram, and its document frequency decides its fate (as in
 * passim): found in one document, it is useless; in more than max_df, it is boilerplate; else
 * every pair of its occurrences in two documents is a seed (positions in one document beyond
 * max_tf are skipped, so a line repeated a thousand times in two documents cannot make a
 * million seeds).
 *
 * Memory: the postings of a whole corpus take 16 bytes an n-gram, more than the text itself.
 * They are built in P passes, each holding the n-grams of one hash partition, with P chosen so
 * that a pass fits in index_memory. The partition of an n-gram is a cheap function of its first
 * two tokens, so a counting pass can size every pass exactly and each block of documents writes
 * its postings at a known offset: no copies, and the same layout for any number of threads.
 */
#include "ibid_int.h"

#include <xxhash.h>

/* Documents are processed in blocks; a block's postings of one pass are contiguous. */
#define BLOCK_DOCS 256

typedef struct {
    const ibid_toks *toks;
    size_t n_doc, n_block;
    int n, P;
    size_t *count;   /* count[block * P + p]: postings of block in partition p */
    size_t *off;     /* offset of block's postings in the current pass */
    int pass;
    ibid_rec *post;  /* the current pass's postings */
} build;

static inline uint32_t partition_of(const uint32_t *t, int P)
{
    uint32_t h = (t[0] ^ (t[1] * 0x9E3779B1u)) * 0x85EBCA6Bu;
    return (uint32_t)(((uint64_t)(h ^ (h >> 16)) * (uint32_t)P) >> 32);
}

static void count_block(void *ud, size_t blk, int tid)
{
    build *b = ud;
    (void)tid;
    size_t *cnt = &b->count[blk * (size_t)b->P];
    size_t end = (blk + 1) * BLOCK_DOCS < b->n_doc ? (blk + 1) * BLOCK_DOCS : b->n_doc;
    for (size_t d = blk * BLOCK_DOCS; d < end; d++) {
        const ibid_toks *t = &b->toks[d];
        if (t->n_tok < (size_t)b->n) continue;
        size_t last = t->n_tok - (size_t)b->n;
        if (b->P == 1) {
            cnt[0] += last + 1;
            continue;
        }
        for (size_t i = 0; i <= last; i++) cnt[partition_of(t->tok + i, b->P)]++;
    }
}

static void fill_block(void *ud, size_t blk, int tid)
{
    build *b = ud;
    (void)tid;
    ibid_rec *out = b->post + b->off[blk];
    size_t end = (blk + 1) * BLOCK_DOCS < b->n_doc ? (blk + 1) * BLOCK_DOCS : b->n_doc;
    uint32_t p = (uint32_t)b->pass;
    for (size_t d = blk * BLOCK_DOCS; d < end; d++) {
        const ibid_toks *t = &b->toks[d];
        if (t->n_tok < (size_t)b->n) continue;
        size_t last = t->n_tok - (size_t)b->n;
        for (size_t i = 0; i <= last; i++) {
            if (b->P > 1 && partition_of(t->tok + i, b->P) != p) continue;
            out->key = XXH3_64bits(t->tok + i, (size_t)b->n * sizeof(uint32_t));
            out->x = (uint32_t)d;
            out->y = (uint32_t)i;
            out++;
        }
    }
    assert(out == b->post + b->off[blk] + b->count[blk * (size_t)b->P + p]);
}

static int pair_allowed(const ibid_pair *only, size_t n_only, uint32_t a, uint32_t b)
{
    size_t lo = 0, hi = n_only;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (only[mid].a < a || (only[mid].a == a && only[mid].b < b))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n_only && only[lo].a == a && only[lo].b == b;
}

/* Seeds of one n-gram: postings g[0, n) with one hash, sorted by (document, position). */
static void emit_group(ibid_seeds *s, const ibid_rec *g, size_t n, const ibid_pair *only,
                       size_t n_only, const ibid_align_opts *o)
{
    size_t df = 1;
    for (size_t i = 1; i < n; i++) df += g[i].x != g[i - 1].x;
    if (df < 2) return;
    if (df > (size_t)o->max_df) {
        s->n_boilerplate++;
        return;
    }
    s->n_shared++;
    for (size_t i = 0; i < n;) {
        size_t ie = i + 1;
        while (ie < n && g[ie].x == g[i].x) ie++;
        if (ie - i <= (size_t)o->max_tf) {
            for (size_t j = ie; j < n;) {
                size_t je = j + 1;
                while (je < n && g[je].x == g[j].x) je++;
                if (je - j <= (size_t)o->max_tf &&
                    (!only || pair_allowed(only, n_only, g[i].x, g[j].x))) {
                    uint64_t key = (uint64_t)g[i].x << 32 | g[j].x;
                    for (size_t u = i; u < ie; u++)
                        for (size_t v = j; v < je; v++) {
                            IBID_GROW(s->a, s->m, s->n + 1);
                            s->a[s->n++] = (ibid_rec){key, g[u].y, g[v].y};
                        }
                }
                j = je;
            }
        }
        i = ie;
    }
}

void ibid_ngram_seeds(ibid_seeds *s, const ibid_toks *toks, size_t n_doc, const ibid_pair *only,
                      size_t n_only, const ibid_align_opts *o)
{
    memset(s, 0, sizeof *s);
    build b = {0};
    b.toks = toks;
    b.n_doc = n_doc;
    b.n_block = (n_doc + BLOCK_DOCS - 1) / BLOCK_DOCS;
    b.n = o->ngram;
    size_t total = 0;
    for (size_t d = 0; d < n_doc; d++)
        if (toks[d].n_tok >= (size_t)b.n) total += toks[d].n_tok - (size_t)b.n + 1;
    size_t P = total * sizeof(ibid_rec) / (o->index_memory ? o->index_memory : 1) + 1;
    b.P = P > 4096 ? 4096 : (int)P;
    b.count = ibid_xcalloc(b.n_block * (size_t)b.P, sizeof(size_t));
    b.off = ibid_xmalloc((b.n_block + 1) * sizeof(size_t));
    ibid_parallel_for(o->n_threads, b.n_block, count_block, &b);

    for (b.pass = 0; b.pass < b.P; b.pass++) {
        size_t n_post = 0;
        for (size_t blk = 0; blk < b.n_block; blk++) {
            b.off[blk] = n_post;
            n_post += b.count[blk * (size_t)b.P + (size_t)b.pass];
        }
        b.post = ibid_xmalloc(n_post * sizeof(ibid_rec));
        ibid_parallel_for(o->n_threads, b.n_block, fill_block, &b);
        ibid_rec_sort(b.post, n_post, o->n_threads);
        for (size_t i = 0; i < n_post;) {
            size_t e = i + 1;
            while (e < n_post && b.post[e].key == b.post[i].key) e++;
            if (e - i > 1) emit_group(s, b.post + i, e - i, only, n_only, o);
            i = e;
        }
        free(b.post);
        b.post = NULL;
        if (o->progress) {
            ibid_progress pr = {"index", (size_t)b.pass + 1, (size_t)b.P};
            o->progress(o->progress_ud, &pr);
        }
    }
    free(b.count);
    free(b.off);
    ibid_rec_sort(s->a, s->n, o->n_threads);
}
