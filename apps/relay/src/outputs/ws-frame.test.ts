import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { binaryFrame, rawSocket } from './ws-frame.ts';

test('pre-built frames of every length class arrive as the same binary messages through a real ws client', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const { port } = wss.address() as AddressInfo;
  const sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 300_000];
  const payloads = sizes.map((n) => Buffer.alloc(n, n % 251));
  wss.once('connection', (ws) => {
    const sock = rawSocket(ws);
    assert.ok(sock, 'ws still keeps its socket where we look');
    for (const p of payloads) sock.write(binaryFrame(p));
  });
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const got: Buffer[] = [];
  await new Promise<void>((resolve) =>
    client.on('message', (data, isBinary) => {
      assert.ok(isBinary);
      got.push(data as Buffer);
      if (got.length === payloads.length) resolve();
    }),
  );
  assert.deepEqual(got.map((b) => b.length), sizes);
  got.forEach((b, i) => assert.ok(b.equals(payloads[i]!)));
  client.close();
  wss.close();
});
