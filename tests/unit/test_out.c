/*
 * test_out.c: writing passages (out_jsonl.c) as JSON Lines and TSV, with and without texts.
 *
 * Results are built by hand on a small corpus whose ids and texts hold the characters that need
 * escaping (tabs, newlines, carriage returns, backslashes, quotes, control characters) next to
 * non-ASCII ones, written to a memory stream and compared byte for byte with the expected lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibid_int.h"

/* doc 0, id "d\t1": "a\tb\nc\\d \"q\" \x01 é\r end" (code points = bytes but for é) */
static const char text0[] = "a\tb\nc\\d \"q\" \x01 \xC3\xA9\r end";
static const char text1[] = "x y \xE6\x9D\xB1 z";

static ibid_corpus *make_corpus(void)
{
    ibid_corpus *c;
    assert_int_equal(ibid_corpus_new(&c), 0);
    assert_int_equal(ibid_corpus_add(c, "d\t1", 3, text0, strlen(text0), NULL, NULL), 0);
    assert_int_equal(ibid_corpus_add(c, "d2\\\"", 4, text1, strlen(text1), NULL, NULL), 0);
    return c;
}

/* Passage 0: all of doc 0 against "y 東" of doc 1; passage 1: "end" against "z", negative
 * score, identity 1, reworded. */
static void make_result(ibid_result *r, ibid_passage *p)
{
    memset(r, 0, sizeof *r);
    memset(p, 0, 2 * sizeof *p);
    p[0].doc1 = 0, p[0].doc2 = 1;
    p[0].cp_beg1 = 0, p[0].cp_end1 = 20, p[0].byte_beg1 = 0, p[0].byte_end1 = 21;
    p[0].cp_beg2 = 2, p[0].cp_end2 = 5, p[0].byte_beg2 = 2, p[0].byte_end2 = 7;
    p[0].matches = 2, p[0].columns = 3, p[0].score = 7;
    p[1].doc1 = 0, p[1].doc2 = 1;
    p[1].cp_beg1 = 17, p[1].cp_end1 = 20, p[1].byte_beg1 = 18, p[1].byte_end1 = 21;
    p[1].cp_beg2 = 6, p[1].cp_end2 = 7, p[1].byte_beg2 = 8, p[1].byte_end2 = 9;
    p[1].matches = 4, p[1].columns = 4, p[1].score = -5, p[1].kind = IBID_KIND_REWORDED;
    r->n_passages = 2;
    r->passages = p;
}

static void expect_output(const ibid_corpus *c, const ibid_result *r, int format, int with_text,
                          const char *want)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    assert_non_null(fp);
    ibid_write_opts w = {format, with_text};
    ibid_error e;
    assert_int_equal(ibid_result_write(fp, c, r, &w, &e), 0);
    assert_int_equal(fclose(fp), 0);
    if (n != strlen(want) || memcmp(buf, want, n) != 0)
        fail_msg("format %d, with_text %d: wrote\n%s\nexpected\n%s", format, with_text, buf, want);
    free(buf);
}

static void test_corpus_offsets(void **state)
{
    (void)state;
    /* the hand-made offsets name what the expected lines say */
    assert_int_equal(strlen(text0), 21);
    assert_memory_equal(text0 + 18, "end", 3);
    assert_memory_equal(text1 + 2, "y \xE6\x9D\xB1", 5);
    assert_memory_equal(text1 + 8, "z", 1);
}

