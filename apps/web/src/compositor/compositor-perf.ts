/**
 * The compositor's monitoring points (seed 001's CoreMetrics and RenderMetrics, as User Timing
 * names): `render:frame` for each composed output frame, split into setup (the layout), draw and
 * frame (making the VideoFrame); `preview:frame`; `layout:update` and `viewport:update`, from a
 * configure() to the first output frame that shows it; `capture:frame` per source. Bounded rings,
 * read and emptied by `take()` (the performance suite) — cheap enough to stay on.
 */
import { IntervalMeter, MONITORING_POINTS, Ring, StageTimer } from '@tabcast/shared';
import type { VideoSourceId } from './compositor.ts';

export interface CompositorPerf {
  /** Composed output frames, whole (setup + draw + frame), ms. Passed-through frames are not in it. */
  renderMs: number[];
  setupMs: number[];
  drawMs: number[];
  frameMs: number[];
  previewMs: number[];
  /** From a layout change (scene, picture-in-picture, title, custom layers) to the first output frame showing it, ms. */
  layoutUpdateMs: number[];
  /** From an output size change to the first output frame at the new size, ms. */
  viewportUpdateMs: number[];
  /** Intervals between frames arriving from each source, ms. */
  captureIntervalsMs: Record<VideoSourceId, number[]>;
  /** Layers in the scene now. */
  layers: number;
  /** Output frames passed through undrawn since the last take. */
  passedThrough: number;
  overlayCache: { hits: number; misses: number; entries: number; bytes: number };
}

export class CompositorMonitor {
  /** Marks render:frame:start / render:frame:end (MONITORING_POINTS). */
  readonly render = new StageTimer('render:frame');
  readonly setup = new Ring();
  readonly draw = new Ring();
  readonly frame = new Ring();
  readonly preview = new StageTimer('preview:frame');
  /** Marks layout:update:start / layout:update:end (MONITORING_POINTS). */
  readonly layout = new StageTimer('layout:update');
  readonly viewport = new StageTimer('viewport:update');
  readonly capture: Record<VideoSourceId, IntervalMeter> = { screen: new IntervalMeter(MONITORING_POINTS.CAPTURE_FRAME), camera: new IntervalMeter(`${MONITORING_POINTS.CAPTURE_FRAME}:camera`) };
  passedThrough = 0;
  /** Updates configured and not yet shown (keyed by a counter; ended at the next output frame). */
  private pending: { timer: StageTimer; key: number }[] = [];
  private nextKey = 0;

  /** A configure() call: starts `viewport:update` if the output size changed, else `layout:update`. */
  updated(resized: boolean): void {
    const timer = resized ? this.viewport : this.layout;
    const key = this.nextKey++;
    timer.start(key);
    this.pending.push({ timer, key });
  }

  /** An output frame went out: every update configured before it is now on air. */
  shown(at = performance.now()): void {
    for (const { timer, key } of this.pending) timer.end(key, at);
    this.pending.length = 0;
  }

  take(layers: number, overlayCache: CompositorPerf['overlayCache']): CompositorPerf {
    const drain = (r: Ring) => {
      const out = r.toArray();
      r.clear();
      return out;
    };
    const passedThrough = this.passedThrough;
    this.passedThrough = 0;
    return {
      renderMs: this.render.take(),
      setupMs: drain(this.setup),
      drawMs: drain(this.draw),
      frameMs: drain(this.frame),
      previewMs: this.preview.take(),
      layoutUpdateMs: this.layout.take(),
      viewportUpdateMs: this.viewport.take(),
      captureIntervalsMs: { screen: this.capture.screen.take(), camera: this.capture.camera.take() },
      layers,
      passedThrough,
      overlayCache,
    };
  }
}
