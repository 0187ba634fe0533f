/**
 * Sends a file as a response body with stream.pipeline, so the file's descriptor is closed on every
 * path: done, client gone mid-download, read error. (A read stream merely piped into the response
 * keeps its descriptor open when the client aborts: one leaked per aborted download, until EMFILE.)
 */
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';

/**
 * Headers must already be written. A failed read ends the response (the length no longer holds).
 * `range`: only these bytes (inclusive), for a 206 answer.
 */
export function sendFile(file: string, res: ServerResponse, range?: { start: number; end: number }): void {
  pipeline(fs.createReadStream(file, range), res, (err) => {
    // Aborted downloads are normal (a player seeking, a tab closed); nothing to log.
    if (err && !res.destroyed) res.destroy();
  });
}

/**
 * Parses a `Range` header against a file of `size` bytes: one `bytes=a-b`, `bytes=a-` or `bytes=-n`
 * range. Returns null without a header (send it all), 'unsatisfiable' for a range that cannot be
 * served (416); several ranges are answered with the whole file, as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = header.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return header.startsWith('bytes=') && !header.includes(',') ? 'unsatisfiable' : null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
