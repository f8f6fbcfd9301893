/*
 * eval.c: scores detections against annotated cases with the PAN text-alignment measures
 * (precision, recall, granularity, plagdet), and reads both: the cases and their document pairs
 * from TSV tables, the detections from JSON Lines as ibid align writes them.
 *
 * The measures are those of Potthast, Stein, Barron-Cedeno and Rosso, "An Evaluation Framework
 * for Plagiarism Detection" (COLING 2010), used unchanged by the PAN 2013 text alignment task
 * (Potthast et al., "Overview of the 5th International Competition on Plagiarism Detection",
 * CLEF 2013). A case s and a detection r are each a pair of code point ranges (suspicious side,
 * source side) on one document pair; r detects s when they lie on the same pair and overlap on
 * both sides. With |x| the characters of x on both sides together:
 *
 *   prec(r) = |(U_{s detected by r} s) & r| / |r|      precision = mean of prec(r) over all r
 *   rec(s)  = |(U_{r detecting s} r) & s| / |s|        recall    = mean of rec(s) over all s
 *   granularity = mean over detected cases of the number of detections detecting each
 *   plagdet = F1(precision, recall) / log2(1 + granularity)
 *
 * Edge cases, decided as PAN's perfmeasures scripts (pan13-text-alignment-perfmeasures.py) do:
 *   - "overlap" is the scripts' test on each side: b.end > a.beg && b.beg < a.end. For spans with
 *     characters it is the usual half-open overlap; an empty span [x, x) overlaps a span that
 *     holds x strictly inside (a < x < b), which can add to granularity but not to characters;
 *   - with neither cases nor detections, precision = recall = 1; with only one of the two, both
 *     are 0 (so a subset without cases scores 1 without detections and 0 with any);
 *   - granularity is 1 when no case is detected; plagdet is 0 when precision = recall = 0;
 *   - the scripts keep annotations in sets, so equal detections on one pair count once
 *     (reported as duplicates); equal cases are an error here, since they mean a broken truth;
 *   - the scripts divide by zero on an annotation with no character at all: such cases are an
 *     error here, such detections are ignored and counted (they claim no text).
 * Detections on pairs the truth does not list are ignored and counted; when a pairs table is
 * given, it lists the pairs without cases too (PAN's 01-no-plagiarism), whose detections are
 * false positives that lower the precision of their subset and of the overall row.
 *
 * Algorithm: cases and detections are sorted by (pair, suspicious begin), then each pair is
 * scored on its own. For each detection, the cases it may overlap are found by binary search:
 * a case longer than L on the suspicious side cannot exist, so an overlapping case begins in
 * (r.beg - L, r.end). The overlaps found are the edges of a bipartite graph; grouped by detection
 * they give precision, sorted by case they give recall and granularity. Each |union & target| is
 * computed by clipping the intervals to the target, sorting and merging them, so the work is
 * O(E log E) for E overlaps, never per character as the scripts do.
 */
#include "ibid_int.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <utf8proc.h>
#include <xxhash.h>

#define MAX_TSV_LINE   ((size_t)1 << 20) /* bytes; a truth line is under 1 KiB */
#define MAX_JSONL_LINE ((size_t)1 << 30) /* bytes; detections may carry their texts */
#define MAX_INDEX      (UINT32_MAX - 1)  /* pairs and subsets are numbered with uint32_t */
#define SHOW           40                /* bytes of a bad field quoted in a message */

enum { SUSP = 0, SRC = 1 }; /* the two sides of a case or detection */

/* A case or a detection: two spans on one document pair. */
typedef struct span2 {
    uint32_t pair;   /* index into ibid_truth.pairs */
    uint32_t beg[2]; /* [SUSP], [SRC]: first code point */
    uint32_t end[2]; /* one past the last */
} span2;

/* Where a case or pair came from, for messages. */
typedef struct origin {
    uint32_t source; /* index into ibid_truth.sources */
    long line;       /* 1-based */
} origin;

typedef struct tpair {
    char *key;       /* susp_id NUL src_id NUL: the hash key, both ids' storage */
    size_t n_susp;   /* bytes of susp_id */
    size_t n_src;    /* bytes of src_id */
    uint32_t subset; /* index into ibid_truth.subsets */
    long n_stated;   /* n_cases column of the pairs table, or -1 */
    size_t n_cases;  /* cases that lie on the pair */
    origin from;     /* line of the pairs table, or of the first case on it */
} tpair;

/* Open addressing from a key (bytes) to an index; the keys live elsewhere and do not move. */
typedef struct idslot {
    const char *key; /* NULL: empty slot */
    size_t n_key;
    uint64_t hash;
    uint32_t val;
} idslot;

typedef struct idmap {
    size_t n, m; /* used slots, slots (a power of 2, or 0) */
    idslot *slot;
} idmap;

enum {
    COL_SUBSET,
    COL_SUSP,
    COL_SRC,
    COL_THIS_OFF,
    COL_THIS_LEN,
    COL_SOURCE_OFF,
    COL_SOURCE_LEN,
    COL_N_CASES,
    N_COLS
};

static const char *const col_name[N_COLS] = {
    "subset",      "susp_id",       "src_id",        "this_offset",
    "this_length", "source_offset", "source_length", "n_cases",
};

/* Which columns a table needs, and which it reads if present: bit c for column c. */
static const unsigned col_needed[2] = {
    [IBID_TRUTH_CASES] = (1u << COL_N_CASES) - 1,
    [IBID_TRUTH_PAIRS] = 1u << COL_SUBSET | 1u << COL_SUSP | 1u << COL_SRC,
};
static const unsigned col_used[2] = {
    [IBID_TRUTH_CASES] = (1u << COL_N_CASES) - 1,
    [IBID_TRUTH_PAIRS] = 1u << COL_SUBSET | 1u << COL_SUSP | 1u << COL_SRC | 1u << COL_N_CASES,
};

/* What the header line of a table said. */
typedef struct tsv_header {
    int seen;         /* a header was read since the table last started */
    size_t n_fields;  /* fields in the header */
    long idx[N_COLS]; /* field of each column, or -1 */
} tsv_header;

