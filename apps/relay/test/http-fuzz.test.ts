/**
 * HTTP fuzz, beside the WebSocket one (fuzz.test.ts): the relay in its own process on loopback
 * takes aborted downloads (of an asset, a segment, a playlist), huge and malformed headers, bad
 * Range headers, and floods of HEAD and GET on every route. It must not crash, answer no request
 * with a 5xx, get its descriptor count back to its baseline, and keep its memory bounded. Bounded:
 * a fixed number of requests, then it stops. TABCAST_HTTP_FUZZ_ABORTS sets the aborted downloads
 * (1,000 here, 10,000 in `npm run reliability`). Figures go to test-results/reliability-http-fuzz.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFixture } from './support/fixture.ts';
import { parsePlaylist } from './support/probe.ts';
import { abortedDownloads, fdCount, pollUntil, rawRequest } from './support/raw-http.ts';
import { rssMiB, startRelayChild } from './support/relay-child.ts';
import { TestPublisher } from './support/test-publisher.ts';

const ABORTS = Number(process.env.TABCAST_HTTP_FUZZ_ABORTS ?? 1_000);
const KEY = 'http-fuzz-key-0123456789';
const CONCURRENCY = 40;
/** A regression bound, not a target (a fresh relay is ~100 MiB; runs peak well under this). */
const RSS_BOUND_MIB = 300;

