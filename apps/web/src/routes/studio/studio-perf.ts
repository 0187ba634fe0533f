/**
 * The studio's monitoring points, gathered for the performance suite (bench/perf) and anyone with a
 * console: `tabcastPerf.take()` on the studio page returns what the compositor and encoder workers
 * recorded since the last take, with a message round trip to each worker.
 */
import type * as Comlink from 'comlink';
import type { CompositorPerf } from '../../compositor/compositor-perf.ts';
import type { CompositorSettings } from '../../compositor/compositor.ts';
import type { EncoderPerf, EncoderWorkerApi } from '../../encoder/worker-api.ts';

export interface StudioPerf extends Partial<Omit<EncoderPerf, 'captureIntervalsMs'>> {
  /** Intervals between the shared screen's frames reaching the compositor, ms. */
  captureIntervalsMs: number[];
  /** Intervals between frames reaching the encoder (the compositor's output), ms. */
  encoderInputIntervalsMs: number[];
  /** A message to the encoder worker and back, ms (null when not live). */
  encoderRoundTripMs: number | null;
  compositor: (CompositorPerf & { roundTripMs: number }) | null;
}

export interface StudioPerfHook {
  take(): Promise<StudioPerf>;
  /** Changes the compositor's settings directly (a custom layout, the output size): what the suite measures. */
  configureCompositor(patch: Partial<CompositorSettings>): Promise<void>;
  /** Source VideoFrames the compositor holds, as of its last per-second report (null before one). */
  openVideoFrames(): number | null;
  /**
   * Encoder settings for the next "Go live", over the profile's (seed 001's Tested Configurations
   * vary them); `{}` clears them. The studio's own controls never set these.
   */
  tuneEncoder(tuning: EncoderTuning): void;
}

/** What {@link StudioPerfHook.tuneEncoder} may set. */
export interface EncoderTuning {
  latencyMode?: 'realtime' | 'quality';
  bitrateMode?: 'constant' | 'variable';
  keyframeIntervalMs?: number;
  maxEncodeQueue?: number;
}

let tuning: EncoderTuning = {};

/** The tuning the suite set, validated (anything out of range is left to the profile). */
export function encoderTuning(): EncoderTuning {
  const t: EncoderTuning = {};
  if (tuning.latencyMode === 'realtime' || tuning.latencyMode === 'quality') t.latencyMode = tuning.latencyMode;
  if (tuning.bitrateMode === 'constant' || tuning.bitrateMode === 'variable') t.bitrateMode = tuning.bitrateMode;
  if (Number.isFinite(tuning.keyframeIntervalMs) && tuning.keyframeIntervalMs! >= 100 && tuning.keyframeIntervalMs! <= 10_000) t.keyframeIntervalMs = tuning.keyframeIntervalMs;
  if (Number.isInteger(tuning.maxEncodeQueue) && tuning.maxEncodeQueue! >= 1 && tuning.maxEncodeQueue! <= 30) t.maxEncodeQueue = tuning.maxEncodeQueue;
  return t;
}

/** What the hook needs of the compositor's client (compositor-client.ts). */
interface CompositorHandle {
  takePerf(): Promise<(CompositorPerf & { roundTripMs: number }) | null>;
  configure(patch: Partial<CompositorSettings>): Promise<void>;
}

export function studioPerfHook(compositor: () => CompositorHandle | null, encoder: () => Comlink.Remote<EncoderWorkerApi> | null, framesHeld: () => number | null): StudioPerfHook {
  return {
    openVideoFrames: framesHeld,
    async take() {
      const comp = await compositor()?.takePerf() ?? null;
      const api = encoder();
      let encoderRoundTripMs: number | null = null;
      let enc: EncoderPerf | null = null;
      if (api) {
        const t0 = performance.now();
        await api.ping();
        encoderRoundTripMs = performance.now() - t0;
        enc = await api.takePerf();
      }
      const { captureIntervalsMs: encoderInputIntervalsMs = [], ...rest } = enc ?? {};
      return { ...rest, captureIntervalsMs: comp?.captureIntervalsMs.screen ?? [], encoderInputIntervalsMs, encoderRoundTripMs, compositor: comp };
    },
    async configureCompositor(patch) {
      await compositor()?.configure(patch);
    },
    tuneEncoder(t) {
      tuning = { ...t };
    },
  };
}
