/*
 * mpi_none.c: the MPI entry points of a build without MPI (no MPI development files were found,
 * or -DIBID_MPI=OFF). They say so: ibid_mpi_library is NULL, and joining a job fails, so that
 * `ibid --version` prints "MPI: no" and a run under mpirun stops with a clear message instead
 * of N processes each writing the whole output.
 */
#include "ibid_int.h"

const char *ibid_mpi_library(void)
{
    return NULL;
}

int ibid_mpi_init(int *argc, char ***argv, ibid_error *err)
{
    (void)argc, (void)argv;
    return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                     "this ibid was built without MPI (install libopenmpi-dev and rebuild)");
}

void ibid_mpi_finalize(void)
{
}

int ibid_mpi_rank(void)
{
    return 0;
}

int ibid_mpi_size(void)
{
    return 0;
}

int ibid_mpi_align(FILE *out, const char *const *inputs, size_t n_inputs, const ibid_read_opts *ro,
                   const ibid_align_opts *ao, const ibid_write_opts *wo, const ibid_mpi_opts *mo,
                   ibid_mpi_report **rep, ibid_error *err)
{
    (void)out, (void)inputs, (void)n_inputs, (void)ro, (void)ao, (void)wo, (void)mo;
    if (rep) *rep = NULL;
    return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "this ibid was built without MPI");
}

int ibid_mpi_dedup(ibid_dedup **out, FILE *kept, const char *const *inputs, size_t n_inputs,
                   const ibid_read_opts *ro, const ibid_dedup_opts *o, const ibid_mpi_opts *mo,
                   ibid_mpi_report **rep, ibid_error *err)
{
    (void)kept, (void)inputs, (void)n_inputs, (void)ro, (void)o, (void)mo;
    *out = NULL;
    if (rep) *rep = NULL;
    return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "this ibid was built without MPI");
}
