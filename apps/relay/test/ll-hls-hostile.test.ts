/**
 * Hostile load on LL-HLS blocking reload: thousands of concurrent blocking requests for a part that
 * will not come. The relay holds at most `llHlsMaxBlockingRequests` of them, refuses the rest at
 * once (503), answers every held one within its time bound, and gives back every descriptor and
 * the memory once they are gone. Loopback only, a few seconds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startRelay, TEST_KEY, type Harness } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { waitFor } from './support/poll.ts';

// Two descriptors a request (client and server ends, both in this process): stay under the limit.
const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024;
const REQUESTS = Math.min(3000, Math.floor((fdLimit - 300) / 2));
const MAX_HELD = Math.floor(REQUESTS / 3);
const HOLD_MS = 2_000;

let relay: Harness;
let pub: TestPublisher;
let playlistUrl: URL;

before(async () => {
  relay = await startRelay({ llHlsMaxBlockingRequests: MAX_HELD, llHlsBlockingTimeoutMs: HOLD_MS, maxViewerConnectionsPerIp: 1_000_000 });
  pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(TEST_KEY);
  // No media is sent: segment 2 will not exist while the test runs, and msn 2 is within the spec's range.
  playlistUrl = new URL(`${relay.url}/hls/${welcome.streamId}/ll.m3u8?_HLS_msn=2&_HLS_part=0`);
});
after(async () => {
  await pub.stop();
  await relay.stop();
});

// A real collection before each heap reading (the runner has no --expose-gc): garbage is not growth.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const openFds = () => fs.readdirSync('/proc/self/fd').length;

interface Answer {
  status: number;
  ms: number;
  body: string;
}

/** One blocking request on its own socket (no agent); `abortAfterMs` drops it while held. */
function ask(abortAfterMs?: number): Promise<Answer | 'aborted'> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(playlistUrl, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body }));
    });
    req.on('error', (err) => (abortAfterMs !== undefined ? resolve('aborted') : reject(err)));
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
  });
}

test(`${REQUESTS} concurrent blocking requests: at most ${MAX_HELD} held, the rest refused at once, all answered in bounded time, descriptors and memory given back`, async () => {
  gc();
  const fdsBefore = openFds();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakFds = fdsBefore;
  let peakHeld = 0;
  const sampler = setInterval(() => {
    peakFds = Math.max(peakFds, openFds());
    peakHeld = Math.max(peakHeld, relay.llHls.held);
  }, 100);

  const started = performance.now();
  const answers = (await Promise.all(Array.from({ length: REQUESTS }, () => ask()))) as Answer[];
  const tookMs = performance.now() - started;
  clearInterval(sampler);

  const refused = answers.filter((a) => a.status === 503 && a.body.startsWith('too many'));
  const timedOut = answers.filter((a) => a.status === 503 && a.body.startsWith('the requested part did not appear'));
  assert.equal(refused.length + timedOut.length, REQUESTS, `every request is a 503 (statuses: ${[...new Set(answers.map((a) => a.status))].join(', ')})`);
  // Requests keep arriving while the first held ones time out, so more than MAX_HELD may be held in
  // all; never more than MAX_HELD at once.
  assert.ok(peakHeld <= MAX_HELD, `held at most ${MAX_HELD} at once: ${peakHeld} at the peak`);
  assert.ok(refused.length > 0, 'the burst went past the bound');
  assert.ok(timedOut.length >= MAX_HELD, `the whole bound is used before refusing: ${timedOut.length} held`);
  assert.equal(relay.llHls.held, 0);
  for (const a of timedOut) assert.ok(a.ms >= HOLD_MS - 50, `a held request waits its bound: ${Math.round(a.ms)} ms`);
  // Bounded in time: the whole burst is over within the hold bound plus generous slack for a busy machine.
  assert.ok(tookMs < HOLD_MS + 20_000, `the burst took ${Math.round(tookMs)} ms`);
  assert.ok(peakFds - fdsBefore <= 2 * REQUESTS + 100, `descriptors at the peak: ${peakFds - fdsBefore} more`);

  // Everything is given back: descriptors (server sockets close once answered) and memory.
  await waitFor('descriptors back near the start', () => openFds() <= fdsBefore + 20, 15_000);
  gc();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew ${Math.round(heapGrowth / 1048576)} MiB`);
});

test('held requests whose clients go away are released: the bound is free again at once', async () => {
  const dropped = await Promise.all(Array.from({ length: MAX_HELD }, () => ask(300)));
  assert.ok(dropped.every((a) => a === 'aborted'));
  await waitFor('the relay to see every client gone', () => relay.llHls.held === 0, 10_000);
  // Every slot must be free again: a full bound of new requests is held (answered after HOLD_MS), none refused.
  const again = (await Promise.all(Array.from({ length: MAX_HELD }, () => ask()))) as Answer[];
  const refused = again.filter((a) => a.body.startsWith('too many')).length;
  assert.equal(refused, 0, `${refused} refused although every earlier request had gone`);
});

test('a bad _HLS_ query costs nothing: 400 at once', async () => {
  const res = await fetch(`${playlistUrl.origin}${playlistUrl.pathname}?_HLS_msn=9`);
  assert.equal(res.status, 400);
});
