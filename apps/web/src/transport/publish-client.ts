/**
 * The publisher's socket to the relay: hello/welcome, chunk sending with a bounded socket buffer,
 * stop/ended, and reconnection with jittered delay that resumes the same stream id.
 * No permessage-deflate: browsers compress every message once it is negotiated, and encoded
 * media does not shrink (docs/performance.md has the measurement).
 */
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  TabcastError,
  decodeRelayMessage,
  encodeMessage,
  errorCodeForClose,
  type ChunkMessage,
  type DestinationStatus,
  type DestinationsMessage,
  type ErrorPayload,
  type RelayMessage,
  type StatsMessage,
} from '@tabcast/shared';
import type { ReconnectPolicy } from '../encoder/worker-api.ts';
import { LINK_WATCHDOG_DEFAULTS, LinkWatchdog } from './link-watchdog.ts';
import { RetainedCopy } from './retained-copy.ts';

export type ClientState = 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'stopped' | 'error';

export interface PublishClientOptions {
  url: string;
  key: string;
  audio: { sampleRate: number; numberOfChannels: number } | null;
  reconnect: ReconnectPolicy;
  /** Above this many buffered bytes, chunks are refused (the encoder drops and asks for a keyframe). */
  maxBufferedBytes: number;
  /**
   * The same bound in time: once the oldest unsent message has waited this long, chunks are
   * refused. At a screen share's 0.5 Mbps the byte bound alone would allow 8 s of backlog.
   */
  maxBacklogMs: number;
  /** Whether to list the stream publicly (`hello.listed`); sent only when true. */
  listed?: boolean;
  /** A link silent or stuck this long is dropped and reconnected, ms (relays that send heartbeats only). */
  deadLinkMs?: number;
  /** `hello.record`: false asks the relay not to record this broadcast. Default true. */
  record?: boolean;
  /**
   * How much media the studio keeps for the relay's recording until it is acknowledged, ms (the
   * studio's setting is in minutes); 0 keeps nothing (no backfill). The copy is bounded in bytes too.
   */
  retainMs?: number;
}

/** Bytes the retained copy holds at most, whatever its time bound (about 13 min of 2.5 Mbps). */
const RETAIN_MAX_BYTES = 256 * 1024 * 1024;
/** Backfill goes out only while the socket holds less than this share of its bounds: live comes first. */
const BACKFILL_SHARE = 0.25;
const BACKFILL_TICK_MS = 50;
/** On stop, backfill still to send may delay the `stop` message this long at most, ms. */
const BACKFILL_FLUSH_LIMIT_MS = 10_000;

export interface PublishClientEvents {
  state(state: ClientState, detail: { attempt: number; error: ErrorPayload | null }): void;
  /** (Re)connected: the next video chunk must be a keyframe and carry its config. */
  welcome(info: { streamId: string; watchUrl: string; hlsUrl: string; resumed: boolean; recording?: boolean }): void;
  keyframeRequest(reason: string): void;
  /** The relay is behind: send at most this video bitrate. */
  congestion(suggestedBitrate: number, reason: string): void;
  destinationStatus(destinations: DestinationStatus[]): void;
  /** Something to tell the broadcaster that does not stop the broadcast. */
  notice(message: string): void;
  /** The relay is short of CPU: step down one quality level. */
  qualityRequest(reason: string): void;
  /** Whether the relay records the broadcast now; `reason` in words when it does not. */
  recording(recording: boolean, reason: string | null): void;
}

/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSE = new Set<number>([
  CLOSE_CODES.unauthorized,
  CLOSE_CODES['unsupported-version'],
  CLOSE_CODES['bad-message'],
  CLOSE_CODES['stream-busy'],
  CLOSE_CODES['stream-not-found'],
  CLOSE_CODES['out-of-order'],
  CLOSE_CODES['message-too-large'],
  CLOSE_CODES['output-failed'],
  CLOSE_CODES['disk-full'], // the relay's disk is full: the reason says so; retrying at once cannot help
]);

