import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../config/config.ts';
import { evaluateHealth, worst } from './health-check.ts';
import type { SystemSample } from './system-sampler.ts';

const config = resolveConfig({ dataDir: '/data' }, {});
const calm: SystemSample = { cpuPercent: 20, relayCpuPercent: 5, heapUsedBytes: 50e6, heapLimitBytes: 2e9, heapUsedPercent: 2.5, rssBytes: 1e8, eventLoopLagMs: 12, diskFreeMiB: 50_000 };

test('the worst check decides the status', () => {
  assert.equal(worst([]), 'healthy');
  assert.equal(worst(['healthy', 'degraded', 'healthy']), 'degraded');
  assert.equal(worst(['degraded', 'unhealthy', 'healthy']), 'unhealthy');
});

test('each threshold turns its check degraded, then unhealthy, and says so in words', () => {
  assert.equal(evaluateHealth(config, calm, [], [], false).status, 'healthy');
  assert.deepEqual(evaluateHealth(config, calm, [], [], false).issues, []);
  const lag = evaluateHealth(config, { ...calm, eventLoopLagMs: 150 }, [], [], false);
  assert.equal(lag.status, 'degraded');
  assert.match(lag.issues[0]!, /event loop is 150 ms late \(threshold 100 ms\)/);
  assert.equal(evaluateHealth(config, { ...calm, eventLoopLagMs: 1000 }, [], [], false).status, 'unhealthy');
  const heap = evaluateHealth(config, { ...calm, heapUsedPercent: 80 }, [], [], false);
  assert.equal(heap.checks.heapUsedPercent.status, 'degraded', '80 % is the seed threshold, inclusive');
  assert.match(heap.issues[0]!, /GOP caches of unwatched streams are freed/);
  assert.match(evaluateHealth(config, { ...calm, heapUsedPercent: 91 }, [], [], true).issues[0]!, /new streams are refused/);
  assert.equal(evaluateHealth(config, { ...calm, cpuPercent: 90 }, [], [], false).checks.cpuPercent.status, 'degraded');
  assert.equal(evaluateHealth(config, { ...calm, cpuPercent: 99 }, [], [], false).status, 'unhealthy');
  assert.match(evaluateHealth(config, { ...calm, cpuPercent: 90 }, [], [], false).issues[0]!, /: studios are asked to lower their quality$/);
  const noAction = resolveConfig({}, { TABCAST_HEALTH_QUALITY_ACTION: 'off' });
  assert.equal(noAction.healthQualityAction, false);
  assert.match(evaluateHealth(noAction, { ...calm, cpuPercent: 90 }, [], [], false).issues[0]!, /\(threshold 85 %\)$/);
  const disk = evaluateHealth(config, { ...calm, diskFreeMiB: 50 }, [], [], false);
  assert.equal(disk.status, 'unhealthy');
  assert.match(disk.issues[0]!, /^only 50 MiB free in the data folder \/data/);
  assert.equal(evaluateHealth(config, { ...calm, diskFreeMiB: null }, [], [], false).checks.diskFreeMiB.status, 'degraded');
  const low = evaluateHealth(config, calm, [], [{ id: 'abc123', fps: 12, targetFps: 30 }], false);
  assert.equal(low.status, 'degraded');
  assert.deepEqual(low.issues, ['stream abc123 arrives at 12 fps, below 80 % of its target 30 fps']);
});

test('settings are validated: unhealthy must not be below degraded, the token must be long enough', () => {
  assert.throws(() => resolveConfig({}, { TABCAST_HEALTH_CPU_DEGRADED_PERCENT: '90', TABCAST_HEALTH_CPU_UNHEALTHY_PERCENT: '80' }), /TABCAST_HEALTH_CPU_UNHEALTHY/);
  assert.throws(() => resolveConfig({}, { TABCAST_HEALTH_HEAP_DEGRADED_PERCENT: '101' }), /TABCAST_HEALTH_HEAP_DEGRADED_PERCENT must be a whole number from 1 to 100/);
  assert.throws(() => resolveConfig({}, { TABCAST_ADMIN_TOKEN: 'short' }), /at least 16 characters/);
  assert.equal(resolveConfig({}, { TABCAST_METRICS_PORT: '9464' }).metricsPort, 9464);
});
