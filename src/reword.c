/*
 * reword.c: align two documents sentence by sentence, for reuse that was reworded or translated.
 *
 * Verbatim seeds find what was copied; a rewrite keeps the content words of each sentence and
 * little of their order. Here each sentence is a unit vector of tf-isf weights over stems
 * (terms.c), and the pipeline is the one of the PAN winners (Sanchez-Perez, Sidorov and
 * Gelbukh, PAN 2014), with a chaining step in place of their clustering:
 *
 *   1. seeds: the sentence pairs (i, j) whose cosine is at least sent_sim and whose Dice
 *      coefficient over terms is at least sent_dice, with two terms or more in common. Dice
 *      counts terms with their counts, a translated word's n translations 1/n each, so that
 *      alternatives do not dilute it. A pair within NEAR of those thresholds is a seed too when
 *      its character 4-grams (within a script: other scripts share none) have a cosine of
 *      CHAR_SIM, for words spelled otherwise than their stems can see. The
 *      dot products come from a join of the two documents' terms; a term in more than
 *      CROSS_MAX sentence pairs of this document pair is left out of the join (it weighs
 *      little, and would make the join quadratic).
 *   2. chaining: a dynamic program over the seeds sorted by (i, j), where seed k may follow
 *      seed l when i_l <= i_k and j_l <= j_k, so that one sentence may align to two (1:2 and
 *      2:1 steps), skipping at most sent_gap sentences on either side:
 *        f(k) = cos(k) + max(0, max_l f(l) - SKIP * (skipped sentences))
 *      Chains are read off greedily from the best end, each seed in one chain; chains within
 *      MERGE_GAP sentences of each other in both documents, in any order, are then merged
 *      (reordered sentences, as ibid_passages_merge does for verbatim passages). A summary
 *      condenses many sentences into few: chains within MERGE_GAP sentences on one side and
 *      summary_gap on the other merge too, when the result is SUMMARY_RATIO times longer on
 *      the other side and its fragments still pass frag_sim (the summary mode of the PAN 2014
 *      winners).
 *   3. validation: a chain spans sentences [i0, i1] and [j0, j1]; the two fragments, as sums of
 *      their sentence vectors, must have a cosine of at least frag_sim (or, as character
 *      4-grams, of CHAR_SIM: words misspelled or read wrong by OCR), at least MIN_RARE rare
 *      terms in common (isf at least RARE_SHARE of the largest possible, log S), and at least
 *      min_words tokens a side. A passage of one sentence pair must also share a rare name or
 *      number (a word capitalized inside its sentence, or digits), so that stock phrases ("did
 *      not respond to a request for comment") cannot make a passage alone, whatever the size
 *      of the corpus. Of overlapping fragments the best is kept.
 */
#include "terms.h"

#include <math.h>
#include <utf8proc.h>

#define CROSS_MAX     64   /* sentence pairs one term may contribute to a document pair */
#define SKIP          0.1f /* cost of each sentence skipped inside a chain */
#define MIN_SHARED    2    /* terms a seed's sentences have in common */
#define MIN_RARE      2
#define RARE_SHARE    0.5
#define MERGE_GAP     2   /* sentences between chains merged into one passage */
#define SUMMARY_RATIO 2.0 /* a passage this many times longer on one side is a summary's */
#define CROSS_LANG    0.6 /* sent_sim and sent_dice are scaled by this across languages */
#define CROSS_FRAG    0.7 /* and frag_sim by this */
#define NEAR_SEED     0.7 /* a sentence pair this close to the seed thresholds, */
#define NEAR          0.5 /* or a fragment this close to frag_sim, is looked at again: */
#define CHAR_SIM      0.6 /* as character 4-grams, a cosine this high makes it count */

typedef struct {
    uint32_t i, j;
    float cos;
} seed;

/* A chain's extent: sentences [i0, i1] of one document and [j0, j1] of the other. */
typedef struct {
    uint32_t i0, i1, j0, j1;
    float score;
    uint32_t n_seed;
} box;

/* The distance between [b1, e1] and [b2, e2]: 0 when they overlap. */
static uint32_t dist(uint32_t b1, uint32_t e1, uint32_t b2, uint32_t e2)
{
    return b2 > e1 ? b2 - e1 : b1 > e2 ? b1 - e2 : 0;
}

