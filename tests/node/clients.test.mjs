// The official clients against flowdex serve: @elastic/elasticsearch 8 and 9
// and @opensearch-project/opensearch run the same script: info, bulk through
// the client's bulk helper, searches with aggregations, count, msearch,
// search_after paging, and error cases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Client as Es8 } from 'es8';
import { Client as Es9 } from 'es9';
import { Client as OpenSearch } from '@opensearch-project/opensearch';
import { tempDir, sampleData, startServer } from './harness.mjs';

const FLOWS = 20000;
let dir, server;

before(async () => {
  dir = tempDir();
  const { data } = sampleData(dir, FLOWS, 4);
  server = await startServer(data);
});

after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0, 'flowdex serve exits 0 on SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

// One face for the three clients: Elastic's return bodies, OpenSearch's
// return { body, statusCode } and take the search body under `body`.
const flavours = {
  'elasticsearch-js 8': (node) => elastic(new Es8({ node })),
  'elasticsearch-js 9': (node) => elastic(new Es9({ node })),
  'opensearch-js': (node) => opensearch(new OpenSearch({ node })),
};

function elastic(client) {
  return {
    client,
    info: () => client.info(),
    search: (index, body) => client.search({ index, ...body }),
    count: (index, query) => client.count({ index, query }),
    msearch: (searches) => client.msearch({ searches }),
    refresh: (index) => client.indices.refresh({ index }),
    create: (index, mappings) => client.indices.create({ index, mappings }),
    exists: (index) => client.indices.exists({ index }),
    remove: (index) => client.indices.delete({ index }),
    get: (index, id) => client.get({ index, id }),
    scrollStart: (index, body) => client.search({ index, scroll: '1m', ...body }),
    scroll: (id) => client.scroll({ scroll_id: id, scroll: '1m' }),
    clearScroll: (id) => client.clearScroll({ scroll_id: id }),
    // Elasticsearch's point in time (OpenSearch's is another API).
    openPit: (index) => client.openPointInTime({ index, keep_alive: '1m' }),
    closePit: (id) => client.closePointInTime({ id }),
    status: (e) => e.meta?.statusCode,
    errorType: (e) => e.meta?.body?.error?.type,
  };
}

function opensearch(client) {
  const body = async (p) => (await p).body;
  return {
    client,
    info: () => body(client.info()),
    search: (index, b) => body(client.search({ index, body: b })),
    count: (index, query) => body(client.count({ index, body: { query } })),
    msearch: (searches) => body(client.msearch({ body: searches })),
    refresh: (index) => body(client.indices.refresh({ index })),
    create: (index, mappings) => body(client.indices.create({ index, body: { mappings } })),
    exists: (index) => body(client.indices.exists({ index })),
    remove: (index) => body(client.indices.delete({ index })),
    get: (index, id) => body(client.get({ index, id })),
    scrollStart: (index, b) => body(client.search({ index, scroll: '1m', body: b })),
    scroll: (id) => body(client.scroll({ body: { scroll_id: id, scroll: '1m' } })),
    clearScroll: (id) => body(client.clearScroll({ body: { scroll_id: id } })),
    status: (e) => e.meta?.statusCode,
    errorType: (e) => e.meta?.body?.error?.type,
  };
}

