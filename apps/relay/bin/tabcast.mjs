#!/usr/bin/env node
// `tabcast keys ...` — thin launcher for the key CLI (runs the TypeScript source through tsx).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
const [cmd, ...rest] = process.argv.slice(2);
const entry = fileURLToPath(new URL(cmd === 'keys' ? '../src/cli.ts' : '../src/main.ts', import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...(cmd === 'keys' ? rest : [])], { stdio: 'inherit' });
process.exit(r.status ?? 1);
