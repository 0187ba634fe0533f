import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioTimeline } from './audio-timeline.ts';

test('audio chunks take the stream time of their input, whatever the encoder counted', () => {
  const t = new AudioTimeline();
  // 10 ms inputs on the stream clock; the third arrives after a 700 ms gap in capture.
  t.input(0, 10_000);
  t.input(10_000, 10_000);
  t.input(710_000, 10_000);
  t.input(720_000, 10_000);
  // 20 ms Opus chunks out: the first spans inputs 1-2, the second inputs 3-4.
  assert.equal(t.output(20_000), 0);
  assert.equal(t.output(20_000), 710_000);
  assert.equal(t.output(20_000), null, 'no input for it (yet)');
});

test('an output chunk that starts inside an input is offset into it', () => {
  const t = new AudioTimeline();
  t.input(1_000_000, 30_000);
  t.input(1_030_000, 30_000);
  assert.equal(t.output(20_000), 1_000_000);
  assert.equal(t.output(20_000), 1_020_000);
  assert.equal(t.output(20_000), 1_040_000);
});
