/**
 * When to show a frame: a small adaptive jitter buffer. It watches how late chunks arrive
 * relative to their timestamps over the last couple of seconds and keeps just enough delay to
 * absorb that jitter (the spread up to the {@link JITTER_PERCENTILE}th percentile: a stall of a
 * few frames does not hold the picture back for the whole window, its frames are shown late
 * instead; a longer one does widen it); when it is
 * further behind than needed it catches up at once (the frames in between are dropped) rather
 * than drifting behind. With audio playing, the audio clock rules.
 * All times are µs; `now` is performance.now() × 1000.
 */
const WINDOW_US = 2_000_000;
const MIN_DELAY_US = 20_000;
/**
 * The most delay the jitter buffer takes on (less when the player's frame queue holds less: see
 * maxDelayUs). Real time is the point of this player: past 120 ms a late frame is shown late (or
 * dropped for a newer one) rather than everyone waiting for it. Measured through tab capture on
 * 2 cores (docs/performance.md), a 500 ms cap let the spread of a busy machine's scheduling hold
 * the picture 100–300 ms behind for no smoother a picture.
 */
export const MAX_DELAY_US = 120_000;
const MARGIN_US = 15_000;
const JITTER_PERCENTILE = 90;
/** After a join the first live chunks still arrive in a burst behind the replay: not jitter. */
const SETTLE_US = 500_000;
const RETARGET_THRESHOLD_US = 25_000;
/**
 * How much later than its own jitter buffer would show it the audio clock may hold the video.
 * Beyond this the sound's timestamps cannot be trusted, or it is far behind, and the picture runs
 * on its own clock rather than freeze; short of it, the picture follows as far as its frame queue
 * holds (queueHoldsUs).
 */
const MAX_AUDIO_HOLD_US = 500_000;

export class PlayoutClock {
  /** display time of timestamp `ts` = ts + offset. Null until the first chunk. */
  offset: number | null = null;
  private arrivals: { at: number; lag: number }[] = [];
  private audio: { playingTs: number; at: number } | null = null;
  targetDelayUs = MIN_DELAY_US;
  /**
   * The most delay the schedule may hold, beyond the lowest lag: the player sets it to what its
   * queue of decoded frames can hold, so frames are never dropped unseen for waiting too long.
   */
  maxDelayUs = MAX_DELAY_US;
  /**
   * What the player's queue of decoded frames can hold, µs: how far the audio clock may hold the
   * picture behind its lowest lag. Lip sync comes before the jitter buffer's cap: sound that plays
   * 300 ms behind the picture's own schedule is followed (measured: a 300 ms offset otherwise).
   */
  queueHoldsUs = MAX_DELAY_US;
  /** Arrivals before this (µs) count for the lowest lag, not for the jitter. */
  private jitterFromUs = -Infinity;

  /** Live from `now`: the next {@link SETTLE_US} of arrivals are a burst, not jitter. */
  settle(now: number): void {
    this.jitterFromUs = now + SETTLE_US;
  }

  /** A chunk with timestamp `ts` arrived at `now`. */
  arrived(ts: number, now: number): void {
    const lag = now - ts; // grows with network delay; its spread is the jitter
    this.arrivals.push({ at: now, lag });
    while (this.arrivals.length && now - this.arrivals[0]!.at > WINDOW_US) this.arrivals.shift();
    if (this.offset === null) this.offset = lag + MIN_DELAY_US;
  }

  /** Media time `playingTs` is heard at `at` (which may be a little ahead of now: output latency). */
  audioClock(playingTs: number, at: number): void {
    this.audio = { playingTs, at };
  }

  /** Whether the last retarget followed the audio clock (false: the video's own). */
  followingAudio = false;

  /** Re-aims the delay; returns 'caught-up' when it jumped forward (frames will be dropped). */
  retarget(now: number): 'same' | 'caught-up' | 'slowed' {
    let ideal: number | null = null;
    let minLag: number | null = null;
    if (this.arrivals.length) {
      let min = Infinity;
      for (const a of this.arrivals) if (a.lag < min) min = a.lag;
      const lags = this.arrivals.filter((a) => a.at >= this.jitterFromUs).map((a) => a.lag).sort((a, b) => a - b);
      const high = lags.length ? lags[Math.floor(((lags.length - 1) * JITTER_PERCENTILE) / 100)]! : min;
      this.targetDelayUs = Math.min(this.maxDelayUs, Math.max(MIN_DELAY_US, high - min + MARGIN_US));
      ideal = min + this.targetDelayUs;
      minLag = min;
    }
    this.followingAudio = false;
    if (this.audio && now - this.audio.at < 500_000) {
      // Video follows the audio actually heard, as closely as the frame queue allows (clamped, not
      // dropped: a schedule that flipped between the two clocks would skip and stall by turns),
      // unless that would hold it far behind.
      const heard = this.audio.at - this.audio.playingTs;
      if (ideal === null || minLag === null || heard <= ideal + MAX_AUDIO_HOLD_US) {
        const next = minLag === null ? heard : Math.min(heard, minLag + Math.max(this.maxDelayUs, this.queueHoldsUs));
        this.followingAudio = true;
        const moved = this.offset === null ? 'same' : next < this.offset - RETARGET_THRESHOLD_US ? 'caught-up' : next > this.offset + RETARGET_THRESHOLD_US ? 'slowed' : 'same';
        this.offset = next;
        return moved;
      }
    }
    if (ideal === null) return 'same';
    if (this.offset === null) {
      this.offset = ideal;
      return 'same';
    }
    if (this.offset > ideal + RETARGET_THRESHOLD_US) {
      this.offset = ideal;
      return 'caught-up';
    }
    if (this.offset < ideal - RETARGET_THRESHOLD_US) {
      this.offset = ideal;
      return 'slowed';
    }
    return 'same';
  }

  /**
   * The frame with timestamp `ts` must be shown by `now` (the frame queue is full): pull the
   * schedule in so it is due, rather than drop it unseen.
   */
  showBy(ts: number, now: number): void {
    if (this.offset !== null && ts + this.offset > now) this.offset = now - ts;
  }

  /** When to show timestamp `ts`; before the first live chunk has set the offset, at once. */
  displayAt(ts: number): number {
    return this.offset === null ? -Infinity : ts + this.offset;
  }

  /** How far behind the newest arrival the display runs, ms. */
  bufferMs(now: number, newestTs: number): number {
    return this.offset === null ? 0 : Math.max(0, (newestTs + this.offset - now) / 1000);
  }
}
