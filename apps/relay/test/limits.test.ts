/** Every limit is enforced with its documented close code. Real relay, real sockets on loopback. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const wsUrl = (base: string, path = '/ws/publish') => base.replace(/^http/, 'ws') + path;
const closeOf = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));

test('a publisher that goes quiet is cut off after the idle timeout', async () => {
  const relay = await startRelay({ idleTimeoutMs: 1000 });
  try {
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    const t0 = Date.now();
    await pub.closed;
    assert.equal(pub.closeCode, CLOSE_CODES['idle-timeout']);
    assert.ok(Date.now() - t0 < 3000);
  } finally {
    await relay.stop();
  }
});

test('over the bitrate limit, and over the frame-rate limit, is rate-limited', async () => {
  const fx = await loadFixture({ seconds: 10 });
  for (const limits of [{ maxBitrate: 500_000 }, { maxFrameRate: 10 }]) {
    const relay = await startRelay(limits);
    try {
      const pub = new TestPublisher(relay.url);
      await pub.hello(TEST_KEY);
      await pub.sendFixture(fx, { pace: 'realtime', maxDurationUs: 6_000_000 });
      await pub.closed;
      assert.equal(pub.closeCode, CLOSE_CODES['rate-limited'], JSON.stringify(limits));
      assert.match(pub.closeReason, /limit/);
    } finally {
      await relay.stop();
    }
  }
});

test('audio and video drifting apart beyond the skew limit is refused', async () => {
  const relay = await startRelay({ maxTrackSkewMs: 1000 });
  try {
    const fx = await loadFixture({ seconds: 6 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY);
    const noAudio = { ...fx, audio: { ...fx.audio!, packets: fx.audio!.packets.slice(0, 5) } };
    await pub.sendFixture(noAudio, { pace: 'burst' });
    await pub.closed;
    assert.equal(pub.closeCode, CLOSE_CODES['rate-limited']);
    assert.match(pub.closeReason, /apart/);
  } finally {
    await relay.stop();
  }
});

test('the first video chunk must be a keyframe', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 4 });
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY, { audio: false });
    const delta = fx.video.packets.find((p) => !p.key)!;
    pub.send({ type: 'chunk', track: 'video', timestampUs: 1, durationUs: 0, key: false, data: delta.data, config: fx.video.config });
    await pub.closed;
    assert.equal(pub.closeCode, CLOSE_CODES['out-of-order']);
    assert.match(pub.closeReason, /keyframe/);
  } finally {
    await relay.stop();
  }
});

test('viewer connections per IP are capped', async () => {
  const relay = await startRelay({ maxViewerConnectionsPerIp: 3 });
  try {
    const open = [];
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(wsUrl(relay.url, '/ws/events'));
      await new Promise((r) => ws.once('open', r));
      open.push(ws);
    }
    const extra = new WebSocket(wsUrl(relay.url, '/ws/events'));
    const { code } = await closeOf(extra);
    assert.equal(code, CLOSE_CODES['too-many-connections']);
    open[0]!.close();
    await closeOf(open[0]!);
    await new Promise((r) => setTimeout(r, 50));
    const again = new WebSocket(wsUrl(relay.url, '/ws/events'));
    await new Promise((r, j) => (again.once('open', r), again.once('close', () => j(new Error('refused after a slot freed')))));
    again.close();
    open.slice(1).forEach((w) => w.close());
  } finally {
    await relay.stop();
  }
});

test('browser sockets from a foreign origin are refused; same-host and allowlisted origins pass', async () => {
  const relay = await startRelay({ allowedOrigins: ['https://studio.example'] });
  try {
    const evil = new WebSocket(wsUrl(relay.url), { origin: 'https://evil.example' });
    assert.equal((await closeOf(evil)).code, CLOSE_CODES['forbidden-origin']);
    for (const origin of [relay.url, 'https://studio.example']) {
      const pub = new WebSocket(wsUrl(relay.url, '/ws/events'), { origin });
      await new Promise((r, j) => (pub.once('open', r), pub.once('close', (c) => j(new Error(`${origin} refused: ${c}`)))));
      pub.close();
    }
  } finally {
    await relay.stop();
  }
});

test('revoking a key cuts its live stream, which ends cleanly', async () => {
  const relay = await startRelay();
  try {
    const { id, key } = await relay.keys.create('to-revoke');
    const fx = await loadFixture({ seconds: 6 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(key);
    void pub.sendFixture(fx, { pace: 'realtime' });
    await new Promise((r) => setTimeout(r, 2500));
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'revoke', id], { env: { ...process.env, TABCAST_DATA_DIR: relay.config.dataDir }, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    await pub.closed;
    assert.equal(pub.closeCode, CLOSE_CODES.unauthorized);
    assert.match(pub.closeReason, /revoked/);
    assert.equal(relay.registry.get(w.streamId)!.state, 'ended');
  } finally {
    await relay.stop();
  }
});

test('a slow-loris client trickling headers is cut off', async () => {
  const relay = await startRelay({ headersTimeoutMs: 1000 });
  try {
    const { port } = new URL(relay.url);
    const sock = net.connect(Number(port), '127.0.0.1');
    sock.on('error', () => undefined); // EPIPE on a drip after the relay hung up is the point
    await new Promise((r) => sock.once('connect', r));
    const t0 = Date.now();
    const closed = new Promise((r) => sock.once('close', r));
    const drip = setInterval(() => sock.writable && sock.write('X-Slow: 1\r\n'), 200);
    sock.write('GET /ws/publish HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    await closed;
    clearInterval(drip);
    const ms = Date.now() - t0;
    assert.ok(ms < 4000, `cut off after ${ms} ms`);
  } finally {
    await relay.stop();
  }
});

test('a key may publish several streams at once only when configured to', async () => {
  const relay = await startRelay({ maxStreamsPerKey: 2 });
  try {
    const a = new TestPublisher(relay.url);
    const b = new TestPublisher(relay.url);
    const c = new TestPublisher(relay.url);
    const wa = await a.hello(TEST_KEY);
    const wb = await b.hello(TEST_KEY);
    assert.notEqual(wa.streamId, wb.streamId);
    await c.opened();
    c.send({ type: 'hello', version: 1, key: TEST_KEY, video: { codec: 'avc' }, audio: null });
    await c.closed;
    assert.equal(c.closeCode, CLOSE_CODES['stream-busy']);
    a.close();
    b.close();
  } finally {
    await relay.stop();
  }
});
