/** Bad publishers get the documented close code and a reason; the relay stays up. Real sockets. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { pack } from 'msgpackr';
import { WebSocket } from 'ws';
import { CLOSE_CODES, PROTOCOL_VERSION } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { startRelay, TEST_KEY, type Harness } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

let relay: Harness;
before(async () => {
  relay = await startRelay({ handshakeTimeoutMs: 500 });
});
after(() => relay.stop());

const helloFields = { version: PROTOCOL_VERSION, video: { codec: 'avc' }, audio: null };

test('a wrong key is refused with unauthorized', async () => {
  const pub = new TestPublisher(relay.url);
  await pub.opened();
  pub.send({ type: 'hello', key: 'wrong-key-123456', ...helloFields } as never);
  await pub.closed;
  assert.equal(pub.closeCode, CLOSE_CODES.unauthorized);
  const err = pub.received.find((m) => m.type === 'error');
  assert.ok(err && err.type === 'error' && /stream key/.test(err.message));
});

test('an unknown protocol version is refused', async () => {
  const pub = new TestPublisher(relay.url);
  await pub.opened();
  pub.send({ type: 'hello', key: TEST_KEY, ...helloFields, version: 99 } as never);
  await pub.closed;
  assert.equal(pub.closeCode, CLOSE_CODES['unsupported-version']);
});

test('garbage, text frames and chunks before hello are bad-message', async () => {
  for (const payload of [Buffer.from([0xc1, 0x00]), 'hello as text', pack({ type: 'chunk', track: 'video' })]) {
    const pub = new TestPublisher(relay.url);
    await pub.opened();
    pub.ws.send(payload);
    await pub.closed;
    assert.equal(pub.closeCode, CLOSE_CODES['bad-message'], `payload ${String(payload).slice(0, 20)}`);
  }
});

test('a chunk before its codec config, or going back in time, is out-of-order', async () => {
  const fx = await loadFixture({ seconds: 4 });
  const pub = new TestPublisher(relay.url);
  await pub.hello(TEST_KEY);
  const p = fx.video.packets[0]!;
  pub.send({ type: 'chunk', track: 'video', timestampUs: 1000, durationUs: 0, key: true, data: p.data });
  await pub.closed;
  assert.equal(pub.closeCode, CLOSE_CODES['out-of-order']);

  const pub2 = new TestPublisher(relay.url);
  await pub2.hello(TEST_KEY);
  pub2.send({ type: 'chunk', track: 'video', timestampUs: 5000, durationUs: 0, key: true, data: p.data, config: fx.video.config });
  pub2.send({ type: 'chunk', track: 'video', timestampUs: 4000, durationUs: 0, key: false, data: p.data });
  await pub2.closed;
  assert.equal(pub2.closeCode, CLOSE_CODES['out-of-order']);
});

test('a message over the size limit is refused', async () => {
  const ws = new WebSocket(relay.url.replace('http', 'ws') + '/ws/publish');
  await new Promise((r) => ws.once('open', r));
  ws.send(Buffer.alloc(relay.config.maxMessageBytes + 1));
  const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
  assert.equal(code, 1009); // ws' own "message too big" close, before any parsing
});

test('before the key checks out, messages over 16 KiB are refused (ws internals still as expected)', async () => {
  const ws = new WebSocket(relay.url.replace('http', 'ws') + '/ws/publish');
  await new Promise((r) => ws.once('open', r));
  ws.send(Buffer.alloc(100 * 1024));
  const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
  assert.equal(code, 1009);
  // After welcome the full limit applies again: a 1 MiB chunk is accepted (then refused only for order).
  const pub = new TestPublisher(relay.url);
  await pub.hello(TEST_KEY);
  pub.send({ type: 'chunk', track: 'video', timestampUs: 0, durationUs: 0, key: true, data: new Uint8Array(1 << 20) });
  await pub.closed;
  assert.equal(pub.closeCode, CLOSE_CODES['out-of-order'], 'a big message after welcome reaches validation');
});

test('resuming a stream whose old socket still looks connected takes it over and tells the old one', async () => {
  const a = new TestPublisher(relay.url);
  const w = await a.hello(TEST_KEY);
  const b = new TestPublisher(relay.url);
  const resumed = await b.hello(TEST_KEY, { resume: w.streamId });
  assert.equal(resumed.streamId, w.streamId);
  await a.closed;
  assert.equal(a.closeCode, CLOSE_CODES['stream-busy']);
  assert.match(a.closeReason, /another connection resumed/);
  b.close();
});

test('malformed request targets get 400 and do not take the relay down', async () => {
  for (const target of ['//[', 'http://a:99999/', '*']) {
    assert.equal(await rawGetStatus(relay.url, target), 400, target);
  }
  const { hostname, port } = new URL(relay.url);
  await new Promise<void>((resolve) => {
    const sock = net.connect(Number(port), hostname, () =>
      sock.write('GET //[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
    );
    sock.on('data', () => undefined);
    sock.on('close', () => resolve());
    sock.on('error', () => resolve());
  });
  assert.equal((await fetch(`${relay.url}/api/live`)).status, 200, 'relay still up');
});

test('a client that never says hello is cut off after the handshake timeout', async () => {
  const pub = new TestPublisher(relay.url);
  await pub.opened();
  const t0 = Date.now();
  await pub.closed;
  assert.equal(pub.closeCode, CLOSE_CODES['handshake-timeout']);
  assert.ok(Date.now() - t0 < 3000);
});

test('a second live publisher with the same key is refused as busy', async () => {
  const a = new TestPublisher(relay.url);
  await a.hello(TEST_KEY);
  const b = new TestPublisher(relay.url);
  await b.opened();
  b.send({ type: 'hello', key: TEST_KEY, ...helloFields } as never);
  await b.closed;
  assert.equal(b.closeCode, CLOSE_CODES['stream-busy']);
  a.close();
});

test('HLS paths outside a stream folder get 400 or 404', async () => {
  const bad = [
    '/hls/../keys.json',
    '/hls/%2e%2e/keys.json',
    '/hls/abcdefgh/../../keys.json',
    '/hls/abcdefgh/..%2fkeys.json',
    '/hls/abcdefgh/index.m3u8%00.ts',
    '/hls/abcdefgh/keys.json',
    '/hls/abcdefgh/index.m3u8',
    '/hls/..%5c..%5ckeys.json',
  ];
  for (const p of bad) {
    // Raw request: fetch() would normalise the dots away before sending.
    const status = await rawGetStatus(relay.url, p);
    assert.ok(status === 400 || status === 404, `${p} → ${status}`);
  }
});

function rawGetStatus(base: string, pathname: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname, () => sock.write(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve(Number(data.split(' ')[1])));
    sock.on('error', reject);
  });
}
