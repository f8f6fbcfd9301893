/*
 * align.c: align two token sequences along a chain, then extend past its ends.
 *
 * The chain's anchors become blocks of equal tokens on one diagonal. Between two blocks the
 * tokens are aligned end to end (global alignment with affine gaps, Gotoh 1982); past the first
 * and the last block the alignment is extended (anchored at the block, free at the far end) and
 * cut where it scored best, stopping early once a whole row falls xdrop below the best (the
 * X-drop rule of BLAST, Altschul et al. 1997). Every region is at most max_gap + ngram tokens
 * on a side, so the dynamic programs are small and run on scratch from the arena.
 *
 * Scores: match (> 0) for equal tokens, mismatch (<= 0) otherwise, and a gap of k tokens costs
 * gap_open + k * gap_extend. Between anchors these apply as given; past the ends of a chain,
 * where chance matches of common words could drag a passage on, a mismatch and a gap opening
 * cost at least one match each.
 */
#include "ibid_int.h"

#include <limits.h>

#define NEG (INT_MIN / 4)

/* Traceback: per cell, for each of the three states, the state it came from. */
enum { ST_M = 0, ST_X = 1, ST_Y = 2 }; /* X consumes a token of a only, Y of b only */

typedef struct {
    int32_t score;
    uint32_t matches, columns;
    uint32_t la, lb; /* tokens consumed on each side */
} dp_res;

static inline int max3(int a, int b, int c, int *arg)
{
    int m = a, k = ST_M;
    if (b > m) m = b, k = ST_X;
    if (c > m) m = c, k = ST_Y;
    *arg = k;
    return m;
}

/*
 * Align a[0, la) with b[0, lb). global: both ends fixed; else only the start is, and the result
 * ends at the best-scoring match (ties: the shortest). a and b may be read backwards by passing
 * a negative stride (the left extension).
 */
static void dp(ibid_arena *km, const uint32_t *a, long sa, uint32_t la, const uint32_t *b, long sb,
               uint32_t lb, int global, const ibid_align_opts *o, dp_res *r)
{
    /* Past a chain's ends nothing anchors the alignment, and common words match by chance: the
     * extension scores a mismatch at least as badly as a match is good, and a gap's opening too. */
    const int mis = global || o->mismatch < -o->match ? o->mismatch : -o->match;
    const int go = o->gap_open, ge = o->gap_extend;
    const size_t w = (size_t)lb + 1;
    int *M = ibid_arena_alloc(km, 2 * w * sizeof(int)),
        *X = ibid_arena_alloc(km, 2 * w * sizeof(int));
    int *Y = ibid_arena_alloc(km, 2 * w * sizeof(int));
    uint8_t *tb = ibid_arena_alloc(km, ((size_t)la + 1) * w);
    /* Row 0. In an extension, only cells within xdrop of the best are live; a row computes the
     * columns from the first live one of the row above to one past its last (further while a
     * gap along the row stays live), and the rest of the matrix is never touched. */
    M[0] = 0, X[0] = Y[0] = NEG;
    tb[0] = 0;
    uint32_t plo = 0, phi = 0, pend = lb; /* live columns of the row above; its last written */
    for (uint32_t j = 1; j <= lb; j++) {
        M[j] = X[j] = NEG;
        Y[j] = -go - (int)j * ge;
        tb[j] = (uint8_t)((j > 1 ? ST_Y : ST_M) << 4);
        if (global || Y[j] >= -o->xdrop) phi = j;
    }
    int best = 0;
    uint32_t bi = 0, bj = 0;
    for (uint32_t i = 1; i <= la; i++) {
        int *Mp = M + ((i - 1) & 1) * w, *Xp = X + ((i - 1) & 1) * w, *Yp = Y + ((i - 1) & 1) * w;
        int *Mc = M + (i & 1) * w, *Xc = X + (i & 1) * w, *Yc = Y + (i & 1) * w;
        uint8_t *t = tb + (size_t)i * w;
        uint32_t ai = a[(long)(i - 1) * sa];
        uint32_t lo = plo, hi = phi + 1 < lb ? phi + 1 : lb, j = lo;
        if (lo == 0) {
            Mc[0] = Yc[0] = NEG;
            Xc[0] = -go - (int)i * ge;
            t[0] = (uint8_t)((i > 1 ? ST_X : ST_M) << 2);
            j = 1;
        } else {
            Mc[lo - 1] = Xc[lo - 1] = Yc[lo - 1] = NEG;
        }
        for (; j <= lb; j++) {
            if (j > hi && (global || Yc[j - 1] - ge < best - o->xdrop)) break;
            int km_, kx, ky;
            int s = ai == b[(long)(j - 1) * sb] ? o->match : mis;
            int mp = j <= pend ? Mp[j] : NEG, xp = j <= pend ? Xp[j] : NEG;
            int dm = j - 1 <= pend ? Mp[j - 1] : NEG, dx = j - 1 <= pend ? Xp[j - 1] : NEG;
            int dy = j - 1 <= pend ? Yp[j - 1] : NEG;
            int m = max3(dm, dx, dy, &km_) + s;
            int x = max3(mp - go - ge, xp - ge, NEG, &kx);
            int y = max3(Mc[j - 1] - go - ge, NEG, Yc[j - 1] - ge, &ky);
            ky = ky == ST_X ? ST_Y : ky; /* max3's middle slot is unused here */
            Mc[j] = m, Xc[j] = x, Yc[j] = y;
            t[j] = (uint8_t)(km_ | kx << 2 | ky << 4);
            /* an extension may end only after two equal tokens in a row: one common word
             * matching by chance is no reason to go on */
            if (!global && s > 0 && m > best && i > 1 && j > 1 &&
                a[(long)(i - 2) * sa] == b[(long)(j - 2) * sb])
                best = m, bi = i, bj = j;
        }
        uint32_t end = j - 1; /* the last column written */
        if (end < lb) Mc[end + 1] = Xc[end + 1] = Yc[end + 1] = NEG;
        pend = end < lb ? end + 1 : lb;
        if (global) continue;
        /* this row's live columns */
        int live = 0;
        for (uint32_t k = lo; k <= end; k++) {
            int c = Mc[k] > Xc[k] ? Mc[k] : Xc[k];
            if (Yc[k] > c) c = Yc[k];
            if (c >= best - o->xdrop) {
                if (!live) plo = k;
                phi = k;
                live = 1;
            }
        }
        if (!live) break;
    }
    /* traceback from the end cell and state */
    uint32_t i = global ? la : bi, j = global ? lb : bj;
    int st;
    if (global) {
        int *Mc = M + (la & 1) * w, *Xc = X + (la & 1) * w, *Yc = Y + (la & 1) * w;
        r->score = max3(Mc[lb], Xc[lb], Yc[lb], &st);
    } else {
        r->score = best;
        st = ST_M;
    }
    r->la = i, r->lb = j;
    r->matches = r->columns = 0;
    while (i > 0 || j > 0) {
        uint8_t t = tb[(size_t)i * w + j];
        r->columns++;
        if (st == ST_M) {
            assert(i > 0 && j > 0);
            r->matches += a[(long)(i - 1) * sa] == b[(long)(j - 1) * sb];
            st = t & 3;
            i--, j--;
        } else if (st == ST_X) {
            assert(i > 0);
            st = (t >> 2) & 3;
            i--;
        } else {
            assert(j > 0);
            st = (t >> 4) & 3;
            j--;
        }
    }
}

