/**
 * Real-time fan-out with real sockets: a viewer joining mid-GOP starts at the cached keyframe at
 * once; a slow viewer skips and is finally sent to HLS, without costing a fast viewer a frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, type ChunkMessage } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';
import { TestViewer } from './support/test-viewer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a viewer joining mid-GOP gets the config and the last keyframe at once, then every frame', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 12 }); // 2 s GOPs
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 'realtime', maxDurationUs: 8_000_000 });
    await sleep(3000); // mid-GOP (keyframes at 0, 2, 4 s)
    const viewer = new TestViewer(relay.url, w.streamId);
    await viewer.opened;
    await sleep(300);
    const first = viewer.messages[0];
    assert.equal(first?.msg.type, 'stream-config');
    const firstChunk = viewer.messages.find((m) => m.msg.type === 'chunk')!;
    assert.ok((firstChunk.msg as ChunkMessage).key && (firstChunk.msg as ChunkMessage).track === 'video', 'starts at a keyframe');
    assert.ok(firstChunk.at - viewer.openedAt < 200, `first keyframe after ${(firstChunk.at - viewer.openedAt).toFixed(0)} ms`);
    const cachedFrames = viewer.videoFrames;
    assert.ok(cachedFrames > 10, `the GOP so far arrived at once (${cachedFrames} frames)`);
    // The replay ends with one `live` marker; what follows it arrives as it is published.
    const liveAt = viewer.messages.findIndex((m) => m.msg.type === 'live');
    assert.ok(liveAt > viewer.messages.indexOf(firstChunk), 'live comes after the cached GOP');
    const replayed = viewer.messages.slice(0, liveAt).filter((m) => m.msg.type === 'chunk' && m.msg.track === 'video').length;
    assert.ok(replayed > 10 && replayed <= cachedFrames, `replayed ${replayed} of ${cachedFrames}`);
    assert.equal(viewer.messages.filter((m) => m.msg.type === 'live').length, 1);
    const { videoFrames: sentTotal } = await sending;
    await sleep(300);
    // Everything from the cached keyframe on: the frames of the GOP it joined in, then all the rest.
    const keyIdx = fx.video.packets.findIndex((p, i) => p.key && i * (1e6 / 30) >= 2_000_000);
    assert.equal(viewer.videoFrames, sentTotal - keyIdx, 'no frame missing after the join');
    await pub.stop();
    assert.equal(await viewer.closed, 1000);
    assert.ok(viewer.messages.some((m) => m.msg.type === 'stream-ended'));
  } finally {
    await relay.stop();
  }
});

test('a slow viewer is skipped, then sent to HLS, and a fast viewer loses nothing', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 20, videoKbps: 4000, gopFrames: 30 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const fast = new TestViewer(relay.url, w.streamId, { keepMessages: false });
    const slow = new TestViewer(relay.url, w.streamId);
    await Promise.all([fast.opened, slow.opened]);
    slow.pause();
    // Fast enough to fill the kernel's loopback buffers (several MB) and then the relay's budget.
    const sending = pub.sendFixture(fx, { pace: 4, loops: 2 });
    for (let i = 0; i < 80 && relay.registry.get(w.streamId)!.fanOut.skipped < 3; i++) await sleep(100);
    slow.resume(); // it reads its backlog, then learns it was sent to HLS
    const code = await Promise.race([slow.closed, sleep(10_000).then(() => -1)]);
    const { videoFrames } = await sending;
    assert.equal(code, CLOSE_CODES['viewer-too-slow']);
    assert.ok(slow.messages.some((m) => m.msg.type === 'skipped'), 'the slow viewer was told it skipped');
    assert.ok(slow.messages.some((m) => m.msg.type === 'error' && m.msg.code === 'viewer-too-slow'));
    await sleep(300);
    assert.equal(fast.videoFrames, videoFrames, 'the fast viewer got every frame');
    const session = relay.registry.get(w.streamId)!;
    assert.ok(session.fanOut.skipped > 0);
    await pub.stop();
  } finally {
    await relay.stop();
  }
});

test('the viewer budget is media time: a viewer reporting it is 2 s behind a 0.2 Mbps stream skips and a keyframe is asked for; a prompt one loses nothing', async () => {
  const relay = await startRelay();
  try {
    // A screen share's bitrate: 1 MiB of unsent bytes (the old budget) would be 40 s of it.
    const fx = await loadFixture({ seconds: 8, videoKbps: 200, gopFrames: 60 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const prompt = new TestViewer(relay.url, w.streamId, { keepMessages: false });
    const behind = new TestViewer(relay.url, w.streamId);
    await Promise.all([prompt.opened, behind.opened]);
    const reporting = setInterval(() => {
      prompt.report();
      behind.report(behind.newestVideoTs - 2_000_000); // says it has only what was sent 2 s ago
    }, 250);
    const { videoFrames } = await pub.sendFixture(fx, { pace: 'realtime' });
    clearInterval(reporting);
    await sleep(300);
    const session = relay.registry.get(w.streamId)!;
    const skipped = behind.messages.find((m) => m.msg.type === 'skipped');
    assert.ok(skipped, 'the viewer 2 s behind was skipped');
    assert.match((skipped!.msg as { reason: string }).reason, /more than 1000 ms behind/);
    assert.ok(session.fanOut.skipsByReason.lag >= 1);
    assert.ok(pub.received.some((m) => m.type === 'keyframe-request'), 'the publisher was asked for a keyframe');
    assert.equal(prompt.videoFrames, videoFrames, 'the prompt viewer got every frame');
    await pub.stop();
  } finally {
    await relay.stop();
  }
});

test('watching a stream that does not exist is refused with stream-not-found', async () => {
  const relay = await startRelay();
  try {
    const v = new TestViewer(relay.url, 'NoSuchStream1');
    assert.equal(await v.closed, CLOSE_CODES['stream-not-found']);
  } finally {
    await relay.stop();
  }
});

test('viewers that talk, or send oversized frames, are closed; the relay stays up', async () => {
  const relay = await startRelay();
  try {
    const fx = await loadFixture({ seconds: 4 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    const sending = pub.sendFixture(fx, { pace: 2 });
    const chatty = new TestViewer(relay.url, w.streamId);
    await chatty.opened;
    chatty.ws.send('hello?');
    assert.equal(await chatty.closed, CLOSE_CODES['bad-message']);
    const huge = new TestViewer(relay.url, w.streamId);
    await huge.opened;
    huge.ws.send(Buffer.alloc(5000));
    assert.equal(await huge.closed, 1009);
    const { WebSocket } = await import('ws');
    const events = new WebSocket(relay.url.replace('http', 'ws') + '/ws/events');
    await new Promise((r) => events.once('open', r));
    events.on('error', () => undefined);
    events.send(Buffer.alloc(70 * 1024));
    await new Promise((r) => events.once('close', r));
    assert.equal((await fetch(`${relay.url}/api/live`)).status, 200, 'relay still up');
    await sending;
    assert.equal(pub.closeCode, null);
    await pub.stop();
  } finally {
    await relay.stop();
  }
});

test('on a relay shutdown viewers are told it is going away (1001), not that the stream ended', async () => {
  const relay = await startRelay();
  const fx = await loadFixture({ seconds: 4 });
  const pub = new TestPublisher(relay.url);
  const w = await pub.hello(TEST_KEY);
  await pub.sendFixture(fx, { pace: 4 });
  const viewer = new TestViewer(relay.url, w.streamId);
  await viewer.opened;
  await relay.stop();
  assert.equal(await viewer.closed, 1001);
  assert.ok(!viewer.messages.some((m) => m.msg.type === 'stream-ended'));
});
