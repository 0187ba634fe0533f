import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioConfig, VideoConfig } from '@tabcast/shared';
import type { IndexedChunk } from './chunk-log.ts';
import { opusHead, planRecording } from './finalize.ts';

const vc: VideoConfig = { codec: 'avc1.640028', codedWidth: 1280, codedHeight: 720, description: new Uint8Array([1, 2, 3]) };
const ac: AudioConfig = { codec: 'opus', sampleRate: 48_000, numberOfChannels: 2 };
const FRAME_US = 33_333;

/** Video chunk `seq` of a 30 fps stream with a keyframe every 30 frames, from publisher time 5 s. */
function video(seq: number, extra: Partial<IndexedChunk> = {}): IndexedChunk {
  const key = seq % 30 === 0;
  return { track: 'video', seq, timestampUs: 5_000_000 + seq * FRAME_US, durationUs: FRAME_US, key, ...(key ? { config: vc } : {}), file: 'a', offset: seq, bytes: 1, ...extra };
}
function audio(seq: number): IndexedChunk {
  return { track: 'audio', seq, timestampUs: 5_000_000 + seq * 20_000, durationUs: 20_000, key: true, ...(seq === 0 ? { config: ac } : {}), file: 'a', offset: 1e6 + seq, bytes: 1 };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test('live and backfilled copies of a chunk count once, in seq order; no gap when nothing is missing', () => {
  const live = range(0, 90).filter((s) => s < 40 || s >= 60).map((s) => video(s));
  const backfill = range(30, 70).map((s) => video(s, { backfill: true, file: 'b' }));
  const plan = planRecording([...backfill, ...live, ...range(0, 150).map(audio)])!;
  assert.deepEqual(plan.video.map((c) => c.seq), range(0, 90));
  assert.deepEqual(plan.gaps, []);
  assert.equal(plan.originUs, 5_000_000);
  assert.ok(plan.audio.length > 0 && plan.audio.every((c) => c.timestampUs >= plan.originUs));
});

test('a hole nothing filled is a gap: video resumes at the next keyframe, the time stays empty', () => {
  const chunks = range(0, 90).filter((s) => s < 40 || s >= 45).map((s) => video(s));
  const plan = planRecording(chunks)!;
  assert.deepEqual(plan.video.map((c) => c.seq), [...range(0, 40), ...range(60, 90)], 'deltas after the hole wait for keyframe 60');
  assert.equal(plan.gaps.length, 1);
  assert.equal(plan.gaps[0]!.atMs, Math.round((40 * FRAME_US) / 1000));
  assert.equal(plan.gaps[0]!.durationMs, Math.round((60 * FRAME_US - 40 * FRAME_US) / 1000));
});

test('a studio that encoded nothing for a while (seq continuous) lost nothing: no gap', () => {
  const chunks = range(0, 60).map((s) => video(s, { timestampUs: 5_000_000 + s * FRAME_US + (s >= 30 ? 3_000_000 : 0) }));
  assert.deepEqual(planRecording(chunks)!.gaps, []);
});

test('no keyframe: nothing to make', () => {
  assert.equal(planRecording(range(1, 10).map((s) => video(s))), null);
});

test('the OpusHead written for a config without one', () => {
  const h = opusHead(ac);
  assert.equal(h.byteLength, 19);
  assert.equal(new TextDecoder().decode(h.subarray(0, 8)), 'OpusHead');
  assert.equal(h[9], 2);
  assert.equal(new DataView(h.buffer).getUint32(12, true), 48_000);
});
