// flowdex serve as an HTTP server: Elasticsearch's protocol details
// (headers, media types, HEAD, filter_path, pretty, gzip bodies, _cat,
// shipper probes), its limits (oversized and malformed requests, slow
// clients, overload), auth, TLS, /metrics, and a clean SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir, sampleData, startServer, request, copyData } from './harness.mjs';

let dir, data, server;
before(async () => {
  dir = tempDir();
  ({ data } = sampleData(dir, 10000, 2));
  server = await startServer(data, ['--max-body-mb', '1', '--read-timeout', '1s']);
});
after(async () => {
  if (server) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

// Sends raw bytes on a new connection; resolves with what came back when the server closes or `ms` pass.
function raw(url, bytes, ms = 3000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname, () => s.write(bytes));
    let got = '';
    s.on('data', (d) => { got += d; });
    const done = () => { s.destroy(); resolve(got); };
    s.on('close', done);
    s.on('error', done);
    setTimeout(done, ms);
  });
}

test('every response says X-Elastic-Product, errors included', async () => {
  for (const [method, path] of [['GET', '/'], ['GET', '/nope/_search'], ['GET', '/_nothing_here'],
                                ['POST', '/_bulk'], ['GET', '/_cat/indices']]) {
    const r = await request(server.url, method, path);
    assert.equal(r.headers.get('x-elastic-product'), 'Elasticsearch', `${method} ${path}`);
  }
  const head = await fetch(server.url + '/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal((await head.text()).length, 0);
  const unknown = await request(server.url, 'GET', '/_nothing_here');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error, 'no handler found for uri [/_nothing_here] and method [GET]');
});

