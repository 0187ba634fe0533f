import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TabcastError } from '@tabcast/shared';
import { IngestTimeline, RESUME_GAP_US } from './ingest-timeline.ts';

test('within a connection: backwards, long jumps and drifting tracks are refused in words', () => {
  const t = new IngestTimeline(true, 5_000);
  assert.equal(t.accept('video', 1_000_000), 1_000_000);
  assert.throws(() => t.accept('video', 999_000), (e: TabcastError) => e.code === 'out-of-order' && /went backwards/.test(e.message));
  assert.throws(() => t.accept('video', 62_000_000), /jumped 61 s ahead/);
  assert.throws(() => t.accept('audio', 7_000_000), (e: TabcastError) => e.code === 'rate-limited' && /6000 ms apart/.test(e.message));
});

test('across a resume the outputs’ timeline goes on just after what they had, whichever way the clock moved', () => {
  const t = new IngestTimeline(true, 5_000);
  t.accept('video', 5_000_000);
  t.accept('audio', 5_010_000);
  t.accept('video', 9_000_000);
  t.newConnection();
  // The publisher's clock went back (a restarted tab): 8 s < 9 s.
  assert.equal(t.accept('audio', 8_000_000), 9_000_000 + RESUME_GAP_US);
  assert.equal(t.accept('video', 8_020_000), 9_000_000 + RESUME_GAP_US + 20_000);
  t.newConnection();
  // Far ahead (an hour later): no hour-long gap on the outputs.
  const lastOut = 9_000_000 + RESUME_GAP_US + 20_000;
  assert.equal(t.accept('video', 3_600_000_000), lastOut + RESUME_GAP_US);
});
