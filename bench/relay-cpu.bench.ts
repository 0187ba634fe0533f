/**
 * Relay + FFmpeg CPU and memory for one 720p30, 2.5 Mbps stream (H.264 + Opus in, HLS out),
 * published in real time over a real WebSocket. Median of several runs.
 *   pnpm exec tsx bench/relay-cpu.bench.ts [runs=3] [seconds=60]
 */
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { TestPublisher } from '../apps/relay/test/support/test-publisher.ts';
import { BENCH_KEY, childPids, median, percentile, round, sampleProcess, startRelayProcess, writeResult } from './lib.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 60);
const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 2500 });

const perRun: { relayCpuPct: number; ffmpegCpuPct: number; relayRssMiB: number; ffmpegRssMiB: number }[] = [];
for (let run = 0; run < runs; run++) {
  const relay = await startRelayProcess();
  const pub = new TestPublisher(relay.url);
  await pub.hello(BENCH_KEY);
  const sending = pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((seconds + 10) / 20) });
  await new Promise((r) => setTimeout(r, 5000)); // warm-up: FFmpeg probing and first segments
  const [relayS, ffS] = await Promise.all([
    sampleProcess(() => relay.pid, seconds),
    sampleProcess(() => childPids(relay.pid, 'ffmpeg')[0], seconds),
  ]);
  pub.close();
  await sending.catch(() => undefined);
  await relay.stop();
  const r = {
    relayCpuPct: round(median(relayS.cpuPct)),
    ffmpegCpuPct: round(median(ffS.cpuPct)),
    relayRssMiB: round(percentile(relayS.rssMiB, 100)),
    ffmpegRssMiB: round(percentile(ffS.rssMiB, 100)),
  };
  console.log(`run ${run + 1}/${runs}:`, r);
  perRun.push(r);
}
const pick = (k: keyof (typeof perRun)[number]) => round(median(perRun.map((r) => r[k])));
writeResult('relay-cpu', `pnpm exec tsx bench/relay-cpu.bench.ts ${runs} ${seconds}`, {
  stream: '1280×720 30 fps H.264 High 2.5 Mbps + Opus 128 kbps → HLS (video copied, AAC 128 kbps)',
  seconds,
  runs: perRun,
  median: { relayCpuPct: pick('relayCpuPct'), ffmpegCpuPct: pick('ffmpegCpuPct'), relayRssMiB: pick('relayRssMiB'), ffmpegRssMiB: pick('ffmpegRssMiB') },
});
