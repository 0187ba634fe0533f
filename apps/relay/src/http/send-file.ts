/**
 * Sends a file as a response body with stream.pipeline, so the file's descriptor is closed on every
 * path: done, client gone mid-download, read error. (A read stream merely piped into the response
 * keeps its descriptor open when the client aborts: one leaked per aborted download, until EMFILE.)
 */
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';

/** Headers must already be written. A failed read ends the response (the length no longer holds). */
export function sendFile(file: string, res: ServerResponse): void {
  pipeline(fs.createReadStream(file), res, (err) => {
    // Aborted downloads are normal (a player seeking, a tab closed); nothing to log.
    if (err && !res.destroyed) res.destroy();
  });
}