struct ibid_truth {
    size_t n_cases, m_cases;
    span2 *cases;
    size_t m_case_from;
    origin *case_from; /* n_cases of them */
    size_t n_pairs, m_pairs;
    tpair *pairs;
    size_t n_subsets, m_subsets;
    char **subsets;
    size_t n_sources, m_sources;
    char **sources; /* input names, for messages */
    idmap pair_map, subset_map;
    tsv_header hdr[2]; /* [IBID_TRUTH_CASES], [IBID_TRUTH_PAIRS] */
    int has_pairs;     /* a pairs table was started: cases must lie on listed pairs */
};

struct ibid_detections {
    const ibid_truth *truth;
    size_t n_dets, m_dets;
    span2 *dets; /* oriented: side SUSP on the pair's susp_id */
    size_t n_added, n_unlisted, n_empty;
    size_t m_key;
    char *key; /* scratch for pair keys */
};

/* ---- the id map ---- */

static uint64_t hash_bytes(const char *p, size_t n)
{
    return XXH3_64bits(p, n);
}

static idslot *idmap_find(const idmap *m, const char *key, size_t n, uint64_t h)
{
    if (m->m == 0) return NULL;
    size_t mask = m->m - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        idslot *s = &m->slot[i];
        if (!s->key) return NULL;
        if (s->hash == h && s->n_key == n && memcmp(s->key, key, n) == 0) return s;
    }
}

static void idmap_insert(idslot *slot, size_t m, const idslot *e)
{
    size_t mask = m - 1, i = (size_t)e->hash & mask;
    while (slot[i].key) i = (i + 1) & mask;
    slot[i] = *e;
}

/* Add a key known to be absent. */
static void idmap_put(idmap *m, const char *key, size_t n, uint64_t h, uint32_t val)
{
    assert(!idmap_find(m, key, n, h));
    if (2 * (m->n + 1) > m->m) {
        size_t m2 = m->m ? 2 * m->m : 64;
        idslot *s2 = ibid_xcalloc(m2, sizeof *s2);
        for (size_t i = 0; i < m->m; i++)
            if (m->slot[i].key) idmap_insert(s2, m2, &m->slot[i]);
        free(m->slot);
        m->slot = s2;
        m->m = m2;
    }
    idslot e = {key, n, h, val};
    idmap_insert(m->slot, m->m, &e);
    m->n++;
}

/* The key of a pair: susp NUL src, in `*buf` (capacity *m). Returns its length. */
static size_t pair_key(char **buf, size_t *m, const char *susp, size_t n_susp, const char *src,
                       size_t n_src)
{
    size_t n = n_susp + 1 + n_src;
    IBID_GROW(*buf, *m, n + 1);
    memcpy(*buf, susp, n_susp);
    (*buf)[n_susp] = 0;
    memcpy(*buf + n_susp + 1, src, n_src);
    (*buf)[n] = 0;
    return n;
}

/* Index of the pair (susp, src) in t, or -1. `key` is its pair_key. */
static long find_pair(const ibid_truth *t, const char *key, size_t n)
{
    const idslot *s = idmap_find(&t->pair_map, key, n, hash_bytes(key, n));
    return s ? (long)s->val : -1;
}

/* ---- the truth ---- */

int ibid_truth_new(ibid_truth **out)
{
    ibid_truth *t = ibid_xcalloc(1, sizeof *t);
    *out = t;
    return 0;
}

void ibid_truth_free(ibid_truth *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n_pairs; i++) free(t->pairs[i].key);
    for (size_t i = 0; i < t->n_subsets; i++) free(t->subsets[i]);
    for (size_t i = 0; i < t->n_sources; i++) free(t->sources[i]);
    free(t->cases);
    free(t->case_from);
    free(t->pairs);
    free(t->subsets);
    free(t->sources);
    free(t->pair_map.slot);
    free(t->subset_map.slot);
    free(t);
}

size_t ibid_truth_n_cases(const ibid_truth *t)
{
    return t->n_cases;
}

size_t ibid_truth_n_pairs(const ibid_truth *t)
{
    return t->n_pairs;
}

size_t ibid_truth_n_subsets(const ibid_truth *t)
{
    return t->n_subsets;
}

void ibid_truth_get_case(const ibid_truth *t, size_t i, ibid_truth_case *out)
{
    assert(i < t->n_cases);
    const span2 *c = &t->cases[i];
    const tpair *p = &t->pairs[c->pair];
    out->subset = t->subsets[p->subset];
    out->susp_id = p->key;
    out->src_id = p->key + p->n_susp + 1;
    out->cp_beg_susp = c->beg[SUSP];
    out->cp_end_susp = c->end[SUSP];
    out->cp_beg_src = c->beg[SRC];
    out->cp_end_src = c->end[SRC];
}

void ibid_truth_get_pair(const ibid_truth *t, size_t i, const char **subset, const char **susp_id,
                         const char **src_id)
{
    assert(i < t->n_pairs);
    const tpair *p = &t->pairs[i];
    *subset = t->subsets[p->subset];
    *susp_id = p->key;
    *src_id = p->key + p->n_susp + 1;
}

static uint32_t intern_source(ibid_truth *t, const char *source)
{
    if (!source) source = "";
    if (t->n_sources && strcmp(t->sources[t->n_sources - 1], source) == 0)
        return (uint32_t)(t->n_sources - 1);
    assert(t->n_sources < MAX_INDEX);
    IBID_GROW(t->sources, t->m_sources, t->n_sources + 1);
    t->sources[t->n_sources] = ibid_xstrndup(source, strlen(source));
    return (uint32_t)t->n_sources++;
}

static long find_subset(const ibid_truth *t, const char *name, size_t n)
{
    const idslot *s = idmap_find(&t->subset_map, name, n, hash_bytes(name, n));
    return s ? (long)s->val : -1;
}

static uint32_t add_subset(ibid_truth *t, const char *name, size_t n)
{
    long i = find_subset(t, name, n);
    if (i >= 0) return (uint32_t)i;
    assert(t->n_subsets < MAX_INDEX);
    IBID_GROW(t->subsets, t->m_subsets, t->n_subsets + 1);
    char *s = ibid_xstrndup(name, n);
    t->subsets[t->n_subsets] = s;
    idmap_put(&t->subset_map, s, n, hash_bytes(s, n), (uint32_t)t->n_subsets);
    return (uint32_t)t->n_subsets++;
}

