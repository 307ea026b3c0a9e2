// Discover for flows: hits over time stacked by ACCEPT/REJECT (drag to zoom),
// the flows table with chosen columns (sortable, rows expand to every field),
// and a field sidebar with each field's top 5 values to include or exclude.
import { dataEnd, search } from './api.js';
import { exportCsv } from './export.js';
import { stackedBars } from './charts.js';
import { clear, empty, errorBox, h, humanBytes, humanCount, loading, markRendered } from './dom.js';
import { KqlSyntaxError } from './kql.js';
import { buildQuery, fieldValue, flatten } from './query.js';
import { checkConnectionUrl } from './connection.js';
import { readState, setState } from './state.js';
import { histogramInterval, histogramZone, formatTime, resolveTime, snapRange, zoneLabel } from './time.js';
import { addFilter, fieldsOf, renderTopBar, withTypedQuery } from './topbar.js';

const PAGE_SIZE = 100;
// Pseudo-columns: "ip:port" of either end.
const ENDPOINT = { source: ['source.ip', 'source.port'], destination: ['destination.ip', 'destination.port'] };
const LABELS = { '@timestamp': 'Time', source: 'Source', destination: 'Destination', 'network.transport': 'Transport',
                 'event.action': 'Action', 'network.bytes': 'Bytes', 'network.packets': 'Packets',
                 'aws.vpcflow.interface_id': 'Interface' };

