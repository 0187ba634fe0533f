/**
 * What is public (docs/security.md): the listing (`GET /api/streams`, `/ws/events`) shows only
 * streams their publisher listed, and only while live; an unlisted stream is reachable by its
 * unguessable id alone; operators see everything.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { EventsMessage, StreamInfo } from '@tabcast/shared';
import { startRelay, TEST_KEY, type Harness } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
let relay: Harness;
before(async () => {
  // With a token set, loopback requests are not operators: they see what the public sees.
  relay = await startRelay({ adminToken: ADMIN_TOKEN, maxStreamsPerKey: 3 });
});
after(() => relay.stop());

const listing = async (headers: Record<string, string> = {}) => (await (await fetch(`${relay.url}/api/streams`, { headers })).json()) as StreamInfo[];
const firstStreams = (path: string) =>
  new Promise<StreamInfo[]>((resolve, reject) => {
    const ws = new WebSocket(relay.url.replace(/^http/, 'ws') + path);
    ws.once('message', (data) => {
      const msg = JSON.parse(String(data)) as EventsMessage;
      ws.close();
      if (msg.type === 'streams') resolve(msg.streams);
      else reject(new Error(`first message was ${msg.type}`));
    });
    ws.once('error', reject);
  });

test('stream ids are 22 characters of a 57-letter alphabet (≥ 128 bits)', async () => {
  const pub = new TestPublisher(relay.url);
  const w = await pub.hello(TEST_KEY, { audio: false });
  assert.match(w.streamId, /^[A-HJ-NP-Za-km-z2-9]{22}$/);
  pub.close();
});

test('an unlisted stream (the default) is in no listing, yet reachable by its id; a listed one is listed until it ends', async () => {
  const unlisted = new TestPublisher(relay.url);
  const u = await unlisted.hello(TEST_KEY, { audio: false });
  const listed = new TestPublisher(relay.url);
  const l = await listed.hello(TEST_KEY, { audio: false, listed: true });

  const ids = (await listing()).map((s) => s.id);
  assert.ok(ids.includes(l.streamId), 'listed stream is public');
  assert.ok(!ids.includes(u.streamId), 'unlisted stream is not in /api/streams');
  const evIds = (await firstStreams('/ws/events')).map((s) => s.id);
  assert.ok(evIds.includes(l.streamId) && !evIds.includes(u.streamId), 'nor on /ws/events');
  assert.equal((await fetch(`${relay.url}/api/streams/${u.streamId}`)).status, 200, 'reachable by id');
  const followed = await firstStreams(`/ws/events?stream=${u.streamId}`);
  assert.ok(followed.some((s) => s.id === u.streamId), 'a watch page following it by id gets its state');

  const all = (await listing({ authorization: `Bearer ${ADMIN_TOKEN}` })).map((s) => s.id);
  assert.ok(all.includes(u.streamId) && all.includes(l.streamId), 'the operator sees every stream');

  await listed.stop();
  await listed.closed;
  assert.ok(!(await listing()).some((s) => s.id === l.streamId), 'an ended stream leaves the listing');
  unlisted.close();
});
