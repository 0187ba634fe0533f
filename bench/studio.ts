/** Drives the real studio page in headless Chromium for benchmarks. */
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/chromium.ts';
import type { EncoderStats } from '../apps/web/src/encoder/worker-api.ts';
import type { EncoderTuning, StudioPerfHook } from '../apps/web/src/routes/studio/studio-perf.ts';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { BENCH_KEY, startRelayProcess, type RelayProcess } from './lib.ts';

export type StudioStats = EncoderStats;

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The studio's select labelled `name` (a label holding its select: the options are part of its text). */
const studioSelect = (page: Page, name: string) => page.locator('label', { hasText: new RegExp(`^\\s*${name}\\b`) }).locator('select');

export async function goLive(page: Page, relayUrl: string, source: 'screen' | 'test-pattern', o: { quality?: string; profile?: string; tuning?: EncoderTuning } = {}): Promise<string> {
  await page.goto(`${relayUrl}/studio#key=${BENCH_KEY}`);
  if (o.tuning) {
    // The hook comes with the studio's lazily loaded route.
    await page.waitForFunction(() => 'tabcastPerf' in globalThis, null, { timeout: 30_000 });
    await page.evaluate((t) => (globalThis as unknown as { tabcastPerf: StudioPerfHook }).tabcastPerf.tuneEncoder(t), o.tuning);
  }
  if (source === 'test-pattern') await page.getByLabel('Test pattern (with timecode)').check();
  if (o.quality) await studioSelect(page, 'Quality').selectOption(o.quality);
  if (o.profile) await studioSelect(page, 'Profile').selectOption(o.profile);
  await page.getByRole('button', { name: 'Go live' }).click();
  const status = page.locator('[data-state]').first();
  await status.and(page.locator('[data-state="live"]')).waitFor({ timeout: 30_000 });
  const href = await page.getByRole('link', { name: /Watch/ }).getAttribute('href');
  return href!;
}

/**
 * Goes live sharing the test card (the tab launchRealPath picks) with Chromium's fake camera as a
 * picture-in-picture and a lower third, in a studio `profile`; `image` (a PNG) is picked first when
 * given. Returns the watch link.
 */
export async function goLiveComposed(studio: Page, relayUrl: string, o: { profile?: string; image?: Buffer } = {}): Promise<string> {
  await studio.goto(`${relayUrl}/studio#key=${BENCH_KEY}`);
  await studio.getByLabel('Screen, window or tab').check();
  if (o.profile) await studio.getByLabel('Profile').selectOption(o.profile);
  await studio.getByRole('button', { name: 'Camera' }).click();
  await studio.getByRole('button', { name: 'Camera', pressed: true }).waitFor({ timeout: 15_000 });
  await studio.getByLabel('Show the title').check();
  await studio.getByLabel('Title', { exact: true }).fill('Tabcast benchmark');
  await studio.getByLabel('Subtitle').fill('screen + camera + lower third');
  if (o.image) await studio.getByLabel('Image').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: o.image });
  await studio.getByRole('button', { name: 'Go live' }).click();
  await studio.locator('[data-state="live"]').waitFor({ timeout: 30_000 });
  return (await studio.getByRole('link', { name: /Watch/ }).getAttribute('href'))!;
}

export async function readStats(page: Page): Promise<StudioStats | null> {
  const raw = await page.locator('[data-stats]').first().getAttribute('data-stats');
  return raw ? (JSON.parse(raw) as StudioStats) : null;
}

/** A relay, and one headless Chromium with a studio live on the test pattern and a real-time viewer page. */
export async function studioWithRealtimeViewer(): Promise<{ relay: RelayProcess; browser: Browser; studio: Page; viewer: Page }> {
  const relay = await startRelayProcess();
  const browser = await launch();
  const studio = await browser.newPage();
  const href = await goLive(studio, relay.url, 'test-pattern');
  const viewer = await browser.newPage();
  await viewer.goto(`${relay.url}${href}?mode=realtime`);
  return { relay, browser, studio, viewer };
}

/**
 * A switch Chromium ignores, to find one browser's processes among others on the machine: launch
 * with it, then `browserTreeRssMiB(marker)` sums that browser process and its descendants.
 */
export function browserMarker(): string {
  return `--tabcast-bench-run=${process.pid}-${Date.now()}`;
}

/** The browser launched with `marker` and every process under it: pid, CPU seconds so far, RSS kB. */
function browserTree(marker: string): { pid: number; cpuSec: number; rssKb: number }[] {
  const procs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const rssKb = Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
      return [{ pid: Number(pid), ppid, cmd, rssKb, cpuSec: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS }];
    } catch {
      return [];
    }
  });
  const tree = new Set(procs.filter((p) => p.cmd.includes(marker) && !procs.some((q) => q.pid === p.ppid && q.cmd.includes(marker))).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (tree.has(p.pid) || !tree.has(p.ppid)) continue;
      tree.add(p.pid);
      grew = true;
    }
  }
  return procs.filter((p) => tree.has(p.pid));
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Summed RSS of the browser launched with `marker` and of every process under it, MiB. */
export function browserTreeRssMiB(marker: string): number {
  return browserTree(marker).reduce((s, p) => s + p.rssKb, 0) / 1024;
}

/** CPU seconds (user + system) the browser launched with `marker` and its live processes have used. */
export function browserTreeCpuSec(marker: string): number {
  return browserTree(marker).reduce((s, p) => s + p.cpuSec, 0);
}

/** Summed RSS of every Chromium process, MiB (shared pages counted in each). */
export function chromiumRssMiB(): number {
  const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).reduce((s, l) => s + Number(l.trim()), 0) / 1024;
}
