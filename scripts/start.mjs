#!/usr/bin/env node
// `npm start`: install what is missing, build the web app, run the relay on PORT (default 8080).
import { spawn } from 'node:child_process';
import { ROOT, bootstrap } from './lib/bootstrap.mjs';

bootstrap('run');
const relay = spawn(process.execPath, ['--import', 'tsx', 'apps/relay/src/main.ts'], { cwd: ROOT, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => relay.kill(sig));
relay.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
