/*
 * cluster.c: stories. Groups the passages of an alignment into stories, each one text reused
 * by several documents, and flags boilerplate.
 *
 * The model is passim's clustering of reprints (Smith, Cordell and Mullen, "Computational
 * Methods for Uncovering Reprinted Texts in Antebellum Newspapers", 2015): a passage is an edge
 * between two spans; spans of one document that cover the same text are one node; connected
 * components, found with a union-find, are the clusters. Three guards keep a component one
 * story:
 *
 *   1. Same text, not just touching: two spans of one document link their passages only when
 *      they overlap by at least link_overlap of the longer span. A quote inside a long article,
 *      or two articles that share an edge paragraph, do not link.
 *   2. Boilerplate: a span whose text the document shares with more than boilerplate_docs other
 *      documents, in passages looser than copy_identity, is a template or a stock paragraph
 *      (Reuters' eurobond notices, "the company said it will report ..."), not a story: such
 *      passages are flagged, belong to no story and link nothing. Syndicated copies (identity
 *      at least copy_identity) are kept however many there are.
 *   3. Containment: the components of rule 1 are cores. A span contained in a much longer one
 *      (a flash later grown into a full story, a pasted paragraph, or one shared quote) merges
 *      two cores only when they already share at least two documents and merge_share of the
 *      smaller core's documents, and when each document only one of them has is at least
 *      join_cover its core's text: a flash or a post built on a pasted paragraph joins the
 *      story, a long article that quotes one sentence of it does not. Each decision looks at
 *      the two cores as rule 1 made them, never at merged ones, so merges cannot snowball and
 *      the result does not depend on their order.
 *
 * Every step sorts by a total key, so stories depend only on the corpus, the passages and the
 * options.
 */
#include "stories.h"

void ibid_stories_opts_init(ibid_stories_opts *o)
{
    o->link_overlap = 0.5;
    o->merge_share = 0.5;
    o->boilerplate_docs = 20;
    o->copy_identity = 0.9;
    o->rare_df = 0;
    o->join_cover = 0.25;
}

static int opts_check(const ibid_stories_opts *o, ibid_error *err)
{
    if (!(o->link_overlap > 0 && o->link_overlap <= 1))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "link_overlap must be in (0, 1]");
    if (!(o->merge_share >= 0 && o->merge_share <= 1))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "merge_share must be in [0, 1]");
    if (o->boilerplate_docs < 1)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "boilerplate_docs must be at least 1");
    if (!(o->copy_identity >= 0 && o->copy_identity <= 1))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "copy_identity must be in [0, 1]");
    if (!(o->join_cover >= 0 && o->join_cover <= 1))
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "join_cover must be in [0, 1]");
    if (o->rare_df < 0)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "rare_df must be 0 (auto) or more");
    return 0;
}

/* ---- union-find with path halving and union by index (the smaller index is the root) ---- */

static uint32_t uf_find(uint32_t *up, uint32_t x)
{
    while (up[x] != x) {
        up[x] = up[up[x]];
        x = up[x];
    }
    return x;
}

static void uf_union(uint32_t *up, uint32_t a, uint32_t b)
{
    a = uf_find(up, a), b = uf_find(up, b);
    if (a < b)
        up[b] = a;
    else if (b < a)
        up[a] = b;
}

/* One side of a passage: its span in one document. */
typedef struct {
    uint32_t doc, beg, end; /* code points */
    uint32_t partner;       /* the other document */
    uint32_t pid;           /* the passage */
} occ;

static int by_occ(const void *pa, const void *pb)
{
    const occ *a = pa, *b = pb;
    if (a->doc != b->doc) return a->doc < b->doc ? -1 : 1;
    if (a->beg != b->beg) return a->beg < b->beg ? -1 : 1;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return (a->pid > b->pid) - (a->pid < b->pid);
}

static int by_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

static int by_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static uint32_t overlap(const occ *a, const occ *b)
{
    uint32_t beg = a->beg > b->beg ? a->beg : b->beg, end = a->end < b->end ? a->end : b->end;
    return end > beg ? end - beg : 0;
}

/* Same text: the overlap is at least `share` of the longer span (an empty span never links). */
static int same_text(const occ *a, const occ *b, double share)
{
    uint32_t la = a->end - a->beg, lb = b->end - b->beg, ov = overlap(a, b);
    return ov > 0 && ov >= share * (la > lb ? la : lb);
}

