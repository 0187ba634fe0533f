import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DELAY_US, PlayoutClock } from './playout-clock.ts';

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
  c.arrived(500_000, 1_990_000);
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

test('the audio clock counts the output latency: a frame shows when its sound is heard', () => {
  const c = new PlayoutClock();
  c.arrived(500_000, 2_000_000);
  // At now = 2 s the worklet renders media time 0.5 s, heard 40 ms later (output latency).
  c.audioClock(500_000, 2_040_000);
  c.retarget(2_010_000); // retarget runs a little after the report
  assert.equal(c.displayAt(500_000), 2_040_000);
});

test('an audio clock that would hold the picture far behind is not followed', () => {
  const c = new PlayoutClock();
  for (let i = 0; i < 30; i++) c.arrived(i * 33_333, 1_000_000 + i * 33_333);
  const now = 1_000_000 + 30 * 33_333;
  // The sound says media time 0.1 s is heard now: 0.9 s behind the picture's own schedule.
  c.audioClock(100_000, now);
  c.retarget(now);
  assert.equal(c.followingAudio, false);
  assert.equal(c.displayAt(29 * 33_333), 1_000_000 + 29 * 33_333 + 20_000, 'the video clock rules');
  // Sound within reach is followed again.
  c.audioClock(29 * 33_333 - 50_000, now);
  c.retarget(now);
  assert.equal(c.followingAudio, true);
});

test('a short stall (a few frames held up, as TCP does) does not widen the buffer; a long one does', () => {
  /** 60 frames at 30 fps; a stall of `stallUs` at frame 30 holds that frame and those behind it. */
  const withStall = (stallUs: number) => {
    const c = new PlayoutClock();
    let now = 0;
    for (let i = 0; i < 60; i++) {
      const held = i >= 30 ? Math.max(0, stallUs - (i - 30) * 33_333) : 0;
      now = i * 33_333 + held;
      c.arrived(i * 33_333, now);
    }
    c.retarget(now);
    return c.targetDelayUs;
  };
  assert.equal(withStall(100_000), 20_000, '100 ms (3 frames): shown late, the buffer stays at its floor');
  assert.equal(withStall(400_000), MAX_DELAY_US, 'a 400 ms stall (12 frames) is real jitter: the buffer widens, to its cap');
});

test('the delay never exceeds what the frame queue holds; a full queue pulls the schedule in', () => {
  const c = new PlayoutClock();
  c.maxDelayUs = 100_000;
  let now = 0;
  for (let i = 0; i < 60; i++) {
    now = i * 33_333 + (i % 4 === 0 ? 450_000 : 0); // a quarter of the chunks 450 ms late
    c.arrived(i * 33_333, now);
  }
  c.retarget(now);
  assert.equal(c.targetDelayUs, 100_000);
  c.showBy(59 * 33_333, now);
  assert.ok(c.displayAt(59 * 33_333) <= now, 'due now');
});

test('the burst right after a join is not taken for jitter', () => {
  const c = new PlayoutClock();
  // Live from 480 ms: 15 chunks queued behind the replay arrive at once (lags 480 ms down to 13 ms),
  // then chunks arrive on time (10 ms after their timestamp).
  c.settle(480_000);
  for (let i = 0; i < 15; i++) c.arrived(i * 33_333, 480_000);
  let now = 0;
  for (let i = 15; i < 45; i++) c.arrived(i * 33_333, (now = i * 33_333 + 10_000));
  c.retarget(now);
  assert.equal(c.targetDelayUs, 20_000);
  assert.equal(c.displayAt(44 * 33_333), now + 20_000, 'shown 20 ms after arrival, not held back');
});

test('sound heard well behind the jitter buffer is still followed, up to what the frame queue holds (lip sync first)', () => {
  const c = new PlayoutClock();
  c.queueHoldsUs = 400_000;
  for (let i = 0; i < 30; i++) c.arrived(i * 33_333, 1_000_000 + i * 33_333);
  const now = 1_000_000 + 30 * 33_333;
  // The sound plays 250 ms behind the picture's own schedule (past MAX_DELAY_US, within the queue).
  c.audioClock(30 * 33_333 - 250_000, now);
  c.retarget(now);
  assert.equal(c.followingAudio, true);
  assert.equal(c.displayAt(30 * 33_333 - 250_000), now, 'the frame of what is heard is shown now');
  // Past what the queue holds: as close as it can, no closer (never flipping back to its own clock).
  c.audioClock(30 * 33_333 - 450_000, now);
  c.retarget(now);
  assert.equal(c.followingAudio, true);
  assert.equal(c.displayAt(29 * 33_333), 1_000_000 + 29 * 33_333 + 400_000, 'held by what the queue holds');
});
