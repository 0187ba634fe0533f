/**
 * test:perf:configs — seed 001's "Tested Configurations" tables, as they apply to Tabcast, filled
 * with measured rows (fps, CPU, memory, drops in each):
 * - encoder: each studio profile, then the low-latency profile with one encoder setting changed
 *   (latencyMode quality, bitrateMode constant, keyframe every 0.5 s / 2 s), 720p30, the timecode
 *   tab shared through getDisplayMedia to a real-time viewer, nothing else running;
 * - pipeline: the queue bounds on the path, with one CPU burner beside it so they matter: the
 *   studio's encoder queue (1, 3 = default, 8 frames) and the relay's real-time viewer budget
 *   (TABCAST_VIEWER_MAX_LAG_MS 500 = the least allowed, 1000 = default, 3000 ms of media);
 * - rtmp: the chunk size the relay pushes to a destination with (128, 4096, 60000), one 720p30
 *   2.5 Mbps stream in real time to nginx-rtmp on loopback; fps and missing frames from nginx's
 *   own recording (ffprobe);
 * - gop: the real-time GOP cache for a joining viewer (on: 8 MiB, off: 0), 12 viewers joining one
 *   after the other: time to their first frame, and what the relay spends.
 * rtmp and gop involve only the relay (encoded fixtures stand in for the studio); encoder and
 * pipeline run headless Chromium on the real path.
 *   pnpm exec tsx bench/perf/configs.perf.ts [encoder,pipeline,rtmp,gop] [seconds=30] [path-seconds=15] [--smoke]
 */
import { execFileSync } from 'node:child_process';
import { loadFixture } from '../../apps/relay/test/support/fixture.ts';
import { startRtmpServer } from '../../apps/relay/test/support/nginx-rtmp.ts';
import { TestPublisher } from '../../apps/relay/test/support/test-publisher.ts';
import { TestViewer } from '../../apps/relay/test/support/test-viewer.ts';
import { collect, cpuBurner, launchRealPath, newContext, openCard, waitForSamples } from '../../tests/support/real-path.ts';
import type { EncoderTuning } from '../../apps/web/src/routes/studio/studio-perf.ts';
import { BENCH_KEY, freePort, median, percentile, procSample, round, sampleProcess, sleep, startRelayProcess } from '../lib.ts';
import { browserMarker, browserTreeCpuSec, browserTreeRssMiB, goLive, readStats } from '../studio.ts';
import { budget, finish, positional, SMOKE, type Budget } from './perf-lib.ts';

// CI's smoke run keeps to the relay-only tables (no browser): the path is smoked by frames:quality.
const parts = (positional[0] ?? (SMOKE ? 'rtmp,gop' : 'encoder,pipeline,rtmp,gop')).split(',');
const seconds = Number(positional[1] ?? (SMOKE ? 8 : 30));
/** Per row of the encoder and pipeline tables (a browser on the real path each). */
const pathSeconds = Number(positional[2] ?? 15);
const FPS = 30;
const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: FPS, videoKbps: 2500 });
const budgets: Budget[] = [];
const result: Record<string, unknown> = {};

/** Video frames and duration of a recording, by ffprobe. */
function probeVideo(file: string): { frames: number; seconds: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  const j = JSON.parse(out) as { streams: { nb_read_packets: string }[]; format: { duration: string } };
  return { frames: Number(j.streams[0]?.nb_read_packets ?? 0), seconds: Number(j.format.duration ?? 0) };
}

interface PathRow {
  profile: string;
  tuning: EncoderTuning;
  relayEnv?: Record<string, string>;
}

/**
 * One configuration on the real path: the studio live on the shared timecode tab (with `tuning`
 * over its profile), a real-time viewer, `seconds` measured after a warm-up. Returns fps, CPU,
 * memory and drops at the studio, the relay and the viewer.
 */
