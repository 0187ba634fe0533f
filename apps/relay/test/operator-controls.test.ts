/**
 * Operator controls (docs/security.md): the admin API (stop a stream, kick a publisher), viewer
 * caps, the DNS-rebinding guard, the destination-host allowlist. Real relay on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { CLOSE_CODES, type StreamInfo } from '@tabcast/shared';
import { rawRequest } from './support/raw-http.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const TOKEN = 'operator-token-0123456789abcdef';
const wsUrl = (base: string, path: string) => base.replace(/^http/, 'ws') + path;
const closeOf = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
const post = (url: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers });

test('admin API: the token is required when set; stop ends a stream (4412), kick drops its publisher (4411) and it may resume', { timeout: 30_000 }, async () => {
  const relay = await startRelay({ adminToken: TOKEN, maxStreamsPerKey: 2 });
  try {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const a = new TestPublisher(relay.url);
    const wa = await a.hello(TEST_KEY, { audio: false });
    assert.equal((await post(`${relay.url}/api/admin/streams/${wa.streamId}/stop`)).status, 401, 'no token');
    assert.equal((await post(`${relay.url}/api/admin/streams/${wa.streamId}/stop`, { authorization: 'Bearer wrong-token-0123456789' })).status, 401);
    assert.equal(relay.registry.get(wa.streamId)!.state, 'live');

    const stopped = await post(`${relay.url}/api/admin/streams/${wa.streamId}/stop`, auth);
    assert.equal(stopped.status, 200);
    await a.closed;
    assert.equal(a.closeCode, CLOSE_CODES['stopped-by-operator']);
    assert.equal(relay.registry.get(wa.streamId)?.state ?? 'ended', 'ended');

    const b = new TestPublisher(relay.url);
    const wb = await b.hello(TEST_KEY, { audio: false });
    assert.equal((await post(`${relay.url}/api/admin/streams/${wb.streamId}/kick`, auth)).status, 200);
    await b.closed;
    assert.equal(b.closeCode, CLOSE_CODES.kicked);
    assert.equal(relay.registry.get(wb.streamId)!.state, 'live', 'a kicked publisher’s stream waits for a resume');
    const again = new TestPublisher(relay.url);
    assert.equal((await again.hello(TEST_KEY, { audio: false, resume: wb.streamId })).resumed, true);

    const all = (await (await fetch(`${relay.url}/api/admin/streams`, { headers: auth })).json()) as StreamInfo[];
    assert.ok(all.some((s) => s.id === wb.streamId));
    assert.equal((await post(`${relay.url}/api/admin/streams/nosuchstream123/stop`, auth)).status, 404);
    again.close();
  } finally {
    await relay.stop();
  }
});

test('admin API without a token: loopback only, never through a proxy, never from a foreign page', async () => {
  const relay = await startRelay();
  try {
    assert.equal((await fetch(`${relay.url}/api/admin/streams`)).status, 200, 'loopback, direct');
    assert.equal((await fetch(`${relay.url}/api/admin/streams`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 403, 'through a proxy');
    const csrf = await rawRequest(relay.url, 'POST /api/admin/streams/abcdefgh/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    assert.match(csrf, /^HTTP\/1\.1 403/, 'a cross-site form');
  } finally {
    await relay.stop();
  }
});

test('viewer caps: per stream and per relay, refused with 4432', { timeout: 20_000 }, async () => {
  const relay = await startRelay({ maxViewersPerStream: 2, maxViewerConnections: 4 });
  const sockets: WebSocket[] = [];
  const open = async (path: string) => {
    const ws = new WebSocket(wsUrl(relay.url, path));
    ws.on('error', () => undefined);
    sockets.push(ws);
    await new Promise((r) => ws.once('open', r));
    return ws;
  };
  try {
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY, { audio: false });
    await open(`/ws/watch/${w.streamId}`);
    await open(`/ws/watch/${w.streamId}`);
    const third = await closeOf(new WebSocket(wsUrl(relay.url, `/ws/watch/${w.streamId}`)));
    assert.equal(third.code, CLOSE_CODES['too-many-viewers']);
    assert.match(third.reason, /viewer limit/);
    await open('/ws/events');
    await open('/ws/events');
    const fifth = await closeOf(new WebSocket(wsUrl(relay.url, '/ws/events')));
    assert.equal(fifth.code, CLOSE_CODES['too-many-viewers']);
    pub.close();
  } finally {
    for (const ws of sockets) ws.terminate();
    await relay.stop();
  }
});

test('DNS rebinding: a loopback relay refuses foreign Host names, and an Origin matching the Host is not enough', async () => {
  const relay = await startRelay();
  try {
    const rebound = await rawRequest(relay.url, 'GET /api/streams HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n');
    assert.match(rebound, /^HTTP\/1\.1 403/);
    assert.match((await rawRequest(relay.url, 'GET /api/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')), /^HTTP\/1\.1 200/);
    const { port } = new URL(relay.url);
    const upgrade = await rawRequest(relay.url, `GET /ws/events HTTP/1.1\r\nHost: evil.example:${port}\r\nOrigin: http://evil.example:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    assert.match(upgrade, /^HTTP\/1\.1 403/);
  } finally {
    await relay.stop();
  }
  // Bound to all interfaces (no Host check), the Origin still has to be ours, whatever the Host says.
  const open = await startRelay({ host: '0.0.0.0', publicUrl: 'https://live.example.com' });
  try {
    const { port } = new URL(open.url);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/events`, { origin: `http://127.0.0.1:${port}` });
    assert.equal((await closeOf(ws)).code, CLOSE_CODES['forbidden-origin']);
    const ours = new WebSocket(`ws://127.0.0.1:${port}/ws/events`, { origin: 'https://live.example.com' });
    await new Promise((r, j) => (ours.once('open', r), ours.once('close', (c) => j(new Error(`refused ${c}`)))));
    ours.close();
  } finally {
    await open.stop();
  }
});

test('destination hosts outside TABCAST_DESTINATION_HOSTS are refused (the broadcast goes on)', async () => {
  const relay = await startRelay({ destinationHosts: ['*.allowed.example'] });
  try {
    const pub = new TestPublisher(relay.url);
    await pub.hello(TEST_KEY, { audio: false });
    pub.send({ type: 'destinations', destinations: [{ id: 'd1', name: 'internal', enabled: true, url: 'rtmp://10.0.0.5/live', streamKey: 'k' }] });
    const err = await pub.waitFor('error');
    assert.ok(err.type === 'error' && !err.fatal && /host 10\.0\.0\.5 is not allowed/.test(err.message), JSON.stringify(err));
    assert.equal(pub.ws.readyState, WebSocket.OPEN);
    const api = await fetch(`${relay.url}/api/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', url: 'rtmp://evil.example/app', streamKey: 'k' }),
    });
    assert.equal(api.status, 400);
    assert.match(((await api.json()) as { error: string }).error, /not allowed/);
    const ok = await fetch(`${relay.url}/api/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', url: 'rtmp://live.allowed.example/app', streamKey: 'k' }),
    });
    assert.equal(ok.status, 201);
    pub.close();
  } finally {
    await relay.stop();
  }
});
