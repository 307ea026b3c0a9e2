# ClickHouse as a peer (sourced by the benchmark scripts): Debian's
# clickhouse-server 18.16, started on 127.0.0.1 with its data in the bench's
# work folder and stopped at the end. The table is what a flow tool built on
# ClickHouse (Akvorado) keeps: a MergeTree with typed columns (IPv4 as UInt32,
# ports UInt16, protocol UInt8, action and log status Enum8) sorted by
# (action, src_ip, dst_ip, end_time). Rows arrive as the flow-log text through
# a Null-engine table and a materialised view that types them, the usual
# ClickHouse idiom for raw input; one INSERT per file, two at a time.
# '-' (no value: NODATA/SKIPDATA records) becomes 0 / '' (Nullable columns
# would slow every query), and IPv6 addresses become 0 (IPv4StringToNum).

CH_PORT=${CH_PORT:-19010}
CH_HTTP_PORT=${CH_HTTP_PORT:-18130}

ch_available() { command -v clickhouse-server >/dev/null && command -v clickhouse-client >/dev/null; }

ch() { clickhouse-client --port "$CH_PORT" "$@"; }

# ch_start DIR: a server with its data, logs and configuration in DIR.
ch_start() {
  local dir=$1
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/server.log</log><errorlog>$dir/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$CH_PORT</tcp_port>
  <http_port>$CH_HTTP_PORT</http_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
</yandex>
XML
  cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_threads>$(nproc)</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  clickhouse-server --config-file="$dir/config.xml" >"$dir/stdout.log" 2>&1 &
  CH_PID=$!
  for _ in $(seq 100); do
    ch -q 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "clickhouse-server did not start (see $dir/error.log)" >&2
  return 1
}

ch_stop() {
  [[ -n ${CH_PID:-} ]] || return 0
  kill "$CH_PID" 2>/dev/null
  wait "$CH_PID" 2>/dev/null || true
  CH_PID=
}

# ch_create: the typed table and the raw input path into it.
ch_create() {
  ch -n -q "
    DROP TABLE IF EXISTS flows_input_mv; DROP TABLE IF EXISTS flows_input; DROP TABLE IF EXISTS flows;
    CREATE TABLE flows (
      version UInt8, account_id String, interface_id String, src_ip UInt32, dst_ip UInt32,
      src_port UInt16, dst_port UInt16, protocol UInt8, packets UInt64, bytes UInt64,
      start_time UInt32, end_time UInt32,
      action Enum8('' = 0, 'ACCEPT' = 1, 'REJECT' = 2),
      log_status Enum8('' = 0, 'OK' = 1, 'NODATA' = 2, 'SKIPDATA' = 3)
    ) ENGINE = MergeTree ORDER BY (action, src_ip, dst_ip, end_time);
    CREATE TABLE flows_input (
      version String, \`account-id\` String, \`interface-id\` String, srcaddr String, dstaddr String,
      srcport String, dstport String, protocol String, packets String, bytes String, start String, end String,
      action String, \`log-status\` String
    ) ENGINE = Null;
    CREATE MATERIALIZED VIEW flows_input_mv TO flows AS SELECT
      toUInt8OrZero(version) AS version, \`account-id\` AS account_id, \`interface-id\` AS interface_id,
      IPv4StringToNum(srcaddr) AS src_ip, IPv4StringToNum(dstaddr) AS dst_ip,
      toUInt16OrZero(srcport) AS src_port, toUInt16OrZero(dstport) AS dst_port, toUInt8OrZero(protocol) AS protocol,
      toUInt64OrZero(packets) AS packets, toUInt64OrZero(bytes) AS bytes,
      toUInt32OrZero(start) AS start_time, toUInt32OrZero(end) AS end_time,
      CAST(if(action = '-', '', action) AS Enum8('' = 0, 'ACCEPT' = 1, 'REJECT' = 2)) AS action,
      CAST(if(\`log-status\` = '-', '', \`log-status\`) AS Enum8('' = 0, 'OK' = 1, 'NODATA' = 2, 'SKIPDATA' = 3))
        AS log_status
    FROM flows_input"
}

# ch_load DATA_DIR: every .log.gz below DATA_DIR, one INSERT per file, two at
# a time; then waits for the background merges to settle (OPTIMIZE FINAL is
# not what a flow tool runs, so it is left out).
ch_load() {
  local data=$1
  export CH_PORT
  find "$data" -name '*.log.gz' -print0 | xargs -0 -P 2 -I{} bash -c \
    'libdeflate-gunzip -c "$1" | tr " " "\t" |
       clickhouse-client --port "$CH_PORT" -q "INSERT INTO flows_input FORMAT TSVWithNames"' _ {}
}

# ch_time REPEAT SQL: the median of REPEAT warm runs in ms (after one warm-up),
# measured by the server (query_log is off in this config, so the client's
# --time, which includes a local round trip, is used).
ch_time() {
  local repeat=$1 sql=$2 q=""
  for _ in $(seq $((repeat + 1))); do q+="$sql FORMAT Null;"; done
  ch -n --time -q "$q" 2>&1 >/dev/null | tail -n "$repeat" | sort -g |
    awk '{ a[NR] = $1 } END { printf "%.1f\n", a[int((NR + 1) / 2)] * 1000 }'
}
