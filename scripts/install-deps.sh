#!/usr/bin/env bash
# Installs what flowdex needs to build, test and benchmark, from Debian's
# archive only. Idempotent: when every package is already there it does
# nothing and exits quickly, so the Makefile may call it before every build.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  # libraries
  libisal-dev libdeflate-dev zlib1g-dev libssl-dev rapidjson-dev
  libcli11-dev libfmt-dev libzstd-dev libroaring-dev libre2-dev libxxhash-dev
  libhowardhinnant-date-dev tzdata libsqlite3-dev libabsl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libdeflate-tools python3 gzip time util-linux
)

# Node.js runs the benchmark peers (bench/peers) and, later, the API and UI
# tests; the machine image may carry its own, else Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
