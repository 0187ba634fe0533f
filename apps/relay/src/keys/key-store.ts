/**
 * Stream keys in an embedded JSON file (no server). Keys are stored only as scrypt hashes with a
 * per-key salt; an HMAC of the key under a per-install secret (`keys-lookup.key`, beside the file,
 * mode 0600) finds the record, and the scrypt comparison is constant-time. Someone holding only
 * keys.json can therefore not test guesses without paying scrypt for each. The file is re-read when
 * it changes on disk, so the CLI's create/revoke take effect on a running relay; a file that turns
 * unreadable is reported and the last good state kept.
 */
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../util/atomic-write.ts';
import type { Logger } from '../util/logger.ts';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
/** scrypt cost: N=2^14, r=8 — about 16 MiB and tens of ms per check; hashes are 32 bytes. */
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const HASH_BYTES = 32;

export interface KeyRecord {
  /** Public id of the key (safe to log and show). */
  id: string;
  label: string;
  /**
   * HMAC-SHA256(lookup secret, key), base64url: finds the record without trying every hash. Null
   * for a record migrated from a version 1 file (whose unsalted SHA-256 prefix was dropped): it is
   * tried with scrypt on every check until its key is next used, then gets its lookup.
   */
  lookup: string | null;
  salt: string; // base64
  hash: string; // base64 scrypt
  createdAt: string;
  revokedAt: string | null;
}

interface KeyFile {
  version: 2;
  keys: KeyRecord[];
}

export interface CreatedKey {
  id: string;
  /** The secret key itself: shown once, never stored. */
  key: string;
}

export const KEY_FILE = 'keys.json';
export const LOOKUP_SECRET_FILE = 'keys-lookup.key';

export class KeyStore {
  private file: string;
  private data: KeyFile = { version: 2, keys: [] };
  /** mtime and size of the file last read (or written); -1 when there is none. */
  private loaded = { mtimeMs: -1, size: -1 };
  /** Why the file on disk cannot be used, while it cannot (the last good state is kept). */
  problem: string | null = null;
  private lookupKey: Buffer;

  /** Throws, in words, when the file exists but cannot be read at start-up. */
  constructor(dataDir: string, private log?: Logger) {
    this.file = path.join(dataDir, KEY_FILE);
    fs.mkdirSync(dataDir, { recursive: true });
    this.lookupKey = openLookupSecret(dataDir);
    this.reloadIfChanged();
    if (this.problem) throw new Error(this.problem);
  }

  private lookupOf(key: string): string {
    return createHmac('sha256', this.lookupKey).update(key).digest('base64url');
  }

