/** Counts events and bytes over a sliding window of whole seconds. */
export class RateMeter {
  private buckets: { second: number; count: number; bytes: number }[] = [];

  constructor(private windowSec = 3, private now: () => number = Date.now) {}

  record(bytes: number): void {
    const second = Math.floor(this.now() / 1000);
    const last = this.buckets.at(-1);
    if (last && last.second === second) {
      last.count++;
      last.bytes += bytes;
    } else {
      this.buckets.push({ second, count: 1, bytes });
      if (this.buckets.length > this.windowSec + 1) this.buckets.shift();
    }
  }

  /** Per-second rates over the last `windowSec` complete seconds. */
  rates(): { perSec: number; bitsPerSec: number } {
    const current = Math.floor(this.now() / 1000);
    const from = current - this.windowSec;
    let count = 0;
    let bytes = 0;
    for (const b of this.buckets) {
      if (b.second >= from && b.second < current) {
        count += b.count;
        bytes += b.bytes;
      }
    }
    return { perSec: count / this.windowSec, bitsPerSec: (bytes * 8) / this.windowSec };
  }
}
