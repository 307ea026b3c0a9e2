#!/usr/bin/env bash
# Users keep their data across upgrades: a store written by the release
# before manifest format 2 (tests/fixtures/format1, made by
# tests/fixtures/format1/README.md's commands) opens, converts in place and
# answers exactly as the same flow files ingested afresh.
FLOWDEX=${1:?usage: upgrade_test.sh path/to/flowdex}
source "$(dirname "$0")/lib.sh"
FIXTURE=$(cd "$(dirname "$0")/../fixtures/format1" && pwd)

cp -r "$FIXTURE/store" "$WORK/old"
check "the fixture is a format 1 store" grep -q '"format":1' "$WORK"/old/MANIFEST-*

"$FLOWDEX" upgrade --data "$WORK/old" >"$WORK/upgrade.txt" 2>&1
rc=$?
check "flowdex upgrade succeeds" test "$rc" -eq 0
check "it says what it converted" grep -q "upgraded from format 1 to 2; 3 sources moved" "$WORK/upgrade.txt"
check "the new manifest is format 2" grep -q '"format":2' "$WORK"/old/MANIFEST-*
check "the sources are in their own log" test -s "$(ls "$WORK"/old/SOURCES-* | head -1)"
"$FLOWDEX" upgrade --data "$WORK/old" >"$WORK/again.txt" 2>&1
check "a second upgrade finds nothing to do" grep -q "already at format 2" "$WORK/again.txt"

"$FLOWDEX" check --data "$WORK/old" >"$WORK/check.txt" 2>&1
check "check passes: 1500 rows, 3 sources, each once" grep -q "3 segments, 1500 rows.*3 sources, each stored exactly once: OK" \
  "$WORK/check.txt"

# The same flow files, ingested by this release: every row, field by field.
"$FLOWDEX" ingest --data "$WORK/new" "$FIXTURE/flows" >/dev/null 2>&1
for q in '' 'event.action:REJECT' 'destination.port:22 OR destination.port:443' 'source.ip:10.0.0.0/8'; do
  "$FLOWDEX" search --data "$WORK/old" --size 2000 --format ndjson --sort '@timestamp:asc,event.id:asc' "$q" \
    | sort >"$WORK/old.ndjson"
  "$FLOWDEX" search --data "$WORK/new" --size 2000 --format ndjson --sort '@timestamp:asc,event.id:asc' "$q" \
    | sort >"$WORK/new.ndjson"
  rows=$(wc -l <"$WORK/old.ndjson")
  check "query '$q': the upgraded store returns the same $rows rows" cmp -s "$WORK/old.ndjson" "$WORK/new.ndjson"
  check "query '$q' returns rows" test "$rows" -gt 0
done
# Ingesting into the upgraded store still works, and adds each file once.
"$FLOWDEX" ingest --data "$WORK/old" "$FIXTURE/flows" >"$WORK/reingest.txt" 2>&1
check "the same files again add nothing (each record's id is known)" grep -q "^flowdex ingest: 0 records indexed" \
  "$WORK/reingest.txt"
finish
