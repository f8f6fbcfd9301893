/*
 * test_stories.c: stories and provenance (cluster.c, provenance.c) and their views
 * (out_stories.c, show.c, html.c) on small hand-made corpora.
 *
 * Texts are sentences of distinct made-up words, so that every word is rare unless a test
 * repeats it on purpose; passages are written by hand with their code point offsets, and the
 * tests check which stories form, which passages are flagged, the witness order, the shares,
 * and the marks the views put where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stories.h"

/* A text of n words "<tag>0 <tag>1 ...", each word 4 code points + a space: word i starts at
 * code point 5 * i. */
static char *words(const char *tag, int n)
{
    char *t = calloc((size_t)n * 6 + 1, 1);
    for (int i = 0; i < n; i++) sprintf(t + strlen(t), "%s%02d%s", tag, i, i + 1 < n ? " " : "");
    return t;
}

static void add(ibid_corpus *c, const char *id, const char *text, const char *meta)
{
    assert_int_equal(ibid_corpus_add(c, id, strlen(id), text, strlen(text), meta, NULL), 0);
}

static ibid_passage pass(uint32_t d1, uint32_t b1, uint32_t e1, uint32_t d2, uint32_t b2,
                         uint32_t e2, uint32_t matches, uint32_t columns)
{
    ibid_passage p;
    memset(&p, 0, sizeof p);
    p.doc1 = d1, p.doc2 = d2;
    p.cp_beg1 = b1, p.cp_end1 = e1, p.cp_beg2 = b2, p.cp_end2 = e2;
    p.matches = matches, p.columns = columns;
    p.kind = IBID_KIND_VERBATIM;
    return p;
}

static ibid_result result_of(ibid_passage *p, size_t n)
{
    ibid_result r;
    memset(&r, 0, sizeof r);
    r.passages = p, r.n_passages = n;
    return r;
}

