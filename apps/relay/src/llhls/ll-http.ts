/**
 * Serves one stream's LL-HLS files from memory, with blocking playlist reload (RFC 8216bis 6.2.5.2):
 * `ll.m3u8?_HLS_msn=M&_HLS_part=P` is answered as soon as part P of segment M (or anything later)
 * exists, and a request for the preload-hinted part waits until that part exists.
 *
 * Every held request counts against one relay-wide bound (`maxHeld`); past it the answer is 503 at
 * once, so thousands of hostile blocking requests cost a socket each, never a growing queue. A
 * held request is answered 503 after `holdLimitMs` (the spec's bound is 3 target durations).
 *
 * Caching: parts, segments and init segments never change (a year, immutable); the plain playlist
 * may be held a second by a CDN; a blocking answer is private (no shared cache may keep it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LlMedia, LlPart } from './ll-media.ts';
import { LL_FILE_PATTERN, renderPlaylist } from './ll-playlist.ts';

export interface LlHttpOptions {
  /** Blocking requests (playlist reloads and hinted parts) held at once, relay-wide. */
  maxHeld: number;
  /** Longest a blocking request is held before a 503, ms. */
  holdLimitMs: number;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** `_HLS_msn` may be at most this far past the last segment (the spec's 400 otherwise). */
const MSN_AHEAD_LIMIT = 2;

export class LlHttp {
  /** Requests held right now (all streams). */
  held = 0;
  /** Requests refused because `maxHeld` were already held. */
  refused = 0;

  constructor(private o: LlHttpOptions) {}

  /** Handles `file` (an LL-HLS name, see LL_FILE_PATTERN); returns false if it is not one. */
  serve(media: LlMedia, file: string, req: IncomingMessage, res: ServerResponse): boolean {
    const m = LL_FILE_PATTERN.exec(file);
    if (!m) return false;
    const [, init, partMsn, partIndex, segMsn] = m;
    if (init !== undefined) {
      const bytes = media.init(Number(init));
      bytes ? send(req, res, 'video/mp4', IMMUTABLE, bytes) : plain(res, 404, 'init segment not found');
    } else if (segMsn !== undefined) {
      const s = media.segment(Number(segMsn));
      s?.bytes ? send(req, res, 'video/mp4', IMMUTABLE, s.bytes) : plain(res, 404, 'segment not found');
    } else if (partMsn !== undefined) this.servePart(media, Number(partMsn), Number(partIndex), req, res);
    else this.servePlaylist(media, req, res);
    return true;
  }

  private servePlaylist(media: LlMedia, req: IncomingMessage, res: ServerResponse): void {
    const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const msnRaw = q.get('_HLS_msn');
    const partRaw = q.get('_HLS_part');
    if (msnRaw === null && partRaw === null) return sendPlaylist(media, req, res, 'public, max-age=1');
    if (msnRaw === null) return plain(res, 400, '_HLS_part needs _HLS_msn');
    const msn = wholeNumber(msnRaw);
    const part = partRaw === null ? null : wholeNumber(partRaw);
    if (msn === null || (partRaw !== null && part === null)) return plain(res, 400, '_HLS_msn and _HLS_part must be whole numbers, 0 or more');
    const last = media.nextPartName.msn;
    if (!media.ended && msn > last + MSN_AHEAD_LIMIT) return plain(res, 400, `_HLS_msn ${msn} is more than ${MSN_AHEAD_LIMIT} segments past the last one (${last})`);
    this.hold(media, res, () => media.has(msn, part), () => sendPlaylist(media, req, res, 'private, no-store'));
  }

  private servePart(media: LlMedia, msn: number, index: number, req: IncomingMessage, res: ServerResponse): void {
    const found = media.part(msn, index);
    if (found) return send(req, res, 'video/mp4', IMMUTABLE, found.bytes);
    const hint = media.nextPartName;
    if (media.ended || hint.msn !== msn || hint.index !== index) return plain(res, 404, 'part not found');
    // The hinted part. The segment may still be cut before it, so it may come as part 0 of the
    // next segment: whichever part follows the last one now is the one the client was promised.
    const before = media.lastPart;
    let next: LlPart | undefined;
    const arrived = () => (next = media.part(msn, index) ?? after(media, before)) !== undefined || media.ended;
    this.hold(media, res, arrived, () => (next ? send(req, res, 'video/mp4', IMMUTABLE, next.bytes) : plain(res, 404, 'part not found')));
  }

  /** Answers with `answer` once `ready()`, or 503 after holdLimitMs / when too many are held. */
  private hold(media: LlMedia, res: ServerResponse, ready: () => boolean, answer: () => void): void {
    if (ready()) return answer();
    if (this.held >= this.o.maxHeld) {
      this.refused++;
      return plain(res, 503, 'too many blocking requests held; try again', { 'retry-after': '1' });
    }
    this.held++;
    let waiting = true;
    const done = () => {
      if (!waiting) return false;
      waiting = false;
      this.held--;
      unsubscribe();
      clearTimeout(timer);
      res.off('close', gone);
      return true;
    };
    const unsubscribe = media.subscribe(() => {
      if (ready() && done()) answer();
    });
    const gone = () => void done();
    const timer = setTimeout(() => {
      if (done()) plain(res, 503, 'the requested part did not appear in time', { 'retry-after': '1' });
    }, this.o.holdLimitMs);
    res.on('close', gone);
  }
}

/** The first part after `before` (or the first part at all), if there is one yet. */
function after(media: LlMedia, before: LlPart | null): LlPart | undefined {
  if (!before) return media.segments.find((s) => s.parts.length)?.parts[0];
  return media.part(before.msn, before.index + 1) ?? media.part(before.msn + 1, 0);
}

/** A whole number ≥ 0 written in digits (a sign, a fraction or junk is null). */
function wholeNumber(raw: string): number | null {
  if (!/^\d{1,9}$/.test(raw)) return null;
  return Number(raw);
}

function sendPlaylist(media: LlMedia, req: IncomingMessage, res: ServerResponse, cacheControl: string): void {
  send(req, res, 'application/vnd.apple.mpegurl', cacheControl, Buffer.from(renderPlaylist(media)));
}

function send(req: IncomingMessage, res: ServerResponse, type: string, cacheControl: string, body: Buffer): void {
  if (res.destroyed) return;
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': cacheControl, 'access-control-allow-origin': '*' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'access-control-allow-origin': '*', ...extra });
  res.end(text + '\n');
}
