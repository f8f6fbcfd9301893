/*
 * mpi_exchange.h: the collective steps the MPI driver is built from (mpi_exchange.c).
 */
#ifndef IBID_MPI_EXCHANGE_H
#define IBID_MPI_EXCHANGE_H

#include "ibid_int.h"

/* Bytes this rank sent to and received from other ranks (itself not counted). */
typedef struct ibid_mpi_traffic {
    uint64_t sent, received;
} ibid_mpi_traffic;

/* The rank owning 64-bit hash `key` among n_ranks: the ranks split the hash space into n_ranks
 * equal ranges, by the key's top 32 bits. Needs no MPI. */
static inline int ibid_mpi_dest(uint64_t key, int n_ranks)
{
    return (int)(((key >> 32) * (uint64_t)(uint32_t)n_ranks) >> 32);
}

/* Bytes a rank may put in one message of one exchange round, so that counts and displacements
 * fit MPI's int: at most `cap`, and at most INT_MAX / n_ranks. */
size_t ibid_mpi_round_bytes(size_t cap, int n_ranks);

/*
 * ibid_mpi_exchange: all-to-all of variable-length byte blocks. This rank sends
 * send[send_off[d], send_off[d] + send_n[d]) to rank d (send_off: prefix sums of send_n); it
 * receives, from every rank s in rank order, recv_n[s] bytes laid out back to back in *recv
 * (malloc'd, the caller frees; NULL when nothing arrives). Blocks larger than a round (at most
 * `cap` bytes per destination, see ibid_mpi_round_bytes) go in several MPI_Alltoallv rounds, so
 * no count overflows. Collective: every rank calls it. Counts the traffic in *t.
 */
void ibid_mpi_exchange(const char *send, const size_t *send_n, char **recv, size_t *recv_n,
                       size_t cap, ibid_mpi_traffic *t);

/*
 * ibid_mpi_agree: after a step that may fail on some ranks, make every rank see the same
 * outcome: rc, the smallest-ranked failure's code (0 when none failed), is returned on every
 * rank, and *err is that rank's error. Collective.
 */
int ibid_mpi_agree(int rc, ibid_error *err);

/*
 * ibid_mpi_share_lines: after ibid_share_read on every rank, the lines of this rank's first unit
 * that lower ranks read (0 unless sh->first_mid): what to add to the line numbers of the
 * documents and errors of unit sh->u_first read here, to make them the file's. Each rank's last
 * unit is the only one it can share with a higher rank. Collective.
 */
long ibid_mpi_share_lines(const ibid_share *sh);

/*
 * A rank's output part (a file it wrote) read by rank 0 a chunk at a time: rank 0 sends a
 * request (an int: 1 for the next chunk, 0 to stop) with tag IBID_MPI_TAG_REQ, the rank answers
 * with up to IBID_MPI_CHUNK bytes (none at the end) with tag IBID_MPI_TAG_DATA, so that no rank
 * holds more than one chunk of another's part. ibid_mpi_serve_part: a rank other than 0 answers
 * until the end of `part` or a stop. ibid_mpi_append_part (rank 0): append rank src's part to
 * `out`; returns 0, or -1 when `out` fails (src is then told to stop).
 */
#define IBID_MPI_CHUNK    ((size_t)1 << 20)
#define IBID_MPI_TAG_REQ  101
#define IBID_MPI_TAG_DATA 102
void ibid_mpi_serve_part(FILE *part, ibid_mpi_traffic *t);
int ibid_mpi_append_part(int src, FILE *out, ibid_mpi_traffic *t);
/* Rank 0: tell rank src, waiting in ibid_mpi_serve_part, that nothing more is wanted. */
void ibid_mpi_stop_part(int src);

#endif
