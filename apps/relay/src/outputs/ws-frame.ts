/**
 * Pre-framing for fan-out: one unmasked binary WebSocket frame (RFC 6455 §5.2) built once per
 * message and written as-is to every viewer's socket, instead of ws framing the same bytes again
 * for each viewer. Only for sockets without permessage-deflate (the viewer sockets never have it).
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export function binaryFrame(payload: Uint8Array): Buffer {
  const n = payload.byteLength;
  const headerLen = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLen + n);
  frame[0] = 0x82; // FIN + opcode 2 (binary)
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  frame.set(payload, headerLen);
  return frame;
}

/**
 * The TCP socket under a ws connection (ws 8 keeps it in `_socket`; checked by ws-frame.test.ts).
 * Writing whole frames to it is safe while ws itself is not mid-frame, which holds when ws has no
 * compression and only ever writes synchronously (control frames: close, pong).
 */
export function rawSocket(ws: WebSocket): Socket | null {
  const s = (ws as unknown as { _socket?: Socket })._socket;
  return s && typeof s.write === 'function' ? s : null;
}
