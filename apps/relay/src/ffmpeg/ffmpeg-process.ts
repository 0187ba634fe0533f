/**
 * One supervised FFmpeg child: drain-aware writes to stdin, progress read from stdout (for stall
 * detection), stderr kept as structured, de-duplicated log lines with counters, explicit state,
 * and a bounded shutdown (end input → wait → SIGKILL).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../util/logger.ts';

export type FfmpegState = 'running' | 'ending' | 'exited';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last stderr lines, for an error message in words. */
  stderrTail: string[];
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/** How processes are started; tests and benches may pass their own. */
export type Spawner = (cmd: string, args: string[]) => Child;
/**
 * detached: FFmpeg gets its own process group, so a Ctrl-C in the relay's terminal reaches only the
 * relay, which then drains FFmpeg properly. If the relay dies, FFmpeg's stdin closes and it exits.
 * fd 3 is a fourth pipe: an RTMP destination's FFmpeg writes its FLV there (`pipe:3`), and the relay
 * pushes it on itself, so no secret is ever on FFmpeg's command line. (stdout carries progress.)
 */
export const defaultSpawner: Spawner = (cmd, args) => spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true }) as unknown as Child;

const STDERR_TAIL_LINES = 20;
const MAX_STDERR_KINDS = 200;

export class FfmpegProcess {
  state: FfmpegState = 'running';
  readonly exited: Promise<FfmpegExit>;
  readonly pid: number | undefined;
  /** performance.now() of the last progress block FFmpeg printed, and of our last write. */
  lastProgressAt = performance.now();
  lastWriteAt = 0;
  /** Counts of stderr lines by kind (the line with its numbers and addresses masked). */
  readonly stderrCounts = new Map<string, number>();
  private child: Child;
  private stderrTail: string[] = [];
  private stdinBroken = false;

  /** Bytes FFmpeg reports written to its output, and how many progress blocks it printed. */
  readonly progress = { outputBytes: 0, blocks: 0 };

  constructor(
    ffmpegPath: string,
    args: string[],
    private log: Logger,
    spawner: Spawner = defaultSpawner,
    private redact: (text: string) => string = (t) => t,
  ) {
    this.child = spawner(ffmpegPath, args);
    this.pid = this.child.pid;
    this.child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      // EPIPE when FFmpeg died first: the exit handler reports it; writes stop here.
      this.stdinBroken = true;
      if (err.code !== 'EPIPE') this.log.warn('ffmpeg stdin error', { error: err.message });
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => {
      const size = text.match(/total_size=(\d+)/g)?.at(-1);
      if (size) this.progress.outputBytes = Number(size.slice('total_size='.length));
      if (text.includes('progress=')) {
        this.lastProgressAt = performance.now();
        this.progress.blocks++;
      }
    });
    this.child.stderr.setEncoding('utf8');
    let partial = '';
    this.child.stderr.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.onStderrLine(line);
    });
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.state = 'exited';
        resolve({ code, signal, stderrTail: [...this.stderrTail] });
      };
      this.child.once('error', (err) => {
        this.stderrTail.push(`could not start ${ffmpegPath}: ${err.message}`);
        done(null, null);
      });
      this.child.once('close', done);
    });
  }

  /** FFmpeg's fd 3 (a pipe, when the spawner made one): an output written to `pipe:3`. */
  get mediaOut(): Readable | null {
    return (this.child.stdio[3] as Readable | null | undefined) ?? null;
  }

  /** Logs the first few lines of each kind, then every 100th with its count: FFmpeg can repeat a warning per frame. */
  private onStderrLine(raw: string): void {
    const line = this.redact(raw);
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    const kind = line.replace(/0x[0-9a-f]+/gi, '0x').replace(/-?\d+(\.\d+)?/g, 'N');
    if (!this.stderrCounts.has(kind) && this.stderrCounts.size >= MAX_STDERR_KINDS) return;
    const n = (this.stderrCounts.get(kind) ?? 0) + 1;
    this.stderrCounts.set(kind, n);
    if (n <= 3 || n % 100 === 0) this.log.warn('ffmpeg', { line, count: n });
  }

  /** A write is waiting for FFmpeg to read (stdin full): it is being fed, whatever it does. */
  private awaitingDrain = false;

  /** True when FFmpeg printed no progress for `ms` while being fed (a recent write, or one it is not reading). */
  isStalled(ms: number, now = performance.now()): boolean {
    const fed = this.awaitingDrain || now - this.lastWriteAt < ms;
    return this.state === 'running' && now - this.lastProgressAt > ms && fed;
  }

  /** Writes bytes to FFmpeg's stdin; resolves when FFmpeg can take more (after `drain` if needed). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.state !== 'running' || this.stdinBroken) return Promise.resolve();
    this.lastWriteAt = performance.now();
    if (this.child.stdin.write(bytes)) return Promise.resolve();
    this.awaitingDrain = true;
    return new Promise((resolve) => {
      const finish = () => {
        this.awaitingDrain = false;
        this.child.stdin.off('drain', finish);
        this.child.stdin.off('close', finish);
        resolve();
      };
      this.child.stdin.once('drain', finish);
      this.child.stdin.once('close', finish);
    });
  }

  /** Ends the input so FFmpeg finalises its outputs, then waits; kills it after `timeoutMs`. */
  async end(timeoutMs: number): Promise<FfmpegExit> {
    if (this.state === 'running') {
      this.state = 'ending';
      this.child.stdin.end();
    }
    const timer = setTimeout(() => {
      this.log.warn('ffmpeg did not exit in time; killing', { timeoutMs });
      this.child.kill('SIGKILL');
    }, timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.state !== 'exited') this.child.kill('SIGKILL');
  }
}

/** Words for an FFmpeg exit, from its code/signal and its last stderr line. */
export function describeExit(exit: FfmpegExit): string {
  const last = exit.stderrTail.at(-1);
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return last ? `FFmpeg ${how}: ${last}` : `FFmpeg ${how}`;
}
