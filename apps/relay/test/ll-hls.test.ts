/**
 * LL-HLS written by the relay: real H.264 + Opus over a real WebSocket, real FFmpeg (fragmented MP4
 * on fd 3), the relay's parts, segments and blocking playlist reload over real HTTP, checked with
 * ffprobe.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFixture, type Fixture } from './support/fixture.ts';
import { until } from './support/poll.ts';
import { startRelay, TEST_KEY, type Harness } from './support/relay-harness.ts';
import { TestPublisher } from './support/test-publisher.ts';

let relay: Harness;
let fx: Fixture;
const PART_TARGET = 0.2;

before(async () => {
  fx = await loadFixture({ seconds: 12 });
  relay = await startRelay({ llHlsPartTargetMs: PART_TARGET * 1000, llHlsSegmentTargetMs: 2000, llHlsWindowSegments: 3 });
});
after(() => relay.stop());

interface LlPlaylist {
  text: string;
  mediaSequence: number;
  parts: { msn: number; index: number; duration: number; uri: string; independent: boolean }[];
  segments: { msn: number; duration: number; uri: string }[];
  maps: string[];
  discontinuities: number;
  hint: string | null;
}

/** Reads the playlist, checking each line's syntax as it goes (a bad line fails the test). */
function parseLl(text: string): LlPlaylist {
  const lines = text.trim().split('\n');
  assert.equal(lines[0], '#EXTM3U');
  const out: LlPlaylist = { text, mediaSequence: NaN, parts: [], segments: [], maps: [], discontinuities: 0, hint: null };
  let msn = NaN;
  let index = 0;
  for (const line of lines.slice(1)) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^#EXT-X-MEDIA-SEQUENCE:(\d+)$/))) msn = out.mediaSequence = Number(m[1]);
    else if ((m = line.match(/^#EXT-X-PART:DURATION=(\d+\.\d{3}),URI="(ll-part-(\d+)\.(\d+)\.m4s)"(,INDEPENDENT=YES)?$/))) {
      assert.equal(Number(m[3]), msn, `part ${m[2]} belongs to segment ${msn}`);
      assert.equal(Number(m[4]), index++, `part ${m[2]} is numbered in order`);
      out.parts.push({ msn, index: Number(m[4]), duration: Number(m[1]), uri: m[2]!, independent: m[5] !== undefined });
    } else if ((m = line.match(/^#EXTINF:(\d+\.\d{3}),$/))) out.segments.push({ msn, duration: Number(m[1]), uri: '' });
    else if ((m = line.match(/^ll-seg-(\d+)\.m4s$/))) {
      assert.equal(Number(m[1]), msn);
      out.segments.at(-1)!.uri = line;
      msn++;
      index = 0;
    } else if ((m = line.match(/^#EXT-X-MAP:URI="(ll-init-\d+\.mp4)"$/))) out.maps.push(m[1]!);
    else if (line === '#EXT-X-DISCONTINUITY') out.discontinuities++;
    else if ((m = line.match(/^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="(ll-part-\d+\.\d+\.m4s)"$/))) out.hint = m[1]!;
    else assert.match(line, /^#EXT-X-(VERSION:6|TARGETDURATION:2|SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0\.600|PART-INF:PART-TARGET=0\.200|DISCONTINUITY-SEQUENCE:\d+|PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT[\d:.]+Z|ENDLIST)$/, `unexpected line: ${line}`);
  }
  return out;
}

const base = (id: string) => `${relay.url}/hls/${id}`;

async function getPlaylist(id: string, query = ''): Promise<LlPlaylist> {
  const res = await fetch(`${base(id)}/ll.m3u8${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  return parseLl(await res.text());
}

/** ffprobe's flags for the first video packet of init + part ('K_' for a keyframe). */
// Asynchronous: the relay runs in this process and must keep serving while ffprobe runs.
const run = promisify(execFile);

async function firstVideoFlags(init: Buffer, part: Buffer): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-ll-'));
  const file = path.join(dir, 'part.mp4');
  fs.writeFileSync(file, Buffer.concat([init, part]));
  const { stdout: out } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  return out.trim().split('\n')[0] ?? '';
}

test('LL-HLS: parts ≤ PART-TARGET, INDEPENDENT on keyframe parts, numbers only go up, blocking reload, 400s, window, ffprobe', async () => {
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(TEST_KEY);
  const id = welcome.streamId;
  const session = relay.registry.get(id)!;
  const sending = pub.sendFixture(fx, { pace: 'realtime' });

  const first = await until('an LL-HLS playlist with 6 parts', 15_000, async () => {
    const res = await fetch(`${base(id)}/ll.m3u8`);
    if (res.status !== 200) return null;
    const p = parseLl(await res.text());
    return p.parts.length >= 6 ? p : null;
  });

  // Caching: playlist briefly, media for good.
  const plainRes = await fetch(`${base(id)}/ll.m3u8`);
  assert.equal(plainRes.headers.get('cache-control'), 'public, max-age=1');
  const init = Buffer.from(await (await fetch(`${base(id)}/${first.maps[0]}`)).arrayBuffer());
  assert.equal(init.toString('latin1', 4, 8), 'ftyp');

  // Blocking reload for the part after the last one: answered once it exists, not long after.
  const lastPart = first.parts.at(-1)!;
  const want = { msn: lastPart.msn, part: lastPart.index + 1 };
  let appearedAt = 0;
  const stop = session.llMedia.subscribe(() => {
    if (!appearedAt && session.llMedia.has(want.msn, want.part)) appearedAt = performance.now();
  });
  const asked = performance.now();
  const blocked = await fetch(`${base(id)}/ll.m3u8?_HLS_msn=${want.msn}&_HLS_part=${want.part}`);
  const answeredAt = performance.now();
  stop();
  assert.equal(blocked.status, 200);
  assert.equal(blocked.headers.get('cache-control'), 'private, no-store', 'no shared cache keeps a blocking answer');
  const after1 = parseLl(await blocked.text());
  assert.ok(after1.parts.some((p) => p.msn > want.msn || (p.msn === want.msn && p.index >= want.part)), 'the answer holds the part asked for');
  assert.ok(appearedAt > 0 || answeredAt - asked < 3 * PART_TARGET * 1000, 'the part appeared while the request was held');
  if (appearedAt) assert.ok(answeredAt - appearedAt < 3 * PART_TARGET * 1000, `answered ${Math.round(answeredAt - appearedAt)} ms after the part appeared`);

  // The hinted part: its request waits until it exists.
  const hinted = await fetch(`${base(id)}/${after1.hint}`);
  assert.equal(hinted.status, 200);
  assert.match(hinted.headers.get('cache-control') ?? '', /immutable/);
  assert.equal(Buffer.from(await hinted.arrayBuffer()).toString('latin1', 4, 8), 'moof');

  // The spec's 400s (more than two segments ahead: +4, in case a segment closes meanwhile).
  for (const q of ['?_HLS_part=1', '?_HLS_msn=-1', '?_HLS_msn=abc', '?_HLS_msn=1.5', `?_HLS_msn=${want.msn}&_HLS_part=-2`, `?_HLS_msn=${(after1.parts.at(-1)!.msn) + 4}`, '?_HLS_msn=99999999999']) {
    const res = await fetch(`${base(id)}/ll.m3u8${q}`);
    assert.equal(res.status, 400, `${q} → ${res.status}`);
  }

  // Watch it for a while: numbers only go up, every part ≤ PART-TARGET, INDEPENDENT where a keyframe starts.
  let prev = after1;
  const fetched = new Map<string, { independent: boolean; bytes: Buffer }>();
  while (prev.segments.length < 3 || prev.mediaSequence === 0) {
    const last = prev.parts.at(-1)!;
    const next = await getPlaylist(id, `?_HLS_msn=${last.msn}&_HLS_part=${last.index + 1}`);
    assert.ok(next.mediaSequence >= prev.mediaSequence, 'media sequence never goes back');
    const nl = next.parts.at(-1)!;
    assert.ok(nl.msn > last.msn || (nl.msn === last.msn && nl.index > last.index), `last part ${nl.msn}.${nl.index} after ${last.msn}.${last.index}`);
    for (const p of next.parts) {
      assert.ok(p.duration <= PART_TARGET + 1e-9, `${p.uri} lasts ${p.duration} s`);
      assert.ok(p.duration > 0.05, `${p.uri} lasts ${p.duration} s`);
      if (fetched.has(p.uri)) continue;
      // Fetched now (probed later): a busy machine must not fall a window behind.
      const res = await fetch(`${base(id)}/${p.uri}`);
      assert.equal(res.status, 200, `${p.uri}: ${res.status}`);
      fetched.set(p.uri, { independent: p.independent, bytes: Buffer.from(await res.arrayBuffer()) });
    }
    for (const s of next.segments) assert.ok(s.duration <= 2.49 && s.duration >= 0.9, `segment ${s.uri} lasts ${s.duration} s`);
    prev = next;
  }
  // The window: segment 0 has slid out and is gone (memory freed).
  assert.ok(prev.segments.length <= 3);
  assert.equal((await fetch(`${base(id)}/ll-seg-0.m4s`)).status, 404);
  assert.equal((await fetch(`${base(id)}/${prev.segments[0]!.uri}`)).status, 200);

  let independentSeen = 0;
  let others = 0;
  for (const [uri, p] of fetched) {
    if (!p.independent && others++ >= 12) continue;
    const flags = await firstVideoFlags(init, p.bytes);
    assert.equal(flags.startsWith('K'), p.independent, `${uri} INDEPENDENT=${p.independent}, first video packet flags "${flags}"`);
    if (p.independent) independentSeen++;
  }
  assert.ok(independentSeen >= 2, `keyframe parts seen: ${independentSeen}`);

  // A plain client: ffprobe reads the same playlist over HTTP.
  const { stdout: probed } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', `${base(id)}/ll.m3u8`], { encoding: 'utf8', timeout: 30_000 });
  assert.deepEqual([...new Set(probed.split('\n').filter(Boolean))].sort(), ['aac', 'h264']);

  await sending;
  await pub.stop();
  await pub.closed;
  const ended = await getPlaylist(id);
  assert.match(ended.text, /#EXT-X-ENDLIST\n$/);
  assert.equal(ended.hint, null);
  // A blocking request on an ended stream is answered at once.
  assert.equal((await fetch(`${base(id)}/ll.m3u8?_HLS_msn=${ended.segments.at(-1)!.msn + 2}`)).status, 200);
});

test('LL-HLS: an FFmpeg restart continues the playlist behind EXT-X-DISCONTINUITY with a new EXT-X-MAP', async () => {
  const pub = new TestPublisher(relay.url);
  const welcome = await pub.hello(TEST_KEY);
  const id = welcome.streamId;
  const session = relay.registry.get(id)!;
  let stopSending = false;
  const sending = pub.sendFixture(fx, { pace: 'realtime', loops: 3, until: () => stopSending });
  await until('a first LL-HLS segment', 15_000, async () => (await getPlaylist(id)).segments.length >= 1);
  const pid = session.outputPid!;
  process.kill(pid, 'SIGKILL');
  const restarted = await until('a new FFmpeg run\'s parts behind a discontinuity', 20_000, async () => {
    const p = await getPlaylist(id);
    return p.discontinuities >= 1 && p.maps.length >= 2 && p.parts.some((x) => x.msn > p.segments.at(-1)!.msn) ? p : null;
  });
  assert.deepEqual(restarted.maps.slice(0, 2), ['ll-init-0.mp4', 'll-init-1.mp4']);
  assert.match(restarted.text, /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="ll-init-1\.mp4"\n/);
  // The first part after the restart starts at a keyframe.
  const firstNew = restarted.text.split('ll-init-1.mp4')[1]!.match(/#EXT-X-PART:[^\n]*/)![0];
  assert.match(firstNew, /INDEPENDENT=YES/);
  stopSending = true;
  await sending;
  await pub.stop();
  await pub.closed;
});
