#!/usr/bin/env bash
# Ingest of gzip v2 flow logs into durable storage: `flowdex ingest` against
# DuckDB loading the same files with read_csv into a typed table and
# ClickHouse inserting them into a typed MergeTree (bench/peers/clickhouse.sh),
# in the same run. Prints rate, bytes on disk against the gzip input, and
# peak memory (ClickHouse's: the server's, from /proc).
# usage: bench/ingest_bench.sh BUILD_DIR   (env: RECORDS, FILES)
set -euo pipefail
build=${1:-build}
records=${RECORDS:-10000000}
files=${FILES:-100}
here=$(cd "$(dirname "$0")" && pwd)
flowdex="$build/flowdex"
data="$build/bench-data/v2-$records-$files"
work="$build/bench-work"

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/peers/clickhouse.sh"
ensure_data "$flowdex" "$data" "$records" "$files"
if [[ ! -d "$here/peers/node_modules/@duckdb/node-api" ]]; then
  (cd "$here/peers" && npm ci --no-audit --no-fund --silent)
fi
gz_bytes=$(find "$data" -name '*.log.gz' -exec cat {} + | wc -c)
timing=$(mktemp)
trap 'rm -f "$timing"; ch_stop' EXIT

rm -rf "$work" && mkdir -p "$work"
sync
/usr/bin/time -o "$timing" -f '%e %M' "$flowdex" ingest --data "$work/flowdex" "$data" 2>"$work/flowdex.log"
read -r fx_secs fx_rss_kb <"$timing"
fx_disk=$(du -sb "$work/flowdex" | cut -f1)

# The same with GeoIP + ASN enrichment (docs/enrichment.md), from databases
# covering every public address the generator draws (#17's goal: >= 0.7x).
mkdir -p "$work/geoip" && perl "$here/../tests/enrich/make_geoip_sample_db.pl" "$work/geoip"
sync
/usr/bin/time -o "$timing" -f '%e %M' "$flowdex" ingest --data "$work/flowdex-geoip" --geoip-dir "$work/geoip" "$data" \
  2>"$work/flowdex-geoip.log"
read -r geo_secs geo_rss_kb <"$timing"
geo_disk=$(du -sb "$work/flowdex-geoip" | cut -f1)
geo_rows=$(grep -oE '^flowdex ingest: [0-9]+ records indexed' "$work/flowdex-geoip.log" | grep -oE '[0-9]+' | head -1)
rm -rf "$work/flowdex-geoip"

# And with the AWS inventory too: the generator's simulated network (every
# private address named, one instance in twenty replaced half-way).
"$flowdex" gen --records 0 --files "$files" --seed 1 --out "$work/inventory-gen" --inventory "$work/inventory.json" \
  2>/dev/null
sync
/usr/bin/time -o "$timing" -f '%e %M' "$flowdex" ingest --data "$work/flowdex-inventory" --geoip-dir "$work/geoip" \
  --inventory "$work/inventory.json" "$data" 2>"$work/flowdex-inventory.log"
read -r inv_secs inv_rss_kb <"$timing"
inv_disk=$(du -sb "$work/flowdex-inventory" | cut -f1)
inv_rows=$(grep -oE '^flowdex ingest: [0-9]+ records indexed' "$work/flowdex-inventory.log" | grep -oE '[0-9]+' | head -1)
rm -rf "$work/flowdex-inventory"

sync
/usr/bin/time -o "$timing" -f '%e %M' node "$here/peers/duckdb_load.mjs" "$data/**/*.log.gz" "$work/duck.db" \
  >"$work/duckdb.json"
read -r dk_secs dk_rss_kb <"$timing"
dk_disk=$(du -sb "$work/duck.db" | cut -f1)
dk_rows=$(sed -E 's/.*"rows":([0-9]+).*/\1/' "$work/duckdb.json")
fx_rows=$(grep -oE '^flowdex ingest: [0-9]+ records indexed' "$work/flowdex.log" | grep -oE '[0-9]+' | head -1)

ch_row=()
if ch_available && ch_start "$work/clickhouse"; then
  ch_create
  sync
  start=$(date +%s.%N)
  ch_load "$data"
  ch_secs=$(awk "BEGIN{print $(date +%s.%N) - $start}")
  ch_rows=$(ch -q 'SELECT count() FROM flows')
  ch_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$CH_PID/status")
  ch_stop
  ch_disk=$(du -sb "$work/clickhouse/data" | cut -f1)
  ch_row=("ClickHouse INSERT -> MergeTree" "$ch_rows" "$ch_secs" "$ch_disk" "$ch_rss_kb")
fi

printf '%d records of v2 flow logs in %d gzip files (%s MB), 2 cores\n' "$records" "$files" \
  "$(awk "BEGIN{printf \"%.1f\", $gz_bytes / 1e6}")"
printf '%-34s %12s %9s %14s %12s %14s %10s\n' "ingest (durable)" "rows" "seconds" "records/s" "disk MB" "disk / gzip" "peak MB"
row() {
  printf '%-34s %12s %9.2f %14s %12.1f %13.2fx %10d\n' "$1" "$2" "$3" \
    "$(awk "BEGIN{printf \"%.2f M\", $2 / $3 / 1e6}")" "$(awk "BEGIN{print $4 / 1e6}")" \
    "$(awk "BEGIN{print $4 / $gz_bytes}")" "$(($5 / 1024))"
}
row "flowdex ingest" "$fx_rows" "$fx_secs" "$fx_disk" "$fx_rss_kb"
row "flowdex ingest + GeoIP/ASN" "$geo_rows" "$geo_secs" "$geo_disk" "$geo_rss_kb"
row "flowdex + GeoIP/ASN + inventory" "$inv_rows" "$inv_secs" "$inv_disk" "$inv_rss_kb"
row "DuckDB read_csv -> table" "$dk_rows" "$dk_secs" "$dk_disk" "$dk_rss_kb"
best=$dk_secs
if [[ ${#ch_row[@]} -gt 0 ]]; then
  row "${ch_row[@]}"
  best=$(awk "BEGIN{print ($ch_secs < $dk_secs) ? $ch_secs : $dk_secs}")
fi
printf 'flowdex: %.2fx the faster peer'"'"'s rate, %.2fx DuckDB'"'"'s bytes on disk\n' \
  "$(awk "BEGIN{print $best / $fx_secs}")" "$(awk "BEGIN{print $fx_disk / $dk_disk}")"
printf 'GeoIP + ASN enrichment: %.2fx plain ingest'"'"'s rate, %.2fx its bytes on disk\n' \
  "$(awk "BEGIN{print $fx_secs / $geo_secs}")" "$(awk "BEGIN{print $geo_disk / $fx_disk}")"
echo "goals (#16): >= 3x the faster peer's rate, disk <= 0.70x the gzip input, peak memory within 512 MB"
printf 'GeoIP + ASN + inventory: %.2fx plain ingest'"'"'s rate, %.2fx its bytes on disk\n' \
  "$(awk "BEGIN{print $fx_secs / $inv_secs}")" "$(awk "BEGIN{print $inv_disk / $fx_disk}")"
echo "goal (#17): enrichment >= 0.70x plain ingest's rate"
