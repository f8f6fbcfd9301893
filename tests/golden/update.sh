#!/bin/sh
# Regenerate every golden case (or those named) after reviewing the change they record:
#   tests/golden/update.sh build/ibid [case...]
set -eu
IBID=$(readlink -f "$1")
shift
here=$(dirname "$0")
if [ $# -eq 0 ]; then set -- "$here"/*/; fi
for d in "$@"; do
    case "$d" in */) ;; *) d="$here/$d" ;; esac
    [ -f "$d/cmd" ] && sh "$here/run.sh" "$IBID" "$d" --update
done
