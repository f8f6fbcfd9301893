/*
 * test_pairs.c: pair lists (pairs.c): headers, PAN's columns, errors with file and line,
 * deduplication and order, pairs of a document with itself, and the corpus-free parser.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ibid_int.h"
#include "test_files.h"

/* ---- helpers ---- */

typedef struct fixture {
    char *dir;
    char *path; /* dir/pairs.tsv */
    ibid_corpus *c;
} fixture;

/* A corpus of five documents d0..d4 (indices 0..4) and a folder for the pair files. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/ibid_test_pairs_XXXXXX";
    if (!f || !mkdtemp(tmpl)) return -1;
    f->dir = strdup(tmpl);
    f->path = malloc(strlen(tmpl) + 16);
    sprintf(f->path, "%s/pairs.tsv", tmpl);
    if (ibid_corpus_new(&f->c) < 0) return -1;
    const char *ids[] = {"d0", "d1", "d2", "d3", "d 4"};
    for (int i = 0; i < 5; i++)
        if (ibid_corpus_add(f->c, ids[i], strlen(ids[i]), "t", 1, NULL, NULL) < 0) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = remove_tree(f->dir);
    ibid_corpus_free(f->c);
    free(f->path);
    free(f->dir);
    free(f);
    return rc;
}

static void write_pairs(const fixture *f, const char *data)
{
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs(data, fp);
    assert_int_equal(fclose(fp), 0);
}

static void check_message(const ibid_error *e, const char *part)
{
    if (!strstr(e->message, part)) fail_msg("message \"%s\" lacks \"%s\"", e->message, part);
}

/* Read `data` as a pair file; it must succeed with exactly the pairs want[0, n_want). */
static void expect_pairs(const fixture *f, const char *data, int skip_bad, const ibid_pair *want,
                         size_t n_want, size_t n_skipped)
{
    write_pairs(f, data);
    ibid_pairs *p = NULL;
    ibid_error e;
    int rc = ibid_pairs_read(&p, f->c, f->path, skip_bad, &e);
    if (rc) fail_msg("%ld: %s", e.line, e.message);
    size_t n;
    const ibid_pair *got = ibid_pairs_items(p, &n);
    assert_int_equal(n, n_want);
    assert_int_equal(ibid_pairs_size(p), n_want);
    assert_int_equal(ibid_pairs_n_skipped(p), n_skipped);
    for (size_t i = 0; i < n; i++) {
        if (got[i].a != want[i].a || got[i].b != want[i].b)
            fail_msg("pair %zu is (%u, %u), expected (%u, %u)", i, got[i].a, got[i].b, want[i].a,
                     want[i].b);
    }
    ibid_pairs_free(p);
}

static void expect_error(const fixture *f, const char *data, int code, long line, const char *part)
{
    write_pairs(f, data);
    ibid_pairs *p = (ibid_pairs *)&p; /* must come back NULL */
    ibid_error e;
    memset(&e, 0, sizeof e);
    int rc = ibid_pairs_read(&p, f->c, f->path, 0, &e);
    if (rc != code) fail_msg("rc %d (%s), expected %d", rc, e.message, code);
    assert_null(p);
    assert_int_equal(e.code, code);
    assert_string_equal(e.source, f->path);
    assert_int_equal(e.line, line);
    check_message(&e, part);
}

/* ---- tests ---- */

static void test_no_header(void **state)
{
    const fixture *f = *state;
    const ibid_pair want[] = {{0, 1}, {0, 3}, {2, 4}};
    /* extra columns are ignored; blank lines and CRLF are fine; the last line needs no \n */
    expect_pairs(f, "d3\td0\textra\r\n\n  \t \nd1\td0\nd2\td 4", 0, want, 3, 0);
}

static void test_header_id1_id2(void **state)
{
    const fixture *f = *state;
    const ibid_pair want[] = {{1, 2}, {3, 4}};
    expect_pairs(f, "score\tid2\tid1\n0.5\td1\td2\n0.7\td 4\td3\n", 0, want, 2, 0);
    /* a byte order mark before the header */
    expect_pairs(f, "\xEF\xBB\xBFid1\tid2\nd1\td2\nd3\td 4\n", 0, want, 2, 0);
}

static void test_header_pan(void **state)
{
    const fixture *f = *state;
    const ibid_pair want[] = {{0, 2}, {1, 3}};
    expect_pairs(f,
                 "split\tsubset\tsusp_id\tsrc_id\tn_cases\n"
                 "train\t01-no-plagiarism\td0\td2\t0\n"
                 "train\t02-no-obfuscation\td3\td1\t2\n",
                 0, want, 2, 0);
}

static void test_dedup_and_order(void **state)
{
    const fixture *f = *state;
    /* both directions, repeats and self-pairs: each pair once, a < b, sorted by (a, b) */
    const ibid_pair want[] = {{0, 4}, {1, 2}, {1, 3}, {2, 3}};
    expect_pairs(f, "d3\td2\nd2\td3\nd 4\td0\nd1\td1\nd3\td1\nd2\td1\nd1\td2\nd0\td 4\nd0\td0\n", 0,
                 want, 4, 0);
    /* only self-pairs: an empty list, not an error */
    expect_pairs(f, "d1\td1\n", 0, NULL, 0, 0);
    expect_pairs(f, "", 0, NULL, 0, 0);
    expect_pairs(f, "id1\tid2\n", 0, NULL, 0, 0);
}

