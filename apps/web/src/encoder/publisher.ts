/**
 * One broadcast inside the worker: reads frames from the transferred track streams, encodes them
 * with {@link MediaEncoder}, and sends them through {@link PublishClient}. Reports a
 * {@link PublishStatus} on every state change and once a second.
 */
import { AUDIO_DEFAULTS, TabcastError, type DestinationSpec, type ErrorPayload } from '@tabcast/shared';
import { PublishClient } from '../transport/publish-client.ts';
import { LocalCopy } from './local-copy.ts';
import { MediaEncoder, type ChunkSink } from './media-encoder.ts';
import { stepDownBitrate } from './quality-step.ts';
import { DEFAULT_RETAIN_MINUTES, type EncoderPerf, type EncoderStats, type PublishOptions, type PublishState, type PublishStatus } from './worker-api.ts';

/** Socket buffer above which chunks are refused: about 1.5 s of 2.5 Mbps video. */
const MAX_BUFFERED_BYTES = 512 * 1024;
/** The same bound in time: the oldest unsent chunk may wait this long before chunks are dropped. */
const MAX_SOCKET_BACKLOG_MS = 500;
/** The local copy is held in memory until saved: it stops past this (≈ 53 min at 2.5 Mbps). */
const LOCAL_COPY_MAX_BYTES = 1_000_000_000;
/** Congestion never pushes video below this, bits/s. */
const MIN_VIDEO_BITRATE = 300_000;


export class Publisher {
  private client: PublishClient;
  private encoder: MediaEncoder;
  private status: PublishStatus;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private readers: ReadableStreamDefaultReader<VideoFrame | AudioData>[] = [];
  private stopping = false;
  private destinations: DestinationSpec[];
  private localCopy: LocalCopy | null;

  constructor(private o: PublishOptions, private report: (s: PublishStatus) => void) {
    this.destinations = o.destinations;
    this.lastFpsLimit = o.preset.frameRate;
    const emptyStats: EncoderStats = { fps: 0, bitrate: 0, encodeMsAvg: 0, framesEncoded: 0, framesDropped: 0, bufferedBytes: 0, codec: '', captureLagMs: 0, drops: { 'encoder-busy': 0, socket: 0, 'capture-late': 0, paced: 0 }, fpsLimit: o.preset.frameRate, atMs: 0, captureFps: 0, droppedEncoder: 0, droppedSocket: 0, encoderQueue: 0, targetBitrate: o.preset.videoBitrate };
    this.status = { state: 'idle', streamId: null, watchUrl: null, hlsUrl: null, attempt: 0, maxAttempts: o.reconnect.attempts, error: null, notice: null, stats: emptyStats, destinations: [], recording: null, recordingNote: null, retainedChunks: 0, backfillLeft: 0, localCopyNote: null };
    this.localCopy = o.localCopy ? new LocalCopy(o.audio !== null, LOCAL_COPY_MAX_BYTES) : null;
    this.client = new PublishClient(
      { url: o.relayUrl, key: o.streamKey, audio: o.audio, reconnect: o.reconnect, maxBufferedBytes: MAX_BUFFERED_BYTES, maxBacklogMs: MAX_SOCKET_BACKLOG_MS, listed: o.listed === true, record: o.record !== false, retainMs: (o.retainMinutes ?? DEFAULT_RETAIN_MINUTES) * 60_000 },
      {
        state: (state, { attempt, error }) => {
          if (state === 'error' && error) this.fatal(error);
          else this.update({ state, attempt, error });
        },
        welcome: (w) => {
          this.encoder.requestKeyframe();
          this.client.sendControl({ type: 'destinations', destinations: this.destinations });
          this.update({ streamId: w.streamId, watchUrl: w.watchUrl, hlsUrl: w.hlsUrl, recording: w.recording ?? false, ...(w.recording ? { recordingNote: null } : {}) });
        },
        destinationStatus: (destinations) => this.update({ destinations }),
        notice: (message) => this.update({ notice: message }),
        recording: (recording, reason) => this.update({ recording, recordingNote: reason }),
        keyframeRequest: () => this.encoder.requestKeyframe(),
        qualityRequest: (reason) => {
          const next = stepDownBitrate(this.encoder.bitrate, MIN_VIDEO_BITRATE);
          if (next === null) return this.update({ notice: `The relay asked for lower quality (${reason}), but video is already at the lowest level.` });
          this.encoder.lowerBitrate(next);
          this.update({ notice: `Quality stepped down to ${(next / 1e6).toFixed(2)} Mbps because ${reason}.` });
        },
        congestion: (suggested) => {
          const next = Math.max(MIN_VIDEO_BITRATE, Math.min(suggested, Math.round(this.encoder.bitrate * 0.7)));
          if (next >= this.encoder.bitrate) return;
          this.encoder.lowerBitrate(next);
          this.update({ notice: `The relay could not keep up: video bitrate lowered to ${(next / 1e6).toFixed(2)} Mbps.` });
        },
      },
    );
    this.encoder = new MediaEncoder(
      {
        width: o.width,
        height: o.height,
        frameRate: o.preset.frameRate,
        bitrate: o.preset.videoBitrate,
        contentHint: o.contentHint,
        keyframeIntervalMs: o.keyframeIntervalMs,
        latencyMode: o.latencyMode ?? 'realtime',
        ...(o.bitrateMode ? { bitrateMode: o.bitrateMode } : {}),
        ...(o.maxEncodeQueue ? { maxEncodeQueue: o.maxEncodeQueue } : {}),
        audio: o.audio ? { ...o.audio, bitrate: AUDIO_DEFAULTS.bitrate } : null,
      },
      this.sink(),
      (err) => this.fatal({ code: 'encoder-failed', message: `The encoder failed: ${err.message}`, fatal: true }),
    );
  }

