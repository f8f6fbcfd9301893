/*
 * test_eval.c: unit tests of eval.c, the PAN text-alignment measures (Potthast et al., COLING
 * 2010) and the readers of truth TSV and detection JSON Lines.
 *
 * Every expected value is worked out by hand in the comment above its test; |x| counts the
 * characters of x on both sides (suspicious + source). A randomised test compares ibid_eval with
 * a per-character brute force on small documents; it prints its seed and takes IBID_SEED.
 */
#include "ibid_int.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define EPS 1e-12

static const char HEADER[] = "split\tsubset\tsusp_id\tsrc_id\tobfuscation\ttype\tthis_offset\t"
                             "this_length\tsource_offset\tsource_length\textra\n";
static const char PHEADER[] = "split\tsubset\tsusp_id\tsrc_id\tn_cases\n";

/* A truth from a cases table (header added) and, if not NULL, a pairs table (header added). */
static ibid_truth *truth_of(const char *cases, const char *pairs)
{
    ibid_truth *t = NULL;
    ibid_error err = {0};
    char buf[4096];
    assert_int_equal(ibid_truth_new(&t), 0);
    if (pairs) {
        snprintf(buf, sizeof buf, "%s%s", PHEADER, pairs);
        if (ibid_truth_parse(t, IBID_TRUTH_PAIRS, buf, strlen(buf), "p.tsv", &err) < 0)
            fail_msg("%s:%ld: %s", err.source, err.line, err.message);
    }
    snprintf(buf, sizeof buf, "%s%s", HEADER, cases);
    if (ibid_truth_parse(t, IBID_TRUTH_CASES, buf, strlen(buf), "t.tsv", &err) < 0)
        fail_msg("%s:%ld: %s", err.source, err.line, err.message);
    return t;
}

/* One PAN truth row: case on (susp, src) in subset A unless given. */
#define ROW(subset, susp, src, toff, tlen, soff, slen)                                     \
    "train\t" subset "\t" susp "\t" src "\tnone\tartificial\t" #toff "\t" #tlen "\t" #soff \
    "\t" #slen "\t\n"

static void add(ibid_detections *d, const char *id1, const char *id2, uint32_t b1, uint32_t e1,
                uint32_t b2, uint32_t e2)
{
    ibid_error err = {0};
    if (ibid_detections_add(d, id1, id2, b1, e1, b2, e2, &err) < 0) fail_msg("%s", err.message);
}

static ibid_eval_report *eval_of(const ibid_truth *t, const ibid_detections *d)
{
    ibid_eval_report *r = NULL;
    ibid_error err = {0};
    if (ibid_eval(&r, t, d, &err) < 0) fail_msg("%s", err.message);
    return r;
}

static const ibid_eval_row *row(const ibid_eval_report *r, const char *subset)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (strcmp(r->rows[i].subset, subset) == 0) return &r->rows[i];
    fail_msg("no row %s", subset);
    return NULL;
}

static void check_row(const ibid_eval_row *x, double prec, double rec, double gran, double plag)
{
    if (fabs(x->precision - prec) > EPS || fabs(x->recall - rec) > EPS ||
        fabs(x->granularity - gran) > EPS || fabs(x->plagdet - plag) > EPS)
        fail_msg("%s: got prec %.15g rec %.15g gran %.15g plagdet %.15g, want %.15g %.15g %.15g "
                 "%.15g",
                 x->subset, x->precision, x->recall, x->granularity, x->plagdet, prec, rec, gran,
                 plag);
}

/* Case s1/r1: susp [0, 100), src [0, 100). One detection equal to it, given as ibid align would
 * (id1 = "r1" < "s1", so side 1 is the source): prec 1, rec 1, gran 1, plagdet 1. */
static void test_perfect(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "r1", "s1", 0, 100, 0, 100);
    ibid_eval_report *r = eval_of(t, d);
    assert_int_equal(r->n_rows, 2);
    assert_string_equal(r->rows[0].subset, "A");
    assert_string_equal(r->rows[1].subset, "overall");
    check_row(&r->rows[0], 1, 1, 1, 1);
    check_row(&r->rows[1], 1, 1, 1, 1);
    assert_int_equal(r->rows[1].n_pairs, 1);
    assert_int_equal(r->rows[1].n_cases, 1);
    assert_int_equal(r->rows[1].n_detections, 1);
    assert_int_equal(r->rows[1].n_detected, 1);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* Case susp [0, 100), src [0, 100); detection susp [50, 150), src [50, 150).
 * Shared: 50 + 50 = 100 characters. prec = 100 / 200 = 0.5, rec = 100 / 200 = 0.5, gran 1,
 * plagdet = F1(0.5, 0.5) / log2(2) = 0.5. */
