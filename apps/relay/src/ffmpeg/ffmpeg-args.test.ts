import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHlsArgs, buildRtmpArgs } from './ffmpeg-args.ts';

const base = { outDir: '/data/hls/abc', hlsTimeSec: 2, hlsListSize: 5, hasAudio: true, aacBitrate: 128_000, append: false, fragmentDurationUs: 160_000 };
const teeOption = (args: string[], name: string) => args.at(-1)!.match(new RegExp(`(?:\\[|:)${name}=((?:\\\\.|[^:\\]])*)`))?.[1];
const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

test('video is copied and Opus becomes AAC; input is Matroska on stdin without -re', () => {
  const args = buildHlsArgs(base);
  assert.equal(valueOf(args, '-f'), 'matroska');
  assert.equal(valueOf(args, '-i'), 'pipe:0');
  assert.equal(valueOf(args, '-c:v'), 'copy');
  assert.equal(valueOf(args, '-c:a'), 'aac');
  assert.equal(valueOf(args, '-b:a'), '128000');
  assert.equal(valueOf(args, '-af'), 'aresample=async=1000', 'audio gaps are filled with silence, small drift stretched');
  assert.ok(!args.includes('-re'), 'no -re: the input is already live');
  assert.ok(!args.some((a) => a.startsWith('-c:v') && args[args.indexOf(a) + 1] !== 'copy'), 'never transcodes video');
});

test('HLS settings: hls_time, list size, deleted segments, atomic playlist, stream folder only', () => {
  const args = buildHlsArgs(base);
  assert.equal(valueOf(args, '-f'), 'matroska');
  assert.equal(args[args.lastIndexOf('-f') + 1], 'tee', 'one AAC encode feeds both muxers');
  assert.equal(teeOption(args, 'hls_time'), '2');
  assert.equal(teeOption(args, 'hls_list_size'), '5');
  const flags = teeOption(args, 'hls_flags')!.split('+');
  assert.ok(flags.includes('delete_segments'));
  assert.ok(flags.includes('temp_file'));
  assert.ok(flags.includes('omit_endlist'), 'the relay, not FFmpeg, ends the playlist (one stream may span FFmpeg runs)');
  assert.ok(!flags.includes('append_list'));
  assert.equal(teeOption(args, 'hls_segment_filename'), '/data/hls/abc/seg_%05d.ts');
  // FFmpeg's own playlist; players get index.m3u8, which the relay writes from it (outputs/hls-playlist.ts).
  assert.match(args.at(-1)!, /\]\/data\/hls\/abc\/ffmpeg\.m3u8\|/);
});

test('LL-HLS: fragmented MP4 on fd 3, cut at keyframes and every fragmentDurationUs', () => {
  const out = buildHlsArgs(base).at(-1)!;
  assert.match(out, /\|\[f=mp4:movflags=empty_moov\+default_base_moof\+frag_keyframe:frag_duration=160000\]pipe:3$/);
});

test('special characters in the folder are escaped for tee (twice inside options)', () => {
  const out = buildHlsArgs({ ...base, outDir: "/d/a:b[c]|'x" }).at(-1)!;
  assert.ok(out.includes("hls_segment_filename=/d/a\\\\\\:b\\\\\\[c\\\\\\]\\\\\\|\\\\\\'x/seg_%05d.ts]"), out);
  assert.ok(out.includes("]/d/a\\:b\\[c\\]\\|\\'x/ffmpeg.m3u8|"), out);
});

test('without audio no audio stream is mapped or encoded', () => {
  const args = buildHlsArgs({ ...base, hasAudio: false });
  assert.ok(!args.includes('-c:a'));
  assert.deepEqual(args.filter((a) => a.startsWith('0:')), ['0:v:0']);
});

test('a restarted output appends to the playlist behind a discontinuity', () => {
  const flags = teeOption(buildHlsArgs({ ...base, append: true }), 'hls_flags')!.split('+');
  assert.ok(flags.includes('append_list') && flags.includes('discont_start'));
});

test('progress goes to stdout for the stall detector', () => {
  assert.equal(valueOf(buildHlsArgs(base), '-progress'), 'pipe:1');
});

test('an RTMP destination copies the video, encodes AAC and writes live FLV to fd 3 (the relay publishes it)', () => {
  const args = buildRtmpArgs({ hasAudio: true, aacBitrate: 128_000 });
  assert.equal(valueOf(args, '-c:v'), 'copy');
  assert.equal(valueOf(args, '-c:a'), 'aac');
  assert.equal(args[args.lastIndexOf('-f') + 1], 'flv');
  assert.equal(args.at(-1), 'pipe:3');
  assert.ok(!args.some((a) => /^rtmps?:/.test(a)), 'no URL on the command line');
});
