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
});
export type ChunkMessage = v.InferOutput<typeof ChunkMessage>;

export const StopMessage = v.strictObject({ type: v.literal('stop') });
export type StopMessage = v.InferOutput<typeof StopMessage>;

export const PublisherMessage = v.variant('type', [HelloMessage, ChunkMessage, StopMessage]);
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

/** Sent after a `stop` once the outputs are finalised (playlist ended). */
export const EndedMessage = v.strictObject({ type: v.literal('ended'), streamId: v.string() });
export type EndedMessage = v.InferOutput<typeof EndedMessage>;

export const RelayMessage = v.variant('type', [WelcomeMessage, KeyframeRequestMessage, CongestionMessage, ErrorMessage, EndedMessage]);
export type RelayMessage = v.InferOutput<typeof RelayMessage>;
