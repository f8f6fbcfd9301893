/*
 * candidates.c: from seeds to candidate document pairs.
 *
 * Seeds arrive sorted by (doc1, doc2, pos1, pos2), so the seeds of one pair are contiguous;
 * a pair becomes a candidate when it holds at least min_seeds of them (passim's -m). Each
 * candidate is then aligned on its own, in parallel, with its seeds as anchors.
 */
#include "ibid_int.h"

size_t ibid_candidates(const ibid_seeds *s, int min_seeds, ibid_cand **out)
{
    ibid_cand *c = NULL;
    size_t n = 0, m = 0;
    for (size_t i = 0; i < s->n;) {
        size_t e = i + 1;
        while (e < s->n && s->a[e].key == s->a[i].key) e++;
        if (e - i >= (size_t)min_seeds) {
            IBID_GROW(c, m, n + 1);
            c[n++] = (ibid_cand){(uint32_t)(s->a[i].key >> 32), (uint32_t)s->a[i].key, i, e};
        }
        i = e;
    }
    *out = c;
    return n;
}
