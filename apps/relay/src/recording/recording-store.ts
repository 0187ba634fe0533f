/**
 * Every recording of this relay, under `<dataDir>/recordings/<id>/`: which ones exist and whose,
 * how much room they take against the quota, finalizing (one at a time: it reads and writes the
 * whole file), retention by age and total size, deletion. Recordings of a relay that was killed
 * are finalized when their broadcast ends (it is restored and waits for its publisher) or, if
 * their broadcast is gone, at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RelayConfig } from '../config/config.ts';
import type { Logger } from '../util/logger.ts';
import { FinalizeInterrupted, finalizeRecording } from './finalize.ts';
import { META_FILE, MP4_FILE, folderBytes, loadMeta, partFiles, saveMeta, type RecordingMeta } from './recording-meta.ts';

/** Retention is checked this often (and after each finalize), ms. */
const RETENTION_CHECK_MS = 10 * 60_000;

export class RecordingStore {
  private metas = new Map<string, RecordingMeta>();
  /** Bytes of every recording folder, kept current as live recordings write. */
  private totalBytes = 0;
  private finalizing: Promise<void> = Promise.resolve();
  /** Shutting down: finalizes still queued are left to the next start (finalizeOrphans), not run now. */
  private stopping = false;
  private retentionTimer: NodeJS.Timeout;

  private lastDiskCheckAt = -Infinity;

  constructor(
    private config: RelayConfig,
    private log: Logger,
    /** Why the data disk cannot take more (full, over the data quota), or null (health/disk.ts). */
    private diskProblem: () => string | null = () => null,
  ) {
    fs.mkdirSync(this.root, { recursive: true });
    for (const entry of fs.readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(this.root, entry.name);
      const meta = loadMeta(dir);
      if (!meta) {
        log.warn('recording folder without a readable recording.json; left alone', { folder: dir });
        continue;
      }
      this.metas.set(meta.id, meta);
      this.totalBytes += folderBytes(dir);
    }
    this.retentionTimer = setInterval(() => this.applyRetention(), RETENTION_CHECK_MS);
    this.retentionTimer.unref();
    this.applyRetention();
  }

