/*
 * test_mpi_align.c: the MPI drivers against one process, through the library API (mpi_align.c,
 * mpi_dedup.c).
 *
 * Built only with MPI; runs as one process (MPI's singleton start) and under mpirun with 2 and 3
 * ranks (tests/CMakeLists.txt). A random corpus (words from a small made-up vocabulary, with
 * passages copied between documents, a few documents copied whole or nearly, one empty) is
 * written to a temporary JSON Lines file; then:
 *   - ibid_mpi_align writes, on rank 0, the bytes ibid_align + ibid_result_write write, in JSON
 *     Lines and in TSV without texts, with an index budget that takes several exchange rounds;
 *     its report counts the documents and passages;
 *   - ibid_mpi_dedup's kept documents (written by the ranks together, and by rank 0 alone
 *     from the result) and clusters are those of ibid_dedup_run;
 *   - a missing input fails on every rank with the reader's error, naming the file; an
 *     unsupported mode fails with IBID_EINVAL.
 * Rank 0's seed is printed and shared (IBID_TEST_SEED replays it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibid_int.h"

#include "test_rng.h"

static int rank, n_ranks;
static char path[64];

enum { N_DOCS = 40, N_VOCAB = 400, N_WORDS = 250 };

/* The corpus: rank 0 writes it, the others wait (every rank reads it). */
static void write_corpus(void)
{
    if (rank == 0) {
        snprintf(path, sizeof path, "/tmp/ibid-test-mpi-XXXXXX.jsonl");
        int fd = mkstemps(path, 6);
        assert_true(fd >= 0);
        FILE *fp = fdopen(fd, "w");
        assert_non_null(fp);
        static char vocab[N_VOCAB][8];
        for (int v = 0; v < N_VOCAB; v++) {
            int len = 3 + (int)(rng() % 5);
            for (int c = 0; c < len; c++) vocab[v][c] = (char)('a' + rng() % 26);
            vocab[v][len] = 0;
        }
        static int words[N_DOCS][N_WORDS];
        for (int d = 0; d < N_DOCS; d++) {
            for (int w = 0; w < N_WORDS; w++) words[d][w] = (int)(rng() % N_VOCAB);
            if (d > 0 && rng() % 2) { /* a passage copied from an earlier document */
                int src = (int)(rng() % (uint64_t)d), len = 20 + (int)(rng() % 60);
                int from = (int)(rng() % (N_WORDS - len)), to = (int)(rng() % (N_WORDS - len));
                memcpy(&words[d][to], &words[src][from], (size_t)len * sizeof(int));
            }
            if (d > 0 && rng() % 6 == 0) { /* a near copy: a few words changed */
                memcpy(words[d], words[d - 1], sizeof words[d]);
                for (int k = 0; k < 5; k++) words[d][rng() % N_WORDS] = (int)(rng() % N_VOCAB);
            }
        }
        for (int d = 0; d < N_DOCS; d++) {
            fprintf(fp, "{\"id\":\"doc%02d\",\"text\":\"", (d * 7) % N_DOCS); /* ids unordered */
            for (int w = 0; w < N_WORDS && d != 13; w++)
                fprintf(fp, "%s%s", w ? " " : "", vocab[words[d][w]]);
            fputs("\"}\n", fp);
        }
        assert_int_equal(fclose(fp), 0);
    }
    MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);
}

/* ibid_align's output in one process, as bytes. */
static char *one_process(const ibid_align_opts *ao, const ibid_write_opts *wo, size_t *n,
                         size_t *n_passages)
{
    ibid_corpus *c;
    ibid_result *r;
    ibid_error err;
    ibid_read_opts ro;
    ibid_read_opts_init(&ro);
    ibid_corpus_new(&c);
    assert_int_equal(ibid_corpus_read(c, path, &ro, &err), 0);
    assert_int_equal(ibid_align(&r, c, NULL, ao, &err), 0);
    char *buf = NULL;
    FILE *ms = open_memstream(&buf, n);
    assert_int_equal(ibid_result_write(ms, c, r, wo, &err), 0);
    fclose(ms);
    *n_passages = r->n_passages;
    ibid_result_free(r);
    ibid_corpus_free(c);
    return buf;
}

