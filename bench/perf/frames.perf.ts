/**
 * test:frames:timing, test:frames:drops and test:frames:buffer — one run on the path users take
 * (the timecode tab shared from the studio, a real-time viewer, the relay in its own process, an
 * optional CPU burner beside them), read every second at each hop's monitoring points:
 * - the studio (its stats: encoder queue, socket backlog, drops by reason; and its monitoring points
 *   where the page exposes them: capture and encode intervals, encode time);
 * - the relay (GET /api/admin/perf?take=1: arrival intervals, fan-out time, viewers' backlog, skips);
 * - the viewer (tabcastPerf.take(): receive, decode-output and paint intervals, decode time, queue
 *   depths, frames dropped; its stats: resyncs and chunks shed by reason).
 * `timing` reports the frame-interval distribution at every stage (p50/p95/p99, jitter) with a
 * histogram; `drops` every stage's drops with the reason; `buffer` queue depths over time.
 *   pnpm exec tsx bench/perf/frames.perf.ts <timing|drops|buffer|all> [seconds=60] [burners=1] [--smoke]
 */
import { intervalFigures } from '@tabcast/shared';
import type { PlayerPerf } from '../../apps/web/src/player/realtime/realtime-player.ts';
import { collect, cpuBurner, launchRealPath, newContext, openCard, waitForSamples } from '../../tests/support/real-path.ts';
import { viewerStats } from '../../tests/support/studio-pages.ts';
import { median, percentile, round, sleep, startRelayProcess } from '../lib.ts';
import { goLive, readStats } from '../studio.ts';
import { budget, finish, positional, SMOKE } from './perf-lib.ts';

const which = positional[0] ?? 'all';
if (!['timing', 'drops', 'buffer', 'all'].includes(which)) throw new Error(`say timing, drops, buffer or all, not ${which}`);
const seconds = Number(positional[1] ?? (SMOKE ? 12 : 60));
const burners = Number(positional[2] ?? 1);

interface StudioTake {
  captureIntervalsMs?: number[];
  encodedIntervalsMs?: number[];
  sentIntervalsMs?: number[];
  encodeMs?: number[];
}
interface RelayTake {
  streams: Record<string, { samples: { arrivalIntervalsMs: number[]; fanoutMs: number[] }; fanout: { viewers: number; maxUnsentBytes: number; maxBehindMs: number; sent: number; skipped: number; skipsByReason: Record<string, number> } }>;
}

const relay = await startRelayProcess();
const burning = Array.from({ length: burners }, () => cpuBurner());
const browser = await launchRealPath();
const stages: Record<string, number[]> = { capture: [], encode: [], 'relay arrival': [], 'viewer receive': [], 'viewer decode': [], 'viewer paint': [] };
const stageTimes: Record<string, number[]> = { encode: [], 'relay fan-out': [], decode: [] };
const queues: { t: number; encoderQueue: number; socketKiB: number; relayUnsentKiB: number; relayBehindMs: number; decodeQueue: number; frameQueue: number }[] = [];
let latency: [number, number][] = [];
let drops: Record<string, unknown> = {};
let studioFps = 0;
let viewerFps = 0;
try {
  const context = await newContext(browser);
  await openCard(context, relay.url);
  const studio = await context.newPage();
  const href = await goLive(studio, relay.url, 'screen');
  const streamId = href.split('/').pop()!;
  const viewer = await context.newPage();
  await viewer.goto(`${relay.url}${href}?mode=realtime`);
  await waitForSamples(viewer);
  await sleep(3_000);
  const takeViewer = () => viewer.evaluate(() => (globalThis as unknown as { tabcastPerf?: { take(): Promise<unknown> } }).tabcastPerf?.take() ?? null) as Promise<PlayerPerf | null>;
  const takeStudio = () => studio.evaluate(() => (globalThis as unknown as { tabcastPerf?: { take(): Promise<unknown> } }).tabcastPerf?.take() ?? null) as Promise<StudioTake | null>;
  const takeRelay = async () => ((await (await fetch(`${relay.url}/api/admin/perf?take=1`)).json()) as RelayTake).streams[streamId];
  // Start clean: what was recorded before the window is dropped.
  await takeViewer();
  await takeStudio();
  await takeRelay();
  const studioBefore = await readStats(studio);
  const viewerBefore = await viewerStats(viewer);
  const t0 = Date.now();
  const collecting = collect(viewer, seconds);
  let relayLast: RelayTake['streams'][string] | undefined;
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(1_000);
    const [v, s, r, st] = [await takeViewer(), await takeStudio(), await takeRelay(), await readStats(studio)];
    const t = round((Date.now() - t0) / 1000, 1);
    if (s) {
      stages.capture!.push(...(s.captureIntervalsMs ?? []));
      stages.encode!.push(...(s.encodedIntervalsMs ?? []));
      stageTimes.encode!.push(...(s.encodeMs ?? []));
    }
    if (r) {
      stages['relay arrival']!.push(...r.samples.arrivalIntervalsMs);
      stageTimes['relay fan-out']!.push(...r.samples.fanoutMs);
      relayLast = r;
    }
    if (v) {
      stages['viewer receive']!.push(...v.receiveIntervalsMs);
      stages['viewer decode']!.push(...v.decodedIntervalsMs);
      stages['viewer paint']!.push(...v.paintIntervalsMs);
      stageTimes.decode!.push(...v.decodeMs);
    }
    const lastViewerQueue = v?.queues.at(-1);
    queues.push({
      t,
      encoderQueue: st?.encoderQueue ?? 0,
      socketKiB: round((st?.bufferedBytes ?? 0) / 1024),
      relayUnsentKiB: round((r?.fanout.maxUnsentBytes ?? 0) / 1024),
      relayBehindMs: r?.fanout.maxBehindMs ?? 0,
      decodeQueue: lastViewerQueue?.[1] ?? 0,
      frameQueue: lastViewerQueue?.[2] ?? 0,
    });
  }
  const c = await collecting;
  latency = c.samples.map((s) => [round((s.atMs - t0) / 1000, 2), s.latencyMs]);
  const studioAfter = await readStats(studio);
  const viewerAfter = await viewerStats(viewer);
  studioFps = studioBefore && studioAfter ? round((studioAfter.framesEncoded - studioBefore.framesEncoded) / c.seconds) : NaN;
  viewerFps = round(c.frames / c.seconds);
  const diff = (a: Record<string, number> | undefined, b: Record<string, number> | undefined) => Object.fromEntries(Object.keys(b ?? {}).map((k) => [k, (b?.[k] ?? 0) - (a?.[k] ?? 0)]));
  drops = {
    studio: { byReason: diff(studioBefore?.drops, studioAfter?.drops), total: (studioAfter?.framesDropped ?? 0) - (studioBefore?.framesDropped ?? 0), encoded: (studioAfter?.framesEncoded ?? 0) - (studioBefore?.framesEncoded ?? 0) },
    relay: { skipsByReason: relayLast?.fanout.skipsByReason ?? {}, skipped: relayLast?.fanout.skipped ?? 0, sent: relayLast?.fanout.sent ?? 0 },
    viewer: { shedByReason: diff(viewerBefore?.shed, viewerAfter?.shed), resyncs: (viewerAfter?.resyncs ?? 0) - (viewerBefore?.resyncs ?? 0), droppedBeforePaint: (viewerAfter?.droppedFrames ?? 0) - (viewerBefore?.droppedFrames ?? 0), painted: c.frames },
  };
} finally {
  await browser.close();
  burning.forEach((b) => b.stop());
  await relay.stop();
}

