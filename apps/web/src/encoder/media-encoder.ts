/**
 * WebCodecs encoding for one broadcast: H.264 video and Opus audio, the browser's own timestamps
 * (re-based per track onto one stream clock), keyframes on a wall-clock schedule and on request,
 * and backpressure on encodeQueueSize and on the socket. A plain class: the worker is a thin
 * adapter over it.
 */
import { IntervalMeter, MONITORING_POINTS, Ring, StageTimer, bytesEqual, type AudioConfig, type ChunkMessage, type VideoConfig } from '@tabcast/shared';
import { AudioTimeline } from '../media/audio-timeline.ts';
import { TrackClock } from './track-clock.ts';
import type { DropReason, EncoderPerf, EncoderStats } from './worker-api.ts';

export interface ChunkSink {
  /** False when the chunk could not go out (socket not live or its buffer is full). */
  send(chunk: ChunkMessage): boolean;
  readonly canSend: boolean;
  readonly bufferedAmount: number;
  /** Every chunk made, sent or not (a chunk the socket refused, a delta skipped after a gap), for the recording's backfill. */
  keep?(chunk: ChunkMessage): void;
  /**
   * True while kept chunks will reach the relay later (the recording's backfill): the encoder then
   * goes on encoding while the link is down instead of dropping frames.
   */
  readonly retaining?: boolean;
}

export interface MediaEncoderOptions {
  width: number;
  height: number;
  frameRate: number;
  bitrate: number;
  contentHint: string;
  keyframeIntervalMs: number;
  /** WebCodecs' latencyMode; default 'realtime'. */
  latencyMode?: 'realtime' | 'quality';
  /** WebCodecs' bitrateMode; default 'variable' (the spec's default). */
  bitrateMode?: 'constant' | 'variable';
  /** Frames waiting inside the encoder before new ones are dropped; default {@link MAX_VIDEO_ENCODE_QUEUE}. */
  maxEncodeQueue?: number;
  audio: { sampleRate: number; numberOfChannels: number; bitrate: number } | null;
}

/** Frames waiting inside the encoder before new ones are dropped (the default; see {@link MediaEncoderOptions.maxEncodeQueue}). */
const MAX_VIDEO_ENCODE_QUEUE = 3;
/**
 * A frame that reaches the encoder this much later after capture than the best of the last
 * {@link CAPTURE_LAG_WINDOW_US} is dropped: a backlog never builds before the encoder, so capture
 * timestamps never fall behind the wall clock.
 */
const MAX_CAPTURE_LAG_US = 150_000;
const CAPTURE_LAG_WINDOW_US = 10_000_000;
/**
 * Frame rates the studio steps down through when the encoder cannot keep up (frames are then
 * dropped evenly, not in bursts), and back up when it can again.
 */
export const FPS_STEPS = [30, 24, 20, 15, 10] as const;
const MAX_AUDIO_ENCODE_QUEUE = 20;
/** A still screen sends no frames; repeat the last one after this long so players never stall. */
const STILL_FRAME_REPEAT_MS = 500;

/** H.264 profiles to try, best first (level 4.0 covers 1080p30). */
export function h264Candidates(): string[] {
  return ['avc1.640028', 'avc1.4d0028', 'avc1.420028'];
}

export async function pickVideoConfig(o: MediaEncoderOptions): Promise<VideoEncoderConfig> {
  const errors: string[] = [];
  for (const codec of h264Candidates()) {
    const config: VideoEncoderConfig = {
      codec,
      width: o.width,
      height: o.height,
      bitrate: o.bitrate,
      framerate: o.frameRate,
      latencyMode: o.latencyMode ?? 'realtime',
      bitrateMode: o.bitrateMode ?? 'variable',
      avc: { format: 'avc' },
      hardwareAcceleration: 'no-preference',
      ...(o.contentHint ? { contentHint: o.contentHint } : {}),
    } as VideoEncoderConfig;
    try {
      const support = await VideoEncoder.isConfigSupported(config);
      if (support.supported) return config;
      errors.push(`${codec}: not supported`);
    } catch (err) {
      errors.push(`${codec}: ${(err as Error).message}`);
    }
  }
  throw new Error(`this browser cannot encode H.264 at ${o.width}×${o.height} (${errors.join('; ')})`);
}

