#!/usr/bin/env bash
# Users keep their data across upgrades: stores written by the releases
# before manifest formats 2 to 5 (tests/fixtures/format1 to format4,
# made by their README.md's commands) open, convert in place and answer exactly
# as the same flow files ingested afresh.
FLOWDEX=${1:?usage: upgrade_test.sh path/to/flowdex}
source "$(dirname "$0")/lib.sh"
FIXTURE=$(cd "$(dirname "$0")/../fixtures/format1" && pwd)

cp -r "$FIXTURE/store" "$WORK/old"
check "the fixture is a format 1 store" grep -q '"format":1' "$WORK"/old/MANIFEST-*

"$FLOWDEX" upgrade --data "$WORK/old" >"$WORK/upgrade.txt" 2>&1
rc=$?
check "flowdex upgrade succeeds" test "$rc" -eq 0
check "it says what it converted" grep -q "upgraded from format 1 to 5; 3 sources moved" "$WORK/upgrade.txt"
check "the new manifest is format 5" grep -q '"format":5' "$WORK"/old/MANIFEST-*
check "the sources are in their own log" test -s "$(ls "$WORK"/old/SOURCES-* | head -1)"
"$FLOWDEX" upgrade --data "$WORK/old" >"$WORK/again.txt" 2>&1
check "a second upgrade finds nothing to do" grep -q "already at format 5" "$WORK/again.txt"

"$FLOWDEX" check --data "$WORK/old" >"$WORK/check.txt" 2>&1
check "check passes: 1500 rows, 3 sources, each once" grep -q "3 segments, 1500 rows.*3 sources, each stored exactly once: OK" \
  "$WORK/check.txt"

# The same flow files, ingested by this release: every row, field by field.
# same_rows OLD NEW: every query answers the same rows from both stores.
same_rows() {
  local old=$1 new=$2
  for q in '' 'event.action:REJECT' 'destination.port:22 OR destination.port:443' 'source.ip:10.0.0.0/8' \
    'network.type:ipv6' 'destination.ip:* AND NOT source.ip:172.16.0.0/12'; do
    "$FLOWDEX" search --data "$old" --size 2000 --format ndjson --sort '@timestamp:asc,event.id:asc' "$q" \
      | sort >"$WORK/old.ndjson"
    "$FLOWDEX" search --data "$new" --size 2000 --format ndjson --sort '@timestamp:asc,event.id:asc' "$q" \
      | sort >"$WORK/new.ndjson"
    rows=$(wc -l <"$WORK/old.ndjson")
    check "$(basename "$old"), query '$q': the upgraded store returns the same $rows rows" \
      cmp -s "$WORK/old.ndjson" "$WORK/new.ndjson"
    check "query '$q' returns rows" test "$rows" -gt 0
  done
}
"$FLOWDEX" ingest --data "$WORK/new" "$FIXTURE/flows" >/dev/null 2>&1
same_rows "$WORK/old" "$WORK/new"
# The upgraded store takes new files into its source log, each once. (The
# fixture's own files were recorded under the path they had when it was
# made, so they are not "the same" files here.)
"$FLOWDEX" gen --records 2000 --files 2 --seed 12 --start 2026-12-01T00:10Z --out "$WORK/more" >/dev/null 2>&1
"$FLOWDEX" ingest --data "$WORK/old" "$WORK/more" >"$WORK/more1.txt" 2>&1
check "new files go into the upgraded store" grep -q "^flowdex ingest: 2000 records indexed from 2 files" "$WORK/more1.txt"
"$FLOWDEX" ingest --data "$WORK/old" "$WORK/more" >"$WORK/more2.txt" 2>&1
check "and again add nothing (2 files already ingested)" grep -q "0 records indexed.*(2 files already ingested)" \
  "$WORK/more2.txt"
"$FLOWDEX" check --data "$WORK/old" >"$WORK/check2.txt" 2>&1
check "check: 3500 rows, 5 sources, each once" grep -q "3500 rows.*5 sources, each stored exactly once: OK" \
  "$WORK/check2.txt"

# upgrade_fixture N: copies fixtures/formatN/store to $WORK/oldN, upgrades it
# and checks it is marked format 5 (so that older readers refuse it).
upgrade_fixture() {
  local n=$1
  cp -r "$(dirname "$0")/../fixtures/format$n/store" "$WORK/old$n"
  check "fixture $n is a format $n store" grep -q "\"format\":$n" "$WORK/old$n"/MANIFEST-*
  "$FLOWDEX" upgrade --data "$WORK/old$n" >"$WORK/upgrade$n.txt" 2>&1
  check "flowdex upgrade of format $n succeeds" test "$?" -eq 0
  check "it says format $n to 5, nothing moved" grep -qx ".*: upgraded from format $n to 5" "$WORK/upgrade$n.txt"
  check "the manifest is now format 5" grep -q '"format":5' "$WORK/old$n"/MANIFEST-*
}

# Format 2 (address blocks with IPv6 rows of kind 5, 16 bytes a row): opens
# and answers the same.
upgrade_fixture 2
"$FLOWDEX" ingest --data "$WORK/new2" "$(dirname "$0")/../fixtures/format2/flows" >/dev/null 2>&1
same_rows "$WORK/old2" "$WORK/new2"

# Format 3 (no blocks of kinds 9-11, hourly rollups beside the raw rows):
# opens, answers the same, and its rollups still answer aggregations.
upgrade_fixture 3
"$FLOWDEX" check --data "$WORK/old3" >"$WORK/check3.txt" 2>&1
check "check passes on the upgraded format 3 store" grep -q "1500 rows.*each stored exactly once: OK" "$WORK/check3.txt"
same_rows "$WORK/old3" "$WORK/new2"
agg='{"size":0,"aggs":{"h":{"date_histogram":{"field":"@timestamp","fixed_interval":"1h"},
  "aggs":{"p":{"terms":{"field":"destination.port","size":5}},"b":{"sum":{"field":"network.bytes"}}}}}}'
"$FLOWDEX" query --data "$WORK/old3" "$agg" | grep -o '"aggregations".*' >"$WORK/agg-old.json"
"$FLOWDEX" query --data "$WORK/new2" "$agg" | grep -o '"aggregations".*' >"$WORK/agg-new.json"
check "the format 3 store's rollups answer an hourly aggregation as a fresh store does" \
  cmp -s "$WORK/agg-old.json" "$WORK/agg-new.json"
check "and the answer has buckets" grep -q '"doc_count":[1-9]' "$WORK/agg-old.json"
"$FLOWDEX" query --data "$WORK/old3" --repeat 1 "$agg" 2>"$WORK/agg-stats.json" >/dev/null
check "from the format 3 store's rollup rows" grep -q '"rollup":"ports' "$WORK/agg-stats.json"

# Format 4 (sources without the GeoIP databases they were enriched with):
# opens, answers the same, and takes more files.
upgrade_fixture 4
"$FLOWDEX" check --data "$WORK/old4" >"$WORK/check4.txt" 2>&1
check "check passes on the upgraded format 4 store" grep -q "1500 rows.*each stored exactly once: OK" "$WORK/check4.txt"
same_rows "$WORK/old4" "$WORK/new2"
"$FLOWDEX" ingest --data "$WORK/old4" "$WORK/more" >"$WORK/more4.txt" 2>&1
check "the format 4 store takes new files" grep -q "records indexed from 2 files" "$WORK/more4.txt"
finish
