// Connection check: given A and B (and optionally a port), both directions'
// flows, accepted and rejected, and which side rejected. Security groups are
// stateful and network ACLs are not: an accepted request whose reply is
// rejected points at a network ACL on the path back.
import { search } from './api.js';
import { clear, empty, errorBox, h, humanBytes, humanCount, loading, markRendered } from './dom.js';
import { KqlSyntaxError, kqlValue } from './kql.js';
import { buildQuery, fieldValue } from './query.js';
import { serviceName } from './services.js';
import { setState, stateUrl } from './state.js';
import { formatTime, zoneLabel } from './time.js';
import { renderTopBar } from './topbar.js';
import { endpointText } from './endpoint.js';

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

// Below this, a port is a service's: flow logs record each direction, so a
// request goes to the service's port and its reply comes from it (the
// same rule as the dashboards' service ports).
const EPHEMERAL = 32768;

// One verdict per service: `req` (client -> server:port) and `rep`
// (server:port -> client) counts {accept, reject}.
export function serviceVerdict(req, rep) {
  if (!req.accept && !req.reject) {
    return rep.reject && !rep.accept ? { tone: 'bad', text: 'only replies seen, REJECTED' }
      : { tone: 'none', text: 'only replies seen (the requests were not logged here)' };
  }
  if (req.reject && !req.accept) return { tone: 'bad', text: 'REJECTED: the requests are refused' };
  if (rep.reject && !rep.accept) {
    return { tone: 'bad', text: 'requests accepted, replies REJECTED: a network ACL drops the return traffic' };
  }
  if (req.reject) return { tone: 'mixed', text: `mixed: ${humanCount(req.accept)} requests accepted, ${humanCount(req.reject)} rejected` };
  return { tone: 'good', text: rep.accept ? 'ACCEPTED, replies too' : 'ACCEPTED (no replies logged)' };
}

// The services between a and b from the svc aggregation: [{server, client,
// port, req, rep, verdict}], busiest first.
function services(a, b, svc) {
  const byKey = new Map();
  const add = (server, client, port, which, bucket) => {
    const key = `${server}|${port}`;
    if (!byKey.has(key)) byKey.set(key, { server, client, port, req: { accept: 0, reject: 0 }, rep: { accept: 0, reject: 0 } });
    const row = byKey.get(key);
    for (const x of bucket.action.buckets) {
      if (x.key === 'ACCEPT') row[which].accept += x.doc_count;
      if (x.key === 'REJECT') row[which].reject += x.doc_count;
    }
  };
  for (const [name, server, client, which, ports] of [['b_req', b, a, 'req', 'dport'], ['b_rep', b, a, 'rep', 'sport'],
                                                       ['a_req', a, b, 'req', 'dport'], ['a_rep', a, b, 'rep', 'sport']]) {
    for (const bucket of svc.buckets[name][ports].buckets) add(server, client, bucket.key, which, bucket);
  }
  const rows = [...byKey.values()];
  for (const r of rows) r.verdict = serviceVerdict(r.req, r.rep);
  const total = (r) => r.req.accept + r.req.reject + r.rep.accept + r.rep.reject;
  return rows.sort((x, y) => total(y) - total(x));
}

// Discover on one flow's pair and ports, around its time.
export function flowInDiscover(source, state) {
  const f = (name) => fieldValue(source, name);
  const q = `source.ip:${kqlValue(f('source.ip'))} and destination.ip:${kqlValue(f('destination.ip'))}`
    + (f('destination.port') !== undefined ? ` and destination.port:${f('destination.port')}` : '');
  return stateUrl({ ...state, page: 'discover', q, filters: '[]' });
}

// Whether a flow comes from the server of its connection: its TCP flags
// when they say (SYN-ACK: the server's; SYN alone: the client's), else its
// ports (the service's port is the lower, well-known side).
export function fromServer(source) {
  const f = (name) => fieldValue(source, name);
  const flags = [].concat(f('aws.vpcflow.tcp_flags_array') ?? []);
  if (flags.includes('syn')) return flags.includes('ack');
  const [sp, dp] = [Number(f('source.port')), Number(f('destination.port'))];
  return Number.isFinite(sp) && Number.isFinite(dp) && sp < EPHEMERAL && dp >= EPHEMERAL;
}

