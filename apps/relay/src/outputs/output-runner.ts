/**
 * Runs one output of a stream (the HLS output, or one RTMP destination) on its own: its own
 * bounded queue, its own pump into successive {@link FfmpegRun}s, its own restarts. A slow or
 * failing output never holds up another: the stream hands every output the same chunk objects.
 */
import { bytesEqual, type AudioConfig, type OutputState, type VideoConfig } from '@tabcast/shared';
import type { MuxChunk } from '../mux/mkv-muxer.ts';
import type { Logger } from '../util/logger.ts';
import { ChunkQueue, type PushResult } from './chunk-queue.ts';
import type { FfmpegRun } from './ffmpeg-run.ts';
import type { RestartPolicy } from './restart-policy.ts';

/**
 * waiting: no config yet · starting: FFmpeg spawned, no progress yet · running · switching: the
 * current run finishes before a new codec config's run starts · retrying: a failed run's restart
 * is scheduled · failed: given up · stopping: draining for stop() · stopped. `failed` and `stopped`
 * are final; see {@link TRANSITIONS}.
 */
export type RunnerState = OutputState;

/** Allowed transitions. Anything else is refused (and logged): nothing restarts a stopped output. */
const TRANSITIONS: Readonly<Record<RunnerState, readonly RunnerState[]>> = Object.freeze({
  waiting: ['starting', 'stopping', 'stopped'],
  starting: ['running', 'switching', 'retrying', 'failed', 'stopping', 'stopped'],
  running: ['switching', 'retrying', 'failed', 'stopping', 'stopped'],
  switching: ['starting', 'retrying', 'stopping', 'stopped'],
  retrying: ['starting', 'failed', 'stopping', 'stopped'],
  failed: [],
  stopping: ['stopped', 'failed'],
  stopped: [],
});

export interface RunnerEvents {
  /** A new run needs a keyframe soon (restart, backlog dropped). */
  keyframeNeeded(reason: string): void;
  /** State changed (for status reports). */
  changed(): void;
  /** Given up after the policy's attempts. */
  failed(reason: string): void;
}

/** Builds a run; `runIndex` is 0 only for an output's very first run. */
export type RunFactory = (videoConfig: VideoConfig, audioConfig: AudioConfig | null, runIndex: number) => FfmpegRun;

export interface RunnerOptions {
  maxQueueBytes: number;
  policy: RestartPolicy;
  /** How long stop() waits for the queue to drain before killing FFmpeg, ms. */
  drainLimitMs: number;
}

export class OutputRunner {
  state: RunnerState = 'waiting';
  /** Runs started after the first (restarts and codec changes). */
  restarts = 0;
  attempt = 0;
  /** When the next attempt starts (Date.now() ms), while retrying. */
  nextAttemptAt: number | null = null;
  /** Since when the output has been running (FFmpeg reported progress), Date.now() ms. */
  runningSince: number | null = null;
  private runStartedAt: number | null = null;
  lastError: string | null = null;
  readonly queue: ChunkQueue;
  /** The run being fed. */
  private run: FfmpegRun | null = null;
  /** Every run whose FFmpeg has not exited yet (the fed one, one finishing for a codec switch): kill() reaches them all. */
  private readonly alive = new Set<FfmpegRun>();
  private runs = 0;
  private videoConfig: VideoConfig | null = null;
  private audioConfig: AudioConfig | null = null;
  private pumping: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<boolean> | null = null;
  /** kill() was called: no run may start any more, not even to drain. */
  private killed = false;

  constructor(
    readonly name: string,
    private factory: RunFactory,
    private hasAudio: boolean,
    private o: RunnerOptions,
    private log: Logger,
    private events: RunnerEvents,
  ) {
    this.queue = new ChunkQueue(o.maxQueueBytes);
  }

  get pid(): number | undefined {
    return this.run?.pid;
  }

  /** PIDs of every FFmpeg of this output that has not exited yet. */
  get pids(): number[] {
    return [...this.alive].map((r) => r.pid).filter((p): p is number => p !== undefined);
  }

