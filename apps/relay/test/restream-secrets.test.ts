/**
 * A destination's stream key never reaches a command line or an environment (issue 9, item 5):
 * FFmpeg writes FLV to a pipe and the relay publishes it over RTMP itself, to a real nginx-rtmp.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { DestinationStatusMessage } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { startRtmpServer } from './support/nginx-rtmp.ts';
import { freePort } from './support/relay-child.ts';
import { startRelay, TEST_KEY } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every readable /proc/<pid>/{cmdline,environ} that contains `needle`. */
function processesShowing(needle: string): string[] {
  const hits: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    for (const file of ['cmdline', 'environ']) {
      try {
        if (fs.readFileSync(`/proc/${pid}/${file}`).includes(needle)) hits.push(`${pid}/${file}`);
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return hits;
}

test('while pushing to an RTMP server, no process shows the stream key in its command line or environment', async () => {
  const server = await startRtmpServer(await freePort());
  const relay = await startRelay();
  const key = `proc-secret-${Math.random().toString(36).slice(2)}`;
  try {
    const fx = await loadFixture({ seconds: 10 });
    const pub = new TestPublisher(relay.url);
    const w = await pub.hello(TEST_KEY);
    pub.send({ type: 'destinations', destinations: [{ id: 'd', name: 'D', enabled: true, url: server.url, streamKey: key }] });
    let done = false;
    const sending = pub.sendFixture(fx, { pace: 'realtime', until: () => done });
    const deadline = Date.now() + 15_000;
    let checks = 0;
    for (;;) {
      const s = pub.received.filter((m): m is DestinationStatusMessage => m.type === 'destination-status').at(-1)?.destinations[0];
      if (s?.state === 'live') {
        // Live: FFmpeg runs and the relay is pushing. Check a few times while it does.
        assert.deepEqual(processesShowing(key), [], 'the key is visible in /proc');
        if (++checks >= 5) break;
      }
      if (Date.now() > deadline) throw new Error(`not live within 15 s: ${JSON.stringify(s)}`);
      await sleep(300);
    }
    const session = relay.registry.get(w.streamId)!;
    const pids = session.destinations.pids();
    assert.ok(pids.length === 1, `one FFmpeg pushes: ${pids}`);
    assert.match(fs.readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8'), /pipe:3/, 'FFmpeg writes to the pipe');
    done = true;
    await sending;
    await pub.stop();
    await sleep(300);
    const recs = server.recordings();
    assert.equal(recs.length, 1, 'the server recorded the push');
    assert.ok(recs[0]!.includes(key), `nginx recorded under the stream name: ${recs[0]}`);
    assert.ok(fs.statSync(recs[0]!).size > 100_000, 'with media in it');
  } finally {
    await relay.stop();
    await server.stop();
  }
});
