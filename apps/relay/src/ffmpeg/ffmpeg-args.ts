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
  /**
   * Continue an existing playlist (after an FFmpeg restart, a codec change or a relay restart):
   * numbering goes on and the first new segment is marked #EXT-X-DISCONTINUITY.
   */
  append: boolean;
  /** Fragmented MP4 on fd 3 (LL-HLS parts) is cut once a track holds this much media, µs. */
  fragmentDurationUs: number;
}

/** FFmpeg's own playlist; players get index.m3u8, which the relay writes from it. */
export const FFMPEG_PLAYLIST_NAME = 'ffmpeg.m3u8';
export const SEGMENT_PATTERN = 'seg_%05d.ts';

/** Input side shared by every output: low probe budget, since Matroska's CodecPrivate already names the codecs. */
export function inputArgs(): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    // Progress blocks on stdout every half second: the supervisor's stall detector reads them.
    '-progress', 'pipe:1', '-stats_period', '0.5',
    // Matroska carries codec config in CodecPrivate, so a small probe suffices; FFmpeg 5 treats
    // -analyzeduration 0 as "default", so give it a real, small value.
    '-probesize', '256000', '-analyzeduration', '500000',
    '-fflags', '+genpts',
    '-f', 'matroska', '-i', 'pipe:0',
  ];
}

function codecArgs(hasAudio: boolean, aacBitrate: number): string[] {
  const args = ['-map', '0:v:0', '-c:v', 'copy'];
  // aresample keeps the AAC continuous against the timestamps: a gap over min_hard_comp (0.1 s:
  // the studio re-anchors its audio clock once after a start-up stall) is filled with silence, and
  // smaller differences (its clock slewing 2 ms at a time) are absorbed by stretching up to 1000
  // samples a second.
  if (hasAudio) args.push('-map', '0:a:0', '-af', 'aresample=async=1000', '-c:a', 'aac', '-b:a', String(aacBitrate), '-ar', '48000');
  return args;
}

/**
 * One FFmpeg, two muxers through `tee` (one AAC encode for both): HLS with MPEG-TS segments on disk
 * (index.m3u8, survives a relay restart), and fragmented MP4 on fd 3, which the relay packs into
 * LL-HLS parts (llhls/). A fragment is cut at every keyframe and once a track holds
 * `fragmentDurationUs` of media, so a part is at most that plus one frame.
 */
export function buildHlsArgs(o: HlsArgsOptions): string[] {
  // temp_file: the playlist is renamed into place, so a reader never sees half of one.
  // omit_endlist: one stream may span several FFmpeg runs; the relay writes #EXT-X-ENDLIST
  // itself when the stream really ends. FFmpeg's playlist is not served: the relay publishes
  // index.m3u8 from it (outputs/hls-playlist.ts).
  const hlsFlags = ['delete_segments', 'temp_file', 'independent_segments', 'omit_endlist', ...(o.append ? ['append_list', 'discont_start'] : [])];
  const hls = [
    'f=hls',
    `hls_time=${o.hlsTimeSec}`,
    `hls_list_size=${o.hlsListSize}`,
    `hls_flags=${hlsFlags.join('+')}`,
    'hls_segment_type=mpegts',
    `hls_segment_filename=${teeEscape(teeEscape(path.join(o.outDir, SEGMENT_PATTERN)))}`,
  ];
  // empty_moov: the init segment comes first, alone; default_base_moof: each moof is self-contained
  // (tfdt), as CMAF and hls.js want.
  const mp4 = ['f=mp4', 'movflags=empty_moov+default_base_moof+frag_keyframe', `frag_duration=${o.fragmentDurationUs}`];
  return [
    ...inputArgs(),
    ...codecArgs(o.hasAudio, o.aacBitrate),
    '-f', 'tee',
    `[${hls.join(':')}]${teeEscape(path.join(o.outDir, FFMPEG_PLAYLIST_NAME))}|[${mp4.join(':')}]pipe:3`,
  ];
}

/** The tee muxer unescapes its argument once, and slave option values once more. */
function teeEscape(text: string): string {
  return text.replace(/[\\'|[\]:]/g, (c) => `\\${c}`);
}

export interface RtmpArgsOptions {
  hasAudio: boolean;
  aacBitrate: number;
}

/**
 * One RTMP(S) destination: the same copy of the video and AAC audio, as FLV on fd 3. The relay
 * publishes it (rtmp/rtmp-publisher.ts): the destination's URL and key are not in these arguments,
 * so `ps` or /proc/<pid>/cmdline never shows them.
 */
export function buildRtmpArgs(o: RtmpArgsOptions): string[] {
  return [
    ...inputArgs(),
    ...codecArgs(o.hasAudio, o.aacBitrate),
    '-f', 'flv',
    // Live: no seeking back to write duration and size into the header when it ends.
    '-flvflags', 'no_duration_filesize',
    'pipe:3',
  ];
}
