/** All streams of this relay, live and recently ended, with change notifications. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StreamInfo } from '@tabcast/shared';
import type { RelayConfig } from '../config/config.ts';
import type { Spawner } from '../ffmpeg/ffmpeg-process.ts';
import type { Logger } from '../util/logger.ts';
import type { RecordingStore } from '../recording/recording-store.ts';
import { StreamRecording } from '../recording/stream-recording.ts';
import { StreamSession, type SessionDeps } from './stream-session.ts';
import { loadStreams, type PersistedStream } from './stream-store.ts';

const ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * 22 characters from an alphabet without look-alikes or punctuation (22 × log2 57 ≈ 128 bits): the
 * id is what a viewer needs to watch, so an unlisted stream must not be guessable.
 */
export const STREAM_ID_LENGTH = 22;
export function newStreamId(): string {
  const bytes = randomBytes(48);
  let id = '';
  for (const b of bytes) {
    if (b >= 228) continue; // 228 = 4 × 57: keep the choice uniform
    id += ID_ALPHABET[b % ID_ALPHABET.length];
    if (id.length === STREAM_ID_LENGTH) return id;
  }
  return newStreamId();
}

export type StreamListener = (info: StreamInfo) => void;

export class StreamRegistry {
  private sessions = new Map<string, StreamSession>();
  /**
   * Streams their publisher asked to list (hello `listed: true`). Not persisted: a stream restored
   * after a relay restart is unlisted until it ends (the safe side).
   */
  private listedIds = new Set<string>();
  private listeners = new Set<StreamListener>();
  private cleanupTimers = new Set<NodeJS.Timeout>();

  constructor(
    private config: RelayConfig,
    private log: Logger,
    private resolveStoredDestination: SessionDeps['resolveStoredDestination'],
    private spawner?: Spawner,
    /** Why the disk cannot take a stream now, or null (see health/disk.ts). */
    private diskProblem?: () => string | null,
    /** Where broadcasts are recorded; none: not recorded. */
    private recordings?: RecordingStore,
  ) {
    fs.mkdirSync(this.hlsRoot, { recursive: true });
    this.restore();
    // Recordings a killed relay left whose broadcast is not waiting for a resume: finished now.
    this.recordings?.finalizeOrphans((id) => this.sessions.get(id)?.state === 'live');
  }

  /**
   * Brings back the streams of a previous run of the relay: ones that were live (or drained by a
   * shutdown) wait `reconnectGraceMs` for their publisher to resume; ended ones stay listed until
   * their retention runs out.
   */
  private restore(): void {
    const { streams, unreadable } = loadStreams(this.hlsRoot);
    // A folder whose stream.json is missing or unreadable (a crash mid-write on an old relay, a
    // full disk) is no stream the relay can serve: it goes once retention has passed since it last changed.
    for (const u of unreadable) {
      const afterMs = this.config.endedRetentionMs - (Date.now() - u.mtimeMs);
      this.log.warn('stream folder without a readable stream.json; removing it after retention', { folder: u.dir, error: u.error, inMs: Math.max(0, Math.round(afterMs)) });
      this.scheduleRemoval(path.join(this.hlsRoot, u.dir), afterMs);
    }
    for (const saved of streams) {
      const endedAgo = saved.endedAt ? Date.now() - Date.parse(saved.endedAt) : 0;
      if (saved.state === 'ended' && endedAgo > this.config.endedRetentionMs) {
        fs.rm(path.join(this.hlsRoot, saved.id), { recursive: true, force: true }, () => undefined);
        continue;
      }
      const session = this.build(saved.id, saved.keyId, saved.hasAudio, saved);
      if (session.state === 'ended') this.scheduleCleanup(session, this.config.endedRetentionMs - endedAgo);
      else this.log.info('restored stream; waiting for its publisher to resume', { stream: saved.id });
    }
  }

