/**
 * What recording costs the relay, per stream: its CPU with recording on against off, one 720p30
 * 2.5 Mbps stream published in real time (runs alternate on/off, median of each), and the time and
 * CPU the finalize takes (parts → Matroska → FFmpeg copy to a fast-start MP4) per minute recorded.
 * Target: ≤ 2 % of a core per stream while live.
 *   pnpm exec tsx bench/recording-cpu.bench.ts [runs=3] [seconds=60]
 */
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { TestPublisher } from '../apps/relay/test/support/test-publisher.ts';
import { BENCH_KEY, median, procSample, round, sampleProcess, sleep, startRelayProcess, writeResult } from './lib.ts';
import type { RecordingInfo } from '@tabcast/shared';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 60);
const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 2500 });

async function once(recording: boolean) {
  const relay = await startRelayProcess({ TABCAST_RECORDING: recording ? 'on' : 'off' });
  try {
    const pub = new TestPublisher(relay.url);
    await pub.hello(BENCH_KEY);
    const sending = pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((seconds + 10) / 20) });
    await sleep(5000);
    const s = await sampleProcess(() => relay.pid, seconds);
    await pub.stop(30_000);
    await sending.catch(() => undefined);
    let finalize: { ms: number; relayCpuSec: number; recordedMin: number } | null = null;
    if (recording) {
      const t0 = performance.now();
      const cpu0 = procSample(relay.pid)!.cpuSec;
      for (;;) {
        const list = (await (await fetch(`${relay.url}/api/recordings`, { headers: { authorization: `Bearer ${BENCH_KEY}` } })).json()) as RecordingInfo[];
        if (list[0]?.state === 'ready') {
          finalize = { ms: performance.now() - t0, relayCpuSec: procSample(relay.pid)!.cpuSec - cpu0, recordedMin: list[0].durationMs / 60_000 };
          break;
        }
        if (performance.now() - t0 > 300_000) throw new Error('the recording was not finalized in 5 minutes');
        await sleep(100);
      }
    }
    return { relayCpuPct: median(s.cpuPct), finalize };
  } finally {
    await relay.stop();
  }
}

const on: number[] = [];
const off: number[] = [];
const finalizeMsPerMin: number[] = [];
const finalizeRelayCpuSecPerMin: number[] = [];
for (let run = 0; run < runs; run++) {
  const a = await once(false);
  const b = await once(true);
  off.push(a.relayCpuPct);
  on.push(b.relayCpuPct);
  finalizeMsPerMin.push(b.finalize!.ms / b.finalize!.recordedMin);
  finalizeRelayCpuSecPerMin.push(b.finalize!.relayCpuSec / b.finalize!.recordedMin);
  console.log(`run ${run + 1}/${runs}: relay CPU off ${round(a.relayCpuPct)} %, on ${round(b.relayCpuPct)} %; finalize ${Math.round(b.finalize!.ms)} ms for ${round(b.finalize!.recordedMin, 2)} min`);
}
const costPct = round(median(on) - median(off));
writeResult('recording-cpu', `pnpm exec tsx bench/recording-cpu.bench.ts ${runs} ${seconds}`, {
  stream: '1280×720 30 fps H.264 High 2.5 Mbps + Opus, real time, HLS on in both',
  seconds,
  relayCpuPctOff: off.map((x) => round(x)),
  relayCpuPctOn: on.map((x) => round(x)),
  median: { off: round(median(off)), on: round(median(on)), costPct },
  targetMet: costPct <= 2,
  finalizeMsPerRecordedMinute: round(median(finalizeMsPerMin), 0),
  finalizeRelayCpuSecPerRecordedMinute: round(median(finalizeRelayCpuSecPerMin), 2),
});