/* Rule 2: how widely each passage's text is shared: spread[pid] is 1 + the most distinct
 * documents its span shares the same text with, in either of its documents. Passages whose
 * text is shared with more than boilerplate_docs documents are flagged, unless they are
 * copies. */
static void flag_boilerplate(ibid_stories *s, const ibid_result *r, const occ *oc, size_t n_oc,
                             const ibid_stories_opts *o, const uint8_t *fixed, uint32_t *spread)
{
    size_t m_part = 0;
    uint32_t *part = NULL;
    for (size_t i = 0, j; i < n_oc; i = j) {
        for (j = i; j < n_oc && oc[j].doc == oc[i].doc; j++) continue;
        for (size_t a = i; a < j; a++) {
            size_t n_part = 0;
            for (size_t b = i; b < j && oc[b].beg < oc[a].end; b++) {
                if (b != a && !same_text(&oc[a], &oc[b], o->link_overlap)) continue;
                IBID_GROW(part, m_part, n_part + 1);
                part[n_part++] = oc[b].partner;
            }
            if (n_part > 1) qsort(part, n_part, sizeof *part, by_u32);
            uint32_t n_distinct = 0;
            for (size_t k = 0; k < n_part; k++) n_distinct += k == 0 || part[k] != part[k - 1];
            uint32_t pid = oc[a].pid;
            if (n_distinct + 1 > spread[pid]) spread[pid] = n_distinct + 1;
            if (n_distinct > (uint32_t)o->boilerplate_docs && !(fixed && fixed[pid]) &&
                ibid_passage_identity(&r->passages[pid]) < o->copy_identity)
                s->pinfo[pid].boilerplate = 1;
        }
    }
    free(part);
}

/* ---- rule 2b: templates ----
 * A verbatim passage whose two spans share fewer than two rare words (one, for a copy at least
 * copy_identity identical), or, unless it is a copy, only figures and fewer than
 * IBID_FIGURES_NEED of them, is a template: the same form filled with other names and figures ("X
 * Corp is issuing a 100 mln dlr eurobond due
 * ..."). A word is rare for a passage when it is found in at most spread + rare_df documents,
 * where spread counts the documents that share the passage's text: a text reused by ten
 * documents puts its names in ten documents at least, a form used by hundreds puts its words in
 * hundreds. The words are found again with the tokenizer; their document frequencies are
 * counted over the whole corpus.
 * Figures: the tokenizer splits "3,346,627" into three groups, and two forms filled with other
 * figures share three-digit groups by chance (Reuters 9097 and 11031, two companies' earnings
 * tables at identity 0.53, shared "933" of "933,183" and of "438,933", and "627": their only
 * rare words), so a passage looser than a copy needs a rare shared word that is not a figure,
 * or three rare figures: a table reissued with its layout changed shares many (Reuters 4114 and
 * 4115, 8335 and 8339), two forms rarely three. In a copy, one figure is enough. */

/* A figure: a token of one to three ASCII digits, a number or a group of one ("3,346,627" is
 * three tokens). Longer runs of digits ("5261" of "9.5261") rarely meet by chance. */
static int is_figure(const char *text, const ibid_token *t)
{
    for (uint32_t b = t->byte_beg; b < t->byte_end; b++)
        if (text[b] < '0' || text[b] > '9') return 0;
    return t->byte_end > t->byte_beg && t->byte_end - t->byte_beg <= 3;
}

/* A word of a document: its hash, where it starts, and 1 when it is a figure (is_figure). */
typedef struct {
    uint32_t hash, cp_beg : 31, figure : 1;
} word;

typedef struct {
    size_t *beg; /* document d's words are w[beg[d], beg[d + 1]) */
    word *w;
    uint64_t *df; /* sorted hash << 32 | documents holding it (when df_of is NULL) */
    size_t n_df;
    uint32_t (*df_of)(void *arg, uint32_t hash); /* or the whole store's, from the caller */
    void *df_arg;
} word_index;

static int by_word_hash(const void *pa, const void *pb)
{
    uint32_t a = ((const word *)pa)->hash, b = ((const word *)pb)->hash;
    return (a > b) - (a < b);
}

/* The words of the documents of the verbatim passages (not fixed ones), and, unless wi->df_of
 * gives them, the document frequencies of all words of the corpus. */
