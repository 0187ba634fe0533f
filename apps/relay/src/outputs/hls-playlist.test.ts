/** index.m3u8 from FFmpeg's playlist, fed by hand-written playlists in a temporary folder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../util/logger.ts';
import { HlsPlaylist, parseWindow } from './hls-playlist.ts';

const log = createLogger('error');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ffmpegPlaylist(first: number, count: number, discontinuities: number[] = []): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${first}`];
  for (let i = first; i < first + count; i++) {
    if (discontinuities.includes(i)) lines.push('#EXT-X-DISCONTINUITY');
    lines.push('#EXTINF:2.000000,', `seg_${String(i).padStart(5, '0')}.ts`);
  }
  return lines.join('\n') + '\n';
}

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-playlist-'));
  const write = (text: string) => fs.writeFileSync(path.join(dir, 'ffmpeg.m3u8'), text);
  const index = () => parseWindow(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8'));
  return { dir, write, index };
}

test('the discontinuity sequence counts discontinuities that slid out, and survives a relay restart', () => {
  const { dir, write, index } = setup();
  const p = new HlsPlaylist(dir, log);
  write(ffmpegPlaylist(0, 3, [2]));
  p.sync();
  assert.equal(index().discontinuitySequence, 0);
  write(ffmpegPlaylist(2, 3, [2, 4]));
  p.sync();
  assert.equal(index().discontinuitySequence, 0, 'segment 2 (with its discontinuity) is still in the window');
  write(ffmpegPlaylist(5, 3)); // several versions skipped at once: both slid out
  p.sync();
  assert.equal(index().discontinuitySequence, 2);
  // A new relay process reads its own index.m3u8 back.
  const again = new HlsPlaylist(dir, log);
  write(ffmpegPlaylist(6, 3, [8]));
  again.sync();
  assert.equal(index().discontinuitySequence, 2);
  assert.deepEqual(index().segments.map((s) => s.discontinuity), [false, false, true]);
  assert.equal(again.end(), true);
  const text = fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:6\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n/);
  assert.match(text, /#EXT-X-ENDLIST\n$/);
});

test('segments more than one place before the window are deleted; the window, the one before it and newer ones stay', async () => {
  const { dir, write } = setup();
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(dir, `seg_${String(i).padStart(5, '0')}.ts`), 'x');
  const p = new HlsPlaylist(dir, log);
  write(ffmpegPlaylist(5, 3));
  p.sync();
  const deadline = Date.now() + 2_000;
  const left = () => fs.readdirSync(dir).filter((f) => f.startsWith('seg_')).sort();
  while (left().length > 6 && Date.now() < deadline) await sleep(20);
  assert.deepEqual(left(), ['seg_00004.ts', 'seg_00005.ts', 'seg_00006.ts', 'seg_00007.ts', 'seg_00008.ts', 'seg_00009.ts']);
});

test('a folder from an older relay (FFmpeg wrote index.m3u8) is carried over for FFmpeg to continue', () => {
  const { dir } = setup();
  fs.writeFileSync(path.join(dir, 'index.m3u8'), ffmpegPlaylist(3, 2) + '#EXT-X-ENDLIST\n');
  new HlsPlaylist(dir, log);
  const carried = fs.readFileSync(path.join(dir, 'ffmpeg.m3u8'), 'utf8');
  assert.ok(!carried.includes('#EXT-X-ENDLIST'));
  assert.equal(parseWindow(carried).segments.length, 2);
});
