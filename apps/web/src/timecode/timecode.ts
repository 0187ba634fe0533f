/**
 * A machine-readable wall-clock timecode drawn into a video frame: a row of black/white blocks
 * along the top edge carrying the low 32 bits of Date.now() plus an 8-bit checksum. Big blocks
 * survive H.264 at any sane bitrate and scaling; the reader rejects anything whose checksum fails.
 */
const BITS = 40; // 32 time bits + 8 checksum bits
const GUARD = 2; // white, black: marks the row and calibrates the threshold
export const TIMECODE_BLOCKS = BITS + GUARD;

function checksum(value: number): number {
  return ((value & 0xff) + ((value >>> 8) & 0xff) + ((value >>> 16) & 0xff) + ((value >>> 24) & 0xff)) & 0xff;
}

function bitsOf(ms: number): number[] {
  const low = ms % 2 ** 32 >>> 0;
  const sum = checksum(low);
  const bits: number[] = [];
  for (let i = 31; i >= 0; i--) bits.push((low >>> i) & 1);
  for (let i = 7; i >= 0; i--) bits.push((sum >>> i) & 1);
  return bits;
}

/** The part of a 2D canvas context the timecode needs (a page's or an OffscreenCanvas's). */
export interface BlockPainter {
  fillStyle: unknown;
  fillRect(x: number, y: number, w: number, h: number): void;
}

/** Draws the timecode for `ms` (Date.now()) across the top of a `width`-wide frame, `height` px tall. */
export function drawTimecode(ctx: BlockPainter, ms: number, width: number, height: number): void {
  const block = width / TIMECODE_BLOCKS;
  const cells = [1, 0, ...bitsOf(ms)];
  cells.forEach((bit, i) => {
    ctx.fillStyle = bit ? '#ffffff' : '#000000';
    ctx.fillRect(Math.floor(i * block), 0, Math.ceil(block), height);
  });
}

/**
 * Reads a timecode from RGBA pixels of the band drawn by {@link drawTimecode} (sample the middle
 * row). Returns the full Date.now() value it encodes, or null if there is none.
 */
export function readTimecode(rgba: Uint8ClampedArray, width: number, rowOffset: number, nowMs = Date.now()): number | null {
  const block = width / TIMECODE_BLOCKS;
  const lum = (i: number) => {
    const x = Math.min(width - 1, Math.floor((i + 0.5) * block));
    const p = rowOffset + x * 4;
    return 0.2126 * rgba[p]! + 0.7152 * rgba[p + 1]! + 0.0722 * rgba[p + 2]!;
  };
  const white = lum(0);
  const black = lum(1);
  if (white - black < 100) return null;
  const threshold = (white + black) / 2;
  let low = 0;
  for (let i = 0; i < 32; i++) low = (low * 2 + (lum(GUARD + i) > threshold ? 1 : 0)) >>> 0;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum = (sum << 1) | (lum(GUARD + 32 + i) > threshold ? 1 : 0);
  if (sum !== checksum(low)) return null;
  // Rebuild the high bits from our own clock: the nearest value to now with these low 32 bits.
  const period = 2 ** 32;
  const base = nowMs - (nowMs % period);
  let candidate = base + low;
  if (candidate - nowMs > period / 2) candidate -= period;
  else if (nowMs - candidate > period / 2) candidate += period;
  return candidate;
}

/** Height in px of the timecode band for a frame of this height. */
export const timecodeBandHeight = (frameHeight: number) => Math.max(16, Math.round(frameHeight / 24));
