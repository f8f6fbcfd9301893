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
