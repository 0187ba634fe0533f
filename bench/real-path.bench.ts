/**
 * Glass-to-glass latency through the path users take: the latency test card shared through
 * getDisplayMedia (tab capture), read back from the viewer's pixels. In each run, one after the
 * other on the same tab and the same machine: the capture floor (the captured track shown
 * directly), Chromium's WebRTC loopback (H.264 720p), Tabcast real-time, and three HLS players of
 * the same stream: hls.js in low-latency mode on the LL-HLS playlist (what the watch page plays),
 * hls.js without low-latency mode on the same playlist (a plain client: whole segments, no parts; hls.js 1.7 still uses blocking reload), and hls.js on the MPEG-TS
 * playlist (HLS before LL-HLS). Each path runs alone, so none pays for another's CPU. Then the
 * same again with one CPU busy-loop process beside it.
 *   pnpm exec tsx bench/real-path.bench.ts [runs=3] [seconds=30] [burners=0,1]
 */
import { median, percentile, round, sleep, startRelayProcess, writeResult } from './lib.ts';
import { collect, cpuBurner, launchRealPath, newContext, openCard, openReference, slopeMsPerS, waitForSamples, type Sample } from '../tests/support/real-path.ts';
import { goLive, readStats } from './studio.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 30);
const burnerCounts = (process.argv[4] ?? '0,1').split(',').map(Number);
const WARM_UP_MS = 3_000;

type PathName = 'floor' | 'webrtc' | 'realtime' | 'hlsLl' | 'hlsPlain' | 'hlsTs';
/** The watch page's query for each viewer path. */
const VIEWER_QUERY = { realtime: 'mode=realtime', hlsLl: 'mode=hls', hlsPlain: 'mode=hls&hls=plain', hlsTs: 'mode=hls&hls=ts' } as const;
interface PathResult {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  slopeMsPerS: number;
  fps: number;
  samples: number;
}

function summarise(samples: Sample[], frames: number, secs: number): PathResult {
  const xs = samples.map((s) => s.latencyMs);
  return {
    p50Ms: round(median(xs), 0),
    p95Ms: round(percentile(xs, 95), 0),
    maxMs: round(Math.max(...xs), 0),
    slopeMsPerS: round(slopeMsPerS(samples), 1),
    fps: round(frames / secs, 1),
    samples: xs.length,
  };
}

type RunResult = Record<PathName, PathResult> & { studioFps: number; studioDropped: number };

async function oneRun(burners: number): Promise<RunResult> {
  const relay = await startRelayProcess();
  const burning = Array.from({ length: burners }, () => cpuBurner());
  const browser = await launchRealPath();
  try {
    const context = await newContext(browser);
    await openCard(context, relay.url);
    const out = {} as Record<PathName, PathResult>;
    for (const mode of ['floor', 'webrtc'] as const) {
      const page = await openReference(context, relay.url, mode);
      await sleep(WARM_UP_MS);
      const c = await collect(page, seconds);
      out[mode] = summarise(c.samples, c.frames, c.seconds);
      await page.close();
    }
    const studio = await context.newPage();
    const href = await goLive(studio, relay.url, 'screen');
    let studioFps: number[] = [];
    let studioDropped = 0;
    for (const mode of ['realtime', 'hlsLl', 'hlsPlain', 'hlsTs'] as const) {
      const viewer = await context.newPage();
      await viewer.goto(`${relay.url}${href}?${VIEWER_QUERY[mode]}`);
      await waitForSamples(viewer);
      await sleep(WARM_UP_MS);
      const before = await readStats(studio);
      const c = await collect(viewer, seconds);
      const after = await readStats(studio);
      out[mode] = summarise(c.samples, c.frames, c.seconds);
      if (mode === 'realtime' && before && after) {
        studioFps = [(after.framesEncoded - before.framesEncoded) / c.seconds];
        studioDropped = after.framesDropped - before.framesDropped;
      }
      await viewer.close();
    }
    return { ...out, studioFps: round(studioFps[0] ?? NaN, 1), studioDropped };
  } finally {
    await browser.close();
    burning.forEach((b) => b.stop());
    await relay.stop();
  }
}

const result: Record<string, unknown> = {};
for (const burners of burnerCounts) {
  const perRun: RunResult[] = [];
  for (let run = 0; run < runs; run++) {
    const r = await oneRun(burners);
    console.log(`burners ${burners}, run ${run + 1}/${runs}:`, JSON.stringify(r));
    perRun.push(r);
  }
  const med = (f: (r: RunResult) => number) => round(median(perRun.map(f)), 2);
  const paths = ['floor', 'webrtc', 'realtime', 'hlsLl', 'hlsPlain', 'hlsTs'] as const;
  const medians = Object.fromEntries(paths.map((p) => [p, { p50Ms: med((r) => r[p].p50Ms), p95Ms: med((r) => r[p].p95Ms), slopeMsPerS: med((r) => r[p].slopeMsPerS), fps: med((r) => r[p].fps) }]));
  result[`burners${burners}`] = {
    runs: perRun,
    median: medians,
    studioFps: med((r) => r.studioFps),
    // Ratios per run (side by side), then their median.
    realtimeOverWebrtcP50: med((r) => r.realtime.p50Ms / r.webrtc.p50Ms),
    realtimeOverWebrtcP95: med((r) => r.realtime.p95Ms / r.webrtc.p95Ms),
    addedOverFloorRealtimeP50Ms: med((r) => r.realtime.p50Ms - r.floor.p50Ms),
    addedOverFloorWebrtcP50Ms: med((r) => r.webrtc.p50Ms - r.floor.p50Ms),
    addedRatioP50: med((r) => (r.realtime.p50Ms - r.floor.p50Ms) / (r.webrtc.p50Ms - r.floor.p50Ms)),
  };
}
writeResult('real-path', `pnpm exec tsx bench/real-path.bench.ts ${runs} ${seconds} ${burnerCounts.join(',')}`, {
  setup: 'latency test card (/timecode.html, drawn with requestAnimationFrame) shared by tab capture (getDisplayMedia, --auto-select-tab-capture-source-by-title); studio 720p30 H.264 2.5 Mbps → relay → real-time viewer (canvas read back each frame) and HLS (hls.js <video> read 4×/s: LL-HLS in low-latency mode, the same playlist without it, and the MPEG-TS playlist); references: captured track in a <video> (floor) and two RTCPeerConnections on loopback, H.264 720p 2.5 Mbps (WebRTC), read back each frame; one headless Chromium, loopback',
  seconds,
  result,
});
