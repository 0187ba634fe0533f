/// <reference lib="es2022" />
// AudioWorklet that plays decoded PCM pushed from the decoder worker over its port, and reports
// which media timestamp is playing at which context time: the clock the video is scheduled
// against. It also reports the onset of each beep (sound after silence), which the player times
// against the video's timecode to measure audio/video sync. The buffering policy is PcmQueue's.

import { PcmQueue } from './pcm-queue.ts';

declare const sampleRate: number;
declare const currentTime: number;
declare function registerProcessor(name: string, ctor: unknown): void;
/** The AudioWorkletGlobalScope's part we use (no DOM lib here: a worklet has none). */
interface WorkletPort {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: { ts: number; channels: Float32Array[] } | { gap: true } }) => void) | null;
}
declare class AudioWorkletProcessor {
  readonly port: WorkletPort;
}

/** A beep onset: a sample this loud after at least {@link ONSET_QUIET_SEC} of quiet. */
const ONSET_LEVEL = 0.1;
const ONSET_QUIET_SEC = 0.3;

/** What the worklet tells the decoder worker. Context times are AudioContext seconds. */
export type WorkletReport =
  | { kind: 'clock'; playingTs: number; contextTime: number; bufferedMs: number; targetMs: number; underruns: number }
  | { kind: 'onset'; contextTime: number };

class PcmPlayer extends AudioWorkletProcessor {
  private queue = new PcmQueue(sampleRate);
  private quietSamples = 0;

  constructor() {
    super();
    this.port.onmessage = (ev) => {
      const m = ev.data;
      if ('gap' in m) this.queue.gap();
      else this.queue.push(m.ts, m.channels);
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]!;
    const frames = out[0]!.length;
    const written = this.queue.render(out, currentTime, (samples, from, n, at) => this.findOnset(samples, from, n, at));
    this.quietSamples += frames - written;
    // Report about 20 times a second, and only while audio is actually playing: a stale time
    // would freeze the video that follows it (the player falls back to its own clock instead).
    const q = this.queue;
    if (written > 0 && q.playingTs !== null && this.frameCount++ % 8 === 0) {
      // playingTs is the media time of sample `written`, which plays at this context time.
      const report: WorkletReport = { kind: 'clock', playingTs: q.playingTs, contextTime: currentTime + written / sampleRate, bufferedMs: (q.buffered / sampleRate) * 1000, targetMs: q.targetSec * 1000, underruns: q.underruns };
      this.port.postMessage(report);
    }
    return true;
  }

  /** Scans `n` samples from `from` in `samples`, output at index `at` of this quantum. */
  private findOnset(samples: Float32Array, from: number, n: number, at: number): void {
    for (let i = 0; i < n; i++) {
      const x = samples[from + i]!;
      if (x > ONSET_LEVEL || x < -ONSET_LEVEL) {
        if (this.quietSamples >= ONSET_QUIET_SEC * sampleRate) {
          const report: WorkletReport = { kind: 'onset', contextTime: currentTime + (at + i) / sampleRate };
          this.port.postMessage(report);
        }
        this.quietSamples = 0;
      } else this.quietSamples++;
    }
  }

  private frameCount = 0;
}

registerProcessor('tabcast-pcm', PcmPlayer);
export {};