export class MediaEncoder {
  private video: VideoEncoder | null = null;
  private audio: AudioEncoder | null = null;
  private error: Error | null = null;
  private startMs = performance.now();
  /** Per track: the source's timestamps → the stream clock (see TrackClock). */
  private clocks = { video: new TrackClock(), audio: new TrackClock() };
  private audioTimeline = new AudioTimeline();
  private lastVideoTs = -1;
  private lastAudioTs = -1;
  private lastKeyAtMs = -Infinity;
  private keyRequested = true;
  /** Send codec config with the next chunk of each track (first chunk, reconnect). */
  private sendConfig = { video: true, audio: true };
  private videoConfig: VideoConfig | null = null;
  private audioConfig: AudioConfig | null = null;
  /**
   * Monitoring points (seed 001): capture:frame (a frame reaching the encoder), encode:start/end
   * (encode() to its chunk, keyed by timestamp), encode:output, network:send:start/end (handing a
   * chunk to the socket) and network:sent. Bounded; read by takePerf().
   */
  private perf = {
    capture: new IntervalMeter(MONITORING_POINTS.CAPTURE_FRAME),
    encode: new StageTimer('encode'),
    encoded: new IntervalMeter('encode:output'),
    send: new StageTimer('network:send'),
    sent: new IntervalMeter('network:sent'),
    queue: new Ring(),
  };
  /**
   * The newest picture the encoder was given, encoded or not, and when it came: what a still
   * source's repeat shows. A still tab sends one frame after a change; if pacing dropped that one,
   * repeating the last *encoded* frame would keep the previous picture on air until the tab moves.
   */
  private lastFrame: VideoFrame | null = null;
  private lastFrameAtMs = 0;
  /** When a frame was last encoded (the repeat waits for {@link STILL_FRAME_REPEAT_MS} of none). */
  private lastEncodedAtMs = 0;
  private stillTimer: ReturnType<typeof setInterval> | null = null;
  private window = { frames: 0, bytes: 0, encodeMs: 0, busyDrops: 0, captured: 0 };
  private totals = { framesEncoded: 0, framesDropped: 0 };
  /** Frames dropped before encoding, by reason, since start. */
  private drops: Record<DropReason, number> = { 'encoder-busy': 0, socket: 0, 'capture-late': 0, paced: 0 };
  /** The frame rate the studio currently sends at most (lowered when the encoder cannot keep up). */
  fpsLimit: number;
  private calmSeconds = 0;
  /** Timestamp of the last frame offered, and the frames earned but not yet sent (see encodeVideo). */
  private lastAcceptedTs = -Infinity;
  private paceCredit = 0;
  /** A video chunk could not be sent: nothing more until the next keyframe (never half a GOP). */
  private videoGap = false;
  /** Frames were encoded for the retained copy only (link down): the next sendable frame is a keyframe. */
  private keyAfterOutage = false;
  private seq = { video: 0, audio: 0 };
  private captureLagBuckets: { start: number; min: number }[] = [];
  private lastStats: EncoderStats;
  codec = '';

  constructor(private o: MediaEncoderOptions, private sink: ChunkSink, private onError: (err: Error) => void) {
    this.fpsLimit = o.frameRate;
    this.lastStats = { fps: 0, bitrate: 0, encodeMsAvg: 0, framesEncoded: 0, framesDropped: 0, bufferedBytes: 0, codec: '', captureLagMs: 0, drops: { 'encoder-busy': 0, socket: 0, 'capture-late': 0, paced: 0 }, fpsLimit: o.frameRate, atMs: 0, captureFps: 0, droppedEncoder: 0, droppedSocket: 0, encoderQueue: 0, targetBitrate: o.bitrate };
  }

  private activeConfig: VideoEncoderConfig | null = null;

  /** Current target video bitrate, bits/s. */
  get bitrate(): number {
    return this.o.bitrate;
  }

  /**
   * Lowers the video bitrate (the relay reported congestion). Reconfigures the encoder in place; the
   * next frame is a keyframe so a changed codec description reaches the relay with it.
   */
  lowerBitrate(bitsPerSec: number): void {
    if (!this.video || !this.activeConfig || this.video.state !== 'configured' || bitsPerSec >= this.o.bitrate) return;
    this.o = { ...this.o, bitrate: bitsPerSec };
    this.activeConfig = { ...this.activeConfig, bitrate: bitsPerSec };
    this.video.configure(this.activeConfig);
    this.requestKeyframe();
  }

