/*
 * mpi_opts.c: the parts of the MPI API that do not need MPI (options and the per-rank report),
 * compiled in builds with and without MPI alike, so that both answer the same.
 */
#include "ibid_int.h"

#include <signal.h>

void ibid_mpi_opts_init(ibid_mpi_opts *o)
{
    memset(o, 0, sizeof *o);
    o->test_die_rank = -1;
}

void ibid_mpi_report_free(ibid_mpi_report *r)
{
    if (!r) return;
    free(r->rank);
    free(r->skipped);
    free(r);
}

void ibid_mpi_test_die(const ibid_mpi_opts *o)
{
    if (o->test_die_signal) raise(o->test_die_signal);
    abort();
}
