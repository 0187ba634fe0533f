/**
 * One video source in the compositor: reads its track's frames and keeps only the newest (a frame
 * replaced before it was drawn is closed unseen), with its planes copied when it is I420 so the
 * I420 path can compose from them. When the track ends (a stopped share, an unplugged camera) the
 * frame goes and the layer shows its placeholder.
 */
import { createYuv, type Yuv } from './yuv.ts';

export class LatestFrame {
  frame: VideoFrame | null = null;
  /** The latest frame's visible planes when it is I420 (copied as it arrives). */
  yuv: Yuv | null = null;
  /** The buffer the next frame is copied into, then swapped with `yuv`. */
  private spare: Yuv | null = null;
  private reader: ReadableStreamDefaultReader<VideoFrame>;
  private ended = false;
  private frames = 0;

  constructor(readable: ReadableStream<VideoFrame>) {
    this.reader = readable.getReader();
    void this.pump();
  }

  /** Frames received since the last call. */
  takeFrameCount(): number {
    const n = this.frames;
    this.frames = 0;
    return n;
  }

  close(): void {
    this.ended = true;
    this.release();
    void this.reader.cancel().catch(() => undefined);
  }

  private release(): void {
    this.frame?.close();
    this.frame = null;
    this.yuv = null;
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        if (this.ended) {
          value.close();
          break;
        }
        await this.copyPlanes(value);
        if (this.ended) {
          value.close();
          break;
        }
        this.frame?.close();
        this.frame = value;
        this.frames++;
      }
    } catch {
      // The track went away: the layer shows its placeholder.
    }
    this.ended = true;
    this.release();
  }

  /** Copies an I420 frame's visible planes into the spare buffer, then swaps it in. */
  private async copyPlanes(frame: VideoFrame): Promise<void> {
    const rect = frame.visibleRect;
    if (frame.format !== 'I420' || !rect || rect.width % 2 || rect.height % 2) {
      this.yuv = null;
      return;
    }
    let buf = this.spare;
    if (!buf || buf.width !== rect.width || buf.height !== rect.height) buf = createYuv(rect.width, rect.height);
    try {
      await frame.copyTo(buf.data, { rect: { x: rect.x, y: rect.y, width: rect.width, height: rect.height }, layout: buf.layout });
      this.spare = this.yuv;
      this.yuv = buf;
    } catch {
      this.yuv = null;
    }
  }
}
