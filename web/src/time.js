// Time ranges: relative ("now-15m") or absolute (ISO-8601), as Elasticsearch
// date math takes them, and histogram intervals that fit them.

export const QUICK_RANGES = [
  { label: 'Last 15 minutes', from: 'now-15m' },
  { label: 'Last hour', from: 'now-1h' },
  { label: 'Last 24 hours', from: 'now-24h' },
  { label: 'Last 7 days', from: 'now-7d' },
  { label: 'Last 30 days', from: 'now-30d' },
];

const UNITS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

// Epoch ms of "now", "now-15m" or an ISO date.
export function resolveTime(text, now = Date.now()) {
  if (!text || text === 'now') return now;
  const m = /^now-(\d+)([smhdw])$/.exec(text);
  if (m) return now - Number(m[1]) * UNITS[m[2]];
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`not a time: ${text}`);
  return t;
}

export function describeRange(from, to) {
  const quick = QUICK_RANGES.find((r) => r.from === from && (to === 'now' || !to));
  if (quick) return quick.label;
  const rel = /^now-(\d+)([smhdw])$/.exec(from);
  if (rel && (to === 'now' || !to)) {
    const unit = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' }[rel[2]];
    return `Last ${rel[1]} ${unit}${rel[1] === '1' ? '' : 's'}`;
  }
  return `${formatTime(resolveTime(from))} → ${to === 'now' ? 'now' : formatTime(resolveTime(to))}`;
}

const NICE = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400].map((s) => s * 1000);

// A fixed interval giving at most about `buckets` buckets over [from, to].
export function histogramInterval(fromMs, toMs, buckets = 80) {
  const span = Math.max(1000, toMs - fromMs);
  const ms = NICE.find((n) => span / n <= buckets) || NICE[NICE.length - 1];
  return { ms, text: ms % 86400e3 === 0 ? `${ms / 86400e3}d` : ms % 3600e3 === 0 ? `${ms / 3600e3}h` : ms % 60e3 === 0 ? `${ms / 60e3}m` : `${ms / 1000}s` };
}

// One clock for the whole UI: 24-hour times in UTC (the default, as flow
// logs and AWS's consoles are) or in the browser's zone, chosen with the
// switch in the top bar and remembered in this browser.
const ZONE_KEY = 'flowdex.clock';

export function clockZone() {
  try {
    return localStorage.getItem(ZONE_KEY) === 'local' ? 'local' : 'UTC';
  } catch {
    return 'UTC';
  }
}

export function setClockZone(zone) {
  try { localStorage.setItem(ZONE_KEY, zone === 'local' ? 'local' : 'UTC'); } catch { /* private mode: this page only */ }
  window.dispatchEvent(new Event('flowdex:state'));
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// The calendar fields of ms in the clock's zone.
function fields(ms, zone = clockZone()) {
  const d = new Date(ms);
  return zone === 'UTC'
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds() }
    : { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds(), ms: d.getMilliseconds() };
}

// "UTC", or the browser zone's offset now ("UTC+05:30").
export function zoneLabel(zone = clockZone()) {
  if (zone === 'UTC') return 'UTC';
  const off = -new Date().getTimezoneOffset();
  return `UTC${off < 0 ? '−' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

// "2026-12-07 14:05:09.123" in the clock's zone.
export function formatTime(ms) {
  const f = fields(ms);
  return `${f.y}-${pad(f.mo)}-${pad(f.d)} ${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}.${pad(f.ms, 3)}`;
}

// Labels of a chart's time axis (epoch ms ticks): 24-hour "14:05", the
// date ("12-07") at midnight and where the day changes, seconds when the
// ticks are closer than a minute.
export function formatTicks(ticks) {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 0;
  let lastDay = null;
  return ticks.map((ms) => {
    const f = fields(ms);
    const day = `${pad(f.mo)}-${pad(f.d)}`;
    const clock = step && step < 60e3 ? `${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}` : `${pad(f.h)}:${pad(f.mi)}`;
    const newDay = day !== lastDay;
    lastDay = day;
    if (step >= 86400e3 || (f.h === 0 && f.mi === 0 && f.s === 0)) return day;
    return newDay ? `${day} ${clock}` : clock;
  });
}

// The value of a datetime-local input for ms, in the clock's zone, and back.
export function toZoneInput(ms) {
  const f = fields(ms);
  return `${f.y}-${pad(f.mo)}-${pad(f.d)}T${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}`;
}
export function fromZoneInput(text) {
  if (!text) return NaN;
  return clockZone() === 'UTC' ? Date.parse(`${text.length === 16 ? text + ':00' : text}Z`) : new Date(text).getTime();
}

// A range typed as words: "last 3 days", "past 90 minutes", "2h",
// "today", "yesterday" (days in the clock's zone). {from, to} as the URL
// keeps them, or null when the text is not a range.
export function parseRangeText(text, now = Date.now()) {
  const t = text.trim().toLowerCase();
  const units = { s: 's', sec: 's', second: 's', m: 'm', min: 'm', minute: 'm', h: 'h', hr: 'h', hour: 'h',
                  d: 'd', day: 'd', w: 'w', week: 'w' };
  const rel = /^(?:last|past)?\s*(\d+)?\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/.exec(t);
  if (rel && (rel[1] || /^(last|past)/.test(t))) {
    const unit = units[rel[2].replace(/s$/, '')] || units[rel[2]];
    if (unit) return { from: `now-${rel[1] || 1}${unit}`, to: 'now' };
  }
  if (t === 'today' || t === 'yesterday') {
    const f = fields(now);
    const midnight = clockZone() === 'UTC' ? Date.UTC(f.y, f.mo - 1, f.d) : new Date(f.y, f.mo - 1, f.d).getTime();
    const day = 86400e3;
    return t === 'today' ? { from: new Date(midnight).toISOString(), to: 'now' }
      : { from: new Date(midnight - day).toISOString(), to: new Date(midnight).toISOString() };
  }
  return null;
}

// A drag-zoom's range widened to whole buckets of intervalMs (in the
// clock's zone for day buckets), as ISO times for the URL.
export function snapRange(fromMs, toMs, intervalMs) {
  const offset = clockZone() === 'UTC' || intervalMs < 3600e3 ? 0 : -new Date(fromMs).getTimezoneOffset() * 60e3;
  const down = (t) => Math.floor((t + offset) / intervalMs) * intervalMs - offset;
  const from = down(fromMs);
  let to = down(toMs);
  if (to < toMs) to += intervalMs;
  return { from: new Date(from).toISOString(), to: new Date(Math.max(to, from + intervalMs)).toISOString() };
}

// The date_histogram's time_zone for the clock (its buckets' days and hours).
export function histogramZone() {
  if (clockZone() === 'UTC') return 'UTC';
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

// The range filter on @timestamp for a state's from/to.
// An absolute end is exclusive: a range zoomed to whole buckets, [from, to),
// does not reach into the bucket starting at `to` (drawn as a drop to
// almost nothing); a range ending now takes everything up to now.
export function timeFilter(from, to) {
  const end = to || 'now';
  return { range: { '@timestamp': { gte: from, [end.includes('now') ? 'lte' : 'lt']: end,
                                    format: 'strict_date_optional_time' } } };
}
