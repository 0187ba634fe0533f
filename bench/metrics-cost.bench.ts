/**
 * What observability costs the relay: 10 live streams (854×480 30 fps, 0.8 Mbps + Opus, real
 * time) and 1000 real-time viewers (100 per stream, read by 2 load-client processes), with
 * alternating windows: "on" = /api/metrics scraped every second (15× Prometheus' default rate)
 * and one dashboard socket open (a snapshot every 2 s); "off" = neither. The relay's CPU is read
 * from /proc per window; the cost is the median "on" window minus the median "off" window, as %
 * of one core. Health sampling (1 s) runs in both: it is always on. The scrape's own duration
 * and size, and the snapshot size, are reported beside it.
 *   pnpm exec tsx bench/metrics-cost.bench.ts [windowSeconds=10] [pairs=4]
 */
import { WebSocket } from 'ws';
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { TestPublisher } from '../apps/relay/test/support/test-publisher.ts';
import { BENCH_KEY, median, percentile, procSample, round, sleep, startRelayProcess, startViewerLoad, writeResult } from './lib.ts';

const windowSec = Number(process.argv[2] ?? 10);
const pairs = Number(process.argv[3] ?? 4);
const STREAMS = 10;
const VIEWERS_PER_STREAM = 100;
/** Load-client processes, each reading its share of the viewers of every stream. */
const CLIENTS = 2;

const fx = await loadFixture({ seconds: 20, width: 854, height: 480, fps: 30, videoKbps: 800 });
const relay = await startRelayProcess({
  TABCAST_MAX_CONNECTIONS_PER_IP: String(STREAMS * VIEWERS_PER_STREAM + 200),
  TABCAST_MAX_STREAMS_PER_KEY: String(STREAMS),
});
const totalSec = 15 + 2 * pairs * windowSec + 10;
const pubs: TestPublisher[] = [];
const sending: Promise<unknown>[] = [];
const ids: string[] = [];
for (let i = 0; i < STREAMS; i++) {
  const pub = new TestPublisher(relay.url);
  const w = await pub.hello(BENCH_KEY);
  ids.push(w.streamId);
  pubs.push(pub);
}
// All streams start together: the load clients time frames on one publisher clock.
const pubStartWall = Date.now();
for (const pub of pubs) {
  pub.startStats({ targetFps: 30, captureFps: 30 });
  sending.push(pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil(totalSec / 20) + 1 }).catch(() => undefined));
}
const windowStart = Date.now() + 15_000;
const windowEnd = windowStart + 2 * pairs * windowSec * 1000;
const load = startViewerLoad({ relayUrl: relay.url, streamIds: ids, viewers: STREAMS * VIEWERS_PER_STREAM, clients: CLIENTS, windowStart, windowEnd, pubStartWall });
await sleep(windowStart - Date.now());

const scrapeMs: number[] = [];
const scrapeBytes: number[] = [];
const snapshotBytes: number[] = [];
const windows: { mode: 'on' | 'off'; cpuPct: number }[] = [];

async function runWindow(mode: 'on' | 'off'): Promise<void> {
  let ws: WebSocket | null = null;
  let stop = false;
  const scraper = (async () => {
    if (mode === 'off') return;
    ws = new WebSocket(`${relay.url.replace('http', 'ws')}/ws/dashboard`);
    ws.on('message', (d) => snapshotBytes.push((d as Buffer).byteLength));
    ws.on('error', () => undefined);
    while (!stop) {
      const t0 = performance.now();
      const text = await (await fetch(`${relay.url}/api/metrics`)).text();
      scrapeMs.push(performance.now() - t0);
      scrapeBytes.push(Buffer.byteLength(text));
      await sleep(1000);
    }
  })();
  await sleep(1000); // let the switch settle before measuring
  const a = procSample(relay.pid)!;
  const t0 = performance.now();
  await sleep(windowSec * 1000 - 1000);
  const b = procSample(relay.pid)!;
  const cpuPct = (100 * (b.cpuSec - a.cpuSec)) / ((performance.now() - t0) / 1000);
  stop = true;
  await scraper;
  (ws as WebSocket | null)?.close();
  windows.push({ mode, cpuPct: round(cpuPct) });
  console.log(JSON.stringify(windows.at(-1)));
}

for (let i = 0; i < pairs; i++) {
  // Alternate which comes first, so a drift in load does not favour one mode.
  for (const mode of i % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) await runWindow(mode);
}

// The relay's own account of the time it spent (its histograms, read with one last scrape).
const finalText = await (await fetch(`${relay.url}/api/metrics`)).text();
const figure = (name: string) => Number(finalText.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? NaN);
const inRelay = {
  collectCount: figure('stream_manager_metrics_collect_seconds_count'),
  collectMsMean: round((1000 * figure('stream_manager_metrics_collect_seconds_sum')) / figure('stream_manager_metrics_collect_seconds_count'), 2),
  pushCount: figure('stream_manager_dashboard_push_seconds_count'),
  pushMsMean: round((1000 * figure('stream_manager_dashboard_push_seconds_sum')) / figure('stream_manager_dashboard_push_seconds_count'), 2),
};

const viewerResults = await load.done();
console.log(JSON.stringify(viewerResults));
for (const p of pubs) p.close();
await Promise.all(sending);
await relay.stop();

const on = windows.filter((w) => w.mode === 'on').map((w) => w.cpuPct);
const off = windows.filter((w) => w.mode === 'off').map((w) => w.cpuPct);
const result = {
  setup: `${STREAMS} streams 854×480 30 fps 0.8 Mbps + Opus in real time, ${STREAMS * VIEWERS_PER_STREAM} real-time viewers (${VIEWERS_PER_STREAM} per stream, ${CLIENTS} load-client processes); on = /api/metrics every 1 s + one dashboard socket (push every 2 s)`,
  windowSec,
  pairs,
  relayCpuOnPct: round(median(on)),
  relayCpuOffPct: round(median(off)),
  costPctOfCore: round(median(on) - median(off)),
  windows,
  // Per second of wall time at one scrape a second and one push every 2 s, % of a core:
  // the time the relay itself measured building them (direct, not subject to window noise).
  inRelay,
  directCostPctOfCore: round(inRelay.collectMsMean / 10 + inRelay.pushMsMean / 20, 2),
  scrapeMsP50: round(median(scrapeMs)),
  scrapeMsP95: round(percentile(scrapeMs, 95)),
  scrapeKiB: round(median(scrapeBytes) / 1024),
  snapshotKiB: round(median(snapshotBytes) / 1024),
  viewersConnected: viewerResults.reduce((n, r) => n + (r.connected ?? 0), 0),
  viewersHealthy: viewerResults.reduce((n, r) => n + (r.healthyViewers ?? 0), 0),
  viewersClosedEarly: viewerResults.reduce((n, r) => n + (r.closedEarly ?? 0), 0),
  viewersMedianOnTimePct: round(100 * median(viewerResults.map((r) => r.medianOnTimeRatio ?? 0))),
};
console.log(JSON.stringify(result));
writeResult('metrics-cost', `pnpm exec tsx bench/metrics-cost.bench.ts ${windowSec} ${pairs}`, result);
process.exit(0);