static int words_build(word_index *wi, const ibid_corpus *c, const ibid_result *r,
                       const uint8_t *fixed, ibid_error *err)
{
    size_t nd = ibid_corpus_size(c), m_w = 0, n_w = 0, n_df = 0, m_df = 0;
    uint8_t *need = ibid_xcalloc(nd ? nd : 1, 1);
    for (size_t i = 0; i < r->n_passages; i++)
        if (r->passages[i].kind == IBID_KIND_VERBATIM && !(fixed && fixed[i]))
            need[r->passages[i].doc1] = need[r->passages[i].doc2] = 1;
    wi->beg = ibid_xcalloc(nd + 1, sizeof *wi->beg);
    wi->w = NULL;
    wi->df = NULL;
    word *tmp = NULL;
    size_t m_tmp = 0;
    int rc = 0;
    for (size_t d = 0; d < nd; d++) {
        wi->beg[d] = n_w;
        if (wi->df_of && !need[d]) continue;
        size_t n_text, n_tok;
        const char *text = ibid_corpus_text(c, d, &n_text);
        ibid_token *tok;
        if ((rc = ibid_tokenize(&tok, &n_tok, text, n_text, IBID_NORM_DEFAULT, err)) < 0) break;
        IBID_GROW(tmp, m_tmp, n_tok);
        for (size_t k = 0; k < n_tok; k++) {
            assert(tok[k].cp_beg < 1u << 31);
            tmp[k] = (word){tok[k].hash, tok[k].cp_beg, (unsigned)is_figure(text, &tok[k])};
        }
        free(tok);
        if (need[d] && n_tok) {
            IBID_GROW(wi->w, m_w, n_w + n_tok);
            memcpy(wi->w + n_w, tmp, n_tok * sizeof *tmp);
            n_w += n_tok;
        }
        if (wi->df_of) continue;
        /* this document's distinct words, counted once each */
        if (n_tok > 1) qsort(tmp, n_tok, sizeof *tmp, by_word_hash);
        for (size_t k = 0; k < n_tok; k++) {
            if (k && tmp[k].hash == tmp[k - 1].hash) continue;
            IBID_GROW(wi->df, m_df, n_df + 1);
            wi->df[n_df++] = (uint64_t)tmp[k].hash << 32;
        }
    }
    wi->beg[nd] = n_w;
    free(tmp);
    free(need);
    if (n_df > 1) qsort(wi->df, n_df, sizeof *wi->df, by_u64);
    size_t k = 0;
    for (size_t i = 0, j; i < n_df; i = j) {
        for (j = i; j < n_df && wi->df[j] >> 32 == wi->df[i] >> 32; j++) continue;
        wi->df[k++] = (wi->df[i] & 0xFFFFFFFF00000000u) | (uint64_t)(j - i);
    }
    wi->n_df = k;
    return rc;
}

static uint32_t word_df(const word_index *wi, uint32_t hash)
{
    if (wi->df_of) return wi->df_of(wi->df_arg, hash);
    size_t lo = 0, hi = wi->n_df;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (wi->df[mid] >> 32 < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    assert(lo < wi->n_df && wi->df[lo] >> 32 == hash);
    return (uint32_t)wi->df[lo];
}

/* The words of document d within [cp_beg, cp_end) as hash << 1 | figure, sorted, into *out;
 * returns how many. */
static size_t span_words(const word_index *wi, uint32_t d, uint32_t cp_beg, uint32_t cp_end,
                         uint64_t **out, size_t *m_out)
{
    size_t n = wi->beg[d + 1] - wi->beg[d], lo = 0, hi = n, k = 0;
    if (!n) return 0;
    const word *w = wi->w + wi->beg[d];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid].cp_beg < cp_beg)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && w[i].cp_beg < cp_end; i++) {
        IBID_GROW(*out, *m_out, k + 1);
        (*out)[k++] = (uint64_t)w[i].hash << 1 | w[i].figure;
    }
    if (k > 1) qsort(*out, k, sizeof **out, by_u64);
    return k;
}

/* The words two spans share, with repeats (a multiset intersection of sorted lists), into *out
 * with their document frequencies in *df_out; returns how many. */
static size_t shared_words(const word_index *wi, const uint64_t *a, size_t na, const uint64_t *b,
                           size_t nb, uint64_t **out, size_t *m_out, uint32_t **df_out,
                           size_t *m_df)
{
    size_t ia = 0, ib = 0, k = 0;
    while (ia < na && ib < nb) {
        if (a[ia] < b[ib]) {
            ia++;
        } else if (b[ib] < a[ia]) {
            ib++;
        } else {
            IBID_GROW(*out, *m_out, k + 1);
            IBID_GROW(*df_out, *m_df, k + 1);
            (*out)[k] = a[ia];
            (*df_out)[k++] = word_df(wi, (uint32_t)(a[ia] >> 1));
            ia++, ib++;
        }
    }
    return k;
}

