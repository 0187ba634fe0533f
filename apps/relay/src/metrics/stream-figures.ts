/**
 * What one stream's metrics are made of, beside what its outputs already count: ingest totals,
 * the keyframe interval, and the studio's own figures from its `stats` messages. Owned by the
 * stream's session; read at scrape time (so an ended stream's series simply stop being written).
 */
import type { StatsMessage } from '@tabcast/shared';

export interface StudioFigures extends Omit<StatsMessage, 'type'> {
  /** When the last stats message arrived, Date.now() ms. */
  receivedAt: number;
}

/** Studio figures older than this are not shown or exported (the studio stopped sending them). */
export const STUDIO_FIGURES_MAX_AGE_MS = 5_000;

export class StreamFigures {
  bytesIn = 0;
  videoFrames = 0;
  /** Seconds between the last two keyframes, on the media clock; null before the second one. */
  keyframeIntervalSec: number | null = null;
  private lastKeyTsUs = -1;
  private studio: StudioFigures | null = null;
  /** Studio drop totals never go down, even if a studio restarts its count (counter semantics). */
  private dropped = { encoder: 0, socket: 0 };
  /** Since when the ingest fps has been below its target (Date.now() ms), or null. */
  lowFpsSince: number | null = null;

  recordChunk(track: 'video' | 'audio', key: boolean, timestampUs: number, bytes: number): void {
    this.bytesIn += bytes;
    if (track !== 'video') return;
    this.videoFrames++;
    if (!key) return;
    if (this.lastKeyTsUs >= 0 && timestampUs > this.lastKeyTsUs) this.keyframeIntervalSec = (timestampUs - this.lastKeyTsUs) / 1e6;
    this.lastKeyTsUs = timestampUs;
  }

  recordStats(stats: StatsMessage, now = Date.now()): void {
    const { type: _type, ...figures } = stats;
    this.studio = { ...figures, receivedAt: now };
    this.dropped.encoder = Math.max(this.dropped.encoder, stats.droppedEncoder);
    this.dropped.socket = Math.max(this.dropped.socket, stats.droppedSocket);
  }

  /** The studio's latest figures, or null when none arrived in the last few seconds. */
  studioFigures(now = Date.now()): StudioFigures | null {
    return this.studio && now - this.studio.receivedAt <= STUDIO_FIGURES_MAX_AGE_MS ? this.studio : null;
  }

  get studioDropped(): { encoder: number; socket: number } {
    return this.dropped;
  }
}
