/*
 * fuzz_stories.c: stories, provenance and their views on arbitrary documents and passages, and
 * the ISO 8601 date parser (provenance.c) on arbitrary dates.
 *
 * Input: lines "date<TAB>text" (one document each; invalid UTF-8 cut at its first bad byte)
 * until a line "--"; the bytes after it, 8 at a time, are passages (two documents, offsets
 * folded into their texts, kind, a match count). Checks, aborting when one fails:
 *   - a date that parses parses again to the same instant, also with blanks around it;
 *   - ibid_stories_new succeeds; every passage is boilerplate (in no story) or in exactly the
 *     story that lists it; a story's documents are distinct, in witness order, and hold both
 *     documents of each of its passages; its first witness has the lowest rank of them;
 *   - a passage's source is the earlier of its documents; shares never exceed the text;
 *   - the same input gives the same stories twice;
 *   - show (plain and in colour) of every document, the list and the page write without error.
 */
#include "stories.h"

#include "fuzz_utf8.h"

#include <jansson.h>
#include <stdio.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_stories: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_DOCS = 16, MAX_PASSAGES = 256 };

static void check_date(const char *s, size_t n)
{
    int64_t t, t2;
    if (ibid_date_parse(s, n, &t) < 0) return;
    CHECK(ibid_date_parse(s, n, &t2) == 0 && t2 == t);
    char buf[96];
    if (n + 2 >= sizeof buf) return;
    buf[0] = ' ';
    memcpy(buf + 1, s, n);
    buf[n + 1] = '\t';
    CHECK(ibid_date_parse(buf, n + 2, &t2) == 0 && t2 == t);
}

static uint64_t digest(const ibid_stories *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t k = 0; k < ibid_stories_size(s); k++) {
        const ibid_story *st = ibid_stories_get(s, k);
        for (size_t i = 0; i < st->n_docs; i++) h = (h ^ st->docs[i]) * 1099511628211ULL;
        for (size_t i = 0; i < st->n_passages; i++) h = (h ^ st->passages[i]) * 1099511628211ULL;
        h = (h ^ 0xffff) * 1099511628211ULL;
    }
    return h;
}

static void check(const ibid_stories *s, const ibid_corpus *c, const ibid_result *r)
{
    size_t n_bp = 0;
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        const ibid_passage_info *pi = ibid_stories_passage(s, i);
        uint32_t r1 = ibid_stories_witness(s, p->doc1)->rank;
        uint32_t r2 = ibid_stories_witness(s, p->doc2)->rank;
        CHECK(pi->source == (r1 < r2 ? p->doc1 : p->doc2));
        n_bp += pi->boilerplate;
        CHECK(pi->boilerplate == (pi->story < 0));
        if (pi->story < 0) continue;
        CHECK((size_t)pi->story < ibid_stories_size(s));
        const ibid_story *st = ibid_stories_get(s, (size_t)pi->story);
        int found = 0, d1 = 0, d2 = 0;
        for (size_t k = 0; k < st->n_passages; k++) found += st->passages[k] == i;
        for (size_t k = 0; k < st->n_docs; k++) d1 += st->docs[k] == p->doc1;
        for (size_t k = 0; k < st->n_docs; k++) d2 += st->docs[k] == p->doc2;
        CHECK(found == 1 && d1 == 1 && d2 == 1);
    }
    CHECK(n_bp == ibid_stories_n_boilerplate(s));
    size_t n_listed = 0;
    for (size_t k = 0; k < ibid_stories_size(s); k++) {
        const ibid_story *st = ibid_stories_get(s, k);
        CHECK(st->n_docs >= 2 && st->n_passages >= 1 && st->n_dated <= st->n_docs);
        n_listed += st->n_passages;
        for (size_t i = 1; i < st->n_docs; i++)
            CHECK(ibid_stories_witness(s, st->docs[i - 1])->rank <
                  ibid_stories_witness(s, st->docs[i])->rank);
        for (size_t i = 0; i < st->n_passages; i++)
            CHECK(ibid_stories_passage(s, st->passages[i])->story == (int32_t)k);
    }
    CHECK(n_listed + n_bp == r->n_passages);
    for (size_t d = 0; d < ibid_corpus_size(c); d++) {
        const ibid_witness *w = ibid_stories_witness(s, d);
        CHECK((uint64_t)w->cp_reused + w->cp_later + w->cp_boilerplate <= w->n_cp);
    }
}

