/**
 * Real-time fan-out: the publisher's chunk messages go to every viewer socket byte for byte (the
 * same Buffer for all of them), and the current GOP is cached so a viewer who joins starts at the
 * last keyframe at once. Each viewer has a budget counted in media time: one that falls more than
 * `maxViewerLagMs` behind skips to the next keyframe and is told so; one that keeps falling
 * behind is sent to HLS.
 *
 * How far behind a viewer is comes from its `viewer-report`s (the newest chunk it has taken off its
 * socket), so bytes sitting in kernel buffers count too: on loopback those hold megabytes, which at
 * a screen share's 0.5 Mbps is over a minute that `bufferedAmount` never sees. A viewer that does
 * not report is held to its unsent bytes at the stream's bitrate over the same time.
 */
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { CLOSE_CODES, LIMITS, decodeViewerClientMessage, encodeMessage, type AudioConfig, type ViewerMessage, type VideoConfig } from '@tabcast/shared';
import { metrics } from '../metrics/registry.ts';
import type { Logger } from '../util/logger.ts';
import { binaryFrame, rawSocket } from './ws-frame.ts';

export interface FanOutOptions {
  /** Media time a viewer may be behind before it skips to the next keyframe, ms. Default 1000 (TABCAST_VIEWER_MAX_LAG_MS). */
  maxViewerLagMs: number;
  /** Unsent bytes always allowed whatever the bitrate (a keyframe of a still screen is bigger than its second). Default 256 KiB. */
  minViewerBufferedBytes: number;
  /** Skips within `slowWindowMs` after which a viewer is sent to HLS. Default 3 in 30 s. */
  maxSkips: number;
  slowWindowMs: number;
  /** Largest GOP kept for joining viewers; a longer GOP is not cached (joiners wait for the next keyframe). Default 8 MiB. */
  maxGopCacheBytes: number;
}

export const FAN_OUT_DEFAULTS: FanOutOptions = Object.freeze({ maxViewerLagMs: 1_000, minViewerBufferedBytes: 256 << 10, maxSkips: 3, slowWindowMs: 30_000, maxGopCacheBytes: 8 << 20 });

/** The window over which the stream's bitrate is measured for the byte budget, ms. */
const BITRATE_WINDOW_MS = 2_000;

interface Viewer {
  ws: WebSocket;
  socket: Socket | null;
  waitingForKey: boolean;
  skips: number[];
  /** Bytes of cached GOP handed over at join: allowed on top of the budget until they are gone. */
  joinBacklog: number;
  /** Timestamp of the newest video chunk sent to this viewer, µs. */
  sentTs: number;
  /** The newest video timestamp the viewer says it has, µs; null until it reports. */
  reportedTs: number | null;
  /** The time budget applies once the viewer has what was sent up to here (the replay at join, the keyframe after a skip). */
  checkFromTs: number;
  reports: { windowStart: number; count: number };
  /** When the viewer joined (performance.now() ms), until its first video frame goes out. */
  joinedAt: number | null;
}

export type SkipReason = 'lag' | 'bytes';

/** Marks the end of the cached GOP: what follows is live. The same bytes for every joiner. */
const LIVE_MESSAGE = Buffer.from(encodeMessage({ type: 'live' }));

export class FanOut {
  private viewers = new Set<Viewer>();
  private gop: Buffer[] = [];
  private gopBytes = 0;
  private gopValid = false;
  private gopNewestTs = 0;
  private configMessage: Buffer | null = null;
  private recent: { at: number; bytes: number }[] = [];
  private recentBytes = 0;
  /** Chunks sent to viewers, and chunks a viewer skipped (counters for stats and tests). */
  sent = 0;
  skipped = 0;
  readonly skipsByReason: Record<SkipReason, number> = { lag: 0, bytes: 0 };
  /** Bytes written to viewer sockets (media frames), a counter for metrics. */
  bytesSent = 0;

  constructor(
    private log: Logger,
    private o: FanOutOptions = FAN_OUT_DEFAULTS,
    /** A viewer waits for a keyframe to resync (the session passes at most one request a second on). */
    private keyframeNeeded: (reason: string) => void = () => undefined,
  ) {}

  get viewerCount(): number {
    return this.viewers.size;
  }

