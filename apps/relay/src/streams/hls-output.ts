/**
 * One stream's HLS output: a Matroska muxer feeding a supervised FFmpeg that writes the playlist
 * and segments into the stream's own folder.
 */
import type { AudioConfig, VideoConfig } from '@tabcast/shared';
import { buildHlsArgs } from '../ffmpeg/ffmpeg-args.ts';
import { FfmpegProcess, describeExit, type FfmpegExit, type Spawner } from '../ffmpeg/ffmpeg-process.ts';
import { MkvMuxer, type MuxChunk } from '../mux/mkv-muxer.ts';
import type { Logger } from '../util/logger.ts';

export interface HlsOutputOptions {
  outDir: string;
  ffmpegPath: string;
  hlsTimeSec: number;
  hlsListSize: number;
  aacBitrate: number;
  exitTimeoutMs: number;
  videoConfig: VideoConfig;
  audioConfig: AudioConfig | null;
  spawner?: Spawner;
}

export class HlsOutput {
  private ffmpeg: FfmpegProcess;
  private muxer: MkvMuxer;
  /** Set when FFmpeg exits before we asked it to: the reason in words. */
  failure: string | null = null;
  readonly exited: Promise<FfmpegExit>;

  constructor(private o: HlsOutputOptions, private log: Logger) {
    const args = buildHlsArgs({
      outDir: o.outDir,
      hlsTimeSec: o.hlsTimeSec,
      hlsListSize: o.hlsListSize,
      hasAudio: o.audioConfig !== null,
      aacBitrate: o.aacBitrate,
    });
    this.ffmpeg = new FfmpegProcess(o.ffmpegPath, args, log, o.spawner);
    log.info('ffmpeg started', { pid: this.ffmpeg.pid });
    this.muxer = new MkvMuxer((bytes) => this.ffmpeg.write(bytes), o.audioConfig !== null, o.videoConfig, o.audioConfig);
    this.exited = this.ffmpeg.exited.then((exit) => {
      // Still 'started' means nobody asked FFmpeg to stop: it failed.
      if (this.muxer.state === 'started') {
        this.failure = describeExit(exit);
        log.error('ffmpeg exited unexpectedly', { code: exit.code, signal: exit.signal, reason: this.failure });
      }
      return exit;
    });
  }

  get pid(): number | undefined {
    return this.ffmpeg.pid;
  }

  start(): Promise<void> {
    return this.muxer.start();
  }

  add(chunk: MuxChunk): Promise<void> {
    return this.muxer.add(chunk);
  }

  /** Finalises the Matroska stream and lets FFmpeg write the last segment and #EXT-X-ENDLIST. */
  async end(): Promise<FfmpegExit> {
    try {
      await this.muxer.finalize();
    } catch (err) {
      this.log.warn('muxer finalize failed', { error: (err as Error).message });
    }
    const exit = await this.ffmpeg.end(this.o.exitTimeoutMs);
    this.log.info('ffmpeg exited', { code: exit.code, signal: exit.signal });
    return exit;
  }

  kill(): void {
    void this.muxer.cancel();
    this.ffmpeg.kill();
  }
}
