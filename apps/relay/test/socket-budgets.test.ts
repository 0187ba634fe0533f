/**
 * Sockets a hostile or crowded world opens: budgets per kind and address, viewer caps, sockets
 * that receive nothing, refusals that must not flood the log. Real relay on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '@tabcast/shared';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const wsUrl = (base: string, path: string) => base.replace(/^http/, 'ws') + path;
const closeOf = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
const opened = (ws: WebSocket) =>
  new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', (code, reason) => reject(new Error(`refused: ${code} ${reason}`)));
  });

test('50+ viewers behind one address never block the broadcaster reconnecting from it', { timeout: 20_000 }, async () => {
  const relay = await startRelay({ maxViewerConnectionsPerIp: 120, maxPublishConnectionsPerIp: 2 });
  const viewers: WebSocket[] = [];
  try {
    const pub = new TestPublisher(relay.url);
    const welcome = await pub.hello(TEST_KEY);
    // 60 watch pages: an events socket and a real-time socket each.
    for (let i = 0; i < 60; i++) {
      for (const path of ['/ws/events', `/ws/watch/${welcome.streamId}`]) {
        const ws = new WebSocket(wsUrl(relay.url, path));
        ws.on('error', () => undefined);
        viewers.push(ws);
      }
    }
    await Promise.all(viewers.map(opened));
    const refused = await closeOf(new WebSocket(wsUrl(relay.url, '/ws/events')));
    assert.equal(refused.code, CLOSE_CODES['too-many-connections'], 'the viewer budget is full');
    pub.close();
    await pub.closed;
    const deadline = Date.now() + 5_000;
    while (relay.registry.get(welcome.streamId)!.publisherConnected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Another page joins while the broadcaster is away: it must not take the broadcaster's slot.
    const late = new WebSocket(wsUrl(relay.url, '/ws/events'));
    late.on('error', () => undefined);
    viewers.push(late);
    await new Promise((r) => late.once('open', r));
    const again = new TestPublisher(relay.url);
    const resumed = await again.hello(TEST_KEY, { resume: welcome.streamId });
    assert.equal(resumed.resumed, true, 'the broadcaster resumed from the same address');
    again.close();
  } finally {
    for (const ws of viewers) ws.terminate();
    await relay.stop();
  }
});

test('publish sockets per address have their own cap', { timeout: 20_000 }, async () => {
  const relay = await startRelay({ maxPublishConnectionsPerIp: 2 });
  try {
    const a = new WebSocket(wsUrl(relay.url, '/ws/publish'));
    const b = new WebSocket(wsUrl(relay.url, '/ws/publish'));
    await Promise.all([opened(a), opened(b)]);
    const c = await closeOf(new WebSocket(wsUrl(relay.url, '/ws/publish')));
    assert.equal(c.code, CLOSE_CODES['too-many-connections']);
    assert.match(c.reason, /publish connections/);
    a.terminate();
    b.terminate();
  } finally {
    await relay.stop();
  }
});

test('an events socket is closed on its first message; a 1 MB compressed bomb is refused before it is inflated', { timeout: 20_000 }, async () => {
  const relay = await startRelay();
  try {
    const chatty = new WebSocket(wsUrl(relay.url, '/ws/events'));
    await opened(chatty);
    const closed = closeOf(chatty);
    chatty.send('hello?');
    assert.equal((await closed).code, CLOSE_CODES['bad-message']);

    const bomb = new WebSocket(wsUrl(relay.url, '/ws/events'), { perMessageDeflate: { threshold: 0 } });
    bomb.on('error', () => undefined);
    await opened(bomb);
    assert.ok(bomb.extensions.includes('permessage-deflate'), 'compression negotiated');
    const bombClosed = closeOf(bomb);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 20; i++) bomb.send(Buffer.alloc(2 * 1024 * 1024, 0x20), { compress: true });
    const { code } = await bombClosed;
    const cpuMs = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000;
    assert.ok([1009, CLOSE_CODES['bad-message']].includes(code), `closed with ${code}`);
    // Both ends share this process: our deflating 40 MB costs ~100 ms; inflating it would cost as much again.
    assert.ok(cpuMs < 1500, `cpu ${cpuMs} ms`);
  } finally {
    await relay.stop();
  }
});

test('refused sockets log a clipped Origin, at most 20 lines per 10 s', { timeout: 20_000 }, async () => {
  const relay = await startRelay();
  try {
    const origin = 'https://evil.example/' + 'x'.repeat(8000);
    const refusals = await Promise.all(Array.from({ length: 60 }, () => closeOf(new WebSocket(wsUrl(relay.url, '/ws/events'), { origin }))));
    assert.ok(refusals.every((r) => r.code === CLOSE_CODES['forbidden-origin']));
    const lines = relay.logs.filter((l) => l.includes('socket refused'));
    assert.ok(lines.length <= 20, `${lines.length} log lines for 60 refusals`);
    assert.ok(lines.length > 0);
    assert.ok(lines.every((l) => l.length < 600), `longest line ${Math.max(...lines.map((l) => l.length))} chars`);
  } finally {
    await relay.stop();
  }
});
