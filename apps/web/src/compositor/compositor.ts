/**
 * The compositor: keeps the latest frame of each video source, draws the current scene's layers on
 * an OffscreenCanvas at the output frame rate, paced by its own timer (it runs in a worker, whose
 * timers a hidden tab does not throttle), and hands each output picture to the encoder as a
 * VideoFrame. A scene that is one source filling the output at exactly the output's size (Screen
 * only with a 720p tab, Camera only with a 720p camera) is passed through: each of the source's
 * frames goes to the encoder as it arrives, undrawn and with its capture time (mapped onto this
 * worker's clock), so it waits for no timer and the encoder can still tell a frame captured late;
 * drawing a YUV frame on a 2D canvas converts every pixel on the CPU (measured: the bulk of
 * compositing time). The preview, a smaller canvas, is refreshed at a third of the output rate, and while live
 * no more often than keeps its cost under PREVIEW_LIVE_CPU_SHARE of a core.
 * Every VideoFrame it receives is closed when a newer one replaces it or the source goes; output
 * frames are transferred (the receiver closes them). A plain class: the worker is a thin adapter
 * over it.
 */
import { DEFAULT_SCENE_OPTIONS, fillsOutput, fitRect, sceneLayers, toPixels, type Layer, type Rect, type SceneId, type SceneOptions, type SourceId } from './layout.ts';
import { CompositorMonitor, type CompositorPerf } from './compositor-perf.ts';
import { OverlayCache, drawCentredText, drawFitted, drawTitle } from './overlays.ts';
import { LatestFrame } from './latest-frame.ts';
import { blendOver, blit, createYuv, fillBlack, type Yuv } from './yuv.ts';

export type VideoSourceId = 'screen' | 'camera';

export interface CompositorSettings {
  width: number;
  height: number;
  frameRate: number;
  scene: SceneId;
  options: SceneOptions;
  /** The lower third's lines (shown when options.title is set). */
  title: { text: string; subtitle: string };
  /** What "Be right back" says when it has no image. */
  brbText: string;
  /** A custom layout: these layers instead of the scene's (null: the scene's). */
  layers: Layer[] | null;
}

export const DEFAULT_COMPOSITOR_SETTINGS: CompositorSettings = Object.freeze({
  width: 1280,
  height: 720,
  frameRate: 30,
  scene: 'screen',
  options: DEFAULT_SCENE_OPTIONS,
  title: { text: '', subtitle: '' },
  brbText: 'Be right back',
  layers: null,
});

export interface CompositorStats {
  /** Output pictures drawn over the last second. */
  fps: number;
  /** Output frames handed to the encoder over the last second. */
  fpsSent: number;
  /** Output frames that were a source's frame passed through undrawn, over the last second. */
  passedThrough: number;
  /** Preview redraws over the last second. */
  previewFps: number;
  /** Time to draw one output picture and make its VideoFrame, ms, over the last second. */
  composeMsP50: number;
  composeMsP95: number;
  /** Frames each source delivered over the last second. */
  sourceFps: Record<VideoSourceId, number>;
  /** Source VideoFrames held right now (one per live source at most: a growing figure is a leak). */
  framesHeld: number;
  /** Ticks that started more than one frame interval late, since start. */
  lateTicks: number;
  atMs: number;
}


/** Sink for output frames: the encoder's end of a MessageChannel (or anything with postMessage). */
export interface FrameOutput {
  postMessage(message: VideoFrame, transfer: Transferable[]): void;
  close(): void;
}

const BRB_BACKGROUND = '#1d2330';
const PLACEHOLDER_BACKGROUND = '#262b36';

const PLACEHOLDER_TEXT: Record<SourceId, string> = {
  screen: 'Screen not shared',
  camera: 'Camera unavailable',
  image: 'No image picked',
  title: '',
  brb: '',
};

const percentile = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]! : 0);

