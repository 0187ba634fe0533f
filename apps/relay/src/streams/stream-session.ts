/**
 * One live stream: outlives its publisher's socket (so a dropped connection can resume the same
 * id), validates chunk order, queues into a bounded {@link ChunkQueue} and pumps it into the HLS
 * output with backpressure.
 */
import fs from 'node:fs';
import { CLOSE_CODES, LIMITS, TabcastError, type AudioConfig, type ChunkMessage, type RelayMessage, type StreamInfo, type VideoConfig } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import type { Spawner } from '../ffmpeg/ffmpeg-process.ts';
import type { Logger } from '../util/logger.ts';
import { RateMeter } from '../util/rate-meter.ts';
import { truncateReason } from '../util/close-reason.ts';
import { ChunkQueue } from './chunk-queue.ts';
import { HlsOutput } from './hls-output.ts';

export type SessionState = 'live' | 'ending' | 'ended';
/** Why a stream ended other than by its publisher's stop. */
export type EndCode = 'output-failed' | 'server-shutdown' | 'unauthorized';

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
  readonly startedAt = new Date();
  endedAt: Date | null = null;
  /** Why the stream ended, if not by the publisher's stop. */
  endReason: string | null = null;
  private publisher: PublisherLink | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private videoConfig: VideoConfig | null = null;
  private audioConfig: AudioConfig | null = null;
  private baseUs: number | null = null;
  private lastTs = { video: -1, audio: -1 };
  private queue: ChunkQueue;
  private output: HlsOutput | null = null;
  private pumping: Promise<void> | null = null;
  private meter = new RateMeter();
  private frameMeter = new RateMeter();
  private ended: Promise<void> | null = null;

  constructor(
    readonly id: string,
    readonly keyId: string,
    readonly outDir: string,
    readonly hasAudio: boolean,
    private deps: SessionDeps,
  ) {
    this.queue = new ChunkQueue(deps.config.maxQueueBytes);
    fs.mkdirSync(outDir, { recursive: true });
  }

  get publisherConnected(): boolean {
    return this.publisher !== null;
  }

  get outputPid(): number | undefined {
    return this.output?.pid;
  }

  info(): StreamInfo {
    const { bitsPerSec } = this.meter.rates();
    return {
      id: this.id,
      state: this.state === 'ended' ? 'ended' : 'live',
      hlsUrl: `/hls/${this.id}/index.m3u8`,
      watchUrl: `/watch/${this.id}`,
      startedAt: this.startedAt.toISOString(),
      endedAt: this.endedAt?.toISOString() ?? null,
      publisherConnected: this.publisherConnected,
      ingestBitrate: Math.round(bitsPerSec),
      ingestFps: Math.round(this.frameMeter.rates().perSec * 10) / 10,
    };
  }

  attach(link: PublisherLink): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.publisher = link;
    // Whatever was captured during the gap is not coming: restart video at a keyframe.
    this.queue.resetToKeyframe();
    this.deps.onChange(this);
  }

  /** The publisher's socket went away without a stop: wait `reconnectGraceMs` for it to resume. */
  detach(link: PublisherLink): void {
    if (this.publisher !== link) return;
    this.publisher = null;
    this.deps.onChange(this);
    if (this.state !== 'live') return;
    this.deps.log.info('publisher disconnected; waiting for it to resume', { graceMs: this.deps.config.reconnectGraceMs });
    this.graceTimer = setTimeout(() => {
      void this.end('the publisher did not reconnect in time');
    }, this.deps.config.reconnectGraceMs);
  }

  /** Accepts one chunk from the publisher. Throws TabcastError for a protocol violation. */
  ingest(msg: ChunkMessage): void {
    if (this.state !== 'live') return;
    if (msg.config) this.acceptConfig(msg);
    const config = msg.track === 'video' ? this.videoConfig : this.audioConfig;
    if (!config) {
      throw new TabcastError('out-of-order', `${msg.track} chunk arrived before its codec config`);
    }
    if (msg.track === 'audio' && !this.hasAudio) {
      throw new TabcastError('bad-message', 'audio chunk on a stream declared without audio');
    }
    if (msg.timestampUs < this.lastTs[msg.track]) {
      throw new TabcastError('out-of-order', `${msg.track} timestamp went backwards (${msg.timestampUs} µs after ${this.lastTs[msg.track]} µs)`);
    }
    this.lastTs[msg.track] = msg.timestampUs;
    this.meter.record(msg.data.byteLength);
    if (msg.track === 'video') this.frameMeter.record(0);

    if (this.baseUs === null) {
      // The stream's zero is its first video keyframe; earlier chunks carry nothing a player can show.
      if (msg.track !== 'video' || !msg.key) return;
      this.baseUs = msg.timestampUs;
    }
    if (msg.timestampUs < this.baseUs) return;
    const result = this.queue.push({
      track: msg.track,
      timestampUs: msg.timestampUs - this.baseUs,
      durationUs: msg.durationUs,
      key: msg.key,
      data: msg.data,
    });
    if (result === 'dropped-backlog') {
      this.deps.log.warn('output is behind: dropped queued GOPs', { droppedChunks: this.queue.droppedChunks });
      this.publisher?.send({ type: 'keyframe-request', reason: 'the relay dropped a backlog; resume with a keyframe' });
    }
    this.maybeStartOutput();
  }

  private acceptConfig(msg: ChunkMessage): void {
    const config = msg.config!;
    const isVideo = 'codedWidth' in config;
    if (isVideo !== (msg.track === 'video')) {
      throw new TabcastError('bad-message', `${msg.track} chunk carries a ${isVideo ? 'video' : 'audio'} config`);
    }
    if (isVideo) {
      const prev = this.videoConfig;
      if (prev && this.output && !sameVideoConfig(prev, config)) {
        throw new TabcastError('bad-message', 'the video configuration changed mid-stream (size or profile); stop and go live again');
      }
      this.videoConfig = config;
    } else {
      this.audioConfig = config as AudioConfig;
    }
  }

  private maybeStartOutput(): void {
    if (this.output || !this.videoConfig || (this.hasAudio && !this.audioConfig)) return;
    const o = new HlsOutput(
      {
        outDir: this.outDir,
        ffmpegPath: this.deps.config.ffmpegPath,
        hlsTimeSec: this.deps.config.hlsTimeSec,
        hlsListSize: this.deps.config.hlsListSize,
        aacBitrate: this.deps.config.aacBitrate,
        exitTimeoutMs: this.deps.config.ffmpegExitTimeoutMs,
        videoConfig: this.videoConfig,
        audioConfig: this.hasAudio ? this.audioConfig : null,
        ...(this.deps.spawner ? { spawner: this.deps.spawner } : {}),
      },
      this.deps.log,
    );
    this.output = o;
    void o.exited.then(() => {
      if (o.failure && this.state === 'live') void this.end(o.failure, 'output-failed');
    });
    this.pumping = this.pump(o);
  }

  private async pump(output: HlsOutput): Promise<void> {
    try {
      await output.start();
      for (;;) {
        // Once the stream is ending, drain what is queued (nothing is lost) and stop.
        if (this.queue.length === 0 && this.state !== 'live') return;
        await this.queue.whenNotEmpty();
        const chunk = this.queue.shift();
        if (!chunk) {
          if (this.state !== 'live') return;
          continue;
        }
        await output.add(chunk);
      }
    } catch (err) {
      if (this.state === 'live') void this.end(`output failed: ${(err as Error).message}`, 'output-failed');
    }
  }

  /**
   * Ends the stream: everything queued is muxed, FFmpeg writes the last segment and
   * #EXT-X-ENDLIST and exits. Idempotent. `reason` null means the publisher stopped.
   */
  end(reason: string | null = null, code: EndCode | null = null): Promise<void> {
    this.ended ??= this.doEnd(reason, code);
    return this.ended;
  }

  private async doEnd(reason: string | null, code: EndCode | null): Promise<void> {
    this.state = 'ending';
    this.endReason = reason;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.deps.onChange(this);
    if (reason) this.deps.log.info('stream ending', { reason });
    this.queue.wake();
    if (this.pumping) await this.pumping;
    if (this.output) await this.output.end();
    this.state = 'ended';
    this.endedAt = new Date();
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
}

function sameVideoConfig(a: VideoConfig, b: VideoConfig): boolean {
  if (a.codec !== b.codec || a.codedWidth !== b.codedWidth || a.codedHeight !== b.codedHeight) return false;
  return Buffer.compare(Buffer.from(a.description), Buffer.from(b.description)) === 0;
}
