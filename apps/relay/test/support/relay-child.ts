/** The relay in its own process (as users run it), for tests that measure it or kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const relayDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RelayChild {
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
  /** SIGTERM and wait for exit (SIGKILL after 15 s); returns the exit code. */
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `src/main.ts`; pass `dataDir` and `port` to restart "the same" relay. */
export async function startRelayChild(env: Record<string, string> = {}, dataDir?: string, fixedPort?: number): Promise<RelayChild> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-child-'));
  const port = fixedPort ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: relayDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TABCAST_DATA_DIR: dir, TABCAST_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-200_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-200_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`relay exited at start:\n${out}`);
    try {
      if ((await fetch(`${url}/api/live`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`relay did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    dataDir: dir,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resident memory of a process, MiB (from /proc). */
export function rssMiB(pid: number): number {
  const kb = Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
  return kb / 1024;
}
