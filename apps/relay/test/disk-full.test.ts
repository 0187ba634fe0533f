/**
 * A full disk (issue 9, item 8), on a real 8 MiB tmpfs filled to the brim while a stream is live:
 * the relay stays up, ends the stream with `disk-full` and the reason in words, says so in
 * disk.status(), refuses new streams with 4507, and takes them again once there is room.
 * Also the data folder quota. Needs root for mount; skipped with a message otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLOSE_CODES } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { parsePlaylist } from './support/probe.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { waitFor } from './support/poll.ts';


/** Mounts a tmpfs of `size`; null (with the reason) when this machine does not let us. */
function mountTmpfs(size: string): { dir: string; unmount(): void } | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmdirSync(dir);
    return `cannot mount a tmpfs here (needs root): ${(err as Error).message.split('\n')[0]}`;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir]);
      fs.rmdirSync(dir);
    },
  };
}

/** Writes a file until the filesystem refuses another byte. */
function fillToTheBrim(file: string): number {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 512, 1]) {
      const buf = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          written += fs.writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

test('a disk filled to the brim ends the stream with disk-full, keeps the relay up, and refuses new streams until there is room', async (t) => {
  const fsMount = mountTmpfs('8m');
  if (typeof fsMount === 'string') return t.skip(fsMount);
  const relay = await startRelay({ dataDir: fsMount.dir, minFreeDiskBytes: 512 * 1024, diskCheckIntervalMs: 200, ffmpegRestartDelayMs: 50 });
  try {
    const fx = await loadFixture({ seconds: 20, gopFrames: 15 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const session = relay.registry.get(w.streamId)!;
    let done = false;
    const sending = pub.sendFixture(fx, { pace: 'realtime', until: () => done });
    await waitFor('a segment', () => fs.existsSync(session.playlistPath) && parsePlaylist(fs.readFileSync(session.playlistPath, 'utf8')).segments.length >= 1, 15_000);
    assert.equal(relay.disk.status().state, 'ok');

    const filler = path.join(fsMount.dir, 'filler');
    fillToTheBrim(filler);
    await waitFor('the publisher closed', () => pub.closeCode !== null, 10_000);
    done = true;
    await sending;
    assert.equal(pub.closeCode, CLOSE_CODES['disk-full']);
    const err = pub.received.find((m) => m.type === 'error');
    assert.ok(err && err.type === 'error' && err.code === 'disk-full' && /disk is full/.test(err.message), JSON.stringify(err));
    assert.ok(relay.logs.some((l) => l.includes('disk full')), 'logged');
    assert.equal(session.state, 'ended');
    const status = relay.disk.status();
    assert.equal(status.state, 'full');
    assert.match(status.reason ?? '', /free, below the .* minimum/);

    // Refused while full, with the code and the reason.
    const refused = new TestPublisher(relay.url);
    await refused.hello(TEST_KEY).catch(() => undefined);
    await refused.closed;
    assert.equal(refused.closeCode, CLOSE_CODES['disk-full']);
    assert.match(refused.closeReason, /disk is full/);

    // Room again: accepted.
    fs.rmSync(filler);
    await waitFor('disk ok', () => relay.disk.status().state === 'ok', 5_000);
    const again = new TestPublisher(relay.url);
    const w2 = await again.hello(TEST_KEY);
    assert.ok(w2.streamId);
    await again.sendFixture(await loadFixture({ seconds: 3 }), { pace: 'burst' });
    await again.stop();
    // Still the same relay process, serving. (Its health stays below healthy: an 8 MiB disk is under
    // the health check's own free-space thresholds, and it says so in words.)
    assert.equal((await fetch(`${relay.url}/api/live`)).status, 200);
    const health = (await (await fetch(`${relay.url}/api/health`)).json()) as { issues: string[] };
    assert.ok(health.issues.some((i) => /free in the data folder/.test(i)), `health names the disk: ${health.issues.join('; ')}`);
  } finally {
    await relay.stop();
    fsMount.unmount();
  }
});

test('the data folder quota counts as a full disk', async (t) => {
  const fsMount = mountTmpfs('64m');
  if (typeof fsMount === 'string') return t.skip(fsMount);
  const relay = await startRelay({ dataDir: fsMount.dir, minFreeDiskBytes: 0, dataQuotaBytes: 4 * 1024 * 1024, diskCheckIntervalMs: 200 });
  try {
    const fx = await loadFixture({ seconds: 30, gopFrames: 15 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    let done = false;
    const sending = pub.sendFixture(fx, { pace: 2, until: () => done });
    await waitFor('the publisher closed', () => pub.closeCode !== null, 30_000);
    done = true;
    await sending;
    assert.equal(pub.closeCode, CLOSE_CODES['disk-full']);
    assert.match(relay.disk.status().reason ?? '', /data folder is full: .* used of its 4\.2 MB quota/);
    assert.ok(relay.disk.status().usedBytes! >= 4 * 1024 * 1024);
  } finally {
    await relay.stop();
    fsMount.unmount();
  }
});
