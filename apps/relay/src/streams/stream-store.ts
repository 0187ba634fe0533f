/**
 * What survives a relay restart: each stream's identity and state, in `stream.json` beside its HLS
 * files. A stream that was live when the relay stopped can be resumed by its publisher afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';

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

export function saveStream(outDir: string, s: PersistedStream): void {
  const file = path.join(outDir, FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s));
  fs.renameSync(tmp, file);
}

export function loadStreams(hlsRoot: string): PersistedStream[] {
  const out: PersistedStream[] = [];
  let dirs: string[];
  try {
    dirs = fs.readdirSync(hlsRoot);
  } catch {
    return out;
  }
  for (const dir of dirs) {
    try {
      const s = JSON.parse(fs.readFileSync(path.join(hlsRoot, dir, FILE), 'utf8')) as PersistedStream;
      if (s.id === dir && typeof s.keyId === 'string') out.push(s);
    } catch {
      // Not a stream folder (or a half-written one): leave it alone.
    }
  }
  return out;
}
