/**
 * What the compositor draws itself — text cards, the lower third, a picked image — on a 2D
 * context, and the same drawings converted once to YUVA for the I420 path (cached until their
 * content or size changes).
 */
import { fitRect, type Fit, type Rect } from './layout.ts';
import { rgbaToYuvA, type YuvA } from './yuv.ts';

export function drawCentredText(ctx: OffscreenCanvasRenderingContext2D, box: Rect, text: string, background: string): void {
  ctx.fillStyle = background;
  ctx.fillRect(box.x, box.y, box.w, box.h);
  if (!text) return;
  ctx.fillStyle = '#e8eaf0';
  ctx.font = `600 ${Math.max(12, Math.round(box.h / 9))}px sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, box.x + box.w / 2, box.y + box.h / 2, box.w * 0.9);
  ctx.textAlign = 'start';
  ctx.textBaseline = 'alphabetic';
}

/** The lower third: a dark band with the title and, smaller, the subtitle. */
export function drawTitle(ctx: OffscreenCanvasRenderingContext2D, box: Rect, title: { text: string; subtitle: string }): void {
  const { text, subtitle } = title;
  if (!text && !subtitle) return;
  ctx.fillStyle = 'rgba(12, 14, 20, 0.82)';
  ctx.fillRect(box.x, box.y, box.w, box.h);
  ctx.fillStyle = '#0090ff';
  ctx.fillRect(box.x, box.y, Math.max(4, box.h * 0.06), box.h);
  const pad = box.h * 0.18;
  ctx.fillStyle = '#ffffff';
  ctx.textBaseline = 'top';
  ctx.font = `700 ${Math.round(box.h * (subtitle ? 0.38 : 0.5))}px sans-serif`;
  ctx.fillText(text, box.x + pad, box.y + pad, box.w - 2 * pad);
  if (subtitle) {
    ctx.fillStyle = '#c9cede';
    ctx.font = `${Math.round(box.h * 0.24)}px sans-serif`;
    ctx.fillText(subtitle, box.x + pad, box.y + box.h * 0.62, box.w - 2 * pad);
  }
  ctx.textBaseline = 'alphabetic';
}

/** A picture fitted into its box, aspect kept; `ownBars`: the box's letterbox bars are black, not what is underneath. */
export function drawFitted(ctx: OffscreenCanvasRenderingContext2D, img: CanvasImageSource, w: number, h: number, box: Rect, fit: Fit, ownBars: boolean): void {
  const { src, dst } = fitRect(w, h, box, fit);
  if (ownBars) {
    ctx.fillStyle = '#000';
    ctx.fillRect(box.x, box.y, box.w, box.h);
  }
  ctx.drawImage(img, src.x, src.y, src.w, src.h, dst.x, dst.y, dst.w, dst.h);
}

/** Overlays drawn once and kept as YUVA, by key; the oldest go past {@link MAX_CACHED}. */
const MAX_CACHED = 8;

export class OverlayCache {
  private cache = new Map<string, YuvA>();
  private hits = 0;
  private misses = 0;

  get(key: string, width: number, height: number, draw: (ctx: OffscreenCanvasRenderingContext2D, box: Rect) => void): YuvA {
    const full = `${key}|${Math.round(width)}x${Math.round(height)}`;
    let o = this.cache.get(full);
    if (o) {
      this.hits++;
      return o;
    }
    this.misses++;
    const w = Math.max(2, Math.round(width));
    const h = Math.max(2, Math.round(height));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    draw(ctx, { x: 0, y: 0, w, h });
    o = rgbaToYuvA(ctx.getImageData(0, 0, w, h).data, w, h);
    this.cache.set(full, o);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return o;
  }

  /** Lookups since the last call (and forgets them), and what the cache holds now. */
  stats(): { hits: number; misses: number; entries: number; bytes: number } {
    const out = { hits: this.hits, misses: this.misses, entries: this.cache.size, bytes: [...this.cache.values()].reduce((n, o) => n + o.y.byteLength + o.u.byteLength + o.v.byteLength + o.a.byteLength + o.ac.byteLength, 0) };
    this.hits = this.misses = 0;
    return out;
  }

  clear(): void {
    this.cache.clear();
  }
}
