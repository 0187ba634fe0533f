/**
 * A built-in test source: moving bars, a clock and the machine-readable timecode, captured from a
 * canvas. It lets a broadcaster check the whole path without sharing a screen, and lets the
 * latency benchmark read glass-to-glass time back in the viewer.
 */
import { drawTimecode, timecodeBandHeight } from '../timecode/timecode.ts';

export interface TestPattern {
  stream: MediaStream;
  /**
   * Adds the pattern's sound: a 1 kHz beep of {@link BEEP_MS} at every whole second of wall-clock
   * time, when the picture flashes its frame. Viewers use it to check lip sync by eye and ear, and
   * the player to measure the audio path's latency against the video's timecode.
   */
  attachBeep(ctx: AudioContext, destination: AudioNode): void;
  stop(): void;
}

export const BEEP_MS = 100;
const BEEP_HZ = 1000;

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
    if (now % 1000 < BEEP_MS) {
      // The flash that goes with the beep.
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = Math.round(height / 40);
      ctx.strokeRect(ctx.lineWidth / 2, band + ctx.lineWidth / 2, width - ctx.lineWidth, height - band - ctx.lineWidth);
    }
    drawTimecode(ctx, now, width, band);
  };
  draw();
  // Timers, not requestAnimationFrame: rAF stops in a hidden tab, and a broadcast must not.
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);
  let beepTimer: ReturnType<typeof setInterval> | null = null;
  let oscillator: OscillatorNode | null = null;
  return {
    stream,
    attachBeep(audio, destination) {
      oscillator = new OscillatorNode(audio, { frequency: BEEP_HZ });
      const gate = new GainNode(audio, { gain: 0 });
      oscillator.connect(gate).connect(destination);
      oscillator.start();
      let scheduledUpTo = 0; // wall-clock ms of the last beep scheduled
      const schedule = () => {
        const nowMs = Date.now();
        const at = audio.currentTime;
        for (let beep = Math.ceil((nowMs + 50) / 1000) * 1000; beep < nowMs + 1500; beep += 1000) {
          if (beep <= scheduledUpTo) continue;
          const start = at + (beep - nowMs) / 1000;
          gate.gain.setValueAtTime(0.5, start);
          gate.gain.setValueAtTime(0, start + BEEP_MS / 1000);
          scheduledUpTo = beep;
        }
      };
      schedule();
      beepTimer = setInterval(schedule, 250);
    },
    stop: () => {
      clearInterval(timer);
      if (beepTimer) clearInterval(beepTimer);
      oscillator?.stop();
      stream.getTracks().forEach((t) => t.stop());
    },
  };
}
