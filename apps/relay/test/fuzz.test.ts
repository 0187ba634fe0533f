/**
 * Fuzz: while one healthy stream publishes in real time, concurrent hostile clients send
 * ≥ 100,000 messages — malformed, truncated, oversized, out of order, wrong-shape, random, and
 * random payloads inside valid framing. The relay (its own process) must stay up, answer every bad
 * client with its documented close code, lose none of the healthy stream's frames, and keep its
 * memory within a bound. Figures go to test-results/reliability.json (docs/reliability.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from 'msgpackr';
import { WebSocket } from 'ws';
import { CLOSE_CODES, encodeMessage, type StreamInfo } from '@tabcast/shared';
import { loadFixture } from './support/fixture.ts';
import { parsePlaylist, probePacketTimes } from './support/probe.ts';
import { rssMiB, startRelayChild } from './support/relay-child.ts';
import { TestPublisher } from './support/test-publisher.ts';

const TOTAL = Number(process.env.TABCAST_FUZZ_MESSAGES ?? 100_000);
const KEY = 'fuzz-healthy-key-0123456789';
const CONCURRENCY = 12;
const MAX_MESSAGE_BYTES = 256 * 1024;
/** A regression bound, not a target: measured peaks are 250–370 MiB (V8 grows its heap under connection churn). */
const RSS_BOUND_MIB = 480;

let seed = 1234567;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const randInt = (n: number) => Math.floor(rand() * n);
const randBytes = (n: number) => Uint8Array.from({ length: n }, () => randInt(256));

type Kind = 'random-bytes' | 'truncated' | 'wrong-shape' | 'text-frame' | 'oversized' | 'no-hello' | 'garbage-after-hello' | 'out-of-order' | 'random-payload-stream';
/** What each kind must be answered with (1009: over the 16 KiB allowed before the key checks out). */
const EXPECTED: Record<Kind, number[]> = {
  'random-bytes': [CLOSE_CODES['bad-message']],
  truncated: [CLOSE_CODES['bad-message'], 1009],
  'wrong-shape': [CLOSE_CODES['bad-message']],
  'text-frame': [CLOSE_CODES['bad-message']],
  oversized: [1009],
  'no-hello': [CLOSE_CODES['bad-message'], 1009],
  'garbage-after-hello': [CLOSE_CODES['bad-message']],
  'out-of-order': [CLOSE_CODES['out-of-order']],
  'random-payload-stream': [1000, CLOSE_CODES['rate-limited']],
};

