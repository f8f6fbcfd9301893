/*
 * provenance.c: who wrote it first. Orders the witnesses of a corpus by date and measures, for
 * each document, how much of its text it shares with earlier witnesses.
 *
 * Dates come from the "date" field of a document's metadata, an ISO 8601 date or date-time or
 * a prefix of one ("1987", "1987-03", "1987-03-02T10:05:00-05:00"), turned into seconds since
 * 1970 UTC with the proleptic Gregorian calendar (days from a civil date by counting 400-year
 * eras of 146,097 days, as in Howard Hinnant's "chrono-compatible low-level date algorithms").
 * Witness order is (dated first, date, id in byte order): ids break ties and order the undated,
 * so that the order is total and the same on every run. Of the two documents of a passage, the
 * earlier is its probable source (passim and the Viral Texts project date reprints the same
 * way: the first witness is the probable source, though a lost common source may lie behind).
 *
 * Shares are measured in code points: for a document, the union of its spans in (non
 * boilerplate) passages shared with earlier witnesses is what it reused; what remains is its
 * own. Spans shared only with later witnesses, and boilerplate spans, are counted apart.
 */
#include "stories.h"

#include <jansson.h>

static int digits(const char *s, size_t n, size_t *i, int k, int *out)
{
    int v = 0;
    for (int j = 0; j < k; j++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9') return -1;
        v = v * 10 + (s[*i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian): March-based years make the leap day
 * the last day of a year, so a day of the year is a linear function of the month. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

int ibid_date_parse(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, off = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (digits(s, n, &i, 4, &y) < 0) return -1;
    if (i < n && s[i] == '-') {
        i++;
        if (digits(s, n, &i, 2, &mo) < 0 || mo < 1 || mo > 12) return -1;
        if (i < n && s[i] == '-') {
            i++;
            if (digits(s, n, &i, 2, &d) < 0 || d < 1 || d > days_in_month(y, mo)) return -1;
            if (i < n && (s[i] == 'T' || s[i] == ' ')) {
                i++;
                if (digits(s, n, &i, 2, &h) < 0 || h > 23) return -1;
                if (i < n && s[i] == ':') {
                    i++;
                    if (digits(s, n, &i, 2, &mi) < 0 || mi > 59) return -1;
                    if (i < n && s[i] == ':') {
                        i++;
                        if (digits(s, n, &i, 2, &sec) < 0 || sec > 60) return -1;
                        if (i < n && (s[i] == '.' || s[i] == ',')) {
                            i++;
                            size_t f = i;
                            while (i < n && s[i] >= '0' && s[i] <= '9') i++;
                            if (i == f) return -1;
                        }
                    }
                }
                if (i < n && s[i] == 'Z') {
                    i++;
                } else if (i < n && (s[i] == '+' || s[i] == '-')) {
                    int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
                    if (digits(s, n, &i, 2, &oh) < 0 || oh > 23) return -1;
                    if (i < n && s[i] == ':') i++;
                    if (i < n && digits(s, n, &i, 2, &om) < 0) return -1;
                    if (om > 59) return -1;
                    off = sign * (oh * 3600 + om * 60);
                }
            }
        }
    }
    if (i != n) return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return 0;
}

static char *meta_string(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) return NULL;
    return ibid_xstrndup(json_string_value(v), json_string_length(v));
}

typedef struct {
    int64_t date;
    const char *id;
    uint32_t doc;
} wkey;

static int by_witness(const void *pa, const void *pb)
{
    const wkey *a = pa, *b = pb;
    int da = a->date != IBID_NO_DATE, db = b->date != IBID_NO_DATE;
    if (da != db) return db - da;
    if (a->date != b->date) return a->date < b->date ? -1 : 1;
    int c = strcmp(a->id, b->id);
    if (c) return c;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

void ibid_provenance_witnesses(ibid_stories *s, const ibid_corpus *c)
{
    size_t n = s->n_doc;
    wkey *k = ibid_xmalloc((n ? n : 1) * sizeof *k);
    for (size_t d = 0; d < n; d++) {
        const ibid_doc *doc = ibid_corpus_doc(c, d);
        ibid_witness *w = &s->wit[d];
        w->date = IBID_NO_DATE;
        if (doc->meta) {
            json_t *o = json_loads(doc->meta, 0, NULL);
            if (json_is_object(o)) {
                s->date_text[d] = meta_string(o, "date");
                s->title[d] = meta_string(o, "title");
            }
            json_decref(o);
        }
        int64_t t;
        if (s->date_text[d] && ibid_date_parse(s->date_text[d], strlen(s->date_text[d]), &t) == 0)
            w->date = t;
        w->date_text = s->date_text[d];
        w->title = s->title[d];
        uint32_t n_cp = 0;
        for (size_t i = 0; i < doc->n_text; i++)
            n_cp += ((unsigned char)doc->text[i] & 0xC0) != 0x80;
        w->n_cp = n_cp;
        k[d] = (wkey){w->date, doc->id, (uint32_t)d};
    }
    if (n > 1) qsort(k, n, sizeof *k, by_witness);
    for (size_t i = 0; i < n; i++) {
        s->wit[k[i].doc].rank = (uint32_t)i;
        s->order[i] = k[i].doc;
    }
    free(k);
}

/* A span of a document in one passage, and what it is to that document. */
enum { SPAN_EARLIER = 0, SPAN_LATER = 1, SPAN_BOILER = 2 };
typedef struct {
    uint32_t doc, beg, end, cls;
} span;

static int by_span(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    if (a->doc != b->doc) return a->doc < b->doc ? -1 : 1;
    if (a->beg != b->beg) return a->beg < b->beg ? -1 : 1;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return (a->cls > b->cls) - (a->cls < b->cls);
}

/* Code points covered by the spans of classes <= cls in sp[0, n), sorted by begin. */
static uint32_t covered(const span *sp, size_t n, uint32_t cls)
{
    uint64_t total = 0;
    uint32_t cur_beg = 0, cur_end = 0;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (sp[i].cls > cls) continue;
        if (open && sp[i].beg <= cur_end) {
            if (sp[i].end > cur_end) cur_end = sp[i].end;
            continue;
        }
        if (open) total += cur_end - cur_beg;
        cur_beg = sp[i].beg, cur_end = sp[i].end, open = 1;
    }
    if (open) total += cur_end - cur_beg;
    return (uint32_t)total;
}

void ibid_provenance_shares(ibid_stories *s, const ibid_result *r)
{
    size_t n_sp = 2 * r->n_passages;
    span *sp = ibid_xmalloc((n_sp ? n_sp : 1) * sizeof *sp);
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        int first = s->wit[p->doc1].rank < s->wit[p->doc2].rank;
        s->pinfo[i].source = first ? p->doc1 : p->doc2;
        uint32_t bp = s->pinfo[i].boilerplate;
        sp[2 * i] = (span){p->doc1, p->cp_beg1, p->cp_end1, bp ? SPAN_BOILER : (uint32_t)first};
        sp[2 * i + 1] =
            (span){p->doc2, p->cp_beg2, p->cp_end2, bp ? SPAN_BOILER : (uint32_t)!first};
    }
    if (n_sp > 1) qsort(sp, n_sp, sizeof *sp, by_span);
    for (size_t i = 0, j; i < n_sp; i = j) {
        for (j = i; j < n_sp && sp[j].doc == sp[i].doc; j++) continue;
        ibid_witness *w = &s->wit[sp[i].doc];
        uint32_t a = covered(sp + i, j - i, SPAN_EARLIER), b = covered(sp + i, j - i, SPAN_LATER),
                 c = covered(sp + i, j - i, SPAN_BOILER);
        assert(a <= b && b <= c && c <= w->n_cp);
        w->cp_reused = a;
        w->cp_later = b - a;
        w->cp_boilerplate = c - b;
    }
    free(sp);
}

uint32_t ibid_story_reused(const ibid_stories *s, const ibid_result *r, const ibid_story *st,
                           uint32_t doc)
{
    size_t n = 0;
    span *sp = ibid_xmalloc((st->n_passages + 1) * sizeof *sp);
    for (size_t i = 0; i < st->n_passages; i++) {
        const ibid_passage *p = &r->passages[st->passages[i]];
        if (p->doc1 == doc && s->wit[p->doc2].rank < s->wit[doc].rank)
            sp[n++] = (span){doc, p->cp_beg1, p->cp_end1, SPAN_EARLIER};
        else if (p->doc2 == doc && s->wit[p->doc1].rank < s->wit[doc].rank)
            sp[n++] = (span){doc, p->cp_beg2, p->cp_end2, SPAN_EARLIER};
    }
    if (n > 1) qsort(sp, n, sizeof *sp, by_span);
    uint32_t k = covered(sp, n, SPAN_EARLIER);
    free(sp);
    return k;
}