/* The union of two boxes. */
static box unite(const box *p, const box *q)
{
    box m = *p;
    if (q->i0 < m.i0) m.i0 = q->i0;
    if (q->i1 > m.i1) m.i1 = q->i1;
    if (q->j0 < m.j0) m.j0 = q->j0;
    if (q->j1 > m.j1) m.j1 = q->j1;
    m.score += q->score;
    m.n_seed += q->n_seed;
    return m;
}

/* Merge boxes within `gap` sentences of each other in both documents, in any order (reordered
 * sentences), until none is; returns how many are left, at the front. */
static size_t merge_boxes(box *x, size_t n, uint32_t gap)
{
    for (int again = 1; again;) {
        again = 0;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                if (dist(x[p].i0, x[p].i1, x[q].i0, x[q].i1) > gap ||
                    dist(x[p].j0, x[p].j1, x[q].j0, x[q].j1) > gap)
                    continue;
                x[p] = unite(&x[p], &x[q]);
                x[q--] = x[--n];
                again = 1;
            }
    }
    return n;
}

/* Could p and q be parts of one summary: within `gap` sentences on one side and summary_gap on
 * the other, their union SUMMARY_RATIO times longer on the other side? The union in *m. */
static int summary_pair(const box *p, const box *q, uint32_t gap, uint32_t summary_gap, box *m)
{
    uint32_t di = dist(p->i0, p->i1, q->i0, q->i1), dj = dist(p->j0, p->j1, q->j0, q->j1);
    *m = unite(p, q);
    uint32_t si = m->i1 - m->i0 + 1, sj = m->j1 - m->j0 + 1;
    return (di <= gap && dj <= summary_gap && sj >= SUMMARY_RATIO * si) ||
           (dj <= gap && di <= summary_gap && si >= SUMMARY_RATIO * sj);
}

static float wt(const ibid_rec *r)
{
    float w;
    memcpy(&w, &r->x, sizeof w);
    return w;
}

/* A pair of postings of a and b with equal term ids, in the row of its sentence of a. */
typedef struct {
    uint32_t j;  /* its sentence of b */
    float w, tf; /* the product of the two weights; the smaller count */
} cell;

/*
 * The pairs of postings of a and b with equal term ids, a term that would make more than
 * CROSS_MAX pairs left out, grouped by sentence of a (a counting sort done as they are made).
 * Without `out`, count the pairs of each sentence i of a in row[i + 1]; with it, write each
 * pair at out[row[i]++] (row[i] then the start of row i). Returns the number of pairs.
 */
static size_t join(const ibid_terms *a, const ibid_terms *b, uint32_t *row, cell *out)
{
    const uint32_t *pa = a->post, *pb = b->post, *ida = a->post_id, *idb = b->post_id;
    const ibid_term *ta = a->term, *tb = b->term;
    size_t i = 0, k = 0, n = 0, na = a->n_term, nb = b->n_term;
    while (i < na && k < nb) {
        uint32_t ia = ida[i], ib = idb[k];
        if (ia < ib) {
            i++;
            continue;
        }
        if (ib < ia) {
            k++;
            continue;
        }
        size_t ie = i + 1, ke = k + 1;
        while (ie < na && ida[ie] == ia) ie++;
        while (ke < nb && idb[ke] == ia) ke++;
        if ((ie - i) * (ke - k) <= CROSS_MAX) {
            for (size_t x = i; x < ie; x++) {
                const ibid_term *u = &ta[pa[x]];
                if (!out) {
                    row[IBID_TERM_SENT(u) + 1] += (uint32_t)(ke - k);
                    continue;
                }
                cell *c = out + row[IBID_TERM_SENT(u)];
                for (size_t y = k; y < ke; y++) {
                    const ibid_term *v = &tb[pb[y]];
                    *c++ = (cell){IBID_TERM_SENT(v), u->w * v->w, u->tf < v->tf ? u->tf : v->tf};
                }
                row[IBID_TERM_SENT(u)] += (uint32_t)(ke - k);
            }
            n += (ie - i) * (ke - k);
        }
        i = ie, k = ke;
    }
    return n;
}

/* The character 4-grams of sentences [s0, s1] of d, lower-cased letters and digits with one
 * space between words, as sorted hashes; how many. */
