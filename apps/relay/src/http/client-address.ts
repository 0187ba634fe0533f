/**
 * Who a request comes from, for per-address limits and lockouts.
 *
 * Behind a reverse proxy the socket's address is the proxy's; the client's is in X-Forwarded-For.
 * Only entries a trusted proxy appended can be believed: a client writes whatever it likes at the
 * left of that header, so with `trustProxyHops` = N the address is the N-th entry from the right
 * (the one the outermost of N proxies of ours appended), never the first.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export function clientAddress(req: IncomingMessage, trustProxyHops: number): string {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  if (trustProxyHops <= 0) return socketAddress;
  const header = req.headers['x-forwarded-for']; // Node joins repeated headers with ", "
  const entries = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return socketAddress; // not through the proxy (e.g. a local health check)
  // Fewer entries than hops: the chain was shorter; the leftmost was still written by a proxy.
  const candidate = entries[Math.max(0, entries.length - trustProxyHops)]!;
  return isIP(candidate) ? candidate : socketAddress;
}

/**
 * The key per-address limits count under: an IPv4 address as it is, an IPv6 address by its /64
 * (one subscriber usually gets a whole /64, so rotating inside it must not buy more attempts or
 * sockets). IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as the IPv4 address.
 */
export function addressGroup(address: string): string {
  const ip = address.replace(/%.*$/, ''); // zone id
  const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) return mapped[1]!;
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const full = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${full.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export function isLoopbackAddress(address: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/.test(address);
}
