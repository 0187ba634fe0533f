/**
 * One live stream. It outlives its publisher's socket (a dropped publisher resumes the same id,
 * even across a relay restart), validates what the publisher sends, queues it in a bounded
 * {@link ChunkQueue}, and pumps it into successive {@link HlsOutput} runs: a crashed or stalled
 * FFmpeg is restarted with backoff, and a codec change starts a new run, each continuing the same
 * playlist behind #EXT-X-DISCONTINUITY.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLOSE_CODES, LIMITS, TabcastError, type AudioConfig, type ChunkMessage, type RelayMessage, type StreamInfo, type VideoConfig } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import { PLAYLIST_NAME } from '../ffmpeg/ffmpeg-args.ts';
import { describeExit, type Spawner } from '../ffmpeg/ffmpeg-process.ts';
import { endPlaylist } from '../ffmpeg/playlist.ts';
import { truncateReason } from '../util/close-reason.ts';
import type { Logger } from '../util/logger.ts';
import { RateMeter } from '../util/rate-meter.ts';
import { ChunkQueue } from './chunk-queue.ts';
import { HlsOutput } from './hls-output.ts';
import { saveStream, type PersistedStream } from './stream-store.ts';

export type SessionState = 'live' | 'ending' | 'ended';

/** Largest forward jump between two chunks of a track on one connection, µs (60 s). */
const MAX_TIMESTAMP_JUMP_US = 60_000_000;
/** Why a stream ended other than by its publisher's stop. */
export type EndCode = 'output-failed' | 'server-shutdown' | 'unauthorized' | 'bad-message' | 'out-of-order' | 'rate-limited';

/** What a session needs from its publisher's connection. */
export interface PublisherLink {
  send(message: RelayMessage): void;
  close(code: number, reason: string): void;
}

export interface SessionDeps {
  config: RelayConfig;
  log: Logger;
  spawner?: Spawner;
  onChange: (session: StreamSession) => void;
}

export class StreamSession {
  state: SessionState = 'live';
  readonly startedAt: Date;
  endedAt: Date | null = null;
  /** Why the stream ended, if not by the publisher's stop. */
  endReason: string | null = null;
  /** FFmpeg runs started after the first (restarts and codec changes). */
  outputRestarts = 0;
  private publisher: PublisherLink | null = null;
  /** The current publisher has not sent video yet: its first video chunk must be a keyframe. */
  private awaitingFirstVideo = true;
  private graceTimer: NodeJS.Timeout | null = null;
  private videoConfig: VideoConfig | null = null;
  private audioConfig: AudioConfig | null = null;
  private lastTs = { video: -1, audio: -1 };
  private queue: ChunkQueue;
  private output: HlsOutput | null = null;
  private pumping: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  /** A codec change is finishing the current run; the next one starts when it is done. */
  private switching = false;
  private recentFailures: number[] = [];
  private meter = new RateMeter();
  private frameMeter = new RateMeter();
  private ended: Promise<void> | null = null;

  constructor(
    readonly id: string,
    readonly keyId: string,
    readonly outDir: string,
    readonly hasAudio: boolean,
    private deps: SessionDeps,
    restored?: PersistedStream,
  ) {
    this.queue = new ChunkQueue(deps.config.maxQueueBytes);
    this.startedAt = restored ? new Date(restored.startedAt) : new Date();
    fs.mkdirSync(outDir, { recursive: true });
    if (restored?.state === 'ended') {
      this.state = 'ended';
      this.endedAt = new Date(restored.endedAt ?? Date.now());
    } else {
      this.persist('live');
      // A restored live stream waits for its publisher like after any dropped connection.
      if (restored) this.startGraceTimer();
    }
  }

  get publisherConnected(): boolean {
    return this.publisher !== null;
  }

  get outputPid(): number | undefined {
    return this.output?.pid;
  }

  get playlistPath(): string {
    return path.join(this.outDir, PLAYLIST_NAME);
  }

  info(): StreamInfo {
    return {
      id: this.id,
      state: this.state === 'ended' ? 'ended' : 'live',
      hlsUrl: `/hls/${this.id}/index.m3u8`,
      watchUrl: `/watch/${this.id}`,
      startedAt: this.startedAt.toISOString(),
      endedAt: this.endedAt?.toISOString() ?? null,
      publisherConnected: this.publisherConnected,
      ingestBitrate: Math.round(this.meter.rates().bitsPerSec),
      ingestFps: Math.round(this.frameMeter.rates().perSec * 10) / 10,
    };
  }

  attach(link: PublisherLink): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.publisher = link;
    this.awaitingFirstVideo = true;
    // Whatever was captured during the gap is not coming: restart video at a keyframe.
    this.queue.resetToKeyframe();
    this.lastTs = { video: -1, audio: -1 };
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

