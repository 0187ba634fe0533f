/** The muxer's bytes, read back by FFmpeg's own demuxer: codecs, timestamps and keyframes survive. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFixture } from '../../test/support/fixture.ts';
import { MkvMuxer } from './mkv-muxer.ts';

test('H.264 + Opus chunks become Matroska that FFmpeg reads with the same timestamps', async () => {
  const fx = await loadFixture({ seconds: 4 });
  const parts: Uint8Array[] = [];
  const muxer = new MkvMuxer(async (b) => void parts.push(b.slice()), true, fx.video.config, fx.audio!.config);
  await muxer.start();
  const items = [...fx.video.packets.map((p) => ({ track: 'video' as const, ...p })), ...fx.audio!.packets.map((p) => ({ track: 'audio' as const, ...p }))];
  items.sort((a, b) => a.timestampUs - b.timestampUs);
  for (const it of items) await muxer.add(it);
  await muxer.finalize();
  assert.equal(muxer.state, 'finalized');

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-mux-')), 'out.mkv');
  fs.writeFileSync(file, Buffer.concat(parts));
  const probe = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:packet=codec_type,pts_time,flags', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 32 << 20 }),
  ) as { streams: { codec_name: string }[]; packets: { codec_type: string; pts_time: string; flags: string }[] };
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['h264', 'opus']);
  const video = probe.packets.filter((p) => p.codec_type === 'video');
  assert.equal(video.length, fx.video.packets.length, 'every video chunk is in the file');
  // Matroska stores milliseconds: each pts is the chunk's own timestamp to within 1 ms.
  video.forEach((p, i) => assert.ok(Math.abs(Number(p.pts_time) * 1e6 - fx.video.packets[i]!.timestampUs) <= 1000, `frame ${i}`));
  const keys = video.map((p, i) => (p.flags.startsWith('K') ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(keys, fx.video.packets.map((p, i) => (p.key ? i : -1)).filter((i) => i >= 0));
  assert.equal(probe.packets.filter((p) => p.codec_type === 'audio').length, fx.audio!.packets.length);
});

test('adding before start is refused with a clear error', async () => {
  const fx = await loadFixture({ seconds: 4 });
  const muxer = new MkvMuxer(async () => undefined, false, fx.video.config, null);
  await assert.rejects(muxer.add({ track: 'video', timestampUs: 0, durationUs: 0, key: true, data: new Uint8Array([1]) }), /muxer is pending/);
});
