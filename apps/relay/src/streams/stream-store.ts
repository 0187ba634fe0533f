/**
 * What survives a relay restart: each stream's identity and state, in `stream.json` beside its HLS
 * files. A stream that was live when the relay stopped can be resumed by its publisher afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';

export type PersistedState = 'live' | 'drained' | 'ended';

export interface PersistedStream {
  id: string;
  keyId: string;
  hasAudio: boolean;
  startedAt: string;
  endedAt: string | null;
  /** 'drained': ended by a relay shutdown; resumable by its publisher once the relay is back. */
  state: PersistedState;
}

const FILE = 'stream.json';

/** Written durably (temp file, fsync, rename, fsync of the folder). */
export function saveStream(outDir: string, s: PersistedStream): void {
  writeFileAtomic(path.join(outDir, FILE), JSON.stringify(s));
}

export interface LoadedStreams {
  streams: PersistedStream[];
  /** Folders under the HLS root without a readable stream.json: what went wrong, and when the folder last changed. */
  unreadable: { dir: string; error: string; mtimeMs: number }[];
}

export function loadStreams(hlsRoot: string): LoadedStreams {
  const out: LoadedStreams = { streams: [], unreadable: [] };
  let dirs: fs.Dirent[];
  try {
    dirs = fs.readdirSync(hlsRoot, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of dirs) {
    if (!entry.isDirectory()) continue;
    const dir = entry.name;
    try {
      const s = JSON.parse(fs.readFileSync(path.join(hlsRoot, dir, FILE), 'utf8')) as PersistedStream;
      if (s.id !== dir || typeof s.keyId !== 'string') throw new Error(`${FILE} does not describe stream ${dir}`);
      out.streams.push(s);
    } catch (err) {
      let mtimeMs = Date.now();
      try {
        mtimeMs = fs.statSync(path.join(hlsRoot, dir)).mtimeMs;
      } catch {
        // gone meanwhile
      }
      out.unreadable.push({ dir, error: (err as Error).message, mtimeMs });
    }
  }
  return out;
}
