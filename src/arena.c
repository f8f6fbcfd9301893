/*
 * arena.c: a bump allocator for per-pair scratch (the idea of minimap2's kalloc, simpler).
 *
 * Each worker thread owns one arena. Aligning a pair allocates DP rows, chains and traceback
 * from it; ibid_arena_reset() then releases everything at once, keeping the largest block for
 * the next pair so that steady state allocates nothing. Built with IBID_NO_ARENA, every
 * allocation is a separate malloc (freed at reset), so AddressSanitizer sees each overflow.
 */
#include "ibid_int.h"

#define BLOCK_MIN (1u << 20)

typedef struct block {
    struct block *next;
    size_t size, used; /* bytes of data[] */
    _Alignas(16) unsigned char data[];
} block;

struct ibid_arena {
    block *head; /* current block first */
    size_t live; /* bytes handed out since the last reset */
};

ibid_arena *ibid_arena_new(void)
{
    return ibid_xcalloc(1, sizeof(ibid_arena));
}

void ibid_arena_reset(ibid_arena *a)
{
    if (!a) return;
#ifdef IBID_NO_ARENA
    for (block *b = a->head, *nx; b; b = nx) nx = b->next, free(b);
    a->head = NULL;
#else
    /* keep the biggest block */
    block *keep = NULL;
    for (block *b = a->head, *nx; b; b = nx) {
        nx = b->next;
        if (!keep || b->size > keep->size) {
            free(keep);
            keep = b;
        } else {
            free(b);
        }
    }
    if (keep) keep->next = NULL, keep->used = 0;
    a->head = keep;
#endif
    a->live = 0;
}

void ibid_arena_free(ibid_arena *a)
{
    if (!a) return;
    ibid_arena_reset(a);
    free(a->head);
    free(a);
}

void *ibid_arena_alloc(ibid_arena *a, size_t n)
{
    size_t n16 = (n + 15) & ~(size_t)15;
    a->live += n16;
#ifdef IBID_NO_ARENA
    block *b = ibid_xmalloc(sizeof(block) + n);
    b->size = b->used = n;
    b->next = a->head;
    a->head = b;
    return b->data;
#else
    block *b = a->head;
    if (!b || b->size - b->used < n16) {
        size_t sz = n16 > BLOCK_MIN ? n16 : BLOCK_MIN;
        if (b && b->size * 2 > sz && b->size * 2 >= n16) sz = b->size * 2;
        block *nb = ibid_xmalloc(sizeof(block) + sz);
        nb->size = sz;
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n16;
    return p;
#endif
}

void ibid_arena_shrink(ibid_arena *a, void *p, size_t old, size_t n)
{
    size_t o16 = (old + 15) & ~(size_t)15, n16 = (n + 15) & ~(size_t)15;
    assert(n <= old);
#ifndef IBID_NO_ARENA /* there each allocation is its own block: it keeps its size */
    block *b = a->head;
    if (b && (unsigned char *)p + o16 == b->data + b->used) b->used -= o16 - n16; /* the last */
#else
    (void)p;
#endif
    a->live -= o16 - n16;
}

size_t ibid_arena_live(const ibid_arena *a)
{
    return a->live;
}
