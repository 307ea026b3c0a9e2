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

export function formatTime(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// The range filter on @timestamp for a state's from/to.
export function timeFilter(from, to) {
  return { range: { '@timestamp': { gte: from, lte: to || 'now', format: 'strict_date_optional_time' } } };
}
