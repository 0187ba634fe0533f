/** The real-time decoder worker's interface (caller and callee share it; no worker lib here). */
import type { PlayerPerf, RealtimeStats } from './realtime-player.ts';

export interface DecoderWorkerApi {
  start(url: string, canvas: OffscreenCanvas, onStats: (s: RealtimeStats) => void): void;
  attachAudio(port: MessagePort): void;
  /** AudioContext.getOutputTimestamp() of the page's audio, as (context s, wall-clock ms). */
  audioTiming(contextTime: number, epochMs: number): void;
  stop(): void;
  /** The monitoring points since the last call (null before start). */
  takePerf(): PlayerPerf | null;
  /** VideoFrames decoded and not yet closed (null before start). */
  openVideoFrames(): number | null;
  /** Answers at once: a message round trip to this worker. */
  ping(): number;
}
