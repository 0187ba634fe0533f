/**
 * The publish socket (`/ws/publish`): hello with stream key → welcome → chunks → stop.
 * permessage-deflate is off here: H.264 and Opus do not compress (docs/performance.md).
 */
import { unpack } from 'msgpackr';
import type { WebSocket } from 'ws';
import {
  CLOSE_CODES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  TabcastError,
  decodePublisherMessage,
  encodeMessage,
  type HelloMessage,
  type RelayMessage,
} from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import type { AuthGate } from '../keys/auth-gate.ts';
import type { StreamRegistry } from '../streams/stream-registry.ts';
import type { PublisherLink, StreamSession } from '../streams/stream-session.ts';
import { truncateReason } from '../util/close-reason.ts';
import { assertDestinationHost } from '../util/destination-hosts.ts';
import type { Logger } from '../util/logger.ts';
import { metrics } from '../metrics/registry.ts';

type ConnState = 'awaiting-hello' | 'authenticating' | 'publishing' | 'closed';

export interface PublishDeps {
  config: RelayConfig;
  gate: AuthGate;
  registry: StreamRegistry;
  log: Logger;
  /** Logs a refused publisher (throttled: floods must not flood the log). */
  logRefusal: (fields: Record<string, unknown>) => void;
  /** Why the disk cannot take a stream now (full, over quota), or null. */
  diskProblem?: () => string | null;
  /** Why new streams are refused right now (the relay is short of memory), or null. */
  refuseNewStreams?: () => string | null;
}

/** Messages added in protocol version 2, not sent to a version-1 publisher. */
const V2_ONLY = new Set<RelayMessage['type']>(['quality-request']);
/** Messages added in protocol version 3 (recording), not sent to older publishers. */
const V3_ONLY = new Set<RelayMessage['type']>(['ack', 'recording-status']);

/** The `type` of a msgpack message that failed validation, if it has one (for a non-fatal refusal). */
function messageType(data: unknown): string | null {
  try {
    const value = unpack(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)) as { type?: unknown };
    return typeof value?.type === 'string' ? value.type : null;
  } catch {
    return null;
  }
}

/**
 * How often the relay sends a live publisher a `heartbeat`, ms (announced in `welcome.heartbeatMs`):
 * chunks only flow towards the relay, and a studio must hear something to tell a live link from a
 * half-open one.
 */
export const PUBLISHER_HEARTBEAT_INTERVAL_MS = 1_000;

/** Largest message before the publisher is authenticated (a hello is well under 1 KiB). */
const PRE_AUTH_MAX_PAYLOAD = 16 * 1024;

/**
 * ws has no per-socket payload limit; its receiver keeps the server-wide one in `_maxPayload`
 * (ws 8.x, checked by publish-refusals.test.ts). Lowering it until the key checks out keeps
 * unauthenticated sockets from buffering megabytes each.
 */
