/**
 * One error base for the whole product. Errors cross socket and worker boundaries as data
 * ({@link ErrorPayload}) and are rebuilt on the other side with {@link TabcastError.from}.
 */

/** Stable error codes. Each has a WebSocket close code in {@link CLOSE_CODES}. */
export type ErrorCode =
  | 'bad-message' // malformed, truncated or schema-invalid message
  | 'unsupported-version' // protocol version the relay does not speak
  | 'unauthorized' // stream key missing, unknown or revoked
  | 'message-too-large' // message over maxMessageBytes
  | 'handshake-timeout' // no hello within handshakeTimeoutMs
  | 'idle-timeout' // no message within idleTimeoutMs
  | 'rate-limited' // over maxBitrate / maxFrameRate, or audio and video drifted apart
  | 'forbidden-origin' // browser Origin not on the allowlist (HTTP 403 at upgrade)
  | 'too-many-connections' // over a per-address socket budget or key-check cap
  | 'too-many-viewers' // a stream's or the relay's viewer cap is reached: watch the HLS instead
  | 'kicked' // an operator disconnected this publisher (the stream waits for a resume)
  | 'stopped-by-operator' // an operator ended this stream
  | 'viewer-too-slow' // a real-time viewer kept falling behind: watch the HLS instead
  | 'stream-busy' // this key already publishes a stream
  | 'stream-not-found' // resume of a stream that no longer exists
  | 'out-of-order' // timestamp went backwards, or chunk before its codec config
  | 'output-failed' // FFmpeg could not be started or failed for good
  | 'disk-full' // the relay's disk (or data folder quota) is full: streams end, new ones are refused
  | 'server-shutdown' // relay is stopping
  | 'overloaded' // the relay is short of memory and refuses new streams for now
  | 'capture-failed' // browser: capture permission denied or source ended
  | 'encoder-failed' // browser: WebCodecs configure/encode error
  | 'connection-failed' // browser: socket could not connect or reconnect
  | 'internal'; // anything else; a bug

/** WebSocket close codes (4000–4999 is the application range). */
export const CLOSE_CODES = Object.freeze({
  'bad-message': 4400,
  'unsupported-version': 4426,
  unauthorized: 4401,
  'message-too-large': 4413,
  'handshake-timeout': 4408,
  'idle-timeout': 4410,
  'rate-limited': 4429,
  'forbidden-origin': 4403,
  'too-many-connections': 4430,
  'too-many-viewers': 4432,
  kicked: 4411,
  'stopped-by-operator': 4412,
  'viewer-too-slow': 4431,
  'stream-busy': 4409,
  'stream-not-found': 4404,
  'out-of-order': 4422,
  'output-failed': 4502,
  'disk-full': 4507,
  'server-shutdown': 1001,
  overloaded: 4503,
  'capture-failed': 4000,
  'encoder-failed': 4000,
  'connection-failed': 4000,
  internal: 4500,
} as const satisfies Record<ErrorCode, number>);

/** The wire form of an error. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  fatal: boolean;
}

export class TabcastError extends Error {
  readonly code: ErrorCode;
  /** A fatal error ends the session; a non-fatal one is reported and the session goes on. */
  readonly fatal: boolean;

  constructor(code: ErrorCode, message: string, fatal = true, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TabcastError';
    this.code = code;
    this.fatal = fatal;
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message, fatal: this.fatal };
  }

  static from(payload: ErrorPayload): TabcastError {
    return new TabcastError(payload.code, payload.message, payload.fatal);
  }

  /** Wraps anything thrown into a TabcastError, keeping an existing one as it is. */
  static wrap(err: unknown, code: ErrorCode = 'internal'): TabcastError {
    if (err instanceof TabcastError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new TabcastError(code, message, true, { cause: err });
  }
}

/** Reverse lookup used by clients to name a close code in words. */
export function errorCodeForClose(closeCode: number): ErrorCode | undefined {
  for (const [code, value] of Object.entries(CLOSE_CODES)) {
    if (value === closeCode && value !== 4000) return code as ErrorCode;
  }
  return undefined;
}