// The connection check on one flow's ends: A the client, B the server and
// its service port.
export function checkConnectionUrl(source, state) {
  const f = (name) => fieldValue(source, name);
  const [sp, dp] = [Number(f('source.port')), Number(f('destination.port'))];
  const serverIsSource = fromServer(source);
  return stateUrl({ ...state, page: 'connection', a: String(serverIsSource ? f('destination.ip') : f('source.ip')),
                    b: String(serverIsSource ? f('source.ip') : f('destination.ip')),
                    port: String((serverIsSource ? sp : dp) || '') });
}

// The verdict over every service between the two: which are refused.
function servicesSummary(rows) {
  const name = (s) => `${s.client} → ${s.server}:${s.port}${serviceName(s.port) ? ' (' + serviceName(s.port) + ')' : ''}`;
  const bad = rows.filter((s) => s.verdict.tone === 'bad');
  const good = rows.filter((s) => s.verdict.tone === 'good');
  if (!bad.length) {
    return { tone: good.length === rows.length ? 'good' : 'mixed',
             text: `${rows.length === 1 ? name(rows[0]) + ' is' : 'All ' + rows.length + ' services are'} ${good.length === rows.length ? 'ACCEPTED' : 'partly accepted (see below)'}.` };
  }
  return { tone: 'bad', text: `${bad.length} of ${rows.length} service${rows.length === 1 ? '' : 's'} fail: `
    + bad.map((s) => `${name(s)}: ${s.verdict.text}`).join('; ') + '.' };
}

