/** What the end-to-end tests read from the studio and viewer pages. */
import type { Page } from '@playwright/test';

/** The studio's encoder figures (its `data-stats`), or null before it is live. */
export async function studioStats(page: Page): Promise<{ framesEncoded: number; framesDropped: number; fps: number; fpsLimit: number; atMs: number } | null> {
  const raw = await page.locator('[data-stats]').first().getAttribute('data-stats');
  return raw ? JSON.parse(raw) : null;
}

/** The real-time player's figures (its `data-stats`). */
export async function viewerStats(page: Page): Promise<{ framesDrawn: number; atMs: number; fps: number; resyncs: number; behindMs: number; droppedFrames: number; shed: Record<string, number> } | null> {
  const raw = await page.getByTestId('rt-stats').getAttribute('data-stats').catch(() => null);
  return raw ? JSON.parse(raw) : null;
}

/**
 * The studio's send rate and the viewer's draw rate over the same ~`ms` (each from its own counters
 * and the times they were taken): the viewer judged against what was actually sent on this
 * machine, never against an absolute frame rate.
 */
export async function sentAndDrawnFps(studio: Page, viewer: Page, ms: number): Promise<{ sentFps: number; drawnFps: number }> {
  const [s0, v0] = await Promise.all([studioStats(studio), viewerStats(viewer)]);
  await viewer.waitForTimeout(ms);
  const [s1, v1] = await Promise.all([studioStats(studio), viewerStats(viewer)]);
  if (!s0 || !s1 || !v0 || !v1) throw new Error('the studio or the viewer shows no figures');
  const rate = (a: number, b: number, t0: number, t1: number) => (t1 > t0 ? ((b - a) * 1000) / (t1 - t0) : NaN);
  return { sentFps: rate(s0.framesEncoded, s1.framesEncoded, s0.atMs, s1.atMs), drawnFps: rate(v0.framesDrawn, v1.framesDrawn, v0.atMs, v1.atMs) };
}
