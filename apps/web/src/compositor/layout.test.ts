import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PIP_MARGIN, fallbackScene, fillsOutput, fitRect, pipBox, sceneLayers, toPixels, DEFAULT_SCENE_OPTIONS } from './layout.ts';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} ≠ ${b}`);

test('contain letterboxes a wider source and pillarboxes a taller one, never stretching', () => {
  const box = { x: 0, y: 0, w: 1280, h: 720 };
  const wide = fitRect(2560, 1080, box, 'contain'); // 21:9 into 16:9
  close(wide.dst.w, 1280, 'wide width');
  close(wide.dst.h, 540, 'wide height');
  close(wide.dst.y, 90, 'letterbox bars');
  const tall = fitRect(1080, 1920, box, 'contain'); // portrait phone
  close(tall.dst.h, 720, 'tall height');
  close(tall.dst.w, 405, 'tall width');
  close(tall.dst.x, (1280 - 405) / 2, 'pillarbox bars');
  for (const r of [wide, tall]) close(r.dst.w / r.dst.h, r.src.w / r.src.h, 'aspect kept');
});

test('cover fills the box and crops the source centred, keeping the aspect', () => {
  const box = { x: 100, y: 50, w: 400, h: 400 };
  const r = fitRect(1280, 720, box, 'cover');
  assert.deepEqual(r.dst, box);
  close(r.src.h, 720, 'full height');
  close(r.src.w, 720, 'square crop');
  close(r.src.x, 280, 'centred crop');
  const tall = fitRect(720, 1280, { x: 0, y: 0, w: 1280, h: 720 }, 'cover');
  close(tall.src.w / tall.src.h, 1280 / 720, 'crop has the box aspect');
});

test('a source that changes size mid-broadcast is fitted from its own size each time (a resized window)', () => {
  const box = { x: 0, y: 0, w: 1280, h: 720 };
  for (const [w, h] of [[1280, 720], [800, 900], [1900, 500]] as const) {
    const r = fitRect(w, h, box, 'contain');
    close(r.dst.w / r.dst.h, w / h, `${w}×${h}`);
    assert.ok(r.dst.w <= 1280 + 1e-6 && r.dst.h <= 720 + 1e-6);
  }
});

test('a source with no size yet draws nothing rather than NaN', () => {
  const r = fitRect(0, 0, { x: 0, y: 0, w: 100, h: 100 }, 'contain');
  assert.equal(r.dst.w, 0);
});

test('picture-in-picture sits in the chosen corner, margin from the edges, with the camera aspect', () => {
  const W = 1280;
  const H = 720;
  const tl = toPixels(pipBox('top-left', 0.25, W, H), W, H);
  close(tl.x, PIP_MARGIN * H, 'left margin in pixels equals top margin');
  close(tl.y, PIP_MARGIN * H, 'top margin');
  close(tl.w, 320, 'quarter width');
  close(tl.w / tl.h, 16 / 9, 'camera aspect');
  const br = toPixels(pipBox('bottom-right', 0.25, W, H), W, H);
  close(br.x + br.w, W - PIP_MARGIN * H, 'right edge');
  close(br.y + br.h, H - PIP_MARGIN * H, 'bottom edge');
  const tr = pipBox('top-right', 0.25, W, H);
  const bl = pipBox('bottom-left', 0.25, W, H);
  close(tr.y * H, tl.y, 'top-right on top');
  close(bl.x * W, tl.x, 'bottom-left on the left');
  // Size is clamped to something sensible.
  assert.equal(pipBox('top-left', 5, W, H).w, 0.6);
  assert.equal(pipBox('top-left', 0, W, H).w, 0.1);
  close(pipBox('top-left', 0.25, W, H, 4 / 3).w * W / (pipBox('top-left', 0.25, W, H, 4 / 3).h * H), 4 / 3, '4:3 camera');
});

test('scenes: layers in z-order; the title on top except on "Be right back"', () => {
  const o = { ...DEFAULT_SCENE_OPTIONS, title: true };
  const pip = sceneLayers('screen-camera', o, 1280, 720);
  assert.deepEqual(pip.map((l) => l.source), ['screen', 'camera', 'title']);
  assert.ok(pip.every((l, i) => i === 0 || l.z > pip[i - 1]!.z));
  assert.deepEqual(sceneLayers('screen', DEFAULT_SCENE_OPTIONS, 1280, 720).map((l) => l.source), ['screen']);
  assert.deepEqual(sceneLayers('camera', o, 1280, 720).map((l) => l.source), ['camera', 'title']);
  assert.deepEqual(sceneLayers('brb', o, 1280, 720).map((l) => l.source), ['brb']);
  assert.deepEqual(sceneLayers('brb', { ...o, brbImage: true }, 1280, 720).map((l) => l.source), ['image']);
  assert.equal(fallbackScene(true), 'camera');
  assert.equal(fallbackScene(false), 'brb');
});

test('a source fills the output (and can be passed through) when its aspect is the output\'s, at any size', () => {
  assert.ok(fillsOutput(1280, 720, 1280, 720), 'same size');
  assert.ok(fillsOutput(1920, 1080, 1280, 720), '1080p screen into 720p');
  assert.ok(fillsOutput(1280, 720, 854, 480), '720p tab into 480p (854 is not exactly 16:9)');
  assert.ok(fillsOutput(640, 360, 1280, 720), 'smaller, same aspect');
  assert.ok(!fillsOutput(1280, 800, 1280, 720), '16:10 would be stretched (pillarboxed instead)');
  assert.ok(!fillsOutput(1280, 712, 1280, 720), '8 px off would stretch the picture');
  assert.ok(fillsOutput(1282, 720, 1280, 720), 'within the 2 px the composed path snaps to anyway');
  assert.ok(!fillsOutput(0, 0, 1280, 720), 'no size yet');
});
