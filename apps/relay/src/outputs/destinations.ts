/**
 * A stream's RTMP destinations: one {@link OutputRunner} each (own queue, own FFmpeg, own
 * retries), so a failing destination never disturbs HLS or the others. Reports each one's state
 * in words; never a destination's stream key (FFmpeg's messages are redacted).
 */
import { type AudioConfig, type DestinationStatus, type VideoConfig } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import { buildRtmpArgs } from '../ffmpeg/ffmpeg-args.ts';
import type { Spawner } from '../ffmpeg/ffmpeg-process.ts';
import type { MuxChunk } from '../mux/mkv-muxer.ts';
import type { Logger } from '../util/logger.ts';
import { rtmpPipeSink } from '../rtmp/rtmp-sink.ts';
import { FfmpegRun } from './ffmpeg-run.ts';
import { OutputRunner, settlesWithin, type RunnerState } from './output-runner.ts';
import { destinationRestartPolicy } from './restart-policy.ts';

/** A destination ready to push: where, and the secret to keep out of logs. */
export interface ResolvedDestination {
  id: string;
  name: string;
  enabled: boolean;
  url: string;
  streamKey: string;
  /** Set when the destination cannot be used at all (e.g. a stored one that is gone). */
  problem?: string;
}

interface Entry {
  dest: ResolvedDestination;
  runner: OutputRunner | null;
  lastBytes: number;
  lastSampleAt: number;
  bitrate: number;
}

export interface DestinationsDeps {
  config: RelayConfig;
  log: Logger;
  hasAudio: boolean;
  spawner?: Spawner;
  keyframeNeeded(reason: string): void;
  changed(): void;
}

const STATE: Record<RunnerState, DestinationStatus['state']> = {
  waiting: 'connecting',
  starting: 'connecting',
  running: 'live',
  switching: 'connecting',
  retrying: 'retrying',
  failed: 'failed',
  stopping: 'off',
  stopped: 'off',
};

export function redactor(secret: string): (text: string) => string {
  if (!secret) return (t) => t;
  const forms = [...new Set([secret, encodeURIComponent(secret)])];
  return (text) => forms.reduce((t, f) => t.split(f).join('••••'), text);
}

export class Destinations {
  private entries = new Map<string, Entry>();
  private videoConfig: VideoConfig | null = null;
  private audioConfig: AudioConfig | null = null;

  constructor(private deps: DestinationsDeps) {}

  get size(): number {
    return this.entries.size;
  }

  /** Replaces the list: new or changed destinations start (at the next keyframe), removed or disabled ones stop cleanly. */
  set(list: ResolvedDestination[]): void {
    const next = new Map(list.map((d) => [d.id, d]));
    for (const [id, e] of this.entries) {
      const d = next.get(id);
      const same = d && d.enabled && e.dest.enabled && d.url === e.dest.url && d.streamKey === e.dest.streamKey && !d.problem;
      if (!same) {
        // Removed or changed: cut it at once (FLV has nothing to finalise), so no FFmpeg lingers.
        e.runner?.kill();
        e.runner = null;
        if (!d) this.entries.delete(id);
      }
    }
    let started = false;
    for (const d of list) {
      const e = this.entries.get(d.id);
      if (e && e.runner) {
        e.dest = d; // same target; the name may have changed
        continue;
      }
      const entry: Entry = e ?? { dest: d, runner: null, lastBytes: 0, lastSampleAt: Date.now(), bitrate: 0 };
      entry.dest = d;
      if (d.enabled && !d.problem) {
        entry.runner = this.createRunner(d);
        started = true;
      }
      this.entries.set(d.id, entry);
    }
    if (started) this.deps.keyframeNeeded('a destination was added');
    this.deps.changed();
  }

