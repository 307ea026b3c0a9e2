// The Query DSL of a UI state: KQL bar + filter pills + time range.
import { kqlToDsl } from './kql.js';
import { filtersOf } from './state.js';
import { resolveTime, timeFilter } from './time.js';

// A filter pill: {field, value, negate}. Matches the value exactly.
export function pillQuery(pill) {
  return { match_phrase: { [pill.field]: pill.value } };
}

// The bool query for `state`, plus `extra` clauses; throws KqlSyntaxError.
export function buildQuery(state, extra = []) {
  const filter = [timeFilter(state.from, state.to), ...extra];
  const mustNot = [];
  if (state.q && state.q.trim()) filter.push(kqlToDsl(state.q));
  for (const pill of filtersOf(state)) (pill.negate ? mustNot : filter).push(pillQuery(pill));
  const bool = { filter };
  if (mustNot.length) bool.must_not = mustNot;
  return { bool };
}

// A field's value in a hit's _source: a dotted key as is, else through nested objects.
export function fieldValue(source, path) {
  if (source && Object.prototype.hasOwnProperty.call(source, path)) return source[path];
  let v = source;
  for (const part of path.split('.')) {
    if (v === null || v === undefined) return undefined;
    v = v[part];
  }
  return v;
}

// Every leaf of a document as [dotted name, value], sorted.
export function flatten(doc, prefix = '', out = []) {
  for (const [k, v] of Object.entries(doc || {})) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, name, out);
    else out.push([name, v]);
  }
  return prefix ? out : out.sort((a, b) => a[0].localeCompare(b[0]));
}

// The state's query and time range ({query, fromMs, toMs}); throws
// KqlSyntaxError for a bad query, Error for a bad time.
export function queryAndRange(state) {
  return { query: buildQuery(state), fromMs: resolveTime(state.from), toMs: resolveTime(state.to) };
}
