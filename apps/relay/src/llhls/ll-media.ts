/**
 * One stream's LL-HLS media, held in memory and bounded by the playlist window: init segments
 * (one per FFmpeg run), parts (each one `moof` + `mdat` from FFmpeg) and segments cut from them.
 * Parts are grouped into segments cut at independent parts (keyframes); a segment that would
 * outgrow the target duration is cut at any part (the spec asks EXTINF ≤ TARGETDURATION, and a
 * static screen may send no keyframe). Every FFmpeg run starts a new segment behind
 * EXT-X-DISCONTINUITY with its own EXT-X-MAP.
 */

export interface LlPart {
  msn: number;
  index: number;
  durationSec: number;
  independent: boolean;
  bytes: Buffer;
}

export interface LlSegment {
  msn: number;
  /** Which init segment (FFmpeg run) its parts belong to. */
  initId: number;
  discontinuity: boolean;
  /** Wall clock of its first part's arrival (EXT-X-PROGRAM-DATE-TIME). */
  programDateMs: number;
  parts: LlPart[];
  /** Its parts are listed in the playlist (only the last few segments' are). */
  partsListed: boolean;
  durationSec: number;
  /** Set once closed: the parts' bytes joined (what a plain client fetches). */
  bytes: Buffer | null;
}

export interface LlMediaOptions {
  /** Longest part FFmpeg is asked for, s (EXT-X-PART-INF:PART-TARGET). */
  partTargetSec: number;
  /** Segments are cut at the first keyframe part after this, s. */
  segmentTargetSec: number;
  /** Closed segments listed in the playlist (older ones are deleted). */
  windowSegments: number;
  /**
   * Media sequence number of the first segment; above 0 when the stream continues one that a
   * previous relay process served (its first segment then starts behind EXT-X-DISCONTINUITY).
   */
  firstMsn?: number;
}

/**
 * Parts are listed for the last this many closed segments (the spec: at least 3 part targets), and
 * still served one segment longer: a client that read the playlist just before may fetch them.
 */
const SEGMENTS_LISTING_PARTS = 2;

export class LlMedia {
  /** Closed segments still in the window, oldest first, then the open one (if any). */
  readonly segments: LlSegment[] = [];
  private inits = new Map<number, Buffer>();
  private nextMsn: number;
  private runs = 0;
  private runInitId = -1;
  /** The next part starts a new segment behind EXT-X-DISCONTINUITY (a new FFmpeg run). */
  private newRun = false;
  /** Discontinuities that slid out of the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  discontinuitySequence = 0;
  ended = false;
  private listeners = new Set<() => void>();
  readonly targetDurationSec: number;

  constructor(readonly o: LlMediaOptions) {
    // EXTINF rounded to the nearest second must not exceed TARGETDURATION.
    this.targetDurationSec = Math.max(1, Math.ceil(o.segmentTargetSec));
    this.nextMsn = o.firstMsn ?? 0;
  }

  /** Calls `fn` whenever the playlist changes (a part, a closed segment, the end); returns an unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  /** A new FFmpeg run wrote its init segment (`ftyp` + `moov`). */
  startRun(init: Buffer): number {
    this.closeOpen();
    this.runInitId = this.runs++;
    this.inits.set(this.runInitId, init);
    this.newRun = true;
    return this.runInitId;
  }

  /** The current FFmpeg run ended: its last segment is complete. */
  endRun(): void {
    if (this.closeOpen()) this.changed();
  }

  init(id: number): Buffer | undefined {
    return this.inits.get(id);
  }

  get open(): LlSegment | null {
    const last = this.segments.at(-1);
    return last && last.bytes === null ? last : null;
  }

  /** The latest part, as [msn, index] (null before the first). */
  get lastPart(): LlPart | null {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const p = this.segments[i]!.parts.at(-1);
      if (p) return p;
    }
    return null;
  }

  /** The part that will come next, for EXT-X-PRELOAD-HINT (its segment may still be cut before it). */
  get nextPartName(): { msn: number; index: number } {
    const open = this.open;
    return open ? { msn: open.msn, index: open.parts.length } : { msn: this.nextMsn, index: 0 };
  }

  addPart(bytes: Buffer, durationSec: number, independent: boolean): LlPart {
    if (this.runInitId < 0) throw new Error('a fragment came before its init segment');
    let open = this.open;
    const cut = open && (this.newRun || (independent && open.durationSec >= this.o.segmentTargetSec * 0.5) || open.durationSec + durationSec > this.targetDurationSec + 0.49);
    if (cut) {
      this.closeOpen();
      open = null;
    }
    if (!open) {
      const msn = this.nextMsn++;
      // A new run, or the first segment of a stream a previous relay process served.
      const resumed = msn > 0 && msn === this.o.firstMsn;
      open = { msn, initId: this.runInitId, discontinuity: this.newRun && (this.runs > 1 || resumed), programDateMs: Date.now(), parts: [], partsListed: true, durationSec: 0, bytes: null };
      this.segments.push(open);
    }
    this.newRun = false;
    const part: LlPart = { msn: open.msn, index: open.parts.length, durationSec, independent, bytes };
    open.parts.push(part);
    open.durationSec += durationSec;
    this.changed();
    return part;
  }

  /** The stream ended: the open segment is closed and the playlist gets EXT-X-ENDLIST. */
  end(): void {
    this.closeOpen();
    this.ended = true;
    this.changed();
  }

  segment(msn: number): LlSegment | undefined {
    const first = this.segments[0];
    return first ? this.segments[msn - first.msn] : undefined;
  }

  part(msn: number, index: number): LlPart | undefined {
    return this.segment(msn)?.parts[index];
  }

  /** True once the playlist holds part `index` of segment `msn`, or anything after it. */
  has(msn: number, index: number | null): boolean {
    if (this.ended) return true;
    if (index === null) {
      const s = this.segment(msn);
      return (s !== undefined && s.bytes !== null) || msn < (this.segments[0]?.msn ?? 0);
    }
    const last = this.lastPart;
    return last !== null && (last.msn > msn || (last.msn === msn && last.index >= index));
  }

  /** Bytes held: segments, parts (a closed segment still listing parts holds them twice) and init segments. */
  get heldBytes(): number {
    let n = 0;
    for (const s of this.segments) n += (s.bytes?.length ?? 0) + s.parts.reduce((a, p) => a + p.bytes.length, 0);
    for (const b of this.inits.values()) n += b.length;
    return n;
  }

  private closeOpen(): boolean {
    const open = this.open;
    if (!open) return false;
    if (open.parts.length === 0) {
      this.segments.pop();
      return false;
    }
    open.bytes = Buffer.concat(open.parts.map((p) => p.bytes));
    this.trim();
    return true;
  }

  /** Drops segments past the window, and parts of segments too old to list them. */
  private trim(): void {
    const closed = this.segments.filter((s) => s.bytes !== null);
    let drop = closed.length - this.o.windowSegments;
    // RFC 8216, 6.2.2: removing a segment's EXT-X-DISCONTINUITY increments the sequence.
    while (drop-- > 0) if (this.segments.shift()!.discontinuity) this.discontinuitySequence++;
    closed.forEach((s, i) => {
      const behind = closed.length - i;
      if (behind > SEGMENTS_LISTING_PARTS) s.partsListed = false;
      if (behind > SEGMENTS_LISTING_PARTS + 1) s.parts = [];
    });
    const used = new Set(this.segments.map((s) => s.initId));
    for (const id of this.inits.keys()) if (!used.has(id) && id !== this.runInitId) this.inits.delete(id);
  }
}
