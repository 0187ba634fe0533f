/**
 * The broadcaster's RTMP destinations, as the studio keeps them. A destination's stream key is
 * either kept only in this browser (localStorage, never on the relay's disk) or stored on the relay,
 * encrypted, through /api/destinations (then the browser keeps only its id and the key's last 4).
 */
import type { DestinationSpec } from '@tabcast/shared';

export type DestinationStorage = 'browser' | 'relay';

export interface StudioDestination {
  id: string;
  name: string;
  service: string;
  url: string;
  /** Only for storage 'browser'. */
  streamKey?: string;
  /** Only for storage 'relay': the key's last characters, for recognition. */
  keyHint?: string;
  storage: DestinationStorage;
  enabled: boolean;
}

const STORAGE_KEY = 'tabcast.destinations';

export function loadDestinations(): StudioDestination[] {
  try {
    const list = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as StudioDestination[];
    return Array.isArray(list) ? list.filter((d) => d && typeof d.id === 'string') : [];
  } catch {
    return [];
  }
}

export function saveDestinations(list: StudioDestination[]): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(list));
}

/** What the relay is sent: a browser-kept key travels with the destination; a stored one by id only. */
export function toSpec(d: StudioDestination): DestinationSpec {
  return d.storage === 'relay'
    ? { id: d.id, name: d.name, enabled: d.enabled, stored: true }
    : { id: d.id, name: d.name, enabled: d.enabled, url: d.url, ...(d.streamKey ? { streamKey: d.streamKey } : {}) };
}

/** Stores a destination on the relay (encrypted there); returns its id and key hint. */
export async function storeOnRelay(streamKey: string, name: string, url: string, destKey: string): Promise<{ id: string; streamKeyHint: string }> {
  const res = await fetch('/api/destinations', {
    method: 'POST',
    headers: { authorization: `Bearer ${streamKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, url, streamKey: destKey }),
  });
  const body = (await res.json().catch(() => ({}))) as { id?: string; streamKeyHint?: string; error?: string };
  if (!res.ok || !body.id) throw new Error(body.error ?? `the relay answered ${res.status}`);
  return { id: body.id, streamKeyHint: body.streamKeyHint ?? '' };
}

export async function removeFromRelay(streamKey: string, id: string): Promise<void> {
  const res = await fetch(`/api/destinations/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { authorization: `Bearer ${streamKey}` } });
  if (!res.ok && res.status !== 404) throw new Error(`the relay answered ${res.status}`);
}

export function newDestinationId(): string {
  return `bd_${Math.random().toString(36).slice(2, 10)}`;
}
