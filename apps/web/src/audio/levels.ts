/**
 * Audio level and gain maths for the mixer, pure (runs in the meter worklet, the page and Node):
 * dBFS, peak and RMS of a block, the gain a channel applies, and the master limiter's static curve.
 */

/** The meters' floor, dBFS: silence (and a muted source) reads this. */
export const METER_FLOOR_DB = -60;
/** Per-source gain range (as the Amazon IVS mixer: 0–2, i.e. up to +6 dB). */
export const MAX_GAIN = 2;

/** The master limiter: a DynamicsCompressorNode set as a limiter, then a hard ceiling (see mixer.ts). */
export const LIMITER = Object.freeze({ thresholdDb: -6, kneeDb: 0, ratio: 20, attackSec: 0.002, releaseSec: 0.1 });
/** No sample leaves the mixer above this (linear, ≈ −0.5 dBFS): the last guard against clipping. */
export const CEILING = 0.944;

/** Linear amplitude → dBFS, never below `floor`. */
export function toDbfs(linear: number, floor = METER_FLOOR_DB): number {
  if (!(linear > 0)) return floor;
  return Math.max(floor, 20 * Math.log10(linear));
}

export function fromDb(db: number): number {
  return 10 ** (db / 20);
}

/** Peak (largest |sample|) and RMS over every channel of a block. */
export function peakAndRms(channels: readonly Float32Array[]): { peak: number; rms: number } {
  let peak = 0;
  let sum = 0;
  let n = 0;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = ch[i]!;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
      sum += v * v;
    }
    n += ch.length;
  }
  return { peak, rms: n ? Math.sqrt(sum / n) : 0 };
}

/** The gain a channel applies: its setting clamped to 0–{@link MAX_GAIN}, 0 when muted (or not a number). */
export function channelGain(gain: number, muted: boolean): number {
  if (muted || !Number.isFinite(gain)) return 0;
  return Math.min(MAX_GAIN, Math.max(0, gain));
}

/**
 * The limiter's static curve (hard knee): level out for a steady level in, dB. Below the threshold
 * the level passes; above it, every dB in gives 1/ratio dB out.
 */
export function limiterCurveDb(inDb: number, l: { thresholdDb: number; ratio: number } = LIMITER): number {
  return inDb <= l.thresholdDb ? inDb : l.thresholdDb + (inDb - l.thresholdDb) / l.ratio;
}

/** The WaveShaper curve after the limiter: identity up to the ceiling, flat beyond it (catches the limiter's attack overshoot). */
export function ceilingCurve(points = 2049, ceiling = CEILING): Float32Array<ArrayBuffer> {
  const curve = new Float32Array(points);
  for (let i = 0; i < points; i++) {
    const x = (i / (points - 1)) * 2 - 1;
    curve[i] = Math.max(-ceiling, Math.min(ceiling, x));
  }
  return curve;
}
