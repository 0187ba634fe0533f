import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChunkMessage } from '@tabcast/shared';
import { MediaEncoder, type ChunkSink } from './media-encoder.ts';

/** A sink whose socket can be made to refuse sends, recording what went out. */
class FakeSink implements ChunkSink {
  sent: ChunkMessage[] = [];
  refuse = false;
  get canSend(): boolean {
    return !this.refuse;
  }
  bufferedAmount = 0;
  send(chunk: ChunkMessage): boolean {
    if (this.refuse) return false;
    this.sent.push(chunk);
    return true;
  }
}

/** What the encoder's output callback gets from a VideoEncoder. */
function encoded(i: number, key: boolean): EncodedVideoChunk {
  return { type: key ? 'key' : 'delta', timestamp: i * 33_333, duration: 33_333, byteLength: 4, copyTo: (dst: Uint8Array) => dst.set([0, 0, 0, i]) } as unknown as EncodedVideoChunk;
}

const META = { decoderConfig: { codec: 'avc1.640028', codedWidth: 1280, codedHeight: 720, description: new Uint8Array([1, 100, 0, 40]) } } as EncodedVideoChunkMetadata;

test('after a video chunk the socket refused, no delta goes out until the next keyframe', () => {
  const sink = new FakeSink();
  const enc = new MediaEncoder({ width: 1280, height: 720, frameRate: 30, bitrate: 2_500_000, contentHint: '', keyframeIntervalMs: 2_000, audio: null }, sink, (e) => assert.fail(e));
  const gop = [true, false, false, false, false, false, true, false];
  gop.forEach((key, i) => {
    sink.refuse = i === 2; // chunk 2 is refused; the socket has room again from chunk 3 on
    enc.onVideoChunk(encoded(i, key), i === 0 ? META : undefined);
  });
  assert.deepEqual(
    sink.sent.map((c) => [c.seq, c.key]),
    [
      [0, true],
      [1, false],
      [6, true],
      [7, false],
    ],
    'deltas 3–5 depend on the refused chunk 2 and are held back; the keyframe at 6 resumes',
  );
  assert.ok(sink.sent[0]!.config, 'the first keyframe carries the codec config');
});
