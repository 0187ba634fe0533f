/**
 * The publish wire protocol: one msgpack map per WebSocket binary message, discriminated on `type`.
 * docs/protocol.md describes every field; this file is the single implementation of it.
 * Timestamps are microseconds on the publisher's media clock (monotonic per track).
 */
import * as v from 'valibot';
import { CLOSE_CODES, type ErrorCode } from './errors.ts';
import { LIMITS } from './limits.ts';

const uint = v.pipe(v.number(), v.integer(), v.minValue(0));
const bytes = v.instance(Uint8Array);
const shortText = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const TrackKind = v.picklist(['video', 'audio']);
export type TrackKind = v.InferOutput<typeof TrackKind>;

const VideoTrackInfo = v.strictObject({ codec: v.literal('avc') });
const AudioTrackInfo = v.strictObject({
  codec: v.literal('opus'),
  sampleRate: v.pipe(uint, v.minValue(8_000), v.maxValue(48_000)),
  numberOfChannels: v.pipe(uint, v.minValue(1), v.maxValue(2)),
});

/** Codec configuration as WebCodecs' encoder metadata hands it out (decoderConfig). */
export const VideoConfig = v.strictObject({
  codec: v.pipe(shortText(LIMITS.maxCodecStringLength), v.regex(/^avc[13]\.[0-9A-Fa-f]{6}$/, 'codec must be an H.264 codec string like avc1.640028')),
  codedWidth: v.pipe(uint, v.minValue(2), v.maxValue(LIMITS.maxVideoWidth)),
  codedHeight: v.pipe(uint, v.minValue(2), v.maxValue(LIMITS.maxVideoHeight)),
  description: v.pipe(bytes, v.check((d) => d.byteLength > 0 && d.byteLength <= LIMITS.maxDescriptionBytes, 'description must be an avcC record')),
});
export type VideoConfig = v.InferOutput<typeof VideoConfig>;

export const AudioConfig = v.strictObject({
  codec: v.literal('opus'),
  sampleRate: v.pipe(uint, v.minValue(8_000), v.maxValue(48_000)),
  numberOfChannels: v.pipe(uint, v.minValue(1), v.maxValue(2)),
  description: v.optional(v.pipe(bytes, v.check((d) => d.byteLength <= LIMITS.maxDescriptionBytes, 'description too large'))),
});
export type AudioConfig = v.InferOutput<typeof AudioConfig>;

// ── publisher → relay ────────────────────────────────────────────────────────

export const HelloMessage = v.strictObject({
  type: v.literal('hello'),
  version: uint,
  key: v.pipe(v.string(), v.minLength(1, 'stream key is empty'), v.maxLength(LIMITS.maxKeyLength)),
  /** Stream id to resume after a dropped connection. */
  resume: v.optional(v.pipe(v.string(), v.maxLength(64))),
  video: VideoTrackInfo,
  /** null when the broadcast has no audio track at all. */
  audio: v.nullable(AudioTrackInfo),
  /**
   * true: the stream appears in `GET /api/streams` and on `/ws/events` while live. Absent or false
   * (older publishers too): unlisted, reachable only by its id. Ignored on a resume.
   */
  listed: v.optional(v.boolean()),
  /**
   * Protocol version 3: false asks the relay not to record this broadcast (the studio's per-broadcast
   * toggle). Absent: recorded when the relay records (its default). Ignored on a resume.
   */
  record: v.optional(v.boolean()),
});
export type HelloMessage = v.InferOutput<typeof HelloMessage>;

export const ChunkMessage = v.strictObject({
  type: v.literal('chunk'),
  track: TrackKind,
  /** Presentation timestamp, µs. */
  timestampUs: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
  /** Duration, µs (0 when unknown). */
  durationUs: v.pipe(uint, v.maxValue(10_000_000)),
  key: v.boolean(),
  data: v.pipe(bytes, v.check((d) => d.byteLength > 0, 'chunk data is empty')),
  /** Present on the first chunk of a track and whenever the encoder's config changes. */
  config: v.optional(v.union([VideoConfig, AudioConfig])),
  /**
   * Per track, counts every chunk the encoder produced (0, 1, 2 …), sent or not: a jump shows a
   * chunk was dropped on the way. Optional (a studio before this field sends none).
   */
  seq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER))),
  /**
   * Protocol version 3: true on a chunk re-sent from the studio's retained copy after a resume (it
   * was never acknowledged). It is in the past: the relay writes it into the recording only; live
   * viewers, HLS and RTMP never see it. Needs `seq`; checked neither for order nor for rate.
   */
  backfill: v.optional(v.boolean()),
});
export type ChunkMessage = v.InferOutput<typeof ChunkMessage>;