  get currentRun(): FfmpegRun | null {
    return this.run;
  }

  /** True once stop() or kill() was called, or the output gave up: it never runs again. */
  get finished(): boolean {
    return this.stopping !== null || this.state === 'failed' || this.state === 'stopped';
  }

  /** Hands over a chunk; the first chunk of a new video config (a keyframe) carries it in `newVideoConfig`. */
  push(chunk: MuxChunk, videoConfig: VideoConfig, audioConfig: AudioConfig | null): PushResult | 'ignored' {
    if (this.finished) return 'ignored';
    this.videoConfig = videoConfig;
    this.audioConfig = audioConfig;
    const result = this.queue.push(chunk);
    if (result === 'dropped-backlog') {
      this.log.warn('output is behind: dropped queued GOPs', { output: this.name, state: this.state, droppedChunks: this.queue.droppedChunks });
      this.events.keyframeNeeded(`${this.name} dropped a backlog`);
    }
    this.maybeStart();
    return result;
  }

  /** After the publisher reconnects: whatever was captured in the gap is gone; resume at a keyframe. */
  resetToKeyframe(): void {
    this.queue.resetToKeyframe();
  }

  private maybeStart(): void {
    if (this.state !== 'waiting' || !this.videoConfig || (this.hasAudio && !this.audioConfig)) return;
    this.startRun(this.videoConfig);
  }

  /**
   * Starts a run: from waiting, switching or retrying; while stopping only to drain the queue into
   * a new codec configuration's run; never after kill() or once stopped or failed.
   */
  private startRun(videoConfig: VideoConfig): void {
    if (this.killed || this.state === 'stopped' || this.state === 'failed') return;
    if (this.state !== 'stopping' && !this.transition('starting')) return;
    const run = this.factory(videoConfig, this.hasAudio ? this.audioConfig : null, this.runs++);
    this.run = run;
    this.alive.add(run);
    this.runStartedAt = Date.now();
    void run.exited.then(() => {
      this.alive.delete(run);
      this.onRunExit(run);
    });
    this.pumping = this.pump(run);
  }

  private async pump(run: FfmpegRun): Promise<void> {
    try {
      await run.start();
      for (;;) {
        if (this.run !== run) return;
        // Once stopping, drain what is queued (nothing is lost) and stop.
        if (this.queue.length === 0 && this.stopping) return;
        await this.queue.whenNotEmpty();
        if (this.run !== run) return; // replaced while waiting: the new run's pump takes over
        const chunk = this.queue.shift();
        if (!chunk) continue;
        if (chunk.newVideoConfig && !sameVideoConfig(chunk.newVideoConfig, run.videoConfig)) {
          if (this.killed) return;
          // New size or profile: finish this run cleanly; a new run continues from this keyframe.
          this.log.info('video configuration changed; starting a new run', { output: this.name, codec: chunk.newVideoConfig.codec });
          this.queue.unshift(chunk);
          this.run = null;
          if (!this.stopping) this.transition('switching');
          await run.end();
          // Killed while the old run finished (a destination turned off): nothing new may start
          // (issue 9, item 4). A graceful stop() still drains the queue into the new run.
          if (this.killed || (this.state !== 'switching' && this.state !== 'stopping')) return;
          this.restarts++;
          this.startRun(chunk.newVideoConfig);
          return;
        }
        await run.add(chunk);
        if (this.state === 'starting' && run.live) this.transition('running');
      }
    } catch (err) {
      // A muxer error (bad timestamps, a packet it refuses) kills this run like an FFmpeg crash:
      // onRunExit restarts the output under the same policy, with a keyframe request.
      run.fail(`the muxer refused a chunk (${(err as Error).message})`);
      if (!this.finished && run.failure?.startsWith('the muxer')) this.log.error('output run failed', { output: this.name, error: run.failure });
    }
  }

