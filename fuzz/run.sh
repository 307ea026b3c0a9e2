#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time from the seed corpus.
# usage: fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?build dir}
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
corpus="$build/corpus"
mkdir -p "$corpus/line" "$corpus/gzip"
cp "$here"/seeds/line/* "$corpus/line/"
for f in "$here"/seeds/line/*; do
  gzip -c "$f" >"$corpus/gzip/$(basename "$f").gz"
done
# A two-member stream and a truncated one.
cat "$corpus/gzip/v2.log.gz" "$corpus/gzip/v5.log.gz" >"$corpus/gzip/multi.gz"
head -c 60 "$corpus/gzip/v5.log.gz" >"$corpus/gzip/truncated.gz"

run() {
  local target=$1 dir=$2
  echo "fuzz: $target for ${seconds}s"
  local log="$build/$target.log" rc=0
  (cd "$build" && "./$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 "$dir") >"$log" 2>&1 || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "$log" || true
  if [[ $rc -ne 0 ]]; then
    grep -E -A30 'ERROR|runtime error' "$log" | head -60 >&2
    echo "fuzz: $target failed (exit $rc); log $log, reproducer $build/crash-*" >&2
    exit 1
  fi
}
# Query seeds come from the data-driven query tests: KQL lines, query
# strings and _search bodies.
mkdir -p "$corpus/kql" "$corpus/qs" "$corpus/body"
awk -v out="$corpus" '
  /^(kql|q|search) / { kind = $1; body = ""; n++; next }
  /^----$/ && kind != "" {
    dir = kind == "kql" ? "kql" : kind == "q" ? "qs" : "body"
    f = out "/" dir "/seed" n; printf "%s", body > f; close(f); kind = ""; next }
  kind != "" { body = body $0 "\n" }
' "$here"/../tests/query/*.test
run flow_line_fuzzer "$corpus/line"
run gzip_reader_fuzzer "$corpus/gzip"
run kql_parser_fuzzer "$corpus/kql"
run query_string_fuzzer "$corpus/qs"
run search_body_fuzzer "$corpus/body"
mkdir -p "$corpus/rest"
cp "$here"/seeds/rest/* "$corpus/rest/"
run rest_request_fuzzer "$corpus/rest"
mkdir -p "$corpus/aws"
cp "$here"/seeds/aws/* "$corpus/aws/"
run aws_message_fuzzer "$corpus/aws"
echo "fuzz: no crash"
