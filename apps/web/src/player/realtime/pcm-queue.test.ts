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

test('a backlog is skipped down to the target within the trim window', () => {
  const q = new PcmQueue(RATE);
  for (let i = 0; i < 20; i++) q.push(i * 20_000, chunk()); // 400 ms piled up at once
  run(q, 0, 2.5, (t) => t + 0.4); // then arrivals keep pace
  assert.ok(q.buffered < 0.1 * RATE, `buffered ${(q.buffered / RATE) * 1000} ms`);
});

test('running dry raises the target and refills; calm lowers it again', () => {
  const q = new PcmQueue(RATE);
  run(q, 0, 3, (t) => t); // settled at the 40 ms target
  // Then every 0.5 s delivery stalls for 100 ms and catches up in a burst.
  const jittery = (t: number) => t + (t % 0.5 < 0.1 ? 0.1 - (t % 0.5) : 0);
  run(q, 3, 5, jittery);
  assert.ok(q.underruns >= 1);
  const raised = q.targetSec;
  assert.ok(raised > 0.04, `target ${raised}`);
  const beforeCalm = q.underruns;
  run(q, 8, 25, (t) => t);
  assert.equal(q.underruns, beforeCalm, 'no more running dry once the jitter stops');
  assert.ok(q.targetSec < raised, `target back down to ${q.targetSec}`);
});

test('never holds more than the maximum', () => {
  const q = new PcmQueue(RATE);
  for (let i = 0; i < 100; i++) q.push(i * 20_000, chunk());
  assert.ok(q.buffered <= 0.5 * RATE);
});
