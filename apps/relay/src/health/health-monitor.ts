/**
 * Samples the relay once a second, keeps the latest health report, and takes the automatic
 * actions (docs/observability.md):
 * - CPU over its degraded threshold → each studio is asked to step down one quality level;
 * - heap over its degraded threshold → the GOP caches of streams nobody watches are freed; over
 *   its unhealthy threshold → new streams are refused (close 4503 `overloaded`) until it recovers;
 * - a stream below its target fps for long enough → an alert (log line, health issue, dashboard mark).
 * Every action is logged, counted in a metric and kept for the dashboard.
 */
import type { HealthAction, HealthReport, RelayFigures } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import { metrics } from '../metrics/registry.ts';
import type { StreamSession } from '../streams/stream-session.ts';
import type { Logger } from '../util/logger.ts';
import { evaluateHealth, type LowFpsStream } from './health-check.ts';
import { SystemSampler, type SystemSample } from './system-sampler.ts';

/** How often the relay samples itself, ms. */
export const HEALTH_SAMPLE_MS = 1_000;
/** Actions kept for the dashboard. */
const MAX_ACTIONS = 50;
const STATUS_VALUE = { healthy: 0, degraded: 1, unhealthy: 2 } as const;

export class HealthMonitor {
  private sampler: SystemSampler;
  private timer: NodeJS.Timeout | null = null;
  private sample: SystemSample;
  private current: HealthReport;
  private refusing = false;
  private lowFps = new Map<string, LowFpsStream>();
  private lastQualityDownAt = new Map<string, number>();
  private lastFreeAt = -Infinity;
  readonly actions: HealthAction[] = [];

  constructor(private config: RelayConfig, private log: Logger, private liveSessions: () => StreamSession[]) {
    this.sampler = new SystemSampler(config.dataDir);
    this.sample = this.sampler.sample();
    this.current = evaluateHealth(config, this.sample, [], [], false);
    this.tick(); // a first report, and refusal state, that agree with the thresholds from the start
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), HEALTH_SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sampler.stop();
  }

  report(): HealthReport {
    return this.current;
  }

  figures(): RelayFigures {
    const { heapUsedPercent: _h, diskFreeMiB: _d, ...figures } = this.sample;
    return figures;
  }

  isLowFps(streamId: string): boolean {
    return this.lowFps.has(streamId);
  }

  /** Why new streams are refused now, or null when they are welcome. */
  refuseReason(): string | null {
    if (!this.refusing) return null;
    return `the relay is short of memory (heap ${this.sample.heapUsedPercent} % of its limit); try again in a minute`;
  }

  /** One sample, evaluation and round of actions (also called by tests). */
  tick(now = Date.now()): void {
    this.sample = this.sampler.sample();
    const live = this.liveSessions().filter((s) => s.state === 'live');
    this.trackLowFps(live, now);
    const c = this.config;
    if (c.healthQualityAction && this.sample.cpuPercent >= c.healthCpuDegradedPercent) this.stepDownQuality(live, now);
    if (this.sample.heapUsedPercent >= c.healthHeapDegradedPercent && now - this.lastFreeAt >= c.healthActionCooldownMs) this.freeCaches(live, now);
    const refuse = this.sample.heapUsedPercent >= c.healthHeapUnhealthyPercent;
    if (refuse !== this.refusing) {
      this.refusing = refuse;
      this.act(refuse ? 'refuse-streams' : 'accept-streams', refuse ? `${this.refuseReason()}: new streams are refused` : `the heap is back to ${this.sample.heapUsedPercent} % of its limit: new streams are accepted again`);
    }
    this.current = evaluateHealth(c, this.sample, live, [...this.lowFps.values()], this.refusing);
    metrics.healthStatus.set(STATUS_VALUE[this.current.status]);
  }

  private trackLowFps(live: StreamSession[], now: number): void {
    const ids = new Set(live.map((s) => s.id));
    for (const id of this.lowFps.keys()) if (!ids.has(id)) this.lowFps.delete(id);
    for (const id of this.lastQualityDownAt.keys()) if (!ids.has(id)) this.lastQualityDownAt.delete(id);
    for (const s of live) {
      const studio = s.figures.studioFigures(now);
      const fps = s.info().ingestFps;
      const below = studio !== null && s.publisherConnected && fps < (studio.targetFps * this.config.healthLowFpsPercent) / 100;
      if (!below) {
        s.figures.lowFpsSince = null;
        if (this.lowFps.delete(s.id)) this.act('low-fps-cleared', `stream ${s.id} is back to ${fps} fps`, s.id, 'info');
        continue;
      }
      s.figures.lowFpsSince ??= now;
      const entry = { id: s.id, fps, targetFps: studio.targetFps };
      if (this.lowFps.has(s.id)) this.lowFps.set(s.id, entry);
      else if (now - s.figures.lowFpsSince >= this.config.healthLowFpsForMs) {
        this.lowFps.set(s.id, entry);
        this.act('low-fps-alert', `stream ${s.id} arrives at ${fps} fps, below ${this.config.healthLowFpsPercent} % of its target ${studio.targetFps} fps`, s.id);
      }
    }
  }

  private stepDownQuality(live: StreamSession[], now: number): void {
    const reason = `the relay's machine is ${this.sample.cpuPercent} % busy (threshold ${this.config.healthCpuDegradedPercent} %)`;
    for (const s of live) {
      if (now - (this.lastQualityDownAt.get(s.id) ?? -Infinity) < this.config.healthActionCooldownMs) continue;
      if (!s.requestQualityDown(reason)) continue;
      this.lastQualityDownAt.set(s.id, now);
      this.act('quality-down', `asked stream ${s.id}'s studio to step down one quality level: ${reason}`, s.id);
    }
  }

  private freeCaches(live: StreamSession[], now: number): void {
    this.lastFreeAt = now;
    let freed = 0;
    let streams = 0;
    for (const s of live) {
      if (s.fanOut.viewerCount > 0) continue;
      const bytes = s.fanOut.dropCache();
      if (bytes > 0) streams++;
      freed += bytes;
    }
    this.act('free-caches', `the heap is ${this.sample.heapUsedPercent} % of its limit: freed the GOP caches of ${streams} unwatched stream(s), ${Math.round(freed / 1024)} KiB`);
  }

  private act(kind: HealthAction['kind'], message: string, stream?: string, level: 'warn' | 'info' = 'warn'): void {
    const action: HealthAction = { at: new Date().toISOString(), kind, message, ...(stream ? { stream } : {}) };
    this.actions.push(action);
    if (this.actions.length > MAX_ACTIONS) this.actions.shift();
    metrics.actions.inc({ kind });
    this.log[level](`automatic action: ${message}`, { action: kind, ...(stream ? { stream } : {}) });
  }
}
