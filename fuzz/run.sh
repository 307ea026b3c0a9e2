#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time from the seed corpus.
# usage: fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?build dir}
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
corpus="$build/corpus"
"$here/corpus.sh" "$corpus"

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
awk -v c="$corpus" '{ print $1, c "/" $2 }' "$here/targets" |
  xargs -P "$(nproc)" -L 1 bash -c 'run "$0" "$1"' || failed=1
if [[ $failed -ne 0 ]]; then
  echo "fuzz: a target failed" >&2
  exit 1
fi
echo "fuzz: no crash"
