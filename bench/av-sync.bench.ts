/**
 * Audio/video sync in the real-time viewer, with sound on, over `minutes` (default 10). The studio's
 * test pattern beeps at each whole second and draws the time as a barcode; the unmuted viewer
 * measures each beep's glass-to-ear latency against the glass-to-glass latency of the frame drawn
 * nearest to it (player stat `avSyncMs`, positive = picture behind the sound). Reported: p50/p95 of
 * the offset, its median in the first and last minute (drift), latency with sound, and the summed
 * RSS of the Chromium processes (studio + viewer), first vs. last and slope.
 *   pnpm exec tsx bench/av-sync.bench.ts [minutes=10]
 */
import { median, percentile, round, rssSlopeSecondHalf, sleep, writeResult } from './lib.ts';
import { chromiumRssMiB, studioWithRealtimeViewer } from './studio.ts';

const minutes = Number(process.argv[2] ?? 10);

const { relay, browser, viewer } = await studioWithRealtimeViewer();
await viewer.getByRole('button', { name: 'Unmute' }).click();
await viewer.getByTestId('rt-av-sync-ms').waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
  throw new Error(`the viewer never measured A/V sync; its stats: ${await viewer.getByTestId('rt-stats').textContent().catch(() => '(none)')}`, { cause: err });
});
await sleep(5_000); // the audio buffer sheds its start-up backlog

const samples: { s: number; avMs: number; latencyMs: number; fps: number }[] = [];
const memory: { minute: number; rssMiB: number }[] = [];
const t0 = Date.now();
let lastMemory = 0;
while (Date.now() - t0 < minutes * 60_000) {
  await sleep(1_000);
  const [av, lat, fps] = await Promise.all(['rt-av-sync-ms', 'latency-ms', 'rt-fps'].map((id) => viewer.getByTestId(id).textContent().catch(() => null)));
  if (av !== null && lat !== null) samples.push({ s: round((Date.now() - t0) / 1000, 0), avMs: Number(av), latencyMs: Number(lat), fps: Number(fps) });
  if (Date.now() - lastMemory >= 30_000) {
    lastMemory = Date.now();
    memory.push({ minute: round((Date.now() - t0) / 60_000, 2), rssMiB: round(chromiumRssMiB()) });
    console.log(JSON.stringify({ ...samples.at(-1), rssMiB: memory.at(-1)!.rssMiB }));
  }
}
await browser.close();
await relay.stop();

const av = samples.map((x) => x.avMs);
const firstMinute = samples.filter((x) => x.s <= 60).map((x) => x.avMs);
const lastMinute = samples.filter((x) => x.s > (minutes - 1) * 60).map((x) => x.avMs);
const slope = rssSlopeSecondHalf(memory);
writeResult('av-sync', `pnpm exec tsx bench/av-sync.bench.ts ${minutes}`, {
  setup: 'studio test pattern 720p30 + a 1 kHz beep each second → WebCodecs H.264 + Opus → relay → real-time viewer, unmuted (AudioWorklet clock); one headless Chromium, loopback',
  minutes,
  samples: samples.length,
  avSyncMs: { p50: median(av), p5: percentile(av, 5), p95: percentile(av, 95), absP95: percentile(av.map(Math.abs), 95) },
  driftMs: { firstMinuteMedian: median(firstMinute), lastMinuteMedian: median(lastMinute), change: round(median(lastMinute) - median(firstMinute)) },
  latencyWithSoundMs: { p50: median(samples.map((x) => x.latencyMs)), p95: percentile(samples.map((x) => x.latencyMs), 95) },
  fpsMedian: median(samples.map((x) => x.fps)),
  memory: { firstMiB: memory[0]?.rssMiB, lastMiB: memory.at(-1)?.rssMiB, slopeMiBPerMinute: round(slope, 2), samples: memory },
});
