/**
 * Samples what the health check needs about the machine and the relay process, once a second:
 * machine CPU (all cores, from os.cpus() deltas, mean of the last {@link CPU_WINDOW_SAMPLES}),
 * the relay's own CPU, event-loop delay (p99 of the last interval), heap against its limit, and
 * free space in the data folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { RelayFigures } from '@tabcast/shared';

/** Machine CPU is averaged over this many one-second samples: one busy second is not a trend. */
export const CPU_WINDOW_SAMPLES = 3;

export interface SystemSample extends RelayFigures {
  heapUsedPercent: number;
  /** Free space for unprivileged writers in the data folder, MiB; null if it cannot be read. */
  diskFreeMiB: number | null;
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
  }
  return { idle, total };
}

export class SystemSampler {
  private lag = monitorEventLoopDelay({ resolution: 10 });
  private lastCpu = cpuTimes();
  private lastProc = process.cpuUsage();
  private lastAt = performance.now();
  private cpuWindow: number[] = [];

  constructor(private dataDir: string) {
    this.lag.enable();
  }

  sample(): SystemSample {
    const now = performance.now();
    const cpu = cpuTimes();
    const dTotal = cpu.total - this.lastCpu.total;
    const busy = dTotal > 0 ? (1 - (cpu.idle - this.lastCpu.idle) / dTotal) * 100 : 0;
    this.lastCpu = cpu;
    this.cpuWindow.push(busy);
    if (this.cpuWindow.length > CPU_WINDOW_SAMPLES) this.cpuWindow.shift();
    const proc = process.cpuUsage();
    const wallUs = (now - this.lastAt) * 1000;
    const relayCpu = wallUs > 0 ? ((proc.user - this.lastProc.user + proc.system - this.lastProc.system) / wallUs) * 100 : 0;
    this.lastProc = proc;
    this.lastAt = now;
    const lagMs = this.lag.count > 0 ? this.lag.percentile(99) / 1e6 : 0;
    this.lag.reset();
    const heap = v8.getHeapStatistics();
    let diskFreeMiB: number | null = null;
    try {
      const st = fs.statfsSync(this.dataDir);
      diskFreeMiB = (st.bavail * st.bsize) / (1024 * 1024);
    } catch {
      diskFreeMiB = null;
    }
    return {
      cpuPercent: round1(this.cpuWindow.reduce((a, b) => a + b, 0) / this.cpuWindow.length),
      relayCpuPercent: round1(relayCpu),
      heapUsedBytes: heap.used_heap_size,
      heapLimitBytes: heap.heap_size_limit,
      heapUsedPercent: round1((heap.used_heap_size / heap.heap_size_limit) * 100),
      rssBytes: process.memoryUsage.rss(),
      eventLoopLagMs: round1(lagMs),
      diskFreeMiB: diskFreeMiB === null ? null : Math.floor(diskFreeMiB),
    };
  }

  stop(): void {
    this.lag.disable();
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
