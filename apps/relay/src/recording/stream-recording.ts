/**
 * The recording side of one live stream: counts the chunk messages of each publisher connection,
 * hands every accepted chunk (live or backfill) to the {@link RecordingWriter}, turns its acks into
 * the protocol's `ack`, and says in words when recording stops before the broadcast does.
 */
import type { ChunkMessage, RelayMessage } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import type { Logger } from '../util/logger.ts';
import { nextPartFile, type RecordingMeta } from './recording-meta.ts';
import type { RecordingStore } from './recording-store.ts';
import { RecordingWriter } from './recording-writer.ts';

export class StreamRecording {
  private writer: RecordingWriter;
  private connection = 0;
  private chunks = 0;
  private send: ((m: RelayMessage) => void) | null = null;

  constructor(
    private store: RecordingStore,
    readonly meta: RecordingMeta,
    config: RelayConfig,
    private log: Logger,
  ) {
    const dir = store.dir(meta.id);
    this.writer = new RecordingWriter(
      nextPartFile(dir),
      { maxQueueMs: config.recordingMaxQueueMs, maxQueueBytes: config.maxQueueBytes, ackIntervalMs: config.recordingAckIntervalMs },
      log.child({ output: 'recording' }),
      {
        ack: (connection, chunks) => {
          if (connection === this.connection) this.send?.({ type: 'ack', chunks });
        },
        wrote: (bytes) => store.wrote(bytes),
        stopped: (reason) => {
          meta.stoppedReason = reason;
          store.save(meta);
          log.warn('recording stopped; the broadcast goes on', { reason });
          this.send?.({ type: 'recording-status', recording: false, reason: `recording stopped (the broadcast goes on): ${reason}`.slice(0, 500) });
        },
      },
    );
  }

  /** Whether chunks are still being recorded (not stopped by the quota or a disk error). */
  get active(): boolean {
    return this.writer.state === 'open';
  }

  /** Why recording stopped, or null. */
  get stoppedReason(): string | null {
    return this.meta.stoppedReason;
  }

  /** A publisher (re)connected: its chunks are counted from 1 again; acks go to it. */
  newConnection(send: (m: RelayMessage) => void): void {
    this.connection++;
    this.chunks = 0;
    this.send = send;
  }

  /** One chunk accepted from the publisher (live or backfill). Never waits. */
  chunk(msg: ChunkMessage): void {
    this.chunks++;
    this.writer.push(
      {
        track: msg.track,
        ...(msg.seq !== undefined ? { seq: msg.seq } : {}),
        timestampUs: msg.timestampUs,
        durationUs: msg.durationUs,
        key: msg.key,
        ...(msg.backfill ? { backfill: true } : {}),
        ...(msg.config ? { config: msg.config } : {}),
      },
      msg.data,
      this.connection,
      this.chunks,
    );
  }

  /** The stream ended: write out, close the part, finalize the MP4 (in the background). */
  async end(): Promise<void> {
    this.send = null;
    await this.writer.close();
    this.meta.endedAt = new Date().toISOString();
    void this.store.finalize(this.meta.id);
  }

  /** The relay is going down without ending the stream (it may be resumed): close the part only. */
  async suspend(): Promise<void> {
    this.send = null;
    await this.writer.close();
  }
}
