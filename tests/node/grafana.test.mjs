// Grafana's Elasticsearch data source, replayed: the health check, field
// discovery (_field_caps and _mapping), a metrics _msearch (date_histogram
// with extended_bounds and terms ordered by a metric) and a logs _msearch,
// in the shapes research/ecosystem.md section 1.4 records.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tempDir, sampleData, startServer, request } from './harness.mjs';

let dir, server;
before(async () => {
  dir = tempDir();
  const { data } = sampleData(dir, 30000, 6);
  server = await startServer(data);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('Grafana: health check and field discovery', async () => {
  const info = await request(server.url, 'GET', '/');
  assert.equal(info.status, 200);
  assert.equal(info.body.version.build_flavor, 'default');
  const health = await request(server.url, 'GET', '/_cluster/health?wait_for_status=yellow&timeout=10s');
  assert.equal(health.status, 200);
  assert.notEqual(health.body.status, 'red');
  const caps = await request(server.url, 'GET', '/logs-*/_field_caps?fields=@timestamp');
  assert.equal(caps.status, 200);
  assert.ok(caps.body.fields['@timestamp'].date, '@timestamp is a date field');
  const all = await request(server.url, 'GET', '/logs-*/_field_caps?fields=*');
  assert.equal(all.body.fields['source.ip'].ip.aggregatable, true);
  assert.equal(all.body.fields['destination.port'].long.type, 'long');
  assert.equal(all.body.fields['_id']._id.metadata_field, true);
  const mapping = await request(server.url, 'GET', '/logs/_mapping');
  const props = Object.values(mapping.body)[0].mappings.properties;
  assert.equal(props['@timestamp'].type, 'date');
  assert.equal(props.source.properties.ip.type, 'ip');
});

test('Grafana: metrics _msearch with date_histogram and terms', async () => {
  const to = Date.now();
  const from = to - 3 * 3600 * 1000;
  const header = { search_type: 'query_then_fetch', ignore_unavailable: true, index: 'logs-*' };
  const body = {
    size: 0,
    query: { bool: { filter: [
      { range: { '@timestamp': { gte: from, lte: to, format: 'epoch_millis' } } },
      { query_string: { query: 'event.action:REJECT', analyze_wildcard: true } },
    ] } },
    aggs: {
      '3': {
        terms: { field: 'destination.port', size: 5, order: { '1': 'desc' }, min_doc_count: 1 },
        aggs: {
          '1': { sum: { field: 'network.bytes' } },
          '2': { date_histogram: { field: '@timestamp', fixed_interval: '600000ms', min_doc_count: 0,
                                   extended_bounds: { min: from, max: to }, format: 'epoch_millis' } },
        },
      },
    },
  };
  const ndjson = JSON.stringify(header) + '\n' + JSON.stringify(body) + '\n';
  const r = await request(server.url, 'POST', '/_msearch?max_concurrent_shard_requests=5', ndjson,
                          { 'content-type': 'application/x-ndjson' });
  assert.equal(r.status, 200);
  const res = r.body.responses[0];
  assert.equal(res.status, 200);
  const ports = res.aggregations['3'].buckets;
  assert.ok(ports.length > 0 && ports.length <= 5);
  for (let i = 1; i < ports.length; i++) assert.ok(ports[i - 1]['1'].value >= ports[i]['1'].value, 'ordered by the sum');
  for (const p of ports) {
    const b = p['2'].buckets;
    // min_doc_count 0 with extended_bounds: every 10 minutes of the range has a bucket.
    assert.ok(b.length >= 18, `${b.length} histogram buckets`);
    assert.equal(b.reduce((s, x) => s + x.doc_count, 0), p.doc_count);
    assert.equal(typeof b[0].key, 'number');
  }
  // The same count through _count agrees.
  const count = await request(server.url, 'POST', '/logs-*/_count', {
    query: { bool: { filter: [{ range: { '@timestamp': { gte: from, lte: to, format: 'epoch_millis' } } },
                              { term: { 'event.action': 'REJECT' } }] } } });
  assert.equal(count.body.count, res.hits.total.value);
});

test('Grafana: logs _msearch with sort, docvalue_fields, fields and highlight', async () => {
  const to = Date.now();
  const header = { search_type: 'query_then_fetch', ignore_unavailable: true, index: 'logs-*' };
  const body = {
    size: 50,
    query: { bool: { filter: [{ range: { '@timestamp': { gte: to - 3 * 3600e3, lte: to, format: 'epoch_millis' } } },
                              { query_string: { query: 'destination.port:443', analyze_wildcard: true } }] } },
    sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'boolean' } }, { _doc: { order: 'desc' } }],
    docvalue_fields: ['@timestamp'],
    fields: [{ field: '@timestamp', format: 'strict_date_optional_time_nanos' }],
    script_fields: {},
    highlight: { fields: { '*': {} }, pre_tags: ['@HIGHLIGHT@'], post_tags: ['@/HIGHLIGHT@'], fragment_size: 2147483647 },
    aggs: { '1': { date_histogram: { field: '@timestamp', fixed_interval: '60000ms', min_doc_count: 0,
                                     extended_bounds: { min: to - 3 * 3600e3, max: to }, format: 'epoch_millis' } } },
  };
  const r = await request(server.url, 'POST', '/_msearch', JSON.stringify(header) + '\n' + JSON.stringify(body) + '\n',
                          { 'content-type': 'application/x-ndjson' });
  assert.equal(r.status, 200, r.text);
  const res = r.body.responses[0];
  assert.equal(res.status, 200, JSON.stringify(res.error));
  assert.equal(res.hits.hits.length, 50);
  for (let i = 1; i < res.hits.hits.length; i++) {
    assert.ok(res.hits.hits[i - 1].sort[0] >= res.hits.hits[i].sort[0], 'newest first');
    assert.equal(res.hits.hits[i]._source.destination.port, 443);
  }
  assert.ok(res.hits.hits[0].fields['@timestamp'][0]);
});
