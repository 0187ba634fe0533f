/**
 * One run of an output: a Matroska muxer feeding one supervised FFmpeg (HLS into the stream's
 * folder, or FLV to an RTMP server). An output may go through several runs (FFmpeg crash or stall,
 * codec change, reconnect). Each run starts at a video keyframe and counts its timestamps from there.
 */
import type { Readable } from 'node:stream';
import type { AudioConfig, VideoConfig } from '@tabcast/shared';
import { FfmpegProcess, describeExit, type FfmpegExit, type Spawner } from '../ffmpeg/ffmpeg-process.ts';
import { MkvMuxer, type MuxChunk } from '../mux/mkv-muxer.ts';
import type { Logger } from '../util/logger.ts';

export interface FfmpegRunOptions {
  ffmpegPath: string;
  /** The full FFmpeg command line (input is Matroska on stdin). */
  args: string[];
  exitTimeoutMs: number;
  stallTimeoutMs: number;
  videoConfig: VideoConfig;
  audioConfig: AudioConfig | null;
  /** Removes secrets (an RTMP stream key) from FFmpeg's words before they are logged or shown. */
  redact?: (text: string) => string;
  spawner?: Spawner;
  /** Where FFmpeg's output on fd 3 goes: an RTMP destination's FLV, or the HLS output's fragmented MP4 (LL-HLS parts). */
  pipeSink?: PipeSink;
}

/** Takes FFmpeg's output from its fd 3 to where it belongs. */
export interface PipeSink {
  /** Consumes `out` until it ends; rejects, in words, if the far end fails. */
  run(out: Readable): Promise<void>;
  /** True once the far end accepted the output (an RTMP server answered Publish.Start). */
  readonly ready: boolean;
  /** Drops the far end at once. */
  abort(): void;
}

export class FfmpegRun {
  /** Set when FFmpeg exits or stalls before we asked it to stop: the reason in words. */
  failure: string | null = null;
  readonly exited: Promise<FfmpegExit>;
  readonly videoConfig: VideoConfig;
  private ffmpeg: FfmpegProcess;
  private muxer: MkvMuxer;
  private baseUs: number | null = null;
  /** Last timestamp muxed per track, µs on this run's timeline. */
  private lastUs = { video: -1, audio: -1 };
  /** Chunks dropped because their track's timestamp went backwards (never fed to the muxer, which would fail). */
  droppedOutOfOrder = 0;
  private stopping = false;
  private watchdog: NodeJS.Timeout;
  private sinkDone: Promise<void> = Promise.resolve();

  constructor(private o: FfmpegRunOptions, private log: Logger) {
    this.videoConfig = o.videoConfig;
    this.ffmpeg = new FfmpegProcess(o.ffmpegPath, o.args, log, o.spawner, o.redact);
    log.info('ffmpeg started', { pid: this.ffmpeg.pid });
    this.muxer = new MkvMuxer((bytes) => this.ffmpeg.write(bytes), o.audioConfig !== null, o.videoConfig, o.audioConfig);
    this.watchdog = setInterval(() => {
      if (!this.stopping && this.ffmpeg.isStalled(o.stallTimeoutMs)) {
        this.failure = `FFmpeg stalled: no progress for ${o.stallTimeoutMs / 1000} s while being fed`;
        log.error('ffmpeg stalled; killing it', { pid: this.ffmpeg.pid });
        this.ffmpeg.kill();
      }
    }, 1000);
    if (o.pipeSink) {
      const out = this.ffmpeg.mediaOut;
      const redact = o.redact ?? ((t: string) => t);
      // A far end that fails (refused, closed, unreachable) fails the run like an FFmpeg crash.
      this.sinkDone = out
        ? o.pipeSink.run(out).catch((err: Error) => this.fail(redact(err.message)))
        : Promise.resolve(this.fail('FFmpeg was started without an output pipe (fd 3)'));
    }
    this.exited = this.ffmpeg.exited.then((exit) => {
      clearInterval(this.watchdog);
      // FFmpeg's stderr, counted by kind over this run: what it complained about, and how often.
      if (this.ffmpeg.stderrCounts.size) {
        log.info('ffmpeg stderr summary', { pid: this.ffmpeg.pid, counts: Object.fromEntries([...this.ffmpeg.stderrCounts].slice(0, 20)) });
      }
      if (!this.stopping) {
        this.failure ??= describeExit(exit);
        log.error('ffmpeg exited unexpectedly', { code: exit.code, signal: exit.signal, reason: this.failure });
      }
      return exit;
    });
  }

  get pid(): number | undefined {
    return this.ffmpeg.pid;
  }

  /** FFmpeg's progress so far (bytes written to its output, blocks printed). */
  get progress(): { outputBytes: number; blocks: number } {
    return this.ffmpeg.progress;
  }

  /** FFmpeg makes progress and its output's far end (if any) accepted the stream. */
  get live(): boolean {
    return this.ffmpeg.progress.blocks > 0 && (this.o.pipeSink?.ready ?? true);
  }

  start(): Promise<void> {
    return this.muxer.start();
  }

  /** Adds a chunk (timestamps are the publisher's); video before this run's first keyframe is skipped. */
  async add(chunk: MuxChunk): Promise<void> {
    if (this.failure) throw new Error(this.failure);
    if (this.baseUs === null) {
      if (chunk.track !== 'video' || !chunk.key) return;
      this.baseUs = chunk.timestampUs;
    }
    if (chunk.timestampUs < this.baseUs) return;
    const ts = chunk.timestampUs - this.baseUs;
    if (ts < this.lastUs[chunk.track]) {
      if (this.droppedOutOfOrder++ === 0) this.log.warn('dropped a chunk whose timestamp went backwards', { track: chunk.track, timestampUs: ts, lastUs: this.lastUs[chunk.track] });
      return;
    }
    this.lastUs[chunk.track] = ts;
    await this.muxer.add({ ...chunk, timestampUs: ts });
  }

  /**
   * Ends this run as failed (a muxer error): FFmpeg is killed and the runner restarts the output
   * as after a crash. The first failure's words are kept.
   */
  fail(reason: string): void {
    this.failure ??= reason;
    this.stopping = true; // an expected exit: the runner reports the reason
    clearInterval(this.watchdog);
    void this.muxer.cancel();
    this.ffmpeg.kill();
    this.o.pipeSink?.abort();
  }

  /** Finalises the Matroska stream; FFmpeg writes its last segment and exits. */
  async end(): Promise<FfmpegExit> {
    this.stopping = true;
    try {
      await this.muxer.finalize();
    } catch (err) {
      this.log.warn('muxer finalize failed', { error: (err as Error).message });
    }
    const exit = await this.ffmpeg.end(this.o.exitTimeoutMs);
    this.log.info('ffmpeg exited', { code: exit.code, signal: exit.signal });
    // The far end gets the last bytes and a polite goodbye, bounded like FFmpeg's own exit.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.o.exitTimeoutMs)));
    if ((await Promise.race([this.sinkDone, late])) === 'late') this.o.pipeSink?.abort();
    clearTimeout(timer);
    return exit;
  }

  kill(): void {
    this.stopping = true;
    clearInterval(this.watchdog);
    void this.muxer.cancel();
    this.ffmpeg.kill();
    this.o.pipeSink?.abort();
  }
}
