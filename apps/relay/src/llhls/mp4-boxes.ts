/**
 * Just enough ISO BMFF (fragmented MP4) reading for LL-HLS: split FFmpeg's byte stream into
 * top-level boxes, read each track's timescale and defaults from `moov`, and read each fragment's
 * timing and first video sample's sync flag from `moof`. Anything malformed throws in words.
 */

export interface Box {
  type: string;
  bytes: Buffer;
}

/** Largest top-level box accepted from FFmpeg (a fragment of a few hundred ms is far smaller). */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

/** Cuts a byte stream into whole top-level boxes, whatever the chunking. */
export class BoxSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Adds bytes; returns the boxes completed by them. */
  push(chunk: Buffer): Box[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: Box[] = [];
    for (;;) {
      if (this.pendingBytes < 8) return out;
      const head = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      this.pending = [head];
      let size = head.readUInt32BE(0);
      let headerBytes = 8;
      if (size === 1) {
        if (head.length < 16) return out;
        size = Number(head.readBigUInt64BE(8));
        headerBytes = 16;
      }
      if (size < headerBytes || size > MAX_BOX_BYTES) throw new Error(`a top-level MP4 box claims ${size} bytes`);
      if (head.length < size) return out;
      out.push({ type: head.toString('latin1', 4, 8), bytes: head.subarray(0, size) });
      const rest = head.subarray(size);
      this.pending = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
    }
  }
}

/** Children of a container box's payload (`start` skips the container's own header). */
function* children(buf: Buffer, start: number, end: number): Generator<{ type: string; start: number; end: number }> {
  let at = start;
  while (at + 8 <= end) {
    const size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size < 8 || at + size > end) throw new Error(`the MP4 box "${type}" runs past its parent`);
    yield { type, start: at + 8, end: at + size };
    at += size;
  }
}

function child(buf: Buffer, start: number, end: number, type: string): { start: number; end: number } | null {
  for (const c of children(buf, start, end)) if (c.type === type) return c;
  return null;
}

export interface TrackInfo {
  id: number;
  kind: 'video' | 'audio' | 'other';
  timescale: number;
  defaultSampleDuration: number;
  defaultSampleFlags: number;
}

