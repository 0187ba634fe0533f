/**
 * A built-in test source: moving bars, a clock and the machine-readable timecode, captured from a
 * canvas. It lets a broadcaster check the whole path without sharing a screen, and lets the
 * latency benchmark read glass-to-glass time back in the viewer.
 */
import { drawTimecode, timecodeBandHeight } from '../timecode/timecode.ts';

export interface TestPattern {
  stream: MediaStream;
  stop(): void;
}

export function startTestPattern(width = 1280, height = 720, fps = 30): TestPattern {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { alpha: false })!;
  const band = timecodeBandHeight(height);
  let frame = 0;
  const draw = () => {
    frame++;
    const now = Date.now();
    ctx.fillStyle = '#1d2330';
    ctx.fillRect(0, 0, width, height);
    const colors = ['#e5484d', '#f5a524', '#30a46c', '#0090ff', '#8e4ec6', '#e8eaf0'];
    const barW = width / colors.length;
    colors.forEach((c, i) => {
      ctx.fillStyle = c;
      ctx.fillRect(i * barW, band + 10, barW, height * 0.3);
    });
    const x = ((frame * 8) % (width + 200)) - 100;
    ctx.fillStyle = '#ffffff';
    ctx.beginPath();
    ctx.arc(x, height * 0.62, 50, 0, Math.PI * 2);
    ctx.fill();
    ctx.font = `bold ${Math.round(height / 10)}px monospace`;
    ctx.fillText(new Date(now).toISOString().slice(11, 23), width * 0.05, height * 0.9);
    ctx.font = `${Math.round(height / 30)}px sans-serif`;
    ctx.fillText(`Tabcast test pattern · frame ${frame}`, width * 0.05, height * 0.77);
    drawTimecode(ctx, now, width, band);
  };
  draw();
  // Timers, not requestAnimationFrame: rAF stops in a hidden tab, and a broadcast must not.
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);
  return {
    stream,
    stop: () => {
      clearInterval(timer);
      stream.getTracks().forEach((t) => t.stop());
    },
  };
}
