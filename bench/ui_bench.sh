#!/usr/bin/env bash
# The web UI on 10 million flows (the query benchmark's store): Discover's first
# render and each dashboard panel's query, against the issue's goals.
# usage: bench/ui_bench.sh BUILD_DIR   (env: RECORDS, FILES, RUNS)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
records=${RECORDS:-10000000}
files=${FILES:-100}
here=$(cd "$(dirname "$0")" && pwd)
flowdex="$build/flowdex"
data="$build/bench-data/v2-$records-$files"
work="$build/bench-query-$records-$files"
source "$here/lib.sh"
ensure_data "$flowdex" "$data" "$records" "$files"
if [[ ! -d "$work/flowdex" ]]; then
  mkdir -p "$work"
  "$flowdex" ingest --data "$work/flowdex" "$data" >/dev/null 2>&1
fi
ready=$(mktemp)
"$flowdex" serve --data "$work/flowdex" --listen 127.0.0.1:0 --ready-file "$ready" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$ready"' EXIT
for _ in $(seq 100); do [[ -s "$ready" ]] && break; sleep 0.1; done
url=$(cat "$ready")
# The data's time span (gen's files cover 5 minutes each from its start).
span=$(curl -s "$url/logs-*/_search" -H 'content-type: application/json' \
  -d '{"size":0,"aggs":{"a":{"min":{"field":"@timestamp"}},"b":{"max":{"field":"@timestamp"}}}}' |
  python3 -c 'import datetime, json, sys
a = json.load(sys.stdin)["aggregations"]
iso = lambda ms: datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
print(iso(a["a"]["value"]), iso(a["b"]["value"] + 1000))')
read -r from to <<<"$span"
node "$here/ui_bench.mjs" "$url" "$from" "$to"