static size_t char_grams(ibid_arena *km, const ibid_terms *d, uint32_t s0, uint32_t s1,
                         uint32_t **out)
{
    const ibid_sent se[1] = {
        {d->sent[s0].byte_beg, d->sent[s1].byte_end, d->sent[s0].cp_beg, d->sent[s1].cp_end}};
    size_t n_cp = se->cp_end - se->cp_beg, n = 0;
    uint32_t *g = ibid_arena_alloc(km, (n_cp + 4) * sizeof *g);
    uint32_t w[4] = {' ', ' ', ' ', ' '}; /* the last four characters */
    int space = 1;
    for (size_t i = se->byte_beg; i < se->byte_end;) {
        int32_t cp;
        int letter;
        unsigned char ch = (unsigned char)d->text[i];
        if (ch < 0x80) { /* ASCII without utf8proc */
            cp = ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
            letter = (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
            i++;
        } else {
            utf8proc_ssize_t r = utf8proc_iterate((const uint8_t *)d->text + i,
                                                  (utf8proc_ssize_t)(se->byte_end - i), &cp);
            if (r <= 0) break;
            i += (size_t)r;
            utf8proc_category_t cat = utf8proc_category(cp);
            letter = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                     cat == UTF8PROC_CATEGORY_ND;
            if (letter) cp = utf8proc_tolower(cp);
        }
        if (!letter && space) continue;
        uint32_t c = letter ? (uint32_t)cp : ' ';
        space = !letter;
        w[0] = w[1], w[1] = w[2], w[2] = w[3], w[3] = c;
        if (w[0] != ' ' || w[1] != ' ')
            g[n++] =
                (uint32_t)(((w[0] * 0x9E3779B1u ^ w[1]) * 0x85EBCA6Bu ^ w[2]) * 0xC2B2AE35u ^ w[3]);
    }
    ibid_u32_sort(g, ibid_arena_alloc(km, (n ? n : 1) * sizeof *g), n);
    *out = g;
    return n;
}

/* Cosine of two sorted bags of character n-grams (counts from repeats). */
static double char_cos(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    double dot = 0, la = 0, lb = 0;
    for (size_t i = 0; i < na;) {
        size_t e = i;
        while (e < na && a[e] == a[i]) e++;
        la += (double)(e - i) * (double)(e - i);
        i = e;
    }
    for (size_t k = 0; k < nb;) {
        size_t e = k;
        while (e < nb && b[e] == b[k]) e++;
        lb += (double)(e - k) * (double)(e - k);
        k = e;
    }
    for (size_t i = 0, k = 0; i < na && k < nb;) {
        if (a[i] < b[k])
            i++;
        else if (b[k] < a[i])
            k++;
        else {
            size_t ei = i, ek = k;
            while (ei < na && a[ei] == a[i]) ei++;
            while (ek < nb && b[ek] == b[k]) ek++;
            dot += (double)(ei - i) * (double)(ek - k);
            i = ei, k = ek;
        }
    }
    return la > 0 && lb > 0 ? dot / sqrt(la * lb) : 0;
}

/* The character n-grams of single sentences, each made once for a document pair. */
typedef struct {
    uint32_t **g; /* per sentence, or NULL until needed */
    uint32_t *n;
} gram_memo;

static size_t sentence_grams(ibid_arena *km, const ibid_terms *d, gram_memo *m, uint32_t s,
                             uint32_t **out)
{
    if (!m->g) {
        m->g = ibid_arena_alloc(km, d->n_sent * sizeof *m->g);
        m->n = ibid_arena_alloc(km, d->n_sent * sizeof *m->n);
        memset(m->g, 0, d->n_sent * sizeof *m->g);
    }
    if (!m->g[s]) m->n[s] = (uint32_t)char_grams(km, d, s, s, &m->g[s]);
    *out = m->g[s];
    return m->n[s];
}

static int by_j(const void *pa, const void *pb)
{
    const seed *a = pa, *b = pb;
    return a->j < b->j ? -1 : a->j > b->j;
}

/* The seeds of a pair, sorted by (i, j). */
static size_t find_seeds(ibid_arena *km, const ibid_terms *a, const ibid_terms *b,
                         const ibid_align_opts *o, seed **out)
{
    /* translation keeps only part of a sentence's words: across languages, lower thresholds */
    double f = strcmp(a->lang, b->lang) != 0 ? CROSS_LANG : 1;
    double sim = f * o->sent_sim, min_dice = f * o->sent_dice;
    /* the joined postings by sentence of a, then summed by sentence of b in one dense row per
     * sentence of a: only the cells touched are cleared and visited */
    uint32_t na = a->n_sent, nb = b->n_sent;
    uint32_t *beg = ibid_arena_alloc(km, ((size_t)na + 1) * sizeof *beg);
    memset(beg, 0, ((size_t)na + 1) * sizeof *beg);
    size_t n = join(a, b, beg, NULL);
    for (uint32_t i = 0; i < na; i++) beg[i + 1] += beg[i];
    uint32_t *fill = ibid_arena_alloc(km, ((size_t)na + 1) * sizeof *fill);
    memcpy(fill, beg, ((size_t)na + 1) * sizeof *fill);
    cell *t = ibid_arena_alloc(km, (n ? n : 1) * sizeof *t);
    join(a, b, fill, t);
    float *dot = ibid_arena_alloc(km, ((size_t)nb + 1) * sizeof *dot);
    float *common = ibid_arena_alloc(km, ((size_t)nb + 1) * sizeof *common);
    uint32_t *shared = ibid_arena_alloc(km, ((size_t)nb + 1) * sizeof *shared);
    uint32_t *stamp = ibid_arena_alloc(km, ((size_t)nb + 1) * sizeof *stamp);
    uint32_t *row = ibid_arena_alloc(km, ((size_t)nb + 1) * sizeof *row);
    memset(stamp, 0xFF, ((size_t)nb + 1) * sizeof *stamp);
    seed *s = ibid_arena_alloc(km, (n ? n : 1) * sizeof *s);
    const float *len_a = a->sent_len, *len_b = b->sent_len;
    gram_memo ma = {0}, mb = {0};
    size_t ns = 0;
    for (uint32_t i = 0; i < na; i++) {
        size_t n_row = 0;
        for (uint32_t q = beg[i]; q < beg[i + 1]; q++) {
            uint32_t j = t[q].j;
            if (stamp[j] != i)
                stamp[j] = i, dot[j] = common[j] = 0, shared[j] = 0, row[n_row++] = j;
            dot[j] += t[q].w;
            common[j] += t[q].tf;
            shared[j]++;
        }
        size_t row_beg = ns;
        for (size_t q = 0; q < n_row; q++) {
            uint32_t j = row[q];
            if (shared[j] < MIN_SHARED) continue;
            float cos = dot[j];
            double dice = 2.0 * common[j] / (len_a[i] + len_b[j]);
            int ok = cos >= sim && dice >= min_dice;
            if (!ok && cos >= NEAR_SEED * sim) { /* a near miss: the characters */
                uint32_t *ga, *gb;
                size_t nga = sentence_grams(km, a, &ma, i, &ga),
                       ngb = sentence_grams(km, b, &mb, j, &gb);
                ok = char_cos(ga, nga, gb, ngb) >= CHAR_SIM;
                if (ok && cos < sim) cos = (float)sim; /* as a seed, it counts as a bare one */
            }
            if (ok) s[ns++] = (seed){i, j, cos};
        }
        /* the row's seeds by j: few, so sorted here rather than every cell touched */
        if (ns - row_beg > 32) {
            qsort(s + row_beg, ns - row_beg, sizeof *s, by_j);
        } else {
            for (size_t q = row_beg + 1; q < ns; q++) {
                seed x = s[q];
                size_t k = q;
                while (k > row_beg && s[k - 1].j > x.j) s[k] = s[k - 1], k--;
                s[k] = x;
            }
        }
    }
    *out = s;
    return ns;
}

/* Sum the sentence vectors of sentences [s0, s1] of d into one vector sorted by term id:
 * {key = id, x = weight bits, y = index in d->term of one of its occurrences}. Its length. */
static size_t fragment(ibid_arena *km, const ibid_terms *d, uint32_t s0, uint32_t s1,
                       ibid_rec **out)
{
    size_t b = d->term_beg[s0], e = d->term_beg[s1 + 1], n = 0;
    ibid_rec *r = ibid_arena_alloc(km, (e - b ? e - b : 1) * sizeof *r);
    for (size_t t = b; t < e; t++) {
        uint32_t w;
        memcpy(&w, &d->term[t].w, sizeof w);
        r[t - b] = (ibid_rec){d->term[t].id, w, (uint32_t)t};
    }
    ibid_rec_sort(r, e - b, 1);
    for (size_t x = 0; x < e - b;) {
        size_t k = x;
        float w = 0;
        while (k < e - b && r[k].key == r[x].key) w += wt(&r[k++]);
        uint32_t bits;
        memcpy(&bits, &w, sizeof bits);
        r[n++] = (ibid_rec){r[x].key, bits, r[x].y};
        x = k;
    }
    *out = r;
    return n;
}

/* Cosine of two fragments (of documents da and db), with the rare terms and the names they
 * share. */
static double frag_cos(const ibid_rec *a, size_t na, const ibid_rec *b, size_t nb,
                       const ibid_terms *da, float rare, int *n_rare, int *n_name)
{
    double dot = 0, la = 0, lb = 0;
    for (size_t i = 0; i < na; i++) la += (double)wt(&a[i]) * wt(&a[i]);
    for (size_t k = 0; k < nb; k++) lb += (double)wt(&b[k]) * wt(&b[k]);
    *n_rare = *n_name = 0;
    for (size_t i = 0, k = 0; i < na && k < nb;) {
        if (a[i].key < b[k].key)
            i++;
        else if (b[k].key < a[i].key)
            k++;
        else {
            const ibid_term *t = &da->term[a[i].y];
            *n_rare += t->isf >= rare;
            *n_name += IBID_TERM_NAME(t) && t->isf >= rare;
            dot += (double)wt(&a[i++]) * wt(&b[k++]);
        }
    }
    return la > 0 && lb > 0 ? dot / sqrt(la * lb) : 0;
}

/* The cosine of the fragments a box spans. */
static double box_cos(ibid_arena *km, const ibid_terms *a, const ibid_terms *b, const box *x)
{
    ibid_rec *fa, *fb;
    size_t na = fragment(km, a, x->i0, x->i1, &fa), nb = fragment(km, b, x->j0, x->j1, &fb);
    int n_rare, n_name;
    return frag_cos(fa, na, fb, nb, a, 0, &n_rare, &n_name);
}

/* The summary pass of merge_boxes: a merge is kept only if the merged fragments still have a
 * cosine of fs, so that a summary cannot swallow a good passage and a stray chain together. */
static size_t merge_summaries(ibid_arena *km, const ibid_terms *a, const ibid_terms *b, box *x,
                              size_t n, uint32_t summary_gap, double fs)
{
    for (int again = 1; again;) {
        again = 0;
        for (size_t p = 0; p < n && !again; p++)
            for (size_t q = p + 1; q < n && !again; q++) {
                box m;
                if (!summary_pair(&x[p], &x[q], MERGE_GAP, summary_gap, &m)) continue;
                if (box_cos(km, a, b, &m) < fs) continue;
                x[p] = m;
                x[q] = x[--n];
                again = 1;
            }
    }
    return n;
}

/* Is term id t in fragment f (sorted by id)? */
static int in_fragment(const ibid_rec *f, size_t n, uint32_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f[mid].key < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && f[lo].key == t;
}

/* Does the other fragment hold one of token k's terms? */
static int token_shared(const ibid_terms *d, const ibid_rec *other, size_t n_other, uint32_t k)
{
    if (in_fragment(other, n_other, d->tok_term[k])) return 1;
    for (int i = 0; d->tok_alt && i < IBID_TOK_ALT && d->tok_alt[k * IBID_TOK_ALT + i]; i++)
        if (in_fragment(other, n_other, d->tok_alt[k * IBID_TOK_ALT + i])) return 1;
    return 0;
}

/* Trim tokens [*beg, *end) of d to the first and last with a term the other fragment holds. */
static void trim(const ibid_terms *d, const ibid_rec *other, size_t n_other, uint32_t *beg,
                 uint32_t *end)
{
    while (*beg < *end && !token_shared(d, other, n_other, *beg)) ++*beg;
    while (*end > *beg && !token_shared(d, other, n_other, *end - 1)) --*end;
}

/* Equal tokens of two spans, counted as multisets. */
static uint32_t shared_tokens(ibid_arena *km, const uint32_t *a, uint32_t na, const uint32_t *b,
                              uint32_t nb)
{
    ibid_rec *r = ibid_arena_alloc(km, ((size_t)na + nb + 1) * sizeof *r);
    for (uint32_t i = 0; i < na; i++) r[i] = (ibid_rec){(uint64_t)a[i] << 1, 0, 0};
    for (uint32_t k = 0; k < nb; k++) r[na + k] = (ibid_rec){(uint64_t)b[k] << 1 | 1, 0, 0};
    ibid_rec_sort(r, (size_t)na + nb, 1);
    uint32_t m = 0;
    for (size_t x = 0; x < (size_t)na + nb;) {
        size_t e = x, c1 = 0, c2 = 0;
        for (; e < (size_t)na + nb && r[e].key >> 1 == r[x].key >> 1; e++) {
            if (r[e].key & 1)
                c2++;
            else
                c1++;
        }
        m += (uint32_t)(c1 < c2 ? c1 : c2);
        x = e;
    }
    return m;
}

/*
 * ibid_reword_view: across languages, a translated document as the other one sees it: a term that
 * is only ever one of a word's several translations and that the other document lacks (a sense the
 * dictionary lists that this pair does not use: "scholar" for العالم next to an English
 * "world") weighs nothing, and each sentence is scaled to unit length again, so that the
 * translation the other side uses stands for the whole word rather than a share of it (the
 * idea of Pirkola's structured queries, 1998). The terms the other document lacks could never
 * be joined with it: only the lengths of the sentence vectors change. Returns d itself when
 * nothing changes, else `view`, whose term array is a copy in km.
 */
const ibid_terms *ibid_reword_view(ibid_arena *km, const ibid_terms *d, const ibid_terms *other,
                                   ibid_terms *view)
{
    ibid_term *t = NULL;
    for (size_t i = 0, k = 0; i < d->n_term; i++) { /* both postings are sorted by term id */
        if (!IBID_TERM_ALT(&d->term[d->post[i]])) continue;
        while (k < other->n_term && other->post_id[k] < d->post_id[i]) k++;
        if (k < other->n_term && other->post_id[k] == d->post_id[i]) continue;
        if (!t) {
            t = ibid_arena_alloc(km, d->n_term * sizeof *t);
            memcpy(t, d->term, d->n_term * sizeof *t);
        }
        t[d->post[i]].w = 0;
    }
    if (!t) return d;
    for (uint32_t s = 0; s < d->n_sent; s++) {
        double norm = 0;
        for (size_t x = d->term_beg[s]; x < d->term_beg[s + 1]; x++) norm += t[x].w * t[x].w;
        norm = sqrt(norm);
        for (size_t x = d->term_beg[s]; x < d->term_beg[s + 1] && norm > 0; x++)
            t[x].w = (float)(t[x].w / norm);
    }
    *view = *d;
    view->term = t;
    return view;
}

size_t ibid_reword_pair(ibid_arena *km, const ibid_terms *a, const ibid_terms *b, uint32_t d1,
                        uint32_t d2, const uint32_t *ta, const uint32_t *tb, double log_sent,
                        const ibid_align_opts *o, ibid_passage **out)
{
    *out = NULL;
    ibid_terms va, vb;
    if (strcmp(a->lang, b->lang) != 0) {
        const ibid_terms *a0 = a;
        a = ibid_reword_view(km, a, b, &va);
        b = ibid_reword_view(km, b, a0, &vb);
    }
    seed *s;
    size_t n = find_seeds(km, a, b, o, &s);
    if (!n) return 0;
    float *f = ibid_arena_alloc(km, n * sizeof *f);
    int32_t *p = ibid_arena_alloc(km, n * sizeof *p);
    const uint32_t gap = (uint32_t)o->sent_gap + 1;
    for (size_t k = 0; k < n; k++) {
        float best = 0;
        int32_t bp = -1;
        for (size_t l = k; l-- > 0;) {
            if (s[k].i - s[l].i > gap) break;
            if (s[l].j > s[k].j || s[k].j - s[l].j > gap) continue;
            uint32_t di = s[k].i - s[l].i, dj = s[k].j - s[l].j;
            float sc = f[l] - SKIP * (float)((di > 1 ? di - 1 : 0) + (dj > 1 ? dj - 1 : 0));
            if (sc > best) best = sc, bp = (int32_t)l;
        }
        f[k] = s[k].cos + best;
        p[k] = bp;
    }
    /* read chains off from the best end down */
    ibid_rec *order = ibid_arena_alloc(km, n * sizeof *order);
    for (size_t k = 0; k < n; k++) {
        uint32_t bits;
        memcpy(&bits, &f[k], sizeof bits); /* f > 0: the bits order as the floats do */
        order[k] = (ibid_rec){(uint64_t)(UINT32_MAX - bits) << 32 | k, 0, 0};
    }
    ibid_rec_sort(order, n, 1);
    uint8_t *used = ibid_arena_alloc(km, n);
    memset(used, 0, n);
    box *bx = ibid_arena_alloc(km, n * sizeof *bx);
    size_t n_bx = 0;
    for (size_t r = 0; r < n; r++) {
        size_t e = (uint32_t)order[r].key;
        if (used[e]) continue;
        box *x = &bx[n_bx];
        *x = (box){s[e].i, s[e].i, s[e].j, s[e].j, 0, 0};
        float stop = 0;
        for (int32_t k = (int32_t)e; k >= 0; k = p[k]) {
            if (used[k]) {
                stop = f[k];
                break;
            }
            used[k] = 1;
            x->n_seed++;
            if (s[k].i < x->i0) x->i0 = s[k].i;
            if (s[k].j < x->j0) x->j0 = s[k].j;
            if (s[k].j > x->j1) x->j1 = s[k].j;
        }
        x->score = f[e] - stop;
        n_bx += x->score >= (strcmp(a->lang, b->lang) != 0 ? CROSS_LANG : 1) * o->sent_sim;
    }
    n_bx = merge_boxes(bx, n_bx, MERGE_GAP);
    const double fs = strcmp(a->lang, b->lang) != 0 ? CROSS_FRAG * o->frag_sim : o->frag_sim;
    if (o->summary_gap > 0)
        n_bx = merge_summaries(km, a, b, bx, n_bx, (uint32_t)o->summary_gap, fs);
    ibid_passage *ps = ibid_arena_alloc(km, (n_bx ? n_bx : 1) * sizeof *ps);
    size_t n_ps = 0;
    const float rare = (float)(RARE_SHARE * log_sent);
    for (size_t r = 0; r < n_bx; r++) {
        const box *x = &bx[r];
        uint32_t tb1 = a->sent_tok[x->i0], te1 = a->sent_tok[x->i1 + 1];
        uint32_t tb2 = b->sent_tok[x->j0], te2 = b->sent_tok[x->j1 + 1];
        ibid_rec *fa, *fb;
        size_t na = fragment(km, a, x->i0, x->i1, &fa), nb = fragment(km, b, x->j0, x->j1, &fb);
        int n_rare, n_name;
        double c = frag_cos(fa, na, fb, nb, a, rare, &n_rare, &n_name);
        if (c < NEAR * fs) continue;
        if (c < fs) { /* the same words spelled otherwise (OCR, variants) still count */
            uint32_t *ga, *gb;
            size_t nga = char_grams(km, a, x->i0, x->i1, &ga),
                   ngb = char_grams(km, b, x->j0, x->j1, &gb);
            if (char_cos(ga, nga, gb, ngb) < CHAR_SIM) continue;
        }
        if (n_rare < MIN_RARE || (x->n_seed < 2 && n_name < 1)) continue;
        trim(a, fb, nb, &tb1, &te1);
        trim(b, fa, na, &tb2, &te2);
        if (te1 - tb1 < (uint32_t)o->min_words || te2 - tb2 < (uint32_t)o->min_words) continue;
        ibid_passage *q = &ps[n_ps++];
        memset(q, 0, sizeof *q);
        q->doc1 = d1, q->doc2 = d2;
        q->tok_beg1 = tb1, q->tok_end1 = te1, q->tok_beg2 = tb2, q->tok_end2 = te2;
        q->score = (int32_t)lrint(100 * x->score);
        q->matches = shared_tokens(km, ta + tb1, te1 - tb1, tb + tb2, te2 - tb2);
        q->columns = te1 - tb1 > te2 - tb2 ? te1 - tb1 : te2 - tb2;
        q->kind = IBID_KIND_REWORDED;
    }
    n_ps = ibid_passages_resolve(ps, n_ps);
    *out = ps;
    return n_ps;
}
