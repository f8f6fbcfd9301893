#!/bin/sh
# Run one golden case: tests/golden/<case>/cmd is a shell command run inside the case folder,
# with $IBID naming the binary under test. Its stdout, stderr and exit code must equal
# expected.out, expected.err and expected.rc byte for byte.
#   run.sh IBID CASE_DIR            check
#   run.sh IBID CASE_DIR --update   rewrite the expected files (review the diff before committing)
set -u
IBID=$1
dir=$2
mode=${3:-check}
export IBID
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$dir" && sh ./cmd) >"$tmp/out" 2>"$tmp/err" </dev/null
echo $? >"$tmp/rc"
if [ "$mode" = "--update" ]; then
    cp "$tmp/out" "$dir/expected.out"
    cp "$tmp/err" "$dir/expected.err"
    cp "$tmp/rc" "$dir/expected.rc"
    echo "updated $dir"
    exit 0
fi
fail=0
for f in out err rc; do
    if ! cmp -s "$tmp/$f" "$dir/expected.$f"; then
        echo "golden $(basename "$dir"): $f differs:"
        diff -u "$dir/expected.$f" "$tmp/$f" | head -40
        fail=1
    fi
done
exit $fail