export class PublishClient {
  state: ClientState = 'connecting';
  streamId: string | null = null;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private lastError: ErrorPayload | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private endedResolve: (() => void) | null = null;
  /** Watches the live link (see LinkWatchdog); null before a welcome that announces heartbeats. */
  private watchdog: LinkWatchdog | null = null;
  private watchdogTimer: ReturnType<typeof setInterval> | null = null;
  /** The relay's reconnect grace from its welcome, ms: reconnecting goes on at least this long. */
  private graceMs = 0;
  /** When the link was lost (performance.now()), while reconnecting. */
  private lostAtMs: number | null = null;

  /** What the relay has not recorded yet (protocol 3); see RetainedCopy. */
  readonly retained: RetainedCopy;
  /** Connections opened so far: acks and chunk numbers belong to one. */
  private connection = 0;
  /** Chunk messages written on the current connection (the numbers `ack` counts). */
  private chunksSent = 0;
  private backfillTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private o: PublishClientOptions, private events: PublishClientEvents) {
    this.retained = new RetainedCopy({ retainMs: o.retainMs ?? 0, maxBytes: RETAIN_MAX_BYTES });
    this.retained.enabled = (o.retainMs ?? 0) > 0 && o.record !== false;
  }

  /** Whether chunks that cannot go out now will be backfilled later (live or reconnecting, recording on). */
  get retaining(): boolean {
    return this.retained.enabled && (this.state === 'live' || this.state === 'reconnecting');
  }

  /** The encoder hands over every chunk it made, sent or not, for the recording's backfill. */
  keep(chunk: ChunkMessage): void {
    this.retained.keep(chunk);
  }

  /** Kept chunks this connection has not sent (yet): what the backfill still has to send. */
  get backfillLeft(): number {
    return this.backfillTimer ? this.retained.pending(this.connection).length : 0;
  }

  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Messages handed to the socket: where each ends in the byte count, and when it was queued. */
  private queued: { endBytes: number; atMs: number }[] = [];
  private queuedBytes = 0;

  /** How long the oldest message still unsent has waited, ms (0 when nothing waits). */
  get backlogMs(): number {
    if (!this.ws) return 0;
    const sentUpTo = this.queuedBytes - this.ws.bufferedAmount;
    while (this.queued.length && this.queued[0]!.endBytes <= sentUpTo) this.queued.shift();
    return this.queued.length ? performance.now() - this.queued[0]!.atMs : 0;
  }

  /** True when a chunk sent now would go out (live, and the socket buffer has room in bytes and in time). */
  get canSend(): boolean {
    return this.state === 'live' && this.ws !== null && this.ws.bufferedAmount < this.o.maxBufferedBytes && this.backlogMs < this.o.maxBacklogMs;
  }

  private write(bytes: Uint8Array): void {
    this.ws!.send(bytes);
    this.queuedBytes += bytes.byteLength;
    this.queued.push({ endBytes: this.queuedBytes, atMs: performance.now() });
    // Bounded: with the byte bound in force this holds a few hundred entries at most.
    if (this.queued.length > 10_000) this.queued.shift();
  }

  connect(): void {
    this.open();
  }

  /** Sends a control message if live (dropped otherwise: the caller re-sends on welcome). */
  sendControl(message: DestinationsMessage | StatsMessage): void {
    if (this.state === 'live' && this.ws) this.write(encodeMessage(message));
  }

  send(chunk: ChunkMessage): boolean {
    if (!this.canSend) return false;
    this.writeChunk(chunk);
    return true;
  }

  private writeChunk(chunk: ChunkMessage): void {
    this.write(encodeMessage(chunk));
    this.retained.sent(chunk, this.connection, ++this.chunksSent);
  }

  /**
   * While the relay records: re-sends, marked backfill and behind live chunks, every kept chunk this
   * connection has not sent. After a resume that is what the relay never acknowledged and the whole
   * outage; later, the deltas skipped while live waited for a keyframe, and chunks a full socket
   * refused. Keep and send happen in one encoder callback, so what is unsent at a tick is unsent.
   */
  private startBackfill(): void {
    if (this.backfillTimer) return;
    this.backfillTimer = setInterval(() => {
      const ws = this.ws;
      if (this.state !== 'live' || !ws || !this.retained.enabled) return;
      if (ws.bufferedAmount >= this.o.maxBufferedBytes * BACKFILL_SHARE || this.backlogMs >= this.o.maxBacklogMs * BACKFILL_SHARE) return;
      for (const chunk of this.retained.pending(this.connection)) {
        this.writeChunk({ ...chunk, backfill: true });
        if (ws.bufferedAmount >= this.o.maxBufferedBytes * BACKFILL_SHARE || this.backlogMs >= this.o.maxBacklogMs * BACKFILL_SHARE) break;
      }
    }, BACKFILL_TICK_MS);
  }

  private stopBackfill(): void {
    if (this.backfillTimer) clearInterval(this.backfillTimer);
    this.backfillTimer = null;
  }

  /**
   * The page is going away (pagehide): send `stop` now, synchronously, best effort, so viewers see
   * the broadcast end instead of waiting out the relay's reconnect grace.
   */
  stopNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopBackfill();
    this.stopWatchdog();
    const ws = this.ws;
    if (this.state === 'live' && ws && ws.readyState === WebSocket.OPEN) this.write(encodeMessage({ type: 'stop' }));
    this.setState('stopping');
  }

  /** Sends stop and waits (bounded) for the relay to confirm the playlist ended. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopWatchdog();
    const ws = this.ws;
    if (this.state !== 'live' || !ws) {
      this.setState('stopped');
      ws?.close(1000);
      return;
    }
    // What the recording still lacks goes out first (bounded): after `stop` the relay takes no more.
    const flushUntil = performance.now() + BACKFILL_FLUSH_LIMIT_MS;
    while (this.backfillLeft > 0 && this.state === 'live' && performance.now() < flushUntil) await new Promise((r) => setTimeout(r, BACKFILL_TICK_MS));
    this.stopBackfill();
    if (this.state !== 'live' || this.ws !== ws) {
      // The link died meanwhile: no reconnect after a stop.
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.setState('stopped');
      ws.close(1000);
      return;
    }
    this.setState('stopping');
    const ended = new Promise<void>((resolve) => (this.endedResolve = resolve));
    this.write(encodeMessage({ type: 'stop' }));
    await Promise.race([ended, new Promise((r) => setTimeout(r, timeoutMs))]);
    ws.close(1000);
    this.setState('stopped');
  }

  private open(): void {
    const ws = new WebSocket(this.o.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.queued = [];
    this.queuedBytes = 0;
    this.connection++;
    this.chunksSent = 0;
    this.stopBackfill();
    ws.onopen = () => {
      this.write(
        encodeMessage({
          type: 'hello',
          version: PROTOCOL_VERSION,
          key: this.o.key,
          ...(this.streamId ? { resume: this.streamId } : {}),
          video: { codec: 'avc' },
          audio: this.o.audio ? { codec: 'opus', ...this.o.audio } : null,
          ...(this.o.listed ? { listed: true } : {}),
          ...(this.o.record === false ? { record: false } : {}),
        }),
      );
    };
    ws.onmessage = (ev) => {
      let msg: RelayMessage;
      try {
        this.watchdog?.heard();
        msg = decodeRelayMessage(new Uint8Array(ev.data as ArrayBuffer));
      } catch (err) {
        this.lastError = TabcastError.wrap(err).toPayload();
        return;
      }
      this.onMessage(msg);
    };
    ws.onclose = (ev) => this.onClose(ws, ev.code, ev.reason);
  }

  private onMessage(msg: RelayMessage): void {
    switch (msg.type) {
      case 'welcome':
        this.streamId = msg.streamId;
        this.attempt = 0;
        this.lostAtMs = null;
        this.lastError = null;
        this.graceMs = msg.reconnectGraceMs ?? 0;
        if (msg.heartbeatMs) this.startWatchdog();
        this.setState('live');
        this.events.welcome(msg);
        if (!msg.recording) {
          this.retained.enabled = false;
          this.retained.clear();
        } else {
          // A new stream: chunks from before it are not part of it.
          if (!msg.resumed) this.retained.clear();
          this.startBackfill();
        }
        return;
      case 'ack':
        this.retained.ack(this.connection, msg.chunks);
        return;
      case 'recording-status':
        if (!msg.recording) {
          this.retained.enabled = false;
          this.retained.clear();
          this.stopBackfill();
        }
        this.events.recording(msg.recording, msg.reason);
        return;
      case 'keyframe-request':
        this.events.keyframeRequest(msg.reason);
        return;
      case 'congestion':
        this.events.congestion(msg.suggestedBitrate, msg.reason);
        return;
      case 'destination-status':
        this.events.destinationStatus(msg.destinations);
        return;
      case 'error':
        // A non-fatal error (e.g. a destination list refused) is news, not the end of the broadcast.
        if (!msg.fatal) return this.events.notice(msg.message);
        this.lastError = { code: msg.code, message: msg.message, fatal: msg.fatal };
        return;
      case 'ended':
        this.endedResolve?.();
        return;
      case 'heartbeat':
        return; // heard (above): the link is alive
      case 'quality-request':
        this.events.qualityRequest(msg.reason);
        return;
    }
  }

  private startWatchdog(): void {
    this.stopWatchdog();
    const watchdog = new LinkWatchdog(this.o.deadLinkMs ?? LINK_WATCHDOG_DEFAULTS.deadAfterMs);
    this.watchdog = watchdog;
    this.watchdogTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || this.state !== 'live') return;
      const reason = watchdog.check(this.queuedBytes - ws.bufferedAmount, ws.bufferedAmount);
      if (reason) this.dropDeadLink(ws, reason);
    }, LINK_WATCHDOG_DEFAULTS.checkIntervalMs);
  }

  private stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
    this.watchdog = null;
  }

  /**
   * A dead link raises nothing by itself, and its close handshake could hang as long: let go of the
   * socket at once and reconnect.
   */
  private dropDeadLink(ws: WebSocket, reason: string): void {
    this.stopWatchdog();
    ws.onclose = null;
    ws.onmessage = null;
    ws.close(4000, 'dead link');
    this.ws = null;
    this.scheduleReconnect({ code: 'connection-failed', message: `the connection looks dead: ${reason}`, fatal: false });
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.stopBackfill();
    this.stopWatchdog();
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.endedResolve?.();
      this.setState('stopped');
      return;
    }
    if (code === 1000 && this.lastError === null) {
      // The relay ended the stream normally (e.g. it was replaced).
      this.setState('stopped');
      return;
    }
    const neverLive = this.streamId === null;
    if (neverLive && code === 1006 && this.lastError === null) {
      this.fail({ code: 'connection-failed', message: `Could not reach the relay at ${this.o.url}. Is it running?`, fatal: true });
      return;
    }
    const error = this.lastError ?? describeClose(code, reason);
    // Refusals (bad key, busy, ...) and failures before the first welcome are not worth retrying.
    if (FATAL_CLOSE.has(code) || neverLive) {
      this.fail(error);
      return;
    }
    this.scheduleReconnect(error);
  }

  private scheduleReconnect(error: ErrorPayload): void {
    this.attempt++;
    this.lostAtMs ??= performance.now();
    // The relay keeps the stream for its grace period: give up only once both the attempts and
    // that period are spent (a resume after it would be refused anyway).
    const lostForMs = performance.now() - this.lostAtMs;
    if (this.attempt > this.o.reconnect.attempts && lostForMs >= this.graceMs) {
      this.fail({
        code: 'connection-failed',
        message: `Lost the connection to the relay and ${this.attempt - 1} reconnect attempts over ${Math.round(lostForMs / 1000)} s failed (last: ${error.message}).`,
        fatal: true,
      });
      return;
    }
    this.lastError = null;
    this.setState('reconnecting', error);
    const delay = this.o.reconnect.delayMs * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private fail(error: ErrorPayload): void {
    this.lastError = error;
    this.setState('error', error);
  }

  private setState(state: ClientState, error: ErrorPayload | null = null): void {
    this.state = state;
    this.events.state(state, { attempt: this.attempt, error });
  }
}

function describeClose(code: number, reason: string): ErrorPayload {
  const known = errorCodeForClose(code);
  if (known) return { code: known, message: reason || known, fatal: true };
  if (code === 1006) return { code: 'connection-failed', message: 'the connection dropped', fatal: false };
  return { code: 'connection-failed', message: reason || `the relay closed the connection (code ${code})`, fatal: false };
}
