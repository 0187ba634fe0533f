import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompositorMonitor } from './compositor-perf.ts';

const cache = { hits: 0, misses: 0, entries: 0, bytes: 0 };

test('a layout update is timed from configure() to the next output frame; a resize counts as a viewport change', () => {
  const m = new CompositorMonitor();
  const t0 = performance.now();
  m.updated(false);
  m.updated(true);
  m.shown(t0 + 1_000);
  const perf = m.take(3, cache);
  assert.equal(perf.layoutUpdateMs.length, 1);
  assert.equal(perf.viewportUpdateMs.length, 1);
  assert.ok(perf.layoutUpdateMs[0]! >= 999 && perf.layoutUpdateMs[0]! < 1_100, `layout update ${perf.layoutUpdateMs[0]} ms`);
  assert.equal(perf.layers, 3);
});

test('an update is timed once, by the first frame after it; frames without an update time nothing', () => {
  const m = new CompositorMonitor();
  m.updated(false);
  m.shown();
  m.shown();
  m.shown();
  assert.equal(m.take(1, cache).layoutUpdateMs.length, 1);
  m.shown();
  assert.equal(m.take(1, cache).layoutUpdateMs.length, 0);
});

test('take() empties what it returns', () => {
  const m = new CompositorMonitor();
  m.setup.push(1);
  m.draw.push(2);
  m.frame.push(3);
  m.passedThrough = 5;
  m.capture.screen.tick(0);
  m.capture.screen.tick(33);
  const first = m.take(1, cache);
  assert.deepEqual([first.setupMs, first.drawMs, first.frameMs, first.passedThrough, first.captureIntervalsMs.screen], [[1], [2], [3], 5, [33]]);
  const second = m.take(1, cache);
  assert.deepEqual([second.setupMs, second.drawMs, second.frameMs, second.passedThrough, second.captureIntervalsMs.screen], [[], [], [], 0, []]);
});
