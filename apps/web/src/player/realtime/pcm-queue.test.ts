import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcmQueue } from './pcm-queue.ts';

const RATE = 48_000;
const QUANTUM = 128;
const chunk = (n = 960) => [new Float32Array(n).fill(0.25), new Float32Array(n).fill(0.25)];
const out = () => [new Float32Array(QUANTUM), new Float32Array(QUANTUM)];

/** Plays `seconds`, pushing one 20 ms chunk whenever `arrive(t)` says one is due. */
function run(q: PcmQueue, from: number, seconds: number, arrive: (t: number) => number): { t: number; silent: number } {
  let t = from;
  let silent = 0;
  let pushedTs = q.playingTs ?? 0;
  let next = from;
  while (t < from + seconds) {
    while (arrive(next) <= t) {
      q.push(pushedTs, chunk());
      pushedTs += 20_000;
      next += 0.02;
    }
    silent += QUANTUM - q.render(out(), t);
    t += QUANTUM / RATE;
  }
  return { t, silent };
}

test('fills to the target before playing, then plays steadily without running dry', () => {
  const q = new PcmQueue(RATE);
  assert.equal(q.render(out(), 0), 0, 'silent until 40 ms are queued');
  const { silent } = run(q, 0, 5, (t) => t);
  assert.ok(silent < 0.05 * RATE, `silence only while filling (${silent} samples)`);
  assert.equal(q.underruns, 0);
});

test('a backlog is skipped down to the target within two trim windows', () => {
  const q = new PcmQueue(RATE);
  for (let i = 0; i < 20; i++) q.push(i * 20_000, chunk()); // 400 ms piled up at once
  run(q, 0, 2.5, (t) => t); // then arrivals keep pace: without trimming the 400 ms would stay
  assert.ok(q.buffered < 0.08 * RATE, `buffered ${(q.buffered / RATE) * 1000} ms`);
});

test('a gap made on purpose refills without raising the target', () => {
  const q = new PcmQueue(RATE);
  run(q, 0, 2, (t) => t);
  q.gap();
  run(q, 2.5, 2, (t) => t); // half a second with no audio at all, then on time again
  assert.equal(q.underruns, 0);
  assert.equal(q.targetSec, 0.04);
});

test('steady random jitter settles: the target stops shrinking into dropouts', () => {
  // 10 minutes of 20 ms chunks delayed by exponential jitter (mean 10 ms), in order as over TCP.
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const arrivals: number[] = [];
  let prev = 0;
  for (let i = 0; i < 30_000; i++) arrivals.push((prev = Math.max(prev, i * 0.02 - Math.log(1 - rnd()) * 0.01)));
  const q = new PcmQueue(RATE);
  let k = 0;
  let afterSettling = 0;
  for (let t = 0; t < 600; t += QUANTUM / RATE) {
    while (k < arrivals.length && arrivals[k]! <= t) q.push(k++ * 20_000, chunk());
    q.render(out(), t);
    if (t < 180) afterSettling = q.underruns;
  }
  const later = q.underruns - afterSettling;
  assert.ok(later <= 2, `ran dry ${later} times in the 7 minutes after settling (target ${q.targetSec.toFixed(3)} s)`);
  assert.ok(q.targetSec <= 0.2, 'at a target that fits the jitter, not the maximum');
});

test('never holds more than the maximum', () => {
  const q = new PcmQueue(RATE);
  for (let i = 0; i < 100; i++) q.push(i * 20_000, chunk());
  assert.ok(q.buffered <= 0.5 * RATE);
});
