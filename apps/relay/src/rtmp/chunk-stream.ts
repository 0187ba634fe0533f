/**
 * RTMP chunk stream: messages cut into chunks (writer) and chunks put back together into messages
 * (reader), per the RTMP 1.0 specification, section 5.3. The writer sends every message with a
 * type 0 header (absolute timestamp), continuation chunks with type 3: simple, and what every
 * server accepts. The reader takes all four header types and extended timestamps.
 */

export interface RtmpMessage {
  csid: number;
  type: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

export const MSG = Object.freeze({
  setChunkSize: 1,
  abort: 2,
  ack: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf0: 18,
  commandAmf0: 20,
});

export class RtmpProtocolError extends Error {
  override name = 'RtmpProtocolError';
}

/** Largest message the reader accepts from a server, bytes (commands and control are small). */
const MAX_INCOMING_MESSAGE_BYTES = 1024 * 1024;

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid < 2 || csid > 65599) throw new RtmpProtocolError(`chunk stream id ${csid} out of range`);
  if (csid < 64) return Buffer.from([(fmt << 6) | csid]);
  if (csid < 320) return Buffer.from([fmt << 6, csid - 64]);
  return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}

/** Encodes one message as chunks of at most `chunkSize` payload bytes. */
export function encodeMessage(m: RtmpMessage, chunkSize: number): Buffer {
  const extended = m.timestamp >= 0xffffff;
  const header = Buffer.alloc(11 + (extended ? 4 : 0));
  header.writeUIntBE(extended ? 0xffffff : m.timestamp, 0, 3);
  header.writeUIntBE(m.payload.length, 3, 3);
  header[6] = m.type;
  header.writeUInt32LE(m.streamId, 7);
  if (extended) header.writeUInt32BE(m.timestamp >>> 0, 11);
  const parts: Buffer[] = [basicHeader(0, m.csid), header];
  const cont = basicHeader(3, m.csid);
  for (let off = 0; off < m.payload.length || off === 0; off += chunkSize) {
    if (off > 0) {
      parts.push(cont);
      if (extended) parts.push(header.subarray(11));
    }
    parts.push(m.payload.subarray(off, off + chunkSize));
    if (m.payload.length === 0) break;
  }
  return Buffer.concat(parts);
}

interface ChunkState {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  parts: Buffer[];
  received: number;
}

/** Feeds bytes from the server; returns the complete messages. Throws RtmpProtocolError on garbage. */
export class ChunkReader {
  chunkSize = 128;
  private buf: Buffer = Buffer.alloc(0);
  private streams = new Map<number, ChunkState>();

  push(data: Buffer): RtmpMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const out: RtmpMessage[] = [];
    for (;;) {
      const m = this.readChunk();
      if (m === null) break;
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  /** One chunk: null if more bytes are needed, undefined if a message is still incomplete. */
  private readChunk(): RtmpMessage | null | undefined {
    const b = this.buf;
    if (b.length < 1) return null;
    const fmt = b[0]! >> 6;
    let csid = b[0]! & 0x3f;
    let pos = 1;
    if (csid === 0) {
      if (b.length < 2) return null;
      csid = 64 + b[1]!;
      pos = 2;
    } else if (csid === 1) {
      if (b.length < 3) return null;
      csid = 64 + b[1]! + b[2]! * 256;
      pos = 3;
    }
    const headerLen = [11, 7, 3, 0][fmt]!;
    if (b.length < pos + headerLen) return null;
    const prev = this.streams.get(csid);
    if (fmt !== 0 && !prev) throw new RtmpProtocolError(`chunk type ${fmt} on chunk stream ${csid} before any type 0 chunk`);
    const s: ChunkState = prev ?? { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, extended: false, parts: [], received: 0 };
    let tsField = 0;
    if (fmt <= 2) tsField = b.readUIntBE(pos, 3);
    if (fmt <= 1) {
      s.length = b.readUIntBE(pos + 3, 3);
      s.type = b[pos + 6]!;
    }
    if (fmt === 0) s.streamId = b.readUInt32LE(pos + 7);
    pos += headerLen;
    const extended = fmt <= 2 ? tsField === 0xffffff : s.extended;
    if (extended) {
      if (b.length < pos + 4) return null;
      tsField = b.readUInt32BE(pos);
      pos += 4;
    }
    if (s.length > MAX_INCOMING_MESSAGE_BYTES) throw new RtmpProtocolError(`server message of ${s.length} bytes is over ${MAX_INCOMING_MESSAGE_BYTES}`);
    const starting = s.received === 0;
    const take = Math.min(this.chunkSize, s.length - s.received);
    if (b.length < pos + take) return null;
    // Only now, with the whole chunk here, update the stream's state.
    s.extended = extended;
    if (starting) {
      if (fmt === 0) s.timestamp = tsField;
      else if (fmt === 1 || fmt === 2) {
        s.delta = tsField;
        s.timestamp += tsField;
      } else s.timestamp += s.delta;
    }
    s.parts.push(b.subarray(pos, pos + take));
    s.received += take;
    this.buf = b.subarray(pos + take);
    this.streams.set(csid, s);
    if (s.received < s.length) return undefined;
    const payload = Buffer.concat(s.parts);
    s.parts = [];
    s.received = 0;
    const m = { csid, type: s.type, streamId: s.streamId, timestamp: s.timestamp, payload };
    if (m.type === MSG.setChunkSize) {
      if (payload.length < 4) throw new RtmpProtocolError('set chunk size message too short');
      const size = payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1) throw new RtmpProtocolError('server set chunk size 0');
      this.chunkSize = size;
    }
    return m;
  }
}
