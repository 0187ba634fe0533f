/**
 * test:perf:memory — does memory stay flat? The relay (its own process) carries 10 streams
 * (854×480 30 fps 0.8 Mbps + Opus, real time) and 1000 real-time viewers (2 load-client processes),
 * while one headless Chromium shares the timecode tab from a studio to a real-time viewer (the
 * path users take). Every sampling period: the relay's heap and RSS and its GC pauses (perf_hooks,
 * GET /api/admin/perf), the studio's and the viewer's JS heap (CDP Runtime.getHeapUsage) and open
 * VideoFrames where the page reports them, and the RSS of that Chromium's processes.
 *
 * The result is a slope per hour for each (least squares over the second half, after warm-up) and a
 * verdict: "flat" when an hour at that slope adds less than 10 % of the mean, else "grows" (runs
 * shorter than 5 minutes say they are too short to tell).
 *   pnpm exec tsx bench/perf/memory.perf.ts [minutes=10] [--smoke]
 * --smoke: 2 streams and 100 viewers (CI's short run; budgets on levels, not on slopes).
 */
import type { CDPSession, Page } from '@playwright/test';
import { loadFixture } from '../../apps/relay/test/support/fixture.ts';
import { TestPublisher } from '../../apps/relay/test/support/test-publisher.ts';
import { launchRealPath, newContext, openCard } from '../../tests/support/real-path.ts';
import { BENCH_KEY, round, sleep, startRelayProcess, startViewerLoad } from '../lib.ts';
import { browserMarker, browserTreeRssMiB, goLive } from '../studio.ts';
import { budget, finish, positional, SMOKE } from './perf-lib.ts';

const minutes = Number(positional[0] ?? 10);
const STREAMS = SMOKE ? 2 : 10;
const VIEWERS = SMOKE ? 100 : 1000;
const CLIENTS = 2;
const PERIOD_MS = SMOKE ? 5_000 : 15_000;
const MiB = 2 ** 20;

interface Sample {
  minute: number;
  relayHeapMiB: number;
  relayRssMiB: number;
  studioHeapMiB: number;
  viewerHeapMiB: number;
  chromiumRssMiB: number;
  studioVideoFrames: number | null;
  viewerVideoFrames: number | null;
  gcPauses: number;
  gcTotalMs: number;
}

const fx = await loadFixture({ seconds: 20, width: 854, height: 480, fps: 30, videoKbps: 800 });
const relay = await startRelayProcess({
  TABCAST_MAX_CONNECTIONS_PER_IP: String(VIEWERS + 200),
  TABCAST_MAX_STREAMS_PER_KEY: String(STREAMS + 1),
});
const runMs = minutes * 60_000;
const pubs: TestPublisher[] = [];
const sending: Promise<unknown>[] = [];
const ids: string[] = [];
for (let i = 0; i < STREAMS; i++) {
  const pub = new TestPublisher(relay.url);
  ids.push((await pub.hello(BENCH_KEY)).streamId);
  pubs.push(pub);
}
const pubStartWall = Date.now();
for (const pub of pubs) sending.push(pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil(runMs / 20_000) + 3 }).catch(() => undefined));
const windowStart = Date.now() + 10_000;
const windowEnd = windowStart + runMs;
const load = startViewerLoad({ relayUrl: relay.url, streamIds: ids, viewers: VIEWERS, clients: CLIENTS, windowStart, windowEnd, pubStartWall });

const marker = browserMarker();
const browser = await launchRealPath([marker]);
const context = await newContext(browser);
await openCard(context, relay.url);
const studio = await context.newPage();
const href = await goLive(studio, relay.url, 'screen');
const viewer = await context.newPage();
await viewer.goto(`${relay.url}${href}?mode=realtime`);
const cdp = { studio: await context.newCDPSession(studio), viewer: await context.newCDPSession(viewer) };
await fetch(`${relay.url}/api/admin/perf`); // starts the relay's GC observer

