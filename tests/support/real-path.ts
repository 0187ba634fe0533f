/**
 * The path users take, for benchmarks and end-to-end tests: a real page (the latency test card,
 * `/timecode.html`) shared through getDisplayMedia, picked headlessly with
 * `--auto-select-tab-capture-source-by-title`, and its timecode read back from what each viewer
 * shows. The references use the same tab and the same read-back: the captured track shown
 * directly (the floor) and Chromium's own WebRTC on loopback.
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.ts';

export const CARD_TITLE = 'Tabcast timecode';

/** Chromium picking the tab titled `title` when a page asks to share a tab (no fake picker). */
export const realPathArgs = (title: string) => [...CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream'), `--auto-select-tab-capture-source-by-title=${title}`];
export const REAL_PATH_ARGS = realPathArgs(CARD_TITLE);

/** Chromium for the real path; `title` names another tab to share than the test card. */
export function launchRealPath(extraArgs: string[] = [], title = CARD_TITLE): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...realPathArgs(title), ...extraArgs] });
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.grantPermissions(['camera', 'microphone']);
  return context;
}

/** Opens the test card: the tab every path shares. */
export async function openCard(context: BrowserContext, relayUrl: string): Promise<Page> {
  const card = await context.newPage();
  await card.goto(`${relayUrl}/timecode.html`);
  await card.waitForFunction((t) => document.title === t, CARD_TITLE);
  return card;
}

export interface Sample {
  atMs: number;
  latencyMs: number;
}

interface PageLog {
  samples: Sample[];
  frames: number;
  take(): Sample[];
}

/** Samples and frames shown since the last call (the page's `tabcastLatency` log). */
export async function takeSamples(page: Page): Promise<{ samples: Sample[]; frames: number }> {
  return page.evaluate(() => {
    const log = (globalThis as unknown as { tabcastLatency?: PageLog }).tabcastLatency;
    return log ? { samples: log.take(), frames: log.frames } : { samples: [], frames: 0 };
  });
}

/** Waits until the page has shown frames whose timecode it could read. */
export async function waitForSamples(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction(() => ((globalThis as unknown as { tabcastLatency?: PageLog }).tabcastLatency?.samples.length ?? 0) > 0, null, { timeout: timeoutMs, polling: 250 });
}

/** Collects samples for `seconds`, draining the page's log each second. */
export async function collect(page: Page, seconds: number): Promise<{ samples: Sample[]; frames: number; seconds: number }> {
  await takeSamples(page);
  const start = await takeSamples(page);
  const t0 = Date.now();
  const samples: Sample[] = [];
  let frames = start.frames;
  while (Date.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const got = await takeSamples(page);
    samples.push(...got.samples);
    frames = got.frames;
  }
  return { samples, frames: frames - start.frames, seconds: (Date.now() - t0) / 1000 };
}

/** A reference page sharing the card: 'floor' (the captured track shown directly) or 'webrtc'. */
export async function openReference(context: BrowserContext, relayUrl: string, mode: 'floor' | 'webrtc'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${relayUrl}/latency-reference.html?mode=${mode}`);
  await page.getByRole('button', { name: 'Share a tab' }).click();
  await page.locator('#status[data-state="playing"]').waitFor({ timeout: 30_000 });
  await waitForSamples(page);
  return page;
}

/** Least-squares slope of latency over time, ms of latency per second of wall clock. */
export function slopeMsPerS(samples: readonly Sample[]): number {
  if (samples.length < 2) return NaN;
  const t0 = samples[0]!.atMs;
  const xs = samples.map((s) => (s.atMs - t0) / 1000);
  const ys = samples.map((s) => s.latencyMs);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : NaN;
}

/** One process spinning a core (the "CPU burner" beside a measurement); stops on kill or after `maxMs`. */
export function cpuBurner(maxMs = 15 * 60_000): { stop(): void; child: ChildProcess } {
  const child = spawn(process.execPath, ['-e', `const end = Date.now() + ${maxMs}; while (Date.now() < end) {}`], { stdio: 'ignore' });
  return { child, stop: () => child.kill('SIGKILL') };
}
