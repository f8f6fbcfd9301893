/*
 * terms.c: each document as a list of sentences, each sentence a bag of weighted stems.
 *
 * The sentence layer (reword.c) compares sentences by what they say rather than by the exact
 * words: a document is split into sentences (sentence.c), its words are normalized like the
 * tokenizer's and reduced to their Snowball stems in the document's language (lang.c, stem.c),
 * and each sentence becomes the set of its stems with their counts. A stem is kept as a 32-bit
 * hash. With a dictionary to a pivot language (dict.c), the words of a document in another
 * language are replaced by the stems of their translations, so that both sides of a translated
 * pair speak the same terms; numbers stay as they are.
 *
 * The weights are computed once per run over the whole corpus: tf * isf, where isf(t) =
 * log(S / sf(t)), S the number of sentences in the corpus and sf(t) the number that hold t
 * (the inverse sentence frequency of Sanchez-Perez et al., PAN 2014). A stem in more than
 * STOP_SHARE of the sentences of a corpus of at least STOP_MIN_SENT sentences is a stop word and
 * weighs nothing. Each sentence vector is then scaled to unit length.
 */
#include "terms.h"

#include <math.h>
#include <stdio.h>
#include <utf8proc.h>
#include <xxhash.h>

#define STOP_SHARE    0.05
#define STOP_MIN_SENT 2000
#define MAX_WORD      256  /* bytes of a normalized word kept for stemming */
#define SYN_WEIGHT    0.5f /* of a word's synset term, against 1 for its stem */
#define SYN_SEED      0x9E3779B9u

/* ---- per-thread resources: a language identifier and stemmers, made on first use ---- */

#define MAX_STEMMERS 16

struct ibid_terms_ctx {
    ibid_langid *lid;
    int lid_failed;
    struct {
        char lang[8];
        ibid_stemmer *s;
    } stem[MAX_STEMMERS];
    int n_stem;
    char *word; /* MAX_WORD * 4 + 8 bytes */
};

ibid_terms_ctx *ibid_terms_ctx_new(void)
{
    ibid_terms_ctx *c = ibid_xcalloc(1, sizeof *c);
    c->word = ibid_xmalloc(MAX_WORD * 4 + 8);
    return c;
}

void ibid_terms_ctx_free(ibid_terms_ctx *c)
{
    if (!c) return;
    ibid_langid_free(c->lid);
    for (int i = 0; i < c->n_stem; i++) ibid_stemmer_free(c->stem[i].s);
    free(c->word);
    free(c);
}

static const char *detect(ibid_terms_ctx *c, const char *text, size_t n)
{
    if (!c->lid && !c->lid_failed && ibid_langid_new(&c->lid, NULL, NULL) < 0) c->lid_failed = 1;
    return c->lid ? ibid_langid_detect(c->lid, text, n) : "";
}

/* The stemmer of a language, or NULL (no stemming) when Snowball has none. */
static ibid_stemmer *stemmer(ibid_terms_ctx *c, const char *lang)
{
    for (int i = 0; i < c->n_stem; i++)
        if (strcmp(c->stem[i].lang, lang) == 0) return c->stem[i].s;
    ibid_stemmer *s = *lang ? ibid_stemmer_new(lang) : NULL;
    if (c->n_stem < MAX_STEMMERS) {
        snprintf(c->stem[c->n_stem].lang, sizeof c->stem[0].lang, "%s", lang);
        c->stem[c->n_stem++].s = s;
    }
    return s;
}

/* ---- one document ---- */

