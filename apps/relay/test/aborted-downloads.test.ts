/**
 * Aborted downloads (a player seeking, a tab closed) must not leak the file's descriptor: the relay
 * in its own process, hundreds of downloads each cut after the first bytes, then its descriptor
 * count must come back to where it was — also under a low descriptor limit, where a leak used to
 * end in EMFILE and an unhandled 'error' that killed the relay.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFixture } from './support/fixture.ts';
import { parsePlaylist } from './support/probe.ts';
import { abortedDownloads, fdCount, pollUntil } from './support/raw-http.ts';
import { startRelayChild, type RelayChild } from './support/relay-child.ts';
import { TestPublisher } from './support/test-publisher.ts';

const KEY = 'aborted-downloads-key-0123';
const ABORTS = 500;
let relay: RelayChild;
let segmentPath: string;
const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-web-'));

before(async () => {
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>t</title>');
  // Larger than what loopback socket buffers absorb, so a download is still reading when cut.
  fs.writeFileSync(path.join(webDir, 'assets', 'bundle-abc123.js'), Buffer.alloc(8 * 1024 * 1024, 0x61));
  relay = await startRelayChild({ TABCAST_STREAM_KEY: KEY, TABCAST_WEB_DIR: webDir });
  const fx = await loadFixture({ seconds: 6, videoKbps: 8000 });
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(KEY);
  await pub.sendFixture(fx, { pace: 'burst' });
  await pub.stop();
  await pub.closed;
  const deadline = Date.now() + 15_000;
  let playlist: ReturnType<typeof parsePlaylist> | null = null;
  while (!playlist?.ended && Date.now() < deadline) {
    const res = await fetch(`${relay.url}${welcome.hlsUrl}`);
    playlist = res.ok ? parsePlaylist(await res.text()) : null;
    if (!playlist?.ended) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(playlist && playlist.segments.length > 0, 'the stream has segments');
  segmentPath = `/hls/${welcome.streamId}/${playlist.segments[0]!.uri}`;
});
after(async () => {
  await relay.stop();
  fs.rmSync(webDir, { recursive: true, force: true });
});

for (const [what, target] of [
  ['a static asset', () => '/assets/bundle-abc123.js'],
  ['an HLS segment', () => segmentPath],
] as const) {
  test(`${ABORTS} aborted downloads of ${what} leave no descriptor open`, async () => {
    const pid = relay.child.pid!;
    await abortedDownloads(relay.url, target(), 10); // warm up (lazy modules, pools)
    const baseline = await pollUntil(() => fdCount(pid), () => true, 0);
    const { statuses } = await abortedDownloads(relay.url, target(), ABORTS);
    assert.ok((statuses['200'] ?? 0) >= ABORTS * 0.9, `answers: ${JSON.stringify(statuses)}`);
    const fds = await pollUntil(() => fdCount(pid), (n) => n <= baseline + 5, 10_000);
    assert.ok(fds <= baseline + 5, `descriptors: ${baseline} before, ${fds} after ${ABORTS} aborted downloads`);
  });
}

test('under a 128-descriptor limit, aborted downloads neither leak nor crash the relay', async () => {
  const pid = relay.child.pid!;
  // Soft limit only: a process may lower and raise it again up to its hard limit.
  const soft = execFileSync('prlimit', [`--pid=${pid}`, '--nofile', '--output=SOFT', '--noheadings']).toString().trim();
  execFileSync('prlimit', [`--pid=${pid}`, '--nofile=128:']);
  try {
    await abortedDownloads(relay.url, '/assets/bundle-abc123.js', 400, 30);
    await abortedDownloads(relay.url, segmentPath, 400, 30);
    assert.equal(relay.child.exitCode, null, `relay exited:\n${relay.output().slice(-2000)}`);
    const res = await fetch(`${relay.url}/api/live`);
    assert.equal(res.status, 200, 'the relay still answers');
  } finally {
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${soft}:`]);
  }
});
