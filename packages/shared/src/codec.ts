/**
 * Paired encode/decode for the publish protocol. Plain msgpack maps (no msgpackr records), so
 * every message decodes on its own: a peer that joins mid-stream, or a relay that forwards bytes
 * unchanged, never needs shared structures.
 */
import { Packr } from 'msgpackr';
import * as v from 'valibot';
import { TabcastError } from './errors.ts';
import { LIMITS, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './limits.ts';
import { PublisherMessage, RelayMessage, ViewerClientMessage, ViewerMessage } from './protocol.ts';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

/** Encodes a message. The result is a fresh Uint8Array (safe to transfer or queue). */
export function encodeMessage(message: PublisherMessage | RelayMessage | ViewerMessage | ViewerClientMessage): Uint8Array {
  return packr.pack(message);
}

function unpackBytes(bytes: Uint8Array, maxBytes: number): unknown {
  if (bytes.byteLength === 0) throw new TabcastError('bad-message', 'empty message');
  if (bytes.byteLength > maxBytes) {
    throw new TabcastError('message-too-large', `message of ${bytes.byteLength} bytes exceeds the ${maxBytes}-byte limit`);
  }
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new TabcastError('bad-message', `not valid msgpack: ${(err as Error).message}`.slice(0, LIMITS.maxReasonLength));
  }
  // msgpackr hands out Buffer in Node; both are Uint8Array, which is all the schema asks.
  return value;
}

/** Fields whose values are secrets: their errors never repeat what was received. */
const SECRET_FIELDS = new Set(['key', 'streamKey']);

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return 'invalid message';
  const keys = first.path?.map((p) => String(p.key)) ?? [];
  const path = keys.join('.');
  const secret = keys.some((k) => SECRET_FIELDS.has(k));
  const message = secret ? `invalid ${first.expected ? `(expected ${first.expected})` : 'value'}; the value is not shown` : first.message;
  return `${path ? path + ': ' : ''}${message}`.slice(0, LIMITS.maxReasonLength);
}

function parseWith<S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (!result.success) throw new TabcastError('bad-message', describeIssues(result.issues));
  return result.output;
}

/**
 * Decodes and validates a publisher → relay message. Throws TabcastError('bad-message' |
 * 'message-too-large' | 'unsupported-version'). A hello of another version is named as such even
 * if its other fields differ from this version's (that is what a newer client would send).
 */
export function decodePublisherMessage(bytes: Uint8Array, maxBytes: number = LIMITS.maxMessageBytes): PublisherMessage {
  const value = unpackBytes(bytes, maxBytes);
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'hello') {
    const version = (value as { version?: unknown }).version;
    if (typeof version === 'number' && (version < MIN_PROTOCOL_VERSION || version > PROTOCOL_VERSION)) {
      throw new TabcastError('unsupported-version', `protocol version ${version} is not supported; this relay speaks ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`);
    }
  }
  return parseWith(PublisherMessage, value);
}

/** Decodes and validates a relay → publisher message. */
export function decodeRelayMessage(bytes: Uint8Array, maxBytes: number = LIMITS.maxMessageBytes): RelayMessage {
  return parseWith(RelayMessage, unpackBytes(bytes, maxBytes));
}

/** Decodes and validates a relay → real-time viewer message. */
export function decodeViewerMessage(bytes: Uint8Array, maxBytes: number = LIMITS.maxMessageBytes): ViewerMessage {
  return parseWith(ViewerMessage, unpackBytes(bytes, maxBytes));
}

/** Decodes and validates a real-time viewer → relay message (tiny: see LIMITS.maxViewerReportBytes). */
export function decodeViewerClientMessage(bytes: Uint8Array, maxBytes: number = LIMITS.maxViewerReportBytes): ViewerClientMessage {
  return parseWith(ViewerClientMessage, unpackBytes(bytes, maxBytes));
}
