/**
 * A recording's identity and state, in `recording.json` beside its files, written durably: it is
 * what lets a relay killed mid-broadcast carry on with the same recording after its restart.
 * A recording's id is its broadcast's stream id (one recording per broadcast).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';

/**
 * 'recording': live (or its relay was killed; finalized when its broadcast ends or on the next
 * start); 'finalizing'; 'ready': the MP4 is there; 'failed': it could not be made (reason in `error`).
 */
export type RecordingState = 'recording' | 'finalizing' | 'ready' | 'failed';

/** A hole in the recording's video that nothing filled (neither live nor backfill). */
export interface RecordingGap {
  /** Where in the recording it starts, ms. */
  atMs: number;
  durationMs: number;
}

export interface RecordingMeta {
  id: string;
  streamId: string;
  keyId: string;
  startedAt: string;
  endedAt: string | null;
  state: RecordingState;
  /** Why recording stopped before the broadcast ended (quota, disk), in words; else null. */
  stoppedReason: string | null;
  durationMs: number;
  /** Size of the finished MP4 (or of the live parts while recording). */
  bytes: number;
  gaps: RecordingGap[];
  error: string | null;
}

export const META_FILE = 'recording.json';
export const MP4_FILE = 'recording.mp4';
/** Live parts: one per relay run of the broadcast (`part-0001.log`, …). */
export const PART_PATTERN = /^part-(\d{4,})\.log$/;

export function saveMeta(dir: string, meta: RecordingMeta): void {
  writeFileAtomic(path.join(dir, META_FILE), JSON.stringify(meta));
}

export function loadMeta(dir: string): RecordingMeta | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')) as RecordingMeta;
    return typeof m.id === 'string' && m.id === path.basename(dir) && typeof m.keyId === 'string' ? m : null;
  } catch {
    return null;
  }
}

export function partFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => PART_PATTERN.test(f)).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** The next part file of a recording (a new relay run never appends to a part a crash may have torn). */
export function nextPartFile(dir: string): string {
  const last = partFiles(dir).at(-1);
  const n = last ? Number(path.basename(last).match(PART_PATTERN)![1]) + 1 : 1;
  return path.join(dir, `part-${String(n).padStart(4, '0')}.log`);
}

/** Bytes of every file in a folder (not recursive: a recording folder is flat). */
export function folderBytes(dir: string): number {
  let total = 0;
  try {
    for (const f of fs.readdirSync(dir)) {
      try {
        total += fs.statSync(path.join(dir, f)).size;
      } catch {
        // removed meanwhile
      }
    }
  } catch {
    // no folder
  }
  return total;
}