/** rtmp:// or rtmps://, a host, an optional port and path; printable ASCII only. */
export const RTMP_URL_PATTERN = /^rtmps?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[\x21-\x7e]*)?$/;
/** A destination stream key: printable ASCII, no spaces. */
export const DESTINATION_KEY_PATTERN = /^[\x21-\x7e]*$/;

export const RtmpUrl = v.pipe(v.string(), v.maxLength(LIMITS.maxDestinationUrlLength), v.regex(RTMP_URL_PATTERN, 'must be an rtmp:// or rtmps:// URL with a host'));

/** A destination's stream key: printable, no spaces. */
export const DestinationKey = v.pipe(v.string(), v.maxLength(LIMITS.maxDestinationKeyLength), v.regex(DESTINATION_KEY_PATTERN, 'stream key must be printable, without spaces'));

const DestinationId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'destination id must be 1–64 letters, digits, - or _'));

/**
 * One RTMP destination the publisher wants pushed. Either `url` (+ `streamKey`) travel with it
 * (kept in the browser), or `stored` names one saved, encrypted, on the relay for this stream key.
 */
export const DestinationSpec = v.strictObject({
  id: DestinationId,
  name: v.pipe(v.string(), v.maxLength(80)),
  enabled: v.boolean(),
  url: v.optional(RtmpUrl),
  streamKey: v.optional(DestinationKey),
  stored: v.optional(v.boolean()),
});
export type DestinationSpec = v.InferOutput<typeof DestinationSpec>;

/** The full list of destinations for this stream (replaces the previous list; may come while live). */
export const DestinationsMessage = v.strictObject({
  type: v.literal('destinations'),
  destinations: v.pipe(
    v.array(DestinationSpec),
    v.maxLength(LIMITS.maxDestinations, `at most ${LIMITS.maxDestinations} destinations`),
    v.check((list) => new Set(list.map((d) => d.id)).size === list.length, 'destination ids must be unique'),
  ),
});
export type DestinationsMessage = v.InferOutput<typeof DestinationsMessage>;

export const StopMessage = v.strictObject({ type: v.literal('stop') });
export type StopMessage = v.InferOutput<typeof StopMessage>;

/**
 * Protocol version 2: figures only the studio knows, once a second after `welcome`. Each is over
 * the last second unless it says "since start". The relay exports them as metrics and uses
 * `targetFps` for its low-fps alert; a malformed one is refused without ending the broadcast.
 */
export const StatsMessage = v.strictObject({
  type: v.literal('stats'),
  /** Frames per second the capture delivered to the encoder. */
  captureFps: v.pipe(v.number(), v.minValue(0), v.maxValue(1000)),
  /** Frames per second the studio means to send (its preset). */
  targetFps: v.pipe(v.number(), v.minValue(1), v.maxValue(1000)),
  /** Mean time from encode() to the encoded chunk, ms. */
  encodeMs: v.pipe(v.number(), v.minValue(0), v.maxValue(60_000)),
  /** Frames dropped before encoding since start, by why: the encoder's queue was full / the socket was behind. */
  droppedEncoder: v.pipe(uint, v.maxValue(Number.MAX_SAFE_INTEGER)),
  droppedSocket: v.pipe(uint, v.maxValue(Number.MAX_SAFE_INTEGER)),
  /** Frames waiting in the encoder now (encodeQueueSize). */
  encoderQueue: v.pipe(uint, v.maxValue(1_000_000)),
  /** Bytes waiting in the socket now (bufferedAmount). */
  socketBufferedBytes: v.pipe(uint, v.maxValue(Number.MAX_SAFE_INTEGER)),
  /** The video bitrate the encoder is set to now, bits/s. */
  targetBitrate: v.pipe(uint, v.maxValue(1_000_000_000)),
});
export type StatsMessage = v.InferOutput<typeof StatsMessage>;

export const PublisherMessage = v.variant('type', [HelloMessage, ChunkMessage, DestinationsMessage, StopMessage, StatsMessage]);
export type PublisherMessage = v.InferOutput<typeof PublisherMessage>;

