import { DEFAULT_RECONNECT, type ReconnectPolicy } from '../../encoder/worker-api.ts';

const RECONNECT_KEY = 'tabcast.reconnect';

/** The broadcaster's reconnect policy (attempts, delay), remembered locally; defaults 10 × 2 s. */
export function loadReconnectPolicy(): ReconnectPolicy {
  try {
    const saved = JSON.parse(localStorage.getItem(RECONNECT_KEY) ?? 'null') as Partial<ReconnectPolicy> | null;
    return sanitizeReconnect({ ...DEFAULT_RECONNECT, ...saved });
  } catch {
    return { ...DEFAULT_RECONNECT };
  }
}

export function saveReconnectPolicy(p: ReconnectPolicy): void {
  localStorage.setItem(RECONNECT_KEY, JSON.stringify(sanitizeReconnect(p)));
}

export function sanitizeReconnect(p: Partial<ReconnectPolicy>): ReconnectPolicy {
  const clamp = (n: unknown, lo: number, hi: number, d: number) => (Number.isFinite(Number(n)) ? Math.min(hi, Math.max(lo, Math.round(Number(n)))) : d);
  return { attempts: clamp(p.attempts, 0, 50, DEFAULT_RECONNECT.attempts), delayMs: clamp(p.delayMs, 250, 60_000, DEFAULT_RECONNECT.delayMs) };
}

/** The stream key: taken from the URL fragment (#key=…, never sent to a server) or the field, remembered locally. */
const STORAGE_KEY = 'tabcast.streamKey';

export function initialStreamKey(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) {
    localStorage.setItem(STORAGE_KEY, fromHash);
    // Take the key out of the address bar so it is not shared with a screenshot or a copied link.
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return localStorage.getItem(STORAGE_KEY) ?? '';
}

export function rememberStreamKey(key: string): void {
  if (key) localStorage.setItem(STORAGE_KEY, key);
  else localStorage.removeItem(STORAGE_KEY);
}

export function relayPublishUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/publish`;
}

export function formatBitrate(bps: number): string {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mbps` : `${Math.round(bps / 1e3)} kbps`;
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

const LISTED_KEY = 'tabcast.listed';

/** Whether the broadcaster lists broadcasts publicly (hello.listed), remembered locally; default off. */
export function loadListed(): boolean {
  try {
    return localStorage.getItem(LISTED_KEY) === 'true';
  } catch {
    return false;
  }
}

export function saveListed(listed: boolean): void {
  localStorage.setItem(LISTED_KEY, String(listed));
}