/** The preview is redrawn at most every this many output frames (it is for the broadcaster's eyes only). */
export const PREVIEW_EVERY = 3;
/**
 * While live, the preview's share of a core: after each redraw the next waits until the time spent
 * drawing is at most this share of the time passed. Scaling a 720p frame on the CPU takes ~15 ms
 * on a 2-core machine without a GPU: at a third of 30 fps that was a fifth of a core, taken from
 * the encoder and, on one machine, from the viewers (measured: real-time latency 400 ms instead of
 * 190 ms through a shared tab).
 */
export const PREVIEW_LIVE_CPU_SHARE = 0.04;

export class Compositor {
  /** Where output pictures are drawn (the output's size). */
  private canvas: OffscreenCanvas;
  private ctx: OffscreenCanvasRenderingContext2D;
  private previewCtx: OffscreenCanvasRenderingContext2D;
  private ticks = 0;
  /** performance.now() before which the preview is not redrawn (see PREVIEW_LIVE_CPU_SHARE). */
  private previewDueMs = 0;
  private s: CompositorSettings;
  private sources = new Map<VideoSourceId, LatestFrame>();
  private image: ImageBitmap | null = null;
  /** Bumped with each new image, so its cached overlay is redrawn. */
  private imageId = 0;
  /** The I420 output picture, reused every frame (a VideoFrame made from it copies it). */
  private out: Yuv = createYuv(2, 2);
  private previewYuv: Yuv | null = null;
  private overlays = new OverlayCache();
  private output: FrameOutput | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextTickMs = 0;
  private window = { drawn: 0, sent: 0, passedThrough: 0, previews: 0, composeMs: [] as number[] };
  /** The source the last tick found passed through (its frames go out as they arrive), if any. */
  private passing: VideoSourceId | null = null;
  private lateTicks = 0;
  /** Monitoring points (see compositor-perf.ts). */
  private perf = new CompositorMonitor();
  private statsTimer: ReturnType<typeof setInterval> | null = null;

  /** `preview`: the studio's preview canvas (transferred); output pictures are drawn on a canvas of their own. */
  constructor(private preview: OffscreenCanvas, settings: Partial<CompositorSettings>, private onStats: (s: CompositorStats) => void = () => {}) {
    this.s = { ...DEFAULT_COMPOSITOR_SETTINGS, ...settings };
    this.canvas = new OffscreenCanvas(this.s.width, this.s.height);
    const ctx = this.canvas.getContext('2d', { alpha: false, desynchronized: true });
    const previewCtx = preview.getContext('2d', { alpha: false });
    if (!ctx || !previewCtx) throw new Error('this browser has no 2D OffscreenCanvas in workers');
    this.ctx = ctx;
    this.previewCtx = previewCtx;
    // Nearest-neighbour scaling: a preview, and the cheapest way down on a CPU.
    this.previewCtx.imageSmoothingEnabled = false;
    this.resize();
  }

  start(): void {
    if (this.timer) return;
    this.nextTickMs = performance.now();
    this.tick();
    this.statsTimer = setInterval(() => this.reportStats(), 1000);
  }

  configure(patch: Partial<CompositorSettings>): void {
    const resized = (patch.width && patch.width !== this.s.width) || (patch.height && patch.height !== this.s.height);
    this.s = { ...this.s, ...patch, options: { ...this.s.options, ...patch.options } };
    if (resized) this.resize();
    if (patch.scene || patch.options || patch.title || patch.brbText !== undefined || patch.layers !== undefined || resized) this.perf.updated(Boolean(resized));
  }

  /** The monitoring points' figures since the last take (the performance suite reads them). */
  takePerf(): CompositorPerf {
    return this.perf.take(this.layers().length, this.overlays.stats());
  }

  /** Replaces a video source (the old one's reader is cancelled, its frame closed, its `onClose` called). */
  setSource(id: VideoSourceId, readable: ReadableStream<VideoFrame>, onClose?: () => void): void {
    this.removeSource(id);
    const onFrame = (frame: VideoFrame) => {
      this.perf.capture[id].tick();
      this.onSourceFrame(id, frame);
    };
    this.sources.set(id, new LatestFrame(readable, onFrame, onClose));
  }

