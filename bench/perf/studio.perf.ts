/**
 * test:perf:compose, test:perf:render, test:perf:workers and test:perf:core — the studio's
 * compositor and workers on the path users take: the timecode tab shared through getDisplayMedia,
 * Chromium's fake camera, a lower third and an image, composited at 720p30 into a real-time viewer
 * (one headless Chromium, the relay in its own process, an optional CPU burner beside them).
 *
 * - compose: per layout (1 layer passed through, 1 layer drawn, 3 and 6 layers), the time to
 *   compose an output frame in the worker, fps sent, and the viewer's glass-to-glass latency;
 * - render: per layout, render time per frame split into setup (layout), draw and frame (making
 *   the VideoFrame), the preview's redraws, and the overlay cache's hit rate;
 * - workers: the compositor, encoder and decoder workers: a message round trip to each, queue
 *   depths, time spent per frame;
 * - core: layout updates (a configure() to the first output frame showing it) and viewport
 *   changes (a new output size to the first frame at that size).
 * Layouts are set through the studio page's `tabcastPerf.configureCompositor` (a custom layer list).
 *   pnpm exec tsx bench/perf/studio.perf.ts <compose|render|workers|core|all> [seconds=10] [burners=0] [--smoke]
 */
import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import type { Layer } from '../../apps/web/src/compositor/layout.ts';
import type { StudioPerf } from '../../apps/web/src/routes/studio/studio-perf.ts';
import type { PlayerPerf } from '../../apps/web/src/player/realtime/realtime-player.ts';
import { collect, cpuBurner, launchRealPath, newContext, openCard, waitForSamples } from '../../tests/support/real-path.ts';
import { median, percentile, round, sleep, startRelayProcess } from '../lib.ts';
import { goLiveComposed, readStats } from '../studio.ts';
import { budget, finish, positional, SMOKE, type Budget } from './perf-lib.ts';

const which = positional[0] ?? 'all';
if (!['compose', 'render', 'workers', 'core', 'all'].includes(which)) throw new Error(`say compose, render, workers, core or all, not ${which}`);
const seconds = Number(positional[1] ?? (SMOKE ? 5 : 10));
const burners = Number(positional[2] ?? 0);
const FRAME_RATE = 30;

const full = { x: 0, y: 0, w: 1, h: 1 };
const pip = (x: number, y: number) => ({ x, y, w: 0.28, h: 0.28 });
/** The layouts measured: a layer list each, drawn in z order. */
const LAYOUTS: { name: string; layers: Layer[] }[] = [
  { name: '1 layer (screen, passed through)', layers: [{ source: 'screen', box: full, z: 0, fit: 'contain' }] },
  { name: '1 layer (screen, drawn at 90 %)', layers: [{ source: 'screen', box: { x: 0.05, y: 0.05, w: 0.9, h: 0.9 }, z: 0, fit: 'contain' }] },
  {
    name: '3 layers (screen, camera, lower third)',
    layers: [
      { source: 'screen', box: full, z: 0, fit: 'contain' },
      { source: 'camera', box: pip(0.7, 0.68), z: 1, fit: 'contain' },
      { source: 'title', box: { x: 0.04, y: 0.78, w: 0.6, h: 0.13 }, z: 2, fit: 'contain' },
    ],
  },
  {
    name: '6 layers (screen, 2 cameras, image, text card, lower third)',
    layers: [
      { source: 'screen', box: full, z: 0, fit: 'contain' },
      { source: 'camera', box: pip(0.7, 0.68), z: 1, fit: 'contain' },
      { source: 'camera', box: pip(0.7, 0.04), z: 2, fit: 'cover' },
      { source: 'image', box: { x: 0.02, y: 0.03, w: 0.15, h: 0.15 }, z: 3, fit: 'contain' },
      { source: 'brb', box: { x: 0.36, y: 0.03, w: 0.28, h: 0.1 }, z: 4, fit: 'contain' },
      { source: 'title', box: { x: 0.04, y: 0.78, w: 0.6, h: 0.13 }, z: 5, fit: 'contain' },
    ],
  },
];