static int flag_templates(ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                          const ibid_stories_opts *o, const uint32_t *spread, ibid_stories_ctx *ctx,
                          ibid_error *err)
{
    const uint8_t *fixed = ctx ? ctx->fixed : NULL;
    word_index wi = {0};
    if (ctx) wi.df_of = ctx->df_of, wi.df_arg = ctx->df_arg;
    int rc = words_build(&wi, c, r, fixed, err);
    size_t n_all = ctx && ctx->n_doc_total ? ctx->n_doc_total : s->n_doc;
    uint32_t rare_df = o->rare_df ? (uint32_t)o->rare_df : (uint32_t)(n_all / 1000);
    if (rare_df < 2) rare_df = 2;
    uint64_t *a = NULL, *b = NULL, *sh = NULL;
    uint32_t *df = NULL;
    size_t m_a = 0, m_b = 0, m_sh = 0, m_df = 0, m_words = 0;
    ibid_template_eval *ev = NULL;
    if (ctx) {
        ctx->rare_df = rare_df;
        ctx->eval = ev = ibid_xcalloc(r->n_passages ? r->n_passages : 1, sizeof *ev);
        ctx->words = NULL;
        ctx->n_words = 0;
    }
    for (size_t i = 0; rc == 0 && i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        if (p->kind != IBID_KIND_VERBATIM || s->pinfo[i].boilerplate || (fixed && fixed[i]))
            continue;
        uint32_t rare = rare_df + spread[i];
        size_t na = span_words(&wi, p->doc1, p->cp_beg1, p->cp_end1, &a, &m_a);
        size_t nb = span_words(&wi, p->doc2, p->cp_beg2, p->cp_end2, &b, &m_b);
        size_t n_sh = shared_words(&wi, a, na, b, nb, &sh, &m_sh, &df, &m_df);
        const int copy = ibid_passage_identity(p) >= o->copy_identity;
        const size_t need = copy ? 1 : 2;
        size_t n_rare = 0, n_names = 0; /* rare shared words, those that are not figures */
        uint32_t name_df = UINT32_MAX;  /* the smallest df of a shared word not a figure */
        for (size_t k = 0; k < n_sh; k++) {
            int figure = (int)(sh[k] & 1);
            if (!figure && df[k] < name_df) name_df = df[k];
            if (df[k] > rare) continue;
            n_rare++;
            n_names += !figure;
        }
        int tmpl = n_rare < need || (!copy && n_names == 0 && n_rare < IBID_FIGURES_NEED);
        if (tmpl) s->pinfo[i].boilerplate = 1;
        if (!ev) continue;
        ev[i] = (ibid_template_eval){1, (uint8_t)need, spread[i], UINT32_MAX, 0, 0, 0};
        if (tmpl) {
            /* the smallest rare at which it could stop being one, with today's df: need words
             * one of them a name, or (not a copy) IBID_FIGURES_NEED words */
            if (n_sh >= need) {
                if (n_sh > 1) qsort(df, n_sh, sizeof *df, by_u32);
                ev[i].kdf = df[need - 1];
                if (!copy && name_df > ev[i].kdf) ev[i].kdf = name_df;
                if (!copy && n_sh >= IBID_FIGURES_NEED && df[IBID_FIGURES_NEED - 1] < ev[i].kdf)
                    ev[i].kdf = df[IBID_FIGURES_NEED - 1];
            }
        } else {
            /* its rare words, those not figures first */
            ev[i].w_beg = ctx->n_words;
            for (int figures = 0; figures < 2; figures++)
                for (size_t k = 0; k < n_sh; k++) {
                    if (df[k] > rare || (int)(sh[k] & 1) != figures) continue;
                    IBID_GROW(ctx->words, m_words, ctx->n_words + 1);
                    ctx->words[ctx->n_words++] = (uint32_t)(sh[k] >> 1);
                    ev[i].n_figures += (uint32_t)figures;
                }
            ev[i].w_end = ctx->n_words;
        }
    }
    free(a);
    free(b);
    free(sh);
    free(df);
    free(wi.beg);
    free(wi.w);
    if (ctx && !ctx->df_of) {
        ctx->df = wi.df, ctx->n_df = wi.n_df;
    } else {
        free(wi.df);
    }
    return rc;
}

