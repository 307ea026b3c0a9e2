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
# Parquet flow-log files from two writers (DuckDB: each codec, dictionary and
# delta encodings; hyparquet-writer: data pages v2, front-coded strings).
mkdir -p "$corpus/parquet"
cp "$here"/seeds/parquet/* "$corpus/parquet/"


# Column blocks: values to encode (head < 0x80: type, rows, ranges, then a
# presence byte and five value bytes a row) and raw encoded blocks (head
# 0x80 set), among them a constant, a frame-of-reference and an IPv4 block.
mkdir -p "$corpus/block"
printf '\x02\x00\x10\x01\x00\x00\x00\x05\x00\x00\x01\x00\x01\x00\x00\x00\x07\x01\x00\x00\x01\x00\x09\x00\x00\x00\x00\x00' \
  >"$corpus/block/values-uint32"
printf '\x08\x00\x08\x02\x0a\x00\x00\x00\x0a\xff\xff\xff\x01\x0a\x00\x00\x01\x0b\x0a\x00\x00\x02\x01\x00\x00\x00\x00\x00\x00' \
  >"$corpus/block/values-ip"
printf '\x82\x00\x03\x01\x00\x00\x00\x05\x00\x00\x00\x05\x02\x05' >"$corpus/block/raw-constant"
printf '\x83\x00\x03\x01\x00\x00\x00\x01\x00\x00\x00\x03\x04\x00\x01\x01\x00\x01\x02' >"$corpus/block/raw-for"
printf '\x88\x00\x01\x01\x0a\x00\x00\x00\x0a\xff\xff\xff\x08\x0a\x00\x0a\x00\x01\x00\x02\x00' >"$corpus/block/raw-ipv4"
