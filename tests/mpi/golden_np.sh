#!/bin/sh
# golden_np.sh: the golden cases of ibid align and dedup, run under mpirun -np 3, give the expected
# output, messages and exit status of one process (tests/golden/<case>/expected.*).
#   golden_np.sh IBID GEN_CORPUS
# $IBID in each case's cmd becomes a wrapper that runs the real binary under scripts/mpirun.sh.
# The boxes mpirun adds to standard error when a rank exits non-zero ("Primary job terminated
# normally, but 1 process returned a non-zero exit code...", between lines of dashes) are
# removed before the comparison; everything ibid prints must be as one process prints it.
# Left out: cases with options align refuses under mpirun (--html, --mode,
# standard input; usage-mpi.sh checks the refusals), the usage cases but two (parsing is
# the same code; usage_mpi.sh checks getopt's messages), and bad-utf8-text-file, whose
# message under mpirun comes from the streaming reader (same file, line and column, other
# words: docs/mpi.md), and the --tmp-dir half of dedup-missing-file (under mpirun, dedup keeps
# shingles in memory and makes no temporary file).
set -eu
IBID=$1
here=$(cd "$(dirname "$0")" && pwd)
golden="$here/../golden"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cases="align-folder align-jsonl align-no-text align-pairs align-text align-skip-markup align-tsv bad-json bad-output-left-behind bad-utf8 duplicate-id huge-line missing-file missing-id
missing-text skip-bad usage-bad-number usage-no-input dedup-bad-json dedup-compressed
dedup-containment dedup-folder dedup-jsonl dedup-keep-longest dedup-keep-oldest
dedup-output-left-behind dedup-skip-bad"
for np in 3; do
    printf '#!/bin/sh\nexec sh "%s" %s "%s" "$@"\n' "$here/../../scripts/mpirun.sh" "$np" \
        "$IBID" >"$tmp/ibid"
    chmod +x "$tmp/ibid"
    for c in $cases; do
        rc=0
        (cd "$golden/$c" && IBID="$tmp/ibid" sh ./cmd) >"$tmp/out" 2>"$tmp/err.raw" </dev/null ||
            rc=$?
        echo "$rc" >"$tmp/rc"
        awk '/^-----------------+$/ { box = !box; next } !box' "$tmp/err.raw" >"$tmp/err"
        ok=1
        for f in out err rc; do
            if ! cmp -s "$tmp/$f" "$golden/$c/expected.$f"; then
                echo "golden_np $c -np $np: $f differs:"
                diff -u "$golden/$c/expected.$f" "$tmp/$f" | head -20
                ok=0
                fail=1
            fi
        done
        [ $ok = 1 ] && echo "golden_np $c -np $np: as one process"
    done
done
exit $fail
