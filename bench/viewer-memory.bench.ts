/**
 * Does the real-time viewer's memory stay flat? One studio (test pattern) and one real-time
 * viewer in one headless Chromium for `minutes`; the RSS of every Chromium process is summed every
 * 10 s, and the slope over the second half is reported (a leak of VideoFrames would climb).
 *   pnpm exec tsx bench/viewer-memory.bench.ts [minutes=5]
 */
import { round, rssSlopeSecondHalf, sleep, writeResult } from './lib.ts';
import { chromiumRssMiB, studioWithRealtimeViewer } from './studio.ts';

const minutes = Number(process.argv[2] ?? 5);

const { relay, browser, viewer } = await studioWithRealtimeViewer();
await viewer.getByTestId('rt-fps').waitFor({ timeout: 30_000 });
const samples: { minute: number; rssMiB: number; fps: number }[] = [];
const t0 = Date.now();
while (Date.now() - t0 < minutes * 60_000) {
  await sleep(10_000);
  samples.push({
    minute: round((Date.now() - t0) / 60_000, 2),
    rssMiB: round(chromiumRssMiB()),
    fps: Number(await viewer.getByTestId('rt-fps').textContent()),
  });
  console.log(JSON.stringify(samples.at(-1)));
}
await browser.close();
await relay.stop();
const slope = rssSlopeSecondHalf(samples);
writeResult('viewer-memory', `pnpm exec tsx bench/viewer-memory.bench.ts ${minutes}`, {
  minutes,
  samples,
  slopeMiBPerMinute: round(slope, 2),
  firstMiB: samples[0]?.rssMiB,
  lastMiB: samples.at(-1)?.rssMiB,
});