  private createRunner(d: ResolvedDestination): OutputRunner {
    const { config } = this.deps;
    const log = this.deps.log.child({ output: `destination ${d.id}`, destination: d.name });
    const redact = redactor(d.streamKey);
    log.info('destination starting', { server: redact(d.url) });
    return new OutputRunner(
      `destination ${d.name || d.id}`,
      (videoConfig, audioConfig) =>
        new FfmpegRun(
          {
            ffmpegPath: config.ffmpegPath,
            // FFmpeg writes FLV to a pipe; the relay publishes it, so the key is on no command line.
            args: buildRtmpArgs({ hasAudio: audioConfig !== null, aacBitrate: config.aacBitrate }),
            pipeSink: rtmpPipeSink({ url: d.url, streamKey: d.streamKey }, { connectTimeoutMs: config.rtmpConnectTimeoutMs, chunkSize: config.rtmpChunkSize }),
            exitTimeoutMs: config.ffmpegExitTimeoutMs,
            stallTimeoutMs: config.ffmpegStallTimeoutMs,
            videoConfig,
            audioConfig,
            redact,
            ...(this.deps.spawner ? { spawner: this.deps.spawner } : {}),
          },
          log,
        ),
      this.deps.hasAudio,
      {
        maxQueueBytes: config.maxQueueBytes,
        policy: destinationRestartPolicy(config.destinationRetryAttempts, config.destinationRetryDelayMs),
        drainLimitMs: config.ffmpegStallTimeoutMs + config.ffmpegExitTimeoutMs,
      },
      log,
      {
        keyframeNeeded: (reason) => this.deps.keyframeNeeded(reason),
        changed: () => this.deps.changed(),
        failed: (reason) => log.warn('destination failed; giving up until it is changed or turned off and on', { reason }),
      },
    );
  }

  /** Each destination's runner (null while off), for metrics and health. */
  runners(): { id: string; name: string; runner: OutputRunner | null }[] {
    return [...this.entries.values()].map((e) => ({ id: e.dest.id, name: e.dest.name, runner: e.runner }));
  }

  push(chunk: MuxChunk, videoConfig: VideoConfig, audioConfig: AudioConfig | null): void {
    this.videoConfig = videoConfig;
    this.audioConfig = audioConfig;
    for (const e of this.entries.values()) e.runner?.push(chunk, videoConfig, audioConfig);
  }

  resetToKeyframe(): void {
    for (const e of this.entries.values()) e.runner?.resetToKeyframe();
  }

  /** Current state of each destination; call about once a second (it samples bitrates). */
  status(): DestinationStatus[] {
    const now = Date.now();
    return [...this.entries.values()].map((e) => {
      const r = e.runner;
      const bytes = r?.currentRun?.progress.outputBytes ?? 0;
      if (now - e.lastSampleAt >= 500) {
        e.bitrate = bytes >= e.lastBytes ? Math.round(((bytes - e.lastBytes) * 8 * 1000) / (now - e.lastSampleAt)) : 0;
        e.lastBytes = bytes;
        e.lastSampleAt = now;
      }
      const state: DestinationStatus['state'] = e.dest.problem ? 'failed' : !e.dest.enabled || !r ? 'off' : STATE[r.state];
      return {
        id: e.dest.id,
        name: e.dest.name,
        state,
        bitrate: state === 'live' ? e.bitrate : 0,
        uptimeSec: state === 'live' && r?.runningSince ? Math.floor((now - r.runningSince) / 1000) : 0,
        attempt: state === 'retrying' || state === 'failed' ? (r?.attempt ?? 0) : 0,
        maxAttempts: this.deps.config.destinationRetryAttempts,
        nextRetryInMs: state === 'retrying' && r?.nextAttemptAt ? Math.max(0, r.nextAttemptAt - now) : null,
        error: e.dest.problem ?? (state === 'retrying' || state === 'failed' ? (r?.lastError ?? null)?.slice(0, 500) ?? null : null),
      };
    });
  }

  /** Stops every destination; whatever has not finished within `limitMs` is killed. */
  async stopAll(limitMs: number): Promise<void> {
    const all = Promise.all([...this.entries.values()].map((e) => e.runner?.stop()));
    if (!(await settlesWithin(all, limitMs))) {
      this.deps.log.warn('destinations did not finish in time; killing them', { limitMs });
      this.killAll();
    }
  }

  /** PIDs of every destination FFmpeg still running. */
  pids(): number[] {
    return [...this.entries.values()].flatMap((e) => e.runner?.pids ?? []);
  }

  killAll(): void {
    for (const e of this.entries.values()) e.runner?.kill();
  }
}
