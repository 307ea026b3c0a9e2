// Parquet flow-log files for the tests, written by DuckDB (an independent
// writer) the way AWS's FileFormat=parquet delivery lays them out: AWS's
// column names (the snake_case field names), AWS's types (INT32 for version,
// ports, protocol, tcp_flags and traffic_path; INT64 for packets, bytes,
// start and end; strings for the rest, addresses included) and nulls where
// the text delivery writes "-".
//
// usage as a script: node parquet_files.mjs IN.log[.gz] OUT.parquet [codec] [row-group-size]
import { DuckDBInstance } from '@duckdb/node-api';

const INT32 = new Set(['version', 'srcport', 'dstport', 'protocol', 'tcp_flags', 'traffic_path']);
const INT64 = new Set(['packets', 'bytes', 'start', 'end']);

const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

// Writes the flow-log text file `input` (with its header line) as Parquet.
// Options: codec (gzip, snappy, zstd, uncompressed), rowGroupSize (rows),
// dictionary (false: plain or delta values only), pageV2 (data pages v2, as
// PARQUET_VERSION v2 writers make them, with delta encodings).
export async function writeFlowParquet(input, output, { codec = 'gzip', rowGroupSize, dictionary = true, pageV2 = false } = {}) {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const src = `read_csv(${quote(input)}, delim = ' ', header = true, nullstr = '-', all_varchar = true,
                          normalize_names = false, quote = '', escape = '')`;
    const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`);
    const columns = described.getRows().map((row) => String(row[0]));
    const select = columns.map((token) => {
      const name = token.replaceAll('-', '_');
      const type = INT32.has(name) ? 'INTEGER' : INT64.has(name) ? 'BIGINT' : 'VARCHAR';
      return `CAST("${token}" AS ${type}) AS "${name}"`;
    });
    const options = [`FORMAT parquet`, `COMPRESSION ${codec}`];
    if (rowGroupSize) options.push(`ROW_GROUP_SIZE ${rowGroupSize}`);
    if (!dictionary) options.push('DICTIONARY_SIZE_LIMIT 1');
    if (pageV2) options.push('PARQUET_VERSION v2');
    // ORDER BY nothing: DuckDB keeps the file's row order with one thread.
    await db.run('SET threads = 1');
    await db.run(`COPY (SELECT ${select.join(', ')} FROM ${src}) TO ${quote(output)} (${options.join(', ')})`);
    const meta = await db.runAndReadAll(
      `SELECT DISTINCT path_in_schema, encodings, compression FROM parquet_metadata(${quote(output)})`);
    return meta.getRows().map(([column, encodings, compression]) => ({ column, encodings, compression }));
  } finally {
    db.closeSync();
  }
}

// Writes the rows of a DuckDB query as Parquet (for files of other shapes).
export async function writeParquetQuery(sql, output) {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await db.run(`COPY (${sql}) TO ${quote(output)} (FORMAT parquet)`);
  } finally {
    db.closeSync();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output, codec = 'gzip', rowGroupSize] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node parquet_files.mjs IN.log[.gz] OUT.parquet [codec] [row-group-size]');
    process.exit(2);
  }
  await writeFlowParquet(input, output, { codec, rowGroupSize: rowGroupSize ? Number(rowGroupSize) : undefined });
}
