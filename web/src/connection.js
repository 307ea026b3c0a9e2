// Connection check: given A and B (and optionally a port), both directions'
// flows, accepted and rejected, and which side rejected. Security groups are
// stateful and network ACLs are not: an accepted request whose reply is
// rejected points at a network ACL on the path back.
import { search } from './api.js';
import { clear, empty, errorBox, h, humanBytes, humanCount, loading, markRendered } from './dom.js';
import { KqlSyntaxError } from './kql.js';
import { buildQuery, fieldValue } from './query.js';
import { setState } from './state.js';
import { formatTime, zoneLabel } from './time.js';
import { renderTopBar } from './topbar.js';

function direction(src, dst, port, portField) {
  const must = [{ term: { 'source.ip': src } }, { term: { 'destination.ip': dst } }];
  if (port) must.push({ term: { [portField]: Number(port) } });
  return { bool: { filter: must } };
}

function counts(bucket) {
  const get = (a) => (bucket.action.buckets.find((x) => x.key === a) || { doc_count: 0, bytes: { value: 0 } });
  return { accept: get('ACCEPT'), reject: get('REJECT'), total: bucket.doc_count,
           enis: bucket.eni.buckets.map((b) => b.key) };
}

// The verdict in words, from both directions' counts.
export function verdict(a, b, ab, ba, port) {
  const what = port ? `${a} → ${b} on port ${port}` : `${a} → ${b}`;
  if (!ab.total && !ba.total) return { tone: 'none', text: `No flows between ${a} and ${b} in this time range.` };
  if (ab.reject.doc_count && !ab.accept.doc_count) {
    return { tone: 'bad', text: `${what} is REJECTED: the request itself is refused (by ${b}'s security group or a network ACL on the way in; logged on ${ab.enis.join(', ') || 'the interfaces below'}).` };
  }
  if (ab.accept.doc_count && ba.reject.doc_count && !ba.accept.doc_count) {
    return { tone: 'bad', text: `${what} is accepted, but the replies ${b} → ${a} are REJECTED: a network ACL (stateless) drops the return traffic — outbound on ${b}'s subnet or inbound on ${a}'s. Security groups would let replies through.` };
  }
  if (ab.accept.doc_count && (ba.accept.doc_count || !ba.total)) {
    const replies = ba.total ? 'replies accepted too' : 'no replies logged (the other side may not log flows)';
    const partial = ab.reject.doc_count ? ` (${humanCount(ab.reject.doc_count)} flows were rejected as well: look at their times)` : '';
    return { tone: 'good', text: `${what} is ACCEPTED, ${replies}${partial}.` };
  }
  if (!ab.total && ba.total) return { tone: 'none', text: `Only ${b} → ${a} flows were seen: swap A and B to check that direction.` };
  return { tone: 'mixed', text: `${what}: ${humanCount(ab.accept.doc_count)} accepted and ${humanCount(ab.reject.doc_count)} rejected flows; replies: ${humanCount(ba.accept.doc_count)} accepted, ${humanCount(ba.reject.doc_count)} rejected.` };
}

