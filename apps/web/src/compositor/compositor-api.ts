/** The compositor worker's interface, shared by the studio (caller) and the worker (callee). */
import type { CompositorSettings, CompositorStats, VideoSourceId } from './compositor.ts';
import type { CompositorPerf } from './compositor-perf.ts';

export interface CompositorWorkerApi {
  /** Starts drawing into `canvas` (the studio's preview, transferred) at the settings' frame rate. */
  start(canvas: OffscreenCanvas, settings: Partial<CompositorSettings>, onStats: (s: CompositorStats) => void): void;
  configure(patch: Partial<CompositorSettings>): void;
  /** A track's frames (MediaStreamTrackProcessor's readable, transferred); replaces that source. */
  setSource(id: VideoSourceId, frames: ReadableStream<VideoFrame>): void;
  /**
   * A track itself (transferred): the worker reads its frames with a MediaStreamTrackProcessor of
   * its own, so no frame passes through the page's main thread, and stops it when the source goes.
   * False (the track stopped) where this browser has no MediaStreamTrackProcessor in workers.
   */
  setSourceTrack(id: VideoSourceId, track: MediaStreamTrack): boolean;
  removeSource(id: VideoSourceId): void;
  setImage(image: ImageBitmap | null): void;
  /** Output frames go to this port (the encoder worker holds the other end) until null. */
  setOutput(port: MessagePort | null): void;
  stop(): void;
  /** The monitoring points' figures since the last call (null before start). */
  takePerf(): CompositorPerf | null;
  /** Answers at once: a message round trip to this worker. */
  ping(): number;
}
