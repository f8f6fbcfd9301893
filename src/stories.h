/*
 * stories.h: what cluster.c, provenance.c and the story views (out_stories.c, show.c, html.c)
 * share. Private to the library.
 */
#ifndef IBID_STORIES_H
#define IBID_STORIES_H

#include "ibid_int.h"

struct ibid_stories {
    size_t n_doc, n_passage;
    ibid_witness *wit;        /* per document */
    ibid_passage_info *pinfo; /* per passage */
    char **date_text;         /* per document: the "date" field, or NULL (wit[].date_text) */
    char **title;             /* per document: the "title" field, or NULL (wit[].title) */
    uint32_t *order;          /* documents in witness order: order[wit[d].rank] == d */
    size_t n_story;
    ibid_story *story;
    uint32_t *story_docs;     /* the docs arrays of all stories, one after another */
    uint32_t *story_passages; /* the passages arrays */
    size_t n_boilerplate;
};

/* ---- cluster.c: the stories of part of a store (store_stories.c) ----
 * What the template rule found for one passage, so that a later save can tell, without the
 * texts, whether a change of document frequencies or of rare_df can change its flag: a passage
 * is a template when fewer than `need` of the words its two sides share (as a multiset) are
 * found in at most rare = rare_df + spread documents, or (need 2) those are all figures and
 * fewer than IBID_FIGURES_NEED. Document frequencies only grow as documents are added, so a
 * template stays one while kdf > rare (kdf: the smallest rare that could free it), and a
 * passage that is not one stays so while its shared rare words stay within rare, as many as
 * the rule asks. */
#define IBID_FIGURES_NEED 3 /* rare figures that make a passage no template without a name */

typedef struct ibid_template_eval {
    uint8_t evaluated;  /* 1: the rule looked at it (verbatim, not wide boilerplate, not fixed) */
    uint8_t need;       /* rare words its sides must share: 1 for a copy, else 2 */
    uint32_t spread;    /* 1 + the most documents its text is shared with (rule 2) */
    uint32_t kdf;       /* a template: the smallest rare that could make it none, from the
                           document frequencies of its shared words (UINT32_MAX: never) */
    size_t w_beg;       /* not a template: its shared rare words (with repeats) are */
    size_t w_end;       /* ctx->words[w_beg, w_end), those not figures first */
    uint32_t n_figures; /* the last n_figures of them are figures */
} ibid_template_eval;

typedef struct ibid_stories_ctx {
    /* in */
    const uint8_t *fixed;    /* per passage, or NULL: 1 for a context passage, whose flag is
                                fixed_bp[i] as given; it joins no story and links nothing, but
                                counts in the spread of the passages it overlaps and in the
                                shares of its documents */
    const uint8_t *fixed_bp; /* per passage (with fixed) */
    size_t n_doc_total;      /* documents in the whole store (rare_df); 0: those of the corpus */
    /* document frequency of a word over the whole store; NULL: counted over the corpus */
    uint32_t (*df_of)(void *arg, uint32_t hash);
    void *df_arg;
    /* out, malloc'd by ibid_stories_new_ctx, freed by the caller */
    ibid_template_eval *eval; /* per passage */
    uint32_t *words;          /* the shared rare words of eval[] */
    size_t n_words;
    uint64_t *df; /* when df_of is NULL: (hash << 32 | documents), sorted */
    size_t n_df;
    uint32_t rare_df; /* the rare_df used */
} ibid_stories_ctx;

/* ibid_stories_new over the corpus and passages of `ctx` (see above). */
int ibid_stories_new_ctx(ibid_stories **out, const ibid_corpus *c, const ibid_result *r,
                         const ibid_stories_opts *o, ibid_stories_ctx *ctx, ibid_error *err);

/* ---- provenance.c ---- */
/* Parse an ISO 8601 date or date-time prefix of s[0, n): YYYY[-MM[-DD[(T| )hh[:mm[:ss[.f]]]]]]
 * with an optional Z or +hh[:mm] / -hh[:mm] offset, into seconds since 1970-01-01 UTC (missing
 * parts are their first value). Anything after a complete form is an error. 0 or -1. */
int ibid_date_parse(const char *s, size_t n, int64_t *out);
/* Fill s->wit (date, title, rank, n_cp), s->date_text, s->title and s->order from the
 * metadata of `c`. */
void ibid_provenance_witnesses(ibid_stories *s, const ibid_corpus *c);
/* Fill the shares of s->wit and s->pinfo[].source from `r`; needs the boilerplate flags. */
void ibid_provenance_shares(ibid_stories *s, const ibid_result *r);

/* Code points of `doc` covered by the passages of story `st` shared with earlier witnesses. */
uint32_t ibid_story_reused(const ibid_stories *s, const ibid_result *r, const ibid_story *st,
                           uint32_t doc);

/* ---- out_stories.c ---- */
/* 0, or IBID_EINVAL when `s` was not made from `c` and `r`. */
int ibid_stories_check_args(const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                            ibid_error *err);
/* The title of document d (its "title", else its first non-blank line), at most 60 code points
 * and m - 1 bytes, control characters as spaces, in buf; returns buf. */
const char *ibid_story_title(const ibid_stories *s, const ibid_corpus *c, uint32_t d, char *buf,
                             size_t m);

#endif