static void test_errors(void **state)
{
    const fixture *f = *state;
    expect_error(f, "d0\td1\n\nd2\n", IBID_EPARSE, 3, "expected at least 2 tab-separated columns");
    expect_error(f, "a\tid1\tb\tid2\nd0\td1\td2\n", IBID_EPARSE, 2, "at least 4");
    expect_error(f, "d0\td1\nd2\tnope\n", IBID_ENOTFOUND, 2, "unknown document id 'nope'");
    expect_error(f, "d0\td1\nd 5\td2\n", IBID_ENOTFOUND, 2, "'d 5'");
    /* fields are taken as written: a trailing space makes another id */
    expect_error(f, "d0 \td1\n", IBID_ENOTFOUND, 1, "'d0 '");
    /* an empty field is an empty id, which no document has */
    expect_error(f, "d0\t\n", IBID_ENOTFOUND, 1, "''");
    /* a header's id columns only, not a lone "id1" */
    expect_error(f, "id1\tother\nd0\td1\n", IBID_ENOTFOUND, 1, "'id1'");

    ibid_pairs *p = NULL;
    ibid_error e;
    char *missing = malloc(strlen(f->dir) + 16);
    sprintf(missing, "%s/none.tsv", f->dir);
    assert_int_equal(ibid_pairs_read(&p, f->c, missing, 0, &e), IBID_EIO);
    assert_null(p);
    assert_string_equal(e.source, missing);
    check_message(&e, "No such file");
    free(missing);
}

static void test_skip_bad(void **state)
{
    const fixture *f = *state;
    const ibid_pair want[] = {{0, 1}, {2, 3}};
    expect_pairs(f, "d0\td1\nx\td1\nd2\ty\nd3\td2\nd3\td3\n", 1, want, 2, 2);
    /* syntax errors are not skipped */
    write_pairs(f, "d0\td1\nx\td1\nlonely\n");
    ibid_pairs *p = NULL;
    ibid_error e;
    assert_int_equal(ibid_pairs_read(&p, f->c, f->path, 1, &e), IBID_EPARSE);
    assert_int_equal(e.line, 3);
    assert_null(p);
}

static void test_gzip(void **state)
{
    const fixture *f = *state;
    char *gz = malloc(strlen(f->dir) + 16);
    sprintf(gz, "%s/pairs.tsv.gz", f->dir);
    gzFile g = gzopen(gz, "wb");
    gzputs(g, "id1\tid2\nd1\td0\n");
    assert_int_equal(gzclose(g), Z_OK);
    ibid_pairs *p = NULL;
    ibid_error e;
    assert_int_equal(ibid_pairs_read(&p, f->c, gz, 0, &e), 0);
    size_t n;
    const ibid_pair *items = ibid_pairs_items(p, &n);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].a, 0);
    assert_int_equal(items[0].b, 1);
    ibid_pairs_free(p);
    ibid_pairs_free(NULL);
    free(gz);
}

/* ---- the parser alone ---- */

typedef struct collect {
    char out[512];
    size_t n;
    long last_line;
    int stop_at; /* line at which to return an error, or 0 */
} collect;

static int on_pair(void *ud, const char *id1, size_t n1, const char *id2, size_t n2, long line)
{
    collect *k = ud;
    assert_true(line > k->last_line);
    k->last_line = line;
    if (line == k->stop_at) return IBID_EINVAL;
    k->n += (size_t)snprintf(k->out + k->n, sizeof k->out - k->n, "%ld:[%.*s][%.*s] ", line,
                             (int)n1, id1, (int)n2, id2);
    return 0;
}

static void test_parse(void **state)
{
    (void)state;
    collect k = {.n = 0};
    ibid_error e;
    const char in[] = "x\ty\n\nsusp_id\tsrc_id\n\t\r\na\t\tb\n";
    assert_int_equal(ibid_pairs_parse(in, sizeof in - 1, "in", on_pair, &k, &e), 0);
    /* the first line is data, so a later header-like line is data too */
    assert_string_equal(k.out, "1:[x][y] 3:[susp_id][src_id] 5:[a][] ");

    memset(&k, 0, sizeof k);
    const char pan[] = "susp_id\tid1\tsrc_id\n1\t2\t3\n";
    assert_int_equal(ibid_pairs_parse(pan, sizeof pan - 1, "in", on_pair, &k, &e), 0);
    assert_string_equal(k.out, "2:[1][3] "); /* id1 without id2: PAN's columns */

    /* a callback's error stops the parse and is returned */
    memset(&k, 0, sizeof k);
    k.stop_at = 2;
    const char three[] = "a\tb\nc\td\ne\tf\n";
    assert_int_equal(ibid_pairs_parse(three, sizeof three - 1, "in", on_pair, &k, &e), IBID_EINVAL);
    assert_string_equal(k.out, "1:[a][b] ");

    /* NUL bytes are ordinary bytes; the empty input has no pairs */
    memset(&k, 0, sizeof k);
    const char nul[] = "a\0b\tc\n";
    assert_int_equal(ibid_pairs_parse(nul, sizeof nul - 1, "in", on_pair, &k, &e), 0);
    assert_int_equal(k.last_line, 1);
    assert_int_equal(ibid_pairs_parse(NULL, 0, "in", on_pair, &k, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_id1_id2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_pan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
