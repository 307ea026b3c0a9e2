#!/usr/bin/env bash
# GeoIP and ASN enrichment end to end (docs/enrichment.md): `parse
# --geoip-dir` writes the fields Elastic's aws.vpcflow pipeline adds
# (tests/enrich/expected.ndjson, worked out by hand from the records that
# tests/enrich/make_geoip_test_db.pl writes), `ingest --geoip-dir` stores
# them so that search shows the same documents, KQL, the DSL and
# aggregations use them, and each file records the databases it was
# enriched with.
FLOWDEX=${1:?usage: geoip_cli_test.sh path/to/flowdex GEOIP_DIR}
GEOIP=${2:?usage: geoip_cli_test.sh path/to/flowdex GEOIP_DIR}
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")/../enrich" && pwd)

"$FLOWDEX" parse --geoip-dir "$GEOIP" "$HERE/flows.log" >"$WORK/parsed.ndjson" 2>"$WORK/parse.err"
check "parse --geoip-dir succeeds" test "$?" -eq 0
# Field by field: the enrichment objects of each side, and nothing else added.
compare() {
  python3 - "$1" "$HERE/expected.ndjson" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == len(want), (len(got), len(want))
for i, (g, w) in enumerate(zip(got, want)):
    for side in ("source", "destination"):
        have = {k: v for k, v in g.get(side, {}).items() if k in ("as", "geo")}
        if have != w[side]:
            sys.exit(f"record {i + 1} {side}: got {have}, want {w[side]}")
        extra = set(g.get(side, {})) - {"address", "as", "bytes", "geo", "ip", "packets", "port"}
        if extra:
            sys.exit(f"record {i + 1} {side}: unexpected {extra}")
PY
}
check "every record's source/destination .geo and .as are as Elastic's pipeline writes them" \
  compare "$WORK/parsed.ndjson"

"$FLOWDEX" parse "$HERE/flows.log" >"$WORK/plain.ndjson" 2>/dev/null
check "without --geoip-dir there are no geo or as fields" bash -c "! grep -q '\"geo\"\|\"as\"' '$WORK/plain.ndjson'"
FLOWDEX_GEOIP_DIR="$GEOIP" "$FLOWDEX" parse "$HERE/flows.log" >"$WORK/env.ndjson" 2>/dev/null
check "FLOWDEX_GEOIP_DIR does what --geoip-dir does" cmp -s "$WORK/env.ndjson" "$WORK/parsed.ndjson"
"$FLOWDEX" parse --geoip-dir "$WORK/nowhere" "$HERE/flows.log" >/dev/null 2>"$WORK/bad.err"
check "a missing folder is a usage error (exit 2)" test "$?" -eq 2
check "naming the option" grep -q "^flowdex parse: --geoip-dir: GeoIP folder $WORK/nowhere" "$WORK/bad.err"

"$FLOWDEX" ingest --data "$WORK/store" --geoip-dir "$GEOIP" "$HERE/flows.log" >"$WORK/ingest.txt" 2>&1
check "ingest --geoip-dir succeeds" test "$?" -eq 0
"$FLOWDEX" query --data "$WORK/store" '{"size":100,"sort":[{"@timestamp":"asc"},{"_id":"asc"}]}' >"$WORK/all.json"
python3 - "$WORK/all.json" "$WORK/stored.ndjson" <<'PY'
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]["hits"]
hits.sort(key=lambda h: int(h["_id"].rsplit("-", 1)[1]))  # line order
with open(sys.argv[2], "w") as f:
    for h in hits:
        f.write(json.dumps(h["_source"]) + "\n")
PY
check "search shows the stored documents enriched as parse does" compare "$WORK/stored.ndjson"
same_docs() {
  python3 -c '
import json, sys
a = sorted(json.dumps(json.loads(l), sort_keys=True) for l in open(sys.argv[1]))
b = sorted(json.dumps(json.loads(l), sort_keys=True) for l in open(sys.argv[2]))
sys.exit(a != b)' "$1" "$2"
}
check "and every stored document equals parse's, byte for byte as JSON" same_docs "$WORK/stored.ndjson" \
  "$WORK/parsed.ndjson"