/* The sorted, distinct documents of each core: docs[beg[k], beg[k + 1]), and the longest span
 * the core has in each, cover[] (code points). */
typedef struct {
    size_t n_core;
    size_t *beg;
    uint32_t *docs;
    uint32_t *cover;
} core_docs;

/* Whether every document of core x that core y lacks is mostly x's text: the span of x covers
 * at least `share` of it (a flash that grew into a story, not a long text quoting it). */
static int outside_covered(const ibid_stories *s, const core_docs *cd, uint32_t x, uint32_t y,
                           double share)
{
    const uint32_t *b = cd->docs + cd->beg[y];
    size_t nb = cd->beg[y + 1] - cd->beg[y], j = 0;
    for (size_t i = cd->beg[x]; i < cd->beg[x + 1]; i++) {
        while (j < nb && b[j] < cd->docs[i]) j++;
        if (j < nb && b[j] == cd->docs[i]) continue;
        if (cd->cover[i] < share * s->wit[cd->docs[i]].n_cp) return 0;
    }
    return 1;
}

static size_t intersect(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t i = 0, j = 0, n = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (b[j] < a[i])
            j++;
        else
            n++, i++, j++;
    }
    return n;
}

/* A story as it is sorted: its key, then where its arrays are. */
typedef struct {
    size_t n_docs, n_passages;
    uint32_t first_rank; /* rank of its first witness */
    uint32_t first_pid;  /* its lowest passage */
    uint32_t root;       /* union-find root of its passages */
} story_key;

static int by_story(const void *pa, const void *pb)
{
    const story_key *a = pa, *b = pb;
    if (a->n_docs != b->n_docs) return a->n_docs > b->n_docs ? -1 : 1;
    if (a->n_passages != b->n_passages) return a->n_passages > b->n_passages ? -1 : 1;
    if (a->first_rank != b->first_rank) return a->first_rank < b->first_rank ? -1 : 1;
    return (a->first_pid > b->first_pid) - (a->first_pid < b->first_pid);
}

static int check_passages(const ibid_stories *s, const ibid_result *r, ibid_error *err)
{
    if (r->n_passages >= UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, NULL, 0, 0, "too many passages: %zu", r->n_passages);
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        if (p->doc1 >= s->n_doc || p->doc2 >= s->n_doc || p->doc1 == p->doc2)
            return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                             "passage %zu names documents %u and %u of a corpus of %zu", i + 1,
                             p->doc1, p->doc2, s->n_doc);
        if (p->cp_beg1 > p->cp_end1 || p->cp_end1 > s->wit[p->doc1].n_cp ||
            p->cp_beg2 > p->cp_end2 || p->cp_end2 > s->wit[p->doc2].n_cp)
            return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                             "passage %zu lies outside its documents' texts", i + 1);
    }
    return 0;
}

/* Sort and drop repeats; returns the new length. */
static size_t sort_unique(uint64_t *a, size_t n)
{
    if (!n) return 0;
    if (n > 1) qsort(a, n, sizeof *a, by_u64);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[k - 1]) a[k++] = a[i];
    return k;
}

/* Rule 1: link passages whose spans in one document are the same text; list the pairs whose
 * spans only overlap (a contained span) in *links as (pid_a << 32 | pid_b), pid_a < pid_b. */
static size_t link_spans(const ibid_stories *s, uint32_t *up, const occ *oc, size_t n_oc,
                         double share, uint64_t **links)
{
    size_t n_links = 0, m_links = 0;
    *links = NULL;
    for (size_t a = 0; a < n_oc; a++) {
        if (s->pinfo[oc[a].pid].boilerplate) continue;
        for (size_t b = a + 1; b < n_oc && oc[b].doc == oc[a].doc && oc[b].beg < oc[a].end; b++) {
            if (s->pinfo[oc[b].pid].boilerplate || oc[a].pid == oc[b].pid) continue;
            if (same_text(&oc[a], &oc[b], share)) {
                uf_union(up, oc[a].pid, oc[b].pid);
            } else if (overlap(&oc[a], &oc[b]) > 0) {
                uint64_t x = oc[a].pid, y = oc[b].pid;
                IBID_GROW(*links, m_links, n_links + 1);
                (*links)[n_links++] = x < y ? x << 32 | y : y << 32 | x;
            }
        }
    }
    return n_links;
}

/* A document of a core and the length of one of the core's spans in it. */
typedef struct {
    uint64_t key; /* core << 32 | document */
    uint32_t len; /* code points */
} cover_rec;

