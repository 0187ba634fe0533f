/**
 * The events socket (`/ws/events`): JSON stream state for viewers and dashboards. This is where
 * permessage-deflate pays (a stream list compresses to a fraction), so it is negotiated here only,
 * with a 1 KiB threshold.
 */
import type { WebSocket, WebSocketServer } from 'ws';
import type { EventsMessage, StreamInfo } from '@tabcast/shared';
import type { StreamRegistry } from '../streams/stream-registry.ts';

/** Largest amount buffered for one events client before updates to it are skipped. */
const MAX_EVENTS_BUFFERED_BYTES = 256 * 1024;
/** Live stats (bitrate, fps) are pushed at this interval. */
const STATS_INTERVAL_MS = 1_000;

export function attachEvents(wss: WebSocketServer, registry: StreamRegistry): () => void {
  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_EVENTS_BUFFERED_BYTES) ws.send(text);
  };
  const broadcast = (msg: EventsMessage) => {
    if (wss.clients.size === 0) return;
    const text = JSON.stringify(msg); // once, whatever the number of clients
    for (const ws of wss.clients) send(ws, text);
  };
  wss.on('connection', (ws: WebSocket) => {
    send(ws, JSON.stringify({ type: 'streams', streams: registry.list() } satisfies EventsMessage));
  });
  const unsubscribe = registry.on((stream: StreamInfo) => broadcast({ type: 'stream', stream }));
  const timer = setInterval(() => broadcast({ type: 'streams', streams: registry.list() }), STATS_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
