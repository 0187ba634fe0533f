import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TabcastError } from '@tabcast/shared';
import { AuthGate } from './auth-gate.ts';
import { KeyStore } from './key-store.ts';

const store = () => new KeyStore(fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-gate-')));
const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as TabcastError).code;
  }
};

test('an address with too many wrong keys is locked out, without a check; others are not', async () => {
  const keys = store();
  const { key } = await keys.create('k');
  let now = 0;
  const gate = new AuthGate(keys, { maxConcurrent: 2, maxQueued: 10, maxFailures: 3, windowMs: 1000, cacheMs: 1000, maxPendingPerAddress: 10 }, () => now);
  for (let i = 0; i < 3; i++) assert.equal(await code(gate.verify('wrong-key-123', '10.0.0.1')), 'unauthorized');
  const t0 = performance.now();
  assert.equal(await code(gate.verify(key, '10.0.0.1')), 'unauthorized', 'locked out, even with a right key not seen before');
  assert.ok(performance.now() - t0 < 5, 'no scrypt for a locked-out address');
  assert.equal(await code(gate.verify(key, '10.0.0.2')), 'ok');
  now = 1001;
  assert.equal(await code(gate.verify(key, '10.0.0.1')), 'ok', 'the lockout ends with the window');
});

test('floods queue behind a small number of checks and the excess is refused as busy', async () => {
  const keys = store();
  const gate = new AuthGate(keys, { maxConcurrent: 2, maxQueued: 4, maxFailures: 1000, windowMs: 60_000, cacheMs: 1000, maxPendingPerAddress: 1000 });
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => code(gate.verify(`wrong-${i}-xxxxxxxx`, '10.0.0.9'))));
  assert.equal(results.filter((r) => r === 'unauthorized').length, 6); // 2 running + 4 queued
  assert.equal(results.filter((r) => r === 'too-many-connections').length, 4);
});

test('a verified key is remembered, but a revoked one is not', async () => {
  const keys = store();
  const { id, key } = await keys.create('k');
  const gate = new AuthGate(keys);
  assert.equal(await gate.verify(key, 'a'), id);
  const t0 = performance.now();
  assert.equal(await gate.verify(key, 'a'), id);
  assert.ok(performance.now() - t0 < 5, 'second check is served from the cache');
  keys.revoke(id);
  assert.equal(await code(gate.verify(key, 'a')), 'unauthorized');
});

test('a key verified before is not locked out by strangers sharing its address', async () => {
  const keys = store();
  const { key } = await keys.create('k');
  const gate = new AuthGate(keys, { maxConcurrent: 2, maxQueued: 10, maxFailures: 3, windowMs: 60_000, cacheMs: 60_000, maxPendingPerAddress: 10 });
  assert.equal(await code(gate.verify(key, 'nat')), 'ok');
  for (let i = 0; i < 5; i++) await code(gate.verify('wrong-key-123', 'nat'));
  assert.equal(await code(gate.verify(key, 'nat')), 'ok');
});

test('wrong keys count toward the lockout while their checks run: an address cannot have more guesses in flight than the limit', async () => {
  const keys = store();
  const gate = new AuthGate(keys, { maxConcurrent: 2, maxQueued: 100, maxFailures: 3, windowMs: 60_000, cacheMs: 1000, maxPendingPerAddress: 100 });
  let checked = 0;
  const verify = keys.verify.bind(keys);
  keys.verify = (k: string) => (checked++, verify(k));
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => code(gate.verify(`wrong-${i}-xxxxxxxx`, '10.0.0.5'))));
  assert.equal(checked, 3, 'only 3 scrypt checks ran for 20 simultaneous guesses');
  assert.deepEqual(new Set(results), new Set(['unauthorized']));
});

test('one address cannot fill the key-check queue: its pending checks are capped, others still get in', async () => {
  const keys = store();
  const { key } = await keys.create('k');
  const gate = new AuthGate(keys, { maxConcurrent: 1, maxQueued: 8, maxFailures: 1000, windowMs: 60_000, cacheMs: 1000, maxPendingPerAddress: 2 });
  const flood = Array.from({ length: 10 }, (_, i) => code(gate.verify(`wrong-${i}-xxxxxxxx`, '2001:db8:1:2::/64')));
  const honest = code(gate.verify(key, '192.0.2.1'));
  const results = await Promise.all(flood);
  assert.equal(results.filter((r) => r === 'unauthorized').length, 2, 'two checks from the flooding address');
  assert.equal(results.filter((r) => r === 'too-many-connections').length, 8);
  assert.equal(await honest, 'ok', 'a publisher from elsewhere is checked, not refused as busy');
});
