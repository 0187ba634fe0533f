/**
 * test:perf:configs — seed 001's "Tested Configurations" tables, as they apply to Tabcast, filled
 * with measured rows (fps, CPU, memory, drops in each):
 * - rtmp: the chunk size the relay pushes to a destination with (128, 4096, 60000), one 720p30
 *   2.5 Mbps stream in real time to nginx-rtmp on loopback; fps and missing frames from nginx's
 *   own recording (ffprobe);
 * - gop: the real-time GOP cache for a joining viewer (on: 8 MiB, off: 0), 12 viewers joining one
 *   after the other: time to their first frame, and what the relay spends.
 * Only the relay is involved (encoded fixtures stand in for the studio), so no browser runs.
 *   pnpm exec tsx bench/perf/configs.perf.ts [rtmp,gop] [seconds=30] [--smoke]
 */
import { execFileSync } from 'node:child_process';
import { loadFixture } from '../../apps/relay/test/support/fixture.ts';
import { startRtmpServer } from '../../apps/relay/test/support/nginx-rtmp.ts';
import { TestPublisher } from '../../apps/relay/test/support/test-publisher.ts';
import { TestViewer } from '../../apps/relay/test/support/test-viewer.ts';
import { BENCH_KEY, freePort, median, round, sampleProcess, sleep, startRelayProcess } from '../lib.ts';
import { budget, finish, positional, SMOKE, type Budget } from './perf-lib.ts';

const parts = (positional[0] ?? 'rtmp,gop').split(',');
const seconds = Number(positional[1] ?? (SMOKE ? 8 : 30));
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

finish('configs', `pnpm exec tsx bench/perf/configs.perf.ts ${parts.join(',')} ${seconds}${SMOKE ? ' --smoke' : ''}`, { ...result, budgets });
process.exit();
