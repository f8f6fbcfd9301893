#!/bin/sh
# Quality of --translate: three PAN 2013 source documents (English) and, in tests/quality/translate/,
# a German, a Spanish and an Arabic document that each hold a paragraph of unrelated text and then a
# translation, made by hand for this test, of four sentences of one of them. ibid align
# --translate en must align each translation to its English source, call it "translated", and
# report nothing in the unrelated paragraphs. See translate_check.py for the exact conditions.
set -eu
IBID=$1
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/translate_check.py" make "${IBID_SHARED:?}/data/pan13-train/docs.jsonl" \
    "$here/translate" >"$tmp/corpus.jsonl"
"$IBID" align -q --threads 2 --translate en "$tmp/corpus.jsonl" >"$tmp/out.jsonl"
python3 "$here/translate_check.py" check "$tmp/corpus.jsonl" "$tmp/out.jsonl"