static void test_half_overlap(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 50, 150, 50, 150);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 0.5, 0.5, 1, 0.5);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* Case susp [0, 100), src [0, 200), found as two halves: susp [0, 50) + src [0, 100) and susp
 * [50, 100) + src [100, 200). Each detection lies inside the case: prec = (1 + 1) / 2 = 1. Together
 * they cover it: rec = (100 + 200) / 300 = 1. Two detections on one case: gran = 2.
 * plagdet = 1 / log2(3) = 0.630929753571457. */
static void test_split(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 200), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 0, 50, 0, 100);
    add(d, "s1", "r1", 50, 100, 100, 200);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 1, 1, 2, 1 / log2(3));
    assert_int_equal(row(r, "overall")->n_detected, 1);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* Cases c1 = susp [0, 100) src [0, 100), c2 = susp [200, 300) src [500, 600); one detection
 * r = susp [50, 250) src [50, 550) overlaps both on both sides.
 * prec(r) = (|[50,100)| + |[200,250)|  +  |[50,100)| + |[500,550)|) / (200 + 500)
 *         = (50 + 50 + 50 + 50) / 700 = 2/7.
 * rec(c1) = (50 + 50) / 200 = 0.5, rec(c2) = (50 + 50) / 200 = 0.5: recall 0.5.
 * gran = 1 (each case has one detection).
 * plagdet = 2 (2/7)(1/2) / (2/7 + 1/2) = (2/7) / (11/14) = 4/11. */
static void test_two_cases(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(
        ROW("A", "s1", "r1", 0, 100, 0, 100) ROW("A", "s1", "r1", 200, 100, 500, 100), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 50, 250, 50, 550);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 2.0 / 7, 0.5, 1, 4.0 / 11);
    assert_int_equal(row(r, "overall")->n_detected, 2);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* A detection that overlaps a case on the suspicious side only does not detect it: case susp
 * [0, 100) src [0, 100), detection susp [0, 100) src [100, 200) (the source side only touches,
 * half-open). prec 0, rec 0, gran 1 (nothing detected), plagdet 0. */
static void test_one_side_only(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 0, 100, 100, 200);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 0, 0, 1, 0);
    assert_int_equal(row(r, "overall")->n_detected, 0);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* Pairs: s1/r1 in A with one case (susp [0, 100) src [0, 100)), s2/r2 in B without cases (like
 * PAN's 01-no-plagiarism). Detections: a perfect one on s1/r1, a false one on s2/r2, one on the
 * unlisted pair s3/r3 (ignored, counted).
 * Row A: 1, 1, 1, 1.  Row B: a detection and no case: prec 0, rec 0, gran 1, plagdet 0.
 * Overall: prec = (1 + 0) / 2 = 0.5, rec = 1, gran 1, plagdet = F1(0.5, 1) = 1 / 1.5 = 2/3.
 * Rows come sorted by subset (A, B) although the pairs list B first. */
static void test_false_positive_and_subsets(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100),
                             "train\tB\ts2\tr2\t0\ntrain\tA\ts1\tr1\t1\n");
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "r1", "s1", 0, 100, 0, 100);
    add(d, "r2", "s2", 0, 10, 0, 10);
    add(d, "r3", "s3", 0, 10, 0, 10);
    ibid_eval_report *r = eval_of(t, d);
    assert_int_equal(r->n_rows, 3);
    assert_string_equal(r->rows[0].subset, "A");
    assert_string_equal(r->rows[1].subset, "B");
    check_row(&r->rows[0], 1, 1, 1, 1);
    check_row(&r->rows[1], 0, 0, 1, 0);
    check_row(&r->rows[2], 0.5, 1, 1, 2.0 / 3);
    assert_int_equal(r->rows[1].n_pairs, 1);
    assert_int_equal(r->rows[1].n_cases, 0);
    assert_int_equal(r->rows[1].n_detections, 1);
    assert_int_equal(r->rows[2].n_pairs, 2);
    assert_int_equal(r->rows[2].n_detections, 2);
    assert_int_equal(r->n_added, 3);
    assert_int_equal(r->n_unlisted, 1);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* Case s1/r1: susp [10, 20), src [30, 40). The same detection given in both orientations:
 * (s1, r1, [10, 20), [30, 40)) and (r1, s1, [30, 40), [10, 20)) is one detection twice: counted
 * once (n_duplicate 1), prec 1, rec 1, gran 1. Given with the spans not swapped, (r1, s1,
 * [10, 20), [30, 40)) puts susp on [30, 40): no overlap with the case, a false positive. */
