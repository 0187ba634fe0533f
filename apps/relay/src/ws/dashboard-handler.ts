/**
 * The dashboard socket (`/ws/dashboard`, operators only): one JSON snapshot of the relay, its
 * health and every live stream each `dashboardPushMs` (2 s), and one at connect. Nothing is
 * received. Built once per push whatever the number of dashboards; skipped when nobody listens.
 */
import type { WebSocket, WebSocketServer } from 'ws';
import type { DashboardMessage } from '@tabcast/shared';
import { metrics } from '../metrics/registry.ts';

/** Bytes buffered for one dashboard before its pushes are skipped (a slow link gets fewer). */
const MAX_BUFFERED_BYTES = 256 * 1024;

export function attachDashboard(wss: WebSocketServer, snapshot: () => DashboardMessage, intervalMs: number): () => void {
  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(text);
  };
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', () => ws.close(4400, 'the dashboard socket receives nothing'));
    send(ws, JSON.stringify(snapshot()));
  });
  const timer = setInterval(() => {
    if (wss.clients.size === 0) return;
    const started = performance.now();
    const text = JSON.stringify(snapshot());
    metrics.dashboardPush.observe((performance.now() - started) / 1000);
    for (const ws of wss.clients) send(ws, text);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