  async configure(): Promise<void> {
    const config = await pickVideoConfig(this.o);
    this.activeConfig = config;
    this.codec = config.codec;
    this.video = new VideoEncoder({
      output: (chunk, meta) => this.onVideoChunk(chunk, meta),
      error: (err) => this.fail(err),
    });
    this.video.configure(config);
    if (this.o.audio) {
      const audioConfig: AudioEncoderConfig = {
        codec: 'opus',
        sampleRate: this.o.audio.sampleRate,
        numberOfChannels: this.o.audio.numberOfChannels,
        bitrate: this.o.audio.bitrate,
      };
      const support = await AudioEncoder.isConfigSupported(audioConfig);
      if (!support.supported) throw new Error('this browser cannot encode Opus audio');
      this.audio = new AudioEncoder({ output: (chunk, meta) => this.onAudioChunk(chunk, meta), error: (err) => this.fail(err) });
      this.audio.configure(audioConfig);
    }
    this.stillTimer = setInterval(() => this.repeatStillFrame(), STILL_FRAME_REPEAT_MS / 2);
  }

  /** The relay (or a reconnect) wants a keyframe with codec config next. */
  requestKeyframe(): void {
    this.keyRequested = true;
    this.sendConfig = { video: true, audio: true };
  }

  private captureLagUs = 0;

  /** How much later than the best of the last 10 s this frame reached the encoder, µs. */
  private captureLag(ts: number, now: number): number {
    const lag = now - ts;
    let b = this.captureLagBuckets.at(-1);
    if (!b || now - b.start >= 1_000_000) this.captureLagBuckets.push((b = { start: now, min: lag }));
    else if (lag < b.min) b.min = lag;
    while (now - this.captureLagBuckets[0]!.start > CAPTURE_LAG_WINDOW_US) this.captureLagBuckets.shift();
    let min = Infinity;
    for (const x of this.captureLagBuckets) if (x.min < min) min = x.min;
    return lag - min;
  }

  private drop(frame: VideoFrame, reason: DropReason): void {
    this.totals.framesDropped++;
    this.drops[reason]++;
    if (reason === 'encoder-busy') this.window.busyDrops++;
    frame.close();
  }

  encodeVideo(frame: VideoFrame): void {
    if (this.error || !this.video) return frame.close();
    this.window.captured++;
    this.perf.capture.tick();
    this.lastFrame?.close();
    this.lastFrame = frame.clone();
    this.lastFrameAtMs = performance.now();
    // Capture timestamps share the clock of performance.now() (a fixed origin apart).
    this.captureLagUs = this.captureLag(frame.timestamp, performance.now() * 1000);
    if (this.captureLagUs > MAX_CAPTURE_LAG_US) return this.drop(frame, 'capture-late');
    // Even pacing at the current limit: each frame earns its share of a frame; one is sent per whole
    // frame earned (a 60 Hz source at 30 fps sends every other frame; an irregular 30 Hz one, all).
    const earned = this.lastAcceptedTs === -Infinity ? 1 : ((frame.timestamp - this.lastAcceptedTs) * this.fpsLimit) / 1e6;
    this.lastAcceptedTs = frame.timestamp;
    this.paceCredit = Math.min(2, this.paceCredit + Math.max(0, earned));
    if (this.paceCredit < 0.9) return this.drop(frame, 'paced');
    this.paceCredit -= 1;
    this.lastEncodedAtMs = performance.now();
    this.encodeFrame(frame);
  }

  private encodeFrame(frame: VideoFrame): void {
    const video = this.video!;
    const now = performance.now();
    // Behind: drop the raw frame (never an encoded one, which would break the GOP) and ask for a
    // keyframe so the stream recovers cleanly once there is room again.
    if (!this.sink.canSend) {
      if (!this.sink.retaining) {
        this.keyRequested = true;
        return this.drop(frame, 'socket');
      }
      // Encoded for the recording's backfill; live resumes with a keyframe once the link is back
      // (not every frame of the outage a keyframe: the copy keeps its usual GOPs).
      this.keyAfterOutage = true;
    } else if (this.keyAfterOutage) {
      this.keyAfterOutage = false;
      this.keyRequested = true;
    }
    if (video.encodeQueueSize >= (this.o.maxEncodeQueue ?? MAX_VIDEO_ENCODE_QUEUE)) return this.drop(frame, 'encoder-busy');
    let ts = this.clocks.video.map(frame.timestamp, Math.round((now - this.startMs) * 1000));
    if (ts <= this.lastVideoTs) {
      // Repeated still frames and real ones can meet, and a re-anchored clock can step back;
      // keep timestamps strictly increasing.
      ts = this.lastVideoTs + 1000;
    }
    this.lastVideoTs = ts;
    const keyFrame = this.keyRequested || now - this.lastKeyAtMs >= this.o.keyframeIntervalMs;
    if (keyFrame) {
      this.keyRequested = false;
      this.lastKeyAtMs = now;
    }
    const stamped = ts === frame.timestamp ? frame : new VideoFrame(frame, { timestamp: ts });
    if (stamped !== frame) frame.close();
    this.perf.encode.start(ts, now);
    this.perf.queue.push(video.encodeQueueSize);
    try {
      video.encode(stamped, { keyFrame });
    } catch (err) {
      this.fail(err as Error);
    } finally {
      stamped.close();
    }
  }

