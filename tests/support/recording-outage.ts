/**
 * The outage run of issue 12, for the end-to-end test and the reliability benchmark: the studio
 * shares a real tab (the timecode card) to a relay in its own process; mid-broadcast the relay is
 * killed with SIGKILL and started again `downSec` later on the same port and data folder; the
 * studio resumes and backfills; the broadcast stops at `seconds` of wall-clock. Then the one
 * recording is downloaded and measured with ffprobe packet timestamps.
 */
import type { BrowserContext } from '@playwright/test';
import { execFileSync } from 'node:child_process';
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
    await studio.getByLabel('Screen, window or tab').check();
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
      studio: studioFigures ? JSON.parse(studioFigures) : null,
    };
  } finally {
    await relay?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
