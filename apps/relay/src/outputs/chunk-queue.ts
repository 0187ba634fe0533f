/**
 * The bounded queue between a publisher's socket and a stream's output. Bounded in bytes; when a
 * chunk would overflow it, the whole backlog is dropped and video resumes at the next keyframe, so
 * what reaches FFmpeg never holds half a GOP that the next frames depend on.
 */
import type { MuxChunk } from '../mux/mkv-muxer.ts';

export type PushResult = 'queued' | 'dropped-backlog' | 'skipped-waiting-for-key';

export class ChunkQueue {
  private items: MuxChunk[] = [];
  private head = 0;
  bytes = 0;
  /** True until the next video keyframe: set at start, after an overflow and after a resume. */
  waitingForKey = true;
  droppedChunks = 0;
  droppedBytes = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly maxBytes: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(chunk: MuxChunk): PushResult {
    if (chunk.track === 'video') {
      if (this.waitingForKey && !chunk.key) return this.count('skipped-waiting-for-key', chunk);
      if (chunk.key) this.waitingForKey = false;
    }
    if (this.bytes + chunk.data.byteLength > this.maxBytes) {
      for (let i = this.head; i < this.items.length; i++) this.count('dropped-backlog', this.items[i]!);
      this.items = [];
      this.head = 0;
      this.bytes = 0;
      this.waitingForKey = true;
      // The chunk that overflowed goes too, unless it is itself a keyframe that starts a fresh GOP.
      if (!(chunk.track === 'video' && chunk.key) || chunk.data.byteLength > this.maxBytes) {
        this.count('dropped-backlog', chunk);
        return 'dropped-backlog';
      }
      this.waitingForKey = false;
      this.enqueue(chunk);
      return 'dropped-backlog';
    }
    this.enqueue(chunk);
    return 'queued';
  }

  /** Forces the next video chunk to be a keyframe (after a publisher reconnect). */
  resetToKeyframe(): void {
    this.waitingForKey = true;
  }

  shift(): MuxChunk | undefined {
    if (this.head >= this.items.length) return undefined;
    const chunk = this.items[this.head++]!;
    this.bytes -= chunk.data.byteLength;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return chunk;
  }

  /** Puts a chunk just taken back at the front (a new output run starts with it). */
  unshift(chunk: MuxChunk): void {
    if (this.head > 0) this.items[--this.head] = chunk;
    else this.items.unshift(chunk);
    this.bytes += chunk.data.byteLength;
    this.wake();
  }

  /** Resolves when there is something to shift (or immediately if there is). */
  whenNotEmpty(): Promise<void> {
    if (this.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes any waiter without data (used on shutdown). */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private enqueue(chunk: MuxChunk): void {
    this.items.push(chunk);
    this.bytes += chunk.data.byteLength;
    this.wake();
  }

  private count(result: PushResult, chunk: MuxChunk): PushResult {
    this.droppedChunks++;
    this.droppedBytes += chunk.data.byteLength;
    return result;
  }
}