export function renderConnection(root, state, signal) {
  root.append(renderTopBar(state));
  const a = h('input', { name: 'a', value: state.a, placeholder: '10.0.1.5', required: true, 'aria-label': 'Address A' });
  const b = h('input', { name: 'b', value: state.b, placeholder: '10.0.2.7', required: true, 'aria-label': 'Address B' });
  const port = h('input', { name: 'port', value: state.port, placeholder: 'any', inputmode: 'numeric', 'aria-label': 'Port (optional)' });
  const out = h('div', { class: 'connection-result' });
  // ⇄ swaps the two ends (and checks again).
  const swap = h('button', { type: 'button', class: 'arrow', title: 'Swap A and B', 'aria-label': 'Swap A and B', onclick: () => {
    [a.value, b.value] = [b.value, a.value];
    if (a.value.trim() && b.value.trim()) setState({ a: a.value.trim(), b: b.value.trim(), port: port.value.trim() });
  } }, '⇄');
  root.append(h('form', { class: 'connection-form', onsubmit: (ev) => {
    ev.preventDefault();
    setState({ a: a.value.trim(), b: b.value.trim(), port: port.value.trim() });
  } }, h('label', {}, 'A ', a), swap, h('label', {}, 'B ', b),
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
  // Per service: which side serves which port, from the ports' sides.
  const pair = (src, dst) => [{ term: { 'source.ip': src } }, { term: { 'destination.ip': dst } }];
  const low = (f) => ({ range: { [f]: { lt: EPHEMERAL } } });
  const high = (f) => ({ range: { [f]: { gte: EPHEMERAL } } });
  const onPort = state.port ? [{ bool: { should: [{ term: { 'source.port': Number(state.port) } },
                                                  { term: { 'destination.port': Number(state.port) } }], minimum_should_match: 1 } }] : [];
  const action = { action: { terms: { field: 'event.action', size: 3 } } };
  // TCP flags (flow logs v3+) say it outright where present: SYN without
  // ACK opens a connection (the client's flow), SYN-ACK answers it (the
  // server's). They win over the ports: a service on a high port, or two
  // well-known ports, are told apart by them.
  const flag = (f) => ({ term: { 'aws.vpcflow.tcp_flags_array': f } });
  const opens = { bool: { filter: [flag('syn')], must_not: [flag('ack')] } };
  const answers = { bool: { filter: [flag('syn'), flag('ack')] } };
  const request = (src, dst) => ({ bool: { filter: [...pair(src, dst), ...onPort], must_not: [answers],
    should: [opens, low('destination.port')], minimum_should_match: 1 } });
  const reply = (src, dst) => ({ bool: { filter: [...pair(src, dst), ...onPort], must_not: [opens],
    should: [answers, { bool: { filter: [low('source.port'), high('destination.port')] } }], minimum_should_match: 1 } });
  const svc = { filters: { filters: {
    b_req: request(state.a, state.b), b_rep: reply(state.b, state.a),
    a_req: request(state.b, state.a), a_rep: reply(state.a, state.b),
  } }, aggs: { dport: { terms: { field: 'destination.port', size: 20 }, aggs: action },
               sport: { terms: { field: 'source.port', size: 20 }, aggs: action } } };
  const body = {
    size: 50,
    query: { bool: { filter: [query], should: [ab, ba], minimum_should_match: 1 } },
    sort: [{ '@timestamp': { order: 'desc' } }],
    aggs: { dirs: { filters: { filters: { ab, ba } }, aggs: sub }, svc },
  };
  search(state.index, body, signal).then((r) => {
    clear(out);
    const c1 = counts(r.aggregations.dirs.buckets.ab);
    const c2 = counts(r.aggregations.dirs.buckets.ba);
    const svcRows = services(state.a, state.b, r.aggregations.svc);
    // With a port, the verdict is about B's port (the form asks for the port
    // B listens on); without one, it sums up the services found.
    const v = state.port || !svcRows.length ? verdict(state.a, state.b, c1, c2, state.port) : servicesSummary(svcRows);
    const dirRow = (label, c) => h('tr', {}, h('th', { scope: 'row' }, label),
      h('td', { class: 'num accept' }, humanCount(c.accept.doc_count)), h('td', { class: 'num' }, humanBytes(c.accept.bytes.value)),
      h('td', { class: 'num reject' }, humanCount(c.reject.doc_count)), h('td', {}, c.enis.join(', ')));
    out.append(h('p', { class: `verdict ${v.tone}`, role: 'status' }, v.text),
      h('table', { class: 'compact directions' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Direction'), h('th', {}, 'Accepted'), h('th', {}, 'Bytes'), h('th', {}, 'Rejected'), h('th', {}, 'Logged on'))),
        h('tbody', {}, dirRow(`${state.a} → ${state.b}${state.port ? ':' + state.port : ''}`, c1),
          dirRow(`${state.b}${state.port ? ':' + state.port : ''} → ${state.a}`, c2))));
    // One verdict per service: who is the client, and what happens to its
    // requests and to the replies.
    if (svcRows.length) {
      const portText = (p) => `${p}${serviceName(p) ? ' ' + serviceName(p) : ''}`;
      out.append(h('h3', {}, 'Per service'), h('table', { class: 'compact services' },
        h('thead', {}, h('tr', {}, ['Service', 'Client', 'Requests accepted', 'rejected', 'Replies accepted', 'rejected', 'Verdict']
          .map((t) => h('th', {}, t)))),
        h('tbody', {}, svcRows.map((s) => h('tr', { class: `verdict-${s.verdict.tone}` },
          h('td', {}, `${s.server}:${portText(s.port)}`), h('td', {}, s.client),
          h('td', { class: 'num accept' }, humanCount(s.req.accept)), h('td', { class: 'num reject' }, humanCount(s.req.reject)),
          h('td', { class: 'num accept' }, humanCount(s.rep.accept)), h('td', { class: 'num reject' }, humanCount(s.rep.reject)),
          h('td', { class: 'service-verdict' }, s.verdict.text))))));
    }
    if (r.hits.hits.length) {
      out.append(h('h3', {}, 'Latest flows'), h('table', { class: 'compact flows' },
        h('thead', {}, h('tr', {}, [`Time (${zoneLabel()})`, 'Source', 'Destination', 'Transport', 'Action', 'Bytes', 'Interface'].map((t) => h('th', {}, t)))),
        h('tbody', {}, r.hits.hits.map((hit) => {
          const s = hit._source;
          const act = fieldValue(s, 'event.action');
          return h('tr', { class: `action-${String(act).toLowerCase()}` },
            h('td', {}, formatTime(Date.parse(s['@timestamp'])), ' ',
              h('a', { class: 'mini-link', href: flowInDiscover(s, state) }, 'open in Discover')),
            h('td', {}, endpointText(s, 'source')), h('td', {}, endpointText(s, 'destination')),
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
