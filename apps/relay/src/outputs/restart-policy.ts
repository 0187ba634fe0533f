/** When a failed output is tried again, and when it is given up. Injected, so tests can shorten it. */
export interface RestartPolicy {
  /** Failed runs in a row (without a stable run between) before the output is given up. */
  maxAttempts: number;
  /** Delay before attempt `n` (1-based), ms. */
  delayMs(attempt: number): number;
  /** A run that stayed up this long resets the attempt count, ms. */
  stableAfterMs: number;
}

/** HLS: quick restarts, doubling from 250 ms (FFmpeg crashing or stalling on our own machine). */
export function hlsRestartPolicy(maxAttempts: number, firstDelayMs: number): RestartPolicy {
  return { maxAttempts, delayMs: (n) => firstDelayMs * 2 ** (n - 1), stableAfterMs: 60_000 };
}

/** RTMP destinations: a remote server that went away; even, jittered retries (±25 %). */
export function destinationRestartPolicy(maxAttempts: number, delayMs: number, random: () => number = Math.random): RestartPolicy {
  return { maxAttempts, delayMs: () => Math.round(delayMs * (0.75 + random() * 0.5)), stableAfterMs: 30_000 };
}