static void test_orientation(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 10, 10, 30, 10), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 10, 20, 30, 40);
    add(d, "r1", "s1", 30, 40, 10, 20);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 1, 1, 1, 1);
    assert_int_equal(r->n_duplicate, 1);
    assert_int_equal(row(r, "overall")->n_detections, 1);
    ibid_eval_report_free(r);

    /* prec = (1 + 0) / 2 = 0.5, rec 1, gran 1, plagdet 2/3. */
    add(d, "r1", "s1", 10, 20, 30, 40);
    r = eval_of(t, d);
    check_row(row(r, "overall"), 0.5, 1, 1, 2.0 / 3);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* No detections at all. With a case: prec 0, rec 0 (PAN: one of the two sets empty), gran 1,
 * plagdet 0. A subset without cases and without detections: 1, 1, 1, 1. An empty truth and no
 * detections: overall 1, 1, 1, 1. */
static void test_no_detections(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100),
                             "train\tA\ts1\tr1\t1\ntrain\tB\ts2\tr2\t0\n");
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "A"), 0, 0, 1, 0);
    check_row(row(r, "B"), 1, 1, 1, 1);
    check_row(row(r, "overall"), 0, 0, 1, 0);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);

    t = truth_of("", NULL);
    ibid_detections_new(&d, t);
    add(d, "a", "b", 0, 1, 0, 1); /* unlisted: ignored */
    r = eval_of(t, d);
    assert_int_equal(r->n_rows, 1);
    check_row(row(r, "overall"), 1, 1, 1, 1);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* Zero-length spans. An empty detection (both sides empty) is ignored and counted. A detection
 * empty on the suspicious side at 50, inside the case susp [0, 100), overlaps it by PAN's test
 * (50 > 0 and 50 < 100) and src [0, 100) = the case's source side: prec = (0 + 100) / 100 = 1,
 * rec = (0 + 100) / 200 = 0.5, gran 1, plagdet = F1(1, 0.5) = 2/3. */
static void test_zero_length(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 50, 50, 7, 7);
    add(d, "s1", "r1", 50, 50, 0, 100);
    ibid_eval_report *r = eval_of(t, d);
    assert_int_equal(r->n_empty, 1);
    check_row(row(r, "overall"), 1, 0.5, 1, 2.0 / 3);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* A case empty on one side is allowed (its other side holds characters): case susp [0, 10),
 * src [5, 5); detection susp [0, 10), src [0, 10). Source: the detection holds 5 strictly inside
 * (0 < 5 < 10), so it overlaps. prec = (10 + 0) / 20 = 0.5, rec = (10 + 0) / 10 = 1, gran 1,
 * plagdet = F1(0.5, 1) = 2/3. */
static void test_case_empty_side(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 10, 5, 0), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 0, 10, 0, 10);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 0.5, 1, 1, 2.0 / 3);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* Overlapping detections on one case are counted once per character: case susp [0, 100) src
 * [0, 100); r1 = susp [0, 60) src [0, 60), r2 = susp [40, 100) src [40, 100).
 * prec = (1 + 1) / 2 = 1; rec = (100 + 100) / 200 = 1 (the union, not 120 + 120); gran 2;
 * plagdet = 1 / log2(3). */
static void test_overlapping_detections(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 0, 60, 0, 60);
    add(d, "s1", "r1", 40, 100, 40, 100);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 1, 1, 2, 1 / log2(3));
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

/* ---- readers ---- */

static void expect_truth_error(const char *pairs, const char *cases, int code, const char *source,
                               long line, long column, const char *needle)
{
    ibid_truth *t = NULL;
    ibid_error err = {0};
    ibid_truth_new(&t);
    int rc = 0;
    if (pairs) rc = ibid_truth_parse(t, IBID_TRUTH_PAIRS, pairs, strlen(pairs), "p.tsv", &err);
    if (rc == 0) rc = ibid_truth_parse(t, IBID_TRUTH_CASES, cases, strlen(cases), "t.tsv", &err);
    if (rc == 0) rc = ibid_truth_check(t, &err);
    if (rc != code || strcmp(err.source, source) != 0 || err.line != line ||
        (column >= 0 && err.column != column) || !strstr(err.message, needle))
        fail_msg("want %d %s:%ld:%ld '%s', got %d %s:%ld:%ld '%s'", code, source, line, column,
                 needle, rc, err.source, err.line, err.column, err.message);
    ibid_truth_free(t);
}

