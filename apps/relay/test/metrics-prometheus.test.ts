/**
 * Metrics with a real Prometheus: a real stream (real FFmpeg HLS) publishes with studio stats;
 * promtool checks the relay's /api/metrics; a Prometheus started here scrapes the relay every
 * second and a PromQL query for the stream's stream_manager_fps returns > 0; once the stream
 * stops its series are gone from /api/metrics and from Prometheus' instant queries.
 * Needs Debian's `prometheus` package (/usr/bin/prometheus, /usr/bin/promtool).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KNOWN_LINT } from '../src/metrics/registry.ts';
import { loadFixture, type Fixture } from './support/fixture.ts';
import { startRelay, TEST_KEY, type Harness } from './support/relay-harness.ts';
import { freePort } from './support/relay-child.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { until } from './support/poll.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

let relay: Harness;
let fx: Fixture;
let prom: ChildProcess | null = null;
let promDir = '';
let promOut = '';

async function startPrometheus(target: string): Promise<string> {
  promDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-prom-'));
  const port = await freePort();
  const config = path.join(promDir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: tabcast',
      '    metrics_path: /api/metrics',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  prom = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  prom.stdout!.on('data', (d) => (promOut = (promOut + d).slice(-20_000)));
  prom.stderr!.on('data', (d) => (promOut = (promOut + d).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  await until('Prometheus ready', 30_000, async () => prom!.exitCode === null && (await fetch(`${url}/-/ready`)).ok);
  return url;
}

async function promQuery(url: string, q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(body.status, 'success');
  return body.data.result;
}

before(async () => {
  assert.ok(fs.existsSync(PROMETHEUS) && fs.existsSync(PROMTOOL), 'Debian package prometheus is installed (scripts/lib/bootstrap.mjs installs it for tests)');
  fx = await loadFixture({ seconds: 10 });
  relay = await startRelay();
});

after(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
  }
  if (promDir) fs.rmSync(promDir, { recursive: true, force: true });
  await relay.stop();
});

test('a real Prometheus scrapes stream_manager_fps of a live stream, promtool accepts the output, and the series go when the stream ends', async () => {
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(TEST_KEY);
  const id = welcome.streamId;
  pub.startStats({ targetFps: 30, captureFps: 30, encodeMs: 6.5 });
  let stop = false;
  const sending = pub.sendFixture(fx, { pace: 'realtime', loops: 6, until: () => stop });
  try {
    // /api/metrics while live: the seed's names, labelled by this stream.
    const text = await until('stream_manager_fps > 0 in /api/metrics', 15_000, async () => {
      const t = await (await fetch(`${relay.url}/api/metrics`)).text();
      const fps = Number(t.match(new RegExp(`^stream_manager_fps\\{stream="${id}"\\} (\\S+)$`, 'm'))?.[1] ?? 0);
      const ready = fps > 0 && t.includes(`stream_manager_encoding_time_ms{stream="${id}"} 6.5`) && t.includes(`stream_manager_keyframe_interval_seconds{stream="${id}"}`);
      return ready ? t : null;
    });
    for (const name of ['stream_manager_bitrate_kbps', 'stream_manager_memory_bytes', 'stream_manager_keyframe_interval_seconds', 'stream_manager_received_bytes_total']) {
      assert.match(text, new RegExp(`^${name}\\{stream="${id}"\\} \\d`, 'm'), `${name} of the stream`);
    }
    assert.match(text, new RegExp(`^stream_manager_queue_size\\{stream="${id}",output="hls"\\} \\d`, 'm'));
    assert.match(text, new RegExp(`^stream_manager_dropped_frames_total\\{stream="${id}",stage="studio",reason="encoder-queue-full"\\} 0`, 'm'));
    assert.match(text, new RegExp(`^stream_manager_viewers\\{stream="${id}",mode="realtime"\\} 0`, 'm'));
    assert.match(text, new RegExp(`^stream_manager_ffmpeg_starts_total\\{stream="${id}",output="hls"\\} 1`, 'm'));
    assert.match(text, /^process_cpu_seconds_total \d/m, 'prom-client default process metrics');
    assert.match(text, /^stream_manager_publisher_latency_seconds_count [1-9]/m, 'latency histogram observed');

    // promtool: parses (exit 1 would be a format error); its lint finds only the seed's _ms name.
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const findings = `${check.stdout}${check.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
    assert.ok(check.status === 0 || check.status === 3, `promtool exit ${check.status}: ${findings.join(' | ')}`);
    assert.deepEqual(findings.filter((f) => !KNOWN_LINT.includes(f)), [], 'no lint findings besides the seed name');

    // A real Prometheus, 1 s scrapes, PromQL over its HTTP API.
    const promUrl = await startPrometheus(new URL(relay.url).host);
    const result = await until(`Prometheus to return stream_manager_fps of ${id} > 0 (prometheus says: ${promOut.slice(-500)})`, 30_000, async () => {
      const r = await promQuery(promUrl, `stream_manager_fps{stream="${id}"}`);
      return r.length === 1 && Number(r[0]!.value[1]) > 0 ? r : null;
    });
    assert.equal(result[0]!.metric.job, 'tabcast');
    const up = await promQuery(promUrl, 'up{job="tabcast"}');
    assert.equal(up[0]?.value[1], '1', 'the scrape target is up');

    // The stream stops: its series leave /api/metrics at once, and Prometheus marks them stale.
    stop = true;
    await sending;
    await pub.stop();
    const after = await (await fetch(`${relay.url}/api/metrics`)).text();
    assert.equal(after.split('\n').filter((l) => l.includes(id)).length, 0, 'no series of the ended stream in /api/metrics');
    await until('stream_manager_fps of the ended stream to be gone from Prometheus', 15_000, async () => (await promQuery(promUrl, `stream_manager_fps{stream="${id}"}`)).length === 0);
    await until('every series of the ended stream to be gone from Prometheus', 15_000, async () => (await promQuery(promUrl, `{stream="${id}"}`)).length === 0);
  } finally {
    stop = true;
    pub.close();
  }
});
