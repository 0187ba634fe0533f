/**
 * Real-time fan-out: the publisher's chunk messages go to every viewer socket byte for byte (the
 * same Buffer for all of them), and the current GOP is cached so a viewer who joins starts at the
 * last keyframe at once. Each viewer has a send budget (`bufferedAmount`): one that falls behind
 * skips to the next keyframe and is told so; one that keeps falling behind is sent to HLS.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { CLOSE_CODES, encodeMessage, type AudioConfig, type ViewerMessage, type VideoConfig } from '@tabcast/shared';
import { metrics } from '../metrics/registry.ts';
import type { Logger } from '../util/logger.ts';
import { binaryFrame, rawSocket } from './ws-frame.ts';

export interface FanOutOptions {
  /** Bytes a viewer may have unsent before it skips to the next keyframe. Default 1 MiB (~3 s at 2.5 Mbps). */
  maxViewerBufferedBytes: number;
  /** Skips within `slowWindowMs` after which a viewer is sent to HLS. Default 3 in 30 s. */
  maxSkips: number;
  slowWindowMs: number;
  /** Largest GOP kept for joining viewers; a longer GOP is not cached (joiners wait for the next keyframe). Default 8 MiB. */
  maxGopCacheBytes: number;
}

export const FAN_OUT_DEFAULTS: FanOutOptions = Object.freeze({ maxViewerBufferedBytes: 1 << 20, maxSkips: 3, slowWindowMs: 30_000, maxGopCacheBytes: 8 << 20 });

interface Viewer {
  ws: WebSocket;
  socket: Socket | null;
  waitingForKey: boolean;
  skips: number[];
  /** Bytes of cached GOP handed over at join: allowed on top of the budget until they are gone. */
  joinBacklog: number;
  /** When the viewer joined (performance.now() ms), until its first video frame goes out. */
  joinedAt: number | null;
}

/** Marks the end of the cached GOP: what follows is live. The same bytes for every joiner. */
const LIVE_MESSAGE = Buffer.from(encodeMessage({ type: 'live' }));

export class FanOut {
  private viewers = new Set<Viewer>();
  private gop: Buffer[] = [];
  private gopBytes = 0;
  private gopValid = false;
  private configMessage: Buffer | null = null;
  /** Chunks sent to viewers, and chunks a viewer skipped (counters for stats and tests). */
  sent = 0;
  skipped = 0;
  /** Bytes written to viewer sockets (media frames), a counter for metrics. */
  bytesSent = 0;

  constructor(private log: Logger, private o: FanOutOptions = FAN_OUT_DEFAULTS) {}

  get viewerCount(): number {
    return this.viewers.size;
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

  /** One validated chunk, as the publisher's raw message bytes. */
  chunk(raw: Buffer, track: 'video' | 'audio', key: boolean): void {

    const isKey = track === 'video' && key;
    if (isKey) {
      this.gop = [];
      this.gopBytes = 0;
      this.gopValid = true;
    }
    if (this.gopValid) {
      this.gop.push(raw);
      this.gopBytes += raw.byteLength;
      if (this.gopBytes > this.o.maxGopCacheBytes) {
        this.gop = [];
        this.gopBytes = 0;
        this.gopValid = false;
      }
    }
    if (this.viewers.size === 0) return;
    // Framed once for every viewer: the same bytes go to each socket.
    const frame = binaryFrame(raw);
    for (const v of this.viewers) {
      if (v.waitingForKey) {
        if (!isKey) continue;
        v.waitingForKey = false;
        this.firstFrame(v);
      }
      if (v.ws.bufferedAmount > this.o.maxViewerBufferedBytes + v.joinBacklog) {
        this.fellBehind(v);
        continue;
      }
      if (v.joinBacklog && v.ws.bufferedAmount <= this.o.maxViewerBufferedBytes) v.joinBacklog = 0; // caught up
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
   * `live` marker, then live chunks.
   */
  join(ws: WebSocket): void {
    const v: Viewer = { ws, socket: rawSocket(ws), waitingForKey: true, skips: [], joinBacklog: 0, joinedAt: performance.now() };
    this.viewers.add(v);
    ws.once('close', () => this.viewers.delete(v));
    if (this.configMessage) this.sendRaw(v, this.configMessage);
    if (this.gopValid && this.configMessage) {
      for (const raw of this.gop) this.sendRaw(v, raw);
      v.waitingForKey = false;
      v.joinBacklog = this.gopBytes;
      this.bytesSent += this.gopBytes;
      this.firstFrame(v);
    }
    this.sendRaw(v, LIVE_MESSAGE);
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

  private fellBehind(v: Viewer): void {
    const now = Date.now();
    v.skips = v.skips.filter((t) => now - t < this.o.slowWindowMs);
    v.skips.push(now);
    v.waitingForKey = true;
    this.skipped++;
    if (v.skips.length >= this.o.maxSkips) {
      this.log.info('viewer too slow for real time; sent to HLS', { skips: v.skips.length });
      const reason = 'your connection cannot keep up with real time; switching to HLS';
      this.sendRaw(v, Buffer.from(encodeMessage({ type: 'error', code: 'viewer-too-slow', message: reason, fatal: true })));
      v.ws.close(CLOSE_CODES['viewer-too-slow'], reason);
      this.viewers.delete(v);
      return;
    }
    this.sendRaw(v, Buffer.from(encodeMessage({ type: 'skipped', reason: 'you fell behind; skipping to the next keyframe' })));
  }

  private sendRaw(v: Viewer, raw: Buffer): void {
    if (v.ws.readyState === v.ws.OPEN) v.ws.send(raw, { binary: true });
  }
}