  removeSource(id: VideoSourceId): void {
    this.sources.get(id)?.close();
    this.sources.delete(id);
  }

  setImage(image: ImageBitmap | null): void {
    this.image?.close();
    this.image = image;
    this.imageId++;
  }

  /** Where output frames go while live (null: preview only). The previous output is closed. */
  setOutput(output: FrameOutput | null): void {
    this.output?.close();
    this.output = output;
    // A new output gets the current picture at the next tick, even from a still source passed through.
    this.passing = null;
  }

  stop(): void {
    this.overlays.clear();
    if (this.timer) clearTimeout(this.timer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.timer = this.statsTimer = null;
    for (const id of [...this.sources.keys()]) this.removeSource(id);
    this.setImage(null);
    this.setOutput(null);
  }

  private resize(): void {
    this.canvas.width = this.s.width;
    this.canvas.height = this.s.height;
  }

  /** The layers now, from each source's current size. */
  private layers(): Layer[] {
    if (this.s.layers) return this.s.layers;
    const cam = this.sources.get('camera')?.frame;
    return sceneLayers(this.s.scene, this.s.options, this.s.width, this.s.height, cam ? cam.displayWidth / cam.displayHeight : undefined);
  }

  /** The one source frame that is the whole output as it stands, if the scene is just that. */
  private passThroughFrame(layers: Layer[]): VideoFrame | null {
    if (layers.length !== 1) return null;
    const [layer] = layers as [Layer];
    if (layer.source !== 'screen' && layer.source !== 'camera') return null;
    const { x, y, w, h } = layer.box;
    const frame = this.sources.get(layer.source)?.frame;
    if (!frame || x !== 0 || y !== 0 || w !== 1 || h !== 1) return null;
    return fillsOutput(frame.displayWidth, frame.displayHeight, this.s.width, this.s.height) ? frame : null;
  }

  /**
   * One output picture per frame interval, on a self-correcting schedule: a late tick does not
   * shift the ones after it, and after a long stall the schedule restarts from now rather than
   * bursting to catch up.
   */
  private tick = (): void => {
    const interval = 1000 / this.s.frameRate;
    const now = performance.now();
    if (now - this.nextTickMs > interval) {
      this.lateTicks++;
      this.nextTickMs = now;
    }
    this.renderAndSend();
    this.nextTickMs += interval;
    this.timer = setTimeout(this.tick, Math.max(0, this.nextTickMs - performance.now()));
  };

  private renderAndSend(): void {
    const t0 = performance.now();
    const layers = this.layers();
    const through = this.passThroughFrame(layers);
    const wasPassing = this.passing;
    this.passing = through ? (layers[0]!.source as VideoSourceId) : null;
    // Planes are copied only for sources the composed scene shows (the first composed frame after a
    // change is drawn on the canvas instead, while they start arriving).
    for (const [id, src] of this.sources) src.wantPlanes = !through && layers.some((l) => l.source === id);
    const showPreview = this.ticks++ % PREVIEW_EVERY === 0 && t0 >= this.previewDueMs;
    if (through) {
      // Its frames go out as they arrive (onSourceFrame); this one only if the scene just became
      // a pass-through, so a still source does not leave the last composed picture on air. It is
      // stamped now: a still tab's last frame can be seconds old, and the encoder drops a frame
      // that old as late (then repeats the composed picture before it, for as long as the tab is still).
      if (wasPassing !== this.passing) this.send(through, this.passing!, t0, Math.round(t0 * 1000));
      if (showPreview) this.drawPreview(through, false);
      return;
    }
    const t1 = performance.now();
    const yuv = this.renderYuv(layers);
    if (!yuv) this.render(layers);
    const t2 = performance.now();
    this.window.drawn++;
    if (this.output) {
      const timestamp = Math.round(t2 * 1000);
      this.post(yuv ? this.yuvFrame(this.out, timestamp) : new VideoFrame(this.canvas, { timestamp }));
    }
    const t3 = performance.now();
    this.window.composeMs.push(t3 - t0);
    this.perf.render.start(0, t0);
    this.perf.render.end(0, t3);
    this.perf.setup.push(t1 - t0);
    this.perf.draw.push(t2 - t1);
    this.perf.frame.push(t3 - t2);
    this.perf.shown(t3);
    if (showPreview) this.drawPreview(null, yuv);
  }

  /** A source frame arrived: sent at once while the scene passes that source through. */
  private onSourceFrame(id: VideoSourceId, frame: VideoFrame): void {
    if (this.passing !== id || !this.timer) return;
    const t0 = performance.now();
    // The scene may have changed since the last tick (a resized window, a new layout).
    if (this.passThroughFrame(this.layers()) !== frame) return;
    this.send(frame, id, t0);
  }

  /** Sends a source's frame undrawn, stamped with its capture time on this worker's clock (or `timestampUs`). */
  private send(frame: VideoFrame, id: VideoSourceId, t0: number, timestampUs?: number): void {
    this.window.drawn++;
    if (this.output) {
      const src = this.sources.get(id)!;
      if (this.post(new VideoFrame(frame, { timestamp: timestampUs ?? Math.round(src.localTimestampUs(frame)) }))) {
        this.window.passedThrough++;
        this.perf.passedThrough++;
      }
    }
    this.window.composeMs.push(performance.now() - t0);
    this.perf.shown();
  }

  /** Hands an output frame to the encoder (transferred; closed here if it cannot go). */
  private post(frame: VideoFrame): boolean {
    try {
      this.output!.postMessage(frame, [frame as unknown as Transferable]);
      this.window.sent++;
      return true;
    } catch {
      frame.close();
      return false;
    }
  }

  private yuvFrame(img: Yuv, timestamp: number): VideoFrame {
    return new VideoFrame(img.data, { format: 'I420', codedWidth: img.width, codedHeight: img.height, timestamp, layout: img.layout });
  }

  /** Redraws the preview and, while live, puts off the next redraw by its cost (PREVIEW_LIVE_CPU_SHARE). */
  private drawPreview(through: VideoFrame | null, yuv: boolean): void {
    const t0 = performance.now();
    this.perf.preview.time(() => this.paintPreview(through, yuv));
    const now = performance.now();
    this.previewDueMs = this.output ? now + (now - t0) * (1 / PREVIEW_LIVE_CPU_SHARE - 1) : 0;
    this.window.previews++;
  }

  /** The preview: scaled down in I420 first when the output was composed so (converting a quarter of the pixels). */
  private paintPreview(through: VideoFrame | null, yuv: boolean): void {
    const { width, height } = this.preview;
    if (!yuv) return this.previewCtx.drawImage(through ?? this.canvas, 0, 0, width, height);
    if (!this.previewYuv || this.previewYuv.width !== width || this.previewYuv.height !== height) this.previewYuv = createYuv(width, height);
    blit(this.out, { x: 0, y: 0, w: this.out.width, h: this.out.height }, this.previewYuv, { x: 0, y: 0, w: width, h: height });
    const frame = this.yuvFrame(this.previewYuv, 0);
    this.previewCtx.drawImage(frame, 0, 0, width, height);
    frame.close();
  }

  /** Draws the scene's layers. They are recomputed each frame from each source's own size, so a resized window stays undistorted. */
  private render(layers: Layer[]): void {
    const { width: W, height: H } = this.s;
    const ctx = this.ctx;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, W, H);
    for (const layer of layers) this.drawLayer(layer, toPixels(layer.box, W, H));
  }