static int by_cover(const void *pa, const void *pb)
{
    const cover_rec *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

/* Rule 3: merge cores joined by a contained span when they share enough documents and their
 * other documents are mostly the text of their core. `core` maps a passage's root to its core;
 * up2 is a union-find over cores. */
static void merge_contained(const ibid_stories *s, const uint64_t *links, size_t n_links,
                            uint32_t *up, const uint32_t *core, const core_docs *cd, uint32_t *up2,
                            const ibid_stories_opts *o)
{
    uint64_t *pairs = ibid_xmalloc((n_links ? n_links : 1) * sizeof *pairs);
    for (size_t i = 0; i < n_links; i++) {
        uint64_t x = core[uf_find(up, (uint32_t)(links[i] >> 32))];
        uint64_t y = core[uf_find(up, (uint32_t)links[i])];
        pairs[i] = x < y ? x << 32 | y : y << 32 | x;
    }
    size_t n = sort_unique(pairs, n_links);
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)(pairs[i] >> 32), y = (uint32_t)pairs[i];
        if (x == y) continue;
        size_t nx = cd->beg[x + 1] - cd->beg[x], ny = cd->beg[y + 1] - cd->beg[y];
        size_t both = intersect(cd->docs + cd->beg[x], nx, cd->docs + cd->beg[y], ny);
        if (both < 2 || both < o->merge_share * (double)(nx < ny ? nx : ny)) continue;
        if (outside_covered(s, cd, x, y, o->join_cover) &&
            outside_covered(s, cd, y, x, o->join_cover))
            uf_union(up2, x, y);
    }
    free(pairs);
}

/* Assemble the stories: passages grouped by their final root, ordered by by_story. */
static void build_stories(ibid_stories *s, const ibid_result *r, const uint32_t *story_root)
{
    size_t np = r->n_passages, n_live = 0;
    uint64_t *pl = ibid_xmalloc((np ? np : 1) * sizeof *pl); /* root << 32 | passage */
    uint64_t *dl = ibid_xmalloc((2 * np + 1) * sizeof *dl);  /* root << 32 | document */
    for (size_t i = 0; i < np; i++) {
        if (s->pinfo[i].boilerplate) continue;
        uint64_t root = story_root[i];
        pl[n_live] = root << 32 | i;
        dl[2 * n_live] = root << 32 | r->passages[i].doc1;
        dl[2 * n_live + 1] = root << 32 | r->passages[i].doc2;
        n_live++;
    }
    if (n_live > 1) qsort(pl, n_live, sizeof *pl, by_u64);
    size_t n_dl = sort_unique(dl, 2 * n_live);

    /* one key per root; pl and dl list the roots in the same order */
    typedef struct {
        story_key k;
        size_t pbeg, dbeg;
    } grp;
    size_t n_grp = 0, m_grp = 0;
    grp *g = NULL;
    for (size_t i = 0, j = 0, pj, dj; i < n_live; i = pj, j = dj) {
        uint32_t root = (uint32_t)(pl[i] >> 32);
        for (pj = i; pj < n_live && (uint32_t)(pl[pj] >> 32) == root; pj++) continue;
        assert(j < n_dl && (uint32_t)(dl[j] >> 32) == root);
        uint32_t first_rank = UINT32_MAX;
        for (dj = j; dj < n_dl && (uint32_t)(dl[dj] >> 32) == root; dj++) {
            uint32_t rk = s->wit[(uint32_t)dl[dj]].rank;
            if (rk < first_rank) first_rank = rk;
        }
        IBID_GROW(g, m_grp, n_grp + 1);
        g[n_grp++] = (grp){{dj - j, pj - i, first_rank, (uint32_t)pl[i], root}, i, j};
    }
    /* by_story compares the leading story_key of each grp */
    if (n_grp > 1) qsort(g, n_grp, sizeof *g, by_story);

    s->n_story = n_grp;
    s->story = ibid_xcalloc(n_grp ? n_grp : 1, sizeof *s->story);
    s->story_passages = ibid_xmalloc((n_live ? n_live : 1) * sizeof *s->story_passages);
    s->story_docs = ibid_xmalloc((n_dl ? n_dl : 1) * sizeof *s->story_docs);
    uint64_t *rk = ibid_xmalloc((n_dl ? n_dl : 1) * sizeof *rk);
    size_t at_p = 0, at_d = 0;
    for (size_t k = 0; k < n_grp; k++) {
        ibid_story *st = &s->story[k];
        st->n_passages = g[k].k.n_passages;
        st->passages = s->story_passages + at_p;
        for (size_t i = 0; i < st->n_passages; i++) {
            uint32_t pid = (uint32_t)pl[g[k].pbeg + i];
            s->story_passages[at_p++] = pid;
            s->pinfo[pid].story = (int32_t)k;
        }
        st->n_docs = g[k].k.n_docs;
        st->docs = s->story_docs + at_d;
        for (size_t i = 0; i < st->n_docs; i++) {
            uint32_t d = (uint32_t)dl[g[k].dbeg + i];
            rk[i] = (uint64_t)s->wit[d].rank << 32 | d;
        }
        if (st->n_docs > 1) qsort(rk, st->n_docs, sizeof *rk, by_u64);
        for (size_t i = 0; i < st->n_docs; i++) {
            uint32_t d = (uint32_t)rk[i];
            s->story_docs[at_d++] = d;
            st->n_dated += s->wit[d].date != IBID_NO_DATE;
        }
    }
    free(rk);
    free(g);
    free(pl);
    free(dl);
}

