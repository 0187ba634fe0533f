/// <reference lib="es2022" />
// AudioWorklet that measures the level of what it is fed (a tap beside the mixer's path: it has
// no output and adds no delay) and posts peak and RMS (linear, 0–1+) about 20 times a second.

import { peakAndRms } from './levels.ts';

declare const sampleRate: number;
declare function registerProcessor(name: string, ctor: unknown): void;
/** The AudioWorkletGlobalScope's part we use (no DOM lib here: a worklet has none). */
declare class AudioWorkletProcessor {
  readonly port: { postMessage(message: unknown): void };
}

/** What the meter posts: the loudest sample and the RMS over the last report period. */
export interface MeterReport {
  peak: number;
  rms: number;
}

const REPORT_SEC = 0.05;

class LevelMeter extends AudioWorkletProcessor {
  private peak = 0;
  private sumSquares = 0;
  private samples = 0;
  private frames = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const { peak, rms } = peakAndRms(channels);
    const n = channels.length ? channels[0]!.length : 128;
    if (peak > this.peak) this.peak = peak;
    this.sumSquares += rms * rms * n;
    this.samples += n;
    this.frames += n;
    if (this.frames >= REPORT_SEC * sampleRate) {
      const report: MeterReport = { peak: this.peak, rms: Math.sqrt(this.sumSquares / Math.max(1, this.samples)) };
      this.port.postMessage(report);
      this.peak = this.sumSquares = this.samples = this.frames = 0;
    }
    return true;
  }
}

registerProcessor('tabcast-level-meter', LevelMeter);
