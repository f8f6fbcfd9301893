/*
 * pool.c: the one threading primitive, a parallel for (minimap2's kt_for, in C11 atomics).
 *
 * Workers take item indices from a shared atomic counter, so load balances itself however
 * uneven the items are. Determinism is the caller's part: item i writes only what item i owns,
 * and anything order-dependent is sorted afterwards by a total key.
 */
#include "ibid_int.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct {
    void (*fn)(void *ud, size_t i, int tid);
    void *ud;
    size_t n;
    atomic_size_t next;
} job;

typedef struct {
    job *j;
    int tid;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    job *j = w->j;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (i >= j->n) break;
        j->fn(j->ud, i, w->tid);
    }
    return NULL;
}

void ibid_parallel_for(int n_threads, size_t n, void (*fn)(void *ud, size_t i, int tid), void *ud)
{
    if (n_threads < 1) n_threads = 1;
    if ((size_t)n_threads > n) n_threads = n ? (int)n : 1;
    job j = {fn, ud, n, 0};
    if (n_threads == 1) {
        for (size_t i = 0; i < n; i++) fn(ud, i, 0);
        return;
    }
    pthread_t *th = ibid_xmalloc(sizeof(pthread_t) * (size_t)n_threads);
    worker *w = ibid_xmalloc(sizeof(worker) * (size_t)n_threads);
    int started = 0;
    for (int t = 1; t < n_threads; t++) {
        w[t] = (worker){&j, t};
        if (pthread_create(&th[t], NULL, run, &w[t]) != 0) break;
        started = t;
    }
    w[0] = (worker){&j, 0};
    run(&w[0]); /* the caller works too; if a thread failed to start, the rest still gets done */
    for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
    free(th);
    free(w);
}
