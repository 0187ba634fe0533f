/**
 * The playlist players read (`index.m3u8`) is written by the relay, from the one FFmpeg writes
 * (`ffmpeg.m3u8`, never served). One stream spans several FFmpeg runs (restarts, codec changes,
 * resumes), and FFmpeg 5.1 gets two things wrong across them (issue 9, item 11):
 *
 * - it never writes #EXT-X-DISCONTINUITY-SEQUENCE, so once a discontinuity slides out of the window
 *   a strict player numbers the following segments wrongly. The relay counts the discontinuities
 *   that slid out and adds the tag (RFC 8216, 4.3.3.3);
 * - a run cut short leaves a segment that is never deleted. The relay deletes every segment more
 *   than `keepBehind` places before the window (FFmpeg's own hls_delete_threshold is 1).
 *
 * It also writes #EXT-X-ENDLIST when the stream really ends (FFmpeg runs with omit_endlist).
 * State survives a relay restart: it is read back from the relay's own index.m3u8.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FFMPEG_PLAYLIST_NAME } from '../ffmpeg/ffmpeg-args.ts';
import { throttledWarn } from '../util/log-throttle.ts';
import type { Logger } from '../util/logger.ts';

export const PLAYLIST_NAME = 'index.m3u8';
const SEGMENT_FILE = /^seg_(\d+)\.ts$/;

/** How often the FFmpeg playlist is checked besides file-change notifications, ms. */
const POLL_MS = 500;

interface Segment {
  uri: string;
  discontinuity: boolean;
}

interface Parsed {
  discontinuitySequence: number;
  segments: Segment[];
}

export function parseWindow(text: string): Parsed {
  const out: Parsed = { discontinuitySequence: 0, segments: [] };
  let disc = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) out.discontinuitySequence = Number(line.slice(30)) || 0;
    else if (line === '#EXT-X-DISCONTINUITY') disc = true;
    else if (line && !line.startsWith('#')) {
      out.segments.push({ uri: line, discontinuity: disc });
      disc = false;
    }
  }
  return out;
}

const indexOf = (uri: string) => Number(uri.match(/(\d+)\.ts$/)?.[1] ?? NaN);

export class HlsPlaylist {
  private discontinuitySequence = 0;
  private window: Segment[] = [];
  private lastSource: string | null = null;
  private watcher: fs.FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private ended = false;
  /** A full disk fails every attempt (each poll): a few lines a minute say so, not two a second. */
  private warnUpdate: (fields: Record<string, unknown>) => void;

  constructor(
    readonly dir: string,
    private log: Logger,
    /** Segments kept on disk before the window, for players still fetching them. */
    private keepBehind = 1,
  ) {
    this.warnUpdate = throttledWarn(log, 'could not update the playlist', 3, 60_000);
    const own = readText(this.path);
    if (own !== null) {
      const p = parseWindow(own);
      this.discontinuitySequence = p.discontinuitySequence;
      this.window = p.segments;
      // A folder from a relay that let FFmpeg write index.m3u8 itself: FFmpeg continues from it.
      if (!fs.existsSync(this.ffmpegPath)) {
        try {
          fs.writeFileSync(this.ffmpegPath, own.replace(/^#EXT-X-ENDLIST\s*$/m, ''));
        } catch (err) {
          log.warn('could not carry the playlist over for FFmpeg', { error: (err as Error).message });
        }
      }
    }
  }

  get path(): string {
    return path.join(this.dir, PLAYLIST_NAME);
  }

  get ffmpegPath(): string {
    return path.join(this.dir, FFMPEG_PLAYLIST_NAME);
  }

  /** Follows FFmpeg's playlist (file-change notifications, and a poll in case one is missed). */
  watch(): void {
    if (this.watcher || this.ended) return;
    try {
      this.watcher = fs.watch(this.dir, (_event, name) => {
        if (name === FFMPEG_PLAYLIST_NAME) this.sync();
      });
      this.watcher.on('error', () => undefined); // the folder went away; the poll stops with end()
    } catch {
      // no notifications on this filesystem: the poll does it
    }
    this.poll = setInterval(() => this.sync(), POLL_MS);
    this.poll.unref();
  }

  /** Publishes FFmpeg's latest playlist as index.m3u8 and deletes segments behind the window. Never throws. */
  sync(): void {
    if (this.ended) return;
    const source = readText(this.ffmpegPath);
    if (source === null || source === this.lastSource) return;
    try {
      this.publish(source, false);
      this.lastSource = source;
      this.deleteBehind();
    } catch (err) {
      this.warnUpdate({ error: (err as Error).message });
    }
  }

  /**
   * The stream ended: the last playlist with #EXT-X-ENDLIST. Returns false if there is no playlist;
   * throws (in words) if it cannot be written (a full disk).
   */
  end(): boolean {
    this.stopWatching();
    const source = readText(this.ffmpegPath) ?? this.lastSource;
    this.ended = true;
    if (source === null) {
      const own = readText(this.path);
      if (own === null) return false;
      if (!/^#EXT-X-ENDLIST\s*$/m.test(own)) writeReplace(this.path, own.replace(/\s*$/, '\n') + '#EXT-X-ENDLIST\n');
      return true;
    }
    this.publish(source, true);
    return true;
  }

  stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  private publish(source: string, ended: boolean): void {
    const next = parseWindow(source);
    const first = next.segments[0] ? indexOf(next.segments[0].uri) : Infinity;
    // Discontinuities before segments that have left the window since the last version.
    const slid = this.window.filter((s) => s.discontinuity && indexOf(s.uri) < first).length;
    this.discontinuitySequence += slid;
    this.window = this.window.filter((s) => indexOf(s.uri) >= first);
    const known = new Set(this.window.map((s) => s.uri));
    for (const s of next.segments) if (!known.has(s.uri)) this.window.push(s);
    const lines = source.replace(/\s*$/, '').split('\n').filter((l) => !l.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:') && l.trim() !== '#EXT-X-ENDLIST');
    const at = lines.findIndex((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE:'));
    lines.splice(at >= 0 ? at + 1 : Math.min(lines.length, 1), 0, `#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitySequence}`);
    if (ended) lines.push('#EXT-X-ENDLIST');
    writeReplace(this.path, lines.join('\n') + '\n');
  }

  private deleteBehind(): void {
    const first = this.window[0] ? indexOf(this.window[0].uri) : NaN;
    if (!Number.isFinite(first)) return;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = name.match(SEGMENT_FILE);
      if (m && Number(m[1]) < first - this.keepBehind) {
        fs.rm(path.join(this.dir, name), { force: true }, (err) => {
          if (err) this.log.warn('could not delete an old segment', { file: name, error: err.message });
        });
      }
    }
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Temp file + rename: a player never reads half a playlist. (No fsync: a live playlist is rewritten every segment.) */
function writeReplace(file: string, text: string): void {
  const tmp = `${file}.relay.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
