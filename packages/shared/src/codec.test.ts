import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack } from 'msgpackr';
import { decodePublisherMessage, decodeRelayMessage, decodeViewerClientMessage, decodeViewerMessage, encodeMessage } from './codec.ts';
import { TabcastError } from './errors.ts';
import { PROTOCOL_VERSION } from './limits.ts';
import type { ChunkMessage, HelloMessage } from './protocol.ts';

const hello: HelloMessage = {
  type: 'hello',
  version: PROTOCOL_VERSION,
  key: 'tck_abc.def',
  video: { codec: 'avc' },
  audio: { codec: 'opus', sampleRate: 48_000, numberOfChannels: 2 },
};

const chunk: ChunkMessage = {
  type: 'chunk',
  track: 'video',
  timestampUs: 1_234_567,
  durationUs: 33_333,
  key: true,
  data: new Uint8Array([0, 0, 0, 2, 0x65, 0x88]),
  config: { codec: 'avc1.640028', codedWidth: 1280, codedHeight: 720, description: new Uint8Array([1, 0x64, 0, 0x28, 0xff]) },
};

function expectCode(fn: () => unknown, code: string) {
  assert.throws(fn, (err: unknown) => err instanceof TabcastError && err.code === code);
}

test('hello and chunk round-trip unchanged', () => {
  assert.deepEqual(decodePublisherMessage(encodeMessage(hello)), hello);
  const back = decodePublisherMessage(encodeMessage(chunk)) as ChunkMessage;
  assert.equal(back.timestampUs, chunk.timestampUs);
  assert.deepEqual(Array.from(back.data), Array.from(chunk.data));
  assert.equal(back.config?.codec, 'avc1.640028');
});

test('relay messages round-trip', () => {
  const welcome = { type: 'welcome', version: 1, streamId: 'abc123', watchUrl: '/watch/abc123', hlsUrl: '/hls/abc123/index.m3u8', resumed: false } as const;
  assert.deepEqual(decodeRelayMessage(encodeMessage(welcome)), welcome);
  const err = { type: 'error', code: 'unauthorized', message: 'unknown stream key', fatal: true } as const;
  assert.deepEqual(decodeRelayMessage(encodeMessage(err)), err);
});

test('viewer messages round-trip; publisher-only messages are not viewer messages', () => {
  for (const msg of [{ type: 'live' }, { type: 'stream-ended' }, { type: 'skipped', reason: 'behind' }] as const) {
    assert.deepEqual(decodeViewerMessage(encodeMessage(msg)), msg);
  }
  assert.equal((decodeViewerMessage(encodeMessage(chunk)) as ChunkMessage).timestampUs, chunk.timestampUs);
  expectCode(() => decodeViewerMessage(encodeMessage(hello)), 'bad-message');
  expectCode(() => decodeViewerMessage(pack({ type: 'live', extra: 1 })), 'bad-message');
});

test('timestamps beyond 32 bits survive', () => {
  const big = { ...chunk, timestampUs: 2 ** 40 + 7 };
  assert.equal((decodePublisherMessage(encodeMessage(big)) as ChunkMessage).timestampUs, 2 ** 40 + 7);
});

test('every truncation of a valid message is rejected with bad-message', () => {
  const bytes = encodeMessage(chunk);
  for (let n = 1; n < bytes.byteLength; n++) {
    expectCode(() => decodePublisherMessage(bytes.subarray(0, n)), 'bad-message');
  }
});

test('garbage, empty and wrong-shape input is rejected', () => {
  expectCode(() => decodePublisherMessage(new Uint8Array()), 'bad-message');
  expectCode(() => decodePublisherMessage(new Uint8Array([0xc1])), 'bad-message'); // never-used msgpack byte
  expectCode(() => decodePublisherMessage(pack('hello')), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ type: 'nope' })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...chunk, timestampUs: -1 })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...chunk, timestampUs: 1.5 })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...chunk, track: 'subtitles' })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...chunk, data: 'not bytes' })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...chunk, extra: 1 })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...hello, key: '' })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...chunk, config: { ...chunk.config, codec: 'hev1.1.6.L93.B0' } })), 'bad-message');
});

test('random bytes never throw anything but a TabcastError', () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 5000; i++) {
    const bytes = new Uint8Array(1 + Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256));
    try {
      decodePublisherMessage(bytes);
    } catch (err) {
      assert.ok(err instanceof TabcastError, `non-Tabcast error for ${bytes}: ${err}`);
    }
  }
});

test('oversized messages are refused before parsing', () => {
  const bytes = encodeMessage({ ...chunk, data: new Uint8Array(2048) });
  expectCode(() => decodePublisherMessage(bytes, 1024), 'message-too-large');
});