  /**
   * Re-reads the file if it changed. A file that cannot be parsed (half-copied, edited by hand)
   * is reported once and the last good keys are kept: a running relay never throws from here.
   */
  private reloadIfChanged(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      this.data = { version: 2, keys: [] };
      this.loaded = { mtimeMs: -1, size: -1 };
      this.problem = null;
      return;
    }
    if (stat.mtimeMs === this.loaded.mtimeMs && stat.size === this.loaded.size) return;
    this.loaded = { mtimeMs: stat.mtimeMs, size: stat.size };
    let parsed: { version?: unknown; keys?: unknown };
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as typeof parsed;
      if ((parsed.version !== 1 && parsed.version !== 2) || !Array.isArray(parsed.keys)) throw new Error('not a Tabcast key file (no version 1 or 2 and keys list)');
    } catch (err) {
      this.problem = `${this.file} cannot be read (${(err as Error).message}); keeping the ${this.data.keys.length} keys read before. Fix or restore the file; keys cannot be created or revoked until then`;
      this.log?.error('key file unreadable', { file: this.file, error: this.problem });
      return;
    }
    if (this.problem) this.log?.info('key file readable again', { file: this.file });
    this.problem = null;
    const keys = parsed.keys as KeyRecord[];
    if (parsed.version === 1) {
      // Migration: drop the unsalted SHA-256 prefixes from disk at once.
      this.data = { version: 2, keys: keys.map((k) => ({ ...k, lookup: null })) };
      try {
        this.save();
        this.log?.info('key file migrated to version 2 (keyed lookups)', { file: this.file });
      } catch (err) {
        this.log?.warn('could not rewrite the key file in version 2', { error: (err as Error).message });
      }
      return;
    }
    this.data = { version: 2, keys };
  }

  private save(): void {
    if (this.problem) throw new Error(this.problem);
    writeFileAtomic(this.file, JSON.stringify(this.data, null, 2), 0o600);
    const stat = fs.statSync(this.file);
    this.loaded = { mtimeMs: stat.mtimeMs, size: stat.size };
  }

  list(): readonly Omit<KeyRecord, 'salt' | 'hash' | 'lookup'>[] {
    this.reloadIfChanged();
    return this.data.keys.map(({ id, label, createdAt, revokedAt }) => ({ id, label, createdAt, revokedAt }));
  }

  activeCount(): number {
    this.reloadIfChanged();
    return this.data.keys.filter((k) => !k.revokedAt).length;
  }

  /** Adds a key. With no `key`, a random 32-byte one is made. Returns the secret once. */
  async create(label: string, key?: string): Promise<CreatedKey> {
    this.reloadIfChanged();
    const secret = key ?? `tc_${randomBytes(24).toString('base64url')}`;
    const salt = randomBytes(16);
    const hash = await scrypt(secret, salt, HASH_BYTES, SCRYPT);
    const id = randomBytes(4).toString('hex');
    this.data.keys.push({
      id,
      label,
      lookup: this.lookupOf(secret),
      salt: salt.toString('base64'),
      hash: hash.toString('base64'),
      createdAt: new Date().toISOString(),
      revokedAt: null,
    });
    this.save();
    return { id, key: secret };
  }

  /** Adds `key` unless an active record already matches it (used for TABCAST_STREAM_KEY). */
  async ensure(key: string, label: string): Promise<string> {
    const existing = await this.verify(key);
    if (existing) return existing;
    return (await this.create(label, key)).id;
  }

  /** Marks a key revoked. Returns false if no such id. */
  revoke(id: string): boolean {
    this.reloadIfChanged();
    const rec = this.data.keys.find((k) => k.id === id);
    if (!rec) return false;
    if (!rec.revokedAt) {
      rec.revokedAt = new Date().toISOString();
      this.save();
    }
    return true;
  }

  isActive(id: string): boolean {
    this.reloadIfChanged();
    return this.data.keys.some((k) => k.id === id && !k.revokedAt);
  }

  /** Returns the key id if `key` is a known, unrevoked key; null otherwise. Constant-time in the hash compare. */
  async verify(key: string): Promise<string | null> {
    this.reloadIfChanged();
    const lookup = this.lookupOf(key);
    // Records migrated from version 1 have no lookup yet: each is tried (bounded by their number).
    const candidates = this.data.keys.filter((k) => (k.lookup === lookup || k.lookup === null) && !k.revokedAt);
    // Always run one scrypt so an unknown key costs the same time as a wrong one.
    const targets = candidates.length ? candidates : [null];
    let match: string | null = null;
    for (const rec of targets) {
      const salt = rec ? Buffer.from(rec.salt, 'base64') : Buffer.alloc(16);
      const hash = await scrypt(key, salt, HASH_BYTES, SCRYPT);
      if (rec && timingSafeEqual(hash, Buffer.from(rec.hash, 'base64'))) {
        match = rec.id;
        if (rec.lookup === null) {
          rec.lookup = lookup;
          try {
            this.save();
          } catch (err) {
            this.log?.warn('could not save the migrated key lookup', { error: (err as Error).message });
          }
        }
      }
    }
    return match;
  }
}

/** The per-install HMAC key for lookups: `<dataDir>/keys-lookup.key` (32 random bytes, base64, 0600), made on first use. */
function openLookupSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, LOOKUP_SECRET_FILE);
  try {
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} is not a 32-byte key (restore it from a backup, or remove it and keys.json and create keys again)`);
  return key;
}
