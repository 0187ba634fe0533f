import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeqGapDetector } from './seq-gap.ts';

test('a seq jump onto a delta is a gap; onto a keyframe, or without seq, it is not', () => {
  const d = new SeqGapDetector();
  assert.equal(d.observe(0, true), false);
  assert.equal(d.observe(1, false), false);
  assert.equal(d.observe(3, false), true, 'chunk 2 is missing and 3 depends on it');
  assert.equal(d.observe(4, false), false, 'the gap is reported once');
  assert.equal(d.observe(9, true), false, 'a keyframe starts clean');
  assert.equal(d.observe(undefined, false), false, 'an older studio sends no seq');
  d.reset();
  assert.equal(d.observe(20, false), false, 'after a reset the next seq is a new start');
});