/* Add the pair whose pair_key is `key`; it must be absent. */
static uint32_t add_pair(ibid_truth *t, const char *key, size_t n_susp, size_t n_src,
                         uint32_t subset, long n_stated, origin from)
{
    assert(t->n_pairs < MAX_INDEX);
    size_t n = n_susp + 1 + n_src;
    IBID_GROW(t->pairs, t->m_pairs, t->n_pairs + 1);
    tpair *p = &t->pairs[t->n_pairs];
    memset(p, 0, sizeof *p);
    p->key = ibid_xmalloc(n + 1);
    memcpy(p->key, key, n + 1);
    p->n_susp = n_susp;
    p->n_src = n_src;
    p->subset = subset;
    p->n_stated = n_stated;
    p->from = from;
    idmap_put(&t->pair_map, p->key, n, hash_bytes(p->key, n), (uint32_t)t->n_pairs);
    return (uint32_t)t->n_pairs++;
}

/* A field of a TSV line: `n` bytes at `p`, beginning at byte column `col` (1-based). */
typedef struct field {
    const char *p;
    size_t n;
    long col;
} field;

/* Parse a non-negative decimal integer below 2^32: 0, or -1 when `f` is not one. */
static int parse_u32(const field *f, uint32_t *out)
{
    if (f->n == 0 || f->n > 10) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < f->n; i++) {
        unsigned char ch = (unsigned char)f->p[i];
        if (ch < '0' || ch > '9') return -1;
        v = v * 10 + (uint64_t)(ch - '0');
    }
    if (v > UINT32_MAX) return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Check that a string field is non-empty, NUL-free UTF-8. */
static int check_text(const field *f, int c, const char *source, long line_no, ibid_error *err)
{
    if (f->n == 0)
        return ibid_fail(err, IBID_EPARSE, source, line_no, f->col, "column '%s' is empty",
                         col_name[c]);
    size_t i = 0;
    while (i < f->n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)f->p + i, (utf8proc_ssize_t)(f->n - i), &cp);
        if (k <= 0)
            return ibid_fail(err, IBID_EUTF8, source, line_no, f->col + (long)i,
                             "column '%s' is not valid UTF-8", col_name[c]);
        if (cp == 0)
            return ibid_fail(err, IBID_EPARSE, source, line_no, f->col + (long)i,
                             "column '%s' holds a NUL byte", col_name[c]);
        i += (size_t)k;
    }
    return 0;
}

static int get_u32(const field *f, int c, uint32_t *out, const char *source, long line_no,
                   ibid_error *err)
{
    if (parse_u32(f, out) == 0) return 0;
    int neg = f->n > 1 && f->p[0] == '-' && f->p[1] >= '0' && f->p[1] <= '9';
    return ibid_fail(err, IBID_EPARSE, source, line_no, f->col, "column '%s': %s '%.*s'",
                     col_name[c],
                     neg ? "negative number" : "expected an integer in [0, 4294967295], got",
                     (int)(f->n < SHOW ? f->n : SHOW), f->p);
}

/* Strip the line end; 0 when nothing is left. */
static size_t strip_eol(const char *line, size_t n)
{
    if (n && line[n - 1] == '\n') n--;
    if (n && line[n - 1] == '\r') n--;
    return n;
}

static int parse_header(ibid_truth *t, int table, const char *line, size_t n, const char *source,
                        long line_no, ibid_error *err)
{
    tsv_header h;
    memset(&h, 0, sizeof h);
    for (int c = 0; c < N_COLS; c++) h.idx[c] = -1;
    size_t beg = 0;
    if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) beg = 3; /* a byte order mark */
    for (size_t k = 0;; k++) {
        const char *tab = memchr(line + beg, '\t', n - beg);
        size_t end = tab ? (size_t)(tab - line) : n;
        for (int c = 0; c < N_COLS; c++)
            if ((col_used[table] >> c & 1) && h.idx[c] < 0 && end - beg == strlen(col_name[c]) &&
                memcmp(line + beg, col_name[c], end - beg) == 0)
                h.idx[c] = (long)k;
        h.n_fields = k + 1;
        if (!tab) break;
        beg = end + 1;
    }
    for (int c = 0; c < N_COLS; c++)
        if ((col_needed[table] >> c & 1) && h.idx[c] < 0)
            return ibid_fail(err, IBID_EPARSE, source, line_no, 0,
                             "the header names no column '%s' (a %s table needs %s)", col_name[c],
                             table == IBID_TRUTH_CASES ? "truth" : "pairs",
                             table == IBID_TRUTH_CASES
                                 ? "subset, susp_id, src_id, this_offset, this_length, "
                                   "source_offset, source_length"
                                 : "subset, susp_id, src_id");
    if (table == IBID_TRUTH_PAIRS && !t->has_pairs && t->n_cases > 0)
        return ibid_fail(err, IBID_EINVAL, source, line_no, 0,
                         "the pairs must be read before the cases");
    h.seen = 1;
    t->hdr[table] = h;
    if (table == IBID_TRUTH_PAIRS) t->has_pairs = 1;
    return 0;
}

/* Split a row into the fields its table's columns need. */
static int split_row(const tsv_header *h, const char *line, size_t n, field *f, const char *source,
                     long line_no, ibid_error *err)
{
    for (int c = 0; c < N_COLS; c++) f[c].p = NULL;
    size_t beg = 0, k = 0;
    for (;; k++) {
        const char *tab = memchr(line + beg, '\t', n - beg);
        size_t end = tab ? (size_t)(tab - line) : n;
        for (int c = 0; c < N_COLS; c++)
            if (h->idx[c] == (long)k) f[c] = (field){line + beg, end - beg, (long)beg + 1};
        if (!tab) break;
        beg = end + 1;
    }
    if (k + 1 > h->n_fields)
        return ibid_fail(err, IBID_EPARSE, source, line_no, 0,
                         "%zu fields, but the header names %zu columns", k + 1, h->n_fields);
    for (int c = 0; c < N_COLS; c++)
        if (h->idx[c] >= 0 && !f[c].p)
            return ibid_fail(err, IBID_EPARSE, source, line_no, (long)n + 1,
                             "%zu fields: column '%s' (field %ld) is missing", k + 1, col_name[c],
                             h->idx[c] + 1);
    return 0;
}

