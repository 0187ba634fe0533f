/**
 * The recordings over HTTP.
 *   GET    /api/recordings               → RecordingInfo[] of the stream key (Authorization: Bearer <key>)
 *   DELETE /api/recordings/<id>          → 204 (409 while still recording or finalizing)
 *   GET    /api/recordings/<id>/file     → the MP4, with Range; the key as Bearer, or the `t` token
 *                                          of the `url` the listing gave (a plain link can download)
 *   GET    /vod/<id>.mp4                 → the MP4 of an ended broadcast by its stream id, with
 *                                          Range: what /watch/<id> plays (whoever had the watch link)
 * Someone else's recording is "no such recording" (404), as is a malformed id: the id pattern
 * leaves no room for a path, and files are only ever `<root>/<id>/recording.mp4`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { STREAM_ID_PATTERN, TabcastError, type RecordingInfo } from '@tabcast/shared';
import type { AuthGate } from '../keys/auth-gate.ts';
import { parseRange, sendFile } from '../http/send-file.ts';
import { MP4_FILE, type RecordingMeta } from './recording-meta.ts';
import type { RecordingStore } from './recording-store.ts';

/** How long a download `url` from the listing works, ms. */
const DOWNLOAD_TOKEN_MS = 6 * 3_600_000;
/** Per relay run: tokens of a previous run stop working (list again). */
const TOKEN_SECRET = randomBytes(32);

function token(id: string, expiresAt: number): string {
  return `${expiresAt}.${createHmac('sha256', TOKEN_SECRET).update(`${id}.${expiresAt}`).digest('base64url')}`;
}

function tokenValid(id: string, t: string | null): boolean {
  const expiresAt = Number(t?.split('.')[0]);
  if (!t || !Number.isSafeInteger(expiresAt) || expiresAt < Date.now()) return false;
  const want = Buffer.from(token(id, expiresAt));
  const got = Buffer.from(t);
  return want.length === got.length && timingSafeEqual(want, got);
}

export function recordingInfo(m: RecordingMeta): RecordingInfo {
  return {
    id: m.id,
    streamId: m.streamId,
    startedAt: m.startedAt,
    endedAt: m.endedAt,
    state: m.state,
    durationMs: m.durationMs,
    bytes: m.bytes,
    url: m.state === 'ready' ? `/api/recordings/${m.id}/file?t=${token(m.id, Date.now() + DOWNLOAD_TOKEN_MS)}` : null,
    vodUrl: m.state === 'ready' ? `/vod/${m.id}.mp4` : null,
    gaps: m.gaps,
    stoppedReason: m.stoppedReason,
    error: m.error,
  };
}

export interface RecordingsApiDeps {
  gate: AuthGate;
  store: RecordingStore;
  /** The client's address group, for the key check's flood limits. */
  address: string;
}

/** Handles `/api/recordings…` and `/vod/…`; false for other paths. */
export function serveRecordings(req: IncomingMessage, res: ServerResponse, pathname: string, url: URL, deps: RecordingsApiDeps): boolean {
  const vod = pathname.match(/^\/vod\/([^/]*)\.mp4$/);
  if (vod) {
    const id = vod[1]!;
    const meta = STREAM_ID_PATTERN.test(id) ? deps.store.get(id) : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') json(res, 405, { error: 'use GET on a recording' });
    else if (!meta || meta.state !== 'ready') json(res, 404, { error: 'no recording of this broadcast (yet)' });
    else serveMp4(req, res, deps.store, meta);
    return true;
  }
  if (pathname !== '/api/recordings' && !pathname.startsWith('/api/recordings/')) return false;
  void handleApi(req, res, pathname, url, deps);
  return true;
}

async function handleApi(req: IncomingMessage, res: ServerResponse, pathname: string, url: URL, deps: RecordingsApiDeps): Promise<void> {
  const [, , , id = '', sub, ...rest] = pathname.split('/'); // ['', 'api', 'recordings', id, 'file']
  if ((id && !STREAM_ID_PATTERN.test(id)) || rest.length || (sub !== undefined && sub !== 'file')) return json(res, 404, { error: 'no such recording' });
  try {
    if (sub === 'file' && (req.method === 'GET' || req.method === 'HEAD') && !req.headers.authorization) {
      const meta = deps.store.get(id);
      if (!tokenValid(id, url.searchParams.get('t'))) return json(res, 403, { error: 'this download link is not valid (expired, or from before a relay restart): list the recordings again' });
      if (!meta || meta.state !== 'ready') return json(res, 404, { error: 'no such recording' });
      return serveMp4(req, res, deps.store, meta);
    }
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return json(res, 401, { error: 'send your stream key as Authorization: Bearer <key>' });
    const keyId = await deps.gate.verify(auth.slice(7).trim(), deps.address);
    if (!id) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'use GET on /api/recordings' });
      return json(res, 200, deps.store.listForKey(keyId).map(recordingInfo));
    }
    const meta = deps.store.get(id);
    if (!meta || meta.keyId !== keyId) return json(res, 404, { error: 'no such recording' });
    if (sub === 'file') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'use GET on a recording file' });
      if (meta.state !== 'ready') return json(res, 409, { error: `the recording is ${meta.state}; it can be downloaded once ready` });
      return serveMp4(req, res, deps.store, meta);
    }
    if (req.method === 'GET' || req.method === 'HEAD') return json(res, 200, recordingInfo(meta));
    if (req.method !== 'DELETE') return json(res, 405, { error: 'use GET or DELETE on /api/recordings/<id>' });
    const result = deps.store.delete(id);
    if (result === 'busy') return json(res, 409, { error: 'the broadcast is still being recorded (or finalized); end it first' });
    return result === 'deleted' ? json(res, 204) : json(res, 404, { error: 'no such recording' });
  } catch (err) {
    if (err instanceof TabcastError) return json(res, err.code === 'unauthorized' ? 401 : 429, { error: err.message });
    return json(res, 500, { error: (err as Error).message });
  }
}

function serveMp4(req: IncomingMessage, res: ServerResponse, store: RecordingStore, meta: RecordingMeta): void {
  const file = path.join(store.dir(meta.id), MP4_FILE);
  fs.stat(file, (err, stat) => {
    if (err || !stat.isFile()) return json(res, 404, { error: 'the recording file is gone' });
    const range = parseRange(req.headers.range, stat.size);
    const headers = {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'cache-control': 'private, max-age=3600',
      'content-disposition': `inline; filename="tabcast-${meta.startedAt.slice(0, 19).replace(/[:T]/g, '-')}.mp4"`,
    };
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${stat.size}`, 'content-length': 0 });
      return res.end();
    }
    if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${stat.size}`, 'content-length': range.end - range.start + 1 });
    else res.writeHead(200, { ...headers, 'content-length': stat.size });
    if (req.method === 'HEAD') return res.end();
    sendFile(file, res, range ?? undefined);
  });
}

function json(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
