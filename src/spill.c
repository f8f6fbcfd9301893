/*
 * spill.c: a bag of 16-byte records read back in sorted order, spilled to disk past a budget.
 *
 * External merge sort (Knuth, TAOCP vol. 3, 5.4.1): records are appended to a buffer of at most
 * `budget` bytes; when it is full it is sorted (ibid_rec_sort, by (key, x, y)) and written as a
 * run to a temporary file. Reading back merges the runs and the sorted rest of the buffer with
 * a binary heap, each run read through its own small buffer, so memory is the budget whatever
 * the number of records. A bag that never filled its buffer is sorted in place and read from
 * memory: small jobs touch no disk.
 *
 * The temporary files are created in `dir` (mkstemp) and unlinked at once, so that they vanish
 * with the process however it ends. All runs share one file, each run a range of it.
 */
#include "ibid_int.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define MIN_RUN_BUF 4096 /* records in each run's read buffer, at least */

typedef struct run {
    uint64_t beg, end; /* records [beg, end) of the file */
    uint64_t next;     /* the next record to read into buf */
    ibid_rec *buf;
    size_t n_buf, i_buf; /* records in buf; the next to give */
} run;

struct ibid_spill {
    char *dir;
    size_t cap; /* records the buffer holds */
    int n_threads;
    ibid_rec *buf;
    size_t n_buf;
    int fd; /* the runs' file, -1 until the first spill */
    uint64_t n_file;
    size_t n_run, m_run;
    run *runs;
    int reading;
    size_t i_mem;  /* reading: next record of buf when there are no runs */
    size_t n_heap; /* reading with runs: heap of run indices (the rest of buf is run n_run) */
    uint32_t *heap;
    uint64_t n_records; /* added in all */
};

int ibid_spill_new(ibid_spill **out, const char *dir, size_t budget, int n_threads, ibid_error *err)
{
    (void)err;
    ibid_spill *s = ibid_xcalloc(1, sizeof *s);
    s->dir = ibid_xstrndup(dir ? dir : "/tmp", strlen(dir ? dir : "/tmp"));
    s->cap = budget / sizeof(ibid_rec);
    if (s->cap < 1024) s->cap = 1024;
    s->n_threads = n_threads < 1 ? 1 : n_threads;
    s->fd = -1;
    *out = s;
    return 0;
}

void ibid_spill_free(ibid_spill *s)
{
    if (!s) return;
    if (s->fd >= 0) close(s->fd);
    for (size_t i = 0; i < s->n_run; i++) free(s->runs[i].buf);
    free(s->runs);
    free(s->heap);
    free(s->buf);
    free(s->dir);
    free(s);
}

size_t ibid_spill_n_runs(const ibid_spill *s)
{
    return s->n_run;
}

static int write_all(int fd, const void *p, size_t n, const char *name, ibid_error *err)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return ibid_fail(err, IBID_EIO, name, 0, 0, "cannot write a temporary file: %s",
                             k < 0 ? strerror(errno) : "no space written");
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Sort the buffer and append it to the file as a new run. */
static int spill(ibid_spill *s, ibid_error *err)
{
    int rc;
    if (s->fd < 0) {
        size_t n = strlen(s->dir);
        char *path = ibid_xmalloc(n + 32);
        snprintf(path, n + 32, "%s/ibid-spill-XXXXXX", s->dir);
        s->fd = mkstemp(path);
        if (s->fd < 0) {
            rc = ibid_fail(err, IBID_EIO, s->dir, 0, 0, "cannot create a temporary file: %s",
                           strerror(errno));
            free(path);
            return rc;
        }
        unlink(path);
        free(path);
    }
    ibid_rec_sort(s->buf, s->n_buf, s->n_threads);
    if ((rc = write_all(s->fd, s->buf, s->n_buf * sizeof *s->buf, s->dir, err)) < 0) return rc;
    IBID_GROW(s->runs, s->m_run, s->n_run + 1);
    run *r = &s->runs[s->n_run++];
    memset(r, 0, sizeof *r);
    r->beg = r->next = s->n_file;
    r->end = s->n_file + s->n_buf;
    s->n_file = r->end;
    s->n_buf = 0;
    return 0;
}

