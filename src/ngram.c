/*
 * ngram.c: hash word n-grams and index the ones that documents share.
 *
 * Every position i of a document with at least n tokens starts an n-gram, hashed to 64 bits
 * with XXH3 over the n token hashes. Postings (hash, document, position) are sorted by hash;
 * a run of equal hashes is one n-gram, and its document frequency decides its fate (as in
 * passim): found in one document, it is useless; in more than max_df, it is boilerplate; else
 * it becomes a group of the index. Occurrences beyond max_tf in one document are left out, so
 * a line repeated a thousand times in two documents cannot make a million seeds.
 *
 * The index keeps each group's occurrences and, transposed, each document's (position, group)
 * list, so that the candidates of a document are found by walking its own list (candidates.c),
 * the way minimap2 maps a query against a reference index: seeds are made one document at a
 * time and never held for the whole corpus.
 *
 * Memory: the postings of a whole corpus take 16 bytes an n-gram, more than the text itself.
 * They are built in P passes, each holding the n-grams of one partition, with P chosen so that
 * a pass fits in index_memory. A cheap mix of an n-gram's tokens picks its pass and one of 256
 * sub-buckets; a counting scan sizes them exactly, blocks of documents scatter their postings
 * straight into place (in parallel, with no copy and the same layout for any thread count), and
 * the sub-buckets are sorted by XXH3 hash in parallel. Equal n-grams share a sub-bucket, so the
 * runs of equal hashes within each are the n-grams.
 *
 * When every pair to align holds one of the first documents (ibid add: the new documents come
 * first, the stored ones they are paired with after), an n-gram that none of the first has can
 * seed nothing. A bit table of the first documents' n-gram mixes then keeps most of the later
 * documents' n-grams out of the postings before they are written and sorted.
 */
#include "ibid_int.h"

#include <xxhash.h>

/* Documents are processed in blocks (at most MAX_BLOCKS of them); each pass scatters the
 * postings of every block into NB sub-buckets, which are then sorted in parallel. */
#define MAX_BLOCKS 4096
#define NB         256

typedef struct {
    const ibid_toks *toks;
    size_t n_doc, n_block, block_docs;
    size_t n_first;   /* documents from n_first on keep only n-grams that seen has */
    uint64_t *seen;   /* a bit per mix value (masked): an n-gram of a document before n_first */
    uint32_t s_mask;  /* the bits of a mix that pick a bit of seen */
    uint64_t *keep;   /* a bit per n-gram of the later documents: seen has it */
    size_t *keep_beg; /* later document d's bits start at word keep_beg[d - n_first] */
    int n, P;
    int pass;
    size_t *count;  /* count[blk * NB + s]: the block's postings in sub-bucket s, this pass */
    size_t *cursor; /* where the block writes its next posting of sub-bucket s */
    size_t *sub;    /* sub-bucket s is post[sub[s], sub[s + 1]) */
    ibid_rec *post; /* the current pass's postings */
} build;

/* A cheap mix of an n-gram's tokens: its pass (from the high bits) and sub-bucket (low bits).
 * Equal n-grams mix equally, so each n-gram's postings end up in one sub-bucket of one pass. */
