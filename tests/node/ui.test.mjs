// The web UI in Debian's Chromium (headless, driven by playwright-core)
// against flowdex serve with generated flows: what the UI shows must match
// what the API answers. Screenshots go to $UI_SCREENSHOTS (the build's
// test-output/ui) for a human to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { flowdex, request, sampleData, startServer, tempDir } from './harness.mjs';

const SHOTS = process.env.UI_SCREENSHOTS ?? join(tempDir('flowdex-ui-shots-'), 'ui');
mkdirSync(SHOTS, { recursive: true });
let server, browser, data;

before(async () => {
  data = sampleData(tempDir(), 60000, 6).data;
  server = await startServer(data, ['--basic-auth', 'elastic:s3cret']);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const AUTH = { authorization: 'Basic ' + Buffer.from('elastic:s3cret').toString('base64') };

async function openPage(hash, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, httpCredentials: { username: 'elastic', password: 's3cret' } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/_ui/${hash}`);
  await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
  page.errors = errors;
  return page;
}

async function rendered(page, action) {
  await page.evaluate(() => { delete document.body.dataset.rendered; });
  await action();
  await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
}

// The API's count for a KQL query and filters over the last 3 hours.
async function apiCount(kql, extra = [], mustNot = []) {
  const filter = [{ range: { '@timestamp': { gte: 'now-3h', lte: 'now' } } }, ...extra];
  if (kql) filter.push({ kql: { query: kql } });
  const r = await request(server.url, 'POST', '/logs-*/_count', { query: { bool: { filter, must_not: mustNot } } }, AUTH);
  assert.equal(r.status, 200, r.text);
  return r.body.count;
}

function shownCount(text) {
  return Number(text.split(' flows')[0].replace(/[^\d]/g, ''));
}

test('a browser asking for / is sent to the UI; API clients still get JSON', async () => {
  const html = await fetch(server.url + '/', { headers: { ...AUTH, accept: 'text/html' }, redirect: 'manual' });
  assert.equal(html.status, 302);
  assert.equal(html.headers.get('location'), '/_ui/');
  const json = await request(server.url, 'GET', '/', undefined, AUTH);
  assert.equal(json.body.tagline, 'You Know, for Search');
  const unauth = await fetch(server.url + '/_ui/');
  assert.equal(unauth.status, 401);  // the UI is behind the same credentials as the API
});

test('Discover: a KQL query filters the table, and the count matches the API', async () => {
  const page = await openPage('#/discover?from=now-3h');
  const total = shownCount(await page.textContent('.hitcount'));
  assert.equal(total, await apiCount(''));
  const kql = 'event.action:REJECT and destination.port < 1024';
  await rendered(page, async () => {
    await page.fill('input.kql', kql);
    await page.keyboard.press('Enter');
  });
  assert.match(page.url(), /q=event\.action%3AREJECT/);
  const shown = shownCount(await page.textContent('.hitcount'));
  assert.equal(shown, await apiCount(kql));
  assert.ok(shown > 0 && shown < total);
  const actions = await page.$$eval('table.flows tbody tr.hit td.c-event_action', (tds) => tds.map((t) => t.textContent));
  assert.ok(actions.length > 0 && actions.every((a) => a === 'REJECT'), actions.join());
  const ports = await page.$$eval('table.flows tbody tr.hit td.c-destination', (tds) => tds.map((t) => Number(t.textContent.split(':').pop())));
  assert.ok(ports.every((p) => p < 1024), ports.join());
  // The histogram's bars add up to the count.
  await page.screenshot({ path: join(SHOTS, 'discover-kql.png') });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('Discover: syntax errors are shown where they are', async () => {
  const page = await openPage('#/discover?from=now-3h');
  await page.fill('input.kql', 'source.ip:(10.0.0.1 or 10.0.0.2');
  await page.keyboard.press('Enter');
  const error = await page.textContent('.kql-error');
  assert.match(error, /KQL syntax error at column 11: missing "\)"/);
  assert.equal(await page.textContent('.kql-error mark'), '(');
  assert.doesNotMatch(page.url(), /q=/);  // nothing was searched
  await page.screenshot({ path: join(SHOTS, 'discover-syntax-error.png') });
  await page.context().close();
});

test('Discover: field and value suggestions', async () => {
  const page = await openPage('#/discover?from=now-3h');
  await page.click('input.kql');
  await page.keyboard.type('destination.po');
  await page.waitForSelector('ul.suggestions li:has-text("destination.port")');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.equal(await page.inputValue('input.kql'), 'destination.port:');
  await page.waitForSelector('ul.suggestions li .kind:has-text("value")');
  const values = await page.$$eval('ul.suggestions li', (lis) => lis.map((l) => l.textContent.replace(/^value/, '')));
  const top = await request(server.url, 'POST', '/logs-*/_search',
                            { size: 0, aggs: { p: { terms: { field: 'destination.port', size: 10 } } } }, AUTH);
  assert.deepEqual(values, top.body.aggregations.p.buckets.map((b) => String(b.key)));
  await page.keyboard.type('4');
  await page.waitForFunction(() => [...document.querySelectorAll('ul.suggestions li')].every((li) => li.textContent.startsWith('value4')));
  await page.screenshot({ path: join(SHOTS, 'discover-suggestions.png') });
  await page.context().close();
});

test('Discover: a top value in the field list becomes a filter pill; pills negate and go', async () => {
  const page = await openPage('#/discover?from=now-3h');
  const total = shownCount(await page.textContent('.hitcount'));
  await page.fill('.sidebar input', 'event.action');
  await page.click('.fieldname:has-text("event.action")');
  await page.waitForSelector('.topvalue:has-text("REJECT")');
  await rendered(page, () => page.click('button[aria-label="Filter for event.action REJECT"]'));
  assert.match(await page.textContent('.pill'), /event\.action: REJECT/);
  const rejected = shownCount(await page.textContent('.hitcount'));
  assert.equal(rejected, await apiCount('', [{ term: { 'event.action': 'REJECT' } }]));
  await rendered(page, () => page.click('.pill-text'));  // include -> exclude
  assert.match(await page.textContent('.pill'), /NOT event\.action: REJECT/);
  assert.equal(shownCount(await page.textContent('.hitcount')), total - rejected);
  await page.screenshot({ path: join(SHOTS, 'discover-filter-pill.png') });
  // The state is in the URL: a fresh page on it shows the same.
  const again = await openPage(page.url().slice(page.url().indexOf('#')));
  assert.equal(shownCount(await again.textContent('.hitcount')), total - rejected);
  await again.context().close();
  await rendered(page, () => page.click('.pill-x'));
  assert.equal(await page.$('.pill'), null);
  assert.equal(shownCount(await page.textContent('.hitcount')), total);
  await page.context().close();
});

test('Discover: sort by a column, expand a row to every field', async () => {
  const page = await openPage('#/discover?from=now-3h');
  await rendered(page, () => page.click('th button.sort:has-text("Bytes")'));
  assert.match(page.url(), /sort=network\.bytes%3Adesc/);
  const top = await request(server.url, 'POST', '/logs-*/_search', {
    size: 1, sort: [{ 'network.bytes': 'desc' }], query: { range: { '@timestamp': { gte: 'now-3h' } } } }, AUTH);
  const first = await page.textContent('table.flows tbody tr.hit td.c-destination');
  const hit = top.body.hits.hits[0]._source;
  assert.equal(first, `${hit.destination.ip}:${hit.destination.port}`);
  await page.click('table.flows tbody tr.hit');
  await page.waitForSelector('tr.detail:not([hidden]) table.fields');
  const names = await page.$$eval('tr.detail:not([hidden]) table.fields th', (ths) => ths.map((t) => t.textContent));
  for (const f of ['@timestamp', 'source.ip', 'destination.port', 'event.action', 'aws.vpcflow.interface_id', 'network.community_id']) {
    assert.ok(names.includes(f), `${f} in ${names.join()}`);
  }
  await page.screenshot({ path: join(SHOTS, 'discover-expanded.png') });
  await page.context().close();
});

test('Discover: load more pages on after the last row; common fields pinned, empty ones hidden; cards at 420 px', async () => {
  const page = await openPage('#/discover?from=now-3h', { width: 1440, height: 900 });
  for (const rows of [200, 300]) {
    await page.click('button.load-more');
    await page.waitForFunction((n) => document.querySelectorAll('table.flows tbody tr.hit').length === n, rows);
  }
  assert.match(await page.textContent('.hitcount'), /showing the first 300 ·/);
  // The rows are the API's first 300 in the view's order (newest first,
  // ties in index order): nothing skipped, nothing twice.
  const shown = await page.$$eval('table.flows tbody tr.hit', (trs) => trs.map((tr) =>
    `${tr.querySelector('td.c-source').textContent} ${tr.querySelector('td.c-destination').textContent}`));
  const api = await request(server.url, 'POST', '/logs-*/_search', { size: 300, query: { range: { '@timestamp': { gte: 'now-3h' } } },
    sort: [{ '@timestamp': 'desc' }, { _doc: 'asc' }] }, AUTH);
  const ends = (s, side) => {
    const ip = s[side]?.ip;
    if (ip === undefined) return '';
    // ICMP rows show addresses alone (flow logs write its ports as 0).
    if (/icmp/.test(s.network?.transport ?? '') && !s[side].port) return ip;
    return s[side].port === undefined ? ip : ip.includes(':') ? `[${ip}]:${s[side].port}` : `${ip}:${s[side].port}`;
  };
  assert.deepEqual(shown, api.body.hits.hits.map(({ _source: s }) => `${ends(s, 'source')} ${ends(s, 'destination')}`));
  // The field list: the common fields first, in their order.
  const names = await page.$$eval('.fieldlist .field', (fs) => fs.map((f) => f.dataset.field));
  assert.deepEqual(names.slice(0, 5), ['@timestamp', 'source.ip', 'source.port', 'destination.ip', 'destination.port']);
  assert.equal(await page.textContent('.fieldlist .field-group'), 'Common fields');
  assert.equal(await page.getAttribute('.field[data-field="destination.ip"] .ftype', 'title'), 'ip');
  assert.equal(await page.textContent('.field[data-field="network.bytes"] .ftype'), 'num');
  // Fields without a value in the range are hidden, and really are empty.
  const caps = await request(server.url, 'POST', '/logs-*/_field_caps?fields=*', {}, AUTH);
  const all = Object.keys(caps.body.fields).filter((n) => !n.startsWith('_') && !['object', 'nested'].includes(Object.keys(caps.body.fields[n])[0]));
  const hidden = all.filter((n) => !names.includes(n));
  assert.ok(hidden.length > 0, 'no field is empty in the sample');
  assert.match(await page.textContent('.empty-toggle'), new RegExp(`Show empty fields \\(${hidden.length}\\)`));
  for (const name of hidden) {
    assert.equal(await apiCount('', [{ exists: { field: name } }]), 0, `${name} is hidden but has values`);
  }
  for (const name of ['aws.vpcflow.interface_id', 'network.packets']) assert.ok(names.includes(name), name);
  await page.screenshot({ path: join(SHOTS, 'discover-load-more.png') });
  await page.check('.empty-toggle input');
  const withEmpty = await page.$$eval('.fieldlist .field', (fs) => fs.map((f) => f.dataset.field));
  assert.equal(withEmpty.length, names.length + hidden.length);
  assert.ok(await page.$(`.field.empty-field[data-field="${hidden[0]}"]`));
  await page.uncheck('.empty-toggle input');
  // At 420 px each flow is a card: no header row, each value labelled.
  await page.setViewportSize({ width: 420, height: 900 });
  assert.equal(await page.$eval('table.flows thead', (t) => getComputedStyle(t).display), 'none');
  const label = await page.$eval('table.flows tbody tr.hit td.c-event_action', (td) => getComputedStyle(td, '::before').content);
  assert.equal(label, '"Action: "');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: join(SHOTS, 'discover-cards-420.png') });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('Saved views: a search and a dashboards view are stored in flowdex, listed, opened by link, deleted', async () => {
  const kql = 'event.action:REJECT';
  const page = await openPage(`#/discover?from=now-3h&q=${encodeURIComponent(kql)}&sort=network.bytes%3Adesc`, { width: 1440, height: 900 });
  const count = shownCount(await page.textContent('.hitcount'));
  await page.click('button.save-view');
  await page.fill('input.save-title', 'Rejected, biggest first');
  await page.click('.save-form button[type=submit]');
  await page.waitForSelector('.save-status a.saved-link');
  const link = await page.getAttribute('.save-status a.saved-link', 'href');
  // Stored in flowdex, through its own API.
  const stored = await request(server.url, 'POST', '/.flowdex-saved-views/_search', { query: { term: { title: 'Rejected, biggest first' } } }, AUTH);
  assert.equal(stored.body.hits.total.value, 1);
  const view = stored.body.hits.hits[0]._source;
  assert.equal(view.page, 'discover');
  assert.equal(view.q, kql);
  assert.match(view.hash, /^#\/discover\?/);
  // A dashboards view too.
  await rendered(page, () => page.goto(`${server.url}/_ui/#/dashboards?from=now-1h&metric=flows`));
  await page.click('button.save-view');
  await page.fill('input.save-title', 'Last hour by flows');
  await page.click('.save-form button[type=submit]');
  await page.waitForSelector('.save-status a.saved-link');
  // The list, newest first.
  await rendered(page, () => page.goto(`${server.url}/_ui/#/saved`));
  const rows = await page.$$eval('table.saved tbody tr', (trs) => trs.map((tr) => [...tr.cells].slice(0, 4).map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), [['Last hour by flows', 'Dashboards view', '—'],
                                                  ['Rejected, biggest first', 'Discover search', kql]]);
  await page.screenshot({ path: join(SHOTS, 'saved.png') });
  // The stable link opens the search as it was saved.
  await rendered(page, () => page.goto(`${server.url}/_ui/${link}`));
  await page.waitForSelector('table.flows');
  assert.match(page.url(), /#\/discover\?/);
  assert.match(page.url(), /sort=network\.bytes%3Adesc/);
  assert.equal(await page.inputValue('input.kql'), kql);
  assert.equal(shownCount(await page.textContent('.hitcount')), count);
  // Deleted: gone from the list and from the API; its link says so.
  await rendered(page, () => page.goto(`${server.url}/_ui/#/saved`));
  await rendered(page, () => page.click('button[aria-label="Delete Rejected, biggest first"]'));
  assert.deepEqual(await page.$$eval('table.saved tbody tr td:first-child', (tds) => tds.map((t) => t.textContent)), ['Last hour by flows']);
  await rendered(page, () => page.goto(`${server.url}/_ui/${link}`));
  assert.match(await page.textContent('.state.error'), /no saved view/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('Discover: dragging over the histogram zooms the time range', async () => {
  const page = await openPage('#/discover?from=now-3h');
  const box = await page.locator('.histogram .u-over').boundingBox();
  await rendered(page, async () => {
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
  });
  const params = new URLSearchParams(page.url().split('?')[1]);
  const from = Date.parse(params.get('from'));
  const to = Date.parse(params.get('to'));
  assert.ok(to > from && to - from < 3 * 3600e3 * 0.3, `${params.get('from')} .. ${params.get('to')}`);
  const shown = shownCount(await page.textContent('.hitcount'));
  const r = await request(server.url, 'POST', '/logs-*/_count',
                          { query: { range: { '@timestamp': { gte: params.get('from'), lt: params.get('to') } } } }, AUTH);
  assert.equal(shown, r.body.count);
  await page.context().close();
});

test('Dashboards: every panel renders, top talkers match the API', async () => {
  const page = await openPage('#/dashboards?from=now-3h&metric=packets');
  assert.equal(await page.$('.state.error'), null);
  const panels = await page.$$eval('section.panel h2', (hs) => hs.map((h) => h.firstChild.textContent));
  assert.deepEqual(panels, ['Flows and bytes over time', 'Top talkers by packets', 'Service ports and protocols by packets',
                            'Rejected traffic', 'Traffic by country (packets)', 'Countries and networks by packets', 'Instances and security groups by packets',
                            'Traffic per interface by packets']);
  // Without enrichment, the countries panel says how to get it.
  assert.match(await page.textContent('section.panel[aria-label^="Countries"]'), /ingest with --geoip-dir/);
  assert.match(await page.textContent('section.panel[aria-label^="Instances"]'), /sync the AWS inventory/);
  const sources = await page.$$eval('section.panel:nth-of-type(2) .columns3 > div:first-child .rank-label', (b) => b.map((x) => x.textContent));
  const r = await request(server.url, 'POST', '/logs-*/_search', { size: 0, query: { range: { '@timestamp': { gte: 'now-3h' } } },
    aggs: { s: { terms: { field: 'source.ip', size: 10, order: { m: 'desc' } }, aggs: { m: { sum: { field: 'network.packets' } } } } } }, AUTH);
  assert.deepEqual(sources, r.body.aggregations.s.buckets.map((b) => b.key));
  await page.screenshot({ path: join(SHOTS, 'dashboards.png'), fullPage: true });
  // A click on a talker filters every panel for it.
  await rendered(page, () => page.click(`section.panel:nth-of-type(2) .rank-label >> text="${sources[0]}"`));
  assert.match(await page.textContent('.pill'), new RegExp(`source\\.ip: ${sources[0].replace(/\./g, '\\.')}`));
  await page.context().close();
});

test('Dashboards: a drag on a chart zooms every panel to whole buckets; the KQL typed goes along', async () => {
  const page = await openPage('#/dashboards?from=now-3h&metric=flows', { width: 1440, height: 900 });
  // A query typed but not submitted is kept by the zoom.
  await page.fill('input.kql', 'event.action:REJECT');
  // Drag over the middle of the stored flows (the chart spans the 3 hours).
  const span = await request(server.url, 'POST', '/logs-*/_search', { size: 0,
    aggs: { a: { min: { field: '@timestamp' } }, b: { max: { field: '@timestamp' } } } }, AUTH);
  const now = Date.now();
  const at = (ms) => (ms - (now - 3 * 3600e3)) / (3 * 3600e3);
  const [lo, hi] = [span.body.aggregations.a.value, span.body.aggregations.b.value];
  const box = await page.locator('section.panel[aria-label="Flows and bytes over time"] .u-over').boundingBox();
  await rendered(page, async () => {
    await page.mouse.move(box.x + box.width * at(lo + (hi - lo) * 0.25), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * at(lo + (hi - lo) * 0.75), box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
  });
  const params = new URLSearchParams(page.url().split('?')[1]);
  assert.equal(params.get('q'), 'event.action:REJECT');
  const from = Date.parse(params.get('from'));
  const to = Date.parse(params.get('to'));
  assert.ok(to > from && to - from < 3 * 3600e3 * 0.5, `${params.get('from')} .. ${params.get('to')}`);
  // Snapped to the histogram's buckets (a whole number of minutes here).
  assert.equal(from % 60000, 0);
  assert.equal(to % 60000, 0);
  // Every panel now answers for the zoomed range: the rejected count and
  // the top sources equal the API's over it.
  const range = { range: { '@timestamp': { gte: params.get('from'), lt: params.get('to') } } };
  const rejected = await request(server.url, 'POST', '/logs-*/_count', { query: { bool: { filter: [range, { term: { 'event.action': 'REJECT' } }] } } }, AUTH);
  assert.ok(rejected.body.count > 0);
  assert.equal(await page.textContent('section.panel[aria-label="Rejected traffic"] .kpi'), `${rejected.body.count.toLocaleString('en-US')} rejected flows`);
  const top = await request(server.url, 'POST', '/logs-*/_search', { size: 0, query: { bool: { filter: [range, { term: { 'event.action': 'REJECT' } }] } },
    aggs: { s: { terms: { field: 'source.ip', size: 10 } } } }, AUTH);
  const sources = await page.$$eval('section.panel[aria-label^="Top talkers"] .columns3 > div:first-child .rank-label', (b) => b.map((x) => x.firstChild.textContent));
  assert.deepEqual(sources, top.body.aggregations.s.buckets.map((b) => b.key));
  await page.screenshot({ path: join(SHOTS, 'dashboards-zoomed.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('Connection check: both directions and the verdict agree with the API', async () => {
  // A pair seen in the data: the biggest accepted TCP flow's ends and port.
  const r = await request(server.url, 'POST', '/logs-*/_search', { size: 1, query: { bool: { filter: [
    { range: { '@timestamp': { gte: 'now-3h' } } }, { term: { 'event.action': 'ACCEPT' } },
    { term: { 'network.transport': 'tcp' } }] } },
    sort: [{ 'network.bytes': 'desc' }] }, AUTH);
  const f = r.body.hits.hits[0]._source;
  const [a, b, port] = [f.source.ip, f.destination.ip, f.destination.port];
  const page = await openPage('#/connection?from=now-3h');
  await page.fill('input[name=a]', a);
  await page.fill('input[name=b]', b);
  await page.fill('input[name=port]', String(port));
  await rendered(page, () => page.click('form.connection-form button[type=submit]'));
  if (!(await page.$('.verdict'))) {
    await page.screenshot({ path: join(SHOTS, 'connection-check-failed.png'), fullPage: true });
    assert.fail(`no verdict for ${a} -> ${b}:${port}: ${await page.textContent('.connection-result')}`);
  }
  const verdict = await page.textContent('.verdict');
  assert.match(verdict, new RegExp(`${a.replace(/\./g, '\\.')} → ${b.replace(/\./g, '\\.')} on port ${port}`));
  const cells = await page.$$eval('table.directions tbody tr', (rows) => rows.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const count = (src, dst, portField, action) => request(server.url, 'POST', '/logs-*/_count', { query: { bool: { filter: [
    { range: { '@timestamp': { gte: 'now-3h' } } }, { term: { 'source.ip': src } }, { term: { 'destination.ip': dst } },
    { term: { [portField]: port } }, { term: { 'event.action': action } }] } } }, AUTH).then((x) => x.body.count);
  assert.equal(Number(cells[0][1].replace(/,/g, '')), await count(a, b, 'destination.port', 'ACCEPT'));
  assert.equal(Number(cells[0][3].replace(/,/g, '')), await count(a, b, 'destination.port', 'REJECT'));
  assert.equal(Number(cells[1][1].replace(/,/g, '')), await count(b, a, 'source.port', 'ACCEPT'));
  assert.equal(Number(cells[1][3].replace(/,/g, '')), await count(b, a, 'source.port', 'REJECT'));
  await page.screenshot({ path: join(SHOTS, 'connection-check.png'), fullPage: true });
  await page.context().close();
});

test('API errors are shown plainly; empty results say so; a narrow window has no sideways scroll', async () => {
  let page = await openPage('#/discover?index=no-such-index&from=now-3h');
  assert.match(await page.textContent('.state.error'), /no such index \[no-such-index\].*HTTP 404/);
  await page.context().close();
  page = await openPage('#/discover?from=now-3h&q=destination.port%3A1', { width: 420, height: 900 });
  assert.match(await page.textContent('.table-wrap'), /No flows match/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: join(SHOTS, 'narrow-empty.png'), fullPage: true });
  await page.context().close();
});

test('serve --backend: the UI over another cluster, through the proxy', async () => {
  const proxy = await startServer(join(tempDir(), 'unused'), ['--backend', server.url, '--backend-basic-auth', 'elastic:s3cret']);
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${proxy.url}/_ui/#/discover?from=now-3h`);
    await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
    assert.equal(shownCount(await page.textContent('.hitcount')), await apiCount(''));
    await context.close();
  } finally {
    await proxy.stop();
  }
});

test('with GeoIP: Discover names the country beside addresses; the countries panel matches the API', async () => {
  // Databases covering every public address `flowdex gen` draws, written by
  // MaxMind's writer (tests/enrich/make_geoip_sample_db.pl).
  const geoip = tempDir('flowdex-ui-geoip-');
  execFileSync('perl', [new URL('../enrich/make_geoip_sample_db.pl', import.meta.url).pathname, geoip]);
  const enriched = sampleData(tempDir(), 20000, 2, ['--geoip-dir', geoip]).data;
  const geo = await startServer(enriched);
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${geo.url}/_ui/#/dashboards?from=now-3h&metric=flows`);
    await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
    const lists = await page.$$eval('section.panel[aria-label^="Countries"] .columns4 > div',
      (divs) => divs.map((d) => [...d.querySelectorAll('.rank-label')].map((b) => b.textContent)));
    const r = await request(geo.url, 'POST', '/logs-*/_search', { size: 0, query: { range: { '@timestamp': { gte: 'now-3h' } } },
      aggs: { s: { terms: { field: 'source.geo.country_name', size: 8 } },
              n: { terms: { field: 'destination.as.organization.name', size: 8 } } } });
    assert.ok(r.body.aggregations.s.buckets.length > 0);
    assert.deepEqual(lists[0], r.body.aggregations.s.buckets.map((b) => b.key));
    assert.deepEqual(lists[2], r.body.aggregations.n.buckets.map((b) => b.key));
    await page.screenshot({ path: join(SHOTS, 'dashboards-geoip.png'), fullPage: true });
    // The world map: each shaded country's value is the API's count for
    // its code, for sources, then for rejected destinations.
    const mapValues = () => page.$$eval('svg.world-map path.has-value', (ps) => Object.fromEntries(ps.map((p) => [p.dataset.iso, Number(p.dataset.value)])));
    const apiCountries = async (side, action) => {
      const filter = [{ range: { '@timestamp': { gte: 'now-3h' } } }];
      if (action) filter.push({ term: { 'event.action': action } });
      const x = await request(geo.url, 'POST', '/logs-*/_search', { size: 0, query: { bool: { filter } },
        aggs: { c: { terms: { field: `${side}.geo.country_iso_code`, size: 300 } } } });
      return Object.fromEntries(x.body.aggregations.c.buckets.map((b) => [b.key, b.doc_count]));
    };
    const onMap = await page.$$eval('svg.world-map path[data-iso]', (ps) => ps.map((p) => p.dataset.iso));
    const shown = (all) => Object.fromEntries(Object.entries(all).filter(([iso]) => onMap.includes(iso)));
    const sources = await apiCountries('source');
    assert.ok(Object.keys(shown(sources)).length > 1, JSON.stringify(sources));
    assert.deepEqual(await mapValues(), shown(sources));
    await page.click('.map-controls button:has-text("Destinations")');
    await page.click('.map-controls button:has-text("ACCEPT")');
    const accepted = shown(await apiCountries('destination', 'ACCEPT'));
    assert.ok(Object.keys(accepted).length > 1);
    assert.deepEqual(await mapValues(), accepted);
    // Rejected sources: the map and the list beside it.
    await page.click('.map-controls button:has-text("Sources")');
    await page.click('.map-controls button:has-text("REJECT")');
    const rejectedFrom = await apiCountries('source', 'REJECT');
    assert.ok(Object.keys(shown(rejectedFrom)).length > 0, JSON.stringify(rejectedFrom));
    assert.deepEqual(await mapValues(), shown(rejectedFrom));
    const listed = await page.$$eval('.map-list .rank-label', (bs) => bs.map((b) => b.firstChild.textContent));
    assert.deepEqual(listed, Object.entries(rejectedFrom).sort((x, y) => y[1] - x[1]).slice(0, 10).map(([iso]) => iso));
    await page.locator('section.panel[aria-label^="Traffic by country"]').screenshot({ path: join(SHOTS, 'dashboards-map.png') });
    // A click on a country filters for it (and the action shown).
    const iso = Object.keys(shown(rejectedFrom))[0];
    await rendered(page, () => page.click(`svg.world-map path[data-iso="${iso}"]`, { force: true }));
    const pills = await page.$$eval('.pill-text', (ps) => ps.map((p) => p.textContent));
    assert.deepEqual(pills, ['event.action: REJECT', `source.geo.country_iso_code: ${iso}`]);

    // Discover: every flow from a source in the US says so beside the address.
    await page.goto(`${geo.url}/_ui/#/discover?from=now-3h&q=source.geo.country_iso_code%3AUS`);
    await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
    const headers = await page.$$eval('table thead th', (ths) => ths.map((t) => t.textContent));
    const col = headers.findIndex((t) => t.startsWith('Source')) + 1;
    const cells = await page.$$eval(`table tbody tr td:nth-child(${col})`, (tds) => tds.map((t) => t.textContent));
    assert.ok(cells.length > 0);
    for (const c of cells) assert.match(c, /^\S+ \(US\)$/);
    // The field list's top values work on a fact field; a location has none.
    await page.fill('.sidebar input', 'source.geo.country_name');
    await page.click('.fieldname:has-text("source.geo.country_name")');
    await page.waitForSelector('.topvalue:has-text("United States")');
    await page.fill('.sidebar input', 'source.geo.location');
    await page.click('.fieldname:has-text("source.geo.location")');
    await page.waitForSelector('.fieldlist :text("A map location: no top values")');
    await page.screenshot({ path: join(SHOTS, 'discover-geoip.png') });
    await page.setViewportSize({ width: 420, height: 900 });
    await page.goto(`${geo.url}/_ui/#/dashboards?from=now-3h&metric=flows`);
    await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
    await page.screenshot({ path: join(SHOTS, 'dashboards-geoip-narrow.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
    await context.close();
  } finally {
    await geo.stop();
  }
});

test('with the AWS inventory: names beside addresses; the instances panel matches the API and filters', async () => {
  // The generator's simulated inventory, added after the flows were ingested:
  // what the UI shows is named at query time (docs/enrichment.md).
  const dir = tempDir('flowdex-ui-inventory-');
  const logs = join(dir, 'logs');
  const data = join(dir, 'data');
  const inventory = join(dir, 'inventory.json');
  let r = flowdex(['gen', '--records', '20000', '--files', '2', '--start', 'now-2h', '--out', logs, '--inventory', inventory]);
  assert.equal(r.status, 0, r.stderr);
  r = flowdex(['ingest', '--data', data, logs]);
  assert.equal(r.status, 0, r.stderr);
  cpSync(inventory, join(data, 'inventory.json'));
  const named = await startServer(data);
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${named.url}/_ui/#/dashboards?from=now-3h&metric=flows`);
    await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
    const lists = await page.$$eval('section.panel[aria-label^="Instances"] .columns4 > div',
      (divs) => divs.map((d) => [...d.querySelectorAll('.rank-label')].map((b) => b.textContent)));
    const api = await request(named.url, 'POST', '/logs-*/_search', { size: 0, query: { range: { '@timestamp': { gte: 'now-3h' } } },
      aggs: { d: { terms: { field: 'destination.aws.instance.name', size: 8 } },
              g: { terms: { field: 'destination.aws.security_group.name', size: 8 } } } });
    const names = api.body.aggregations.d.buckets.map((b) => b.key);
    assert.ok(names.length > 0);
    assert.deepEqual(lists[1], names);
    assert.deepEqual(lists[2], api.body.aggregations.g.buckets.map((b) => b.key));
    // Top talkers name each address the inventory knows.
    const talkers = await page.$$eval('section.panel[aria-label^="Top talkers"] .columns3 > div:nth-child(2) .rank-label',
      (b) => b.map((x) => x.textContent));
    const top = await request(named.url, 'POST', '/logs-*/_search', { size: 0, query: { range: { '@timestamp': { gte: 'now-3h' } } },
      aggs: { t: { terms: { field: 'destination.ip', size: 10 },
                   aggs: { who: { terms: { field: 'destination.aws.instance.name', size: 1 } } } } } });
    assert.deepEqual(talkers, top.body.aggregations.t.buckets.map((b) => (b.who.buckets.length ? `${b.key} ${b.who.buckets[0].key}` : b.key)));
    assert.ok(top.body.aggregations.t.buckets.some((b) => b.who.buckets.length));
    await page.screenshot({ path: join(SHOTS, 'dashboards-inventory.png'), fullPage: true });

    // A click on the top destination instance filters Discover to it; every
    // row then names it beside the destination address.
    await page.click(`section.panel[aria-label^="Instances"] .columns4 > div:nth-child(2) .rank-label:text-is("${names[0]}")`);
    await rendered(page, () => page.click('nav a:text-is("Discover")'));
    const headers = await page.$$eval('table thead th', (ths) => ths.map((t) => t.textContent));
    const col = headers.findIndex((t) => t.startsWith('Destination')) + 1;
    const cells = await page.$$eval(`table tbody tr td:nth-child(${col})`, (tds) => tds.map((t) => t.textContent));
    assert.ok(cells.length > 0);
    for (const c of cells) assert.ok(c.endsWith(`(${names[0]})`), c);
    const count = await request(named.url, 'POST', '/logs-*/_count', { query: { bool: { filter: [
      { range: { '@timestamp': { gte: 'now-3h' } } }, { term: { 'destination.aws.instance.name': names[0] } }] } } });
    assert.equal(shownCount(await page.textContent('.hitcount')), count.body.count);
    await page.screenshot({ path: join(SHOTS, 'discover-inventory.png') });
    // The connection check from a row names the same instance in its flows.
    await page.click('table.flows tbody tr.hit');
    await rendered(page, () => page.click('tr.detail:not([hidden]) a.check-connection'));
    const ends = await page.$$eval('table.compact.flows tbody tr', (trs) => trs.map((tr) => [tr.cells[1].textContent, tr.cells[2].textContent]));
    assert.ok(ends.length > 0);
    for (const [src, dst] of ends) assert.ok(src.endsWith(`(${names[0]})`) || dst.endsWith(`(${names[0]})`), `${src} ${dst}`);
    await page.setViewportSize({ width: 420, height: 900 });
    await rendered(page, () => page.goto(`${named.url}/_ui/#/dashboards?from=now-3h&metric=flows`));
    await page.screenshot({ path: join(SHOTS, 'dashboards-inventory-narrow.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
    await context.close();
  } finally {
    await named.stop();
  }
});

test('One clock: UTC by default, a remembered switch to local time; ranges typed as words; service ports', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Kolkata',
                                             httpCredentials: { username: 'elastic', password: 's3cret' } });
  const page = await context.newPage();
  await page.goto(`${server.url}/_ui/#/discover?from=now-3h`);
  await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
  const top = await request(server.url, 'POST', '/logs-*/_search', {
    size: 1, sort: [{ '@timestamp': 'desc' }], query: { range: { '@timestamp': { gte: 'now-3h' } } } }, AUTH);
  const stamp = Date.parse(top.body.hits.hits[0]._source['@timestamp']);
  const shown = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  assert.match(await page.textContent('th button.sort:has-text("Time")'), /^Time \(UTC\)/);
  assert.equal(await page.textContent('table.flows tbody tr.hit td.c-_timestamp'), shown(stamp));
  // This browser is at UTC+05:30: the switch shows every time there, and is remembered.
  await rendered(page, () => page.click('button.clock'));
  assert.match(await page.textContent('th button.sort:has-text("Time")'), /^Time \(UTC\+05:30\)/);
  assert.equal(await page.textContent('table.flows tbody tr.hit td.c-_timestamp'), shown(stamp + 5.5 * 3600e3));
  assert.match(await page.textContent('.hitcount'), /times in UTC\+05:30/);
  await page.reload();
  await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
  assert.match(await page.textContent('button.clock'), /Local UTC\+05:30/);
  // A range typed as words.
  await page.selectOption('select[aria-label="Time range"]', 'custom');
  await rendered(page, async () => {
    await page.fill('input.range-words', 'last 2 hours');
    await page.press('input.range-words', 'Enter');
  });
  assert.match(page.url(), /from=now-2h/);
  // Dashboards rank services: each flow at its side below 32768, merged as the API counts them.
  await rendered(page, () => page.goto(`${server.url}/_ui/#/dashboards?from=now-3h&metric=flows`));
  // The ports and the protocols are separate queries: wait for the ports' own list.
  await page.waitForSelector('section.panel[aria-label^="Service ports"] .columns2 > div:first-child .rank-label');
  await page.screenshot({ path: join(SHOTS, 'dashboards-local-clock.png'), fullPage: true });
  const labels = await page.$$eval('section.panel[aria-label^="Service ports"] .columns2 > div:first-child .rank-label',
    (b) => b.map((x) => x.textContent));
  // ICMP flows (no ports: 0 0 in flow logs) count as ICMP, not as port 0.
  const icmp = { terms: { 'network.transport': ['icmp', 'ipv6-icmp'] } };
  const r = await request(server.url, 'POST', '/logs-*/_search', { size: 0, query: { range: { '@timestamp': { gte: 'now-3h' } } },
    aggs: { req: { filter: { bool: { filter: [{ range: { 'destination.port': { lt: 32768 } } }], must_not: [icmp] } },
                   aggs: { t: { terms: { field: 'destination.port', size: 20 } } } },
            rep: { filter: { bool: { filter: [{ range: { 'source.port': { lt: 32768 } } }, { range: { 'destination.port': { gte: 32768 } } }],
                                     must_not: [icmp] } },
                   aggs: { t: { terms: { field: 'source.port', size: 20 } } } },
            icmp: { filter: icmp, aggs: { t: { terms: { field: 'network.transport' } } } } } }, AUTH);
  const merged = new Map();
  for (const b of [...r.body.aggregations.req.t.buckets, ...r.body.aggregations.rep.t.buckets]) merged.set(String(b.key), (merged.get(String(b.key)) || 0) + b.doc_count);
  for (const b of r.body.aggregations.icmp.t.buckets) merged.set(b.key === 'icmp' ? 'ICMP' : 'ICMPv6', b.doc_count);
  assert.ok(merged.get('ICMP') > 0);
  const expected = [...merged].sort((x, y) => y[1] - x[1]).slice(0, 10).map(([p]) => p);
  assert.deepEqual(labels.map((l) => l.split(' ')[0]), expected);
  assert.ok(labels.some((l) => l === '443 https'), labels.join());
  assert.ok(labels.some((l) => l === 'ICMP protocol without ports'), labels.join());
  assert.ok(labels.every((l) => l.startsWith('ICMP') || (Number(l.split(' ')[0]) > 0 && Number(l.split(' ')[0]) < 32768)));
  await context.close();
});

test('The query bar never loses a typed query; errors give the root cause; unknown fields get a hint', async () => {
  const page = await openPage('#/discover?from=now-3h');
  // Typed, not submitted, then the time range changes: the query goes with it.
  await page.fill('input.kql', 'event.action:REJECT');
  await rendered(page, () => page.selectOption('select[aria-label="Time range"]', 'now-24h'));
  assert.match(page.url(), /q=event\.action%3AREJECT/);
  assert.equal(shownCount(await page.textContent('.hitcount')), await apiCount('event.action:REJECT'));
  // Esc closes suggestions, and keeps the text.
  await page.fill('input.kql', 'destination.port:22');
  await page.press('input.kql', 'Escape');
  assert.equal(await page.inputValue('input.kql'), 'destination.port:22');
  // An error says what the server's root cause says.
  await rendered(page, async () => {
    await page.fill('input.kql', 'destination.port:ssh');
    await page.press('input.kql', 'Enter');
  });
  const api = await request(server.url, 'POST', '/logs-*/_search',
                            { size: 0, query: { match: { 'destination.port': 'ssh' } } }, AUTH);
  assert.equal(api.status, 400);
  const reason = api.body.error.root_cause[0].reason;
  assert.equal(reason, 'failed to create query: For input string: "ssh"');  // Elasticsearch's words
  const shown = await page.textContent('.state.error');
  assert.ok(shown.includes(reason), reason);
  assert.match(shown, /“ssh” is not a number, and a field in the query holds numbers/);
  // A field the index does not have: a hint with the likely one.
  await rendered(page, async () => {
    await page.fill('input.kql', 'dest.port:22');
    await page.press('input.kql', 'Enter');
  });
  await page.waitForSelector('.kql-hint:not([hidden])');
  assert.equal(await page.textContent('.kql-hint'), 'no field dest.port; did you mean destination.port?');
  await page.screenshot({ path: join(SHOTS, 'discover-field-hint.png') });
  await page.context().close();
});

test('Connection check: one verdict per service, the client worked out, ⇄ swaps, links from Discover', async () => {
  // A pair with mixed outcomes, written for this test: A is the client of
  // B's 5432 (refused) and 443 (fine); B is the client of A's ssh, whose
  // replies a network ACL drops.
  const dir = tempDir('flowdex-ui-connection-');
  const now = Math.floor(Date.now() / 1000);
  const A = '10.9.0.1';
  const B = '10.9.0.2';
  const line = (src, dst, sp, dp, action, ago) => `2 123456789012 eni-0a1b2c3d4e5f60718 ${src} ${dst} ${sp} ${dp} 6 3 180 ${now - ago - 60} ${now - ago} ${action} OK`;
  const lines = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'];
  for (let i = 0; i < 3; i++) lines.push(line(A, B, 50001 + i, 5432, 'REJECT', 600 + i));
  for (let i = 0; i < 2; i++) lines.push(line(A, B, 50010 + i, 443, 'ACCEPT', 500 + i), line(B, A, 443, 50010 + i, 'ACCEPT', 500 + i));
  lines.push(line(B, A, 50020, 22, 'ACCEPT', 400), line(A, B, 22, 50020, 'REJECT', 400));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logs', 'pair.log'), lines.join('\n') + '\n');
  // A second pair, logged with TCP flags (v3): C serves on a high port
  // (45000), and D, from the well-known port 700, is C's client on 443,
  // whose replies are dropped. Ports alone would get both wrong.
  const C = '10.9.1.1';
  const D = '10.9.1.2';
  const flagged = (src, dst, sp, dp, action, flags, ago) => `3 123456789012 eni-0a1b2c3d4e5f60718 ${src} ${dst} ${sp} ${dp} 6 3 180 ${now - ago - 60} ${now - ago} ${action} OK ${flags}`;
  writeFileSync(join(dir, 'logs', 'flags.log'), [
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags',
    flagged(C, D, 40001, 45000, 'ACCEPT', 2, 300), flagged(D, C, 45000, 40001, 'ACCEPT', 18, 300),
    flagged(C, D, 40002, 45000, 'ACCEPT', 3, 290), flagged(D, C, 45000, 40002, 'ACCEPT', 19, 290),
    flagged(D, C, 700, 443, 'ACCEPT', 2, 200), flagged(C, D, 443, 700, 'REJECT', 18, 200)].join('\n') + '\n');
  const r = flowdex(['ingest', '--data', join(dir, 'data'), join(dir, 'logs')]);
  assert.equal(r.status, 0, r.stderr);
  const pairServer = await startServer(join(dir, 'data'));
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${pairServer.url}/_ui/#/connection?from=now-1h&a=${A}&b=${B}`);
    await page.waitForSelector('body[data-rendered]', { timeout: 20000 });
    const rows = await page.$$eval('table.services tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    const byService = Object.fromEntries(rows.map((c) => [c[0], c]));
    assert.deepEqual(Object.keys(byService).sort(), [`${A}:22 ssh`, `${B}:443 https`, `${B}:5432 postgresql`]);
    assert.deepEqual(byService[`${B}:5432 postgresql`].slice(1, 6), [A, '0', '3', '0', '0']);
    assert.match(byService[`${B}:5432 postgresql`][6], /REJECTED: the requests are refused/);
    assert.deepEqual(byService[`${B}:443 https`].slice(1, 6), [A, '2', '0', '2', '0']);
    assert.match(byService[`${B}:443 https`][6], /^ACCEPTED/);
    // B is the client here: its requests to A:22 pass, A's replies do not.
    assert.deepEqual(byService[`${A}:22 ssh`].slice(1, 6), [B, '1', '0', '0', '1']);
    assert.match(byService[`${A}:22 ssh`][6], /replies REJECTED: a network ACL/);
    assert.ok((await page.$$('table.flows tr.action-reject')).length >= 4);
    const summary = await page.textContent('.verdict');
    assert.match(summary, /^2 of 3 services fail: /);
    assert.ok(summary.includes(`${A} → ${B}:5432 (postgresql): REJECTED`), summary);
    assert.ok(summary.includes(`${B} → ${A}:22 (ssh): requests accepted, replies REJECTED`), summary);
    await page.screenshot({ path: join(SHOTS, 'connection-per-service.png'), fullPage: true });
    // The flagged pair: the client is whoever sent the SYN.
    await rendered(page, () => page.goto(`${pairServer.url}/_ui/#/connection?from=now-1h&a=${C}&b=${D}`));
    const flaggedRows = await page.$$eval('table.services tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    const flaggedBy = Object.fromEntries(flaggedRows.map((c) => [c[0], c]));
    assert.deepEqual(Object.keys(flaggedBy).sort(), [`${C}:443 https`, `${D}:45000`]);
    assert.deepEqual(flaggedBy[`${D}:45000`].slice(1, 6), [C, '2', '0', '2', '0']);
    assert.match(flaggedBy[`${D}:45000`][6], /^ACCEPTED, replies too/);
    assert.deepEqual(flaggedBy[`${C}:443 https`].slice(1, 6), [D, '1', '0', '0', '1']);
    assert.match(flaggedBy[`${C}:443 https`][6], /replies REJECTED/);
    await rendered(page, () => page.goto(`${pairServer.url}/_ui/#/connection?from=now-1h&a=${A}&b=${B}`));
    // ⇄ swaps A and B.
    await rendered(page, () => page.click('button.arrow'));
    assert.match(page.url(), new RegExp(`a=${B.replace(/\./g, '\\.')}&b=${A.replace(/\./g, '\\.')}`));
    assert.equal(await page.inputValue('input[name=a]'), B);
    // From a flow in Discover to the connection check on its ends and service port.
    await rendered(page, () => page.goto(`${pairServer.url}/_ui/#/discover?from=now-1h&q=destination.port%3A5432`));
    await page.click('table.flows tbody tr.hit');
    const href = await page.getAttribute('tr.detail:not([hidden]) a.check-connection', 'href');
    assert.match(href, new RegExp(`a=${A.replace(/\./g, '\\.')}&b=${B.replace(/\./g, '\\.')}&port=5432`));
    await context.close();
  } finally {
    await pairServer.stop();
  }
});

test('Dashboards: the top pairs under a source filter are that source\'s ten busiest peers', async () => {
  const top = await request(server.url, 'POST', '/logs-*/_search', { size: 0, query: { range: { '@timestamp': { gte: 'now-3h' } } },
    aggs: { s: { terms: { field: 'source.ip', size: 1 } } } }, AUTH);
  const src = top.body.aggregations.s.buckets[0].key;
  const page = await openPage(`#/dashboards?from=now-3h&metric=flows&q=${encodeURIComponent(`source.ip:${src}`)}`);
  await page.waitForSelector('section.panel[aria-label^="Top talkers"] .columns3 > div:nth-child(3) .rank-label');
  const shown = await page.$$eval('section.panel[aria-label^="Top talkers"] .columns3 > div:nth-child(3) .rank-label',
    (b) => b.map((x) => x.textContent));
  const peers = await request(server.url, 'POST', '/logs-*/_search', { size: 0, query: { bool: { filter: [
    { range: { '@timestamp': { gte: 'now-3h' } } }, { term: { 'source.ip': src } }] } },
    aggs: { d: { terms: { field: 'destination.ip', size: 10 } } } }, AUTH);
  const expected = peers.body.aggregations.d.buckets.map((b) => `${src} → ${b.key}`);
  assert.ok(expected.length > 5, `only ${expected.length} peers`);
  assert.deepEqual(shown, expected);
  // Each pair links to its connection check and to its flows in Discover.
  const pairRow = 'section.panel[aria-label^="Top talkers"] .columns3 > div:nth-child(3) li:first-child';
  const dst = peers.body.aggregations.d.buckets[0].key;
  const check = await page.getAttribute(`${pairRow} a.check-connection`, 'href');
  assert.match(check, new RegExp(`^#/connection\\?.*a=${src.replace(/\./g, '\\.')}&b=${dst.replace(/\./g, '\\.')}`));
  await rendered(page, () => page.click(`${pairRow} a.open-discover`));
  assert.match(page.url(), /#\/discover\?/);
  const pairCount = await apiCount('', [{ term: { 'source.ip': src } }, { term: { 'destination.ip': dst } }]);
  assert.equal(shownCount(await page.textContent('.hitcount')), pairCount);
  await page.context().close();
});

test('Visualize: top N of a dimension plus Other, rates from the bucket size, totals equal the API\'s', async () => {
  const page = await openPage('#/visualize?from=now-3h&dims=destination.port&unit=fps&top=5', { width: 1440, height: 900 });
  assert.equal(await page.$('.state.error'), null);
  const rows = await page.$$eval('table.viz-table tbody tr', (trs) => trs.map((tr) => ({
    key: tr.cells[1].textContent, total: Number(tr.cells[tr.cells.length - 1].dataset.total) })));
  const api = await request(server.url, 'POST', '/logs-*/_search', { size: 0, query: { range: { '@timestamp': { gte: 'now-3h' } } },
    aggs: { p: { terms: { field: 'destination.port', size: 5 } } } }, AUTH);
  const buckets = api.body.aggregations.p.buckets;
  assert.deepEqual(rows.slice(0, 5).map((r) => r.key), buckets.map((b) => String(b.key)));
  // flows/s times the bucket's seconds, summed: each port's flows.
  assert.deepEqual(rows.slice(0, 5).map((r) => r.total), buckets.map((b) => b.doc_count));
  assert.equal(rows[5].key, 'Other');
  assert.equal(rows[5].total, (await apiCount('')) - buckets.reduce((a, b) => a + b.doc_count, 0));
  assert.match(await page.textContent('.viz .chart-note'), /flows\/s averaged over each bucket/);
  await page.screenshot({ path: join(SHOTS, 'visualize.png'), fullPage: true });
  // Two dimensions: each series is a combination; the state stays in the URL.
  await page.fill('input.dims', 'source.ip, destination.port');
  await rendered(page, () => page.click('.viz-controls button[type=submit]'));
  assert.match(page.url(), /dims=source\.ip%2Cdestination\.port/);
  const cells = await page.$$eval('table.viz-table tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
  assert.match(cells[1], /^[\d.:a-f]+$/);
  assert.match(cells[2], /^\d+$/);
  await rendered(page, () => page.selectOption('select[aria-label=graph]', 'stacked100'));
  assert.match(page.url(), /graph=stacked100/);
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: join(SHOTS, 'visualize-narrow.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
  await page.context().close();
});

test('Visualize: small multiples, the reverse direction below the axis, the hour before overlaid; numbers equal the API\'s', async () => {
  const range = (from, to) => ({ range: { '@timestamp': { gte: from, lt: to } } });
  // Small multiples: one chart per series, Other included.
  let page = await openPage('#/visualize?from=now-3h&dims=destination.port&unit=fps&top=4&graph=grid', { width: 1440, height: 900 });
  assert.equal(await page.$('.state.error'), null);
  const titles = await page.$$eval('.small-multiple', (els) => els.map((e) => e.dataset.series));
  const keys = await page.$$eval('table.viz-table tbody tr.forward', (trs) => trs.map((tr) => tr.cells[1].textContent));
  assert.deepEqual(titles, keys);
  assert.equal(titles.length, 5);
  assert.equal(titles[4], 'Other');
  await page.screenshot({ path: join(SHOTS, 'visualize-grid.png'), fullPage: true });
  await page.context().close();
  // Bidirectional on source.ip: each address's reverse series are the flows
  // it received (destination.ip), over the same range.
  const to = new Date().toISOString();
  const from = new Date(Date.now() - 2 * 3600e3).toISOString();
  page = await openPage(`#/visualize?from=${from}&to=${to}&dims=source.ip&unit=fps&top=3&bidi=1&prev=hour`, { width: 1440, height: 900 });
  assert.equal(await page.$('.state.error'), null);
  const rows = await page.$$eval('table.viz-table tbody tr', (trs) => trs.map((tr) => ({
    cls: tr.className, key: tr.cells[1].textContent, total: Number(tr.cells[tr.cells.length - 1].dataset.total) })));
  const forward = rows.filter((r) => r.cls === 'forward' && r.key !== 'Other');
  const reverse = rows.filter((r) => r.cls === 'reverse');
  assert.equal(forward.length, 3);
  assert.deepEqual(reverse.map((r) => r.key), forward.map((r) => r.key));
  for (const r of reverse) {
    const count = await request(server.url, 'POST', '/logs-*/_count', { query: { bool: { filter: [range(from, to), { term: { 'destination.ip': r.key } }] } } }, AUTH);
    assert.equal(r.total, count.body.count, `flows to ${r.key}`);
  }
  // The hour before: the same query an hour earlier, bucket for bucket.
  const previous = rows.find((r) => r.cls === 'previous');
  assert.equal(previous.key, 'Total, the hour before');
  const earlier = await request(server.url, 'POST', '/logs-*/_count', { query: range(new Date(Date.parse(from) - 3600e3).toISOString(),
                                                                                   new Date(Date.parse(to) - 3600e3).toISOString()) }, AUTH);
  assert.ok(earlier.body.count > 0);
  assert.equal(previous.total, earlier.body.count);
  assert.match(await page.textContent('.viz .chart-note'), /below the axis: the reverse direction.*dashed: the total the hour before/);
  await page.screenshot({ path: join(SHOTS, 'visualize-bidirectional.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('Visualize: a Sankey of the top sources → top destination ports; each link equals the API\'s count', async () => {
  const page = await openPage('#/visualize?from=now-3h&dims=source.ip%2Cdestination.port&graph=sankey&unit=fps&top=5',
                              { width: 1440, height: 900 });
  assert.equal(await page.$('.state.error'), null);
  await page.waitForSelector('svg.sankey path.sankey-link', { state: 'attached' });
  const links = await page.$$eval('table.sankey-links tbody tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent, Number(tr.dataset.value)]));
  // Its nodes: the API's top 5 of each dimension.
  const range = { range: { '@timestamp': { gte: 'now-3h' } } };
  const topOf = async (field) => (await request(server.url, 'POST', '/logs-*/_search', { size: 0, query: range,
    aggs: { t: { terms: { field, size: 5 } } } }, AUTH)).body.aggregations.t.buckets.map((b) => String(b.key));
  const sources = await topOf('source.ip');
  const ports = await topOf('destination.port');
  const from = new Set(links.map((l) => l[0].replace('source.ip: ', '')));
  const to = new Set(links.map((l) => l[1].replace('destination.port: ', '')));
  assert.ok([...from].every((s) => sources.includes(s)) && [...to].every((p) => ports.includes(p)), JSON.stringify(links));
  // Every link is the API's count of flows from that source to that port,
  // and every pair of them with flows is a link.
  let pairs = 0;
  for (const s of sources) {
    for (const p of ports) {
      const n = (await request(server.url, 'POST', '/logs-*/_count', { query: { bool: { filter: [range,
        { term: { 'source.ip': s } }, { term: { 'destination.port': Number(p) } }] } } }, AUTH)).body.count;
      const link = links.find((l) => l[0] === `source.ip: ${s}` && l[1] === `destination.port: ${p}`);
      assert.equal(link ? link[2] : 0, n, `${s} → ${p}`);
      if (n) pairs++;
    }
  }
  assert.equal(links.length, pairs);
  assert.ok(pairs > 3, String(pairs));
  assert.equal((await page.$$('svg.sankey path.sankey-link')).length, pairs);
  await page.screenshot({ path: join(SHOTS, 'visualize-sankey.png'), fullPage: true });
  await page.context().close();
});

test('Discover: CSV export of every matching flow equals the API\'s hits', async () => {
  // Every flow of the last 3 hours: more than ten pages of search_after.
  const page = await openPage('#/discover?from=now-3h');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), page.click('button.export-csv')]);
  const csv = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
  const header = csv[0].split(',');
  assert.deepEqual(header.slice(0, 5), ['@timestamp', 'source.ip', 'source.port', 'destination.ip', 'destination.port']);
  const key = (ts, sip, sp, dip, dp) => [ts, sip, sp, dip, dp].join(' ');
  const rows = csv.slice(1).map((l) => key(...l.split(',').slice(0, 5)));
  const range = { range: { '@timestamp': { gte: 'now-3h' } } };
  const apiKeys = async (order) => (await request(server.url, 'POST', '/logs-*/_search', { size: 10000, query: range,
    sort: [{ '@timestamp': order }, { _doc: 'asc' }] }, AUTH)).body.hits.hits
    // (NODATA and SKIPDATA records have no addresses: empty CSV fields.)
    .map(({ _source: s }) => key(s['@timestamp'], s.source?.ip ?? '', s.source?.port ?? '', s.destination?.ip ?? '',
                                 s.destination?.port ?? ''));
  const total = await apiCount('');
  assert.ok(total > 50000, String(total));
  assert.equal(rows.length, total);
  // The first pages in the API's order; the last ones the API's oldest.
  assert.deepEqual(rows.slice(0, 10000), await apiKeys('desc'));
  assert.deepEqual(rows.slice(-10000).sort(), (await apiKeys('asc')).sort());
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].split(' ')[0] >= rows[i].split(' ')[0], `row ${i} out of order`);
  assert.match(await page.textContent('.export-status'), /exported [\d,.K]+ of [\d,.K]+ · saved/);
  await page.context().close();
});

test('Alerts and Rules: a rule tested and run from the API shows the same alerts; toggles and tests go through the API', async () => {
  // REJECTs per destination port, over 2-hour windows: the sample's half hour falls in one window.
  const rule = { name: 'UI rejects per port', kind: 'threshold', kql: 'event.action:REJECT', interval: '1h', window: '2h',
                 group_by: ['destination.port'], threshold: { value: 50 }, severity: 'high' };
  let r = await request(server.url, 'PUT', '/_flowdex/rules/ui-rejects', rule, AUTH);
  assert.equal(r.status, 201, r.text);
  const tested = await request(server.url, 'POST', '/_flowdex/rules/ui-rejects/_test?from=now-24h&to=now', {}, AUTH);
  assert.equal(tested.status, 200, tested.text);
  assert.ok(tested.body.alerts.length > 0, tested.text);

  // Rules page: Test shows what the API's _test answers; the switch disables and enables.
  let page = await openPage('#/rules', { width: 1440, height: 900 });
  assert.deepEqual(page.errors, []);
  const row = 'tr[data-rule="ui-rejects"]';
  await page.click(`${row} button:has-text("Test")`);
  await page.waitForSelector('td.rule-test .hitcount');
  const shown = await page.textContent('td.rule-test .hitcount');
  assert.match(shown, new RegExp(`^${tested.body.alerts.length} alerts? would have fired`));
  const groups = await page.$$eval('td.rule-test tbody td.group', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(groups.sort(), tested.body.alerts.map((a) => a.group).sort());
  await page.screenshot({ path: join(SHOTS, 'rules.png'), fullPage: true });
  await page.click('tr[data-rule="port-scan"] input[type=checkbox]');
  for (let i = 0; i < 50; i++) {
    r = await request(server.url, 'GET', '/_flowdex/rules/port-scan', undefined, AUTH);
    if (r.body.enabled) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(r.body.enabled, true);
  await page.click('tr[data-rule="port-scan"] input[type=checkbox]');
  for (let i = 0; i < 50; i++) {
    r = await request(server.url, 'GET', '/_flowdex/rules/port-scan', undefined, AUTH);
    if (!r.body.enabled) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(r.body.enabled, false);
  await page.context().close();

  // One pass of the schedule records the alerts; the Alerts page lists exactly those, and each
  // links to its flows in Discover.
  r = await request(server.url, 'POST', '/_flowdex/rules/_run', {}, AUTH);
  assert.equal(r.status, 200, r.text);
  const alerts = await request(server.url, 'GET', '/_flowdex/alerts?rule=ui-rejects&size=1000', undefined, AUTH);
  assert.ok(alerts.body.total > 0, alerts.text);
  page = await openPage('#/alerts?rule=ui-rejects', { width: 1440, height: 900 });
  assert.deepEqual(page.errors, []);
  const rows = await page.$$eval('table.alerts tbody tr', (trs) => trs.map((tr) => tr.cells[3].textContent));
  assert.deepEqual(rows.sort(), alerts.body.alerts.map((a) => a.flowdex.alert.group).sort());
  assert.match(await page.textContent('p.hitcount'), new RegExp(`^${alerts.body.total} alerts? \\(${alerts.body.total} high\\)`));
  await page.screenshot({ path: join(SHOTS, 'alerts.png'), fullPage: true });
  const first = alerts.body.alerts[0].flowdex.alert;
  await rendered(page, () => page.click(`table.alerts tbody tr:has(td:text-is("${first.group}")) a:has-text("open the flows")`));
  const hash = decodeURIComponent(await page.evaluate(() => location.hash));
  assert.ok(hash.startsWith('#/discover?'), hash);
  assert.ok(hash.includes(`destination.port:${first.fields['destination.port']}`), hash);
  const discoverCount = shownCount(await page.textContent('.hitcount'));
  const apiFlows = await request(server.url, 'POST', '/logs-*/_count', { query: { bool: { filter: [
    { kql: { query: first.kql } },
    { range: { '@timestamp': { gte: alerts.body.alerts[0].event.start, lt: alerts.body.alerts[0].event.end } } }] } } }, AUTH);
  assert.equal(discoverCount, apiFlows.body.count);
  assert.equal(discoverCount, first.value);
  await page.context().close();

  // Narrow: rows become cards, nothing scrolls sideways.
  page = await openPage('#/alerts?rule=ui-rejects', { width: 420, height: 900 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
  await page.screenshot({ path: join(SHOTS, 'alerts-420.png'), fullPage: true });
  await page.context().close();
  await request(server.url, 'DELETE', '/_flowdex/rules/ui-rejects', undefined, AUTH);
});
