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
#include "terms.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

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
    o->mode = IBID_MODE_VERBATIM;
    o->sent_sim = 0.33;
    o->sent_dice = 0.33;
    o->sent_gap = 4;
    o->frag_sim = 0.4;
    o->summary_gap = 30;
    o->synonyms = 0;
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
    CHECK(o->mode >= 1 && o->mode <= 3, "mode", "a combination of IBID_MODE_* flags");
    CHECK(o->sent_sim >= 0 && o->sent_sim <= 1, "sent-sim", "from 0 to 1");
    CHECK(o->sent_dice >= 0 && o->sent_dice <= 1, "sent-dice", "from 0 to 1");
    CHECK(o->frag_sim >= 0 && o->frag_sim <= 1, "frag-sim", "from 0 to 1");
    CHECK(o->sent_gap >= 0 && o->sent_gap <= 1000, "sent-gap", "from 0 to 1000");
    CHECK(o->summary_gap >= 0 && o->summary_gap <= 100000, "summary-gap", "from 0 to 100000");
    CHECK(!o->translate || (strlen(o->translate) >= 2 && strlen(o->translate) <= 3), "translate",
          "an ISO 639-1 language code");
    return 0;
}

typedef struct {
    const ibid_corpus *c;
    const ibid_align_opts *o;
    ibid_toks *toks;
    ibid_toks *given; /* per document, tokens made by the caller (ibid_align_tokens), or NULL */
    int *rc;          /* per document, tokenizer result */
    ibid_error *errs; /* per document, when rc < 0 */
    const ibid_index *ix;
    const size_t *partner_beg; /* with --pairs: document a's partners b > a are */
    const uint32_t *partner;   /* partner[partner_beg[a], partner_beg[a + 1]) */
    size_t *rel_beg;           /* without --pairs, with the sentence layer: document a's */
    uint32_t *rel;             /* related documents b > a are rel[rel_beg[a], rel_beg[a + 1]) */
    ibid_arena **km;           /* per thread */
    ibid_passage **out;        /* per document a: the passages of its pairs (a, b > a) */
    size_t *n_out;
    size_t *n_seeds, *n_cand; /* per document */
    const uint32_t *rank;     /* document rank in id order */
    ibid_terms *terms;        /* per document, with the sentence layer; else NULL */
    ibid_terms_ctx **tctx;    /* per thread */
    ibid_word **words;        /* per thread: the tokens of the document it is tokenizing */
    size_t *m_words;
    char (*lang)[8];   /* per document: its language, "" when unknown */
    ibid_dict **dict;  /* per document: to the pivot language, or NULL */
    ibid_dict **dicts; /* the dictionaries loaded, to free */
    size_t n_dicts, m_dicts;
    ibid_wordnet *wn; /* or NULL */
    double log_sent;
    size_t base; /* align_doc's item i is document base + i */
} job;

/* Tokenize document i; with the sentence layer, also split it into sentences of terms from
 * the same tokens, in one pass over the text. */
static void tokenize_doc(void *ud, size_t i, int tid)
{
    job *j = ud;
    const ibid_doc *d = ibid_corpus_doc(j->c, i);
    if (!j->terms && j->given && j->given[i].tok) {
        j->toks[i] = j->given[i];
        memset(&j->given[i], 0, sizeof j->given[i]);
        j->rc[i] = 0;
        return;
    }
    if (!j->terms) {
        j->rc[i] = ibid_tokenize_hashes(&j->toks[i], d->text, d->n_text, j->o->norm, &j->errs[i]);
        return;
    }
    ibid_word **w = &j->words[tid];
    j->rc[i] = ibid_tokenize_words(&j->toks[i], w, &j->m_words[tid], d->text, d->n_text, j->o->norm,
                                   &j->errs[i]);
    if (j->rc[i] == 0)
        j->rc[i] = ibid_terms_build(
            &j->terms[i], j->tctx[tid], d->text, d->n_text, *w, j->toks[i].n_tok, j->o->norm,
            j->lang[i], j->dict ? j->dict[i] : NULL, j->o->translate, j->wn, &j->errs[i]);
}

