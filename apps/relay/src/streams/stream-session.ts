/**
 * One live stream. It outlives its publisher's socket (a dropped publisher resumes the same id,
 * even across a relay restart), validates what the publisher sends, and hands every chunk to its
 * outputs, each an {@link OutputRunner} with its own bounded queue and FFmpeg runs: a crashed or
 * stalled FFmpeg is restarted with backoff, and a codec change starts a new run; HLS runs continue
 * the same playlist behind #EXT-X-DISCONTINUITY.
 */
import fs from 'node:fs';
import { CLOSE_CODES, LIMITS, SeqGapDetector, TabcastError, splitRtmpUrl, type AudioConfig, type ChunkMessage, type DestinationSpec, type RelayMessage, type StatsMessage, type StreamInfo, type VideoConfig } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import { buildHlsArgs } from '../ffmpeg/ffmpeg-args.ts';
import type { Spawner } from '../ffmpeg/ffmpeg-process.ts';
import { truncateReason } from '../util/close-reason.ts';
import type { Logger } from '../util/logger.ts';
import { throttledWarn } from '../util/log-throttle.ts';
import { RateMeter } from '../util/rate-meter.ts';
import { StreamPerf } from '../metrics/perf-monitor.ts';
import { StreamFigures } from '../metrics/stream-figures.ts';
import { FfmpegRun } from '../outputs/ffmpeg-run.ts';
import { OutputRunner, sameVideoConfig, type RunFactory } from '../outputs/output-runner.ts';
import { Destinations, type ResolvedDestination } from '../outputs/destinations.ts';
import { FAN_OUT_DEFAULTS, FanOut } from '../outputs/fan-out.ts';
import { HlsPlaylist } from '../outputs/hls-playlist.ts';
import { hlsRestartPolicy } from '../outputs/restart-policy.ts';
import { Fmp4Sink } from '../llhls/fmp4-sink.ts';
import { LlMedia } from '../llhls/ll-media.ts';
import { LL_PLAYLIST_NAME } from '../llhls/ll-playlist.ts';
import type { StreamRecording } from '../recording/stream-recording.ts';
import { IngestTimeline } from './ingest-timeline.ts';
import { saveStream, type PersistedStream } from './stream-store.ts';

export type SessionState = 'live' | 'ending' | 'ended';

/** Destination list changes are applied at most this often, ms. */
const DESTINATIONS_MIN_INTERVAL_MS = 1_000;

/** How long a stream's end waits for its RTMP destinations to finish before killing them, ms. */
const DESTINATION_STOP_LIMIT_MS = 2_000;

/** Seq-gap warnings per stream: at most this many per window, then one summary line. */
const SEQ_GAP_LOGS_PER_WINDOW = 1;
const SEQ_GAP_LOG_WINDOW_MS = 60_000;
/** Why a stream ended other than by its publisher's stop. */
export type EndCode = 'output-failed' | 'disk-full' | 'server-shutdown' | 'unauthorized' | 'bad-message' | 'out-of-order' | 'rate-limited' | 'stopped-by-operator';

/** What a session needs from its publisher's connection. */
export interface PublisherLink {
  send(message: RelayMessage): void;
  close(code: number, reason: string): void;
  /** The protocol version the publisher speaks (1 when unknown): version 1 knows no quality-request. */
  readonly protocolVersion?: number;
}

export interface SessionDeps {
  config: RelayConfig;
  log: Logger;
  spawner?: Spawner;
  onChange: (session: StreamSession) => void;
  /** Why the disk cannot take the stream (full, over quota), or null: names the real cause of a failed output. */
  diskProblem?: () => string | null;
  /** A destination stored (encrypted) on the relay for this stream key, or null. */
  resolveStoredDestination: (keyId: string, id: string) => { url: string; streamKey: string } | null;
  /** This stream's recording (fed the same chunks as the outputs, plus backfill), or null. */
  recording?: StreamRecording | null;
  /** Why this stream is not recorded although its studio asked (the quota), for the studio; else null. */
  recordingOffReason?: string | null;
}