async function measurePath(row: PathRow, burners: number) {
  const relay = await startRelayProcess(row.relayEnv ?? {});
  const burning = Array.from({ length: burners }, () => cpuBurner());
  const marker = browserMarker();
  const browser = await launchRealPath([marker]);
  try {
    const context = await newContext(browser);
    await openCard(context, relay.url);
    const studio = await context.newPage();
    const href = await goLive(studio, relay.url, 'screen', { quality: '720p30', profile: row.profile, tuning: row.tuning });
    const viewer = await context.newPage();
    await viewer.goto(`${relay.url}${href}?mode=realtime`);
    await waitForSamples(viewer);
    await sleep(3_000);
    const before = await readStats(studio);
    const cpu0 = { chromium: browserTreeCpuSec(marker), relay: procSample(relay.pid)?.cpuSec ?? NaN, t: performance.now() };
    const c = await collect(viewer, pathSeconds);
    const secs = (performance.now() - cpu0.t) / 1000;
    const after = await readStats(studio);
    const chromiumCpuPct = ((browserTreeCpuSec(marker) - cpu0.chromium) / secs) * 100;
    const relayNow = procSample(relay.pid);
    const studioHeapMiB = await studio.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN);
    const latencies = c.samples.map((x) => x.latencyMs);
    const drops = before && after ? Object.fromEntries(Object.entries(after.drops).map(([k, v]) => [k, v - (before.drops[k as keyof typeof before.drops] ?? 0)])) : {};
    return {
      fpsSent: before && after ? round((after.framesEncoded - before.framesEncoded) / c.seconds, 1) : NaN,
      fpsShown: round(c.frames / c.seconds, 1),
      latencyP50Ms: round(median(latencies), 0),
      latencyP95Ms: round(percentile(latencies, 95), 0),
      encodeMs: after ? round(after.encodeMsAvg, 1) : NaN,
      bitrateKbps: after ? round(after.bitrate / 1000) : NaN,
      studioDrops: drops,
      studioDropped: Object.values(drops).reduce((a, b) => a + b, 0),
      chromiumCpuPct: round(chromiumCpuPct),
      chromiumRssMiB: round(browserTreeRssMiB(marker)),
      studioHeapMiB: round(studioHeapMiB / 2 ** 20),
      relayCpuPct: relayNow ? round(((relayNow.cpuSec - cpu0.relay) / secs) * 100) : NaN,
      relayRssMiB: relayNow ? round(relayNow.rssBytes / 2 ** 20) : NaN,
    };
  } finally {
    await browser.close();
    burning.forEach((b) => b.stop());
    await relay.stop();
  }
}

if (parts.includes('encoder')) {
  const configs: (PathRow & { name: string })[] = [
    { name: 'Low latency: realtime, variable, keyframe 1 s, 2.5 Mbps', profile: 'low-latency', tuning: {} },
    { name: 'High quality: quality, variable, keyframe 2 s, 4 Mbps', profile: 'high-quality', tuning: {} },
    { name: 'Battery saving: 480p15, realtime, variable, keyframe 2 s, 0.3 Mbps', profile: 'battery-saving', tuning: {} },
    { name: 'Low latency, latencyMode quality', profile: 'low-latency', tuning: { latencyMode: 'quality' } },
    { name: 'Low latency, bitrateMode constant', profile: 'low-latency', tuning: { bitrateMode: 'constant' } },
    { name: 'Low latency, keyframe every 0.5 s', profile: 'low-latency', tuning: { keyframeIntervalMs: 500 } },
    { name: 'Low latency, keyframe every 2 s', profile: 'low-latency', tuning: { keyframeIntervalMs: 2_000 } },
  ];
  const rows = [];
  for (const cfg of configs) {
    const row = { config: cfg.name, ...(await measurePath(cfg, 0)) };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
  result.encoder = { setup: `the timecode tab shared through getDisplayMedia at 720p30 (Screen only) from the studio to a real-time viewer in one headless Chromium, ${pathSeconds} s per row after 3 s of warm-up, nothing else running; Chromium CPU is every process of that browser (the shared tab's rendering and capture, the studio, the viewer), in % of one core`, rows };
  for (const r of rows) budgets.push(budget(`encoder ${r.config}: real-time fps shown ÷ sent`, round(r.fpsShown / r.fpsSent, 2), 'min', 0.5, '×'));
}

if (parts.includes('pipeline')) {
  const configs: (PathRow & { name: string })[] = [
    { name: 'encoder queue 1 frame', profile: 'low-latency', tuning: { maxEncodeQueue: 1 } },
    { name: 'encoder queue 3 frames (default)', profile: 'low-latency', tuning: {} },
    { name: 'encoder queue 8 frames', profile: 'low-latency', tuning: { maxEncodeQueue: 8 } },
    { name: 'relay viewer budget 500 ms (the least allowed)', profile: 'low-latency', tuning: {}, relayEnv: { TABCAST_VIEWER_MAX_LAG_MS: '500' } },
    { name: 'relay viewer budget 3000 ms', profile: 'low-latency', tuning: {}, relayEnv: { TABCAST_VIEWER_MAX_LAG_MS: '3000' } },
  ];
  const rows = [];
  for (const cfg of configs) {
    const row = { config: cfg.name, ...(await measurePath(cfg, 1)) };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
  result.pipeline = { setup: `as the encoder table (720p30 low latency, the shared timecode tab to a real-time viewer, ${pathSeconds} s per row) with one CPU burner beside it so the queues fill; the relay's viewer budget default (1000 ms) is the "encoder queue 3 frames" row`, rows };
  for (const r of rows) budgets.push(budget(`pipeline ${r.config}: real-time latency p50`, r.latencyP50Ms, 'max', 2_000, 'ms'));
}

if (parts.includes('rtmp')) {
  const rows = [];
  // The smoke run keeps to the default: one push is check enough that restreaming still delivers.
  for (const chunkSize of SMOKE ? [4096] : [128, 4096, 60_000]) {
    const server = await startRtmpServer(await freePort());
    const relay = await startRelayProcess({ TABCAST_RTMP_CHUNK_SIZE: String(chunkSize) });
    try {
      const pub = new TestPublisher(relay.url);
      await pub.hello(BENCH_KEY);
      pub.send({ type: 'destinations', destinations: [{ id: 'd0', name: 'nginx', enabled: true, url: server.url, streamKey: `chunk${chunkSize}` }] });
      const sending = pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((seconds + 10) / 20) });
      await sleep(4_000);
      const sample = await sampleProcess(() => relay.pid, seconds);
      pub.close();
      await sending.catch(() => undefined);
      await sleep(1_500); // nginx closes the recording
      const rec = server.recordings().at(-1);
      const v = rec ? probeVideo(rec) : { frames: 0, seconds: 0 };
      const row = {
        chunkSize,
        fps: v.seconds ? round(v.frames / v.seconds) : 0,
        relayCpuPct: round(median(sample.cpuPct)),
        relayRssMiB: round(median(sample.rssMiB)),
        recordedSeconds: round(v.seconds),
        missingFrames: Math.max(0, Math.round(v.seconds * FPS) - v.frames),
      };
      console.log(JSON.stringify(row));
      rows.push(row);
    } finally {
      await relay.stop();
      await server.stop();
    }
  }
  result.rtmp = { setup: `one 1280×720 ${FPS} fps H.264 2.5 Mbps + Opus stream in real time for ${seconds} s, pushed to nginx-rtmp on loopback (FFmpeg: video copied, Opus → AAC, FLV; the relay's own RTMP client); fps and missing frames from nginx's recording, by ffprobe`, rows };
  for (const r of rows) budgets.push(budget(`RTMP chunk ${r.chunkSize}: fps delivered`, r.fps, 'min', FPS * 0.9, 'fps'));
}