static void check_align(int format, int with_text, size_t index_memory)
{
    ibid_align_opts ao;
    ibid_align_opts_init(&ao);
    ao.min_words = 10;
    ao.index_memory = index_memory;
    ibid_write_opts wo = {format, with_text};
    ibid_read_opts ro;
    ibid_read_opts_init(&ro);
    char *mine = NULL;
    size_t n_mine = 0;
    FILE *ms = rank == 0 ? open_memstream(&mine, &n_mine) : NULL;
    ibid_mpi_report *rep = NULL;
    ibid_error err;
    const char *inputs[] = {path};
    assert_int_equal(ibid_mpi_align(ms, inputs, 1, &ro, &ao, &wo, NULL, &rep, &err), 0);
    assert_non_null(rep);
    assert_int_equal(rep->n_ranks, n_ranks);
    assert_int_equal(rep->n_docs, N_DOCS);
    if (rank == 0) {
        fclose(ms);
        size_t n_one, n_passages;
        char *one = one_process(&ao, &wo, &n_one, &n_passages);
        assert_true(n_passages > 5); /* the corpus has reuse to find */
        assert_int_equal(rep->n_passages, n_passages);
        uint64_t docs = 0;
        for (int r = 0; r < n_ranks; r++) docs += rep->rank[r].n_docs;
        assert_int_equal(docs, N_DOCS);
        assert_int_equal(n_mine, n_one);
        assert_memory_equal(mine, one, n_one);
        if (index_memory < ((size_t)1 << 20)) assert_true(rep->n_passes > 1);
        free(one);
        free(mine);
    }
    ibid_mpi_report_free(rep);
}

static void test_align(void **state)
{
    (void)state;
    check_align(IBID_FORMAT_JSONL, 1, (size_t)512 << 20);
    check_align(IBID_FORMAT_TSV, 0, (size_t)512 << 20);
    check_align(IBID_FORMAT_JSONL, 1, 20000); /* several exchange rounds */
}

static char *dedup_out(ibid_dedup *d, int clusters)
{
    char *buf = NULL;
    size_t n = 0;
    ibid_error err;
    FILE *ms = open_memstream(&buf, &n);
    if (clusters)
        assert_int_equal(ibid_dedup_write_clusters(d, ms, &err), 0);
    else
        assert_int_equal(ibid_dedup_write_kept(d, ms, &err), 0);
    fclose(ms);
    return buf;
}

static void test_dedup(void **state)
{
    (void)state;
    ibid_dedup_opts o;
    ibid_dedup_opts_init(&o);
    o.threshold = 0.5;
    ibid_error err;
    const char *inputs[] = {path};
    ibid_dedup *dm = NULL;
    ibid_mpi_report *rep = NULL;
    /* rank 0 gives the output: every rank writes its own kept documents */
    char *kept = NULL;
    size_t n_kept = 0;
    FILE *ms = rank == 0 ? open_memstream(&kept, &n_kept) : NULL;
    assert_int_equal(ibid_mpi_dedup(&dm, ms, inputs, 1, NULL, &o, NULL, &rep, &err), 0);
    if (ms) fclose(ms);
    assert_non_null(rep);
    if (rank != 0) {
        assert_null(dm);
        ibid_mpi_report_free(rep);
        return;
    }
    ibid_dedup *d1 = NULL;
    assert_int_equal(ibid_dedup_run(&d1, inputs, 1, NULL, &o, &err), 0);
    const ibid_dedup_stats *s = ibid_dedup_get_stats(d1);
    assert_true(s->n_kept < N_DOCS); /* the corpus has copies to remove */
    assert_int_equal(ibid_dedup_get_stats(dm)->n_kept, s->n_kept);
    for (int c = 0; c < 2; c++) {
        char *a = dedup_out(d1, c), *b = dedup_out(dm, c);
        assert_string_equal(a, b);
        if (c == 0) assert_string_equal(a, kept);
        free(a);
        free(b);
    }
    free(kept);
    ibid_dedup_free(d1);
    ibid_dedup_free(dm);
    ibid_mpi_report_free(rep);
}

static void test_errors(void **state)
{
    (void)state;
    ibid_align_opts ao;
    ibid_align_opts_init(&ao);
    ibid_write_opts wo = {IBID_FORMAT_JSONL, 1};
    ibid_read_opts ro;
    ibid_read_opts_init(&ro);
    ibid_error err;
    ibid_mpi_report *rep = NULL;
    char *buf = NULL;
    size_t n = 0;
    FILE *ms = rank == 0 ? open_memstream(&buf, &n) : NULL;
    const char *missing[] = {"/nonexistent/ibid-test.jsonl"};
    assert_int_equal(ibid_mpi_align(ms, missing, 1, &ro, &ao, &wo, NULL, &rep, &err), IBID_EIO);
    assert_null(rep);
    assert_string_equal(err.source, missing[0]);
    const char *inputs[] = {path};
    ao.mode = IBID_MODE_ALL;
    assert_int_equal(ibid_mpi_align(ms, inputs, 1, &ro, &ao, &wo, NULL, &rep, &err), IBID_EINVAL);
    if (ms) fclose(ms);
    free(buf);
}

int main(void)
{
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n_ranks);
    if (rank == 0) seed_rng("test_mpi_align");
    MPI_Bcast(&rng_state, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    write_corpus();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_align),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_errors),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    int any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0) unlink(path);
    MPI_Finalize();
    return any ? 1 : 0;
}
