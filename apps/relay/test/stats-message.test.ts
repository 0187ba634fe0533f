/**
 * The studio's `stats` message on a real publish socket: its figures reach /api/streams/:id; a
 * malformed one is refused without ending the broadcast; and a version-1 publisher (which knows
 * no `quality-request`) is never sent one while a version-2 publisher on the same relay is.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION, type ErrorMessage, type StreamDetail } from '@tabcast/shared';
import { pack } from 'msgpackr';
import { loadFixture, type Fixture } from './support/fixture.ts';
import { until } from './support/poll.ts';
import { startRelay, TEST_KEY, type Harness } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

let relay: Harness;
let fx: Fixture;
before(async () => {
  fx = await loadFixture({ seconds: 10 });
  // CPU "high" at 1 %: any machine running this test is over it, so every studio is asked to step down.
  relay = await startRelay({ maxStreamsPerKey: 2, healthCpuDegradedPercent: 1, healthCpuUnhealthyPercent: 100 });
});
after(() => relay.stop());

test('stats reach the stream figures; a malformed stats message is refused and the broadcast goes on', async () => {
  const pub = new TestPublisher(relay.url);
  const { streamId } = await pub.hello(TEST_KEY);
  let stop = false;
  const sending = pub.sendFixture(fx, { pace: 'realtime', until: () => stop });
  try {
    pub.send({ type: 'stats', captureFps: 24, targetFps: 25, encodeMs: 7.5, droppedEncoder: 2, droppedSocket: 1, encoderQueue: 2, socketBufferedBytes: 4096, targetBitrate: 1_200_000 });
    const detail = await until('studio figures in /api/streams/:id', 5_000, async () => {
      const d = (await (await fetch(`${relay.url}/api/streams/${streamId}`)).json()) as StreamDetail;
      return d.studio ? d : null;
    });
    assert.deepEqual(detail.studio, { captureFps: 24, targetFps: 25, encodeMs: 7.5, droppedEncoder: 2, droppedSocket: 1, encoderQueue: 2, socketBufferedBytes: 4096, targetBitrate: 1_200_000 });
    pub.ws.send(pack({ type: 'stats', captureFps: -5 }));
    const err = (await pub.waitFor('error', 5_000)) as ErrorMessage;
    assert.equal(err.fatal, false);
    assert.match(err.message, /^stats message refused \(the broadcast goes on\)/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(pub.closeCode, null, 'still connected');
    assert.equal(relay.registry.get(streamId)?.state, 'live');
  } finally {
    stop = true;
    await sending;
    await pub.stop();
  }
});

test('only publishers that speak protocol 2 are sent quality-request', async () => {
  const v2 = new TestPublisher(relay.url);
  const v1 = new TestPublisher(relay.url);
  let stop = false;
  try {
    await v2.hello(TEST_KEY);
    await v1.opened();
    v1.send({ type: 'hello', version: 1, key: TEST_KEY, video: { codec: 'avc' }, audio: null });
    const welcome = await v1.waitFor('welcome');
    assert.equal((welcome as { version: number }).version, 1, 'the relay answers in the publisher version');
    assert.ok(PROTOCOL_VERSION >= 2);
    void v2.sendFixture(fx, { pace: 'realtime', until: () => stop });
    const q = await v2.waitFor('quality-request', 10_000);
    assert.match((q as { reason: string }).reason, /threshold 1 %/);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok(!v1.received.some((m) => m.type === 'quality-request'), 'a version-1 publisher gets none');
    assert.ok(relay.health.actions.filter((a) => a.kind === 'quality-down').length >= 1);
  } finally {
    stop = true;
    v1.close();
    v2.close();
  }
});
