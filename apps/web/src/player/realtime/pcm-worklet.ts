/// <reference lib="es2022" />
// AudioWorklet that plays decoded PCM pushed from the decoder worker over its port, and reports
// which media timestamp is playing: the clock the video is scheduled against.

declare const sampleRate: number;
declare function registerProcessor(name: string, ctor: unknown): void;
/** The AudioWorkletGlobalScope's part we use (no DOM lib here: a worklet has none). */
interface WorkletPort {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: { ts: number; channels: Float32Array[] } }) => void) | null;
}
declare class AudioWorkletProcessor {
  readonly port: WorkletPort;
}

interface PcmChunk {
  /** Media timestamp of the first sample, µs. */
  ts: number;
  channels: Float32Array[];
  offset: number;
}

/** Most audio held before the oldest is dropped (catch up rather than drift behind). */
const MAX_BUFFER_SEC = 0.5;

class PcmPlayer extends AudioWorkletProcessor {
  private queue: PcmChunk[] = [];
  private buffered = 0; // samples
  private playingTs: number | null = null;
  private underruns = 0;

  constructor() {
    super();
    this.port.onmessage = (ev) => {
      const { ts, channels } = ev.data;
      if (!channels[0]?.length) return;
      this.queue.push({ ts, channels, offset: 0 });
      this.buffered += channels[0].length;
      while (this.buffered > MAX_BUFFER_SEC * sampleRate && this.queue.length > 1) {
        const dropped = this.queue.shift()!;
        this.buffered -= dropped.channels[0]!.length - dropped.offset;
      }
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]!;
    const frames = out[0]!.length;
    let written = 0;
    while (written < frames && this.queue.length) {
      const head = this.queue[0]!;
      const n = Math.min(frames - written, head.channels[0]!.length - head.offset);
      for (let c = 0; c < out.length; c++) {
        const src = head.channels[Math.min(c, head.channels.length - 1)]!;
        out[c]!.set(src.subarray(head.offset, head.offset + n), written);
      }
      this.playingTs = head.ts + Math.round(((head.offset + n) * 1e6) / sampleRate);
      head.offset += n;
      written += n;
      this.buffered -= n;
      if (head.offset >= head.channels[0]!.length) this.queue.shift();
    }
    if (written < frames) {
      for (const ch of out) ch.fill(0, written);
      if (this.playingTs !== null) this.underruns++;
    }
    // Report about 20 times a second, and only while audio is actually playing: a stale time
    // would freeze the video that follows it (the player falls back to its own clock instead).
    if (written > 0 && this.playingTs !== null && this.frameCount++ % 8 === 0) {
      this.port.postMessage({ playingTs: this.playingTs, bufferedMs: (this.buffered / sampleRate) * 1000, underruns: this.underruns });
    }
    return true;
  }

  private frameCount = 0;
}

registerProcessor('tabcast-pcm', PcmPlayer);
export {};
