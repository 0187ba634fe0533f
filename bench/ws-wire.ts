/**
 * Bytes on the wire for a list of messages through a real ws server and client on loopback, with
 * or without permessage-deflate (exactly the relay's events-socket settings), and the CPU both ends
 * spent. For the deflate benchmark and test:perf:network.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { EVENTS_DEFLATE as DEFLATE } from '../apps/relay/src/ws/events-deflate.ts';

export async function measureWire(messages: (Uint8Array | string)[], deflate: boolean): Promise<{ wireBytes: number; cpuMs: number; wallMs: number }> {
  if (!messages.length) return { wireBytes: 0, cpuMs: 0, wallMs: 0 };
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ? DEFLATE : false, maxPayload: 8 << 20 });
  await new Promise((r) => wss.once('listening', r));
  const { port } = wss.address() as AddressInfo;
  let received = 0;
  const done = new Promise<void>((resolve) =>
    wss.on('connection', (ws) => ws.on('message', () => ++received === messages.length && resolve())),
  );
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: deflate ? DEFLATE : false });
  await new Promise((r) => client.once('open', r));
  const sock = (client as unknown as { _socket: { bytesWritten: number } })._socket;
  const bytesBefore = sock.bytesWritten;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const m of messages) client.send(m);
  await done;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const wireBytes = sock.bytesWritten - bytesBefore;
  client.close();
  wss.close();
  return { wireBytes, cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}
