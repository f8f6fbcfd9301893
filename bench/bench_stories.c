/*
 * bench_stories.c: the time the stories and their views take, apart from the alignment they
 * follow, for bench/RESULTS.md ("Stories on Reuters-21578").
 *
 *   bench_stories CORPUS.jsonl [THREADS] [REPEATS]
 *
 * Reads the corpus, aligns it once, then repeats REPEATS times (default 5): ibid_stories_new,
 * ibid_stories_write (text) and ibid_html_write to /dev/null, and ibid_show_write of the first
 * witness of every story; prints the best and median wall and CPU seconds of each, and the
 * counts. The machine is shared, so the best of several runs is the figure to quote.
 */
#include "ibid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *wall, double *cpu, int n)
{
    qsort(wall, (size_t)n, sizeof *wall, by_double);
    qsort(cpu, (size_t)n, sizeof *cpu, by_double);
    printf("%-8s wall best %.3f s, median %.3f s; cpu best %.3f s, median %.3f s\n", what, wall[0],
           wall[n / 2], cpu[0], cpu[n / 2]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_stories CORPUS.jsonl [THREADS] [REPEATS]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 2, reps = argc > 3 ? atoi(argv[3]) : 5;
    if (reps < 1 || reps > 100 || threads < 1) return 2;
    ibid_error err;
    ibid_corpus *c;
    ibid_read_opts ro;
    ibid_read_opts_init(&ro);
    ibid_align_opts ao;
    ibid_align_opts_init(&ao);
    ao.n_threads = ro.n_threads = threads;
    ibid_result *r;
    ibid_corpus_new(&c);
    double t0 = now(CLOCK_MONOTONIC);
    if (ibid_corpus_read(c, argv[1], &ro, &err) < 0 || ibid_align(&r, c, NULL, &ao, &err) < 0) {
        fprintf(stderr, "bench_stories: %s: %s\n", err.source, err.message);
        return 1;
    }
    printf("read and align: %.2f s wall, %zu documents, %zu passages\n", now(CLOCK_MONOTONIC) - t0,
           ibid_corpus_size(c), r->n_passages);
    FILE *null = fopen("/dev/null", "w");
    double w[3][100], u[3][100];
    size_t n_story = 0, n_bp = 0;
    for (int k = 0; k < reps; k++) {
        ibid_stories *s;
        double a = now(CLOCK_MONOTONIC), b = now(CLOCK_PROCESS_CPUTIME_ID);
        if (ibid_stories_new(&s, c, r, NULL, &err) < 0) return 1;
        w[0][k] = now(CLOCK_MONOTONIC) - a, u[0][k] = now(CLOCK_PROCESS_CPUTIME_ID) - b;
        n_story = ibid_stories_size(s), n_bp = ibid_stories_n_boilerplate(s);
        a = now(CLOCK_MONOTONIC), b = now(CLOCK_PROCESS_CPUTIME_ID);
        if (ibid_stories_write(null, s, c, r, IBID_FORMAT_TEXT, &err) < 0 ||
            ibid_html_write(null, s, c, r, NULL, &err) < 0)
            return 1;
        w[1][k] = now(CLOCK_MONOTONIC) - a, u[1][k] = now(CLOCK_PROCESS_CPUTIME_ID) - b;
        a = now(CLOCK_MONOTONIC), b = now(CLOCK_PROCESS_CPUTIME_ID);
        ibid_show_opts so = {1};
        for (size_t i = 0; i < ibid_stories_size(s); i++)
            if (ibid_show_write(null, s, c, r, ibid_stories_get(s, i)->docs[0], &so, &err) < 0)
                return 1;
        w[2][k] = now(CLOCK_MONOTONIC) - a, u[2][k] = now(CLOCK_PROCESS_CPUTIME_ID) - b;
        ibid_stories_free(s);
    }
    printf("%zu stories, %zu boilerplate passages; %d repeats\n", n_story, n_bp, reps);
    report("stories", w[0], u[0], reps);
    report("list+html", w[1], u[1], reps);
    report("show all", w[2], u[2], reps);
    fclose(null);
    ibid_result_free(r);
    ibid_corpus_free(c);
    return 0;
}