static void test_truth_errors(void **state)
{
    (void)state;
    const char *h =
        "subset\tsusp_id\tsrc_id\tthis_offset\tthis_length\tsource_offset\tsource_length\n";
    char buf[1024];
#define CASES(rows) (snprintf(buf, sizeof buf, "%s%s", h, rows), buf)
    expect_truth_error(NULL, CASES("A\ts\tr\t0\t1\t0\t1\nA\ts\tr\t-5\t1\t0\t1\n"), IBID_EPARSE,
                       "t.tsv", 3, 7, "negative");
    expect_truth_error(NULL, CASES("A\ts\tr\t0\tx\t0\t1\n"), IBID_EPARSE, "t.tsv", 2, 9,
                       "this_length");
    expect_truth_error(NULL, CASES("A\ts\tr\t0\t\t0\t1\n"), IBID_EPARSE, "t.tsv", 2, 9,
                       "this_length");
    expect_truth_error(NULL, CASES("A\ts\tr\t0\t1\t0\n"), IBID_EPARSE, "t.tsv", 2, -1,
                       "source_length");
    expect_truth_error(NULL, CASES("A\ts\tr\t0\t1\t0\t1\textra\n"), IBID_EPARSE, "t.tsv", 2, -1,
                       "8 fields");
    expect_truth_error(NULL, "subset\tsusp_id\tsrc_id\tthis_offset\n", IBID_EPARSE, "t.tsv", 1, -1,
                       "this_length");
    expect_truth_error(NULL, CASES("A\ts\tr\t4294967295\t1\t0\t1\n"), IBID_ETOOBIG, "t.tsv", 2, 7,
                       "beyond");
    expect_truth_error(NULL, CASES("A\ts\tr\t4294967296\t1\t0\t1\n"), IBID_EPARSE, "t.tsv", 2, 7,
                       "this_offset");
    expect_truth_error(NULL, CASES("A\ts\tr\t3\t0\t9\t0\n"), IBID_EPARSE, "t.tsv", 2, -1,
                       "no character");
    expect_truth_error(NULL, CASES("A\t\tr\t3\t1\t9\t1\n"), IBID_EPARSE, "t.tsv", 2, 3, "empty");
    expect_truth_error(NULL, CASES("A\ts\xff\tr\t3\t1\t9\t1\n"), IBID_EUTF8, "t.tsv", 2, 4,
                       "UTF-8");
    expect_truth_error(NULL, CASES("A\ts\tr\t0\t1\t0\t1\nB\ts\tr\t5\t1\t5\t1\n"), IBID_EPARSE,
                       "t.tsv", 3, 1, "line 2 of t.tsv");
    expect_truth_error(NULL, CASES("A\ts\tr\t0\t1\t0\t1\n\nA\ts\tr\t0\t1\t0\t1\n"), IBID_EDUPID,
                       "t.tsv", 4, -1, "line 2");
    /* NUL bytes inside a field: the buffer holds them, the line parser rejects them. */
    {
        static const char nul_row[] = "A\ts\0x\tr\t0\t1\t0\t1\n";
        ibid_truth *t = NULL;
        ibid_error err = {0};
        ibid_truth_new(&t);
        assert_int_equal(ibid_truth_parse_line(t, IBID_TRUTH_CASES, h, strlen(h), "t", 1, &err), 0);
        assert_int_equal(
            ibid_truth_parse_line(t, IBID_TRUTH_CASES, nul_row, sizeof nul_row - 1, "t", 2, &err),
            IBID_EPARSE);
        assert_int_equal(err.column, 4);
        assert_int_equal(ibid_truth_n_cases(t), 0);
        ibid_truth_free(t);
    }
    /* Against a pairs table. */
    const char *p = "subset\tsusp_id\tsrc_id\tn_cases\nA\ts\tr\t1\nB\ts2\tr2\t0\n";
    expect_truth_error(p, CASES("A\ts\tr\t0\t1\t0\t1\nA\tx\ty\t0\t1\t0\t1\n"), IBID_ENOTFOUND,
                       "t.tsv", 3, 3, "not in the pairs table");
    expect_truth_error(p, CASES("B\ts\tr\t0\t1\t0\t1\n"), IBID_EPARSE, "t.tsv", 2, 1,
                       "line 2 of p.tsv");
    expect_truth_error(p, CASES("A\ts\tr\t0\t1\t0\t1\nA\ts\tr\t5\t1\t0\t1\n"), IBID_EPARSE, "p.tsv",
                       2, -1, "n_cases is 1");
    expect_truth_error(p, CASES(""), IBID_EPARSE, "p.tsv", 2, -1, "n_cases is 1");
    expect_truth_error("subset\tsusp_id\tsrc_id\nA\ts\tr\nA\ts\tr\n", CASES(""), IBID_EDUPID,
                       "p.tsv", 3, 3, "listed twice");
    expect_truth_error("subset\tsusp_id\tsrc_id\tn_cases\nA\ts\tr\t-1\n", CASES(""), IBID_EPARSE,
                       "p.tsv", 2, 7, "negative");
#undef CASES
    /* Pairs after cases. */
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_error err = {0};
    assert_int_equal(ibid_truth_parse(t, IBID_TRUTH_PAIRS, PHEADER, strlen(PHEADER), "p", &err),
                     IBID_EINVAL);
    assert_int_equal(ibid_truth_parse(t, 7, "", 0, "p", &err), IBID_EINVAL);
    ibid_truth_free(t);
}

