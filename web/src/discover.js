// Discover for flows: hits over time stacked by ACCEPT/REJECT (drag to zoom),
// the flows table with chosen columns (sortable, rows expand to every field),
// and a field sidebar with each field's top 5 values to include or exclude.
import { dataEnd, fieldsWithValues, search } from './api.js';
import { exportCsv } from './export.js';
import { stackedBars } from './charts.js';
import { clear, empty, errorBox, h, humanBytes, humanCount, loading, markRendered } from './dom.js';
import { KqlSyntaxError } from './kql.js';
import { buildQuery, fieldValue, flatten } from './query.js';
import { checkConnectionUrl } from './connection.js';
import { endpointText } from './endpoint.js';
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
  if (ENDPOINT[col]) return endpointText(source, col);
  const v = fieldValue(source, col);
  if (v === undefined || v === null) return '';
  if (col === '@timestamp') return formatTime(Date.parse(v));
  if (col === 'network.bytes') return humanBytes(v);
  return Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const TIME_FIELDS = new Set(['@timestamp', 'event.start', 'event.end', 'event.ingested']);

function sortField(col) { return ENDPOINT[col] ? ENDPOINT[col][0] : col; }

// The fields a network engineer filters on first, pinned above the rest.
const PINNED = ['@timestamp', 'source.ip', 'source.port', 'destination.ip', 'destination.port', 'network.transport',
  'event.action', 'network.bytes', 'network.packets', 'network.direction', 'aws.vpcflow.interface_id',
  'aws.vpcflow.tcp_flags', 'aws.vpcflow.vpc_id', 'aws.vpcflow.subnet_id', 'aws.vpcflow.instance_id'];

// Field types as words (the badge), the full type on hover.
const TYPE_BADGE = { keyword: 'str', constant_keyword: 'str', wildcard: 'str', text: 'text', match_only_text: 'text',
  long: 'num', integer: 'num', short: 'num', byte: 'num', double: 'num', float: 'num', half_float: 'num',
  scaled_float: 'num', unsigned_long: 'num', ip: 'IP', date: 'date', date_nanos: 'date', boolean: 'bool',
  geo_point: 'geo', version: 'ver', flattened: 'obj' };
