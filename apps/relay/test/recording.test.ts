/**
 * Recording on the relay (issue 12): a broadcast is recorded from the chunks the outputs get and
 * finalized into one fast-start MP4 (H.264 copied, Opus kept); the studio's acks; download with
 * Range; deletion; the quota stopping the recording and not the broadcast; hostile requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RecordingInfo } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { waitFor, until } from './support/poll.ts';
import { probePacketTimes, probeStreams } from './support/probe.ts';
import { ackedChunks, sequencedChunks } from './support/recording-publisher.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const OTHER_KEY = 'another-stream-key-9876543210';

async function listRecordings(url: string, key: string): Promise<RecordingInfo[]> {
  const res = await fetch(`${url}/api/recordings`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as RecordingInfo[];
}

function probeDuration(file: string): number {
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
}

test('a broadcast is recorded, listed, downloaded with Range, refused to others, and deleted', async () => {
  const fx = await loadFixture({ seconds: 6 });
  const relay = await startRelay();
  await relay.keys.ensure(OTHER_KEY, 'other');
  try {
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    assert.equal(w.recording, true, 'the welcome says the broadcast is recorded');
    const chunks = sequencedChunks(fx);
    for (const c of chunks) pub.send(c);
    await waitFor('an ack of every chunk', () => ackedChunks(pub.received) === chunks.length, 10_000);
    await pub.stop();
    const [rec] = await until('the recording to be ready', 30_000, async () => {
      const list = await listRecordings(relay.url, TEST_KEY);
      return list[0]?.state === 'ready' ? list : null;
    });
    assert.equal(rec!.id, w.streamId);
    assert.deepEqual(rec!.gaps, []);
    assert.ok(Math.abs(rec!.durationMs - fx.durationUs / 1000) < 200, `duration ${rec!.durationMs} ms for ${fx.durationUs / 1000} ms sent`);

    // The download link works as a plain link (its token), and plays: H.264 + Opus, every frame.
    const file = path.join(relay.config.dataDir, 'download.mp4');
    const res = await fetch(`${relay.url}${rec!.url}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.byteLength, rec!.bytes);
    fs.writeFileSync(file, body);
    assert.deepEqual(probeStreams(file).map((s) => `${s.codec_type}:${s.codec_name}`).sort(), ['audio:opus', 'video:h264']);
    const packets = probePacketTimes(file);
    assert.equal(packets.video.length, fx.video.packets.length, 'every frame sent is in the recording');
    assert.ok(Math.abs(probeDuration(file) - fx.durationUs / 1e6) < 0.25, `ffprobe duration ${probeDuration(file)} s`);
    // Fast start: the index (moov) comes before the media (mdat).
    assert.ok(body.indexOf('moov') < body.indexOf('mdat'), 'moov before mdat');

    // Range: a middle slice, an open end, a suffix, and one past the end.
    const ranged = async (range: string) => fetch(`${relay.url}${rec!.url}`, { headers: { range } });
    const mid = await ranged('bytes=100-199');
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), `bytes 100-199/${body.byteLength}`);
    assert.deepEqual(Buffer.from(await mid.arrayBuffer()), body.subarray(100, 200));
    const tail = await ranged(`bytes=${body.byteLength - 10}-`);
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), body.subarray(body.byteLength - 10));
    const suffix = await ranged('bytes=-5');
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), body.subarray(body.byteLength - 5));
    assert.equal((await ranged(`bytes=${body.byteLength}-`)).status, 416);
    // The watch page's VOD: by stream id, with Range too.
    const vod = await fetch(`${relay.url}/vod/${w.streamId}.mp4`, { headers: { range: 'bytes=0-9' } });
    assert.equal(vod.status, 206);
    assert.deepEqual(Buffer.from(await vod.arrayBuffer()), body.subarray(0, 10));

    // Hostile: another key sees nothing of it and cannot delete it; no key, a forged or altered
    // token, and paths that try to leave the recordings folder are all refused.
    assert.deepEqual(await listRecordings(relay.url, OTHER_KEY), []);
    const other = { authorization: `Bearer ${OTHER_KEY}` };
    assert.equal((await fetch(`${relay.url}/api/recordings/${w.streamId}/file`, { headers: other })).status, 404);
    assert.equal((await fetch(`${relay.url}/api/recordings/${w.streamId}`, { method: 'DELETE', headers: other })).status, 404);
    assert.equal((await fetch(`${relay.url}/api/recordings`)).status, 401);
    assert.equal((await fetch(`${relay.url}/api/recordings`, { headers: { authorization: 'Bearer wrong-key-000000000' } })).status, 401);
    assert.equal((await fetch(`${relay.url}/api/recordings/${w.streamId}/file?t=${Date.now() + 60_000}.forged`)).status, 403);
    assert.equal((await fetch(`${relay.url}/api/recordings/${w.streamId}/file`)).status, 403);
    for (const p of ['/api/recordings/..%2F..%2Fkeys.json/file', '/api/recordings/../../keys/file', `/api/recordings/${w.streamId}/..%2F..%2Fstream.json`, '/vod/..%2F..%2Fkeys.mp4', '/vod/%2e%2e.mp4']) {
      const r = await fetch(`${relay.url}${p}`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
      assert.ok([400, 404].includes(r.status), `${p} → ${r.status}`);
    }

    // Deletion: gone from the list, the file and folder too; the VOD with it.
    const del = await fetch(`${relay.url}/api/recordings/${w.streamId}`, { method: 'DELETE', headers: { authorization: `Bearer ${TEST_KEY}` } });
    assert.equal(del.status, 204);
    assert.deepEqual(await listRecordings(relay.url, TEST_KEY), []);
    assert.ok(!fs.existsSync(path.join(relay.config.dataDir, 'recordings', w.streamId)));
    assert.equal((await fetch(`${relay.url}/vod/${w.streamId}.mp4`)).status, 404);
  } finally {
    await relay.stop();
  }
});

test('reaching the quota stops the recording, not the broadcast, and says so', async () => {
  const fx = await loadFixture({ seconds: 6 });
  // About 2.5 Mbps: 600 kB is reached in the first two seconds or so.
  const relay = await startRelay({ recordingQuotaBytes: 600_000 });
  try {
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const chunks = sequencedChunks(fx);
    for (const c of chunks) pub.send(c);
    const status = await pub.waitFor('recording-status', 10_000);
    assert.equal(status.type === 'recording-status' && status.recording, false);
    assert.match((status as { reason: string }).reason, /recording stopped.*broadcast goes on.*quota of 0.6 MB is reached/i);
    assert.ok(relay.logs.some((l) => l.includes('recording stopped; the broadcast goes on')));
    // The broadcast itself goes on: still live, HLS still written.
    const info = (await (await fetch(`${relay.url}/api/streams/${w.streamId}`)).json()) as { state: string };
    assert.equal(info.state, 'live');
    const health = await until('the health report to name it', 5_000, async () => {
      const h = (await (await fetch(`${relay.url}/api/health`)).json()) as { issues: string[] };
      return h.issues.find((i) => i.includes(w.streamId) && /not recorded .*quota/.test(i));
    });
    assert.ok(health);
    await pub.stop();
    const [rec] = await until('the partial recording to be ready', 30_000, async () => {
      const list = await listRecordings(relay.url, TEST_KEY);
      return list[0]?.state === 'ready' ? list : null;
    });
    assert.match(rec!.stoppedReason ?? '', /quota/);
    assert.ok(rec!.durationMs > 0 && rec!.durationMs < fx.durationUs / 1000, `the recording holds the part before the quota (${rec!.durationMs} ms)`);
  } finally {
    await relay.stop();
  }
});
