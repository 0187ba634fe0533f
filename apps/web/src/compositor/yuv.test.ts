import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendOver, blit, createYuv, fillBlack, rgbaToYuvA } from './yuv.ts';

const solid = (w: number, h: number, y: number, u: number, v: number) => {
  const img = createYuv(w, h);
  img.data.fill(y, 0, w * h);
  img.data.fill(u, w * h, w * h * 1.25);
  img.data.fill(v, w * h * 1.25);
  return img;
};
const px = (img: ReturnType<typeof createYuv>, x: number, y: number) => [img.data[y * img.width + x], img.data[img.layout[1]!.offset + (y >> 1) * (img.width / 2) + (x >> 1)], img.data[img.layout[2]!.offset + (y >> 1) * (img.width / 2) + (x >> 1)]];

test('black is Y 16, U/V 128 in the rectangle only', () => {
  const img = solid(8, 8, 200, 50, 60);
  fillBlack(img, { x: 0, y: 0, w: 4, h: 4 });
  assert.deepEqual(px(img, 1, 1), [16, 128, 128]);
  assert.deepEqual(px(img, 6, 6), [200, 50, 60]);
});

test('blit copies at the same size, shrinks into a smaller box and enlarges into a larger one', () => {
  const dst = solid(16, 16, 0, 0, 0);
  const green = solid(8, 8, 145, 54, 34);
  blit(green, { x: 0, y: 0, w: 8, h: 8 }, dst, { x: 8, y: 8, w: 8, h: 8 });
  assert.deepEqual(px(dst, 12, 12), [145, 54, 34]);
  assert.deepEqual(px(dst, 2, 2), [0, 0, 0]);
  const big = solid(64, 36, 90, 100, 110);
  blit(big, { x: 0, y: 0, w: 64, h: 36 }, dst, { x: 0, y: 0, w: 6, h: 4 });
  assert.deepEqual(px(dst, 5, 3), [90, 100, 110]);
  assert.deepEqual(px(dst, 7, 5), [0, 0, 0]);
  // A quadrant picks the source's pixels from the right place.
  const quad = solid(4, 4, 0, 128, 128);
  quad.data[3] = 255; // top-right luma pixel
  blit(quad, { x: 0, y: 0, w: 4, h: 4 }, dst, { x: 0, y: 0, w: 8, h: 8 });
  assert.equal(dst.data[7], 255);
  assert.equal(dst.data[0], 0);
});

test('overlays: opaque pixels replace, transparent ones leave the picture, half alpha mixes', () => {
  const white = new Uint8ClampedArray(4 * 4 * 4).fill(255);
  for (let i = 0; i < 16; i++) if (i % 4 < 2) white[i * 4 + 3] = 0; // left half transparent
  const over = rgbaToYuvA(white, 4, 4);
  assert.equal(over.y[3], 235); // white is Y 235 in limited range
  const dst = solid(8, 8, 16, 128, 128);
  blendOver(over, dst, 2, 2);
  assert.deepEqual(px(dst, 5, 2), [235, 128, 128]);
  assert.equal(px(dst, 2, 2)[0], 16);
  const half = rgbaToYuvA(new Uint8ClampedArray([255, 255, 255, 128, 255, 255, 255, 128, 255, 255, 255, 128, 255, 255, 255, 128]), 2, 2);
  const d2 = solid(2, 2, 16, 128, 128);
  blendOver(half, d2, 0, 0);
  assert.ok(Math.abs(d2.data[0]! - (16 + 235) / 2) <= 1);
});

test('green from RGB comes out as green in YUV (U and V well below 128)', () => {
  const o = rgbaToYuvA(new Uint8ClampedArray([0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 255]), 2, 2);
  assert.ok(o.u[0]! < 70 && o.v[0]! < 70, `${o.u[0]} ${o.v[0]}`);
});

test('shrinking filters fine detail instead of picking every other line (text stays readable)', () => {
  // One-pixel black and white columns (fine text, hairlines), shrunk 1.5× as a 1080p screen into 720p.
  const src = solid(96, 16, 0, 128, 128);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 96; x += 2) src.data[y * 96 + x] = 235;
  const dst = solid(64, 8, 0, 0, 0);
  blit(src, { x: 0, y: 0, w: 96, h: 16 }, dst, { x: 0, y: 0, w: 64, h: 8 });
  const row = [...dst.data.subarray(0, 64)];
  const mean = row.reduce((a, b) => a + b, 0) / row.length;
  // The picture's mean brightness is kept (nearest-neighbour kept 2 of every 3 columns: all white here).
  assert.ok(Math.abs(mean - (235 + 0) / 2) < 12, `mean ${mean}`);
  assert.ok(row.every((v) => v > 60 && v < 180), `no column is a raw black or white sample: ${row.join(' ')}`);
  // Chroma is shrunk too, and a flat colour stays exactly that colour.
  assert.deepEqual(px(dst, 10, 4).slice(1), [128, 128]);
});

test('shrinking maps the source\'s corners to the output\'s corners', () => {
  const src = solid(40, 40, 16, 128, 128);
  for (let y = 0; y < 4; y++) for (let x = 36; x < 40; x++) src.data[y * 40 + x] = 235; // top-right 4×4 white
  const dst = solid(20, 20, 0, 128, 128);
  blit(src, { x: 0, y: 0, w: 40, h: 40 }, dst, { x: 0, y: 0, w: 20, h: 20 });
  assert.equal(dst.data[19], 235, 'top-right stays white');
  assert.equal(dst.data[0], 16, 'top-left stays black');
  assert.equal(dst.data[19 * 20 + 19], 16, 'bottom-right stays black');
});