  /** FFmpeg went away without being asked (or the run failed): try again per the policy, or give up. */
  private onRunExit(run: FfmpegRun): void {
    if (this.run !== run || !run.failure) return;
    this.run = null;
    this.lastError = run.failure;
    if (this.finished) return;
    const upMs = Date.now() - (this.runStartedAt ?? Date.now());
    if (upMs >= this.o.policy.stableAfterMs) this.attempt = 0;
    this.runStartedAt = null;
    this.attempt++;
    if (this.attempt > this.o.policy.maxAttempts) {
      this.transition('failed');
      this.events.failed(`${run.failure} (gave up after ${this.o.policy.maxAttempts} attempts)`);
      return;
    }
    const delayMs = this.o.policy.delayMs(this.attempt);
    this.log.warn('restarting output', { output: this.name, reason: run.failure, attempt: this.attempt, delayMs });
    // The new run starts at a keyframe: ask for one now so the gap stays short.
    this.queue.resetToKeyframe();
    this.nextAttemptAt = Date.now() + delayMs;
    this.transition('retrying');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.nextAttemptAt = null;
      if (this.finished || this.state !== 'retrying') return;
      this.restarts++;
      this.events.keyframeNeeded(`${this.name} restarted`);
      this.startRun(this.videoConfig!);
    }, delayMs);
  }

  /**
   * Drains the queue into the current run, lets FFmpeg finish (bounded), and stops for good.
   * Resolves with whether FFmpeg finished cleanly (true when there was no run).
   */
  stop(): Promise<boolean> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<boolean> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.transition('stopping');
    this.queue.wake();
    // Wait for the pump to drain the queue, but not forever: an FFmpeg that stopped reading would
    // hold the drain, and the stop, for good.
    const drained = (async () => {
      for (let p = this.pumping; p; p = this.pumping) {
        await p;
        if (p === this.pumping) break;
      }
    })();
    if (!(await settlesWithin(drained, this.o.drainLimitMs))) {
      this.log.error('output did not drain in time; killing FFmpeg', { output: this.name, drainLimitMs: this.o.drainLimitMs });
      this.run?.kill();
      await settlesWithin(drained, 1_000);
    }
    const run = this.run;
    this.run = null;
    let clean = true;
    if (run) {
      const exit = await run.end();
      // A signal (killed because it would not finish) is a failure too.
      clean = exit.code === 0;
      if (!clean) this.lastError = `FFmpeg failed while finishing (${exit.signal ?? `exit ${exit.code}`}): ${exit.stderrTail.at(-1) ?? 'no message'}`;
    }
    // A run still finishing (codec switch) is waited for too; none outlives the output.
    await settlesWithin(Promise.all([...this.alive].map((r) => r.exited)), this.o.drainLimitMs);
    for (const r of this.alive) r.kill();
    this.transition('stopped');
    return clean;
  }

  /** Stops at once: no drain, every FFmpeg of this output killed, never restarted. */
  kill(): void {
    this.killed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopping ??= Promise.resolve(false);
    this.queue.wake();
    for (const r of this.alive) r.kill();
    this.run?.kill();
    this.run = null;
    this.transition('stopped');
  }

  /** Guarded state change: returns false (and logs) for a transition the machine does not allow. */
  private transition(state: RunnerState): boolean {
    if (this.state === state) return true;
    if (!TRANSITIONS[this.state].includes(state)) {
      if (!(this.state === 'failed' && state === 'stopped')) this.log.debug('output state change refused', { output: this.name, from: this.state, to: state });
      return false;
    }
    this.state = state;
    if (state === 'running') this.runningSince = Date.now();
    else if (state !== 'stopping' && state !== 'stopped') this.runningSince = null;
    this.events.changed();
    return true;
  }
}

/** True if `p` settles within `ms`. */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    p.then(done, done);
  });
}

export function sameVideoConfig(a: VideoConfig, b: VideoConfig): boolean {
  if (a.codec !== b.codec || a.codedWidth !== b.codedWidth || a.codedHeight !== b.codedHeight) return false;
  return bytesEqual(a.description, b.description);
}
