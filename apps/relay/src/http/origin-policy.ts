/**
 * Which browser pages may open sockets (and call the admin API), and which Host names a
 * loopback-bound relay answers. Neither trusts the request's own Host header: a DNS-rebinding page
 * (evil.example resolving to 127.0.0.1) sends a Host and an Origin that match each other.
 *
 * - Origin: none (not a browser), TABCAST_PUBLIC_URL's, one in TABCAST_ALLOWED_ORIGINS ("*": any),
 *   or a loopback origin (http://localhost:*, 127.0.0.1, [::1]) when the relay is bound to
 *   loopback or its public URL is a loopback one (a development setup).
 * - Host, only when bound to loopback: a loopback name (also *.localhost), the public URL's host,
 *   or an allowed origin's host. Anything else is a page that rebound a name to us.
 */
import type { RelayConfig } from '../config/config.ts';

const LOOPBACK_NAME = /^(localhost|[a-z0-9-]+\.localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

export interface OriginPolicy {
  originAllowed(origin: string | undefined): boolean;
  hostAllowed(host: string | undefined): boolean;
}

function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function isLoopbackBind(host: string): boolean {
  return LOOPBACK_NAME.test(host);
}

export function originPolicy(config: Pick<RelayConfig, 'publicUrl' | 'host' | 'allowedOrigins'>): OriginPolicy {
  const publicOrigin = new URL(config.publicUrl).origin;
  const publicHost = hostnameOf(config.publicUrl)!;
  const boundToLoopback = isLoopbackBind(config.host);
  const loopbackOriginsAllowed = boundToLoopback || LOOPBACK_NAME.test(publicHost);
  const anyOrigin = config.allowedOrigins.includes('*');
  const allowedHosts = new Set([publicHost, ...config.allowedOrigins.map(hostnameOf).filter((h): h is string => h !== null)]);

  return {
    originAllowed(origin) {
      if (origin === undefined) return true; // not a browser: the stream key guards publishing
      if (anyOrigin || origin === publicOrigin || config.allowedOrigins.includes(origin)) return true;
      if (!loopbackOriginsAllowed) return false;
      const host = hostnameOf(origin);
      return host !== null && /^https?:\/\//.test(origin) && LOOPBACK_NAME.test(host);
    },
    hostAllowed(host) {
      if (!boundToLoopback || host === undefined) return true; // HTTP/1.0 tools send none; browsers always do
      const name = host.toLowerCase().replace(/:\d+$/, '');
      return LOOPBACK_NAME.test(name) || allowedHosts.has(name) || allowedHosts.has(name.replace(/^\[|\]$/g, ''));
    },
  };
}
