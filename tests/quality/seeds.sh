#!/bin/sh
# Quality: the founding case (../shared/seeds). The blog post 000 pastes nine paragraphs of an
# NBC News report among its own commentary; 002 is another outlet's translated rewrite of the
# report. Each of the nine paragraphs must be aligned; nothing of the blog's commentary, of the
# closing Wall Street Journal quote, or of the paragraphs only 002 has may be reported.
set -eu
IBID=$1
S=${IBID_SHARED:?}/seeds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$S" && "$IBID" align -q --threads 2 000_cca7eab34c167e96.txt 002_255bec973b629688.txt) \
    >"$tmp/out.jsonl"
python3 "$(dirname "$0")/seeds_check.py" "$S" "$tmp/out.jsonl"