/** Tracks declared by an init segment (`moov`). */
export function readMoov(moov: Buffer): Map<number, TrackInfo> {
  const tracks = new Map<number, TrackInfo>();
  const defaults = new Map<number, { duration: number; flags: number }>();
  for (const c of children(moov, 8, moov.length)) {
    if (c.type === 'trak') {
      const tkhd = child(moov, c.start, c.end, 'tkhd');
      const mdia = child(moov, c.start, c.end, 'mdia');
      if (!tkhd || !mdia) throw new Error('an MP4 track has no tkhd or mdia');
      const id = moov.readUInt32BE(tkhd.start + (moov[tkhd.start] === 1 ? 20 : 12));
      const mdhd = child(moov, mdia.start, mdia.end, 'mdhd');
      const hdlr = child(moov, mdia.start, mdia.end, 'hdlr');
      if (!mdhd || !hdlr) throw new Error('an MP4 track has no mdhd or hdlr');
      const timescale = moov.readUInt32BE(mdhd.start + (moov[mdhd.start] === 1 ? 20 : 12));
      const handler = moov.toString('latin1', hdlr.start + 8, hdlr.start + 12);
      tracks.set(id, { id, kind: handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other', timescale, defaultSampleDuration: 0, defaultSampleFlags: 0 });
    } else if (c.type === 'mvex') {
      for (const t of children(moov, c.start, c.end)) {
        if (t.type !== 'trex') continue;
        // trex: version/flags, track_ID, default description index, duration, size, flags
        defaults.set(moov.readUInt32BE(t.start + 4), { duration: moov.readUInt32BE(t.start + 12), flags: moov.readUInt32BE(t.start + 20) });
      }
    }
  }
  for (const [id, d] of defaults) {
    const t = tracks.get(id);
    if (t) Object.assign(t, { defaultSampleDuration: d.duration, defaultSampleFlags: d.flags });
  }
  if (tracks.size === 0) throw new Error('the MP4 init segment declares no track');
  return tracks;
}

export interface FragmentTiming {
  /** Earliest decode time over the fragment's tracks, seconds on the run's timeline. */
  startSec: number;
  /** Latest decode end (last sample's time + duration) over its tracks, seconds. */
  endSec: number;
  /** The fragment holds video and its first video sample is a sync sample (a keyframe). */
  independent: boolean;
}

/** sample_is_non_sync_sample in ISO BMFF sample flags. */
const NON_SYNC = 0x0001_0000;

/** Timing of one `moof` (with the tracks from its run's init segment). */
export function readMoof(moof: Buffer, tracks: Map<number, TrackInfo>): FragmentTiming {
  let startSec = Infinity;
  let endSec = -Infinity;
  let independent = false;
  for (const traf of children(moof, 8, moof.length)) {
    if (traf.type !== 'traf') continue;
    const tfhd = child(moof, traf.start, traf.end, 'tfhd');
    if (!tfhd) throw new Error('an MP4 fragment has a traf without tfhd');
    const tfhdFlags = moof.readUInt32BE(tfhd.start) & 0xffffff;
    const track = tracks.get(moof.readUInt32BE(tfhd.start + 4));
    if (!track) throw new Error('an MP4 fragment names a track its init segment does not declare');
    let at = tfhd.start + 8;
    if (tfhdFlags & 0x01) at += 8; // base_data_offset
    if (tfhdFlags & 0x02) at += 4; // sample_description_index
    let defaultDuration = track.defaultSampleDuration;
    let defaultFlags = track.defaultSampleFlags;
    if (tfhdFlags & 0x08) (defaultDuration = moof.readUInt32BE(at)), (at += 4);
    if (tfhdFlags & 0x10) at += 4; // default_sample_size
    if (tfhdFlags & 0x20) defaultFlags = moof.readUInt32BE(at);
    const tfdt = child(moof, traf.start, traf.end, 'tfdt');
    if (!tfdt) throw new Error('an MP4 fragment has no tfdt (FFmpeg needs movflags default_base_moof)');
    const base = moof[tfdt.start] === 1 ? Number(moof.readBigUInt64BE(tfdt.start + 4)) : moof.readUInt32BE(tfdt.start + 4);
    let duration = 0;
    let samples = 0;
    let firstFlags: number | null = null;
    for (const trun of children(moof, traf.start, traf.end)) {
      if (trun.type !== 'trun') continue;
      const flags = moof.readUInt32BE(trun.start) & 0xffffff;
      const count = moof.readUInt32BE(trun.start + 4);
      let p = trun.start + 8;
      if (flags & 0x01) p += 4; // data_offset
      let first: number | null = null;
      if (flags & 0x04) (first = moof.readUInt32BE(p)), (p += 4);
      const per = ((flags & 0x100) ? 4 : 0) + ((flags & 0x200) ? 4 : 0) + ((flags & 0x400) ? 4 : 0) + ((flags & 0x800) ? 4 : 0);
      if (p + per * count > trun.end) throw new Error('an MP4 trun lists more samples than it holds');
      for (let i = 0; i < count; i++, p += per) {
        let q = p;
        if (flags & 0x100) (duration += moof.readUInt32BE(q)), (q += 4);
        else duration += defaultDuration;
        if (flags & 0x200) q += 4;
        if (samples === 0 && i === 0) firstFlags = first ?? (flags & 0x400 ? moof.readUInt32BE(q) : defaultFlags);
      }
      samples += count;
    }
    if (samples === 0) continue;
    startSec = Math.min(startSec, base / track.timescale);
    endSec = Math.max(endSec, (base + duration) / track.timescale);
    if (track.kind === 'video') independent = ((firstFlags ?? 0) & NON_SYNC) === 0;
  }
  if (!Number.isFinite(startSec)) throw new Error('an MP4 fragment holds no samples');
  return { startSec, endSec, independent };
}
