/** The studio's quality levels when the relay asks it to step down (a `quality-request`). */
import { VIDEO_PRESETS } from '@tabcast/shared';

/**
 * One quality level down from `bitrate`: the next preset's bitrate below it, or 70 % of it once
 * under the lowest preset (never below `floor`). Null when there is no lower level.
 */
export function stepDownBitrate(bitrate: number, floor: number): number | null {
  const lower = VIDEO_PRESETS.map((p) => p.videoBitrate as number).filter((b) => b < bitrate).sort((a, b) => b - a)[0];
  const next = Math.max(floor, lower ?? Math.round(bitrate * 0.7));
  return next < bitrate ? next : null;
}