export class StreamSession {
  state: SessionState = 'live';
  readonly startedAt: Date;
  endedAt: Date | null = null;
  /** Why the stream ended, if not by the publisher's stop. */
  endReason: string | null = null;
  private publisher: PublisherLink | null = null;
  /** The current publisher has not sent video yet: its first video chunk must be a keyframe. */
  private awaitingFirstVideo = true;
  private graceTimer: NodeJS.Timeout | null = null;
  private videoConfig: VideoConfig | null = null;
  private audioConfig: AudioConfig | null = null;
  /** Timestamp checks, and the outputs' timeline across resumes. */
  private timeline: IngestTimeline;
  /** The HLS output: its own queue, FFmpeg runs and restarts. */
  readonly hls: OutputRunner;
  /** RTMP destinations, each on its own runner. */
  readonly destinations: Destinations;
  /** Real-time viewers: the publisher's bytes, unchanged. */
  readonly fanOut: FanOut;
  /** index.m3u8, published from FFmpeg's playlist (discontinuity sequence, stray segments). */
  readonly playlist: HlsPlaylist;
  /** LL-HLS parts and segments (in memory), packed from the HLS FFmpeg's fragmented MP4 on fd 3. */
  readonly llMedia: LlMedia;
  private statusTimer: NodeJS.Timeout | null = null;
  private destinationTimer: NodeJS.Timeout | null = null;
  private pendingDestinations: DestinationSpec[] | null = null;
  private lastDestinationsAt = 0;
  private statusPending = false;
  private lastKeyframeRequestAt = 0;
  private meter = new RateMeter();
  private frameMeter = new RateMeter();
  private ended: Promise<void> | null = null;
  /**
   * Jumps in the publisher's video `seq` that did not land on a keyframe: the studio sent a delta
   * after dropping a chunk it depends on (it should wait for a keyframe). Counted, logged throttled.
   */
  seqGaps = 0;
  private videoSeqs = new SeqGapDetector();
  private logSeqGap: (fields: Record<string, unknown>) => void;
  /** Totals and studio figures for metrics, health and the dashboard. */
  readonly figures = new StreamFigures();
  /** Monitoring points: chunk arrival intervals and fan-out time (GET /api/admin/perf). */
  readonly perf = new StreamPerf();

  constructor(
    readonly id: string,
    readonly keyId: string,
    readonly outDir: string,
    readonly hasAudio: boolean,
    private deps: SessionDeps,
    restored?: PersistedStream,
  ) {
    this.timeline = new IngestTimeline(hasAudio, deps.config.maxTrackSkewMs);
    const { llHlsPartTargetMs, llHlsSegmentTargetMs, llHlsWindowSegments } = deps.config;
    // LL-HLS media lives in memory. A stream resumed after a relay restart continues at a media
    // sequence number the earlier one will not have reached: segments last at least half the
    // target (all but the last of each FFmpeg run).
    const firstMsn = restored ? Math.ceil((Date.now() - Date.parse(restored.startedAt)) / (llHlsSegmentTargetMs / 2)) : 0;
    this.llMedia = new LlMedia({ partTargetSec: llHlsPartTargetMs / 1000, segmentTargetSec: llHlsSegmentTargetMs / 1000, windowSegments: llHlsWindowSegments, firstMsn });
    this.hls = this.createHlsRunner();
    this.logSeqGap = throttledWarn(deps.log, 'publisher video has a gap in seq (a delta after a missing chunk)', SEQ_GAP_LOGS_PER_WINDOW, SEQ_GAP_LOG_WINDOW_MS);
    this.fanOut = new FanOut(deps.log.child({ output: 'real-time' }), { ...FAN_OUT_DEFAULTS, maxViewerLagMs: deps.config.viewerMaxLagMs, maxGopCacheBytes: deps.config.gopCacheBytes }, (reason) => this.requestKeyframe(reason));
    this.destinations = new Destinations({
      config: deps.config,
      log: deps.log,
      hasAudio,
      ...(deps.spawner ? { spawner: deps.spawner } : {}),
      keyframeNeeded: (reason) => this.requestKeyframe(reason),
      changed: () => this.reportDestinationsSoon(),
    });
    this.startedAt = restored ? new Date(restored.startedAt) : new Date();
    fs.mkdirSync(outDir, { recursive: true });
    this.playlist = new HlsPlaylist(outDir, deps.log.child({ output: 'hls' }));
    if (restored?.state === 'ended') {
      this.llMedia.end();
      this.state = 'ended';
      this.endedAt = new Date(restored.endedAt ?? Date.now());
    } else {
      this.persist('live');
      this.playlist.watch();
      // A restored live stream waits for its publisher like after any dropped connection.
      if (restored) this.startGraceTimer();
    }
  }

  get publisherConnected(): boolean {
    return this.publisher !== null;
  }

