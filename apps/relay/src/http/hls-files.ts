/**
 * Serves HLS output: `/hls/<streamId>/<file>`. Only a known stream's own folder, only playlist and
 * segment names; anything else is 400/404. Playlists revalidate every second; segments never change.
 * LL-HLS names (`ll.m3u8`, `ll-*.m4s`, `ll-init-*.mp4`) are served from memory by {@link LlHttp}.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STREAM_ID_PATTERN } from '@tabcast/shared';
import type { LlHttp } from '../llhls/ll-http.ts';
import { LL_FILE_PATTERN } from '../llhls/ll-playlist.ts';
import type { StreamRegistry } from '../streams/stream-registry.ts';
import { sendFile } from './send-file.ts';

const FILE_PATTERN = /^(index\.m3u8|seg_\d{5,9}\.ts)$/;

export function serveHls(registry: StreamRegistry, ll: LlHttp, req: IncomingMessage, res: ServerResponse, pathname: string): void {
  const parts = pathname.split('/'); // ['', 'hls', id, file]
  const [, , id, file] = parts;
  if (parts.length !== 4 || !id || !file || !STREAM_ID_PATTERN.test(id) || !(FILE_PATTERN.test(file) || LL_FILE_PATTERN.test(file))) {
    return plain(res, 400, 'bad HLS path');
  }
  const session = registry.get(id);
  if (!session) return plain(res, 404, 'no such stream');
  if (ll.serve(session.llMedia, file, req, res)) return;
  const full = path.join(session.outDir, file);
  fs.stat(full, (err, stat) => {
    if (err || !stat.isFile()) return plain(res, 404, file.endsWith('.m3u8') ? 'playlist not ready yet' : 'segment not found');
    const playlist = file.endsWith('.m3u8');
    res.writeHead(200, {
      'content-type': playlist ? 'application/vnd.apple.mpegurl' : 'video/mp2t',
      'content-length': stat.size,
      // Playlist: a CDN may hold it for a second at most. Segments: written once, never changed.
      'cache-control': playlist ? 'public, max-age=1, stale-while-revalidate=1' : 'public, max-age=31536000, immutable',
      'access-control-allow-origin': '*',
    });
    if (req.method === 'HEAD') return res.end();
    sendFile(full, res);
  });
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text + '\n');
}
