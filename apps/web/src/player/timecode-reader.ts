/**
 * Reads the test pattern's timecode back from a playing <video> and reports glass-to-glass latency
 * (now − the wall-clock time drawn into the source). Samples a few times a second, not every frame.
 */
import { recordLatency } from '../latency/latency-log.ts';
import { readTimecode, timecodeBandHeight } from '../timecode/timecode.ts';

export function watchTimecode(video: HTMLVideoElement, onLatency: (ms: number | null) => void, intervalMs = 250): () => void {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const timer = setInterval(() => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h || video.readyState < 2) return;
    const band = timecodeBandHeight(h);
    canvas.width = w;
    canvas.height = 1;
    // One row through the middle of the band is all the reader needs.
    ctx.drawImage(video, 0, Math.floor(band / 2), w, 1, 0, 0, w, 1);
    const pixels = ctx.getImageData(0, 0, w, 1).data;
    const now = Date.now();
    const ts = readTimecode(pixels, w, 0, now);
    if (ts !== null) recordLatency(now - ts, now);
    onLatency(ts === null ? null : now - ts);
  }, intervalMs);
  return () => clearInterval(timer);
}
