/**
 * Audio/video sync, measured: the page's audio output timing (context time ↔ wall clock, output
 * latency included) and the test pattern's beeps paired with the picture's latency. The test
 * pattern beeps at each whole second of its clock, when its timecode reads that second: the
 * beep's latency against the picture's latency is the A/V offset. Both latencies share the
 * broadcaster's clock offset, which cancels out. Everything is on the wall clock (Date.now()),
 * like the timecode.
 */
/** Recent drawn frames remembered for pairing with a beep. */
const RECENT_FRAMES = 60;
/** The A/V figure is dropped once beeps stop for this long, ms. */
const BEEP_STALE_MS = 3_000;

export class AvProbe {
  /** Picture behind sound, ms (negative: ahead); null without recent beeps. */
  avSyncMs: number | null = null;
  private recent: { atMs: number; latencyMs: number }[] = [];
  private output: { contextTime: number; epochMs: number } | null = null;
  private lastBeepAt = 0;

  /**
   * The page's AudioContext.getOutputTimestamp(): context time `contextTime` is heard at
   * `epochMs` (wall clock). It carries the output latency, so the video follows what is heard.
   */
  outputTiming(contextTime: number, epochMs: number): void {
    this.output = { contextTime, epochMs };
  }

  /** When context time `t` is heard, on this worker's performance.now() clock, µs. */
  audibleAtUs(t: number): number {
    if (!this.output) return performance.now() * 1000; // no mapping yet: roughly now
    const epochMs = this.output.epochMs + (t - this.output.contextTime) * 1000;
    return (epochMs - performance.timeOrigin) * 1000;
  }

  /** A frame whose timecode read `latencyMs` was drawn at wall-clock `atMs`. */
  frameDrawn(atMs: number, latencyMs: number): void {
    this.recent.push({ atMs, latencyMs });
    if (this.recent.length > RECENT_FRAMES) this.recent.shift();
  }

  /** A beep was heard at context time `t`. */
  beep(t: number): void {
    if (!this.output) return;
    const wallMinusEpoch = Date.now() - (performance.timeOrigin + performance.now());
    const heardMs = this.output.epochMs + (t - this.output.contextTime) * 1000 + wallMinusEpoch;
    // The picture's latency: that of the frame drawn nearest to when the beep is heard.
    let video: { atMs: number; latencyMs: number } | null = null;
    for (const r of this.recent) if (!video || Math.abs(r.atMs - heardMs) < Math.abs(video.atMs - heardMs)) video = r;
    if (!video || Math.abs(video.atMs - heardMs) > 100) return;
    // The second this beep marks: the one nearest to when the picture says it was heard. A sound
    // that is not near a whole second at all is not the pattern's beep (a voice, say).
    const beepMs = Math.round((heardMs - video.latencyMs) / 1000) * 1000;
    const avSyncMs = video.latencyMs - (heardMs - beepMs);
    if (Math.abs(avSyncMs) > 400) return;
    this.avSyncMs = Math.round(avSyncMs);
    this.lastBeepAt = performance.now();
  }

  /** Call now and then: the figure is only meaningful while beeps keep coming. */
  expire(): void {
    if (this.avSyncMs !== null && performance.now() - this.lastBeepAt > BEEP_STALE_MS) this.avSyncMs = null;
  }
}
