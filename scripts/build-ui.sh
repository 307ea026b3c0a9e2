#!/usr/bin/env bash
# Builds the web UI with Vite into DIST and embeds it as C++ (OUT.cc).
# usage: scripts/build-ui.sh DIST OUT.cc
set -euo pipefail
dist=$1
out=$2
web="$(cd "$(dirname "$0")/../web" && pwd)"
if [[ ! -f "$web/node_modules/.package-lock.json" || "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]]; then
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$web" && node node_modules/vite/bin/vite.js build --logLevel warn --outDir "$dist" --emptyOutDir)
python3 "$(dirname "$0")/embed-ui.py" "$dist" "$out"