static int add_pair_row(ibid_truth *t, const field *f, const char *source, long line_no,
                        ibid_error *err)
{
    int rc;
    char *key = NULL;
    size_t m_key = 0;
    long n_stated = -1;
    if (f[COL_N_CASES].p) {
        uint32_t v = 0;
        if ((rc = get_u32(&f[COL_N_CASES], COL_N_CASES, &v, source, line_no, err)) < 0) goto done;
        n_stated = (long)v;
    }
    size_t n = pair_key(&key, &m_key, f[COL_SUSP].p, f[COL_SUSP].n, f[COL_SRC].p, f[COL_SRC].n);
    long p = find_pair(t, key, n);
    if (p >= 0) {
        const tpair *q = &t->pairs[p];
        rc = ibid_fail(err, IBID_EDUPID, source, line_no, f[COL_SUSP].col,
                       "the pair %s %s is listed twice (first on line %ld of %s)", q->key,
                       q->key + q->n_susp + 1, q->from.line, t->sources[q->from.source]);
        goto done;
    }
    if (t->n_pairs >= MAX_INDEX ||
        (find_subset(t, f[COL_SUBSET].p, f[COL_SUBSET].n) < 0 && t->n_subsets >= MAX_INDEX)) {
        rc = ibid_fail(err, IBID_ETOOBIG, source, line_no, 0, "too many pairs or subsets");
        goto done;
    }
    uint32_t s = add_subset(t, f[COL_SUBSET].p, f[COL_SUBSET].n);
    origin from = {intern_source(t, source), line_no};
    add_pair(t, key, f[COL_SUSP].n, f[COL_SRC].n, s, n_stated, from);
    rc = 0;
done:
    free(key);
    return rc;
}

static int add_case_row(ibid_truth *t, const field *f, const char *source, long line_no,
                        ibid_error *err)
{
    static const int num_col[4] = {COL_THIS_OFF, COL_THIS_LEN, COL_SOURCE_OFF, COL_SOURCE_LEN};
    int rc;
    char *key = NULL;
    size_t m_key = 0;
    uint32_t v[4] = {0};
    for (int i = 0; i < 4; i++)
        if ((rc = get_u32(&f[num_col[i]], num_col[i], &v[i], source, line_no, err)) < 0) goto done;
    for (int side = 0; side < 2; side++)
        if (v[2 * side] > UINT32_MAX - v[2 * side + 1]) {
            const field *o = &f[num_col[2 * side]];
            rc = ibid_fail(err, IBID_ETOOBIG, source, line_no, o->col,
                           "%s + %s = %llu is beyond 4294967295", col_name[num_col[2 * side]],
                           col_name[num_col[2 * side + 1]],
                           (unsigned long long)v[2 * side] + v[2 * side + 1]);
            goto done;
        }
    if (v[1] == 0 && v[3] == 0) {
        rc = ibid_fail(err, IBID_EPARSE, source, line_no, f[COL_THIS_LEN].col,
                       "the case has no character (this_length and source_length are 0)");
        goto done;
    }
    size_t n = pair_key(&key, &m_key, f[COL_SUSP].p, f[COL_SUSP].n, f[COL_SRC].p, f[COL_SRC].n);
    long p = find_pair(t, key, n);
    long s = find_subset(t, f[COL_SUBSET].p, f[COL_SUBSET].n);
    const field *fs = &f[COL_SUBSET];
    if (p < 0 && t->has_pairs) {
        rc = ibid_fail(err, IBID_ENOTFOUND, source, line_no, f[COL_SUSP].col,
                       "the pair %.*s %.*s is not in the pairs table", (int)f[COL_SUSP].n,
                       f[COL_SUSP].p, (int)f[COL_SRC].n, f[COL_SRC].p);
        goto done;
    }
    if (p >= 0 && (s < 0 || (uint32_t)s != t->pairs[p].subset)) {
        const tpair *q = &t->pairs[p];
        rc = ibid_fail(err, IBID_EPARSE, source, line_no, fs->col,
                       "subset '%.*s', but line %ld of %s puts this pair in '%s'",
                       (int)(fs->n < SHOW ? fs->n : SHOW), fs->p, q->from.line,
                       t->sources[q->from.source], t->subsets[q->subset]);
        goto done;
    }
    if (t->n_cases >= SIZE_MAX / sizeof(span2) / 2 ||
        (p < 0 && (t->n_pairs >= MAX_INDEX || (s < 0 && t->n_subsets >= MAX_INDEX)))) {
        rc = ibid_fail(err, IBID_ETOOBIG, source, line_no, 0, "too many cases, pairs or subsets");
        goto done;
    }
    origin from = {intern_source(t, source), line_no};
    if (p < 0) {
        uint32_t sub = add_subset(t, fs->p, fs->n);
        p = add_pair(t, key, f[COL_SUSP].n, f[COL_SRC].n, sub, -1, from);
    }
    IBID_GROW(t->cases, t->m_cases, t->n_cases + 1);
    IBID_GROW(t->case_from, t->m_case_from, t->n_cases + 1);
    span2 *c = &t->cases[t->n_cases];
    c->pair = (uint32_t)p;
    c->beg[SUSP] = v[0];
    c->end[SUSP] = v[0] + v[1];
    c->beg[SRC] = v[2];
    c->end[SRC] = v[2] + v[3];
    t->case_from[t->n_cases++] = from;
    t->pairs[p].n_cases++;
    rc = 0;
done:
    free(key);
    return rc;
}

int ibid_truth_parse_line(ibid_truth *t, int table, const char *line, size_t n, const char *source,
                          long line_no, ibid_error *err)
{
    if (table != IBID_TRUTH_CASES && table != IBID_TRUTH_PAIRS)
        return ibid_fail(err, IBID_EINVAL, source, line_no, 0, "unknown table %d", table);
    n = strip_eol(line, n);
    if (n == 0) return 0;
    if (n > MAX_TSV_LINE)
        return ibid_fail(err, IBID_ETOOBIG, source, line_no, 0, "line longer than %zu bytes",
                         MAX_TSV_LINE);
    if (!t->hdr[table].seen) return parse_header(t, table, line, n, source, line_no, err);
    field f[N_COLS];
    int rc;
    if ((rc = split_row(&t->hdr[table], line, n, f, source, line_no, err)) < 0) return rc;
    static const int text_col[3] = {COL_SUBSET, COL_SUSP, COL_SRC};
    for (int i = 0; i < 3; i++)
        if ((rc = check_text(&f[text_col[i]], text_col[i], source, line_no, err)) < 0) return rc;
    if (table == IBID_TRUTH_PAIRS) return add_pair_row(t, f, source, line_no, err);
    return add_case_row(t, f, source, line_no, err);
}

