import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChunkMessage } from '@tabcast/shared';
import { RetainedCopy } from './retained-copy.ts';

const chunk = (seq: number, ms: number, bytes = 10): ChunkMessage => ({ type: 'chunk', track: 'video', seq, timestampUs: ms * 1000, durationUs: 33_333, key: seq % 30 === 0, data: new Uint8Array(bytes) });

test('acked chunks are forgotten, unsent and unacked ones are kept for backfill, in order', () => {
  const copy = new RetainedCopy({ retainMs: 60_000, maxBytes: 1e9 });
  const all = Array.from({ length: 10 }, (_, i) => chunk(i, i * 33));
  for (const c of all.slice(0, 6)) {
    copy.keep(c);
  }
  // Connection 1 sent chunks 0–3 (numbers 1–4); 4 and 5 were refused by a full socket.
  all.slice(0, 4).forEach((c, i) => copy.sent(c, 1, i + 1));
  copy.ack(1, 2); // chunks 0 and 1 are on the relay's disk
  for (const c of all.slice(6)) copy.keep(c); // the outage: never sent
  assert.deepEqual(copy.pending(2).map((c) => c.seq), [2, 3, 4, 5, 6, 7, 8, 9]);
  // An ack of another connection's numbers forgets nothing of this one.
  copy.ack(2, 100);
  assert.equal(copy.size, 8);
  // The backfill goes out on connection 2 and is acknowledged there.
  copy.pending(2).forEach((c, i) => copy.sent(c, 2, i + 1));
  assert.deepEqual(copy.pending(2), []);
  copy.ack(2, 8);
  assert.equal(copy.size, 0);
  assert.equal(copy.retainedBytes, 0);
});

test('the copy is bounded in media time and in bytes; what falls out is counted', () => {
  const copy = new RetainedCopy({ retainMs: 1_000, maxBytes: 1e9 });
  for (let i = 0; i < 100; i++) copy.keep(chunk(i, i * 100));
  assert.ok(copy.size <= 11, `${copy.size} kept for 1 s at 10 a second`);
  assert.equal(copy.dropped, 100 - copy.size);
  const small = new RetainedCopy({ retainMs: 60_000, maxBytes: 1_000 });
  for (let i = 0; i < 100; i++) small.keep(chunk(i, i * 10, 100));
  assert.ok(small.retainedBytes <= 1_000);
});
