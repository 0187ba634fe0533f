/**
 * Restreaming to real RTMP servers (Debian nginx + libnginx-mod-rtmp on loopback): one browser
 * encode, each destination on its own FFmpeg; one server going away disturbs nothing else and
 * is reconnected when it comes back. Destination keys never reach the logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { DestinationStatus, DestinationStatusMessage } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { startRtmpServer } from './support/nginx-rtmp.ts';
import { parsePlaylist } from './support/probe.ts';
import { freePort } from './support/relay-child.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function probe(file: string): { codecs: string[]; duration: number } {
  const out = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file], { encoding: 'utf8' })) as {
    format: { duration: string };
    streams: { codec_name: string }[];
  };
  return { codecs: out.streams.map((s) => s.codec_name).sort(), duration: Number(out.format.duration) };
}

function latestStatus(pub: TestPublisher): Map<string, DestinationStatus> {
  const msgs = pub.received.filter((m): m is DestinationStatusMessage => m.type === 'destination-status');
  return new Map((msgs.at(-1)?.destinations ?? []).map((d) => [d.id, d]));
}

async function waitForState(pub: TestPublisher, id: string, state: DestinationStatus['state'], timeoutMs: number): Promise<DestinationStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = latestStatus(pub).get(id);
    if (s?.state === state) return s;
    if (Date.now() > deadline) throw new Error(`destination ${id} not ${state} within ${timeoutMs} ms (last: ${JSON.stringify(s)})`);
    await sleep(100);
  }
}

test('two RTMP destinations each receive H.264 + AAC lasting as long as the broadcast', async () => {
  const [a, b] = await Promise.all([startRtmpServer(await freePort()), startRtmpServer(await freePort())]);
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 10 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    pub.send({
      type: 'destinations',
      destinations: [
        { id: 'a', name: 'Server A', enabled: true, url: a.url, streamKey: 'secret-key-AAAA' },
        { id: 'b', name: 'Server B', enabled: true, url: `${b.url}/`, streamKey: 'secret-key-BBBB' },
      ],
    });
    await pub.sendFixture(fx, { pace: 2 });
    const live = latestStatus(pub);
    assert.equal(live.get('a')?.state, 'live');
    assert.equal(live.get('b')?.state, 'live');
    assert.ok((live.get('a')?.bitrate ?? 0) > 100_000, `bitrate reported: ${live.get('a')?.bitrate}`);
    await pub.stop();
    await sleep(300);
    const broadcastSec = (fx.video.packets.at(-1)!.timestampUs - fx.video.packets[0]!.timestampUs) / 1e6;
    for (const server of [a, b]) {
      const recs = server.recordings();
      assert.equal(recs.length, 1, `one recording on ${server.url}: ${recs}`);
      const p = probe(recs[0]!);
      assert.deepEqual(p.codecs, ['aac', 'h264']);
      assert.ok(Math.abs(p.duration - broadcastSec) <= 1, `${server.url}: recorded ${p.duration} s of a ${broadcastSec} s broadcast`);
    }
    const logs = relay.logs.join('\n');
    assert.ok(!logs.includes('secret-key-AAAA') && !logs.includes('secret-key-BBBB'), 'destination keys are never logged');
  } finally {
    await relay.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a destination whose server goes away retries without disturbing HLS or the other, and reconnects when it is back', async () => {
  const [a, b] = await Promise.all([startRtmpServer(await freePort()), startRtmpServer(await freePort())]);
  const relay = await startRelay({ destinationRetryDelayMs: 1000, destinationRetryAttempts: 20 });
  try {
    const fx = await loadFixture({ seconds: 20, gopFrames: 30 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    pub.send({
      type: 'destinations',
      destinations: [
        { id: 'a', name: 'A', enabled: true, url: a.url, streamKey: 'keyA' },
        { id: 'b', name: 'B', enabled: true, url: b.url, streamKey: 'keyB' },
      ],
    });
    const sending = pub.sendFixture(fx, { pace: 'realtime' });
    await waitForState(pub, 'b', 'live', 10_000);
    await sleep(3000);
    await b.stop();
    const retrying = await waitForState(pub, 'b', 'retrying', 10_000);
    assert.ok(retrying.attempt >= 1 && retrying.nextRetryInMs !== null, JSON.stringify(retrying));
    assert.ok(retrying.error && retrying.error.length > 0, 'FFmpeg’s reason is reported');
    assert.ok(!retrying.error!.includes('keyB'), 'the key is redacted from the reason');
    assert.equal(latestStatus(pub).get('a')?.state, 'live', 'the other destination is unaffected');
    await sleep(2000);
    await b.start();
    await waitForState(pub, 'b', 'live', 15_000);
    await sending;
    await pub.stop();
    await sleep(300);

    assert.equal(pub.closeCode, 1000, 'the publisher was never disconnected before its stop');
    const session = relay.registry.get(w.streamId)!;
    assert.equal(session.outputRestarts, 0, 'HLS never restarted');
    const playlist = fs.readFileSync(session.playlistPath, 'utf8');
    assert.ok(!/^#EXT-X-DISCONTINUITY$/m.test(playlist), 'HLS has no gap'); // the tag, not #EXT-X-DISCONTINUITY-SEQUENCE
    assert.ok(parsePlaylist(playlist).ended);
    const aRecs = a.recordings();
    assert.equal(aRecs.length, 1, 'A never reconnected');
    const broadcastSec = (fx.video.packets.at(-1)!.timestampUs - fx.video.packets[0]!.timestampUs) / 1e6;
    assert.ok(Math.abs(probe(aRecs[0]!).duration - broadcastSec) <= 1, 'A got the whole broadcast');
    assert.equal(b.recordings().length, 2, 'B recorded before and after its outage');
  } finally {
    await relay.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('destinations can be added and removed while live, and a stored one is used by id', async () => {
  const a = await startRtmpServer(await freePort());
  const relay = await startRelay();
  try {
    const res = await fetch(`${relay.url}/api/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Stored A', url: a.url, streamKey: 'stored-secret-9876' }),
    });
    assert.equal(res.status, 201);
    const stored = (await res.json()) as { id: string; streamKeyHint: string };
    assert.equal(stored.streamKeyHint, '…9876');
    const listed = await (await fetch(`${relay.url}/api/destinations`, { headers: { authorization: `Bearer ${TEST_KEY}` } })).text();
    assert.ok(!listed.includes('stored-secret'), 'the API never returns the key');
    assert.equal((await fetch(`${relay.url}/api/destinations`, { headers: { authorization: 'Bearer wrong-key-123456' } })).status, 401);

    const fx = await loadFixture({ seconds: 12 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 2 });
    await sleep(1000);
    pub.send({ type: 'destinations', destinations: [{ id: stored.id, name: 'Stored A', enabled: true, stored: true }] });
    await waitForState(pub, stored.id, 'live', 10_000);
    pub.send({ type: 'destinations', destinations: [{ id: stored.id, name: 'Stored A', enabled: false, stored: true }] });
    await waitForState(pub, stored.id, 'off', 10_000);
    pub.send({ type: 'destinations', destinations: [{ id: 'gone', name: 'Gone', enabled: true, stored: true }] });
    const gone = await waitForState(pub, 'gone', 'failed', 5_000);
    assert.match(gone.error ?? '', /not stored/);
    await sending;
    await pub.stop();
    assert.equal(a.recordings().length, 1);
    assert.ok(!relay.logs.join('\n').includes('stored-secret-9876'));
    assert.equal((await fetch(`${relay.url}/api/destinations/${stored.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TEST_KEY}` } })).status, 204);
  } finally {
    await relay.stop();
    await a.stop();
  }
});

test('a destination list the relay cannot use is refused alone; the broadcast goes on', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 6 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 4 });
    pub.send({ type: 'destinations', destinations: [{ id: 'x', name: 'x', enabled: true, url: 'rtmp://café.example/live' }] } as never);
    await sending;
    await sleep(200);
    assert.equal(pub.closeCode, null, 'still connected');
    const err = pub.received.find((m) => m.type === 'error');
    assert.ok(err && err.type === 'error' && err.fatal === false && /destination list refused/.test(err.message), JSON.stringify(err));
    assert.equal(relay.registry.get(w.streamId)!.state, 'live');
    await pub.stop();
  } finally {
    await relay.stop();
  }
});

test('flipping destinations many times a second starts a bounded number of FFmpeg processes', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 10 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 'realtime', maxDurationUs: 5_000_000 });
    let peak = 0;
    for (let round = 0; round < 30; round++) {
      pub.send({ type: 'destinations', destinations: Array.from({ length: 10 }, (_, i) => ({ id: `r${round}d${i}`, name: 'n', enabled: true, url: 'rtmp://127.0.0.1:9/live', streamKey: 'k' })) });
      await sleep(50);
      peak = Math.max(peak, ffmpegCount());
    }
    for (let i = 0; i < 20; i++) {
      await sleep(100);
      peak = Math.max(peak, ffmpegCount());
    }
    assert.ok(peak <= 1 + 10 + 10, `peak FFmpeg processes: ${peak}`); // HLS + the list being replaced + the new list
    await sending;
    await pub.stop();
  } finally {
    await relay.stop();
  }
});

test('a stream key pasted into the URL is treated as a secret too', async () => {
  const relay = await startRelay({ destinationRetryDelayMs: 200, destinationRetryAttempts: 2 });
  try {
    const fx = await loadFixture({ seconds: 20 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    // Real time, and long enough that FFmpeg gets past probing its input and tries to connect.
    let done = false;
    const sending = pub.sendFixture(fx, { pace: 'realtime', until: () => done });
    pub.send({ type: 'destinations', destinations: [{ id: 'u', name: 'In URL', enabled: true, url: `rtmp://127.0.0.1:${await freePort()}/live/KeyInTheUrl123` }] });
    const failed = await waitForState(pub, 'u', 'failed', 15_000);
    done = true;
    await sending;
    await pub.stop();
    assert.ok(failed.error && !failed.error.includes('KeyInTheUrl123'), failed.error ?? '');
    assert.ok(!relay.logs.join('\n').includes('KeyInTheUrl123'), 'not in the logs');
    const res = await fetch(`${relay.url}/api/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'u', url: 'rtmp://h.example/live/AnotherKey456' }),
    });
    const stored = (await res.json()) as { url: string; streamKeyHint: string };
    assert.equal(stored.url, 'rtmp://h.example/live');
    assert.equal(stored.streamKeyHint, '…y456');
    assert.ok(!fs.readFileSync(`${relay.config.dataDir}/destinations.json`, 'utf8').includes('AnotherKey456'));
    const big = await fetch(`${relay.url}/api/destinations`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}` }, body: 'x'.repeat(20_000) });
    assert.equal(big.status, 413);
  } finally {
    await relay.stop();
  }
});

function ffmpegCount(): number {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', 'ffmpeg'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}
