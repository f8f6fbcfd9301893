/*
 * show.c: one document for a terminal, its reused spans marked by their probable source.
 *
 * The sources of a document are the earlier witnesses it shares (non boilerplate) passages
 * with, numbered [1], [2]... in witness order. The text is cut at every end of such a passage
 * into pieces; a piece covered by several passages is marked with the earliest of their
 * sources (its probable source), a piece covered only by boilerplate with B. Markers are
 * "[1>" ... "<1]" in plain text, or colours (ANSI SGR: the label bold, the span in the
 * source's colour, six colours in turn). Control characters of the text, the ids and the
 * titles, other than newline and tab, become U+FFFD so that a document cannot drive the
 * terminal; a CR before LF is dropped.
 */
#include "stories.h"

static const char *const palette[] = {"31", "32", "33", "34", "35", "36"};
#define N_PALETTE (sizeof palette / sizeof palette[0])

/* Write s[0, n) with control characters replaced. */
static void put_clean(FILE *fp, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r' && i + 1 < n && s[i + 1] == '\n') continue;
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
            fputs("\xEF\xBF\xBD", fp);
        } else if (ch == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9F) {
            fputs("\xEF\xBF\xBD", fp); /* a C1 control */
            i++;
        } else {
            fputc(ch, fp);
        }
    }
}

static void put_cstr(FILE *fp, const char *s)
{
    put_clean(fp, s, strlen(s));
}

/* A span of the shown document and its label: a source number (1...), or 0 for boilerplate. */
typedef struct {
    uint32_t beg, end, label;
} mark;

static int by_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* Sort and drop repeats; returns the new length. */
static size_t unique(uint64_t *a, size_t n)
{
    if (!n) return 0;
    qsort(a, n, sizeof *a, by_u64);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[k - 1]) a[k++] = a[i];
    return k;
}

static void open_mark(FILE *fp, uint32_t label, int color)
{
    if (label == 0)
        fputs(color ? "\033[2m[B]" : "[B>", fp);
    else if (color)
        fprintf(fp, "\033[1;%sm[%u]\033[0;%sm", palette[(label - 1) % N_PALETTE], label,
                palette[(label - 1) % N_PALETTE]);
    else
        fprintf(fp, "[%u>", label);
}

static void close_mark(FILE *fp, uint32_t label, int color)
{
    if (color)
        fputs("\033[0m", fp);
    else if (label == 0)
        fputs("<B]", fp);
    else
        fprintf(fp, "<%u]", label);
}

static double pct(uint32_t part, uint32_t whole)
{
    return whole ? 100.0 * part / whole : 0;
}

/* The header: id, date, title, shares, stories, sources numbered, later witnesses. */
static void header(FILE *fp, const ibid_stories *s, const ibid_corpus *c, size_t doc,
                   const uint64_t *src, size_t n_src, const uint32_t *src_count,
                   const uint64_t *later, size_t n_later, const uint64_t *st, size_t n_st,
                   size_t n_bp, int color)
{
    const ibid_witness *w = &s->wit[doc];
    put_cstr(fp, ibid_corpus_id(c, doc));
    fputc('\n', fp);
    if (w->date_text) fputs("date: ", fp), put_cstr(fp, w->date_text), fputc('\n', fp);
    if (w->title && *w->title) fputs("title: ", fp), put_cstr(fp, w->title), fputc('\n', fp);
    fprintf(fp, "reused from earlier witnesses: %.1f%% (%u of %u code points); own: %.1f%%\n",
            pct(w->cp_reused, w->n_cp), w->cp_reused, w->n_cp, 100 - pct(w->cp_reused, w->n_cp));
    fprintf(fp, "stories:");
    for (size_t i = 0; i < n_st; i++) fprintf(fp, " %u", (uint32_t)st[i] + 1);
    fprintf(fp, "%s\n", n_st ? "" : " none");
    if (n_bp) fprintf(fp, "boilerplate passages: %zu\n", n_bp);
    fprintf(fp, "sources (earlier witnesses):%s\n", n_src ? "" : " none");
    for (size_t i = 0; i < n_src; i++) {
        uint32_t d = (uint32_t)src[i];
        if (color)
            fprintf(fp, "  \033[1;%sm[%zu]\033[0m ", palette[i % N_PALETTE], i + 1);
        else
            fprintf(fp, "  [%zu] ", i + 1);
        put_cstr(fp, ibid_corpus_id(c, d));
        if (s->wit[d].date_text) fputs("  ", fp), put_cstr(fp, s->wit[d].date_text);
        fprintf(fp, "  %u passage%s\n", src_count[i], src_count[i] == 1 ? "" : "s");
    }
    fprintf(fp, "later witnesses sharing its text:%s\n", n_later ? "" : " none");
    for (size_t i = 0; i < n_later; i++) {
        uint32_t d = (uint32_t)later[i];
        fputs("  ", fp);
        put_cstr(fp, ibid_corpus_id(c, d));
        if (s->wit[d].date_text) fputs("  ", fp), put_cstr(fp, s->wit[d].date_text);
        fputc('\n', fp);
    }
    fputc('\n', fp);
}

