import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoDecoderLifecycle, type VideoDecoderFactory, type VideoDecoderLike } from './video-decoder-lifecycle.ts';

const CONFIG = { codec: 'avc1.640028', codedWidth: 1280, codedHeight: 720, optimizeForLatency: true } as VideoDecoderConfig;
const CHUNK = {} as EncodedVideoChunk;

/** A decoder that behaves like the browser's: an error closes it and later calls throw. */
class FakeDecoder implements VideoDecoderLike {
  state: CodecState = 'unconfigured';
  decodeQueueSize = 0;
  configs: VideoDecoderConfig[] = [];
  decoded = 0;
  constructor(private init: { output: (f: VideoFrame) => void; error: (e: Error) => void }) {}
  configure(c: VideoDecoderConfig): void {
    this.configs.push(c);
    this.state = 'configured';
  }
  decode(): void {
    if (this.state !== 'configured') throw new Error('InvalidStateError: decoder is closed');
    this.decoded++;
  }
  reset(): void {
    this.state = 'unconfigured';
  }
  close(): void {
    this.state = 'closed';
  }
  /** The browser's decoder hits corrupt data. */
  failNow(message = 'EncodingError: decoding error'): void {
    this.state = 'closed';
    this.init.error(new Error(message));
  }
}

function setup(supported = true) {
  const decoders: FakeDecoder[] = [];
  const factory: VideoDecoderFactory = {
    create: (init) => {
      const d = new FakeDecoder(init);
      decoders.push(d);
      return d;
    },
    isConfigSupported: async () => ({ supported }),
  };
  const seen = { rebuilt: [] as string[], failed: [] as string[] };
  let nowMs = 0;
  const life = new VideoDecoderLifecycle(factory, { frame: () => undefined, rebuilt: (r) => seen.rebuilt.push(r), failed: (r) => seen.failed.push(r) }, { now: () => nowMs });
  return { life, decoders, seen, advance: (ms: number) => (nowMs += ms) };
}

test('a decode error rebuilds the decoder from the last config, and decoding goes on', () => {
  const { life, decoders, seen } = setup();
  life.configure(CONFIG);
  assert.equal(life.decode(CHUNK), true);
  decoders[0]!.failNow();
  assert.equal(decoders.length, 2, 'a new decoder is built');
  assert.deepEqual(decoders[1]!.configs, [CONFIG], 'configured from the last config');
  assert.equal(life.rebuilds, 1);
  assert.equal(seen.rebuilt.length, 1);
  assert.match(seen.rebuilt[0]!, /decoding error/);
  assert.equal(life.ready, true);
  assert.equal(life.decode(CHUNK), true);
  assert.equal(decoders[1]!.decoded, 1);
  assert.deepEqual(seen.failed, []);
});

test('a decode call that throws (e.g. a delta where a keyframe was required) rebuilds instead of throwing', () => {
  const { life, decoders } = setup();
  life.configure(CONFIG);
  decoders[0]!.decode = () => {
    throw new Error('DataError: a key frame is required');
  };
  assert.equal(life.decode(CHUNK), false);
  assert.equal(life.rebuilds, 1);
  assert.equal(life.ready, true);
});

test('3 errors within 10 s give up, with the reason in words; spread-out errors do not', () => {
  const { life, decoders, seen, advance } = setup();
  life.configure(CONFIG);
  for (let i = 0; i < 4; i++) {
    decoders.at(-1)!.failNow();
    advance(6_000);
  }
  assert.deepEqual(seen.failed, [], 'errors 6 s apart are two at most in any 10 s');
  assert.equal(life.rebuilds, 4);
  decoders.at(-1)!.failNow();
  advance(1_000);
  decoders.at(-1)!.failNow();
  assert.equal(seen.failed.length, 1);
  assert.match(seen.failed[0]!, /video decoding failed 3 times in 10 s/);
  assert.equal(life.state, 'failed');
  assert.equal(life.ready, false);
  assert.equal(life.decode(CHUNK), false);
});

test('an unsupported config gives up at once, naming the codec and size', async () => {
  const { life, seen } = setup(false);
  life.configure(CONFIG);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen.failed, ['this browser cannot decode avc1.640028 at 1280×720']);
  assert.equal(life.ready, false);
});

test('frames of a decoder already replaced are closed, not shown', () => {
  let output: ((f: VideoFrame) => void) | null = null;
  const shown: unknown[] = [];
  const factory: VideoDecoderFactory = {
    create: (init) => {
      output ??= init.output;
      return new FakeDecoder(init);
    },
    isConfigSupported: async () => ({ supported: true }),
  };
  const life = new VideoDecoderLifecycle(factory, { frame: (f) => shown.push(f), rebuilt: () => undefined, failed: () => undefined });
  life.configure(CONFIG);
  life.configure(CONFIG); // a new decoder
  let closed = false;
  output!({ close: () => (closed = true) } as unknown as VideoFrame);
  assert.equal(closed, true);
  assert.deepEqual(shown, []);
});