int ibid_spill_add(ibid_spill *s, const ibid_rec *a, size_t n, ibid_error *err)
{
    assert(!s->reading);
    int rc;
    if (!s->buf) s->buf = ibid_xmalloc(s->cap * sizeof *s->buf);
    s->n_records += n;
    while (n > 0) {
        size_t k = s->cap - s->n_buf < n ? s->cap - s->n_buf : n;
        memcpy(s->buf + s->n_buf, a, k * sizeof *a);
        s->n_buf += k;
        a += k;
        n -= k;
        if (s->n_buf == s->cap && (rc = spill(s, err)) < 0) return rc;
    }
    return 0;
}

static int rec_less(const ibid_rec *a, const ibid_rec *b)
{
    if (a->key != b->key) return a->key < b->key;
    if (a->x != b->x) return a->x < b->x;
    return a->y < b->y;
}

/* Refill run r's buffer; 0 with r->n_buf == 0 at its end. */
static int refill(ibid_spill *s, run *r, ibid_error *err)
{
    size_t want = (size_t)(r->end - r->next);
    size_t cap = s->cap / (s->n_run + 1);
    if (cap < MIN_RUN_BUF) cap = MIN_RUN_BUF;
    if (want > cap) want = cap;
    if (!r->buf) r->buf = ibid_xmalloc(cap * sizeof *r->buf);
    size_t got = 0;
    while (got < want * sizeof *r->buf) {
        ssize_t k = pread(s->fd, (char *)r->buf + got, want * sizeof *r->buf - got,
                          (off_t)(r->next * sizeof *r->buf + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return ibid_fail(err, IBID_EIO, s->dir, 0, 0, "cannot read a temporary file: %s",
                             k < 0 ? strerror(errno) : "it is shorter than written");
        got += (size_t)k;
    }
    r->next += want;
    r->n_buf = want;
    r->i_buf = 0;
    return 0;
}

static const ibid_rec *head(const ibid_spill *s, uint32_t i)
{
    if (i == s->n_run) return &s->buf[s->i_mem];
    return &s->runs[i].buf[s->runs[i].i_buf];
}

static void sift_down(ibid_spill *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < s->n_heap && rec_less(head(s, s->heap[l]), head(s, s->heap[m]))) m = l;
        if (l + 1 < s->n_heap && rec_less(head(s, s->heap[l + 1]), head(s, s->heap[m]))) m = l + 1;
        if (m == i) return;
        uint32_t t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

int ibid_spill_finish(ibid_spill *s, ibid_error *err)
{
    assert(!s->reading);
    int rc;
    s->reading = 1;
    s->i_mem = 0;
    if (s->n_run == 0) {
        ibid_rec_sort(s->buf, s->n_buf, s->n_threads);
        return 0;
    }
    /* The rest of the buffer stays in memory as one more run: sorted, but its room is halved
     * to leave the runs' read buffers the other half. */
    ibid_rec_sort(s->buf, s->n_buf, s->n_threads);
    s->heap = ibid_xmalloc((s->n_run + 1) * sizeof *s->heap);
    for (uint32_t i = 0; i < s->n_run; i++) {
        if ((rc = refill(s, &s->runs[i], err)) < 0) return rc;
        if (s->runs[i].n_buf) s->heap[s->n_heap++] = i;
    }
    if (s->n_buf) s->heap[s->n_heap++] = (uint32_t)s->n_run;
    for (size_t i = s->n_heap; i-- > 0;) sift_down(s, i);
    return 0;
}

int ibid_spill_next(ibid_spill *s, ibid_rec *out, ibid_error *err)
{
    assert(s->reading);
    int rc;
    if (s->n_run == 0) {
        if (s->i_mem == s->n_buf) return 0;
        *out = s->buf[s->i_mem++];
        return 1;
    }
    if (s->n_heap == 0) return 0;
    uint32_t i = s->heap[0];
    *out = *head(s, i);
    int empty;
    if (i == s->n_run) {
        empty = ++s->i_mem == s->n_buf;
    } else {
        run *r = &s->runs[i];
        if (++r->i_buf == r->n_buf) {
            if (r->next < r->end) {
                if ((rc = refill(s, r, err)) < 0) return rc;
            } else {
                r->n_buf = 0;
            }
        }
        empty = r->n_buf == 0;
    }
    if (empty) s->heap[0] = s->heap[--s->n_heap];
    if (s->n_heap) sift_down(s, 0);
    return 1;
}

uint64_t ibid_spill_n_records(const ibid_spill *s)
{
    return s->n_records;
}
