import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlayoutClock } from './playout-clock.ts';

test('steady arrivals keep the minimum delay', () => {
  const c = new PlayoutClock();
  for (let i = 0; i < 60; i++) c.arrived(i * 33_333, 1_000_000 + i * 33_333);
  c.retarget(1_000_000 + 60 * 33_333);
  assert.equal(c.targetDelayUs, 20_000, 'no jitter: the 20 ms floor');
  assert.equal(c.displayAt(59 * 33_333), 1_000_000 + 59 * 33_333 + 20_000);
});

test('jitter raises the delay; calm lowers it again, catching up at once', () => {
  const c = new PlayoutClock();
  let now = 0;
  for (let i = 0; i < 60; i++) {
    now = i * 33_333 + (i % 5 === 0 ? 120_000 : 0);
    c.arrived(i * 33_333, now);
  }
  c.retarget(now);
  assert.ok(c.targetDelayUs >= 120_000, `delay ${c.targetDelayUs}`);
  const before = c.offset!;
  for (let i = 60; i < 200; i++) {
    now = i * 33_333; // on time again, for longer than the 2 s window
    c.arrived(i * 33_333, now);
  }
  assert.equal(c.retarget(now), 'caught-up');
  assert.ok(c.offset! < before, 'offset shrank');
  assert.ok(c.targetDelayUs < 40_000);
});

test('the audio clock rules when audio is playing', () => {
  const c = new PlayoutClock();
  c.arrived(0, 1_000_000);
  c.audioClock(500_000, 2_000_000);
  c.retarget(2_000_000);
  assert.equal(c.displayAt(500_000), 2_000_000);
});

test('before any arrival every frame is due at once (the join replay catches up)', () => {
  const c = new PlayoutClock();
  assert.equal(c.displayAt(5_000_000), -Infinity);
  assert.equal(c.retarget(1_000_000), 'same');
  c.arrived(5_000_000, 9_000_000);
  assert.equal(c.displayAt(5_000_000), 9_000_000 + 20_000);
});
