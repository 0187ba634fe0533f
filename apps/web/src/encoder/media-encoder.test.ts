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

/** Just enough of WebCodecs for the encoder's frame handling: frames carry a label, the encoder records what it encoded. */
function fakeWebCodecs(): { encoded: string[]; restore(): void } {
  const g = globalThis as Record<string, unknown>;
  const saved = { VideoFrame: g.VideoFrame, VideoEncoder: g.VideoEncoder };
  const encoded: string[] = [];
  class FakeFrame {
    label: string;
    timestamp: number;
    constructor(src: { label: string }, init: { timestamp: number }) {
      this.label = src.label;
      this.timestamp = init.timestamp;
    }
    clone() {
      return new FakeFrame(this, { timestamp: this.timestamp });
    }
    close() {}
  }
  class FakeEncoder {
    state = 'configured';
    encodeQueueSize = 0;
    static async isConfigSupported() {
      return { supported: true };
    }
    configure() {}
    async flush() {}
    encode(frame: FakeFrame) {
      encoded.push(frame.label);
    }
    close() {}
  }
  g.VideoFrame = FakeFrame;
  g.VideoEncoder = FakeEncoder;
  return { encoded, restore: () => Object.assign(g, saved) };
}

test('a still source whose newest frame was paced out shows that frame when it is repeated, not the one before', async () => {
  const codecs = fakeWebCodecs();
  const enc = new MediaEncoder({ width: 854, height: 480, frameRate: 15, bitrate: 300_000, contentHint: '', keyframeIntervalMs: 2_000, audio: null }, new FakeSink(), (e) => assert.fail(e));
  try {
    await enc.configure();
    const frame = (label: string) => new (globalThis as unknown as { VideoFrame: new (s: { label: string }, i: { timestamp: number }) => VideoFrame }).VideoFrame({ label }, { timestamp: Math.round(performance.now() * 1000) });
    enc.encodeVideo(frame('placeholder')); // the scene before: encoded
    enc.encodeVideo(frame('shared tab')); // 1 ms later at 15 fps: paced out; a still tab sends no other
    assert.deepEqual(codecs.encoded, ['placeholder']);
    await new Promise((r) => setTimeout(r, 900));
    assert.equal(codecs.encoded.at(-1), 'shared tab', `repeats: ${codecs.encoded.join(', ')}`);
  } finally {
    await enc.close();
    codecs.restore();
  }
});