// ── relay → publisher ────────────────────────────────────────────────────────

const ErrorCodeSchema = v.picklist(Object.keys(CLOSE_CODES) as [ErrorCode, ...ErrorCode[]]);

export const WelcomeMessage = v.strictObject({
  type: v.literal('welcome'),
  version: uint,
  streamId: v.string(),
  watchUrl: v.string(),
  hlsUrl: v.string(),
  resumed: v.boolean(),
  /**
   * How long the relay keeps this stream for a resume after the socket drops, ms: a studio keeps
   * retrying at least this long. Optional (a relay from before it sends none).
   */
  reconnectGraceMs: v.optional(uint),
  /**
   * The relay sends a `heartbeat` this often, ms, from the welcome on: a studio that hears nothing
   * for several of these takes the link as dead. Optional (absent: no heartbeats, no such check).
   */
  heartbeatMs: v.optional(v.pipe(uint, v.minValue(100))),
  /**
   * Protocol version 3: whether the relay records this broadcast. While true it sends `ack`s, and a
   * studio keeps what is not yet acknowledged to backfill after a resume. Absent: not recording.
   */
  recording: v.optional(v.boolean()),
});
export type WelcomeMessage = v.InferOutput<typeof WelcomeMessage>;

/** The relay wants a keyframe now (output restarted, stream resumed, GOP dropped). */
export const KeyframeRequestMessage = v.strictObject({
  type: v.literal('keyframe-request'),
  reason: shortText(LIMITS.maxReasonLength),
});
export type KeyframeRequestMessage = v.InferOutput<typeof KeyframeRequestMessage>;

export const ErrorMessage = v.strictObject({
  type: v.literal('error'),
  code: ErrorCodeSchema,
  message: shortText(LIMITS.maxReasonLength),
  fatal: v.boolean(),
});
export type ErrorMessage = v.InferOutput<typeof ErrorMessage>;

/**
 * The relay could not keep up with this publisher (it dropped a backlog): send less.
 * `suggestedBitrate` is a video bitrate the relay expects to sustain, bits/s.
 */
export const CongestionMessage = v.strictObject({
  type: v.literal('congestion'),
  reason: shortText(LIMITS.maxReasonLength),
  suggestedBitrate: v.pipe(uint, v.minValue(100_000)),
});
export type CongestionMessage = v.InferOutput<typeof CongestionMessage>;

export const DestinationState = v.picklist(['off', 'connecting', 'live', 'retrying', 'failed']);
export type DestinationState = v.InferOutput<typeof DestinationState>;

/** How one destination is doing. Never carries the destination's stream key. */
export const DestinationStatus = v.strictObject({
  id: v.string(),
  name: v.string(),
  state: DestinationState,
  /** Bits per second FFmpeg sent over the last report interval. */
  bitrate: uint,
  /** Seconds live in the current connection. */
  uptimeSec: uint,
  /** Retry attempt (1-based) while retrying, else 0. */
  attempt: uint,
  maxAttempts: uint,
  /** Milliseconds until the next attempt, while retrying. */
  nextRetryInMs: v.nullable(uint),
  /** FFmpeg's reason, in words, for the last failure (secrets removed). */
  error: v.nullable(shortText(LIMITS.maxReasonLength)),
});
export type DestinationStatus = v.InferOutput<typeof DestinationStatus>;

/** Sent whenever a destination changes state, and every second while any exists. */
export const DestinationStatusMessage = v.strictObject({
  type: v.literal('destination-status'),
  destinations: v.array(DestinationStatus),
});
export type DestinationStatusMessage = v.InferOutput<typeof DestinationStatusMessage>;

/** Sent every `welcome.heartbeatMs` while the publisher is connected: proof the link is alive. */
export const HeartbeatMessage = v.strictObject({ type: v.literal('heartbeat') });
export type HeartbeatMessage = v.InferOutput<typeof HeartbeatMessage>;

/** Sent after a `stop` once the outputs are finalised (playlist ended). */
export const EndedMessage = v.strictObject({ type: v.literal('ended'), streamId: v.string() });
export type EndedMessage = v.InferOutput<typeof EndedMessage>;

/**
 * Protocol version 2: the relay is short of CPU and asks the studio to step down one quality level
 * (a lower video bitrate). `reason` is in words, for the broadcaster.
 */
