/*
 * pipeline.c: ibid_align, the whole pipeline from a corpus to sorted passages.
 *
 *   1. tokenize every document (parallel over documents)        tokenize.c
 *   2. shared n-grams -> seeds, sorted by document pair          ngram.c, sort.c
 *   3. pairs with enough seeds -> candidates                     candidates.c
 *   4. per candidate (parallel): chain, align, resolve overlaps  chain.c, align.c, passage.c
 *   5. token spans -> code points and bytes; sort by ids         tokenize.c, passage.c
 *
 * Each worker owns an arena for the scratch of one candidate, reset after it; candidate i
 * writes only slot i, and the final sort is by a total key, so any thread count gives the same
 * bytes.
 */
#include "ibid_int.h"

void ibid_align_opts_init(ibid_align_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ngram = 4;
    o->max_df = 100;
    o->max_tf = 8;
    o->min_seeds = 3;
    o->max_gap = 80;
    o->min_words = 15;
    o->merge_gap = 80;
    o->match = 2;
    o->mismatch = -1;
    o->gap_open = 0;
    o->gap_extend = 1;
    o->xdrop = 20;
    o->norm = IBID_NORM_DEFAULT;
    o->n_threads = 1;
    o->index_memory = (size_t)512 << 20;
}

#define CHECK(cond, name, range)                                                                   \
    do {                                                                                           \
        if (!(cond)) return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "%s must be %s", name, range); \
    } while (0)

int ibid_align_opts_check(const ibid_align_opts *o, ibid_error *err)
{
    CHECK(o->ngram >= 1 && o->ngram <= 64, "ngram", "from 1 to 64");
    CHECK(o->max_df >= 2, "max-df", "at least 2");
    CHECK(o->max_tf >= 1, "max-tf", "at least 1");
    CHECK(o->min_seeds >= 1, "min-seeds", "at least 1");
    CHECK(o->max_gap >= 0 && o->max_gap <= 10000, "max-gap", "from 0 to 10000");
    CHECK(o->min_words >= 1, "min-words", "at least 1");
    CHECK(o->merge_gap >= 0, "merge-gap", "at least 0");
    CHECK(o->match >= 1 && o->match <= 1000, "match", "from 1 to 1000");
    CHECK(o->mismatch <= 0 && o->mismatch >= -1000, "mismatch", "from -1000 to 0");
    CHECK(o->gap_open >= 0 && o->gap_open <= 1000, "gap-open", "from 0 to 1000");
    CHECK(o->gap_extend >= 0 && o->gap_extend <= 1000, "gap-extend", "from 0 to 1000");
    CHECK(o->xdrop >= 1, "xdrop", "at least 1");
    CHECK(o->n_threads >= 1 && o->n_threads <= 1024, "threads", "from 1 to 1024");
    CHECK((o->norm & ~(unsigned)(IBID_NORM_CASEFOLD | IBID_NORM_STRIPMARK | IBID_NORM_MARKUP)) == 0,
          "norm", "a combination of IBID_NORM_* flags");
    return 0;
}

typedef struct {
    const ibid_corpus *c;
    const ibid_align_opts *o;
    ibid_toks *toks;
    int *rc;          /* per document, tokenizer result */
    ibid_error *errs; /* per document, when rc < 0 */
    const ibid_index *ix;
    const size_t *partner_beg; /* with --pairs: document a's partners b > a are */
    const uint32_t *partner;   /* partner[partner_beg[a], partner_beg[a + 1]) */
    ibid_arena **km;           /* per thread */
    ibid_passage **out;        /* per document a: the passages of its pairs (a, b > a) */
    size_t *n_out;
    size_t *n_seeds, *n_cand; /* per document */
    const uint32_t *rank;     /* document rank in id order */
    size_t base;              /* align_doc's item i is document base + i */
} job;

static void tokenize_doc(void *ud, size_t i, int tid)
{
    job *j = ud;
    (void)tid;
    const ibid_doc *d = ibid_corpus_doc(j->c, i);
    j->rc[i] = ibid_tokenize_hashes(&j->toks[i], d->text, d->n_text, j->o->norm, &j->errs[i]);
}

/* The code point and byte offsets of tokens [tok_beg, tok_end) of document d. */
static void span_of(const job *j, uint32_t d, uint32_t tok_beg, uint32_t tok_end, uint32_t *cp_beg,
                    uint32_t *cp_end, uint32_t *byte_beg, uint32_t *byte_end)
{
    ibid_token first, last;
    const ibid_doc *doc = ibid_corpus_doc(j->c, d);
    ibid_toks_span(&j->toks[d], doc->text, doc->n_text, j->o->norm, tok_beg, tok_end, &first,
                   &last);
    *cp_beg = first.cp_beg;
    *cp_end = last.cp_end;
    *byte_beg = first.byte_beg;
    *byte_end = last.byte_end;
}

