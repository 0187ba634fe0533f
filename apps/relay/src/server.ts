/**
 * Builds the relay: one HTTP server on one port for the web app, the JSON API, HLS files and the
 * two WebSocket endpoints. `createRelay` is what main.ts and the tests both start.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLOSE_CODES, LIMITS } from '@tabcast/shared';
import { WebSocketServer } from 'ws';
import type { RelayConfig } from './config/config.ts';
import type { Spawner } from './ffmpeg/ffmpeg-process.ts';
import { adminRefusal, serveAdminApi } from './http/admin-api.ts';
import { addressGroup, clientAddress } from './http/client-address.ts';
import { serveDestinationsApi } from './http/destinations-api.ts';
import { serveHls } from './http/hls-files.ts';
import { originPolicy } from './http/origin-policy.ts';
import { requestPath } from './http/request-path.ts';
import { DiskMonitor } from './health/disk.ts';
import { guardDisk } from './health/disk-guard.ts';
import { serveStatic } from './http/static-files.ts';
import { AUTH_GATE_DEFAULTS, AuthGate } from './keys/auth-gate.ts';
import { DestinationStore } from './keys/destination-store.ts';
import { KeyStore } from './keys/key-store.ts';
import { SecretBox } from './keys/secret-box.ts';
import { StreamRegistry } from './streams/stream-registry.ts';
import { RecordingStore } from './recording/recording-store.ts';
import { serveRecordings } from './recording/recordings-api.ts';
import { truncateReason } from './util/close-reason.ts';
import type { Logger } from './util/logger.ts';
import { throttledLog, throttledWarn } from './util/log-throttle.ts';
import { assertDestinationHost } from './util/destination-hosts.ts';
import { clipForLog } from './util/log-text.ts';
import { ConnectionBudget } from './ws/connection-budget.ts';
import { EVENTS_DEFLATE } from './ws/events-deflate.ts';
import { attachEvents } from './ws/events-handler.ts';
import { handlePublisher } from './ws/publish-handler.ts';
import { isAdminRequest } from './http/admin-auth.ts';
import { dashboardSnapshot, serveMetrics, serveOps, type OpsDeps } from './http/ops-api.ts';
import { HealthMonitor } from './health/health-monitor.ts';
import { HlsViewerTracker } from './metrics/hls-viewers.ts';
import { LlHttp } from './llhls/ll-http.ts';
import { addMetricsSource } from './metrics/registry.ts';
import { attachDashboard } from './ws/dashboard-handler.ts';

/**
 * A peer that never answers our close frame is dropped after 2 s instead of ws' default 30 s
 * (ws ≥ 8.18 server option; not yet in @types/ws).
 */
const CLOSE_TIMEOUT = { closeTimeout: 2_000 };

/**
 * Events and real-time watch sockets have nothing to receive (docs/protocol.md): the first message
 * closes them (4400). The payload bound is ws' control-frame size; ws applies it to the inflated size
 * too and refuses a larger frame (1009) before inflating it, so a compressed bomb costs nothing.
 */
const RECEIVE_NOTHING_MAX_PAYLOAD_BYTES = 125;

export interface Relay {
  server: http.Server;
  registry: StreamRegistry;
  /** Every broadcast's recording. */
  recordings: RecordingStore;
  keys: KeyStore;
  /** The data folder's disk: `disk.status()` for /api/health. */
  disk: DiskMonitor;
  /** e.g. http://127.0.0.1:8080 — the address actually bound. */
  url: string;
  /** Graceful stop: ends every stream (#EXT-X-ENDLIST), waits for FFmpeg, closes sockets. */
  close(): Promise<void>;
  /** Health sampling and automatic actions. */
  health: HealthMonitor;
  /** e.g. http://127.0.0.1:9464 when `metricsPort` is set: where /api/metrics is served then. */
  metricsUrl: string | null;
  /** LL-HLS serving: blocking requests held and refused right now. */
  llHls: LlHttp;
}