test('the error message names the failing field', () => {
  try {
    decodePublisherMessage(pack({ ...chunk, durationUs: 'x' }));
    assert.fail('should throw');
  } catch (err) {
    assert.match((err as Error).message, /durationUs/);
  }
});

test('a hello of another version is unsupported-version, even with fields this version lacks', () => {
  expectCode(() => decodePublisherMessage(pack({ ...hello, version: 99, newField: { x: 1 } })), 'unsupported-version');
  expectCode(() => decodePublisherMessage(pack({ ...hello, version: 'two' })), 'bad-message');
});

test('destinations: RTMP(S) URLs with a host only, printable keys, bounded list', () => {
  const ok = { type: 'destinations', destinations: [{ id: 'yt', name: 'YouTube', enabled: true, url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: 'abcd-1234' }] };
  assert.deepEqual(decodePublisherMessage(pack(ok)), ok);
  const withUrl = (url: string) => pack({ type: 'destinations', destinations: [{ id: 'x', name: 'x', enabled: true, url }] });
  decodePublisherMessage(withUrl('rtmps://live.example.com:443/app'));
  for (const bad of ['http://x/app', 'rtmp://', 'rtmp:///app', 'rtmp://host/a b', 'file:///etc/passwd', 'rtmp://-x y/']) {
    expectCode(() => decodePublisherMessage(withUrl(bad)), 'bad-message');
  }
  expectCode(() => decodePublisherMessage(pack({ type: 'destinations', destinations: [{ id: 'x', name: 'x', enabled: true, streamKey: 'has space' }] })), 'bad-message');
  const many = Array.from({ length: 11 }, (_, i) => ({ id: `d${i}`, name: 'n', enabled: false }));
  expectCode(() => decodePublisherMessage(pack({ type: 'destinations', destinations: many })), 'bad-message');
});

test('errors about secret fields never echo the value', () => {
  try {
    decodePublisherMessage(pack({ ...hello, key: 987654321 }));
    assert.fail('should throw');
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /987654321/);
    assert.match((err as Error).message, /^key: /);
  }
  try {
    decodePublisherMessage(pack({ type: 'destinations', destinations: [{ id: 'a', name: 'a', enabled: true, streamKey: 'sec ret-value' }] }));
    assert.fail('should throw');
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /sec ret/);
  }
});

test('duplicate destination ids are refused', () => {
  const d = { id: 'a', name: 'a', enabled: true };
  expectCode(() => decodePublisherMessage(pack({ type: 'destinations', destinations: [d, d] })), 'bad-message');
});

test('viewer reports round-trip; anything else a viewer sends is refused in words', () => {
  const report = { type: 'viewer-report', receivedTs: 12_345_678, keyframe: true } as const;
  assert.deepEqual(decodeViewerClientMessage(encodeMessage(report)), report);
  assert.deepEqual(decodeViewerClientMessage(encodeMessage({ type: 'viewer-report', receivedTs: 0 })), { type: 'viewer-report', receivedTs: 0 });
  for (const bad of [{ type: 'viewer-report', receivedTs: -1 }, { type: 'viewer-report', receivedTs: 1.5 }, { type: 'viewer-report' }, { type: 'chunk', track: 'video' }, { type: 'viewer-report', receivedTs: 1, extra: 1 }]) {
    assert.throws(() => decodeViewerClientMessage(pack(bad)), (err: TabcastError) => err.code === 'bad-message' && err.message.length > 0, JSON.stringify(bad));
  }
  assert.throws(() => decodeViewerClientMessage(new Uint8Array(200)), (err: TabcastError) => err.code === 'message-too-large');
});

test('stats (protocol 2) is validated: figures in range, no unknown fields', () => {
  const stats = { type: 'stats', captureFps: 29.5, targetFps: 30, encodeMs: 4.2, droppedEncoder: 0, droppedSocket: 3, encoderQueue: 1, socketBufferedBytes: 1024, targetBitrate: 2_500_000 } as const;
  assert.deepEqual(decodePublisherMessage(encodeMessage(stats)), stats);
  expectCode(() => decodePublisherMessage(pack({ ...stats, captureFps: -1 })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...stats, droppedSocket: 1.5 })), 'bad-message');
  expectCode(() => decodePublisherMessage(pack({ ...stats, extra: 1 })), 'bad-message');
  const { targetFps: _t, ...missing } = stats;
  expectCode(() => decodePublisherMessage(pack(missing)), 'bad-message');
  const q = { type: 'quality-request', direction: 'down', reason: 'the relay is busy' } as const;
  assert.deepEqual(decodeRelayMessage(encodeMessage(q)), q);
  expectCode(() => decodeRelayMessage(pack({ ...q, direction: 'up' })), 'bad-message');
});

test('a version-1 hello is still accepted', () => {
  assert.equal((decodePublisherMessage(pack({ ...hello, version: 1 })) as { version: number }).version, 1);
});
