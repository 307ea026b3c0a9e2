#!/usr/bin/env bash
# Installs what flowdex needs to build, test and benchmark, from Debian's
# archive only. Idempotent: when every package is already there it does
# nothing and exits quickly, so the Makefile may call it before every build.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev ccache clang-format
  # libraries
  libisal-dev libdeflate-dev zlib1g-dev libssl-dev rapidjson-dev
  libcli11-dev libfmt-dev libzstd-dev libroaring-dev libre2-dev libxxhash-dev
  libhowardhinnant-date-dev tzdata libsqlite3-dev libabsl-dev libcpp-httplib-dev
  libcurl4-openssl-dev libexpat1-dev libmaxminddb-dev
  # Parquet flow logs: Thrift's compact protocol (its headers need Boost's) and snappy pages
  libthrift-dev libboost-dev libsnappy-dev
  # the GeoIP tests write tiny MaxMind databases with MaxMind's writer
  libmaxmind-db-writer-perl
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libdeflate-tools python3 python3-yaml gzip time util-linux
  # the Python Elasticsearch client (7.17) and a real shipper (rsyslog's
  # omelasticsearch) as clients of the API
  python3-elasticsearch rsyslog rsyslog-elasticsearch
  openssl curl wrk ca-certificates binutils
  # systemd-analyze checks the units in deploy/systemd
  systemd
  # the UI tests drive Debian's Chromium (playwright-core from npm)
  chromium
)

# `install-deps.sh --bench` adds the benchmarks' ClickHouse peer (make bench,
# make bench-scale); the tests do not need it.
if [[ ${1:-} == --bench ]]; then
  packages+=(clickhouse-server clickhouse-client)
fi

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

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web UI's npm packages (Vite, uPlot), pinned by web/package-lock.json.
web_dir="$(cd "$(dirname "$0")/.." && pwd)/web"
if [[ ! -f "$web_dir/node_modules/.package-lock.json" || "$web_dir/package-lock.json" -nt "$web_dir/node_modules/.package-lock.json" ]]; then
  echo "install-deps: npm ci in web" >&2
  (cd "$web_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The API tests' npm packages (the official Elasticsearch and OpenSearch
# clients), pinned by tests/node/package-lock.json; reinstalled when the lock changes.
root="$(cd "$(dirname "$0")/.." && pwd)"
node_dir="$root/tests/node"
if [[ ! -f "$node_dir/node_modules/.package-lock.json" || "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]]; then
  echo "install-deps: npm ci in tests/node" >&2
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The AWS tests run moto_server (S3, SQS, IAM, STS) and use boto3/botocore as an
# independent client and reference signer. moto is not in Debian and PyPI is not
# reachable from these machines: it comes with the machine image.
if ! python3 -c 'import moto, boto3' 2>/dev/null; then
  echo "install-deps: python3 cannot import moto and boto3 (moto_server); the aws_* tests need them" >&2
  echo "install-deps: install with: python3 -m pip install 'moto[server]' boto3" >&2
fi
