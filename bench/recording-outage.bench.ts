/**
 * Issue 12's outage test as a reliability run: a shared tab broadcast for `seconds`, the relay
 * killed with SIGKILL at `killAt` s and started again `down` s later; the studio resumes and
 * backfills. Per run: one recording? its gaps, the largest hole between video packets (ffprobe
 * packet timestamps; target ≤ 100 ms) and its duration against the broadcast's wall-clock time
 * (target ± 1 s). Then one more run with the studio's test pattern (beep + flash every second):
 * the recording's A/V sync, beep against flash (target within 45 ms).
 *   pnpm exec tsx bench/recording-outage.bench.ts [runs=3] [seconds=60] [killAt=30] [down=10]
 */
import { launchRealPath, newContext } from '../tests/support/real-path.ts';
import { runRecordingOutage, type OutageResult } from '../tests/support/recording-outage.ts';
import { median, round, writeResult } from './lib.ts';

const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 60);
const killAt = Number(process.argv[4] ?? 30);
const down = Number(process.argv[5] ?? 10);

const perRun: (Omit<OutageResult, 'recording' | 'studio'> & { recordingDurationMs: number; gaps: number; durationErrorMs: number; fps: number; holeOk: boolean; durationOk: boolean })[] = [];
for (let run = 0; run < runs; run++) {
  const browser = await launchRealPath();
  try {
    const context = await newContext(browser);
    const r = await runRecordingOutage(context, { seconds, killAtSec: killAt, downSec: down, key: 'bench-outage-key-0123456789' }, (l) => console.log(`  ${l}`));
    const { recording, studio: _studio, ...rest } = r;
    const row = {
      ...rest,
      recordingDurationMs: recording.durationMs,
      gaps: recording.gaps.length,
      durationErrorMs: recording.durationMs - r.wallClockMs,
      fps: round(r.videoFrames / (recording.durationMs / 1000)),
      holeOk: r.largestVideoHoleMs <= 100,
      durationOk: Math.abs(recording.durationMs - r.wallClockMs) <= 1_000,
    };
    console.log(`run ${run + 1}/${runs}:`, row);
    perRun.push(row);
  } finally {
    await browser.close();
  }
}
// A/V sync through the same outage: the studio's test pattern (a beep with a flash every second;
// a shared tab has no beep), the recording's beeps against its flashes.
const browser = await launchRealPath();
let avSync: OutageResult['avSync'] = null;
let avSyncRun: { largestVideoHoleMs: number; recordings: number } | null = null;
try {
  const r = await runRecordingOutage(await newContext(browser), { seconds, killAtSec: killAt, downSec: down, key: 'bench-outage-key-0123456789', source: 'test-pattern' }, (l) => console.log(`  a/v ${l}`));
  avSync = r.avSync;
  avSyncRun = { largestVideoHoleMs: r.largestVideoHoleMs, recordings: r.recordings };
  console.log('a/v sync run:', avSync, avSyncRun);
} finally {
  await browser.close();
}
writeResult('recording-outage', `pnpm exec tsx bench/recording-outage.bench.ts ${runs} ${seconds} ${killAt} ${down}`, {
  setup: `a shared tab (the timecode card) broadcast for ${seconds} s; the relay killed with SIGKILL at ${killAt} s and started again ${down} s later`,
  seconds,
  killAt,
  down,
  runs: perRun,
  median: {
    largestVideoHoleMs: median(perRun.map((r) => r.largestVideoHoleMs)),
    durationErrorMs: median(perRun.map((r) => r.durationErrorMs)),
    fps: median(perRun.map((r) => r.fps)),
  },
  allOneRecording: perRun.every((r) => r.recordings === 1),
  allHolesOk: perRun.every((r) => r.holeOk),
  allDurationsOk: perRun.every((r) => r.durationOk),
  avSync,
  avSyncRun,
  avSyncOk: avSync !== null && avSync.pairs > 0 && avSync.maxAbsMs <= 45,
});
