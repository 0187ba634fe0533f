/**
 * AMF0, the value encoding of RTMP commands: just what a publishing client sends and reads
 * (numbers, booleans, strings, objects, null; ECMA and strict arrays are read too).
 */

export type Amf0Value = number | boolean | string | null | undefined | Amf0Object | Amf0Value[];
export interface Amf0Object {
  [key: string]: Amf0Value;
}

const NUMBER = 0x00, BOOLEAN = 0x01, STRING = 0x02, OBJECT = 0x03, NULL = 0x05, UNDEFINED = 0x06;
const ECMA_ARRAY = 0x08, OBJECT_END = 0x09, STRICT_ARRAY = 0x0a, DATE = 0x0b, LONG_STRING = 0x0c;

export class Amf0Error extends Error {
  override name = 'Amf0Error';
}

export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) writeValue(parts, v);
  return Buffer.concat(parts);
}

function writeString(parts: Buffer[], s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > 0xffff) throw new Amf0Error(`string of ${bytes.length} bytes is too long for AMF0`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  parts.push(len, bytes);
}

function writeValue(parts: Buffer[], v: Amf0Value): void {
  if (v === null) parts.push(Buffer.from([NULL]));
  else if (v === undefined) parts.push(Buffer.from([UNDEFINED]));
  else if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = NUMBER;
    b.writeDoubleBE(v, 1);
    parts.push(b);
  } else if (typeof v === 'boolean') parts.push(Buffer.from([BOOLEAN, v ? 1 : 0]));
  else if (typeof v === 'string') {
    parts.push(Buffer.from([STRING]));
    writeString(parts, v);
  } else if (Array.isArray(v)) {
    const head = Buffer.alloc(5);
    head[0] = STRICT_ARRAY;
    head.writeUInt32BE(v.length, 1);
    parts.push(head);
    for (const item of v) writeValue(parts, item);
  } else {
    parts.push(Buffer.from([OBJECT]));
    for (const [k, item] of Object.entries(v)) {
      writeString(parts, k);
      writeValue(parts, item);
    }
    parts.push(Buffer.from([0, 0, OBJECT_END]));
  }
}

/** Decodes every value in `buf`; throws Amf0Error on a truncated or unknown encoding. */
export function decodeAmf0(buf: Buffer): Amf0Value[] {
  const r = { buf, pos: 0 };
  const out: Amf0Value[] = [];
  while (r.pos < buf.length) out.push(readValue(r));
  return out;
}

interface Reader {
  buf: Buffer;
  pos: number;
}

function need(r: Reader, n: number): void {
  if (r.pos + n > r.buf.length) throw new Amf0Error(`AMF0 data truncated at byte ${r.pos}`);
}

function readString(r: Reader, long = false): string {
  need(r, long ? 4 : 2);
  const len = long ? r.buf.readUInt32BE(r.pos) : r.buf.readUInt16BE(r.pos);
  r.pos += long ? 4 : 2;
  need(r, len);
  const s = r.buf.toString('utf8', r.pos, r.pos + len);
  r.pos += len;
  return s;
}

function readProperties(r: Reader): Amf0Object {
  const obj: Amf0Object = {};
  for (;;) {
    need(r, 3);
    if (r.buf.readUInt16BE(r.pos) === 0 && r.buf[r.pos + 2] === OBJECT_END) {
      r.pos += 3;
      return obj;
    }
    const key = readString(r);
    obj[key] = readValue(r);
  }
}

function readValue(r: Reader): Amf0Value {
  need(r, 1);
  const type = r.buf[r.pos++]!;
  switch (type) {
    case NUMBER:
      need(r, 8);
      r.pos += 8;
      return r.buf.readDoubleBE(r.pos - 8);
    case BOOLEAN:
      need(r, 1);
      return r.buf[r.pos++] !== 0;
    case STRING:
      return readString(r);
    case LONG_STRING:
      return readString(r, true);
    case OBJECT:
      return readProperties(r);
    case ECMA_ARRAY:
      need(r, 4);
      r.pos += 4; // count (a hint; the properties end with the object end marker)
      return readProperties(r);
    case STRICT_ARRAY: {
      need(r, 4);
      const n = r.buf.readUInt32BE(r.pos);
      r.pos += 4;
      const arr: Amf0Value[] = [];
      for (let i = 0; i < n; i++) arr.push(readValue(r));
      return arr;
    }
    case DATE:
      need(r, 10);
      r.pos += 10;
      return r.buf.readDoubleBE(r.pos - 10);
    case NULL:
      return null;
    case UNDEFINED:
      return undefined;
    default:
      throw new Amf0Error(`AMF0 type 0x${type.toString(16)} is not supported (at byte ${r.pos - 1})`);
  }
}