/* CRLF line ends, a byte order mark, blank lines, columns in another order, and the accessors. */
static void test_truth_format(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBFsource_length\tsource_offset\tthis_length\tthis_"
                               "offset\tsrc_id\tsusp_id\tsubset\r\n"
                               "\r\n"
                               "5\t6\t7\t8\tsrc-\xC3\xA9\tsusp\tS\r\n"
                               "1\t2\t3\t4\tsrc-\xC3\xA9\tsusp\tS";
    ibid_truth *t = NULL;
    ibid_error err = {0};
    ibid_truth_new(&t);
    assert_int_equal(ibid_truth_parse(t, IBID_TRUTH_CASES, text, sizeof text - 1, "t", &err), 0);
    assert_int_equal(ibid_truth_check(t, &err), 0);
    assert_int_equal(ibid_truth_n_cases(t), 2);
    assert_int_equal(ibid_truth_n_pairs(t), 1);
    assert_int_equal(ibid_truth_n_subsets(t), 1);
    ibid_truth_case c;
    ibid_truth_get_case(t, 1, &c);
    assert_string_equal(c.subset, "S");
    assert_string_equal(c.susp_id, "susp");
    assert_string_equal(c.src_id, "src-\xC3\xA9");
    assert_int_equal(c.cp_beg_susp, 4);
    assert_int_equal(c.cp_end_susp, 7);
    assert_int_equal(c.cp_beg_src, 2);
    assert_int_equal(c.cp_end_src, 3);
    const char *subset, *susp, *src;
    ibid_truth_get_pair(t, 0, &subset, &susp, &src);
    assert_string_equal(subset, "S");
    assert_string_equal(susp, "susp");
    assert_string_equal(src, "src-\xC3\xA9");
    ibid_truth_free(t);

    /* A pairs table reads only subset, susp_id, src_id and n_cases: a short row that lacks
     * another column is fine, and without n_cases nothing is checked. */
    static const char pairs[] = "subset\tsusp_id\tsrc_id\tthis_offset\nA\ts\tr\n";
    static const char cases[] = "subset\tsusp_id\tsrc_id\tthis_offset\tthis_length\t"
                                "source_offset\tsource_length\n";
    ibid_truth_new(&t);
    assert_int_equal(ibid_truth_parse(t, IBID_TRUTH_PAIRS, pairs, sizeof pairs - 1, "p", &err), 0);
    assert_int_equal(ibid_truth_parse(t, IBID_TRUTH_CASES, cases, sizeof cases - 1, "t", &err), 0);
    assert_int_equal(ibid_truth_check(t, &err), 0);
    assert_int_equal(ibid_truth_n_pairs(t), 1);
    assert_int_equal(ibid_truth_n_cases(t), 0);
    ibid_truth_free(t);
}

static void expect_det_error(const char *line, int code, long column, const char *needle)
{
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_error err = {0};
    ibid_detections_new(&d, t);
    int rc = ibid_detections_parse_line(d, line, strlen(line), "d.jsonl", 12, &err);
    if (rc != code || strcmp(err.source, "d.jsonl") != 0 || err.line != 12 ||
        (column >= 0 && err.column != column) || !strstr(err.message, needle))
        fail_msg("%s: want %d col %ld '%s', got %d %s:%ld:%ld '%s'", line, code, column, needle, rc,
                 err.source, err.line, err.column, err.message);
    ibid_detections_free(d);
    ibid_truth_free(t);
}

