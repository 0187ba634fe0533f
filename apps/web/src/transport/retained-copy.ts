/**
 * The studio's copy of what the relay has not yet recorded (protocol 3): every encoded chunk, sent
 * or not (a chunk the socket refused, a delta skipped while waiting for a keyframe, a whole outage),
 * until the relay's `ack` says the connection that sent it has it on disk. After a resume, what is
 * left goes back as backfill. Held in memory, bounded in media time (`retainMs`, the oldest go
 * first) and, as a guard, in bytes. OPFS is not used yet: a reload of the studio loses the copy
 * (and with it the stream id, so there is nothing to resume then anyway).
 */
import type { ChunkMessage } from '@tabcast/shared';

interface Entry {
  msg: ChunkMessage;
  /** The connection that sent it and its number there (counted from 1), or null: not sent yet. */
  sentOn: number | null;
  number: number;
}

export interface RetainedCopyOptions {
  /** Media time kept at most, ms: the bound the studio's setting gives (minutes). */
  retainMs: number;
  /** Bytes kept at most, whatever the time. */
  maxBytes: number;
}

export class RetainedCopy {
  /** By `${track}:${seq}`, in the order produced (Map keeps insertion order). */
  private entries = new Map<string, Entry>();
  private bytes = 0;
  /** Chunks that fell out of the bound before the relay had them: holes the recording will show. */
  dropped = 0;
  enabled = true;

  constructor(private o: RetainedCopyOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get retainedBytes(): number {
    return this.bytes;
  }

  /** Every encoded chunk with a seq, whether it is sent or not. */
  keep(msg: ChunkMessage): void {
    if (!this.enabled || msg.seq === undefined) return;
    this.entries.set(`${msg.track}:${msg.seq}`, { msg, sentOn: null, number: 0 });
    this.bytes += msg.data.byteLength;
    const newest = msg.timestampUs;
    for (const [k, e] of this.entries) {
      if (newest - e.msg.timestampUs <= this.o.retainMs * 1000 && this.bytes <= this.o.maxBytes) break;
      this.remove(k, e);
      this.dropped++;
    }
  }

  /** `msg` went out as chunk number `number` of connection `connection`. */
  sent(msg: ChunkMessage, connection: number, number: number): void {
    const e = this.entries.get(`${msg.track}:${msg.seq}`);
    if (e) {
      e.sentOn = connection;
      e.number = number;
    }
  }

  /** The relay has the first `chunks` chunks of `connection` on disk. */
  ack(connection: number, chunks: number): void {
    for (const [k, e] of this.entries) if (e.sentOn === connection && e.number <= chunks) this.remove(k, e);
  }

  /** What `connection` (just resumed) has not sent and the relay has not acknowledged: to backfill, oldest first. */
  pending(connection: number): ChunkMessage[] {
    return [...this.entries.values()].filter((e) => e.sentOn !== connection).map((e) => e.msg);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(k: string, e: Entry): void {
    this.entries.delete(k);
    this.bytes -= e.msg.data.byteLength;
  }
}
