/**
 * One video source in the compositor: reads its track's frames and keeps only the newest (a frame
 * replaced before it was drawn is closed unseen). Its planes are copied as it arrives only while
 * the scene composes in I420 (`wantPlanes`): a scene passed through never draws them, and the copy
 * of every 720p frame is the largest cost a pass-through would otherwise pay. Each arrival is
 * announced (`onFrame`), so a passed-through source reaches the encoder when it is captured, not
 * at the next compositor tick. When the track ends (a stopped share, an unplugged camera) the frame
 * goes and the layer shows its placeholder.
 */
import { createYuv, type Yuv } from './yuv.ts';

export class LatestFrame {
  frame: VideoFrame | null = null;
  /** The latest frame's visible planes when it is I420 and planes are wanted (copied as it arrives). */
  yuv: Yuv | null = null;
  /** Copy each arriving frame's planes (set by the compositor while it composes in I420). */
  wantPlanes = false;
  /**
   * The smallest (compositor clock − frame timestamp) seen, µs: frame timestamps are capture times
   * on a clock a fixed origin apart from this worker's performance.now(); adding this maps them onto
   * it, with a late frame still showing as late.
   */
  clockOffsetUs = Infinity;
  /** The buffer the next frame is copied into, then swapped with `yuv`. */
  private spare: Yuv | null = null;
  private reader: ReadableStreamDefaultReader<VideoFrame>;
  private ended = false;
  private frames = 0;

  /** `onClose`: called once when the source goes (the worker stops the track it read). */
  constructor(readable: ReadableStream<VideoFrame>, private onFrame: (frame: VideoFrame) => void = () => {}, private onClose: () => void = () => {}) {
    this.reader = readable.getReader();
    void this.pump();
  }

  /** A frame's capture time on this worker's performance.now() clock, µs. */
  localTimestampUs(frame: VideoFrame): number {
    return frame.timestamp + (Number.isFinite(this.clockOffsetUs) ? this.clockOffsetUs : 0);
  }

  /** Frames received since the last call. */
  takeFrameCount(): number {
    const n = this.frames;
    this.frames = 0;
    return n;
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    void this.reader.cancel().catch(() => undefined);
    this.onClose();
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
        const offset = performance.now() * 1000 - value.timestamp;
        if (offset < this.clockOffsetUs) this.clockOffsetUs = offset;
        if (this.wantPlanes) await this.copyPlanes(value);
        else this.yuv = null;
        if (this.ended) {
          value.close();
          break;
        }
        this.frame?.close();
        this.frame = value;
        this.frames++;
        try {
          this.onFrame(value);
        } catch {
          // A failed forward loses one frame, never the source.
        }
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