"$FLOWDEX" check --data "$WORK/store" --sources >"$WORK/sources.txt" 2>&1
check "the file records the databases that enriched it" \
  grep -q "flows.log	9	0	logs-aws.vpcflow-default	GeoLite2-City 2025-12-01, GeoLite2-ASN 2025-12-01" \
  "$WORK/sources.txt"

# ips QUERY: the source>destination pairs a query matches, sorted.
ips() {
  "$FLOWDEX" query --data "$WORK/store" "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if "error" in d: print("ERROR", d["error"]["root_cause"][0]["type"], d["error"]["root_cause"][0]["reason"]); sys.exit()
print(" ".join(sorted(h["_source"]["source"].get("ip", "-") + ">" + h["_source"]["destination"].get("ip", "-") for h in d["hits"]["hits"])))'
}
kql() { ips "{\"size\":100,\"query\":{\"kql\":{\"query\":\"$1\"}}}"; }
check "KQL on a country" test "$(kql 'source.geo.country_iso_code:GB or destination.geo.country_iso_code:GB')" = \
  "52.94.200.3>81.2.69.161 81.2.69.160>10.0.1.5"
check "KQL on an AS number" test "$(kql 'destination.as.number:16509')" = "89.160.20.200>52.94.7.1"
check "KQL wildcard on an organisation" test "$(kql 'source.as.organization.name:Tel*')" = "1.130.0.9>8.8.8.8"
check "KQL exists on a location" test "$(kql 'destination.geo.location:*')" = \
  "10.0.1.5>216.160.83.57 175.16.199.1>2001:480::9 52.94.200.3>81.2.69.161 89.160.20.200>52.94.7.1"
check "KQL: flows with no source country" test "$(kql 'not source.geo.country_iso_code:* and source.ip:*')" = \
  "10.0.1.5>216.160.83.57 10.0.1.7>10.0.1.5 175.16.199.1>2001:480::9 45.0.3.4>10.0.1.5"
box='{"size":100,"query":{"geo_bounding_box":{"source.geo.location":{"top_left":{"lat":60,"lon":-5},"bottom_right":[20,40]}}}}'
check "geo_bounding_box on the source location (Europe)" test "$(ips "$box")" = \
  "81.2.69.160>10.0.1.5 89.160.20.200>52.94.7.1"
dateline='{"size":100,"query":{"geo_bounding_box":{"destination.geo.location":{"wkt":"BBOX (170, -90, 50, 30)"}}}}'
check "a box across the antimeridian" test "$(ips "$dateline")" = \
  "10.0.1.5>216.160.83.57 175.16.199.1>2001:480::9"
check "a term query on a geo_point is Elasticsearch's error" test \
  "$(ips '{"query":{"term":{"source.geo.location":"51.75,-1.25"}}}')" = \
  "ERROR query_shard_exception failed to create query: Geometry fields do not support exact searching, use dedicated geometry queries instead: [source.geo.location]"
check "a geo_bounding_box on an ip field is refused" test \
  "$(ips '{"query":{"geo_bounding_box":{"source.ip":{"top":1,"left":1,"bottom":0,"right":2}}}}')" = \
  "ERROR query_shard_exception failed to create query: Field [source.ip] is of unsupported type [ip] for [geo_bounding_box] query"
"$FLOWDEX" query --data "$WORK/store" \
  '{"size":0,"aggs":{"c":{"terms":{"field":"destination.geo.country_name"}},"a":{"terms":{"field":"source.as.number"}}}}' \
  >"$WORK/aggs.json"