  get root(): string {
    return path.join(this.config.dataDir, 'recordings');
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  get(id: string): RecordingMeta | undefined {
    return this.metas.get(id);
  }

  /** A key's recordings, newest first. */
  listForKey(keyId: string): RecordingMeta[] {
    return [...this.metas.values()].filter((m) => m.keyId === keyId).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Recordings left 'recording' by a killed relay whose broadcast is not coming back: finalized now. */
  finalizeOrphans(isLive: (streamId: string) => boolean): void {
    for (const m of this.metas.values()) {
      if ((m.state === 'recording' || m.state === 'finalizing') && !isLive(m.streamId)) {
        this.log.info('finalizing the recording of a broadcast that ended while the relay was down', { recording: m.id });
        void this.finalize(m.id);
      }
    }
  }

  /** Why a recording cannot start or go on (quota reached), or null. */
  quotaProblem(): string | null {
    const quota = this.config.recordingQuotaBytes;
    if (quota > 0 && this.totalBytes >= quota) {
      return `the recordings quota of ${quota >= 1e9 ? `${(quota / 1e9).toFixed(1)} GB` : `${(quota / 1e6).toFixed(1)} MB`} is reached (TABCAST_RECORDING_QUOTA_BYTES); delete recordings to record again`;
    }
    return null;
  }

  /** Counts bytes a live recording wrote; returns why it must stop now, or null. */
  wrote(bytes: number): string | null {
    this.totalBytes += bytes;
    const quota = this.quotaProblem();
    if (quota) return quota;
    // The disk check is a statfs: at most once a second, not per write.
    const now = performance.now();
    if (now - this.lastDiskCheckAt < 1_000) return null;
    this.lastDiskCheckAt = now;
    return this.diskProblem();
  }

  /** The recording of a broadcast: a new one, or the one a previous relay run started. */
  open(streamId: string, keyId: string, startedAt: Date): RecordingMeta {
    const existing = this.metas.get(streamId);
    if (existing) return existing;
    const meta: RecordingMeta = {
      id: streamId,
      streamId,
      keyId,
      startedAt: startedAt.toISOString(),
      endedAt: null,
      state: 'recording',
      stoppedReason: null,
      durationMs: 0,
      bytes: 0,
      gaps: [],
      error: null,
    };
    fs.mkdirSync(this.dir(meta.id), { recursive: true });
    this.save(meta);
    this.metas.set(meta.id, meta);
    return meta;
  }

  save(meta: RecordingMeta): void {
    try {
      saveMeta(this.dir(meta.id), meta);
    } catch (err) {
      this.log.warn('could not save the recording state', { recording: meta.id, error: (err as Error).message });
    }
  }

  /** Makes the MP4 (queued: one finalize at a time). Resolves once done or failed, never rejects. */
  finalize(id: string): Promise<void> {
    const job = this.finalizing.then(() => this.doFinalize(id));
    this.finalizing = job;
    return job;
  }

  private async doFinalize(id: string): Promise<void> {
    const meta = this.metas.get(id);
    if (this.stopping || !meta || meta.state === 'ready' || meta.state === 'failed') return;
    const dir = this.dir(id);
    const parts = partFiles(dir);
    if (parts.every((p) => fs.statSync(p, { throwIfNoEntry: false })?.size === 0)) {
      // A broadcast that ended before its first chunk: there is nothing to keep.
      this.log.info('nothing was recorded; the empty recording is removed', { recording: id });
      this.remove(meta);
      return;
    }
    meta.state = 'finalizing';
    meta.endedAt ??= new Date().toISOString();
    this.save(meta);
    const started = performance.now();
    try {
      const result = await finalizeRecording(parts, path.join(dir, MP4_FILE), this.config.ffmpegPath);
      Object.assign(meta, { state: 'ready', durationMs: result.durationMs, bytes: result.bytes, gaps: result.gaps, error: null });
      this.save(meta);
      const before = folderBytes(dir);
      for (const p of parts) fs.rmSync(p, { force: true });
      this.totalBytes -= before - folderBytes(dir);
      this.log.info('recording ready', { recording: id, durationMs: result.durationMs, bytes: result.bytes, gaps: result.gaps.length, tookMs: Math.round(performance.now() - started) });
    } catch (err) {
      if (err instanceof FinalizeInterrupted) {
        // Left 'finalizing': the next start finalizes it again (finalizeOrphans).
        this.log.warn('finalizing the recording was interrupted; it is finished at the next start', { recording: id, error: err.message });
        return;
      }
      // The parts stay: nothing is lost, and a later relay could try again.
      Object.assign(meta, { state: 'failed', error: (err as Error).message });
      this.save(meta);
      this.log.error('recording could not be finalized', { recording: id, error: (err as Error).message });
    }
    this.applyRetention();
  }

  /** Removes a recording. Refused while it is being recorded or finalized. */
  delete(id: string): 'deleted' | 'busy' | 'missing' {
    const meta = this.metas.get(id);
    if (!meta) return 'missing';
    if (meta.state === 'recording' || meta.state === 'finalizing') return 'busy';
    this.remove(meta);
    return 'deleted';
  }

  private remove(meta: RecordingMeta): void {
    const dir = this.dir(meta.id);
    this.totalBytes -= folderBytes(dir);
    this.metas.delete(meta.id);
    // recording.json first: a crash half-way leaves a folder the next start ignores, not a ghost.
    fs.rmSync(path.join(dir, META_FILE), { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Finished recordings older than the retention age go; then the oldest, while over the total size. */
  applyRetention(): void {
    const { recordingRetentionMs, recordingMaxTotalBytes } = this.config;
    const finished = [...this.metas.values()].filter((m) => m.state === 'ready' || m.state === 'failed').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    for (const m of finished) {
      const ageMs = Date.now() - Date.parse(m.endedAt ?? m.startedAt);
      const overTotal = recordingMaxTotalBytes > 0 && this.totalBytes > recordingMaxTotalBytes;
      if ((recordingRetentionMs > 0 && ageMs > recordingRetentionMs) || overTotal) {
        this.log.info('recording removed by retention', { recording: m.id, reason: overTotal ? 'total size' : 'age' });
        this.remove(m);
      }
    }
  }

  /** Waits for finalizing to finish (relay shutdown, tests). */
  async idle(): Promise<void> {
    await this.finalizing;
  }

  /** Relay shutdown: the finalize running now completes; those still queued wait for the next start. */
  stop(): void {
    this.stopping = true;
    clearInterval(this.retentionTimer);
  }
}
