/**
 * The operator-facing HTTP endpoints: `/api/health` (public: load balancers probe it),
 * `/api/streams/:id` (public, like the stream list), and, for admins only (see admin-auth.ts),
 * `/api/metrics` (Prometheus text) and `/api/logs` (SSE log tail). Returns false for other paths.
 */
import type http from 'node:http';
import type { DashboardMessage } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import type { HealthMonitor } from '../health/health-monitor.ts';
import type { HlsViewerTracker } from '../metrics/hls-viewers.ts';
import { metrics, register } from '../metrics/registry.ts';
import { streamDetail } from '../metrics/stream-detail.ts';
import type { StreamRegistry } from '../streams/stream-registry.ts';
import { isAdminRequest, refuseAdmin } from './admin-auth.ts';
import { serveLogStream } from './log-stream.ts';

export interface OpsDeps {
  config: RelayConfig;
  registry: StreamRegistry;
  health: HealthMonitor;
  hlsViewers: HlsViewerTracker;
}

export function dashboardSnapshot(d: OpsDeps): DashboardMessage {
  return {
    type: 'snapshot',
    t: Date.now(),
    relay: d.health.figures(),
    health: d.health.report(),
    streams: d.registry.live().map((s) => streamDetail(s, d.hlsViewers, d.health.isLowFps(s.id))),
    actions: d.health.actions.slice(-20),
  };
}

export async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, config: RelayConfig): Promise<void> {
  if (!isAdminRequest(req, config)) return refuseAdmin(res, config);
  try {
    const cpu = process.cpuUsage();
    const text = await register.metrics();
    const used = process.cpuUsage(cpu);
    metrics.metricsCollect.observe((used.user + used.system) / 1e6);
    res.writeHead(200, { 'content-type': register.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics could not be collected: ${(err as Error).message}\n`);
  }
}

/** Handles the path if it is one of these endpoints; false otherwise. */
export function serveOps(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, d: OpsDeps): boolean {
  if (pathname === '/api/live') {
    // Liveness: the process answers. Readiness and load are /api/health's business.
    json(res, 200, { ok: true, liveStreams: d.registry.live().length });
    return true;
  }
  if (pathname === '/api/health') {
    const report = d.health.report();
    json(res, report.status === 'unhealthy' ? 503 : 200, report);
    return true;
  }
  if (pathname === '/api/metrics') {
    if (d.config.metricsPort !== null) return false; // served on its own port
    void serveMetrics(req, res, d.config);
    return true;
  }
  if (pathname === '/api/logs') {
    if (!isAdminRequest(req, d.config)) refuseAdmin(res, d.config);
    else serveLogStream(req, res);
    return true;
  }
  const id = pathname.match(/^\/api\/streams\/([A-Za-z0-9_-]{1,64})$/)?.[1];
  if (id) {
    const s = d.registry.get(id);
    if (!s) json(res, 404, { error: 'no such stream' });
    else json(res, 200, s.state === 'ended' ? s.info() : streamDetail(s, d.hlsViewers, d.health.isLowFps(s.id)));
    return true;
  }
  return false;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
