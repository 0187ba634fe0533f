/**
 * Layout maths for the compositor, pure (no DOM, no canvas): where each layer goes on the output,
 * how a source of any size fits its box without ever being stretched, and the built-in scenes.
 * Boxes are in output pixels; a layer's box is given as fractions of the output (0–1) so a scene
 * does not depend on the output size.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** 'contain': the whole source, letterboxed or pillarboxed; 'cover': the box filled, the source cropped. */
export type Fit = 'contain' | 'cover';

/** The sources a scene can show. 'screen' is whatever the broadcaster shares (or the test pattern). */
export type SourceId = 'screen' | 'camera' | 'image' | 'title' | 'brb';

export type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

export type SceneId = 'screen' | 'screen-camera' | 'camera' | 'brb';

export const SCENES: readonly { id: SceneId; label: string }[] = Object.freeze([
  { id: 'screen', label: 'Screen only' },
  { id: 'screen-camera', label: 'Screen + camera' },
  { id: 'camera', label: 'Camera only' },
  { id: 'brb', label: 'Be right back' },
]);

export interface Layer {
  source: SourceId;
  /** The layer's box as fractions of the output (0–1). */
  box: Rect;
  /** Drawn in ascending z: higher is on top. */
  z: number;
  fit: Fit;
}

export interface SceneOptions {
  /** The camera picture-in-picture's corner. Default 'bottom-right'. */
  corner: Corner;
  /** The picture-in-picture's width as a fraction of the output's width (clamped 0.1–0.6). Default 0.28. */
  pipSize: number;
  /** A title / lower third is shown on top of every scene but "Be right back". */
  title: boolean;
  /** "Be right back" shows the picked image if there is one, else its text. */
  brbImage: boolean;
}

export const DEFAULT_SCENE_OPTIONS: SceneOptions = Object.freeze({ corner: 'bottom-right', pipSize: 0.28, title: false, brbImage: false });

/** Gap between the picture-in-picture and the output's edges, as a fraction of the output's height. */
export const PIP_MARGIN = 0.04;
/** The lower third's band, as fractions of the output. */
export const LOWER_THIRD: Rect = Object.freeze({ x: 0.04, y: 0.78, w: 0.6, h: 0.13 });

/**
 * Where a `srcW`×`srcH` source is drawn to fit `box`, keeping its aspect ratio: `src` is the part
 * of the source to take (all of it for 'contain', a centred crop for 'cover') and `dst` where it
 * goes (centred in the box; smaller than the box on one axis for 'contain').
 */
export function fitRect(srcW: number, srcH: number, box: Rect, fit: Fit): { src: Rect; dst: Rect } {
  if (!(srcW > 0 && srcH > 0 && box.w > 0 && box.h > 0)) return { src: { x: 0, y: 0, w: 0, h: 0 }, dst: { x: box.x, y: box.y, w: 0, h: 0 } };
  const srcAspect = srcW / srcH;
  const boxAspect = box.w / box.h;
  if (fit === 'contain') {
    const scale = Math.min(box.w / srcW, box.h / srcH);
    const w = srcW * scale;
    const h = srcH * scale;
    return { src: { x: 0, y: 0, w: srcW, h: srcH }, dst: { x: box.x + (box.w - w) / 2, y: box.y + (box.h - h) / 2, w, h } };
  }
  // cover: crop the source to the box's aspect, centred.
  if (srcAspect > boxAspect) {
    const w = srcH * boxAspect;
    return { src: { x: (srcW - w) / 2, y: 0, w, h: srcH }, dst: { ...box } };
  }
  const h = srcW / boxAspect;
  return { src: { x: 0, y: (srcH - h) / 2, w: srcW, h }, dst: { ...box } };
}

/**
 * Bars narrower than this (in output pixels) are not drawn: the composed path snaps every
 * rectangle to even pixels anyway, so a source this close to the output's aspect ratio is shown
 * whole, not letterboxed by a pixel.
 */
export const FIT_SLACK_PX = 2;

/**
 * Whether a `srcW`×`srcH` source fills a `outW`×`outH` output once fitted (contain), within
 * {@link FIT_SLACK_PX}: its aspect ratio is the output's, whatever its size. Such a source can go
 * to the encoder as it is, which scales it (libyuv's box filter, in native code) without stretching it.
 */
export function fillsOutput(srcW: number, srcH: number, outW: number, outH: number): boolean {
  if (!(srcW > 0 && srcH > 0 && outW > 0 && outH > 0)) return false;
  const { dst } = fitRect(srcW, srcH, { x: 0, y: 0, w: outW, h: outH }, 'contain');
  return outW - dst.w <= FIT_SLACK_PX && outH - dst.h <= FIT_SLACK_PX;
}

/** A fractional box in output pixels. */
export function toPixels(box: Rect, outW: number, outH: number): Rect {
  return { x: box.x * outW, y: box.y * outH, w: box.w * outW, h: box.h * outH };
}

/**
 * The picture-in-picture's box (fractions of the output) in a corner: `size` of the output's width,
 * with the given aspect ratio (the camera's, 16:9 when unknown), a {@link PIP_MARGIN} from the edges.
 */
export function pipBox(corner: Corner, size: number, outW: number, outH: number, aspect = 16 / 9): Rect {
  const w = Math.min(0.6, Math.max(0.1, Number.isFinite(size) ? size : DEFAULT_SCENE_OPTIONS.pipSize));
  const h = Math.min(0.9, (w * outW) / aspect / outH);
  const mx = (PIP_MARGIN * outH) / outW;
  const my = PIP_MARGIN;
  const x = corner.endsWith('left') ? mx : 1 - mx - w;
  const y = corner.startsWith('top') ? my : 1 - my - h;
  return { x, y, w, h };
}

const FULL: Rect = Object.freeze({ x: 0, y: 0, w: 1, h: 1 });

/** The layers of a built-in scene, lowest z first. */
export function sceneLayers(scene: SceneId, o: SceneOptions, outW: number, outH: number, cameraAspect?: number): Layer[] {
  const layers: Layer[] = [];
  switch (scene) {
    case 'screen':
      layers.push({ source: 'screen', box: FULL, z: 0, fit: 'contain' });
      break;
    case 'screen-camera':
      layers.push({ source: 'screen', box: FULL, z: 0, fit: 'contain' });
      layers.push({ source: 'camera', box: pipBox(o.corner, o.pipSize, outW, outH, cameraAspect), z: 10, fit: 'cover' });
      break;
    case 'camera':
      layers.push({ source: 'camera', box: FULL, z: 0, fit: 'contain' });
      break;
    case 'brb':
      layers.push({ source: o.brbImage ? 'image' : 'brb', box: FULL, z: 0, fit: 'contain' });
      break;
  }
  if (o.title && scene !== 'brb') layers.push({ source: 'title', box: LOWER_THIRD, z: 20, fit: 'contain' });
  return layers.sort((a, b) => a.z - b.z);
}

/** The scene to fall back to when the shared screen goes away: the camera if there is one, else "Be right back". */
export function fallbackScene(hasCamera: boolean): SceneId {
  return hasCamera ? 'camera' : 'brb';
}
