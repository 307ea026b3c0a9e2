#!/usr/bin/env bash
# Every C++ source in one style (.clang-format).
#   scripts/format.sh          rewrites the files in place (make format)
#   scripts/format.sh --check  lists the files that differ and fails (a ctest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
clang_format=$(command -v clang-format || command -v clang-format-14 || true)
if [[ -z $clang_format ]]; then
  echo "format: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(find src tests fuzz bench -name node_modules -prune -o \( -name '*.cc' -o -name '*.h' \) -print | sort)
if [[ ${1:-} == --check ]]; then
  # One process for every file; the warnings name the files that differ.
  if ! out=$("$clang_format" --dry-run -Werror "${files[@]}" 2>&1); then
    echo "format: not in .clang-format style (run make format):" >&2
    grep -o '^[^:]*:[0-9]*:[0-9]*: error' <<<"$out" | cut -d: -f1 | sort -u | sed 's/^/  /' >&2
    exit 1
  fi
  echo "format: ${#files[@]} files in style"
else
  "$clang_format" -i "${files[@]}"
fi
