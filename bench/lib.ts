/**
 * Benchmark helpers: a relay in its own process (so its CPU and memory are its own), /proc
 * sampling, statistics, machine description and result files. Loopback only; every run is bounded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startRelayChild } from '../apps/relay/test/support/relay-child.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_KEY = 'bench-stream-key-0123456789';

export interface RelayProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

export { freePort };

/** The relay as users run it (`src/main.ts`, its own process), with the bench key; its data folder goes on stop. */
export async function startRelayProcess(env: Record<string, string> = {}): Promise<RelayProcess> {
  // Benchmarks measure a fixed quality: a busy machine must not make the relay ask studios to step down.
  const relay = await startRelayChild({ TABCAST_STREAM_KEY: BENCH_KEY, TABCAST_HEALTH_QUALITY_ACTION: 'off', ...env });
  return {
    url: relay.url,
    pid: relay.child.pid!,
    child: relay.child,
    dataDir: relay.dataDir,
    stop: async () => {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system) and RSS bytes of one process, from /proc. */
export function procSample(pid: number): { cpuSec: number; rssBytes: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSec = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const rssKb = Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    return { cpuSec, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

export function childPids(pid: number, name?: string): number[] {
  try {
    const out = execFileSync('pgrep', ['-P', String(pid), ...(name ? ['-x', name] : [])], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Samples a process (found by `pick`) every second for `seconds`: CPU % of one core, and RSS. */
export async function sampleProcess(pick: () => number | undefined, seconds: number): Promise<{ cpuPct: number[]; rssMiB: number[] }> {
  const cpuPct: number[] = [];
  const rssMiB: number[] = [];
  let prev: { t: number; cpu: number; pid: number } | null = null;
  for (let i = 0; i <= seconds; i++) {
    const pid = pick();
    const s = pid ? procSample(pid) : null;
    const t = performance.now();
    if (pid && s) {
      if (prev && prev.pid === pid) cpuPct.push(((s.cpuSec - prev.cpu) / ((t - prev.t) / 1000)) * 100);
      rssMiB.push(s.rssBytes / 2 ** 20);
      prev = { t, cpu: s.cpuSec, pid };
    }
    await sleep(1000);
  }
  return { cpuPct, rssMiB };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export const median = (values: number[]) => percentile(values, 50);
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Least-squares slope of RSS over the second half of the samples (after warm-up), MiB per minute. */
export function rssSlopeSecondHalf(samples: readonly { minute: number; rssMiB: number }[]): number {
  const half = samples.slice(Math.floor(samples.length / 2));
  const mx = half.reduce((s, p) => s + p.minute, 0) / half.length;
  const my = half.reduce((s, p) => s + p.rssMiB, 0) / half.length;
  return half.reduce((s, p) => s + (p.minute - mx) * (p.rssMiB - my), 0) / half.reduce((s, p) => s + (p.minute - mx) ** 2, 0);
}

export function machine(): Record<string, string> {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
    } catch {
      return 'not found';
    }
  };
  return {
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    ffmpeg: version('ffmpeg', ['-version']),
    chromium: version(process.env.PLAYWRIGHT_CHROMIUM_PATH || '/usr/bin/chromium', ['--version']),
    date: new Date().toISOString(),
  };
}

export interface ViewerLoadResult {
  viewers?: number;
  connected?: number;
  failed?: number;
  healthyViewers?: number;
  medianOnTimeRatio?: number;
  worstOnTimeRatio?: number;
  closedEarly?: number;
}

/**
 * Real-time viewers of `streamIds` from `clients` load-client processes (bench/fanout-client.ts),
 * counting frames on time between `windowStart` and `windowEnd` (wall-clock ms). `done()` waits for
 * them to finish and returns each client's figures.
 */
export function startViewerLoad(o: { relayUrl: string; streamIds: string[]; viewers: number; clients: number; windowStart: number; windowEnd: number; pubStartWall: number }): { done(): Promise<ViewerLoadResult[]> } {
  const procs = Array.from({ length: o.clients }, () =>
    spawn(process.execPath, ['--import', 'tsx', 'bench/fanout-client.ts', o.relayUrl, o.streamIds.join(','), String(o.viewers / o.clients), String(o.windowStart), String(o.windowEnd), String(o.pubStartWall), '5000000'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const outputs = procs.map((c) => {
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    return () => out;
  });
  return {
    done: async () => {
      await Promise.all(procs.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
      return outputs.map((out) => JSON.parse(out().trim().split('\n').at(-1) || '{}') as ViewerLoadResult);
    },
  };
}

/** Writes a result file that scripts/bench.mjs turns into docs/performance.md. */
export function writeResult(name: string, command: string, result: unknown): void {
  const file = path.join(ROOT, 'bench/results', `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ name, command, machine: machine(), result }, null, 2) + '\n');
  console.log(`wrote ${path.relative(ROOT, file)}`);
}
