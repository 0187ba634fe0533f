/**
 * The dashboard's two live feeds, and nothing else over the network after the page loaded:
 * `/ws/dashboard` (a snapshot every 2 s, pushed by the relay) and one EventSource on `/api/logs`
 * (the relay's log lines). An admin token given as `#token=…` is kept for the tab and sent as
 * `?token=` (neither WebSocket nor EventSource can set headers).
 */
import type { DashboardMessage } from '@tabcast/shared';

/** Points kept per chart: 5 minutes at one snapshot every 2 s. */
export const HISTORY_POINTS = 150;
/** Log lines kept on the page. */
export const MAX_LOG_LINES = 300;
/** Delay before the dashboard socket reconnects after it dropped, ms. */
const RECONNECT_DELAY_MS = 3_000;

export function adminToken(): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('tabcast-admin-token', fromHash);
    history.replaceState(null, '', location.pathname + location.search); // keep it out of the address bar
  }
  return fromHash ?? sessionStorage.getItem('tabcast-admin-token');
}

function withToken(path: string, token: string | null): string {
  if (!token) return path;
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

export type FeedState = 'connecting' | 'live' | 'refused' | 'reconnecting';

/** Follows the dashboard socket; returns the function that stops it. */
export function followSnapshots(token: string | null, onSnapshot: (m: DashboardMessage) => void, onState: (s: FeedState) => void): () => void {
  let ws: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const open = () => {
    const url = new URL(withToken('/ws/dashboard', token), location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    ws = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      onState('live');
    };
    socket.onmessage = (ev) => onSnapshot(JSON.parse(ev.data as string) as DashboardMessage);
    socket.onclose = () => {
      if (stopped) return;
      // Refused at the upgrade (no token, not loopback): retrying would not help.
      if (!opened) return onState('refused');
      onState('reconnecting');
      timer = setTimeout(open, RECONNECT_DELAY_MS);
    };
  };
  onState('connecting');
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  };
}

export interface LogLine {
  t: string;
  level: string;
  msg: string;
  /** The other fields, as JSON. */
  rest: string;
}

/** Follows the log stream at `level` and above; returns the function that stops it. */
export function followLogs(token: string | null, level: string, onLine: (l: LogLine) => void, onSkipped: (n: number) => void): () => void {
  const es = new EventSource(withToken(`/api/logs?level=${encodeURIComponent(level)}`, token));
  es.onmessage = (ev) => {
    try {
      const { t, level: lvl, msg, ...rest } = JSON.parse(ev.data as string) as Record<string, unknown>;
      onLine({ t: String(t ?? ''), level: String(lvl ?? ''), msg: String(msg ?? ''), rest: Object.keys(rest).length ? JSON.stringify(rest) : '' });
    } catch {
      /* not a log line */
    }
  };
  es.addEventListener('skipped', (ev) => onSkipped(Number((ev as MessageEvent).data)));
  return () => es.close();
}
