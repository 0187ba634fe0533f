/**
 * Relay CPU per RTMP destination: one 720p30 2.5 Mbps stream in real time, with 0, 1, 2 and 4
 * destinations (real nginx-rtmp servers on loopback). Reports the relay's CPU, and the CPU of each
 * destination's FFmpeg (copy video, Opus → AAC, FLV), median of runs.
 *   pnpm exec tsx bench/restream-cpu.bench.ts [runs=3] [seconds=30]
 */
import fs from 'node:fs';
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { startRtmpServer } from '../apps/relay/test/support/nginx-rtmp.ts';
import { TestPublisher } from '../apps/relay/test/support/test-publisher.ts';
import { BENCH_KEY, childPids, freePort, median, round, sampleProcess, sleep, startRelayProcess, writeResult } from './lib.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 30);
const counts = [0, 1, 2, 4];
const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 2500 });
const servers = await Promise.all(counts.slice(-1).flatMap(() => Array.from({ length: 4 }, async () => startRtmpServer(await freePort()))));

const rows: { destinations: number; relayCpuPct: number; ffmpegHlsCpuPct: number; ffmpegPerDestinationCpuPct: number }[] = [];
for (const n of counts) {
  const perRun = [];
  for (let run = 0; run < runs; run++) {
    const relay = await startRelayProcess();
    const pub = new TestPublisher(relay.url);
    await pub.hello(BENCH_KEY);
    pub.send({ type: 'destinations', destinations: servers.slice(0, n).map((s, i) => ({ id: `d${i}`, name: `nginx ${i}`, enabled: true, url: s.url, streamKey: `bench${run}x${i}` })) });
    const sending = pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((seconds + 10) / 20) });
    await sleep(5000);
    // HLS first, then the destinations, told apart by their command lines.
    const isHls = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('\0hls\0');
    const ffmpegs = () => {
      const pids = childPids(relay.pid, 'ffmpeg').filter((p) => fs.existsSync(`/proc/${p}`));
      return [...pids.filter(isHls), ...pids.filter((p) => !isHls(p))];
    };
    const [relayS, ...ffS] = await Promise.all([
      sampleProcess(() => relay.pid, seconds),
      ...Array.from({ length: n + 1 }, (_, i) => sampleProcess(() => ffmpegs()[i], seconds)),
    ]);
    pub.close();
    await sending.catch(() => undefined);
    await relay.stop();
    const ffCpu = ffS.map((s) => median(s!.cpuPct));
    perRun.push({ relay: median(relayS!.cpuPct), hls: ffCpu[0] ?? NaN, dest: n ? median(ffCpu.slice(1)) : 0 });
  }
  const row = {
    destinations: n,
    relayCpuPct: round(median(perRun.map((r) => r.relay))),
    ffmpegHlsCpuPct: round(median(perRun.map((r) => r.hls))),
    ffmpegPerDestinationCpuPct: round(median(perRun.map((r) => r.dest))),
  };
  console.log(row);
  rows.push(row);
}
await Promise.all(servers.map((s) => s.stop()));
writeResult('restream-cpu', `pnpm exec tsx bench/restream-cpu.bench.ts ${runs} ${seconds}`, {
  stream: '1280×720 30 fps H.264 2.5 Mbps + Opus 128 kbps, real time; destinations are nginx-rtmp on loopback',
  seconds,
  rows,
});
