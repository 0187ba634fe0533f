/** ffprobe helpers: what a player would see in the HLS output. */
import { execFileSync } from 'node:child_process';

export interface ProbeStream {
  codec_type: string;
  codec_name: string;
}

export function probeStreams(file: string): ProbeStream[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { streams: ProbeStream[] }).streams;
}

/** Packet pts (seconds) per stream type, in file order. */
export function probePacketTimes(file: string): { video: number[]; audio: number[] } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time,dts_time', '-of', 'json', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const packets = (JSON.parse(out) as { packets: { codec_type: string; dts_time?: string; pts_time?: string }[] }).packets;
  const res = { video: [] as number[], audio: [] as number[] };
  for (const p of packets) {
    const t = Number(p.dts_time ?? p.pts_time);
    if (p.codec_type === 'video') res.video.push(t);
    else if (p.codec_type === 'audio') res.audio.push(t);
  }
  return res;
}

export interface Playlist {
  segments: { uri: string; duration: number }[];
  ended: boolean;
  mediaSequence: number;
}

export function parsePlaylist(text: string): Playlist {
  const lines = text.split('\n').map((l) => l.trim());
  const segments: Playlist['segments'] = [];
  let duration = 0;
  let mediaSequence = 0;
  for (const line of lines) {
    if (line.startsWith('#EXTINF:')) duration = Number(line.slice(8).split(',')[0]);
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.split(':')[1]);
    else if (line && !line.startsWith('#')) segments.push({ uri: line, duration });
  }
  return { segments, ended: lines.includes('#EXT-X-ENDLIST'), mediaSequence };
}
