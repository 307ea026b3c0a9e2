#!/usr/bin/env bash
# `make bench`: every flowdex benchmark, each measured against a peer in the
# same run, printing figures and ratios. Later benchmarks add themselves here.
# usage: bench/run.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)

echo "### Parsing: flowdex parse --count vs libdeflate-gunzip -c (whole process)"
"$here/parse_bench.sh" "$build"
echo
echo "### Ingest: flowdex ingest vs DuckDB read_csv into a table (whole process)"
"$here/ingest_bench.sh" "$build"
echo
echo "### Queries: flowdex's engine vs DuckDB on the same 10M rows (warm, in-process)"
"$here/query_bench.sh" "$build"
echo
echo "### HTTP: flowdex serve under wrk (_search and _bulk) vs the same query in-process"
"$here/http_bench.sh" "$build"
echo
echo "### S3 -> flowdex against moto_server: worker and backfill vs a boto3 download of the same objects"
python3 "$here/s3_bench.py" "$build"
echo
echo "### Web UI on 10M flows: Discover's first render, dashboard panel queries (headless Chromium)"
"$here/ui_bench.sh" "$build"
echo
echo "### Detections: every prebuilt rule over a week with 20 planted incidents (precision, recall, cost)"
python3 "$here/detections_bench.py" "$build"
echo
echo "### Parse path micro-benchmarks (Google Benchmark)"
"$build/parse_benchmark" --benchmark_min_time=0.5
echo
echo "### One commit (one object's bookkeeping) with 1,000 vs 1,000,000 objects already stored"
"$build/store_benchmark" --benchmark_min_time=0.5
