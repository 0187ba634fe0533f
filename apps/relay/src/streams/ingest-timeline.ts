/**
 * A stream's timestamps as the publisher sends them, checked, and as its outputs get them. Within
 * one connection a track may not go backwards or jump far ahead, and the tracks may not drift
 * apart beyond a bound. Across connections (a resume) the publisher's clock may restart anywhere:
 * the outputs' timeline is offset to go on just after what they already have, so the muxer never
 * sees time go backwards (it refuses that, issue 9 item 3) and HLS never sees a long jump.
 */
import { TabcastError, type TrackKind } from '@tabcast/shared';

/**
 * After a resume, the new connection's first chunk is placed this far after the last chunk the
 * outputs got, µs. Above the studio's usual audio/video interleave, so neither track goes
 * backwards on the outputs' timeline.
 */
export const RESUME_GAP_US = 100_000;

/** Largest forward jump between two chunks of a track on one connection, µs (60 s). */
export const MAX_TIMESTAMP_JUMP_US = 60_000_000;

export class IngestTimeline {
  /** Last timestamp per track on this connection (the publisher's clock), µs; -1 before any. */
  private lastTs: Record<TrackKind, number> = { video: -1, audio: -1 };
  /** Added to this connection's timestamps before the outputs see them, µs. */
  private offsetUs = 0;
  /** Highest timestamp (with offset) handed to the outputs, µs; -1 before any. */
  private lastOutUs = -1;
  /** Set by a new connection: the offset is computed on its first chunk. */
  private offsetPending = true;

  constructor(
    private hasAudio: boolean,
    /** How far audio and video may drift apart, ms (RelayConfig.maxTrackSkewMs). */
    private maxTrackSkewMs: number,
  ) {}

  /** A new publisher connection: its clock is its own. */
  newConnection(): void {
    this.lastTs = { video: -1, audio: -1 };
    this.offsetPending = true;
  }

  /** Checks a chunk's timestamp; returns it on the outputs' timeline. Throws TabcastError. */
  accept(track: TrackKind, timestampUs: number): number {
    const last = this.lastTs[track];
    if (timestampUs < last) {
      throw new TabcastError('out-of-order', `${track} timestamp went backwards (${timestampUs} µs after ${last} µs)`);
    }
    if (last >= 0 && timestampUs - last > MAX_TIMESTAMP_JUMP_US) {
      // Within one connection media never pauses this long (a still screen repeats its frame).
      throw new TabcastError('out-of-order', `${track} timestamp jumped ${Math.round((timestampUs - last) / 1e6)} s ahead`);
    }
    this.lastTs[track] = timestampUs;
    if (this.hasAudio && this.lastTs.video >= 0 && this.lastTs.audio >= 0) {
      // The muxer holds one track's packets until the other catches up: bound how far apart they get.
      const skewMs = Math.abs(this.lastTs.video - this.lastTs.audio) / 1000;
      if (skewMs > this.maxTrackSkewMs) {
        throw new TabcastError('rate-limited', `audio and video are ${Math.round(skewMs)} ms apart (limit ${this.maxTrackSkewMs} ms); keep both tracks flowing`);
      }
    }
    if (this.offsetPending) {
      this.offsetPending = false;
      if (this.lastOutUs >= 0) this.offsetUs = this.lastOutUs + RESUME_GAP_US - timestampUs;
    }
    const out = timestampUs + this.offsetUs;
    this.lastOutUs = Math.max(this.lastOutUs, out);
    return out;
  }
}
