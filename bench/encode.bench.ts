/**
 * WebCodecs encode time per frame and dropped frames at 720p30 in headless Chromium, through the
 * real studio (capture → MediaStreamTrackProcessor → encoder worker → relay). Median of runs.
 *   pnpm exec tsx bench/encode.bench.ts [runs=3] [seconds=30]
 */
import { median, percentile, round, sleep, startRelayProcess, writeResult } from './lib.ts';
import { goLive, launch, readStats, type StudioStats } from './studio.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 30);
const sources = ['screen', 'test-pattern'] as const;

const out: Record<string, unknown> = {};
for (const source of sources) {
  const perRun = [];
  for (let run = 0; run < runs; run++) {
    const relay = await startRelayProcess();
    const browser = await launch();
    const page = await browser.newPage();
    await goLive(page, relay.url, source);
    await sleep(3000); // warm-up
    const first = (await readStats(page))!;
    const samples: StudioStats[] = [];
    for (let i = 0; i < seconds; i++) {
      await sleep(1000);
      const s = await readStats(page);
      if (s) samples.push(s);
    }
    const last = samples.at(-1)!;
    const encoded = last.framesEncoded - first.framesEncoded;
    const dropped = last.framesDropped - first.framesDropped;
    const r = {
      encodeMsPerFrameMedian: round(median(samples.map((s) => s.encodeMsAvg).filter((x) => x > 0))),
      encodeMsPerFrameP95: round(percentile(samples.map((s) => s.encodeMsAvg).filter((x) => x > 0), 95)),
      fpsMedian: median(samples.map((s) => s.fps)),
      bitrateMbpsMedian: round(median(samples.map((s) => s.bitrate)) / 1e6, 2),
      framesEncoded: encoded,
      framesDropped: dropped,
      droppedPct: round((100 * dropped) / Math.max(1, encoded + dropped), 2),
      codec: last.codec,
    };
    console.log(`${source} run ${run + 1}/${runs}:`, r);
    perRun.push(r);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('[data-state="idle"]').waitFor({ timeout: 20_000 }).catch(() => undefined);
    await browser.close();
    await relay.stop();
  }
  out[source] = {
    runs: perRun,
    median: {
      encodeMsPerFrame: round(median(perRun.map((r) => r.encodeMsPerFrameMedian))),
      fps: median(perRun.map((r) => r.fpsMedian)),
      droppedPct: round(median(perRun.map((r) => r.droppedPct)), 2),
      bitrateMbps: round(median(perRun.map((r) => r.bitrateMbpsMedian)), 2),
    },
  };
}
writeResult('encode', `pnpm exec tsx bench/encode.bench.ts ${runs} ${seconds}`, {
  preset: '720p30, 2.5 Mbps, H.264 (first of High/Main/Baseline supported), latencyMode realtime',
  seconds,
  sources: out,
});
