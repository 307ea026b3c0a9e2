// `flowdex serve --watch DIR` (files ingested exactly once: complete files
// only, across restarts) and `flowdex search` (against the embedded store
// and over HTTP, in its four formats).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, mkdirSync, readdirSync, renameSync, copyFileSync, openSync, writeSync, closeSync, readFileSync,
         statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir, flowdex, startServer, request } from './harness.mjs';

let dir, logs;
before(() => {
  dir = tempDir();
  logs = join(dir, 'gen');
  const r = flowdex(['gen', '--records', '6000', '--files', '3', '--start', 'now-1h', '--out', logs]);
  assert.equal(r.status, 0, r.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function logFiles(root) {
  const out = [];
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.log.gz')) out.push(join(e.parentPath ?? e.path, e.name));
  }
  return out.sort();
}

// The /metrics text once it matches `re` (counters are updated just after the
// commit that makes the documents visible), or the last text after `ms`.
async function metricsUntil(url, re, ms = 10000) {
  let text = '';
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    text = (await request(url, 'GET', '/metrics')).text;
    if (re.test(text)) break;
  }
  return text;
}

async function countUntil(url, want, ms = 10000) {
  let n = -1;
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    n = (await request(url, 'GET', '/logs/_count')).body.count;
    if (n >= want) break;
  }
  return n;
}

test('watched folder: each file once, only when complete, across restarts', async () => {
  const files = logFiles(logs);
  assert.equal(files.length, 3);
  const watched = join(dir, 'inbox');
  mkdirSync(watched);
  const data = join(dir, 'watch-data');
  // A file already there before the server starts.
  copyFileSync(files[0], join(watched, 'a.log.gz'));
  let server = await startServer(data, ['--watch', watched]);
  assert.equal(await countUntil(server.url, 2000), 2000);

  // A file written in place, slowly: nothing of it until it is closed.
  const bytes = readFileSync(files[1]);
  const fd = openSync(join(watched, 'b.log.gz'), 'w');
  writeSync(fd, bytes, 0, bytes.length >> 1);
  await sleep(2500);
  assert.equal((await request(server.url, 'GET', '/logs/_count')).body.count, 2000, 'a half-written file is not read');
  writeSync(fd, bytes, bytes.length >> 1);
  closeSync(fd);
  assert.equal(await countUntil(server.url, 4000), 4000);

  // Renamed in from a temporary name, into a new subfolder.
  mkdirSync(join(watched, 'sub'));
  copyFileSync(files[2], join(watched, 'sub', '.c.log.gz.tmp'));
  renameSync(join(watched, 'sub', '.c.log.gz.tmp'), join(watched, 'sub', 'c.log.gz'));
  assert.equal(await countUntil(server.url, 6000), 6000);
  const metrics = await metricsUntil(server.url, /flowdex_watch_files_total 3/);
  assert.match(metrics, /flowdex_watch_files_total 3/);
  assert.match(metrics, /flowdex_watch_records_total 6000/);
  assert.equal((await server.stop()).code, 0);

  // Restarted: the files are still there, and nothing is added twice.
  server = await startServer(data, ['--watch', watched]);
  await sleep(3000);
  assert.equal((await request(server.url, 'GET', '/logs/_count')).body.count, 6000);
  assert.match(server.log(), /already ingested, skipped/);
  // A damaged file is reported, counted, and the rest go on.
  const broken = readFileSync(files[0]).subarray(0, 300);
  const bad = openSync(join(watched, 'broken.log.gz'), 'w');
  writeSync(bad, broken);
  writeSync(bad, Buffer.from('not gzip at all'));
  closeSync(bad);
  assert.match(await metricsUntil(server.url, /flowdex_watch_failures_total 1/), /flowdex_watch_failures_total 1/);
  assert.equal((await server.stop()).code, 0);
});

test('flowdex search: embedded and over HTTP, table, json, ndjson, csv, --stats', async () => {
  const data = join(dir, 'search-data');
  assert.equal(flowdex(['ingest', '--data', data, logs]).status, 0);
  const kql = 'event.action:REJECT and destination.port < 1024';
  // Embedded.
  const json = flowdex(['search', kql, '--data', data, '--format', 'json', '--size', '5']);
  assert.equal(json.status, 0, json.stderr);
  const body = JSON.parse(json.stdout);
  const total = body.hits.total.value;
  assert.ok(total > 0);
  for (const h of body.hits.hits) {
    assert.equal(h._source.event.action, 'REJECT');
    assert.ok(h._source.destination.port < 1024);
  }
  const table = flowdex(['search', kql, '--data', data, '--size', '3']);
  assert.equal(table.status, 0);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0], /^@timestamp\s+source\s+destination\s+proto\s+action\s+bytes\s+packets\s+interface$/);
  assert.equal(lines.length, 5);
  assert.match(lines[1], /REJECT/);
  assert.match(lines[4], new RegExp(`^3 of ${total} hits`));
  const ndjson = flowdex(['search', kql, '--data', data, '--format', 'ndjson', '--size', '4']);
  assert.equal(ndjson.stdout.trim().split('\n').length, 4);
  assert.equal(JSON.parse(ndjson.stdout.split('\n')[0]).event.action, 'REJECT');
  const csv = flowdex(['search', kql, '--data', data, '--format', 'csv', '--size', '2']);
  assert.match(csv.stdout.split('\n')[0], /^@timestamp,source,destination/);
  // A KQL error is shown, exit 1.
  const bad = flowdex(['search', 'source.ip:(', '--data', data]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /flowdex search: /);
  // --since: everything generated is within the last two hours, nothing in the future.
  const since = JSON.parse(flowdex(['search', '', '--data', data, '--since', '3h', '--format', 'json', '--size', '0']).stdout);
  assert.equal(since.hits.total.value, 6000);

  // Over HTTP, the same answers.
  const server = await startServer(data);
  const remote = JSON.parse(flowdex(['search', kql, '--url', server.url, '--format', 'json', '--size', '5']).stdout);
  assert.equal(remote.hits.total.value, total);
  const stats = flowdex(['search', 'event.action:REJECT', '--url', server.url, '--stats', 'destination.port', '--size', '3']);
  assert.equal(stats.status, 0, stats.stderr);
  const rows = stats.stdout.trim().split('\n');
  assert.match(rows[0], /^destination\.port\s+flows\s+share\s+bytes\s+packets$/);
  assert.equal(rows.length, 5);
  const agg = await request(server.url, 'POST', '/logs/_search', {
    size: 0, query: { term: { 'event.action': 'REJECT' } }, aggs: { p: { terms: { field: 'destination.port', size: 3 } } } });
  const top = agg.body.aggregations.p.buckets[0];
  assert.match(rows[1], new RegExp(`^${top.key}\\s+${top.doc_count >= 1000 ? '' : top.doc_count}`));
  const refused = flowdex(['search', '', '--data', data]);
  assert.equal(refused.status, 1, 'the store is held by the server');
  assert.match(refused.stderr, /--url/);
  await server.stop();
});