/* The text with its marks: cut at every mark boundary, each piece labelled with the smallest
 * source number covering it, else B when boilerplate covers it. */
static void body(FILE *fp, const char *text, size_t n_text, const mark *mk, size_t n_mk, int color)
{
    uint64_t *cut = ibid_xmalloc((2 * n_mk + 1) * sizeof *cut);
    for (size_t i = 0; i < n_mk; i++) cut[2 * i] = mk[i].beg, cut[2 * i + 1] = mk[i].end;
    size_t n_cut = unique(cut, 2 * n_mk);
    size_t byte = 0, k = 0;
    uint32_t cp = 0, cur = UINT32_MAX; /* the open label, UINT32_MAX for none */
    while (byte < n_text || k < n_cut) {
        if (k < n_cut && cut[k] == cp) {
            /* the label of the piece [cut[k], cut[k + 1]) */
            uint32_t label = UINT32_MAX;
            if (k + 1 < n_cut) {
                for (size_t i = 0; i < n_mk; i++) {
                    if (mk[i].beg > cp || mk[i].end < cut[k + 1] || mk[i].beg == mk[i].end)
                        continue;
                    uint32_t l = mk[i].label ? mk[i].label : UINT32_MAX - 1;
                    if (l < label) label = l;
                }
            }
            if (label == UINT32_MAX - 1) label = 0;
            if (label != cur) {
                if (cur != UINT32_MAX) close_mark(fp, cur, color);
                if (label != UINT32_MAX) open_mark(fp, label, color);
                cur = label;
            }
            k++;
            continue;
        }
        if (byte >= n_text) break;
        size_t len = 1;
        while (byte + len < n_text && ((unsigned char)text[byte + len] & 0xC0) == 0x80) len++;
        put_clean(fp, text + byte, len);
        byte += len, cp++;
    }
    if (cur != UINT32_MAX) close_mark(fp, cur, color);
    if (n_text == 0 || text[n_text - 1] != '\n') fputc('\n', fp);
    free(cut);
}

int ibid_show_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                    size_t doc, const ibid_show_opts *o, ibid_error *err)
{
    int rc = ibid_stories_check_args(s, c, r, err);
    if (rc < 0) return rc;
    if (doc >= s->n_doc)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "no document %zu in a corpus of %zu", doc,
                         s->n_doc);
    int color = o && o->color;
    uint32_t me = s->wit[doc].rank;
    size_t np = r->n_passages, n_src = 0, n_later = 0, n_st = 0, n_bp = 0, n_mk = 0;
    uint64_t *src = ibid_xmalloc((np + 1) * sizeof *src);     /* rank << 32 | doc */
    uint64_t *later = ibid_xmalloc((np + 1) * sizeof *later); /* rank << 32 | doc */
    uint64_t *st = ibid_xmalloc((np + 1) * sizeof *st);       /* story */
    mark *mk = ibid_xmalloc((np + 1) * sizeof *mk);
    for (size_t i = 0; i < np; i++) {
        const ibid_passage *p = &r->passages[i];
        if (p->doc1 != doc && p->doc2 != doc) continue;
        int one = p->doc1 == doc;
        uint32_t other = one ? p->doc2 : p->doc1;
        uint32_t beg = one ? p->cp_beg1 : p->cp_beg2, end = one ? p->cp_end1 : p->cp_end2;
        if (s->pinfo[i].boilerplate) {
            n_bp++;
            mk[n_mk++] = (mark){beg, end, 0};
            continue;
        }
        st[n_st++] = (uint64_t)s->pinfo[i].story;
        uint64_t key = (uint64_t)s->wit[other].rank << 32 | other;
        if (s->wit[other].rank < me) {
            src[n_src++] = key;
            mk[n_mk++] = (mark){beg, end, UINT32_MAX}; /* numbered below */
        } else {
            later[n_later++] = key;
        }
    }
    /* number the sources; each source mark gets its number */
    uint64_t *all_src = ibid_xmalloc((n_src + 1) * sizeof *all_src); /* in mark order */
    memcpy(all_src, src, n_src * sizeof *src);
    n_src = unique(src, n_src);
    n_later = unique(later, n_later);
    n_st = unique(st, n_st);
    uint32_t *src_count = ibid_xcalloc(n_src + 1, sizeof *src_count);
    for (size_t i = 0, j = 0; i < n_mk; i++) {
        if (mk[i].label != UINT32_MAX) continue;
        uint64_t key = all_src[j++];
        size_t lo = 0, hi = n_src;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (src[mid] < key)
                lo = mid + 1;
            else
                hi = mid;
        }
        assert(lo < n_src && src[lo] == key);
        mk[i].label = (uint32_t)lo + 1;
        src_count[lo]++;
    }
    header(fp, s, c, doc, src, n_src, src_count, later, n_later, st, n_st, n_bp, color);
    size_t n_text;
    const char *text = ibid_corpus_text(c, doc, &n_text);
    body(fp, text, n_text, mk, n_mk, color);
    free(all_src);
    free(src_count);
    free(src);
    free(later);
    free(st);
    free(mk);
    if (ferror(fp)) return ibid_fail(err, IBID_EIO, NULL, 0, 0, "write failed");
    return 0;
}
