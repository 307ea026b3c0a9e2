// The whole UI state lives in the URL (the hash), so a view can be shared or
// bookmarked: #/discover?q=...&from=now-1h&to=now&cols=...&sort=...&filters=[...]

export const DEFAULT_COLUMNS = ['@timestamp', 'source', 'destination', 'network.transport', 'event.action',
  'network.bytes', 'network.packets', 'aws.vpcflow.interface_id'];

export const DEFAULTS = {
  page: 'discover',
  index: 'logs-*',
  q: '',
  from: 'now-24h',
  to: 'now',
  cols: DEFAULT_COLUMNS.join(','),
  sort: '@timestamp:desc',
  filters: '[]',
  refresh: '0',
  metric: 'bytes',
  a: '',
  b: '',
  port: '',
  // Visualize
  dims: 'destination.port',
  unit: 'bps',
  graph: 'stacked',
  top: '10',
  limit: 'avg',
  bidi: '',   // '1': the reverse direction drawn below the axis
  prev: '',   // 'day' or 'week': the total of the period before, overlaid
  // Alerts
  severity: '',
  rule: '',
  since: 'now-24h',
};

export function readState() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [page, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) if (params.has(key)) state[key] = params.get(key);
  if (page) state.page = page;
  return state;
}

export function stateUrl(state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (key !== 'page' && value !== DEFAULTS[key] && value !== undefined) params.set(key, value);
  }
  const q = params.toString();
  return `#/${state.page}${q ? '?' + q : ''}`;
}

// Replaces keys of the state; pushes a history entry unless `replace`.
export function setState(changes, replace = false) {
  const next = { ...readState(), ...changes };
  const url = stateUrl(next);
  if (url === location.hash) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('flowdex:state'));
}

export function filtersOf(state) {
  try {
    const f = JSON.parse(state.filters);
    return Array.isArray(f) ? f : [];
  } catch {
    return [];
  }
}
