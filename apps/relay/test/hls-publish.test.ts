/**
 * Relay integration: real H.264 + Opus chunks over a real WebSocket into the real relay, real
 * FFmpeg writing HLS, checked with ffprobe.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StreamInfo } from '@tabcast/shared';
import { loadFixture, type Fixture } from './support/fixture.ts';
import { parsePlaylist, probePacketTimes, probeStreams } from './support/probe.ts';
import { startRelay, TEST_KEY, type Harness } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

let relay: Harness;
let fx: Fixture;

before(async () => {
  fx = await loadFixture({ seconds: 12 });
  relay = await startRelay();
});
after(() => relay.stop());

test('a published stream becomes H.264 + AAC HLS with monotonic timestamps and ~2 s segments, and stop ends the playlist', async () => {
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(TEST_KEY);
  assert.match(welcome.streamId, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(welcome.watchUrl, `/watch/${welcome.streamId}`);

  const listed = (await (await fetch(`${relay.url}/api/streams`)).json()) as StreamInfo[];
  const mine = listed.find((s) => s.id === welcome.streamId);
  assert.ok(mine, 'stream is listed while live');
  assert.equal(mine.state, 'live');
  assert.equal(mine.hlsUrl, `/hls/${welcome.streamId}/index.m3u8`);
  assert.ok(!Number.isNaN(Date.parse(mine.startedAt)));

  // 4× real time: FFmpeg cuts segments on the chunks' own timestamps, not on arrival.
  await pub.sendFixture(fx, { pace: 4 });
  await pub.stop();
  await pub.closed;
  assert.equal(pub.closeCode, 1000);

  const res = await fetch(`${relay.url}${welcome.hlsUrl}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('cache-control') ?? '', /max-age=1\b/);
  const playlist = parsePlaylist(await res.text());
  assert.ok(playlist.ended, 'playlist ends with #EXT-X-ENDLIST');
  assert.ok(playlist.segments.length >= 4, `segments: ${playlist.segments.length}`);
  for (const seg of playlist.segments.slice(0, -1)) {
    assert.ok(Math.abs(seg.duration - 2) <= 0.25, `segment ${seg.uri} lasts ${seg.duration} s`);
  }

  // Join the listed segments and probe them as a player would.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-probe-'));
  const joined = path.join(dir, 'joined.ts');
  for (const seg of playlist.segments) {
    const r = await fetch(`${relay.url}/hls/${welcome.streamId}/${seg.uri}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control') ?? '', /immutable/);
    fs.appendFileSync(joined, Buffer.from(await r.arrayBuffer()));
  }
  const kinds = probeStreams(joined).map((s) => `${s.codec_type}:${s.codec_name}`).sort();
  assert.deepEqual(kinds, ['audio:aac', 'video:h264']);
  const times = probePacketTimes(joined);
  for (const track of ['video', 'audio'] as const) {
    const t = times[track];
    assert.ok(t.length > 50, `${track} packets: ${t.length}`);
    for (let i = 1; i < t.length; i++) assert.ok(t[i]! >= t[i - 1]!, `${track} dts goes back at ${i}: ${t[i - 1]} → ${t[i]}`);
  }
  // The listed window covers the end of the broadcast; its span matches the segments' durations.
  const span = times.video.at(-1)! - times.video[0]!;
  const listedDuration = playlist.segments.reduce((s, x) => s + x.duration, 0);
  assert.ok(Math.abs(span - listedDuration) < 0.5, `video span ${span} vs playlist ${listedDuration}`);

  const after = (await (await fetch(`${relay.url}/api/streams/${welcome.streamId}`)).json()) as StreamInfo;
  assert.equal(after.state, 'ended');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a stream without audio is muxed video-only', async () => {
  const videoOnly = await loadFixture({ seconds: 6, audio: false });
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(TEST_KEY, { audio: false });
  await pub.sendFixture(videoOnly, { pace: 'burst' });
  await pub.stop();
  const playlist = parsePlaylist(await (await fetch(`${relay.url}${welcome.hlsUrl}`)).text());
  assert.ok(playlist.ended);
  const first = path.join(relay.registry.get(welcome.streamId)!.outDir, playlist.segments[0]!.uri);
  assert.deepEqual(probeStreams(first).map((s) => s.codec_name), ['h264']);
});

test('a dropped publisher resumes the same stream id', async () => {
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(TEST_KEY);
  await pub.sendFixture(fx, { pace: 'burst', maxDurationUs: 3_000_000 });
  pub.ws.terminate();
  await pub.closed;
  // The relay sees the drop a moment later (its socket's close event): wait for it, bounded.
  let listed = (await (await fetch(`${relay.url}/api/streams/${welcome.streamId}`)).json()) as StreamInfo;
  for (let i = 0; i < 50 && listed.publisherConnected; i++) {
    await new Promise((r) => setTimeout(r, 100));
    listed = (await (await fetch(`${relay.url}/api/streams/${welcome.streamId}`)).json()) as StreamInfo;
  }
  assert.equal(listed.state, 'live');
  assert.equal(listed.publisherConnected, false);

  const again = new TestPublisher(relay.url);
  const resumed = await again.hello(TEST_KEY, { resume: welcome.streamId });
  assert.equal(resumed.streamId, welcome.streamId);
  assert.equal(resumed.resumed, true);
  // Timestamps continue after the gap.
  await again.sendFixture(fx, { pace: 'burst', offsetUs: 5_000_000 + fx.durationUs });
  await again.stop();
  const playlist = parsePlaylist(await (await fetch(`${relay.url}${welcome.hlsUrl}`)).text());
  assert.ok(playlist.ended);
});
