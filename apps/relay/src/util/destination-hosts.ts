/**
 * The operator's allowlist of RTMP destination hosts (TABCAST_DESTINATION_HOSTS): exact names, or
 * "*.example.com" for any subdomain of example.com. Empty: any host. Checked wherever a destination
 * comes in (the `destinations` message, POST /api/destinations) and when a stored one is used.
 */
import { TabcastError } from '@tabcast/shared';

export function destinationHostOf(url: string): string | null {
  return url.match(/^rtmps?:\/\/([A-Za-z0-9.-]+)/i)?.[1]?.toLowerCase() ?? null;
}

export function destinationHostAllowed(url: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const host = destinationHostOf(url);
  if (host === null) return false;
  return allowed.some((a) => (a.startsWith('*.') ? host.endsWith(a.slice(1)) : host === a));
}

/** Throws TabcastError('bad-message') naming the destination and its host when the host is not allowed. */
export function assertDestinationHost(name: string, url: string, allowed: readonly string[]): void {
  if (destinationHostAllowed(url, allowed)) return;
  throw new TabcastError('bad-message', `destination "${name.slice(0, 80)}": host ${destinationHostOf(url) ?? '(none)'} is not allowed on this relay (TABCAST_DESTINATION_HOSTS: ${allowed.join(', ')})`);
}
