#!/usr/bin/env bash
# flowdex serve under load from wrk (Debian's): _search (a Discover-style
# query: KQL filter, newest 50, a date_histogram) and _bulk (1,000 small
# documents per request), with throughput, p50/p99 latency and errors. The
# peer is flowdex's own engine in-process on the same query (flowdex query
# --repeat): the ratio is what HTTP and JSON cost on top.
# usage: bench/http_bench.sh BUILD_DIR   (env: RECORDS, DURATION, CONNECTIONS)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
records=${RECORDS:-1000000}
duration=${DURATION:-10}
connections=${CONNECTIONS:-8}
here=$(cd "$(dirname "$0")" && pwd)
flowdex="$build/flowdex"
data="$build/bench-data/v2-$records-24"
work="$build/bench-http-$records"

source "$here/lib.sh"
ensure_data "$flowdex" "$data" "$records" 24
rm -rf "$work" && mkdir -p "$work"
"$flowdex" ingest --data "$work/data" "$data" >/dev/null 2>&1

body='{"size":50,"sort":[{"@timestamp":"desc"}],"query":{"kql":{"query":"event.action:REJECT and destination.port < 1024"}},"aggs":{"over_time":{"date_histogram":{"field":"@timestamp","fixed_interval":"5m"}}}}'
inproc=$("$flowdex" query --data "$work/data" --index logs-aws.vpcflow-default --repeat 50 "$body" 2>&1 >/dev/null |
         python3 -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["median_ms"])')

"$flowdex" serve --data "$work/data" --listen 127.0.0.1:0 --ready-file "$work/ready" 2>"$work/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$work/ready" ]] && break; sleep 0.1; done
url=$(cat "$work/ready")

cat >"$work/search.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$body]]
LUA
python3 - "$work/bulk.lua" <<'PY'
import sys
lines = []
for i in range(1000):
    lines.append('{"index":{"_index":"bench-docs"}}')
    lines.append('{"@timestamp":"2026-11-27T10:%02d:%02dZ","service":"svc-%d","latency_ms":%d,"message":"request %d done"}'
                 % (i // 60 % 60, i % 60, i % 7, i % 500, i))
body = "\n".join(lines) + "\n"
open(sys.argv[1], "w").write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/x-ndjson"\n'
                             'wrk.body = [[' + body + ']]\n')
PY

# Runs wrk and prints requests/s, p50, p99 and errors; fails on any error.
load() {
  local name=$1 script=$2 path=$3 conns=$4
  local out
  out=$(wrk -t"$(( conns < 2 ? 1 : 2 ))" -c"$conns" -d"${duration}s" --latency -s "$script" "$url$path")
  local rps p50 p99 non2xx socket
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  socket=$(awk '/Socket errors/ {print $0}' <<<"$out")
  echo "$name: ${rps} requests/s, p50 ${p50}, p99 ${p99}, non-2xx ${non2xx:-0}${socket:+, $socket}"
  if [[ -n "$non2xx" || -n "$socket" ]]; then echo "http_bench: $name had errors" >&2; return 1; fi
  echo "$rps"
}
single=$(load "_search (1 connection)" "$work/search.lua" /logs/_search 1)
echo "$single" | head -1
single_rps=$(echo "$single" | tail -1)
search=$(load "_search ($connections connections)" "$work/search.lua" /logs/_search "$connections")
echo "$search" | head -1
rps=$(echo "$search" | tail -1)
bulk=$(load "_bulk of 1,000 documents ($connections connections)" "$work/bulk.lua" /_bulk "$connections")
echo "$bulk" | head -1
bulk_rps=$(echo "$bulk" | tail -1)
python3 - "$single_rps" "$inproc" "$bulk_rps" <<'PY'
import sys
single, inproc, bulk = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
per_request_ms = 1000 / single  # one connection: requests back to back
print(f"in-process engine (flowdex query --repeat 50, a fresh process): {inproc:.2f} ms median for the same query; "
      f"over HTTP, one request at a time: {per_request_ms:.2f} ms each, response JSON and HTTP included "
      f"({per_request_ms / inproc:.2f}x; the server's caches are warmer after thousands of runs)")
print(f"_bulk: {bulk * 1000:,.0f} documents/s, each request committed durably (fsync) before its answer")
PY
