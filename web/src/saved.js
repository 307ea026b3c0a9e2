// Saved views: a Discover search, a dashboards view, a Visualize graph or
// a connection check, kept in flowdex itself as documents of one index
// through the Elasticsearch API (as Kibana keeps its saved objects in
// .kibana, so it works against a cluster behind serve --backend too),
// listed on the Saved page and shared by a stable link (#/saved?id=...).
import { ApiError, flowdexApi } from './api.js';
import { clear, empty, errorBox, h, loading, markRendered } from './dom.js';
import { readState, stateUrl } from './state.js';
import { describeRange, formatTime, zoneLabel } from './time.js';

export const SAVED_INDEX = '.flowdex-saved-views';
const KINDS = { discover: 'Discover search', dashboards: 'Dashboards view', visualize: 'Visualize graph',
                connection: 'Connection check' };
const MAPPING = { mappings: { properties: {
  title: { type: 'keyword' }, page: { type: 'keyword' }, hash: { type: 'keyword' }, q: { type: 'keyword' },
  from: { type: 'keyword' }, to: { type: 'keyword' }, saved_at: { type: 'date' } } } };

const docPath = (id) => `/${SAVED_INDEX}/_doc/${encodeURIComponent(id)}`;

export function canSave(page) { return Boolean(KINDS[page]); }

// The stable link of a saved view.
export function savedLink(id) { return `#/saved?id=${encodeURIComponent(id)}`; }

// Saves `state` (its page and everything in its URL) as `title`; returns
// the new view's id.
export async function saveView(title, state) {
  try {
    await flowdexApi('PUT', `/${SAVED_INDEX}`, MAPPING);
  } catch (e) {
    if (!(e instanceof ApiError) || e.type !== 'resource_already_exists_exception') throw e;
  }
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'view';
  const id = `${slug}-${Math.random().toString(36).slice(2, 8)}`;
  const view = { ...state };
  delete view.refresh;
  await flowdexApi('PUT', `/${SAVED_INDEX}/_create/${encodeURIComponent(id)}?refresh=true`, {
    title, page: state.page, hash: stateUrl(view), q: state.q, from: state.from, to: state.to,
    saved_at: new Date().toISOString(),
  });
  return id;
}

// Every saved view, newest first ([] when none was ever saved).
export async function listViews(signal) {
  try {
    const r = await flowdexApi('POST', `/${SAVED_INDEX}/_search`, { size: 1000, sort: [{ saved_at: { order: 'desc' } }] }, signal);
    return r.hits.hits.map((hit) => ({ id: hit._id, ...hit._source }));
  } catch (e) {
    if (e instanceof ApiError && e.type === 'index_not_found_exception') return [];
    throw e;
  }
}

// The Saved page: the list, or (with ?id=) the view itself.
export function renderSaved(root, state, signal) {
  const id = new URLSearchParams(location.hash.split('?')[1] || '').get('id');
  if (id) {
    root.append(loading('Opening the saved view…'));
    flowdexApi('GET', docPath(id), null, signal).then((doc) => {
      location.replace(`${location.pathname}${location.search}${doc._source.hash}`);
    }).catch((e) => {
      if (e.name === 'AbortError') return;
      clear(root).append(errorBox(e.status === 404 ? new Error(`no saved view [${id}]: it was deleted, or the link is wrong`) : e));
      markRendered('saved');
    });
    return () => {};
  }
  const list = h('div', { class: 'table-wrap saved-list' }, loading());
  root.append(h('h1', { class: 'page-title' }, 'Saved views'),
    h('p', { class: 'page-note' }, 'Searches, dashboards views and graphs saved with “Save” in the bar above them. ',
      'Each has a link that opens it for anyone using this flowdex.'), list);
  const draw = () => listViews(signal).then((views) => {
    clear(list);
    if (!views.length) {
      list.append(empty('Nothing saved yet: use “Save” beside the search bar on Discover, Dashboards or Visualize.'));
    } else {
      list.append(h('table', { class: 'compact saved' },
        h('thead', {}, h('tr', {}, ['Title', 'Kind', 'Query', 'Time range', `Saved (${zoneLabel()})`, ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, views.map((v) => h('tr', { 'data-id': v.id },
          h('td', { 'data-label': 'Title' }, h('a', { class: 'saved-open', href: v.hash }, v.title)),
          h('td', { 'data-label': 'Kind' }, KINDS[v.page] || v.page),
          h('td', { class: 'mono', 'data-label': 'Query' }, v.q || '—'),
          h('td', { 'data-label': 'Range' }, describeRange(v.from || 'now-24h', v.to || 'now')),
          h('td', { class: 'clock', 'data-label': 'Saved' }, formatTime(Date.parse(v.saved_at))),
          h('td', { class: 'actions' },
            h('a', { class: 'mini-link saved-link', href: savedLink(v.id), title: 'A link to this saved view' }, 'link'), ' ',
            h('button', { type: 'button', class: 'mini saved-delete', 'aria-label': `Delete ${v.title}`, onclick: async (ev) => {
              ev.target.disabled = true;
              try {
                await flowdexApi('DELETE', `${docPath(v.id)}?refresh=true`, null, signal);
                await draw();
              } catch (e) {
                if (e.name !== 'AbortError') list.prepend(errorBox(e));
              }
            } }, 'Delete')))))));
    }
    markRendered('saved');
  }).catch((e) => {
    if (e.name === 'AbortError') return;
    clear(list).append(errorBox(e));
    markRendered('saved');
  });
  draw();
  return () => {};
}

// The bar's "Save" control: a title and a button; says where it went.
export function saveControl(state) {
  const title = h('input', { type: 'text', class: 'save-title', 'aria-label': 'Title of the saved view', required: true,
                             value: state.q ? `${state.q}`.slice(0, 60) : `${KINDS[state.page]} ${describeRange(state.from, state.to)}` });
  const status = h('span', { class: 'save-status', role: 'status' });
  const form = h('form', { class: 'save-form', hidden: true, onsubmit: async (ev) => {
    ev.preventDefault();
    if (!title.value.trim()) return;
    status.textContent = 'saving…';
    try {
      // The state as shown, including a typed query not yet submitted.
      const typed = document.querySelector('input.kql');
      const id = await saveView(title.value.trim(), { ...readState(), ...(typed ? { q: typed.value } : {}) });
      clear(status).append('saved · ', h('a', { href: savedLink(id), class: 'saved-link' }, 'link'), ' · ',
        h('a', { href: '#/saved' }, 'all saved views'));
    } catch (e) {
      status.textContent = `not saved: ${e.message}`;
    }
  } }, title, h('button', { type: 'submit' }, 'Save'), status);
  const toggle = h('button', { type: 'button', class: 'save-view', 'aria-expanded': 'false', onclick: () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', form.hidden ? 'false' : 'true');
    if (!form.hidden) title.select();
  } }, 'Save');
  return { toggle, form };
}
