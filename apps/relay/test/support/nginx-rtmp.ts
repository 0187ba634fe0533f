/**
 * A real RTMP server for tests: Debian's nginx with libnginx-mod-rtmp, on a loopback port, with a
 * config written here. It records every publish to FLV files under `recordDir`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
/** Debian's nginx (in /usr/sbin, which is not on every PATH); NGINX_PATH overrides. */
export const NGINX_PATH = process.env.NGINX_PATH || '/usr/sbin/nginx';

export interface RtmpServer {
  port: number;
  url: string; // rtmp://127.0.0.1:<port>/live
  recordDir: string;
  /** FLV recordings so far (one per publish session), oldest first. */
  recordings(): string[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRtmpServer(port: number): Promise<RtmpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-nginx-'));
  fs.chmodSync(dir, 0o755); // nginx workers run as another user and must reach rec/
  const recordDir = path.join(dir, 'rec');
  fs.mkdirSync(recordDir, { recursive: true, mode: 0o777 });
  fs.chmodSync(recordDir, 0o777); // workers may run as another user
  const conf = path.join(dir, 'nginx.conf');
  const asRoot = process.getuid?.() === 0;
  fs.writeFileSync(
    conf,
    `load_module ${RTMP_MODULE};
${asRoot ? '# Started as root, nginx would run its workers as nobody, who cannot reach rec/ in a private\n# checkout (a clone under /root, or a mktemp -d folder): keep them as the user who started it.\nuser root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
rtmp {
  # Its own log: the module's default (/var/log/nginx/access.log) is root's, so an ordinary user's
  # nginx would refuse to start.
  access_log ${dir}/access.log;
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      record all;
      record_path ${recordDir};
      record_unique on;
    }
  }
}
`,
  );
  let child: ChildProcess | null = null;
  const server: RtmpServer = {
    port,
    url: `rtmp://127.0.0.1:${port}/live`,
    recordDir,
    recordings: () =>
      fs
        .readdirSync(recordDir)
        .filter((f) => f.endsWith('.flv'))
        .map((f) => path.join(recordDir, f))
        .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs),
    start: async () => {
      child = spawn(NGINX_PATH, ['-c', conf, '-p', dir, '-e', `${dir}/error.log`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      const deadline = Date.now() + 10_000;
      while (!(await canConnect(port))) {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
        if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async () => {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM'); // nginx: fast shutdown; recordings are closed
      await exited;
    },
  };
  await server.start();
  return server;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