  private repeatStillFrame(): void {
    if (!this.lastFrame || this.error) return;
    const now = performance.now();
    if (now - this.lastEncodedAtMs < STILL_FRAME_REPEAT_MS) return;
    const last = this.lastFrame;
    // Same picture, later time: the source clock advanced by the time since it came.
    const repeat = new VideoFrame(last, { timestamp: last.timestamp + Math.round((now - this.lastFrameAtMs) * 1000) });
    this.lastFrame = repeat.clone();
    this.lastFrameAtMs = now;
    last.close();
    this.lastEncodedAtMs = now;
    this.encodeFrame(repeat);
  }

  encodeAudio(data: AudioData): void {
    if (this.error || !this.audio) return data.close();
    if (this.audio.encodeQueueSize >= MAX_AUDIO_ENCODE_QUEUE) {
      data.close();
      return;
    }
    const ts = this.clocks.audio.map(data.timestamp, Math.round((performance.now() - this.startMs) * 1000));
    this.audioTimeline.input(ts, (data.numberOfFrames * 1e6) / data.sampleRate);
    try {
      this.audio.encode(data);
    } catch (err) {
      this.fail(err as Error);
    } finally {
      data.close();
    }
  }

  /** The VideoEncoder's output callback (not private: media-encoder.test.ts feeds it chunks). */
  onVideoChunk(chunk: EncodedVideoChunk, meta?: EncodedVideoChunkMetadata): void {
    const encodeMs = this.perf.encode.end(chunk.timestamp);
    if (encodeMs !== undefined) this.window.encodeMs += encodeMs;
    this.perf.encoded.tick();
    const dc = meta?.decoderConfig;
    if (dc?.description) {
      const next: VideoConfig = {
        codec: dc.codec,
        codedWidth: dc.codedWidth ?? this.o.width,
        codedHeight: dc.codedHeight ?? this.o.height,
        description: toBytes(dc.description),
      };
      if (!this.videoConfig || !bytesEqual(this.videoConfig.description, next.description) || this.videoConfig.codec !== next.codec) {
        this.videoConfig = next;
        this.sendConfig.video = true;
      }
    }
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    const key = chunk.type === 'key';
    const seq = this.seq.video++;
    const base = { seq, type: 'chunk', track: 'video', timestampUs: chunk.timestamp, durationUs: chunk.duration || Math.round(1e6 / this.o.frameRate), key, data } as const;
    // The retained copy's keyframes carry their config: backfill may start at any of them.
    this.sink.keep?.(key && this.videoConfig ? { ...base, config: this.videoConfig } : base);
    // After a reconnect the relay resumes only at a keyframe that carries its config; after a chunk
    // that could not be sent, the frames that depend on it are useless until the next keyframe.
    if ((this.sendConfig.video || this.videoGap) && !key) return;
    // Captured frames carry no duration; the nominal one (in `base`) lets FFmpeg size segments exactly.
    const sent = this.perf.send.time(() => this.sink.send({ ...base, ...(this.sendConfig.video && this.videoConfig ? { config: this.videoConfig } : {}) }));
    if (sent) {
      this.perf.sent.tick();
      if (key) this.sendConfig.video = false;
      this.videoGap = false;
      this.window.frames++;
      this.window.bytes += data.byteLength;
      this.totals.framesEncoded++;
    } else {
      this.videoGap = true;
      if (this.sink.retaining) this.keyAfterOutage = true;
      else this.keyRequested = true;
    }
  }

