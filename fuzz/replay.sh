#!/usr/bin/env bash
# Replays the seed corpus through every fuzz target built without libFuzzer
# (TARGET_replay in the GCC tree): a crash or a trap fails the test. Run by
# ctest as fuzz_replay; fuzzing proper is fuzz/run.sh (make fuzz).
# usage: fuzz/replay.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?build dir}" && pwd)
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
"$here/corpus.sh" "$corpus"
while read -r target dir; do
  echo "$target: $("$build/${target}_replay" "$corpus/$dir")"
done <"$here/targets"
