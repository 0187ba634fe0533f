/**
 * The relay's monitoring points (packages/shared/src/monitoring.ts, on perf_hooks): per stream,
 * the interval between video chunks arriving and the time spent fanning each out; per process,
 * garbage-collection pauses. Read by `GET /api/admin/perf` (the perf suite and operators).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { IntervalMeter, MONITORING_POINTS, Ring, StageTimer, figures } from '@tabcast/shared';

export class StreamPerf {
  /** Video chunks arriving from the publisher. */
  readonly arrival = new IntervalMeter(MONITORING_POINTS.RELAY_RECEIVE);
  /** Fanning one chunk out to every real-time viewer (synchronous: queueing, not sending). */
  readonly fanout = new StageTimer('relay:fanout');

  /** The figures; with `take`, also the raw samples since the last take (which it forgets). */
  snapshot(take = false) {
    const figures = { arrivalIntervalsMs: this.arrival.snapshot(), fanoutMs: this.fanout.snapshot() };
    return take ? { ...figures, samples: { arrivalIntervalsMs: this.arrival.take(), fanoutMs: this.fanout.take() } } : figures;
  }
}

/** GC pauses of this process, from the moment the first reader asks (an observer costs nothing until then). */
class GcPauses {
  private readonly pauses = new Ring();
  private observer: PerformanceObserver | null = null;
  private total = 0;
  private totalMs = 0;

  start(): void {
    if (this.observer) return;
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.pauses.push(e.duration);
        this.total++;
        this.totalMs += e.duration;
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  snapshot() {
    return { ...figures(this.pauses.toArray()), pauses: this.total, totalMs: Math.round(this.totalMs) };
  }
}

export const gcPauses = new GcPauses();

export function processPerf() {
  gcPauses.start();
  const m = process.memoryUsage();
  return { heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, rssBytes: m.rss, externalBytes: m.external, gcPausesMs: gcPauses.snapshot() };
}
