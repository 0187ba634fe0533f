/**
 * Real H.264 + Opus chunks for tests and benchmarks: FFmpeg encodes a test pattern (x264, no
 * B-frames, like the browser's realtime encoder) to Matroska once per parameter set, and
 * mediabunny reads it back into packets with the same decoder configs WebCodecs hands out.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';
import type { AudioConfig, VideoConfig } from '@tabcast/shared';

export interface FixturePacket {
  timestampUs: number;
  durationUs: number;
  key: boolean;
  data: Uint8Array<ArrayBuffer>;
}

export interface Fixture {
  video: { config: VideoConfig; packets: FixturePacket[] };
  audio: { config: AudioConfig; packets: FixturePacket[] } | null;
  durationUs: number;
}

export interface FixtureOptions {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  videoKbps?: number;
  gopFrames?: number;
  audio?: boolean;
}

export async function loadFixture(o: FixtureOptions = {}): Promise<Fixture> {
  const { seconds = 10, width = 1280, height = 720, fps = 30, videoKbps = 2500, gopFrames = 60, audio = true } = o;
  const dir = process.env.TABCAST_FIXTURE_DIR || path.join(os.tmpdir(), 'tabcast-fixtures');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `src-${seconds}s-${width}x${height}-${fps}-${videoKbps}k-g${gopFrames}-${audio ? 'a' : 'na'}.mkv`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp.mkv`;
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
      ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
      '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-bf', '0',
      '-g', String(gopFrames), '-keyint_min', String(gopFrames), '-sc_threshold', '0',
      '-b:v', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${videoKbps}k`, '-pix_fmt', 'yuv420p',
      ...(audio ? ['-c:a', 'libopus', '-b:a', '128k', '-ac', '2'] : []),
      tmp,
    ]);
    fs.renameSync(tmp, file);
  }
  const input = new Input({ source: new FilePathSource(file), formats: ALL_FORMATS });
  const vt = await input.getPrimaryVideoTrack();
  if (!vt) throw new Error('fixture has no video');
  const vc = await vt.getDecoderConfig();
  const video = {
    config: { codec: vc!.codec, codedWidth: vc!.codedWidth!, codedHeight: vc!.codedHeight!, description: new Uint8Array(vc!.description as ArrayBuffer) },
    packets: await readPackets(new EncodedPacketSink(vt)),
  };
  let audioOut: Fixture['audio'] = null;
  const at = audio ? await input.getPrimaryAudioTrack() : null;
  if (at) {
    const ac = await at.getDecoderConfig();
    audioOut = {
      config: { codec: 'opus', sampleRate: ac!.sampleRate, numberOfChannels: ac!.numberOfChannels },
      packets: await readPackets(new EncodedPacketSink(at)),
    };
  }
  const last = video.packets.at(-1)!;
  return { video, audio: audioOut, durationUs: last.timestampUs + last.durationUs };
}

async function readPackets(sink: EncodedPacketSink): Promise<FixturePacket[]> {
  const out: FixturePacket[] = [];
  for await (const p of sink.packets()) {
    out.push({ timestampUs: Math.round(p.timestamp * 1e6), durationUs: Math.round(p.duration * 1e6), key: p.type === 'key', data: p.data.slice() });
  }
  return out;
}
