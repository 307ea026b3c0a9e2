// Differential test of the two KQL implementations: the UI's translation to
// Query DSL (web/src/kql.js, what the UI sends to flowdex and to real
// Elasticsearch clusters) and the server's parser (src/query/lang, the
// {"kql": ...} query). The same random queries, over the grammar both
// accept, must find exactly the same flows in a generated store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tempDir, sampleData, startServer, request } from './harness.mjs';
import { kqlToDsl } from '../../web/src/kql.js';

let dir, server;
before(async () => {
  dir = tempDir();
  const { data } = sampleData(dir, 6000, 2);
  server = await startServer(data);
});
after(async () => {
  if (server) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

// A deterministic generator (mulberry32), so a failure repeats.
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fields with values both implementations read alike (stored, alias and
// derived fields of the flow schema).
const FIELDS = {
  'event.action': ['ACCEPT', 'REJECT', 'ACC*', '"REJECT"'],
  'event.outcome': ['success', 'failure', 'fail*'],
  'network.transport': ['tcp', 'udp', 'icmp', '*c*', 'u*'],
  'network.iana_number': ['6', '17', '1*'],
  'destination.port': ['22', '443', '3389', '53', '80'],
  'source.ip': ['10.0.0.0/8', '10.1.0.0/16', '"172.16.0.0/12"'],
  'source.address': ['10.*', '10.1*', '*.1'],
  'aws.vpcflow.log_status': ['OK', 'NODATA'],
  'aws.vpcflow.tcp_flags_array': ['syn', 'fin', 'ack', 'rst'],
};
const RANGE_FIELDS = { 'network.bytes': [100, 1000, 10000], 'destination.port': [1024, 8000], 'source.packets': [2, 10] };

function randomQuery(next, depth = 0) {
  const pick = (a) => a[Math.floor(next() * a.length)];
  const r = next();
  if (depth < 3 && r < 0.25) {
    const op = pick(['and', 'or']);
    const n = 2 + Math.floor(next() * 2);
    const parts = [];
    for (let i = 0; i < n; i++) parts.push(randomQuery(next, depth + 1));
    return '(' + parts.join(` ${op} `) + ')';
  }
  if (depth < 3 && r < 0.35) {
    // Kibana's grammar puts a sub-query after `not`, never another `not`.
    const inner = randomQuery(next, depth + 1);
    return 'not ' + (inner.startsWith('not ') ? `(${inner})` : inner);
  }
  if (r < 0.5) {
    const field = pick(Object.keys(RANGE_FIELDS));
    return `${field} ${pick(['<', '<=', '>', '>='])} ${pick(RANGE_FIELDS[field])}`;
  }
  const field = pick(Object.keys(FIELDS));
  if (r < 0.58) return `${field}:*`;
  if (r < 0.68) {
    const values = [pick(FIELDS[field]), pick(FIELDS[field])];
    return `${field}:(${values.join(pick([' or ', ' and ']))})`;
  }
  return `${field}:${pick(FIELDS[field])}`;
}

// The ids of every hit (both ways: the same order-free set).
async function ids(query) {
  const r = await request(server.url, 'POST', '/logs-aws.vpcflow-default/_search',
                          { query, size: 10000, _source: false, track_total_hits: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { total: r.body.hits.total.value, ids: r.body.hits.hits.map((h) => h._id).sort() };
}

test('random KQL finds the same flows through the UI translation and the server parser', async () => {
  const next = rng(20261206);
  let nonEmpty = 0;
  for (let i = 0; i < 200; i++) {
    const kql = randomQuery(next);
    const viaUi = await ids(kqlToDsl(kql));
    const viaServer = await ids({ kql: { query: kql } });
    assert.equal(viaUi.total, viaServer.total, `totals differ for: ${kql}`);
    assert.deepEqual(viaUi.ids, viaServer.ids, `hits differ for: ${kql}`);
    if (viaUi.total > 0 && viaUi.total < 6000) nonEmpty++;
  }
  // The queries discriminate: most match some flows and not all of them.
  assert.ok(nonEmpty > 80, `only ${nonEmpty} of 200 queries were selective`);
});