  /** Accepts one chunk from the publisher. Throws TabcastError for a protocol violation or a limit. */
  ingest(msg: ChunkMessage): void {
    if (this.state !== 'live') return;
    const { config: limits } = this.deps;
    let newVideoConfig: VideoConfig | undefined;
    if (msg.config) newVideoConfig = this.acceptConfig(msg);
    const config = msg.track === 'video' ? this.videoConfig : this.audioConfig;
    if (!config) throw new TabcastError('out-of-order', `${msg.track} chunk arrived before its codec config`);
    if (msg.track === 'audio' && !this.hasAudio) throw new TabcastError('bad-message', 'audio chunk on a stream declared without audio');
    if (msg.track === 'video' && this.awaitingFirstVideo) {
      if (!msg.key) throw new TabcastError('out-of-order', 'the first video chunk must be a keyframe');
      this.awaitingFirstVideo = false;
    }
    const last = this.lastTs[msg.track];
    if (msg.timestampUs < last) {
      throw new TabcastError('out-of-order', `${msg.track} timestamp went backwards (${msg.timestampUs} µs after ${last} µs)`);
    }
    if (last >= 0 && msg.timestampUs - last > MAX_TIMESTAMP_JUMP_US) {
      // Within one connection media never pauses this long (a still screen repeats its frame).
      throw new TabcastError('out-of-order', `${msg.track} timestamp jumped ${Math.round((msg.timestampUs - last) / 1e6)} s ahead`);
    }
    this.lastTs[msg.track] = msg.timestampUs;
    if (this.hasAudio && this.lastTs.video >= 0 && this.lastTs.audio >= 0) {
      // The muxer holds one track's packets until the other catches up: bound how far apart they get.
      const skewMs = Math.abs(this.lastTs.video - this.lastTs.audio) / 1000;
      if (skewMs > limits.maxTrackSkewMs) {
        throw new TabcastError('rate-limited', `audio and video are ${Math.round(skewMs)} ms apart (limit ${limits.maxTrackSkewMs} ms); keep both tracks flowing`);
      }
    }
    this.meter.record(msg.data.byteLength);
    if (msg.track === 'video') this.frameMeter.record(0);
    const { bitsPerSec } = this.meter.rates();
    if (bitsPerSec > limits.maxBitrate) {
      throw new TabcastError('rate-limited', `ingest of ${(bitsPerSec / 1e6).toFixed(1)} Mbps is over the ${(limits.maxBitrate / 1e6).toFixed(1)} Mbps limit`);
    }
    const fps = this.frameMeter.rates().perSec;
    if (fps > limits.maxFrameRate) throw new TabcastError('rate-limited', `${fps.toFixed(0)} video frames/s is over the ${limits.maxFrameRate} fps limit`);

    const result = this.queue.push({
      track: msg.track,
      timestampUs: msg.timestampUs,
      durationUs: msg.durationUs,
      key: msg.key,
      data: msg.data,
      ...(newVideoConfig ? { newVideoConfig } : {}),
    });
    if (result === 'dropped-backlog') {
      this.deps.log.warn('output is behind: dropped queued GOPs', { droppedChunks: this.queue.droppedChunks });
      this.publisher?.send({ type: 'keyframe-request', reason: 'the relay dropped a backlog; resume with a keyframe' });
      this.publisher?.send({
        type: 'congestion',
        reason: 'the relay could not keep up and dropped video',
        suggestedBitrate: Math.max(300_000, Math.round(bitsPerSec * 0.7)),
      });
    }
    this.maybeStartOutput();
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

  private maybeStartOutput(): void {
    if (this.output || this.restartTimer || this.switching || this.state !== 'live' || !this.videoConfig || (this.hasAudio && !this.audioConfig)) return;
    // A playlist already on disk (a relay restart, a resumed drain) is continued, not replaced.
    this.startOutput(this.videoConfig, fs.existsSync(this.playlistPath));
  }

  private startOutput(videoConfig: VideoConfig, append: boolean): void {
    const { config } = this.deps;
    const o = new HlsOutput(
      {
        outDir: this.outDir,
        ffmpegPath: config.ffmpegPath,
        hlsTimeSec: config.hlsTimeSec,
        hlsListSize: config.hlsListSize,
        aacBitrate: config.aacBitrate,
        exitTimeoutMs: config.ffmpegExitTimeoutMs,
        stallTimeoutMs: config.ffmpegStallTimeoutMs,
        append,
        videoConfig,
        audioConfig: this.hasAudio ? this.audioConfig : null,
        ...(this.deps.spawner ? { spawner: this.deps.spawner } : {}),
      },
      this.deps.log,
    );
    this.output = o;
    void o.exited.then(() => this.onOutputExit(o));
    this.pumping = this.pump(o);
  }

  private async pump(output: HlsOutput): Promise<void> {
    try {
      await output.start();
      for (;;) {
        if (this.output !== output) return;
        // Once the stream is ending, drain what is queued (nothing is lost) and stop.
        if (this.queue.length === 0 && this.state !== 'live') return;
        await this.queue.whenNotEmpty();
        if (this.output !== output) return; // replaced while waiting: the new run's pump takes over
        const chunk = this.queue.shift();
        if (!chunk) continue;
        if (chunk.newVideoConfig && !sameVideoConfig(chunk.newVideoConfig, output.videoConfig)) {
          // New size or profile: finish this run cleanly; a new run continues from this keyframe.
          this.deps.log.info('video configuration changed; starting a new output run', { codec: chunk.newVideoConfig.codec });
          this.queue.unshift(chunk);
          this.switching = true;
          this.output = null;
          await output.end();
          this.switching = false;
          this.outputRestarts++;
          this.startOutput(chunk.newVideoConfig, true);
          return;
        }
        await output.add(chunk);
      }
    } catch (err) {
      // A failed FFmpeg is handled by onOutputExit; anything else is reported the same way.
      if (!output.failure) this.deps.log.error('output pump failed', { error: (err as Error).message });
      output.kill();
    }
  }

  /** FFmpeg went away without being asked: restart it with backoff, or give up after too many failures. */
  private onOutputExit(o: HlsOutput): void {
    if (this.output !== o || !o.failure) return;
    this.output = null;
    if (this.state !== 'live') return;
    const now = Date.now();
    this.recentFailures = this.recentFailures.filter((t) => now - t < 60_000);
    this.recentFailures.push(now);
    const { ffmpegMaxRestartsPerMinute, ffmpegRestartDelayMs } = this.deps.config;
    if (this.recentFailures.length > ffmpegMaxRestartsPerMinute) {
      void this.end(`the HLS output failed ${this.recentFailures.length} times in a minute (last: ${o.failure})`, 'output-failed');
      return;
    }
    const delayMs = ffmpegRestartDelayMs * 2 ** (this.recentFailures.length - 1);
    this.deps.log.warn('restarting the HLS output', { reason: o.failure, attempt: this.recentFailures.length, delayMs });
    // The new run starts at a keyframe: ask for one now so the gap stays short.
    this.queue.resetToKeyframe();
    this.publisher?.send({ type: 'keyframe-request', reason: 'the HLS output restarted' });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state !== 'live') return;
      this.outputRestarts++;
      this.startOutput(this.videoConfig!, true);
    }, delayMs);
  }

  /**
   * Ends the stream: everything queued is muxed, FFmpeg writes its last segment and exits, and the
   * playlist gets #EXT-X-ENDLIST. Idempotent. `reason` null means the publisher stopped.
   */
  end(reason: string | null = null, code: EndCode | null = null): Promise<void> {
    this.ended ??= this.doEnd(reason, code);
    return this.ended;
  }

  private async doEnd(reason: string | null, code: EndCode | null): Promise<void> {
    this.state = 'ending';
    this.endReason = reason;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.deps.onChange(this);
    if (reason) this.deps.log.info('stream ending', { reason });
    this.queue.wake();
    // Wait for the pump to drain the queue (a codec switch hands over to a new run's pump), but
    // not forever: an FFmpeg that stopped reading would hold the drain, and the stop, for good.
    const drained = (async () => {
      for (let p = this.pumping; p; p = this.pumping) {
        await p;
        if (p === this.pumping) break;
      }
    })();
    const drainLimitMs = this.deps.config.ffmpegStallTimeoutMs + this.deps.config.ffmpegExitTimeoutMs;
    if (!(await settlesWithin(drained, drainLimitMs))) {
      this.deps.log.error('output did not drain in time; killing FFmpeg', { drainLimitMs });
      this.output?.kill();
      await settlesWithin(drained, 1_000);
    }
    const output = this.output;
    this.output = null;
    if (output) {
      const exit = await output.end();
      // FFmpeg failing while it finalises means the end of the broadcast may be missing: say so.
      if (exit.code !== 0 && !code) {
        code = 'output-failed';
        reason = `the HLS output failed while finishing: ${describeExit(exit)}`;
        this.deps.log.error('ffmpeg failed while finishing', { reason });
      }
    }
    endPlaylist(this.playlistPath);
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
    this.output?.kill();
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

/** True if `p` settles within `ms`. */
function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}

function sameVideoConfig(a: VideoConfig, b: VideoConfig): boolean {
  if (a.codec !== b.codec || a.codedWidth !== b.codedWidth || a.codedHeight !== b.codedHeight) return false;
  return Buffer.compare(Buffer.from(a.description), Buffer.from(b.description)) === 0;
}
