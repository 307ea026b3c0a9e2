// The peer of flowdex's query engine: DuckDB running the same questions as
// SQL over the typed table duckdb_load.mjs made, warm, in one process.
// Prints one JSON line per query: its median, min and max latency, and the
// answer's rows (for the benchmark to cross-check against the other engines).
// usage: node duckdb_query.mjs DB_FILE REPEAT QUERIES_JSON   ([{"name":..., "sql":...}, ...])
import { DuckDBInstance } from '@duckdb/node-api';

const [dbFile, repeatText, queriesJson] = process.argv.slice(2);
if (!dbFile || !repeatText || !queriesJson) {
  console.error('usage: node duckdb_query.mjs DB_FILE REPEAT QUERIES_JSON');
  process.exit(2);
}
const repeat = Number(repeatText);
const instance = await DuckDBInstance.create(dbFile, { access_mode: 'READ_ONLY' });
const db = await instance.connect();
for (const { name, sql } of JSON.parse(queriesJson)) {
  let rows = [];
  const times = [];
  for (let run = 0; run <= repeat; run++) {
    const started = process.hrtime.bigint();
    const reader = await db.runAndReadAll(sql);
    rows = reader.getRows();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (run > 0) times.push(ms);  // the first run warms the caches
  }
  times.sort((a, b) => a - b);
  const answer = rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  console.log(JSON.stringify({ name, rows: answer.length, answer, runs: times.length, median_ms: times[Math.floor(times.length / 2)],
                               min_ms: times[0], max_ms: times[times.length - 1] }));
}
