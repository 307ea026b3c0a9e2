#!/usr/bin/env bash
# Parse throughput of gzip v2 flow logs, against libdeflate-gunzip alone on
# the same files in the same run. Both run pinned to one core; each figure is
# the best of RUNS runs.
# usage: bench/parse_bench.sh BUILD_DIR   (env: RECORDS, FILES, RUNS)
set -euo pipefail
build=${1:-build}
records=${RECORDS:-10000000}
files=${FILES:-40}
runs=${RUNS:-3}
flowdex="$build/flowdex"
data="$build/bench-data/v2-$records-$files"

source "$(dirname "$0")/lib.sh"
ensure_data "$flowdex" "$data" "$records" "$files"
mapfile -t gz < <(find "$data" -name '*.log.gz' | sort)
gz_bytes=$(cat "${gz[@]}" | wc -c)
text_bytes=$(libdeflate-gunzip -c "${gz[@]}" | wc -c)

# best_of CMD...: the lowest wall time in seconds over $runs runs, pinned to CPU 0.
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
best_of() {
  local best="" t
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -o "$timing" -f '%e' taskset -c 0 "$@" >/dev/null 2>&1
    t=$(tail -1 "$timing")
    if [[ -z $best ]] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}
peak_rss_kb() { /usr/bin/time -o "$timing" -f '%M' "$@" >/dev/null 2>&1; tail -1 "$timing"; }

t_libdeflate=$(best_of libdeflate-gunzip -c "${gz[@]}")
t_zcat=$(best_of gzip -dc "${gz[@]}")
t_flowdex=$(best_of "$flowdex" parse --count "${gz[@]}")
rss=$(peak_rss_kb "$flowdex" parse --count "${gz[@]}")

printf '%d records of v2 flow logs in %d gzip files: %s MB gzip, %s MB text\n' "$records" "${#gz[@]}" \
  "$(awk "BEGIN{printf \"%.1f\", $gz_bytes / 1e6}")" "$(awk "BEGIN{printf \"%.1f\", $text_bytes / 1e6}")"
printf '%-40s %9s %14s %12s %10s\n' "command (one core)" "seconds" "records/s" "text MB/s" "vs libdeflate"
row() {
  printf '%-40s %9.2f %14s %12.0f %9.2fx\n' "$1" "$2" \
    "$(awk "BEGIN{printf \"%.2f M\", $records / $2 / 1e6}")" \
    "$(awk "BEGIN{print $text_bytes / $2 / 1e6}")" "$(awk "BEGIN{print $2 / $t_libdeflate}")"
}
row "libdeflate-gunzip -c (decompress only)" "$t_libdeflate"
row "gzip -dc (decompress only)" "$t_zcat"
row "flowdex parse --count (typed records)" "$t_flowdex"
echo "flowdex parse peak memory: $((rss / 1024)) MB"
echo "goals: >= 2 M records/s, <= 3.00x libdeflate-gunzip"
