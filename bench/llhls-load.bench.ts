/**
 * LL-HLS under load: one 720p30 stream published in real time, then N simulated hls.js
 * low-latency viewers from this one Node process, each doing what hls.js does at the live edge:
 * a blocking playlist reload (`_HLS_msn`/`_HLS_part` for the next part), then every new part.
 * A part's deadline is PART-HOLD-BACK (3 part targets) after the first viewer saw it listed: a
 * viewer that has it later than that would have stalled. Reports deadlines met, lateness, and the
 * relay's CPU and memory per viewer (relay alone with 0 viewers vs with N).
 *
 * Also, to compare the HLS output's cost with the MPEG-TS-only output it replaced: FFmpeg alone on
 * the same Matroska input in real time, with the old command line (HLS, MPEG-TS) and the new one
 * (tee: the same HLS plus fragmented MP4 on a pipe).
 *   pnpm exec tsx bench/llhls-load.bench.ts [viewers=200] [seconds=60]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { TestPublisher } from '../apps/relay/test/support/test-publisher.ts';
import { buildHlsArgs } from '../apps/relay/src/ffmpeg/ffmpeg-args.ts';
import { RELAY_DEFAULTS } from '../apps/relay/src/config/config.ts';
import { BENCH_KEY, median, percentile, procSample, round, sampleProcess, sleep, startRelayProcess, writeResult } from './lib.ts';

const viewers = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 60);
const PART_TARGET_MS = RELAY_DEFAULTS.llHlsPartTargetMs;
const DEADLINE_MS = 3 * PART_TARGET_MS;
const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 2500 });

const agent = new http.Agent({ keepAlive: true, maxSockets: viewers * 2 + 10 });

function get(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const PART_LINE = /^#EXT-X-PART:DURATION=[\d.]+,URI="(ll-part-(\d+)\.(\d+)\.m4s)"/gm;

interface Tally {
  /** First time any viewer saw each part listed, ms. */
  firstSeen: Map<string, number>;
  lateness: number[];
  late: number;
  missed: number;
  errors: number;
  reloads: number;
}

async function viewer(base: string, until: number, tally: Tally): Promise<void> {
  let next: { msn: number; part: number } | null = null;
  let fetchedUpTo: [number, number] = [-1, -1];
  while (performance.now() < until) {
    const q = next ? `?_HLS_msn=${next.msn}&_HLS_part=${next.part}` : '';
    let res;
    try {
      res = await get(`${base}/ll.m3u8${q}`);
    } catch {
      tally.errors++;
      await sleep(200);
      continue;
    }
    tally.reloads++;
    if (res.status !== 200) {
      tally.errors++;
      next = null;
      await sleep(200);
      continue;
    }
    const seenAt = performance.now();
    const parts = [...res.body.toString('utf8').matchAll(PART_LINE)].map((m) => ({ uri: m[1]!, msn: Number(m[2]), index: Number(m[3]) }));
    for (const p of parts) if (!tally.firstSeen.has(p.uri)) tally.firstSeen.set(p.uri, seenAt);
    const last = parts.at(-1);
    if (!last) continue;
    // At the start, hls.js begins a few parts back from the edge; afterwards every new part.
    const fresh = fetchedUpTo[0] < 0 ? parts.slice(-3) : parts.filter((p) => p.msn > fetchedUpTo[0] || (p.msn === fetchedUpTo[0] && p.index > fetchedUpTo[1]));
    for (const p of fresh) {
      const r = await get(`${base}/${p.uri}`).catch(() => null);
      if (!r || r.status !== 200) {
        tally.missed++;
        continue;
      }
      const lateness = performance.now() - tally.firstSeen.get(p.uri)!;
      tally.lateness.push(lateness);
      if (lateness > DEADLINE_MS) tally.late++;
    }
    fetchedUpTo = [last.msn, last.index];
    next = { msn: last.msn, part: last.index + 1 };
  }
}