static inline uint32_t mix(const uint32_t *t, int n)
{
    uint32_t h = t[0] * 0x9E3779B1u;
    for (int k = 1; k < n && k < 4; k++) h = (h ^ (h >> 15) ^ t[k]) * 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

static inline uint32_t pass_of(uint32_t h, int P)
{
    return (uint32_t)(((uint64_t)h * (uint32_t)P) >> 32);
}

uint32_t ibid_ngram_mix(const uint32_t *t, int n)
{
    return mix(t, n);
}

uint32_t ibid_ngram_pass_of(uint32_t mixed, int n_pass)
{
    return pass_of(mixed, n_pass);
}

uint64_t ibid_ngram_hash(const uint32_t *t, int n)
{
    return XXH3_64bits(t, (size_t)n * sizeof(uint32_t));
}

int ibid_ngram_passes(size_t n_post, size_t index_memory)
{
    size_t P = n_post * sizeof(ibid_rec) / (index_memory ? index_memory : 1) + 1;
    return P > 4096 ? 4096 : (int)P;
}

static size_t block_end(const build *b, size_t blk)
{
    size_t e = (blk + 1) * b->block_docs;
    return e < b->n_doc ? e : b->n_doc;
}

/* How far ahead the bit table's word is fetched: the table is larger than the caches. */
#define AHEAD 16

/* Mark the n-grams of the documents of block blk that come before n_first in seen. */
static void see_block(void *ud, size_t blk, int tid)
{
    build *b = ud;
    (void)tid;
    size_t end = block_end(b, blk) < b->n_first ? block_end(b, blk) : b->n_first;
    for (size_t d = blk * b->block_docs; d < end; d++) {
        const ibid_toks *t = &b->toks[d];
        if (t->n_tok < (size_t)b->n) continue;
        size_t last = t->n_tok - (size_t)b->n;
        for (size_t i = 0; i <= last; i++) {
            if (i + AHEAD <= last)
                __builtin_prefetch(&b->seen[(mix(t->tok + i + AHEAD, b->n) & b->s_mask) >> 6], 1);
            uint32_t k = mix(t->tok + i, b->n) & b->s_mask;
            uint64_t bit = (uint64_t)1 << (k & 63);
            if (!(b->seen[k >> 6] & bit))
                __atomic_fetch_or(&b->seen[k >> 6], bit, __ATOMIC_RELAXED);
        }
    }
}

/* Set the keep bits of the n-grams of the block's documents from n_first on that seen has. */
static void keep_block(void *ud, size_t blk, int tid)
{
    build *b = ud;
    (void)tid;
    size_t beg = blk * b->block_docs > b->n_first ? blk * b->block_docs : b->n_first;
    for (size_t d = beg; d < block_end(b, blk); d++) {
        const ibid_toks *t = &b->toks[d];
        if (t->n_tok < (size_t)b->n) continue;
        size_t last = t->n_tok - (size_t)b->n;
        uint64_t *kw = b->keep + b->keep_beg[d - b->n_first];
        for (size_t i = 0; i <= last; i++) {
            if (i + AHEAD <= last)
                __builtin_prefetch(&b->seen[(mix(t->tok + i + AHEAD, b->n) & b->s_mask) >> 6]);
            uint32_t k = mix(t->tok + i, b->n) & b->s_mask;
            kw[i >> 6] |= (b->seen[k >> 6] >> (k & 63) & 1) << (i & 63);
        }
    }
}

/* Whether n-gram i of document d goes into the postings. */
static inline int kept(const build *b, size_t d, size_t i)
{
    if (d < b->n_first) return 1;
    return (int)(b->keep[b->keep_beg[d - b->n_first] + (i >> 6)] >> (i & 63) & 1);
}

static void count_block(void *ud, size_t blk, int tid)
{
    build *b = ud;
    (void)tid;
    size_t *cnt = &b->count[blk * NB];
    memset(cnt, 0, NB * sizeof *cnt);
    for (size_t d = blk * b->block_docs; d < block_end(b, blk); d++) {
        const ibid_toks *t = &b->toks[d];
        if (t->n_tok < (size_t)b->n) continue;
        size_t last = t->n_tok - (size_t)b->n;
        for (size_t i = 0; i <= last; i++) {
            uint32_t h = mix(t->tok + i, b->n);
            if (pass_of(h, b->P) == (uint32_t)b->pass && kept(b, d, i)) cnt[h & (NB - 1)]++;
        }
    }
}

static void fill_block(void *ud, size_t blk, int tid)
{
    build *b = ud;
    (void)tid;
    size_t *cur = &b->cursor[blk * NB];
    for (size_t d = blk * b->block_docs; d < block_end(b, blk); d++) {
        const ibid_toks *t = &b->toks[d];
        if (t->n_tok < (size_t)b->n) continue;
        size_t last = t->n_tok - (size_t)b->n;
        for (size_t i = 0; i <= last; i++) {
            uint32_t h = mix(t->tok + i, b->n);
            if (pass_of(h, b->P) != (uint32_t)b->pass || !kept(b, d, i)) continue;
            ibid_rec *out = &b->post[cur[h & (NB - 1)]++];
            out->key = ibid_ngram_hash(t->tok + i, b->n);
            out->x = (uint32_t)d;
            out->y = (uint32_t)i;
        }
    }
}

static void sort_sub(void *ud, size_t s, int tid)
{
    build *b = ud;
    (void)tid;
    ibid_rec_sort(b->post + b->sub[s], b->sub[s + 1] - b->sub[s], 1);
}

typedef struct {
    size_t n, m;
    ibid_occ *v;
} occ_vec;

/* Add the postings g[0, n) of one n-gram, sorted by (document, position), to the index. */
static void add_group(ibid_index *ix, occ_vec *occ, size_t *m_beg, const ibid_rec *g, size_t n,
                      const ibid_align_opts *o)
{
    size_t df = 1;
    for (size_t i = 1; i < n; i++) df += g[i].x != g[i - 1].x;
    if (df < 2) return;
    if (df > (size_t)o->max_df) {
        ix->n_boilerplate++;
        return;
    }
    size_t start = occ->n, kept_docs = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && g[e].x == g[i].x) e++;
        if (e - i <= (size_t)o->max_tf) {
            IBID_GROW(occ->v, occ->m, occ->n + (e - i));
            for (size_t k = i; k < e; k++) occ->v[occ->n++] = (ibid_occ){g[k].x, g[k].y};
            kept_docs++;
        }
        i = e;
    }
    if (kept_docs < 2) { /* too repetitive where it occurs: nothing left to pair */
        occ->n = start;
        return;
    }
    IBID_GROW(ix->group_beg, *m_beg, ix->n_group + 2);
    ix->group_beg[ix->n_group++] = start;
    ix->group_beg[ix->n_group] = occ->n;
}

