#!/usr/bin/env node
/**
 * The Playwright performance suite (seed 001's script names): `npm run test:perf:<name>` runs one
 * script, `npm run test:perf` runs them all, `--smoke` runs each briefly (what CI does). Each
 * script writes bench/results/perf-<name>.json; this then rewrites docs/performance.md, charts
 * included, and exits 1 if any script's budgets failed (the figures are in the report either way).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, bootstrap, run } from './lib/bootstrap.mjs';

/** name → [script, arguments for a full run, arguments for a smoke run]. */
export const PERF_SCRIPTS = {
  'perf:stream': ['bench/perf/stream.perf.ts', ['720p30/low-latency,720p30/high-quality,720p30/battery-saving', '20', '1'], ['720p30/low-latency', '8', '0']],
  'perf:memory': ['bench/perf/memory.perf.ts', ['10'], ['0.75']],
  'perf:network': ['bench/perf/network.perf.ts', ['20'], ['6']],
  'perf:instrumentation': ['bench/perf/instrumentation.perf.ts', ['200000'], ['10000']],
  'frames:timing': ['bench/perf/frames.perf.ts', ['timing', '60', '1'], ['timing', '12', '0']],
  'frames:drops': ['bench/perf/frames.perf.ts', ['drops', '60', '1'], ['drops', '12', '0']],
  'frames:buffer': ['bench/perf/frames.perf.ts', ['buffer', '60', '1'], ['buffer', '12', '0']],
  'perf:configs': ['bench/perf/configs.perf.ts', ['encoder,pipeline,rtmp,gop', '30', '15'], ['gop', '6']],
  'perf:workers': ['bench/perf/studio.perf.ts', ['workers', '10', '0'], ['workers', '4', '0']],
  'perf:core': ['bench/perf/studio.perf.ts', ['core', '10', '0'], ['core', '4', '0']],
  'perf:render': ['bench/perf/studio.perf.ts', ['render', '10', '0'], ['render', '4', '0']],
  'perf:compose': ['bench/perf/studio.perf.ts', ['compose', '10', '0'], ['compose', '4', '0']],
  'frames:quality': ['bench/perf/quality.perf.ts', ['720p30/low-latency,720p30/high-quality,720p30/battery-saving'], ['720p30/low-latency']],
};

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const names = args.filter((a) => !a.startsWith('--'));
const chosen = names.length === 0 || names.includes('all') ? Object.keys(PERF_SCRIPTS) : names;
for (const name of chosen) {
  if (!PERF_SCRIPTS[name]) {
    console.error(`unknown perf script ${name}; known: ${Object.keys(PERF_SCRIPTS).join(', ')}`);
    process.exit(2);
  }
}

bootstrap('test');
const started = Date.now();
const failed = [];
for (const name of chosen) {
  const [script, full, short] = PERF_SCRIPTS[name];
  console.log(`\n━━ test:${name}${smoke ? ' (smoke)' : ''}`);
  const t = Date.now();
  const status = run('pnpm', ['exec', 'tsx', script, ...(smoke ? [...short, '--smoke'] : full)]);
  console.log(`━━ test:${name}: ${status === 0 ? 'budgets met' : 'FAILED'} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  if (status !== 0) failed.push(name);
}
if (!smoke) {
  const { render } = await import('./lib/render-performance.mjs');
  fs.writeFileSync(path.join(ROOT, 'docs/performance.md'), render(path.join(ROOT, 'bench/results'), path.join(ROOT, 'docs/charts')));
}
console.log(`\nperf suite took ${((Date.now() - started) / 1000).toFixed(0)} s${failed.length ? `; over budget: ${failed.join(', ')}` : '; every budget met'}`);
process.exit(failed.length ? 1 : 0);