static void test_detection_errors(void **state)
{
    (void)state;
    /* Broken JSON: err->column is jansson's, just past the bad token. */
    expect_det_error("{\"id1\":\"s1\",\"id2\":\"r1\",\"begin1\":0,", IBID_EPARSE, 34,
                     "end of file");
    expect_det_error("{\"id1\":\"s1\" \"id2\":\"r1\"}", IBID_EPARSE, 17, "near");
    expect_det_error("[1, 2]", IBID_EPARSE, 1, "object");
    expect_det_error("{\"id1\":\"s1\",\"begin1\":0,\"end1\":1,\"begin2\":0,\"end2\":1}",
                     IBID_EMISSING, -1, "'id2' is missing");
    expect_det_error("{\"id1\":\"s1\",\"id2\":7,\"begin1\":0,\"end1\":1,\"begin2\":0,\"end2\":1}",
                     IBID_EMISSING, -1, "'id2' is not a string");
    expect_det_error(
        "{\"id1\":\"s1\",\"id2\":\"r1\",\"begin1\":0.5,\"end1\":1,\"begin2\":0,\"end2\":1}",
        IBID_EMISSING, -1, "'begin1' is not an integer");
    expect_det_error(
        "{\"id1\":\"s1\",\"id2\":\"r1\",\"begin1\":-3,\"end1\":1,\"begin2\":0,\"end2\":1}",
        IBID_EINVAL, -1, "negative");
    expect_det_error(
        "{\"id1\":\"s1\",\"id2\":\"r1\",\"begin1\":0,\"end1\":4294967296,\"begin2\":0,\"end2\":1}",
        IBID_ETOOBIG, -1, "beyond");
    expect_det_error(
        "{\"id1\":\"s1\",\"id2\":\"r1\",\"begin1\":0,\"end1\":1,\"begin2\":9,\"end2\":1}",
        IBID_EINVAL, -1, "begin2 > end2");

    /* Blank lines are skipped; extra fields are ignored. */
    ibid_truth *t = truth_of(ROW("A", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_error err = {0};
    ibid_detections_new(&d, t);
    assert_int_equal(ibid_detections_parse_line(d, " \r\n", 3, "d", 1, &err), 0);
    const char *ok = "{\"id1\":\"r1\",\"id2\":\"s1\",\"begin1\":0,\"end1\":100,\"begin2\":0,"
                     "\"end2\":100,\"matches\":3,\"score\":6,\"identity\":1.0,\"text1\":\"x\"}\n";
    assert_int_equal(ibid_detections_parse_line(d, ok, strlen(ok), "d", 2, &err), 0);
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "overall"), 1, 1, 1, 1);
    ibid_eval_report_free(r);
    assert_int_equal(ibid_detections_add(d, "s1", "r1", 5, 4, 0, 1, &err), IBID_EINVAL);
    ibid_detections_free(d);

    /* Detections made for another truth. */
    ibid_truth *t2 = truth_of("", NULL);
    ibid_detections_new(&d, t2);
    assert_int_equal(ibid_eval(&r, t, d, &err), IBID_EINVAL);
    assert_null(r);
    ibid_detections_free(d);
    ibid_truth_free(t2);
    ibid_truth_free(t);
}

/* Write `text` to a new temporary file; returns its path (free it). */
static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/test_eval_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* The file readers name the file and line of an error. */
static void test_files(void **state)
{
    (void)state;
    char *pairs = temp_file("subset\tsusp_id\tsrc_id\tn_cases\nA\ts1\tr1\t1\nB\ts2\tr2\t0\n");
    char *good = temp_file("subset\tsusp_id\tsrc_id\tthis_offset\tthis_length\tsource_offset\t"
                           "source_length\nA\ts1\tr1\t0\t100\t0\t100\n");
    char *bad = temp_file("subset\tsusp_id\tsrc_id\tthis_offset\tthis_length\tsource_offset\t"
                          "source_length\nA\ts1\tr1\t0\t100\t0\t100\nA\ts1\tr1\tzero\t1\t0\t1\n");
    char *empty = temp_file("");
    char *dets =
        temp_file("{\"id1\":\"r1\",\"id2\":\"s1\",\"begin1\":0,\"end1\":100,\"begin2\":0,"
                  "\"end2\":100}\n\n{\"id1\":\"r2\",\"id2\":\"s2\",\"begin1\":0,\"end1\":1,"
                  "\"begin2\":0,\"end2\":1}\n{\"id1\": oops}\n");
    ibid_truth *t = NULL;
    ibid_error err = {0};

    assert_int_equal(ibid_truth_read(&t, bad, pairs, &err), IBID_EPARSE);
    assert_null(t);
    assert_string_equal(err.source, bad);
    assert_int_equal(err.line, 3);
    assert_int_equal(ibid_truth_read(&t, empty, NULL, &err), IBID_EPARSE);
    assert_string_equal(err.source, empty);
    assert_int_equal(ibid_truth_read(&t, "/nonexistent/truth.tsv", NULL, &err), IBID_EIO);
    assert_string_equal(err.source, "/nonexistent/truth.tsv");

    assert_int_equal(ibid_truth_read(&t, good, pairs, &err), 0);
    assert_int_equal(ibid_truth_n_pairs(t), 2);
    ibid_detections *d = NULL;
    ibid_detections_new(&d, t);
    assert_int_equal(ibid_detections_read(d, "/nonexistent/d.jsonl", &err), IBID_EIO);
    assert_int_equal(ibid_detections_read(d, dets, &err), IBID_EPARSE);
    assert_string_equal(err.source, dets);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 12); /* jansson points past the bad token */
    /* The two lines before the error were added: A perfect, B one false positive. */
    ibid_eval_report *r = eval_of(t, d);
    check_row(row(r, "A"), 1, 1, 1, 1);
    check_row(row(r, "B"), 0, 0, 1, 0);
    ibid_eval_report_free(r);
    ibid_detections_free(d);
    ibid_truth_free(t);

    unlink(pairs), unlink(good), unlink(bad), unlink(empty), unlink(dets);
    free(pairs), free(good), free(bad), free(empty), free(dets);
}