void ibid_index_build(ibid_index *ix, const ibid_toks *toks, size_t n_doc, const ibid_align_opts *o)
{
    ibid_index_build_for(ix, toks, n_doc, n_doc, o);
}

void ibid_index_build_for(ibid_index *ix, const ibid_toks *toks, size_t n_doc, size_t n_first,
                          const ibid_align_opts *o)
{
    memset(ix, 0, sizeof *ix);
    assert(n_first <= n_doc);
    build b = {0};
    b.toks = toks;
    b.n_doc = n_doc;
    b.n_first = n_first;
    b.n = o->ngram;
    size_t total = 0, first = 0;
    for (size_t d = 0; d < n_doc; d++) {
        if (toks[d].n_tok >= (size_t)b.n) total += toks[d].n_tok - (size_t)b.n + 1;
        if (d + 1 == n_first) first = total;
    }
    b.P = ibid_ngram_passes(total, o->index_memory);
    b.block_docs = n_doc / MAX_BLOCKS + 1;
    b.n_block = (n_doc + b.block_docs - 1) / b.block_docs;
    if (n_first < n_doc) {
        /* 16 bits an n-gram before n_first (at most 2^32): about 6% of the later documents'
         * n-grams that none of the first has are kept by mistake, and then make no seed */
        uint64_t n_bits = (uint64_t)1 << 16;
        while (n_bits < (uint64_t)first * 16 && n_bits < ((uint64_t)1 << 32)) n_bits <<= 1;
        b.s_mask = (uint32_t)(n_bits - 1);
        b.seen = ibid_xcalloc((size_t)(n_bits / 64), sizeof *b.seen);
        b.keep_beg = ibid_xmalloc((n_doc - n_first + 1) * sizeof *b.keep_beg);
        size_t n_words = 0;
        for (size_t d = n_first; d < n_doc; d++) {
            b.keep_beg[d - n_first] = n_words;
            if (toks[d].n_tok >= (size_t)b.n) n_words += (toks[d].n_tok - (size_t)b.n) / 64 + 1;
        }
        b.keep = ibid_xcalloc(n_words + 1, sizeof *b.keep);
        ibid_parallel_for(o->n_threads, b.n_block, see_block, &b);
        ibid_parallel_for(o->n_threads, b.n_block, keep_block, &b);
        free(b.seen);
        b.seen = NULL;
    }
    b.count = ibid_xmalloc((b.n_block ? b.n_block : 1) * NB * sizeof(size_t));
    b.cursor = ibid_xmalloc((b.n_block ? b.n_block : 1) * NB * sizeof(size_t));
    b.sub = ibid_xmalloc((NB + 1) * sizeof(size_t));

    occ_vec occ = {0};
    size_t m_beg = 0, m_post = 0;
    IBID_GROW(ix->group_beg, m_beg, 1);
    ix->group_beg[0] = 0;
    for (b.pass = 0; b.pass < b.P; b.pass++) {
        ibid_parallel_for(o->n_threads, b.n_block, count_block, &b);
        /* sub-bucket major, then block: block order inside a sub-bucket is document order */
        size_t n_post = 0;
        for (size_t sb = 0; sb < NB; sb++) {
            b.sub[sb] = n_post;
            for (size_t blk = 0; blk < b.n_block; blk++) {
                b.cursor[blk * NB + sb] = n_post;
                n_post += b.count[blk * NB + sb];
            }
        }
        b.sub[NB] = n_post;
        IBID_GROW(b.post, m_post, n_post + 1); /* the buffer of the largest pass, reused */
        ibid_parallel_for(o->n_threads, b.n_block, fill_block, &b);
        ibid_parallel_for(o->n_threads, NB, sort_sub, &b);
        for (size_t i = 0; i < n_post;) {
            size_t e = i + 1;
            while (e < n_post && b.post[e].key == b.post[i].key) e++;
            if (e - i > 1) add_group(ix, &occ, &m_beg, b.post + i, e - i, o);
            i = e;
        }
        if (o->progress) {
            ibid_progress pr = {"index", (size_t)b.pass + 1, (size_t)b.P};
            o->progress(o->progress_ud, &pr);
        }
    }
    free(b.post);
    free(b.keep);
    free(b.keep_beg);
    free(b.count);
    free(b.cursor);
    free(b.sub);
    ix->n_pass = b.P;
    ibid_index_transpose(ix, occ.v, occ.n, n_doc);
}

