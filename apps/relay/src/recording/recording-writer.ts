/**
 * Writes one broadcast's chunks into its recording while it is live, off the chunk path: `push()`
 * only queues and never waits, so a slow recording disk cannot delay real-time viewers or HLS.
 * The queue is bounded in time (how long its oldest chunk has waited) and in bytes; past either
 * bound new chunks are dropped and counted, and the recording shows a gap there (finalize.ts).
 * Writes go out in batches; every `ackIntervalMs` the file is fsynced and the publisher is told how
 * many of the chunks its connection sent are durable (protocol 3 `ack`).
 */
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../util/logger.ts';
import { encodeRecord, type ChunkHeader } from './chunk-log.ts';

/** What the writer needs of an open file (a FileHandle; tests give a slow one). */
export type RecordingFile = Pick<FileHandle, 'write' | 'datasync' | 'close'>;

export interface RecordingWriterOptions {
  /** A chunk that waited this long in the queue means the disk is behind: new ones are dropped, ms. */
  maxQueueMs: number;
  maxQueueBytes: number;
  ackIntervalMs: number;
  /** Opens the part file; default: a new file ('wx'), its folder made first. */
  open?: (file: string) => Promise<RecordingFile>;
}

async function openPart(file: string): Promise<RecordingFile> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  // 'wx': a part file is never written twice (a new relay run starts a new part).
  return fsp.open(file, 'wx');
}

export interface RecordingWriterEvents {
  /** `chunks`: how many chunk messages of connection `connection` are durable (or given up as a gap). */
  ack(connection: number, chunks: number): void;
  /** Bytes appended (for the quota); returns a reason to stop recording, or null to go on. */
  wrote(bytes: number): string | null;
  /** The writer stopped for good (quota, disk error), with the reason in words. */
  stopped(reason: string): void;
}

interface Pending {
  bytes: Buffer;
  connection: number;
  /** The chunk's number on its connection (1-based). */
  number: number;
  queuedAt: number;
}

export type WriterState = 'open' | 'stopped' | 'closed';

export class RecordingWriter {
  state: WriterState = 'open';
  /** Chunks dropped because the disk was behind. */
  dropped = 0;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | null = null;
  private fh: Promise<RecordingFile>;
  /** Highest chunk number written (not yet synced) and synced, of the latest connection. */
  private written = { connection: 0, number: 0 };
  private acked = { connection: 0, number: 0 };
  private timer: NodeJS.Timeout;
  private syncing = false;
  /** A chunk dropped while a batch was being written: acknowledged once that batch is on disk. */
  private dropAfterWrite: { connection: number; number: number } | null = null;

  constructor(
    readonly file: string,
    private o: RecordingWriterOptions,
    private log: Logger,
    private events: RecordingWriterEvents,
  ) {
    this.fh = (o.open ?? openPart)(file);
    this.fh.catch((err: Error) => this.stop(`the recording file could not be opened: ${err.message}`));
    this.timer = setInterval(() => void this.sync(), o.ackIntervalMs);
    this.timer.unref();
  }

  /** Queues one chunk; never waits. `number` counts the chunk messages of `connection` from 1. */
  push(header: ChunkHeader, data: Uint8Array, connection: number, number: number): void {
    if (this.state !== 'open') return;
    const now = performance.now();
    const oldest = this.queue[0];
    if ((oldest && now - oldest.queuedAt > this.o.maxQueueMs) || this.queuedBytes > this.o.maxQueueBytes) {
      // Given up: acknowledged like a written one (the studio cannot help a slow relay disk), and
      // its missing seq is the gap finalize marks.
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 100 === 0) this.log.warn('the recording disk is behind; chunks are dropped from the recording (a gap)', { dropped: this.dropped });
      // Never acknowledged ahead of chunks still waiting to be written: the drop rides on the last
      // of them, or on the batch being written.
      const last = this.queue.at(-1);
      if (last) Object.assign(last, { connection, number });
      else if (this.writing) this.dropAfterWrite = { connection, number };
      else this.markWritten(connection, number);
      return;
    }
    const bytes = encodeRecord(header, data);
    this.queue.push({ bytes, connection, number, queuedAt: now });
    this.queuedBytes += bytes.byteLength;
    this.writing ??= this.drain().finally(() => (this.writing = null));
  }

  private markWritten(connection: number, number: number): void {
    if (connection > this.written.connection || (connection === this.written.connection && number > this.written.number)) this.written = { connection, number };
  }

  private async drain(): Promise<void> {
    const fh = await this.fh.catch(() => null);
    while (this.queue.length && fh && this.state === 'open') {
      const batch = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      const bytes = Buffer.concat(batch.map((p) => p.bytes));
      try {
        await fh.write(bytes);
      } catch (err) {
        this.stop(`writing the recording failed: ${(err as Error).message}`);
        return;
      }
      const last = batch[batch.length - 1]!;
      this.markWritten(last.connection, last.number);
      if (this.dropAfterWrite) this.markWritten(this.dropAfterWrite.connection, this.dropAfterWrite.number);
      this.dropAfterWrite = null;
      const problem = this.events.wrote(bytes.byteLength);
      if (problem) this.stop(problem);
    }
  }

  /** fsync what was written, then acknowledge it. Runs on a timer, never per chunk. */
  private async sync(): Promise<void> {
    if (this.syncing || this.state === 'closed') return;
    const upTo = this.written;
    if (upTo.connection === this.acked.connection && upTo.number === this.acked.number) return;
    this.syncing = true;
    try {
      const fh = await this.fh;
      await fh.datasync();
      this.acked = upTo;
      this.events.ack(upTo.connection, upTo.number);
    } catch (err) {
      this.log.warn('could not fsync the recording', { error: (err as Error).message });
    } finally {
      this.syncing = false;
    }
  }

  /** Stops recording for good (the broadcast goes on). */
  stop(reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'stopped';
    this.queue = [];
    this.queuedBytes = 0;
    this.events.stopped(reason);
  }

  /** Writes what is queued, syncs and closes the file. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'open') await this.writing;
    clearInterval(this.timer);
    await this.sync();
    this.state = 'closed';
    const fh = await this.fh.catch(() => null);
    await fh?.close().catch(() => undefined);
  }
}
