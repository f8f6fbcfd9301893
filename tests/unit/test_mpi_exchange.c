/*
 * test_mpi_exchange.c: the partition by hash range and the all-to-all exchange (mpi_exchange.c).
 *
 * Built only with MPI. It runs as one process (MPI's singleton start: the single-rank path of
 * every collective) and under mpirun with 2 and 3 ranks (tests/CMakeLists.txt), each rank
 * running the same checks:
 *   - ibid_mpi_dest: in range, monotone in the key (ranges, not a scatter), every rank owns a
 *     range of equal size, random keys spread evenly;
 *   - ibid_mpi_round_bytes: counts fit an int whatever the cap;
 *   - ibid_mpi_exchange: random block sizes (some zero) with a round cap small enough to take
 *     several rounds, and a 0-byte exchange; each rank checks every byte it receives against
 *     the sender's formula, and the traffic counts;
 *   - ibid_mpi_agree: a failure on one rank (the last) reaches every rank, code and message.
 * The sizes are random; rank 0's seed is printed and shared (IBID_TEST_SEED replays it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_exchange.h"

#include "test_rng.h"

static int rank, n_ranks;

static void test_dest(void **state)
{
    (void)state;
    for (int n = 1; n <= 64; n++) {
        assert_int_equal(ibid_mpi_dest(0, n), 0);
        assert_int_equal(ibid_mpi_dest(UINT64_MAX, n), n - 1);
        int last = 0;
        for (uint64_t top = 0; top < 4096; top++) { /* 4096 ordered keys across the space */
            uint64_t key = top << 52 | (rng() & ((1ull << 52) - 1));
            int d = ibid_mpi_dest(key, n);
            assert_true(d >= 0 && d < n);
            assert_true(d >= last);
            last = d;
        }
        /* rank d owns [ceil(d * 2^32 / n), ceil((d + 1) * 2^32 / n)) of the top 32 bits */
        for (int d = 0; d < n; d++) {
            uint64_t lo = ((uint64_t)d << 32) / (uint64_t)n + (((uint64_t)d << 32) % n != 0);
            assert_int_equal(ibid_mpi_dest(lo << 32, n), d);
            if (lo) assert_int_equal(ibid_mpi_dest((lo << 32) - 1, n), d - 1);
        }
    }
    enum { N = 7, K = 70000 };
    int count[N] = {0};
    for (int i = 0; i < K; i++) count[ibid_mpi_dest(rng(), N)]++;
    for (int d = 0; d < N; d++)
        assert_true(count[d] > K / N * 9 / 10 && count[d] < K / N * 11 / 10);
}

static void test_round_bytes(void **state)
{
    (void)state;
    assert_int_equal(ibid_mpi_round_bytes(1000, 4), 1000);
    assert_true(ibid_mpi_round_bytes(0, 4) <= (size_t)INT_MAX / 4);
    assert_true(ibid_mpi_round_bytes((size_t)1 << 40, 3) * 3 <= (size_t)INT_MAX);
    assert_true(ibid_mpi_round_bytes((size_t)1 << 40, 1) == (size_t)INT_MAX);
}

/* Byte i of the block rank s sends to rank d. */
static char byte_of(int s, int d, size_t i)
{
    return (char)(s * 31 + d * 7 + (int)(i % 251));
}

static void check_exchange(size_t max_block, size_t cap)
{
    /* every rank draws every rank's sizes from the shared stream, so all agree on them */
    size_t *size = malloc((size_t)n_ranks * (size_t)n_ranks * sizeof *size);
    assert_non_null(size);
    for (int i = 0; i < n_ranks * n_ranks; i++)
        size[i] = max_block && rng() % 4 ? (size_t)(rng() % max_block) : 0;
    size_t *send_n = malloc((size_t)n_ranks * sizeof *send_n);
    size_t *recv_n = malloc((size_t)n_ranks * sizeof *recv_n);
    size_t total = 0;
    for (int d = 0; d < n_ranks; d++) total += send_n[d] = size[rank * n_ranks + d];
    char *send = malloc(total ? total : 1), *p = send;
    for (int d = 0; d < n_ranks; d++)
        for (size_t i = 0; i < send_n[d]; i++) *p++ = byte_of(rank, d, i);
    char *recv = NULL;
    ibid_mpi_traffic t = {0, 0};
    ibid_mpi_exchange(send, send_n, &recv, recv_n, cap, &t);
    uint64_t sent = 0, received = 0;
    const char *q = recv;
    for (int s = 0; s < n_ranks; s++) {
        assert_int_equal(recv_n[s], size[s * n_ranks + rank]);
        for (size_t i = 0; i < recv_n[s]; i++) assert_int_equal(*q++, byte_of(s, rank, i));
        if (s != rank) sent += send_n[s], received += recv_n[s];
    }
    assert_int_equal(t.sent, sent);
    assert_int_equal(t.received, received);
    free(recv);
    free(send);
    free(send_n);
    free(recv_n);
    free(size);
}

static void test_exchange(void **state)
{
    (void)state;
    check_exchange(0, 0);         /* nothing at all */
    check_exchange(5000, 0);      /* one round */
    check_exchange(5000, 97);     /* dozens of rounds, blocks cut mid-way */
    check_exchange(3, 1);         /* one byte a round */
    check_exchange(200000, 4096); /* larger blocks */
}

static void test_agree(void **state)
{
    (void)state;
    ibid_error e;
    memset(&e, 0, sizeof e);
    assert_int_equal(ibid_mpi_agree(0, &e), 0);
    int rc = 0;
    if (rank == n_ranks - 1) rc = ibid_fail(&e, IBID_EPARSE, "in.jsonl", 7, 3, "bad on %d", rank);
    assert_int_equal(ibid_mpi_agree(rc, &e), IBID_EPARSE);
    assert_int_equal(e.code, IBID_EPARSE);
    assert_int_equal(e.line, 7);
    assert_string_equal(e.source, "in.jsonl");
    char want[64];
    snprintf(want, sizeof want, "bad on %d", n_ranks - 1);
    assert_string_equal(e.message, want);
}

int main(void)
{
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n_ranks);
    if (rank == 0) seed_rng("test_mpi_exchange");
    MPI_Bcast(&rng_state, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dest),
        cmocka_unit_test(test_round_bytes),
        cmocka_unit_test(test_exchange),
        cmocka_unit_test(test_agree),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    int any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return any ? 1 : 0;
}
