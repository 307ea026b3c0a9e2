#!/usr/bin/env bash
# flowdex query, end to end: Elasticsearch-shaped responses and errors.
FLOWDEX=${1:?usage: query_cli_test.sh path/to/flowdex}
source "$(dirname "$0")/lib.sh"

"$FLOWDEX" gen --records 20000 --files 2 --seed 8 --out "$WORK/logs" 2>/dev/null
"$FLOWDEX" ingest --data "$WORK/data" "$WORK/logs" 2>/dev/null
expected=$("$FLOWDEX" parse "$WORK/logs" 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l).get("event", {}).get("action") == "REJECT"))')

"$FLOWDEX" query --data "$WORK/data" '{"query":{"term":{"event.action":"REJECT"}},"track_total_hits":true,"size":3}' \
  >"$WORK/rejects.json"; rc=$?
check "query exits 0" test "$rc" -eq 0
check "the total matches the REJECT lines parse finds ($expected)" python3 - "$WORK/rejects.json" "$expected" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["hits"]["total"] == {"value": int(sys.argv[2]), "relation": "eq"}, r["hits"]["total"]
assert len(r["hits"]["hits"]) == 3
for h in r["hits"]["hits"]:
    assert h["_index"] == "logs-aws.vpcflow-default"
    assert h["_source"]["event"]["action"] == "REJECT"
    assert h["_source"]["event"]["outcome"] == "failure"
PY
# The data stream's constants, which Kibana's VPC flow dashboards filter on:
# every flow has them (query time only: _source is the pipeline's output).
"$FLOWDEX" query --data "$WORK/data" --index 'logs-*' \
  '{"size":1,"track_total_hits":true,"query":{"kql":{"query":"data_stream.dataset : \"aws.vpcflow\" and data_stream.type:logs and event.dataset:aws.vpcflow"}},"aggs":{"ns":{"terms":{"field":"data_stream.namespace"}}}}' \
  >"$WORK/dataset.json"
check "data_stream.dataset:aws.vpcflow matches every flow, and is not in _source" python3 - "$WORK/dataset.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["hits"]["total"]["value"] == 20000, r["hits"]["total"]
assert r["aggregations"]["ns"]["buckets"] == [{"key": "default", "doc_count": 20000}], r["aggregations"]
assert "data_stream" not in r["hits"]["hits"][0]["_source"]
PY
"$FLOWDEX" query --data "$WORK/data" --index 'logs-*' \
  '{"query":{"bool":{"filter":[{"term":{"source.ip":"10.0.0.0/8"}}],"must_not":{"term":{"destination.port":443}}}},"sort":[{"source.bytes":"desc"}],"size":5}' \
  >"$WORK/sorted.json"
check "sorted hits carry sort values in order" python3 - "$WORK/sorted.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
vals = [h["sort"][0] for h in r["hits"]["hits"]]
assert vals == sorted(vals, reverse=True) and len(vals) == 5, vals
assert r["hits"]["max_score"] is None
for h in r["hits"]["hits"]:
    assert h["_source"]["source"]["ip"].startswith("10.")
    assert h["_source"]["destination"]["port"] != 443
PY
"$FLOWDEX" query --data "$WORK/data" '{"query": {"match": {"destination_ip": {"exists": true}}}}' >"$WORK/err.json"; rc=$?
check "the seed's bad body exits 1" test "$rc" -eq 1
check "with Elasticsearch's parsing_exception" python3 - "$WORK/err.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
assert e["status"] == 400
assert e["error"]["type"] == "parsing_exception"
assert e["error"]["reason"] == "[match] query does not support [exists]"
assert e["error"]["root_cause"][0]["line"] == 1
PY
"$FLOWDEX" query --data "$WORK/data" '{"query":{"term":{"destination.port":"ssh"}}}' >"$WORK/bad.json"; rc=$?
check "an unreadable value is a 400 error, not a crash" python3 -c "
import json; e = json.load(open('$WORK/bad.json'))
assert e['status'] == 400 and e['error']['type'] == 'search_phase_execution_exception', e
assert e['error']['root_cause'][0]['type'] == 'query_shard_exception' and 'ssh' in e['error']['root_cause'][0]['reason'], e"

# Rollups: ingest built them; an eligible aggregation reads them and answers
# as raw rows do (--no-rollups).
body='{"size":0,"query":{"term":{"event.action":"REJECT"}},"aggs":{"p":{"terms":{"field":"destination.port","size":5},"aggs":{"b":{"sum":{"field":"source.bytes"}}}}}}'
"$FLOWDEX" query --data "$WORK/data" --repeat 1 "$body" >"$WORK/rolled.json" 2>"$WORK/rolled.err"
"$FLOWDEX" query --data "$WORK/data" --repeat 1 --no-rollups "$body" >"$WORK/raw.json" 2>"$WORK/raw.err"
check "an eligible aggregation reads the ports rollup" grep -q '"rollup":"ports"' "$WORK/rolled.err"
check "--no-rollups reads raw rows" grep -q '"rollup":""' "$WORK/raw.err"
check "both answer the same" python3 - "$WORK/rolled.json" "$WORK/raw.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for r in (a, b):
    r.pop("took"); r.pop("_shards")
assert a == b, (a, b)
assert a["aggregations"]["p"]["buckets"], a
PY
"$FLOWDEX" check --data "$WORK/data" >"$WORK/check.txt" 2>&1
check "check counts the rollups against the raw rows" grep -Eq "[1-9][0-9]* rollup segments.*exactly once: OK" \
  "$WORK/check.txt"

# Serving restarts itself with transparent huge pages for the heap where the
# kernel offers them on request (util/allocator_tuning.h).
serve_env() {  # serve_env [VAR=value...]: the environment serve ends up with
  rm -f "$WORK/ready"
  env "$@" "$FLOWDEX" serve --data "$WORK/data" --listen 127.0.0.1:0 --ready-file "$WORK/ready" 2>/dev/null &
  local pid=$!
  for _ in $(seq 100); do [[ -s "$WORK/ready" ]] && break; sleep 0.1; done
  tr '\0' '\n' <"/proc/$pid/environ"
  kill "$pid"; wait "$pid" 2>/dev/null
}
if grep -qa -e __asan_init -e __tsan_init "$FLOWDEX"; then
  pass "serve leaves the heap alone under sanitizers (their own allocator)"
  check "  and keeps its environment" bash -c "! grep -q hugetlb <(cat)" < <(serve_env)
elif grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
  check "serve runs with glibc.malloc.hugetlb=1" grep -q 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1' <(serve_env)
  check "  not over the user's own tunables" grep -qx 'GLIBC_TUNABLES=glibc.malloc.arena_max=4' \
    <(serve_env GLIBC_TUNABLES=glibc.malloc.arena_max=4)
  check "  not with FLOWDEX_NO_HUGE_PAGES" bash -c "! grep -q hugetlb <(cat)" < <(serve_env FLOWDEX_NO_HUGE_PAGES=1)
else
  check "serve leaves the heap alone without transparent huge pages on request" \
    bash -c "! grep -q hugetlb <(cat)" < <(serve_env)
fi
finish
