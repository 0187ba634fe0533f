/**
 * The relay's heartbeat to a live publisher: `welcome` announces it (and the reconnect grace), then a
 * `heartbeat` comes every second while the publisher sends nothing at all, so a studio can tell a
 * live link from a half-open one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a live publisher hears a heartbeat every second, and welcome says how often and how long the grace is', async () => {
  const relay = await startRelay({ reconnectGraceMs: 12_345 });
  try {
    const pub = new TestPublisher(relay.url);
    const welcome = await pub.hello(TEST_KEY, { audio: false });
    assert.equal(welcome.heartbeatMs, 1_000);
    assert.equal(welcome.reconnectGraceMs, 12_345);
    const heard: number[] = [];
    pub.ws.on('message', () => heard.push(performance.now()));
    const start = performance.now();
    await sleep(3_300);
    const beats = pub.received.filter((m) => m.type === 'heartbeat').length;
    assert.ok(beats >= 3 && beats <= 4, `${beats} heartbeats in 3.3 s`);
    const gaps = heard.map((t, i) => t - (i ? heard[i - 1]! : start));
    assert.ok(Math.max(...gaps) < 1_500, `never more than 1.5 s without a message (gaps ${gaps.map(Math.round).join(', ')} ms)`);
    await pub.stop();
    const after = pub.received.length;
    await sleep(1_500);
    assert.equal(pub.received.length, after, 'no heartbeat after the stream ended');
  } finally {
    await relay.stop();
  }
});