int ibid_stories_new(ibid_stories **out, const ibid_corpus *c, const ibid_result *r,
                     const ibid_stories_opts *o, ibid_error *err)
{
    return ibid_stories_new_ctx(out, c, r, o, NULL, err);
}

int ibid_stories_new_ctx(ibid_stories **out, const ibid_corpus *c, const ibid_result *r,
                         const ibid_stories_opts *o, ibid_stories_ctx *ctx, ibid_error *err)
{
    ibid_stories_opts def;
    if (!o) {
        ibid_stories_opts_init(&def);
        o = &def;
    }
    *out = NULL;
    int rc = opts_check(o, err);
    if (rc < 0) return rc;
    ibid_stories *s = ibid_xcalloc(1, sizeof *s);
    size_t nd = ibid_corpus_size(c), np = r->n_passages;
    s->n_doc = nd;
    s->n_passage = np;
    s->wit = ibid_xcalloc(nd ? nd : 1, sizeof *s->wit);
    s->date_text = ibid_xcalloc(nd ? nd : 1, sizeof *s->date_text);
    s->title = ibid_xcalloc(nd ? nd : 1, sizeof *s->title);
    s->order = ibid_xcalloc(nd ? nd : 1, sizeof *s->order);
    s->pinfo = ibid_xcalloc(np ? np : 1, sizeof *s->pinfo);
    ibid_provenance_witnesses(s, c);
    if ((rc = check_passages(s, r, err)) < 0) {
        ibid_stories_free(s);
        return rc;
    }

    size_t n_oc = 2 * np;
    occ *oc = ibid_xmalloc((n_oc ? n_oc : 1) * sizeof *oc);
    for (size_t i = 0; i < np; i++) {
        const ibid_passage *p = &r->passages[i];
        oc[2 * i] = (occ){p->doc1, p->cp_beg1, p->cp_end1, p->doc2, (uint32_t)i};
        oc[2 * i + 1] = (occ){p->doc2, p->cp_beg2, p->cp_end2, p->doc1, (uint32_t)i};
    }
    if (n_oc > 1) qsort(oc, n_oc, sizeof *oc, by_occ);
    const uint8_t *fixed = ctx ? ctx->fixed : NULL;
    for (size_t i = 0; fixed && i < np; i++) s->pinfo[i].boilerplate = fixed[i] && ctx->fixed_bp[i];
    uint32_t *spread = ibid_xcalloc(np ? np : 1, sizeof *spread);
    flag_boilerplate(s, r, oc, n_oc, o, fixed, spread);
    rc = flag_templates(s, c, r, o, spread, ctx, err);
    free(spread);
    if (rc < 0) {
        free(oc);
        ibid_stories_free(s);
        return rc;
    }
    for (size_t i = 0; i < np; i++) {
        s->pinfo[i].story = -1;
        s->n_boilerplate += s->pinfo[i].boilerplate;
    }
    /* a fixed passage that is not boilerplate is in a story made elsewhere: it links nothing
     * here, as boilerplate does; its real flag comes back before the shares are measured */
    uint8_t *unflag = NULL;
    if (fixed) {
        unflag = ibid_xcalloc(np ? np : 1, 1);
        for (size_t i = 0; i < np; i++)
            if (fixed[i] && !s->pinfo[i].boilerplate) unflag[i] = 1, s->pinfo[i].boilerplate = 1;
    }

    uint32_t *up = ibid_xmalloc((np ? np : 1) * sizeof *up);
    for (size_t i = 0; i < np; i++) up[i] = (uint32_t)i;
    uint64_t *links;
    size_t n_links = link_spans(s, up, oc, n_oc, o->link_overlap, &links);
    free(oc);

    /* cores: the components of rule 1, numbered by their root, with their documents */
    uint32_t *core = ibid_xmalloc((np ? np : 1) * sizeof *core);
    size_t n_core = 0, n_cd = 0;
    for (size_t i = 0; i < np; i++)
        if (!s->pinfo[i].boilerplate && uf_find(up, (uint32_t)i) == i) core[i] = (uint32_t)n_core++;
    cover_rec *cdl = ibid_xmalloc((2 * np + 1) * sizeof *cdl);
    for (size_t i = 0; i < np; i++) {
        if (s->pinfo[i].boilerplate) continue;
        const ibid_passage *p = &r->passages[i];
        uint64_t k = core[uf_find(up, (uint32_t)i)];
        cdl[n_cd++] = (cover_rec){k << 32 | p->doc1, p->cp_end1 - p->cp_beg1};
        cdl[n_cd++] = (cover_rec){k << 32 | p->doc2, p->cp_end2 - p->cp_beg2};
    }
    if (n_cd > 1) qsort(cdl, n_cd, sizeof *cdl, by_cover);
    core_docs cd = {n_core, ibid_xcalloc(n_core + 1, sizeof *cd.beg),
                    ibid_xmalloc((n_cd ? n_cd : 1) * sizeof *cd.docs),
                    ibid_xmalloc((n_cd ? n_cd : 1) * sizeof *cd.cover)};
    size_t n_u = 0;
    for (size_t i = 0; i < n_cd; i++) {
        if (n_u && cdl[i].key == cdl[i - 1].key) {
            if (cdl[i].len > cd.cover[n_u - 1]) cd.cover[n_u - 1] = cdl[i].len;
            continue;
        }
        cd.beg[(cdl[i].key >> 32) + 1]++;
        cd.docs[n_u] = (uint32_t)cdl[i].key;
        cd.cover[n_u++] = cdl[i].len;
    }
    for (size_t k = 0; k < n_core; k++) cd.beg[k + 1] += cd.beg[k];
    free(cdl);

    uint32_t *up2 = ibid_xmalloc((n_core ? n_core : 1) * sizeof *up2);
    for (size_t k = 0; k < n_core; k++) up2[k] = (uint32_t)k;
    merge_contained(s, links, n_links, up, core, &cd, up2, o);
    free(links);

    uint32_t *story_root = ibid_xmalloc((np ? np : 1) * sizeof *story_root);
    for (size_t i = 0; i < np; i++)
        story_root[i] = s->pinfo[i].boilerplate ? 0 : uf_find(up2, core[uf_find(up, (uint32_t)i)]);
    build_stories(s, r, story_root);
    for (size_t i = 0; unflag && i < np; i++)
        if (unflag[i]) s->pinfo[i].boilerplate = 0;
    free(unflag);
    ibid_provenance_shares(s, r);

    free(story_root);
    free(up2);
    free(cd.beg);
    free(cd.docs);
    free(cd.cover);
    free(core);
    free(up);
    *out = s;
    return 0;
}

void ibid_stories_free(ibid_stories *s)
{
    if (!s) return;
    for (size_t d = 0; d < s->n_doc; d++) {
        free(s->date_text[d]);
        free(s->title[d]);
    }
    free(s->date_text);
    free(s->title);
    free(s->wit);
    free(s->order);
    free(s->pinfo);
    free(s->story);
    free(s->story_docs);
    free(s->story_passages);
    free(s);
}

size_t ibid_stories_size(const ibid_stories *s)
{
    return s->n_story;
}

const ibid_story *ibid_stories_get(const ibid_stories *s, size_t i)
{
    assert(i < s->n_story);
    return &s->story[i];
}

const ibid_witness *ibid_stories_witness(const ibid_stories *s, size_t doc)
{
    assert(doc < s->n_doc);
    return &s->wit[doc];
}

const ibid_passage_info *ibid_stories_passage(const ibid_stories *s, size_t p)
{
    assert(p < s->n_passage);
    return &s->pinfo[p];
}

size_t ibid_stories_n_boilerplate(const ibid_stories *s)
{
    return s->n_boilerplate;
}
