import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CEILING, LIMITER, MAX_GAIN, METER_FLOOR_DB, ceilingCurve, channelGain, fromDb, limiterCurveDb, peakAndRms, toDbfs } from './levels.ts';

test('dBFS: full scale is 0, half is about −6, silence sits at the floor', () => {
  assert.equal(toDbfs(1), 0);
  assert.ok(Math.abs(toDbfs(0.5) + 6.02) < 0.01);
  assert.equal(toDbfs(0), METER_FLOOR_DB);
  assert.equal(toDbfs(1e-9), METER_FLOOR_DB);
  assert.ok(Math.abs(fromDb(toDbfs(0.25)) - 0.25) < 1e-9);
});

test('peak and RMS of a full-scale sine: 1 and 1/√2', () => {
  const n = 4800;
  const sine = new Float32Array(n).map((_, i) => Math.sin((2 * Math.PI * 1000 * i) / 48000));
  const { peak, rms } = peakAndRms([sine, sine]);
  assert.ok(Math.abs(peak - 1) < 1e-3);
  assert.ok(Math.abs(rms - Math.SQRT1_2) < 1e-3);
  assert.deepEqual(peakAndRms([]), { peak: 0, rms: 0 });
  assert.deepEqual(peakAndRms([new Float32Array(128)]), { peak: 0, rms: 0 });
});

test('gain is clamped to 0–2 and muted means 0', () => {
  assert.equal(channelGain(1, false), 1);
  assert.equal(channelGain(5, false), MAX_GAIN);
  assert.equal(channelGain(-1, false), 0);
  assert.equal(channelGain(NaN, false), 0);
  assert.equal(channelGain(1.5, true), 0);
});

test('the limiter passes quiet levels and squeezes loud ones: two sources at gain 2 stay under full scale', () => {
  assert.equal(limiterCurveDb(-20), -20);
  assert.equal(limiterCurveDb(LIMITER.thresholdDb), LIMITER.thresholdDb);
  // Two full-scale sources summed at gain 2 each: +12 dB in.
  const sum = toDbfs(2 * MAX_GAIN);
  const out = limiterCurveDb(sum);
  assert.ok(out < 0, `${out} dB out for ${sum} dB in`);
  assert.ok(Math.abs(out - (LIMITER.thresholdDb + (sum - LIMITER.thresholdDb) / LIMITER.ratio)) < 1e-9);
});

test('the ceiling curve is the identity below the ceiling and never exceeds it', () => {
  const curve = ceilingCurve(1025);
  assert.equal(curve[512], 0);
  assert.ok(Math.abs(curve[Math.round(512 + 0.5 * 512)]! - 0.5) < 1e-6);
  assert.ok(curve.every((v) => Math.abs(v) <= CEILING + 1e-7));
  assert.ok(Math.abs(curve[0]! + CEILING) < 1e-6 && Math.abs(curve[1024]! - CEILING) < 1e-6);
});
