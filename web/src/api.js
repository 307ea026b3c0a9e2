// The Elasticsearch-compatible API, as the UI uses it (same origin: flowdex
// serve, or flowdex serve --backend in front of a cluster).

export class ApiError extends Error {
  constructor(status, type, reason) {
    super(reason);
    this.status = status;
    this.type = type;
  }
}

async function call(method, path, body, signal) {
  let res;
  try {
    res = await fetch(path, {
      method,
      signal,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', `cannot reach the server (${e.message})`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'bad_response', `HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = json && json.error;
    const cause = err && err.root_cause && err.root_cause[0];
    // The root cause says what is wrong ('failed to create query: For input
    // string: "ssh"', as Elasticsearch words it); the top reason is often
    // "all shards failed".
    let reason = (cause && cause.reason) || (err && err.reason) || (typeof err === 'string' ? err : `HTTP ${res.status}`);
    // Elasticsearch's words for a value a numeric field cannot take name
    // neither field nor type: say what it means.
    const number = /For input string: "(.*)"$/.exec(reason);
    if (number) reason += ` (“${number[1]}” is not a number, and a field in the query holds numbers)`;
    throw new ApiError(res.status, (cause && cause.type) || (err && err.type) || 'error', reason);
  }
  return json;
}

// flowdex's own endpoints (/_flowdex/rules, /_flowdex/alerts), errors as for the rest.
export function flowdexApi(method, path, body, signal) {
  return call(method, path, body, signal);
}

export function search(index, body, signal) {
  return call('POST', `/${encodeURIComponent(index)}/_search`, body, signal);
}

// The newest @timestamp stored in `index` (epoch ms), any query aside: where
// the data ends. null when there is none.
// (The newest flow itself, sorted: the engine reads only the newest
// blocks, where a max aggregation reads every flow: 1 ms against 40 over
// 10M flows.)
export async function dataEnd(index, signal) {
  const r = await call('POST', `/${encodeURIComponent(index)}/_search`,
                       { size: 1, _source: false, track_total_hits: false,
                         sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }] }, signal);
  const hit = r.hits && r.hits.hits[0];
  const v = hit && hit.sort && hit.sort[0];
  return typeof v === 'number' ? v : null;
}

// [{name, type, aggregatable}] for every field of `index`, sorted by name.
export async function fieldCaps(index, signal) {
  const json = await call('GET', `/${encodeURIComponent(index)}/_field_caps?fields=*`, null, signal);
  const out = [];
  for (const [name, types] of Object.entries(json.fields || {})) {
    if (name.startsWith('_')) continue;
    const [type, caps] = Object.entries(types)[0];
    if (type === 'object' || type === 'nested') continue;
    out.push({ name, type, aggregatable: caps.aggregatable !== false });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// Names of the fields of `index` holding a value in flows between fromMs
// and toMs (_field_caps' include_empty_fields=false with an index_filter on
// @timestamp), as a Set; null when the server cannot say (Elasticsearch
// before 8.13): then every field counts as having values.
export async function fieldsWithValues(index, fromMs, toMs, signal) {
  try {
    const json = await call('POST', `/${encodeURIComponent(index)}/_field_caps?fields=*&include_empty_fields=false`,
      { index_filter: { range: { '@timestamp': { gte: fromMs, lt: toMs, format: 'epoch_millis' } } } }, signal);
    return new Set(Object.keys(json.fields || {}));
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    return null;
  }
}
