/*
 * alloc.c: the library's only path to the system allocator.
 *
 * Out of memory is not an error a caller can do anything useful with in a batch tool, so, like
 * redis's zmalloc and jq's jv_mem_alloc, these abort with a message instead of returning NULL.
 * Sizes that input controls (line lengths, document sizes) are checked against limits before
 * they get here, so an abort means the machine really is out of memory.
 *
 * Large blocks (the token arrays, the n-gram index, the sentence layer's terms: hundreds of MB)
 * are marked for transparent huge pages. Each first touch of a 4 KiB page is a page fault, and
 * on a virtual machine a costly one: faults were 17% of the time of a PAN 2013 run
 * (bench/RESULTS.md); with 2 MiB pages there are up to 512 times fewer. Debian's default THP mode
 * is "madvise", so nothing changes unless a block asks; where THP is off the call is a no-op.
 */
#include "ibid_int.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define HUGE_MIN   ((size_t)4 << 20) /* bytes: smaller blocks are not worth a system call */
#define PAGE_SIZE  ((uintptr_t)4096)
#define HUGE_ALIGN ((size_t)2 << 20) /* a huge page: where ibid_xcalloc_huge's blocks start */

/* Ask for huge pages on the whole pages inside [p, p + n); a hint, its failure is harmless. */
static void *huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_MIN) {
        uintptr_t beg = ((uintptr_t)p + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        uintptr_t end = ((uintptr_t)p + n) & ~(PAGE_SIZE - 1);
        (void)madvise((void *)beg, end - beg, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

static IBID_NORETURN void oom(size_t n)
{
    fprintf(stderr, "ibid: out of memory allocating %zu bytes\n", n);
    abort();
}

void *ibid_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return huge(p, n);
}

void *ibid_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return huge(p, n * size);
}

void *ibid_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return huge(q, n);
}

void *ibid_xcalloc_huge(size_t n)
{
    size_t m = (n + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1);
    void *p = m ? aligned_alloc(HUGE_ALIGN, m) : NULL;
    if (!p) oom(n);
    return memset(huge(p, m), 0, m);
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