  /** The encoder's sink: the relay's socket, and the local copy beside it. */
  private sink(): ChunkSink {
    const client = this.client;
    const copy = this.localCopy;
    return {
      send: (chunk) => client.send(chunk),
      get canSend() {
        return client.canSend;
      },
      get bufferedAmount() {
        return client.bufferedAmount;
      },
      // With a local copy, keep encoding while the link is down: the copy has no hole then either.
      get retaining() {
        return client.retaining || copy !== null;
      },
      keep: (chunk) => {
        client.keep(chunk);
        copy?.add(chunk);
      },
    };
  }

  async start(video: ReadableStream<VideoFrame>, audio: ReadableStream<AudioData> | null): Promise<void> {
    this.update({ state: 'connecting' });
    try {
      await this.encoder.configure();
    } catch (err) {
      this.fatal(TabcastError.wrap(err, 'encoder-failed').toPayload());
      return;
    }
    this.client.connect();
    void this.pump(video, (f) => this.encoder.encodeVideo(f as VideoFrame));
    if (audio) void this.pump(audio, (d) => this.encoder.encodeAudio(d as AudioData));
    this.statsTimer = setInterval(() => this.tickStats(), 1000);
  }

  private async pump(stream: ReadableStream<VideoFrame | AudioData>, encode: (x: VideoFrame | AudioData) => void): Promise<void> {
    const reader = stream.getReader();
    this.readers.push(reader);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (this.stopping) {
          value.close();
          break;
        }
        encode(value);
      }
    } catch (err) {
      if (!this.stopping) this.fatal({ code: 'capture-failed', message: `The captured source stopped: ${(err as Error).message}`, fatal: true });
    }
  }

  private lastFpsLimit: number;

  /** The encoder's monitoring points since the last call (see EncoderPerf). */
  takePerf(): EncoderPerf {
    return this.encoder.takePerf();
  }

  private tickStats(): void {
    const stats = this.encoder.takeStats();
    const patch: Partial<PublishStatus> = { stats, localCopyNote: this.localCopy?.problem ?? null, retainedChunks: this.client.retained.size, backfillLeft: this.client.backfillLeft };
    // The relay's copy (protocol 2, docs/protocol.md): it exports them and watches the fps.
    this.client.sendControl({
      type: 'stats',
      captureFps: stats.captureFps,
      targetFps: this.o.preset.frameRate,
      encodeMs: stats.encodeMsAvg,
      droppedEncoder: stats.droppedEncoder,
      droppedSocket: stats.droppedSocket,
      encoderQueue: stats.encoderQueue,
      socketBufferedBytes: stats.bufferedBytes,
      targetBitrate: stats.targetBitrate,
    });
    if (stats.fpsLimit !== this.lastFpsLimit) {
      patch.notice =
        stats.fpsLimit < this.o.preset.frameRate
          ? `Sending ${stats.fpsLimit} fps instead of ${this.o.preset.frameRate}: this computer cannot encode fast enough right now (frames are dropped evenly; close other heavy tabs or pick a smaller quality).`
          : `Back to ${stats.fpsLimit} fps.`;
      this.lastFpsLimit = stats.fpsLimit;
    }
    this.update(patch);
  }

  setDestinations(destinations: DestinationSpec[]): void {
    this.destinations = destinations;
    this.client.sendControl({ type: 'destinations', destinations });
  }

  /** Stops; resolves with the local copy's MP4 when one was kept. */
  async stop(): Promise<Blob | null> {
    if (this.stopping) return null;
    this.stopping = true;
    await Promise.allSettled(this.readers.map((r) => r.cancel()));
    await this.encoder.close();
    await this.client.stop();
    if (this.statsTimer) clearInterval(this.statsTimer);
    const copy = await this.localCopy?.finish();
    this.update({ state: 'stopped', localCopyNote: this.localCopy?.problem ?? null });
    return copy ?? null;
  }

  /** The page is going away: `stop` goes out now; nothing is flushed or awaited. */
  stopNow(): void {
    this.stopping = true;
    this.client.stopNow();
  }

  private fatal(error: ErrorPayload): void {
    this.update({ state: 'error', error });
    void this.stop().then(() => this.update({ state: 'error', error }));
  }

  private update(patch: Partial<PublishStatus> & { state?: PublishState }): void {
    this.status = { ...this.status, ...patch };
    this.report(this.status);
  }
}
