/**
 * The relay's monitoring points (GET /api/admin/perf): a real-time published fixture shows chunk
 * arrival intervals at its frame rate, fan-out times, and GC pauses; the endpoint is an admin one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture } from './support/fixture.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { TestViewer } from './support/test-viewer.ts';

test('GET /api/admin/perf: arrival intervals at the sent frame rate, fan-out time per chunk, GC pauses; admin only', { timeout: 60_000 }, async () => {
  const fx = await loadFixture({ seconds: 4, width: 320, height: 240, fps: 30, videoKbps: 300 });
  const relay = await startRelay();
  try {
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    await fetch(`${relay.url}/api/admin/perf`); // starts the GC observer before the load
    const viewer = new TestViewer(relay.url, w.streamId);
    await viewer.opened;
    const reporting = setInterval(() => viewer.report(), 250);
    const sent = await pub.sendFixture(fx, { pace: 'realtime' });
    clearInterval(reporting);
    const perf = (await (await fetch(`${relay.url}/api/admin/perf`)).json()) as {
      process: { heapUsedBytes: number; rssBytes: number; gcPausesMs: { pauses: number } };
      streams: Record<string, { arrivalIntervalsMs: { events: number; p50: number; jitter: number }; fanoutMs: { count: number; p50: number } }>;
    };
    const s = perf.streams[w.streamId];
    assert.ok(s, 'the live stream is listed');
    assert.equal(s.arrivalIntervalsMs.events, sent.videoFrames, 'every video chunk is counted once');
    // Paced at 30 fps: the median interval is a frame interval (generous: the machine is busy).
    assert.ok(s.arrivalIntervalsMs.p50 > 20 && s.arrivalIntervalsMs.p50 < 50, `p50 interval ${s.arrivalIntervalsMs.p50} ms`);
    assert.equal(s.fanoutMs.count, sent.chunks, 'fan-out is timed for every chunk, audio included');
    assert.ok(s.fanoutMs.p50 >= 0 && s.fanoutMs.p50 < 20);
    assert.ok(perf.process.heapUsedBytes > 0 && perf.process.rssBytes > perf.process.heapUsedBytes);
    assert.equal(typeof perf.process.gcPausesMs.pauses, 'number');
    const fanout = (perf.streams[w.streamId] as unknown as { fanout: { viewers: number; sent: number; skipped: number; maxBehindMs: number } }).fanout;
    assert.equal(fanout.viewers, 1);
    assert.equal(fanout.skipped, 0, 'a prompt viewer skips nothing');
    assert.ok(fanout.sent >= sent.chunks - 2, `sent ${fanout.sent} of ${sent.chunks}`);
    assert.ok(fanout.maxBehindMs >= 0 && fanout.maxBehindMs < 1_000, `behind ${fanout.maxBehindMs} ms`);

    // ?take=1: the raw samples since the last take, then nothing new.
    type Taken = { streams: Record<string, { samples: { arrivalIntervalsMs: number[]; fanoutMs: number[] } }> };
    const first = (await (await fetch(`${relay.url}/api/admin/perf?take=1`)).json()) as Taken;
    assert.equal(first.streams[w.streamId]!.samples.arrivalIntervalsMs.length, sent.videoFrames - 1);
    const second = (await (await fetch(`${relay.url}/api/admin/perf?take=1`)).json()) as Taken;
    assert.equal(second.streams[w.streamId]!.samples.arrivalIntervalsMs.length, 0);
    const proxied = await fetch(`${relay.url}/api/admin/perf`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(proxied.status, 403, 'admin only');
    pub.close();
    viewer.ws.close();
  } finally {
    await relay.stop();
  }
});
