/*
 * passage.c: from aligned chains to the passages a user sees.
 *
 * Two chains of one pair may align to overlapping spans when a document repeats itself: a
 * paragraph quoted twice in one and once in the other makes two alignments that share a side.
 * Reporting both would multiply the output by the number of repeats, so the passages of a pair
 * are resolved greedily, best score first: a passage overlapping a kept one on either side is
 * dropped (a one-to-one matching of spans). The final order is a total key over ids and
 * offsets, so that output does not depend on thread count or input order.
 */
#include "ibid_int.h"

static int by_score(const void *pa, const void *pb)
{
    const ibid_passage *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    if (a->tok_beg1 != b->tok_beg1) return a->tok_beg1 < b->tok_beg1 ? -1 : 1;
    if (a->tok_beg2 != b->tok_beg2) return a->tok_beg2 < b->tok_beg2 ? -1 : 1;
    if (a->tok_end1 != b->tok_end1) return a->tok_end1 < b->tok_end1 ? -1 : 1;
    return a->tok_end2 < b->tok_end2 ? -1 : a->tok_end2 > b->tok_end2;
}

static int by_start(const void *pa, const void *pb)
{
    const ibid_passage *a = pa, *b = pb;
    if (a->tok_beg1 != b->tok_beg1) return a->tok_beg1 < b->tok_beg1 ? -1 : 1;
    return a->tok_beg2 < b->tok_beg2 ? -1 : a->tok_beg2 > b->tok_beg2;
}

static int overlaps(uint32_t b1, uint32_t e1, uint32_t b2, uint32_t e2)
{
    return b1 < e2 && b2 < e1;
}

size_t ibid_passages_resolve(ibid_passage *p, size_t n)
{
    qsort(p, n, sizeof *p, by_score);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = 1;
        for (size_t j = 0; j < k && ok; j++)
            ok = !overlaps(p[i].tok_beg1, p[i].tok_end1, p[j].tok_beg1, p[j].tok_end1) &&
                 !overlaps(p[i].tok_beg2, p[i].tok_end2, p[j].tok_beg2, p[j].tok_end2);
        if (ok) p[k++] = p[i];
    }
    qsort(p, k, sizeof *p, by_start);
    return k;
}

static uint32_t dist(uint32_t b1, uint32_t e1, uint32_t b2, uint32_t e2)
{
    return e1 <= b2 ? b2 - e1 : e2 <= b1 ? b1 - e2 : 0;
}

static size_t find(size_t *parent, size_t i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

size_t ibid_passages_merge(ibid_passage *p, size_t n, uint32_t gap, uint32_t min_words)
{
    size_t *parent = ibid_xmalloc((n ? n : 1) * sizeof *parent);
    for (size_t i = 0; i < n; i++) parent[i] = i;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (dist(p[i].tok_beg1, p[i].tok_end1, p[j].tok_beg1, p[j].tok_end1) <= gap &&
                dist(p[i].tok_beg2, p[i].tok_end2, p[j].tok_beg2, p[j].tok_end2) <= gap) {
                size_t a = find(parent, i), b = find(parent, j);
                if (a != b) parent[a > b ? a : b] = a < b ? a : b;
            }
    /* fold every passage into its root, the lowest index of its group (roots come first) */
    for (size_t i = 0; i < n; i++) {
        size_t r = find(parent, i);
        if (r == i) continue;
        ibid_passage *a = &p[r];
        const ibid_passage *b = &p[i];
        if (b->tok_beg1 < a->tok_beg1) a->tok_beg1 = b->tok_beg1;
        if (b->tok_end1 > a->tok_end1) a->tok_end1 = b->tok_end1;
        if (b->tok_beg2 < a->tok_beg2) a->tok_beg2 = b->tok_beg2;
        if (b->tok_end2 > a->tok_end2) a->tok_end2 = b->tok_end2;
        a->matches += b->matches;
        a->columns += b->columns;
        a->score += b->score;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (find(parent, i) == i && p[i].tok_end1 - p[i].tok_beg1 >= min_words &&
            p[i].tok_end2 - p[i].tok_beg2 >= min_words)
            p[k++] = p[i];
    free(parent);
    return k;
}

/* qsort has no context argument in C11: sort (rank-keyed) copies instead. */
typedef struct {
    uint32_t r1, r2;
    const ibid_passage *p;
} keyed;

static int by_key(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->r1 != b->r1) return a->r1 < b->r1 ? -1 : 1;
    if (a->r2 != b->r2) return a->r2 < b->r2 ? -1 : 1;
    const ibid_passage *x = a->p, *y = b->p;
    if (x->cp_beg1 != y->cp_beg1) return x->cp_beg1 < y->cp_beg1 ? -1 : 1;
    if (x->cp_beg2 != y->cp_beg2) return x->cp_beg2 < y->cp_beg2 ? -1 : 1;
    if (x->cp_end1 != y->cp_end1) return x->cp_end1 < y->cp_end1 ? -1 : 1;
    if (x->cp_end2 != y->cp_end2) return x->cp_end2 < y->cp_end2 ? -1 : 1;
    return 0;
}

void ibid_passages_sort(ibid_passage *p, size_t n, const uint32_t *rank)
{
    keyed *k = ibid_xmalloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++) k[i] = (keyed){rank[p[i].doc1], rank[p[i].doc2], &p[i]};
    qsort(k, n, sizeof *k, by_key);
    ibid_passage *tmp = ibid_xmalloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++) tmp[i] = *k[i].p;
    memcpy(p, tmp, n * sizeof *tmp);
    free(tmp);
    free(k);
}

double ibid_passage_identity(const ibid_passage *p)
{
    return p->columns ? (double)p->matches / p->columns : 0.0;
}

const char *ibid_kind_name(int kind)
{
    switch (kind) {
    case IBID_KIND_REWORDED:
        return "reworded";
    case IBID_KIND_TRANSLATED:
        return "translated";
    default:
        return "verbatim";
    }
}
