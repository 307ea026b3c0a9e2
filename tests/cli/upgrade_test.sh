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
finish
