/**
 * Puts one track's source timestamps on the stream clock (µs since the broadcast started).
 *
 * The browser's timestamps are right relative to each other within a track, but each track has its
 * own origin: canvas and screen frames start at 0, and Chromium's audio counts samples, so when
 * the audio pipeline stalls while a broadcast starts (measured: 0.5–0.9 s on this machine) its
 * clock falls behind for good, and an audio device's clock drifts a little from the system's.
 * Anchoring each track once, on its first arrival, would bake the stall in as an audio/video
 * offset. So the anchor is the pipeline's own delay: the lowest lag (arrival minus timestamp)
 * over each window. A window that disagrees with the anchor by more than
 * {@link TRACK_CLOCK_JUMP_US} re-anchors at once (a stall); a smaller disagreement beyond the dead
 * band is slewed away, at most {@link TRACK_CLOCK_SLEW_US} per window, so drift never makes a
 * step a listener would hear (an audio chunk is 20 ms).
 */
export const TRACK_CLOCK_WINDOW_US = 2_000_000;
export const TRACK_CLOCK_JUMP_US = 100_000;
export const TRACK_CLOCK_DEAD_BAND_US = 5_000;
export const TRACK_CLOCK_SLEW_US = 2_000;

export class TrackClock {
  /** Stream time = source time + offset; null until the first arrival. */
  offset: number | null = null;
  /** How many times the track was re-anchored at once (a stall). */
  reanchors = 0;
  private windowStart = 0;
  private windowMinLag = Infinity;

  constructor(private windowUs = TRACK_CLOCK_WINDOW_US) {}

  /** Source timestamp `ts` arrived at stream time `now` (both µs): its stream timestamp. */
  map(ts: number, now: number): number {
    const lag = now - ts;
    if (this.offset === null) {
      this.offset = lag;
      this.windowStart = now;
    }
    if (lag < this.windowMinLag) this.windowMinLag = lag;
    if (now - this.windowStart >= this.windowUs) {
      const off = this.windowMinLag - this.offset;
      if (Math.abs(off) > TRACK_CLOCK_JUMP_US) {
        this.offset = this.windowMinLag;
        this.reanchors++;
      } else if (Math.abs(off) > TRACK_CLOCK_DEAD_BAND_US) {
        this.offset += Math.sign(off) * Math.min(Math.abs(off), TRACK_CLOCK_SLEW_US);
      }
      this.windowStart = now;
      this.windowMinLag = Infinity;
    }
    return ts + this.offset;
  }
}
