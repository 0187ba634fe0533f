/**
 * Limits and defaults shared by the studio and the relay. The relay can raise or lower
 * the relay-side ones through its config (see apps/relay/src/config/config.ts).
 */
/**
 * The protocol version this code speaks. 2 added the studio's `stats` message and the relay's
 * `quality-request`; 3 added recording: `hello.record`, `chunk.backfill`, `welcome.recording`, the relay's
 * `ack` and `recording-status`. A relay still accepts a version-1 or -2 hello (and then sends it
 * nothing newer than that version).
 */
export const PROTOCOL_VERSION = 3;
/** The oldest publisher protocol version the relay still accepts. */
export const MIN_PROTOCOL_VERSION = 1;

export const LIMITS = Object.freeze({
  /** Largest binary message the relay accepts (one encoded chunk plus framing). Default 4 MiB. */
  maxMessageBytes: 4 * 1024 * 1024,
  /** Longest stream key accepted, in characters. */
  maxKeyLength: 256,
  /** Longest codec string ("avc1.640028"). */
  maxCodecStringLength: 64,
  /** Largest codec description (avcC). */
  maxDescriptionBytes: 64 * 1024,
  /** Largest picture the software H.264 path can encode (Chromium caps at 1920×1088). */
  maxVideoWidth: 4096,
  maxVideoHeight: 4096,
  /** Longest error/reason text carried in a message. */
  maxReasonLength: 500,
  /** RTMP destinations per stream. */
  maxDestinations: 10,
  /** Longest destination URL and destination stream key. */
  maxDestinationUrlLength: 512,
  maxDestinationKeyLength: 512,
  /** Largest message a real-time viewer may send (a `viewer-report` is about 40 bytes). */
  maxViewerReportBytes: 128,
  /** `viewer-report` messages a viewer may send per second before its socket is closed (it sends 4). */
  maxViewerReportsPerSecond: 20,
} as const);

/** Path-safe stream id: what the relay hands out and all it accepts in URLs. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{6,32}$/;
