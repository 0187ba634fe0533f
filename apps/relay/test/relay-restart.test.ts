/**
 * Resume across a relay restart: a stream drained by a shutdown (playlist ended) or left behind
 * by a crash is resumed by its publisher under the same id once the relay is back; the playlist
 * continues behind a discontinuity. A stream nobody resumes ends after the grace period.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StreamInfo } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { parsePlaylist } from './support/probe.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

test('a publisher resumes the same stream id after the relay restarts', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-restart-'));
  const fx = await loadFixture({ seconds: 6 });
  const first = await startRelay({ dataDir });
  const pub = new TestPublisher(first.url);
  const w = await pub.hello(TEST_KEY);
  await pub.sendFixture(fx, { pace: 'burst' });
  await waitForFile(path.join(dataDir, 'hls', w.streamId, 'index.m3u8'));
  await first.stop(); // graceful: drains, the playlist ends for now
  await pub.closed;
  assert.equal(pub.closeCode, 1001);
  const playlistFile = path.join(dataDir, 'hls', w.streamId, 'index.m3u8');
  assert.ok(parsePlaylist(fs.readFileSync(playlistFile, 'utf8')).ended);

  const second = await startRelay({ dataDir });
  try {
    const waiting = (await (await fetch(`${second.url}/api/streams/${w.streamId}`)).json()) as StreamInfo;
    assert.equal(waiting.state, 'live');
    assert.equal(waiting.publisherConnected, false);
    const again = new TestPublisher(second.url);
    const resumed = await again.hello(TEST_KEY, { resume: w.streamId });
    assert.equal(resumed.streamId, w.streamId);
    assert.equal(resumed.resumed, true);
    await again.sendFixture(fx, { pace: 'burst', offsetUs: 5_000_000 + fx.durationUs + 500_000 });
    await again.stop();
    const text = fs.readFileSync(playlistFile, 'utf8');
    const playlist = parsePlaylist(text);
    assert.ok(playlist.ended);
    assert.equal(text.match(/#EXT-X-ENDLIST/g)?.length, 1, 'only the final end remains');
    assert.match(text, /^#EXT-X-DISCONTINUITY$/m); // the tag itself, not #EXT-X-DISCONTINUITY-SEQUENCE
    const numbers = playlist.segments.map((s) => Number(s.uri.match(/\d+/)![0]));
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'segment numbering continues');
  } finally {
    await second.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a restored stream that nobody resumes ends after the grace period', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-restart-'));
  const fx = await loadFixture({ seconds: 4 });
  const first = await startRelay({ dataDir });
  const pub = new TestPublisher(first.url);
  const w = await pub.hello(TEST_KEY);
  await pub.sendFixture(fx, { pace: 'burst' });
  await waitForFile(path.join(dataDir, 'hls', w.streamId, 'index.m3u8'));
  await first.stop();
  const second = await startRelay({ dataDir, reconnectGraceMs: 500 });
  try {
    await new Promise((r) => setTimeout(r, 1200));
    const info = (await (await fetch(`${second.url}/api/streams/${w.streamId}`)).json()) as StreamInfo;
    assert.equal(info.state, 'ended');
    assert.ok(parsePlaylist(fs.readFileSync(path.join(dataDir, 'hls', w.streamId, 'index.m3u8'), 'utf8')).ended);
  } finally {
    await second.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 200 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
}
