import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DestinationStore } from './destination-store.ts';
import { SecretBox } from './secret-box.ts';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-secret-'));

test('sealed secrets open with the same key only, and are not readable on disk', () => {
  const d = dir();
  const box = SecretBox.open(d, null);
  const sealed = box.seal('live_123456789_secret');
  assert.ok(!sealed.includes('secret'));
  assert.equal(SecretBox.open(d, null).open(sealed), 'live_123456789_secret', 'the key file is reused');
  assert.throws(() => SecretBox.open(dir(), null).open(sealed));
  assert.equal(fs.statSync(path.join(d, 'secret.key')).mode & 0o077, 0);
  assert.throws(() => SecretBox.open(d, 'too-short'), /TABCAST_SECRET/);
});

test('stored destinations show only a hint of their key and belong to one stream key', () => {
  const d = dir();
  const store = new DestinationStore(d, SecretBox.open(d, null));
  const added = store.add('key-a', 'YouTube', 'rtmp://a.rtmp.youtube.com/live2', 'abcd-efgh-ijkl-9876');
  assert.equal(added.streamKeyHint, '…9876');
  assert.ok(!fs.readFileSync(path.join(d, 'destinations.json'), 'utf8').includes('abcd-efgh'));
  assert.deepEqual(store.list('key-b'), []);
  assert.equal(store.resolve('key-b', added.id), null, "another stream key cannot use it");
  assert.equal(store.resolve('key-a', added.id)?.streamKey, 'abcd-efgh-ijkl-9876');
  assert.equal(new DestinationStore(d, SecretBox.open(d, null)).list('key-a').length, 1, 'persisted');
  assert.equal(store.remove('key-b', added.id), false);
  assert.equal(store.remove('key-a', added.id), true);
});