const WS_KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
/** Malformed or hostile requests; the answer must be a 4xx (or a closed connection), never a crash or 5xx. */
function hostileRequests(hls: string, segment: string): string[] {
  const big = 'a'.repeat(70_000);
  return [
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${big}\r\n\r\n`, // over Node's 16 KiB header limit: 431
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\n\r\n`,
    `GET /${'x'.repeat(10_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: x\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ctl: a\u0000b\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    `POST /api/destinations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${'k'.repeat(8000)}\r\nContent-Length: 3\r\n\r\n{{{`,
    `GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `BREW / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET /\r\n\r\n`,
    `\r\n\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: other\r\n\r\n`,
    `GET ${hls} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: ${'1.2.3.4,'.repeat(1500)}\r\n\r\n`,
    `GET /ws/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n`,
    `GET /ws/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: https://${'o'.repeat(12_000)}\r\n${WS_KEY}\r\n`,
    `GET /ws/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${WS_KEY}\r\n`,
    ...['bytes=abc', 'bytes=99999999999999999999-', 'bytes=-0', 'bytes=5-1', 'bytes=0-0,1-1,2-2,' + '3-3,'.repeat(2000), 'items=0-1', '\u00ff\u00fe'].flatMap((range) => [
      `GET ${segment} HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: ${range}\r\n\r\n`,
      `GET /assets/bundle-f.js HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: ${range}\r\n\r\n`,
    ]),
  ];
}

test(`HTTP fuzz: ${ABORTS} aborted downloads, malformed requests and floods on every route`, { timeout: 600_000 }, async () => {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-web-'));
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(webDir, 'assets', 'bundle-f.js'), Buffer.alloc(4 * 1024 * 1024, 0x61));
  const relay = await startRelayChild({ TABCAST_STREAM_KEY: KEY, TABCAST_WEB_DIR: webDir, TABCAST_HLS_LIST_SIZE: '50' });
  const pid = relay.child.pid!;
  try {
    const fx = await loadFixture({ seconds: 6 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(KEY, { listed: true });
    await pub.sendFixture(fx, { pace: 'burst' });
    const deadline = Date.now() + 15_000;
    let ready: ReturnType<typeof parsePlaylist> | null = null;
    while (!(ready && ready.segments.length >= 2) && Date.now() < deadline) {
      const res = await fetch(`${relay.url}${w.hlsUrl}`);
      ready = res.ok ? parsePlaylist(await res.text()) : null;
      if (!(ready && ready.segments.length >= 2)) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(ready && ready.segments.length >= 2, 'the stream has segments');
    const segment = `/hls/${w.streamId}/${ready.segments[0]!.uri}`;
    // Ended, its files stay served for the retention time; no publisher to idle out during a long run.
    await pub.stop();
    const routes = ['/', '/studio', `/watch/${w.streamId}`, '/watch/', '/assets/bundle-f.js', '/assets/missing.js', '/favicon.ico', '/api/streams', `/api/streams/${w.streamId}`, '/api/streams/nope', '/api/health', '/api/admin/streams', '/api/destinations', '/api/nope', w.hlsUrl, segment, `/hls/${w.streamId}/seg_99999.ts`, '/hls/../keys.json', '/ws/events', '/ws/publish', `/ws/watch/${w.streamId}`, '/%', '/nope'];

    await abortedDownloads(relay.url, '/assets/bundle-f.js', 20); // warm up
    const fdStart = fdCount(pid);
    const rssStart = rssMiB(pid);
    let rssPeak = rssStart;
    const rssTimer = setInterval(() => relay.child.exitCode === null && (rssPeak = Math.max(rssPeak, rssMiB(pid))), 200);
    const t0 = performance.now();

    const statuses: Record<string, number> = {};
    const count = (head: string) => {
      const s = head.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? 'closed';
      statuses[s] = (statuses[s] ?? 0) + 1;
    };
    // 1. Aborted downloads: an asset, a segment, a playlist.
    const aborted = await Promise.all([
      abortedDownloads(relay.url, '/assets/bundle-f.js', Math.ceil(ABORTS / 2), CONCURRENCY / 2),
      abortedDownloads(relay.url, segment, Math.floor(ABORTS * 0.4), CONCURRENCY / 4),
      abortedDownloads(relay.url, w.hlsUrl, Math.floor(ABORTS * 0.1), CONCURRENCY / 4),
    ]);
    // 2. Huge and malformed headers, bad Range headers.
    const hostile = hostileRequests(w.hlsUrl, segment);
    for (let round = 0; round < 3; round++) {
      const heads = await Promise.all(hostile.map((r) => rawRequest(relay.url, r, { timeoutMs: 3_000 })));
      heads.forEach(count);
    }
    // 3. Floods of HEAD and GET on every route.
    let flood = 0;
    const queue = routes.flatMap((r) => Array.from({ length: 20 }, (_, i) => `${i % 2 ? 'HEAD' : 'GET'} ${r} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let req = queue.pop(); req; req = queue.pop()) {
          count(await rawRequest(relay.url, req, { timeoutMs: 5_000 }));
          flood++;
        }
      }),
    );
    const fuzzSeconds = (performance.now() - t0) / 1000;
    clearInterval(rssTimer);

    assert.equal(relay.child.exitCode, null, `relay crashed:\n${relay.output().slice(-2000)}`);
    const fiveXX = Object.entries(statuses).filter(([s]) => s.startsWith('5'));
    assert.deepEqual(fiveXX, [], `server errors among ${JSON.stringify(statuses)}`);
    assert.ok(aborted.every((a) => (a.statuses['200'] ?? 0) > 0), JSON.stringify(aborted));
    assert.equal((await fetch(`${relay.url}/api/live`)).status, 200, 'still answering');
    const fdEnd = await pollUntil(() => fdCount(pid), (n) => n <= fdStart + 5, 15_000);
    assert.ok(fdEnd <= fdStart + 5, `descriptors: ${fdStart} before, ${fdEnd} after`);
    const rssEnd = rssMiB(pid);
    assert.ok(rssPeak < RSS_BOUND_MIB, `relay RSS peaked at ${rssPeak.toFixed(0)} MiB (bound ${RSS_BOUND_MIB})`);

    const figures = { abortedDownloads: ABORTS, hostileRequests: hostile.length * 3, floodRequests: flood, fuzzSeconds, statuses, fdStart, fdEnd, rssStartMiB: Math.round(rssStart), rssPeakMiB: Math.round(rssPeak), rssEndMiB: Math.round(rssEnd), crashes: 0 };
    console.log(`# http fuzz figures ${JSON.stringify(figures)}`);
    const results = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-results');
    if (fs.existsSync(results)) fs.writeFileSync(path.join(results, 'reliability-http-fuzz.json'), JSON.stringify(figures, null, 2));
  } finally {
    const code = await relay.stop();
    fs.rmSync(webDir, { recursive: true, force: true });
    assert.equal(code, 0, `relay exit code after SIGTERM:\n${relay.output().slice(-2000)}`);
  }
});
