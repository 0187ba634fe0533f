/**
 * The page's glass-to-glass latency samples, for whoever measures it (the benchmarks and the
 * end-to-end tests read `globalThis.tabcastLatency`). Bounded: the oldest samples go first, so a
 * page left open for days holds at most {@link MAX_SAMPLES} numbers.
 */
export interface LatencySample {
  /** Wall clock (Date.now()) when the picture was read. */
  atMs: number;
  latencyMs: number;
}

export const MAX_SAMPLES = 6_000;

export interface LatencyLog {
  samples: LatencySample[];
  /** Frames shown since the page loaded (counted by whoever records). */
  frames: number;
  /** Returns the samples recorded since the last take and forgets them. */
  take(): LatencySample[];
}

function create(): LatencyLog {
  const log: LatencyLog = {
    samples: [],
    frames: 0,
    take() {
      const out = log.samples;
      log.samples = [];
      return out;
    },
  };
  return log;
}

export function latencyLog(): LatencyLog {
  const g = globalThis as unknown as { tabcastLatency?: LatencyLog };
  return (g.tabcastLatency ??= create());
}

export function recordLatency(latencyMs: number, atMs = Date.now()): void {
  const log = latencyLog();
  log.samples.push({ atMs, latencyMs });
  if (log.samples.length > MAX_SAMPLES) log.samples.splice(0, log.samples.length - MAX_SAMPLES);
}
