// The UI's clock (web/src/time.js) without a browser: 24-hour labels in
// UTC, snapping to buckets, ranges typed as words. (Node has no
// localStorage: the clock is UTC, the default.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockZone, formatTicks, formatTime, parseRangeText, snapRange, zoneLabel } from '../../web/src/time.js';

test('the default clock is UTC, 24-hour', () => {
  assert.equal(clockZone(), 'UTC');
  assert.equal(zoneLabel(), 'UTC');
  assert.equal(formatTime(Date.UTC(2026, 11, 7, 15, 4, 5, 60)), '2026-12-07 15:04:05.060');
});

test('axis ticks: hours and minutes, the date where the day changes, no am/pm', () => {
  const at = (d, h, m = 0, s = 0) => Date.UTC(2026, 11, d, h, m, s);
  assert.deepEqual(formatTicks([at(7, 22), at(7, 23), at(8, 0), at(8, 1)]), ['12-07 22:00', '23:00', '12-08', '01:00']);
  assert.deepEqual(formatTicks([at(7, 13, 0, 10), at(7, 13, 0, 20)]), ['12-07 13:00:10', '13:00:20']);
  assert.deepEqual(formatTicks([at(6, 0), at(7, 0), at(8, 0)]), ['12-06', '12-07', '12-08']);
  for (const label of formatTicks([at(7, 11), at(7, 12), at(7, 13)])) assert.doesNotMatch(label, /am|pm/i);
});

test('a drag-zoom snaps outward to whole buckets', () => {
  const t = (h, m) => Date.UTC(2026, 11, 7, h, m);
  assert.deepEqual(snapRange(t(10, 7), t(10, 21), 5 * 60e3),
                   { from: '2026-12-07T10:05:00.000Z', to: '2026-12-07T10:25:00.000Z' });
  assert.deepEqual(snapRange(t(10, 5), t(10, 5) + 1000, 5 * 60e3),
                   { from: '2026-12-07T10:05:00.000Z', to: '2026-12-07T10:10:00.000Z' });
});

test('ranges typed as words', () => {
  const now = Date.UTC(2026, 11, 7, 15, 30);
  assert.deepEqual(parseRangeText('last 3 days', now), { from: 'now-3d', to: 'now' });
  assert.deepEqual(parseRangeText('Past 90 minutes', now), { from: 'now-90m', to: 'now' });
  assert.deepEqual(parseRangeText('2h', now), { from: 'now-2h', to: 'now' });
  assert.deepEqual(parseRangeText('last hour', now), { from: 'now-1h', to: 'now' });
  assert.deepEqual(parseRangeText('last 2 weeks', now), { from: 'now-2w', to: 'now' });
  assert.deepEqual(parseRangeText('today', now), { from: '2026-12-07T00:00:00.000Z', to: 'now' });
  assert.deepEqual(parseRangeText('yesterday', now), { from: '2026-12-06T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z' });
  for (const bad of ['', 'hours', 'last', 'tomorrow', '3 parsecs']) assert.equal(parseRangeText(bad, now), null, bad);
});