static void detect_doc(void *ud, size_t i, int tid)
{
    job *j = ud;
    const ibid_doc *d = ibid_corpus_doc(j->c, i);
    snprintf(j->lang[i], sizeof j->lang[i], "%s",
             ibid_terms_lang(j->tctx[tid], d->text, d->n_text));
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

/* Do passages p and q overlap in both documents? */
static int overlap2(const ibid_passage *p, const ibid_passage *q)
{
    return p->tok_beg1 < q->tok_end1 && q->tok_beg1 < p->tok_end1 && p->tok_beg2 < q->tok_end2 &&
           q->tok_beg2 < p->tok_end2;
}

/* Grow reworded passage r over verbatim passage v. */
static void absorb(ibid_passage *r, const ibid_passage *v)
{
#define LO(f) (r->f = v->f < r->f ? v->f : r->f)
#define HI(f) (r->f = v->f > r->f ? v->f : r->f)
    LO(tok_beg1), LO(tok_beg2), LO(cp_beg1), LO(cp_beg2), LO(byte_beg1), LO(byte_beg2);
    HI(tok_end1), HI(tok_end2), HI(cp_end1), HI(cp_end2), HI(byte_end1), HI(byte_end2);
#undef LO
#undef HI
}

/*
 * The passages of one pair from both layers: a reworded passage takes in the verbatim passages
 * it overlaps in both documents (so that one reuse is one passage), and is called verbatim
 * when they cover most of it; verbatim passages it does not touch stay as they are. Writes the
 * result to v (room for nv + nr) and returns how many.
 */
static size_t combine(const job *j, ibid_passage *v, size_t nv, ibid_passage *r, size_t nr)
{
    uint8_t *taken = nv ? ibid_xcalloc(nv, 1) : NULL;
    size_t n = 0;
    for (size_t k = 0; k < nr; k++) {
        uint32_t covered = 0;
        for (size_t i = 0; i < nv; i++)
            if (overlap2(&r[k], &v[i])) {
                absorb(&r[k], &v[i]);
                covered += v[i].tok_end1 - v[i].tok_beg1;
                taken[i] = 1;
            }
        if (2 * covered >= r[k].tok_end1 - r[k].tok_beg1)
            r[k].kind = IBID_KIND_VERBATIM;
        else if (strcmp(j->lang[r[k].doc1], j->lang[r[k].doc2]) != 0 && j->dict &&
                 (j->dict[r[k].doc1] || j->dict[r[k].doc2]))
            r[k].kind = IBID_KIND_TRANSLATED;
    }
    for (size_t i = 0; i < nv; i++)
        if (!taken[i]) v[n++] = v[i];
    free(taken);
    for (size_t k = 0; k < nr; k++) v[n++] = r[k];
    /* absorbing may have made reworded passages overlap each other */
    return ibid_passages_resolve(v, n);
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
    /* the sentence layer looks at every listed pair (whatever their seeds), else at the pairs
     * with enough seeds and those related by rare terms */
    int min_seeds = j->terms && partners ? 1 : j->o->min_seeds;
    size_t n_cand = ibid_candidates(km, j->ix, (uint32_t)a, partners, n_partners, min_seeds, &hits,
                                    &n_hits, &cand);
    j->n_seeds[a] = n_hits;
    size_t n_out = 0, m_out = 0, n_verbatim = 0;
    ibid_passage *out = NULL;
    /* the pairs: candidates, and with the sentence layer every listed partner too, or without
     * a list every related document */
    const uint32_t *more = NULL;
    size_t n_more = 0;
    if (j->terms && partners)
        more = partners, n_more = n_partners;
    else if (j->rel)
        more = j->rel + j->rel_beg[a], n_more = j->rel_beg[a + 1] - j->rel_beg[a];
    size_t c = 0, pi = 0;
    while (c < n_cand || pi < n_more) {
        uint32_t b;
        const ibid_cand *cd = NULL;
        if (c < n_cand && (pi >= n_more || cand[c].b <= more[pi])) {
            cd = &cand[c++];
            b = cd->b;
            if (pi < n_more && more[pi] == b) pi++;
        } else {
            b = more[pi++];
        }
        size_t nv = 0, nr = 0;
        ibid_passage *ps = NULL, *rw = NULL;
        if (cd && (j->o->mode & IBID_MODE_VERBATIM) &&
            cd->end - cd->beg >= (size_t)j->o->min_seeds) {
            n_verbatim++;
            /* a pair has at most one chain per seed, so its seeds bound its passages */
            ps = ibid_arena_alloc(km, (cd->end - cd->beg) * sizeof *ps);
            nv = align_pair(j, km, cd, hits, ps);
            for (size_t k = 0; k < nv; k++) locate(j, &ps[k]);
        }
        if (j->terms) {
            int swap = j->rank[a] > j->rank[b];
            uint32_t d1 = swap ? b : (uint32_t)a, d2 = swap ? (uint32_t)a : b;
            nr = ibid_reword_pair(km, &j->terms[d1], &j->terms[d2], d1, d2, j->toks[d1].tok,
                                  j->toks[d2].tok, j->log_sent, j->o, &rw);
            for (size_t k = 0; k < nr; k++) locate(j, &rw[k]);
            if (nr) {
                ibid_passage *all = ibid_arena_alloc(km, (nv + nr) * sizeof *all);
                if (nv) memcpy(all, ps, nv * sizeof *all);
                nv = combine(j, all, nv, rw, nr);
                ps = all;
            }
        }
        if (!nv) continue;
        IBID_GROW(out, m_out, n_out + nv);
        memcpy(out + n_out, ps, nv * sizeof *ps);
        n_out += nv;
    }
    j->n_cand[a] = n_verbatim;
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

/* ISO 639-1 codes to the ISO 639-3 codes of FreeDict's file names. */
static const char *iso3(const char *lang)
{
    static const char *const map[][2] = {
        {"ar", "ara"}, {"de", "deu"}, {"en", "eng"}, {"es", "spa"}, {"fr", "fra"},
        {"it", "ita"}, {"nl", "nld"}, {"pt", "por"}, {"ru", "rus"}, {"sv", "swe"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(map[i][0], lang) == 0) return map[i][1];
    return NULL;
}

/* The sentence layer, before tokenizing: languages, dictionaries to the pivot, WordNet; the
 * terms are then built as the documents are tokenized. */
static int prepare_terms(job *j, size_t n_doc, ibid_error *err)
{
    const ibid_align_opts *o = j->o;
    int rc = 0;
    size_t n1 = n_doc ? n_doc : 1;
    j->tctx = ibid_xmalloc((size_t)o->n_threads * sizeof *j->tctx);
    for (int t = 0; t < o->n_threads; t++) j->tctx[t] = ibid_terms_ctx_new();
    j->words = ibid_xcalloc((size_t)o->n_threads, sizeof *j->words);
    j->m_words = ibid_xcalloc((size_t)o->n_threads, sizeof *j->m_words);
    j->lang = ibid_xcalloc(n1, sizeof *j->lang);
    ibid_parallel_for(o->n_threads, n_doc, detect_doc, j);
    if (o->translate) { /* one dictionary per language found, loaded once */
        const char *pivot3 = iso3(o->translate);
        j->dict = ibid_xcalloc(n1, sizeof *j->dict);
        for (size_t i = 0; i < n_doc && pivot3; i++) {
            const char *l3 = *j->lang[i] ? iso3(j->lang[i]) : NULL;
            if (!l3 || strcmp(j->lang[i], o->translate) == 0 || j->dict[i]) continue;
            ibid_dict *d = NULL;
            ibid_error e;
            /* no dictionary for a language: its documents are compared untranslated */
            if ((rc = ibid_dict_load(&d, o->dict_dir, l3, pivot3, &e)) < 0) {
                if (rc != IBID_EIO || access(e.source, F_OK) == 0) {
                    if (err) *err = e;
                    return rc;
                }
                d = NULL;
                rc = 0;
            }
            ibid_stemmer *st = d ? ibid_stemmer_new(j->lang[i]) : NULL;
            if (st) ibid_dict_index_stems(d, st); /* inflected words find their headwords */
            ibid_stemmer_free(st);
            for (size_t k = i; k < n_doc; k++)
                if (strcmp(j->lang[k], j->lang[i]) == 0) j->dict[k] = d;
            if (d) {
                IBID_GROW(j->dicts, j->m_dicts, j->n_dicts + 1);
                j->dicts[j->n_dicts++] = d;
            }
        }
    }
    if (o->synonyms && (rc = ibid_wordnet_load(&j->wn, o->wordnet_dir, err)) < 0) return rc;
    j->terms = ibid_xcalloc(n1, sizeof *j->terms);
    return 0;
}

static void free_terms(job *j)
{
    free(j->terms); /* their arrays belong to the contexts' stores */
    if (j->tctx)
        for (int t = 0; t < j->o->n_threads; t++) ibid_terms_ctx_free(j->tctx[t]);
    free(j->tctx);
    if (j->words)
        for (int t = 0; t < j->o->n_threads; t++) free(j->words[t]);
    free(j->words);
    free(j->m_words);
    for (size_t i = 0; i < j->n_dicts; i++) ibid_dict_free(j->dicts[i]);
    ibid_wordnet_free(j->wn);
    free(j->dicts);
    free(j->dict);
    free(j->lang);
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

/* ibid_align, or with `given` its local step for the MPI driver: the index is given, and only
 * documents a < n_walk are walked for their pairs (a, b > a). */
static int align_run(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
                     const ibid_index *given, size_t n_walk, ibid_toks *given_toks, size_t n_first,
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
    j.given = given_toks;
    j.rc = ibid_xcalloc(n1, sizeof(int));
    j.errs = ibid_xcalloc(n1, sizeof(ibid_error));
    ibid_index ix = {0};
    size_t *partner_beg = NULL;
    uint32_t *partner = NULL;
    ibid_result *r = ibid_xcalloc(1, sizeof *r);

    if (o->mode & IBID_MODE_REWORDED) {
        progress(o, "languages", 0, n_doc);
        if ((rc = prepare_terms(&j, n_doc, err)) < 0) goto done;
        progress(o, "languages", n_doc, n_doc);
    }
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
    progress(o, "tokenize", n_doc, n_doc);
    if (j.terms) {
        progress(o, "weigh", 0, n_doc);
        size_t n_sent = ibid_terms_weigh(j.terms, n_doc, j.tctx, o->n_threads);
        j.log_sent = log(n_sent > 1 ? (double)n_sent : 2.0);
        progress(o, "weigh", n_doc, n_doc);
    }
    free(j.errs);
    j.errs = NULL;

    progress(o, "index", 0, 1);
    if (!given) ibid_index_build_for(&ix, j.toks, n_doc, only ? n_first : n_doc, o);
    r->n_shared_ngrams = given ? given->n_group : ix.n_group;
    r->n_boilerplate = given ? given->n_boilerplate : ix.n_boilerplate;
    if (only)
        partners_of(only, n_doc, &partner_beg, &partner);
    else if (j.terms) /* the sentence layer also compares documents related by rare terms */
        r->n_related = ibid_terms_related(j.terms, n_doc, j.log_sent, o->max_df, o->n_threads,
                                          &j.rel_beg, &j.rel);

    j.ix = given ? given : &ix;
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
    assert(n_walk <= n_doc);
    for (size_t s0 = 0; s0 < n_walk; s0 += slice) {
        size_t s1 = s0 + slice < n_walk ? s0 + slice : n_walk;
        j.base = s0;
        ibid_parallel_for(o->n_threads, s1 - s0, align_doc, &j);
        progress(o, "align", s1, n_walk);
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
    free_terms(&j);
    for (size_t i = 0; i < n_doc; i++) ibid_toks_free(&j.toks[i]);
    free(j.toks);
    free(j.rc);
    free(j.errs);
    free(partner_beg);
    free(partner);
    free(j.rel_beg);
    free(j.rel);
    ibid_index_free(&ix);
    if (rc < 0) {
        ibid_result_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int ibid_align(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
               const ibid_align_opts *o, ibid_error *err)
{
    return align_run(out, c, only, NULL, ibid_corpus_size(c), NULL, ibid_corpus_size(c), o, err);
}

int ibid_align_tokens(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
                      ibid_toks *toks, size_t n_first, const ibid_align_opts *o, ibid_error *err)
{
    assert(n_first <= ibid_corpus_size(c));
    return align_run(out, c, only, NULL, ibid_corpus_size(c), toks, n_first, o, err);
}

int ibid_align_indexed(ibid_result **out, const ibid_corpus *c, const ibid_pairs *only,
                       const ibid_index *ix, size_t n_walk, const ibid_align_opts *o,
                       ibid_error *err)
{
    assert(ix && ix->n_doc == ibid_corpus_size(c) && o->mode == IBID_MODE_VERBATIM);
    return align_run(out, c, only, ix, n_walk, NULL, ibid_corpus_size(c), o, err);
}

void ibid_result_free(ibid_result *r)
{
    if (!r) return;
    free(r->passages);
    free(r);
}
