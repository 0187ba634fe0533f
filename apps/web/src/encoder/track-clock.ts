/**
 * Puts one track's source timestamps on the stream clock (µs since the broadcast started).
 *
 * The browser's timestamps are right relative to each other within a track, but each track has its
 * own origin: canvas and screen frames start at 0, and Chromium's audio counts samples, so when
 * the audio pipeline stalls while a broadcast starts (measured: ~0.7 s on this machine) its clock
 * falls behind for good. Anchoring each track once, on its first arrival, would bake that stall in
 * as an audio/video offset. So the anchor is the pipeline's own delay: the lowest lag (arrival
 * minus timestamp) seen over a window. When a whole window disagrees with the anchor by more than
 * the tolerance, the track is re-anchored; the caller keeps its timestamps increasing.
 */
export const TRACK_CLOCK_WINDOW_US = 2_000_000;
export const TRACK_CLOCK_TOLERANCE_US = 20_000;

export class TrackClock {
  /** Stream time = source time + offset; null until the first arrival. */
  offset: number | null = null;
  /** How many times the track was re-anchored (a stat worth showing when it is not zero). */
  reanchors = 0;
  private windowStart = 0;
  private windowMinLag = Infinity;

  constructor(
    private windowUs = TRACK_CLOCK_WINDOW_US,
    private toleranceUs = TRACK_CLOCK_TOLERANCE_US,
  ) {}

  /** Source timestamp `ts` arrived at stream time `now` (both µs): its stream timestamp. */
  map(ts: number, now: number): number {
    const lag = now - ts;
    if (this.offset === null) {
      this.offset = lag;
      this.windowStart = now;
    }
    if (lag < this.windowMinLag) this.windowMinLag = lag;
    if (now - this.windowStart >= this.windowUs) {
      if (Math.abs(this.windowMinLag - this.offset) > this.toleranceUs) {
        this.offset = this.windowMinLag;
        this.reanchors++;
      }
      this.windowStart = now;
      this.windowMinLag = Infinity;
    }
    return ts + this.offset;
  }
}