static void views(const ibid_stories *s, const ibid_corpus *c, const ibid_result *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    CHECK(fp);
    for (size_t d = 0; d < ibid_corpus_size(c); d++) {
        for (int color = 0; color < 2; color++) {
            ibid_show_opts so = {color};
            CHECK(ibid_show_write(fp, s, c, r, d, &so, NULL) == 0);
        }
    }
    for (int f = 0; f < 3; f++) CHECK(ibid_stories_write(fp, s, c, r, f, NULL) == 0);
    CHECK(ibid_html_write(fp, s, c, r, NULL, NULL) == 0);
    fclose(fp);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data, *end = in + size, *p = in;
    ibid_corpus *c;
    ibid_corpus_new(&c);
    uint32_t n_cp[MAX_DOCS];
    char id[16];
    while (p < end && ibid_corpus_size(c) < MAX_DOCS) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol - p == 2 && p[0] == '-' && p[1] == '-') {
            p = eol + (nl != NULL);
            break;
        }
        const char *tab = memchr(p, '\t', (size_t)(eol - p));
        const char *date = p, *text = tab ? tab + 1 : p;
        size_t n_date = tab ? (size_t)(tab - p) : 0;
        check_date(date, n_date);
        size_t n_text = valid_prefix(text, (size_t)(eol - text));
        json_t *meta = json_object();
        size_t n_ok = valid_prefix(date, n_date);
        if (tab) json_object_set_new(meta, "date", json_stringn(date, n_ok));
        if (n_text > 3) json_object_set_new(meta, "title", json_stringn(text, 3));
        char *meta_s = json_dumps(meta, JSON_COMPACT);
        json_decref(meta);
        snprintf(id, sizeof id, "d%02zu", ibid_corpus_size(c));
        size_t k = ibid_corpus_size(c);
        CHECK(ibid_corpus_add(c, id, strlen(id), text, n_text, meta_s, NULL) == 0);
        free(meta_s);
        n_cp[k] = count_cp(text, n_text);
        p = eol + (nl != NULL);
    }
    size_t nd = ibid_corpus_size(c), np = 0;
    ibid_passage *ps = calloc(MAX_PASSAGES, sizeof *ps);
    while (nd >= 2 && end - p >= 8 && np < MAX_PASSAGES) {
        const uint8_t *b = (const uint8_t *)p;
        ibid_passage *q = &ps[np];
        q->doc1 = b[0] % nd;
        q->doc2 = (q->doc1 + 1 + b[1] % (nd - 1)) % nd;
        uint32_t l1 = n_cp[q->doc1] + 1, l2 = n_cp[q->doc2] + 1;
        uint32_t x1 = b[2] % l1, y1 = b[3] % l1, x2 = b[4] % l2, y2 = b[5] % l2;
        q->cp_beg1 = x1 < y1 ? x1 : y1, q->cp_end1 = x1 < y1 ? y1 : x1;
        q->cp_beg2 = x2 < y2 ? x2 : y2, q->cp_end2 = x2 < y2 ? y2 : x2;
        q->kind = b[6] % 3;
        q->columns = 20;
        q->matches = b[7] % 21;
        np++;
        p += 8;
    }
    ibid_result r;
    memset(&r, 0, sizeof r);
    r.passages = ps, r.n_passages = np;
    ibid_stories_opts o;
    ibid_stories_opts_init(&o);
    o.boilerplate_docs = 1 + (int)(size % 4); /* small, so that the rule fires */
    ibid_stories *s, *s2;
    CHECK(ibid_stories_new(&s, c, &r, &o, NULL) == 0);
    check(s, c, &r);
    CHECK(ibid_stories_new(&s2, c, &r, &o, NULL) == 0);
    CHECK(digest(s) == digest(s2));
    views(s, c, &r);
    ibid_stories_free(s);
    ibid_stories_free(s2);
    free(ps);
    ibid_corpus_free(c);
    return 0;
}
