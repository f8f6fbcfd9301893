/*
 * terms.h: the sentence layer's view of a document (terms.c) and the alignment of two
 * documents sentence by sentence (reword.c).
 */
#ifndef IBID_TERMS_H
#define IBID_TERMS_H

#include "dict.h"
#include "ibid_int.h"
#include "lang.h"
#include "sentence.h"
#include "wordnet.h"

/* ---- terms.c ---- */
#define IBID_TOK_ALT 7 /* terms of a token besides tok_term, kept for trimming passages */

typedef struct ibid_term {
    uint32_t id; /* hash of the stem */
    float w;     /* weight: a count until ibid_terms_weigh, then tf-isf scaled to unit length */
    float isf;   /* log(sentences / sentences holding it), after ibid_terms_weigh */
    uint32_t sent_name; /* its sentence (once the terms are compacted) << 2; | 1 when it is a
                           name (capitalized inside its sentence) or a number, somewhere; | 2
                           when it is only ever one of a word's several translations */
    float tf; /* occurrences in the sentence (a translated word's n translations: 1/n each) */
} ibid_term;
#define IBID_TERM_NAME(t) ((t)->sent_name & 1)
#define IBID_TERM_ALT(t)  (((t)->sent_name >> 1) & 1)
#define IBID_TERM_SENT(t) ((t)->sent_name >> 2)
#define TERM_NAME         1u /* flags of add_term, kept in sent_name */
#define TERM_ALT          2u

/* A document's sentences and their terms. */
typedef struct ibid_terms {
    uint32_t n_sent;
    ibid_sent *sent;    /* spans */
    uint32_t *sent_tok; /* n_sent + 1: sentence s holds tokens [sent_tok[s], sent_tok[s + 1]) */
    uint32_t *term_beg; /* n_sent + 1: its terms are term[term_beg[s], term_beg[s + 1]) */
    ibid_term *term;    /* by sentence, sorted by id within one */
    uint32_t *tok_term; /* per token: its term (one of them, for a translated word) */
    uint32_t *tok_alt;  /* with a pivot language, per token IBID_TOK_ALT more of its terms (a
                           name's skeleton, a word's other translations), 0 when unused; or NULL */
    float *sent_len;    /* after ibid_terms_weigh, per sentence: the sum of its terms' counts */
    uint32_t *post;     /* after ibid_terms_weigh, the terms (indices into term) sorted by id
                           then sentence: an inverted index of the document */
    uint32_t *post_id;  /* the id of each, for joining two indexes without looking aside */
    size_t n_term;
    char lang[8];     /* ISO 639-1 code, "" when unknown */
    const char *text; /* the document's text (not owned), for character n-grams */
} ibid_terms;

/* Per-thread resources for ibid_terms_build (a language identifier, stemmers, a cache of
 * words), and the store of the arrays of the documents it builds and weighs: they live until
 * the context is freed. Taken from one arena, they are few large blocks (huge pages, alloc.c)
 * rather than thousands of small ones: their page faults were the sentence layer's largest
 * cost. */
typedef struct ibid_terms_ctx ibid_terms_ctx;
ibid_terms_ctx *ibid_terms_ctx_new(void);
void ibid_terms_ctx_free(ibid_terms_ctx *c);

/* The language of a text (ISO 639-1), "" when unknown. */
const char *ibid_terms_lang(ibid_terms_ctx *c, const char *text, size_t n);
/* Split a document in language `lang` into sentences of stems (counts as weights); its tokens
 * (n_tok, from ibid_tokenize_words with `flags`) are those of the verbatim engine, so that
 * d->tok_term and the passages' token spans speak of the same tokens. With `dict` (from `lang`
 * to `pivot`), a document not in `pivot` is described by the stems of its words' translations.
 * With `wn`, each English word also counts, at weight SYN_WEIGHT, for the synset of its first
 * sense, so that synonyms share a term. Returns 0 or an IBID_E* code. */
int ibid_terms_build(ibid_terms *d, ibid_terms_ctx *c, const char *text, size_t n,
                     const ibid_word *tok, size_t n_tok, unsigned flags, const char *lang,
                     const ibid_dict *dict, const char *pivot, const ibid_wordnet *wn,
                     ibid_error *err);
/* Split the compound word w[0, n) (normalized) of language `lang` (German, Dutch) into two parts
 * the dictionary knows, directly or through their stems (stemmer src, or NULL): the first is
 * w[0, *mod_len), the last w[*head_beg, n), a linking element ("s", "en"...) in between. The
 * longest last part wins ("Indianerterritorium": "indianer" + "territorium"). Returns 1, or 0
 * when there is no such split. */
int ibid_terms_split(const ibid_dict *dict, ibid_stemmer *src, const char *lang, const char *w,
                     size_t n, size_t *mod_len, size_t *head_beg);
/* The consonant skeleton of a (case-folded) name, for matching names across languages and
 * scripts ("Baghdad", "Bagdad", "بغداد": "bgdd"), into out (room for m bytes, not
 * NUL-terminated). Returns its length, 0 when it has fewer than 2 letters. */
size_t ibid_terms_skeleton(const char *w, size_t n, char *out, size_t m);
/* Replace counts by unit-length tf-isf weights over the whole corpus, dropping stop words. The
 * documents must have been built with ctx[0, n_threads), which counted their terms' sentence
 * frequencies as they went; the new arrays (sent_len, post) come from their stores. Returns the
 * number of sentences in the corpus. */
size_t ibid_terms_weigh(ibid_terms *docs, size_t n_doc, ibid_terms_ctx **ctx, int n_threads);

/* Document pairs related by their rarest terms (see terms.c), a term in at most max_df
 * documents: document a's partners b > a are rel[beg[a], beg[a + 1]), sorted. Both arrays are
 * new (free()). Returns how many pairs. */
size_t ibid_terms_related(const ibid_terms *docs, size_t n_doc, double log_sent, int max_df,
                          int n_threads, size_t **beg, uint32_t **rel);

/* ---- reword.c ---- */
/* Document d as `other`, in another language, sees it (what ibid_reword_pair compares): its
 * terms that are only ever one of a word's several translations (IBID_TERM_ALT) and that other
 * lacks weigh 0, and each sentence is scaled to unit length again. Returns d when no term
 * changes, else view (its term array new in km, the rest shared with d). */
const ibid_terms *ibid_reword_view(ibid_arena *km, const ibid_terms *d, const ibid_terms *other,
                                   ibid_terms *view);
/* The passages that documents d1 (terms a, token hashes ta) and d2 (b, tb) share sentence by
 * sentence, written to *out (from `km`): runs of whole sentences, trimmed at both ends to the
 * first and last word whose term the other side shares, as spans of tokens (the caller finds
 * their offsets), of kind IBID_KIND_REWORDED. log_sent: the log of the corpus's sentence count.
 * Returns how many. */
size_t ibid_reword_pair(ibid_arena *km, const ibid_terms *a, const ibid_terms *b, uint32_t d1,
                        uint32_t d2, const uint32_t *ta, const uint32_t *tb, double log_sent,
                        const ibid_align_opts *o, ibid_passage **out);

#endif /* IBID_TERMS_H */
