/**
 * The real-time player's audio jitter buffer: decoded PCM waiting to play, with an adaptive
 * target. Pure (no Web Audio), so the AudioWorklet stays a thin shell and this is unit-tested.
 *
 * - It fills up to the target before playing: at first, and after running dry.
 * - Running dry (more jitter than the buffer covers) raises the target ×1.5 + 10 ms, up to
 *   {@link PCM_QUEUE_DEFAULTS.maxTargetSec}. After {@link PCM_QUEUE_DEFAULTS.calmSec} without
 *   running dry, the target comes down to what the jitter actually used of it meanwhile (the
 *   target minus the lowest level) ×2 + 10 ms, never below the minimum: quickly back down when
 *   the network calms, and never below what it needed (no shrinking into the next dropout).
 * - A gap the player makes on purpose (it skipped to a keyframe, or reconnected) is not jitter:
 *   {@link PcmQueue.gap} refills without raising the target.
 * - Each {@link PCM_QUEUE_DEFAULTS.trimWindowSec}, if the level never fell below the target, the
 *   surplus is skipped: a backlog (say, what piled up while the AudioContext started) would
 *   otherwise delay the sound, and the video that follows it, for good.
 * - Beyond {@link PCM_QUEUE_DEFAULTS.maxBufferSec} the oldest audio is dropped.
 */
export const PCM_QUEUE_DEFAULTS = Object.freeze({ minTargetSec: 0.04, maxTargetSec: 0.3, calmSec: 20, trimWindowSec: 1, maxBufferSec: 0.5 });
export type PcmQueueOptions = typeof PCM_QUEUE_DEFAULTS;

interface PcmChunk {
  /** Media timestamp of the first sample, µs. */
  ts: number;
  channels: Float32Array[];
  offset: number;
}

/** Called for each run of samples copied out: channel 0's `samples[from, from + n)` at output index `at`. */
export type SampleScan = (samples: Float32Array, from: number, n: number, at: number) => void;

export class PcmQueue {
  /** Media time of the next sample to play, µs; null before any played. */
  playingTs: number | null = null;
  underruns = 0;
  targetSec: number;
  /** Samples queued. */
  buffered = 0;
  private queue: PcmChunk[] = [];
  private filling = true;
  private playing = false;
  private calmSince = 0;
  /** Lowest level (samples) since calmSince. */
  private calmLow = Infinity;
  private lowWater = Infinity;
  private windowPlayed = 0;

  constructor(
    private sampleRate: number,
    private o: PcmQueueOptions = PCM_QUEUE_DEFAULTS,
  ) {
    this.targetSec = o.minTargetSec;
  }

  push(ts: number, channels: Float32Array[]): void {
    if (!channels[0]?.length) return;
    this.queue.push({ ts, channels, offset: 0 });
    this.buffered += channels[0].length;
    while (this.buffered > this.o.maxBufferSec * this.sampleRate && this.queue.length > 1) {
      const dropped = this.queue.shift()!;
      this.buffered -= dropped.channels[0]!.length - dropped.offset;
    }
  }

  /** Fills `out` (one array per channel) at time `now` (s); the rest is silence. Returns samples written. */
  render(out: Float32Array[], now: number, scan?: SampleScan): number {
    const frames = out[0]!.length;
    let written = 0;
    if (this.filling && this.buffered >= this.targetSec * this.sampleRate) this.filling = false;
    while (!this.filling && written < frames && this.queue.length) {
      const head = this.queue[0]!;
      const n = Math.min(frames - written, head.channels[0]!.length - head.offset);
      for (let c = 0; c < out.length; c++) {
        const src = head.channels[Math.min(c, head.channels.length - 1)]!;
        out[c]!.set(src.subarray(head.offset, head.offset + n), written);
      }
      scan?.(head.channels[0]!, head.offset, n, written);
      this.playingTs = head.ts + Math.round(((head.offset + n) * 1e6) / this.sampleRate);
      head.offset += n;
      written += n;
      this.buffered -= n;
      if (head.offset >= head.channels[0]!.length) this.queue.shift();
    }
    this.trim(frames);
    if (this.buffered < this.calmLow) this.calmLow = this.buffered;
    if (written < frames) {
      for (const ch of out) ch.fill(0, written);
      if (this.playing) {
        this.underruns++;
        this.targetSec = Math.min(this.o.maxTargetSec, this.targetSec * 1.5 + 0.01);
        this.filling = true;
        this.calmSince = now;
        this.calmLow = Infinity;
      }
    } else if (now - this.calmSince > this.o.calmSec) {
      // What the jitter really used of the target meanwhile, with a margin for rarer, longer stalls.
      const usedSec = this.targetSec - this.calmLow / this.sampleRate;
      this.targetSec = Math.max(this.o.minTargetSec, Math.min(this.targetSec, usedSec * 2 + 0.01));
      this.calmSince = now;
      this.calmLow = Infinity;
    }
    this.playing = written === frames;
    return written;
  }

  /** The input stops on purpose for a while: refill to the target afterwards, as at the start. */
  gap(): void {
    this.playing = false;
    this.filling = true;
  }

  private trim(frames: number): void {
    if (this.buffered < this.lowWater) this.lowWater = this.buffered;
    this.windowPlayed += frames;
    if (this.windowPlayed < this.o.trimWindowSec * this.sampleRate) return;
    let surplus = Math.floor(this.lowWater - this.targetSec * this.sampleRate);
    this.lowWater = Infinity;
    this.windowPlayed = 0;
    while (surplus > 0 && this.queue.length) {
      const head = this.queue[0]!;
      const n = Math.min(surplus, head.channels[0]!.length - head.offset);
      head.offset += n;
      this.buffered -= n;
      surplus -= n;
      if (head.offset >= head.channels[0]!.length) this.queue.shift();
    }
  }
}
