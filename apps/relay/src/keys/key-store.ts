/**
 * Stream keys in an embedded JSON file (no server). Keys are stored only as scrypt hashes with a
 * per-key salt; a short SHA-256 prefix of the key finds the record, and the scrypt comparison is
 * constant-time. The file is re-read when it changes on disk, so the CLI's create/revoke take
 * effect on a running relay.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
/** scrypt cost: N=2^14, r=8 — about 16 MiB and tens of ms per check; hashes are 32 bytes. */
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const HASH_BYTES = 32;

export interface KeyRecord {
  /** Public id of the key (safe to log and show). */
  id: string;
  label: string;
  /** First 16 hex chars of SHA-256(key): finds the record without trying every hash. */
  lookup: string;
  salt: string; // base64
  hash: string; // base64 scrypt
  createdAt: string;
  revokedAt: string | null;
}

interface KeyFile {
  version: 1;
  keys: KeyRecord[];
}

export interface CreatedKey {
  id: string;
  /** The secret key itself: shown once, never stored. */
  key: string;
}

const lookupOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

export class KeyStore {
  private file: string;
  private data: KeyFile = { version: 1, keys: [] };
  private loadedMtimeMs = -1;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'keys.json');
    fs.mkdirSync(dataDir, { recursive: true });
    this.reloadIfChanged();
  }

  private reloadIfChanged(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      this.data = { version: 1, keys: [] };
      this.loadedMtimeMs = -1;
      return;
    }
    if (stat.mtimeMs === this.loadedMtimeMs) return;
    const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as KeyFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new Error(`${this.file} is not a Tabcast key file`);
    this.data = parsed;
    this.loadedMtimeMs = stat.mtimeMs;
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.loadedMtimeMs = fs.statSync(this.file).mtimeMs;
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
      lookup: lookupOf(secret),
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
    const lookup = lookupOf(key);
    const candidates = this.data.keys.filter((k) => k.lookup === lookup && !k.revokedAt);
    // Always run one scrypt so an unknown key costs the same time as a wrong one.
    const targets = candidates.length ? candidates : [null];
    let match: string | null = null;
    for (const rec of targets) {
      const salt = rec ? Buffer.from(rec.salt, 'base64') : Buffer.alloc(16);
      const hash = await scrypt(key, salt, HASH_BYTES, SCRYPT);
      if (rec && timingSafeEqual(hash, Buffer.from(rec.hash, 'base64'))) match = rec.id;
    }
    return match;
  }
}