type StudioHook = { take(): Promise<StudioPerf>; configureCompositor(patch: Record<string, unknown>): Promise<void> };
type ViewerHook = { take(): Promise<PlayerPerf | null>; roundTrip(): Promise<number> };
const takeStudio = (p: Page) => p.evaluate(() => (globalThis as unknown as { tabcastPerf: StudioHook }).tabcastPerf.take());
const configure = (p: Page, patch: Record<string, unknown>) => p.evaluate((x) => (globalThis as unknown as { tabcastPerf: StudioHook }).tabcastPerf.configureCompositor(x), patch);
/** The viewer's monitoring points since the last take, and `n` round trips to its decoder worker. */
const takeViewer = (p: Page, n: number) =>
  p.evaluate(async (count) => {
    const hook = (globalThis as unknown as { tabcastPerf: ViewerHook }).tabcastPerf;
    const roundTrips: number[] = [];
    for (let i = 0; i < count; i++) roundTrips.push(await hook.roundTrip());
    return { perf: await hook.take(), roundTrips };
  }, n);

const stat = (xs: number[], digits = 2) => (xs.length ? { n: xs.length, p50: round(median(xs), digits), p95: round(percentile(xs, 95), digits), p99: round(percentile(xs, 99), digits), max: round(Math.max(...xs), digits) } : null);

/** A 320×180 PNG (a logo for the image layer), made by FFmpeg. */
const logoPng = () => execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', 'pipe:1']);

/** One layout on air for `seconds`: every monitoring point on the path, read each second. */
async function measureLayout(studio: Page, viewer: Page, layout: (typeof LAYOUTS)[number]) {
  await configure(studio, { layers: layout.layers });
  await sleep(2_000);
  await takeStudio(studio);
  await takeViewer(viewer, 0);
  const s0 = await readStats(studio);
  const acc = {
    render: [] as number[], setup: [] as number[], draw: [] as number[], frame: [] as number[], preview: [] as number[], passedThrough: 0, hits: 0, misses: 0, overlayBytes: 0, layers: 0,
    encode: [] as number[], send: [] as number[], encoderQueue: [] as number[], decode: [] as number[], decodeQueue: [] as number[], drawQueue: [] as number[],
    rtCompositor: [] as number[], rtEncoder: [] as number[], rtDecoder: [] as number[],
  };
  const collecting = collect(viewer, seconds);
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(1_000);
    // Round trips are taken 5 times a second (each a message there and back, awaited in turn).
    for (let i = 0; i < 4; i++) {
      const s = await takeStudio(studio);
      if (s.compositor) acc.rtCompositor.push(s.compositor.roundTripMs);
      if (s.encoderRoundTripMs !== null) acc.rtEncoder.push(s.encoderRoundTripMs);
      accumulate(s);
    }
    const s = await takeStudio(studio);
    accumulate(s);
    const v = await takeViewer(viewer, 5);
    acc.rtDecoder.push(...v.roundTrips);
    if (v.perf) {
      acc.decode.push(...v.perf.decodeMs);
      acc.decodeQueue.push(...v.perf.queues.map((q) => q[1]));
      acc.drawQueue.push(...v.perf.queues.map((q) => q[2]));
    }
  }
  function accumulate(s: StudioPerf) {
    const c = s.compositor;
    if (c) {
      acc.render.push(...c.renderMs);
      acc.setup.push(...c.setupMs);
      acc.draw.push(...c.drawMs);
      acc.frame.push(...c.frameMs);
      acc.preview.push(...c.previewMs);
      acc.passedThrough += c.passedThrough;
      acc.hits += c.overlayCache.hits;
      acc.misses += c.overlayCache.misses;
      acc.overlayBytes = c.overlayCache.bytes;
      acc.layers = c.layers;
    }
    acc.encode.push(...(s.encodeMs ?? []));
    acc.send.push(...(s.sendMs ?? []));
    acc.encoderQueue.push(...(s.encoderQueue ?? []));
  }
  // Rates over the loop's own time (its reads can run past `seconds`).
  const loopSeconds = (Date.now() - t0) / 1000;
  const c = await collecting;
  const s1 = await readStats(studio);
  const fpsSent = s0 && s1 ? round(((s1.framesEncoded - s0.framesEncoded) * 1000) / (s1.atMs - s0.atMs), 1) : NaN;
  const latency = c.samples.map((x) => x.latencyMs);
  return {
    layout: layout.name,
    layers: acc.layers,
    fpsSent,
    fpsShown: round(c.frames / c.seconds, 1),
    drawnFps: round(acc.render.length / loopSeconds, 1),
    passedThroughFps: round(acc.passedThrough / loopSeconds, 1),
    previewFps: round(acc.preview.length / loopSeconds, 1),
    latencyMs: stat(latency, 0),
    renderMs: stat(acc.render),
    setupMs: stat(acc.setup),
    drawMs: stat(acc.draw),
    frameMs: stat(acc.frame),
    previewMs: stat(acc.preview),
    overlayCache: { hitRate: acc.hits + acc.misses ? round(acc.hits / (acc.hits + acc.misses), 3) : null, misses: acc.misses, bytes: acc.overlayBytes },
    workers: {
      roundTripMs: { compositor: stat(acc.rtCompositor), encoder: stat(acc.rtEncoder), decoder: stat(acc.rtDecoder) },
      perFrameMs: { compose: stat(acc.render), encode: stat(acc.encode), send: stat(acc.send), decode: stat(acc.decode) },
      queues: { encoder: stat(acc.encoderQueue, 0), decoder: stat(acc.decodeQueue, 0), framesToDraw: stat(acc.drawQueue, 0) },
    },
  };
}