/* Fill in the code point and byte offsets of a passage's token spans. */
static void locate(const job *j, ibid_passage *p)
{
    span_of(j, p->doc1, p->tok_beg1, p->tok_end1, &p->cp_beg1, &p->cp_end1, &p->byte_beg1,
            &p->byte_end1);
    span_of(j, p->doc2, p->tok_beg2, p->tok_end2, &p->cp_beg2, &p->cp_end2, &p->byte_beg2,
            &p->byte_end2);
}

/*
 * Align the chains of one candidate pair into passages written to ps (room for one per seed).
 * The pair is aligned with the document first in id order as side 1, whichever index it has,
 * so that ties in chaining and alignment break the same way however the input was ordered.
 */
static size_t align_pair(const job *j, ibid_arena *km, const ibid_cand *cd, const ibid_rec *hits,
                         ibid_passage *ps)
{
    int swap = j->rank[cd->a] > j->rank[cd->b];
    uint32_t d1 = swap ? cd->b : cd->a, d2 = swap ? cd->a : cd->b;
    const ibid_toks *ta = &j->toks[d1], *tb = &j->toks[d2];
    size_t n_an = cd->end - cd->beg;
    ibid_anchor *an = ibid_arena_alloc(km, n_an * sizeof *an);
    for (size_t k = 0; k < n_an; k++) {
        const ibid_rec *h = &hits[cd->beg + k];
        uint32_t x = (uint32_t)h->key, y = h->x;
        an[k] = swap ? (ibid_anchor){y, x} : (ibid_anchor){x, y};
    }
    if (swap) { /* the chainer wants anchors sorted by (x, y) */
        ibid_rec *t = ibid_arena_alloc(km, n_an * sizeof *t);
        for (size_t k = 0; k < n_an; k++)
            t[k] = (ibid_rec){(uint64_t)an[k].x << 32 | an[k].y, 0, 0};
        ibid_rec_sort(t, n_an, 1);
        for (size_t k = 0; k < n_an; k++)
            an[k] = (ibid_anchor){(uint32_t)(t[k].key >> 32), (uint32_t)t[k].key};
    }
    ibid_chain *ch;
    size_t n_ch = ibid_chain_anchors(km, an, n_an, j->o, &ch);
    for (size_t k = 0; k < n_ch; k++) {
        memset(&ps[k], 0, sizeof ps[k]);
        ps[k].doc1 = d1, ps[k].doc2 = d2;
        ibid_align_chain(km, ta->tok, (uint32_t)ta->n_tok, tb->tok, (uint32_t)tb->n_tok,
                         an + ch[k].beg, ch[k].end - ch[k].beg, j->o, &ps[k]);
    }
    size_t n = ibid_passages_resolve(ps, n_ch);
    return ibid_passages_merge(ps, n, (uint32_t)j->o->merge_gap, (uint32_t)j->o->min_words);
}

/* Everything document a shares with the documents after it. */
static void align_doc(void *ud, size_t i, int tid)
{
    job *j = ud;
    size_t a = j->base + i;
    ibid_arena *km = j->km[tid];
    ibid_rec *hits;
    ibid_cand *cand;
    size_t n_hits;
    const uint32_t *partners = j->partner ? j->partner + j->partner_beg[a] : NULL;
    size_t n_partners = j->partner ? j->partner_beg[a + 1] - j->partner_beg[a] : 0;
    size_t n_cand = ibid_candidates(km, j->ix, (uint32_t)a, partners, n_partners, j->o->min_seeds,
                                    &hits, &n_hits, &cand);
    j->n_seeds[a] = n_hits;
    j->n_cand[a] = n_cand;
    size_t n_out = 0, m_out = 0;
    ibid_passage *out = NULL;
    for (size_t c = 0; c < n_cand; c++) {
        /* a pair has at most one chain per seed, so its seeds bound its passages */
        ibid_passage *ps = ibid_arena_alloc(km, (cand[c].end - cand[c].beg) * sizeof *ps);
        size_t n_ps = align_pair(j, km, &cand[c], hits, ps);
        if (!n_ps) continue;
        IBID_GROW(out, m_out, n_out + n_ps);
        for (size_t k = 0; k < n_ps; k++) {
            locate(j, &ps[k]);
            out[n_out++] = ps[k];
        }
    }
    j->out[a] = out;
    j->n_out[a] = n_out;
    ibid_arena_reset(km);
}

typedef struct {
    const char *id;
    uint32_t doc;
} id_doc;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const id_doc *)a)->id, ((const id_doc *)b)->id);
}

/* rank[d]: the position of document d's id in strcmp order. */
static uint32_t *id_ranks(const ibid_corpus *c)
{
    size_t n = ibid_corpus_size(c);
    id_doc *v = ibid_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (id_doc){ibid_corpus_id(c, i), (uint32_t)i};
    qsort(v, n, sizeof *v, by_id);
    uint32_t *rank = ibid_xmalloc((n ? n : 1) * sizeof *rank);
    for (size_t r = 0; r < n; r++) rank[v[r].doc] = (uint32_t)r;
    free(v);
    return rank;
}

static void progress(const ibid_align_opts *o, const char *stage, size_t done, size_t total)
{
    if (!o->progress) return;
    ibid_progress p = {stage, done, total};
    o->progress(o->progress_ud, &p);
}