  /**
   * What is queued towards the viewers now: the most unsent bytes on any socket, and the most media
   * time between the newest chunk sent and what a viewer last reported it had (ms).
   */
  backlog(): { viewers: number; maxUnsentBytes: number; maxBehindMs: number } {
    let maxUnsentBytes = 0;
    let maxBehindMs = 0;
    for (const v of this.viewers) {
      maxUnsentBytes = Math.max(maxUnsentBytes, v.ws.bufferedAmount);
      if (v.reportedTs !== null) maxBehindMs = Math.max(maxBehindMs, (v.sentTs - v.reportedTs) / 1000);
    }
    return { viewers: this.viewers.size, maxUnsentBytes, maxBehindMs: Math.round(maxBehindMs) };
  }

  /** Bytes of the GOP cached for joiners. */
  get cachedBytes(): number {
    return this.gopBytes;
  }

  /**
   * Frees the GOP cache (the relay is short of memory). Joiners then wait for the next keyframe;
   * the cache refills from it. Returns the bytes freed.
   */
  dropCache(): number {
    const freed = this.gopBytes;
    this.gop = [];
    this.gopBytes = 0;
    this.gopValid = false;
    return freed;
  }

  /** The codec configuration changed (or became known): tell every viewer, and every joiner first. */
  setConfig(video: VideoConfig, audio: AudioConfig | null): void {
    const msg: ViewerMessage = { type: 'stream-config', video, audio };
    this.configMessage = Buffer.from(encodeMessage(msg));
    for (const v of this.viewers) this.sendRaw(v, this.configMessage);
  }

  /** Sockets corked in this tick: writes of one tick (video + audio) leave in one syscall. */
  private corked = new Set<Socket>();

  /** Bytes a viewer may have unsent: the stream's bitrate over the lag budget, at least the floor. */
  private byteBudget(): number {
    return Math.max(this.o.minViewerBufferedBytes, (this.recentBytes * this.o.maxViewerLagMs) / BITRATE_WINDOW_MS);
  }

  private measure(bytes: number): void {
    const now = Date.now();
    this.recent.push({ at: now, bytes });
    this.recentBytes += bytes;
    while (this.recent.length && now - this.recent[0]!.at > BITRATE_WINDOW_MS) this.recentBytes -= this.recent.shift()!.bytes;
  }

  /** One validated chunk, as the publisher's raw message bytes, with its timestamp (µs). */
  chunk(raw: Buffer, track: 'video' | 'audio', key: boolean, timestampUs: number): void {
    this.measure(raw.byteLength);
    const isKey = track === 'video' && key;
    if (isKey) {
      this.gop = [];
      this.gopBytes = 0;
      this.gopValid = true;
    }
    if (this.gopValid) {
      this.gop.push(raw);
      this.gopBytes += raw.byteLength;
      if (track === 'video') this.gopNewestTs = timestampUs;
      if (this.gopBytes > this.o.maxGopCacheBytes) {
        this.gop = [];
        this.gopBytes = 0;
        this.gopValid = false;
      }
    }
    if (this.viewers.size === 0) return;
    // Framed once for every viewer: the same bytes go to each socket.
    const frame = binaryFrame(raw);
    const budget = this.byteBudget();
    const lagBudgetUs = this.o.maxViewerLagMs * 1000;
    for (const v of this.viewers) {
      if (v.waitingForKey) {
        if (!isKey) continue;
        v.waitingForKey = false;
        v.checkFromTs = timestampUs;
        this.firstFrame(v);
      }
      if (v.ws.bufferedAmount > budget + v.joinBacklog) {
        this.fellBehind(v, 'bytes');
        continue;
      }
      if (v.reportedTs !== null && v.reportedTs >= v.checkFromTs && track === 'video' && timestampUs - v.reportedTs > lagBudgetUs) {
        this.fellBehind(v, 'lag');
        continue;
      }
      if (v.joinBacklog && v.ws.bufferedAmount <= budget) v.joinBacklog = 0; // caught up
      if (track === 'video') v.sentTs = timestampUs;
      this.sendFrame(v, frame, raw);
      this.sent++;
      this.bytesSent += frame.byteLength;
    }
  }

  private sendFrame(v: Viewer, frame: Buffer, raw: Buffer): void {
    if (v.ws.readyState !== v.ws.OPEN) return;
    if (!v.socket) return void v.ws.send(raw, { binary: true });
    if (!this.corked.has(v.socket)) {
      if (this.corked.size === 0) setImmediate(() => this.uncorkAll());
      v.socket.cork();
      this.corked.add(v.socket);
    }
    v.socket.write(frame);
  }

  private uncorkAll(): void {
    for (const s of this.corked) s.uncork();
    this.corked.clear();
  }

