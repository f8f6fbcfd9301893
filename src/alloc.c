/*
 * alloc.c: the library's only path to the system allocator.
 *
 * Out of memory is not an error a caller can do anything useful with in a batch tool, so, like
 * redis's zmalloc and jq's jv_mem_alloc, these abort with a message instead of returning NULL.
 * Sizes that input controls (line lengths, document sizes) are checked against limits before
 * they get here, so an abort means the machine really is out of memory.
 */
#include "ibid_int.h"

#include <stdio.h>

static IBID_NORETURN void oom(size_t n)
{
    fprintf(stderr, "ibid: out of memory allocating %zu bytes\n", n);
    abort();
}

void *ibid_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *ibid_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *ibid_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *ibid_xstrndup(const char *s, size_t n)
{
    char *p = ibid_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void *ibid_grow(void *p, size_t *m, size_t need, size_t size)
{
    if (need <= *m) return p;
    size_t m2 = *m ? *m : 16;
    while (m2 < need) m2 += m2 >> 1;
    if (m2 > SIZE_MAX / size) oom(SIZE_MAX);
    *m = m2;
    return ibid_xrealloc(p, m2 * size);
}