/* The normalized form of one token into c->word (as the tokenizer hashes it); its length. */
static size_t norm_word(ibid_terms_ctx *c, const char *t, size_t n, unsigned flags, int *digits)
{
    size_t k = 0, i = 0;
    *digits = 1;
    while (i < n && k < MAX_WORD) {
        int32_t cp, buf[32];
        utf8proc_ssize_t r =
            utf8proc_iterate((const uint8_t *)t + i, (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0) break; /* the text was tokenized: it is valid */
        i += (size_t)r;
        if (ibid_cp_class(cp) == IBID_CP_IGNORE) continue;
        if (cp < '0' || cp > '9') *digits = 0;
        int m = ibid_norm_cp(cp, flags, buf, 32);
        if (m > 32) m = 32;
        for (int j = 0; j < m; j++)
            k += (size_t)utf8proc_encode_char(buf[j], (uint8_t *)c->word + k);
    }
    c->word[k] = 0;
    return k;
}

static uint32_t term_id(const char *s, size_t n)
{
    return (uint32_t)XXH3_64bits(s, n);
}

/* Add term t (count w) to the current sentence's list. */
static void add_term(ibid_terms *d, size_t *m, uint32_t t, float w, uint32_t name)
{
    IBID_GROW(d->term, *m, d->n_term + 1);
    d->term[d->n_term++] = (ibid_term){t, w, 0, name};
}

/* Does a token start with an upper-case letter? */
static int capitalized(const char *t, size_t n)
{
    int32_t cp;
    if (utf8proc_iterate((const uint8_t *)t, (utf8proc_ssize_t)n, &cp) <= 0) return 0;
    return utf8proc_get_property(cp)->category == UTF8PROC_CATEGORY_LU;
}

static int by_id(const void *pa, const void *pb)
{
    const ibid_term *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Sort the terms of each sentence and sum duplicates: weights become counts. */
static void compact(ibid_terms *d)
{
    size_t out = 0;
    for (uint32_t s = 0; s < d->n_sent; s++) {
        size_t b = d->term_beg[s], e = d->term_beg[s + 1];
        qsort(d->term + b, e - b, sizeof *d->term, by_id);
        d->term_beg[s] = (uint32_t)out;
        for (size_t i = b; i < e;) {
            size_t k = i + 1;
            float w = d->term[i].w;
            uint32_t name = d->term[i].name;
            while (k < e && d->term[k].id == d->term[i].id)
                name |= d->term[k].name, w += d->term[k++].w;
            d->term[out++] = (ibid_term){d->term[i].id, w, 0, name};
            i = k;
        }
    }
    d->term_beg[d->n_sent] = (uint32_t)out;
    d->n_term = out;
}

const char *ibid_terms_lang(ibid_terms_ctx *c, const char *text, size_t n)
{
    return detect(c, text, n);
}

int ibid_terms_build(ibid_terms *d, ibid_terms_ctx *c, const char *text, size_t n, unsigned flags,
                     const char *lang, const ibid_dict *dict, const char *pivot,
                     const ibid_wordnet *wn, ibid_error *err)
{
    memset(d, 0, sizeof *d);
    ibid_token *tok = NULL;
    size_t n_tok, m_term = 0;
    int rc;
    if ((rc = ibid_tokenize(&tok, &n_tok, text, n, flags, err)) < 0) return rc;
    size_t n_sent;
    if ((rc = ibid_sentences(&d->sent, &n_sent, text, n, err)) < 0) {
        free(tok);
        return rc;
    }
    d->n_sent = (uint32_t)n_sent;
    snprintf(d->lang, sizeof d->lang, "%s", lang);
    int translate = dict && pivot && *d->lang && strcmp(d->lang, pivot) != 0;
    ibid_stemmer *st = stemmer(c, translate ? pivot : d->lang);
    if (strcmp(translate ? pivot : d->lang, "en") != 0) wn = NULL; /* WordNet is English */
    d->sent_tok = ibid_xmalloc((n_sent + 1) * sizeof *d->sent_tok);
    d->tok_term = ibid_xmalloc((n_tok ? n_tok : 1) * sizeof *d->tok_term);
    d->term_beg = ibid_xmalloc((n_sent + 1) * sizeof *d->term_beg);
    size_t k = 0;
    for (uint32_t s = 0; s < d->n_sent; s++) {
        /* tokens are letters and digits, which every sentence covers: token k starts in s or
         * in a later sentence */
        d->sent_tok[s] = (uint32_t)k;
        d->term_beg[s] = (uint32_t)d->n_term;
        for (; k < n_tok && tok[k].byte_beg < d->sent[s].byte_end; k++) {
            int digits;
            const char *t = text + tok[k].byte_beg;
            size_t len = norm_word(c, t, tok[k].byte_end - tok[k].byte_beg, flags, &digits);
            uint32_t name =
                digits || (k > d->sent_tok[s] && capitalized(t, tok[k].byte_end - tok[k].byte_beg));
            const char *const *tr;
            size_t n_tr = translate && !digits ? ibid_dict_lookup(dict, c->word, len, &tr) : 0;
            if (n_tr) { /* the translations share one occurrence */
                if (n_tr > 4) n_tr = 4;
                for (size_t i = 0; i < n_tr; i++) {
                    size_t ls, lt = strlen(tr[i]);
                    const char *stem = st && !digits ? ibid_stem(st, tr[i], lt, &ls) : tr[i];
                    if (!st) ls = lt;
                    add_term(d, &m_term, term_id(stem, ls), 1.0f / (float)n_tr, name);
                    if (i == 0) d->tok_term[k] = d->term[d->n_term - 1].id;
                }
                continue;
            }
            size_t ls = len;
            const char *stem = st && !digits ? ibid_stem(st, c->word, len, &ls) : c->word;
            add_term(d, &m_term, term_id(stem, ls), 1.0f, name);
            d->tok_term[k] = d->term[d->n_term - 1].id;
            uint32_t syn;
            if (wn && !digits && !name && ibid_wordnet_synsets(wn, c->word, len, 1, &syn, 1))
                add_term(d, &m_term, (syn ^ SYN_SEED) * 0x85EBCA6Bu, SYN_WEIGHT, 0);
        }
    }
    d->sent_tok[d->n_sent] = (uint32_t)n_tok;
    d->term_beg[d->n_sent] = (uint32_t)d->n_term;
    free(tok);
    compact(d);
    return 0;
}

void ibid_terms_free(ibid_terms *d)
{
    if (!d) return;
    free(d->sent);
    free(d->sent_tok);
    free(d->term_beg);
    free(d->term);
    free(d->tok_term);
    memset(d, 0, sizeof *d);
}

/* ---- corpus-wide weights ---- */

typedef struct {
    ibid_terms *docs;
    size_t n_doc;
    const uint32_t *id; /* distinct term ids, sorted */
    const uint32_t *sf; /* sentences holding each */
    size_t n_id;
    double n_sent;
} weigh_job;

static void weigh_doc(void *ud, size_t i, int tid)
{
    weigh_job *j = ud;
    (void)tid;
    ibid_terms *d = &j->docs[i];
    int stop_ok = j->n_sent >= STOP_MIN_SENT;
    size_t out = 0;
    for (uint32_t s = 0; s < d->n_sent; s++) {
        size_t b = d->term_beg[s], e = d->term_beg[s + 1];
        d->term_beg[s] = (uint32_t)out;
        double norm = 0;
        size_t first = out;
        for (size_t t = b; t < e; t++) {
            size_t lo = 0, hi = j->n_id; /* the id is there: every term was counted */
            while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;
                if (j->id[mid] <= d->term[t].id)
                    lo = mid;
                else
                    hi = mid;
            }
            double sf = j->sf[lo];
            if (stop_ok && sf > STOP_SHARE * j->n_sent) continue;
            double w = d->term[t].w * log(j->n_sent / sf);
            if (w <= 0) continue;
            d->term[out++] =
                (ibid_term){d->term[t].id, (float)w, (float)log(j->n_sent / sf), d->term[t].name};
            norm += w * w;
        }
        norm = sqrt(norm);
        for (size_t t = first; t < out; t++) d->term[t].w = (float)(d->term[t].w / norm);
    }
    d->term_beg[d->n_sent] = (uint32_t)out;
    d->n_term = out;
}

size_t ibid_terms_weigh(ibid_terms *docs, size_t n_doc, int n_threads)
{
    size_t n = 0, n_sent = 0;
    for (size_t i = 0; i < n_doc; i++) n += docs[i].n_term, n_sent += docs[i].n_sent;
    ibid_rec *r = ibid_xmalloc((n ? n : 1) * sizeof *r);
    size_t k = 0;
    for (size_t i = 0; i < n_doc; i++)
        for (size_t t = 0; t < docs[i].n_term; t++) r[k++] = (ibid_rec){docs[i].term[t].id, 0, 0};
    ibid_rec_sort(r, n, n_threads);
    uint32_t *id = ibid_xmalloc((n ? n : 1) * sizeof *id),
             *sf = ibid_xmalloc((n ? n : 1) * sizeof *sf);
    size_t n_id = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && r[e].key == r[i].key) e++;
        id[n_id] = (uint32_t)r[i].key;
        sf[n_id++] = (uint32_t)(e - i);
        i = e;
    }
    free(r);
    weigh_job j = {docs, n_doc, id, sf, n_id, (double)n_sent};
    ibid_parallel_for(n_threads, n_doc, weigh_doc, &j);
    free(id);
    free(sf);
    return n_sent;
}
