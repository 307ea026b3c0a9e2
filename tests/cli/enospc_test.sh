#!/usr/bin/env bash
# A full disk (ENOSPC) during ingest, merge or commit: a clear error, nothing
# half-committed, the store still opens and checks out, and ingest resumes
# once space is freed. The store lives on a 6 MB tmpfs, filled to several
# levels so that the disk runs out at different points (segment files, the
# source log, the manifest, background merges). Needs root to mount the
# tmpfs: elsewhere the test reports itself skipped (exit 77), never passed.
FLOWDEX=${1:?usage: enospc_test.sh path/to/flowdex}
source "$(dirname "$0")/lib.sh"

MNT="$WORK/small"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=6m tmpfs "$MNT" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (needs root)"
  exit 77
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT

"$FLOWDEX" gen --records 200000 --files 8 --seed 3 --out "$WORK/flows" >/dev/null 2>&1
rows_of() { grep -oE '[0-9]+ rows' "$1" | head -1 | cut -d' ' -f1; }
sources_of() { grep -oE '[0-9]+ sources' "$1" | head -1 | cut -d' ' -f1; }

failures=0
for free_kb in 300 700 1200 1700 2300; do
  rm -rf "$MNT/data" "$MNT/filler"
  avail=$(df -k --output=avail "$MNT" | tail -1)
  fallocate -l "$(((avail - free_kb) * 1024))" "$MNT/filler"
  "$FLOWDEX" ingest --data "$MNT/data" --workers 1 --batch-rows 30000 "$WORK/flows" >"$WORK/out.txt" 2>&1
  rc=$?
  if [[ $rc -ne 0 ]]; then
    failures=$((failures + 1))
    check "${free_kb} KB free: the failure says the disk is full" grep -q "No space left on device" "$WORK/out.txt"
  fi
  "$FLOWDEX" check --data "$MNT/data" >"$WORK/check.txt" 2>&1
  check "${free_kb} KB free (ingest exit $rc): the store opens and every committed file is stored exactly once" \
    grep -q "exactly once: OK" "$WORK/check.txt"
  # Each committed file holds 25,000 records: rows and sources agree.
  rows=$(rows_of "$WORK/check.txt")
  sources=$(sources_of "$WORK/check.txt")
  check "${free_kb} KB free: $rows rows for $sources committed files (nothing half-committed)" \
    test "$rows" -eq $((sources * 25000))
  rm -f "$MNT/filler"
  "$FLOWDEX" ingest --data "$MNT/data" "$WORK/flows" >"$WORK/resume.txt" 2>&1
  check "${free_kb} KB free: with space freed, ingest resumes and completes" test $? -eq 0
  "$FLOWDEX" check --data "$MNT/data" >"$WORK/check.txt" 2>&1
  check "${free_kb} KB free: then all 200000 rows, each file once" grep -q "200000 rows.*8 sources, each stored exactly once: OK" \
    "$WORK/check.txt"
done
check "the disk ran out in most rounds ($failures of 5)" test "$failures" -ge 3
finish
