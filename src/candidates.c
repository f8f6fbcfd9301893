/*
 * candidates.c: the candidate pairs of one document, from the index of shared n-grams.
 *
 * Document a walks its own list of shared n-gram occurrences; each occurrence of the same
 * n-gram in a document b > a is a seed (x in a, y in b), kept as {key = b << 32 | x, x = y} so
 * that the radix sort orders them by (b, x, y) on its key alone. The seeds of a pair are thus
 * contiguous; a pair becomes a candidate when it holds at least min_seeds
 * of them (passim's -m). Each pair is considered once, from its lower-numbered document, and
 * its seeds live only while that document is being aligned.
 */
#include "ibid_int.h"

static int has_partner(const uint32_t *v, size_t n, uint32_t b)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == b;
}

size_t ibid_candidates(ibid_arena *km, const ibid_index *ix, uint32_t a, const uint32_t *partners,
                       size_t n_partners, int min_seeds, ibid_rec **hits_out, size_t *n_hits,
                       ibid_cand **out)
{
    assert(a < ix->n_doc);
    *hits_out = NULL;
    *out = NULL;
    *n_hits = 0;
    if (partners && n_partners == 0) return 0;
    /* count first, so that the seeds take one allocation */
    size_t n = 0;
    for (size_t k = ix->doc_beg[a]; k < ix->doc_beg[a + 1]; k++) {
        uint32_t g = ix->doc_occ[k].b;
        n += ix->group_beg[g + 1] - ix->group_beg[g];
    }
    if (n == 0) return 0;
    ibid_rec *hits = ibid_arena_alloc(km, n * sizeof *hits);
    size_t h = 0;
    for (size_t k = ix->doc_beg[a]; k < ix->doc_beg[a + 1]; k++) {
        uint32_t x = ix->doc_occ[k].a, g = ix->doc_occ[k].b;
        for (size_t j = ix->group_beg[g]; j < ix->group_beg[g + 1]; j++) {
            uint32_t b = ix->group_occ[j].a;
            if (b <= a || (partners && !has_partner(partners, n_partners, b))) continue;
            hits[h++] = (ibid_rec){(uint64_t)b << 32 | x, ix->group_occ[j].b, 0};
        }
    }
    ibid_rec_sort(hits, h, 1);
    size_t n_cand = 0;
    for (size_t i = 0; i < h;) {
        size_t e = i + 1;
        while (e < h && hits[e].key >> 32 == hits[i].key >> 32) e++;
        n_cand += e - i >= (size_t)min_seeds;
        i = e;
    }
    ibid_cand *c = ibid_arena_alloc(km, (n_cand ? n_cand : 1) * sizeof *c);
    n_cand = 0;
    for (size_t i = 0; i < h;) {
        size_t e = i + 1;
        while (e < h && hits[e].key >> 32 == hits[i].key >> 32) e++;
        if (e - i >= (size_t)min_seeds)
            c[n_cand++] = (ibid_cand){a, (uint32_t)(hits[i].key >> 32), i, e};
        i = e;
    }
    *hits_out = hits;
    *n_hits = h;
    *out = c;
    return n_cand;
}
