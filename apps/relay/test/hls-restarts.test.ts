/**
 * HLS after FFmpeg restarts (issue 9, item 11), with real FFmpeg killed mid-stream: the playlist
 * carries #EXT-X-DISCONTINUITY-SEQUENCE (the discontinuities that slid out of it), so a strict
 * player numbers segments right; and no segment file outlives its place in the playlist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadFixture } from './support/fixture.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const segIndex = (uri: string) => Number(uri.match(/seg_(\d+)\.ts/)![1]);

interface Version {
  discSeq: number | null;
  segments: { uri: string; discontinuity: boolean }[];
  ended: boolean;
}

function parse(text: string): Version {
  const v: Version = { discSeq: null, segments: [], ended: false };
  let disc = false;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) v.discSeq = Number(line.split(':')[1]);
    else if (line === '#EXT-X-DISCONTINUITY') disc = true;
    else if (line === '#EXT-X-ENDLIST') v.ended = true;
    else if (line && !line.startsWith('#')) {
      v.segments.push({ uri: line, discontinuity: disc });
      disc = false;
    }
  }
  return v;
}

test('after FFmpeg restarts, the discontinuity sequence counts what slid out, and no stray segment is left', async () => {
  const relay = await startRelay({ hlsTimeSec: 1, hlsListSize: 3 });
  try {
    const fx = await loadFixture({ seconds: 20, gopFrames: 15 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const session = relay.registry.get(w.streamId)!;
    let done = false;
    const sending = pub.sendFixture(fx, { pace: 'realtime', until: () => done });
    // Every version of the playlist a player could fetch, and every segment seen after a discontinuity.
    const discontinuityAt = new Set<string>();
    const problems: string[] = [];
    let versions = 0;
    let last = '';
    const check = () => {
      let text: string;
      try {
        text = fs.readFileSync(session.playlistPath, 'utf8');
      } catch {
        return;
      }
      if (text === last) return;
      last = text;
      versions++;
      const v = parse(text);
      if (!v.segments.length) return;
      for (const s of v.segments) if (s.discontinuity) discontinuityAt.add(s.uri);
      const first = segIndex(v.segments[0]!.uri);
      const slidOut = [...discontinuityAt].filter((u) => segIndex(u) < first).length;
      if ((v.discSeq ?? 0) !== slidOut) problems.push(`discontinuity sequence ${v.discSeq} with ${slidOut} slid out (first segment ${first})`);
    };
    const watcher = setInterval(check, 20);
    try {
      for (let kill = 0; kill < 2; kill++) {
        const deadline = Date.now() + 15_000;
        while (parse(last).segments.length < 3 || (session.outputRestarts === kill && !session.outputPid)) {
          if (Date.now() > deadline) throw new Error('no segments');
          await sleep(100);
        }
        await sleep(1_500);
        process.kill(session.outputPid!, 'SIGKILL');
        const restarted = Date.now() + 5_000;
        while (session.outputRestarts <= kill || !session.outputPid) {
          if (Date.now() > restarted) throw new Error('no restart');
          await sleep(50);
        }
      }
      // Run on until both discontinuities have slid out of the 3-segment window.
      const deadline = Date.now() + 20_000;
      while (discontinuityAt.size < 2 || (parse(last).discSeq ?? 0) < 2) {
        if (Date.now() > deadline) throw new Error(`discontinuities slid out: saw ${discontinuityAt.size}, playlist says ${parse(last).discSeq}; problems: ${problems.join('; ')}`);
        await sleep(100);
      }
      await sleep(1_500);
    } finally {
      clearInterval(watcher);
    }
    assert.deepEqual(problems, [], `${versions} playlist versions checked`);
    // Files on disk: the playlist's segments, the one just before it (a slow client may still read
    // it: FFmpeg's hls_delete_threshold), and the one being written after it. Nothing else.
    const v = parse(fs.readFileSync(session.playlistPath, 'utf8'));
    const first = segIndex(v.segments[0]!.uri);
    const lastIdx = segIndex(v.segments.at(-1)!.uri);
    const stray = fs.readdirSync(session.outDir).filter((f) => /^seg_\d+\.ts$/.test(f) && (segIndex(f) < first - 1 || segIndex(f) > lastIdx + 1));
    assert.deepEqual(stray, [], `segments outside the window ${first}–${lastIdx}`);
    done = true;
    await sending;
    await pub.stop();
    assert.ok(parse(fs.readFileSync(session.playlistPath, 'utf8')).ended);
  } finally {
    await relay.stop();
  }
});
