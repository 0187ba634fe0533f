/**
 * Compositing in I420, pure (no DOM; tested in Node). Drawing a YUV camera or screen frame on a 2D
 * canvas converts every pixel to RGB on the CPU, and the encoder converts the result back: tens of
 * ms a frame at 720p on a 2-core machine. Copying planes (a box filter where they shrink), and
 * blending pre-converted overlays (text), costs a few ms instead. Rectangles are snapped to even
 * pixels (chroma is subsampled 2×2).
 */
import type { Rect } from './layout.ts';

/** An I420 picture: Y plane `width`×`height`, U and V planes half that each way, packed in `data`. */
export interface Yuv {
  width: number;
  height: number;
  data: Uint8Array;
  /** Offset and stride (bytes per row) of the Y, U and V planes. */
  layout: { offset: number; stride: number }[];
}

/** An overlay converted once: Y, U, V and alpha (0–255) planes, U/V/alpha-for-chroma half size. */
export interface YuvA {
  width: number;
  height: number;
  y: Uint8Array;
  a: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
  /** Alpha averaged over each 2×2 block, for the chroma planes. */
  ac: Uint8Array;
}

const even = (n: number) => Math.max(0, Math.round(n / 2) * 2);

export function createYuv(width: number, height: number): Yuv {
  const w = even(width) || 2;
  const h = even(height) || 2;
  const ySize = w * h;
  const cSize = (w / 2) * (h / 2);
  return { width: w, height: h, data: new Uint8Array(ySize + 2 * cSize), layout: [{ offset: 0, stride: w }, { offset: ySize, stride: w / 2 }, { offset: ySize + cSize, stride: w / 2 }] };
}

/** Fills a rectangle (all of `dst` by default) with black (Y 16, U/V 128, limited range). */
export function fillBlack(dst: Yuv, rect: Rect = { x: 0, y: 0, w: dst.width, h: dst.height }): void {
  const x0 = even(rect.x);
  const y0 = even(rect.y);
  const x1 = Math.min(dst.width, even(rect.x + rect.w));
  const y1 = Math.min(dst.height, even(rect.y + rect.h));
  const [Y, U, V] = dst.layout as [Yuv['layout'][0], Yuv['layout'][0], Yuv['layout'][0]];
  for (let y = y0; y < y1; y++) dst.data.fill(16, Y.offset + y * Y.stride + x0, Y.offset + y * Y.stride + x1);
  for (let y = y0 / 2; y < y1 / 2; y++) {
    dst.data.fill(128, U.offset + y * U.stride + x0 / 2, U.offset + y * U.stride + x1 / 2);
    dst.data.fill(128, V.offset + y * V.stride + x0 / 2, V.offset + y * V.stride + x1 / 2);
  }
}

/**
 * Copies `src`'s `from` rectangle into `dst`'s `to` rectangle: a plain row copy when the sizes
 * match; shrunk with a 2×2 box filter (so a camera in a corner, or a screen larger than the
 * output, keeps fine text from breaking up); enlarged nearest-neighbour (cheap, and no detail is
 * lost going up).
 */
export function blit(src: Yuv, from: Rect, dst: Yuv, to: Rect): void {
  const dx0 = even(to.x);
  const dy0 = even(to.y);
  const dw = Math.min(dst.width - dx0, even(to.w));
  const dh = Math.min(dst.height - dy0, even(to.h));
  if (dw <= 0 || dh <= 0) return;
  const sx0 = even(from.x);
  const sy0 = even(from.y);
  const sw = Math.min(src.width - sx0, even(from.w));
  const sh = Math.min(src.height - sy0, even(from.h));
  if (sw <= 0 || sh <= 0) return;
  for (let p = 0; p < 3; p++) {
    const sub = p === 0 ? 1 : 2;
    const s = src.layout[p]!;
    const d = dst.layout[p]!;
    const w = dw / sub;
    const h = dh / sub;
    const sxo = sx0 / sub;
    const syo = sy0 / sub;
    const swp = sw / sub;
    const shp = sh / sub;
    const sOff = s.offset + syo * s.stride + sxo;
    const dOff = d.offset + (dy0 / sub) * d.stride + dx0 / sub;
    if (swp === w && shp === h) {
      for (let y = 0; y < h; y++) dst.data.set(src.data.subarray(sOff + y * s.stride, sOff + y * s.stride + w), dOff + y * d.stride);
    } else if (swp >= w && shp >= h) {
      shrinkPlane(src.data, sOff, s.stride, swp, shp, dst.data, dOff, d.stride, w, h);
    } else {
      const xs = new Uint32Array(w);
      for (let x = 0; x < w; x++) xs[x] = Math.min(swp - 1, Math.floor(((x + 0.5) * swp) / w));
      for (let y = 0; y < h; y++) {
        const row = sOff + Math.min(shp - 1, Math.floor(((y + 0.5) * shp) / h)) * s.stride;
        const out = dOff + y * d.stride;
        for (let x = 0; x < w; x++) dst.data[out + x] = src.data[row + xs[x]!]!;
      }
    }
  }
}

