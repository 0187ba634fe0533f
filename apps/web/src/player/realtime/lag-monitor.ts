/**
 * How far behind live the real-time player is, from the chunks it takes off its socket.
 *
 * A chunk's lag is its arrival time minus its timestamp (µs). The two clocks differ by an unknown
 * constant, so the lag alone says nothing; but the lowest lag over the last {@link windowUs} is as
 * live as this path gets, and a chunk's lag above that is how far behind it arrived: a backlog in
 * the socket, the kernel's buffers or the relay's. Kept per second, so the window costs 10 numbers.
 */
export const LAG_WINDOW_US = 10_000_000;

export class LagMonitor {
  private buckets: { start: number; min: number }[] = [];

  constructor(private windowUs = LAG_WINDOW_US, private bucketUs = 1_000_000) {}

  /** A chunk with timestamp `ts` arrived at `now` (µs): how far behind the best of the window, µs. */
  observe(ts: number, now: number): number {
    const lag = now - ts;
    let b = this.buckets.at(-1);
    if (!b || now - b.start >= this.bucketUs) this.buckets.push((b = { start: now, min: lag }));
    else if (lag < b.min) b.min = lag;
    while (now - this.buckets[0]!.start > this.windowUs) this.buckets.shift();
    let min = Infinity;
    for (const x of this.buckets) if (x.min < min) min = x.min;
    return lag - min;
  }

  /** Forgets the window: the next chunk sets a new baseline (the stream's clock moved). */
  reset(): void {
    this.buckets = [];
  }
}