if (parts.includes('gop')) {
  const JOINS = SMOKE ? 4 : 12;
  const rows = [];
  for (const [label, bytes] of [['on (8 MiB)', 8 << 20], ['off', 0]] as const) {
    const relay = await startRelayProcess({ TABCAST_GOP_CACHE_BYTES: String(bytes) });
    try {
      const pub = new TestPublisher(relay.url);
      const w = await pub.hello(BENCH_KEY);
      const sending = pub.sendFixture(fx, { pace: 'realtime', loops: Math.ceil((JOINS * 1.7 + 20) / 20) });
      await sleep(3_000);
      const firstFrameMs: number[] = [];
      const viewers: TestViewer[] = [];
      const sampling = sampleProcess(() => relay.pid, Math.ceil(JOINS * 1.5) + 1);
      for (let i = 0; i < JOINS; i++) {
        const t0 = performance.now();
        const v = new TestViewer(relay.url, w.streamId, { keepMessages: false });
        viewers.push(v);
        await v.opened;
        while (v.videoFrames === 0 && performance.now() - t0 < 5_000) await sleep(5);
        firstFrameMs.push(round(performance.now() - t0, 0));
        // Join at a different point of the 2 s GOP each time.
        await sleep(1_000 + Math.round((i * 700) % 1_000));
      }
      const seen = viewers.map((v) => v.videoFrames);
      const s = await sampling;
      pub.close();
      await sending.catch(() => undefined);
      viewers.forEach((v) => v.ws.close());
      const row = {
        gopCache: label,
        firstFrameMsP50: round(median(firstFrameMs), 0),
        firstFrameMsMax: Math.max(...firstFrameMs),
        relayCpuPct: round(median(s.cpuPct)),
        relayRssMiB: round(median(s.rssMiB)),
        framesPerViewerMedian: median(seen),
      };
      console.log(JSON.stringify(row));
      rows.push(row);
    } finally {
      await relay.stop();
    }
  }
  result.gop = { setup: `one 1280×720 ${FPS} fps 2.5 Mbps stream with a 2 s GOP in real time; ${JOINS} real-time viewers join one after the other at different points of the GOP; time from opening the socket (handshake included) to the first video frame. With the cache the first frame is the GOP's keyframe, up to a GOP old: the player catches up through it to live (docs/protocol.md)`, rows };
  const on = rows[0]!;
  const off = rows[1]!;
  budgets.push(budget('GOP cache on: first frame p50', on.firstFrameMsP50, 'max', 500, 'ms'), budget('GOP cache off: first frame p50 (waits for a keyframe)', off.firstFrameMsP50, 'min', on.firstFrameMsP50, 'ms'));
}

finish('configs', `pnpm exec tsx bench/perf/configs.perf.ts ${parts.join(',')} ${seconds} ${pathSeconds}${SMOKE ? ' --smoke' : ''}`, { ...result, budgets });
process.exit();
