/**
 * FFmpeg command lines. Input is live Matroska on stdin carrying the browser's own timestamps;
 * video is always copied (the browser's encode is the only one), Opus becomes AAC.
 */
import path from 'node:path';

export interface HlsArgsOptions {
  /** Folder the playlist and segments are written to (must exist). */
  outDir: string;
  hlsTimeSec: number;
  hlsListSize: number;
  hasAudio: boolean;
  aacBitrate: number;
}

export const PLAYLIST_NAME = 'index.m3u8';
export const SEGMENT_PATTERN = 'seg_%05d.ts';

/** Input side shared by every output: low probe budget, since Matroska's CodecPrivate already names the codecs. */
export function inputArgs(): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    // Matroska carries codec config in CodecPrivate, so a small probe suffices; FFmpeg 5 treats
    // -analyzeduration 0 as "default", so give it a real, small value.
    '-probesize', '256000', '-analyzeduration', '500000',
    '-fflags', '+genpts',
    '-f', 'matroska', '-i', 'pipe:0',
  ];
}

function codecArgs(hasAudio: boolean, aacBitrate: number): string[] {
  const args = ['-map', '0:v:0', '-c:v', 'copy'];
  if (hasAudio) args.push('-map', '0:a:0', '-c:a', 'aac', '-b:a', String(aacBitrate), '-ar', '48000');
  return args;
}

export function buildHlsArgs(o: HlsArgsOptions): string[] {
  return [
    ...inputArgs(),
    ...codecArgs(o.hasAudio, o.aacBitrate),
    '-f', 'hls',
    '-hls_time', String(o.hlsTimeSec),
    '-hls_list_size', String(o.hlsListSize),
    // temp_file: the playlist is renamed into place, so a reader never sees half of one.
    '-hls_flags', 'delete_segments+temp_file+independent_segments',
    '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', path.join(o.outDir, SEGMENT_PATTERN),
    path.join(o.outDir, PLAYLIST_NAME),
  ];
}
