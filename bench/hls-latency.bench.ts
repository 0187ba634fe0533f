/**
 * HLS glass-to-glass latency: the studio's test pattern draws Date.now() as a pixel barcode into
 * the captured frames; the viewer page reads it back from the playing hls.js <video>.
 *   pnpm exec tsx bench/hls-latency.bench.ts [runs=3] [seconds=40]
 */
import { median, percentile, round, sleep, startRelayProcess, writeResult } from './lib.ts';
import { goLive, launch } from './studio.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 40);
const perRun = [];
for (let run = 0; run < runs; run++) {
  const relay = await startRelayProcess();
  const browser = await launch();
  const studio = await browser.newPage();
  const href = await goLive(studio, relay.url, 'test-pattern');
  const viewer = await browser.newPage();
  await viewer.goto(`${relay.url}${href}`);
  const latency = viewer.getByTestId('latency-ms');
  await latency.waitFor({ timeout: 60_000 });
  await sleep(5000); // let hls.js settle on its live sync point
  const samples: number[] = [];
  let misses = 0;
  for (let i = 0; i < seconds * 2; i++) {
    await sleep(500);
    const text = await latency.textContent().catch(() => null);
    const v = text === null ? NaN : Number(text);
    if (Number.isFinite(v)) samples.push(v);
    else misses++;
  }
  const r = { p50Ms: median(samples), p95Ms: percentile(samples, 95), minMs: percentile(samples, 0), maxMs: percentile(samples, 100), samples: samples.length, misses };
  console.log(`run ${run + 1}/${runs}:`, r);
  perRun.push(r);
  await browser.close();
  await relay.stop();
}
writeResult('hls-latency', `pnpm exec tsx bench/hls-latency.bench.ts ${runs} ${seconds}`, {
  setup: 'studio test pattern 720p30 → WebCodecs H.264 2.5 Mbps → relay → FFmpeg HLS (hls_time 2, list 5) → hls.js (liveSyncDurationCount 2), loopback, one headless Chromium',
  seconds,
  runs: perRun,
  median: { p50Ms: median(perRun.map((r) => r.p50Ms)), p95Ms: median(perRun.map((r) => r.p95Ms)) },
});
