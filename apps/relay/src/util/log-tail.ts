/**
 * The relay's recent log lines, for the dashboard's live tail (SSE): every line the logger writes
 * is pushed here as well, kept in a small ring and handed to subscribers. One per process, like
 * the logger's output stream.
 */
export type TailLevel = 'debug' | 'info' | 'warn' | 'error';
export const TAIL_LEVELS: readonly TailLevel[] = ['debug', 'info', 'warn', 'error'];

export interface TailLine {
  level: TailLevel;
  /** The JSON line exactly as the logger wrote it. */
  line: string;
}

/** Lines kept for a subscriber who joins late. */
const RING_SIZE = 200;

export class LogTail {
  private ring: TailLine[] = [];
  private listeners = new Set<(l: TailLine) => void>();

  push(line: string, level: TailLevel): void {
    const entry = { level, line };
    this.ring.push(entry);
    if (this.ring.length > RING_SIZE) this.ring.shift();
    for (const l of this.listeners) l(entry);
  }

  recent(): readonly TailLine[] {
    return this.ring;
  }

  /** Subscribes to new lines; returns the unsubscribe function. */
  on(listener: (l: TailLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const logTail = new LogTail();
