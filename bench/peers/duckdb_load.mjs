// The peer of `flowdex ingest`: DuckDB loading the same gzip flow-log files
// with read_csv into a typed, persistent table, the strongest formulation we
// know for the benchmark's questions: IPv4 addresses as UINTEGER, ports,
// protocol and counters as unsigned integers, start/end kept as BIGINT epoch
// seconds (so time buckets are integer arithmetic), action and log status as
// ENUMs.
// usage: node duckdb_load.mjs 'DIR/**/*.log.gz' DB_FILE
import { DuckDBInstance } from '@duckdb/node-api';

const [glob, dbFile] = process.argv.slice(2);
if (!glob || !dbFile) {
  console.error('usage: node duckdb_load.mjs GLOB DB_FILE');
  process.exit(2);
}

// IPv6 addresses become NULL (DuckDB's inet extension is not bundled).
const octet = (col, i) => `TRY_CAST(split_part(${col}, '.', ${i}) AS UBIGINT)`;
const ipv4 = (col) =>
  `TRY_CAST((${octet(col, 1)} << 24) + (${octet(col, 2)} << 16) + (${octet(col, 3)} << 8) + ${octet(col, 4)}
            AS UINTEGER)`;

const instance = await DuckDBInstance.create(dbFile);
const db = await instance.connect();
const started = process.hrtime.bigint();
await db.run(`CREATE TYPE action_t AS ENUM ('ACCEPT', 'REJECT')`);
await db.run(`CREATE TYPE log_status_t AS ENUM ('OK', 'NODATA', 'SKIPDATA')`);
await db.run(`
  CREATE TABLE flows AS
  SELECT version::UTINYINT AS version, account_id, interface_id,
         ${ipv4('srcaddr')} AS srcaddr, ${ipv4('dstaddr')} AS dstaddr,
         srcport::USMALLINT AS srcport, dstport::USMALLINT AS dstport, protocol::UTINYINT AS protocol,
         packets::UBIGINT AS packets, bytes::UBIGINT AS bytes,
         start AS start_time, "end" AS end_time, action::action_t AS action, log_status::log_status_t AS log_status
  FROM read_csv('${glob.replaceAll("'", "''")}', delim = ' ', header = true, nullstr = '-',
                columns = {'version': 'VARCHAR', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
                           'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER',
                           'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT',
                           'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'})`);
await db.run('CHECKPOINT');
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const reader = await db.runAndReadAll('SELECT count(*) FROM flows');
const rows = Number(reader.getRows()[0][0]);
console.log(JSON.stringify({ rows, seconds }));
