// Charts with uPlot: a stacked bar histogram (ACCEPT/REJECT) with drag to
// zoom, and line charts. Both resize with their container.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { clockZone, formatTicks, formatTime, zoneLabel } from './time.js';

const COLORS = { ACCEPT: '#2f9e6f', REJECT: '#d64545', other: '#8a94a6' };

function sizeOf(el, height) {
  return { width: Math.max(240, el.clientWidth || 600), height };
}

// The time axis and the legend's time in the UI's clock (24-hour, its
// zone); ticks placed on that zone's hours and days.
function timeOptions() {
  return {
    tzDate: clockZone() === 'UTC' ? (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC') : (ts) => new Date(ts * 1e3),
    axis: { values: (u, splits) => formatTicks(splits.map((s) => s * 1000)), size: 44 },
    series: { label: `Time (${zoneLabel()})`, value: (u, v) => (v == null ? '--' : formatTime(v * 1000).slice(0, 19)) },
  };
}

// A y scale that always shows zero: bars and areas grow from it, and a
// filtered chart whose values sit close together is not zoomed into them
// (bars of 60 and 90 drawn as 1 and 4 would mislead).
function fromZero(u, min, max) {
  const [lo, hi] = uPlot.rangeNum(Math.min(0, min ?? 0), Math.max(0, max ?? 0) || 1, 0.1, true);
  return [Math.min(0, lo), hi];
}

function observe(el, plot, height) {
  const ro = new ResizeObserver(() => plot.setSize(sizeOf(el, height)));
  ro.observe(el);
  return () => { ro.disconnect(); plot.destroy(); };
}

// Shades the time after `dataEnd` (epoch ms: the newest flow stored, any
// filter aside) as "no data yet", so that a range reaching past it does not
// read as traffic dropping to zero.
function noDataHook(dataEnd) {
  return (u) => {
    if (!dataEnd) return;
    const x0 = Math.max(u.valToPos(dataEnd / 1000, 'x', true), u.bbox.left);
    const x1 = u.bbox.left + u.bbox.width;
    if (x1 - x0 < 4) return;
    const { ctx } = u;
    ctx.save();
    ctx.fillStyle = 'rgba(140, 150, 170, 0.12)';
    ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
    ctx.fillStyle = 'rgba(90, 100, 120, 0.9)';
    ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    if (x1 - x0 > 70 * devicePixelRatio) ctx.fillText('no data yet', (x0 + x1) / 2, u.bbox.top + 14 * devicePixelRatio);
    ctx.restore();
  };
}

// A drag selection on the time axis: onSelect(fromMs, toMs).
function selectHook(onSelect) {
  return (u) => {
    if (u.select.width < 3) return;
    const from = u.posToVal(u.select.left, 'x');
    const to = u.posToVal(u.select.left + u.select.width, 'x');
    u.setSelect({ left: 0, width: 0 }, false);
    onSelect(Math.round(from * 1000), Math.round(to * 1000));
  };
}

// xs: bucket starts (epoch seconds); series: [{label, values}] drawn stacked
// as bars. onSelect(fromMs, toMs) is called on a drag selection.
export function stackedBars(el, xs, series, { height = 160, onSelect, yLabel = 'flows', dataEnd } = {}) {
  const stacked = [];
  let acc = xs.map(() => 0);
  for (const s of series) {
    acc = acc.map((v, i) => v + (s.values[i] || 0));
    stacked.push(acc.slice());
  }
  const bars = uPlot.paths.bars({ size: [0.9, 64] });
  const time = timeOptions();
  const opts = {
    ...sizeOf(el, height),
    tzDate: time.tzDate,
    cursor: { drag: { x: true, y: false, setScale: false } },
    select: { show: true },
    legend: { show: true },
    scales: { x: { time: true }, y: { range: fromZero } },
    axes: [time.axis, { label: yLabel, size: 60 }],
    series: [time.series, ...series.map((s, i) => ({
      label: s.label,
      stroke: COLORS[s.label] || COLORS.other,
      fill: (COLORS[s.label] || COLORS.other) + 'cc',
      paths: bars,
      points: { show: false },
      value: (u, v, si, idx) => (idx === null || idx === undefined ? '' : String(series[i].values[idx] ?? 0)),
    }))],
    hooks: { ...(onSelect ? { setSelect: [selectHook(onSelect)] } : {}), draw: [noDataHook(dataEnd)] },
  };
  // uPlot draws later series over earlier ones: the tallest (cumulative) first.
  const order = stacked.map((_, i) => i).reverse();
  opts.series = [time.series, ...order.map((i) => opts.series[i + 1])];
  const data = [xs, ...order.map((i) => stacked[i])];
  const plot = new uPlot(opts, data, el);
  return observe(el, plot, height);
}

// Lines: series [{label, values, color, scale}] (scale 'y' or 'y2' for a right axis).
// yRange: [min, max] of the 'y' scale (small multiples share one); legend:
// false hides it; a series' dash ([on, off] px) draws it dashed, its fillTo
// is where its fill ends (default 0: stacks above and below the axis).
export function lines(el, xs, series, { height = 180, axes = {}, onSelect, dataEnd, yRange, legend = true } = {}) {
  const time = timeOptions();
  const scales = { x: { time: true } };
  const axisList = [time.axis];
  for (const scale of [...new Set(series.map((s) => s.scale || 'y'))]) {
    scales[scale] = scale === 'y' && yRange ? { range: () => yRange } : { range: fromZero };
    axisList.push({ scale, label: axes[scale] || '', size: 70, side: scale === 'y2' ? 1 : 3,
                    values: axes[scale + 'Format'] ? (u, vals) => vals.map(axes[scale + 'Format']) : undefined });
  }
  const plot = new uPlot({
    ...sizeOf(el, height),
    tzDate: time.tzDate,
    scales,
    axes: axisList,
    cursor: onSelect ? { drag: { x: true, y: false, setScale: false } } : undefined,
    select: onSelect ? { show: true } : undefined,
    hooks: { ...(onSelect ? { setSelect: [selectHook(onSelect)] } : {}), draw: [noDataHook(dataEnd)] },
    // A series may show other values in the legend than it draws (a stack
    // draws running totals, the legend says each series' own value).
    legend: { show: legend },
    series: [time.series, ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.width || 2, scale: s.scale || 'y',
                                                  fill: s.fill, fillTo: s.fillTo ?? 0, dash: s.dash, points: { show: false },
                                                  value: s.legend ? (u, v, si, idx) => (idx == null ? '--' : s.legend(idx)) : undefined }))],
  }, [xs, ...series.map((s) => s.values)], el);
  return observe(el, plot, height);
}
