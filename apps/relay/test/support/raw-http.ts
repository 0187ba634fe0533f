/** Raw HTTP on a TCP socket, for requests a fetch() would not send: aborted, malformed, huge. */
import fs from 'node:fs';
import net from 'node:net';

/** Open file descriptors of a process (Linux /proc). */
export function fdCount(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** Polls until `check()` is true or the deadline passes; returns the last value seen. */
export async function pollUntil<T>(read: () => T, check: (v: T) => boolean, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Sends `request` raw; resolves with what came back (at most `maxBytes`) once the server closes,
 * `timeoutMs` passes, or — with `abortAfterFirstBytes` — as soon as the first bytes arrive (the
 * socket is then destroyed mid-response, like a player that gave up).
 */
export function rawRequest(url: string, request: string | Buffer, o: { abortAfterFirstBytes?: boolean; timeoutMs?: number; maxBytes?: number } = {}): Promise<string> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    let got = '';
    const socket = net.connect(Number(port), hostname);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, o.timeoutMs ?? 5_000);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => {
      if (got.length < (o.maxBytes ?? 4096)) got += d.toString('latin1');
      if (o.abortAfterFirstBytes) done();
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', done);
  });
}

/** `total` GETs of `path`, `concurrency` at a time, each aborted after its first bytes. */
export async function abortedDownloads(url: string, path: string, total: number, concurrency = 50): Promise<{ statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      const head = await rawRequest(url, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { abortAfterFirstBytes: true });
      const status = head.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 'none';
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { statuses };
}
