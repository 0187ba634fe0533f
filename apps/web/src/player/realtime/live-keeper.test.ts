import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveKeeper, type ShedReason } from './live-keeper.ts';

const FRAME = 33_333;
const GOP = 60;

/** Feeds 30 fps chunks (keyframe every 2 s) arriving at `arrive(i)`; returns what was decoded and the resyncs. */
function run(frames: number, arrive: (i: number) => number, opts: { decodedLag?: (i: number) => number } = {}) {
  const resyncs: ShedReason[] = [];
  const k = new LiveKeeper((reason) => resyncs.push(reason));
  const decodedAt: number[] = [];
  for (let i = 0; i < frames; i++) {
    const ts = i * FRAME;
    const lagFrames = opts.decodedLag?.(i) ?? 1;
    if (i >= lagFrames) k.decoded((i - lagFrames) * FRAME);
    if (k.stayLive(ts, i % GOP === 0, arrive(i), i ? (i - 1) * FRAME : 0, lagFrames)) decodedAt.push(i);
  }
  return { k, resyncs, decoded: decodedAt };
}

test('a live stream with ordinary jitter never resyncs', () => {
  const { resyncs, decoded } = run(600, (i) => 1e9 + i * FRAME + ((i * 7919) % 60_000));
  assert.deepEqual(resyncs, []);
  assert.equal(decoded.length, 600);
});

test('a reader at 77 % of real time (the bug through a shared tab) resyncs within about 2 s of falling behind', () => {
  const { resyncs, k } = run(300, (i) => (i * FRAME) / 0.77);
  assert.ok(resyncs.length >= 1 && resyncs.every((r) => r === 'behind'), `resyncs ${resyncs.join(',')}`);
  assert.ok(k.shed.behind > 0);
});

test('a short stall is decoded through (no freeze); a 1.2 s one resyncs at once and ends at a fresh keyframe', () => {
  const short = run(300, (i) => i * FRAME + (i >= 100 && i < 110 ? (110 - i) * FRAME : 0));
  assert.deepEqual(short.resyncs, [], 'a 330 ms stall is caught up by decoding on');
  // Frames 100-135 are held for 1.2 s and then read in a burst; afterwards arrivals are live again.
  const long = run(300, (i) => i * FRAME + (i >= 100 && i < 136 ? 1_200_000 - (i - 100) * FRAME : 0));
  assert.deepEqual(long.resyncs, ['behind']);
  assert.ok(long.decoded.includes(180), 'decoding resumed at the next keyframe (frame 180)');
  assert.ok(!long.decoded.includes(150), 'nothing between the stall and that keyframe was decoded');
});

test('a decoder more than 500 ms behind what arrived resyncs, but only once live has settled', () => {
  const { resyncs } = run(300, (i) => i * FRAME, { decodedLag: (i) => (i > 120 ? 20 : 1) });
  assert.deepEqual(resyncs.slice(0, 1), ['decoder']);
});

test('a stream whose clock stepped back is taken as live after 1 s of discarding, not discarded for ever', () => {
  // From frame 200 every chunk arrives 1.5 s "late" for good (the studio's clock moved).
  const { resyncs, decoded } = run(600, (i) => i * FRAME + (i >= 200 ? 1_500_000 : 0));
  assert.deepEqual(resyncs, ['behind']);
  assert.ok(decoded.includes(599), 'decoding goes on');
  assert.ok(decoded.filter((i) => i >= 200).length > 300);
});