async function loadRun(): Promise<Record<string, number>> {
  const relay = await startRelayProcess();
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(BENCH_KEY);
  const sending = pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((2 * seconds + 20) / 20) });
  await sleep(5_000); // FFmpeg's start and the first parts
  const base = `${relay.url}/hls/${welcome.streamId}`;
  const idle = await sampleProcess(() => relay.pid, Math.min(20, seconds));
  const rssIdle = procSample(relay.pid)?.rssBytes ?? NaN;
  const tally: Tally = { firstSeen: new Map(), lateness: [], late: 0, missed: 0, errors: 0, reloads: 0 };
  const until = performance.now() + (seconds + 5) * 1000;
  const clientCpu0 = process.cpuUsage();
  const running = Promise.all(Array.from({ length: viewers }, () => viewer(base, until, tally)));
  await sleep(5_000); // all viewers at the live edge
  tally.lateness.length = 0;
  tally.late = 0;
  tally.missed = 0;
  const loaded = await sampleProcess(() => relay.pid, seconds - 5);
  const rssLoaded = procSample(relay.pid)?.rssBytes ?? NaN;
  await running;
  const clientCpu = process.cpuUsage(clientCpu0);
  pub.close();
  await sending.catch(() => undefined);
  await relay.stop();
  const relayIdlePct = median(idle.cpuPct);
  const relayLoadedPct = median(loaded.cpuPct);
  return {
    partsFetched: tally.lateness.length,
    onTimePct: round((100 * (tally.lateness.length - tally.late)) / Math.max(1, tally.lateness.length), 2),
    late: tally.late,
    missed: tally.missed,
    errors: tally.errors,
    latenessP50Ms: round(median(tally.lateness), 0),
    latenessP99Ms: round(percentile(tally.lateness, 99), 0),
    latenessMaxMs: round(Math.max(...tally.lateness), 0),
    relayIdleCpuPct: round(relayIdlePct),
    relayLoadedCpuPct: round(relayLoadedPct),
    relayCpuPctPerViewer: round((relayLoadedPct - relayIdlePct) / viewers, 3),
    relayRssKiBPerViewer: round((rssLoaded - rssIdle) / 1024 / viewers, 1),
    clientCpuPct: round(((clientCpu.user + clientCpu.system) / 1e6 / (seconds + 5)) * 100),
  };
}

/** CPU seconds FFmpeg spends on `seconds` of the fixture fed in real time, with the given output arguments. */
async function ffmpegCpuSec(outputArgs: (dir: string) => string[]): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-llbench-'));
  try {
    // The fixture file loadFixture made above.
    const src = path.join(process.env.TABCAST_FIXTURE_DIR || path.join(os.tmpdir(), 'tabcast-fixtures'), 'src-20s-1280x720-30-2500k-g60-a.mkv');
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-t', String(seconds), '-i', src, ...outputArgs(dir)], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    (ff.stdio[3] as import("node:stream").Readable).resume(); // the fragmented MP4 pipe, read and dropped as fast as the relay would
    let cpu = 0;
    const timer = setInterval(() => (cpu = procSample(ff.pid!)?.cpuSec ?? cpu), 500);
    await new Promise((r) => ff.on('close', r));
    clearInterval(timer);
    return cpu;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const argsFor = (dir: string) => buildHlsArgs({ outDir: dir, hlsTimeSec: 2, hlsListSize: 5, hasAudio: true, aacBitrate: 128_000, append: false, fragmentDurationUs: PART_TARGET_MS * 800 });
// What the relay's HLS FFmpeg ran before LL-HLS: the same input side and codecs, HLS alone.
const inputSide = (args: string[]) => args.slice(args.indexOf('pipe:0') + 1, args.lastIndexOf('-f'));
const tsOnly = (dir: string) => [...inputSide(argsFor(dir)), '-f', 'hls', '-hls_time', '2', '-hls_list_size', '5', '-hls_flags', 'delete_segments+temp_file+independent_segments+omit_endlist', '-hls_segment_type', 'mpegts', '-hls_segment_filename', path.join(dir, 'seg_%05d.ts'), path.join(dir, 'ffmpeg.m3u8')];
const withLl = (dir: string) => { const a = argsFor(dir); return [...inputSide(a), ...a.slice(a.lastIndexOf('-f'))]; };

const ffmpeg = { tsOnlyCpuSec: round(await ffmpegCpuSec(tsOnly), 2), tsPlusFmp4CpuSec: round(await ffmpegCpuSec(withLl), 2) };
console.log('ffmpeg alone:', ffmpeg);
const load = await loadRun();
console.log(`${viewers} LL-HLS viewers:`, load);
writeResult('llhls-load', `pnpm exec tsx bench/llhls-load.bench.ts ${viewers} ${seconds}`, {
  setup: `one 1280×720 30 fps 2.5 Mbps stream published in real time; ${viewers} simulated hls.js low-latency viewers (blocking reload + every part, keep-alive HTTP/1.1) from one Node process on loopback; part deadline ${DEADLINE_MS} ms (PART-HOLD-BACK) after the part was first listed`,
  viewers,
  seconds,
  partTargetMs: PART_TARGET_MS,
  deadlineMs: DEADLINE_MS,
  load,
  ffmpeg,
});
