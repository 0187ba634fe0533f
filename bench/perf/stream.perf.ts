/**
 * test:perf:stream — per studio setting, on the path users take (the timecode tab shared through
 * getDisplayMedia, read back from the viewer's pixels), with an optional CPU burner beside it:
 * glass-to-glass latency (p50/p95, and over time), fps sent and shown, bitrate sent, and the
 * encoder's latency (encode() to chunk), for the real-time viewer and for HLS (the watch page's
 * default player), each measured alone after the other on the same stream.
 * A setting is a quality and an encoding profile (the studio's two choices): `720p30/low-latency`.
 *   pnpm exec tsx bench/perf/stream.perf.ts [settings=720p30/low-latency,720p30/high-quality,720p30/battery-saving] [seconds=20] [burners=1] [--smoke]
 */
import type { Page } from '@playwright/test';
import { collect, cpuBurner, launchRealPath, newContext, openCard, waitForSamples, type Sample } from '../../tests/support/real-path.ts';
import { median, percentile, round, sleep, startRelayProcess } from '../lib.ts';
import { goLive, readStats } from '../studio.ts';
import { budget, finish, positional, SMOKE, type Budget } from './perf-lib.ts';

const settings = (positional[0] ?? (SMOKE ? '720p30/low-latency' : '720p30/low-latency,720p30/high-quality,720p30/battery-saving')).split(',');
const seconds = Number(positional[1] ?? (SMOKE ? 8 : 20));
const burners = Number(positional[2] ?? (SMOKE ? 0 : 1));
const WARM_UP_MS = 3_000;

interface PathFigures {
  p50Ms: number;
  p95Ms: number;
  fpsShown: number;
  samples: number;
  latencySeries: [number, number][];
}

const summarise = (samples: Sample[], frames: number, secs: number, t0: number): PathFigures => {
  const xs = samples.map((s) => s.latencyMs);
  return {
    p50Ms: round(median(xs), 0),
    p95Ms: round(percentile(xs, 95), 0),
    fpsShown: round(frames / secs, 1),
    samples: xs.length,
    latencySeries: samples.filter((_, i) => i % 4 === 0).map((s) => [round((s.atMs - t0) / 1000, 2), s.latencyMs]),
  };
};

/** Collects from a viewer page while reading the studio's figures before and after. */
async function measure(studio: Page, viewer: Page) {
  await waitForSamples(viewer);
  await sleep(WARM_UP_MS);
  const before = await readStats(studio);
  const t0 = Date.now();
  const c = await collect(viewer, seconds);
  const after = await readStats(studio);
  return {
    ...summarise(c.samples, c.frames, c.seconds, t0),
    fpsSent: before && after ? round((after.framesEncoded - before.framesEncoded) / c.seconds, 1) : NaN,
    bitrateKbps: after ? round(after.bitrate / 1000) : NaN,
    encodeMs: after ? round(after.encodeMsAvg, 1) : NaN,
    dropped: before && after ? after.framesDropped - before.framesDropped : NaN,
  };
}

const relay = await startRelayProcess();
const burning = Array.from({ length: burners }, () => cpuBurner());
const browser = await launchRealPath();
const rows = [];
try {
  for (const setting of settings) {
    const context = await newContext(browser);
    await openCard(context, relay.url);
    const studio = await context.newPage();
    const [quality, profile] = setting.split('/');
    const href = await goLive(studio, relay.url, 'screen', { quality, profile });
    const row: Record<string, unknown> = { setting };
    for (const mode of ['realtime', 'hls'] as const) {
      const viewer = await context.newPage();
      await viewer.goto(`${relay.url}${href}?mode=${mode}`);
      row[mode] = await measure(studio, viewer);
      await viewer.close();
    }
    console.log(JSON.stringify(row, (k, v) => (k === 'latencySeries' ? undefined : v)));
    rows.push(row as { setting: string; realtime: Awaited<ReturnType<typeof measure>>; hls: Awaited<ReturnType<typeof measure>> });
    await context.close();
  }
} finally {
  await browser.close();
  burning.forEach((b) => b.stop());
  await relay.stop();
}

const budgets: Budget[] = rows.flatMap((r) => [
  budget(`${r.setting}: real-time latency p50`, r.realtime.p50Ms, 'max', 1_500, 'ms'),
  budget(`${r.setting}: real-time fps shown ÷ sent`, round(r.realtime.fpsShown / r.realtime.fpsSent, 2), 'min', 0.5, '×'),
  budget(`${r.setting}: HLS latency p50`, r.hls.p50Ms, 'max', 10_000, 'ms'),
]);
finish('stream', `pnpm exec tsx bench/perf/stream.perf.ts ${settings.join(',')} ${seconds} ${burners}${SMOKE ? ' --smoke' : ''}`, {
  setup: `the timecode tab shared through getDisplayMedia, one studio setting at a time, the real-time viewer then the HLS viewer (the watch page's default player) for ${seconds} s each after ${WARM_UP_MS / 1000} s of warm-up; relay in its own process${burners ? `; ${burners} CPU burner${burners > 1 ? 's' : ''} beside it` : ''}`,
  seconds,
  burners,
  rows,
  budgets,
});
process.exit();
