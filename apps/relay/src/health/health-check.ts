/**
 * The three-state health check (`GET /api/health`): each check compares one figure with its two
 * thresholds (named settings, docs/configuration.md) and explains itself in words. Pure: it
 * evaluates a sample and the live streams; {@link HealthMonitor} samples and acts.
 */
import type { HealthCheck, HealthReport, HealthStatus } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import type { StreamSession } from '../streams/stream-session.ts';
import type { SystemSample } from './system-sampler.ts';

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export function worst(statuses: HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'healthy');
}

/** Higher is worse (lag, heap, CPU). */
function above(value: number, degraded: number, unhealthy: number, describe: (limit: number, word: string) => string): HealthCheck {
  if (value >= unhealthy) return { status: 'unhealthy', value, issues: [describe(unhealthy, 'unhealthy')] };
  if (value >= degraded) return { status: 'degraded', value, issues: [describe(degraded, 'degraded')] };
  return { status: 'healthy', value, issues: [] };
}

/** The issue of a stream's failing outputs, in words, or none. */
export function failingOutputIssues(s: StreamSession): string[] {
  const issues: string[] = [];
  if (s.hls.state === 'retrying' || s.hls.state === 'failed') {
    issues.push(`stream ${s.id}: the HLS output's FFmpeg keeps failing (attempt ${s.hls.attempt}): ${s.hls.lastError ?? 'no message'}`);
  }
  if (s.recordingProblem) issues.push(`stream ${s.id}: not recorded (the broadcast goes on): ${s.recordingProblem}`);
  for (const d of s.destinations.status()) {
    if (d.state === 'retrying' || d.state === 'failed') {
      issues.push(`stream ${s.id}: destination "${d.name || d.id}" is ${d.state === 'failed' ? 'failed' : `retrying (attempt ${d.attempt} of ${d.maxAttempts})`}: ${d.error ?? 'no message'}`);
    }
  }
  return issues;
}

export interface LowFpsStream {
  id: string;
  fps: number;
  targetFps: number;
}

export function evaluateHealth(config: RelayConfig, sample: SystemSample, live: StreamSession[], lowFps: LowFpsStream[], refusingNewStreams: boolean): HealthReport {
  const c = config;
  const eventLoopLagMs = above(sample.eventLoopLagMs, c.healthLagDegradedMs, c.healthLagUnhealthyMs, (limit) =>
    `the event loop is ${sample.eventLoopLagMs} ms late (threshold ${limit} ms): the relay is too busy to answer in time`);
  const heapUsedPercent = above(sample.heapUsedPercent, c.healthHeapDegradedPercent, c.healthHeapUnhealthyPercent, (limit, word) =>
    `the heap is ${sample.heapUsedPercent} % of its limit (threshold ${limit} %)` + (word === 'unhealthy' ? ': new streams are refused until it goes down' : ': GOP caches of unwatched streams are freed'));
  const cpuPercent = above(sample.cpuPercent, c.healthCpuDegradedPercent, c.healthCpuUnhealthyPercent, (limit) =>
    `the machine's CPU is ${sample.cpuPercent} % busy (threshold ${limit} %)` + (c.healthQualityAction ? ': studios are asked to lower their quality' : ''));
  let diskFreeMiB: HealthCheck;
  if (sample.diskFreeMiB === null) diskFreeMiB = { status: 'degraded', value: null, issues: [`the free space of the data folder ${c.dataDir} cannot be read`] };
  else if (sample.diskFreeMiB <= c.healthDiskUnhealthyMiB) diskFreeMiB = { status: 'unhealthy', value: sample.diskFreeMiB, issues: [`only ${sample.diskFreeMiB} MiB free in the data folder ${c.dataDir} (threshold ${c.healthDiskUnhealthyMiB} MiB): HLS segments will soon fail to write`] };
  else if (sample.diskFreeMiB <= c.healthDiskDegradedMiB) diskFreeMiB = { status: 'degraded', value: sample.diskFreeMiB, issues: [`only ${sample.diskFreeMiB} MiB free in the data folder ${c.dataDir} (threshold ${c.healthDiskDegradedMiB} MiB)`] };
  else diskFreeMiB = { status: 'healthy', value: sample.diskFreeMiB, issues: [] };
  const failing = live.flatMap(failingOutputIssues);
  const failingOutputs: HealthCheck = { status: failing.length ? 'degraded' : 'healthy', value: failing.length, issues: failing };
  const lowFpsStreams: HealthCheck = {
    status: lowFps.length ? 'degraded' : 'healthy',
    value: lowFps.length,
    issues: lowFps.map((l) => `stream ${l.id} arrives at ${l.fps} fps, below ${c.healthLowFpsPercent} % of its target ${l.targetFps} fps`),
  };
  const checks = { eventLoopLagMs, heapUsedPercent, cpuPercent, diskFreeMiB, failingOutputs, lowFpsStreams };
  const all = Object.values(checks);
  return {
    status: worst(all.map((x) => x.status)),
    issues: all.flatMap((x) => x.issues),
    checks,
    refusingNewStreams,
    liveStreams: live.length,
  };
}
