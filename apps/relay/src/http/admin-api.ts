/**
 * `/api/admin`: operator controls (docs/security.md).
 *   GET  /api/admin/streams            → StreamInfo[]: every stream, listed or not, ended included
 *   POST /api/admin/streams/<id>/stop  → 200 StreamInfo: ends the stream; its publisher gets 4412
 *   POST /api/admin/streams/<id>/kick  → 200 StreamInfo: drops the publisher (4411); the stream waits
 *                                        reconnectGraceMs for a resume, as after any drop
 *   GET  /api/admin/perf               → the monitoring points: memory and GC pauses of the relay,
 *                                        and per live stream chunk arrival intervals and fan-out time,
 *                                        the viewers' backlog and skips; `?take=1` adds the raw
 *                                        intervals and times recorded since the last take
 * Allowed with `Authorization: Bearer <TABCAST_ADMIN_TOKEN>`; without a token configured, only from
 * loopback and through no proxy. A browser page must also pass the origin check (no cross-site
 * form can stop a stream on a relay running on the operator's machine).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STREAM_ID_PATTERN } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import type { StreamRegistry } from '../streams/stream-registry.ts';
import { processPerf } from '../metrics/perf-monitor.ts';
import { isLoopbackAddress } from './client-address.ts';
import type { OriginPolicy } from './origin-policy.ts';

export interface AdminDeps {
  config: Pick<RelayConfig, 'adminToken'>;
  policy: OriginPolicy;
  registry: StreamRegistry;
}

/** Why this request may not use the admin API, or null when it may. */
export function adminRefusal(req: IncomingMessage, deps: Pick<AdminDeps, 'config' | 'policy'>): { status: number; error: string } | null {
  if (!deps.policy.originAllowed(req.headers.origin)) return { status: 403, error: `origin ${String(req.headers.origin).slice(0, 200)} is not allowed` };
  const token = deps.config.adminToken;
  if (token !== null) {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    // Compare digests: equal lengths for timingSafeEqual, and no early exit on the first wrong byte.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return given && timingSafeEqual(digest(given), digest(token)) ? null : { status: 401, error: 'send the admin token as Authorization: Bearer <TABCAST_ADMIN_TOKEN>' };
  }
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  if (isLoopbackAddress(req.socket.remoteAddress ?? '') && !proxied) return null;
  return { status: 403, error: 'the admin API answers loopback only; set TABCAST_ADMIN_TOKEN to use it from elsewhere' };
}

export function serveAdminApi(req: IncomingMessage, res: ServerResponse, pathname: string, deps: AdminDeps): void {
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const refusal = adminRefusal(req, deps);
  if (refusal) return send(refusal.status, { error: refusal.error });
  if (pathname === '/api/admin/perf') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'use GET' });
    const withSamples = new URL(req.url ?? '/', 'http://relay').searchParams.get('take') === '1';
    const streams = Object.fromEntries(
      deps.registry.live().map((s) => [s.id, { ...s.perf.snapshot(withSamples), fanout: { ...s.fanOut.backlog(), sent: s.fanOut.sent, skipped: s.fanOut.skipped, skipsByReason: s.fanOut.skipsByReason } }]),
    );
    return send(200, { process: processPerf(), streams });
  }
  if (pathname === '/api/admin/streams') {
    return req.method === 'GET' || req.method === 'HEAD' ? send(200, deps.registry.list({ all: true })) : send(405, { error: 'use GET' });
  }
  const m = pathname.match(/^\/api\/admin\/streams\/([^/]+)\/(stop|kick)$/);
  if (!m) return send(404, { error: 'no such admin endpoint' });
  if (req.method !== 'POST') return send(405, { error: `use POST on /api/admin/streams/<id>/${m[2]}` });
  const session = STREAM_ID_PATTERN.test(m[1]!) ? deps.registry.get(m[1]!) : undefined;
  if (!session) return send(404, { error: 'no such stream' });
  if (session.state !== 'live') return send(409, { error: `the stream is ${session.state}` });
  if (m[2] === 'stop') {
    void session.end('stopped by the operator', 'stopped-by-operator');
    return send(200, session.info());
  }
  if (!session.kick('disconnected by the operator')) return send(409, { error: 'no publisher is connected to this stream' });
  return send(200, session.info());
}
