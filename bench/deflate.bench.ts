/**
 * Does permessage-deflate pay? Real ws server and client on loopback, same messages with and
 * without compression: encoded media (H.264 + Opus chunks as protocol messages) and the events
 * socket's JSON. Measures bytes on the wire and CPU time for both ends together.
 *   pnpm exec tsx bench/deflate.bench.ts [runs=5]
 */
import { EVENTS_DEFLATE } from '../apps/relay/src/ws/events-deflate.ts';
import { encodeMessage, type StreamInfo } from '@tabcast/shared';
import { loadFixture } from '../apps/relay/test/support/fixture.ts';
import { median, round, writeResult } from './lib.ts';
import { measureWire as measure } from './ws-wire.ts';

const runs = Number(process.argv[2] ?? 5);
const DEFLATE = EVENTS_DEFLATE; // exactly what the relay's events socket negotiates

const fx = await loadFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 2500 });
const media: Uint8Array[] = [];
for (const p of fx.video.packets) media.push(encodeMessage({ type: 'chunk', track: 'video', timestampUs: p.timestampUs, durationUs: p.durationUs, key: p.key, data: p.data }));
for (const p of fx.audio!.packets) media.push(encodeMessage({ type: 'chunk', track: 'audio', timestampUs: p.timestampUs, durationUs: p.durationUs, key: true, data: p.data }));
const mediaBytes = media.reduce((s, m) => s + m.byteLength, 0);

const stream = (i: number): StreamInfo => ({
  id: `stream${String(i).padStart(6, '0')}`, state: 'live', hlsUrl: `/hls/stream${i}/index.m3u8`, watchUrl: `/watch/stream${i}`,
  startedAt: new Date(Date.now() - i * 1000).toISOString(), endedAt: null, publisherConnected: true, ingestBitrate: 2_500_000 + i * 137, ingestFps: 30,
});
const json = (n: number) => Array.from({ length: 500 }, (_, k) => JSON.stringify({ type: 'streams', streams: Array.from({ length: n }, (_, i) => ({ ...stream(i), ingestBitrate: 2_500_000 + k * 7 + i })) }));
const cases: Record<string, (Uint8Array | string)[]> = {
  'media: 20 s of 720p30 H.264 2.5 Mbps + Opus chunks': media,
  'events: stream list of 1 stream (~0.3 KB, under the 1 KiB threshold)': json(1),
  'events: stream list of 10 streams (~3 KB)': json(10),
  'events: stream list of 100 streams (~30 KB)': json(100),
};

const result: Record<string, unknown> = {};
for (const [name, msgs] of Object.entries(cases)) {
  const payload = msgs.reduce((s, m) => s + (typeof m === 'string' ? Buffer.byteLength(m) : m.byteLength), 0);
  const off: Awaited<ReturnType<typeof measure>>[] = [];
  const on: Awaited<ReturnType<typeof measure>>[] = [];
  for (let r = 0; r < runs; r++) {
    // Alternate so drift on a shared machine hits both alike.
    off.push(await measure(msgs, false));
    on.push(await measure(msgs, true));
  }
  const row = {
    messages: msgs.length,
    payloadBytes: payload,
    wireBytesOff: median(off.map((x) => x.wireBytes)),
    wireBytesOn: median(on.map((x) => x.wireBytes)),
    wireRatioOnOff: round(median(on.map((x) => x.wireBytes)) / median(off.map((x) => x.wireBytes)), 3),
    cpuMsOff: round(median(off.map((x) => x.cpuMs))),
    cpuMsOn: round(median(on.map((x) => x.cpuMs))),
    cpuRatioOnOff: round(median(on.map((x) => x.cpuMs)) / median(off.map((x) => x.cpuMs)), 2),
  };
  console.log(name, row);
  result[name] = row;
}
writeResult('deflate', `pnpm exec tsx bench/deflate.bench.ts ${runs}`, { settings: DEFLATE, mediaBytes, cases: result });