export function renderConnection(root, state, signal) {
  root.append(renderTopBar(state));
  const a = h('input', { name: 'a', value: state.a, placeholder: '10.0.1.5', required: true, 'aria-label': 'Address A' });
  const b = h('input', { name: 'b', value: state.b, placeholder: '10.0.2.7', required: true, 'aria-label': 'Address B' });
  const port = h('input', { name: 'port', value: state.port, placeholder: 'any', inputmode: 'numeric', 'aria-label': 'Port (optional)' });
  const out = h('div', { class: 'connection-result' });
  root.append(h('form', { class: 'connection-form', onsubmit: (ev) => {
    ev.preventDefault();
    setState({ a: a.value.trim(), b: b.value.trim(), port: port.value.trim() });
  } }, h('label', {}, 'A ', a), h('span', { class: 'arrow' }, '⇄'), h('label', {}, 'B ', b),
  h('label', {}, 'port ', port), h('button', { type: 'submit', class: 'primary' }, 'Check')), out);
  if (!state.a || !state.b) {
    out.append(empty('Enter two addresses (and optionally the port B listens on) to see both directions and which side rejected.'));
    markRendered('connection');
    return () => {};
  }
  if (state.port && !/^\d{1,5}$/.test(state.port)) {
    out.append(errorBox(new Error('the port must be a number')));
    markRendered('connection');
    return () => {};
  }
  let query;
  try {
    query = buildQuery(state);
  } catch (e) {
    out.append(e instanceof KqlSyntaxError ? empty('Fix the query first.') : errorBox(e));
    markRendered('connection');
    return () => {};
  }
  out.append(loading());
  const sub = { action: { terms: { field: 'event.action', size: 3 }, aggs: { bytes: { sum: { field: 'network.bytes' } } } },
                eni: { terms: { field: 'aws.vpcflow.interface_id', size: 5 } } };
  const ab = direction(state.a, state.b, state.port, 'destination.port');
  const ba = direction(state.b, state.a, state.port, 'source.port');
  const body = {
    size: 50,
    query: { bool: { filter: [query], should: [ab, ba], minimum_should_match: 1 } },
    sort: [{ '@timestamp': { order: 'desc' } }],
    aggs: { dirs: { filters: { filters: { ab, ba } }, aggs: sub } },
  };
  search(state.index, body, signal).then((r) => {
    clear(out);
    const c1 = counts(r.aggregations.dirs.buckets.ab);
    const c2 = counts(r.aggregations.dirs.buckets.ba);
    const v = verdict(state.a, state.b, c1, c2, state.port);
    const dirRow = (label, c) => h('tr', {}, h('th', { scope: 'row' }, label),
      h('td', { class: 'num accept' }, humanCount(c.accept.doc_count)), h('td', { class: 'num' }, humanBytes(c.accept.bytes.value)),
      h('td', { class: 'num reject' }, humanCount(c.reject.doc_count)), h('td', {}, c.enis.join(', ')));
    out.append(h('p', { class: `verdict ${v.tone}`, role: 'status' }, v.text),
      h('table', { class: 'compact directions' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Direction'), h('th', {}, 'Accepted'), h('th', {}, 'Bytes'), h('th', {}, 'Rejected'), h('th', {}, 'Logged on'))),
        h('tbody', {}, dirRow(`${state.a} → ${state.b}${state.port ? ':' + state.port : ''}`, c1),
          dirRow(`${state.b}${state.port ? ':' + state.port : ''} → ${state.a}`, c2))));
    if (r.hits.hits.length) {
      out.append(h('h3', {}, 'Latest flows'), h('table', { class: 'compact flows' },
        h('thead', {}, h('tr', {}, [`Time (${zoneLabel()})`, 'Source', 'Destination', 'Transport', 'Action', 'Bytes', 'Interface'].map((t) => h('th', {}, t)))),
        h('tbody', {}, r.hits.hits.map((hit) => {
          const s = hit._source;
          const act = fieldValue(s, 'event.action');
          return h('tr', { class: `action-${String(act).toLowerCase()}` },
            h('td', {}, formatTime(Date.parse(s['@timestamp']))),
            h('td', {}, `${fieldValue(s, 'source.ip')}:${fieldValue(s, 'source.port') ?? ''}`),
            h('td', {}, `${fieldValue(s, 'destination.ip')}:${fieldValue(s, 'destination.port') ?? ''}`),
            h('td', {}, fieldValue(s, 'network.transport') ?? ''), h('td', {}, act ?? ''),
            h('td', { class: 'num' }, humanBytes(fieldValue(s, 'network.bytes'))),
            h('td', {}, fieldValue(s, 'aws.vpcflow.interface_id') ?? ''));
        }))));
    }
    markRendered('connection');
  }).catch((e) => {
    if (e.name === 'AbortError') return;
    clear(out).append(errorBox(e));
    markRendered('connection');
  });
  return () => {};
}
