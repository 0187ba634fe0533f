/** The encoder worker's interface, shared by the studio (caller) and the worker (callee). */
import type { DestinationSpec, DestinationStatus, ErrorPayload, VideoPreset } from '@tabcast/shared';

export interface ReconnectPolicy {
  /**
   * Attempts before giving up. Default 10: 10 × 2 s outlasts the relay's default reconnect grace
   * (15 s), and the studio also keeps trying as long as the grace its relay announces in `welcome`.
   */
  attempts: number;
  /** Delay before each attempt, ms, jittered ±25%. Default 2000. */
  delayMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = Object.freeze({ attempts: 10, delayMs: 2_000 });

export interface PublishOptions {
  /** ws(s)://host/ws/publish */
  relayUrl: string;
  streamKey: string;
  preset: VideoPreset;
  /** Encoded size (even numbers, fitted into the preset keeping the source's aspect ratio). */
  width: number;
  height: number;
  contentHint: string;
  audio: { sampleRate: number; numberOfChannels: number } | null;
  reconnect: ReconnectPolicy;
  /** Force a keyframe at least this often, wall-clock ms. */
  keyframeIntervalMs: number;
  /** WebCodecs' latencyMode, from the encoding profile; default 'realtime'. */
  latencyMode?: 'realtime' | 'quality';
  /** WebCodecs' bitrateMode and the encoder's queue bound: only the performance suite sets them (tabcastPerf.tuneEncoder). */
  bitrateMode?: 'constant' | 'variable';
  maxEncodeQueue?: number;
  /** RTMP destinations to push to (sent after every welcome). */
  destinations: DestinationSpec[];
  /** List the stream publicly (`hello.listed`); default false: unlisted, reachable by its id only. */
  listed?: boolean;
  /** Ask the relay to record this broadcast (`hello.record`); default true. */
  record?: boolean;
  /**
   * Minutes of media the studio keeps until the relay acknowledges it has recorded them, to backfill
   * after a dropped connection or a relay restart. Default {@link DEFAULT_RETAIN_MINUTES}; 0: none.
   */
  retainMinutes?: number;
  /** Also build an MP4 of the broadcast in the browser (mediabunny), handed back by `stop()`. Default false. */
  localCopy?: boolean;
}

/** Default of PublishOptions.retainMinutes: covers an outage of the relay's reconnect grace many times over (≈ 19 MB a minute at 2.5 Mbps). */
export const DEFAULT_RETAIN_MINUTES = 2;

export type PublishState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'stopped' | 'error';

export interface EncoderStats {
  /** Encoded video frames per second over the last second. */
  fps: number;
  /** Bits per second put on the socket over the last second. */
  bitrate: number;
  /** Mean time from encode() to the encoded chunk, ms, over the last second. */
  encodeMsAvg: number;
  framesEncoded: number;
  /** Frames dropped before encoding (encoder or socket behind), since start. */
  framesDropped: number;
  /** Bytes waiting in the socket. */
  bufferedBytes: number;
  codec: string;
  /** How much later after capture the newest frame reached the encoder than the best of the last 10 s, ms. */
  captureLagMs: number;
  /** Frames dropped before encoding, by reason, since start (they add up to framesDropped). */
  drops: Record<DropReason, number>;
  /** When these figures were taken (Date.now()). */
  atMs: number;
  /** The frame rate the studio sends at most right now: the preset's, or lower while the encoder cannot keep up. */
  fpsLimit: number;
  /** Frames the capture delivered over the last second. */
  captureFps: number;
  /** framesDropped split by why: the encoder's queue was full / the socket was behind. */
  droppedEncoder: number;
  droppedSocket: number;
  /** Frames waiting inside the encoder now. */
  encoderQueue: number;
  /** The video bitrate the encoder is set to, bits/s. */
  targetBitrate: number;
}

/**
 * Why a frame was not encoded: 'encoder-busy' (the encoder still had 3 frames queued),
 * 'socket' (the link to the relay was behind or down), 'capture-late' (it reached the encoder
 * more than 150 ms late: dropped so no backlog builds), 'paced' (above the current frame-rate limit).
 */
export type DropReason = 'encoder-busy' | 'socket' | 'capture-late' | 'paced';

export interface PublishStatus {
  state: PublishState;
  streamId: string | null;
  watchUrl: string | null;
  hlsUrl: string | null;
  /** Reconnect attempt in progress (1-based), 0 otherwise. */
  attempt: number;
  maxAttempts: number;
  error: ErrorPayload | null;
  /** Something the broadcaster should know that is not an error (e.g. bitrate lowered). */
  notice: string | null;
  stats: EncoderStats;
  /** Each RTMP destination's state, as the relay last reported it. */
  destinations: DestinationStatus[];
  /** Whether the relay records this broadcast (null: not known yet), and why not, in words. */
  recording: boolean | null;
  recordingNote: string | null;
  /** Chunks kept for the recording until the relay acknowledges them, and backfill still to send. */
  retainedChunks: number;
  backfillLeft: number;
  /** Why the local copy stopped early, in words; else null. */
  localCopyNote: string | null;
}

/** The encoder's monitoring points since the last take (video), for the performance suite. */
export interface EncoderPerf {
  /** Intervals between frames reaching the encoder, between chunks leaving it, and between chunks sent, ms. */
  captureIntervalsMs: number[];
  encodedIntervalsMs: number[];
  sentIntervalsMs: number[];
  /** encode() to its chunk, ms. */
  encodeMs: number[];
  /** Handing a chunk to the socket (msgpack and the send call), ms. */
  sendMs: number[];
  /** The VideoEncoder's queue at each encode(). */
  encoderQueue: number[];
  /** Encodes that never produced a chunk (forgotten after 64 newer ones), since start. */
  encodesLost: number;
}

export interface EncoderWorkerApi {
  start(
    options: PublishOptions,
    /** A track's frames, or the port the compositor worker sends its output frames to. */
    video: ReadableStream<VideoFrame> | MessagePort,
    audio: ReadableStream<AudioData> | null,
    onStatus: (status: PublishStatus) => void,
  ): Promise<void>;
  /** Replaces the destinations while live (or before: they go with the next welcome). */
  setDestinations(destinations: DestinationSpec[]): Promise<void>;
  /** Stops the broadcast; resolves with the local copy (an MP4) when one was asked for and holds video. */
  stop(): Promise<Blob | null>;
  /** The page is going away: send `stop` at once, synchronously, best effort (no waiting for `ended`). */
  stopNow(): void;
  /** The monitoring points' figures since the last call (null when not live). */
  takePerf(): EncoderPerf | null;
  /** Answers at once: a message round trip to this worker. */
  ping(): number;
}
