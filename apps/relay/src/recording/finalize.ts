/**
 * Turns a recording's live parts into one fast-start MP4:
 * 1. index every part (headers only), keep one chunk per (track, seq): live and backfilled copies
 *    of the same chunk are the same bytes;
 * 2. order each track by seq (the encoder's own order; timestamps follow it), place chunks at the
 *    publisher's timestamps, which run on across reconnects and relay restarts;
 * 3. where video chunks are missing (a seq hole nothing filled), skip to the next keyframe and
 *    record the hole as a gap: the time stays empty, nothing is spliced together;
 * 4. mux to Matroska (the relay's muxer) and let FFmpeg copy it into MP4 with `+faststart`.
 * Audio stays Opus: no transcode (no CPU, no second lossy pass), and FFmpeg ≥ 4.3 and every
 * current browser handle Opus in MP4.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { bytesEqual, type AudioConfig, type VideoConfig } from '@tabcast/shared';
import { MkvMuxer } from '../mux/mkv-muxer.ts';
import { indexLog, type IndexedChunk } from './chunk-log.ts';
import type { RecordingGap } from './recording-meta.ts';

/** Publishers without seq: a jump in video timestamps this long is taken as a gap, µs. */
const TIME_GAP_US = 500_000;
/** FFmpeg gets this long to copy a recording into MP4, per hour of media, ms (at least 60 s). */
const FFMPEG_MS_PER_HOUR = 120_000;

export interface FinalizeResult {
  durationMs: number;
  bytes: number;
  gaps: RecordingGap[];
  videoFrames: number;
}

export interface Plan {
  video: IndexedChunk[];
  audio: IndexedChunk[];
  videoConfig: VideoConfig;
  audioConfig: AudioConfig | null;
  /** Publisher timestamp that becomes 0 in the recording, µs. */
  originUs: number;
  gaps: RecordingGap[];
  /** Chunks left out because the video configuration changed mid-broadcast (not supported in one MP4). */
  skippedOtherConfig: number;
}

function dedupe(chunks: IndexedChunk[]): IndexedChunk[] {
  const withSeq = new Map<number, IndexedChunk>();
  const without: IndexedChunk[] = [];
  for (const c of chunks) {
    if (c.seq === undefined) without.push(c);
    else if (!withSeq.has(c.seq) || (c.config && !withSeq.get(c.seq)!.config)) withSeq.set(c.seq, c);
  }
  // Chunks without seq (an old publisher) keep their arrival order; they cannot be backfilled anyway.
  return without.length ? without : [...withSeq.values()].sort((a, b) => a.seq! - b.seq!);
}

/** Chooses the chunks that go into the MP4, and the gaps. Pure: finalize.test.ts feeds it by hand. */
export function planRecording(all: IndexedChunk[]): Plan | null {
  const video = dedupe(all.filter((c) => c.track === 'video'));
  const audioAll = dedupe(all.filter((c) => c.track === 'audio'));
  const firstKey = video.find((c) => c.key && c.config);
  if (!firstKey) return null;
  const videoConfig = firstKey.config as VideoConfig;
  const keptVideo: IndexedChunk[] = [];
  const gaps: RecordingGap[] = [];
  let skippedOtherConfig = 0;
  let prev: IndexedChunk | null = null;
  let waitingForKey = false;
  let gapFromUs: number | null = null;
  const originUs = firstKey.timestampUs;
  for (const c of video.slice(video.indexOf(firstKey))) {
    if (c.config && !bytesEqual((c.config as VideoConfig).description, videoConfig.description)) {
      skippedOtherConfig++;
      waitingForKey = true;
      gapFromUs ??= prev ? prev.timestampUs + prev.durationUs : c.timestampUs;
      continue;
    }
    // With seq, only missing chunks are a gap: a studio that encoded nothing for a while (a still
    // screen, a starved CPU) lost nothing. Without seq, a long silence is all there is to go by.
    const bySeq = c.seq !== undefined && prev?.seq !== undefined;
    const hole = prev !== null && (bySeq ? c.seq !== prev.seq! + 1 : c.timestampUs - prev.timestampUs > TIME_GAP_US);
    if (hole && gapFromUs === null) gapFromUs = prev!.timestampUs + prev!.durationUs;
    if (hole && !c.key) waitingForKey = true;
    if (waitingForKey && !c.key) continue;
    if (prev && c.timestampUs <= prev.timestampUs) continue; // never backwards (the muxer refuses it)
    waitingForKey = false;
    if (gapFromUs !== null) {
      if (c.timestampUs > gapFromUs) gaps.push({ atMs: Math.round((gapFromUs - originUs) / 1000), durationMs: Math.round((c.timestampUs - gapFromUs) / 1000) });
      gapFromUs = null;
    }
    keptVideo.push(c);
    prev = c;
  }
  const audioConfig = (audioAll.find((c) => c.config)?.config as AudioConfig | undefined) ?? null;
  const lastVideoUs = prev ? prev.timestampUs + prev.durationUs : originUs;
  const audio: IndexedChunk[] = [];
  let lastAudio = -1;
  if (audioConfig) {
    for (const c of audioAll) {
      if (c.timestampUs < originUs || c.timestampUs > lastVideoUs || c.timestampUs <= lastAudio) continue;
      audio.push(c);
      lastAudio = c.timestampUs;
    }
  }
  return { video: keptVideo, audio, videoConfig, audioConfig: audio.length ? audioConfig : null, originUs, gaps, skippedOtherConfig };
}

