// Flow dashboards: traffic over time, top talkers (sources, destinations,
// pairs) by bytes, packets or flows, ports and protocols, rejected traffic,
// traffic per interface, countries and networks (with enrichment). Each
// panel is one _search, run in parallel.
import { dataEnd, search } from './api.js';
import { lines, stackedBars } from './charts.js';
import { clear, empty, errorBox, h, humanBytes, humanCount, loading, markRendered } from './dom.js';
import { KqlSyntaxError, kqlValue } from './kql.js';
import { queryAndRange } from './query.js';
import { serviceName } from './services.js';
import { setState, stateUrl } from './state.js';
import { histogramInterval, histogramZone, snapRange, zoneLabel } from './time.js';
import { addFilter, renderTopBar, withTypedQuery } from './topbar.js';

const METRICS = { bytes: 'network.bytes', packets: 'network.packets', flows: null };
const REJECT = { term: { 'event.action': 'REJECT' } };

function metricAgg(metric) {
  return METRICS[metric] ? { m: { sum: { field: METRICS[metric] } } } : undefined;
}
function metricOrder(metric) {
  return METRICS[metric] ? { m: 'desc' } : { _count: 'desc' };
}
function metricValue(bucket, metric) {
  return METRICS[metric] ? bucket.m.value : bucket.doc_count;
}
function formatMetric(v, metric) {
  return metric === 'bytes' ? humanBytes(v) : humanCount(Math.round(v));
}
function termsBy(field, metric, size = 10, extra = {}) {
  const aggs = { ...metricAgg(metric), ...extra };
  return { terms: { field, size, order: metricOrder(metric) }, ...(Object.keys(aggs).length ? { aggs } : {}) };
}


// A ranked list with bars; clicking a row filters for it.
function rankList(rows, metric, field) {
  if (!rows.length) return empty('Nothing in this range');
  const max = Math.max(...rows.map((r) => r.value), 1);
  return h('ol', { class: 'rank' }, rows.map((r) => h('li', {},
    h('span', { class: 'rank-head' },
      h('button', { type: 'button', class: 'rank-label', title: field ? `Filter for ${r.label}` : r.label,
                    onclick: r.filter ? () => addFilter(...r.filter)
                      : field ? () => (Array.isArray(field) ? field.forEach((f, i) => addFilter(f, r.parts[i])) : addFilter(field, r.label)) : undefined },
        r.label, r.note ? h('span', { class: 'rank-note' }, ` ${r.note}`) : null),
      // (a pair's "check" and "flows" links)
      (r.links || []).map(([text, href, cls]) => [' ', h('a', { class: `mini-link ${cls}`, href }, text)])),
    h('span', { class: 'rank-bar' }, h('span', { style: { width: `${(100 * r.value / max).toFixed(1)}%` } })),
    h('span', { class: 'rank-value' }, formatMetric(r.value, metric)))));
}

// A column of a panel with a query of its own, so quick lists show before slow ones.
function column(title) {
  const body = h('div', {}, loading());
  const timing = h('span', { class: 'took' });
  return { el: h('div', {}, h('h3', {}, title, ' ', timing), body), body, timing };
}

function panel(title, cls = '') {
  const body = h('div', { class: 'panel-body' }, loading());
  const timing = h('span', { class: 'took' });
  return { el: h('section', { class: `panel ${cls}`, 'aria-label': title }, h('h2', {}, title, timing), body), body, timing };
}

