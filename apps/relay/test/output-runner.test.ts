/**
 * OutputRunner with a real FFmpeg (writing to the null muxer): a muxer error restarts the run like
 * an FFmpeg crash (issue 9, item 3), and stopping an output while a codec change restarts its
 * FFmpeg leaves no FFmpeg behind (issue 9, item 4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioConfig, VideoConfig } from '@tabcast/shared';
import { inputArgs } from '../src/ffmpeg/ffmpeg-args.ts';
import { defaultSpawner, type Spawner } from '../src/ffmpeg/ffmpeg-process.ts';
import type { MuxChunk } from '../src/mux/mkv-muxer.ts';
import { FfmpegRun } from '../src/outputs/ffmpeg-run.ts';
import { OutputRunner } from '../src/outputs/output-runner.ts';
import { hlsRestartPolicy } from '../src/outputs/restart-policy.ts';
import { createLogger } from '../src/util/logger.ts';
import { loadFixture, type Fixture } from './support/fixture.ts';
import { waitFor } from './support/poll.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = createLogger(process.env.TABCAST_TEST_LOG ? 'debug' : 'error', {}, (line) => process.env.TABCAST_TEST_LOG && process.stderr.write(line + '\n'));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A runner whose runs feed a real FFmpeg copying to the null muxer; records every FFmpeg pid. */
function nullRunner(events: { keyframes: string[]; failed: string[]; changed?: (r: OutputRunner) => void }) {
  const pids: number[] = [];
  const spawner: Spawner = (cmd, args) => {
    const child = defaultSpawner(cmd, args);
    if (child.pid) pids.push(child.pid);
    return child;
  };
  const runner = new OutputRunner(
    'test',
    (videoConfig: VideoConfig, audioConfig: AudioConfig | null) =>
      new FfmpegRun(
        {
          ffmpegPath: 'ffmpeg',
          args: [...inputArgs(), '-map', '0', '-c', 'copy', '-f', 'null', '-'],
          exitTimeoutMs: 3_000,
          stallTimeoutMs: 10_000,
          videoConfig,
          audioConfig,
          spawner,
        },
        log,
      ),
    true,
    { maxQueueBytes: 16 * 1024 * 1024, policy: hlsRestartPolicy(5, 50), drainLimitMs: 3_000 },
    log,
    { keyframeNeeded: (r) => events.keyframes.push(r), changed: () => events.changed?.(runner), failed: (r) => events.failed.push(r) },
  );
  return { runner, pids };
}

/** The fixture's chunks interleaved by timestamp; the first video chunk carries `newVideoConfig` when asked. */
function chunks(fx: Fixture, offsetUs: number, newVideoConfig?: VideoConfig): MuxChunk[] {
  const all: MuxChunk[] = [
    ...fx.video.packets.map((p) => ({ track: 'video' as const, timestampUs: p.timestampUs + offsetUs, durationUs: p.durationUs, key: p.key, data: p.data })),
    ...(fx.audio?.packets ?? []).map((p) => ({ track: 'audio' as const, timestampUs: p.timestampUs + offsetUs, durationUs: p.durationUs, key: p.key, data: p.data })),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  if (newVideoConfig) all.find((c) => c.track === 'video')!.newVideoConfig = newVideoConfig;
  return all;
}

test('a muxer error (audio that starts with a delta packet) restarts the run with a keyframe request, and the output runs again', async () => {
  const fx = await loadFixture({ seconds: 6, gopFrames: 15 });
  const events = { keyframes: [] as string[], failed: [] as string[] };
  const { runner, pids } = nullRunner(events);
  try {
    const list = chunks(fx, 0);
    // The muxer refuses a track whose first packet is not a key packet.
    for (const [i, c] of list.entries()) if (c.track === 'audio' && c.timestampUs < 1_000_000) list[i] = { ...c, key: false };
    for (const c of list) {
      runner.push(c, fx.video.config, fx.audio!.config);
      await sleep(2);
    }
    await waitFor('a restart after the muxer error', () => runner.restarts >= 1, 5_000);
    assert.match(runner.lastError ?? '', /muxer/);
    assert.ok(events.keyframes.some((r) => /restarted/.test(r)), `keyframe requested: ${events.keyframes}`);
    // The next chunks (well-formed) reach a new FFmpeg that makes progress.
    for (const c of chunks(fx, fx.durationUs + 100_000)) {
      runner.push(c, fx.video.config, fx.audio!.config);
      await sleep(2);
    }
    await waitFor('a new run making progress', () => runner.currentRun && runner.currentRun.pid !== pids[0] && runner.currentRun.progress.blocks > 0, 10_000);
    assert.equal(events.failed.length, 0);
    assert.ok(pids.length >= 2, 'a new FFmpeg was started');
  } finally {
    await runner.stop();
  }
  await waitFor('no FFmpeg left', () => pids.every((p) => !alive(p)), 5_000);
});

for (const when of ['right after the new configuration arrives', 'while the old FFmpeg finishes'] as const) {
  test(`an output stopped ${when} during a codec change leaves no FFmpeg running`, async () => {
    const a = await loadFixture({ seconds: 4, gopFrames: 15 });
    const b = await loadFixture({ seconds: 4, gopFrames: 15, width: 854, height: 480 });
    const events = {
      keyframes: [] as string[],
      failed: [] as string[],
      // The moment the old run is told to finish: the destination is turned off right then.
      changed: (r: OutputRunner) => when === 'while the old FFmpeg finishes' && r.state === 'switching' && queueMicrotask(() => r.kill()),
    };
    const { runner, pids } = nullRunner(events);
    for (const c of chunks(a, 0)) runner.push(c, a.video.config, a.audio!.config);
    await waitFor('the first run making progress', () => (runner.currentRun?.progress.blocks ?? 0) > 0, 10_000);
    const second = chunks(b, a.durationUs + 100_000, b.video.config);
    for (const c of second) runner.push(c, b.video.config, b.audio!.config);
    if (when === 'right after the new configuration arrives') runner.kill();
    else await waitFor('the switch', () => runner.finished, 10_000);
    // Must hold: no FFmpeg of this output alive, now and a while later (a late start would show up).
    await waitFor('every FFmpeg gone', () => pids.every((p) => !alive(p)), 5_000);
    await sleep(1_500);
    assert.deepEqual(pids.filter(alive), [], `FFmpeg still running: ${pids.filter(alive)}`);
    assert.equal(runner.state, 'stopped');
    assert.deepEqual(runner.pids, []);
  });
}
