/**
 * A slow recording disk must never delay the chunk path: push() only queues, the queue is bounded
 * in time, and what it drops is acknowledged (the recording shows a gap) rather than held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../util/logger.ts';
import { RecordingWriter, type RecordingFile } from './recording-writer.ts';

const log = createLogger('error', {}, () => undefined);

/** A file whose every write takes `writeMs`: a disk far slower than the stream. */
function slowFile(writeMs: number): RecordingFile & { written: number } {
  const f = {
    written: 0,
    write: async (b: Uint8Array) => {
      await new Promise((r) => setTimeout(r, writeMs));
      f.written += b.byteLength;
      return { bytesWritten: b.byteLength, buffer: b };
    },
    datasync: async () => undefined,
    close: async () => undefined,
  };
  return f as unknown as RecordingFile & { written: number };
}

test('a stuck recording disk: pushes never wait, the queue stays bounded in time, drops are acknowledged', async () => {
  const file = slowFile(1_500);
  const acks: { n: number; atMs: number }[] = [];
  const t0 = performance.now();
  const writer = new RecordingWriter('/nowhere/part-0001.log', { maxQueueMs: 300, maxQueueBytes: 64 * 1024 * 1024, ackIntervalMs: 50, open: async () => file }, log, {
    ack: (_c, n) => acks.push({ n, atMs: performance.now() - t0 }),
    wrote: () => null,
    stopped: () => assert.fail('the writer must not stop'),
  });
  const data = new Uint8Array(10_000); // ~2.4 Mbps at 30 chunks/s
  let slowestPushMs = 0;
  for (let i = 1; i <= 45; i++) {
    const t = performance.now();
    writer.push({ track: 'video', seq: i - 1, timestampUs: i * 33_333, durationUs: 33_333, key: i % 30 === 1 }, data, 1, i);
    slowestPushMs = Math.max(slowestPushMs, performance.now() - t);
    await new Promise((r) => setTimeout(r, 33));
  }
  assert.ok(slowestPushMs < 20, `a push took ${slowestPushMs.toFixed(1)} ms`);
  assert.ok(writer.dropped > 20, `${writer.dropped} chunks dropped once the oldest waited over 300 ms`);
  // Nothing is acknowledged before the first write is on disk, dropped chunks included (an ack
  // ahead of a chunk still queued would make the studio forget it).
  assert.ok(acks.every((a) => a.atMs >= 1_400), `an ack came before the first write finished: ${JSON.stringify(acks)}`);
  await writer.close();
  assert.equal(acks.at(-1)?.n, 45, `every chunk, written or dropped, is acknowledged in the end (${JSON.stringify(acks)})`);
});
