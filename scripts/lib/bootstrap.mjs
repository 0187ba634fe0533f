/**
 * Gets a fresh Debian machine with Node ≥ 20.19 ready: pnpm, the system packages Tabcast needs,
 * the workspace's dependencies and the built web app. As root it installs what is missing with
 * apt-get; otherwise it names the package in a one-line error.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Programs Tabcast needs → the Debian package that provides each. */
export const SYSTEM_NEEDS = {
  run: { ffmpeg: 'ffmpeg', ffprobe: 'ffmpeg' },
  // nginx + its RTMP module: the real RTMP servers the restream tests push to.
  // prometheus + promtool: the real scraper and linter the metrics test runs.
  test: {
    ffmpeg: 'ffmpeg',
    ffprobe: 'ffmpeg',
    chromium: 'chromium',
    '/usr/sbin/nginx': 'nginx',
    '/usr/lib/nginx/modules/ngx_rtmp_module.so': 'libnginx-mod-rtmp',
    '/usr/bin/prometheus': 'prometheus',
    '/usr/bin/promtool': 'prometheus',
  },
};

export function die(message) {
  console.error(`tabcast: ${message}`);
  process.exit(1);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) die(`could not run ${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

function runOrDie(cmd, args, what, opts) {
  if (run(cmd, args, opts) !== 0) die(`${what} failed (${cmd} ${args.join(' ')})`);
}

/** A program on PATH, or (for an absolute path) a file that must exist. */
const has = (cmd) => (cmd.startsWith('/') ? fs.existsSync(cmd) : spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0);

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) die(`Node ${process.versions.node} is too old: Tabcast needs Node ≥ 20.19`);
}

function ensureSystemPackages(needs) {
  const missing = [...new Set(Object.entries(needs).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg))];
  // The e2e tests can use another Chromium build (PLAYWRIGHT_CHROMIUM_PATH).
  if (process.env.PLAYWRIGHT_CHROMIUM_PATH && missing.includes('chromium') && fs.existsSync(process.env.PLAYWRIGHT_CHROMIUM_PATH)) {
    missing.splice(missing.indexOf('chromium'), 1);
  }
  if (!missing.length) return;
  if (process.getuid?.() !== 0) die(`missing system packages: ${missing.join(' ')} — install them with: sudo apt-get install -y ${missing.join(' ')}`);
  if (!has('apt-get')) die(`missing system packages: ${missing.join(' ')} (and no apt-get to install them with)`);
  console.log(`tabcast: installing ${missing.join(' ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  runOrDie('apt-get', ['update', '-qq'], 'apt-get update', { env });
  runOrDie('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], `installing ${missing.join(' ')}`, { env });
}

function ensurePnpm() {
  if (has('pnpm')) return;
  console.log('tabcast: installing pnpm (npm i -g pnpm@10)…');
  if (run('npm', ['i', '-g', 'pnpm@10']) !== 0 || !has('pnpm')) die('could not install pnpm; install it with: npm i -g pnpm@10');
}

/** Newest modification time of the files below `dir` (skipping node_modules and dist). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

/** @param {'run' | 'test'} purpose */
export function bootstrap(purpose) {
  checkNode();
  ensureSystemPackages(SYSTEM_NEEDS[purpose]);
  ensurePnpm();
  // Install only when the lockfile changed since the last install (a restart should be quick).
  if (mtime(path.join(ROOT, 'node_modules/.modules.yaml')) < mtime(path.join(ROOT, 'pnpm-lock.yaml')) || !fs.existsSync(path.join(ROOT, 'apps/relay/node_modules'))) {
    runOrDie('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], 'installing dependencies (pnpm install)', {
      env: { ...process.env, CI: process.env.CI ?? 'true' },
    });
  }
  const built = mtime(path.join(ROOT, 'apps/web/dist/index.html'));
  const sources = Math.max(newestMtime(path.join(ROOT, 'apps/web')), newestMtime(path.join(ROOT, 'packages/shared/src')));
  if (built < sources) runOrDie('pnpm', ['--filter', '@tabcast/web', 'build', '--logLevel', 'warn'], 'building the web app');
}