void ibid_align_chain(ibid_arena *km, const uint32_t *ta, uint32_t na, const uint32_t *tb,
                      uint32_t nb, const ibid_anchor *an, size_t n_an, const ibid_align_opts *o,
                      ibid_passage *p)
{
    assert(n_an > 0);
    const uint32_t n = (uint32_t)o->ngram;
    int32_t score = 0;
    uint32_t matches = 0, columns = 0;
    /* the first block */
    uint32_t bx = an[0].x, by = an[0].y, ex = bx + n, ey = by + n;
    assert(ex <= na && ey <= nb);
    uint32_t x0 = bx, y0 = by;
    for (size_t k = 1; k <= n_an; k++) {
        uint32_t x = k < n_an ? an[k].x : UINT32_MAX, y = k < n_an ? an[k].y : UINT32_MAX;
        if (k < n_an && y - x == by - bx && x <= ex && y >= by) { /* same diagonal: grow */
            if (x + n > ex) ex = x + n, ey = y + n;
            continue;
        }
        /* close the block [bx, ex) x [by, ey) */
        for (uint32_t i = bx, j = by; i < ex; i++, j++) {
            int eq = ta[i] == tb[j];
            matches += (uint32_t)eq;
            score += eq ? o->match : o->mismatch;
        }
        columns += ex - bx;
        if (k == n_an) break;
        /* the next block starts past this one on both sides */
        uint32_t shift = 0;
        if (x < ex) shift = ex - x;
        if (y < ey && ey - y > shift) shift = ey - y;
        if (shift >= n) continue; /* wholly inside the block: drop the anchor */
        x += shift, y += shift;
        dp_res g;
        uint32_t gx = x - ex, gy = y - ey;
        if (gx == 0 && gy == 0) {
            g = (dp_res){0, 0, 0, 0, 0};
        } else if (gx == 0 || gy == 0) {
            g = (dp_res){-o->gap_open - (int32_t)(gx + gy) * o->gap_extend, 0, gx + gy, gx, gy};
        } else {
            dp(km, ta + ex, 1, gx, tb + ey, 1, gy, 1, o, &g);
        }
        score += g.score, matches += g.matches, columns += g.columns;
        bx = x, by = y, ex = x + n - shift, ey = y + n - shift;
    }
    /* extend both ways */
    uint32_t L = (uint32_t)(o->max_gap + o->ngram);
    dp_res r, l;
    uint32_t rx = na - ex < L ? na - ex : L, ry = nb - ey < L ? nb - ey : L;
    if (rx && ry)
        dp(km, ta + ex, 1, rx, tb + ey, 1, ry, 0, o, &r);
    else
        r = (dp_res){0, 0, 0, 0, 0};
    uint32_t lx = x0 < L ? x0 : L, ly = y0 < L ? y0 : L;
    if (lx && ly)
        dp(km, ta + x0 - 1, -1, lx, tb + y0 - 1, -1, ly, 0, o, &l);
    else
        l = (dp_res){0, 0, 0, 0, 0};
    p->tok_beg1 = x0 - l.la;
    p->tok_beg2 = y0 - l.lb;
    p->tok_end1 = ex + r.la;
    p->tok_end2 = ey + r.lb;
    p->score = score + l.score + r.score;
    p->matches = matches + l.matches + r.matches;
    p->columns = columns + l.columns + r.columns;
    assert(p->tok_end1 <= na && p->tok_end2 <= nb);
}