  /**
   * The recording a new stream gets: none when the relay or its studio turned recording off, or the
   * quota is reached (then the reason, for the studio). A restored stream goes on with the recording
   * its previous run started, if any.
   */
  private recordingFor(id: string, keyId: string, restored: PersistedStream | undefined, wanted: boolean): { recording: StreamRecording | null; recordingOffReason: string | null } {
    const store = this.recordings;
    const none = { recording: null, recordingOffReason: null };
    if (!store || restored?.state === 'ended') return none;
    const log = this.log.child({ stream: id });
    if (restored) {
      const meta = store.get(id);
      return meta?.state === 'recording' ? { recording: new StreamRecording(store, meta, this.config, log), recordingOffReason: null } : none;
    }
    if (!this.config.recordingEnabled || !wanted) return none;
    const quota = store.quotaProblem();
    if (quota) {
      log.warn('broadcast not recorded', { reason: quota });
      return { recording: null, recordingOffReason: quota };
    }
    return { recording: new StreamRecording(store, store.open(id, keyId, new Date()), this.config, log), recordingOffReason: null };
  }

  private build(id: string, keyId: string, hasAudio: boolean, restored?: PersistedStream, record = false): StreamSession {
    const session = new StreamSession(
      id,
      keyId,
      path.join(this.hlsRoot, id),
      hasAudio,
      {
        config: this.config,
        log: this.log.child({ stream: id }),
        ...(this.spawner ? { spawner: this.spawner } : {}),
        onChange: (s) => this.changed(s),
        ...(this.diskProblem ? { diskProblem: this.diskProblem } : {}),
        resolveStoredDestination: this.resolveStoredDestination,
        ...this.recordingFor(id, keyId, restored, record),
      },
      restored,
    );
    this.sessions.set(id, session);
    return session;
  }

  get hlsRoot(): string {
    return path.join(this.config.dataDir, 'hls');
  }

  /** Subscribes to stream changes; returns the unsubscribe function. */
  on(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  create(keyId: string, hasAudio: boolean, listed = false, record = true): StreamSession {
    const id = newStreamId();
    if (listed) this.listedIds.add(id);
    const session = this.build(id, keyId, hasAudio, undefined, record);
    this.log.info('stream created', { stream: id, keyId, listed });
    return session;
  }

  get(id: string): StreamSession | undefined {
    return this.sessions.get(id);
  }

  /** The live (not ended) streams published with this key, oldest first. */
  liveForKey(keyId: string): StreamSession[] {
    return [...this.sessions.values()].filter((s) => s.keyId === keyId && s.state !== 'ended');
  }

  /** Whether its publisher asked for this stream to be listed. */
  isListed(id: string): boolean {
    return this.listedIds.has(id);
  }

  /** Whether anyone may see this stream in a listing: listed and not over. */
  isPublic(session: StreamSession): boolean {
    return this.listedIds.has(session.id) && session.state !== 'ended';
  }

  /** The public listing (listed streams not ended), or with `all` every stream (operators). */
  list(o: { all?: boolean } = {}): StreamInfo[] {
    return [...this.sessions.values()].filter((s) => o.all || this.isPublic(s)).map((s) => s.info());
  }

  live(): StreamSession[] {
    return [...this.sessions.values()].filter((s) => s.state !== 'ended');
  }

  private changed(session: StreamSession): void {
    const info = session.info();
    for (const l of this.listeners) l(info);
    if (session.state === 'ended') {
      // A stream that never produced a playlist (refused or empty publisher) has nothing to keep.
      const hasOutput = fs.existsSync(session.playlistPath);
      this.scheduleCleanup(session, hasOutput ? this.config.endedRetentionMs : 0);
    }
  }

  /** Ended streams stay listed (and their HLS served) for endedRetentionMs, then go. */
  private scheduleCleanup(session: StreamSession, afterMs: number): void {
    this.scheduleRemoval(session.outDir, afterMs, () => {
      this.sessions.delete(session.id);
      this.listedIds.delete(session.id);
    });
  }

  private scheduleRemoval(dir: string, afterMs: number, then?: () => void): void {
    const timer = setTimeout(() => {
      this.cleanupTimers.delete(timer);
      then?.();
      fs.rm(dir, { recursive: true, force: true }, (err) => {
        if (err) this.log.warn('could not remove a stream folder', { folder: dir, error: err.message });
      });
    }, Math.max(0, afterMs));
    timer.unref();
    this.cleanupTimers.add(timer);
  }

  /** Ends every live stream (playlists get #EXT-X-ENDLIST, FFmpeg exits). */
  async endAll(reason: string): Promise<void> {
    await Promise.all(this.live().map((s) => s.end(reason, 'server-shutdown')));
    for (const t of this.cleanupTimers) clearTimeout(t);
  }

  killAll(): void {
    for (const s of this.sessions.values()) s.kill();
  }
}
