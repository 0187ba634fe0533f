import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoxSplitter } from './mp4-boxes.ts';
import { LlMedia } from './ll-media.ts';
import { renderPlaylist } from './ll-playlist.ts';

const opts = { partTargetSec: 0.2, segmentTargetSec: 2, windowSegments: 3 };
const bytes = Buffer.alloc(10);

/** Adds `n` parts of 0.2 s; every `gop`-th is a keyframe part. */
function feed(m: LlMedia, n: number, gop = 10): void {
  for (let i = 0; i < n; i++) m.addPart(bytes, 0.2, i % gop === 0);
}

test('segments are cut at keyframe parts, numbered in order, and parts listed only for the last ones', () => {
  const m = new LlMedia(opts);
  m.startRun(Buffer.from('init'));
  feed(m, 45);
  const closed = m.segments.filter((s) => s.bytes);
  assert.deepEqual(closed.map((s) => s.msn), [1, 2, 3], 'window of 3 closed segments; segment 0 slid out');
  assert.ok(closed.every((s) => Math.abs(s.durationSec - 2) < 1e-9));
  assert.ok(m.segments.every((s) => s.parts[0] === undefined || s.parts[0].independent));
  assert.equal(m.open?.msn, 4);
  assert.deepEqual(m.nextPartName, { msn: 4, index: 5 });
  const text = renderPlaylist(m);
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:1\n/);
  assert.ok(!text.includes('ll-part-1.'), 'the oldest segment lists no parts');
  assert.ok(text.includes('ll-part-2.0.m4s') && text.includes('ll-part-4.4.m4s'));
  assert.ok(m.part(1, 0), 'but its parts are still served for a while');
  assert.match(text, /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="ll-part-4\.5\.m4s"\n$/);
});

test('without keyframes a segment is still cut before EXTINF would round above TARGETDURATION', () => {
  const m = new LlMedia(opts);
  m.startRun(Buffer.from('init'));
  feed(m, 40, 1000);
  for (const s of m.segments.filter((x) => x.bytes)) assert.ok(Math.round(s.durationSec) <= m.targetDurationSec, `${s.durationSec} s`);
});

test('a new run starts a new segment behind a discontinuity with its own map; the sequence counts what slid out', () => {
  const m = new LlMedia(opts);
  m.startRun(Buffer.from('a'));
  feed(m, 15);
  m.startRun(Buffer.from('b'));
  feed(m, 5);
  let text = renderPlaylist(m);
  assert.equal(text.match(/#EXT-X-DISCONTINUITY\n/g)?.length, 1, 'only the second run starts behind a discontinuity');
  assert.match(text, /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="ll-init-1\.mp4"\n/);
  assert.match(text, /#EXT-X-DISCONTINUITY-SEQUENCE:0\n/);
  feed(m, 60);
  text = renderPlaylist(m);
  assert.match(text, /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/, 'the discontinuity slid out of the window');
  assert.ok(!text.includes('ll-init-0.mp4') && m.init(0) === undefined, 'the first run\'s init segment is gone with its segments');
});

test('has(): a part, or anything after it; a whole segment once closed; everything once ended', () => {
  const m = new LlMedia(opts);
  m.startRun(Buffer.from('a'));
  feed(m, 12);
  assert.ok(m.has(1, 1) && !m.has(1, 2) && m.has(0, 99), 'segment 0 closed after 10 parts: part 0.99 counts as passed');
  assert.ok(m.has(0, null) && !m.has(1, null));
  m.end();
  assert.ok(m.has(5, 0));
  assert.match(renderPlaylist(m), /#EXT-X-ENDLIST\n$/);
});

test('BoxSplitter: boxes split across any chunking come out whole; a lying size is an error in words', () => {
  const box = (type: string, n: number) => Buffer.concat([Buffer.from([0, 0, 0, 8 + n]), Buffer.from(type, 'latin1'), Buffer.alloc(n, 7)]);
  const stream = Buffer.concat([box('ftyp', 4), box('moov', 20), box('moof', 3), box('mdat', 50)]);
  for (const step of [1, 3, 7, 100]) {
    const s = new BoxSplitter();
    const got = [];
    for (let i = 0; i < stream.length; i += step) got.push(...s.push(stream.subarray(i, i + step)));
    assert.deepEqual(got.map((b) => `${b.type}:${b.bytes.length}`), ['ftyp:12', 'moov:28', 'moof:11', 'mdat:58']);
  }
  assert.throws(() => new BoxSplitter().push(Buffer.from([0, 0, 0, 3, 1, 2, 3, 4])), /claims 3 bytes/);
});

test('a stream resumed after a relay restart continues at firstMsn, behind a discontinuity', () => {
  const m = new LlMedia({ ...opts, firstMsn: 500 });
  m.startRun(Buffer.from('a'));
  feed(m, 12);
  const text = renderPlaylist(m);
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:500\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP/);
  assert.equal(text.match(/#EXT-X-DISCONTINUITY\n/g)?.length, 1);
  assert.ok(m.part(501, 1));
});
