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

# run TARGET CORPUS: one target for the time given; prints its stats, and
# the crash with its reproducer when it fails.
run() {
  local target=$1 dir=$2
  local log="$build/$target.log" rc=0
  (cd "$build" && "./$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 "$dir") >"$log" 2>&1 || rc=$?
  echo "fuzz: $target for ${seconds}s: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs," \
       "$(grep -E '^stat::new_units_added' "$log" | awk '{print $2}') new inputs"
  if [[ $rc -ne 0 ]]; then
    grep -E -A30 'ERROR|runtime error' "$log" | head -60 >&2
    echo "fuzz: $target failed (exit $rc); log $log, reproducer $build/crash-*" >&2
    return 1
  fi
}
export -f run
export build seconds

# One target per core at a time.
failed=0
printf '%s\n' "flow_line_fuzzer $corpus/line" "gzip_reader_fuzzer $corpus/gzip" "kql_parser_fuzzer $corpus/kql" \
  "query_string_fuzzer $corpus/qs" "search_body_fuzzer $corpus/body" "rest_request_fuzzer $corpus/rest" \
  "aws_message_fuzzer $corpus/aws" |
  xargs -P "$(nproc)" -L 1 bash -c 'run "$0" "$1"' || failed=1
if [[ $failed -ne 0 ]]; then
  echo "fuzz: a target failed" >&2
  exit 1
fi
echo "fuzz: no crash"
