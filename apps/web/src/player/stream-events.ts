/**
 * Live stream state from the relay's events socket, with a plain HTTP fallback and automatic
 * reconnection. Calls back with the stream's info (or null when the relay does not know it).
 */
import type { EventsMessage, StreamInfo } from '@tabcast/shared';

const RETRY_MS = 2_000;

export function followStream(streamId: string, onInfo: (info: StreamInfo | null) => void): () => void {
  let ws: WebSocket | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const fetchOnce = async () => {
    try {
      const res = await fetch(`/api/streams/${encodeURIComponent(streamId)}`);
      onInfo(res.ok ? ((await res.json()) as StreamInfo) : null);
    } catch {
      /* the socket's reconnect loop reports the relay being away */
    }
  };

  const open = () => {
    if (closed) return;
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/events?stream=${encodeURIComponent(streamId)}`);
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data as string) as EventsMessage;
      if (msg.type === 'stream') {
        if (msg.stream.id === streamId) onInfo(msg.stream);
      } else {
        onInfo(msg.streams.find((s) => s.id === streamId) ?? null);
      }
    };
    ws.onclose = () => {
      if (!closed) retry = setTimeout(open, RETRY_MS);
    };
  };

  void fetchOnce();
  open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    ws?.close();
  };
}
