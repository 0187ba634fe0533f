/**
 * Health driven for real: a CPU burner (unhealthy, 503, studios asked to step down), an FFmpeg that
 * keeps failing (degraded, issue in words), a publisher below its target fps (alert), a heap over
 * its thresholds (caches freed, new streams refused with 4503) and a nearly full data folder on a
 * small tmpfs. Thresholds are lowered through the same settings (env) an operator would use.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLOSE_CODES, type HealthReport, type QualityRequestMessage, type StreamDetail } from '@tabcast/shared';
import { loadFixture, type Fixture } from './support/fixture.ts';
import { until } from './support/poll.ts';
import { startRelayChild } from './support/relay-child.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

let fx: Fixture;
before(async () => {
  fx = await loadFixture({ seconds: 10 });
});

async function health(url: string): Promise<{ code: number; body: HealthReport }> {
  const res = await fetch(`${url}/api/health`);
  return { code: res.status, body: (await res.json()) as HealthReport };
}

/** The HTTP code a load balancer sees must follow the status. */
function assertCode(h: { code: number; body: HealthReport }): void {
  assert.equal(h.code, h.body.status === 'unhealthy' ? 503 : 200, `status ${h.body.status} answers ${h.code}`);
}

test('a CPU burner makes the relay unhealthy (503) and the studio is asked to step down one quality level', async () => {
  const relay = await startRelayChild({ TABCAST_STREAM_KEY: TEST_KEY, TABCAST_HEALTH_CPU_DEGRADED_PERCENT: '30', TABCAST_HEALTH_CPU_UNHEALTHY_PERCENT: '50', TABCAST_HEALTH_LAG_DEGRADED_MS: '5000', TABCAST_HEALTH_LAG_UNHEALTHY_MS: '10000' });
  const burners: ChildProcess[] = [];
  const pub = new TestPublisher(relay.url);
  try {
    await pub.hello(TEST_KEY);
    pub.startStats();
    void pub.sendFixture(fx, { pace: 'realtime' });
    for (let i = 0; i < os.cpus().length; i++) burners.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    const h = await until('health unhealthy for CPU', 20_000, async () => {
      const r = await health(relay.url);
      return r.body.checks.cpuPercent.status === 'unhealthy' ? r : null;
    });
    assertCode(h);
    assert.equal(h.body.status, 'unhealthy');
    assert.equal(h.code, 503);
    assert.ok(h.body.issues.some((i) => /CPU is \d+(\.\d)? % busy \(threshold 50 %\)/.test(i)), h.body.issues.join(' | '));
    const q = (await pub.waitFor('quality-request', 10_000)) as QualityRequestMessage;
    assert.equal(q.direction, 'down');
    assert.match(q.reason, /% busy \(threshold 30 %\)/);
    // The log line travels through the child's stderr pipe: it may arrive just after the message.
    await until('the action logged', 3_000, () => /automatic action: asked stream \w+'s studio to step down one quality level/.test(relay.output()));
  } finally {
    for (const b of burners) b.kill('SIGKILL');
    pub.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  }
});

test('an FFmpeg that keeps failing makes the relay degraded with the failure in words, until the stream gives up', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-badffmpeg-'));
  const script = path.join(dir, 'ffmpeg');
  fs.writeFileSync(script, '#!/bin/sh\necho "Simulated failure: codec not found" >&2\nsleep 0.3\nexit 1\n', { mode: 0o755 });
  const relay = await startRelay({ ffmpegPath: script, healthCpuDegradedPercent: 100, healthCpuUnhealthyPercent: 100, healthLagDegradedMs: 60_000, healthLagUnhealthyMs: 60_000 });
  const pub = new TestPublisher(relay.url);
  try {
    const { streamId } = await pub.hello(TEST_KEY);
    void pub.sendFixture(fx, { pace: 'realtime' });
    const h = await until('a failing-output issue', 20_000, async () => {
      const r = await health(relay.url);
      return r.body.checks.failingOutputs.status === 'degraded' ? r : null;
    });
    assertCode(h);
    assert.notEqual(h.body.status, 'healthy');
    const issue = h.body.issues.find((i) => i.startsWith(`stream ${streamId}: the HLS output's FFmpeg keeps failing`));
    assert.ok(issue, h.body.issues.join(' | '));
    assert.match(issue, /Simulated failure: codec not found|exit/);
    const detail = (await (await fetch(`${relay.url}/api/streams/${streamId}`)).json()) as StreamDetail;
    // Between its restarts the output is 'retrying' or, once the next run is spawned, 'starting'.
    assert.ok(['retrying', 'starting'].includes(detail.outputs[0]?.state ?? ''), `output state ${detail.outputs[0]?.state}`);
    assert.ok(detail.outputs[0]!.lastError, 'the last error is kept while it retries');
    // After its restarts run out the stream fails for good, and the issue goes with it.
    await pub.closed;
    assert.equal(pub.closeCode, CLOSE_CODES['output-failed']);
    await until('the failing-output issue to clear once the stream ended', 5_000, async () => (await health(relay.url)).body.checks.failingOutputs.status === 'healthy');
  } finally {
    pub.close();
    await relay.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a publisher below its target fps raises an alert: log line, health issue, stream marked', async () => {
  const relay = await startRelay({ healthLowFpsForMs: 1_000, healthCpuDegradedPercent: 100, healthCpuUnhealthyPercent: 100, healthLagDegradedMs: 60_000, healthLagUnhealthyMs: 60_000 });
  const pub = new TestPublisher(relay.url);
  try {
    const { streamId } = await pub.hello(TEST_KEY);
    pub.startStats({ targetFps: 30, captureFps: 12 });
    void pub.sendFixture(fx, { pace: 0.4 }); // 12 of 30 fps arrive
    const h = await until('a low-fps issue', 15_000, async () => {
      const r = await health(relay.url);
      return r.body.checks.lowFpsStreams.status === 'degraded' ? r : null;
    });
    assertCode(h);
    assert.ok(h.body.issues.some((i) => new RegExp(`^stream ${streamId} arrives at [\\d.]+ fps, below 80 % of its target 30 fps$`).test(i)), h.body.issues.join(' | '));
    const detail = (await (await fetch(`${relay.url}/api/streams/${streamId}`)).json()) as StreamDetail;
    assert.equal(detail.lowFps, true);
    assert.equal(detail.studio?.targetFps, 30);
    assert.ok(relay.logs.some((l) => l.includes('"action":"low-fps-alert"') && l.includes('"level":"warn"')), 'alert logged');
    assert.ok(relay.health.actions.some((a) => a.kind === 'low-fps-alert' && a.stream === streamId));
  } finally {
    pub.close();
    await relay.stop();
  }
});

test('a heap over its thresholds frees the GOP caches of unwatched streams (degraded), then refuses new streams with 4503 (unhealthy)', async () => {
  // Relay processes with a small heap (64 MiB old space): their heap is then well over 5 % of the limit.
  const env = { TABCAST_STREAM_KEY: TEST_KEY, NODE_OPTIONS: '--max-old-space-size=64', TABCAST_HEALTH_CPU_DEGRADED_PERCENT: '100', TABCAST_HEALTH_CPU_UNHEALTHY_PERCENT: '100' };
  const degradedRelay = await startRelayChild({ ...env, TABCAST_HEALTH_HEAP_DEGRADED_PERCENT: '5', TABCAST_HEALTH_HEAP_UNHEALTHY_PERCENT: '100', TABCAST_HEALTH_ACTION_COOLDOWN_MS: '1000' });
  const pub = new TestPublisher(degradedRelay.url);
  try {
    const { streamId } = await pub.hello(TEST_KEY);
    void pub.sendFixture(fx, { pace: 'realtime' });
    const h = await until('degraded for heap', 10_000, async () => {
      const r = await health(degradedRelay.url);
      return r.body.checks.heapUsedPercent.status === 'degraded' ? r : null;
    });
    assertCode(h);
    assert.equal(h.body.refusingNewStreams, false);
    assert.ok(h.body.issues.some((i) => /^the heap is [\d.]+ % of its limit \(threshold 5 %\): GOP caches of unwatched streams are freed$/.test(i)), h.body.issues.join(' | '));
    // The live stream has no viewer: once it has cached a GOP, its cache is freed (and logged).
    await until('a cache freed (logged)', 10_000, () => /automatic action: the heap is [\d.]+ % of its limit: freed the GOP caches of 1 unwatched stream\(s\), [1-9]\d* KiB/.test(degradedRelay.output()));
    const detail = (await (await fetch(`${degradedRelay.url}/api/streams/${streamId}`)).json()) as StreamDetail;
    assert.equal(detail.state, 'live', 'the stream goes on');
  } finally {
    pub.close();
    await degradedRelay.stop();
    fs.rmSync(degradedRelay.dataDir, { recursive: true, force: true });
  }

  const refusingRelay = await startRelayChild({ ...env, TABCAST_HEALTH_HEAP_DEGRADED_PERCENT: '5', TABCAST_HEALTH_HEAP_UNHEALTHY_PERCENT: '5' });
  try {
    const h = await health(refusingRelay.url);
    assert.equal(h.code, 503);
    assert.equal(h.body.status, 'unhealthy');
    assert.equal(h.body.refusingNewStreams, true);
    assert.ok(h.body.issues.some((i) => /^the heap is [\d.]+ % of its limit \(threshold 5 %\): new streams are refused/.test(i)), h.body.issues.join(' | '));
    const late = new TestPublisher(refusingRelay.url);
    await late.opened();
    late.send({ type: 'hello', version: 2, key: TEST_KEY, video: { codec: 'avc' }, audio: null });
    await late.closed;
    assert.equal(late.closeCode, CLOSE_CODES.overloaded);
    assert.match(late.closeReason, /short of memory/);
    assert.match(refusingRelay.output(), /"action":"refuse-streams"/);
  } finally {
    await refusingRelay.stop();
    fs.rmSync(refusingRelay.dataDir, { recursive: true, force: true });
  }
});

test('a nearly full data folder (small tmpfs) makes the relay degraded, then unhealthy', async (t) => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    fs.rmSync(mnt, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  const relay = await startRelay({ dataDir: mnt, healthDiskDegradedMiB: 20, healthDiskUnhealthyMiB: 4, healthCpuDegradedPercent: 100, healthCpuUnhealthyPercent: 100, healthLagDegradedMs: 60_000, healthLagUnhealthyMs: 60_000 });
  try {
    const degraded = await until('degraded for disk', 5_000, async () => {
      const r = await health(relay.url);
      return r.body.checks.diskFreeMiB.status === 'degraded' ? r : null;
    });
    assertCode(degraded);
    assert.ok(degraded.body.issues.some((i) => /^only \d+ MiB free in the data folder .* \(threshold 20 MiB\)$/.test(i)), degraded.body.issues.join(' | '));
    fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(14 * 1024 * 1024));
    const unhealthy = await until('unhealthy for disk', 5_000, async () => {
      const r = await health(relay.url);
      return r.body.checks.diskFreeMiB.status === 'unhealthy' ? r : null;
    });
    assert.equal(unhealthy.code, 503);
    assert.ok(unhealthy.body.issues.some((i) => /threshold 4 MiB\): HLS segments will soon fail to write/.test(i)));
  } finally {
    await relay.stop();
    execFileSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
});