void ibid_index_transpose(ibid_index *ix, ibid_occ *occ, size_t n_occ, size_t n_doc)
{
    /* each document's (position, group) list, by a counting sort on documents */
    ix->group_occ = occ;
    ix->n_doc = n_doc;
    ix->doc_beg = ibid_xcalloc(n_doc + 1, sizeof(size_t));
    for (size_t k = 0; k < n_occ; k++) ix->doc_beg[occ[k].a + 1]++;
    for (size_t d = 0; d < n_doc; d++) ix->doc_beg[d + 1] += ix->doc_beg[d];
    ix->doc_occ = ibid_xmalloc((n_occ ? n_occ : 1) * sizeof(ibid_occ));
    size_t *fill = ibid_xmalloc((n_doc ? n_doc : 1) * sizeof(size_t));
    memcpy(fill, ix->doc_beg, (n_doc ? n_doc : 1) * sizeof(size_t));
    for (size_t g = 0; g < ix->n_group; g++)
        for (size_t k = ix->group_beg[g]; k < ix->group_beg[g + 1]; k++)
            ix->doc_occ[fill[occ[k].a]++] = (ibid_occ){occ[k].b, (uint32_t)g};
    free(fill);
    assert(ix->n_group < UINT32_MAX);
}

void ibid_index_free(ibid_index *ix)
{
    if (!ix) return;
    free(ix->group_beg);
    free(ix->group_occ);
    free(ix->doc_beg);
    free(ix->doc_occ);
    memset(ix, 0, sizeof *ix);
}
