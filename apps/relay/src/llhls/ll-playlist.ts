/**
 * The LL-HLS media playlist (RFC 8216bis) of one stream, from its {@link LlMedia}. Parts are
 * additive: a plain client skips EXT-X-PART and plays the segments; an LL client plays the parts.
 *
 * Version 6 is what the tags used need (EXT-X-MAP without I-frames-only). Delta updates
 * (CAN-SKIP-UNTIL, version 9) are not offered: the window is short, so a full playlist is small.
 */
import type { LlMedia } from './ll-media.ts';

export const LL_PLAYLIST_NAME = 'll.m3u8';
export const initName = (id: number) => `ll-init-${id}.mp4`;
export const partName = (msn: number, index: number) => `ll-part-${msn}.${index}.m4s`;
export const segmentName = (msn: number) => `ll-seg-${msn}.m4s`;

/** Every LL-HLS file name the relay serves, with its numbers. */
export const LL_FILE_PATTERN = /^(?:ll\.m3u8|ll-init-(\d{1,9})\.mp4|ll-part-(\d{1,9})\.(\d{1,4})\.m4s|ll-seg-(\d{1,9})\.m4s)$/;

const sec = (s: number) => s.toFixed(3);

export function renderPlaylist(media: LlMedia): string {
  const { partTargetSec } = media.o;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    `#EXT-X-TARGETDURATION:${media.targetDurationSec}`,
    // PART-HOLD-BACK: the spec's floor, 3 part targets; a client starts that far behind the live edge.
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${sec(3 * partTargetSec)}`,
    `#EXT-X-PART-INF:PART-TARGET=${sec(partTargetSec)}`,
    `#EXT-X-MEDIA-SEQUENCE:${media.segments[0]?.msn ?? media.nextPartName.msn}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${media.discontinuitySequence}`,
  ];
  let initId = -1;
  for (const s of media.segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.initId !== initId) {
      lines.push(`#EXT-X-MAP:URI="${initName(s.initId)}"`);
      initId = s.initId;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateMs).toISOString()}`);
    if (s.partsListed) for (const p of s.parts) lines.push(`#EXT-X-PART:DURATION=${sec(p.durationSec)},URI="${partName(p.msn, p.index)}"${p.independent ? ',INDEPENDENT=YES' : ''}`);
    if (s.bytes !== null) lines.push(`#EXTINF:${sec(s.durationSec)},`, segmentName(s.msn));
  }
  if (media.ended) lines.push('#EXT-X-ENDLIST');
  else {
    const next = media.nextPartName;
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${partName(next.msn, next.index)}"`);
  }
  return lines.join('\n') + '\n';
}
