/**
 * Load client for the fan-out benchmark (its own process): N real-time viewer connections that
 * read and count frames as cheaply as a client can — a WebSocket handshake on a raw TCP socket,
 * then only frame headers are parsed, plus the few bytes of each message that hold its track and
 * timestamp (the payload itself is never decoded). A video frame is on time when it arrives
 * within ON_TIME_MS of when the publisher sent it (both processes share this machine's clock).
 *   tsx bench/fanout-client.ts <url> <streamId[,streamId…]> <viewers> <windowStartMs> <windowEndMs> <pubStartWallMs> <pubFirstTsUs>
 * With several stream ids (published in step), viewers are spread over them round-robin.
 * Prints one JSON line with the figures.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const [url = '', streamIdList = '', n, winStart, winEnd, pubStart, firstTs] = process.argv.slice(2);
const streamIds = streamIdList.split(',');
const viewers = Number(n);
const windowStart = Number(winStart);
const windowEnd = Number(winEnd);
const pubStartWall = Number(pubStart);
const pubFirstTsUs = Number(firstTs);
const ON_TIME_MS = 500;
const { hostname, port } = new URL(url);

const TS_KEY = Buffer.from([0xab, ...Buffer.from('timestampUs')]);
const VIDEO = Buffer.from([0xa5, ...Buffer.from('track'), 0xa5, ...Buffer.from('video')]);

interface Count {
  onTime: number;
  late: number;
  closed: boolean;
}
const counts: Count[] = [];
let connected = 0;
let failed = 0;

/** Reads the msgpack unsigned integer after the "timestampUs" key in the first bytes of a message. */
function timestampOf(head: Buffer): number | null {
  const at = head.indexOf(TS_KEY);
  if (at < 0) return null;
  const p = at + TS_KEY.length;
  const tag = head[p];
  if (tag === undefined) return null;
  if (tag < 0x80) return tag;
  if (tag === 0xcc) return head.readUInt8(p + 1);
  if (tag === 0xcd) return head.readUInt16BE(p + 1);
  if (tag === 0xce) return head.readUInt32BE(p + 1);
  if (tag === 0xcf) return Number(head.readBigUInt64BE(p + 1));
  if (tag === 0xcb) return head.readDoubleBE(p + 1);
  return null;
}

function open(i: number): void {
  const c: Count = { onTime: 0, late: 0, closed: false };
  counts[i] = c;
  const sock = net.connect(Number(port), hostname);
  let handshaken = false;
  let buf: Buffer = Buffer.alloc(0);
  let need = 0; // payload bytes still to skip in the current frame
  sock.on('connect', () => {
    sock.write(
      `GET /ws/watch/${streamIds[i % streamIds.length]} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
  sock.on('error', () => failed++);
  sock.on('close', () => (c.closed = true));
  sock.on('data', (data: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, data]) : data;
    if (!handshaken) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!buf.subarray(0, 12).toString().includes('101')) return void sock.destroy();
      handshaken = true;
      connected++;
      buf = buf.subarray(end + 4);
    }
    for (;;) {
      if (need > 0) {
        const skip = Math.min(need, buf.length);
        need -= skip;
        buf = buf.subarray(skip);
        if (need > 0) return;
      }
      if (buf.length < 2) return;
      let len = buf[1]! & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        hdr = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        hdr = 10;
      }
      const headLen = Math.min(len, 64);
      if (buf.length < hdr + headLen) return; // wait for the bytes that hold track and timestamp
      const head = buf.subarray(hdr, hdr + headLen);
      const now = Date.now();
      if ((buf[0]! & 0x0f) === 2 && now >= windowStart && now <= windowEnd && head.indexOf(VIDEO) >= 0) {
        const ts = timestampOf(head);
        if (ts !== null) {
          const sentAt = pubStartWall + (ts - pubFirstTsUs) / 1000;
          if (sentAt >= windowStart) {
            if (now - sentAt <= ON_TIME_MS) c.onTime++;
            else c.late++;
          }
        }
      }
      buf = buf.subarray(hdr);
      need = len;
    }
  });
}

for (let i = 0; i < viewers; i++) {
  open(i);
  if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
}
await new Promise((r) => setTimeout(r, Math.max(0, windowEnd - Date.now() + 500)));
const expected = Math.floor(((windowEnd - windowStart) / 1000) * 30);
const healthy = counts.filter((c) => c.onTime >= 0.99 * expected).length;
const ratios = counts.map((c) => c.onTime / expected).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    viewers,
    connected,
    failed,
    expectedFramesPerViewer: expected,
    healthyViewers: healthy,
    medianOnTimeRatio: ratios[Math.floor(ratios.length / 2)] ?? 0,
    worstOnTimeRatio: ratios[0] ?? 0,
    closedEarly: counts.filter((c) => c.closed).length,
  }),
);
process.exit(0);