  get outputPid(): number | undefined {
    return this.hls.pid;
  }

  /** FFmpeg runs of the HLS output after the first (restarts and codec changes). */
  get outputRestarts(): number {
    return this.hls.restarts;
  }

  private createHlsRunner(): OutputRunner {
    const { config, log } = this.deps;
    const factory: RunFactory = (videoConfig, audioConfig) =>
      new FfmpegRun(
        {
          ffmpegPath: config.ffmpegPath,
          // A playlist already on disk (a restart of FFmpeg or of the relay) is continued, not replaced.
          args: buildHlsArgs({
            outDir: this.outDir,
            hlsTimeSec: config.hlsTimeSec,
            hlsListSize: config.hlsListSize,
            hasAudio: audioConfig !== null,
            aacBitrate: config.aacBitrate,
            // Continue a playlist that exists; a first playlist never starts with a discontinuity.
            append: fs.existsSync(this.playlist.ffmpegPath),
            // FFmpeg cuts a fragment once it holds this much; the frame or audio packet that crosses
            // the line ends it, so parts stay under the part target.
            fragmentDurationUs: config.llHlsPartTargetMs * 800,
          }),
          pipeSink: new Fmp4Sink(this.llMedia),
          exitTimeoutMs: config.ffmpegExitTimeoutMs,
          stallTimeoutMs: config.ffmpegStallTimeoutMs,
          videoConfig,
          audioConfig,
          ...(this.deps.spawner ? { spawner: this.deps.spawner } : {}),
        },
        log.child({ output: 'hls' }),
      );
    return new OutputRunner(
      'hls',
      factory,
      this.hasAudio,
      {
        maxQueueBytes: config.maxQueueBytes,
        policy: hlsRestartPolicy(config.ffmpegMaxRestartsPerMinute, config.ffmpegRestartDelayMs),
        drainLimitMs: config.ffmpegStallTimeoutMs + config.ffmpegExitTimeoutMs,
      },
      log,
      {
        keyframeNeeded: (reason) => this.requestKeyframe(reason),
        // Listings show the output's state (retrying, failed) beside the stream's.
        changed: () => this.deps.onChange(this),
        failed: (reason) => {
          const disk = this.deps.diskProblem?.();
          if (disk) void this.end(`${disk}; the stream was ended`, 'disk-full');
          else void this.end(`the HLS output failed: ${reason}`, 'output-failed');
        },
      },
    );
  }

  /**
   * Replaces the stream's RTMP destinations (the publisher's `destinations` message). Stored ones
   * are looked up, for this stream key only; a missing one is reported as failed, not thrown.
   */
  setDestinations(specs: DestinationSpec[]): void {
    if (this.state !== 'live') return;
    // Applied at most once a second (the latest list wins): a client flipping destinations
    // cannot make the relay start FFmpeg processes without bound.
    this.pendingDestinations = specs;
    if (this.destinationTimer) return;
    const wait = Math.max(0, this.lastDestinationsAt + DESTINATIONS_MIN_INTERVAL_MS - Date.now());
    this.destinationTimer = setTimeout(() => {
      this.destinationTimer = null;
      const list = this.pendingDestinations;
      this.pendingDestinations = null;
      if (list && this.state === 'live') this.applyDestinations(list);
    }, wait);
  }

  private applyDestinations(specs: DestinationSpec[]): void {
    this.lastDestinationsAt = Date.now();
    const resolved: ResolvedDestination[] = specs.map((spec) => {
      const base = { id: spec.id, name: spec.name, enabled: spec.enabled };
      if (spec.stored) {
        const found = this.deps.resolveStoredDestination(this.keyId, spec.id);
        return found ? { ...base, ...found } : { ...base, url: '', streamKey: '', problem: 'this destination is not stored on the relay (removed?); add it again' };
      }
      if (!spec.url) return { ...base, url: '', streamKey: '', problem: 'no server URL' };
      return { ...base, ...splitRtmpUrl(spec.url, spec.streamKey) };
    });
    this.destinations.set(resolved);
    if (!this.statusTimer && resolved.length) {
      this.statusTimer = setInterval(() => this.reportDestinations(), 1000);
      this.statusTimer.unref();
    }
  }

  private reportDestinationsSoon(): void {
    if (this.statusPending) return;
    this.statusPending = true;
    setImmediate(() => {
      this.statusPending = false;
      this.reportDestinations();
    });
  }