function cellText(source, col) {
  if (ENDPOINT[col]) {
    const ip = fieldValue(source, ENDPOINT[col][0]);
    const port = fieldValue(source, ENDPOINT[col][1]);
    if (ip === undefined) return '';
    const text = port === undefined ? String(ip) : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
    // Who the address is, when enrichment said: its owner in the AWS
    // inventory (the instance's Name tag, else the interface's kind), its
    // GeoIP country, its AWS service.
    const kind = fieldValue(source, `${col}.aws.interface.type`);
    const owner = fieldValue(source, `${col}.aws.instance.name`) ?? fieldValue(source, `${col}.aws.instance.id`)
      ?? (kind && kind !== 'interface' ? kind : undefined);
    const tags = [owner, fieldValue(source, `${col}.geo.country_iso_code`), fieldValue(source, `${col}.aws.service`)]
      .filter((t) => t !== undefined && t !== null);
    return tags.length ? `${text} (${tags.join(' · ')})` : text;
  }
  const v = fieldValue(source, col);
  if (v === undefined || v === null) return '';
  if (col === '@timestamp') return formatTime(Date.parse(v));
  if (col === 'network.bytes') return humanBytes(v);
  return Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const TIME_FIELDS = new Set(['@timestamp', 'event.start', 'event.end', 'event.ingested']);

function sortField(col) { return ENDPOINT[col] ? ENDPOINT[col][0] : col; }

export function renderDiscover(root, state, signal) {
  const cols = state.cols.split(',').filter(Boolean);
  const [sortCol, sortDir] = state.sort.split(':');
  const histEl = h('div', { class: 'histogram', 'aria-label': 'Flows over time' });
  const countEl = h('div', { class: 'hitcount' });
  // Export every matching flow as CSV; copy the view's link.
  const exportStatus = h('span', { class: 'export-status', role: 'status' });
  let exporting = null;
  const exportButton = h('button', { type: 'button', class: 'export-csv', onclick: () => {
    if (exporting) { exporting.abort(); return; }
    if (!query) return;  // the bar's query does not parse
    exporting = new AbortController();
    exportButton.textContent = 'Cancel export';
    const sortSpec = { [sortField(sortCol)]: { order: sortDir === 'asc' ? 'asc' : 'desc' } };
    exportCsv(state.index, query, sortSpec, cols, exporting.signal, (done, total) => {
      exportStatus.textContent = `exported ${humanCount(done)} of ${humanCount(total)}`;
    }).then((csv) => {
      const a = h('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: `flows-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      exportStatus.textContent += ' · saved';
    }).catch((e) => {
      exportStatus.textContent = e.name === 'AbortError' ? 'export cancelled' : `export failed: ${e.message}`;
    }).finally(() => {
      exporting = null;
      exportButton.textContent = 'Export CSV';
    });
  } }, 'Export CSV');
  const copyButton = h('button', { type: 'button', class: 'copy-link', onclick: () => {
    navigator.clipboard.writeText(location.href).then(() => { copyButton.textContent = 'Link copied'; },
      () => { copyButton.textContent = 'Copy failed'; });
    setTimeout(() => { copyButton.textContent = 'Copy link'; }, 2000);
  } }, 'Copy link');
  const tools = h('div', { class: 'discover-tools' }, exportButton, exportStatus, copyButton);
  const tableEl = h('div', { class: 'table-wrap' }, loading());
  const fieldsEl = h('div', { class: 'fieldlist' }, loading('Fields…'));
  const sidebarSearch = h('input', { type: 'search', placeholder: 'Search field names', 'aria-label': 'Search field names',
                                     oninput: () => drawFields() });
  root.append(renderTopBar(state),
    h('div', { class: 'discover' },
      h('aside', { class: 'sidebar' }, sidebarSearch, fieldsEl),
      h('section', { class: 'results' }, h('div', { class: 'results-head' }, countEl, tools), histEl, tableEl)));

  let query;
  try {
    query = buildQuery(state);
  } catch (e) {
    if (!(e instanceof KqlSyntaxError)) throw e;
    clear(tableEl).append(empty('Fix the query to see flows.'));
    clear(fieldsEl);
    markRendered('discover');
    return () => {};
  }
  let fromMs;
  let toMs;
  try {
    fromMs = resolveTime(state.from);
    toMs = resolveTime(state.to);
  } catch (e) {
    clear(tableEl).append(errorBox(e));
    markRendered('discover');
    return () => {};
  }
  const interval = histogramInterval(fromMs, toMs);
  const cleanups = [];
  let fields = [];
  const openFields = new Set();

  function drawFields() {
    clear(fieldsEl);
    const filter = sidebarSearch.value.toLowerCase();
    const shown = fields.filter((f) => f.name.toLowerCase().includes(filter));
    if (!shown.length) fieldsEl.append(empty('No fields'));
    for (const f of shown) {
      const inTable = cols.includes(f.name);
      const top = h('div', { class: 'topvalues' });
      const row = h('div', { class: 'field' },
        h('button', { type: 'button', class: 'fieldname', 'aria-expanded': openFields.has(f.name) ? 'true' : 'false',
                      onclick: () => { if (openFields.has(f.name)) openFields.delete(f.name); else openFields.add(f.name); drawFields(); } },
          h('span', { class: `ftype t-${f.type}` }, f.type.slice(0, 3)), f.name),
        h('button', { type: 'button', class: 'mini', title: inTable ? 'Remove column' : 'Add column',
                      'aria-label': `${inTable ? 'Remove' : 'Add'} column ${f.name}`,
                      onclick: () => setState({ cols: (inTable ? cols.filter((c) => c !== f.name) : [...cols, f.name]).join(',') }) },
          inTable ? '−' : '+'),
        top);
      fieldsEl.append(row);
      if (openFields.has(f.name)) loadTopValues(f, top);
    }
  }

  async function loadTopValues(f, el) {
    if (!f.aggregatable) { el.append(empty('Not aggregatable')); return; }
    // Points have no top values (terms refuses geo_point, as Elasticsearch does).
    if (f.type === 'geo_point') { el.append(empty('A map location: no top values')); return; }
    el.append(loading());
    try {
      const r = await search(state.index, { size: 0, track_total_hits: true, query,
                                            aggs: { top: { terms: { field: f.name, size: 5 } } } }, signal);
      const total = r.hits.total.value || 1;
      clear(el);
      const buckets = r.aggregations.top.buckets;
      if (!buckets.length) el.append(empty('No values in these flows'));
      for (const b of buckets) {
        const value = String(b.key_as_string ?? b.key);
        const pct = (100 * b.doc_count) / total;
        el.append(h('div', { class: 'topvalue' },
          h('span', { class: 'tv-value', title: value }, value),
          h('span', { class: 'tv-bar' }, h('span', { style: { width: `${pct.toFixed(1)}%` } })),
          h('span', { class: 'tv-pct' }, `${pct < 1 ? pct.toFixed(1) : pct.toFixed(0)}%`),
          h('button', { type: 'button', class: 'mini', title: 'Filter for value', 'aria-label': `Filter for ${f.name} ${value}`,
                        onclick: () => addFilter(f.name, value, false) }, '+'),
          h('button', { type: 'button', class: 'mini', title: 'Filter out value', 'aria-label': `Filter out ${f.name} ${value}`,
                        onclick: () => addFilter(f.name, value, true) }, '−')));
      }
    } catch (e) {
      if (e.name !== 'AbortError') clear(el).append(errorBox(e));
    }
  }

  fieldsOf(state.index).then((list) => { fields = list; drawFields(); })
    .catch((e) => { if (e.name !== 'AbortError') clear(fieldsEl).append(errorBox(e)); });

  const body = {
    size: PAGE_SIZE,
    track_total_hits: true,
    query,
    sort: [{ [sortField(sortCol)]: { order: sortDir === 'asc' ? 'asc' : 'desc' } }],
    aggs: {
      over_time: {
        date_histogram: { field: '@timestamp', fixed_interval: interval.text, min_doc_count: 0,
                          time_zone: histogramZone(), extended_bounds: { min: fromMs, max: toMs } },
        aggs: { action: { terms: { field: 'event.action', size: 5 } } },
      },
    },
  };
  const t0 = performance.now();
  Promise.all([search(state.index, body, signal), dataEnd(state.index, signal).catch(() => null)]).then(([r, end]) => {
    const total = r.hits.total;
    countEl.textContent = `${humanCount(total.value)}${total.relation === 'gte' ? '+' : ''} flows` +
      (r.hits.hits.length < total.value ? ` · showing the first ${r.hits.hits.length}` : '') +
      ` · ${interval.text} buckets · times in ${zoneLabel()} · ${r.took} ms`;
    // Histogram, stacked by action.
    const buckets = r.aggregations.over_time.buckets;
    const xs = buckets.map((b) => b.key / 1000);
    const actions = new Set();
    for (const b of buckets) for (const a of b.action.buckets) actions.add(a.key);
    const order = ['ACCEPT', 'REJECT', ...[...actions].filter((a) => a !== 'ACCEPT' && a !== 'REJECT').sort()];
    const series = order.filter((a) => actions.has(a) || a === 'ACCEPT' || a === 'REJECT').map((a) => ({
      label: a,
      values: buckets.map((b) => (b.action.buckets.find((x) => x.key === a) || { doc_count: 0 }).doc_count),
    }));
    clear(histEl);
    if (buckets.length) {
      cleanups.push(stackedBars(histEl, xs, series, {
        onSelect: (from, to) => setState(withTypedQuery(snapRange(from, to, interval.ms))), dataEnd: end,
      }));
    }
    // Table.
    clear(tableEl);
    if (!r.hits.hits.length) {
      tableEl.append(empty('No flows match this query in this time range.'));
    } else {
      const head = h('tr', {}, h('th', { class: 'expander' }), cols.map((c) => {
        const active = sortCol === sortField(c) || sortCol === c;
        const dir = active && sortDir === 'desc' ? 'asc' : 'desc';
        return h('th', { scope: 'col', 'aria-sort': active ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none' },
          h('button', { type: 'button', class: 'sort', onclick: () => setState({ sort: `${sortField(c)}:${dir}` }) },
            c === '@timestamp' ? `Time (${zoneLabel()})` : LABELS[c] || c, active ? (sortDir === 'asc' ? ' ▲' : ' ▼') : ''));
      }));
      const tbody = h('tbody');
      for (const hit of r.hits.hits) {
        const src = hit._source || {};
        const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: cols.length + 1 }));
        const row = h('tr', { class: `hit action-${String(fieldValue(src, 'event.action') || '').toLowerCase()}`,
                              onclick: () => {
                                detail.hidden = !detail.hidden;
                                row.classList.toggle('open', !detail.hidden);
                                if (!detail.hidden && !detail.firstChild.firstChild) detail.firstChild.append(docDetail(hit, cols));
                              } },
          h('td', { class: 'expander' }, '›'), cols.map((c) => h('td', { class: `c-${c.replace(/[@.]/g, '_')}` }, cellText(src, c))));
        tbody.append(row, detail);
      }
      tableEl.append(h('table', { class: 'flows' }, h('thead', {}, head), tbody));
    }
    document.body.dataset.firstRenderMs = String(Math.round(performance.now() - t0));
    markRendered('discover');
  }).catch((e) => {
    if (e.name === 'AbortError') return;
    clear(tableEl).append(errorBox(e));
    clear(histEl);
    countEl.textContent = '';
    markRendered('discover');
  });
  return () => cleanups.forEach((c) => c());
}

