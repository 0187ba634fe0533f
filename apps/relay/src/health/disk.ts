/**
 * Watches the data folder's disk (issue 9, item 8): free space against `minFreeDiskBytes`, and
 * the folder's own size against `dataQuotaBytes`. While either is crossed the disk is `full`: the
 * relay ends live streams with `disk-full` and refuses new ones (close 4507) until there is room
 * again. `status()` is what /api/health reports.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../util/logger.ts';

export type DiskState = 'ok' | 'full';

export interface DiskStatus {
  state: DiskState;
  /** Why the disk counts as full, in words; null when ok. */
  reason: string | null;
  /** Free bytes for the relay on the data folder's filesystem, at the last check. */
  freeBytes: number;
  /** Bytes the data folder uses (measured only when a quota is set; else null). */
  usedBytes: number | null;
  minFreeBytes: number;
  /** 0: no quota. */
  quotaBytes: number;
  /** Date.now() of the last change of state. */
  sinceMs: number;
}

export interface DiskMonitorOptions {
  dataDir: string;
  minFreeDiskBytes: number;
  dataQuotaBytes: number;
  checkIntervalMs: number;
}

export type DiskListener = (status: DiskStatus) => void;

export class DiskMonitor {
  private current: DiskStatus;
  private timer: NodeJS.Timeout | null = null;
  private listeners = new Set<DiskListener>();

  constructor(private o: DiskMonitorOptions, private log: Logger) {
    this.current = { state: 'ok', reason: null, freeBytes: 0, usedBytes: null, minFreeBytes: o.minFreeDiskBytes, quotaBytes: o.dataQuotaBytes, sinceMs: Date.now() };
    this.check();
  }

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.o.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  status(): DiskStatus {
    return { ...this.current };
  }

  /** The reason new streams are refused, or null. Checks now (a statfs; cheap). */
  problem(): string | null {
    // A statfs is cheap; walking the folder for the quota is not: that is left to the timer.
    return this.o.dataQuotaBytes > 0 ? this.current.reason : this.check().reason;
  }

  /** Called on each change of state; returns the unsubscribe function. */
  on(listener: DiskListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  check(): DiskStatus {
    let freeBytes: number;
    try {
      const s = fs.statfsSync(this.o.dataDir);
      freeBytes = s.bavail * s.bsize;
    } catch (err) {
      // Cannot tell (folder gone?): keep the last state rather than guess.
      this.log.debug('disk check failed', { error: (err as Error).message });
      return this.status();
    }
    const usedBytes = this.o.dataQuotaBytes > 0 ? folderBytes(this.o.dataDir) : null;
    let reason: string | null = null;
    // At the minimum counts as full: with a minimum of 0, a disk with no byte left is full.
    if (freeBytes <= this.o.minFreeDiskBytes) {
      reason = `the relay's disk is full: ${mb(freeBytes)} free, below the ${mb(this.o.minFreeDiskBytes)} minimum (TABCAST_MIN_FREE_DISK_BYTES)`;
    } else if (usedBytes !== null && usedBytes >= this.o.dataQuotaBytes) {
      reason = `the relay's data folder is full: ${mb(usedBytes)} used of its ${mb(this.o.dataQuotaBytes)} quota (TABCAST_DATA_QUOTA_BYTES)`;
    }
    const state: DiskState = reason ? 'full' : 'ok';
    const changed = state !== this.current.state;
    this.current = { ...this.current, state, reason, freeBytes, usedBytes, sinceMs: changed ? Date.now() : this.current.sinceMs };
    if (changed) {
      if (reason) this.log.error('disk full: ending live streams and refusing new ones', { reason, freeBytes, usedBytes });
      else this.log.info('disk has room again: accepting streams', { freeBytes, usedBytes });
      for (const l of this.listeners) l(this.status());
    }
    return this.status();
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Bytes used by the files under `dir` (their allocated blocks). */
function folderBytes(dir: string): number {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else {
        try {
          const s = fs.statSync(p);
          total += Math.max(s.size, s.blocks * 512);
        } catch {
          // deleted meanwhile
        }
      }
    }
  }
  return total;
}