  private reportDestinations(): void {
    if (this.destinations.size === 0 && !this.statusTimer) return;
    this.publisher?.send({ type: 'destination-status', destinations: this.destinations.status() });
  }

  /** The studio's figures of the last second (its `stats` message). */
  recordStats(stats: StatsMessage): void {
    if (this.state === 'live') this.figures.recordStats(stats);
  }

  /** Asks the publisher to step down one quality level (the relay is short of CPU). False without a publisher. */
  requestQualityDown(reason: string): boolean {
    if (!this.publisher || this.state !== 'live' || (this.publisher.protocolVersion ?? 1) < 2) return false;
    this.publisher.send({ type: 'quality-request', direction: 'down', reason: reason.slice(0, LIMITS.maxReasonLength) });
    return true;
  }

  /** Asks the publisher for a keyframe, at most once a second whatever the number of outputs asking. */
  private requestKeyframe(reason: string): void {
    const now = Date.now();
    if (now - this.lastKeyframeRequestAt < 1000) return;
    this.lastKeyframeRequestAt = now;
    this.publisher?.send({ type: 'keyframe-request', reason });
  }

  get playlistPath(): string {
    return this.playlist.path;
  }

  info(): StreamInfo {
    return {
      id: this.id,
      state: this.state === 'ended' ? 'ended' : 'live',
      hlsUrl: `/hls/${this.id}/index.m3u8`,
      ...(this.llMedia.segments.length || this.state !== 'ended' ? { llHlsUrl: `/hls/${this.id}/${LL_PLAYLIST_NAME}` } : {}),
      watchUrl: `/watch/${this.id}`,
      startedAt: this.startedAt.toISOString(),
      endedAt: this.endedAt?.toISOString() ?? null,
      publisherConnected: this.publisherConnected,
      ingestBitrate: Math.round(this.meter.rates().bitsPerSec),
      ingestFps: Math.round(this.frameMeter.rates().perSec * 10) / 10,
      hlsOutput: this.hls.state,
    };
  }

  /** Whether chunks are being recorded now. */
  get recording(): boolean {
    return this.deps.recording?.active ?? false;
  }

  /** Why this stream is not recorded although it should be (quota, disk), in words; else null. */
  get recordingProblem(): string | null {
    return this.deps.recording?.stoppedReason ?? this.deps.recordingOffReason ?? null;
  }

