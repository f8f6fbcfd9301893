/*
 * sort.c: sort 16-byte records by (key, x, y), in place.
 *
 * An MSD radix sort on the 64-bit key, one byte a level, permuting in place by cycles (the
 * "American flag sort" of McIlroy, Bostic and McIlroy, 1993), so that sorting the n-gram
 * postings needs no second buffer. A level where every record has the same byte is skipped
 * after its count; buckets of fewer than 32 records finish with insertion sort. Records with
 * equal keys are ordered by (x, y). The top level runs once; its 256 buckets are then sorted in
 * parallel.
 *
 * ibid_u32_sort sorts small arrays of 32-bit values (a sentence's character n-grams): an LSD
 * radix sort, a byte a pass in four passes through a buffer, insertion sort below 48 values.
 * ibid_u64_sort_hi is the same over the high halves of 64-bit values, stable, so that values
 * made as (key << 32 | position) in position order come out sorted by key, then position.
 */
#include "ibid_int.h"

static inline int rec_lt(const ibid_rec *a, const ibid_rec *b)
{
    if (a->key != b->key) return a->key < b->key;
    if (a->x != b->x) return a->x < b->x;
    return a->y < b->y;
}

static void insertion(ibid_rec *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        ibid_rec t = a[i];
        size_t j = i;
        while (j > 0 && rec_lt(&t, &a[j - 1])) a[j] = a[j - 1], j--;
        a[j] = t;
    }
}

static int cmp_xy(const void *pa, const void *pb)
{
    const ibid_rec *a = pa, *b = pb;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    return 0;
}

/* Distribute a[0, n) into 256 buckets by byte `shift` of the key; bounds in beg[257]. */
static void distribute(ibid_rec *a, size_t n, int shift, size_t *beg)
{
    size_t cnt[256] = {0}, next[256];
    for (size_t i = 0; i < n; i++) cnt[(a[i].key >> shift) & 255]++;
    beg[0] = 0;
    for (int b = 0; b < 256; b++) beg[b + 1] = beg[b] + cnt[b];
    for (int b = 0; b < 256; b++) {
        if (cnt[b] == n) return; /* all in one bucket: nothing to move */
        next[b] = beg[b];
    }
    for (int b = 0; b < 256; b++) {
        while (next[b] < beg[b + 1]) {
            ibid_rec t = a[next[b]];
            int d = (int)((t.key >> shift) & 255);
            while (d != b) { /* follow the cycle until a record for bucket b turns up */
                ibid_rec u = a[next[d]];
                a[next[d]++] = t;
                t = u;
                d = (int)((t.key >> shift) & 255);
            }
            a[next[b]++] = t;
        }
    }
}

static void msd(ibid_rec *a, size_t n, int shift)
{
    while (n >= 32 && shift >= 0) {
        size_t beg[257];
        distribute(a, n, shift, beg);
        /* recurse on all buckets but the largest, loop on that one */
        int big = 0;
        for (int b = 1; b < 256; b++)
            if (beg[b + 1] - beg[b] > beg[big + 1] - beg[big]) big = b;
        for (int b = 0; b < 256; b++)
            if (b != big && beg[b + 1] - beg[b] > 1)
                msd(a + beg[b], beg[b + 1] - beg[b], shift - 8);
        a += beg[big];
        n = beg[big + 1] - beg[big];
        shift -= 8;
    }
    if (n < 32)
        insertion(a, n);
    else
        qsort(a, n, sizeof *a, cmp_xy); /* the keys are all equal */
}

typedef struct {
    ibid_rec *a;
    size_t beg[257];
    int shift; /* the next level's byte */
} top_job;

static void sort_bucket(void *ud, size_t b, int tid)
{
    top_job *j = ud;
    (void)tid;
    size_t n = j->beg[b + 1] - j->beg[b];
    if (n > 1) msd(j->a + j->beg[b], n, j->shift);
}

void ibid_rec_sort(ibid_rec *a, size_t n, int n_threads)
{
    if (n == 0) return;
    /* start at the highest byte where keys differ (seed keys have many leading zero bytes) */
    uint64_t diff = 0;
    for (size_t i = 1; i < n; i++) diff |= a[i].key ^ a[0].key;
    int shift = 56;
    while (shift > 0 && ((diff >> shift) & 255) == 0) shift -= 8;
    if (n < 4096 || n_threads <= 1) {
        msd(a, n, shift);
    } else {
        top_job j = {a, {0}, shift - 8};
        distribute(a, n, shift, j.beg);
        ibid_parallel_for(n_threads, 256, sort_bucket, &j);
    }
#ifndef NDEBUG
    for (size_t i = 1; i < n && i < 1000000; i++) assert(!rec_lt(&a[i], &a[i - 1]));
#endif
}

/* One LSD pass: dst = src stably by byte `shift` of the value. */
#define LSD_PASS(src, dst, n, shift)                                                \
    do {                                                                            \
        size_t count_[256] = {0}, sum_ = 0;                                         \
        for (size_t i_ = 0; i_ < (n); i_++) count_[((src)[i_] >> (shift)) & 255]++; \
        for (size_t b_ = 0; b_ < 256; b_++) {                                       \
            size_t c_ = count_[b_];                                                 \
            count_[b_] = sum_;                                                      \
            sum_ += c_;                                                             \
        }                                                                           \
        for (size_t i_ = 0; i_ < (n); i_++)                                         \
            (dst)[count_[((src)[i_] >> (shift)) & 255]++] = (src)[i_];              \
    } while (0)

void ibid_u32_sort(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 48) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = a[i];
            size_t k = i;
            while (k > 0 && a[k - 1] > x) a[k] = a[k - 1], k--;
            a[k] = x;
        }
        return;
    }
    for (int shift = 0; shift < 32; shift += 16) { /* an even number of passes ends in a */
        LSD_PASS(a, tmp, n, shift);
        LSD_PASS(tmp, a, n, shift + 8);
    }
}

void ibid_u64_sort_hi(uint64_t *a, uint64_t *tmp, size_t n)
{
    if (n < 48) {
        for (size_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t k = i;
            while (k > 0 && a[k - 1] >> 32 > x >> 32) a[k] = a[k - 1], k--;
            a[k] = x;
        }
        return;
    }
    for (int shift = 32; shift < 64; shift += 16) {
        LSD_PASS(a, tmp, n, shift);
        LSD_PASS(tmp, a, n, shift + 8);
    }
}

int ibid_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int ibid_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}