export const QualityRequestMessage = v.strictObject({
  type: v.literal('quality-request'),
  direction: v.literal('down'),
  reason: shortText(LIMITS.maxReasonLength),
});
export type QualityRequestMessage = v.InferOutput<typeof QualityRequestMessage>;

/**
 * Protocol version 3: the first `chunks` chunk messages this connection sent (live and backfill,
 * counted from 1 in the order sent) are durably in the recording: written and fsynced, or, where
 * the relay's recording disk could not keep up, given up and marked as a gap. The studio may forget
 * them. Batched (about every 250 ms), only while `welcome.recording` holds.
 */
export const AckMessage = v.strictObject({
  type: v.literal('ack'),
  chunks: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
});
export type AckMessage = v.InferOutput<typeof AckMessage>;

/**
 * Protocol version 3: the recording of this broadcast changed state, with the reason in words (the
 * quota was reached, the relay's recording is off). `recording: false` also stops the `ack`s.
 */
export const RecordingStatusMessage = v.strictObject({
  type: v.literal('recording-status'),
  recording: v.boolean(),
  reason: shortText(LIMITS.maxReasonLength),
});
export type RecordingStatusMessage = v.InferOutput<typeof RecordingStatusMessage>;

export const RelayMessage = v.variant('type', [WelcomeMessage, KeyframeRequestMessage, CongestionMessage, DestinationStatusMessage, ErrorMessage, EndedMessage, HeartbeatMessage, QualityRequestMessage, AckMessage, RecordingStatusMessage]);
export type RelayMessage = v.InferOutput<typeof RelayMessage>;

// ── relay → real-time viewer (/ws/watch/<id>) ─────────────────────────────────
// Chunks reach viewers as the publisher's own `chunk` messages, byte for byte.

/** Sent first, and again whenever the codec configuration changes. */
export const StreamConfigMessage = v.strictObject({
  type: v.literal('stream-config'),
  video: VideoConfig,
  audio: v.nullable(AudioConfig),
});
export type StreamConfigMessage = v.InferOutput<typeof StreamConfigMessage>;

/** The viewer fell behind; the relay dropped what it could not send and resumes at the next keyframe. */
export const SkippedMessage = v.strictObject({ type: v.literal('skipped'), reason: shortText(LIMITS.maxReasonLength) });
export type SkippedMessage = v.InferOutput<typeof SkippedMessage>;

/**
 * Sent once per connection, after the cached GOP (or straight after `stream-config` when nothing is
 * cached): the chunks before it were replayed from the cache at join, the ones after it are live.
 * A player catches up through the replay and times its jitter buffer on live chunks only.
 */
export const LiveMessage = v.strictObject({ type: v.literal('live') });
export type LiveMessage = v.InferOutput<typeof LiveMessage>;

/** The broadcast is over. */
export const StreamEndedMessage = v.strictObject({ type: v.literal('stream-ended') });
export type StreamEndedMessage = v.InferOutput<typeof StreamEndedMessage>;

export const ViewerMessage = v.variant('type', [ChunkMessage, StreamConfigMessage, LiveMessage, SkippedMessage, StreamEndedMessage, ErrorMessage]);
export type ViewerMessage = v.InferOutput<typeof ViewerMessage>;

// ── real-time viewer → relay (/ws/watch/<id>) ─────────────────────────────────

/**
 * The viewer's progress, at most {@link LIMITS.maxViewerReportsPerSecond} a second (the player
 * sends one every 250 ms): the timestamp of the newest video chunk it has taken off its socket.
 * The relay measures each viewer's backlog in media time from it (what it sent minus what the
 * viewer has), which counts the bytes in kernel buffers too, and skips a viewer that falls behind
 * to the next keyframe. `keyframe: true` asks for one (the player is waiting to resync); the relay
 * passes at most one such request a second on to the publisher.
 */
export const ViewerReportMessage = v.strictObject({
  type: v.literal('viewer-report'),
  receivedTs: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
  keyframe: v.optional(v.boolean()),
});
export type ViewerReportMessage = v.InferOutput<typeof ViewerReportMessage>;

export const ViewerClientMessage = v.variant('type', [ViewerReportMessage]);
export type ViewerClientMessage = v.InferOutput<typeof ViewerClientMessage>;
