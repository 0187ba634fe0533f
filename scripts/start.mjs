#!/usr/bin/env node
// `npm start`: install what is missing, build the web app, run the relay on PORT (default 8080).
import { spawn } from 'node:child_process';
import { ROOT, bootstrap } from './lib/bootstrap.mjs';

bootstrap('run');
const relay = spawn(process.execPath, ['--import', 'tsx', 'apps/relay/src/main.ts'], { cwd: ROOT, stdio: 'inherit' });
// Ctrl-C in a terminal reaches the relay directly (same process group): do not send it a second
// SIGINT, which it would take as "stop now" instead of draining. Pass on a SIGTERM sent to us alone.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => relay.kill('SIGTERM'));
// If whoever started us goes away (npm killed), stop the relay rather than leave it running.
const parent = process.ppid;
const watch = setInterval(() => {
  if (process.ppid !== parent) relay.kill('SIGTERM');
}, 1000);
relay.on('exit', (code, signal) => {
  clearInterval(watch);
  process.exit(code ?? (signal ? 1 : 0));
});
