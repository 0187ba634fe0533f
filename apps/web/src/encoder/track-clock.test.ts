import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackClock } from './track-clock.ts';

/** A source whose chunks (every 20 ms) arrive `delay(i)` µs after their timestamp. */
function feed(clock: TrackClock, from: number, to: number, tsOrigin: number, delay: (i: number) => number, nowOrigin = 0): number {
  let last = 0;
  for (let i = from; i < to; i++) last = clock.map(tsOrigin + i * 20_000, nowOrigin + i * 20_000 + delay(i));
  return last;
}

test('steady delivery with jitter keeps the first anchor', () => {
  const c = new TrackClock();
  feed(c, 0, 500, 5_000_000, (i) => 8_000 + (i % 3) * 3_000);
  assert.equal(c.reanchors, 0);
  assert.equal(c.offset, 8_000 - 5_000_000);
});

test('a stall that leaves the source clock behind is re-anchored within two windows', () => {
  const c = new TrackClock();
  // 10 chunks on time, then the source stops for 700 ms but its timestamps carry on from where
  // they were (sample counting): every later chunk arrives 700 ms "late".
  feed(c, 0, 10, 0, () => 8_000);
  const before = c.map(10 * 20_000, 10 * 20_000 + 708_000);
  assert.equal(before, 10 * 20_000 + 8_000, 'the first anchor still rules');
  const after = feed(c, 11, 300, 0, () => 708_000);
  assert.equal(c.reanchors, 1);
  assert.equal(after, 299 * 20_000 + 708_000, 'stream time is arrival time again');
});

test('a late first arrival is corrected once delivery is prompt', () => {
  const c = new TrackClock();
  c.map(0, 150_000); // the first chunk sat in a queue for 150 ms
  feed(c, 1, 300, 0, () => 9_000);
  assert.equal(c.reanchors, 1);
  assert.equal(c.offset, 9_000);
});

test('slow drift (an audio device 100 ppm slow) is slewed away in small steps, never re-anchored', () => {
  const c = new TrackClock();
  let worst = 0;
  let lastMapped = -Infinity;
  let smallestStep = Infinity;
  for (let i = 0; i < 30_000; i++) {
    // 10 minutes of 20 ms chunks: the timestamps run 100 ppm slower than arrival.
    const ts = i * 19_998;
    const now = i * 20_000 + 8_000;
    const mapped = c.map(ts, now);
    if (i > 0) smallestStep = Math.min(smallestStep, mapped - lastMapped);
    lastMapped = mapped;
    if (i > 500) worst = Math.max(worst, Math.abs(now - mapped - 8_000));
  }
  assert.equal(c.reanchors, 0);
  assert.ok(worst <= 8_000, `stays within 8 ms of arrival (worst ${worst} µs)`);
  assert.ok(smallestStep > 15_000, `timestamps keep moving forward by most of a chunk (smallest step ${smallestStep} µs)`);
});
