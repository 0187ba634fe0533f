/**
 * The real-time player's decisions for staying live, whatever the device can do: when to resync
 * (discard to a fresh keyframe) and when a resync is over. A plain class, tested in Node; the
 * player carries out what it decides (drops the decoder's backlog, asks for a keyframe).
 *
 * It resyncs when chunks arrive more than {@link SHED_BEHIND_US} behind live (see LagMonitor) for
 * {@link SHED_AFTER_US}, or {@link SHED_AT_ONCE_US} behind at once (shorter spells are caught up by
 * decoding on, the display dropping what is late: no freeze); when the decoder is
 * {@link MAX_DECODE_BACKLOG_US} of media behind what arrived; or when a join's catch-up takes over
 * {@link MAX_CATCH_UP_US}. A resync ends at a keyframe that arrives within
 * {@link RESUME_BEHIND_US} of live, or, after {@link REBASE_AFTER_US} of discarding, at any
 * keyframe: a backlog would have been read through by then, so the stream's clock moved and that
 * is live now.
 */
import { LagMonitor } from './lag-monitor.ts';

/**
 * Why the player discarded chunks to stay live: 'behind' (they arrived too far behind live: a
 * backlog in the socket or the network), 'decoder' (the decoder was too far behind what arrived),
 * 'relay' (the relay skipped this viewer to the next keyframe).
 */
export type ShedReason = 'behind' | 'decoder' | 'relay';

export const SHED_BEHIND_US = 400_000;
export const SHED_AFTER_US = 1_500_000;
export const SHED_AT_ONCE_US = 1_000_000;
export const MAX_CATCH_UP_US = 1_000_000;
/** The decoder check starts this long after going live (the join's catch-up is over by then). */
export const DECODER_CHECK_AFTER_US = 2_000_000;
export const RESUME_BEHIND_US = 150_000;
export const REBASE_AFTER_US = 1_000_000;
export const MAX_DECODE_BACKLOG_US = 500_000;

export class LiveKeeper {
  /** How far behind live the newest chunk arrived, ms. */
  behindMs = 0;
  /** Discarding to the next fresh keyframe (null: not resyncing). */
  resyncing: { reason: ShedReason; sinceUs: number } | null = null;
  /** Chunks not decoded to stay live, by why; and how often a resync began. */
  readonly shed: Record<ShedReason, number> = { behind: 0, decoder: 0, relay: 0 };
  resyncs = 0;
  private lag = new LagMonitor();
  private behindSinceUs: number | null = null;
  private liveSinceUs: number | null = null;
  private catchUpSinceUs: number | null = null;
  private decodedTs = 0;

  /** `onResync` carries a resync out (all times µs, performance.now() × 1000). */
  constructor(private onResync: (reason: ShedReason, nowUs: number) => void) {}

  /** A new connection: nothing carries over but the counters. */
  reset(): void {
    this.lag = new LagMonitor();
    this.resyncing = null;
    this.behindSinceUs = null;
    this.liveSinceUs = null;
    this.catchUpSinceUs = null;
    this.decodedTs = 0;
  }

  /** The decoder put out a frame with this timestamp. */
  decoded(ts: number): void {
    if (ts > this.decodedTs) this.decodedTs = ts;
  }

  /** Catching up after a join: true once it has taken too long (the player then goes live and resyncs). */
  catchUpTooLong(now: number): boolean {
    this.catchUpSinceUs ??= now;
    return now - this.catchUpSinceUs > MAX_CATCH_UP_US;
  }

  resync(reason: ShedReason, now: number): void {
    this.resyncing = { reason, sinceUs: now };
    this.resyncs++;
    this.onResync(reason, now);
  }

  /**
   * A live video chunk with timestamp `ts` arrived at `now`; `newestTs` is the newest before it and
   * `decodeQueue` the chunks the decoder holds. False: discard it (it is counted as shed).
   */
  stayLive(ts: number, key: boolean, now: number, newestTs: number, decodeQueue: number): boolean {
    const behind = this.lag.observe(ts, now);
    this.behindMs = Math.round(behind / 1000);
    this.liveSinceUs ??= now;
    if (behind <= SHED_BEHIND_US) this.behindSinceUs = null;
    else this.behindSinceUs ??= now;
    if (!this.resyncing) {
      if (behind > SHED_AT_ONCE_US || (this.behindSinceUs !== null && now - this.behindSinceUs > SHED_AFTER_US)) this.resync('behind', now);
      else if (now - this.liveSinceUs > DECODER_CHECK_AFTER_US && this.decodedTs && newestTs - this.decodedTs > MAX_DECODE_BACKLOG_US && decodeQueue > 0) this.resync('decoder', now);
      else return true;
    }
    const r = this.resyncing!;
    const fresh = behind < RESUME_BEHIND_US;
    if (key && (fresh || now - r.sinceUs > REBASE_AFTER_US)) {
      if (!fresh) this.lag.reset();
      this.resyncing = null;
      this.behindSinceUs = null;
      this.decodedTs = 0;
      return true;
    }
    this.shed[r.reason]++;
    return false;
  }
}