static void test_date_parse(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(ibid_date_parse("1970-01-01", 10, &t), 0);
    assert_true(t == 0);
    assert_int_equal(ibid_date_parse("1987-02-26T15:01:01", 19, &t), 0);
    assert_true(t == 541350061);
    assert_int_equal(ibid_date_parse("1987-02-26T16:01:01+01:00", 25, &t), 0);
    assert_true(t == 541350061);
    assert_int_equal(ibid_date_parse("1987-02-26 10:01:01-0500", 24, &t), 0);
    assert_true(t == 541350061);
    assert_int_equal(ibid_date_parse("1987", 4, &t), 0);
    assert_true(t == 536457600);
    assert_int_equal(ibid_date_parse("2000-02-29T00:00:00.5Z", 22, &t), 0);
    assert_true(t == 951782400);
    assert_int_equal(ibid_date_parse("1969-12-31T23:59:59Z", 20, &t), 0);
    assert_true(t == -1);
    const char *bad[] = {"",
                         "87-02-26",
                         "1987-13-01",
                         "1987-02-29",
                         "1987-02-26T25",
                         "1987-2-6",
                         "1987-02-26T10:00:00 junk",
                         "yesterday",
                         "1987-02-26T10:00:00+5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ibid_date_parse(bad[i], strlen(bad[i]), &t), -1);
}

/* Dated witnesses first by date (time zones counted), then undated ones by id. */
static void test_witness_order(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_corpus_new(&c);
    add(c, "a", "one", NULL);
    add(c, "b", "two", "{\"date\": \"1987-03-02T10:00:00+02:00\"}");
    add(c, "c", "three", "{\"date\": \"1987-03-02T09:00:00Z\"}");
    add(c, "d", "four", "{\"date\": \"not a date\", \"title\": \"Four\"}");
    add(c, "e", "five", "{\"date\": \"1987-03-02T09:00:00Z\"}");
    ibid_result r = result_of(NULL, 0);
    ibid_stories *s;
    assert_int_equal(ibid_stories_new(&s, c, &r, NULL, NULL), 0);
    uint32_t want[] = {1, 2, 4, 0, 3}; /* b (08:00Z), c, e (09:00Z, by id), then a, d */
    for (size_t i = 0; i < 5; i++) assert_int_equal(s->order[i], want[i]);
    assert_int_equal(ibid_stories_witness(s, 1)->rank, 0);
    assert_true(ibid_stories_witness(s, 3)->date == IBID_NO_DATE);
    assert_string_equal(ibid_stories_witness(s, 3)->date_text, "not a date");
    assert_string_equal(ibid_stories_witness(s, 3)->title, "Four");
    assert_int_equal(ibid_stories_witness(s, 2)->n_cp, 5);
    assert_int_equal(ibid_stories_size(s), 0);
    ibid_stories_free(s);
    ibid_corpus_free(c);
}

/* An update chain: A's text in B, B's text in C; the spans in B overlap, so one story, ordered
 * by date (C is dated first, so it is the probable source of all). Shares: B reuses from C. */
static void test_chain_and_shares(void **state)
{
    (void)state;
    char *t = words("ab", 40);
    ibid_corpus *c;
    ibid_corpus_new(&c);
    add(c, "A", t, "{\"date\": \"1987-03-03\"}");
    add(c, "B", t, "{\"date\": \"1987-03-04\"}");
    add(c, "C", t, "{\"date\": \"1987-03-01\"}");
    /* 40 words = 199 code points */
    ibid_passage p[] = {pass(0, 0, 150, 1, 0, 150, 30, 30), pass(0, 100, 199, 2, 100, 199, 20, 20),
                        pass(1, 0, 160, 2, 0, 160, 32, 32)};
    ibid_result r = result_of(p, 3);
    ibid_stories *s;
    ibid_stories_opts o;
    ibid_stories_opts_init(&o);
    o.rare_df = 3; /* the words of three equal texts are still rare */
    assert_int_equal(ibid_stories_new(&s, c, &r, &o, NULL), 0);
    assert_int_equal(ibid_stories_size(s), 1);
    const ibid_story *st = ibid_stories_get(s, 0);
    assert_int_equal(st->n_docs, 3);
    assert_int_equal(st->docs[0], 2); /* C, the earliest */
    assert_int_equal(st->docs[1], 0);
    assert_int_equal(st->docs[2], 1);
    assert_int_equal(st->n_dated, 3);
    assert_int_equal(st->n_passages, 3);
    assert_int_equal(ibid_stories_passage(s, 0)->source, 0);
    assert_int_equal(ibid_stories_passage(s, 1)->source, 2);
    assert_int_equal(ibid_stories_passage(s, 2)->source, 2);
    /* C: nothing reused, all its shared text later; A: [100, 199) from C, [0, 100) only later (B);
     * B: [0, 160) from C and A */
    assert_int_equal(ibid_stories_witness(s, 2)->cp_reused, 0);
    assert_int_equal(ibid_stories_witness(s, 2)->cp_later, 199);
    assert_int_equal(ibid_stories_witness(s, 0)->cp_reused, 99);
    assert_int_equal(ibid_stories_witness(s, 0)->cp_later, 100);
    assert_int_equal(ibid_stories_witness(s, 1)->cp_reused, 160);
    assert_int_equal(ibid_stories_witness(s, 1)->n_cp, 199);
    assert_int_equal(ibid_story_reused(s, &r, st, 1), 160); /* all in the one story */
    assert_int_equal(ibid_story_reused(s, &r, st, 2), 0);
    ibid_stories_free(s);
    ibid_corpus_free(c);
    free(t);
}

/* Two stories (A-B and C-D, each a long shared text) and one quote shared by B and C, inside
 * both long spans: the quote must not chain them. */
static void test_quote_does_not_chain(void **state)
{
    (void)state;
    char *t1 = words("xa", 60), *t2 = words("yb", 60);
    memcpy(t2 + 200, t1 + 50, 50); /* C quotes B's words 10 to 19 as its words 40 to 49 */
    ibid_corpus *c;
    ibid_corpus_new(&c);
    add(c, "A", t1, NULL);
    add(c, "B", t1, NULL);
    add(c, "C", t2, NULL);
    add(c, "D", t2, NULL);
    ibid_passage p[] = {pass(0, 0, 299, 1, 0, 299, 60, 60), pass(1, 50, 100, 2, 200, 250, 10, 10),
                        pass(2, 0, 299, 3, 0, 299, 60, 60)};
    ibid_result r = result_of(p, 3);
    ibid_stories *s;
    ibid_stories_opts o;
    ibid_stories_opts_init(&o);
    o.rare_df = 4; /* every word is rare here: no passage is a template */
    assert_int_equal(ibid_stories_new(&s, c, &r, &o, NULL), 0);
    assert_int_equal(ibid_stories_size(s), 3);
    assert_int_equal(ibid_stories_n_boilerplate(s), 0);
    int32_t s0 = ibid_stories_passage(s, 0)->story, s1 = ibid_stories_passage(s, 1)->story,
            s2 = ibid_stories_passage(s, 2)->story;
    assert_true(s0 != s1 && s1 != s2 && s0 != s2);
    assert_int_equal(ibid_stories_get(s, (size_t)s1)->n_docs, 2);
    /* equal in size, the stories are ordered by first witness: A, B (the quote), C */
    assert_int_equal(s0, 0);
    assert_int_equal(s1, 1);
    assert_int_equal(s2, 2);
    ibid_stories_free(s);
    ibid_corpus_free(c);
    free(t1);
    free(t2);
}

/* A flash (A) grown into a full story (B), copied whole by C: A's span is contained in the
 * long B-C spans, but the two cores share B and C, so they merge into one story, A first. */
static void test_flash_merges(void **state)
{
    (void)state;
    char *flash = words("fl", 10), *rest = words("zz", 50), *full = calloc(1, 600);
    sprintf(full, "%s %s", flash, rest);
    free(rest);
    ibid_corpus *c;
    ibid_corpus_new(&c);
    add(c, "A", flash, "{\"date\": \"1987-03-01\"}");
    add(c, "B", full, "{\"date\": \"1987-03-02\"}");
    add(c, "C", full, "{\"date\": \"1987-03-03\"}");
    ibid_passage p[] = {pass(0, 0, 49, 1, 0, 49, 10, 10), pass(0, 0, 49, 2, 0, 49, 10, 10),
                        pass(1, 0, 299, 2, 0, 299, 60, 60)};
    ibid_result r = result_of(p, 3);
    ibid_stories *s;
    ibid_stories_opts o;
    ibid_stories_opts_init(&o);
    o.rare_df = 3;
    assert_int_equal(ibid_stories_new(&s, c, &r, &o, NULL), 0);
    assert_int_equal(ibid_stories_size(s), 1);
    assert_int_equal(ibid_stories_get(s, 0)->docs[0], 0);
    assert_int_equal(ibid_stories_get(s, 0)->n_passages, 3);
    assert_int_equal(ibid_stories_passage(s, 2)->source, 1);
    ibid_stories_free(s);
    ibid_corpus_free(c);
    free(flash);
    free(full);
}

/* One paragraph shared by more documents than boilerplate_docs, in loose passages: flagged, in
 * no story; a copy (identity 1) of it is kept. */
static void test_boilerplate_docs(void **state)
{
    (void)state;
    char *t = words("bp", 20);
    ibid_corpus *c;
    ibid_corpus_new(&c);
    char id[8];
    for (int d = 0; d < 5; d++) snprintf(id, sizeof id, "d%d", d), add(c, id, t, NULL);
    ibid_passage p[4];
    for (uint32_t d = 1; d < 5; d++) p[d - 1] = pass(0, 0, 99, d, 0, 99, 15, 20);
    p[3].matches = 20; /* d0-d4: a copy */
    ibid_result r = result_of(p, 4);
    ibid_stories_opts o;
    ibid_stories_opts_init(&o);
    o.boilerplate_docs = 3;
    o.rare_df = 5;
    ibid_stories *s;
    assert_int_equal(ibid_stories_new(&s, c, &r, &o, NULL), 0);
    assert_int_equal(ibid_stories_n_boilerplate(s), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ibid_stories_passage(s, i)->boilerplate, 1);
        assert_int_equal(ibid_stories_passage(s, i)->story, -1);
    }
    assert_int_equal(ibid_stories_passage(s, 3)->boilerplate, 0);
    assert_int_equal(ibid_stories_size(s), 1);
    assert_int_equal(ibid_stories_witness(s, 1)->cp_boilerplate, 99);
    assert_int_equal(ibid_stories_witness(s, 1)->cp_reused, 0);
    ibid_stories_free(s);
    o.boilerplate_docs = 4; /* four partners are not more than four */
    assert_int_equal(ibid_stories_new(&s, c, &r, &o, NULL), 0);
    assert_int_equal(ibid_stories_n_boilerplate(s), 0);
    ibid_stories_free(s);
    ibid_corpus_free(c);
    free(t);
}

