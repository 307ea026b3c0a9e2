// The web UI over a big store, in headless Chromium (playwright-core):
//  - Discover's first complete render (navigation start -> histogram, count and
//    table drawn), for a fresh browser each time; goal: under 1 s;
//  - each dashboard panel's query, replayed over HTTP; goal: under 200 ms each;
//  - Visualize: top 10 of one dimension over the last 24 h of data (5-minute
//    buckets) and a 3-level Sankey, rendered, then their queries replayed;
//    goal: under 300 ms of query time each.
// usage: node bench/ui_bench.mjs SERVER_URL FROM TO   (run by bench/ui_bench.sh)
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/node/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [url, from, to] = process.argv.slice(2);
const runs = Number(process.env.RUNS ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const hash = (page, extra = '', start = from) => `#/${page}?from=${encodeURIComponent(start)}&to=${encodeURIComponent(to)}${extra}`;

async function render(page, capture, extra = '', start = from) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await context.newPage();
  const bodies = [];
  if (capture) p.on('request', (r) => { if (r.url().endsWith('/_search')) bodies.push(r.postData()); });
  await p.goto(`${url}/_ui/${hash(page, extra, start)}`);
  await p.waitForSelector('body[data-rendered]', { timeout: 60000 });
  const ms = await p.evaluate(() => Number(document.body.dataset.rendered));
  const info = await p.evaluate(() => ({ count: document.querySelector('.hitcount')?.textContent ?? '',
                                         errors: document.querySelectorAll('.state.error').length }));
  await context.close();
  return { ms, bodies, info };
}

const discover = [];
let info;
for (let i = 0; i < runs; i++) {
  const r = await render('discover');
  discover.push(r.ms);
  info = r.info;
}
if (info.errors) throw new Error('Discover showed an error');
console.log(`Discover, first complete render (${info.count.split(' · ')[0]}): first ${discover[0]} ms, ` +
            `median of ${runs} ${median(discover)} ms, worst ${Math.max(...discover)} ms  (goal < 1000 ms)`);

// The whole page, each time in a fresh browser (a first visit: nothing
// cached in the browser; the server's caches as the runs before left them).
const dash = await render('dashboards', true);
const pages = [dash.ms];
for (let i = 1; i < runs; i++) pages.push((await render('dashboards')).ms);
console.log(`Dashboards, whole page on a first visit: first ${pages[0]} ms, median of ${runs} ${median(pages)} ms, ` +
            `worst ${Math.max(...pages)} ms (${dash.bodies.length} panel queries in parallel; goal < 1500 ms)`);
// "terms source.ip > terms destination.ip" for a panel query's aggregations.
function describe(body) {
  const parts = [];
  const bucketing = (a) => a.terms || a.date_histogram || a.filter;
  const request = JSON.parse(body);
  if (!request.aggs) return `newest ${request.size} by ${Object.keys(request.sort[0])[0]}`;
  // A panel's part: its filter is in the query (dashboards.js run()).
  const filter = request.query?.bool?.filter?.[1];
  if (filter && !filter.match_all) parts.push(`query ${JSON.stringify(filter).slice(0, 60)}`);
  let agg = Object.values(request.aggs)[0];
  while (agg) {
    const [type, params] = Object.entries(agg).find(([k]) => k !== 'aggs');
    parts.push(`${type} ${params.field ?? ''}`.trim());
    agg = Object.values(agg.aggs ?? {}).find(bucketing);
  }
  return parts.join(' > ');
}
async function replay(body, goal) {
  const times = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/logs-*/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.json();
    times.push(performance.now() - t0);
  }
  console.log(`  ${describe(body)}: median ${median(times).toFixed(1)} ms, worst ${Math.max(...times).toFixed(1)} ms  (goal < ${goal} ms)`);
  return median(times);
}
for (const body of dash.bodies) await replay(body, 200);

// Visualize over the data's last 24 hours (or all of it when shorter).
const dayBefore = new Date(Math.max(Date.parse(to) - 864e5, Date.parse(from))).toISOString();
for (const [name, extra] of [
  ['top 10 destination.port in bits/s', '&dims=destination.port&top=10&unit=bps'],
  ['Sankey source.ip → destination.ip → destination.port', '&dims=source.ip%2Cdestination.ip%2Cdestination.port&graph=sankey&top=10&unit=bps'],
]) {
  const viz = await render('visualize', true, extra, dayBefore);
  if (viz.info.errors) throw new Error(`Visualize (${name}) showed an error`);
  console.log(`Visualize, ${name}, ${dayBefore} .. ${to}: rendered in ${viz.ms} ms (${viz.bodies.length} queries)`);
  let total = 0;
  for (const body of viz.bodies) total += await replay(body, 300);
  console.log(`  query time of the graph (sum of medians): ${total.toFixed(1)} ms  (goal < 300 ms)`);
}
await browser.close();
