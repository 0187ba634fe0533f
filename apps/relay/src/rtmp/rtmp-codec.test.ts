/** AMF0, chunk stream and FLV tag parsing, fed raw bytes (no server). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amf0Error, decodeAmf0, encodeAmf0 } from './amf0.ts';
import { ChunkReader, MSG, RtmpProtocolError, encodeMessage } from './chunk-stream.ts';
import { FlvFormatError, FlvTagReader } from './flv-tags.ts';
import { parseRtmpUrl } from './rtmp-publisher.ts';

test('AMF0 round-trips the values of RTMP commands, and refuses truncated data in words', () => {
  const values = ['connect', 1, { app: 'live', tcUrl: 'rtmp://h/live', n: 3.5, ok: true, nested: { x: null } }, null, [1, 'a']];
  assert.deepEqual(decodeAmf0(encodeAmf0(...values)), values);
  // An ECMA array (how onMetaData comes) reads as an object.
  const ecma = Buffer.concat([Buffer.from([0x08, 0, 0, 0, 1]), encodeAmf0('k').subarray(1), encodeAmf0(2), Buffer.from([0, 0, 9])]);
  assert.deepEqual(decodeAmf0(ecma), [{ k: 2 }]);
  assert.throws(() => decodeAmf0(encodeAmf0('connect').subarray(0, 5)), Amf0Error);
  assert.throws(() => decodeAmf0(Buffer.from([0x11])), /type 0x11 is not supported/);
});

test('chunk stream: messages cut at any chunk size come back whole, byte by byte too', () => {
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  for (const chunkSize of [128, 300, 4096]) {
    const bytes = Buffer.concat([
      encodeMessage({ csid: 6, type: MSG.video, streamId: 1, timestamp: 40, payload }, chunkSize),
      encodeMessage({ csid: 3, type: MSG.commandAmf0, streamId: 0, timestamp: 0, payload: encodeAmf0('_result', 1) }, chunkSize),
      encodeMessage({ csid: 6, type: MSG.video, streamId: 1, timestamp: 0x1000000, payload }, chunkSize), // extended timestamp
    ]);
    const reader = new ChunkReader();
    reader.chunkSize = chunkSize;
    const got = [];
    for (const b of bytes) got.push(...reader.push(Buffer.from([b])));
    assert.equal(got.length, 3);
    assert.deepEqual(got[0]!.payload, payload);
    assert.equal(got[0]!.timestamp, 40);
    assert.deepEqual(decodeAmf0(got[1]!.payload), ['_result', 1]);
    assert.equal(got[2]!.timestamp, 0x1000000);
    assert.deepEqual(got[2]!.payload, payload);
  }
});

test('chunk stream: header types 1–3 carry deltas, Set Chunk Size applies to what follows, garbage is refused', () => {
  const reader = new ChunkReader();
  const first = encodeMessage({ csid: 3, type: MSG.commandAmf0, streamId: 0, timestamp: 100, payload: Buffer.from('ab') }, 128);
  // type 1 (delta 10, length 2, type 20), then type 2 (delta 5), then type 3 (delta repeated)
  const t1 = Buffer.from([0x43, 0, 0, 10, 0, 0, 2, 20, 0x63, 0x64]);
  const t2 = Buffer.from([0x83, 0, 0, 5, 0x65, 0x66]);
  const t3 = Buffer.from([0xc3, 0x67, 0x68]);
  const setSize = encodeMessage({ csid: 2, type: MSG.setChunkSize, streamId: 0, timestamp: 0, payload: Buffer.from([0, 0, 0x10, 0]) }, 128);
  const got = reader.push(Buffer.concat([first, t1, t2, t3, setSize]));
  assert.deepEqual(got.map((m) => m.timestamp), [100, 110, 115, 120, 0]);
  assert.equal(reader.chunkSize, 4096);
  assert.throws(() => new ChunkReader().push(Buffer.from([0x45, 0, 0, 0, 0, 0, 1, 20, 0])), RtmpProtocolError);
});

test('FLV: header skipped, tags read with their 32-bit timestamps, whatever the byte boundaries', () => {
  const tag = (type: number, ts: number, data: Buffer) => {
    const h = Buffer.alloc(11);
    h[0] = type;
    h.writeUIntBE(data.length, 1, 3);
    h.writeUIntBE(ts & 0xffffff, 4, 3);
    h[7] = ts >>> 24;
    const prev = Buffer.alloc(4);
    prev.writeUInt32BE(11 + data.length);
    return Buffer.concat([h, data, prev]);
  };
  const stream = Buffer.concat([Buffer.from('FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00', 'latin1'), tag(18, 0, Buffer.from('meta')), tag(9, 33, Buffer.alloc(500, 1)), tag(8, 0x01000005, Buffer.from('aac'))]);
  const reader = new FlvTagReader();
  const tags = [];
  for (let i = 0; i < stream.length; i += 7) tags.push(...reader.push(stream.subarray(i, i + 7)));
  assert.deepEqual(tags.map((t) => [t.type, t.timestamp, t.data.length]), [[18, 0, 4], [9, 33, 500], [8, 0x01000005, 3]]);
  assert.throws(() => new FlvTagReader().push(Buffer.from('NOTFLV-------')), FlvFormatError);
});

test('RTMP URLs: app, port defaults, rtmps, and errors that name what is wrong', () => {
  assert.deepEqual(parseRtmpUrl('rtmp://a.example/live2'), { secure: false, host: 'a.example', port: 1935, app: 'live2', tcUrl: 'rtmp://a.example/live2' });
  assert.deepEqual(parseRtmpUrl('rtmps://h:444/app/inst/'), { secure: true, host: 'h', port: 444, app: 'app/inst', tcUrl: 'rtmps://h:444/app/inst' });
  assert.equal(parseRtmpUrl('rtmps://h/app').port, 443);
  assert.equal(parseRtmpUrl('rtmp://h/app?token=abc').app, 'app?token=abc');
  assert.throws(() => parseRtmpUrl('http://h/app'), /rtmp:\/\/ or rtmps:\/\//);
  assert.throws(() => parseRtmpUrl('rtmp://h'), /names no application/);
});
