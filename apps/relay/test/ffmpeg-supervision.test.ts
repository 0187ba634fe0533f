/**
 * FFmpeg supervision with a real FFmpeg: a killed or stalled FFmpeg is restarted and the playlist
 * goes on behind #EXT-X-DISCONTINUITY while the publisher stays connected; an FFmpeg that keeps
 * failing ends the stream with output-failed; a codec change continues the same playlist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOSE_CODES } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { parsePlaylist, probeStreams } from './support/probe.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { waitFor } from './support/poll.ts';

const readPlaylist = (file: string) => (fs.existsSync(file) ? parsePlaylist(fs.readFileSync(file, 'utf8')) : null);

test('a killed FFmpeg is restarted: the playlist continues within 3 s and the publisher stays connected', async () => {
  const relay = await startRelay();
  try {
    // Short GOPs (0.5 s) stand in for the studio, which answers a keyframe request at once.
    const fx = await loadFixture({ seconds: 20, gopFrames: 15 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 'realtime' });
    const session = relay.registry.get(w.streamId)!;
    const playlistFile = session.playlistPath;
    await waitFor('first segments', () => (readPlaylist(playlistFile)?.segments.length ?? 0) >= 2, 15_000);
    const pid = await waitFor('ffmpeg pid', () => session.outputPid, 5_000);

    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    const before = readPlaylist(playlistFile)!;
    const lastBefore = before.segments.at(-1)!.uri;
    await waitFor(
      'a new segment after the kill',
      () => {
        const text = fs.readFileSync(playlistFile, 'utf8');
        const after = text.slice(text.indexOf(lastBefore) + lastBefore.length);
        return after.includes('#EXT-X-DISCONTINUITY') && /seg_\d+\.ts/.test(after);
      },
      3_000,
    );
    const gapMs = Date.now() - killedAt;
    assert.ok(gapMs <= 3_000, `playlist continued after ${gapMs} ms`);
    assert.notEqual(session.outputPid, pid, 'a new FFmpeg runs');
    assert.equal(session.outputRestarts, 1);
    assert.equal(pub.closeCode, null, 'publisher never disconnected');
    assert.ok(pub.received.some((m) => m.type === 'keyframe-request'), 'publisher was asked for a keyframe');

    await sending;
    await pub.stop();
    const final = readPlaylist(playlistFile)!;
    assert.ok(final.ended);
    console.log(`# playlist continued ${gapMs} ms after FFmpeg was killed`);
    recordFigure('ffmpegKillGapMs', gapMs);
  } finally {
    await relay.stop();
  }
});

test('a stalled FFmpeg (fed but silent) is detected, killed and restarted', async () => {
  const relay = await startRelay({ ffmpegStallTimeoutMs: 1500 });
  try {
    const fx = await loadFixture({ seconds: 20, gopFrames: 15 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 'realtime', maxDurationUs: 12_000_000 });
    const session = relay.registry.get(w.streamId)!;
    await waitFor('first segment', () => (readPlaylist(session.playlistPath)?.segments.length ?? 0) >= 1, 15_000);
    const pid = session.outputPid!;
    process.kill(pid, 'SIGSTOP'); // alive, fed, but making no progress
    const stoppedAt = Date.now();
    await waitFor('restart after stall', () => session.outputRestarts >= 1 && session.outputPid !== pid, 8_000);
    // Detected within the stall timeout plus the 1 s watchdog tick, however the pump is blocked.
    assert.ok(Date.now() - stoppedAt < 1500 + 1000 + 1000, `restarted ${Date.now() - stoppedAt} ms after the stall`);
    assert.equal(pub.closeCode, null);
    await sending;
    await pub.stop();
    assert.ok(readPlaylist(session.playlistPath)!.ended);
    assert.ok(relay.logs.some((l) => l.includes('ffmpeg stalled')), 'the stall is logged');
    recordFigure('stallRestarts', session.outputRestarts);
  } finally {
    await relay.stop();
  }
});

test('an FFmpeg that keeps failing ends the stream with output-failed, in words', async () => {
  const fake = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-badff-')), 'ffmpeg');
  fs.writeFileSync(fake, '#!/bin/sh\necho "Fake failure: no such muxer" >&2\nexit 1\n', { mode: 0o755 });
  const relay = await startRelay({ ffmpegPath: fake, ffmpegRestartDelayMs: 20, ffmpegMaxRestartsPerMinute: 3 });
  try {
    const fx = await loadFixture({ seconds: 6 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    void pub.sendFixture(fx, { pace: 4 });
    await pub.closed;
    assert.equal(pub.closeCode, CLOSE_CODES['output-failed']);
    const err = pub.received.find((m) => m.type === 'error');
    assert.ok(err && err.type === 'error' && /Fake failure/.test(err.message), JSON.stringify(err));
  } finally {
    await relay.stop();
  }
});

test('a codec change (new size) continues the same playlist behind a discontinuity', async () => {
  const relay = await startRelay();
  try {
    const a = await loadFixture({ seconds: 6 });
    const b = await loadFixture({ seconds: 6, width: 854, height: 480 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    await pub.sendFixture(a, { pace: 'burst' });
    // The second fixture's first chunks carry its own config (a fresh publisher state).
    const second = new TestPublisher(relay.url);
    pub.close();
    await pub.closed;
    await second.hello(TEST_KEY, { resume: w.streamId });
    await second.sendFixture(b, { pace: 'burst', offsetUs: 5_000_000 + a.durationUs + 100_000 });
    await second.stop();
    const session = relay.registry.get(w.streamId)!;
    const text = fs.readFileSync(session.playlistPath, 'utf8');
    assert.match(text, /^#EXT-X-DISCONTINUITY$/m); // the tag itself, not #EXT-X-DISCONTINUITY-SEQUENCE
    assert.match(text, /#EXT-X-ENDLIST/);
    const segs = parsePlaylist(text).segments;
    const sizes = new Set(segs.map((s) => videoSize(path.join(session.outDir, s.uri))));
    assert.ok(sizes.has('1280x720') && sizes.has('854x480'), `sizes seen: ${[...sizes]}`);
    assert.deepEqual(probeStreams(path.join(session.outDir, segs.at(-1)!.uri)).map((s) => s.codec_name).sort(), ['aac', 'h264']);
  } finally {
    await relay.stop();
  }
});

/** Appends a figure to test-results/reliability-supervision.json (read by scripts/reliability.mjs). */
function recordFigure(name: string, value: number): void {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-results');
  if (!fs.existsSync(dir)) return;
  const file = path.join(dir, 'reliability-supervision.json');
  const data = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, JSON.stringify({ ...data, [name]: value }, null, 2));
}

function videoSize(file: string): string {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', file], { encoding: 'utf8' });
  return out.trim().split('\n')[0]!; // MPEG-TS lists the stream under its program too
}