int ibid_truth_parse(ibid_truth *t, int table, const char *buf, size_t n, const char *source,
                     ibid_error *err)
{
    if (table != IBID_TRUTH_CASES && table != IBID_TRUTH_PAIRS)
        return ibid_fail(err, IBID_EINVAL, source, 0, 0, "unknown table %d", table);
    t->hdr[table].seen = 0;
    long line_no = 1;
    size_t beg = 0;
    while (beg < n) {
        const char *nl = memchr(buf + beg, '\n', n - beg);
        size_t end = nl ? (size_t)(nl - buf) + 1 : n;
        int rc = ibid_truth_parse_line(t, table, buf + beg, end - beg, source, line_no, err);
        if (rc < 0) return rc;
        beg = end;
        line_no++;
    }
    return 0;
}

static int cmp_span(const span2 *a, const span2 *b)
{
    if (a->pair != b->pair) return a->pair < b->pair ? -1 : 1;
    for (int side = 0; side < 2; side++) {
        if (a->beg[side] != b->beg[side]) return a->beg[side] < b->beg[side] ? -1 : 1;
        if (a->end[side] != b->end[side]) return a->end[side] < b->end[side] ? -1 : 1;
    }
    return 0;
}

static int cmp_span_qsort(const void *a, const void *b)
{
    return cmp_span(a, b);
}

/* Case indices sorted by their spans, then by index: equal cases end up side by side. */
typedef struct case_ref {
    const span2 *c;
    size_t i;
} case_ref;

static int cmp_case_ref(const void *a, const void *b)
{
    const case_ref *x = a, *y = b;
    int r = cmp_span(x->c, y->c);
    if (r) return r;
    return x->i < y->i ? -1 : x->i > y->i;
}

int ibid_truth_check(const ibid_truth *t, ibid_error *err)
{
    for (size_t i = 0; i < t->n_pairs; i++) {
        const tpair *p = &t->pairs[i];
        if (p->n_stated >= 0 && (size_t)p->n_stated != p->n_cases)
            return ibid_fail(err, IBID_EPARSE, t->sources[p->from.source], p->from.line, 0,
                             "n_cases is %ld, but the truth has %zu cases on the pair %s %s",
                             p->n_stated, p->n_cases, p->key, p->key + p->n_susp + 1);
    }
    int rc = 0;
    case_ref *r = ibid_xmalloc(t->n_cases * sizeof *r);
    for (size_t i = 0; i < t->n_cases; i++) r[i] = (case_ref){&t->cases[i], i};
    if (t->n_cases) qsort(r, t->n_cases, sizeof *r, cmp_case_ref);
    for (size_t i = 1; i < t->n_cases; i++)
        if (cmp_span(r[i - 1].c, r[i].c) == 0) {
            const origin *a = &t->case_from[r[i - 1].i], *b = &t->case_from[r[i].i];
            rc = ibid_fail(err, IBID_EDUPID, t->sources[b->source], b->line, 0,
                           "the same case as line %ld of %s", a->line, t->sources[a->source]);
            break;
        }
    free(r);
    return rc;
}

/* Call fn on every line of `fp`; lines over `max_line` bytes are an error. */
typedef int (*line_fn)(void *ud, const char *line, size_t n, const char *source, long line_no,
                       ibid_error *err);

static int each_line(FILE *fp, const char *name, size_t max_line, line_fn fn, void *ud,
                     ibid_error *err)
{
    char *line = NULL;
    size_t m = 0;
    long line_no = 0;
    int rc = 0;
    ssize_t n;
    errno = 0;
    while ((n = getline(&line, &m, fp)) >= 0) {
        line_no++;
        if ((size_t)n > max_line) {
            rc = ibid_fail(err, IBID_ETOOBIG, name, line_no, 0, "line longer than %zu bytes",
                           max_line);
            goto done;
        }
        if ((rc = fn(ud, line, (size_t)n, name, line_no, err)) < 0) goto done;
    }
    if (ferror(fp))
        rc = ibid_fail(err, IBID_EIO, name, line_no + 1, 0, "read error: %s", strerror(errno));
done:
    free(line);
    return rc;
}

/* Open `path` for reading ("-" is standard input). */
static int open_input(FILE **fp, const char *path, ibid_error *err)
{
    if (strcmp(path, "-") == 0) {
        *fp = stdin;
        return 0;
    }
    *fp = fopen(path, "rb");
    if (!*fp) return ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    return 0;
}

static void close_input(FILE *fp)
{
    if (fp && fp != stdin) fclose(fp);
}

typedef struct table_ud {
    ibid_truth *t;
    int table;
} table_ud;

static int truth_line(void *ud, const char *line, size_t n, const char *source, long line_no,
                      ibid_error *err)
{
    const table_ud *u = ud;
    return ibid_truth_parse_line(u->t, u->table, line, n, source, line_no, err);
}

static int read_table(ibid_truth *t, int table, const char *path, ibid_error *err)
{
    FILE *fp = NULL;
    int rc;
    if ((rc = open_input(&fp, path, err)) < 0) return rc;
    t->hdr[table].seen = 0;
    table_ud u = {t, table};
    if ((rc = each_line(fp, path, MAX_TSV_LINE, truth_line, &u, err)) < 0) goto done;
    if (!t->hdr[table].seen)
        rc = ibid_fail(err, IBID_EPARSE, path, 0, 0, "empty file: a header line is needed");
done:
    close_input(fp);
    return rc;
}

int ibid_truth_read(ibid_truth **out, const char *truth_path, const char *pairs_path,
                    ibid_error *err)
{
    ibid_truth *t = NULL;
    int rc;
    *out = NULL;
    if (!truth_path) return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "no truth file given");
    ibid_truth_new(&t);
    if (pairs_path && (rc = read_table(t, IBID_TRUTH_PAIRS, pairs_path, err)) < 0) goto done;
    if ((rc = read_table(t, IBID_TRUTH_CASES, truth_path, err)) < 0) goto done;
    if ((rc = ibid_truth_check(t, err)) < 0) goto done;
    *out = t;
    t = NULL;
done:
    ibid_truth_free(t);
    return rc;
}

/* ---- detections ---- */

int ibid_detections_new(ibid_detections **out, const ibid_truth *t)
{
    assert(t);
    ibid_detections *d = ibid_xcalloc(1, sizeof *d);
    d->truth = t;
    *out = d;
    return 0;
}

void ibid_detections_free(ibid_detections *d)
{
    if (!d) return;
    free(d->dets);
    free(d->key);
    free(d);
}

