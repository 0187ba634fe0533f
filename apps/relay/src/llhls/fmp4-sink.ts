/**
 * Takes one FFmpeg run's fragmented MP4 (fd 3) into the stream's {@link LlMedia}: `ftyp` + `moov`
 * become the run's init segment, each `moof` + `mdat` one part. A part lasts from the end of the
 * previous part to its own latest sample end (over all tracks), so parts tile the timeline.
 */
import type { Readable } from 'node:stream';
import type { PipeSink } from '../outputs/ffmpeg-run.ts';
import type { LlMedia } from './ll-media.ts';
import { BoxSplitter, readMoof, readMoov, type TrackInfo } from './mp4-boxes.ts';

export class Fmp4Sink implements PipeSink {
  ready = false;
  private out: Readable | null = null;

  constructor(private media: LlMedia) {}

  async run(out: Readable): Promise<void> {
    this.out = out;
    const splitter = new BoxSplitter();
    let ftyp: Buffer | null = null;
    let tracks: Map<number, TrackInfo> | null = null;
    let moof: Buffer | null = null;
    let endSec: number | null = null;
    try {
      for await (const chunk of out) {
        for (const box of splitter.push(chunk as Buffer)) {
          if (box.type === 'ftyp') ftyp = box.bytes;
          else if (box.type === 'moov') {
            if (!ftyp) throw new Error('FFmpeg wrote moov before ftyp');
            tracks = readMoov(box.bytes);
            this.media.startRun(Buffer.concat([ftyp, box.bytes]));
            this.ready = true;
          } else if (box.type === 'moof') moof = box.bytes;
          else if (box.type === 'mdat') {
            if (!moof || !tracks) throw new Error('FFmpeg wrote mdat without moof');
            const t = readMoof(moof, tracks);
            const durationSec = Math.max(0, t.endSec - (endSec ?? t.startSec));
            endSec = Math.max(endSec ?? -Infinity, t.endSec);
            this.media.addPart(Buffer.concat([moof, box.bytes]), durationSec, t.independent);
            moof = null;
          }
          // Anything else (mfra at the end) is not media.
        }
      }
    } catch (err) {
      throw new Error(`the LL-HLS fragment stream failed: ${(err as Error).message}`);
    } finally {
      this.media.endRun();
    }
  }

  abort(): void {
    this.out?.destroy();
  }
}