/* A template: the same form with other names, in twelve documents. Passages whose spans share
 * fewer than two rare words are flagged; two documents naming the same company are a story. */
static void test_templates(void **state)
{
    (void)state;
    const char *form = " corp said its board declared a quarterly dividend payable to holders";
    ibid_corpus *c;
    ibid_corpus_new(&c);
    char text[256], id[8];
    for (int d = 0; d < 12; d++) {
        /* d00 and d03 name the same company, the others each their own */
        if (d == 0 || d == 3)
            snprintf(text, sizeof text, "acme rollers%s", form);
        else
            snprintf(text, sizeof text, "name%c widget%c%s", 'a' + d, 'a' + d, form);
        snprintf(id, sizeof id, "d%02d", d);
        add(c, id, text, NULL);
    }
    uint32_t na = (uint32_t)(12 + strlen(form)), nb = (uint32_t)(13 + strlen(form));
    ibid_passage p[] = {pass(0, 0, na, 1, 0, nb, 11, 13), pass(0, 0, na, 3, 0, na, 13, 13),
                        pass(1, 0, nb, 2, 0, nb, 11, 13)};
    ibid_result r = result_of(p, 3);
    ibid_stories *s;
    assert_int_equal(ibid_stories_new(&s, c, &r, NULL, NULL), 0); /* rare: df <= 2 + spread */
    assert_int_equal(ibid_stories_passage(s, 0)->boilerplate, 1);
    assert_int_equal(ibid_stories_passage(s, 1)->boilerplate, 0);
    assert_int_equal(ibid_stories_passage(s, 2)->boilerplate, 1);
    assert_int_equal(ibid_stories_size(s), 1);
    ibid_stories_free(s);
    /* with every word rare, nothing is a template */
    ibid_stories_opts o;
    ibid_stories_opts_init(&o);
    o.rare_df = 12;
    assert_int_equal(ibid_stories_new(&s, c, &r, &o, NULL), 0);
    assert_int_equal(ibid_stories_n_boilerplate(s), 0);
    ibid_stories_free(s);
    ibid_corpus_free(c);
}