/** Makes `out` (an MP4) from the part files. Throws with the reason in words. */
export async function finalizeRecording(parts: string[], out: string, ffmpegPath: string): Promise<FinalizeResult> {
  const handles = new Map<string, FileHandle>();
  const mkv = `${out}.mkv`;
  try {
    const all: IndexedChunk[] = [];
    for (const file of parts) {
      const fh = await fsp.open(file, 'r');
      handles.set(file, fh);
      all.push(...(await indexLog(fh, file)).chunks);
    }
    const plan = planRecording(all);
    if (!plan) throw new Error('the recording holds no video keyframe');
    const mkvFh = await fsp.open(mkv, 'w');
    try {
      const audioConfig = plan.audioConfig && { ...plan.audioConfig, description: plan.audioConfig.description?.byteLength ? plan.audioConfig.description : opusHead(plan.audioConfig) };
      const muxer = new MkvMuxer(async (bytes) => void (await mkvFh.write(bytes)), audioConfig !== null, plan.videoConfig, audioConfig);
      await muxer.start();
      let a = 0;
      for (let v = 0; v < plan.video.length || a < plan.audio.length; ) {
        const nextVideo = plan.video[v];
        const nextAudio = plan.audio[a];
        const c = nextAudio && (!nextVideo || nextAudio.timestampUs < nextVideo.timestampUs) ? (a++, nextAudio) : (v++, nextVideo!);
        const data = Buffer.alloc(c.bytes);
        await handles.get(c.file)!.read(data, 0, c.bytes, c.offset);
        await muxer.add({ track: c.track, timestampUs: c.timestampUs - plan.originUs, durationUs: c.durationUs, key: c.track === 'audio' || c.key, data });
      }
      await muxer.finalize();
    } finally {
      await mkvFh.close();
    }
    const last = plan.video.at(-1)!;
    const durationMs = Math.round((last.timestampUs + last.durationUs - plan.originUs) / 1000);
    const tmp = `${out}.tmp.mp4`;
    await run(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-y', '-i', mkv, '-map', '0', '-c', 'copy', '-movflags', '+faststart', tmp], Math.max(60_000, (durationMs / 3_600_000) * FFMPEG_MS_PER_HOUR));
    // FFmpeg 5.1 exits 0 even when it could not write the MP4's index: check the file is whole.
    await run(ffprobePath(ffmpegPath), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', tmp], 60_000);
    await fsp.rename(tmp, out);
    return { durationMs, bytes: fs.statSync(out).size, gaps: plan.gaps, videoFrames: plan.video.length };
  } finally {
    for (const fh of handles.values()) await fh.close().catch(() => undefined);
    await fsp.rm(mkv, { force: true });
  }
}

/**
 * The Opus identification header (RFC 7845 §5.1) for a config that came without one (WebCodecs
 * hands none out): FFmpeg's MP4 muxer refuses Opus without it ("invalid extradata size"). Pre-skip
 * 312 samples is libopus' at 48 kHz, what browsers' encoders use.
 */
export function opusHead(c: AudioConfig): Uint8Array<ArrayBuffer> {
  const h = new Uint8Array(19);
  const view = new DataView(h.buffer);
  h.set(new TextEncoder().encode('OpusHead'), 0);
  view.setUint8(8, 1); // version
  view.setUint8(9, c.numberOfChannels);
  view.setUint16(10, 312, true); // pre-skip
  view.setUint32(12, c.sampleRate, true);
  // output gain 0, channel mapping family 0: already zero
  return h;
}

/** ffprobe beside the configured ffmpeg (FFMPEG_PATH=/opt/ffmpeg/bin/ffmpeg → /opt/ffmpeg/bin/ffprobe). */
function ffprobePath(ffmpegPath: string): string {
  return ffmpegPath.replace(/ffmpeg(\.exe)?$/, 'ffprobe$1');
}

/**
 * FFmpeg was killed by a signal that is not our timeout: the relay is being stopped (a service
 * manager signals the whole process group). The recording is left to the next start.
 */
export class FinalizeInterrupted extends Error {
  override name = 'FinalizeInterrupted';
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (err, _out, stderr) => {
      if (err?.signal && !err.killed) reject(new FinalizeInterrupted(`${path.basename(cmd)} was stopped by ${err.signal}`));
      else if (err) reject(new Error(`${path.basename(cmd)} failed on the MP4: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
      else if (stderr.trim()) reject(new Error(`${path.basename(cmd)}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
      else resolve();
    });
  });
}