static void push_det(ibid_detections *d, uint32_t pair, const uint32_t *susp, const uint32_t *src)
{
    IBID_GROW(d->dets, d->m_dets, d->n_dets + 1);
    span2 *r = &d->dets[d->n_dets++];
    r->pair = pair;
    r->beg[SUSP] = susp[0];
    r->end[SUSP] = susp[1];
    r->beg[SRC] = src[0];
    r->end[SRC] = src[1];
}

int ibid_detections_add(ibid_detections *d, const char *id1, const char *id2, uint32_t cp_beg1,
                        uint32_t cp_end1, uint32_t cp_beg2, uint32_t cp_end2, ibid_error *err)
{
    if (cp_beg1 > cp_end1 || cp_beg2 > cp_end2)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                         "a detection begins after it ends ([%u, %u), [%u, %u))", cp_beg1, cp_end1,
                         cp_beg2, cp_end2);
    const ibid_truth *t = d->truth;
    size_t n1 = strlen(id1), n2 = strlen(id2);
    const uint32_t s1[2] = {cp_beg1, cp_end1}, s2[2] = {cp_beg2, cp_end2};
    d->n_added++;
    size_t n_key = pair_key(&d->key, &d->m_key, id1, n1, id2, n2);
    long p = find_pair(t, d->key, n_key);
    n_key = pair_key(&d->key, &d->m_key, id2, n2, id1, n1);
    long q = find_pair(t, d->key, n_key);
    if (p < 0 && q < 0) {
        d->n_unlisted++;
        return 0;
    }
    if (cp_beg1 == cp_end1 && cp_beg2 == cp_end2) {
        d->n_empty++;
        return 0;
    }
    if (p >= 0) push_det(d, (uint32_t)p, s1, s2);
    if (q >= 0 && q != p) push_det(d, (uint32_t)q, s2, s1);
    return 0;
}

/* The integer field `name` of `o`, in [0, 2^32). */
static int json_u32(const json_t *o, const char *name, uint32_t *out, const char *source,
                    long line_no, ibid_error *err)
{
    const json_t *v = json_object_get(o, name);
    if (!v || !json_is_integer(v))
        return ibid_fail(err, IBID_EMISSING, source, line_no, 0,
                         v ? "field '%s' is not an integer" : "field '%s' is missing", name);
    json_int_t x = json_integer_value(v);
    if (x < 0)
        return ibid_fail(err, IBID_EINVAL, source, line_no, 0, "field '%s' is negative (%lld)",
                         name, (long long)x);
    if (x > (json_int_t)UINT32_MAX)
        return ibid_fail(err, IBID_ETOOBIG, source, line_no, 0,
                         "field '%s' is beyond 4294967295 (%lld)", name, (long long)x);
    *out = (uint32_t)x;
    return 0;
}

static int json_id(const json_t *o, const char *name, const char **out, const char *source,
                   long line_no, ibid_error *err)
{
    const json_t *v = json_object_get(o, name);
    if (!v || !json_is_string(v))
        return ibid_fail(err, IBID_EMISSING, source, line_no, 0,
                         v ? "field '%s' is not a string" : "field '%s' is missing", name);
    *out = json_string_value(v);
    return 0;
}

int ibid_detections_parse_line(ibid_detections *d, const char *line, size_t n, const char *source,
                               long line_no, ibid_error *err)
{
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n')) i++;
    if (i == n) return 0;
    json_error_t jerr;
    json_t *o = json_loadb(line, n, 0, &jerr);
    int rc;
    if (!o) /* at the end of the line, jansson knows the position but not the column */
        return ibid_fail(err, IBID_EPARSE, source, line_no,
                         jerr.column > 0 ? jerr.column : (long)jerr.position + 1, "%s", jerr.text);
    const char *id1 = NULL, *id2 = NULL;
    uint32_t b1 = 0, e1 = 0, b2 = 0, e2 = 0;
    if (!json_is_object(o)) {
        rc = ibid_fail(err, IBID_EPARSE, source, line_no, (long)i + 1,
                       "a detection is a JSON object");
        goto done;
    }
    if ((rc = json_id(o, "id1", &id1, source, line_no, err)) < 0 ||
        (rc = json_id(o, "id2", &id2, source, line_no, err)) < 0 ||
        (rc = json_u32(o, "begin1", &b1, source, line_no, err)) < 0 ||
        (rc = json_u32(o, "end1", &e1, source, line_no, err)) < 0 ||
        (rc = json_u32(o, "begin2", &b2, source, line_no, err)) < 0 ||
        (rc = json_u32(o, "end2", &e2, source, line_no, err)) < 0)
        goto done;
    if (b1 > e1 || b2 > e2) {
        rc = ibid_fail(err, IBID_EINVAL, source, line_no, 0, "begin%d > end%d (%u > %u)",
                       b1 > e1 ? 1 : 2, b1 > e1 ? 1 : 2, b1 > e1 ? b1 : b2, b1 > e1 ? e1 : e2);
        goto done;
    }
    rc = ibid_detections_add(d, id1, id2, b1, e1, b2, e2, err);
done:
    json_decref(o);
    return rc;
}

static int det_line(void *ud, const char *line, size_t n, const char *source, long line_no,
                    ibid_error *err)
{
    return ibid_detections_parse_line(ud, line, n, source, line_no, err);
}

int ibid_detections_read_fp(ibid_detections *d, FILE *fp, const char *name, ibid_error *err)
{
    return each_line(fp, name, MAX_JSONL_LINE, det_line, d, err);
}

int ibid_detections_read(ibid_detections *d, const char *path, ibid_error *err)
{
    FILE *fp = NULL;
    int rc;
    if ((rc = open_input(&fp, path, err)) < 0) return rc;
    rc = ibid_detections_read_fp(d, fp, path, err);
    close_input(fp);
    return rc;
}

/* ---- scoring ---- */

/* Sums over the cases and detections of one subset, or of all. */
typedef struct tally {
    size_t n_pairs, n_cases, n_dets, n_detected;
    size_t n_hits;   /* (case, detection) overlaps of detected cases: granularity's numerator */
    double sum_prec; /* sum of prec(r) */
    double sum_rec;  /* sum of rec(s) */
} tally;

typedef struct ival {
    uint32_t beg, end;
} ival;

typedef struct edge {
    size_t c, r; /* a case and a detection of one pair that overlap */
} edge;

/* Scratch reused across pairs. */
typedef struct scratch {
    size_t n_e, m_e;
    edge *e;
    size_t m_iv;
    ival *iv;
} scratch;

