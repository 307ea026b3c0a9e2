// CSV export of a Discover query: every matching flow, whatever the count,
// read page by page with search_after (sorted by the view's sort and _doc,
// so that no flow is read twice or skipped), then saved as one file.
import { search } from './api.js';
import { fieldValue } from './query.js';

const PAGE = 5000;

// One CSV field (RFC 4180: quoted when it holds a comma, quote or newline).
export function csvField(v) {
  if (v === undefined || v === null) return '';
  const s = Array.isArray(v) ? v.join(' ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The CSV columns of Discover's columns: "source" and "destination" are an
// address and a port each.
export function csvColumns(cols) {
  return cols.flatMap((c) => (c === 'source' || c === 'destination' ? [`${c}.ip`, `${c}.port`] : [c]));
}

// Reads every hit of `query` sorted by `sort` (one {field: {order}}) and
// returns the CSV text; onProgress(done, total) after each page. Stops
// (throws AbortError) when `signal` aborts.
export async function exportCsv(index, query, sort, cols, signal, onProgress = () => {}) {
  const columns = csvColumns(cols);
  const lines = [columns.map(csvField).join(',')];
  let after = null;
  let done = 0;
  for (;;) {
    const body = { size: PAGE, query, sort: [sort, { _doc: 'asc' }], track_total_hits: true, _source: true };
    if (after) body.search_after = after;
    const r = await search(index, body, signal);
    const hits = r.hits.hits;
    for (const hit of hits) lines.push(columns.map((c) => csvField(fieldValue(hit._source || {}, c))).join(','));
    done += hits.length;
    onProgress(done, r.hits.total.value);
    if (hits.length < PAGE) break;
    after = hits[hits.length - 1].sort;
  }
  return lines.join('\r\n') + '\r\n';
}