/* Read all of `fp` from the start into a string (free it). */
static char *slurp(FILE *fp)
{
    rewind(fp);
    size_t m = 1 << 16;
    char *s = malloc(m);
    size_t n = fread(s, 1, m - 1, fp);
    s[n] = 0;
    return s;
}

static void test_report_write(void **state)
{
    (void)state;
    ibid_truth *t = truth_of(ROW("q\"uote", "s1", "r1", 0, 100, 0, 100), NULL);
    ibid_detections *d = NULL;
    ibid_error err = {0};
    ibid_detections_new(&d, t);
    add(d, "s1", "r1", 50, 150, 50, 150);
    ibid_eval_report *r = eval_of(t, d);

    FILE *fp = tmpfile();
    assert_int_equal(ibid_eval_report_write(fp, r, IBID_EVAL_JSONL, &err), 0);
    char *s = slurp(fp);
    assert_string_equal(s,
                        "{\"subset\":\"q\\\"uote\",\"n_pairs\":1,\"n_cases\":1,\"n_detections\":1,"
                        "\"n_detected\":1,\"precision\":0.5,\"recall\":0.5,\"granularity\":1,"
                        "\"plagdet\":0.5}\n"
                        "{\"subset\":\"overall\",\"n_pairs\":1,\"n_cases\":1,\"n_detections\":1,"
                        "\"n_detected\":1,\"precision\":0.5,\"recall\":0.5,\"granularity\":1,"
                        "\"plagdet\":0.5,\"n_added\":1,\"n_unlisted\":0,\"n_empty\":0,"
                        "\"n_duplicate\":0}\n");
    free(s);
    fclose(fp);

    fp = tmpfile();
    assert_int_equal(ibid_eval_report_write(fp, r, IBID_EVAL_TEXT, &err), 0);
    s = slurp(fp);
    assert_non_null(strstr(s, "subset  "));
    assert_non_null(strstr(s, "\nq\"uote        1       1          1        1   0.50000  0.50000"));
    assert_non_null(strstr(s, "\noverall       1       1"));
    assert_non_null(strstr(s, "detections: 1 read, 0 on pairs not listed"));
    free(s);
    assert_int_equal(ibid_eval_report_write(fp, r, 42, &err), IBID_EINVAL);
    fclose(fp);

    ibid_eval_report_free(r);
    ibid_eval_report_free(NULL);
    ibid_detections_free(d);
    ibid_detections_free(NULL);
    ibid_truth_free(t);
    ibid_truth_free(NULL);
}

/* ---- randomised: ibid_eval against a per-character brute force ---- */

#define DOC 48 /* characters per document: small, so that spans collide often */

typedef struct rspan {
    int pair, beg[2], end[2];
} rspan;

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

static int rnd(uint64_t *s, int n)
{
    return (int)(rng_next(s) % (uint64_t)n);
}

static int ov(const rspan *a, const rspan *b)
{
    if (a->pair != b->pair) return 0;
    for (int k = 0; k < 2; k++)
        if (!(b->end[k] > a->beg[k] && b->beg[k] < a->end[k])) return 0;
    return 1;
}

/* |(U of others overlapping x) & x| / |x| by marking characters; *n_ov counts the others. */
static double share(const rspan *x, const rspan *o, int n, int *n_ov)
{
    int got = 0, len = 0;
    *n_ov = 0;
    for (int k = 0; k < 2; k++) {
        char mark[DOC] = {0};
        for (int i = 0; i < n; i++) {
            if (!ov(x, &o[i])) continue;
            *n_ov += k == 0;
            for (int c = o[i].beg[k]; c < o[i].end[k]; c++)
                if (c >= x->beg[k] && c < x->end[k]) mark[c] = 1;
        }
        for (int c = 0; c < DOC; c++) got += mark[c];
        len += x->end[k] - x->beg[k];
    }
    return (double)got / len;
}

/* Spans within a document, one in 8 of them empty. */
static void random_spans(uint64_t *s, rspan *x)
{
    for (int k = 0; k < 2; k++) {
        x->beg[k] = rnd(s, DOC - 1);
        x->end[k] = rnd(s, 8) ? x->beg[k] + 1 + rnd(s, DOC - 1 - x->beg[k]) : x->beg[k];
    }
}