const heapMiB = async (s: CDPSession) => round(((await s.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / MiB);
/** Open VideoFrames as the page reports them (`tabcastPerf.openVideoFrames`), or null where it does not. */
const videoFrames = (p: Page) => p.evaluate(() => (globalThis as unknown as { tabcastPerf?: { openVideoFrames(): number } }).tabcastPerf?.openVideoFrames() ?? null);

await sleep(windowStart - Date.now());
const samples: Sample[] = [];
const t0 = Date.now();
while (Date.now() - t0 < runMs) {
  await sleep(PERIOD_MS);
  const perf = (await (await fetch(`${relay.url}/api/admin/perf`)).json()) as { process: { heapUsedBytes: number; rssBytes: number; gcPausesMs: { pauses: number; totalMs: number } } };
  samples.push({
    minute: round((Date.now() - t0) / 60_000, 2),
    relayHeapMiB: round(perf.process.heapUsedBytes / MiB),
    relayRssMiB: round(perf.process.rssBytes / MiB),
    studioHeapMiB: await heapMiB(cdp.studio),
    viewerHeapMiB: await heapMiB(cdp.viewer),
    chromiumRssMiB: round(browserTreeRssMiB(marker)),
    studioVideoFrames: await videoFrames(studio),
    viewerVideoFrames: await videoFrames(viewer),
    gcPauses: perf.process.gcPausesMs.pauses,
    gcTotalMs: perf.process.gcPausesMs.totalMs,
  });
  console.log(JSON.stringify(samples.at(-1)));
}
const gc = ((await (await fetch(`${relay.url}/api/admin/perf`)).json()) as { process: { gcPausesMs: Record<string, number> } }).process.gcPausesMs;
await browser.close();
const viewerResults = await load.done();
for (const p of pubs) p.close();
await Promise.all(sending);
await relay.stop();

/** Least-squares slope over the second half of the run, per hour. */
function slopePerHour(key: keyof Sample): number {
  const half = samples.slice(Math.floor(samples.length / 2)).filter((s) => typeof s[key] === 'number');
  if (half.length < 2) return NaN;
  const xs = half.map((s) => s.minute / 60);
  const ys = half.map((s) => s[key] as number);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const den = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  return den ? xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / den : NaN;
}
const mean = (key: keyof Sample) => samples.reduce((s, x) => s + ((x[key] as number) ?? 0), 0) / samples.length;
const trend = (key: keyof Sample, unit: string) => {
  const perHour = slopePerHour(key);
  const verdict = !Number.isFinite(perHour) ? 'not measured' : minutes < 5 ? 'run too short to tell' : perHour < 0.1 * mean(key) ? 'flat' : 'grows';
  return { perHour: round(perHour), unit, mean: round(mean(key)), verdict };
};
const trends = {
  relayHeap: trend('relayHeapMiB', 'MiB'),
  relayRss: trend('relayRssMiB', 'MiB'),
  studioHeap: trend('studioHeapMiB', 'MiB'),
  viewerHeap: trend('viewerHeapMiB', 'MiB'),
  chromiumRss: trend('chromiumRssMiB', 'MiB'),
  studioVideoFrames: trend('studioVideoFrames', 'frames'),
  viewerVideoFrames: trend('viewerVideoFrames', 'frames'),
};
const connected = viewerResults.reduce((n, r) => n + (r.connected ?? 0), 0);
const closedEarly = viewerResults.reduce((n, r) => n + (r.closedEarly ?? 0), 0);
const maxOf = (key: keyof Sample) => Math.max(...samples.map((s) => (s[key] as number | null) ?? 0));
const budgets = [
  budget('relay RSS, highest', maxOf('relayRssMiB'), 'max', 1024, 'MiB'),
  budget('studio JS heap, highest', maxOf('studioHeapMiB'), 'max', 256, 'MiB'),
  budget('viewer JS heap, highest', maxOf('viewerHeapMiB'), 'max', 256, 'MiB'),
  budget('viewers connected', connected, 'min', VIEWERS, 'viewers'),
  budget('viewers closed early', closedEarly, 'max', 0, 'viewers'),
  // A slope needs a run long enough to separate warm-up from growth.
  ...(minutes >= 5 ? [budget('relay heap growth per hour', trends.relayHeap.perHour, 'max', 200, 'MiB/h'), budget('viewer heap growth per hour', trends.viewerHeap.perHour, 'max', 200, 'MiB/h')] : []),
];
finish('memory', `pnpm exec tsx bench/perf/memory.perf.ts ${minutes}${SMOKE ? ' --smoke' : ''}`, {
  setup: `${STREAMS} streams 854×480 30 fps 0.8 Mbps + Opus in real time and ${VIEWERS} real-time viewers on the relay (own process, ${CLIENTS} load clients); one Chromium sharing the timecode tab from a studio to a real-time viewer; a sample every ${PERIOD_MS / 1000} s`,
  minutes,
  trends,
  gcPausesMs: gc,
  viewers: { connected, closedEarly, medianOnTimePct: round(100 * (viewerResults[0]?.medianOnTimeRatio ?? 0)) },
  samples,
  budgets,
});
process.exit();
