// The bar above Discover and the dashboards: KQL with suggestions and
// syntax errors shown where they are, filter pills, time picker, refresh.
import { fieldCaps, search } from './api.js';
import { clear, h } from './dom.js';
import { canSave, saveControl } from './saved.js';
import { completionContext, dslFields, kqlToDsl, KqlSyntaxError, kqlValue, suggestField } from './kql.js';
import { filtersOf, readState, setState } from './state.js';
import { QUICK_RANGES, clockZone, describeRange, fromZoneInput, parseRangeText, resolveTime, setClockZone, toZoneInput,
  zoneLabel } from './time.js';

const REFRESH = [['0', 'Off'], ['5000', '5 s'], ['30000', '30 s'], ['60000', '1 min'], ['300000', '5 min']];

let fieldsCache = { index: null, fields: null };

export async function fieldsOf(index) {
  if (fieldsCache.index !== index || !fieldsCache.fields) {
    fieldsCache = { index, fields: fieldCaps(index) };
  }
  try {
    return await fieldsCache.fields;
  } catch (e) {
    fieldsCache = { index: null, fields: null };
    throw e;
  }
}

// A query typed in the bar but not submitted yet is not lost when the
// time range changes or a filter is added: `changes` plus that query (when
// it parses).
export function withTypedQuery(changes) {
  const input = document.querySelector('input.kql');
  if (!input) return changes;
  try {
    kqlToDsl(input.value);
    return { ...changes, q: input.value };
  } catch {
    return changes;
  }
}

