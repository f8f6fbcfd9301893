/*
 * chain.c: chain the seeds of one document pair into collinear runs.
 *
 * The dynamic program of minimap2's chaining (Li 2018, "Minimap2: pairwise alignment for
 * nucleotide sequences", section 2.1), over word n-gram anchors instead of k-mer minimizers.
 * Anchors (x, y) are sorted by x; anchor i may follow anchor j when both coordinates grow and
 * neither gap exceeds max_gap unmatched tokens:
 *
 *   f(i) = max( n, max_j f(j) + min(dx, dy, n) - gamma(|dx - dy|) )
 *   gamma(d) = 0.2 d + 0.5 log2(d + 1)    (d > 0; 0 when the anchors share a diagonal)
 *
 * looking back at most LOOKBACK anchors. Chains are then read off greedily from the best end,
 * each anchor belonging to one chain (a chain that runs into an anchor already used stops
 * there), and kept when they hold at least min_seeds anchors.
 */
#include "ibid_int.h"

#include <math.h>

#define LOOKBACK 64
#ifndef MIN_CHAIN_SCORE
#define MIN_CHAIN_SCORE 0
#endif

size_t ibid_chain_anchors(ibid_arena *km, ibid_anchor *a, size_t n, const ibid_align_opts *o,
                          ibid_chain **out)
{
    *out = NULL;
    if (n == 0) return 0;
    float *f = ibid_arena_alloc(km, n * sizeof(float));
    int32_t *p = ibid_arena_alloc(km, n * sizeof(int32_t));
    const int64_t span = o->max_gap + o->ngram;
    for (size_t i = 0; i < n; i++) {
        float best = (float)o->ngram;
        int32_t bp = -1;
        size_t lo = i > LOOKBACK ? i - LOOKBACK : 0;
        for (size_t j = i; j-- > lo;) {
            int64_t dx = (int64_t)a[i].x - a[j].x, dy = (int64_t)a[i].y - a[j].y;
            assert(dx >= 0);
            if (dx > span) break;
            if (dx == 0 || dy <= 0 || dy > span) continue;
            int64_t d = dx > dy ? dx - dy : dy - dx;
            int64_t gain = dx < dy ? dx : dy;
            if (gain > o->ngram) gain = o->ngram;
            float sc = f[j] + (float)gain;
            if (d) sc -= 0.2f * (float)d + 0.5f * log2f((float)d + 1.0f);
            if (sc > best) best = sc, bp = (int32_t)j;
        }
        f[i] = best;
        p[i] = bp;
    }

    /* Read chains off from the best ends: order anchors by score, descending, then by index. */
    ibid_rec *ord = ibid_arena_alloc(km, n * sizeof(ibid_rec));
    for (size_t i = 0; i < n; i++) {
        uint32_t fbits;
        memcpy(&fbits, &f[i], 4); /* f > 0, so its bits order like its value */
        ord[i] = (ibid_rec){~(uint64_t)fbits, (uint32_t)i, 0};
    }
    ibid_rec_sort(ord, n, 1);
    uint8_t *used = ibid_arena_alloc(km, n);
    memset(used, 0, n);
    ibid_anchor *tmp = ibid_arena_alloc(km, n * sizeof(ibid_anchor));
    ibid_chain *ch = ibid_arena_alloc(km, n * sizeof(ibid_chain));
    size_t n_ch = 0, n_tmp = 0;
    for (size_t r = 0; r < n; r++) {
        size_t i = ord[r].x;
        if (used[i]) continue;
        size_t beg = n_tmp;
        int32_t k = (int32_t)i;
        while (k >= 0 && !used[k]) {
            used[k] = 1;
            tmp[n_tmp++] = a[k];
            k = p[k];
        }
        float score = f[i] - (k >= 0 ? f[k] : 0.0f);
        if (n_tmp - beg < (size_t)o->min_seeds || score < MIN_CHAIN_SCORE) {
            n_tmp = beg;
            continue;
        }
        for (size_t u = beg, v = n_tmp - 1; u < v; u++, v--) { /* traceback runs backwards */
            ibid_anchor t = tmp[u];
            tmp[u] = tmp[v];
            tmp[v] = t;
        }
        ch[n_ch++] = (ibid_chain){(uint32_t)beg, (uint32_t)n_tmp, score};
    }
    memcpy(a, tmp, n_tmp * sizeof(ibid_anchor));
    *out = ch;
    return n_ch;
}
