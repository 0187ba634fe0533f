import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { createLogger } from '../util/logger.ts';
import { traceFsync } from '../../test/support/trace-fsync.ts';
import { KeyStore, LOOKUP_SECRET_FILE } from './key-store.ts';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-keys-'));

test('created keys verify, wrong keys do not, and nothing secret is stored', async () => {
  const dir = tmpDir();
  const store = new KeyStore(dir);
  const { id, key } = await store.create('test');
  assert.equal(await store.verify(key), id);
  assert.equal(await store.verify(key + 'x'), null);
  assert.equal(await store.verify(''), null);
  const onDisk = fs.readFileSync(path.join(dir, 'keys.json'), 'utf8');
  assert.ok(!onDisk.includes(key), 'the key itself must not be on disk');
  assert.equal(fs.statSync(path.join(dir, 'keys.json')).mode & 0o077, 0, 'key file is private');
});

test('revoked keys stop verifying, also for another store instance reading the same file', async () => {
  const dir = tmpDir();
  const a = new KeyStore(dir);
  const { id, key } = await a.create('x');
  const b = new KeyStore(dir);
  assert.equal(await b.verify(key), id);
  assert.ok(a.revoke(id));
  assert.equal(await b.verify(key), null);
  assert.equal(a.revoke('nope'), false);
});

test('ensure() seeds a chosen key once', async () => {
  const store = new KeyStore(tmpDir());
  const id1 = await store.ensure('my-test-key-123', 'env');
  const id2 = await store.ensure('my-test-key-123', 'env');
  assert.equal(id1, id2);
  assert.equal(store.activeCount(), 1);
});

test('keys.json holds no unkeyed digest of a key: the lookup is an HMAC under the per-install secret', async () => {
  const dir = tmpDir();
  const { key } = await new KeyStore(dir).create('x');
  const onDisk = fs.readFileSync(path.join(dir, 'keys.json'), 'utf8');
  const sha = createHash('sha256').update(key).digest();
  for (const form of [sha.toString('hex').slice(0, 16), sha.toString('base64url').slice(0, 16), sha.toString('base64').slice(0, 16)]) {
    assert.ok(!onDisk.includes(form), `an unsalted SHA-256 of the key is on disk (${form})`);
  }
  const secret = Buffer.from(fs.readFileSync(path.join(dir, LOOKUP_SECRET_FILE), 'utf8'), 'base64');
  assert.equal(secret.length, 32);
  assert.equal(fs.statSync(path.join(dir, LOOKUP_SECRET_FILE)).mode & 0o077, 0, 'lookup secret is private');
  const rec = JSON.parse(onDisk).keys[0];
  assert.equal(rec.lookup, createHmac('sha256', secret).update(key).digest('base64url'));
});

test('a version 1 key file is migrated: its SHA-256 prefixes leave the disk at once, and its keys still verify', async () => {
  const dir = tmpDir();
  const key = 'legacy-key-0123456789';
  const salt = randomBytes(16);
  const hash = scryptSync(key, salt, 32, { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  const legacyLookup = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const v1 = { version: 1, keys: [{ id: 'abcd1234', label: 'old', lookup: legacyLookup, salt: salt.toString('base64'), hash: hash.toString('base64'), createdAt: new Date().toISOString(), revokedAt: null }] };
  fs.writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(v1), { mode: 0o600 });
  const store = new KeyStore(dir);
  let onDisk = fs.readFileSync(path.join(dir, 'keys.json'), 'utf8');
  assert.equal(JSON.parse(onDisk).version, 2);
  assert.ok(!onDisk.includes(legacyLookup), 'the legacy lookup is gone from the file');
  assert.equal(await store.verify(key + 'x'), null);
  assert.equal(await store.verify(key), 'abcd1234');
  onDisk = fs.readFileSync(path.join(dir, 'keys.json'), 'utf8');
  assert.equal(typeof JSON.parse(onDisk).keys[0].lookup, 'string', 'a used key gets its keyed lookup');
  assert.equal(await new KeyStore(dir).verify(key), 'abcd1234');
});

test('a key file that turns unreadable is reported, the last good keys are kept, and nothing overwrites it', async () => {
  const dir = tmpDir();
  const lines: string[] = [];
  const store = new KeyStore(dir, createLogger('info', {}, (l) => lines.push(l)));
  const { id, key } = await store.create('x');
  const file = path.join(dir, 'keys.json');
  fs.writeFileSync(file, '{"version": 2, "keys": [ half-writt');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000)); // a change the store notices
  assert.doesNotThrow(() => store.isActive(id));
  assert.equal(store.isActive(id), true, 'last good state kept');
  assert.equal(await store.verify(key), id);
  assert.match(store.problem ?? '', /cannot be read/);
  assert.ok(lines.some((l) => l.includes('key file unreadable')), 'logged');
  await assert.rejects(store.create('y'), /cannot be read/);
  assert.throws(() => store.revoke(id), /cannot be read/);
  assert.match(fs.readFileSync(file, 'utf8'), /half-writt/, 'the operator’s file is left for them to fix');
  assert.throws(() => new KeyStore(dir), /keys\.json cannot be read/, 'a relay starting on it says why');
});

test('keys.json is written durably: temp file fsynced, renamed, folder fsynced', async () => {
  const dir = tmpDir();
  const ops = traceFsync();
  try {
    await new KeyStore(dir).create('x');
  } finally {
    ops.restore();
  }
  const seq = ops.list.filter((o) => o.includes('keys.json') || o.startsWith('fsync-dir'));
  const rename = seq.findIndex((o) => o.startsWith('rename') && o.endsWith('keys.json'));
  assert.ok(rename > 0 && seq.slice(0, rename).some((o) => o.startsWith('fsync-file')), `fsync before rename: ${seq}`);
  assert.ok(seq.slice(rename).some((o) => o === `fsync-dir ${dir}`), `folder fsynced after rename: ${seq}`);
});