function setMaxPayload(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

export function handlePublisher(ws: WebSocket, remote: string, address: string, deps: PublishDeps): void {
  const log = deps.log.child({ remote });
  setMaxPayload(ws, PRE_AUTH_MAX_PAYLOAD);
  let state: ConnState = 'awaiting-hello';
  let session: StreamSession | null = null;
  /** The version the publisher's hello named (the relay answers in it). */
  let version = PROTOCOL_VERSION;
  /** When the last latency ping went out (performance.now() ms), or null while none is pending. */
  let pingAt: number | null = null;
  ws.on('pong', () => {
    if (pingAt === null) return;
    metrics.publisherLatency.observe((performance.now() - pingAt) / 2000);
    pingAt = null;
  });

  const link: PublisherLink = {
    get protocolVersion() {
      return version;
    },
    send: (message: RelayMessage) => {
      if (version < 2 && V2_ONLY.has(message.type)) return;
      if (version < 3 && V3_ONLY.has(message.type)) return;
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage(message));
    },
    close: (code, reason) => {
      state = 'closed';
      ws.close(code, truncateReason(reason));
    },
  };

  const fail = (err: unknown) => {
    const e = TabcastError.wrap(err);
    if (state === 'closed') return;
    deps.logRefusal({ code: e.code, reason: e.message, remote, stream: session?.id });
    link.send({ type: 'error', ...e.toPayload(), message: e.message.slice(0, 500) });
    link.close(CLOSE_CODES[e.code], e.message);
    if (session) {
      // A refused publisher does not come back: its stream ends (the playlist is finalised).
      void session.end(`publisher refused: ${e.message}`);
    }
    if (idleTimer) clearTimeout(idleTimer);
    if (heartbeatTimer) clearInterval(heartbeatTimer);
  };

  let heartbeatTimer: NodeJS.Timeout | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  const touch = () => {
    if (idleTimer) idleTimer.refresh();
    else idleTimer = setTimeout(() => fail(new TabcastError('idle-timeout', `nothing received for ${deps.config.idleTimeoutMs} ms`)), deps.config.idleTimeoutMs);
  };

  const handshakeTimer = setTimeout(() => {
    if (state === 'awaiting-hello' || state === 'authenticating') {
      fail(new TabcastError('handshake-timeout', `no valid hello within ${deps.config.handshakeTimeoutMs} ms`));
    }
  }, deps.config.handshakeTimeoutMs);

  ws.on('message', (data, isBinary) => {
    if (state === 'closed') return;
    touch();
    try {
      if (!isBinary) throw new TabcastError('bad-message', 'publish messages must be binary msgpack');
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const msg = decodePublisherMessage(bytes, deps.config.maxMessageBytes);
      if (state === 'awaiting-hello') {
        if (msg.type !== 'hello') throw new TabcastError('bad-message', `expected hello first, got ${msg.type}`);
        state = 'authenticating';
        void authenticate(msg).catch(fail);
        return;
      }
      if (state === 'authenticating') throw new TabcastError('bad-message', `${msg.type} sent before welcome`);
      switch (msg.type) {
        case 'hello':
          throw new TabcastError('bad-message', 'hello sent twice');
        case 'chunk':
          session!.ingest(msg, bytes);
          return;
        case 'destinations':
          for (const d of msg.destinations) if (d.url) assertDestinationHost(d.name || d.id, d.url, deps.config.destinationHosts);
          session!.setDestinations(msg.destinations);
          return;
        case 'stop':
          state = 'closed';
          void session!.end();
          return;
        case 'stats':
          session!.recordStats(msg);
          // Once a second: a ping whose round trip estimates the publisher → relay latency.
          if (pingAt === null) {
            pingAt = performance.now();
            ws.ping();
          }
          return;
      }
    } catch (err) {
      // A destination list (or stats) the relay cannot use must not end the broadcast: refuse it alone.
      const refusedType = state === 'publishing' && err instanceof TabcastError && err.code === 'bad-message' ? messageType(data) : null;
      if (refusedType === 'destinations' || refusedType === 'stats') {
        const what = refusedType === 'stats' ? 'stats message' : 'destination list';
        link.send({ type: 'error', code: 'bad-message', message: `${what} refused (the broadcast goes on): ${(err as Error).message}`.slice(0, 500), fatal: false });
        return;
      }
      fail(err);
    }
  });

  ws.on('close', () => {
    clearTimeout(handshakeTimer);
    if (idleTimer) clearTimeout(idleTimer);
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    // After a stop the session has let go of this link already; otherwise wait for a resume.
    session?.detach(link);
    state = 'closed';
  });
  // Socket errors are logged (throttled) by server.ts for every socket.

  async function authenticate(hello: HelloMessage): Promise<void> {
    if (hello.version < MIN_PROTOCOL_VERSION || hello.version > PROTOCOL_VERSION) {
      throw new TabcastError('unsupported-version', `protocol version ${hello.version} is not supported; this relay speaks ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`);
    }
    version = hello.version;
    const keyId = await deps.gate.verify(hello.key, address);
    if (state === 'closed') return;
    // Checked after the key: a stranger learns nothing about the relay's disk.
    const disk = deps.diskProblem?.();
    if (disk) throw new TabcastError('disk-full', `${disk}; try again once there is room`);
    let resumed = false;
    if (hello.resume) {
      const previous = deps.registry.get(hello.resume);
      if (!previous || previous.keyId !== keyId || previous.state !== 'live') {
        throw new TabcastError('stream-not-found', `stream ${hello.resume} is over or not yours; go live again`);
      }
      // The same key resuming while an old socket still looks connected (a half-open connection
      // after a network change) takes the stream over; the old socket is told and closed.
      previous.takeOver();
      session = previous;
      resumed = true;
    } else {
      const overloaded = deps.refuseNewStreams?.();
      if (overloaded) throw new TabcastError('overloaded', overloaded);
      const live = deps.registry.liveForKey(keyId);
      const connected = live.filter((s) => s.publisherConnected);
      if (connected.length >= deps.config.maxStreamsPerKey) {
        throw new TabcastError(
          'stream-busy',
          deps.config.maxStreamsPerKey === 1 ? 'this stream key is already live in another tab or device' : `this stream key already has ${connected.length} live streams (the limit)`,
        );
      }
      // Streams of this key whose publisher is gone make room for the new broadcast, oldest first.
      const waiting = live.filter((s) => !s.publisherConnected);
      for (let i = 0; i <= live.length - deps.config.maxStreamsPerKey && i < waiting.length; i++) {
        void waiting[i]!.end('replaced by a new broadcast with the same key');
      }
      session = deps.registry.create(keyId, hello.audio !== null, hello.listed === true, hello.record !== false);
    }
    clearTimeout(handshakeTimer);
    state = 'publishing';
    setMaxPayload(ws, deps.config.maxMessageBytes);
    session.attach(link);
    log.info(resumed ? 'publisher resumed' : 'publisher live', { stream: session.id, keyId });
    link.send({
      type: 'welcome',
      version,
      streamId: session.id,
      watchUrl: `/watch/${session.id}`,
      hlsUrl: `/hls/${session.id}/index.m3u8`,
      resumed,
      reconnectGraceMs: deps.config.reconnectGraceMs,
      heartbeatMs: PUBLISHER_HEARTBEAT_INTERVAL_MS,
      // Older publishers' welcome has no such field (their decoders refuse unknown ones).
      ...(version >= 3 ? { recording: session.recording } : {}),
    });
    heartbeatTimer = setInterval(() => {
      if (state === 'publishing') link.send({ type: 'heartbeat' });
    }, PUBLISHER_HEARTBEAT_INTERVAL_MS);
  }
}