export function renderTopBar(state) {
  const input = h('input', { class: 'kql', type: 'search', value: state.q, spellcheck: false, autocomplete: 'off',
                             placeholder: 'Filter flows with KQL, e.g. event.action:REJECT and destination.port:22',
                             'aria-label': 'KQL query' });
  const errorLine = h('div', { class: 'kql-error', role: 'alert', hidden: true });
  // Fields the query names that the index does not have match nothing, as
  // in Elasticsearch: say so, with the likely field.
  const hintLine = h('div', { class: 'kql-hint', role: 'status', hidden: true });
  const showHints = (text) => {
    let names;
    try { names = [...dslFields(kqlToDsl(text))]; } catch { hintLine.hidden = true; return; }
    names = names.filter((n) => !n.includes('*'));
    if (!names.length) { hintLine.hidden = true; return; }
    fieldsOf(state.index).then((fields) => {
      const known = new Set(fields.map((f) => f.name));
      const hints = names.filter((n) => !known.has(n)).map((n) => {
        const guess = suggestField(n, [...known]);
        return `no field ${n}${guess ? `; did you mean ${guess}?` : ''}`;
      });
      clear(hintLine).append(hints.join(' · '));
      hintLine.hidden = hints.length === 0;
    }).catch(() => { hintLine.hidden = true; });
  };
  const list = h('ul', { class: 'suggestions', role: 'listbox', hidden: true });
  let items = [];
  let active = -1;
  let pending = null;

  const showError = (text) => {
    try {
      kqlToDsl(text);
      errorLine.hidden = true;
      input.classList.remove('invalid');
      return true;
    } catch (e) {
      if (!(e instanceof KqlSyntaxError)) throw e;
      clear(errorLine).append(h('span', {}, `KQL syntax error at column ${e.position + 1}: ${e.message}  `),
                              h('code', {}, text.slice(0, e.position), h('mark', {}, text.slice(e.position, e.position + 1) || ' '),
                                text.slice(e.position + 1)));
      errorLine.hidden = false;
      input.classList.add('invalid');
      return false;
    }
  };
  const submit = () => {
    list.hidden = true;
    if (showError(input.value)) setState({ q: input.value });
  };
  const accept = (item) => {
    const text = input.value;
    const before = text.slice(0, item.start);
    const after = text.slice(input.selectionStart);
    const insert = item.insert;
    input.value = before + insert + after;
    const caret = (before + insert).length;
    input.setSelectionRange(caret, caret);
    list.hidden = true;
    input.focus();
    if (item.kind === 'field') suggest();
  };
  const drawList = () => {
    clear(list);
    list.hidden = items.length === 0;
    items.forEach((item, i) => {
      list.append(h('li', { role: 'option', class: i === active ? 'active' : '', 'aria-selected': i === active ? 'true' : 'false',
                            onmousedown: (ev) => { ev.preventDefault(); accept(item); } },
                    h('span', { class: 'kind' }, item.kind === 'field' ? 'field' : 'value'), item.label,
                    item.type ? h('span', { class: 'type' }, item.type) : null));
    });
  };
  const suggest = async () => {
    const ctx = completionContext(input.value, input.selectionStart);
    const token = {};
    pending = token;
    let next = [];
    try {
      const fields = await fieldsOf(state.index);
      if (ctx.kind === 'field') {
        const p = ctx.prefix.toLowerCase();
        next = fields.filter((f) => f.name.toLowerCase().includes(p)).slice(0, 12)
          .map((f) => ({ kind: 'field', label: f.name, type: f.type, insert: f.name + ':', start: ctx.start }));
      } else {
        const f = fields.find((x) => x.name === ctx.field);
        if (f && f.aggregatable && f.type !== 'geo_point') {
          const terms = { field: f.name, size: 10 };
          // Keyword values by prefix, case-insensitively (Lucene regex: [aA] per letter).
          if (f.type === 'keyword' && ctx.prefix) {
            terms.include = [...ctx.prefix].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]`
              : /[.?+*|{}[\]()"\\#@&<>~]/.test(c) ? `\\${c}` : c)).join('') + '.*';
          }
          const r = await search(state.index, { size: 0, aggs: { v: { terms } } });
          next = r.aggregations.v.buckets.map((b) => String(b.key_as_string ?? b.key))
            .filter((v) => v.toLowerCase().startsWith(ctx.prefix.toLowerCase()))
            .map((v) => ({ kind: 'value', label: v, insert: kqlValue(v), start: ctx.start }));
        }
      }
    } catch {
      next = [];
    }
    if (pending !== token) return;
    items = next;
    active = -1;
    drawList();
  };
  let timer = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
    showError(input.value);
  });
  input.addEventListener('focus', () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  input.addEventListener('blur', () => setTimeout(() => { list.hidden = true; }, 150));
  input.addEventListener('keydown', (ev) => {
    if (!list.hidden && items.length && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) {
      active = (active + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      drawList();
      ev.preventDefault();
    } else if (!list.hidden && active >= 0 && (ev.key === 'Enter' || ev.key === 'Tab')) {
      accept(items[active]);
      ev.preventDefault();
    } else if (ev.key === 'Enter') {
      submit();
      ev.preventDefault();
    } else if (ev.key === 'Escape') {
      // Closes the suggestions only: a search input would clear itself.
      list.hidden = true;
      ev.preventDefault();
    }
  });
  showError(state.q);
  showHints(state.q);

  // Time picker: quick ranges, or absolute from/to.
  const custom = !QUICK_RANGES.some((r) => r.from === state.from) || state.to !== 'now';
  const select = h('select', { 'aria-label': 'Time range', onchange: () => {
    if (select.value === 'custom') { absolute.hidden = false; return; }
    setState(withTypedQuery({ from: select.value, to: 'now' }));
  } }, QUICK_RANGES.map((r) => h('option', { value: r.from, selected: r.from === state.from && !custom }, r.label)),
  h('option', { value: 'custom', selected: custom }, custom ? describeRange(state.from, state.to) : 'Absolute…'));
  let fromMs = Date.now() - 3600e3;
  let toMs = Date.now();
  try { fromMs = resolveTime(state.from); toMs = resolveTime(state.to); } catch { /* keep defaults */ }
  // Absolute times are read and shown in the UI's clock (its zone).
  const fromInput = h('input', { type: 'datetime-local', step: 1, value: toZoneInput(fromMs), 'aria-label': `From (${zoneLabel()})` });
  const toInput = h('input', { type: 'datetime-local', step: 1, value: toZoneInput(toMs), 'aria-label': `To (${zoneLabel()})` });
  // Or a range in words: "last 3 days", "90m", "yesterday".
  const words = h('input', { type: 'text', class: 'range-words', placeholder: 'or type: last 3 days, 90m, yesterday',
                             'aria-label': 'Time range in words', onkeydown: (ev) => {
    if (ev.key !== 'Enter') return;
    const range = parseRangeText(words.value);
    if (!range) {
      words.setCustomValidity('Try "last 3 days", "2h", "today" or "yesterday"');
      words.reportValidity();
      return;
    }
    words.setCustomValidity('');
    setState(withTypedQuery(range));
  } });
  const absolute = h('span', { class: 'absolute', hidden: true }, fromInput, '→', toInput, h('span', { class: 'zone' }, zoneLabel()),
    h('button', { type: 'button', onclick: () => {
      const f = fromZoneInput(fromInput.value);
      const t = fromZoneInput(toInput.value);
      if (!(f < t)) return;
      setState(withTypedQuery({ from: new Date(f).toISOString(), to: new Date(t).toISOString() }));
    } }, 'Apply'), words);
  // The one clock of the UI: UTC (default) or this browser's zone, remembered.
  const clock = h('button', { type: 'button', class: 'clock', title: 'Show times in UTC or in this browser\'s time zone',
                              'aria-label': `Times in ${zoneLabel()}; switch`,
                              onclick: () => setClockZone(clockZone() === 'UTC' ? 'local' : 'UTC') },
    clockZone() === 'UTC' ? 'UTC' : `Local ${zoneLabel()}`);
  const refresh = h('select', { 'aria-label': 'Auto-refresh', title: 'Auto-refresh',
                                onchange: () => setState({ refresh: refresh.value }, true) },
    REFRESH.map(([v, label]) => h('option', { value: v, selected: v === state.refresh }, `⟳ ${label}`)));

  const pills = filtersOf(state).map((p, i) => h('span', { class: `pill${p.negate ? ' negate' : ''}` },
    h('button', { type: 'button', class: 'pill-text', title: 'Include / exclude', onclick: () => {
      const f = filtersOf(state);
      f[i] = { ...f[i], negate: !f[i].negate };
      setState(withTypedQuery({ filters: JSON.stringify(f) }));
    } }, `${p.negate ? 'NOT ' : ''}${p.field}: ${p.value}`),
    h('button', { type: 'button', class: 'pill-x', 'aria-label': `Remove filter ${p.field}`, onclick: () => {
      const f = filtersOf(state);
      f.splice(i, 1);
      setState(withTypedQuery({ filters: JSON.stringify(f) }));
    } }, '×')));

  const save = canSave(state.page) ? saveControl(state) : null;
  return h('div', { class: 'topbar' },
    h('div', { class: 'querybar' },
      h('div', { class: 'kql-wrap' }, input, list),
      h('button', { type: 'button', class: 'primary', onclick: submit }, 'Search'),
      select, clock, refresh, save && save.toggle),
    save && save.form, absolute, errorLine, hintLine,
    pills.length ? h('div', { class: 'pills' }, pills) : null);
}

// Adds a filter pill (include, or exclude with negate).
export function addFilter(field, value, negate = false) {
  const f = filtersOf(readState()).filter((p) => !(p.field === field && p.value === value));
  f.push({ field, value, negate });
  setState(withTypedQuery({ filters: JSON.stringify(f) }));
}
