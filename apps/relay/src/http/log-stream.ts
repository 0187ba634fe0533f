/**
 * `GET /api/logs?level=info`: the relay's log as Server-Sent Events (`text/event-stream`), fed by
 * the same logger that writes stderr ({@link logTail}). The recent lines first, then live ones at
 * or above `level`. Each client gets at most {@link MAX_LINES_PER_SEC} lines a second; the rest
 * are counted and reported in one `skipped` event, so a log flood cannot flood a dashboard.
 */
import type http from 'node:http';
import { TAIL_LEVELS, logTail, type TailLevel } from '../util/log-tail.ts';

export const MAX_LINES_PER_SEC = 50;
/** A comment line every 15 s keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** A client this far behind (bytes unsent) is skipped until it catches up. */
const MAX_BUFFERED_BYTES = 512 * 1024;

export function serveLogStream(req: http.IncomingMessage, res: http.ServerResponse): void {
  const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const asked = (q.get('level') ?? 'info') as TailLevel;
  const min = TAIL_LEVELS.indexOf(TAIL_LEVELS.includes(asked) ? asked : 'info');
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(`retry: 2000\n\n`);
  let windowStart = Date.now();
  let sent = 0;
  let skipped = 0;
  const send = (level: TailLevel, line: string) => {
    if (TAIL_LEVELS.indexOf(level) < min) return;
    const now = Date.now();
    if (now - windowStart >= 1000) {
      if (skipped) res.write(`event: skipped\ndata: ${skipped}\n\n`);
      windowStart = now;
      sent = 0;
      skipped = 0;
    }
    if (sent >= MAX_LINES_PER_SEC || res.writableLength > MAX_BUFFERED_BYTES) {
      skipped++;
      return;
    }
    sent++;
    res.write(`data: ${line}\n\n`); // a JSON line has no newline in it
  };
  for (const l of logTail.recent()) send(l.level, l.line);
  const unsubscribe = logTail.on((l) => send(l.level, l.line));
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const done = () => {
    unsubscribe();
    clearInterval(keepalive);
  };
  req.on('close', done);
  res.on('error', done);
}