/* Rule 2b and figures: two earnings tables of other companies whose figures share three-digit
 * groups by chance ("480,933" and "933,500"; "627,204" and "118,627", the tokenizer's groups)
 * are a template; a name and a group make a story, so do four shared groups; a copy may rest on
 * figures alone. */
static void test_template_figures(void **state)
{
    (void)state;
    static const char *const text[] = {
        "acme net loss 480,933 vs loss 627,204 revs", /* d0 */
        "net loss 933,500 vs loss 118,627 revs",      /* d1: only figures shared with d0 */
        "bolt net loss 555,777 vs loss 8,001 revs",   /* d2: a copy of d3, figures only */
        "acme net loss 551,933 vs loss 1,111 revs",   /* d3: a name and a figure with d0 */
        "net loss 555,777 vs loss 8,001 revs",        /* d4 */
        "net loss 933,118 vs loss 500,627 revs",      /* d5: four figures with d1 */
    };
    ibid_corpus *c;
    ibid_corpus_new(&c);
    char id[8], more[64];
    for (int d = 0; d < 6; d++) {
        snprintf(id, sizeof id, "d%02d", d);
        add(c, id, text[d], NULL);
    }
    for (int d = 6; d < 12; d++) { /* the form's words common, other figures */
        snprintf(id, sizeof id, "d%02d", d);
        snprintf(more, sizeof more, "net loss %d,%d vs loss %d revs", 200 + d, 300 + d, 400 + d);
        add(c, id, more, NULL);
    }
    uint32_t n[6];
    for (int d = 0; d < 6; d++) n[d] = (uint32_t)strlen(text[d]);
    ibid_passage p[] = {pass(0, 5, n[0], 1, 0, n[1], 5, 10), pass(0, 0, n[0], 3, 0, n[3], 6, 10),
                        pass(2, 5, n[2], 4, 0, n[4], 10, 10), pass(1, 0, n[1], 5, 0, n[5], 6, 10)};
    ibid_result r = result_of(p, 4);
    ibid_stories *s;
    assert_int_equal(ibid_stories_new(&s, c, &r, NULL, NULL), 0);
    assert_int_equal(ibid_stories_passage(s, 0)->boilerplate, 1);
    assert_int_equal(ibid_stories_passage(s, 1)->boilerplate, 0);
    assert_int_equal(ibid_stories_passage(s, 2)->boilerplate, 0);
    assert_int_equal(ibid_stories_passage(s, 3)->boilerplate, 0);
    assert_int_equal(ibid_stories_size(s), 3);
    ibid_stories_free(s);
    ibid_corpus_free(c);
}