/* With a pair list: for each document a, its partners b > a, sorted. */
static void partners_of(const ibid_pairs *only, size_t n_doc, size_t **beg, uint32_t **partner)
{
    size_t n;
    const ibid_pair *v = ibid_pairs_items(only, &n);
    *beg = ibid_xcalloc(n_doc + 1, sizeof(size_t));
    *partner = ibid_xmalloc((n ? n : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        assert(v[i].a < v[i].b && v[i].b < n_doc && (i == 0 || v[i - 1].a <= v[i].a));
        (*beg)[v[i].a + 1]++;
        (*partner)[i] = v[i].b;
    }
    for (size_t d = 0; d < n_doc; d++) (*beg)[d + 1] += (*beg)[d];
}

int ibid_align(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
               const ibid_align_opts *o, ibid_error *err)
{
    int rc;
    *out = NULL;
    if ((rc = ibid_align_opts_check(o, err)) < 0) return rc;
    size_t n_doc = ibid_corpus_size(c), n1 = n_doc ? n_doc : 1;
    job j = {0};
    j.c = c;
    j.o = o;
    j.toks = ibid_xcalloc(n1, sizeof(ibid_toks));
    j.rc = ibid_xcalloc(n1, sizeof(int));
    j.errs = ibid_xcalloc(n1, sizeof(ibid_error));
    ibid_index ix = {0};
    size_t *partner_beg = NULL;
    uint32_t *partner = NULL;
    ibid_result *r = ibid_xcalloc(1, sizeof *r);

    progress(o, "tokenize", 0, n_doc);
    ibid_parallel_for(o->n_threads, n_doc, tokenize_doc, &j);
    for (size_t i = 0; i < n_doc; i++) {
        if (j.rc[i] < 0) { /* the corpus checks UTF-8 on the way in: only a bug gets here */
            rc = ibid_fail(err, j.rc[i], ibid_corpus_id(c, i), j.errs[i].line, j.errs[i].column,
                           "%s", j.errs[i].message);
            goto done;
        }
        r->n_tokens += j.toks[i].n_tok;
    }
    free(j.errs);
    j.errs = NULL;
    progress(o, "tokenize", n_doc, n_doc);

    progress(o, "index", 0, 1);
    ibid_index_build(&ix, j.toks, n_doc, o);
    r->n_shared_ngrams = ix.n_group;
    r->n_boilerplate = ix.n_boilerplate;
    if (only) partners_of(only, n_doc, &partner_beg, &partner);

    j.ix = &ix;
    j.partner_beg = partner_beg;
    j.partner = partner;
    j.rank = id_ranks(c);
    j.km = ibid_xmalloc((size_t)o->n_threads * sizeof(ibid_arena *));
    for (int t = 0; t < o->n_threads; t++) j.km[t] = ibid_arena_new();
    j.out = ibid_xcalloc(n1, sizeof(ibid_passage *));
    j.n_out = ibid_xcalloc(n1, sizeof(size_t));
    j.n_seeds = ibid_xcalloc(n1, sizeof(size_t));
    j.n_cand = ibid_xcalloc(n1, sizeof(size_t));
    progress(o, "align", 0, n_doc);
    /* align in slices of documents so that progress can be reported from this thread */
    const size_t slice = 1024;
    for (size_t s0 = 0; s0 < n_doc; s0 += slice) {
        size_t s1 = s0 + slice < n_doc ? s0 + slice : n_doc;
        j.base = s0;
        ibid_parallel_for(o->n_threads, s1 - s0, align_doc, &j);
        progress(o, "align", s1, n_doc);
    }
    size_t total = 0;
    for (size_t i = 0; i < n_doc; i++) {
        total += j.n_out[i];
        r->n_seeds += j.n_seeds[i];
        r->n_candidates += j.n_cand[i];
    }
    r->passages = ibid_xmalloc((total ? total : 1) * sizeof(ibid_passage));
    for (size_t i = 0; i < n_doc; i++) {
        if (j.n_out[i])
            memcpy(r->passages + r->n_passages, j.out[i], j.n_out[i] * sizeof(ibid_passage));
        r->n_passages += j.n_out[i];
        free(j.out[i]);
    }
    progress(o, "sort", 0, r->n_passages);
    ibid_passages_sort(r->passages, r->n_passages, j.rank);
    progress(o, "done", r->n_passages, r->n_passages);
    rc = 0;
done:
    if (j.km)
        for (int t = 0; t < o->n_threads; t++) ibid_arena_free(j.km[t]);
    free(j.km);
    free(j.out);
    free(j.n_out);
    free(j.n_seeds);
    free(j.n_cand);
    free((void *)j.rank);
    for (size_t i = 0; i < n_doc; i++) ibid_toks_free(&j.toks[i]);
    free(j.toks);
    free(j.rc);
    free(j.errs);
    free(partner_beg);
    free(partner);
    ibid_index_free(&ix);
    if (rc < 0) {
        ibid_result_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void ibid_result_free(ibid_result *r)
{
    if (!r) return;
    free(r->passages);
    free(r);
}
