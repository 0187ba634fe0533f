/**
 * The studio's compositor on the path users take: a shared tab (the timecode card) + Chromium's
 * fake camera as a picture-in-picture + a lower third, 720p30, into the real-time viewer.
 * Per run it measures:
 *   - compositing ms per output frame in the worker (median and p95 of the per-second figures);
 *   - fps sent with the studio tab visible, and "hidden": another tab brought to the front with
 *     the studio's focus emulation off. Headless Chromium reports every page as visible whatever
 *     is in front (tried here: bringToFront, a new tab, a minimised window), so the studio's
 *     document.visibilityState is recorded with the figure and the run is marked for what it was;
 *   - fps sent while the studio's main thread is blocked (a busy loop in the page): what a
 *     throttled hidden tab does to main-thread timers, and worse, so it shows that nothing on the
 *     main thread paces the output;
 *   - the longest time the viewer's picture did not change across two scene switches;
 *   - per encoding profile (Low latency, High quality, Battery saving): encode ms/frame, fps sent
 *     and the CPU of all Chromium processes (% of one core).
 *   pnpm exec tsx bench/studio-compositor.bench.ts [runs=3] [seconds=20]
 */
import type { Page } from '@playwright/test';
import { median, percentile, procSample, round, sleep, startRelayProcess, writeResult } from './lib.ts';
import { launchRealPath, newContext, openCard } from '../tests/support/real-path.ts';
import { watchStalls } from '../tests/support/canvas-probe.ts';
import { goLiveComposed, readStats } from './studio.ts';
import { execFileSync } from 'node:child_process';
import type { CompositorStats } from '../apps/web/src/compositor/compositor.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 20);
const PROFILES = [
  ['low-latency', 'Low latency'],
  ['high-quality', 'High quality'],
  ['battery-saving', 'Battery saving'],
] as const;

