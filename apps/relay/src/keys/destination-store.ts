/**
 * RTMP destinations a broadcaster chose to keep on the relay: per stream key, with the
 * destination's own stream key sealed by {@link SecretBox}. Nothing here ever returns a key in
 * full except {@link DestinationStore.resolve}, which only the relay's push uses.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretBox } from './secret-box.ts';

interface StoredDestination {
  id: string;
  keyId: string;
  name: string;
  url: string;
  sealedKey: string;
  createdAt: string;
}

/** What the API shows: the key only as a hint (its last 4 characters). */
export interface PublicDestination {
  id: string;
  name: string;
  url: string;
  streamKeyHint: string;
  createdAt: string;
}

export const MAX_STORED_PER_KEY = 20;

export class DestinationStore {
  private file: string;
  private items: StoredDestination[];

  constructor(dataDir: string, private box: SecretBox) {
    this.file = path.join(dataDir, 'destinations.json');
    this.items = fs.existsSync(this.file) ? (JSON.parse(fs.readFileSync(this.file, 'utf8')) as { destinations: StoredDestination[] }).destinations : [];
  }

  list(keyId: string): PublicDestination[] {
    return this.items.filter((d) => d.keyId === keyId).map((d) => this.toPublic(d));
  }

  add(keyId: string, name: string, url: string, streamKey: string): PublicDestination {
    if (this.items.filter((d) => d.keyId === keyId).length >= MAX_STORED_PER_KEY) {
      throw new Error(`at most ${MAX_STORED_PER_KEY} stored destinations per stream key`);
    }
    const d: StoredDestination = { id: `rd_${randomBytes(6).toString('hex')}`, keyId, name, url, sealedKey: this.box.seal(streamKey), createdAt: new Date().toISOString() };
    this.items.push(d);
    this.save();
    return this.toPublic(d);
  }

  remove(keyId: string, id: string): boolean {
    const before = this.items.length;
    this.items = this.items.filter((d) => !(d.id === id && d.keyId === keyId));
    if (this.items.length === before) return false;
    this.save();
    return true;
  }

  /** The push URL and key of a stored destination of this stream key; null if there is none (or it cannot be unsealed). */
  resolve(keyId: string, id: string): { url: string; streamKey: string } | null {
    const d = this.items.find((x) => x.id === id && x.keyId === keyId);
    if (!d) return null;
    try {
      return { url: d.url, streamKey: this.box.open(d.sealedKey) };
    } catch {
      return null;
    }
  }

  private toPublic(d: StoredDestination): PublicDestination {
    let hint = '';
    try {
      hint = '…' + this.box.open(d.sealedKey).slice(-4);
    } catch {
      hint = '(unreadable: re-enter it)';
    }
    return { id: d.id, name: d.name, url: d.url, streamKeyHint: hint, createdAt: d.createdAt };
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, destinations: this.items }, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
