/**
 * Reads an FLV byte stream (FFmpeg's `-f flv` output on a pipe) tag by tag: the 9-byte header and
 * each tag's 11-byte header, body and trailing previous-tag-size. What RTMP carries is the tags.
 */

export interface FlvTag {
  /** 8 audio, 9 video, 18 script data. */
  type: number;
  /** ms, 32 bits (24 + the extension byte). */
  timestamp: number;
  data: Buffer;
}

export class FlvFormatError extends Error {
  override name = 'FlvFormatError';
}

/** Largest FLV tag accepted, bytes: far above any video frame the relay lets in. */
const MAX_TAG_BYTES = 64 * 1024 * 1024;

export class FlvTagReader {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;

  push(data: Buffer): FlvTag[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const tags: FlvTag[] = [];
    if (!this.headerDone) {
      if (this.buf.length < 13) return tags;
      if (this.buf.toString('latin1', 0, 3) !== 'FLV') throw new FlvFormatError('the stream does not start with an FLV header');
      const headerSize = this.buf.readUInt32BE(5);
      if (this.buf.length < headerSize + 4) return tags;
      this.buf = this.buf.subarray(headerSize + 4); // header and PreviousTagSize0
      this.headerDone = true;
    }
    while (this.buf.length >= 11) {
      const size = this.buf.readUIntBE(1, 3);
      if (size > MAX_TAG_BYTES) throw new FlvFormatError(`FLV tag of ${size} bytes is over ${MAX_TAG_BYTES}`);
      if (this.buf.length < 11 + size + 4) break;
      const type = this.buf[0]! & 0x1f;
      const timestamp = (this.buf.readUIntBE(4, 3) | (this.buf[7]! << 24)) >>> 0;
      tags.push({ type, timestamp, data: Buffer.from(this.buf.subarray(11, 11 + size)) });
      this.buf = this.buf.subarray(11 + size + 4);
    }
    return tags;
  }
}
