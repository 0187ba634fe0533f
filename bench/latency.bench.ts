/**
 * Glass-to-glass latency, real-time vs. HLS, side by side in one run: one studio publishes the
 * test pattern (Date.now() drawn as a barcode); one viewer page plays it in real-time mode (read
 * from the canvas), another in HLS mode (read from the <video>). p50/p95 over the sampling window.
 *   pnpm exec tsx bench/latency.bench.ts [runs=3] [seconds=60] [modes=realtime,hls]
 * With `realtime` alone (no HLS page decoding beside it) it shows what CPU contention costs.
 */
import { median, percentile, round, sleep, startRelayProcess, writeResult } from './lib.ts';
import { goLive, launch } from './studio.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 60);
const modes = (process.argv[4] ?? 'realtime,hls').split(',');
const withHls = modes.includes('hls');
const perRun = [];
for (let run = 0; run < runs; run++) {
  const relay = await startRelayProcess();
  const browser = await launch();
  const studio = await browser.newPage();
  const href = await goLive(studio, relay.url, 'test-pattern');
  const rt = await browser.newPage();
  const hls = withHls ? await browser.newPage() : null;
  await rt.goto(`${relay.url}${href}?mode=realtime`);
  await hls?.goto(`${relay.url}${href}?mode=hls`);
  await Promise.all([rt.getByTestId('latency-ms').waitFor({ timeout: 60_000 }), hls?.getByTestId('latency-ms').waitFor({ timeout: 60_000 })]);
  await sleep(5000);
  const samples = { realtime: [] as number[], hls: [] as number[] };
  const fps: number[] = [];
  for (let i = 0; i < seconds * 2; i++) {
    await sleep(500);
    const [a, b, f] = await Promise.all([
      rt.getByTestId('latency-ms').textContent().catch(() => null),
      hls ? hls.getByTestId('latency-ms').textContent().catch(() => null) : null,
      rt.getByTestId('rt-fps').textContent().catch(() => null),
    ]);
    if (a) samples.realtime.push(Number(a));
    if (b) samples.hls.push(Number(b));
    if (f) fps.push(Number(f));
  }
  const stats = (xs: number[]) => ({ p50Ms: median(xs), p95Ms: percentile(xs, 95), samples: xs.length });
  const r = { realtime: stats(samples.realtime), hls: stats(samples.hls), realtimeFpsMedian: median(fps) };
  console.log(`run ${run + 1}/${runs}:`, JSON.stringify(r));
  perRun.push(r);
  await browser.close();
  await relay.stop();
}
writeResult(withHls ? 'latency' : 'latency-realtime-alone', `pnpm exec tsx bench/latency.bench.ts ${runs} ${seconds} ${modes.join(',')}`, {
  setup: 'studio test pattern 720p30 → WebCodecs H.264 2.5 Mbps → relay → (a) real-time viewer: WebSocket → VideoDecoder → OffscreenCanvas, (b) FFmpeg HLS → hls.js; one headless Chromium, loopback',
  seconds,
  runs: perRun,
  median: {
    realtimeP50Ms: round(median(perRun.map((r) => r.realtime.p50Ms))),
    realtimeP95Ms: round(median(perRun.map((r) => r.realtime.p95Ms))),
    hlsP50Ms: round(median(perRun.map((r) => r.hls.p50Ms))),
    hlsP95Ms: round(median(perRun.map((r) => r.hls.p95Ms))),
    realtimeFps: median(perRun.map((r) => r.realtimeFpsMedian)),
  },
});
