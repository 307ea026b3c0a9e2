#!/usr/bin/env bash
# Builds the fuzz corpus in DIR (one folder per target's input kind) from
# fuzz/seeds and the data-driven query tests. Used by fuzz/run.sh (libFuzzer,
# clang tree) and fuzz/replay.sh (the seeds replayed by make test).
# usage: fuzz/corpus.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:?corpus dir}
mkdir -p "$corpus/line" "$corpus/gzip"
cp "$here"/seeds/line/* "$corpus/line/"
for f in "$here"/seeds/line/*; do
  gzip -c "$f" >"$corpus/gzip/$(basename "$f").gz"
done
# A two-member stream and a truncated one.
cat "$corpus/gzip/v2.log.gz" "$corpus/gzip/v5.log.gz" >"$corpus/gzip/multi.gz"
head -c 60 "$corpus/gzip/v5.log.gz" >"$corpus/gzip/truncated.gz"

# Query seeds come from the data-driven query tests: KQL lines, query
# strings and _search bodies.
mkdir -p "$corpus/kql" "$corpus/qs" "$corpus/body" "$corpus/rest" "$corpus/aws"
awk -v out="$corpus" '
  /^(kql|q|search) / { kind = $1; body = ""; n++; next }
  /^----$/ && kind != "" {
    dir = kind == "kql" ? "kql" : kind == "q" ? "qs" : "body"
    f = out "/" dir "/seed" n; printf "%s", body > f; close(f); kind = ""; next }
  kind != "" { body = body $0 "\n" }
' "$here"/../tests/query/*.test
cp "$here"/seeds/rest/* "$corpus/rest/"
cp "$here"/seeds/aws/* "$corpus/aws/"

