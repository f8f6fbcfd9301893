/*
 * mpi_exchange.c: all-to-all exchange of byte blocks by destination, and agreement on errors,
 * for the MPI driver (mpi_align.c).
 *
 * Records are partitioned by hash range (ibid_mpi_dest: the top 32 bits of a 64-bit hash, times
 * the number of ranks, over 2^32), the partition of a distributed hash join or of MapReduce's
 * shuffle. The exchange first trades block sizes (MPI_Alltoall), then the blocks with
 * MPI_Alltoallv. MPI counts and displacements are ints, so a block larger than a round's share
 * (ibid_mpi_round_bytes) is sent over several rounds, each packing at most that much per
 * destination into a staging buffer; the number of rounds is agreed by MPI_Allreduce, since a
 * rank with little to send must still take part in every round of the others. A single round
 * whose buffers fit an int goes straight from the caller's buffer into the result.
 *
 * Errors: MPI's default handler, MPI_ERRORS_ARE_FATAL, stays in force, so a failed MPI call or a
 * rank that dies aborts the whole job; the library's own errors (bad input on one rank) are
 * shared by ibid_mpi_agree so that every rank returns the same one.
 */
#include "mpi_exchange.h"

#include <limits.h>
#include <mpi.h>

size_t ibid_mpi_round_bytes(size_t cap, int n_ranks)
{
    size_t most = (size_t)INT_MAX / (size_t)(n_ranks > 0 ? n_ranks : 1);
    if (cap == 0 || cap > most) cap = most;
    return cap;
}

void ibid_mpi_exchange(const char *send, const size_t *send_n, char **recv, size_t *recv_n,
                       size_t cap, ibid_mpi_traffic *t)
{
    int rank, n;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    cap = ibid_mpi_round_bytes(cap, n);
    uint64_t *sn = ibid_xmalloc((size_t)n * sizeof *sn), *rn = ibid_xmalloc((size_t)n * sizeof *rn);
    for (int d = 0; d < n; d++) sn[d] = send_n[d];
    MPI_Alltoall(sn, 1, MPI_UINT64_T, rn, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    size_t *soff = ibid_xmalloc((size_t)(n + 1) * sizeof *soff);
    size_t *roff = ibid_xmalloc((size_t)(n + 1) * sizeof *roff);
    soff[0] = roff[0] = 0;
    uint64_t most = 0;
    for (int d = 0; d < n; d++) {
        recv_n[d] = (size_t)rn[d];
        soff[d + 1] = soff[d] + send_n[d];
        roff[d + 1] = roff[d] + recv_n[d];
        if (d != rank) t->sent += send_n[d], t->received += recv_n[d];
        if (sn[d] > most) most = sn[d];
    }
    *recv = roff[n] ? ibid_xmalloc(roff[n]) : NULL;
    uint64_t rounds = (most + cap - 1) / cap, all_rounds;
    MPI_Allreduce(&rounds, &all_rounds, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);

    int *sc = ibid_xmalloc((size_t)n * sizeof *sc), *sd = ibid_xmalloc((size_t)n * sizeof *sd);
    int *rc = ibid_xmalloc((size_t)n * sizeof *rc), *rd = ibid_xmalloc((size_t)n * sizeof *rd);
    char *sbuf = NULL, *rbuf = NULL;
    size_t m_sbuf = 0, m_rbuf = 0;
    /* one round whose whole buffers fit an int: straight from and into them, no staging copy
     * (each rank decides for itself: the ranks need only agree on the number of rounds) */
    int direct = all_rounds == 1 && soff[n] <= (size_t)INT_MAX && roff[n] <= (size_t)INT_MAX;
    if (direct) {
        for (int d = 0; d < n; d++) {
            sc[d] = (int)send_n[d], sd[d] = (int)soff[d];
            rc[d] = (int)recv_n[d], rd[d] = (int)roff[d];
        }
        MPI_Alltoallv(send, sc, sd, MPI_BYTE, *recv, rc, rd, MPI_BYTE, MPI_COMM_WORLD);
        all_rounds = 0;
    }
    for (uint64_t k = 0; k < all_rounds; k++) {
        size_t done = (size_t)k * cap, s_tot = 0, r_tot = 0;
        for (int d = 0; d < n; d++) {
            size_t a = send_n[d] > done ? send_n[d] - done : 0;
            size_t b = recv_n[d] > done ? recv_n[d] - done : 0;
            sc[d] = (int)(a < cap ? a : cap);
            rc[d] = (int)(b < cap ? b : cap);
            sd[d] = (int)s_tot;
            rd[d] = (int)r_tot;
            s_tot += (size_t)sc[d];
            r_tot += (size_t)rc[d];
        }
        IBID_GROW(sbuf, m_sbuf, s_tot + 1);
        IBID_GROW(rbuf, m_rbuf, r_tot + 1);
        for (int d = 0; d < n; d++)
            if (sc[d]) memcpy(sbuf + sd[d], send + soff[d] + done, (size_t)sc[d]);
        MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, rbuf, rc, rd, MPI_BYTE, MPI_COMM_WORLD);
        for (int s = 0; s < n; s++)
            if (rc[s]) memcpy(*recv + roff[s] + done, rbuf + rd[s], (size_t)rc[s]);
    }
    free(sbuf);
    free(rbuf);
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    free(soff);
    free(roff);
    free(sn);
    free(rn);
}

