#!/usr/bin/env bash
# Parse throughput of gzip v2 flow logs, against libdeflate-gunzip alone on
# the same files in the same run, and of the same records delivered as
# Parquet (GZIP, AWS's codec; and SNAPPY), converted once by DuckDB. Both run pinned to one core; each figure is
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

# The same records as Parquet, with AWS's column names and types (made once,
# kept beside the text).
here=$(cd "$(dirname "$0")" && pwd)
parquet_files() {
  local codec=$1 dir="$data-parquet-$1"
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    for f in "${gz[@]}"; do
      node "$here/../tests/node/parquet_files.mjs" "$f" "$dir/$(basename "$f" .log.gz).log.parquet" "$codec"
    done
    touch "$dir/.complete"
  fi
  find "$dir" -name '*.parquet' | sort
}
mapfile -t pq_gzip < <(parquet_files gzip)
mapfile -t pq_snappy < <(parquet_files snappy)
pq_gzip_bytes=$(cat "${pq_gzip[@]}" | wc -c)
pq_snappy_bytes=$(cat "${pq_snappy[@]}" | wc -c)

t_libdeflate=$(best_of libdeflate-gunzip -c "${gz[@]}")
t_zcat=$(best_of gzip -dc "${gz[@]}")
t_flowdex=$(best_of "$flowdex" parse --count "${gz[@]}")
rss=$(peak_rss_kb "$flowdex" parse --count "${gz[@]}")
t_pq_gzip=$(best_of "$flowdex" parse --count "${pq_gzip[@]}")
t_pq_snappy=$(best_of "$flowdex" parse --count "${pq_snappy[@]}")
rss_pq=$(peak_rss_kb "$flowdex" parse --count "${pq_gzip[@]}")

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
row "flowdex parse --count, Parquet GZIP" "$t_pq_gzip"
row "flowdex parse --count, Parquet SNAPPY" "$t_pq_snappy"
echo "flowdex parse peak memory: $((rss / 1024)) MB (gzip text), $((rss_pq / 1024)) MB (Parquet GZIP)"
printf 'Parquet vs the same records as gzip text: GZIP %.2fx, SNAPPY %.2fx the text rate (%s MB and %s MB on disk)\n' \
  "$(awk "BEGIN{print $t_flowdex / $t_pq_gzip}")" "$(awk "BEGIN{print $t_flowdex / $t_pq_snappy}")" \
  "$(awk "BEGIN{printf \"%.1f\", $pq_gzip_bytes / 1e6}")" "$(awk "BEGIN{printf \"%.1f\", $pq_snappy_bytes / 1e6}")"
echo "goals: >= 2 M records/s, <= 3.00x libdeflate-gunzip; Parquet at least as fast per record as gzip text (>= 1.00x)"
