// VPC flow logs delivered as Parquet (issue #19 part 1): files written by two
// independent writers (DuckDB, and hyparquet-writer for data pages v2 with
// delta-coded strings) with AWS's column names and types, every codec AWS
// and the common writers use, dictionaries on and off, several row-group
// sizes and all-null columns. The documents must equal, byte for byte, those
// of the same records delivered as text; damaged files must be clear errors
// that name the file (and column), with good files around them kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync, copyFileSync, truncateSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { flowdex, tempDir, FLOWDEX, startServer, request } from './harness.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFlowParquet, writeParquetQuery } from './parquet_files.mjs';

const work = tempDir('flowdex-parquet-');

function gen(fields, records, files = 1, seed = 3) {
  const out = join(work, `gen-${fields}-${records}-${files}-${seed}`);
  const r = flowdex(['gen', '--records', String(records), '--files', String(files), '--fields', fields,
    '--seed', String(seed), '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  return listFiles(out).filter((f) => f.endsWith('.log.gz'));
}

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

// `flowdex parse --original` of a file: its documents, one JSON per line, and stderr.
function parse(file, extra = []) {
  try {
    const stdout = execFileSync(FLOWDEX, ['parse', '--original', ...extra, file],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
    return { status: 0, stdout };
  } catch (e) {
    return { status: e.status, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// The text file's rows as AWS's Parquet columns, for hyparquet-writer.
function textColumns(file) {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter((l) => l !== '');
  const header = lines[0].split(' ');
  const rows = lines.slice(1).map((l) => l.split(' '));
  const int32 = new Set(['version', 'srcport', 'dstport', 'protocol', 'tcp_flags', 'traffic_path']);
  const int64 = new Set(['packets', 'bytes', 'start', 'end']);
  return header.map((token, i) => {
    const name = token.replaceAll('-', '_');
    const type = int32.has(name) ? 'INT32' : int64.has(name) ? 'INT64' : 'STRING';
    const data = rows.map((r) => {
      const v = r[i];
      if (v === '-') return null;
      return type === 'INT32' ? Number(v) : type === 'INT64' ? BigInt(v) : v;
    });
    // Front-coded strings for the IDs (prefix-heavy, as a writer tuned for them would choose).
    const encoding = /_id$/.test(name) ? 'DELTA_BYTE_ARRAY' : undefined;
    return { name, data, type, nullable: true, ...(encoding ? { encoding } : {}) };
  });
}

test('Parquet files give the documents of the same records delivered as text, byte for byte', async () => {
  const [v5] = gen('v5', 3000, 1, 11);
  const [v8] = gen('v8', 1500, 1, 12);  // v8: the ECS columns are all null here
  const [v2] = gen('v2', 1200, 1, 13);
  const cases = [
    { text: v5, opts: { codec: 'gzip' }, expect: /DICTIONARY/ },  // AWS's own choice of codec
    { text: v5, opts: { codec: 'snappy', rowGroupSize: 1000 } },
    { text: v5, opts: { codec: 'zstd', dictionary: false }, expect: /^PLAIN$/ },
    { text: v5, opts: { codec: 'uncompressed', rowGroupSize: 333 } },
    { text: v5, opts: { codec: 'zstd', pageV2: true }, expect: /DELTA_BINARY_PACKED/ },
    { text: v5, opts: { codec: 'snappy', pageV2: true, dictionary: false }, expect: /DELTA_LENGTH_BYTE_ARRAY/ },
    { text: v8, opts: { codec: 'gzip', rowGroupSize: 500 } },
    { text: v2, opts: { codec: 'snappy' } },
  ];
  for (const { text, opts, expect } of cases) {
    const want = parse(text);
    assert.equal(want.status, 0);
    assert.equal(want.stdout.split('\n').length > 1000, true);
    const out = join(work, `${basename(text)}-${Object.values(opts).join('-')}.parquet`);
    const meta = await writeFlowParquet(text, out, opts);
    if (expect) assert.ok(meta.some((m) => expect.test(m.encodings)), `${JSON.stringify(opts)}: ${JSON.stringify(meta)}`);
    const got = parse(out);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, want.stdout, `DuckDB ${JSON.stringify(opts)} of ${basename(text)}`);
  }
  // A second writer: data pages v2, front-coded (DELTA_BYTE_ARRAY) IDs, its own snappy.
  for (const text of [v5, v8]) {
    const out = join(work, `${basename(text)}-hyparquet.parquet`);
    parquetWriteFile({ filename: out, columnData: textColumns(text), rowGroupSize: 700, pageSize: 16384 });
    const got = parse(out);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, parse(text).stdout, `hyparquet-writer of ${basename(text)}`);
  }
  // Standard input (no offsets to read at: the file is held in memory).
  const piped = execFileSync(FLOWDEX, ['parse', '--original', '-'],
    { input: readFileSync(join(work, `${basename(v5)}-zstd-true.parquet`)), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(piped, parse(v5).stdout);
});

test('a folder of Parquet objects in the AWS layout ingests like the text, and damaged files are errors', async () => {
  const texts = gen('v5', 6000, 3, 21);
  const textDir = dirname(texts[0]);
  const pqRoot = join(work, 'pq-tree');
  const pqDir = join(pqRoot, 'AWSLogs', 'aws-account-id=123456789012', 'aws-service=vpcflowlogs',
    'aws-region=us-east-1', 'year=2027', 'month=01', 'day=01', 'hour=00');
  mkdirSync(pqDir, { recursive: true });
  for (const t of texts) {
    await writeFlowParquet(t, join(pqDir, basename(t).replace(/\.log\.gz$/, '.log.parquet')), { codec: 'gzip' });
  }
  const store = (name, input) => {
    const data = join(work, name);
    const r = flowdex(['ingest', '--data', data, input]);
    return { data, ...r };
  };
  const fromText = store('data-text', textDir);
  assert.equal(fromText.status, 0, fromText.stderr);
  const fromParquet = store('data-parquet', pqRoot);
  assert.equal(fromParquet.status, 0, fromParquet.stderr);

  const sources = (data) => {
    const r = flowdex(['query', '--data', data, JSON.stringify({ size: 10000, track_total_hits: true })],
      { maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    return { total: body.hits.total.value, docs: body.hits.hits.map((h) => JSON.stringify(h._source)).sort() };
  };
  const a = sources(fromText.data), b = sources(fromParquet.data);
  assert.equal(a.total, 6000);
  assert.equal(b.total, 6000);
  assert.deepEqual(b.docs, a.docs);
  // A second ingest stores nothing twice.
  const again = store('data-parquet', pqRoot);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(sources(fromParquet.data).total, 6000);

  // Damage: a file cut short (no footer), a file with a damaged page, a
  // nested schema, and a Parquet file that holds no flow-log column.
  const bad = join(work, 'bad');
  mkdirSync(bad);
  const good = join(pqDir, readdirSync(pqDir)[0]);
  copyFileSync(good, join(bad, 'cut.log.parquet'));
  truncateSync(join(bad, 'cut.log.parquet'), statSync(good).size - 100);
  const damaged = readFileSync(good);
  for (let i = 200; i < 260; i++) damaged[i] ^= 0x5a;
  writeFileSync(join(bad, 'damaged.log.parquet'), damaged);
  await writeParquetQuery(`SELECT '10.0.0.1' AS srcaddr, {'key': 'team', 'value': 'db'} AS tags`,
    join(bad, 'nested.log.parquet'));
  parquetWriteFile({
    filename: join(bad, 'other.log.parquet'),
    columnData: [{ name: 'city', data: ['Lyon', 'Oslo'], type: 'STRING' }],
  });
  const expectError = (file, pattern) => {
    const r = parse(join(bad, file));
    assert.notEqual(r.status, 0, `${file} should fail`);
    assert.match(r.stderr, pattern, `${file}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(file.replace('.', '\\.')), `the message names ${file}`);
  };
  expectError('cut.log.parquet', /footer|PAR1/);
  expectError('damaged.log.parquet', /column '|page|Thrift|GZIP|damaged/);
  expectError('nested.log.parquet', /column 'tags' is nested/);
  expectError('other.log.parquet', /no column is a VPC flow-log field \(columns: city\)/);
  // The good file beside the bad ones is still stored, and the bad ones are reported.
  copyFileSync(good, join(bad, 'good.log.parquet'));
  const mixed = store('data-mixed', bad);
  assert.notEqual(mixed.status, 0);
  assert.match(mixed.stderr, /cut\.log\.parquet/);
  assert.match(mixed.stderr, /other\.log\.parquet/);
  assert.equal(sources(mixed.data).total, 2000);
});

test('serve --watch ingests Parquet files dropped into its folder', async () => {
  const [text] = gen('v5', 2500, 1, 51);
  const inbox = join(work, 'inbox');
  mkdirSync(inbox);
  const server = await startServer(join(work, 'watch-data'), ['--watch', inbox]);
  try {
    const staged = join(work, 'staged.parquet');
    await writeFlowParquet(text, staged, { codec: 'snappy', rowGroupSize: 1000 });
    copyFileSync(staged, join(inbox, '.incoming.tmp'));
    // Renamed into place complete, as a copy tool does.
    const { renameSync } = await import('node:fs');
    renameSync(join(inbox, '.incoming.tmp'), join(inbox, 'flows.log.parquet'));
    let count = 0;
    for (let i = 0; i < 100 && count < 2500; i++) {
      await sleep(100);
      count = (await request(server.url, 'GET', '/logs-*/_count')).body?.count ?? 0;
    }
    assert.equal(count, 2500, server.log());
    assert.match(server.log(), /flows\.log\.parquet: 2500 records, 0 bad lines/);
  } finally {
    await server.stop();
  }
});