export async function createRelay(config: RelayConfig, log: Logger, opts: { spawner?: Spawner } = {}): Promise<Relay> {
  const keys = new KeyStore(config.dataDir, log);
  // Before listening, so the seeded key works from the first connection.
  if (config.seedStreamKey) await keys.ensure(config.seedStreamKey, 'TABCAST_STREAM_KEY');
  const destinationStore = new DestinationStore(config.dataDir, SecretBox.open(config.dataDir, config.secret));
  const resolveStored = (keyId: string, id: string) => {
    const found = destinationStore.resolve(keyId, id);
    if (found) assertDestinationHost(id, found.url, config.destinationHosts); // stored before the allowlist changed
    return found;
  };
  const disk = new DiskMonitor({ dataDir: config.dataDir, minFreeDiskBytes: config.minFreeDiskBytes, dataQuotaBytes: config.dataQuotaBytes, checkIntervalMs: config.diskCheckIntervalMs }, log);
  const diskProblem = () => disk.problem();
  const recordings = new RecordingStore(config, log.child({ component: 'recordings' }), diskProblem);
  const registry = new StreamRegistry(config, log, resolveStored, opts.spawner, diskProblem, recordings);
  const stopDiskGuard = guardDisk(disk, registry);
  const gate = new AuthGate(keys, { ...AUTH_GATE_DEFAULTS, maxPendingPerAddress: config.maxKeyChecksPerAddress });
  const logRefusal = throttledWarn(log, 'publisher refused');
  const logSocketRefusal = throttledWarn(log, 'socket refused');
  const logSocketError = throttledLog(log, 'debug', 'socket error');
  const policy = originPolicy(config);
  const budget = new ConnectionBudget(config);
  // Operations: health sampling + automatic actions, metrics of this relay's streams, HLS viewers.
  const hlsViewers = new HlsViewerTracker();
  const llHttp = new LlHttp({ maxHeld: config.llHlsMaxBlockingRequests, holdLimitMs: config.llHlsBlockingTimeoutMs });
  const health = new HealthMonitor(config, log.child({ component: 'health' }), () => registry.live());
  health.start();
  const removeMetricsSource = addMetricsSource({ liveSessions: () => registry.live(), hlsViewers, llHls: llHttp });
  const ops: OpsDeps = { config, registry, health, hlsViewers };

  // Media: no compression (it cannot shrink H.264/Opus and costs CPU on both ends).
  const publishWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: config.maxMessageBytes, ...CLOSE_TIMEOUT });
  // Events: JSON, compressed when a message is over 1 KiB.
  const eventsWss = new WebSocketServer({ noServer: true, maxPayload: RECEIVE_NOTHING_MAX_PAYLOAD_BYTES, perMessageDeflate: EVENTS_DEFLATE, ...CLOSE_TIMEOUT });
  const stopEvents = attachEvents(eventsWss, registry);
  // Dashboard: JSON snapshots every dashboardPushMs, to operators only (checked at upgrade).
  const dashboardWss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: EVENTS_DEFLATE, ...CLOSE_TIMEOUT });
  const stopDashboard = attachDashboard(dashboardWss, () => dashboardSnapshot(ops), config.dashboardPushMs);
  // Real-time viewers: binary, no compression (media); they send only tiny progress reports. A viewer
  // sent to HLS has up to a second of media queued before our close: give it 10 s to read it and the reason.
  const watchWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: LIMITS.maxViewerReportBytes, closeTimeout: 10_000 } as ConstructorParameters<typeof WebSocketServer>[0]);

  const server = http.createServer({
    // Slow-loris guard: headers (also of WebSocket upgrades) must arrive in time; checked every second.
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.headersTimeoutMs * 3,
    connectionsCheckingInterval: 1_000,
    keepAliveTimeout: 5_000,
  }, (req, res) => {
    const pathname = requestPath(req.url);
    if (pathname === null) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' });
      res.end('bad request target\n');
      return;
    }
    if (!policy.hostAllowed(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`host name not served by this relay (it listens on loopback; set TABCAST_PUBLIC_URL or TABCAST_ALLOWED_ORIGINS to use another name)\n`);
      return;
    }
    if (pathname === '/api/destinations' || pathname.startsWith('/api/destinations/')) {
      void serveDestinationsApi(req, res, pathname, { gate, store: destinationStore, address: addressGroup(clientAddress(req, config.trustProxyHops)), destinationHosts: config.destinationHosts });
      return;
    }
    if (pathname.startsWith('/api/admin/')) return serveAdminApi(req, res, pathname, { config, policy, registry });
    if (serveRecordings(req, res, pathname, new URL(req.url ?? '/', 'http://relay'), { gate, store: recordings, address: addressGroup(clientAddress(req, config.trustProxyHops)) })) return;
    if ((req.method === 'GET' || req.method === 'HEAD') && serveOps(req, res, pathname, ops)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (pathname.startsWith('/hls/')) {
      const hlsId = pathname.split('/')[2];
      if (hlsId && registry.get(hlsId)) hlsViewers.record(hlsId, `${clientAddress(req, config.trustProxyHops)} ${req.headers['user-agent'] ?? ''}`);
      return serveHls(registry, llHttp, req, res, pathname);
    }
    // The public listing; operators (admin token, or loopback without one) see every stream.
    if (pathname === '/api/streams') return json(res, 200, registry.list({ all: adminRefusal(req, { config, policy }) === null }));
    if (pathname.startsWith('/api/streams/')) {
      const s = registry.get(pathname.slice('/api/streams/'.length));
      return s ? json(res, 200, s.info()) : json(res, 404, { error: 'no such stream' });
    }
    if (pathname.startsWith('/api/')) return json(res, 404, { error: 'no such endpoint' });
    if (serveStatic(config.webDir, req, res, pathname)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  });

  server.on('upgrade', (req, socket, head) => {
    const pathname = requestPath(req.url);
    const ip = clientAddress(req, config.trustProxyHops);
    const group = addressGroup(ip);
    const remote = `${ip}:${req.socket.remotePort}`;
    socket.on('error', () => socket.destroy());
    if (!policy.hostAllowed(req.headers.host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const watchId = pathname?.match(/^\/ws\/watch\/([A-Za-z0-9_-]{6,32})$/)?.[1];
    const wss = pathname === '/ws/publish' ? publishWss : pathname === '/ws/events' ? eventsWss : pathname === '/ws/dashboard' ? dashboardWss : watchId ? watchWss : null;
    if (!wss) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (wss === dashboardWss && !isAdminRequest(req, config)) {
      // Operational data: nothing, not even a socket, for a client without the token (or not on loopback).
      socket.end(`HTTP/1.1 ${config.adminToken ? '401 Unauthorized' : '403 Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // ws reports protocol violations (oversized frame, bad opcode, …) as 'error' and then closes
      // the socket itself; an unhandled 'error' would take the whole relay down.
      ws.on('error', (err) => logSocketError({ remote, error: err.message }));
      // Refusals go through the socket with a close code and reason, which a browser can show;
      // an HTTP error at upgrade would reach the page only as "connection failed".
      if (!policy.originAllowed(req.headers.origin)) {
        logSocketRefusal({ reason: 'origin not allowed', origin: clipForLog(req.headers.origin), remote });
        ws.close(CLOSE_CODES['forbidden-origin'], truncateReason(`origin ${req.headers.origin} is not allowed`));
        return;
      }
      const session = watchId ? registry.get(watchId) : undefined;
      const taken = budget.take(wss === publishWss ? 'publish' : wss === eventsWss ? 'events' : 'watch', group, session?.id);
      if (typeof taken !== 'function') {
        logSocketRefusal({ reason: taken.reason, remote });
        ws.close(CLOSE_CODES[taken.code], truncateReason(taken.reason));
        return;
      }
      ws.once('close', taken);
      if (wss === publishWss) return handlePublisher(ws, remote, group, { config, gate, registry, log, logRefusal, diskProblem, refuseNewStreams: () => health.refuseReason() });
      if (wss === dashboardWss) return void dashboardWss.emit('connection', ws, req);
      if (wss === eventsWss) {
        // Dashboards and pages have nothing to say (docs/protocol.md): anything they send ends their socket.
        ws.on('message', () => ws.close(CLOSE_CODES['bad-message'], 'this socket receives nothing; do not send'));
        return void eventsWss.emit('connection', ws, req);
      }
      // Viewers send only small `viewer-report`s (docs/protocol.md): the fan-out reads them and
      // closes the socket on anything else.
      if (!session || session.state !== 'live') ws.close(CLOSE_CODES['stream-not-found'], 'this stream is not live');
      else session.fanOut.join(ws);
    });
  });

  // A revoked key cuts its live streams (the CLI edits the key file; the store re-reads it).
  const revocationTimer = setInterval(() => {
    for (const s of registry.live()) {
      if (s.state === 'live' && !keys.isActive(s.keyId)) void s.end('the stream key was revoked', 'unauthorized');
    }
  }, 1_000);
  revocationTimer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Prometheus may scrape a port of its own (metricsPort), which serves nothing else.
  let metricsServer: http.Server | null = null;
  let metricsUrl: string | null = null;
  if (config.metricsPort !== null) {
    metricsServer = http.createServer((req, res) => {
      if (requestPath(req.url) === '/api/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return void serveMetrics(req, res, config);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('only /api/metrics here\n');
    });
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', reject);
      metricsServer!.listen(config.metricsPort!, config.host, () => resolve());
    });
    const m = metricsServer.address() as AddressInfo;
    metricsUrl = `http://${m.family === 'IPv6' ? `[${m.address}]` : m.address === '0.0.0.0' ? '127.0.0.1' : m.address}:${m.port}`;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address === '::' ? '::1' : addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      server.close();
      metricsServer?.close();
      clearInterval(revocationTimer);
      stopDiskGuard();
      stopDashboard();
      health.stop();
      await registry.endAll('the relay is shutting down');
      stopEvents();
      for (const ws of eventsWss.clients) ws.close(1001, 'relay shutting down');
      for (const ws of publishWss.clients) ws.terminate();
      for (const ws of watchWss.clients) ws.terminate();
      for (const ws of dashboardWss.clients) ws.terminate();
      removeMetricsSource();
      recordings.stop();
      await recordings.idle();
      server.closeAllConnections();
      metricsServer?.closeAllConnections();
    })());

  return { server, registry, recordings, keys, disk, url: `http://${host}:${addr.port}`, close, health, metricsUrl, llHls: llHttp };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
