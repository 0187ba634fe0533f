import assert from 'node:assert/strict';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { test } from 'node:test';
import { FrameLedger, figures, intervalFigures, IntervalMeter, MONITOR_MAX_OPEN, MONITOR_RING_SIZE, Ring, StageTimer } from './monitoring.ts';

test('figures: nearest-rank percentiles; an empty list gives zeros', () => {
  const v = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.deepEqual(figures(v), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  assert.deepEqual(figures([]), { count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  assert.equal(intervalFigures([33, 33, 33]).jitter, 0);
  assert.equal(intervalFigures([30, 40, 30, 40]).jitter, 10);
});

test('the ring keeps the newest values, oldest first', () => {
  const r = new Ring(3);
  [1, 2, 3, 4, 5].forEach((v) => r.push(v));
  assert.deepEqual(r.toArray(), [3, 4, 5]);
});

test('overlapping stages are matched by key; one never ended is forgotten and counted lost', () => {
  let now = 0;
  const clock = { now: () => now };
  const t = new StageTimer('encode', clock);
  t.start(1);
  now = 5;
  t.start(2);
  now = 12;
  assert.equal(t.end(2), 7);
  assert.equal(t.end(1), 12);
  assert.equal(t.end(99), undefined);
  for (let k = 0; k < MONITOR_MAX_OPEN + 3; k++) t.start(1000 + k);
  const s = t.snapshot();
  assert.equal(s.lost, 3);
  assert.equal(s.open, MONITOR_MAX_OPEN);
  assert.equal(s.count, 2);
});

test('User Timing entries carry the seed names and are cleared at once, so a long run keeps nothing', async () => {
  const seen: string[] = [];
  const obs = new PerformanceObserver((list) => seen.push(...list.getEntries().map((e) => `${e.entryType}:${e.name}`)));
  obs.observe({ entryTypes: ['mark', 'measure'] });
  const t = new StageTimer('encode');
  const paint = new IntervalMeter('paint:frame');
  for (let i = 0; i < MONITOR_RING_SIZE * 3; i++) {
    t.start(i);
    t.end(i);
    paint.tick();
  }
  await new Promise((r) => setTimeout(r, 20));
  obs.disconnect();
  assert.ok(seen.includes('mark:encode:start') && seen.includes('mark:encode:end') && seen.includes('measure:encode') && seen.includes('mark:paint:frame'));
  assert.equal(performance.getEntriesByName('encode:start').length, 0);
  assert.equal(performance.getEntriesByName('encode').length, 0);
  assert.equal(t.samples().length, MONITOR_RING_SIZE);
  assert.equal(paint.snapshot().events, MONITOR_RING_SIZE * 3);
});

test('the frame ledger counts frames not yet closed; closing twice counts once', () => {
  const ledger = new FrameLedger();
  let closes = 0;
  const make = () => ledger.track({ close: () => void closes++ });
  const a = make();
  const b = make();
  make(); // never closed: a leak
  a.close();
  a.close();
  b.close();
  assert.equal(ledger.open, 1);
  assert.equal(closes, 3, 'the frame\'s own close still runs');
});

test('take returns what was recorded since the last take', () => {
  let now = 0;
  const m = new IntervalMeter('paint:frame', { now: () => now });
  for (const t of [0, 33, 66, 100]) {
    now = t;
    m.tick();
  }
  assert.deepEqual(m.take(), [33, 33, 34]);
  assert.deepEqual(m.take(), []);
  now = 140;
  m.tick();
  assert.deepEqual(m.take(), [40]);
});