int ibid_mpi_agree(int rc, ibid_error *err)
{
    int rank, n;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    int mine = rc < 0 ? rank : n, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == n) return 0;
    ibid_error e;
    if (rank == first) {
        memset(&e, 0, sizeof e);
        if (err) e = *err;
        e.code = rc;
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
    if (err) *err = e;
    return e.code;
}

long ibid_mpi_share_lines(const ibid_share *sh)
{
    int rank, n;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    int64_t mine[2] = {sh->any && sh->last_split ? (int64_t)sh->u_last : -1, sh->last_lines};
    int64_t *all = ibid_xmalloc((size_t)n * sizeof mine);
    MPI_Allgather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, MPI_COMM_WORLD);
    long lines = 0;
    if (sh->any && sh->first_mid)
        for (int r = 0; r < rank; r++)
            if (all[2 * r] == (int64_t)sh->u_first) lines += (long)all[2 * r + 1];
    free(all);
    return lines;
}

void ibid_mpi_serve_part(FILE *part, ibid_mpi_traffic *t)
{
    char *buf = ibid_xmalloc(IBID_MPI_CHUNK);
    for (;;) {
        int go;
        MPI_Recv(&go, 1, MPI_INT, 0, IBID_MPI_TAG_REQ, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (!go) break;
        size_t got = fread(buf, 1, IBID_MPI_CHUNK, part);
        MPI_Send(buf, (int)got, MPI_BYTE, 0, IBID_MPI_TAG_DATA, MPI_COMM_WORLD);
        t->sent += got;
        if (got == 0) break;
    }
    free(buf);
}

void ibid_mpi_stop_part(int src)
{
    int stop = 0;
    MPI_Send(&stop, 1, MPI_INT, src, IBID_MPI_TAG_REQ, MPI_COMM_WORLD);
}

int ibid_mpi_append_part(int src, FILE *out, ibid_mpi_traffic *t)
{
    char *buf = ibid_xmalloc(IBID_MPI_CHUNK);
    int rc = 0;
    for (;;) {
        int go = 1, cnt;
        MPI_Status st;
        MPI_Send(&go, 1, MPI_INT, src, IBID_MPI_TAG_REQ, MPI_COMM_WORLD);
        MPI_Recv(buf, (int)IBID_MPI_CHUNK, MPI_BYTE, src, IBID_MPI_TAG_DATA, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_BYTE, &cnt);
        t->received += (uint64_t)cnt;
        if (cnt == 0) break;
        if (fwrite(buf, 1, (size_t)cnt, out) != (size_t)cnt) {
            ibid_mpi_stop_part(src);
            rc = -1;
            break;
        }
    }
    free(buf);
    return rc;
}
