import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepDownBitrate } from './quality-step.ts';

test('a quality step goes to the next preset bitrate, then 70 % at a time down to the floor', () => {
  assert.equal(stepDownBitrate(4_500_000, 300_000), 2_500_000);
  assert.equal(stepDownBitrate(2_500_000, 300_000), 1_200_000);
  assert.equal(stepDownBitrate(2_000_000, 300_000), 1_200_000, 'a bitrate lowered by congestion steps to the next preset below it');
  assert.equal(stepDownBitrate(1_200_000, 300_000), 840_000);
  assert.equal(stepDownBitrate(350_000, 300_000), 300_000);
  assert.equal(stepDownBitrate(300_000, 300_000), null, 'nothing lower than the floor');
});