const setup = `the timecode tab shared from the studio (720p30) to a real-time viewer in one headless Chromium, the relay in its own process${burners ? `, ${burners} CPU burner${burners > 1 ? 's' : ''} beside them` : ''}; ${seconds} s; every hop read each second`;
const command = (name: string) => `pnpm exec tsx bench/perf/frames.perf.ts ${name} ${seconds} ${burners}${SMOKE ? ' --smoke' : ''}`;
const common = { setup, seconds, burners, studioFps, viewerFps };
const paint = intervalFigures(stages['viewer paint']!);

if (which === 'timing' || which === 'all') {
  finish('frames-timing', command('timing'), {
    ...common,
    intervals: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v.length ? intervalFigures(v) : null])),
    stageTimesMs: Object.fromEntries(Object.entries(stageTimes).map(([k, v]) => [k, v.length ? { p50: round(median(v), 2), p95: round(percentile(v, 95), 2), p99: round(percentile(v, 99), 2) } : null])),
    histograms: Object.fromEntries(Object.entries(stages).filter(([, v]) => v.length).map(([k, v]) => [k, v.map((x) => round(x, 1))])),
    latency,
    budgets: [
      // Relative to what the studio sent: the viewer paints at least half of it, and its frames are not further apart than 4 sent intervals at p95.
      budget('viewer paint rate ÷ studio send rate', round(viewerFps / studioFps, 2), 'min', 0.5, '×'),
      budget('viewer paint interval p95 ÷ studio frame interval', paint.count ? round(paint.p95 / (1000 / studioFps), 2) : NaN, 'max', 4, '×'),
    ],
  });
}
if (which === 'drops' || which === 'all') {
  const d = drops as { studio: { total: number; encoded: number; byReason: Record<string, number> }; viewer: { painted: number } };
  // 'paced' is the studio keeping to its frame rate (a tab captured at 60 fps sent at 30), not a loss.
  const lost = d.studio.total - (d.studio.byReason.paced ?? 0);
  finish('frames-drops', command('drops'), {
    ...common,
    drops,
    budgets: [budget('studio frames lost (not paced), share of those due', round(lost / Math.max(1, lost + d.studio.encoded), 3), 'max', 0.5, 'of 1'), budget('viewer frames painted ÷ studio frames encoded', round(d.viewer.painted / Math.max(1, d.studio.encoded), 2), 'min', 0.5, '×')],
  });
}
if (which === 'buffer' || which === 'all') {
  const maxOf = (k: keyof (typeof queues)[number]) => Math.max(0, ...queues.map((q) => q[k]));
  finish('frames-buffer', command('buffer'), {
    ...common,
    queues,
    max: { encoderQueue: maxOf('encoderQueue'), socketKiB: maxOf('socketKiB'), relayUnsentKiB: maxOf('relayUnsentKiB'), relayBehindMs: maxOf('relayBehindMs'), decodeQueue: maxOf('decodeQueue'), frameQueue: maxOf('frameQueue') },
    budgets: [budget('viewer decode queue, highest', maxOf('decodeQueue'), 'max', 60, 'chunks'), budget('relay: a viewer behind, most', maxOf('relayBehindMs'), 'max', 3_000, 'ms')],
  });
}
process.exit();