// Every field of a flow, with filter and column actions, and its JSON.
function docDetail(hit, cols) {
  const rows = flatten(hit._source || {}).map(([name, value]) => {
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    const scalar = !Array.isArray(value);
    // Times in the UI's clock; the stored value stays what filters use.
    const shown = TIME_FIELDS.has(name) && !Number.isNaN(Date.parse(text)) ? `${formatTime(Date.parse(text))} ${zoneLabel()}` : text;
    return h('tr', {},
      h('th', { scope: 'row' }, name),
      h('td', { title: shown === text ? undefined : text }, shown),
      h('td', { class: 'actions' },
        scalar ? h('button', { type: 'button', class: 'mini', title: 'Filter for value', onclick: (ev) => { ev.stopPropagation(); addFilter(name, text, false); } }, '+') : null,
        scalar ? h('button', { type: 'button', class: 'mini', title: 'Filter out value', onclick: (ev) => { ev.stopPropagation(); addFilter(name, text, true); } }, '−') : null,
        h('button', { type: 'button', class: 'mini', title: 'Toggle column', onclick: (ev) => {
          ev.stopPropagation();
          setState({ cols: (cols.includes(name) ? cols.filter((c) => c !== name) : [...cols, name]).join(',') });
        } }, '⊞')));
  });
  const source = hit._source || {};
  return h('div', { class: 'doc' },
    fieldValue(source, 'source.ip') !== undefined && fieldValue(source, 'destination.ip') !== undefined
      ? h('p', { class: 'detail-links' }, h('a', { class: 'check-connection', href: checkConnectionUrl(source, readState()) },
        'Check this connection')) : null,
    h('table', { class: 'fields' }, h('tbody', {}, rows)),
    h('details', {}, h('summary', {}, `JSON (_id ${hit._id}, index ${hit._index})`),
      h('pre', {}, JSON.stringify(hit._source, null, 2))));
}

