// Alerts and Rules: what the detection rules fired (newest first, by
// severity and rule, each with a link to its flows in Discover) and the
// rules themselves (enable/disable, test against the last 24 h, edit as
// JSON, add). Both read flowdex's own API (docs/detections.md), which
// `serve --backend` does not have: the page says so instead of failing.
import { flowdexApi } from './api.js';
import { clear, empty, errorBox, h, humanCount, loading, markRendered } from './dom.js';
import { setState } from './state.js';
import { formatTime, zoneLabel } from './time.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const SINCE = [['now-24h', 'Last 24 hours'], ['now-7d', 'Last 7 days'], ['now-30d', 'Last 30 days'], ['', 'All']];

function unavailable(err) {
  // 404 from a cluster behind --backend: not an error of the page's making.
  if (err && err.status === 404) {
    return empty('Detections run on flowdex\'s own store: this server forwards the API to another cluster (serve --backend), which has no /_flowdex/ endpoints.');
  }
  return errorBox(err);
}

function severityBadge(severity) {
  return h('span', { class: `sev sev-${severity}` }, severity);
}

// A relative link to the alert's flows in Discover (the stored URL names the
// server as it was reached when the alert was made).
function discoverHref(url) {
  const at = url.indexOf('#/');
  return at >= 0 ? url.slice(at) : url;
}

function formatValue(v) {
  return Number.isInteger(v) ? humanCount(v) : Number(v).toPrecision(4);
}

