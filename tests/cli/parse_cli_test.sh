#!/usr/bin/env bash
# flowdex parse, end to end: exit statuses, NDJSON output, bad-line reports.
FLOWDEX=${1:?usage: parse_cli_test.sh path/to/flowdex}
source "$(dirname "$0")/lib.sh"

"$FLOWDEX" gen --records 3000 --files 3 --seed 3 --fields v5 --out "$WORK/gen" 2>/dev/null
mapfile -t FILES < <(find "$WORK/gen" -name '*.log.gz' | sort)

# Every record becomes one valid JSON document; the summary goes to stderr.
"$FLOWDEX" parse "$WORK/gen" >"$WORK/out.ndjson" 2>"$WORK/err.txt"; rc=$?
check "parse of a folder exits 0" test "$rc" -eq 0
check "one document per record" test "$(wc -l <"$WORK/out.ndjson")" -eq 3000
check "every line is a JSON object with ECS fields" python3 - "$WORK/out.ndjson" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert d["ecs"]["version"] == "8.11.0", d
    assert d["cloud"]["provider"] == "aws"
    assert "@timestamp" in d
    if d["aws"]["vpcflow"]["log_status"] == "OK":
        assert d["source"]["ip"] and d["destination"]["ip"]
        assert d["event"]["action"] in ("ACCEPT", "REJECT")
        assert d["network"]["community_id"].startswith("1:")
        assert "original" not in d["event"]
    n += 1
assert n == 3000
PY
check "summary counts records" grep -q '3000 records, 0 bad lines, 3 header lines in 3 files' "$WORK/err.txt"

# --count prints no documents, the same summary.
out=$("$FLOWDEX" parse --count "${FILES[@]}" 2>"$WORK/err2.txt")
check "--count prints no documents" test -z "$out"
check "--count still counts" grep -q '3000 records' "$WORK/err2.txt"

# Standard input, plain text, --original, a user format.
printf '%s\n' '2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 50000 6 3 300 1700000000 1700000060 ACCEPT OK' \
  | "$FLOWDEX" parse --original - >"$WORK/stdin.json" 2>/dev/null
check "reads stdin with --original" python3 -c "
import json,sys; d=json.load(open('$WORK/stdin.json'))
assert d['event']['original'].startswith('2 123456789010'), d
assert d['source']['port'] == 443"
printf '%s\n' '10.0.0.1 10.0.0.2 777' >"$WORK/custom.log"
"$FLOWDEX" parse --format 'srcaddr dstaddr bytes' "$WORK/custom.log" >"$WORK/custom.json" 2>/dev/null
check "--format lays out headerless files" python3 -c "
import json; d=json.load(open('$WORK/custom.json')); assert d['source']['bytes'] == 777, d"
"$FLOWDEX" parse --format 'srcaddr nonsense' "$WORK/custom.log" >/dev/null 2>"$WORK/badfmt.txt"; rc=$?
check "unknown field in --format exits 2" test "$rc" -eq 2
check "and names the field" grep -q "unknown flow-log field 'nonsense'" "$WORK/badfmt.txt"

# Bad lines are reported as file:line: reason and the rest is kept (exit 0).
{
  echo 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'
  echo '2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1 2 ACCEPT OK'
  echo '2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1 2 MAYBE OK'
  echo '2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1 2 ACCEPT OK'
} >"$WORK/bad.log"
"$FLOWDEX" parse "$WORK/bad.log" >"$WORK/bad.json" 2>"$WORK/bad.err"; rc=$?
check "bad lines do not fail the run" test "$rc" -eq 0
check "good lines around a bad one are kept" test "$(wc -l <"$WORK/bad.json")" -eq 2
check "bad line reported as file:line: reason" grep -q "^$WORK/bad.log:3: bad action 'MAYBE'" "$WORK/bad.err"
check "bad lines counted in the summary" grep -q '2 records, 1 bad lines' "$WORK/bad.err"

# A truncated gzip keeps the complete lines before the damage and exits 1.
size=$(stat -c %s "${FILES[0]}")
head -c $((size / 2)) "${FILES[0]}" >"$WORK/truncated.log.gz"
"$FLOWDEX" parse "$WORK/truncated.log.gz" "${FILES[1]}" >"$WORK/trunc.json" 2>"$WORK/trunc.err"; rc=$?
check "truncated gzip exits 1" test "$rc" -eq 1
check "the damage is named with its offset" grep -q 'truncated gzip stream at compressed offset' "$WORK/trunc.err"
full=$("$FLOWDEX" parse "${FILES[0]}" 2>/dev/null | wc -l)
second=$("$FLOWDEX" parse "${FILES[1]}" 2>/dev/null | wc -l)
got=$(wc -l <"$WORK/trunc.json")
check "records before the damage and the next file are kept" test "$got" -gt "$second" -a "$got" -lt $((full + second))
check "the kept records are the original's first records" cmp -s \
  <(head -n $((got - second)) "$WORK/trunc.json") <("$FLOWDEX" parse "${FILES[0]}" 2>/dev/null | head -n $((got - second)))

# A missing file exits 1, and the other inputs are still read.
"$FLOWDEX" parse "$WORK/missing.log.gz" "${FILES[2]}" >"$WORK/missing.json" 2>"$WORK/missing.err"; rc=$?
check "missing input exits 1" test "$rc" -eq 1
check "other inputs still read" test "$(wc -l <"$WORK/missing.json")" -gt 0

# Flag errors exit 2 (usage).
"$FLOWDEX" parse --no-such-flag >/dev/null 2>&1; rc=$?
check "unknown flag exits 2" test "$rc" -eq 2

finish
