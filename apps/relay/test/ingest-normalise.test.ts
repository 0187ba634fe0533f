/**
 * What used to stop the HLS output for good, silently (issue 9, item 3): audio whose first chunks
 * are marked "delta", and a resume whose timestamps go back behind the previous connection's.
 * The stream keeps producing segments, its output stays `running`, and the studio is never told
 * to lower its bitrate for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadFixture, type Fixture } from './support/fixture.ts';
import { parsePlaylist } from './support/probe.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { waitFor } from './support/poll.ts';

const segments = (file: string) => (fs.existsSync(file) ? parsePlaylist(fs.readFileSync(file, 'utf8')).segments.map((s) => s.uri) : []);

test('audio chunks marked "delta" at the start of a run do not stop the HLS output', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 8, gopFrames: 15 });
    const flagged: Fixture = { ...fx, audio: { ...fx.audio!, packets: fx.audio!.packets.map((p) => ({ ...p, key: false })) } };
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const session = relay.registry.get(w.streamId)!;
    const sending = pub.sendFixture(flagged, { pace: 2 });
    await waitFor('3 segments', () => segments(session.playlistPath).length >= 3, 15_000);
    await sending;
    assert.equal(session.info().hlsOutput, 'running');
    assert.equal(session.outputRestarts, 0);
    assert.deepEqual(pub.received.filter((m) => m.type === 'congestion'), []);
    await pub.stop();
  } finally {
    await relay.stop();
  }
});

test('a resume whose timestamps go back behind the previous connection keeps the HLS output going', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 6, gopFrames: 15 });
    const first = new TestPublisher(relay.url);
    const w = await first.hello(TEST_KEY);
    const session = relay.registry.get(w.streamId)!;
    await first.sendFixture(fx, { pace: 3, offsetUs: 5_000_000 }); // 5 s … 11 s
    await waitFor('segments of the first connection', () => segments(session.playlistPath).length >= 1, 10_000);
    first.close();
    await first.closed;
    const before = new Set(segments(session.playlistPath));
    // The publisher's clock restarted: 8 s … 14 s overlaps what the outputs already have.
    const second = new TestPublisher(relay.url);
    await second.hello(TEST_KEY, { resume: w.streamId });
    await second.sendFixture(fx, { pace: 3, offsetUs: 8_000_000 });
    await second.sendFixture(fx, { pace: 3, offsetUs: 8_000_000 + fx.durationUs + 33_000 });
    await waitFor('new segments after the resume', () => segments(session.playlistPath).filter((s) => !before.has(s)).length >= 2, 10_000);
    assert.equal(session.state, 'live');
    assert.equal(session.info().hlsOutput, 'running');
    assert.deepEqual(second.received.filter((m) => m.type === 'congestion'), []);
    await second.stop();
    assert.ok(session.hls.queue.droppedChunks < 10, `dropped ${session.hls.queue.droppedChunks} chunks`);
  } finally {
    await relay.stop();
  }
});