export function renderDashboards(root, state, signal) {
  root.append(renderTopBar(state));
  const metric = METRICS[state.metric] !== undefined ? state.metric : 'bytes';
  const metricPicker = h('div', { class: 'metric-picker', role: 'group', 'aria-label': 'Rank by' }, 'Rank by ',
    Object.keys(METRICS).map((m) => h('button', { type: 'button', class: m === metric ? 'on' : '', 'aria-pressed': m === metric ? 'true' : 'false',
                                                  onclick: () => setState({ metric: m }) }, m)));
  const grid = h('div', { class: 'dashboard' });
  root.append(metricPicker, grid);
  let query;
  let fromMs;
  let toMs;
  try {
    ({ query, fromMs, toMs } = queryAndRange(state));
  } catch (e) {
    grid.append(e instanceof KqlSyntaxError ? empty('Fix the query to see the dashboards.') : errorBox(e));
    markRendered('dashboards');
    return () => {};
  }
  const interval = histogramInterval(fromMs, toMs, 60);
  const cleanups = [];
  const hist = { date_histogram: { field: '@timestamp', fixed_interval: interval.text, min_doc_count: 0,
                                   time_zone: histogramZone(), extended_bounds: { min: fromMs, max: toMs - 1 } } };
  // Every chart says its bucket and zone, and a drag on it zooms every panel.
  const chartNote = () => h('p', { class: 'chart-note' }, `${interval.text} buckets · times in ${zoneLabel()} · drag to zoom`);
  const zoom = (f, t) => setState(withTypedQuery(snapRange(f, t, interval.ms)));
  let pendingPanels = 0;
  // Where the stored data ends: charts shade what follows as "no data yet".
  let end = null;
  const endKnown = dataEnd(state.index, signal).then((v) => { end = v; }, () => {});

  // A panel's request: `body`'s aggregations over the page's query, or
  // `parts` ({name: {filter, aggs}}), one request each, in parallel, with
  // the filter in the query (not a filter aggregation: the engine then
  // skips blocks by the filter and may answer from rollups; 31 ms against
  // 99 over 10M flows), answered as {name: {doc_count, ...aggregations}}.
  const run = (p, body, draw) => {
    pendingPanels++;
    const t0 = performance.now();
    const parts = Object.entries(body.parts || {});
    const requests = parts.length
      ? parts.map(([, part]) => search(state.index, { size: 0, track_total_hits: true, aggs: part.aggs,
                                                      query: { bool: { filter: [query, part.filter] } } }, signal))
      : [search(state.index, { size: 0, query, ...body }, signal)];
    Promise.all([Promise.all(requests), endKnown]).then(([responses]) => {
      p.timing.textContent = `${Math.round(performance.now() - t0)} ms`;
      p.el.dataset.took = String(Math.round(performance.now() - t0));
      clear(p.body);
      const aggs = parts.length
        ? Object.fromEntries(parts.map(([name], i) => [name, { doc_count: responses[i].hits.total.value, ...responses[i].aggregations }]))
        : responses[0].aggregations;
      return draw(aggs, responses[0]);  // (a promise when it loads code first)
    }).catch((e) => {
      if (e.name !== 'AbortError') clear(p.body).append(errorBox(e));
    }).finally(() => {
      if (--pendingPanels === 0 && !signal.aborted) markRendered('dashboards');  // not for a page left behind
    });
  };

  // Traffic over time: flows and bytes.
  const over = panel('Flows and bytes over time', 'wide');
  grid.append(over.el);
  run(over, { aggs: { t: { ...hist, aggs: { bytes: { sum: { field: 'network.bytes' } } } } } }, (a) => {
    const b = a.t.buckets;
    if (!b.some((x) => x.doc_count)) { over.body.append(empty('No flows in this range')); return; }
    const chart = h('div', { class: 'chart' });
    over.body.append(chart, chartNote());
    cleanups.push(lines(chart, b.map((x) => x.key / 1000), [
      { label: 'flows', values: b.map((x) => x.doc_count), color: '#3b6fd4', scale: 'y' },
      { label: 'bytes', values: b.map((x) => x.bytes.value), color: '#e08a1e', scale: 'y2' },
    ], { axes: { y: 'flows', y2: 'bytes', y2Format: (v) => humanBytes(v) }, onSelect: zoom, dataEnd: end }));
  });

  // Top talkers: sources, destinations and pairs, each its own query (pairs,
  // a nested terms aggregation, take longest).
  const talkers = panel(`Top talkers by ${metric}`, 'wide');
  grid.append(talkers.el);
  const row = (b) => ({ label: String(b.key), value: metricValue(b, metric) });
  // Discover on this page's query and range, narrowed by `kql`; the
  // connection check on a pair (its client first).
  const inDiscover = (kql) => stateUrl({ ...state, page: 'discover', q: state.q.trim() ? `(${state.q}) and ${kql}` : kql });
  const pairLinks = (src, dst) => [
    ['check', stateUrl({ ...state, page: 'connection', a: String(src), b: String(dst), port: '' }), 'check-connection'],
    ['flows', inDiscover(`source.ip:${kqlValue(String(src))} and destination.ip:${kqlValue(String(dst))}`), 'open-discover']];
  // An address with the name the inventory gives it, if any ("web-1").
  const named = (b) => ({ ...row(b), note: b.who?.buckets?.[0]?.key });
  const who = (side) => ({ who: { terms: { field: `${side}.aws.instance.name`, size: 1 } } });
  const sources = column('Sources');
  const destinations = column('Destinations');
  const pairs = column('Pairs');
  clear(talkers.body).append(h('div', { class: 'columns3' }, sources.el, destinations.el, pairs.el));
  run(sources, { aggs: { t: termsBy('source.ip', metric, 10, who('source')) } },
      (a) => sources.body.append(rankList(a.t.buckets.map(named), metric, 'source.ip')));
  run(destinations, { aggs: { t: termsBy('destination.ip', metric, 10, who('destination')) } },
      (a) => destinations.body.append(rankList(a.t.buckets.map(named), metric, 'destination.ip')));
  // The top pairs: the busiest destinations of the busiest sources, and
  // the busiest sources of the busiest destinations (a big pair is among
  // one or the other; a source filter leaves ten of its own, not five).
  // (Two requests: each is answered from the sources or destinations
  // rollups' top 25, then reads only their flows.)
  const all = { match_all: {} };
  run(pairs, { parts: {
    s: { filter: all, aggs: { t: termsBy('source.ip', metric, 25, { peer: termsBy('destination.ip', metric, 10) }) } },
    d: { filter: all, aggs: { t: termsBy('destination.ip', metric, 25, { peer: termsBy('source.ip', metric, 10) }) } },
  } }, (a) => {
    const byPair = new Map();
    const add = (src, dst, b) => byPair.set(`${src} → ${dst}`, { label: `${src} → ${dst}`, parts: [String(src), String(dst)],
                                                               value: metricValue(b, metric), links: pairLinks(src, dst) });
    for (const s of a.s.t.buckets) for (const d of s.peer.buckets) add(s.key, d.key, d);
    for (const d of a.d.t.buckets) for (const s of d.peer.buckets) add(s.key, d.key, s);
    const list = [...byPair.values()].sort((x, y) => y.value - x.value);
    pairs.body.append(rankList(list.slice(0, 10), metric, ['source.ip', 'destination.ip']));
  });

  // Ports and protocols.
  // Services, not ephemeral ports: flow logs record each direction of a
  // connection, so the service's port is the destination of requests and
  // the source of replies. Each flow counts for its lower, well-known side
  // (below 32768, where Linux and Windows start their ephemeral ports).
  // Wide, as every panel: full addresses and interface ids, never cut off.
  const ports = panel(`Service ports and protocols by ${metric}`, 'wide');
  grid.append(ports.el);
  const portList = column('Service ports');
  const protoList = column('Protocols');
  clear(ports.body).append(h('div', { class: 'columns2' }, portList.el, protoList.el));
  const EPHEMERAL = 32768;
  // ICMP has no ports (flow logs write its type and code as 0 0): its
  // flows rank as ICMP, not as port 0.
  const ICMP = { terms: { 'network.transport': ['icmp', 'ipv6-icmp'] } };
  run(portList, { parts: {
    req: { filter: { bool: { filter: [{ range: { 'destination.port': { lt: EPHEMERAL } } }], must_not: [ICMP] } },
           aggs: { t: termsBy('destination.port', metric, 20) } },
    rep: { filter: { bool: { filter: [{ range: { 'source.port': { lt: EPHEMERAL } } },
                                      { range: { 'destination.port': { gte: EPHEMERAL } } }], must_not: [ICMP] } },
           aggs: { t: termsBy('source.port', metric, 20) } },
    icmp: { filter: ICMP, aggs: { t: termsBy('network.transport', metric, 2) } },
  } }, (a) => {
    const byPort = new Map();
    for (const b of [...a.req.t.buckets, ...a.rep.t.buckets]) byPort.set(b.key, (byPort.get(b.key) || 0) + metricValue(b, metric));
    const rows = [...byPort].map(([port, value]) => ({ label: String(port), value, note: serviceName(port) }));
    for (const b of a.icmp.t.buckets) {
      rows.push({ label: b.key === 'icmp' ? 'ICMP' : 'ICMPv6', value: metricValue(b, metric), note: 'protocol without ports',
                  filter: ['network.transport', b.key] });
    }
    rows.sort((x, y) => y.value - x.value).splice(10);
    portList.body.append(rankList(rows, metric, 'destination.port'));
    portList.body.append(h('p', { class: 'chart-note' }, 'each flow counted at its service side (the port below 32768)'));
  });
  run(protoList, { aggs: { t: termsBy('network.transport', metric, 6) } },
      (a) => protoList.body.append(rankList(a.t.buckets.map(row), metric, 'network.transport')));

  // Rejected traffic.
  const rejected = panel('Rejected traffic', 'wide');
  grid.append(rejected.el);
  // One request per aggregation: rollups answer the ranked lists (hourly
  // rows), which they could not beside a histogram finer than an hour
  // (138 ms as one request over 10M flows, 12 ms as four).
  run(rejected, { parts: {
    t: { filter: REJECT, aggs: { t: hist } },
    src: { filter: REJECT, aggs: { src: termsBy('source.ip', 'flows', 5) } },
    port: { filter: REJECT, aggs: { port: termsBy('destination.port', 'flows', 5) } },
    eni: { filter: REJECT, aggs: { eni: termsBy('aws.vpcflow.interface_id', 'flows', 5) } },
  } }, (a) => {
    const r = { doc_count: a.t.doc_count, t: a.t.t, src: a.src.src, port: a.port.port, eni: a.eni.eni };
    const row = (b) => ({ label: String(b.key), value: b.doc_count });
    if (!r.doc_count) { rejected.body.append(empty('No rejected flows in this range')); return; }
    const chart = h('div', { class: 'chart small' });
    rejected.body.append(h('p', { class: 'kpi' }, `${humanCount(r.doc_count)} rejected flows`), chart, chartNote(),
      h('div', { class: 'columns3' },
        h('div', {}, h('h3', {}, 'Sources'), rankList(r.src.buckets.map(row), 'flows', 'source.ip')),
        h('div', {}, h('h3', {}, 'Ports'), rankList(r.port.buckets.map(row), 'flows', 'destination.port')),
        h('div', {}, h('h3', {}, 'Interfaces'), rankList(r.eni.buckets.map(row), 'flows', 'aws.vpcflow.interface_id'))));
    cleanups.push(stackedBars(chart, r.t.buckets.map((x) => x.key / 1000),
      [{ label: 'REJECT', values: r.t.buckets.map((x) => x.doc_count) }], { height: 120,
        onSelect: zoom, dataEnd: end }));
  });

  // Four ranked lists of enrichment fields in one panel, or `hint` when the
  // flows in range have none of them.
  const enrichmentPanel = (title, lists, hint) => {
    const p = panel(title, 'wide');
    grid.append(p.el);
    const aggs = Object.fromEntries(lists.map(([, field], i) => [`l${i}`, termsBy(field, metric, 8)]));
    run(p, { aggs }, (a) => {
      if (!lists.some((_, i) => a[`l${i}`].buckets.length)) { p.body.append(empty(hint)); return; }
      p.body.append(h('div', { class: 'columns4' }, lists.map(([name, field], i) =>
        h('div', {}, h('h3', {}, name), rankList(a[`l${i}`].buckets.map(row), metric, field)))));
    });
  };
  // Where traffic comes from and goes to: a world map by GeoIP country,
  // either side, every flow or ACCEPT / REJECT only (as Elastic's VPC flow
  // overview), beside the top countries of the same choice.
  const mapPanel = panel(`Traffic by country (${metric})`, 'wide');
  grid.append(mapPanel.el);
  const byAction = { action: { terms: { field: 'event.action', size: 3 }, ...(METRICS[metric] ? { aggs: metricAgg(metric) } : {}) } };
  run(mapPanel, { aggs: {
    source: termsBy('source.geo.country_iso_code', metric, 300, { ...byAction, name: { terms: { field: 'source.geo.country_name', size: 1 } } }),
    destination: termsBy('destination.geo.country_iso_code', metric, 300, { ...byAction, name: { terms: { field: 'destination.geo.country_name', size: 1 } } }),
  } }, async (a) => {
    if (!a.source.buckets.length && !a.destination.buckets.length) {
      mapPanel.body.append(empty('No countries in this range: ingest with --geoip-dir (MaxMind databases) to map where traffic comes from and goes to.'));
      return;
    }
    // The shapes (a sixth of the UI's bytes) load with the first map only.
    const { MAP_COLORS, worldMap } = await import('./world_map.js');
    let side = 'source';
    let action = 'all';
    const mapEl = h('div', { class: 'map-wrap' });
    const listEl = h('div', { class: 'map-list' });
    const toggles = h('div', { class: 'map-controls', role: 'group', 'aria-label': 'Map of' });
    const draw = () => {
      const values = new Map();
      const names = new Map();
      for (const b of a[side].buckets) {
        const v = action === 'all' ? metricValue(b, metric)
          : (() => { const x = b.action.buckets.find((y) => y.key === action); return x ? metricValue(x, metric) : 0; })();
        if (v > 0) values.set(String(b.key), v);
        names.set(String(b.key), b.name.buckets[0]?.key);
      }
      clear(toggles).append(
        ...['source', 'destination'].map((x) => h('button', { type: 'button', class: x === side ? 'on' : '', 'aria-pressed': String(x === side),
                                                           onclick: () => { side = x; draw(); } }, x === 'source' ? 'Sources' : 'Destinations')),
        h('span', { class: 'sep' }),
        ...['all', 'ACCEPT', 'REJECT'].map((x) => h('button', { type: 'button', class: x === action ? 'on' : '', 'aria-pressed': String(x === action),
                                                             onclick: () => { action = x; draw(); } }, x === 'all' ? 'All flows' : x)));
      const field = `${side}.geo.country_iso_code`;
      clear(mapEl).append(worldMap(values, { width: 900, color: MAP_COLORS[action], format: (v) => formatMetric(v, metric),
        onClick: (iso) => { if (action !== 'all') addFilter('event.action', action); addFilter(field, iso); } }));
      const rows = [...values].sort((x, y) => y[1] - x[1]).slice(0, 10)
        .map(([iso, value]) => ({ label: iso, value, note: names.get(iso) }));
      clear(listEl).append(h('h3', {}, `${side === 'source' ? 'Source' : 'Destination'} countries${action === 'all' ? '' : `, ${action}`}`),
        rankList(rows, metric, field));
    };
    mapPanel.body.append(toggles, h('div', { class: 'map-layout' }, mapEl, listEl),
      h('p', { class: 'chart-note' }, 'GeoIP countries of public addresses (private ones have none); countries too small for a 1:110m map are in the list only'));
    draw();
  });

  // Countries and networks: GeoIP and AWS ip-ranges fields, when the flows
  // were ingested with them (docs/enrichment.md).
  enrichmentPanel(`Countries and networks by ${metric}`, [
    ['Source countries', 'source.geo.country_name'],
    ['Destination countries', 'destination.geo.country_name'],
    ['Destination networks (AS)', 'destination.as.organization.name'],
    ['Destination AWS services', 'destination.aws.service'],
  ], 'No country or network fields in this range: ingest with --geoip-dir (MaxMind databases) and --aws-ip-ranges '
     + 'to see where traffic comes from and goes to.');
  // Instances, security groups and VPCs: the AWS inventory's names, for
  // flows ingested or searched with one (docs/enrichment.md).
  enrichmentPanel(`Instances and security groups by ${metric}`, [
    ['Source instances', 'source.aws.instance.name'],
    ['Destination instances', 'destination.aws.instance.name'],
    ['Destination security groups', 'destination.aws.security_group.name'],
    ['Destination VPCs', 'destination.aws.vpc.name'],
  ], 'No instance names in this range: sync the AWS inventory (flowdex inventory sync, or serve --inventory-refresh '
     + '10m) to name addresses by instance, security group and VPC.');

  // Per interface.
  const eni = panel(`Traffic per interface by ${metric}`, 'wide');
  grid.append(eni.el);
  run(eni, { aggs: { eni: termsBy('aws.vpcflow.interface_id', metric, 10, { action: { terms: { field: 'event.action', size: 3 } } }) } }, (a) => {
    const buckets = a.eni.buckets;
    if (!buckets.length) { eni.body.append(empty('No interfaces in this range')); return; }
    eni.body.append(h('table', { class: 'compact' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Interface'), metric === 'flows' ? null : h('th', {}, metric), h('th', {}, 'Flows'),
        h('th', {}, 'Rejected'))),
      h('tbody', {}, buckets.map((b) => {
        const rej = (b.action.buckets.find((x) => x.key === 'REJECT') || { doc_count: 0 }).doc_count;
        return h('tr', {},
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => addFilter('aws.vpcflow.interface_id', String(b.key)) }, b.key),
            ' ', h('a', { class: 'mini-link open-discover', href: inDiscover(`aws.vpcflow.interface_id:${kqlValue(String(b.key))}`) }, 'flows')),
          metric === 'flows' ? null : h('td', { class: 'num' }, formatMetric(metricValue(b, metric), metric)),
          h('td', { class: 'num' }, humanCount(b.doc_count)),
          h('td', { class: 'num' }, `${humanCount(rej)} (${(100 * rej / b.doc_count).toFixed(1)}%)`));
      }))));
  });
  return () => cleanups.forEach((c) => c());
}