interface Taps {
  /** The source sample at or before each output sample's centre, and the one after it. */
  lo: Int32Array;
  hi: Int32Array;
}

/** The two source samples around each of `n` output samples' centres, over `m` source samples (cached: a scene holds a few sizes). */
function taps(n: number, m: number): Taps {
  const key = n * 65536 + m;
  const cached = tapCache.get(key);
  if (cached) return cached;
  const t: Taps = { lo: new Int32Array(n), hi: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    const lo = Math.floor(Math.min(m - 1, Math.max(0, ((i + 0.5) * m) / n - 0.5)));
    t.lo[i] = lo;
    t.hi[i] = Math.min(m - 1, lo + 1);
  }
  if (tapCache.size >= 32) tapCache.clear();
  tapCache.set(key, t);
  return t;
}
const tapCache = new Map<number, Taps>();

/**
 * One plane, `sw`×`sh` at `sOff` shrunk to `w`×`h` at `dOff`: each output sample is the mean of
 * the 2×2 source samples around its centre. Adds and a shift, no multiplies.
 */
function shrinkPlane(sd: Uint8Array, sOff: number, sStride: number, sw: number, sh: number, dd: Uint8Array, dOff: number, dStride: number, w: number, h: number): void {
  const { lo: x0, hi: x1 } = taps(w, sw);
  const ys = taps(h, sh);
  for (let y = 0; y < h; y++) {
    const r0 = sOff + ys.lo[y]! * sStride;
    const r1 = sOff + ys.hi[y]! * sStride;
    const out = dOff + y * dStride;
    for (let x = 0; x < w; x++) {
      const a = x0[x]!;
      const b = x1[x]!;
      dd[out + x] = (sd[r0 + a]! + sd[r0 + b]! + sd[r1 + a]! + sd[r1 + b]! + 2) >> 2;
    }
  }
}

/** RGBA (straight alpha, as getImageData gives) → a YUVA overlay, BT.601 limited range. */
export function rgbaToYuvA(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): YuvA {
  const w = even(width) || 2;
  const h = even(height) || 2;
  const o: YuvA = { width: w, height: h, y: new Uint8Array(w * h), a: new Uint8Array(w * h), u: new Uint8Array((w / 2) * (h / 2)), v: new Uint8Array((w / 2) * (h / 2)), ac: new Uint8Array((w / 2) * (h / 2)) };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (Math.min(y, height - 1) * width + Math.min(x, width - 1)) * 4;
      const r = rgba[i]!, g = rgba[i + 1]!, b = rgba[i + 2]!;
      o.y[y * w + x] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
      o.a[y * w + x] = rgba[i + 3]!;
    }
  }
  for (let y = 0; y < h / 2; y++) {
    for (let x = 0; x < w / 2; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (const [ox, oy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const i = (Math.min(2 * y + oy, height - 1) * width + Math.min(2 * x + ox, width - 1)) * 4;
        r += rgba[i]!;
        g += rgba[i + 1]!;
        b += rgba[i + 2]!;
        a += rgba[i + 3]!;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const c = y * (w / 2) + x;
      o.u[c] = Math.floor((-38 * r - 74 * g + 112 * b + 128) / 256) + 128;
      o.v[c] = Math.floor((112 * r - 94 * g - 18 * b + 128) / 256) + 128;
      o.ac[c] = Math.round(a / 4);
    }
  }
  return o;
}

/** Blends an overlay onto `dst` with its top-left corner at (x, y) (snapped to even pixels). */
export function blendOver(over: YuvA, dst: Yuv, x: number, y: number): void {
  const x0 = even(x);
  const y0 = even(y);
  const w = Math.min(over.width, dst.width - x0);
  const h = Math.min(over.height, dst.height - y0);
  const [Y, U, V] = dst.layout as [Yuv['layout'][0], Yuv['layout'][0], Yuv['layout'][0]];
  const mix = (d: number, s: number, a: number) => (s * a + d * (255 - a) + 127) / 255 | 0;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const a = over.a[j * over.width + i]!;
      if (a === 0) continue;
      const di = Y.offset + (y0 + j) * Y.stride + x0 + i;
      dst.data[di] = a === 255 ? over.y[j * over.width + i]! : mix(dst.data[di]!, over.y[j * over.width + i]!, a);
    }
  }
  const cw = over.width / 2;
  for (let j = 0; j < h / 2; j++) {
    for (let i = 0; i < w / 2; i++) {
      const a = over.ac[j * cw + i]!;
      if (a === 0) continue;
      const ui = U.offset + (y0 / 2 + j) * U.stride + x0 / 2 + i;
      const vi = V.offset + (y0 / 2 + j) * V.stride + x0 / 2 + i;
      dst.data[ui] = mix(dst.data[ui]!, over.u[j * cw + i]!, a);
      dst.data[vi] = mix(dst.data[vi]!, over.v[j * cw + i]!, a);
    }
  }
}
