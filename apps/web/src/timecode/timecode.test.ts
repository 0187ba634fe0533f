import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMECODE_BLOCKS, drawTimecode, readTimecode } from './timecode.ts';

/** Paints into an RGBA row buffer the way a canvas would (one pixel row is all the reader needs). */
function paintRow(width: number, ms: number): Uint8ClampedArray {
  const row = new Uint8ClampedArray(width * 4);
  const painter = {
    fillStyle: '#000000' as unknown,
    fillRect(x: number, _y: number, w: number) {
      const v = this.fillStyle === '#ffffff' ? 255 : 0;
      for (let px = Math.max(0, Math.floor(x)); px < Math.min(width, Math.floor(x + w)); px++) row.set([v, v, v, 255], px * 4);
    },
  };
  drawTimecode(painter, ms, width, 30);
  return row;
}

test('a drawn timecode reads back to the same millisecond, at several widths', () => {
  const now = Date.UTC(2026, 10, 21, 17, 0, 0, 123);
  for (const width of [1280, 854, 1920, TIMECODE_BLOCKS * 3]) {
    assert.equal(readTimecode(paintRow(width, now - 80), width, 0, now), now - 80, `width ${width}`);
  }
});

test('noise, a flat picture or a flipped bit read as no timecode', () => {
  const width = 1280;
  assert.equal(readTimecode(new Uint8ClampedArray(width * 4), width, 0), null, 'black');
  assert.equal(readTimecode(new Uint8ClampedArray(width * 4).fill(255), width, 0), null, 'white');
  const row = paintRow(width, 1_000_000);
  const block = width / TIMECODE_BLOCKS;
  const x = Math.floor((2 + 5 + 0.5) * block) * 4; // flip one time bit
  const v = row[x]! > 128 ? 0 : 255;
  for (let px = Math.floor((2 + 5) * block); px < Math.floor((2 + 6) * block); px++) row.set([v, v, v, 255], px * 4);
  assert.equal(readTimecode(row, width, 0, 1_000_000), null, 'checksum catches it');
});