for (const [name, make] of Object.entries(flavours)) {
  test(`${name}: info, bulk helper, search, count, msearch, paging, errors`, async () => {
    const c = make(server.url);
    const index = 'apps-' + name.replace(/[^a-z0-9]/g, '');

    const info = await c.info();
    assert.equal(info.tagline, 'You Know, for Search');
    assert.match(info.version.number, /^8\./);

    // Index with an explicit mapping, then 2,500 documents through the bulk helper.
    await c.create(index, { properties: { service: { type: 'keyword' }, latency: { type: 'long' },
                                          '@timestamp': { type: 'date' } } });
    const docs = Array.from({ length: 2500 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 10, 27, 0, 0, i)).toISOString(),
      service: ['api', 'web', 'db'][i % 3],
      latency: i % 100,
      message: i % 10 === 0 ? 'request failed with error' : 'request ok',
    }));
    const stats = await c.client.helpers.bulk({
      datasource: docs,
      onDocument: () => ({ index: { _index: index } }),
      flushBytes: 50000,
    });
    assert.equal(stats.total, 2500);
    assert.equal(stats.successful, 2500);
    assert.equal(stats.failed, 0);
    await c.refresh(index);

    // Search with aggregations.
    const r = await c.search(index, {
      size: 3,
      query: { bool: { filter: [{ term: { service: 'api' } }, { range: { latency: { gte: 50 } } }] } },
      aggs: { svc: { terms: { field: 'service' } }, lat: { stats: { field: 'latency' } },
              per_min: { date_histogram: { field: '@timestamp', fixed_interval: '10m' } } },
    });
    const expected = docs.filter((d) => d.service === 'api' && d.latency >= 50);
    assert.equal(r.hits.total.value, expected.length);
    assert.equal(r.hits.hits.length, 3);
    assert.deepEqual(r.aggregations.svc.buckets, [{ key: 'api', doc_count: expected.length }]);
    assert.equal(r.aggregations.lat.min, 50);
    assert.equal(r.aggregations.lat.max, 99);
    assert.equal(r.aggregations.per_min.buckets.reduce((s, b) => s + b.doc_count, 0), expected.length);

    // Full-text match and count.
    const errors = await c.count(index, { match: { message: 'error' } });
    assert.equal(errors.count, docs.filter((d) => d.message.includes('error')).length);

    // msearch: one search per index, one of them failing on its own.
    const m = await c.msearch([
      { index }, { size: 0, query: { term: { service: 'db' } } },
      { index: 'logs' }, { size: 0, query: { kql: { query: 'event.action:REJECT' } } },
      { index: 'no-such-index' }, { query: { match_all: {} } },
    ]);
    assert.equal(m.responses.length, 3);
    assert.equal(m.responses[0].hits.total.value, docs.filter((d) => d.service === 'db').length);
    assert.equal(m.responses[0].status, 200);
    assert.ok(m.responses[1].hits.total.value > 0);
    assert.equal(m.responses[2].status, 404);
    assert.equal(m.responses[2].error.type, 'index_not_found_exception');

    // Paging through the REJECT flows with search_after: every hit once.
    const total = (await c.count('logs', { term: { 'event.action': 'REJECT' } })).count;
    assert.ok(total > 100);
    const seen = new Set();
    let after;
    for (;;) {
      const page = await c.search('logs', {
        size: 500, query: { term: { 'event.action': 'REJECT' } },
        sort: [{ '@timestamp': 'desc' }, { _doc: 'asc' }], ...(after ? { search_after: after } : {}),
      });
      if (page.hits.hits.length === 0) break;
      for (const h of page.hits.hits) {
        assert.equal(h._source.event.action, 'REJECT');
        assert.ok(!seen.has(h._id), `hit ${h._id} returned twice`);
        seen.add(h._id);
      }
      after = page.hits.hits.at(-1).sort;
    }
    assert.equal(seen.size, total);

    // The same through a scroll: every REJECT flow once, then an empty page.
    const scrolled = new Set();
    let page = await c.scrollStart('logs', { size: 700, query: { term: { 'event.action': 'REJECT' } } });
    const scrollId = page._scroll_id;
    assert.ok(scrollId);
    while (page.hits.hits.length > 0) {
      for (const h of page.hits.hits) {
        assert.ok(!scrolled.has(h._id), `hit ${h._id} scrolled twice`);
        scrolled.add(h._id);
      }
      page = await c.scroll(page._scroll_id);
    }
    assert.deepEqual([...scrolled].sort(), [...seen].sort());
    assert.equal((await c.clearScroll(scrollId)).succeeded, true);

    // And through a point in time with search_after (Kibana's CSV export).
    if (c.openPit) {
      const { id } = await c.openPit('logs');
      const viaPit = new Set();
      let last;
      for (;;) {
        const p = await c.client.search({
          size: 800, pit: { id, keep_alive: '1m' }, query: { term: { 'event.action': 'REJECT' } },
          sort: [{ '@timestamp': 'asc' }], ...(last ? { search_after: last } : {}),
        });
        assert.equal(p.pit_id, id);
        if (p.hits.hits.length === 0) break;
        for (const h of p.hits.hits) {
          assert.ok(!viaPit.has(h._id), `hit ${h._id} paged twice`);
          viaPit.add(h._id);
        }
        last = p.hits.hits.at(-1).sort;
        assert.equal(last.length, 2, 'the implied tiebreaker is in the sort values');
      }
      assert.deepEqual([...viaPit].sort(), [...seen].sort());
      assert.equal((await c.closePit(id)).succeeded, true);
    }

    // A document by id, as the bulk helper stored it.
    const one = (await c.search(index, { size: 1, query: { term: { latency: 7 } } })).hits.hits[0];
    const got = await c.get(index, one._id);
    assert.equal(got.found, true);
    assert.equal(got._source.latency, 7);

    // Errors arrive as the clients' ResponseError with Elasticsearch's shape.
    await assert.rejects(c.search('no-such-index', { query: { match_all: {} } }), (e) => {
      assert.equal(c.status(e), 404);
      assert.equal(c.errorType(e), 'index_not_found_exception');
      return true;
    });
    await assert.rejects(c.search(index, { query: { no_such_query: {} } }), (e) => {
      assert.equal(c.status(e), 400);
      assert.equal(c.errorType(e), 'parsing_exception');
      return true;
    });
    await assert.rejects(c.search(index, { from: 9995, size: 10 }), (e) => {
      assert.equal(c.status(e), 400);
      return true;
    });

    await c.remove(index);
    assert.equal(await c.exists(index), false);
  });
}
