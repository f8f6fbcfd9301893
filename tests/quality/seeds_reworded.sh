#!/bin/sh
# Quality of the sentence layer on the founding case (../shared/seeds): with --mode all, each of
# the nine NBC paragraphs pasted into 000 is aligned to its rewritten counterpart in 002 by one
# passage covering most of both, and nothing of the blog's commentary, the Wall Street Journal
# quote or the paragraphs only 002 has (from "As part of the effort" on) is reported.
set -eu
IBID=$1
S=${IBID_SHARED:?}/seeds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$S" && "$IBID" align -q --threads 2 --mode all 000_cca7eab34c167e96.txt \
    002_255bec973b629688.txt) >"$tmp/out.jsonl"
python3 "$(dirname "$0")/seeds_check.py" "$S" "$tmp/out.jsonl" --paragraphs
