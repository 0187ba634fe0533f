/**
 * Persistence (issue 9, item 12): stream.json is written durably, a stream folder whose
 * stream.json cannot be read is removed once retention has passed (it used to stay forever), and a
 * corrupt keys.json no longer crashes the relay's revocation check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config/config.ts';
import { StreamRegistry } from '../src/streams/stream-registry.ts';
import { saveStream } from '../src/streams/stream-store.ts';
import { createLogger } from '../src/util/logger.ts';
import { loadFixture } from './support/fixture.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { traceFsync } from './support/trace-fsync.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('stream.json is written durably: temp file fsynced, renamed, folder fsynced', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-store-'));
  const ops = traceFsync();
  try {
    saveStream(dir, { id: 'x', keyId: 'k', hasAudio: true, startedAt: new Date().toISOString(), endedAt: null, state: 'live' });
  } finally {
    ops.restore();
  }
  const rename = ops.list.findIndex((o) => o.startsWith('rename') && o.endsWith('stream.json'));
  assert.ok(rename > 0 && ops.list.slice(0, rename).some((o) => o.startsWith('fsync-file')), `fsync before rename: ${ops.list}`);
  assert.ok(ops.list.slice(rename).includes(`fsync-dir ${dir}`), `folder fsynced after rename: ${ops.list}`);
  assert.deepEqual(fs.readdirSync(dir), ['stream.json'], 'no temp file left');
});

test('a stream folder whose stream.json is unreadable is removed by retention, and said so in the log', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-retention-'));
  const broken = path.join(dataDir, 'hls', 'BrokenStream1');
  const missing = path.join(dataDir, 'hls', 'NoStreamJson1');
  fs.mkdirSync(broken, { recursive: true });
  fs.mkdirSync(missing, { recursive: true });
  fs.writeFileSync(path.join(broken, 'stream.json'), '{"id": "BrokenStr');
  fs.writeFileSync(path.join(broken, 'seg_00000.ts'), Buffer.alloc(1000));
  fs.writeFileSync(path.join(missing, 'seg_00000.ts'), Buffer.alloc(1000));
  const lines: string[] = [];
  const config = resolveConfig({ dataDir, endedRetentionMs: 300 }, {});
  const registry = new StreamRegistry(config, createLogger('info', {}, (l) => lines.push(l)), () => null);
  try {
    const deadline = Date.now() + 5_000;
    while (fs.existsSync(broken) || fs.existsSync(missing)) {
      if (Date.now() > deadline) throw new Error(`still there: ${fs.readdirSync(path.join(dataDir, 'hls'))}`);
      await sleep(50);
    }
    assert.ok(lines.some((l) => l.includes('without a readable stream.json') && l.includes('BrokenStream1')), 'logged in words');
    assert.deepEqual(registry.list(), []);
  } finally {
    registry.killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a keys.json corrupted while a stream is live does not crash the relay: the stream goes on, the problem is logged', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 6 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 2 });
    const file = path.join(relay.config.dataDir, 'keys.json');
    fs.writeFileSync(file, '{"version": 2, "keys": [ {"id": "trunc');
    await sleep(2_500); // the revocation check runs every second
    assert.equal(relay.registry.get(w.streamId)!.state, 'live');
    assert.ok(relay.logs.some((l) => l.includes('key file unreadable')), 'logged');
    await sending;
    await pub.stop();
    await pub.closed;
    assert.equal(pub.closeCode, 1000);
  } finally {
    await relay.stop();
  }
});