  private onAudioChunk(chunk: EncodedAudioChunk, meta?: EncodedAudioChunkMetadata): void {
    // Every chunk moves the timeline on, sent or not.
    const ts = this.audioTimeline.output(chunk.duration ?? 20_000);
    const dc = meta?.decoderConfig;
    if (dc) {
      this.audioConfig = {
        codec: 'opus',
        sampleRate: dc.sampleRate,
        numberOfChannels: dc.numberOfChannels,
        ...(dc.description ? { description: toBytes(dc.description) } : {}),
      };
    }
    if (!this.audioConfig) return;
    const seq = this.seq.audio++;
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    if (ts === null) return;
    // After the clock was re-anchored backwards, what overlaps the audio already sent is dropped.
    if (ts <= this.lastAudioTs) return;
    this.lastAudioTs = ts;
    const msg: ChunkMessage = { seq, type: 'chunk', track: 'audio', timestampUs: ts, durationUs: chunk.duration ?? 0, key: true, data, ...(this.sendConfig.audio ? { config: this.audioConfig } : {}) };
    this.sink.keep?.(msg);
    const sent = this.sink.send(msg);
    if (sent) {
      this.sendConfig.audio = false;
      this.window.bytes += data.byteLength;
    }
  }

  /**
   * Once a second: steps the frame rate down when the encoder turned frames away (it cannot keep
   * up; fewer frames, evenly spaced, beat bursts of drops), and back up after 5 calm seconds with
   * encode time to spare.
   */
  private adaptFrameRate(): void {
    const w = this.window;
    const i = FPS_STEPS.findIndex((f) => f <= this.fpsLimit);
    if (w.busyDrops >= 2 && i < FPS_STEPS.length - 1) {
      this.fpsLimit = Math.min(this.o.frameRate, FPS_STEPS[i + 1]!);
      this.calmSeconds = 0;
      return;
    }
    const avgMs = w.frames ? w.encodeMs / w.frames : 0;
    this.calmSeconds = w.busyDrops === 0 ? this.calmSeconds + 1 : 0;
    const up = i > 0 ? Math.min(this.o.frameRate, FPS_STEPS[i - 1]!) : this.o.frameRate;
    if (this.fpsLimit < this.o.frameRate && this.calmSeconds >= 5 && avgMs < 600 / up) {
      this.fpsLimit = up;
      this.calmSeconds = 0;
    }
  }

  /** The monitoring points' figures since the last call (video only). */
  takePerf(): EncoderPerf {
    const queue = this.perf.queue.toArray();
    this.perf.queue.clear();
    return {
      captureIntervalsMs: this.perf.capture.take(),
      encodedIntervalsMs: this.perf.encoded.take(),
      sentIntervalsMs: this.perf.sent.take(),
      encodeMs: this.perf.encode.take(),
      sendMs: this.perf.send.take(),
      encoderQueue: queue,
      encodesLost: this.perf.encode.lost,
    };
  }

  /** Per-second figures; call once a second. */
  takeStats(): EncoderStats {
    this.adaptFrameRate();
    const w = this.window;
    this.lastStats = {
      fps: w.frames,
      bitrate: w.bytes * 8,
      encodeMsAvg: w.frames ? Math.round((w.encodeMs / w.frames) * 10) / 10 : 0,
      framesEncoded: this.totals.framesEncoded,
      framesDropped: this.totals.framesDropped,
      bufferedBytes: this.sink.bufferedAmount,
      codec: this.codec,
      captureLagMs: Math.round(this.captureLagUs / 1000),
      drops: { ...this.drops },
      fpsLimit: this.fpsLimit,
      atMs: Date.now(),
      captureFps: w.captured,
      droppedEncoder: this.drops['encoder-busy'],
      droppedSocket: this.drops.socket,
      encoderQueue: this.video?.encodeQueueSize ?? 0,
      targetBitrate: this.o.bitrate,
    };
    this.window = { frames: 0, bytes: 0, encodeMs: 0, busyDrops: 0, captured: 0 };
    return this.lastStats;
  }

  private fail(err: Error): void {
    if (this.error) return;
    this.error = err;
    this.onError(err);
  }

  async close(): Promise<void> {
    if (this.stillTimer) clearInterval(this.stillTimer);
    this.lastFrame?.close();
    this.lastFrame = null;
    // Flush so the last frames reach the relay before stop.
    await Promise.allSettled([this.video?.flush(), this.audio?.flush()]);
    for (const enc of [this.video, this.audio]) {
      if (enc && enc.state !== 'closed') enc.close();
    }
  }
}

/** A private copy of a codec description (the encoder may reuse its buffer). */
function toBytes(src: AllowSharedBufferSource): Uint8Array<ArrayBuffer> {
  const view = src instanceof ArrayBuffer || src instanceof SharedArrayBuffer ? new Uint8Array(src) : new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  return new Uint8Array(view);
}