/* The overlap test of PAN's scripts, on one side (see the top of the file). */
static int side_overlaps(const span2 *a, const span2 *b, int side)
{
    return b->end[side] > a->beg[side] && b->beg[side] < a->end[side];
}

static int overlaps(const span2 *a, const span2 *b)
{
    assert(a->pair == b->pair);
    return side_overlaps(a, b, SUSP) && side_overlaps(a, b, SRC);
}

static uint64_t span_len(const span2 *a)
{
    return (uint64_t)(a->end[SUSP] - a->beg[SUSP]) + (a->end[SRC] - a->beg[SRC]);
}

static int cmp_ival(const void *a, const void *b)
{
    const ival *x = a, *y = b;
    if (x->beg != y->beg) return x->beg < y->beg ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Characters of the union of iv[0..n), which it sorts. */
static uint64_t union_len(ival *iv, size_t n)
{
    if (n == 0) return 0;
    qsort(iv, n, sizeof *iv, cmp_ival);
    uint64_t total = 0;
    uint32_t beg = iv[0].beg, end = iv[0].end;
    for (size_t i = 1; i < n; i++) {
        if (iv[i].beg > end) {
            total += end - beg;
            beg = iv[i].beg;
            end = iv[i].end;
        } else if (iv[i].end > end) {
            end = iv[i].end;
        }
    }
    return total + (end - beg);
}

/* |(U others) & target| on both sides, the others being of[k].r or of[k].c for k in [0, n). */
static uint64_t covered(scratch *s, const span2 *target, const span2 *others, const edge *of,
                        size_t n, int by_case)
{
    uint64_t total = 0;
    IBID_GROW(s->iv, s->m_iv, n);
    for (int side = 0; side < 2; side++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const span2 *o = &others[by_case ? of[i].c : of[i].r];
            uint32_t beg = o->beg[side] > target->beg[side] ? o->beg[side] : target->beg[side];
            uint32_t end = o->end[side] < target->end[side] ? o->end[side] : target->end[side];
            if (beg < end) s->iv[k++] = (ival){beg, end};
        }
        uint64_t u = union_len(s->iv, k);
        assert(u <= target->end[side] - target->beg[side]);
        total += u;
    }
    return total;
}

/* First case of cs[0..nc) (sorted by suspicious begin) that begins at or after `lo`. */
static size_t first_at(const span2 *cs, size_t nc, int64_t lo)
{
    size_t a = 0, b = nc;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if ((int64_t)cs[mid].beg[SUSP] < lo)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

static int cmp_edge_by_case(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->c != y->c) return x->c < y->c ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

/* Score the cases cs[0..nc) and detections ds[0..nd) of one pair, both sorted, into `t`. */
static void score_pair(scratch *s, const span2 *cs, size_t nc, const span2 *ds, size_t nd, tally *t)
{
    t->n_cases += nc;
    t->n_dets += nd;
    if (nc == 0 || nd == 0) return; /* nothing detected, or only false positives */
    uint32_t max_len = 0;
    for (size_t i = 0; i < nc; i++) {
        assert(i == 0 || cs[i - 1].beg[SUSP] <= cs[i].beg[SUSP]);
        uint32_t len = cs[i].end[SUSP] - cs[i].beg[SUSP];
        if (len > max_len) max_len = len;
    }
    /* Edges, grouped by detection: an overlapping case ends after r's begin, so it begins
     * after r.beg - max_len. */
    s->n_e = 0;
    for (size_t r = 0; r < nd; r++) {
        int64_t lo = (int64_t)ds[r].beg[SUSP] - max_len + 1;
        for (size_t c = first_at(cs, nc, lo); c < nc && cs[c].beg[SUSP] < ds[r].end[SUSP]; c++) {
            if (!overlaps(&cs[c], &ds[r])) continue;
            IBID_GROW(s->e, s->m_e, s->n_e + 1);
            s->e[s->n_e++] = (edge){c, r};
        }
    }
    size_t n_e = s->n_e;
    edge *e = s->e;
    for (size_t i = 0, j; i < n_e; i = j) {
        for (j = i + 1; j < n_e && e[j].r == e[i].r;) j++;
        const span2 *r = &ds[e[i].r];
        uint64_t len = span_len(r);
        assert(len > 0);
        t->sum_prec += (double)covered(s, r, cs, e + i, j - i, 1) / (double)len;
    }
    if (n_e) qsort(e, n_e, sizeof *e, cmp_edge_by_case);
    for (size_t i = 0, j; i < n_e; i = j) {
        for (j = i + 1; j < n_e && e[j].c == e[i].c;) j++;
        const span2 *c = &cs[e[i].c];
        uint64_t len = span_len(c);
        assert(len > 0);
        t->sum_rec += (double)covered(s, c, ds, e + i, j - i, 0) / (double)len;
        t->n_detected++;
        t->n_hits += j - i;
    }
}

static void finish_row(ibid_eval_row *row, const tally *t)
{
    row->n_pairs = t->n_pairs;
    row->n_cases = t->n_cases;
    row->n_detections = t->n_dets;
    row->n_detected = t->n_detected;
    if (t->n_cases == 0 && t->n_dets == 0) {
        row->precision = row->recall = 1;
    } else if (t->n_cases == 0 || t->n_dets == 0) {
        row->precision = row->recall = 0;
    } else {
        row->precision = t->sum_prec / (double)t->n_dets;
        row->recall = t->sum_rec / (double)t->n_cases;
    }
    row->granularity = t->n_detected ? (double)t->n_hits / (double)t->n_detected : 1;
    assert(row->precision >= 0 && row->precision <= 1 + 1e-9);
    assert(row->recall >= 0 && row->recall <= 1 + 1e-9);
    assert(row->granularity >= 1);
    double p = row->precision, r = row->recall;
    row->plagdet = p + r > 0 ? 2 * p * r / (p + r) / log2(1 + row->granularity) : 0;
}

typedef struct subset_ref {
    const char *name;
    size_t i;
} subset_ref;

static int cmp_subset_ref(const void *a, const void *b)
{
    return strcmp(((const subset_ref *)a)->name, ((const subset_ref *)b)->name);
}

int ibid_eval(ibid_eval_report **out, const ibid_truth *t, const ibid_detections *d,
              ibid_error *err)
{
    int rc;
    *out = NULL;
    if (d->truth != t)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                         "the detections were made for another truth");
    if ((rc = ibid_truth_check(t, err)) < 0) return rc;

    size_t nc = t->n_cases, nd = d->n_dets, ns = t->n_subsets;
    span2 *cs = ibid_xmalloc(nc * sizeof *cs), *ds = ibid_xmalloc(nd * sizeof *ds);
    tally *tl = ibid_xcalloc(ns + 1, sizeof *tl); /* tl[ns]: all subsets */
    scratch s = {0};
    if (nc) memcpy(cs, t->cases, nc * sizeof *cs);
    if (nd) memcpy(ds, d->dets, nd * sizeof *ds);
    if (nc) qsort(cs, nc, sizeof *cs, cmp_span_qsort);
    size_t n_dup = 0;
    if (nd) {
        qsort(ds, nd, sizeof *ds, cmp_span_qsort);
        size_t k = 1;
        for (size_t i = 1; i < nd; i++)
            if (cmp_span(&ds[k - 1], &ds[i]) != 0) ds[k++] = ds[i];
        n_dup = nd - k;
        nd = k;
    }
    for (size_t p = 0; p < t->n_pairs; p++) tl[t->pairs[p].subset].n_pairs++;

    size_t i = 0, j = 0;
    while (i < nc || j < nd) {
        uint32_t p = i < nc ? cs[i].pair : UINT32_MAX;
        if (j < nd && ds[j].pair < p) p = ds[j].pair;
        size_t i2 = i, j2 = j;
        while (i2 < nc && cs[i2].pair == p) i2++;
        while (j2 < nd && ds[j2].pair == p) j2++;
        assert(i2 > i || j2 > j);
        score_pair(&s, cs + i, i2 - i, ds + j, j2 - j, &tl[t->pairs[p].subset]);
        i = i2;
        j = j2;
    }
    for (size_t k = 0; k < ns; k++) {
        tally *a = &tl[ns], *b = &tl[k];
        a->n_pairs += b->n_pairs;
        a->n_cases += b->n_cases;
        a->n_dets += b->n_dets;
        a->n_detected += b->n_detected;
        a->n_hits += b->n_hits;
        a->sum_prec += b->sum_prec;
        a->sum_rec += b->sum_rec;
    }
    assert(tl[ns].n_cases == t->n_cases && tl[ns].n_pairs == t->n_pairs);

    ibid_eval_report *r = ibid_xcalloc(1, sizeof *r);
    r->n_rows = ns + 1;
    r->rows = ibid_xcalloc(ns + 1, sizeof *r->rows);
    subset_ref *order = ibid_xmalloc(ns * sizeof *order);
    for (size_t k = 0; k < ns; k++) order[k] = (subset_ref){t->subsets[k], k};
    if (ns) qsort(order, ns, sizeof *order, cmp_subset_ref);
    for (size_t k = 0; k <= ns; k++) {
        const char *name = k < ns ? order[k].name : "overall";
        r->rows[k].subset = ibid_xstrndup(name, strlen(name));
        finish_row(&r->rows[k], &tl[k < ns ? order[k].i : ns]);
    }
    r->n_added = d->n_added;
    r->n_unlisted = d->n_unlisted;
    r->n_empty = d->n_empty;
    r->n_duplicate = n_dup;
    *out = r;
    free(order);
    free(cs);
    free(ds);
    free(tl);
    free(s.e);
    free(s.iv);
    return 0;
}