  attach(link: PublisherLink): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.publisher = link;
    this.deps.recording?.newConnection((m) => link.send(m));
    const notRecorded = this.deps.recording?.stoppedReason ?? this.deps.recordingOffReason;
    if (notRecorded) link.send({ type: 'recording-status', recording: false, reason: `not recording (the broadcast goes on): ${notRecorded}`.slice(0, LIMITS.maxReasonLength) });
    this.awaitingFirstVideo = true;
    // Whatever was captured during the gap is not coming: restart video at a keyframe.
    this.hls.resetToKeyframe();
    this.destinations.resetToKeyframe();
    this.timeline.newConnection();
    this.videoSeqs.reset();
    this.deps.onChange(this);
  }

  /** Closes the current publisher's socket (if any) because another connection resumed the stream. */
  takeOver(): void {
    const old = this.publisher;
    if (!old) return;
    this.publisher = null;
    old.send({ type: 'error', code: 'stream-busy', message: 'another connection resumed this stream', fatal: true });
    old.close(CLOSE_CODES['stream-busy'], 'another connection resumed this stream');
  }

  /** An operator drops the publisher's socket (4411); like any drop, the stream waits for a resume. Returns whether one was connected. */
  kick(reason: string): boolean {
    const link = this.publisher;
    if (!link) return false;
    link.send({ type: 'error', code: 'kicked', message: reason.slice(0, LIMITS.maxReasonLength), fatal: true });
    link.close(CLOSE_CODES.kicked, reason); // the socket's close detaches it and starts the grace timer
    return true;
  }

  /** The publisher's socket went away without a stop: wait `reconnectGraceMs` for it to resume. */
  detach(link: PublisherLink): void {
    if (this.publisher !== link) return;
    this.publisher = null;
    this.deps.onChange(this);
    if (this.state !== 'live') return;
    this.deps.log.info('publisher disconnected; waiting for it to resume', { graceMs: this.deps.config.reconnectGraceMs });
    this.startGraceTimer();
  }

  private startGraceTimer(): void {
    this.graceTimer = setTimeout(() => void this.end('the publisher did not come back in time'), this.deps.config.reconnectGraceMs);
  }

  /**
   * Accepts one chunk from the publisher (`raw` is its message as received, forwarded unchanged to
   * real-time viewers). Throws TabcastError for a protocol violation or a limit.
   */
  ingest(msg: ChunkMessage, raw: Buffer): void {
    if (this.state !== 'live') return;
    if (msg.backfill) return this.ingestBackfill(msg);
    const { config: limits } = this.deps;
    let newVideoConfig: VideoConfig | undefined;
    if (msg.config) newVideoConfig = this.acceptConfig(msg);
    const config = msg.track === 'video' ? this.videoConfig : this.audioConfig;
    if (!config) throw new TabcastError('out-of-order', `${msg.track} chunk arrived before its codec config`);
    if (msg.track === 'audio' && !this.hasAudio) throw new TabcastError('bad-message', 'audio chunk on a stream declared without audio');
    if (msg.track === 'video' && this.videoSeqs.observe(msg.seq, msg.key)) {
      this.seqGaps++;
      this.logSeqGap({ stream: this.id, seq: msg.seq, gaps: this.seqGaps });
    }
    if (msg.track === 'video' && this.awaitingFirstVideo) {
      if (!msg.key) throw new TabcastError('out-of-order', 'the first video chunk must be a keyframe');
      this.awaitingFirstVideo = false;
    }
    const timestampUs = this.timeline.accept(msg.track, msg.timestampUs);
    // The recording keeps the publisher's own clock: it runs on across resumes, so backfilled
    // chunks land where they belong.
    this.deps.recording?.chunk(msg);
    this.meter.record(msg.data.byteLength);
    if (msg.track === 'video') {
      this.frameMeter.record(0);
      this.perf.arrival.tick();
    }
    this.figures.recordChunk(msg.track, msg.key, msg.timestampUs, msg.data.byteLength);
    const { bitsPerSec } = this.meter.rates();
    if (bitsPerSec > limits.maxBitrate) {
      throw new TabcastError('rate-limited', `ingest of ${(bitsPerSec / 1e6).toFixed(1)} Mbps is over the ${(limits.maxBitrate / 1e6).toFixed(1)} Mbps limit`);
    }
    const fps = this.frameMeter.rates().perSec;
    if (fps > limits.maxFrameRate) throw new TabcastError('rate-limited', `${fps.toFixed(0)} video frames/s is over the ${limits.maxFrameRate} fps limit`);

    const chunk = {
      track: msg.track,
      timestampUs,
      durationUs: msg.durationUs,
      // Every Opus packet decodes on its own; a publisher marking one "delta" must not make the
      // muxer refuse the run's first audio packet (issue 9, item 3).
      key: msg.track === 'audio' ? true : msg.key,
      data: msg.data,
      ...(newVideoConfig ? { newVideoConfig } : {}),
    };
    const audioConfig = this.hasAudio ? this.audioConfig : null;
    if (msg.config && this.videoConfig && (!this.hasAudio || this.audioConfig)) this.fanOut.setConfig(this.videoConfig, audioConfig);
    this.perf.fanout.time(() => this.fanOut.chunk(raw, msg.track, msg.key, msg.timestampUs));
    this.destinations.push(chunk, this.videoConfig!, audioConfig);
    const hlsState = this.hls.state;
    const result = this.hls.push(chunk, this.videoConfig!, audioConfig);
    // Only a running FFmpeg that cannot keep up is congestion the publisher can help with; a
    // backlog dropped while the output restarts is not, and must not lower the studio's bitrate.
    if (result === 'dropped-backlog' && hlsState === 'running') {
      this.publisher?.send({
        type: 'congestion',
        reason: 'the relay could not keep up and dropped video',
        suggestedBitrate: Math.max(300_000, Math.round(bitsPerSec * 0.7)),
      });
    }
  }

  /**
   * A chunk re-sent from the studio's retained copy (protocol 3): it is in the past, so it goes to
   * the recording only. Checked for what the recording needs; not for order or rate (a resume sends
   * a burst), which the recording's own bounded queue absorbs.
   */
  private ingestBackfill(msg: ChunkMessage): void {
    if (msg.seq === undefined) throw new TabcastError('bad-message', 'a backfill chunk needs its seq');
    if (msg.track === 'audio' && !this.hasAudio) throw new TabcastError('bad-message', 'audio chunk on a stream declared without audio');
    if (msg.config && 'codedWidth' in msg.config !== (msg.track === 'video')) throw new TabcastError('bad-message', `${msg.track} chunk carries a config of the other track`);
    this.deps.recording?.chunk(msg);
  }

  /** Stores a codec config; returns the video config when it differs from the current one (a new output run). */
  private acceptConfig(msg: ChunkMessage): VideoConfig | undefined {
    const config = msg.config!;
    const isVideo = 'codedWidth' in config;
    if (isVideo !== (msg.track === 'video')) {
      throw new TabcastError('bad-message', `${msg.track} chunk carries a ${isVideo ? 'video' : 'audio'} config`);
    }
    if (!isVideo) {
      const audio = config as AudioConfig;
      const prev = this.audioConfig;
      if (prev && (prev.sampleRate !== audio.sampleRate || prev.numberOfChannels !== audio.numberOfChannels)) {
        throw new TabcastError('bad-message', 'the audio configuration changed mid-stream; stop and go live again');
      }
      this.audioConfig = audio;
      return undefined;
    }
    const video = config as VideoConfig;
    const changed = this.videoConfig !== null && !sameVideoConfig(this.videoConfig, video);
    if (changed && !msg.key) throw new TabcastError('out-of-order', 'a new video configuration must come with a keyframe');
    this.videoConfig = video;
    return changed ? video : undefined;
  }

  /**
   * Ends the stream: everything queued is muxed, FFmpeg writes its last segment and exits, and the
   * playlist gets #EXT-X-ENDLIST. Idempotent. `reason` null means the publisher stopped.
   */
  end(reason: string | null = null, code: EndCode | null = null): Promise<void> {
    // Never rejects: callers fire and forget, and one stream's failure to end (a full disk)
    // must not take the relay, and every other stream, down with an unhandled rejection.
    this.ended ??= this.doEnd(reason, code).catch((err: Error) => {
      this.deps.log.error('stream did not end cleanly', { error: err.message });
      this.state = 'ended';
      this.endedAt ??= new Date();
      this.deps.onChange(this);
    });
    return this.ended;
  }

  private async doEnd(reason: string | null, code: EndCode | null): Promise<void> {
    this.state = 'ending';
    this.endReason = reason;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.deps.onChange(this);
    if (reason) this.deps.log.info('stream ending', { reason });
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.destinationTimer) clearTimeout(this.destinationTimer);
    this.fanOut.end(code === 'server-shutdown');
    // Destinations get a short, bounded goodbye; the playlist does not wait on a stuck server.
    const [hlsClean] = await Promise.all([this.hls.stop(), this.destinations.stopAll(DESTINATION_STOP_LIMIT_MS)]);
    // FFmpeg failing while it finalises means the end of the broadcast may be missing: say so.
    if (!hlsClean && !code) {
      code = 'output-failed';
      reason = `the HLS output failed while finishing: ${this.hls.lastError}`;
      this.deps.log.error('ffmpeg failed while finishing', { reason });
    }
    this.llMedia.end();
    // A drained stream may be resumed after the relay's restart: its recording goes on then.
    await (code === 'server-shutdown' ? this.deps.recording?.suspend() : this.deps.recording?.end());
    try {
      this.playlist.end();
    } catch (err) {
      this.deps.log.error('could not write the end of the playlist', { error: (err as Error).message });
    }
    this.state = 'ended';
    this.endedAt = new Date();
    // A drained stream (relay shutdown) may be resumed by its publisher once the relay is back.
    this.persist(code === 'server-shutdown' ? 'drained' : 'ended');
    const link = this.publisher;
    this.publisher = null;
    if (link) {
      if (code && reason) link.send({ type: 'error', code, message: reason.slice(0, LIMITS.maxReasonLength), fatal: true });
      link.send({ type: 'ended', streamId: this.id });
      link.close(code ? CLOSE_CODES[code] : 1000, truncateReason(reason ?? 'stream ended'));
    }
    this.deps.onChange(this);
  }

  /** Last resort on a hard shutdown: kill FFmpeg without waiting. */
  kill(): void {
    this.hls.kill();
    this.destinations.killAll();
  }

  private persist(state: PersistedStream['state']): void {
    try {
      saveStream(this.outDir, {
        id: this.id,
        keyId: this.keyId,
        hasAudio: this.hasAudio,
        startedAt: this.startedAt.toISOString(),
        endedAt: this.endedAt?.toISOString() ?? null,
        state,
      });
    } catch (err) {
      this.deps.log.warn('could not save stream state', { error: (err as Error).message });
    }
  }
}

