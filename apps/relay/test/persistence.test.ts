/**
 * Persistence (issue 9, item 12): stream.json is written durably, and a stream folder whose
 * stream.json cannot be read is removed once retention has passed (it used to stay forever).
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
