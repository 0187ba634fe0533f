import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkQueue } from './chunk-queue.ts';
import type { MuxChunk } from '../mux/mkv-muxer.ts';

const v = (ts: number, key: boolean, size = 100): MuxChunk => ({ track: 'video', timestampUs: ts, durationUs: 0, key, data: new Uint8Array(size) });
const a = (ts: number, size = 10): MuxChunk => ({ track: 'audio', timestampUs: ts, durationUs: 0, key: true, data: new Uint8Array(size) });

test('video before the first keyframe is skipped; audio is kept', () => {
  const q = new ChunkQueue(10_000);
  assert.equal(q.push(v(0, false)), 'skipped-waiting-for-key');
  assert.equal(q.push(a(0)), 'queued');
  assert.equal(q.push(v(1, true)), 'queued');
  assert.equal(q.push(v(2, false)), 'queued');
  assert.deepEqual([q.shift()?.track, q.shift()?.key, q.shift()?.key], ['audio', true, false]);
  assert.equal(q.droppedChunks, 1);
});

test('overflow drops the backlog and resumes at the next keyframe, never mid-GOP', () => {
  const q = new ChunkQueue(1000);
  q.push(v(0, true, 400));
  q.push(v(1, false, 400));
  assert.equal(q.push(v(2, false, 400)), 'dropped-backlog');
  assert.equal(q.length, 0);
  assert.equal(q.bytes, 0);
  assert.equal(q.push(v(3, false, 100)), 'skipped-waiting-for-key');
  assert.equal(q.push(v(4, true, 100)), 'queued');
  assert.equal(q.shift()?.timestampUs, 4);
  assert.equal(q.droppedChunks, 4);
});

test('a keyframe that overflows starts the new GOP itself', () => {
  const q = new ChunkQueue(1000);
  q.push(v(0, true, 600));
  assert.equal(q.push(v(1, true, 600)), 'dropped-backlog');
  assert.equal(q.length, 1);
  assert.equal(q.shift()?.timestampUs, 1);
});

test('bytes stay within the bound whatever is pushed', () => {
  const q = new ChunkQueue(5000);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 10_000; i++) {
    const r = rand();
    q.push(r < 0.1 ? v(i, true, 1 + Math.floor(rand() * 3000)) : r < 0.6 ? v(i, false, 1 + Math.floor(rand() * 3000)) : a(i));
    assert.ok(q.bytes <= 5000, `bytes ${q.bytes}`);
    if (rand() < 0.3) q.shift();
  }
});

test('whenNotEmpty resolves on push', async () => {
  const q = new ChunkQueue(1000);
  const p = q.whenNotEmpty();
  q.push(a(0));
  await p;
  assert.equal(q.length, 1);
});
