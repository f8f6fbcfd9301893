/*
 * unionfind.c: disjoint sets (union-find) over document numbers, for dedup's clusters.
 *
 * Tarjan's disjoint-set forest ("Efficiency of a Good But Not Linear Set Union Algorithm", JACM
 * 1975) with path halving. Union links the larger root under the smaller, so every root is the
 * smallest document of its set and the partition, and each set's root, are the same whatever
 * order the unions come in: clusters do not depend on thread count or on how runs were spilled.
 * Without union by rank a find is O(log n) amortized with halving, plenty for one pass.
 */
#include "ibid_int.h"

void ibid_uf_grow(ibid_uf *u, size_t n)
{
    assert(n <= UINT32_MAX);
    if (n <= u->n) return;
    IBID_GROW(u->parent, u->m, n);
    for (size_t i = u->n; i < n; i++) u->parent[i] = (uint32_t)i;
    u->n = n;
}

uint32_t ibid_uf_find(ibid_uf *u, uint32_t i)
{
    assert(i < u->n);
    while (u->parent[i] != i) {
        u->parent[i] = u->parent[u->parent[i]];
        i = u->parent[i];
    }
    return i;
}

int ibid_uf_union(ibid_uf *u, uint32_t a, uint32_t b)
{
    a = ibid_uf_find(u, a);
    b = ibid_uf_find(u, b);
    if (a == b) return 0;
    if (a < b)
        u->parent[b] = a;
    else
        u->parent[a] = b;
    return 1;
}

void ibid_uf_free(ibid_uf *u)
{
    if (!u) return;
    free(u->parent);
    memset(u, 0, sizeof *u);
}
