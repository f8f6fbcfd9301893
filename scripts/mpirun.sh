#!/bin/sh
# Run a command on N local MPI ranks, the way the tests, the benchmark and docs/mpi.md do:
#   scripts/mpirun.sh N COMMAND [ARGS...]      e.g. scripts/mpirun.sh 3 build/ibid align corpus.jsonl
# The options that make Open MPI (Debian's openmpi-bin) work in a container without a network,
# as root, with more ranks than cores:
#   --oversubscribe             more ranks than cores (2 here) is allowed; time is not the point
#   --allow-run-as-root         CI runs as root (the OMPI_ALLOW_RUN_AS_ROOT* variables do the same)
#   --mca btl self,vader        ranks talk through shared memory only, no TCP
#   --mca btl_vader_single_copy_mechanism none   no CMA (ptrace is restricted in containers)
#   --bind-to none              ranks are not pinned to cores they share with other jobs
# Anything else (a hostfile for several machines) goes in IBID_MPIRUN_ARGS; see docs/mpi.md.
set -eu
n=$1
shift
# shellcheck disable=SC2086
exec mpirun --oversubscribe --allow-run-as-root --mca btl self,vader \
    --mca btl_vader_single_copy_mechanism none --bind-to none ${IBID_MPIRUN_ARGS:-} -np "$n" "$@"
