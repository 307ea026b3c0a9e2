#!/usr/bin/env bash
# flowdex ingest and check, end to end.
FLOWDEX=${1:?usage: ingest_cli_test.sh path/to/flowdex}
source "$(dirname "$0")/lib.sh"

"$FLOWDEX" gen --records 50000 --files 5 --seed 4 --out "$WORK/logs" 2>/dev/null
gz_bytes=$(find "$WORK/logs" -name '*.gz' -exec cat {} + | wc -c)

"$FLOWDEX" ingest --data "$WORK/data" "$WORK/logs" 2>"$WORK/out.txt"; rc=$?
check "ingest exits 0" test "$rc" -eq 0
check "summary: records indexed" grep -q '50000 records indexed from 5 files' "$WORK/out.txt"
check "summary: not a terminal, no progress bar escape codes" test -z "$(grep -c $'\r' "$WORK/out.txt" | grep -v '^0$')"
"$FLOWDEX" check --data "$WORK/data" >"$WORK/check.txt" 2>&1; rc=$?
check "check passes" test "$rc" -eq 0
check "check counts the rows" grep -q '50000 rows' "$WORK/check.txt"
disk=$(find "$WORK/data/indices" -name '*.seg' -exec cat {} + | wc -c)
check "stored in less than the gzip input ($disk < $gz_bytes bytes)" test "$disk" -lt "$gz_bytes"

FLOWDEX_DATA="$WORK/data" "$FLOWDEX" ingest "$WORK/logs" 2>"$WORK/again.txt"; rc=$?
check "FLOWDEX_DATA names the data directory; a second ingest exits 0" test "$rc" -eq 0
check "a second ingest adds nothing" grep -q '0 records indexed from 0 files' "$WORK/again.txt"
check "and says what it skipped" grep -q '50000 duplicate records skipped (5 files already ingested)' "$WORK/again.txt"

# Bad input: bad lines are summarised, a missing path fails the run.
printf '%s\n' 'version srcaddr dstaddr action' '2 10.0.0.1 10.0.0.2 ACCEPT' '2 10.0.0.1 nope ACCEPT' >"$WORK/bad.log"
"$FLOWDEX" ingest --data "$WORK/data" "$WORK/bad.log" "$WORK/nothing-here" 2>"$WORK/bad.txt"; rc=$?
check "a missing path exits 1" test "$rc" -eq 1
check "bad lines are listed as file:line: reason" grep -q "bad.log:3: bad dstaddr 'nope'" "$WORK/bad.txt"
check "the good line is indexed" grep -q '1 records indexed from 1 files' "$WORK/bad.txt"

# JSON documents (NDJSON, plain and gzip) into their own index.
mkdir -p "$WORK/docs"
cat >"$WORK/docs/app.ndjson" <<'DOCS'
{"@timestamp":"2026-11-27T10:00:00Z","message":"user alice logged in","user":{"name":"alice","id":1}}
{"@timestamp":"2026-11-27T10:01:00Z","message":"user bob failed","user":{"name":"bob","id":"not a number"}}
{"@timestamp":"2026-11-27T10:02:00Z","message":"user carol logged in","user":{"name":"carol","id":3},"tags":["a","b"]}
DOCS
gzip -c "$WORK/docs/app.ndjson" >"$WORK/docs/more.ndjson.gz"
"$FLOWDEX" ingest --data "$WORK/data" --documents "$WORK/docs" 2>"$WORK/nodx.txt"; rc=$?
check "--documents without --index is a usage error" test "$rc" -eq 2
"$FLOWDEX" ingest --data "$WORK/data" --documents --index app-logs "$WORK/docs" 2>"$WORK/docs.txt"; rc=$?
check "documents ingest exits 0" test "$rc" -eq 0
check "good documents are indexed" grep -q '4 records indexed from 2 files into app-logs' "$WORK/docs.txt"
check "a document that does not fit the mapping is reported the Elasticsearch way" \
  grep -q "app.ndjson:2: document_parsing_exception: failed to parse field \[user.id\] of type \[long\]" "$WORK/docs.txt"
check "the mapping is committed" grep -q '"app-logs":{"properties"' "$WORK/data"/MANIFEST-*
"$FLOWDEX" check --data "$WORK/data" >"$WORK/check2.txt" 2>&1
check "flows and documents together check out" grep -q 'exactly once: OK' "$WORK/check2.txt"

# --max-disk: whole days go, oldest first, the newest always stays.
"$FLOWDEX" gen --records 3000 --files 3 --seed 5 --start 2026-11-30T23:50Z --out "$WORK/days" >/dev/null 2>&1
"$FLOWDEX" ingest --data "$WORK/sized" --max-disk 1gb "$WORK/days" 2>"$WORK/sized1.txt"
check "under --max-disk nothing is dropped" grep -q "now holds 3000 records" "$WORK/sized1.txt"
"$FLOWDEX" ingest --data "$WORK/sized" --max-disk 1kb "$WORK/days" 2>"$WORK/sized2.txt"
check "over --max-disk the oldest day is dropped and said" grep -q "dropped the oldest days ([0-9]* segments)" \
  "$WORK/sized2.txt"
check "the newest day (1000 records) stays" grep -q "now holds 1000 records" "$WORK/sized2.txt"
check "what stays is 2026-12-01" test "$("$FLOWDEX" search --data "$WORK/sized" --size 1 --format ndjson '' |
  grep -c '"@timestamp":"2026-12-01')" -eq 1
"$FLOWDEX" ingest --data "$WORK/sized" --max-disk lots "$WORK/days" 2>"$WORK/sized3.txt"; rc=$?
check "a --max-disk that is not a size is a usage error" test "$rc" -eq 2
check "  naming the value" grep -q "failed to parse \[lots\] as a byte size" "$WORK/sized3.txt"
finish
