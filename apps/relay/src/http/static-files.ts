/**
 * Serves the built web app. Hashed assets are immutable; index.html is revalidated. Unknown
 * paths under the app's routes get index.html (the client-side router takes it from there).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendFile } from './send-file.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export const APP_ROUTES = /^\/(studio|dashboard|watch(\/[A-Za-z0-9_-]*)?)?\/?$/;

export function serveStatic(webDir: string, req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  let rel: string;
  if (APP_ROUTES.test(pathname)) rel = 'index.html';
  else if (/^\/[A-Za-z0-9_./-]+$/.test(pathname) && !pathname.includes('..')) rel = pathname.slice(1);
  else return false;
  const file = path.join(webDir, rel);
  if (!file.startsWith(webDir + path.sep)) return false;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    if (rel === 'index.html') {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The web app is not built (${webDir} has no index.html). Run "npm start", which builds it.\n`);
      return true;
    }
    return false;
  }
  if (!stat.isFile()) return false;
  const immutable = rel.startsWith('assets/');
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else sendFile(file, res);
  return true;
}
