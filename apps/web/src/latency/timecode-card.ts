/**
 * The latency test card (`/timecode.html`, titled "Tabcast timecode"): a page that draws the
 * wall clock as a machine-readable timecode on every animation frame, with some motion below it.
 * Share this tab from the studio and the real-time viewer, the HLS viewer and the WebRTC reference
 * (`/latency-reference.html`) all read the same clock back from their pixels, so glass-to-glass
 * latency is measured through real tab capture, the path broadcasters use.
 */
import { drawTimecode, timecodeBandHeight } from '../timecode/timecode.ts';

const canvas = document.getElementById('card') as HTMLCanvasElement;
const ctx = canvas.getContext('2d', { alpha: false })!;
let frames = 0;

function draw(): void {
  const { width, height } = canvas;
  const now = Date.now();
  frames++;
  // A slowly changing background and a moving block: the encoder sees real motion every frame.
  ctx.fillStyle = `hsl(${(now / 40) % 360} 40% 25%)`;
  ctx.fillRect(0, 0, width, height);
  const band = timecodeBandHeight(height);
  drawTimecode(ctx, now, width, band);
  const x = ((now / 4) % (width + 200)) - 200;
  ctx.fillStyle = '#f5a524';
  ctx.fillRect(x, height * 0.45, 200, 120);
  ctx.fillStyle = '#ffffff';
  ctx.font = '48px sans-serif';
  ctx.fillText(`${new Date(now).toISOString().slice(11, 23)}  frame ${frames}`, 40, height - 60);
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
