/**
 * The events socket (`/ws/events`): JSON stream state for viewers and dashboards. This is where
 * permessage-deflate pays (a stream list compresses to a fraction), so it is negotiated here only,
 * with a 1 KiB threshold.
 *
 * What it shows is the public listing (listed streams, not ended). A watch page follows its own
 * stream with `/ws/events?stream=<id>`: knowing the id is what lets anyone watch, so that stream's
 * updates come too, listed or not.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { STREAM_ID_PATTERN, type EventsMessage, type StreamInfo } from '@tabcast/shared';
import type { StreamRegistry } from '../streams/stream-registry.ts';

/** Largest amount buffered for one events client before updates to it are skipped. */
const MAX_EVENTS_BUFFERED_BYTES = 256 * 1024;
/** Live stats (bitrate, fps) are pushed at this interval. */
const STATS_INTERVAL_MS = 1_000;

export function attachEvents(wss: WebSocketServer, registry: StreamRegistry): () => void {
  /** The stream each client follows by id (when it is not public, it is added to that client's list). */
  const following = new WeakMap<WebSocket, string>();
  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_EVENTS_BUFFERED_BYTES) ws.send(text);
  };
  const streamsFor = (ws: WebSocket, listing: StreamInfo[]): StreamInfo[] => {
    const id = following.get(ws);
    const followed = id === undefined || listing.some((s) => s.id === id) ? undefined : registry.get(id);
    return followed ? [...listing, followed.info()] : listing;
  };
  const sendStreams = (listing: StreamInfo[], publicText: string, ws: WebSocket) => {
    const own = streamsFor(ws, listing);
    send(ws, own === listing ? publicText : JSON.stringify({ type: 'streams', streams: own } satisfies EventsMessage));
  };
  const broadcastStreams = () => {
    if (wss.clients.size === 0) return;
    const listing = registry.list();
    const text = JSON.stringify({ type: 'streams', streams: listing } satisfies EventsMessage); // once for all but followers of unlisted streams
    for (const ws of wss.clients) sendStreams(listing, text, ws);
  };
  wss.on('connection', (ws: WebSocket, req?: IncomingMessage) => {
    const id = new URL(req?.url ?? '/', 'http://relay').searchParams.get('stream');
    if (id !== null && STREAM_ID_PATTERN.test(id)) following.set(ws, id);
    const listing = registry.list();
    sendStreams(listing, JSON.stringify({ type: 'streams', streams: listing } satisfies EventsMessage), ws);
  });
  const unsubscribe = registry.on((stream: StreamInfo) => {
    // A listed stream's updates go to all (its ending too, once: then it leaves the listing).
    const listed = registry.isListed(stream.id);
    const text = JSON.stringify({ type: 'stream', stream } satisfies EventsMessage);
    for (const ws of wss.clients) if (listed || following.get(ws) === stream.id) send(ws, text);
  });
  const timer = setInterval(broadcastStreams, STATS_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
