/**
 * Gaps in the publisher's video `seq` (ChunkMessage.seq): a jump that lands on a delta frame is
 * counted on the stream (`seqGaps`) and logged once, throttled; a jump onto a keyframe (the studio
 * waited, as it should) is not a gap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture } from './support/fixture.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('video seq jumps onto delta frames are counted per stream and logged once; jumps onto keyframes are not', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 4, gopFrames: 30, audio: false });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY, { audio: false });
    const packets = fx.video.packets;
    // Chunks 5 and 6 missing (then 7, a delta, comes: a gap), 12–29 missing up to the keyframe at
    // 30 (not a gap), 40 missing (41 is a delta: a gap).
    const missing = new Set([5, 6, ...Array.from({ length: 18 }, (_, i) => 12 + i), 40]);
    const t0 = 5_000_000;
    for (let i = 0; i < packets.length; i++) {
      if (missing.has(i)) continue;
      const p = packets[i]!;
      pub.send({ type: 'chunk', track: 'video', seq: i, timestampUs: t0 + p.timestampUs, durationUs: p.durationUs, key: p.key, data: p.data, ...(i === 0 ? { config: fx.video.config } : {}) });
      await sleep(2);
    }
    const session = relay.registry.get(w.streamId)!;
    const deadline = Date.now() + 5_000;
    while (session.seqGaps < 2 && Date.now() < deadline) await sleep(50);
    await sleep(200);
    assert.ok(packets[30]!.key && !packets[7]!.key && !packets[41]!.key, 'fixture GOPs of 30 frames');
    assert.equal(session.seqGaps, 2);
    assert.equal(session.state, 'live', 'a gap is counted, not a reason to end the stream');
    const lines = relay.logs.filter((l) => l.includes('gap in seq'));
    assert.equal(lines.length, 1, `logged once (throttled): ${lines.join('\n')}`);
    assert.match(lines[0]!, new RegExp(w.streamId));
    await pub.stop();
  } finally {
    await relay.stop();
  }
});