export function renderAlerts(main, state, signal) {
  const since = state.since !== undefined ? state.since : 'now-24h';
  const controls = h('div', { class: 'viz-controls' },
    h('label', {}, 'Severity ', h('select', {
      onchange: (e) => setState({ severity: e.target.value }),
    }, h('option', { value: '' }, 'any'), SEVERITIES.map((s) => h('option', { value: s, selected: state.severity === s }, s)))),
    h('label', {}, 'Since ', h('select', {
      onchange: (e) => setState({ since: e.target.value }),
    }, SINCE.map(([v, label]) => h('option', { value: v, selected: since === v }, label)))),
    state.rule ? h('span', {}, 'Rule ', h('code', {}, state.rule), ' ', h('button', { class: 'mini', onclick: () => setState({ rule: '' }) }, '×')) : null,
    h('span', { class: 'chart-note' }, `times in ${zoneLabel()}`));
  const body = h('div', { class: 'table-wrap' }, loading());
  main.append(h('h1', { class: 'page-title' }, 'Alerts'), controls, body);
  const params = new URLSearchParams({ size: '500' });
  if (state.severity) params.set('severity', state.severity);
  if (state.rule) params.set('rule', state.rule);
  if (since) params.set('from', since);
  flowdexApi('GET', `/_flowdex/alerts?${params}`, null, signal).then((r) => {
    clear(body);
    const counts = Object.entries(r.by_severity || {}).map(([s, n]) => `${humanCount(n)} ${s}`).join(', ');
    main.insertBefore(h('p', { class: 'hitcount' }, `${humanCount(r.total)} alerts${counts ? ` (${counts})` : ''}`), body);
    if (!r.alerts.length) {
      body.append(empty('No alerts in this range. Rules run on the Rules page\'s schedule; enable some there.'));
    } else {
      body.append(h('table', { class: 'flows alerts' },
        h('thead', {}, h('tr', {}, ['Detected', 'Severity', 'Rule', 'Group', 'Value', 'Window ending', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, r.alerts.map((a) => {
          const x = a.flowdex.alert;
          return h('tr', { class: `sev-row-${x.severity}` },
            h('td', { class: 'clock' }, formatTime(Date.parse(a['@timestamp']))),
            h('td', {}, severityBadge(x.severity)),
            h('td', {}, h('button', { class: 'link', title: a.rule.description || '', onclick: () => setState({ rule: a.rule.id }) }, a.rule.name)),
            h('td', { class: 'group' }, x.group || '(all flows)'),
            h('td', { class: 'num', 'data-label': 'value', title: `line: ${x.threshold}${x.baseline !== undefined ? `, usual: ${x.baseline}` : ''}` },
              formatValue(x.value)),
            h('td', { class: 'clock', 'data-label': 'window ending' }, formatTime(Date.parse(a.event.end))),
            h('td', {}, h('a', { class: 'mini-link', href: discoverHref(x.url) }, 'open the flows')));
        }))));
    }
    markRendered('alerts');
  }).catch((err) => {
    if (err.name === 'AbortError') return;
    clear(body).append(unavailable(err));
    markRendered('alerts');
  });
}

const TEMPLATE = {
  id: 'my-rule',
  name: 'Rejected SSH from one source',
  kind: 'threshold',
  severity: 'medium',
  kql: 'event.action:REJECT AND destination.port:22',
  interval: '5m',
  window: '10m',
  group_by: ['source.ip'],
  threshold: { value: 100 },
  throttle: '1h',
  actions: [{ type: 'log' }],
};

// What the API reports about a rule but does not take back (its run status, the prebuilt mark).
function editable(rule) {
  const { status, prebuilt, ...rest } = rule;
  return rest;
}

export function renderRules(main, state, signal) {
  const list = h('div', { class: 'table-wrap' }, loading());
  const editor = h('div', { class: 'rule-editor', hidden: true });
  const openEditor = (rule, isNew) => {
    clear(editor);
    editor.hidden = false;
    const text = h('textarea', { class: 'rule-json', spellcheck: false, rows: 18 }, JSON.stringify(editable(rule), null, 2));
    const note = h('div', { class: 'rule-note' });
    const save = async () => {
      clear(note);
      let body;
      try {
        body = JSON.parse(text.value);
      } catch (e) {
        note.append(errorBox(new Error(`not JSON: ${e.message}`)));
        return;
      }
      const id = body.id || rule.id;
      try {
        await flowdexApi('PUT', `/_flowdex/rules/${encodeURIComponent(id)}`, body, signal);
        editor.hidden = true;
        load();
      } catch (err) {
        if (err.name !== 'AbortError') note.append(errorBox(err));
      }
    };
    const test = async () => {
      clear(note).append(loading(`Testing over the ${rangeLabel()}…`));
      let body;
      try {
        body = JSON.parse(text.value);
      } catch (e) {
        clear(note).append(errorBox(new Error(`not JSON: ${e.message}`)));
        return;
      }
      try {
        const r = await flowdexApi('POST', `/_flowdex/rules/_test?from=${testFrom()}&to=now`, body, signal);
        clear(note).append(testResult(r));
      } catch (err) {
        if (err.name !== 'AbortError') clear(note).append(errorBox(err));
      }
    };
    editor.append(h('h2', {}, isNew ? 'New rule' : `Edit ${rule.id}`),
      h('p', { class: 'chart-note' }, 'Kinds: threshold, cardinality, new_terms, spike; see docs/detections.md for every setting.'),
      text,
      h('div', { class: 'rule-buttons' },
        h('button', { class: 'primary', onclick: save }, 'Save'),
        h('button', { onclick: test }, 'Test'),
        h('button', { onclick: () => { editor.hidden = true; } }, 'Cancel')),
      note);
    text.focus();
  };
  // What "Test" replays: what the rule would have fired over this range.
  const TEST_RANGES = [['now-24h', 'last 24 hours'], ['now-7d', 'last 7 days'], ['now-30d', 'last 30 days']];
  const range = h('select', { 'aria-label': 'test range' }, TEST_RANGES.map(([v, label]) => h('option', { value: v }, label)));
  const testFrom = () => range.value;
  const rangeLabel = () => TEST_RANGES.find(([v]) => v === range.value)[1];
  main.append(h('h1', { class: 'page-title' }, 'Rules',
    h('button', { class: 'primary new-rule', onclick: () => openEditor(TEMPLATE, true) }, 'New rule'),
    h('label', { class: 'test-range' }, 'Test over the ', range)), editor, list);

  function testResult(r) {
    const head = h('p', { class: 'hitcount' }, `${humanCount(r.alerts.length)} alerts would have fired in ${humanCount(r.windows)} windows (${r.took} ms)`);
    if (!r.alerts.length) return h('div', {}, head);
    return h('div', { class: 'test-result' }, head, h('table', { class: 'compact' },
      h('thead', {}, h('tr', {}, ['Window ending', 'Group', 'Value', ''].map((c) => h('th', {}, c)))),
      h('tbody', {}, r.alerts.slice(0, 200).map((a) => h('tr', {},
        h('td', { class: 'clock' }, formatTime(Date.parse(a.window_end))),
        h('td', { class: 'group' }, a.group || '(all flows)'),
        h('td', { class: 'num' }, formatValue(a.value)),
        h('td', {}, h('a', { class: 'mini-link', href: discoverHref(a.url) }, 'open the flows')))))));
  }

  function load() {
    clear(list).append(loading());
    flowdexApi('GET', '/_flowdex/rules', null, signal).then((r) => {
      clear(list);
      const rows = [];
      for (const rule of r.rules) {
        const result = h('td', { colspan: 7, class: 'rule-test' });
        const resultRow = h('tr', { class: 'detail', hidden: true }, result);
        const toggle = h('input', { type: 'checkbox', checked: rule.enabled, 'aria-label': `enable ${rule.id}`,
          onchange: async (e) => {
            const on = e.target.checked;
            try {
              await flowdexApi('POST', `/_flowdex/rules/${encodeURIComponent(rule.id)}/${on ? '_enable' : '_disable'}`, {}, signal);
            } catch (err) {
              e.target.checked = !on;
              resultRow.hidden = false;
              clear(result).append(errorBox(err));
            }
          } });
        const st = rule.status || {};
        rows.push(h('tr', { class: `rule-row${rule.enabled ? '' : ' off'}`, 'data-rule': rule.id },
          h('td', {}, toggle),
          h('td', {}, h('div', { class: 'rule-name' }, rule.name, rule.prebuilt ? h('span', { class: 'badge' }, 'prebuilt') : null),
            h('div', { class: 'rule-desc' }, rule.description || rule.kql || '')),
          h('td', {}, rule.kind),
          h('td', {}, severityBadge(rule.severity)),
          h('td', { class: 'clock' }, `every ${rule.interval}, ${rule.window} window`),
          h('td', {}, st.alerts ? h('a', { class: 'mini-link', href: `#/alerts?rule=${encodeURIComponent(rule.id)}&since=` },
            `${humanCount(st.alerts)} alert${st.alerts === 1 ? '' : 's'}`) : '',
            st.last_error ? h('div', { class: 'rule-error', title: st.last_error }, st.last_error) : null),
          h('td', {}, h('div', { class: 'rule-buttons' },
            h('button', { class: 'mini', onclick: async () => {
              resultRow.hidden = false;
              clear(result).append(loading(`Testing over the ${rangeLabel()}…`));
              try {
                const t = await flowdexApi('POST', `/_flowdex/rules/${encodeURIComponent(rule.id)}/_test?from=${testFrom()}&to=now`, {}, signal);
                clear(result).append(testResult(t));
              } catch (err) {
                if (err.name !== 'AbortError') clear(result).append(errorBox(err));
              }
            } }, 'Test'),
            h('button', { class: 'mini', onclick: () => openEditor(rule, false) }, 'Edit'),
            rule.prebuilt ? null : h('button', { class: 'mini', onclick: async () => {
              if (!window.confirm(`Delete rule ${rule.id}?`)) return;
              try {
                await flowdexApi('DELETE', `/_flowdex/rules/${encodeURIComponent(rule.id)}`, null, signal);
                load();
              } catch (err) {
                resultRow.hidden = false;
                clear(result).append(errorBox(err));
              }
            } }, 'Delete')))));
        rows.push(resultRow);
      }
      list.append(h('table', { class: 'flows rules' },
        h('thead', {}, h('tr', {}, ['On', 'Rule', 'Kind', 'Severity', 'Schedule', 'Alerts', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, rows)));
      markRendered('rules');
    }).catch((err) => {
      if (err.name === 'AbortError') return;
      clear(list).append(unavailable(err));
      markRendered('rules');
    });
  }
  load();
}
