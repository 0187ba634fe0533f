/**
 * What the studio does for recording (protocol 3), driven by hand: a fixture as numbered chunk
 * messages (seq per track, config on each track's first chunk and on every video keyframe, as the
 * studio's retained copy has them), and the acks a connection received.
 */
import type { ChunkMessage, RelayMessage } from '@tabcast/shared';
import type { Fixture } from './fixture.ts';

/** The fixture's chunks interleaved by timestamp as the encoder emits them, each with its seq. */
export function sequencedChunks(fx: Fixture, offsetUs = 5_000_000): ChunkMessage[] {
  const items: ChunkMessage[] = [];
  fx.video.packets.forEach((p, seq) =>
    items.push({ type: 'chunk', track: 'video', seq, timestampUs: offsetUs + p.timestampUs, durationUs: p.durationUs, key: p.key, data: p.data, ...(p.key ? { config: fx.video.config } : {}) }),
  );
  fx.audio?.packets.forEach((p, seq) =>
    items.push({ type: 'chunk', track: 'audio', seq, timestampUs: offsetUs + p.timestampUs, durationUs: p.durationUs, key: true, data: p.data, ...(seq === 0 ? { config: fx.audio!.config } : {}) }),
  );
  return items.sort((a, b) => a.timestampUs - b.timestampUs || (a.track === 'video' ? -1 : 1));
}

/** The highest `ack.chunks` among received messages (0 without one). */
export function ackedChunks(received: RelayMessage[]): number {
  return received.reduce((max, m) => (m.type === 'ack' ? Math.max(max, m.chunks) : max), 0);
}
