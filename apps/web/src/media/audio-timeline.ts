/**
 * Gives the output of an AudioEncoder or AudioDecoder the timestamps of its input. Chromium stamps
 * codec output by counting samples from the first input: that ignores any jump in the input's
 * timestamps (the studio re-anchors its audio clock after a start-up stall, measured up to 0.9 s)
 * and drifts from the input clock (measured: −8.5 ms a minute with a fake audio device). Input
 * and output are the same audio in the same order, so an output's position in the audio (µs of
 * audio before it) finds the input it came from. Used on both sides: encoder and player.
 */
export class AudioTimeline {
  /** Inputs still to be reached by the output: position (µs of audio before it) → stream time. */
  private inputs: { at: number; ts: number }[] = [];
  private inUs = 0;
  private outUs = 0;

  /** An input of `durationUs` whose first sample is at time `ts` (µs). */
  input(ts: number, durationUs: number): void {
    this.inputs.push({ at: this.inUs, ts });
    this.inUs += durationUs;
    if (this.inputs.length > 1000) this.inputs.shift(); // the encoder holds a few; bounded anyway
  }

  /** The next output, `durationUs` long: the input time of its first sample, or null. */
  output(durationUs: number): number | null {
    const at = this.outUs;
    this.outUs += durationUs;
    while (this.inputs.length > 1 && this.inputs[1]!.at <= at) this.inputs.shift();
    const from = this.inputs[0];
    if (!from || from.at > at || at >= this.inUs) return null;
    return Math.round(from.ts + (at - from.at));
  }
}