void ibid_eval_report_free(ibid_eval_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_rows; i++) free((char *)r->rows[i].subset);
    free(r->rows);
    free(r);
}

/* ---- writing a report ---- */

static void write_json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(fp, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(fp, "\\u%04x", ch);
        else
            fputc(ch, fp);
    }
    fputc('"', fp);
}

static void write_text(FILE *fp, const ibid_eval_report *r)
{
    int w = 7; /* "overall" */
    for (size_t i = 0; i < r->n_rows; i++) {
        size_t n = strlen(r->rows[i].subset);
        if (n > (size_t)w) w = n > 200 ? 200 : (int)n;
    }
    fprintf(fp, "%-*s %7s %7s %10s %8s %9s %8s %11s %8s\n", w, "subset", "pairs", "cases",
            "detections", "detected", "precision", "recall", "granularity", "plagdet");
    for (size_t i = 0; i < r->n_rows; i++) {
        const ibid_eval_row *x = &r->rows[i];
        fprintf(fp, "%-*s %7zu %7zu %10zu %8zu %9.5f %8.5f %11.5f %8.5f\n", w, x->subset,
                x->n_pairs, x->n_cases, x->n_detections, x->n_detected, x->precision, x->recall,
                x->granularity, x->plagdet);
    }
    fprintf(fp,
            "detections: %zu read, %zu on pairs not listed (ignored), %zu empty (ignored), "
            "%zu duplicates (counted once)\n",
            r->n_added, r->n_unlisted, r->n_empty, r->n_duplicate);
}

static void write_jsonl(FILE *fp, const ibid_eval_report *r)
{
    for (size_t i = 0; i < r->n_rows; i++) {
        const ibid_eval_row *x = &r->rows[i];
        fputs("{\"subset\":", fp);
        write_json_string(fp, x->subset);
        fprintf(fp,
                ",\"n_pairs\":%zu,\"n_cases\":%zu,\"n_detections\":%zu,\"n_detected\":%zu,"
                "\"precision\":%.10g,\"recall\":%.10g,\"granularity\":%.10g,\"plagdet\":%.10g",
                x->n_pairs, x->n_cases, x->n_detections, x->n_detected, x->precision, x->recall,
                x->granularity, x->plagdet);
        if (i + 1 == r->n_rows)
            fprintf(fp, ",\"n_added\":%zu,\"n_unlisted\":%zu,\"n_empty\":%zu,\"n_duplicate\":%zu",
                    r->n_added, r->n_unlisted, r->n_empty, r->n_duplicate);
        fputs("}\n", fp);
    }
}

int ibid_eval_report_write(FILE *fp, const ibid_eval_report *r, int format, ibid_error *err)
{
    if (format == IBID_EVAL_TEXT)
        write_text(fp, r);
    else if (format == IBID_EVAL_JSONL)
        write_jsonl(fp, r);
    else
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "unknown report format %d", format);
    if (fflush(fp) != 0 || ferror(fp))
        return ibid_fail(err, IBID_EIO, NULL, 0, 0, "write error: %s", strerror(errno));
    return 0;
}
