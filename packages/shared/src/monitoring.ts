/**
 * Per-stage instrumentation, the same in the browser (studio, workers, player) and in Node (the
 * relay, where `performance` is perf_hooks'). Seed 001's monitoring points are User Timing names:
 * each timed stage leaves `<stage>:start` / `<stage>:end` marks and a `<stage>` measure, so a
 * profiler (Chromium's Performance panel, a PerformanceObserver, Node's perf_hooks) sees them.
 *
 * It is built to stay on in production: the User Timing entries are cleared as soon as they are
 * made (the browser's timeline buffer would otherwise grow for ever), and the figures kept are
 * bounded rings of numbers, read by `snapshot()`. Its cost is measured by the perf suite.
 */

/** The monitoring points (seed 001's names, plus the stages Tabcast's path has beyond them). */
export const MONITORING_POINTS = Object.freeze({
  CAPTURE_FRAME: 'capture:frame',
  LAYOUT_UPDATE_START: 'layout:update:start',
  LAYOUT_UPDATE_END: 'layout:update:end',
  RENDER_FRAME_START: 'render:frame:start',
  RENDER_FRAME_END: 'render:frame:end',
  PIPELINE_QUEUE_START: 'pipeline:queue:start',
  PIPELINE_PROCESS_START: 'pipeline:process:start',
  PIPELINE_PROCESS_END: 'pipeline:process:end',
  ENCODE_START: 'encode:start',
  ENCODE_END: 'encode:end',
  NETWORK_SEND_START: 'network:send:start',
  NETWORK_SEND_END: 'network:send:end',
  RELAY_RECEIVE: 'relay:receive',
  RELAY_FANOUT_START: 'relay:fanout:start',
  RELAY_FANOUT_END: 'relay:fanout:end',
  VIEWER_RECEIVE: 'viewer:receive',
  DECODE_START: 'decode:start',
  DECODE_END: 'decode:end',
  PAINT_FRAME: 'paint:frame',
});

/** Samples kept per stage: about 20 s at 30 fps. */
export const MONITOR_RING_SIZE = 600;
/** Stages started and not yet ended, per timer, before the oldest is forgotten (counted as lost). */
export const MONITOR_MAX_OPEN = 64;

export interface StageFigures {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface IntervalFigures extends StageFigures {
  /** Mean absolute difference between successive intervals (RFC 3550's jitter, unsmoothed). */
  jitter: number;
}

/** p50/p95/p99/max of a list (nearest rank); zeros when it is empty. */
export function figures(values: readonly number[]): StageFigures {
  if (!values.length) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  const r = (v: number) => Math.round(v * 100) / 100;
  return { count: s.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(s[s.length - 1]!) };
}

export function intervalFigures(intervals: readonly number[]): IntervalFigures {
  let sum = 0;
  for (let i = 1; i < intervals.length; i++) sum += Math.abs(intervals[i]! - intervals[i - 1]!);
  const jitter = intervals.length > 1 ? Math.round((sum / (intervals.length - 1)) * 100) / 100 : 0;
  return { ...figures(intervals), jitter };
}

/** A fixed-size ring of numbers: the newest `size` values pushed. */
export class Ring {
  private readonly values: number[] = [];
  private next = 0;
  constructor(private readonly size = MONITOR_RING_SIZE) {}
  push(v: number): void {
    if (this.values.length < this.size) this.values.push(v);
    else this.values[this.next] = v;
    this.next = (this.next + 1) % this.size;
  }
  /** Oldest first. */
  toArray(): number[] {
    return this.values.length < this.size ? [...this.values] : [...this.values.slice(this.next), ...this.values.slice(0, this.next)];
  }
  clear(): void {
    this.values.length = 0;
    this.next = 0;
  }
}

type Clock = { now(): number; mark?(name: string, o?: { startTime?: number }): unknown; measure?(name: string, o?: { start?: number; end?: number }): unknown; clearMarks?(name?: string): void; clearMeasures?(name?: string): void };

/** `performance` of the page, worker or Node process (typed here: this package has no DOM or Node types). */
const defaultClock = (): Clock => (globalThis as unknown as { performance: Clock }).performance;

/**
 * Times one stage (`encode`, `render:frame`, …). Stages may overlap (an encoder holds several
 * frames), so `start` and `end` take a key — the frame's timestamp — and a stage started and never
 * ended (a dropped frame) is forgotten after MONITOR_MAX_OPEN newer ones.
 */
export class StageTimer {
  private readonly open = new Map<number, number>();
  private readonly durations = new Ring();
  lost = 0;
  constructor(readonly stage: string, private readonly clock: Clock = defaultClock()) {}

