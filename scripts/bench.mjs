#!/usr/bin/env node
/**
 * `npm run bench [-- name ...]`: runs the benchmarks (all, or those named) and rewrites
 * docs/performance.md from bench/results/*.json. `npm run bench -- --render` only re-renders.
 * Benchmarks are not tests: they take minutes and report figures, they do not pass or fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, bootstrap, run } from './lib/bootstrap.mjs';

const BENCHES = {
  'real-path': ['bench/real-path.bench.ts', '3', '30', '0,1'],
  deflate: ['bench/deflate.bench.ts', '5'],
  'relay-cpu': ['bench/relay-cpu.bench.ts', '3', '60'],
  'llhls-load': ['bench/llhls-load.bench.ts', '200', '60'],
  encode: ['bench/encode.bench.ts', '3', '30'],
  'restream-cpu': ['bench/restream-cpu.bench.ts', '3', '30'],
  latency: ['bench/latency.bench.ts', '3', '60'],
  'latency-realtime-alone': ['bench/latency.bench.ts', '3', '40', 'realtime'],
  fanout: ['bench/fanout.bench.ts', '20', '250,500,1000,1500,2000'],
  'viewer-memory': ['bench/viewer-memory.bench.ts', '5'],
  'av-sync': ['bench/av-sync.bench.ts', '10'],
  'metrics-cost': ['bench/metrics-cost.bench.ts', '10', '4'],
  'dashboard-cpu': ['bench/dashboard-cpu.bench.ts', '30', '2'],
  'studio-compositor': ['bench/studio-compositor.bench.ts', '3', '20'],
  'recording-cpu': ['bench/recording-cpu.bench.ts', '3', '60'],
  'recording-outage': ['bench/recording-outage.bench.ts', '3', '60', '30', '10'],
};

const args = process.argv.slice(2);
if (!args.includes('--render')) {
  bootstrap('test');
  const names = args.length ? args : Object.keys(BENCHES);
  for (const name of names) {
    if (!BENCHES[name]) {
      console.error(`unknown bench ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
      process.exit(2);
    }
    console.log(`\n━━ bench ${name}`);
    if (run('pnpm', ['exec', 'tsx', ...BENCHES[name]]) !== 0) console.error(`bench ${name} failed; its old figures stay`);
  }
}
const { render } = await import('./lib/render-performance.mjs');
fs.writeFileSync(path.join(ROOT, 'docs/performance.md'), render(path.join(ROOT, 'bench/results'), path.join(ROOT, 'docs/charts')));
console.log('wrote docs/performance.md');
