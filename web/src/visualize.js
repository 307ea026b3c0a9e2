// Visualize: flows by any dimension over time, in the spirit of Akvorado's
// Visualize tab. The top N values of one or more dimensions (a series is
// one combination, e.g. "10.0.1.5 → 443") and the rest as "Other", as
// stacked areas, lines or 100% stacks, in bits/s, packets/s, flows/s (rates
// from the bucket size) or bytes per bucket, with a table of min, max,
// average, 95th percentile, last and total per series. Everything is in the
// URL. Two requests over the Elasticsearch API: the top series, then each
// series' histogram (nested terms limited to the series' keys), so it works against a real
// cluster behind `serve --backend` too.
import { sankey, sankeyLinkHorizontal } from 'd3-sankey';
import { fieldsOf, renderTopBar, withTypedQuery } from './topbar.js';
import { dataEnd, search } from './api.js';
import { lines } from './charts.js';
import { clear, empty, errorBox, h, humanBytes, humanCount, loading, markRendered } from './dom.js';
import { KqlSyntaxError } from './kql.js';
import { buildQuery, queryAndRange } from './query.js';
import { setState } from './state.js';
import { histogramInterval, histogramZone, snapRange, zoneLabel } from './time.js';

export const UNITS = {
  bps: { label: 'bits/s', field: 'network.bytes', rate: true, scale: 8 },
  pps: { label: 'packets/s', field: 'network.packets', rate: true, scale: 1 },
  fps: { label: 'flows/s', field: null, rate: true, scale: 1 },
  bytes: { label: 'bytes', field: 'network.bytes', rate: false, scale: 1 },
};
const GRAPHS = { stacked: 'Stacked areas', lines: 'Lines', stacked100: '100% stacked', grid: 'Small multiples',
                 sankey: 'Sankey' };
// The period before, overlaid as the total's dashed line (Akvorado's
// "previous period").
const PREVIOUS = { '': 'nothing', hour: 'the hour before', day: 'the day before', week: 'the week before' };
const SHIFT = { hour: 3600e3, day: 864e5, week: 7 * 864e5 };

// The same field seen from the other end (source.ip <-> destination.ip);
// other fields have no direction and stay as they are.
export function swapSide(field) {
  if (field.startsWith('source.')) return `destination.${field.slice(7)}`;
  if (field.startsWith('destination.')) return `source.${field.slice(12)}`;
  return field;
}
const LIMITS = { avg: 'average', max: 'max', last: 'last' };
const PALETTE = ['#3b6fd4', '#e08a1e', '#2f9e6f', '#d64545', '#8e5bd8', '#1aa3b8', '#c2569b', '#7d8b2a', '#b5651d',
                 '#4a5a78', '#e7b416', '#5fa8d3', '#a03d3d', '#3d8a6e', '#9b7bd1'];
const OTHER = 'Other';
const SUGGESTED = ['source.ip', 'destination.ip', 'destination.port', 'source.port', 'network.transport', 'event.action',
                   'aws.vpcflow.interface_id', 'cloud.account.id', 'aws.vpcflow.vpc_id', 'aws.vpcflow.subnet_id',
                   'network.direction', 'destination.aws.instance.name', 'source.aws.instance.name',
                   'destination.geo.country_name', 'destination.as.organization.name'];

// The metric of a bucket's rows (flows are doc counts).
function metricAgg(unit) {
  return UNITS[unit].field ? { m: { sum: { field: UNITS[unit].field } } } : {};
}
function bucketValue(b, unit) {
  return UNITS[unit].field ? (b.m ? b.m.value : 0) : b.doc_count;
}

