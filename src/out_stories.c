/*
 * out_stories.c: the list of stories, for people (an aligned table) or programs (JSON Lines,
 * TSV).
 *
 * A story is shown by its size, the span of its witnesses' dates, its first witness and that
 * witness's title (the "title" field, else the first line of its text, cut to 60 code points).
 * JSON Lines adds every witness in order with the shares of its text it reused and owns.
 */
#include "stories.h"

#include <jansson.h>

int ibid_stories_check_args(const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                            ibid_error *err)
{
    if (ibid_corpus_size(c) != s->n_doc || r->n_passages != s->n_passage)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                         "the stories were made from another corpus or result");
    return 0;
}

/* The title of document d, or its first non-blank line, at most 60 code points, in buf. */
const char *ibid_story_title(const ibid_stories *s, const ibid_corpus *c, uint32_t d, char *buf,
                             size_t m)
{
    const char *t = s->title[d];
    size_t n;
    if (!t || !*t) {
        t = ibid_corpus_text(c, d, &n);
        while (n && (*t == '\n' || *t == '\r' || *t == ' ' || *t == '\t')) t++, n--;
    } else {
        n = strlen(t);
    }
    size_t i = 0, cps = 0, o = 0;
    while (i < n && t[i] != '\n' && t[i] != '\r' && cps < 60) {
        unsigned char ch = (unsigned char)t[i];
        size_t len = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;
        if (i + len > n || o + len + 1 > m) break;
        if (ch < 0x20 || ch == 0x7f)
            buf[o++] = ' ';
        else
            memcpy(buf + o, t + i, len), o += len;
        i += len, cps++;
    }
    buf[o] = 0;
    return buf;
}

static const char *date_or(const ibid_stories *s, uint32_t d, const char *none)
{
    return s->date_text[d] && s->wit[d].date != IBID_NO_DATE ? s->date_text[d] : none;
}

static double share(uint32_t part, uint32_t whole)
{
    return whole ? (double)part / whole : 0;
}

static double round4(double x)
{
    return (double)(long)(x * 1e4 + 0.5) / 1e4;
}

static int write_jsonl(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r)
{
    char tb[512];
    for (size_t k = 0; k < s->n_story; k++) {
        const ibid_story *st = &s->story[k];
        uint32_t first = st->docs[0];
        json_t *o = json_object(), *ws = json_array();
        json_object_set_new(o, "story", json_integer((json_int_t)k + 1));
        json_object_set_new(o, "n_docs", json_integer((json_int_t)st->n_docs));
        json_object_set_new(o, "n_passages", json_integer((json_int_t)st->n_passages));
        json_object_set_new(o, "first", json_string(ibid_corpus_id(c, first)));
        const char *d0 = st->n_dated ? date_or(s, st->docs[0], NULL) : NULL;
        const char *d1 = st->n_dated ? date_or(s, st->docs[st->n_dated - 1], NULL) : NULL;
        json_object_set_new(o, "date_first", d0 ? json_string(d0) : json_null());
        json_object_set_new(o, "date_last", d1 ? json_string(d1) : json_null());
        json_object_set_new(o, "title", json_string(ibid_story_title(s, c, first, tb, sizeof tb)));
        for (size_t i = 0; i < st->n_docs; i++) {
            uint32_t d = st->docs[i];
            const ibid_witness *w = &s->wit[d];
            const char *dt = date_or(s, d, NULL);
            double reused = share(w->cp_reused, w->n_cp);
            double here = share(ibid_story_reused(s, r, st, d), w->n_cp);
            json_array_append_new(
                ws, json_pack("{s:s, s:o, s:f, s:f, s:f}", "id", ibid_corpus_id(c, d), "date",
                              dt ? json_string(dt) : json_null(), "reused", round4(reused), "own",
                              round4(1 - reused), "reused_here", round4(here)));
        }
        json_object_set_new(o, "witnesses", ws);
        char *line = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6));
        json_decref(o);
        if (!line) return -1;
        int bad = fputs(line, fp) < 0 || fputc('\n', fp) == EOF;
        free(line);
        if (bad) return -1;
    }
    return 0;
}

static void put_tsv(FILE *fp, const char *t)
{
    for (; *t; t++) fputc(*t == '\t' ? ' ' : *t, fp);
}

int ibid_stories_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                       int format, ibid_error *err)
{
    int rc = ibid_stories_check_args(s, c, r, err);
    if (rc < 0) return rc;
    if (format != IBID_FORMAT_TEXT && format != IBID_FORMAT_JSONL && format != IBID_FORMAT_TSV)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "unknown stories format %d", format);
    if (format == IBID_FORMAT_JSONL) {
        if (write_jsonl(fp, s, c, r) < 0 || ferror(fp))
            return ibid_fail(err, IBID_EIO, NULL, 0, 0, "write failed");
        return 0;
    }
    char tb[512];
    if (format == IBID_FORMAT_TSV)
        fputs("story\tn_docs\tn_passages\tdate_first\tdate_last\tfirst\ttitle\n", fp);
    else
        fprintf(fp, "%5s %5s %8s  %-10s  %-10s  %-20s %s\n", "story", "docs", "passages",
                "first date", "last date", "first witness", "title");
    for (size_t k = 0; k < s->n_story; k++) {
        const ibid_story *st = &s->story[k];
        uint32_t first = st->docs[0];
        const char *d0 = st->n_dated ? date_or(s, first, "-") : "-";
        const char *d1 = st->n_dated ? date_or(s, st->docs[st->n_dated - 1], "-") : "-";
        const char *title = ibid_story_title(s, c, first, tb, sizeof tb);
        if (format == IBID_FORMAT_TSV) {
            fprintf(fp, "%zu\t%zu\t%zu\t", k + 1, st->n_docs, st->n_passages);
            put_tsv(fp, d0), fputc('\t', fp), put_tsv(fp, d1), fputc('\t', fp);
            put_tsv(fp, ibid_corpus_id(c, first)), fputc('\t', fp), put_tsv(fp, title);
            fputc('\n', fp);
        } else {
            fprintf(fp, "%5zu %5zu %8zu  %-10.10s  %-10.10s  %-20s %s\n", k + 1, st->n_docs,
                    st->n_passages, d0, d1, ibid_corpus_id(c, first), title);
        }
    }
    if (format == IBID_FORMAT_TEXT)
        fprintf(fp, "%zu stories over %zu passages; %zu boilerplate passages in none\n", s->n_story,
                s->n_passage, s->n_boilerplate);
    if (ferror(fp)) return ibid_fail(err, IBID_EIO, NULL, 0, 0, "write failed");
    return 0;
}
