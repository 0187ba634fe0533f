/**
 * Real-time fan-out: one relay process serves N viewer sockets of one 720p30 2.5 Mbps stream; a
 * Node load client (another process) reads and counts frames. For each N: how many viewers got
 * ≥ 99 % of the frames on time (within 500 ms of sending), and the relay's CPU and RSS.
 *   pnpm exec tsx bench/fanout.bench.ts [seconds=20] [N,N,...=100,250,500,1000,1500]
 */
import { spawn } from 'node:child_process';
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { TestPublisher } from '../apps/relay/test/support/test-publisher.ts';
import { BENCH_KEY, ROOT, median, percentile, procSample, round, sampleProcess, sleep, startRelayProcess, writeResult } from './lib.ts';

const seconds = Number(process.argv[2] ?? 20);
const levels = (process.argv[3] ?? '100,250,500,1000,1500').split(',').map(Number);
const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 2500 });

const rows = [];
for (const n of levels) {
  const relay = await startRelayProcess({ TABCAST_MAX_CONNECTIONS_PER_IP: String(n + 100), TABCAST_MAX_VIEWERS_PER_STREAM: String(n + 100) });
  const pub = new TestPublisher(relay.url);
  const w = await pub.hello(BENCH_KEY);
  const pubStartWall = Date.now();
  const sending = pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((seconds + 40) / 20) });
  await sleep(1000);
  const baselineRssMiB = procSample(relay.pid)!.rssBytes / 2 ** 20;
  const connectBudgetMs = 5000 + n * 10;
  const windowStart = Date.now() + connectBudgetMs;
  const windowEnd = windowStart + seconds * 1000;
  const client = spawn(process.execPath, ['--import', 'tsx', 'bench/fanout-client.ts', relay.url, w.streamId, String(n), String(windowStart), String(windowEnd), String(pubStartWall), '5000000'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  client.stdout!.on('data', (d) => (out += d));
  await sleep(windowStart - Date.now());
  const relayS = await sampleProcess(() => relay.pid, seconds - 1);
  await new Promise((r) => client.once('exit', r));
  pub.close();
  await sending.catch(() => undefined);
  await relay.stop();
  const res = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
  const row = {
    ...res,
    healthyPct: round((100 * res.healthyViewers) / n, 1),
    relayCpuPct: round(median(relayS.cpuPct)),
    relayCpuPerViewerPct: round(median(relayS.cpuPct) / n, 3),
    relayRssMiB: round(percentile(relayS.rssMiB, 100)),
    relayRssPerViewerKiB: round(((percentile(relayS.rssMiB, 100) - baselineRssMiB) * 1024) / n, 1),
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}
const ok = rows.filter((r) => r.healthyPct >= 99);
writeResult('fanout', `pnpm exec tsx bench/fanout.bench.ts ${seconds} ${levels.join(',')}`, {
  stream: '1280×720 30 fps H.264 2.5 Mbps + Opus, real time; load client = one Node process reading every viewer socket',
  seconds,
  rows,
  largestHealthyN: ok.length ? Math.max(...ok.map((r) => r.viewers)) : 0,
});