// Sorted percentile p (0-1) of values, nearest rank.
export function percentile(values, p) {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

// min, max, avg, p95, last and total of one series' values.
export function seriesStats(values) {
  const total = values.reduce((a, b) => a + b, 0);
  return { min: values.length ? Math.min(...values) : 0, max: values.length ? Math.max(...values) : 0,
           avg: values.length ? total / values.length : 0, p95: percentile(values, 0.95),
           last: values.length ? values[values.length - 1] : 0, total };
}

// The top combinations of dims: nested terms, each level `size`, ranked by
// the unit's metric. [{keys: [...], value}], best first.
// `raw`: the buckets' keys as the API gives them (numbers stay numbers).
function flattenTop(agg, dims, unit, keys = [], raw = [], out = []) {
  for (const b of agg.buckets) {
    const k = [...keys, b.key_as_string ?? b.key];
    const r = [...raw, b.key];
    if (keys.length + 1 === dims.length) out.push({ keys: k, raw: r, value: bucketValue(b, unit) });
    else flattenTop(b.next, dims, unit, k, r, out);
  }
  return out;
}

// Each series' histogram in one pass: nested terms over `fields`, each
// level limited (include) to the keys the series have there, the histogram
// at the last level. Combinations that are not series come along and are
// ignored. (A filters aggregation of one filter per series reads the flows
// once per series: 4x slower over 10M flows.)
function seriesAgg(fields, combos, hist) {
  let agg = null;
  for (let d = fields.length - 1; d >= 0; d--) {
    const keys = [...new Set(combos.map((c) => c.raw[d]))];
    agg = { terms: { field: fields[d], size: keys.length, include: keys }, aggs: agg ? { next: agg } : { t: hist } };
  }
  return agg;
}

// A series' histogram buckets in seriesAgg's answer, or null (no flows).
function seriesBuckets(agg, raw) {
  let a = agg;
  for (let d = 0; d < raw.length; d++) {
    const b = a.buckets.find((x) => x.key === raw[d]);
    if (!b) return null;
    a = d === raw.length - 1 ? b.t : b.next;
  }
  return a.buckets;
}

function nestedTerms(dims, unit, size, order) {
  let agg = null;
  for (let i = dims.length - 1; i >= 0; i--) {
    const aggs = { ...metricAgg(unit), ...(agg ? { next: agg } : {}) };
    agg = { terms: { field: dims[i], size, order }, ...(Object.keys(aggs).length ? { aggs } : {}) };
  }
  return agg;
}

function shortNumber(v) {
  const abs = Math.abs(v);
  const [d, s] = abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const n = v / d;
  return `${Number.isInteger(n) ? n : n.toFixed(abs < 10 ? 2 : 1)}${s}`;
}

function formatValue(v, unit) {
  if (unit === 'bytes') return humanBytes(v);
  const u = UNITS[unit].label;
  const abs = Math.abs(v);
  const [d, s] = abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${(v / d).toFixed(d === 1 && abs < 10 ? 2 : 1)} ${s}${u}`;
}

export function renderVisualize(root, state, signal) {
  const dims = (state.dims || 'destination.port').split(',').filter(Boolean).slice(0, 3);
  const unit = UNITS[state.unit] ? state.unit : 'bps';
  const graph = GRAPHS[state.graph] ? state.graph : 'stacked';
  const top = Math.min(Math.max(Number(state.top) || 10, 1), 30);
  const limit = LIMITS[state.limit] ? state.limit : 'avg';
  const prev = SHIFT[state.prev] ? state.prev : '';
  const reversedDims = dims.map(swapSide);
  const canReverse = reversedDims.some((d, i) => d !== dims[i]);

  // The controls: dimensions (any field), graph, unit, top N and how it ranks.
  const dimInput = h('input', { class: 'dims', value: dims.join(', '), list: 'viz-fields', spellcheck: false,
                                'aria-label': 'Dimensions, comma-separated', placeholder: 'source.ip, destination.port' });
  const datalist = h('datalist', { id: 'viz-fields' }, SUGGESTED.map((f) => h('option', { value: f })));
  const select = (name, options, value) => h('select', { 'aria-label': name, onchange: (ev) => setState(withTypedQuery({ [name]: ev.target.value })) },
    Object.entries(options).map(([k, label]) => h('option', { value: k, selected: k === value }, label)));
  const controls = h('form', { class: 'viz-controls', onsubmit: (ev) => {
    ev.preventDefault();
    const next = dimInput.value.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 3).join(',');
    setState(withTypedQuery({ dims: next || 'destination.port' }));
  } },
  h('label', {}, 'Dimensions ', dimInput), datalist, h('button', { type: 'submit', class: 'primary' }, 'Apply'),
  h('label', {}, 'Graph ', select('graph', GRAPHS, graph)),
  h('label', {}, 'Unit ', select('unit', Object.fromEntries(Object.entries(UNITS).map(([k, u]) => [k, u.label])), unit)),
  h('label', {}, 'Top ', select('top', { 5: '5', 10: '10', 15: '15', 20: '20' }, String(top))),
  h('label', {}, 'ranked by ', select('limit', LIMITS, limit)),
  h('label', { title: canReverse ? 'The other direction of each series (source and destination swapped), drawn below the axis'
                                 : 'Needs a source.* or destination.* dimension' },
    h('input', { type: 'checkbox', class: 'bidi', checked: state.bidi === '1', disabled: !canReverse,
                 onchange: (ev) => setState(withTypedQuery({ bidi: ev.target.checked ? '1' : '' })) }), ' bidirectional'),
  h('label', {}, 'compare with ', select('prev', PREVIOUS, prev)));
  const chartEl = h('div', { class: 'chart viz-chart', 'aria-label': 'Series over time' });
  const noteEl = h('p', { class: 'chart-note' });
  const tableEl = h('div', { class: 'table-wrap' });
  const body = h('section', { class: 'panel wide viz' }, h('div', { class: 'panel-body' }, chartEl, noteEl, tableEl));
  root.append(renderTopBar(state), controls, body);
  fieldsOf(state.index).then((fields) => {
    for (const f of fields) {
      if (f.aggregatable && !SUGGESTED.includes(f.name) && f.type !== 'geo_point') datalist.append(h('option', { value: f.name }));
    }
  }).catch(() => {});

  let query;
  let fromMs;
  let toMs;
  try {
    ({ query, fromMs, toMs } = queryAndRange(state));
  } catch (e) {
    chartEl.append(e instanceof KqlSyntaxError ? empty('Fix the query to see the graph.') : errorBox(e));
    markRendered('visualize');
    return () => {};
  }
  chartEl.append(loading());
  const interval = histogramInterval(fromMs, toMs, 90);
  const seconds = interval.ms / 1000;
  const hist = { date_histogram: { field: '@timestamp', fixed_interval: interval.text, min_doc_count: 0,
                                   time_zone: histogramZone(), extended_bounds: { min: fromMs, max: toMs - 1 } },
                 aggs: metricAgg(unit) };
  const cleanups = [];
  // Ranked by the whole range's total (avg), or the largest / the last bucket.
  const rankAgg = limit === 'avg' ? nestedTerms(dims, unit, top, UNITS[unit].field ? { m: 'desc' } : { _count: 'desc' })
    : nestedTerms(dims, unit, Math.max(top * 3, 20), UNITS[unit].field ? { m: 'desc' } : { _count: 'desc' });
  const t0 = performance.now();
  if (graph === 'sankey') {
    drawSankeyPage(state.index, query, dims, unit, top, chartEl, noteEl, tableEl, signal, t0, fromMs, toMs);
    return () => cleanups.forEach((c) => c());
  }
  const endKnown = dataEnd(state.index, signal).catch(() => null);
  const bidi = state.bidi === '1' && canReverse && graph !== 'stacked100';
  // The period before: the same query and buckets, shifted.
  const shift = graph === 'stacked100' ? 0 : SHIFT[prev] || 0;
  const previousKnown = shift ? search(state.index, { size: 0,
    query: buildQuery({ ...state, from: new Date(fromMs - shift).toISOString(), to: new Date(toMs - shift).toISOString() }),
    aggs: { all: { ...hist, date_histogram: { ...hist.date_histogram,
                                              extended_bounds: { min: fromMs - shift, max: toMs - shift - 1 } } } } }, signal)
    : Promise.resolve(null);
  search(state.index, { size: 0, query, aggs: { top: rankAgg } }, signal).then((r) => {
    let combos = flattenTop(r.aggregations.top, dims, unit).sort((a, b) => b.value - a.value).slice(0, limit === 'avg' ? top : top * 3);
    if (!combos.length) return { combos, r2: null };
    // Each series' histogram, and the whole's (Other = whole - series).
    const aggs = { all: hist, series: seriesAgg(dims, combos, hist) };
    if (bidi) aggs.reverse = seriesAgg(reversedDims, combos, hist);
    return search(state.index, { size: 0, query, aggs }, signal).then((r2) => ({ combos, r2 }));
  }).then(async ({ combos, r2 }) => {
    const end = await endKnown;
    const previous = await previousKnown;
    clear(chartEl);
    if (!combos.length || !r2) {
      chartEl.append(empty('No flows in this range'));
      markRendered('visualize');
      return;
    }
    const allBuckets = r2.aggregations.all.buckets;
    const xs = allBuckets.map((b) => b.key / 1000);
    const toUnit = (v) => (UNITS[unit].rate ? (v * UNITS[unit].scale) / seconds : v);
    const valuesOf = (agg, raw) => {
      const buckets = seriesBuckets(agg, raw);
      return buckets ? buckets.map((b) => toUnit(bucketValue(b, unit))) : allBuckets.map(() => 0);
    };
    let series = combos.map((c) => ({
      label: c.keys.join(' → '),
      keys: c.keys,
      values: valuesOf(r2.aggregations.series, c.raw),
      reverse: bidi ? valuesOf(r2.aggregations.reverse, c.raw) : null,
    }));
    // max / last: rank the candidates by their series' largest or last value.
    if (limit !== 'avg') {
      const key = (s) => (limit === 'max' ? Math.max(...s.values) : s.values[s.values.length - 1]);
      series = series.sort((a, b) => key(b) - key(a)).slice(0, top);
    }
    const whole = allBuckets.map((b) => toUnit(bucketValue(b, unit)));
    const other = whole.map((v, i) => Math.max(0, v - series.reduce((a, s) => a + s.values[i], 0)));
    if (other.some((v) => v > 1e-9)) series.push({ label: OTHER, keys: null, values: other });
    series.forEach((s, i) => { s.color = s.label === OTHER ? '#9aa3b2' : PALETTE[i % PALETTE.length]; });
    // The period before, bucket by bucket at the same place in its range.
    let before = null;
    if (previous) {
      const byKey = new Map(previous.aggregations.all.buckets.map((b) => [b.key + shift, toUnit(bucketValue(b, unit))]));
      before = { label: `Total, ${PREVIOUS[prev]}`, values: allBuckets.map((b) => byKey.get(b.key) ?? 0) };
    }
    drawGraph(chartEl, xs, series, graph, unit, end, (f, t) => setState(withTypedQuery(snapRange(f, t, interval.ms))), cleanups, before);
    noteEl.textContent = `${interval.text} buckets · ${UNITS[unit].rate ? `${UNITS[unit].label} averaged over each bucket` : 'bytes per bucket'}`
      + ` · times in ${zoneLabel()} · top ${top} by ${LIMITS[limit]}`
      + (bidi ? ' · below the axis: the reverse direction (source and destination swapped)' : '')
      + (state.bidi === '1' && !bidi ? ` · bidirectional needs a source.* or destination.* dimension${graph === 'stacked100' ? ' and not a 100% stack' : ''}` : '')
      + (before ? ` · dashed: the total ${PREVIOUS[prev]}` : '')
      + ` · ${Math.round(performance.now() - t0)} ms · drag to zoom`;
    drawTable(tableEl, series, dims, unit, seconds, before);
    markRendered('visualize');
  }).catch((e) => {
    if (e.name === 'AbortError') return;
    clear(chartEl).append(errorBox(e));
    markRendered('visualize');
  });
  return () => cleanups.forEach((c) => c());
}

function drawGraph(el, xs, series, graph, unit, end, onSelect, cleanups, before) {
  const legendFormat = graph === 'stacked100' ? (v) => `${v.toFixed(1)}%` : (v) => formatValue(v, unit);
  const overlay = before ? [{ label: before.label, color: '#59606b', values: before.values, dash: [6, 4], width: 1.5,
                              legend: (i) => legendFormat(before.values[i]) }] : [];
  if (graph === 'grid') {
    // Small multiples: a chart per series on one shared scale.
    const all = series.flatMap((s) => [...s.values, ...(s.reverse || []).map((v) => -v)]);
    const yRange = [Math.min(0, ...all), Math.max(1e-9, ...all)];
    const grid = h('div', { class: 'small-multiples' });
    el.append(grid);
    for (const s of series) {
      const chart = h('div', { class: 'sm-chart' });
      grid.append(h('div', { class: 'small-multiple', 'data-series': s.label },
        h('div', { class: 'sm-title' }, h('span', { class: 'swatch', style: { background: s.color } }), ' ', s.label), chart));
      const own = [{ label: s.label, color: s.color, values: s.values, fill: `${s.color}55`, legend: (i) => legendFormat(s.values[i]) }];
      if (s.reverse) {
        own.push({ label: `${s.label} (reverse)`, color: s.color, values: s.reverse.map((v) => -v), fill: `${s.color}33`,
                   legend: (i) => legendFormat(s.reverse[i]) });
      }
      cleanups.push(lines(chart, xs, own.map((x) => ({ ...x, scale: 'y' })),
        { height: 130, axes: { y: '', yFormat: (v) => shortNumber(v) }, onSelect, dataEnd: end, yRange, legend: false }));
    }
    return;
  }
  let shown = series;
  if (graph === 'stacked100') {
    const totals = xs.map((_, i) => series.reduce((a, s) => a + s.values[i], 0));
    shown = series.map((s) => ({ ...s, values: s.values.map((v, i) => (totals[i] ? (100 * v) / totals[i] : 0)) }));
  }
  const stacked = graph !== 'lines';
  // Stacks draw cumulative lines, the largest (everything) first; the
  // reverse direction stacks downwards the same way.
  let acc = xs.map(() => 0);
  const drawn = shown.map((s) => {
    acc = acc.map((v, i) => v + s.values[i]);
    return { label: s.label, color: s.color, values: stacked ? acc.slice() : s.values, fill: stacked ? `${s.color}99` : undefined,
             legend: (i) => legendFormat(s.values[i]) };
  });
  let down = xs.map(() => 0);
  const drawnDown = shown.filter((s) => s.reverse).map((s) => {
    down = down.map((v, i) => v - s.reverse[i]);
    return { label: `${s.label} (reverse)`, color: s.color, values: stacked ? down.slice() : s.reverse.map((v) => -v),
             fill: stacked ? `${s.color}55` : undefined, legend: (i) => legendFormat(s.reverse[i]) };
  });
  const ordered = [...(stacked ? drawn.reverse() : drawn), ...(stacked ? drawnDown.reverse() : drawnDown), ...overlay];
  // Ticks are numbers with k/M/G; the axis' label names the unit.
  const yFormat = graph === 'stacked100' ? (v) => `${Math.round(v)}%` : (v) => shortNumber(v);
  cleanups.push(lines(el, xs, ordered.map((s) => ({ ...s, scale: 'y' })),
    { height: 320, axes: { y: graph === 'stacked100' ? 'share' : UNITS[unit].label, yFormat }, onSelect, dataEnd: end }));
}

// A series' total volume: bytes, packets or flows (rates times seconds).
function totalOf(sum, unit, seconds) {
  const u = UNITS[unit];
  return u.rate ? Math.round((sum * seconds) / u.scale) : sum;
}
function formatTotal(v, unit) {
  if (unit === 'bps' || unit === 'bytes') return humanBytes(v);
  return `${humanCount(v)} ${unit === 'pps' ? 'packets' : 'flows'}`;
}

function drawTable(el, series, dims, unit, seconds, before) {
  clear(el);
  const cols = ['min', 'max', 'avg', 'p95', 'last', 'total'];
  el.append(h('p', { class: 'chart-note' }, `min to last in ${UNITS[unit].label}${UNITS[unit].rate ? '' : ' per bucket'}; `
    + `total: the ${unit === 'pps' ? 'packets' : unit === 'fps' ? 'flows' : 'bytes'} of the whole range`),
  h('table', { class: 'compact viz-table' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), dims.map((d) => h('th', {}, d)), cols.map((c) => h('th', { class: 'num' }, c)))),
    h('tbody', {}, series.flatMap((s) => {
      const row = (values, cls, mark, label) => {
        const st = seriesStats(values);
        return h('tr', { class: cls }, h('td', { title: label }, h('span', { class: 'swatch', style: { background: s.color } }), mark),
          label ? h('td', { class: 'mono', colspan: dims.length }, label) : s.keys.map((k) => h('td', { class: 'mono' }, String(k))),
          ['min', 'max', 'avg', 'p95', 'last'].map((c) => h('td', { class: 'num' }, unit === 'bytes' ? humanBytes(st[c]) : shortNumber(st[c]))),
          h('td', { class: 'num', 'data-total': String(totalOf(st.total, unit, seconds)) }, formatTotal(totalOf(st.total, unit, seconds), unit)));
      };
      const rows = [row(s.values, 'forward', '', s.keys ? null : OTHER)];
      if (s.reverse) rows.push(row(s.reverse, 'reverse', ' ←', null));
      return rows;
    }), before ? (() => {
      const st = seriesStats(before.values);
      return h('tr', { class: 'previous' }, h('td', {}, '┄'), h('td', { class: 'mono', colspan: dims.length }, before.label),
        ['min', 'max', 'avg', 'p95', 'last'].map((c) => h('td', { class: 'num' }, unit === 'bytes' ? humanBytes(st[c]) : shortNumber(st[c]))),
        h('td', { class: 'num', 'data-total': String(totalOf(st.total, unit, seconds)) }, formatTotal(totalOf(st.total, unit, seconds), unit)));
    })() : null)));
}

// Sankey: how the range's traffic flows from each dimension's top values
// to the next's (source → destination → port, say): one request, nested
// terms, each level its top N; a link's width is its share of the metric.
function drawSankeyPage(index, query, dims, unit, top, chartEl, noteEl, tableEl, signal, t0, fromMs, toMs) {
  if (dims.length < 2) {
    clear(chartEl).append(empty('A Sankey needs two or three dimensions, e.g. source.ip, destination.port.'));
    markRendered('visualize');
    return;
  }
  // As Akvorado draws it: the top N values of each dimension (one request
  // each, in parallel: rollups answer most), then the flows between them in
  // one request, nested terms limited (include) to those values. Nested
  // top-N per parent instead reads and keeps every value under every
  // parent: 1.4 s against 0.1 s for three levels over 10M flows.
  const order = UNITS[unit].field ? { m: 'desc' } : { _count: 'desc' };
  const withMetric = (terms, more = {}) => {
    const aggs = { ...metricAgg(unit), ...more };
    return Object.keys(aggs).length ? { terms, aggs } : { terms };
  };
  Promise.all(dims.map((d) => search(index, { size: 0, query, aggs: { t: withMetric({ field: d, size: top, order }) } }, signal)))
    .then((tops) => {
      const keys = tops.map((r) => r.aggregations.t.buckets.map((b) => b.key));
      if (keys.some((k) => !k.length)) return null;
      let agg = null;
      for (let d = dims.length - 1; d >= 0; d--) {
        agg = withMetric({ field: dims[d], size: keys[d].length, include: keys[d] }, agg ? { next: agg } : {});
      }
      const between = { bool: { filter: [query, ...dims.map((d, i) => ({ terms: { [d]: keys[i] } }))] } };
      return search(index, { size: 0, query: between, aggs: { top: agg } }, signal);
    }).then((r) => {
    clear(chartEl);
    if (!r) {
      chartEl.append(empty('No flows in this range'));
      markRendered('visualize');
      return;
    }
    const links = sankeyLinks(r.aggregations.top, dims, unit);
    if (!links.length) {
      chartEl.append(empty('No flows in this range'));
      markRendered('visualize');
      return;
    }
    const seconds = Math.max(1, (toMs - fromMs) / 1000);
    const shown = (v) => (UNITS[unit].rate ? formatValue((v * UNITS[unit].scale) / seconds, unit) : formatValue(v, unit));
    chartEl.append(sankeySvg(links, dims, chartEl.clientWidth || 900, shown));
    noteEl.textContent = `${dims.join(' → ')} · the top ${top} of each, and the flows between them · ${UNITS[unit].rate ? `${UNITS[unit].label} averaged over the range` : 'bytes'}`
      + ` · ${Math.round(performance.now() - t0)} ms`;
    clear(tableEl).append(h('table', { class: 'compact viz-table sankey-links' },
      h('thead', {}, h('tr', {}, h('th', {}, 'from'), h('th', {}, 'to'), h('th', { class: 'num' }, UNITS[unit].field ? UNITS[unit].label : 'flows'))),
      h('tbody', {}, links.map((l) => h('tr', { 'data-value': String(l.value) },
        h('td', { class: 'mono' }, `${dims[l.level]}: ${l.from}`), h('td', { class: 'mono' }, `${dims[l.level + 1]}: ${l.to}`),
        h('td', { class: 'num' }, shown(l.value)))))));
    markRendered('visualize');
  }).catch((e) => {
    if (e.name === 'AbortError') return;
    clear(chartEl).append(errorBox(e));
    markRendered('visualize');
  });
}

// Links between consecutive levels of nested terms: {level, from, to, value}
// (a value reaching level 2 through several level-1 values adds up).
export function sankeyLinks(agg, dims, unit) {
  const sums = new Map();
  const walk = (a, level, parent) => {
    for (const b of a.buckets) {
      const key = String(b.key_as_string ?? b.key);
      if (parent !== null) {
        const id = `${level - 1}|${parent}|${key}`;
        sums.set(id, (sums.get(id) || 0) + bucketValue(b, unit));
      }
      if (b.next) walk(b.next, level + 1, key);
    }
  };
  walk(agg, 0, null);
  return [...sums].map(([id, value]) => {
    const [level, from, to] = id.split('|');
    return { level: Number(level), from, to, value };
  }).sort((a, b) => a.level - b.level || b.value - a.value);
}

function sankeySvg(links, dims, width, shown) {
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const nodeId = (level, key) => `${level}|${key}`;
  const nodes = new Map();
  for (const l of links) {
    nodes.set(nodeId(l.level, l.from), { id: nodeId(l.level, l.from), level: l.level, name: l.from });
    nodes.set(nodeId(l.level + 1, l.to), { id: nodeId(l.level + 1, l.to), level: l.level + 1, name: l.to });
  }
  const height = Math.max(260, Math.min(900, nodes.size * 22));
  const graph = sankey().nodeId((d) => d.id).nodeWidth(12).nodePadding(8).extent([[1, 18], [width - 1, height - 4]])({
    nodes: [...nodes.values()].map((n) => ({ ...n })),
    links: links.map((l) => ({ source: nodeId(l.level, l.from), target: nodeId(l.level + 1, l.to), value: l.value })),
  });
  const svg = el('svg', { class: 'sankey', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
                          'aria-label': `Sankey of ${dims.join(' → ')}` });
  dims.forEach((d, i) => {
    const x = dims.length === 1 ? 0 : (i * (width - 12)) / (dims.length - 1);
    svg.append(el('text', { x: i === dims.length - 1 ? width - 2 : x, y: 12, 'text-anchor': i === dims.length - 1 ? 'end' : 'start',
                            class: 'sankey-dim' }, d));
  });
  const path = sankeyLinkHorizontal();
  for (const l of graph.links) {
    const p = el('path', { d: path(l), class: 'sankey-link', 'stroke-width': Math.max(1, l.width),
                           stroke: PALETTE[l.source.index % PALETTE.length] });
    p.append(el('title', {}, `${l.source.name} → ${l.target.name}: ${shown(l.value)}`));
    svg.append(p);
  }
  for (const n of graph.nodes) {
    svg.append(el('rect', { x: n.x0, y: n.y0, width: n.x1 - n.x0, height: Math.max(1, n.y1 - n.y0), class: 'sankey-node',
                            fill: PALETTE[n.index % PALETTE.length] }));
    const right = n.x0 < width / 2;
    svg.append(el('text', { x: right ? n.x1 + 4 : n.x0 - 4, y: (n.y0 + n.y1) / 2, dy: '0.35em', 'text-anchor': right ? 'start' : 'end',
                            class: 'sankey-label' }, `${n.name} (${shown(n.value)})`));
  }
  return svg;
}
