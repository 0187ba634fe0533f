/**
 * Sees chunks missing from one track by their `seq` (ChunkMessage.seq counts every chunk the
 * studio's encoder produced): a jump that does not land on a keyframe means frames that depend on
 * a missing one follow. The relay counts such gaps from its publisher; the real-time player skips
 * to the next keyframe on one. Chunks without `seq` (an older studio) never make a gap.
 */
export class SeqGapDetector {
  private last: number | null = null;

  /** Takes the next chunk's `seq`; true when chunks are missing before it and it is not a keyframe. */
  observe(seq: number | undefined, key: boolean): boolean {
    if (seq === undefined) return false;
    const gap = this.last !== null && seq !== this.last + 1 && !key;
    this.last = seq;
    return gap;
  }

  /** Forgets the last `seq` (a new connection, or a gap already known about). */
  reset(): void {
    this.last = null;
  }
}
