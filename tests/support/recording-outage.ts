/**
 * The outage run of issue 12, for the end-to-end test and the reliability benchmark: the studio
 * shares a real tab (the timecode card) to a relay in its own process; mid-broadcast the relay is
 * killed with SIGKILL and started again `downSec` later on the same port and data folder; the
 * studio resumes and backfills; the broadcast stops at `seconds` of wall-clock. Then the one
 * recording is downloaded and measured with ffprobe packet timestamps.
 */
import type { BrowserContext } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordingInfo } from '../../packages/shared/src/api.ts';
import { freePort, startRelayChild, type RelayChild } from '../../apps/relay/test/support/relay-child.ts';
import { CARD_TITLE } from './real-path.ts';

export interface OutageOptions {
  /** Broadcast length, wall-clock seconds from "Live" to Stop. */
  seconds: number;
  /** When the relay is killed, seconds after "Live". */
  killAtSec: number;
  /** How long the relay stays down before it is started again, seconds. */
  downSec: number;
  key: string;
  /** What the studio broadcasts: the shared timecode tab (default), or its test pattern with the beep, for A/V sync. */
  source?: 'tab' | 'test-pattern';
}

export interface OutageResult {
  wallClockMs: number;
  /** Recordings of the stream key afterwards (one is the target). */
  recordings: number;
  recording: RecordingInfo;
  videoFrames: number;
  audioPackets: number;
  /** Largest step between consecutive video packet timestamps, ms. */
  largestVideoHoleMs: number;
  /** ffprobe's duration of the MP4, ms. */
  probedDurationMs: number;
  codecs: string[];
  /** Test pattern only: how far the picture's flash is from its beep in the file (positive: picture late), ms. */
  avSync: AvSync | null;
  /** Studio figures at the end: chunks it still kept and frames it dropped. */
  studio: unknown;
}

export async function runRecordingOutage(context: BrowserContext, o: OutageOptions, log: (line: string) => void = () => undefined): Promise<OutageResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-outage-'));
  const port = await freePort();
  const env = { TABCAST_STREAM_KEY: o.key, TABCAST_HEALTH_QUALITY_ACTION: 'off' };
  let relay: RelayChild | null = await startRelayChild(env, dataDir, port);
  try {
    const card = await context.newPage();
    await card.goto(`${relay.url}/timecode.html`);
    await card.waitForFunction((t) => document.title === t, CARD_TITLE);
    const studio = await context.newPage();
    await studio.goto(`${relay.url}/studio#key=${o.key}`);
    if (o.source === 'test-pattern') {
      await studio.getByLabel('Test pattern (with timecode)').check();
      await studio.getByLabel(/Tab or system audio/).check();
    } else {
      await studio.getByLabel('Screen, window or tab').check();
    }
    await studio.getByRole('button', { name: 'Go live' }).click();
    await studio.locator('[data-state="live"]').waitFor({ timeout: 30_000 });
    const liveAt = Date.now();
    log('live');
    await studio.waitForTimeout(o.killAtSec * 1000);
    relay.child.kill('SIGKILL');
    log('relay killed (SIGKILL)');
    await studio.waitForTimeout(o.downSec * 1000);
    relay = await startRelayChild(env, dataDir, port);
    log('relay started again');
    await studio.locator('[data-state="live"]').waitFor({ timeout: 30_000 });
    log(`studio resumed after ${Math.round((Date.now() - liveAt) / 1000)} s`);
    await studio.waitForTimeout(Math.max(0, liveAt + o.seconds * 1000 - Date.now()));
    const studioFigures = await studio.locator('[data-stats]').first().getAttribute('data-stats');
    await studio.getByRole('button', { name: 'Stop' }).click();
    const wallClockMs = Date.now() - liveAt;
    await studio.locator('[data-state="idle"]').waitFor({ timeout: 30_000 });
    log('stopped');

    const url = relay.url;
    const deadline = Date.now() + 120_000;
    let list: RecordingInfo[] = [];
    for (;;) {
      list = (await (await fetch(`${url}/api/recordings`, { headers: { authorization: `Bearer ${o.key}` } })).json()) as RecordingInfo[];
      if (list.length && list.every((r) => r.state === 'ready' || r.state === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`the recording was not finalized in 2 minutes: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const recording = list[0]!;
    if (recording.state !== 'ready') throw new Error(`recording ${recording.state}: ${recording.error}`);
    const file = path.join(dataDir, 'outage.mp4');
    fs.writeFileSync(file, Buffer.from(await (await fetch(`${url}${recording.url}`)).arrayBuffer()));
    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time:stream=codec_type,codec_name:format=duration', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
    ) as { packets: { codec_type: string; pts_time: string }[]; streams: { codec_type: string; codec_name: string }[]; format: { duration: string } };
    const video = probe.packets.filter((p) => p.codec_type === 'video').map((p) => Number(p.pts_time)).sort((a, b) => a - b);
    const largestVideoHoleMs = Math.round(Math.max(0, ...video.slice(1).map((t, i) => (t - video[i]!) * 1000)));
    return {
      wallClockMs,
      recordings: list.length,
      recording,
      videoFrames: video.length,
      audioPackets: probe.packets.length - video.length,
      largestVideoHoleMs,
      probedDurationMs: Math.round(Number(probe.format.duration) * 1000),
      codecs: probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(),
      avSync: o.source === 'test-pattern' ? avSyncOf(file) : null,
      studio: studioFigures ? JSON.parse(studioFigures) : null,
    };
  } finally {
    await relay?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface AvSync {
  /** Beeps paired with a flash. */
  pairs: number;
  medianMs: number;
  maxAbsMs: number;
}

/**
 * A/V sync of a recording of the test pattern: its beep starts (FFmpeg's silencedetect: where
 * silence ends) against its flash starts (the frame border turns white: mean luma of a strip of
 * the left border, by signalstats), each beep paired with the nearest flash within 500 ms.
 */
export function avSyncOf(file: string): AvSync {
  const run = (args: string[]) => spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, ...args, '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stderr;
  const beeps = [...run(['-map', '0:a', '-af', 'silencedetect=noise=-30dB:d=0.2']).matchAll(/silence_end: ([\d.]+)/g)].map((m) => Number(m[1]));
  const lumaLog = run(['-map', '0:v', '-vf', 'crop=16:ih/3:0:ih/3,signalstats,metadata=print:key=lavfi.signalstats.YAVG']);
  const frames = [...lumaLog.matchAll(/pts_time:([\d.]+)[\s\S]*?lavfi\.signalstats\.YAVG=([\d.]+)/g)].map((m) => ({ t: Number(m[1]), y: Number(m[2]) }));
  const ys = frames.map((f) => f.y);
  const threshold = (Math.min(...ys) + Math.max(...ys)) / 2;
  const flashes = frames.filter((f, i) => f.y > threshold && !(frames[i - 1] && frames[i - 1]!.y > threshold)).map((f) => f.t);
  const offsets: number[] = [];
  for (const b of beeps) {
    const nearest = flashes.reduce((best, f) => (Math.abs(f - b) < Math.abs(best - b) ? f : best), Infinity);
    if (Math.abs(nearest - b) <= 0.5) offsets.push((nearest - b) * 1000);
  }
  offsets.sort((a, b) => a - b);
  return {
    pairs: offsets.length,
    medianMs: offsets.length ? Math.round(offsets[Math.floor(offsets.length / 2)]!) : NaN,
    maxAbsMs: offsets.length ? Math.round(Math.max(...offsets.map(Math.abs))) : NaN,
  };
}