  /**
   * A new viewer: configuration, then the cached GOP (so the first frame shows at once), then a
   * `live` marker, then live chunks. The viewer's reports come in on the same socket.
   */
  join(ws: WebSocket): void {
    const v: Viewer = { ws, socket: rawSocket(ws), waitingForKey: true, skips: [], joinBacklog: 0, sentTs: 0, reportedTs: null, checkFromTs: Number.MAX_SAFE_INTEGER, reports: { windowStart: 0, count: 0 }, joinedAt: performance.now() };
    this.viewers.add(v);
    ws.once('close', () => this.viewers.delete(v));
    ws.on('message', (data, isBinary) => this.onViewerMessage(v, data, isBinary));
    if (this.configMessage) this.sendRaw(v, this.configMessage);
    if (this.gopValid && this.configMessage) {
      for (const raw of this.gop) this.sendRaw(v, raw);
      v.waitingForKey = false;
      v.joinBacklog = this.gopBytes;
      v.sentTs = this.gopNewestTs;
      v.checkFromTs = this.gopNewestTs;
      this.bytesSent += this.gopBytes;
      this.firstFrame(v);
    }
    this.sendRaw(v, LIVE_MESSAGE);
  }

  /** A viewer's `viewer-report`; anything else, or too many, closes its socket (docs/protocol.md). */
  private onViewerMessage(v: Viewer, data: RawData, isBinary: boolean): void {
    const now = Date.now();
    if (now - v.reports.windowStart >= 1000) v.reports = { windowStart: now, count: 0 };
    if (++v.reports.count > LIMITS.maxViewerReportsPerSecond) return this.refuse(v, `more than ${LIMITS.maxViewerReportsPerSecond} reports a second`);
    if (!isBinary || !Buffer.isBuffer(data)) return this.refuse(v, 'viewers send only binary viewer-report messages');
    let report;
    try {
      report = decodeViewerClientMessage(data);
    } catch (err) {
      return this.refuse(v, (err as Error).message);
    }
    v.reportedTs = Math.max(v.reportedTs ?? 0, report.receivedTs);
    if (report.keyframe) this.keyframeNeeded('a real-time viewer is waiting for a keyframe');
  }

  private refuse(v: Viewer, reason: string): void {
    this.viewers.delete(v);
    v.ws.close(CLOSE_CODES['bad-message'], reason.slice(0, 120));
  }

  /**
   * The stream is over: tell every viewer and close. On a relay shutdown the stream may resume
   * after the restart, so viewers are only told the relay is going away (1001) and reconnect.
   */
  end(shuttingDown = false): void {
    const bye = Buffer.from(encodeMessage({ type: 'stream-ended' }));
    for (const v of this.viewers) {
      if (shuttingDown) v.ws.close(1001, 'relay restarting');
      else {
        this.sendRaw(v, bye);
        v.ws.close(1000, 'stream ended');
      }
    }
    this.viewers.clear();
    // An ended stream stays listed for a while: do not keep its last GOP in memory meanwhile.
    this.gop = [];
    this.gopBytes = 0;
    this.gopValid = false;
  }

  /** The viewer's first video frame went out: its time to first frame, as the relay sees it. */
  private firstFrame(v: Viewer): void {
    if (v.joinedAt === null) return;
    metrics.realtimeTimeToFirstFrame.observe((performance.now() - v.joinedAt) / 1000);
    v.joinedAt = null;
  }

  private fellBehind(v: Viewer, reason: SkipReason): void {
    const now = Date.now();
    v.skips = v.skips.filter((t) => now - t < this.o.slowWindowMs);
    v.skips.push(now);
    v.waitingForKey = true;
    this.skipped++;
    this.skipsByReason[reason]++;
    if (v.skips.length >= this.o.maxSkips) {
      this.log.info('viewer too slow for real time; sent to HLS', { skips: v.skips.length, reason });
      const message = 'your connection cannot keep up with real time; switching to HLS';
      this.sendRaw(v, Buffer.from(encodeMessage({ type: 'error', code: 'viewer-too-slow', message, fatal: true })));
      v.ws.close(CLOSE_CODES['viewer-too-slow'], message);
      this.viewers.delete(v);
      return;
    }
    const behind = reason === 'lag' ? `more than ${this.o.maxViewerLagMs} ms behind` : 'too much data unsent';
    this.sendRaw(v, Buffer.from(encodeMessage({ type: 'skipped', reason: `you fell behind (${behind}); skipping to the next keyframe` })));
    this.keyframeNeeded('a real-time viewer skipped to the next keyframe');
  }

  private sendRaw(v: Viewer, raw: Buffer): void {
    if (v.ws.readyState === v.ws.OPEN) v.ws.send(raw, { binary: true });
  }
}
