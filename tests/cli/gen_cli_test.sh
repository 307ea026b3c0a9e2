#!/usr/bin/env bash
# flowdex gen, end to end: the S3 layout, determinism, header lines, fields.
FLOWDEX=${1:?usage: gen_cli_test.sh path/to/flowdex}
source "$(dirname "$0")/lib.sh"

"$FLOWDEX" gen --records 5000 --files 4 --seed 42 --start 2026-11-01T10:00Z --out "$WORK/a" 2>"$WORK/a.err"; rc=$?
check "gen exits 0" test "$rc" -eq 0
check "gen reports what it wrote" grep -q 'wrote 5000 records in 4 files' "$WORK/a.err"
mapfile -t KEYS < <(cd "$WORK/a" && find . -type f | sed 's|^\./||' | sort)
check "four files" test "${#KEYS[@]}" -eq 4
pattern='^AWSLogs/([0-9]{12})/vpcflowlogs/us-east-1/2026/11/01/\1_vpcflowlogs_us-east-1_fl-[0-9a-f]{17}_20261101T10(00|05|10|15)Z_[0-9a-f]{8}\.log\.gz$'
bad=$(printf '%s\n' "${KEYS[@]}" | grep -Ev "$pattern" || true)
check "keys follow the AWS S3 layout" test -z "$bad"
check "files are gzip with the header line first" test \
  "$(gzip -dc "$WORK/a/${KEYS[0]}" | head -1)" = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
check "gzip -t accepts every file" gzip -t "${KEYS[@]/#/$WORK/a/}"

"$FLOWDEX" gen --records 5000 --files 4 --seed 42 --start 2026-11-01T10:00Z --out "$WORK/b" 2>/dev/null
check "same seed, byte-identical files" diff -r "$WORK/a" "$WORK/b"
"$FLOWDEX" gen --records 5000 --files 4 --seed 43 --start 2026-11-01T10:00Z --out "$WORK/c" 2>/dev/null
check "another seed, other files" test -n "$(diff -rq "$WORK/a" "$WORK/c" 2>&1)"

"$FLOWDEX" gen --records 100 --fields v8 --out "$WORK/v8" 2>/dev/null
f=$(find "$WORK/v8" -name '*.log.gz')
check "v8 header lists 40 fields" test "$(gzip -dc "$f" | head -1 | wc -w)" -eq 40
check "v8 records carry version 8" test "$(gzip -dc "$f" | sed -n 2p | cut -d' ' -f1)" = 8
"$FLOWDEX" gen --records 100 --fields 'srcaddr dstaddr bytes action' --out "$WORK/custom" 2>/dev/null
f=$(find "$WORK/custom" -name '*.log.gz')
check "custom field list" test "$(gzip -dc "$f" | head -1)" = "srcaddr dstaddr bytes action"
check "what gen writes, parse reads without a bad line" sh -c "'$FLOWDEX' parse --count '$WORK' 2>&1 | grep -q ' 0 bad lines'"

"$FLOWDEX" gen --records 10 --fields 'srcaddr bogus' --out "$WORK/x" 2>/dev/null; rc=$?
check "unknown field exits 2" test "$rc" -eq 2
"$FLOWDEX" gen --records 10 --start yesterday --out "$WORK/x" 2>/dev/null; rc=$?
check "bad --start exits 2" test "$rc" -eq 2

finish
