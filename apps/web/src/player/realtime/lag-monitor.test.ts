import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LagMonitor } from './lag-monitor.ts';

const FRAME = 33_333;

test('a steady stream is not behind, whatever the clocks differ by', () => {
  const m = new LagMonitor();
  for (let i = 0; i < 300; i++) {
    const jitter = (i * 7919) % 20_000; // up to 20 ms of arrival jitter
    assert.ok(m.observe(i * FRAME, 5e9 + i * FRAME + jitter) <= 20_000);
  }
});

test('a consumer reading at 77 % of real time falls behind by 0.23 s a second, and it shows', () => {
  const m = new LagMonitor();
  let behind = 0;
  for (let i = 0; i < 120; i++) behind = m.observe(i * FRAME, (i * FRAME) / 0.77);
  // 120 frames = 4 s of media read in 5.2 s: 1.2 s behind.
  assert.ok(behind > 1_100_000 && behind < 1_300_000, `behind ${behind} µs`);
});

test('a stall shows as behind until it is read through; reset takes a new baseline', () => {
  const m = new LagMonitor();
  for (let i = 0; i < 60; i++) m.observe(i * FRAME, i * FRAME);
  // The reader froze for 1 s, then reads the backlog in a burst.
  assert.ok(m.observe(60 * FRAME, 60 * FRAME + 1_000_000) >= 999_000);
  m.reset();
  assert.equal(m.observe(61 * FRAME, 61 * FRAME + 1_000_000), 0);
});

test('the window forgets old lows: a path that got slower for good is the new normal after 10 s', () => {
  const m = new LagMonitor();
  for (let i = 0; i < 30; i++) m.observe(i * FRAME, i * FRAME);
  let behind = 0;
  for (let i = 30; i < 30 + 12 * 30; i++) behind = m.observe(i * FRAME, i * FRAME + 300_000);
  assert.equal(behind, 0);
});
