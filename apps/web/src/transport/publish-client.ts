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

export type ClientState = 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'stopped' | 'error';

export interface PublishClientOptions {
  url: string;
  key: string;
  audio: { sampleRate: number; numberOfChannels: number } | null;
  reconnect: ReconnectPolicy;
  /** Above this many buffered bytes, chunks are refused (the encoder drops and asks for a keyframe). */
  maxBufferedBytes: number;
}

export interface PublishClientEvents {
  state(state: ClientState, detail: { attempt: number; error: ErrorPayload | null }): void;
  /** (Re)connected: the next video chunk must be a keyframe and carry its config. */
  welcome(info: { streamId: string; watchUrl: string; hlsUrl: string; resumed: boolean }): void;
  keyframeRequest(reason: string): void;
  /** The relay is behind: send at most this video bitrate. */
  congestion(suggestedBitrate: number, reason: string): void;
  destinationStatus(destinations: DestinationStatus[]): void;
  /** Something to tell the broadcaster that does not stop the broadcast. */
  notice(message: string): void;
  /** The relay is short of CPU: step down one quality level. */
  qualityRequest(reason: string): void;
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
]);

export class PublishClient {
  state: ClientState = 'connecting';
  streamId: string | null = null;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private lastError: ErrorPayload | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private endedResolve: (() => void) | null = null;

  constructor(private o: PublishClientOptions, private events: PublishClientEvents) {}

  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** True when a chunk sent now would go out (live and the socket buffer has room). */
  get canSend(): boolean {
    return this.state === 'live' && this.ws !== null && this.ws.bufferedAmount < this.o.maxBufferedBytes;
  }

  connect(): void {
    this.open();
  }

  /** Sends a control message if live (dropped otherwise: the caller re-sends on welcome). */
  sendControl(message: DestinationsMessage | StatsMessage): void {
    if (this.state === 'live' && this.ws) this.ws.send(encodeMessage(message));
  }

  send(chunk: ChunkMessage): boolean {
    if (!this.canSend) return false;
    this.ws!.send(encodeMessage(chunk));
    return true;
  }

  /** Sends stop and waits (bounded) for the relay to confirm the playlist ended. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (this.state !== 'live' || !ws) {
      this.setState('stopped');
      ws?.close(1000);
      return;
    }
    this.setState('stopping');
    const ended = new Promise<void>((resolve) => (this.endedResolve = resolve));
    ws.send(encodeMessage({ type: 'stop' }));
    await Promise.race([ended, new Promise((r) => setTimeout(r, timeoutMs))]);
    ws.close(1000);
    this.setState('stopped');
  }

  private open(): void {
    const ws = new WebSocket(this.o.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      ws.send(
        encodeMessage({
          type: 'hello',
          version: PROTOCOL_VERSION,
          key: this.o.key,
          ...(this.streamId ? { resume: this.streamId } : {}),
          video: { codec: 'avc' },
          audio: this.o.audio ? { codec: 'opus', ...this.o.audio } : null,
        }),
      );
    };
    ws.onmessage = (ev) => {
      let msg: RelayMessage;
      try {
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
        this.lastError = null;
        this.setState('live');
        this.events.welcome(msg);
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
      case 'quality-request':
        this.events.qualityRequest(msg.reason);
        return;
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
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
    if (this.attempt > this.o.reconnect.attempts) {
      this.fail({
        code: 'connection-failed',
        message: `Lost the connection to the relay and ${this.o.reconnect.attempts} reconnect attempts failed (last: ${error.message}).`,
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