test('vendor media types, gzip bodies, filter_path and pretty', async () => {
  const vnd = { 'content-type': 'application/vnd.elasticsearch+json; compatible-with=8',
                accept: 'application/vnd.elasticsearch+json; compatible-with=8' };
  const r = await request(server.url, 'POST', '/logs/_search?size=0&filter_path=hits.total',
                          { query: { term: { 'event.action': 'ACCEPT' } } }, vnd);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.body), ['hits']);
  assert.deepEqual(Object.keys(r.body.hits), ['total']);
  assert.ok(r.body.hits.total.value > 0);

  const lines = '{"index":{"_index":"gz"}}\n{"a":1}\n{"index":{"_index":"gz"}}\n{"a":2}\n';
  const gz = await fetch(server.url + '/_bulk?filter_path=errors,items.*.status', {
    method: 'POST', body: gzipSync(lines),
    headers: { 'content-type': 'application/vnd.elasticsearch+x-ndjson; compatible-with=8', 'content-encoding': 'gzip' },
  });
  assert.equal(gz.status, 200);
  assert.deepEqual(await gz.json(), { errors: false, items: [{ index: { status: 201 } }, { index: { status: 201 } }] });

  // GET with a body, as Elasticsearch's docs and curl examples send it.
  const q = '{"query":{"term":{"event.action":"REJECT"}}}';
  const got = await raw(server.url, `GET /logs/_count HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
                                    `Content-Length: ${q.length}\r\nConnection: close\r\n\r\n${q}`);
  const viaPost = await request(server.url, 'POST', '/logs/_count', q);
  assert.match(got, new RegExp(`"count":${viaPost.body.count},`));
  assert.ok(viaPost.body.count < 10000, 'the body was applied');

  const pretty = await request(server.url, 'GET', '/?pretty');
  assert.match(pretty.text, /\n  "tagline"/);
});

test('_cat/indices, _cluster/health, aliases, index create and delete', async () => {
  const text = await request(server.url, 'GET', '/_cat/indices?v&s=index');
  assert.match(text.text, /^health\s+status\s+index/);
  assert.match(text.text, /logs-aws\.vpcflow-default\s+\S+\s+1\s+0\s+10000/);
  const json = await request(server.url, 'GET', '/_cat/indices/logs-*?format=json&h=index,docs.count');
  assert.deepEqual(json.body, [{ index: 'logs-aws.vpcflow-default', 'docs.count': '10000' }]);

  assert.equal((await request(server.url, 'PUT', '/flows-b', { mappings: { properties: { ip: { type: 'ip' } } } })).status, 200);
  const again = await request(server.url, 'PUT', '/flows-b');
  assert.equal(again.status, 400);
  assert.equal(again.body.error.type, 'resource_already_exists_exception');
  assert.equal((await request(server.url, 'PUT', '/Bad*Name')).body.error.type, 'invalid_index_name_exception');
  assert.equal((await request(server.url, 'POST', '/_aliases', { actions: [{ add: { index: 'flows-b', alias: 'both' } },
                                                                          { add: { index: 'logs-aws.vpcflow-default', alias: 'both' } }] })).status, 200);
  const aliases = await request(server.url, 'GET', '/_alias/both');
  assert.deepEqual(Object.keys(aliases.body).sort(), ['flows-b', 'logs-aws.vpcflow-default']);
  assert.equal((await request(server.url, 'GET', '/both/_count')).body.count, 10000);
  // Writes through an alias with two indices have no write index.
  const bulk = await request(server.url, 'POST', '/_bulk', '{"index":{"_index":"both"}}\n{"x":1}\n');
  assert.equal(bulk.body.items[0].index.status, 400);
  assert.equal((await request(server.url, 'DELETE', '/flows-b')).status, 200);
  assert.equal((await request(server.url, 'HEAD', '/flows-b')).status, 404);
  assert.equal((await request(server.url, 'DELETE', '/flows-*')).status, 400, 'wildcard deletes are refused');
  const health = await request(server.url, 'GET', '/_cluster/health');
  assert.equal(health.body.status, 'green');
  // The seed's alias: logs -> the flow index.
  assert.ok((await request(server.url, 'GET', '/logs/_alias')).body['logs-aws.vpcflow-default'].aliases.logs);
});

test('shipper probes are answered so Filebeat, Logstash and Vector start', async () => {
  const license = await request(server.url, 'GET', '/_license');
  assert.equal(license.body.license.status, 'active');
  assert.equal((await request(server.url, 'GET', '/_xpack')).status, 200);
  assert.equal((await request(server.url, 'HEAD', '/_index_template/filebeat-8.17.0')).status, 404);
  assert.equal((await request(server.url, 'PUT', '/_index_template/filebeat-8.17.0',
                              { index_patterns: ['filebeat-*'], template: {} })).status, 200);
  assert.equal((await request(server.url, 'HEAD', '/_index_template/filebeat-8.17.0')).status, 200);
  const t = await request(server.url, 'GET', '/_index_template/filebeat-8.17.0');
  assert.equal(t.body.index_templates[0].name, 'filebeat-8.17.0');
  assert.equal((await request(server.url, 'PUT', '/_ilm/policy/filebeat', { policy: { phases: {} } })).status, 200);
  assert.ok((await request(server.url, 'GET', '/_ilm/policy/filebeat')).body.filebeat.policy);
  assert.equal((await request(server.url, 'PUT', '/_ingest/pipeline/p1', { processors: [] })).status, 200);
  assert.equal((await request(server.url, 'GET', '/_template/legacy')).status, 404);
  const nodes = await request(server.url, 'GET', '/_nodes/http?filter_path=nodes.*.version,nodes.*.http.publish_address');
  assert.match(Object.values(nodes.body.nodes)[0].version, /^8\./);
});

test('bad input: oversized, malformed, gzip bombs, bad queries', async () => {
  const big = '{"index":{"_index":"big"}}\n{"pad":"' + 'x'.repeat(1100000) + '"}\n';
  const r413 = await fetch(server.url + '/_bulk', { method: 'POST', body: big, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(r413.status, 413);
  // 16 MB of zeros compress to ~16 KB: inflated past the 1 MB limit, refused.
  const bomb = await fetch(server.url + '/_bulk', { method: 'POST', body: gzipSync(Buffer.alloc(16 << 20, 0x20)),
                                                     headers: { 'content-encoding': 'gzip', 'content-type': 'application/x-ndjson' } });
  assert.equal(bomb.status, 413);
  const malformed = await request(server.url, 'POST', '/logs/_search', '{"query": {"match_all": {}');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.type, 'x_content_parse_exception');
  const badBulk = await request(server.url, 'POST', '/_bulk', 'not json\n');
  assert.equal(badBulk.status, 400);
  assert.equal(badBulk.body.error.type, 'x_content_parse_exception');  // Elasticsearch's: the line is not JSON
  // The seed's example body gets Elasticsearch's error for it.
  const seed = await request(server.url, 'POST', '/logs/_search', { query: { match: { destination_ip: { exists: true } } } });
  assert.equal(seed.status, 400);
  assert.equal(seed.body.error.type, 'parsing_exception');
  const kql = await request(server.url, 'POST', '/logs/_search', { query: { kql: { query: 'source.ip:(10.0.0.1 OR' } } });
  assert.equal(kql.status, 400);
  // Headers past 8 KB are refused.
  const huge = await raw(server.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(16384)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 4\d\d/);
  // Junk that is not HTTP gets 400 and a closed connection; the server lives on.
  const junk = await raw(server.url, '\x00\x01\x02 garbage\r\n\r\n');
  assert.match(junk, /^HTTP\/1\.1 400/);
  assert.equal((await request(server.url, 'GET', '/')).status, 200);
});

test('a slow client does not hold up others, and is cut off', async () => {
  const { hostname, port } = new URL(server.url);
  const slow = net.connect(Number(port), hostname);
  slow.write('POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"index"');
  const t0 = Date.now();
  const r = await request(server.url, 'GET', '/logs/_count');
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 < 1000);
  // It sends nothing more: after the read timeout (1 s here) the server answers 400 and closes.
  const closed = await new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), 5000);
    slow.on('close', () => { clearTimeout(t); resolve(true); });
  });
  assert.ok(closed, 'the slow connection was closed');
  slow.destroy();
});

test('a POST without a body (no Content-Length, as curl -XPOST sends it) is answered', async () => {
  const got = await raw(server.url, 'POST /_refresh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(got, /^HTTP\/1\.1 200 /);
  assert.match(got, /"failed":0/);
  const count = await raw(server.url, 'POST /logs/_count HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(count, /^HTTP\/1\.1 200 /);
  assert.match(count, /"count":10000/);
});

test('/metrics and health endpoints', async () => {
  const m = await request(server.url, 'GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /^text\/plain/);
  assert.match(m.text, /flowdex_http_requests_total\{endpoint="_search",status="200"\} \d+/);
  assert.match(m.text, /flowdex_index_documents\{index="logs-aws.vpcflow-default"\} 10000/);
  assert.equal((await request(server.url, 'GET', '/health/livez')).status, 200);
  assert.equal((await request(server.url, 'GET', '/health/readyz')).status, 200);
});

test('overload is answered 429 es_rejected_execution_exception', async () => {
  // One thread and no queue: while one connection holds the thread, the next is refused.
  const busy = await startServer(copyData(data), ['--threads', '1', '--max-queued', '0']);
  const { hostname, port } = new URL(busy.url);
  const holder = net.connect(Number(port), hostname);
  holder.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');  // keep-alive: holds the one thread
  await sleep(200);
  const r = await request(busy.url, 'GET', '/');
  assert.equal(r.status, 429);
  assert.equal(r.body.error.type, 'es_rejected_execution_exception');
  holder.destroy();
  await sleep(100);
  assert.equal((await request(busy.url, 'GET', '/')).status, 200);
  assert.equal((await busy.stop()).code, 0);
});

test('basic auth and API keys, with Elasticsearch 401s', async () => {
  const secured = await startServer(copyData(data), ['--basic-auth', 'elastic:s3cret', '--api-key', 'key1:abcdef']);
  const none = await request(secured.url, 'GET', '/');
  assert.equal(none.status, 401);
  assert.equal(none.body.error.type, 'security_exception');
  assert.match(none.body.error.reason, /missing authentication credentials/);
  assert.match(none.headers.get('www-authenticate'), /Basic realm="security"/);
  const wrong = await request(secured.url, 'GET', '/', undefined,
                              { authorization: 'Basic ' + Buffer.from('elastic:nope').toString('base64') });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body.error.reason, /unable to authenticate user \[elastic\]/);
  const basic = await request(secured.url, 'GET', '/', undefined,
                              { authorization: 'Basic ' + Buffer.from('elastic:s3cret').toString('base64') });
  assert.equal(basic.status, 200);
  const key = await request(secured.url, 'GET', '/logs/_count', undefined,
                            { authorization: 'ApiKey ' + Buffer.from('key1:abcdef').toString('base64') });
  assert.equal(key.body.count, 10000);
  assert.equal((await request(secured.url, 'GET', '/health/livez')).status, 200, 'probes need no credentials');
  await secured.stop();
});

test('TLS from a certificate and key', async () => {
  const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
                           '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const tls = await startServer(copyData(data), ['--tls-cert', cert, '--tls-key', key]);
  assert.match(tls.url, /^https:/);
  const body = await new Promise((resolve, reject) => {
    https.get(tls.url + '/', { ca: execFileSync('cat', [cert]) }, (res) => {
      let s = '';
      res.on('data', (d) => { s += d; });
      res.on('end', () => resolve(JSON.parse(s)));
    }).on('error', reject);
  });
  assert.equal(body.tagline, 'You Know, for Search');
  await tls.stop();
});

test('SIGTERM: in-flight requests finish, then exit 0', async () => {
  const s = await startServer(copyData(data));
  const { hostname, port } = new URL(s.url);
  // A request whose body is still arriving when SIGTERM comes.
  const body = '{"index":{"_index":"late"}}\n{"n":1}\n';
  const conn = net.connect(Number(port), hostname);
  await new Promise((r) => conn.on('connect', r));
  let reply = '';
  conn.on('data', (d) => { reply += d; });
  const closed = new Promise((r) => conn.on('close', r));
  conn.write(`POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n` +
             body.slice(0, 10));
  await sleep(100);
  const stopped = s.stop();
  await sleep(100);
  conn.write(body.slice(10));
  await closed;
  assert.match(reply, /^HTTP\/1\.1 200/);
  assert.match(reply, /"result":"created"/);
  assert.equal((await stopped).code, 0);
  assert.match(s.log(), /SIGTERM received/);
  // New connections are refused once it stopped.
  await assert.rejects(fetch(s.url + '/'));
});

test('acknowledged _bulk writes survive kill -9', async () => {
  const copy = copyData(data);
  let s = await startServer(copy);
  let body = '';
  for (let i = 0; i < 1000; i++) body += `{"create":{"_index":"durable","_id":"d${i}"}}\n{"i":${i}}\n`;
  const r = await request(s.url, 'POST', '/_bulk', body, { 'content-type': 'application/x-ndjson' });
  assert.equal(r.status, 200);
  assert.equal(r.body.errors, false);
  s.child.kill('SIGKILL');
  await s.exited;
  s = await startServer(copy);
  assert.equal((await request(s.url, 'GET', '/durable/_count')).body.count, 1000);
  // Re-sending the same ids with create: all 409, nothing duplicated.
  const again = await request(s.url, 'POST', '/_bulk', body, { 'content-type': 'application/x-ndjson' });
  assert.ok(again.body.items.every((it) => it.create.status === 409));
  assert.equal((await request(s.url, 'GET', '/durable/_count')).body.count, 1000);
  await s.stop();
});

test('a client that accepts br gets gzip: large answers are compressed fast, and decode to the same hits', async () => {
  // cpp-httplib would use Brotli at quality 11 (~0.5 MB/s): seconds for a page of hits.
  const body = JSON.stringify({ size: 5000, sort: [{ '@timestamp': 'desc' }, { _doc: 'asc' }] });
  const res = await fetch(`${server.url}/logs-*/_search`, { method: 'POST', body,
    headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip, deflate, br, zstd' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  const viaGzip = await res.json();  // fetch decodes it
  const plain = await request(server.url, 'POST', '/logs-*/_search', JSON.parse(body));
  assert.equal(viaGzip.hits.hits.length, 5000);
  assert.deepEqual(viaGzip.hits.hits.map((h) => h._id), plain.body.hits.hits.map((h) => h._id));
});
