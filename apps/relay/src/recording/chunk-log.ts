/**
 * The recording's live file format: an append-only log of the publisher's chunks, one record each,
 * exactly as received (video never re-encoded). A record is
 *   u32 headerBytes | u32 dataBytes | header (msgpack) | data
 * so a reader can walk the headers without touching the media. A crash can only cut the last
 * record short: readers stop at a record whose bytes are not all there, and the writer of the next
 * relay run appends a new part file instead of writing after a torn record.
 */
import type { FileHandle } from 'node:fs/promises';
import { pack, unpack } from 'msgpackr';
import type { AudioConfig, TrackKind, VideoConfig } from '@tabcast/shared';

export interface ChunkHeader {
  track: TrackKind;
  /** The publisher's `seq` (absent from publishers before protocol 2's seq). */
  seq?: number;
  /** The publisher's own timestamp, µs: its clock runs on across reconnects and relay restarts. */
  timestampUs: number;
  durationUs: number;
  key: boolean;
  /** Came as a backfill (protocol 3). */
  backfill?: boolean;
  /** The codec configuration this chunk carried, if any. */
  config?: VideoConfig | AudioConfig;
}

export interface IndexedChunk extends ChunkHeader {
  file: string;
  /** Where the chunk's data starts in `file`, and its length. */
  offset: number;
  bytes: number;
}

const PREFIX_BYTES = 8;

export function encodeRecord(header: ChunkHeader, data: Uint8Array): Buffer {
  const h = pack(header);
  const prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  prefix.writeUInt32LE(h.byteLength, 0);
  prefix.writeUInt32LE(data.byteLength, 4);
  return Buffer.concat([prefix, h, data]);
}

/** Largest header a reader accepts: a config with its avcC record is well under this. */
const MAX_HEADER_BYTES = 64 * 1024;
const READ_BLOCK_BYTES = 1024 * 1024;

/**
 * Walks one log file's records (headers only; the data is skipped), asynchronously in blocks so a
 * long recording never blocks the event loop. Stops quietly at a torn or unreadable tail.
 */
export async function indexLog(fh: FileHandle, file: string): Promise<{ chunks: IndexedChunk[]; tornAt: number | null }> {
  const size = (await fh.stat()).size;
  const chunks: IndexedChunk[] = [];
  let pos = 0;
  const prefix = Buffer.alloc(PREFIX_BYTES);
  let block = Buffer.alloc(0);
  let blockStart = 0;
  const read = async (at: number, length: number): Promise<Buffer | null> => {
    if (at + length > size) return null;
    if (at < blockStart || at + length > blockStart + block.byteLength) {
      block = Buffer.alloc(Math.max(length, Math.min(READ_BLOCK_BYTES, size - at)));
      const { bytesRead } = await fh.read(block, 0, block.byteLength, at);
      block = block.subarray(0, bytesRead);
      blockStart = at;
      if (bytesRead < length) return null;
    }
    return block.subarray(at - blockStart, at - blockStart + length);
  };
  while (pos < size) {
    const p = await read(pos, PREFIX_BYTES);
    if (!p) break;
    p.copy(prefix);
    const headerBytes = prefix.readUInt32LE(0);
    const dataBytes = prefix.readUInt32LE(4);
    if (headerBytes === 0 || headerBytes > MAX_HEADER_BYTES || pos + PREFIX_BYTES + headerBytes + dataBytes > size) break;
    const h = await read(pos + PREFIX_BYTES, headerBytes);
    if (!h) break;
    let header: ChunkHeader;
    try {
      header = unpack(h) as ChunkHeader;
    } catch {
      break;
    }
    if (header.track !== 'video' && header.track !== 'audio') break;
    chunks.push({ ...header, file, offset: pos + PREFIX_BYTES + headerBytes, bytes: dataBytes });
    pos += PREFIX_BYTES + headerBytes + dataBytes;
  }
  return { chunks, tornAt: pos < size ? pos : null };
}
