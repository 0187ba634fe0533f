/**
 * The loop test:perf:instrumentation times in Node, in a page and in a worker (bundled for the
 * browser by esbuild, so it is the same code everywhere): ns per call of each kind of monitoring point.
 */
import type { IntervalMeter, StageTimer } from '../../packages/shared/src/monitoring.ts';

/** The body timed in each place: ns per call for each kind, over `n` calls. */
export function timeCalls(n: number, make: { StageTimer: typeof StageTimer; IntervalMeter: typeof IntervalMeter }) {
  const t = new make.StageTimer('bench:stage');
  const s = new make.StageTimer('bench:sync');
  const m = new make.IntervalMeter('bench:tick');
  const ns = (f: () => void) => {
    const t0 = performance.now();
    f();
    return ((performance.now() - t0) * 1e6) / n;
  };
  return {
    startEndNs: ns(() => {
      for (let i = 0; i < n; i++) {
        t.start(i);
        t.end(i);
      }
    }),
    timeNs: ns(() => {
      for (let i = 0; i < n; i++) s.time(() => i);
    }),
    tickNs: ns(() => {
      for (let i = 0; i < n; i++) m.tick();
    }),
  };
}

