// flowdex UI: a hash router over its pages, re-rendered from the URL state.
import './style.css';
import { renderAlerts, renderRules } from './alerts.js';
import { renderConnection } from './connection.js';
import { renderDashboards } from './dashboards.js';
import { renderDiscover } from './discover.js';
import { renderSaved } from './saved.js';
import { renderVisualize } from './visualize.js';
import { clear, h } from './dom.js';
import { readState, stateUrl } from './state.js';

const PAGES = { discover: ['Discover', renderDiscover], dashboards: ['Dashboards', renderDashboards],
                visualize: ['Visualize', renderVisualize], connection: ['Connection check', renderConnection],
                alerts: ['Alerts', renderAlerts], rules: ['Rules', renderRules], saved: ['Saved', renderSaved] };

const app = document.getElementById('app');
let controller = null;
let cleanup = () => {};
let timer = 0;

function render() {
  if (controller) controller.abort();
  cleanup();
  clearTimeout(timer);
  controller = new AbortController();
  const state = readState();
  if (!PAGES[state.page]) state.page = 'discover';
  delete document.body.dataset.rendered;
  clear(app);
  const nav = h('nav', { class: 'top' }, h('a', { class: 'brand', href: stateUrl({ ...state, page: 'discover' }) }, 'flowdex'),
    Object.entries(PAGES).map(([page, [label]]) => h('a', {
      href: stateUrl({ ...state, page }), class: page === state.page ? 'current' : '', 'aria-current': page === state.page ? 'page' : null,
    }, label)),
    h('span', { class: 'index', title: 'Index pattern' }, state.index));
  const main = h('main', { id: 'main' });
  app.append(nav, main);
  document.title = `${PAGES[state.page][0]} · flowdex`;
  cleanup = PAGES[state.page][1](main, state, controller.signal) || (() => {});
  const every = Number(state.refresh);
  if (every >= 1000) timer = setTimeout(render, every);
}

window.addEventListener('hashchange', render);
window.addEventListener('popstate', render);
window.addEventListener('flowdex:state', render);
render();