function chromiumCpuSec(): number {
  let pids: number[] = [];
  try {
    pids = execFileSync('pgrep', ['-f', '/usr/lib/chromium/chromium'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    /* none */
  }
  return pids.reduce((s, pid) => s + (procSample(pid)?.cpuSec ?? 0), 0);
}

async function compositorStats(studio: Page): Promise<CompositorStats | null> {
  const raw = await studio.locator('[data-compositor-stats]').getAttribute('data-compositor-stats');
  return raw ? (JSON.parse(raw) as CompositorStats) : null;
}

/** Samples the studio once a second for `secs`: compositor figures, frames sent, visibility, Chromium CPU. */
async function measure(studio: Page, secs: number) {
  const compose: number[] = [];
  const composeP95: number[] = [];
  const visibility = new Set<string>();
  const s0 = await readStats(studio);
  const cpu0 = chromiumCpuSec();
  const t0 = performance.now();
  for (let i = 0; i < secs; i++) {
    await sleep(1000);
    const c = await compositorStats(studio);
    if (c) {
      compose.push(c.composeMsP50);
      composeP95.push(c.composeMsP95);
    }
    visibility.add(await studio.evaluate(() => document.visibilityState));
  }
  const s1 = await readStats(studio);
  const wall = (performance.now() - t0) / 1000;
  return {
    composeMsP50: round(median(compose), 2),
    composeMsP95: round(percentile(composeP95, 95), 2),
    fpsSent: s0 && s1 ? round(((s1.framesEncoded - s0.framesEncoded) * 1000) / (s1.atMs - s0.atMs), 1) : NaN,
    encodeMs: s1?.encodeMsAvg ?? NaN,
    chromiumCpuPct: round(((chromiumCpuSec() - cpu0) / wall) * 100, 0),
    visibility: [...visibility].join('/'),
  };
}

/** Frames sent while the studio page's main thread spins for `secs` (read from the encoder's counters before and after). */
async function mainThreadBlocked(studio: Page, secs: number): Promise<{ fpsSent: number; seconds: number; compositorLateTicks: number }> {
  const s0 = await readStats(studio);
  const c0 = await compositorStats(studio);
  await studio.evaluate((ms) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  }, secs * 1000);
  // The page's status attribute catches up once the main thread is free again.
  await sleep(2_500);
  const s1 = await readStats(studio);
  const c1 = await compositorStats(studio);
  return {
    fpsSent: s0 && s1 ? round(((s1.framesEncoded - s0.framesEncoded) * 1000) / (s1.atMs - s0.atMs), 1) : NaN,
    seconds: secs,
    // Ticks of the compositor's own timer that ran more than a frame late during the block.
    compositorLateTicks: c0 && c1 ? c1.lateTicks - c0.lateTicks : NaN,
  };
}

async function oneRun() {
  const relay = await startRelayProcess();
  const browser = await launchRealPath();
  try {
    const context = await newContext(browser);
    const card = await openCard(context, relay.url);
    const studio = await context.newPage();
    const href = await goLiveComposed(studio, relay.url, { profile: 'low-latency' });
    const viewer = await context.newPage();
    await viewer.goto(`${relay.url}${href}?mode=realtime`);
    await sleep(3_000);
    await studio.bringToFront();
    const visible = await measure(studio, seconds);
    const cdp = await context.newCDPSession(studio);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    await card.bringToFront();
    const hidden = await measure(studio, seconds);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    await studio.bringToFront();
    const blocked = await mainThreadBlocked(studio, Math.min(10, seconds));
    console.log('visible', JSON.stringify(visible), 'hidden', JSON.stringify(hidden), 'main thread blocked', JSON.stringify(blocked));

    const stalls = await watchStalls(viewer, '[data-testid="rt-canvas"], video');
    await sleep(2_000);
    await stalls();
    const layout = studio.getByRole('group', { name: 'Layout' });
    await layout.getByRole('radio', { name: 'Camera only' }).check();
    await sleep(2_000);
    await layout.getByRole('radio', { name: 'Screen + camera' }).check();
    await sleep(2_000);
    const switchStall = await stalls();
    await studio.getByRole('button', { name: 'Stop' }).click();
    await studio.locator('[data-state="idle"]').waitFor({ timeout: 20_000 });
    await viewer.close();

    const profiles: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const [id] of PROFILES) {
      const page = await context.newPage();
      await goLiveComposed(page, relay.url, { profile: id });
      await sleep(3_000);
      profiles[id] = await measure(page, Math.max(5, Math.round(seconds / 2)));
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.locator('[data-state="idle"]').waitFor({ timeout: 20_000 });
      await page.close();
    }
    return { visible, hidden, blocked, sceneSwitchLongestStallMs: switchStall.longestStallMs, profiles };
  } finally {
    await browser.close();
    await relay.stop();
  }
}

type Run = Awaited<ReturnType<typeof oneRun>>;
const perRun: Run[] = [];
for (let i = 0; i < runs; i++) {
  const r = await oneRun();
  console.log(`run ${i + 1}/${runs}:`, JSON.stringify(r));
  perRun.push(r);
}
const med = (f: (r: Run) => number) => round(median(perRun.map(f)), 2);
writeResult('studio-compositor', `pnpm exec tsx bench/studio-compositor.bench.ts ${runs} ${seconds}`, {
  setup: 'latency test card shared by tab capture + Chromium fake camera as picture-in-picture (bottom right) + a lower third, composited at 1280×720 30 fps in the compositor worker, H.264 to the relay, one real-time viewer; one headless Chromium, loopback',
  seconds,
  runs: perRun,
  median: {
    composeMsP50: med((r) => r.visible.composeMsP50),
    composeMsP95: med((r) => r.visible.composeMsP95),
    fpsSentVisible: med((r) => r.visible.fpsSent),
    fpsSentHidden: med((r) => r.hidden.fpsSent),
    fpsSentMainThreadBlocked: med((r) => r.blocked.fpsSent),
    hiddenVisibility: perRun.map((r) => r.hidden.visibility).join(', '),
    sceneSwitchLongestStallMs: med((r) => r.sceneSwitchLongestStallMs),
    profiles: Object.fromEntries(PROFILES.map(([id, label]) => [id, { label, encodeMs: med((r) => r.profiles[id]!.encodeMs), fpsSent: med((r) => r.profiles[id]!.fpsSent), chromiumCpuPct: med((r) => r.profiles[id]!.chromiumCpuPct) }])),
  },
});
