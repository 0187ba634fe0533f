#!/usr/bin/env node
/**
 * `npm test`: the whole suite, in tiers — typecheck, unit + relay tests (node:test, real FFmpeg on
 * loopback), then end-to-end tests in headless Chromium (Playwright). Ends with one summary line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, bootstrap, run } from './lib/bootstrap.mjs';

const started = Date.now();
bootstrap('test');
const results = path.join(ROOT, 'test-results');
fs.rmSync(results, { recursive: true, force: true });
// Every temporary folder the tests make goes under test-results/tmp (removed by the next run);
// the encoded fixtures are cached apart, since making them costs FFmpeg time.
process.env.TMPDIR = path.join(results, 'tmp');
process.env.TABCAST_FIXTURE_DIR ??= path.join(ROOT, 'node_modules/.cache/tabcast-fixtures');
fs.mkdirSync(process.env.TMPDIR, { recursive: true });

const failures = [];
/** The perf scripts CI runs briefly: the ones whose budgets hold on a busy 2-core machine. */
const SMOKE_SCRIPTS = ['perf:instrumentation', 'perf:configs', 'frames:quality'];
let passed = 0;
let failed = 0;

function step(name, fn) {
  console.log(`\n━━ ${name}`);
  const t = Date.now();
  const ok = fn();
  console.log(`━━ ${name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  if (!ok) failures.push(name);
}

function findTests(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (/\.test\.(ts|mjs)$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function nodeTests(pkgDir) {
  const tap = path.join(results, `${path.basename(pkgDir)}.tap`);
  const status = run(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...findTests(pkgDir)],
    { cwd: pkgDir },
  );
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const count = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
  return status === 0;
}

step('typecheck', () => run('pnpm', ['-r', 'typecheck']) === 0);
step('unit: scripts (report rendering)', () => nodeTests(path.join(ROOT, 'scripts')));
step('unit: packages/shared', () => nodeTests(path.join(ROOT, 'packages/shared')));
step('unit: apps/web (DOM-free parts)', () => nodeTests(path.join(ROOT, 'apps/web')));
step('unit + integration: apps/relay (real FFmpeg)', () => nodeTests(path.join(ROOT, 'apps/relay')));
// The performance suite's smoke subset (≤ 2 min): its budgets are generous bounds that catch a
// regression; the figures are the full suite's job (npm run test:perf, docs/performance.md).
step('performance smoke: budgets', () => run('node', ['scripts/perf.mjs', '--smoke', ...SMOKE_SCRIPTS]) === 0);
step('end-to-end: headless Chromium', () => {
  const status = run('pnpm', ['exec', 'playwright', 'test']);
  const file = path.join(results, 'e2e.json');
  if (fs.existsSync(file)) {
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    const stats = report.stats ?? {};
    passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    // A test that passed only on its retry is a flake to fix, not a pass to forget: name it.
    const flaky = [];
    const walk = (suite) => {
      for (const spec of suite.specs ?? []) if (spec.tests?.some((t) => t.status === 'flaky')) flaky.push(`${spec.file}: ${spec.title}`);
      (suite.suites ?? []).forEach(walk);
    };
    (report.suites ?? []).forEach(walk);
    if (flaky.length) console.log(`\nNote: passed only on retry (flaky): ${flaky.join('; ')}`);
    failed += stats.unexpected ?? 0;
  } else if (status !== 0) failed++;
  return status === 0;
});

console.log(`\nSuite took ${((Date.now() - started) / 1000).toFixed(0)} s${failures.length ? `; failed steps: ${failures.join(', ')}` : ''}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failures.length || failed ? 1 : 0);
