/**
 * The relay as a user runs it (its own process): first start prints a working studio link, the
 * key CLI creates and revokes keys on a running relay, and SIGTERM ends live playlists and leaves
 * no FFmpeg behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOSE_CODES } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { parsePlaylist } from './support/probe.ts';
import { startRelayChild } from './support/relay-child.ts';
import { TestPublisher } from './support/test-publisher.ts';

const relayDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The relay from `src/main.ts`, once it has printed its studio line (which comes after it listens). */
async function startMain(dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; stdout: () => string }> {
  const relay = await startRelayChild({ TABCAST_STREAM_KEY: '', ...env }, dataDir);
  for (let i = 0; i < 50 && !/studio/i.test(relay.output()); i++) await new Promise((r) => setTimeout(r, 100));
  return { child: relay.child, url: relay.url, stdout: relay.output };
}

const cli = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: relayDir, env: { ...process.env, TABCAST_DATA_DIR: dataDir }, encoding: 'utf8' });

test('first start prints a studio link whose key publishes; the CLI creates and revokes keys', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-first-'));
  const relay = await startMain(dataDir);
  try {
    const link = relay.stdout().match(/(http:\/\/\S+\/studio#key=(\S+))/);
    assert.ok(link, `no studio link printed:\n${relay.stdout()}`);
    const key = decodeURIComponent(link[2]!);
    assert.ok(!fs.readFileSync(path.join(dataDir, 'keys.json'), 'utf8').includes(key), 'key stored hashed');
    const pub = new TestPublisher(relay.url);
    await pub.hello(key);
    pub.close();

    const created = cli(dataDir, 'create', 'second');
    assert.equal(created.status, 0, created.stderr);
    const newKey = created.stdout.match(/stream key: (\S+)/)![1]!;
    const id = created.stdout.match(/created key (\S+)/)![1]!;
    assert.match(cli(dataDir, 'list').stdout, new RegExp(`${id}\\s+active`));
    const pub2 = new TestPublisher(relay.url);
    await pub2.hello(newKey); // the running relay picked up the new key
    pub2.close();

    assert.equal(cli(dataDir, 'revoke', id).status, 0);
    assert.match(cli(dataDir, 'list').stdout, new RegExp(`${id}\\s+revoked`));
    const pub3 = new TestPublisher(relay.url);
    await pub3.opened();
    pub3.send({ type: 'hello', version: 1, key: newKey, video: { codec: 'avc' }, audio: null });
    await pub3.closed;
    assert.equal(pub3.closeCode, CLOSE_CODES.unauthorized);

    assert.equal(cli(dataDir, 'revoke', 'nope').status, 1);
    assert.equal(cli(dataDir, 'bogus').status, 2);
  } finally {
    relay.child.kill('SIGKILL');
  }
});

test('a bad setting stops the relay with a one-line error naming it', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: relayDir, env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /PORT must be a whole number/);
});

test('SIGTERM ends every live playlist and leaves no FFmpeg process', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-term-'));
  const key = 'sigterm-test-key-123456';
  const relay = await startMain(dataDir, { TABCAST_STREAM_KEY: key });
  const fx = await loadFixture({ seconds: 6 });
  const streams: { id: string; pub: TestPublisher }[] = [];
  for (let i = 0; i < 3; i++) {
    // One stream per key: make two more keys.
    const k = i === 0 ? key : cli(dataDir, 'create', `k${i}`).stdout.match(/stream key: (\S+)/)![1]!;
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(k);
    await pub.sendFixture(fx, { pace: 'burst', maxDurationUs: 5_000_000 });
    streams.push({ id: w.streamId, pub });
  }
  // Wait until each stream has its playlist (FFmpeg is running for each).
  for (const s of streams) {
    const file = path.join(dataDir, 'hls', s.id, 'index.m3u8');
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  }
  const ffmpegPids = spawnSync('pgrep', ['-P', String(relay.child.pid), '-x', 'ffmpeg'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  assert.equal(ffmpegPids.length, 3, 'one FFmpeg per live stream');

  const exited = new Promise<number | null>((r) => relay.child.once('exit', (code) => r(code)));
  relay.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  for (const s of streams) {
    const playlist = parsePlaylist(fs.readFileSync(path.join(dataDir, 'hls', s.id, 'index.m3u8'), 'utf8'));
    assert.ok(playlist.ended, `stream ${s.id} playlist ends with #EXT-X-ENDLIST`);
    await s.pub.closed;
    assert.equal(s.pub.closeCode, 1001, 'publishers are told the relay is going away');
  }
  for (const pid of ffmpegPids) {
    assert.throws(() => process.kill(pid, 0), 'FFmpeg process is gone');
  }
});