/** `times` changes made by `change(i)`, 400 ms apart; the update times the compositor recorded. */
async function updates(studio: Page, times: number, change: (i: number) => Record<string, unknown>, key: 'layoutUpdateMs' | 'viewportUpdateMs') {
  await takeStudio(studio);
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    await configure(studio, change(i));
    await sleep(400);
    out.push(...((await takeStudio(studio)).compositor?.[key] ?? []));
  }
  return out;
}

const relay = await startRelayProcess();
const burning = Array.from({ length: burners }, () => cpuBurner());
const browser = await launchRealPath();
const rows: Awaited<ReturnType<typeof measureLayout>>[] = [];
let core: Record<string, unknown> = {};
try {
  const context = await newContext(browser);
  await openCard(context, relay.url);
  const studio = await context.newPage();
  const href = await goLiveComposed(studio, relay.url, { image: logoPng() });
  const viewer = await context.newPage();
  await viewer.goto(`${relay.url}${href}?mode=realtime`);
  await waitForSamples(viewer);
  // Past the join (the GOP cache caught up through) before the first layout is measured.
  await sleep(5_000);
  if (which !== 'core') {
    for (const layout of LAYOUTS) {
      const row = await measureLayout(studio, viewer, layout);
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  if (which === 'core' || which === 'all') {
    const n = SMOKE ? 6 : 20;
    // Layout updates while live: custom layer lists in turn, then the built-in scenes in turn.
    const customLayouts = await updates(studio, n, (i) => ({ layers: LAYOUTS[i % LAYOUTS.length]!.layers }), 'layoutUpdateMs');
    const scenes = ['screen-camera', 'camera', 'brb', 'screen'];
    const sceneSwitches = await updates(studio, n, (i) => ({ layers: null, scene: scenes[i % scenes.length] }), 'layoutUpdateMs');
    const pipMoves = await updates(studio, n, (i) => ({ layers: null, scene: 'screen-camera', options: { corner: ['top-left', 'top-right', 'bottom-right', 'bottom-left'][i % 4], pipSize: 0.2 + (i % 4) * 0.08 } }), 'layoutUpdateMs');
    // Viewport changes: the output size, after the broadcast (the encoder is sized for one output).
    await studio.getByRole('button', { name: 'Stop' }).click();
    await studio.locator('[data-state="idle"]').waitFor({ timeout: 20_000 });
    const sizes = [
      [960, 540],
      [640, 360],
      [1280, 720],
    ];
    const viewport = await updates(studio, Math.max(3, Math.round(n / 2)), (i) => ({ width: sizes[i % 3]![0], height: sizes[i % 3]![1] }), 'viewportUpdateMs');
    core = {
      layoutUpdateMs: { customLayers: stat(customLayouts), sceneSwitch: stat(sceneSwitches), pictureInPictureMove: stat(pipMoves) },
      viewportUpdateMs: stat(viewport),
      changes: n,
    };
    console.log(JSON.stringify(core));
  }
} finally {
  await browser.close();
  burning.forEach((b) => b.stop());
  await relay.stop();
}

const setup = `the timecode tab shared from the studio through getDisplayMedia, Chromium's fake camera, a lower third and a 320×180 image, composited at 1280×720 ${FRAME_RATE} fps into the encoder and a real-time viewer; one headless Chromium, the relay in its own process${burners ? `, ${burners} CPU burner${burners > 1 ? 's' : ''} beside them` : ''}`;
const command = (name: string) => `pnpm exec tsx bench/perf/studio.perf.ts ${name} ${seconds} ${burners}${SMOKE ? ' --smoke' : ''}`;
const byLayers = (n: number) => rows.find((r) => r.layers === n && !r.layout.includes('passed')) ?? null;
const common = { setup, seconds, burners, frameRate: FRAME_RATE };

if (which === 'compose' || which === 'all') {
  const budgets: Budget[] = [];
  for (const r of rows) budgets.push(budget(`${r.layout}: fps sent ÷ the output's ${FRAME_RATE}`, round(r.fpsSent / FRAME_RATE, 2), 'min', 0.5, '×'));
  const six = byLayers(6);
  // Generous: a frame interval at p50 (the target is 4 ms, on a quiet machine).
  budgets.push(budget('6 layers: composing an output frame, p50', six?.renderMs?.p50 ?? NaN, 'max', 1000 / FRAME_RATE, 'ms'));
  finish('compose', command('compose'), { ...common, rows: rows.map(({ workers: _w, setupMs: _s, drawMs: _d, frameMs: _f, ...r }) => r), budgets });
}
if (which === 'render' || which === 'all') {
  const budgets = rows.filter((r) => r.renderMs).map((r) => budget(`${r.layout}: render time per frame, p95`, r.renderMs!.p95, 'max', 2 * (1000 / FRAME_RATE), 'ms'));
  finish('render', command('render'), { ...common, rows: rows.map(({ workers: _w, latencyMs: _l, ...r }) => r), budgets });
}
if (which === 'workers' || which === 'all') {
  const budgets: Budget[] = [];
  for (const r of rows) {
    for (const [worker, rt] of Object.entries(r.workers.roundTripMs)) budgets.push(budget(`${r.layout}: ${worker} worker round trip, p95`, rt?.p95 ?? NaN, 'max', 250, 'ms'));
    // The encoder never holds more than its bound (3) when a frame is offered: a correctness bound, not a figure.
    budgets.push(budget(`${r.layout}: encoder queue at encode(), highest`, r.workers.queues.encoder?.max ?? NaN, 'max', 3, 'frames'));
  }
  finish('workers', command('workers'), { ...common, rows: rows.map((r) => ({ layout: r.layout, fpsSent: r.fpsSent, fpsShown: r.fpsShown, ...r.workers })), budgets });
}
if (which === 'core' || which === 'all') {
  const c = core as { layoutUpdateMs: Record<string, ReturnType<typeof stat>>; viewportUpdateMs: ReturnType<typeof stat> };
  const budgets = [
    ...Object.entries(c.layoutUpdateMs).map(([k, v]) => budget(`layout update (${k}) to the first frame showing it, p95`, v?.p95 ?? NaN, 'max', 500, 'ms')),
    budget('viewport change to the first frame at the new size, p95', c.viewportUpdateMs?.p95 ?? NaN, 'max', 500, 'ms'),
  ];
  finish('core', command('core'), { ...common, ...core, budgets });
}
process.exit();