export function typeBadge(type) { return TYPE_BADGE[type] || type.slice(0, 4); }

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
  // Fields without a value in the time range are hidden unless asked for.
  const showEmpty = h('input', { type: 'checkbox', class: 'show-empty',
                                 checked: localStorage.getItem('flowdex.showEmptyFields') === '1',
                                 onchange: () => { localStorage.setItem('flowdex.showEmptyFields', showEmpty.checked ? '1' : '0'); drawFields(); } });
  const emptyLabel = h('span', {}, 'Show empty fields');
  root.append(renderTopBar(state),
    h('div', { class: 'discover' },
      h('aside', { class: 'sidebar' }, sidebarSearch, h('label', { class: 'empty-toggle' }, showEmpty, emptyLabel), fieldsEl),
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

  let withValues = null;  // names of fields with a value in the range (null: unknown, all count)

  function drawFields() {
    clear(fieldsEl);
    const filter = sidebarSearch.value.toLowerCase();
    const matching = fields.filter((f) => f.name.toLowerCase().includes(filter));
    const hasValues = (f) => !withValues || withValues.has(f.name);
    const emptyCount = matching.filter((f) => !hasValues(f)).length;
    emptyLabel.textContent = `Show empty fields (${emptyCount})`;
    const shown = matching.filter((f) => showEmpty.checked || hasValues(f));
    const pinned = PINNED.map((name) => shown.find((f) => f.name === name)).filter(Boolean);
    const rest = shown.filter((f) => !PINNED.includes(f.name));
    if (!shown.length) fieldsEl.append(empty(matching.length ? 'Every matching field is empty in this time range' : 'No fields'));
    if (pinned.length) fieldsEl.append(h('h4', { class: 'field-group' }, 'Common fields'));
    pinned.forEach(drawField);
    if (rest.length) fieldsEl.append(h('h4', { class: 'field-group' }, pinned.length ? 'Other fields' : 'Fields'));
    rest.forEach(drawField);
  }

  function drawField(f) {
    const inTable = cols.includes(f.name);
    const top = h('div', { class: 'topvalues' });
    const isEmpty = withValues && !withValues.has(f.name);
    const row = h('div', { class: `field${isEmpty ? ' empty-field' : ''}`, 'data-field': f.name },
      h('button', { type: 'button', class: 'fieldname', 'aria-expanded': openFields.has(f.name) ? 'true' : 'false',
                    title: isEmpty ? `${f.name} (${f.type}): no value in this time range` : `${f.name} (${f.type})`,
                    onclick: () => { if (openFields.has(f.name)) openFields.delete(f.name); else openFields.add(f.name); drawFields(); } },
        h('span', { class: `ftype t-${f.type}`, title: f.type }, typeBadge(f.type)), f.name),
      h('button', { type: 'button', class: 'mini', title: inTable ? 'Remove column' : 'Add column',
                    'aria-label': `${inTable ? 'Remove' : 'Add'} column ${f.name}`,
                    onclick: () => setState({ cols: (inTable ? cols.filter((c) => c !== f.name) : [...cols, f.name]).join(',') }) },
        inTable ? '−' : '+'),
      top);
    fieldsEl.append(row);
    if (openFields.has(f.name)) loadTopValues(f, top);
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

  Promise.all([fieldsOf(state.index), fieldsWithValues(state.index, fromMs, toMs, signal)])
    .then(([list, present]) => { fields = list; withValues = present; drawFields(); })
    .catch((e) => { if (e.name !== 'AbortError') clear(fieldsEl).append(errorBox(e)); });

  // The view's order, then _doc: ties keep one order, so that "load more"
  // (search_after the last row shown) skips and repeats nothing.
  const sort = [{ [sortField(sortCol)]: { order: sortDir === 'asc' ? 'asc' : 'desc' } }, { _doc: { order: 'asc' } }];
  const body = {
    size: PAGE_SIZE,
    track_total_hits: true,
    query,
    sort,
    aggs: {
      over_time: {
        date_histogram: { field: '@timestamp', fixed_interval: interval.text, min_doc_count: 0,
                          time_zone: histogramZone(), extended_bounds: { min: fromMs, max: toMs - 1 } },
        aggs: { action: { terms: { field: 'event.action', size: 5 } } },
      },
    },
  };
  const t0 = performance.now();
  Promise.all([search(state.index, body, signal), dataEnd(state.index, signal).catch(() => null)]).then(([r, end]) => {
    const total = r.hits.total;
    const describe = (shown) => {
      countEl.textContent = `${humanCount(total.value)}${total.relation === 'gte' ? '+' : ''} flows` +
        (shown < total.value || total.relation === 'gte' ? ` · showing the first ${humanCount(shown)}` : '') +
        ` · ${interval.text} buckets · times in ${zoneLabel()} · ${r.took} ms`;
    };
    describe(r.hits.hits.length);
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
      const label = (c) => (c === '@timestamp' ? `Time (${zoneLabel()})` : LABELS[c] || c);
      const head = h('tr', {}, h('th', { class: 'expander' }), cols.map((c) => {
        const active = sortCol === sortField(c) || sortCol === c;
        const dir = active && sortDir === 'desc' ? 'asc' : 'desc';
        return h('th', { scope: 'col', 'aria-sort': active ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none' },
          h('button', { type: 'button', class: 'sort', onclick: () => setState({ sort: `${sortField(c)}:${dir}` }) },
            label(c), active ? (sortDir === 'asc' ? ' ▲' : ' ▼') : ''));
      }));
      const tbody = h('tbody');
      const appendRows = (hits) => {
        for (const hit of hits) {
          const src = hit._source || {};
          const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: cols.length + 1 }));
          const row = h('tr', { class: `hit action-${String(fieldValue(src, 'event.action') || '').toLowerCase()}`,
                                onclick: () => {
                                  detail.hidden = !detail.hidden;
                                  row.classList.toggle('open', !detail.hidden);
                                  if (!detail.hidden && !detail.firstChild.firstChild) detail.firstChild.append(docDetail(hit, cols));
                                } },
            h('td', { class: 'expander' }, '›'),
            // data-label: the column's name on the narrow layout's cards.
            cols.map((c) => h('td', { class: `c-${c.replace(/[@.]/g, '_')}`, 'data-label': label(c) }, cellText(src, c))));
          tbody.append(row, detail);
        }
      };
      appendRows(r.hits.hits);
      tableEl.append(h('table', { class: 'flows' }, h('thead', {}, head), tbody));
      // Load more: the next page after the last row shown (search_after on
      // the view's sort and _doc), as often as wanted.
      let shown = r.hits.hits.length;
      let last = r.hits.hits[shown - 1].sort;
      const moreStatus = h('span', { class: 'load-more-status', role: 'status' });
      const more = h('button', { type: 'button', class: 'load-more', onclick: async () => {
        more.disabled = true;
        moreStatus.textContent = 'loading…';
        try {
          const page = await search(state.index, { size: PAGE_SIZE, query, sort, search_after: last,
                                                   track_total_hits: false }, signal);
          const hits = page.hits.hits;
          appendRows(hits);
          shown += hits.length;
          describe(shown);
          moreStatus.textContent = '';
          if (hits.length) last = hits[hits.length - 1].sort;
          if (hits.length < PAGE_SIZE || (total.relation === 'eq' && shown >= total.value)) moreBar.remove();
        } catch (e) {
          if (e.name !== 'AbortError') moreStatus.textContent = `could not load more: ${e.message}`;
        } finally {
          more.disabled = false;
        }
      } }, `Load ${PAGE_SIZE} more`);
      const moreBar = h('div', { class: 'load-more-bar' }, more, moreStatus);
      if (shown === PAGE_SIZE && (total.relation === 'gte' || shown < total.value)) tableEl.append(moreBar);
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

