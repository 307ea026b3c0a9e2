#!/usr/bin/env bash
# Crash safety: kill `flowdex ingest` with SIGKILL at random moments, again and
# again; after each kill, reopening the data directory must show every
# committed file exactly once and nothing half-written (flowdex check).
FLOWDEX=${1:?usage: crash_test.sh path/to/flowdex}
ROUNDS=${ROUNDS:-12}
source "$(dirname "$0")/lib.sh"

"$FLOWDEX" gen --records 1500000 --files 60 --seed 9 --out "$WORK/logs" 2>/dev/null
DATA="$WORK/data"
RANDOM=42
kills=0
previous_rows=0
for ((round = 1; round <= ROUNDS; round++)); do
  "$FLOWDEX" ingest --data "$DATA" --workers 1 --batch-rows 20000 "$WORK/logs" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 250 + 20)))"
  # Count the kill only if ingest was still running (not already a zombie).
  if [[ -e /proc/$pid ]] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$pid/stat" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
  fi
  wait "$pid" 2>/dev/null
  if "$FLOWDEX" check --data "$DATA" >"$WORK/check.txt" 2>&1; then
    rows=$(grep -oE '[0-9]+ rows, [0-9]+ blocks read' "$WORK/check.txt" | cut -d' ' -f1)
    pass "round $round: after SIGKILL every committed file is stored exactly once ($rows rows)"
    check "round $round: nothing committed earlier was lost" test "$rows" -ge "$previous_rows"
    previous_rows=$rows
  else
    fail "round $round" "$(cat "$WORK/check.txt")"
  fi
done
check "at least half the rounds killed a running ingest" test "$kills" -ge $((ROUNDS / 2))

# Ctrl-C (SIGINT) stops cleanly: exit 130, and what was committed is sound.
rm -rf "$WORK/int"
"$FLOWDEX" ingest --data "$WORK/int" --workers 1 --batch-rows 20000 "$WORK/logs" >/dev/null 2>"$WORK/int.txt" &
pid=$!
sleep 0.3
kill -INT "$pid" 2>/dev/null
wait "$pid"; rc=$?
check "SIGINT ends ingest with status 130 (or it had finished: 0)" test "$rc" -eq 130 -o "$rc" -eq 0
if [[ $rc -eq 130 ]]; then
  check "and says so" grep -q 'interrupted' "$WORK/int.txt"
fi
check "an interrupted store is sound" sh -c "\"$FLOWDEX\" check --data \"$WORK/int\" >/dev/null"

# Finishing the job afterwards gives exactly every record, once.
"$FLOWDEX" ingest --data "$DATA" "$WORK/logs" >/dev/null 2>&1
"$FLOWDEX" check --data "$DATA" >"$WORK/check.txt" 2>&1
check "the finished store is sound" grep -q 'exactly once: OK' "$WORK/check.txt"
check "and holds all 1500000 records" grep -q ' 1500000 rows' "$WORK/check.txt"
finish