static void test_bad_input(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_corpus_new(&c);
    add(c, "a", "short", NULL);
    add(c, "b", "short", NULL);
    ibid_passage p[] = {pass(0, 0, 6, 1, 0, 5, 1, 1)};
    ibid_result r = result_of(p, 1);
    ibid_stories *s = (ibid_stories *)&r;
    ibid_error err;
    assert_int_equal(ibid_stories_new(&s, c, &r, NULL, &err), IBID_EINVAL);
    assert_null(s);
    p[0].cp_end1 = 5, p[0].doc2 = 7;
    assert_int_equal(ibid_stories_new(&s, c, &r, NULL, &err), IBID_EINVAL);
    ibid_stories_opts o;
    ibid_stories_opts_init(&o);
    o.link_overlap = 0;
    p[0].doc2 = 1;
    assert_int_equal(ibid_stories_new(&s, c, &r, &o, &err), IBID_EINVAL);
    assert_non_null(strstr(err.message, "link_overlap"));
    /* views check that they get the corpus and result the stories were made from */
    assert_int_equal(ibid_stories_new(&s, c, &r, NULL, &err), 0);
    ibid_result none = result_of(NULL, 0);
    ibid_show_opts so = {0};
    assert_int_equal(ibid_show_write(stdout, s, c, &none, 0, &so, &err), IBID_EINVAL);
    assert_int_equal(ibid_html_write(stdout, s, c, &none, NULL, &err), IBID_EINVAL);
    assert_int_equal(ibid_stories_write(stdout, s, c, &none, IBID_FORMAT_TEXT, &err), IBID_EINVAL);
    assert_int_equal(ibid_stories_write(stdout, s, c, &r, 99, &err), IBID_EINVAL);
    assert_int_equal(ibid_show_write(stdout, s, c, &r, 2, &so, &err), IBID_EINVAL);
    ibid_stories_free(s);
    ibid_stories_free(NULL);
    ibid_corpus_free(c);
}

static char *render(int what, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                    size_t doc, int color)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    ibid_show_opts so = {color};
    int rc = what == 0   ? ibid_show_write(fp, s, c, r, doc, &so, NULL)
             : what == 1 ? ibid_html_write(fp, s, c, r, "T <&>", NULL)
                         : ibid_stories_write(fp, s, c, r, IBID_FORMAT_JSONL, NULL);
    assert_int_equal(rc, 0);
    fclose(fp);
    return buf;
}

/* show marks B's span by its source; the page escapes what it embeds. */
static void test_views(void **state)
{
    (void)state;
    ibid_corpus *c;
    ibid_corpus_new(&c);
    add(c, "a</script>", "one two three four five six", "{\"date\": \"2001-01-01\"}");
    add(c, "b", "zero one two three four five six seven\x01", "{\"title\": \"<b>B</b>\"}");
    ibid_passage p[] = {pass(0, 4, 27, 1, 9, 32, 5, 5)};
    ibid_result r = result_of(p, 1);
    ibid_stories *s;
    assert_int_equal(ibid_stories_new(&s, c, &r, NULL, NULL), 0);
    char *out = render(0, s, c, &r, 1, 0);
    assert_non_null(strstr(out, "zero one [1>two three four five six<1] seven\xEF\xBF\xBD\n"));
    assert_non_null(strstr(out, "  [1] a</script>  2001-01-01  1 passage\n"));
    assert_non_null(strstr(out, "reused from earlier witnesses: 59.0% (23 of 39 code points)"));
    free(out);
    out = render(0, s, c, &r, 1, 1);
    assert_non_null(strstr(out, "zero one \033[1;31m[1]\033[0;31mtwo three four five six\033[0m"));
    free(out);
    out = render(0, s, c, &r, 0, 0); /* the first witness: nothing marked, b later */
    assert_null(strstr(out, "[1>"));
    assert_non_null(strstr(out, "sources (earlier witnesses): none\nlater witnesses sharing its "
                                "text:\n  b\n"));
    free(out);
    out = render(1, s, c, &r, 0, 0);
    assert_non_null(strstr(out, "<title>T &lt;&amp;&gt;</title>"));
    assert_non_null(strstr(out, "a&lt;/script&gt;"));
    assert_non_null(strstr(out, "&lt;b&gt;B&lt;/b&gt;"));
    assert_non_null(strstr(out, "\"a\\u003c/script\\u003e\""));
    assert_null(strstr(out, "a</script>"));
    assert_non_null(strstr(out, "[0,1,4,27,9,32,0,0,0]"));
    free(out);
    out = render(2, s, c, &r, 0, 0);
    assert_non_null(strstr(out, "\"first\":\"a</script>\",\"date_first\":\"2001-01-01\""));
    free(out);
    ibid_stories_free(s);
    ibid_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse),       cmocka_unit_test(test_witness_order),
        cmocka_unit_test(test_chain_and_shares), cmocka_unit_test(test_quote_does_not_chain),
        cmocka_unit_test(test_flash_merges),     cmocka_unit_test(test_boilerplate_docs),
        cmocka_unit_test(test_templates),        cmocka_unit_test(test_template_figures),
        cmocka_unit_test(test_bad_input),        cmocka_unit_test(test_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
