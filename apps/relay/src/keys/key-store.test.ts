import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyStore } from './key-store.ts';

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
