#!/bin/sh
# usage_mpi.sh: what ibid says about MPI: --version names the MPI library; under mpirun, the
# options align does not distribute are refused (exit status 2, one message from rank 0), and
# --help is printed once.
#   usage_mpi.sh IBID GEN_CORPUS
set -eu
IBID=$1
MPIRUN="$(dirname "$0")/../../scripts/mpirun.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
v=$("$IBID" --version)
case "$v" in
*"(MPI: yes, Open MPI v"*) echo "usage_mpi: $v" ;;
*) echo "usage_mpi: --version of an MPI build says: $v"; fail=1 ;;
esac
docs=/usr/share/common-licenses
printf 'GPL-2\tGPL-3\n' >"$tmp/pairs.tsv"
refuse() { # the message expected, then align's arguments
    want=$1
    shift
    rc=0
    sh "$MPIRUN" 2 "$IBID" align "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
    n=$(grep -c "ibid align: $want" "$tmp/err" || true)
    if [ "$rc" != 2 ] || [ "$n" != 1 ] || [ -s "$tmp/out" ]; then
        echo "usage_mpi: align $*: exit $rc, '$want' printed $n times, $(wc -c <"$tmp/out") bytes out:"
        cat "$tmp/err"
        fail=1
    else
        echo "usage_mpi: align $*: refused: $want"
    fi
}
refuse "only --mode verbatim is supported under mpirun" --mode all $docs
refuse "--html is not supported under mpirun" --html "$tmp/r.html" $docs
refuse "standard input is not supported under mpirun" -
rc=0
sh "$MPIRUN" 3 "$IBID" dedup --bogus x.jsonl 2>"$tmp/err" || rc=$?
n=$(grep -c "unrecognized option '--bogus'" "$tmp/err" || true)
if [ "$rc" != 2 ] || [ "$n" != 1 ]; then
    echo "usage_mpi: dedup --bogus on 3 ranks: exit $rc, getopt's message $n times"
    fail=1
fi
n=$(sh "$MPIRUN" 3 "$IBID" align --help | grep -c "^usage: ibid align")
if [ "$n" != 1 ]; then
    echo "usage_mpi: align --help on 3 ranks printed the usage $n times"
    fail=1
fi
exit $fail
