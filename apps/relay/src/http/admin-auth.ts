/**
 * Who may see operational data (/api/metrics, the dashboard's socket, the log stream): with
 * `adminToken` set, a request carrying it (`Authorization: Bearer <token>`, or `?token=` for
 * browsers' EventSource and WebSocket, which cannot set headers); without it, loopback clients
 * only, and only those that came through no proxy (any X-Forwarded-For or Forwarded header
 * refuses: behind a reverse proxy every request comes from loopback). The same rule as the admin
 * API's (`adminRefusal` in admin-api.ts). Set a token to reach these from elsewhere.
 */
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { RelayConfig } from '../config/config.ts';

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries, if any. */
export function requestToken(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = (req.url ?? '').indexOf('?');
  if (q >= 0) return new URLSearchParams(req.url!.slice(q + 1)).get('token');
  return null;
}

export function isAdminRequest(req: http.IncomingMessage, config: Pick<RelayConfig, 'adminToken'>): boolean {
  if (config.adminToken) {
    const token = requestToken(req);
    return token !== null && tokenMatches(token, config.adminToken);
  }
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return isLoopback(req.socket.remoteAddress) && !proxied;
}

/** What a refused client is told (nothing about the data itself). */
export function refuseAdmin(res: http.ServerResponse, config: Pick<RelayConfig, 'adminToken'>): void {
  const text = config.adminToken ? 'an admin token is required\n' : 'only reachable from this machine (set TABCAST_ADMIN_TOKEN to open it to others)\n';
  res.writeHead(config.adminToken ? 401 : 403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...(config.adminToken ? { 'www-authenticate': 'Bearer' } : {}) });
  res.end(text);
}