check "terms on a country, counted" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["aggregations"]
assert [(b["key"], b["doc_count"]) for b in a["c"]["buckets"]] == [("United States", 3), ("United Kingdom", 1)], a["c"]
assert sorted((b["key"], b["doc_count"]) for b in a["a"]["buckets"]) == [(1221, 1), (16509, 1), (20712, 1), (29518, 1), (64500, 1)], a["a"]
' "$WORK/aggs.json"
"$FLOWDEX" search --data "$WORK/store" 'source.geo.country_iso_code:GB' >"$WORK/table.txt" 2>&1
check "search tables name the country beside an address" grep -q "81.2.69.160:44321 (GB) *10.0.1.5:443 " \
  "$WORK/table.txt"
"$FLOWDEX" search --data "$WORK/store" --stats source.as.organization.name '*' >"$WORK/stats.txt" 2>&1
check "search --stats on an AS organisation" grep -q "^Andrews & Arnold Ltd  *1 " "$WORK/stats.txt"
# AWS's published ranges (tests/enrich/ip-ranges.json, AWS's format): the
# service and region of AWS addresses, beside the GeoIP fields.
"$FLOWDEX" parse --geoip-dir "$GEOIP" --aws-ip-ranges "$HERE/ip-ranges.json" "$HERE/flows.log" \
  >"$WORK/aws.ndjson" 2>/dev/null
check "--aws-ip-ranges names AWS addresses by service and region, and nothing else changes" python3 - \
  "$WORK/aws.ndjson" "$WORK/parsed.ndjson" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
base = [json.loads(l) for l in open(sys.argv[2])]
want = {(5, "destination"): {"region": "us-east-1", "service": "S3"},
        (7, "source"): {"region": "us-east-1", "service": "AMAZON"}}
for i, (g, b) in enumerate(zip(got, base)):
    for side in ("source", "destination"):
        aws = g.get(side, {}).pop("aws", None)
        assert aws == want.get((i, side)), (i, side, aws)
    assert g == b, (i, g, b)
PY
"$FLOWDEX" parse --aws-ip-ranges "$WORK/nowhere.json" "$HERE/flows.log" >/dev/null 2>"$WORK/bad-ranges.err"
check "a missing ranges file is a usage error naming the option" grep -q "^flowdex parse: --aws-ip-ranges: " \
  "$WORK/bad-ranges.err"
# Fetched from a URL (a local web server standing in for ip-ranges.amazonaws.com).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$HERE" >/dev/null 2>&1 &
web=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ip-ranges.json" >/dev/null && break; sleep 0.1; done
"$FLOWDEX" ingest --data "$WORK/store-aws" --geoip-dir "$GEOIP" \
  --aws-ip-ranges "http://127.0.0.1:$port/ip-ranges.json" "$HERE/flows.log" >/dev/null 2>&1
check "ingest --aws-ip-ranges URL succeeds" test "$?" -eq 0
kill "$web" 2>/dev/null
"$FLOWDEX" query --data "$WORK/store-aws" '{"query":{"kql":{"query":"destination.aws.service:S3 or source.aws.region:us-east-1"}}}' \
  >"$WORK/aws.json"
check "KQL on the AWS service and region" python3 -c '
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]["hits"]
pairs = sorted(h["_source"]["source"]["ip"] + ">" + h["_source"]["destination"]["ip"] for h in hits)
assert pairs == ["52.94.200.3>81.2.69.161", "89.160.20.200>52.94.7.1"], pairs' "$WORK/aws.json"
"$FLOWDEX" check --data "$WORK/store-aws" --sources >"$WORK/sources-aws.txt" 2>&1
check "and the file records the ranges' date with the databases" \
  grep -q "GeoLite2-City 2025-12-01, GeoLite2-ASN 2025-12-01, AWS ip-ranges 2025-12-01-20-13-09" "$WORK/sources-aws.txt"

"$FLOWDEX" query --data "$WORK/store" \
  '{"size":0,"aggs":{"t":{"geotile_grid":{"field":"destination.geo.location","precision":0}}}}' >"$WORK/tiles.json"
check "geotile_grid over the destinations' locations" grep -q '"buckets":\[{"key":"0/0/0","doc_count":4}\]' \
  "$WORK/tiles.json"
finish