test(`fuzz: ${TOTAL} hostile messages while a healthy stream keeps every frame`, { timeout: 600_000 }, async () => {
  const fx = await loadFixture({ seconds: 20 });
  const relay = await startRelayChild({
    TABCAST_STREAM_KEY: KEY,
    TABCAST_HLS_LIST_SIZE: '200', // keep every segment of the healthy stream for counting
    TABCAST_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    TABCAST_MAX_CONNECTIONS_PER_IP: '1000',
    TABCAST_MAX_KEY_CHECKS_PER_ADDRESS: '1000',
    TABCAST_MAX_STREAMS_PER_KEY: '1000',
    TABCAST_MAX_FRAME_RATE: '1000',
    TABCAST_MAX_BITRATE: '1000000000',
  });
  const wsUrl = relay.url.replace('http', 'ws') + '/ws/publish';
  const pid = relay.child.pid!;
  try {
    const healthy = new TestPublisher(relay.url);
    const welcome = await healthy.hello(KEY);
    let fuzzDone = false;
    // Real time for as long as the fuzz runs (plus 2 s), at most 5 minutes.
    const healthySend = healthy.sendFixture(fx, { pace: 'realtime', loops: 15, until: () => fuzzDone });
    await new Promise((r) => setTimeout(r, 2000));
    const rssStart = rssMiB(pid);
    let rssPeak = rssStart;
    const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(pid))), 250);

    const valid = encodeMessage({ type: 'chunk', track: 'video', timestampUs: 1, durationUs: 0, key: true, data: fx.video.packets[0]!.data, config: fx.video.config });
    const hello = encodeMessage({ type: 'hello', version: 1, key: KEY, video: { codec: 'avc' }, audio: null });
    let sent = 0;
    let connections = 0;
    const answers: Record<string, Record<number, number>> = {};
    const wrong: string[] = [];

    const runOne = (kind: Kind): Promise<void> =>
      new Promise((resolve) => {
        connections++;
        const ws = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 1 << 20 });
        ws.on('error', () => undefined);
        ws.on('close', (code) => {
          (answers[kind] ??= {})[code] = ((answers[kind] ??= {})[code] ?? 0) + 1;
          if (!EXPECTED[kind].includes(code) && wrong.length < 20) wrong.push(`${kind} → ${code}`);
          resolve();
        });
        ws.on('open', async () => {
          const send = (m: Uint8Array | string) => {
            if (ws.readyState === WebSocket.OPEN) {
              ws.send(m);
              sent++;
            }
          };
          switch (kind) {
            case 'random-bytes': return send(randBytes(1 + randInt(2000)));
            case 'truncated': return send(valid.subarray(0, 1 + randInt(valid.byteLength - 1)));
            case 'wrong-shape': return send(pack(rand() < 0.5 ? { type: ['hello', 'chunk', 'stop', 'x'][randInt(4)], junk: randInt(1e9) } : [randInt(9), 'a', null]));
            case 'text-frame': return send('{"type":"hello"}');
            case 'oversized': return send(new Uint8Array(MAX_MESSAGE_BYTES + 1 + randInt(1000)));
            case 'no-hello': return send(valid);
            case 'garbage-after-hello':
            case 'out-of-order':
            case 'random-payload-stream': {
              send(hello);
              ws.once('message', () => {
                if (kind === 'garbage-after-hello') return send(randBytes(50));
                if (kind === 'out-of-order') {
                  send(encodeMessage({ type: 'chunk', track: 'video', timestampUs: 5000, durationUs: 0, key: true, data: randBytes(100), config: fx.video.config }));
                  return send(encodeMessage({ type: 'chunk', track: 'video', timestampUs: 4000, durationUs: 0, key: false, data: randBytes(100) }));
                }
                // Valid framing, random content: a burst of chunks the relay must mux without harm.
                let ts = 0;
                for (let i = 0; i < 2000; i++) {
                  ts += 1 + randInt(40_000);
                  send(encodeMessage({ type: 'chunk', track: 'video', timestampUs: ts, durationUs: randInt(50_000), key: i === 0 || rand() < 0.05, data: randBytes(1 + randInt(1500)), ...(i === 0 ? { config: fx.video.config } : {}) }));
                }
                send(encodeMessage({ type: 'stop' }));
              });
              return;
            }
          }
        });
      });

    const plan: Kind[] = ['random-bytes', 'truncated', 'wrong-shape', 'text-frame', 'no-hello', 'random-bytes', 'truncated', 'wrong-shape'];
    const t0 = Date.now();
    let planned = 0;
    const pick = (): Kind => {
      planned++;
      if (planned % 400 === 0) return 'random-payload-stream';
      if (planned % 200 === 0) return 'out-of-order';
      if (planned % 150 === 0) return 'garbage-after-hello';
      if (planned % 500 === 0) return 'oversized';
      return plan[randInt(plan.length)]!;
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < TOTAL) await runOne(pick());
      }),
    );
    const fuzzSeconds = (Date.now() - t0) / 1000;
    setTimeout(() => (fuzzDone = true), 2000);
    const { videoFrames: healthyFrames } = await healthySend;
    const info = (await (await fetch(`${relay.url}/api/streams/${welcome.streamId}`)).json()) as StreamInfo;
    assert.equal(healthy.closeCode, null, 'the healthy publisher was never disconnected');
    assert.equal(info.state, 'live');
    await healthy.stop(30_000);
    clearInterval(rssTimer);
    const rssEnd = rssMiB(pid);

    // Every healthy video frame is in the HLS output.
    const dir = path.join(relay.dataDir, 'hls', welcome.streamId);
    const playlist = parsePlaylist(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8'));
    assert.ok(playlist.ended);
    assert.equal(playlist.mediaSequence, 0, 'no segment left the playlist (list size 200 keeps them all)');
    let frames = 0;
    for (const seg of playlist.segments) frames += probePacketTimes(path.join(dir, seg.uri)).video.length;
    assert.equal(frames, healthyFrames, `healthy stream: ${frames} frames in HLS of ${healthyFrames} sent`);

    assert.deepEqual(wrong, [], 'every bad client got its documented close code');
    assert.ok(relay.child.exitCode === null, 'relay still running');
    assert.ok(rssPeak < RSS_BOUND_MIB, `relay RSS peaked at ${rssPeak.toFixed(0)} MiB (bound ${RSS_BOUND_MIB})`);

    const figures = { messages: sent, connections, fuzzSeconds, concurrency: CONCURRENCY, answers, healthyFrames, framesInHls: frames, rssStartMiB: Math.round(rssStart), rssPeakMiB: Math.round(rssPeak), rssEndMiB: Math.round(rssEnd), crashes: 0 };
    console.log(`# fuzz figures ${JSON.stringify(figures)}`);
    const results = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-results');
    if (fs.existsSync(results)) fs.writeFileSync(path.join(results, 'reliability-fuzz.json'), JSON.stringify(figures, null, 2));
  } finally {
    const code = await relay.stop();
    assert.equal(code, 0, `relay exit code after SIGTERM:\n${relay.output().slice(-2000)}`);
  }
});
