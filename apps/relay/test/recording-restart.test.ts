/**
 * One recording for a broadcast that lived through a relay crash (issue 12): the relay is killed
 * with SIGKILL mid-broadcast and started again; the publisher resumes the same stream and backfills
 * what the relay never acknowledged (chunks in flight at the kill, and those of the outage). The
 * result is one MP4 holding every frame, without a hole in its video.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChunkMessage, RecordingInfo } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { until, waitFor } from './support/poll.ts';
import { probePacketTimes } from './support/probe.ts';
import { ackedChunks, sequencedChunks } from './support/recording-publisher.ts';
import { startRelayChild } from './support/relay-child.ts';
import { TestPublisher } from './support/test-publisher.ts';

const KEY = 'restart-recording-key-0123';
const ENV = { TABCAST_STREAM_KEY: KEY, TABCAST_MAX_BITRATE: '1000000000', TABCAST_MAX_FRAME_RATE: '1000', TABCAST_RECONNECT_GRACE_MS: '30000' };

test('a broadcast resumed after a relay SIGKILL makes one recording with every frame (backfill)', async () => {
  const fx = await loadFixture({ seconds: 8 });
  const chunks = sequencedChunks(fx);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-rec-restart-'));
  const first = await startRelayChild(ENV, dataDir);
  const port = Number(new URL(first.url).port);
  let second: Awaited<ReturnType<typeof startRelayChild>> | null = null;
  try {
    const pub = new TestPublisher(first.url);
    const w = await pub.hello(KEY);
    assert.equal(w.recording, true);
    // Two seconds go out and are acknowledged; one more second is sent and the relay is killed at once.
    const at = (sec: number) => chunks.findIndex((c) => c.timestampUs >= 5_000_000 + sec * 1e6);
    const sentAcked = at(2);
    for (const c of chunks.slice(0, sentAcked)) pub.send(c);
    await waitFor('the first two seconds acknowledged', () => ackedChunks(pub.received) >= sentAcked, 10_000);
    const sentUnacked = at(3);
    for (const c of chunks.slice(sentAcked, sentUnacked)) pub.send(c);
    const acked = ackedChunks(pub.received);
    first.child.kill('SIGKILL');
    await pub.closed;

    // The outage: the encoder goes on (seconds 3 to 5 are never sent live); the relay comes back.
    second = await startRelayChild(ENV, dataDir, port);
    const again = new TestPublisher(second.url);
    const resumed = await again.hello(KEY, { resume: w.streamId });
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.recording, true, 'the resumed broadcast is still recorded');
    // Live again from a keyframe (with both configs, as the studio sends after a reconnect) …
    let resumeAt = at(5);
    while (!(chunks[resumeAt]!.track === 'video' && chunks[resumeAt]!.key)) resumeAt++;
    const live = chunks.slice(resumeAt).map((c, i, all): ChunkMessage => (c.track === 'audio' && all.findIndex((x) => x.track === 'audio') === i ? { ...c, config: fx.audio!.config } : c));
    // … and everything not acknowledged goes as backfill, interleaved with live chunks.
    const backfill = chunks.slice(acked, resumeAt).map((c): ChunkMessage => ({ ...c, backfill: true }));
    assert.ok(backfill.length > 0);
    for (let i = 0; i < Math.max(live.length, backfill.length); i++) {
      if (live[i]) again.send(live[i]!);
      if (backfill[i]) again.send(backfill[i]!);
    }
    const sentOnSecond = live.length + backfill.length;
    await waitFor('every chunk of the second connection acknowledged', () => ackedChunks(again.received) >= sentOnSecond, 15_000);
    await again.stop();

    const list = await until('one ready recording', 60_000, async () => {
      const res = await fetch(`${second!.url}/api/recordings`, { headers: { authorization: `Bearer ${KEY}` } });
      const l = (await res.json()) as RecordingInfo[];
      return l.length === 1 && l[0]!.state === 'ready' ? l : null;
    });
    const rec = list[0]!;
    assert.equal(rec.id, w.streamId, 'the same recording across the restart');
    assert.deepEqual(rec.gaps, [], 'nothing missing');
    const file = path.join(dataDir, 'check.mp4');
    fs.writeFileSync(file, Buffer.from(await (await fetch(`${second.url}${rec.url}`)).arrayBuffer()));
    const { video, audio } = probePacketTimes(file);
    assert.equal(video.length, fx.video.packets.length, 'every frame, live or backfilled, exactly once');
    const sorted = [...video].sort((a, b) => a - b);
    const largestHoleMs = Math.max(...sorted.slice(1).map((t, i) => (t - sorted[i]!) * 1000));
    assert.ok(largestHoleMs <= 100, `largest gap between video frames ${largestHoleMs.toFixed(0)} ms`);
    assert.ok(Math.abs(rec.durationMs - fx.durationUs / 1000) < 200, `duration ${rec.durationMs} ms for ${fx.durationUs / 1000} ms`);
    assert.ok(audio.length >= fx.audio!.packets.length * 0.98, `audio packets ${audio.length} of ${fx.audio!.packets.length}`);
  } finally {
    first.child.kill('SIGKILL');
    await second?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the recording of a broadcast whose relay was killed and that nobody resumed is finalized after the grace', async () => {
  const fx = await loadFixture({ seconds: 4 });
  const chunks = sequencedChunks(fx);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-rec-orphan-'));
  const env = { ...ENV, TABCAST_RECONNECT_GRACE_MS: '1000' };
  const first = await startRelayChild(env, dataDir);
  let second: Awaited<ReturnType<typeof startRelayChild>> | null = null;
  try {
    const pub = new TestPublisher(first.url);
    const w = await pub.hello(KEY);
    for (const c of chunks) pub.send(c);
    await waitFor('every chunk acknowledged', () => ackedChunks(pub.received) >= chunks.length, 10_000);
    first.child.kill('SIGKILL');
    await pub.closed;
    second = await startRelayChild(env, dataDir);
    const list = await until('the recording finalized once the grace ran out', 30_000, async () => {
      const l = (await (await fetch(`${second!.url}/api/recordings`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as RecordingInfo[];
      return l[0]?.state === 'ready' ? l : null;
    });
    assert.equal(list.length, 1);
    assert.equal(list[0]!.id, w.streamId);
    assert.ok(Math.abs(list[0]!.durationMs - fx.durationUs / 1000) < 200, `duration ${list[0]!.durationMs} ms`);
  } finally {
    first.child.kill('SIGKILL');
    await second?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