  start(key: number, at = this.clock.now()): void {
    this.open.set(key, at);
    if (this.open.size > MONITOR_MAX_OPEN) {
      this.open.delete(this.open.keys().next().value as number);
      this.lost++;
    }
  }

  /** Ends the stage for `key`; returns its duration in ms, or undefined if it was never started. */
  end(key: number, at = this.clock.now()): number | undefined {
    const started = this.open.get(key);
    if (started === undefined) return undefined;
    this.open.delete(key);
    const ms = at - started;
    this.durations.push(ms);
    userTiming(this.clock, this.stage, started, at);
    return ms;
  }

  /** Times a synchronous piece of work. */
  time<T>(work: () => T): T {
    const t0 = this.clock.now();
    try {
      return work();
    } finally {
      const t1 = this.clock.now();
      this.durations.push(t1 - t0);
      userTiming(this.clock, this.stage, t0, t1);
    }
  }

  snapshot(): StageFigures & { lost: number; open: number } {
    return { ...figures(this.durations.toArray()), lost: this.lost, open: this.open.size };
  }

  samples(): number[] {
    return this.durations.toArray();
  }

  /** The durations since the last take (at most the ring's size), and forgets them. */
  take(): number[] {
    const out = this.durations.toArray();
    this.durations.clear();
    return out;
  }
}

/** The interval between successive events at one point of the path (frames captured, painted, …). */
export class IntervalMeter {
  private last: number | undefined;
  private readonly intervals = new Ring();
  count = 0;
  constructor(readonly point: string, private readonly clock: Clock = defaultClock()) {}

  tick(at = this.clock.now()): void {
    this.count++;
    if (this.last !== undefined) this.intervals.push(at - this.last);
    this.last = at;
    mark(this.clock, this.point, at);
  }

  snapshot(): IntervalFigures & { events: number } {
    return { ...intervalFigures(this.intervals.toArray()), events: this.count };
  }

  samples(): number[] {
    return this.intervals.toArray();
  }

  /** The intervals since the last take (at most the ring's size), and forgets them. */
  take(): number[] {
    const out = this.intervals.toArray();
    this.intervals.clear();
    return out;
  }
}

/**
 * Counts VideoFrames (or anything with `close()`) opened and not yet closed: `track` wraps the
 * frame's own close, so a frame dropped without close stays counted — what a leak looks like.
 */
export class FrameLedger {
  open = 0;
  track<T extends { close(): void }>(frame: T): T {
    this.open++;
    const close = frame.close.bind(frame);
    let closed = false;
    frame.close = () => {
      if (!closed) {
        closed = true;
        this.open--;
      }
      close();
    };
    return frame;
  }
}

/** A `<stage>:start`/`<stage>:end` pair and a `<stage>` measure, cleared at once (see the file comment). */
function userTiming(clock: Clock, stage: string, start: number, end: number): void {
  if (!clock.mark || !clock.measure) return;
  try {
    clock.mark(`${stage}:start`, { startTime: start });
    clock.mark(`${stage}:end`, { startTime: end });
    clock.measure(stage, { start, end });
    clock.clearMarks?.(`${stage}:start`);
    clock.clearMarks?.(`${stage}:end`);
    clock.clearMeasures?.(stage);
  } catch {
    // A start time before the time origin (a frame from another context's clock): the figures are kept anyway.
  }
}

function mark(clock: Clock, name: string, at: number): void {
  if (!clock.mark) return;
  try {
    clock.mark(name, { startTime: at });
    clock.clearMarks?.(name);
  } catch {
    // See userTiming.
  }
}