static void test_random(void **state)
{
    (void)state;
    const char *env = getenv("IBID_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : 20240611;
    printf("test_random: IBID_SEED=%llu\n", (unsigned long long)seed);
    uint64_t s = seed | 1;
    for (int round = 0; round < 2000; round++) {
        int n_pairs = 1 + rnd(&s, 3), nc = 0, nr = 0;
        rspan cs[12], rs[24];
        char text[4096], *w = text;
        ibid_truth *t = NULL;
        ibid_error err = {0};
        w += sprintf(w, "subset\tsusp_id\tsrc_id\tthis_offset\tthis_length\tsource_offset\t"
                        "source_length\n");
        int n_case_want = rnd(&s, 12);
        for (int i = 0; i < n_case_want; i++) {
            rspan c;
            c.pair = rnd(&s, n_pairs);
            random_spans(&s, &c);
            if (c.end[0] == c.beg[0] && c.end[1] == c.beg[1]) c.end[0]++;
            int dup = 0;
            for (int j = 0; j < nc; j++) dup |= memcmp(&cs[j], &c, sizeof c) == 0;
            if (dup) continue;
            cs[nc++] = c;
            w += sprintf(w, "S\ts%d\tr%d\t%d\t%d\t%d\t%d\n", c.pair, c.pair, c.beg[0],
                         c.end[0] - c.beg[0], c.beg[1], c.end[1] - c.beg[1]);
        }
        ibid_truth_new(&t);
        if (ibid_truth_parse(t, IBID_TRUTH_CASES, text, (size_t)(w - text), "r", &err) < 0)
            fail_msg("seed %llu: %s", (unsigned long long)seed, err.message);
        ibid_detections *d = NULL;
        ibid_detections_new(&d, t);
        int n_det_want = rnd(&s, 24);
        for (int i = 0; i < n_det_want; i++) {
            rspan r;
            r.pair = rnd(&s, n_pairs);
            random_spans(&s, &r);
            char a[16], b[16];
            snprintf(a, sizeof a, "s%d", r.pair);
            snprintf(b, sizeof b, "r%d", r.pair);
            if (rnd(&s, 2))
                add(d, a, b, r.beg[0], r.end[0], r.beg[1], r.end[1]);
            else
                add(d, b, a, r.beg[1], r.end[1], r.beg[0], r.end[0]);
            /* Pairs without cases are not listed: their detections are ignored. */
            int listed = 0, dup = 0;
            for (int j = 0; j < nc; j++) listed |= cs[j].pair == r.pair;
            for (int j = 0; j < nr; j++) dup |= memcmp(&rs[j], &r, sizeof r) == 0;
            int empty = r.end[0] == r.beg[0] && r.end[1] == r.beg[1];
            if (listed && !dup && !empty) rs[nr++] = r;
        }
        double prec = 0, rec = 0, hits = 0;
        int detected = 0, k;
        for (int i = 0; i < nr; i++) prec += share(&rs[i], cs, nc, &k);
        for (int i = 0; i < nc; i++) {
            rec += share(&cs[i], rs, nr, &k);
            hits += k;
            detected += k > 0;
        }
        if (nc == 0 && nr == 0)
            prec = rec = 1;
        else if (nc == 0 || nr == 0)
            prec = rec = 0;
        else
            prec /= nr, rec /= nc;
        double gran = detected ? hits / detected : 1;
        double plag = prec + rec > 0 ? 2 * prec * rec / (prec + rec) / log2(1 + gran) : 0;
        ibid_eval_report *r = eval_of(t, d);
        const ibid_eval_row *x = row(r, "overall");
        if (fabs(x->precision - prec) > 1e-9 || fabs(x->recall - rec) > 1e-9 ||
            fabs(x->granularity - gran) > 1e-9 || fabs(x->plagdet - plag) > 1e-9)
            fail_msg("seed %llu round %d: got %g %g %g %g, brute force %g %g %g %g",
                     (unsigned long long)seed, round, x->precision, x->recall, x->granularity,
                     x->plagdet, prec, rec, gran, plag);
        assert_int_equal(x->n_cases, (size_t)nc);
        assert_int_equal(x->n_detections, (size_t)nr);
        assert_int_equal(x->n_detected, (size_t)detected);
        ibid_eval_report_free(r);
        ibid_detections_free(d);
        ibid_truth_free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfect),
        cmocka_unit_test(test_half_overlap),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_two_cases),
        cmocka_unit_test(test_one_side_only),
        cmocka_unit_test(test_false_positive_and_subsets),
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_no_detections),
        cmocka_unit_test(test_zero_length),
        cmocka_unit_test(test_case_empty_side),
        cmocka_unit_test(test_overlapping_detections),
        cmocka_unit_test(test_truth_errors),
        cmocka_unit_test(test_truth_format),
        cmocka_unit_test(test_detection_errors),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_report_write),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
