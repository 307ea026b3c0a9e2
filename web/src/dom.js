// A tiny DOM builder: h('div', {class: 'x', onclick: fn}, child, ...).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function humanBytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = Number(n);
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export function humanCount(n) {
  return Number(n).toLocaleString('en-US');
}

// A panel body's states: loading, an error (plainly), or empty.
export function loading(text = 'Loading…') {
  return h('div', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner' }), text);
}

export function errorBox(err) {
  const where = err && err.status ? ` (HTTP ${err.status}${err.type ? ', ' + err.type : ''})` : '';
  return h('div', { class: 'state error', role: 'alert' }, h('strong', {}, 'Error'), `: ${err && err.message ? err.message : err}${where}`);
}

export function empty(text) {
  return h('div', { class: 'state empty' }, text);
}

// Marks the page as completely drawn (data, an empty state or an error): tests
// and the render benchmark wait for it.
export function markRendered(page) {
  document.body.dataset.rendered = String(Math.round(performance.now()));
  window.dispatchEvent(new CustomEvent('flowdex:rendered', { detail: { page } }));
}