  private drawLayer(layer: Layer, box: Rect): void {
    const ctx = this.ctx;
    if (layer.source === 'title') return drawTitle(ctx, box, this.s.title);
    if (layer.source === 'brb') return drawCentredText(ctx, box, this.s.brbText || 'Be right back', BRB_BACKGROUND);
    const img: VideoFrame | ImageBitmap | null | undefined = layer.source === 'image' ? this.image : this.sources.get(layer.source as VideoSourceId)?.frame;
    if (!img) return drawCentredText(ctx, box, PLACEHOLDER_TEXT[layer.source], PLACEHOLDER_BACKGROUND);
    const [w, h] = 'displayWidth' in img ? [img.displayWidth, img.displayHeight] : [img.width, img.height];
    drawFitted(ctx, img, w, h, box, layer.fit, layer.z > 0 && layer.fit === 'contain');
  }

  /**
   * The same scene composed in I420, from each source's latest planes: no YUV→RGB→YUV round trip.
   * False when a video source is not I420 (the canvas path draws that frame instead).
   */
  private renderYuv(layers: Layer[]): boolean {
    const { width: W, height: H } = this.s;
    if (this.out.width !== W || this.out.height !== H) this.out = createYuv(W, H);
    for (const layer of layers) {
      const src = layer.source === 'screen' || layer.source === 'camera' ? this.sources.get(layer.source) : undefined;
      if (src?.frame && !src.yuv) return false;
    }
    const out = this.out;
    fillBlack(out);
    for (const layer of layers) {
      const box = toPixels(layer.box, W, H);
      const overlay = (key: string, draw: (ctx: OffscreenCanvasRenderingContext2D, b: Rect) => void) => blendOver(this.overlays.get(key, box.w, box.h, draw), out, box.x, box.y);
      switch (layer.source) {
        case 'title':
          if (this.s.title.text || this.s.title.subtitle) overlay(`title|${this.s.title.text}|${this.s.title.subtitle}`, (c, b) => drawTitle(c, b, this.s.title));
          break;
        case 'brb':
          overlay(`brb|${this.s.brbText}`, (c, b) => drawCentredText(c, b, this.s.brbText || 'Be right back', BRB_BACKGROUND));
          break;
        case 'image': {
          const img = this.image;
          if (img) overlay(`image|${this.imageId}|${layer.fit}`, (c, b) => drawFitted(c, img, img.width, img.height, b, layer.fit, true));
          else overlay('placeholder|image', (c, b) => drawCentredText(c, b, PLACEHOLDER_TEXT.image, PLACEHOLDER_BACKGROUND));
          break;
        }
        default: {
          const yuv = this.sources.get(layer.source as VideoSourceId)?.yuv;
          if (!yuv) {
            overlay(`placeholder|${layer.source}`, (c, b) => drawCentredText(c, b, PLACEHOLDER_TEXT[layer.source], PLACEHOLDER_BACKGROUND));
            break;
          }
          if (layer.z > 0 && layer.fit === 'contain') fillBlack(out, box);
          const { src, dst } = fitRect(yuv.width, yuv.height, box, layer.fit);
          blit(yuv, src, out, dst);
        }
      }
    }
    return true;
  }

  private reportStats(): void {
    const w = this.window;
    const sourceFps = { screen: 0, camera: 0 } as Record<VideoSourceId, number>;
    let framesHeld = 0;
    for (const [id, src] of this.sources) {
      sourceFps[id] = src.takeFrameCount();
      if (src.frame) framesHeld++;
    }
    this.onStats({
      fps: w.drawn,
      fpsSent: w.sent,
      passedThrough: w.passedThrough,
      previewFps: w.previews,
      composeMsP50: Math.round(percentile(w.composeMs, 50) * 100) / 100,
      composeMsP95: Math.round(percentile(w.composeMs, 95) * 100) / 100,
      sourceFps,
      framesHeld,
      lateTicks: this.lateTicks,
      atMs: Date.now(),
    });
    this.window = { drawn: 0, sent: 0, passedThrough: 0, previews: 0, composeMs: [] };
  }
}
