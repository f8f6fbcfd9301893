/*
 * fuzz_truth.c: fuzzes the truth TSV parser of eval.c (ibid_truth_parse, ibid_truth_check) and,
 * behind it, the detection line parser and the PAN scorer (Potthast et al., COLING 2010).
 *
 * Input: byte 0 chooses what to do, the rest is split at form feeds ('\f') into parts:
 *   bit 0 set: part 1 is a pairs table, part 2 the cases table; else part 1 is the cases table;
 *   bit 1 set: score detections made from the cases (shifted and cut by later input bytes);
 *   bit 2 set: score detections equal to the cases, which must give precision and recall 1;
 *   bit 3 set: the part after the cases is JSON Lines detections, parsed line by line.
 * Whatever the input, parsing must fail cleanly or succeed, and a report must hold its
 * invariants (measures in range, counts adding up) and be the same when computed twice.
 */
#include "ibid.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                       \
    do {                                                                               \
        if (!(x)) {                                                                    \
            fprintf(stderr, "fuzz_truth: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* The next part of data[*at..n): up to the next '\f' or the end. */
static size_t next_part(const uint8_t *data, size_t n, size_t *at, const char **part)
{
    size_t beg = *at < n ? *at : n;
    const uint8_t *ff = memchr(data + beg, '\f', n - beg);
    size_t end = ff ? (size_t)(ff - data) : n;
    *part = (const char *)data + beg;
    *at = ff ? end + 1 : n;
    return end - beg;
}

static void check_report(const ibid_eval_report *r, const ibid_truth *t)
{
    CHECK(r->n_rows == ibid_truth_n_subsets(t) + 1);
    size_t n_pairs = 0, n_cases = 0, n_dets = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const ibid_eval_row *x = &r->rows[i];
        CHECK(x->precision >= 0 && x->precision <= 1 + 1e-9);
        CHECK(x->recall >= 0 && x->recall <= 1 + 1e-9);
        CHECK(x->granularity >= 1);
        CHECK(x->plagdet >= 0 && x->plagdet <= 1 + 1e-9);
        CHECK(x->n_detected <= x->n_cases);
        CHECK(i == 0 || i + 1 == r->n_rows || strcmp(r->rows[i - 1].subset, x->subset) < 0);
        if (i + 1 < r->n_rows) {
            n_pairs += x->n_pairs;
            n_cases += x->n_cases;
            n_dets += x->n_detections;
        }
    }
    const ibid_eval_row *all = &r->rows[r->n_rows - 1];
    CHECK(strcmp(all->subset, "overall") == 0);
    CHECK(all->n_pairs == n_pairs && all->n_pairs == ibid_truth_n_pairs(t));
    CHECK(all->n_cases == n_cases && all->n_cases == ibid_truth_n_cases(t));
    CHECK(all->n_detections == n_dets);
}

static int same_report(const ibid_eval_report *a, const ibid_eval_report *b)
{
    if (a->n_rows != b->n_rows || a->n_added != b->n_added || a->n_unlisted != b->n_unlisted ||
        a->n_empty != b->n_empty || a->n_duplicate != b->n_duplicate)
        return 0;
    for (size_t i = 0; i < a->n_rows; i++) {
        const ibid_eval_row *x = &a->rows[i], *y = &b->rows[i];
        if (strcmp(x->subset, y->subset) || x->n_pairs != y->n_pairs || x->n_cases != y->n_cases ||
            x->n_detections != y->n_detections || x->n_detected != y->n_detected ||
            x->precision != y->precision || x->recall != y->recall ||
            x->granularity != y->granularity || x->plagdet != y->plagdet)
            return 0;
    }
    return 1;
}

/* Score `d` against `t` twice: the reports must hold and agree. */
static void score(const ibid_truth *t, const ibid_detections *d, int exact)
{
    ibid_eval_report *r1 = NULL, *r2 = NULL;
    ibid_error err;
    CHECK(ibid_eval(&r1, t, d, &err) == 0);
    CHECK(ibid_eval(&r2, t, d, &err) == 0);
    check_report(r1, t);
    CHECK(same_report(r1, r2));
    for (size_t i = 0; exact && i < r1->n_rows; i++)
        if (r1->rows[i].n_cases > 0) {
            CHECK(r1->rows[i].precision == 1);
            CHECK(r1->rows[i].recall == 1);
            CHECK(r1->rows[i].n_detected == r1->rows[i].n_cases);
        }
    ibid_eval_report_free(r1);
    ibid_eval_report_free(r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    unsigned mode = data[0];
    size_t at = 1;
    const char *part;
    size_t n;
    ibid_truth *t = NULL;
    ibid_detections *d = NULL;
    ibid_error err;
    ibid_truth_new(&t);
    if (mode & 1) {
        n = next_part(data, size, &at, &part);
        if (ibid_truth_parse(t, IBID_TRUTH_PAIRS, part, n, "pairs", &err) < 0) goto done;
    }
    n = next_part(data, size, &at, &part);
    if (ibid_truth_parse(t, IBID_TRUTH_CASES, part, n, "truth", &err) < 0) goto done;
    if (ibid_truth_check(t, &err) < 0) goto done;

    size_t nc = ibid_truth_n_cases(t);
    if (mode & 4) {
        /* By PAN's overlap test an empty side overlaps nothing that starts where it is, so
         * only cases with characters on both sides are sure to detect themselves. */
        int full = 1;
        ibid_detections_new(&d, t);
        for (size_t i = 0; i < nc; i++) {
            ibid_truth_case c;
            ibid_truth_get_case(t, i, &c);
            full &= c.cp_beg_susp < c.cp_end_susp && c.cp_beg_src < c.cp_end_src;
            CHECK(ibid_detections_add(d, c.susp_id, c.src_id, c.cp_beg_susp, c.cp_end_susp,
                                      c.cp_beg_src, c.cp_end_src, &err) == 0);
        }
        /* A detection has no direction: with both pairs (x, y) and (y, x) in the truth (listed,
         * or holding cases) it counts for both, and a case of one is no exact detection of the
         * other. */
        for (size_t i = 0; i < nc && full; i++)
            for (size_t k = 0; k < ibid_truth_n_pairs(t) && full; k++) {
                ibid_truth_case a;
                const char *subset, *susp, *src;
                ibid_truth_get_case(t, i, &a);
                ibid_truth_get_pair(t, k, &subset, &susp, &src);
                full &= !(strcmp(a.susp_id, src) == 0 && strcmp(a.src_id, susp) == 0);
            }
        score(t, d, full);
        ibid_detections_free(d);
        d = NULL;
    }
    if (mode & 2) {
        ibid_detections_new(&d, t);
        for (size_t i = 0; i < nc; i++) {
            ibid_truth_case c;
            ibid_truth_get_case(t, i, &c);
            uint8_t k = data[(i * 7 + 3) % size];
            uint32_t b1 = c.cp_beg_susp + (k & 7), e1 = c.cp_end_susp - (k >> 5 & 3);
            uint32_t b2 = c.cp_beg_src - (c.cp_beg_src >= (k >> 3 & 3) ? (k >> 3 & 3) : 0);
            if (b1 > e1 || e1 > c.cp_end_susp) b1 = e1 = c.cp_beg_susp;
            if (k & 0x80) /* as ibid align may write it: source first */
                CHECK(ibid_detections_add(d, c.src_id, c.susp_id, b2, c.cp_end_src, b1, e1, &err) ==
                      0);
            else
                CHECK(ibid_detections_add(d, c.susp_id, c.src_id, b1, e1, b2, c.cp_end_src, &err) ==
                      0);
        }
        score(t, d, 0);
    }
    if (mode & 8) {
        if (!d) ibid_detections_new(&d, t);
        n = next_part(data, size, &at, &part);
        long line_no = 1;
        for (size_t beg = 0; beg < n; line_no++) {
            const char *nl = memchr(part + beg, '\n', n - beg);
            size_t end = nl ? (size_t)(nl - part) + 1 : n;
            if (ibid_detections_parse_line(d, part + beg, end - beg, "dets", line_no, &err) < 0)
                CHECK(err.line == line_no && strcmp(err.source, "dets") == 0);
            beg = end;
        }
        score(t, d, 0);
    }
done:
    ibid_detections_free(d);
    ibid_truth_free(t);
    return 0;
}