static void test_jsonl(void **state)
{
    (void)state;
    ibid_corpus *c = make_corpus();
    ibid_result r;
    ibid_passage p[2];
    make_result(&r, p);
    expect_output(
        c, &r, IBID_FORMAT_JSONL, 1,
        "{\"id1\":\"d\\t1\",\"id2\":\"d2\\\\\\\"\",\"begin1\":0,\"end1\":20,\"begin2\":2,"
        "\"end2\":5,\"matches\":2,\"score\":7,\"identity\":0.6667,\"kind\":\"verbatim\","
        "\"text1\":\"a\\tb\\nc\\\\d \\\"q\\\" \\u0001 \xC3\xA9\\r end\","
        "\"text2\":\"y \xE6\x9D\xB1\"}\n"
        "{\"id1\":\"d\\t1\",\"id2\":\"d2\\\\\\\"\",\"begin1\":17,\"end1\":20,\"begin2\":6,"
        "\"end2\":7,\"matches\":4,\"score\":-5,\"identity\":1.0,\"kind\":\"reworded\","
        "\"text1\":\"end\","
        "\"text2\":\"z\"}\n");
    /* --no-text */
    expect_output(
        c, &r, IBID_FORMAT_JSONL, 0,
        "{\"id1\":\"d\\t1\",\"id2\":\"d2\\\\\\\"\",\"begin1\":0,\"end1\":20,\"begin2\":2,"
        "\"end2\":5,\"matches\":2,\"score\":7,\"identity\":0.6667,\"kind\":\"verbatim\"}\n"
        "{\"id1\":\"d\\t1\",\"id2\":\"d2\\\\\\\"\",\"begin1\":17,\"end1\":20,\"begin2\":6,"
        "\"end2\":7,\"matches\":4,\"score\":-5,\"identity\":1.0,\"kind\":\"reworded\"}\n");
    ibid_corpus_free(c);
}

static void test_tsv(void **state)
{
    (void)state;
    ibid_corpus *c = make_corpus();
    ibid_result r;
    ibid_passage p[2];
    make_result(&r, p);
    expect_output(
        c, &r, IBID_FORMAT_TSV, 1,
        "id1\tid2\tbegin1\tend1\tbegin2\tend2\tmatches\tscore\tidentity\tkind\ttext1\ttext2\n"
        "d\\t1\td2\\\\\"\t0\t20\t2\t5\t2\t7\t0.6667\tverbatim\t"
        "a\\tb\\nc\\\\d \"q\" \x01 \xC3\xA9\\r end\ty \xE6\x9D\xB1\n"
        "d\\t1\td2\\\\\"\t17\t20\t6\t7\t4\t-5\t1\treworded\tend\tz\n");
    expect_output(c, &r, IBID_FORMAT_TSV, 0,
                  "id1\tid2\tbegin1\tend1\tbegin2\tend2\tmatches\tscore\tidentity\tkind\n"
                  "d\\t1\td2\\\\\"\t0\t20\t2\t5\t2\t7\t0.6667\tverbatim\n"
                  "d\\t1\td2\\\\\"\t17\t20\t6\t7\t4\t-5\t1\treworded\n");
    ibid_corpus_free(c);
}

static void test_empty_result(void **state)
{
    (void)state;
    ibid_corpus *c = make_corpus();
    ibid_result r;
    memset(&r, 0, sizeof r);
    expect_output(c, &r, IBID_FORMAT_JSONL, 1, "");
    expect_output(
        c, &r, IBID_FORMAT_TSV, 1,
        "id1\tid2\tbegin1\tend1\tbegin2\tend2\tmatches\tscore\tidentity\tkind\ttext1\ttext2\n");
    ibid_corpus_free(c);
}

/* A stream that cannot be written: IBID_EIO, whatever the format. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *fp = fopen("/dev/full", "w");
    if (!fp) skip();
    ibid_corpus *c = make_corpus();
    ibid_result r;
    ibid_passage p[2];
    make_result(&r, p);
    for (int f = 0; f < 2; f++) {
        ibid_write_opts w = {f, 1};
        ibid_error e;
        memset(&e, 0, sizeof e);
        assert_int_equal(ibid_result_write(fp, c, &r, &w, &e), IBID_EIO);
        assert_int_equal(e.code, IBID_EIO);
        assert_non_null(strstr(e.message, "write"));
        clearerr(fp);
    }
    fclose(fp);
    ibid_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_offsets),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_empty_result),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
