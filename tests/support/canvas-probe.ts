/**
 * Reading what a page's canvas shows, from inside the page: the average colour of a region, and a
 * watcher that notes when the picture last changed (a stall is a long time without a change).
 * Works on a canvas whose drawing was handed to a worker (its placeholder shows the last frame)
 * and on a <video>.
 */
import type { Page } from '@playwright/test';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Average colour of a region given in fractions of the canvas (x, y, w, h in 0–1). */
export async function regionColour(page: Page, selector: string, region: { x: number; y: number; w: number; h: number }): Promise<Rgb> {
  return page.evaluate(
    ({ selector, region }) => {
      const src = document.querySelector(selector) as HTMLCanvasElement | HTMLVideoElement | null;
      if (!src) throw new Error(`nothing matches ${selector}`);
      const [w, h] = src instanceof HTMLVideoElement ? [src.videoWidth, src.videoHeight] : [src.width, src.height];
      const probe = document.createElement('canvas');
      probe.width = 64;
      probe.height = 36;
      const ctx = probe.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(src, region.x * w, region.y * h, region.w * w, region.h * h, 0, 0, 64, 36);
      const d = ctx.getImageData(0, 0, 64, 36).data;
      let r = 0, g = 0, b = 0;
      for (let i = 0; i < d.length; i += 4) {
        r += d[i]!;
        g += d[i + 1]!;
        b += d[i + 2]!;
      }
      const n = d.length / 4;
      return { r: Math.round(r / n), g: Math.round(g / n), b: Math.round(b / n) };
    },
    { selector, region },
  );
}

/** Mostly green, as Chromium's fake camera is: green well above red and blue. */
export const isGreen = (c: Rgb) => c.g > 90 && c.g > c.r + 40 && c.g > c.b + 40;

/**
 * Starts noting, every 40 ms, whether the canvas picture changed (a small fingerprint); returns a
 * function that gives the longest time without a change since the start (or since the last call).
 */
export async function watchStalls(page: Page, selector: string): Promise<() => Promise<{ longestStallMs: number; changes: number }>> {
  await page.evaluate((selector) => {
    const probe = document.createElement('canvas');
    probe.width = 32;
    probe.height = 18;
    const ctx = probe.getContext('2d', { willReadFrequently: true })!;
    const w = { last: '', lastChange: performance.now(), longest: 0, changes: 0 };
    (globalThis as unknown as { tabcastStalls: typeof w }).tabcastStalls = w;
    setInterval(() => {
      // Looked up each time: the player may switch between its canvas and a <video> (HLS).
      const src = document.querySelector(selector) as HTMLCanvasElement | HTMLVideoElement | null;
      if (!src) return;
      ctx.drawImage(src, 0, 0, 32, 18);
      const d = ctx.getImageData(0, 0, 32, 18).data;
      let h = 0;
      for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]!) | 0;
      const key = String(h);
      const now = performance.now();
      if (key !== w.last) {
        w.longest = Math.max(w.longest, now - w.lastChange);
        w.last = key;
        w.lastChange = now;
        w.changes++;
      }
    }, 40);
  }, selector);
  return () =>
    page.evaluate(() => {
      const w = (globalThis as unknown as { tabcastStalls: { longest: number; changes: number; lastChange: number } }).tabcastStalls;
      const out = { longestStallMs: Math.round(Math.max(w.longest, performance.now() - w.lastChange)), changes: w.changes };
      w.longest = 0;
      w.changes = 0;
      return out;
    });
}
