/**
 * test:perf:network — what goes over the wire, on the path users take: a studio sharing the
 * timecode tab, a real-time viewer and the dashboard, in one headless Chromium, every WebSocket
 * frame read through CDP (Network.webSocketFrameSent/Received).
 *
 * - Throughput per viewer: the bytes a real-time viewer receives per second, against what the
 *   studio sent.
 * - Protocol overhead per frame: each studio message's bytes beyond the media it carries (msgpack
 *   framing; the WebSocket header and mask are added from the frame size).
 * - Deflate on the control sockets (events and dashboard): the JSON messages seen in this run,
 *   replayed through ws with and without the relay's permessage-deflate settings.
 * - Throttled upload: CDP network emulation on the studio page, one phase per upload rate: what the
 *   studio sends, its drops, and the viewer's frame rate and glass-to-glass latency.
 *   pnpm exec tsx bench/perf/network.perf.ts [secondsPerPhase=20] [--smoke]
 */
import type { CDPSession } from '@playwright/test';
import { decodePublisherMessage, decodeViewerMessage } from '@tabcast/shared';
import { collect, launchRealPath, newContext, openCard, waitForSamples } from '../../tests/support/real-path.ts';
import { median, percentile, round, sleep, startRelayProcess } from '../lib.ts';
import { goLive, readStats } from '../studio.ts';
import { viewerStats } from '../../tests/support/studio-pages.ts';
import { measureWire } from '../ws-wire.ts';
import { budget, finish, positional, SMOKE } from './perf-lib.ts';

const seconds = Number(positional[0] ?? 20);
/** Upload rates, bits/s (0: no emulation). The studio's 720p preset asks for 2.5 Mbps. */
const PHASES = SMOKE ? [0, 1_000_000] : [0, 4_000_000, 1_500_000, 750_000];

interface SocketTally {
  url: string;
  binaryBytes: number;
  messages: number;
  mediaBytes: number;
  videoMessages: number;
  text: string[];
}

// CDP event parameters are untyped JSON here (worker events arrive as strings).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EventSource = { on(method: string, handler: (params: any) => void): unknown };

/**
 * CDP events of the page's dedicated workers (the studio's socket lives in its encoder worker): the
 * page session auto-attaches to each worker as it starts, paused, enables its Network domain, then
 * lets it run, so not one of its sockets is missed. Non-flattened sessions, so Playwright's one
 * CDPSession carries them (as Target.receivedMessageFromTarget).
 */
async function workerEvents(cdp: CDPSession): Promise<EventSource> {
  const handlers = new Map<string, ((params: unknown) => void)[]>();
  let id = 0;
  const send = (sessionId: string, method: string) => cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: ++id, method }) });
  cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
    void (async () => {
      if (e.targetInfo.type === 'worker') await send(e.sessionId, 'Network.enable');
      await send(e.sessionId, 'Runtime.runIfWaitingForDebugger');
    })();
  });
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { method?: string; params?: unknown };
    if (m.method) for (const h of handlers.get(m.method) ?? []) h(m.params);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  return { on: (method, handler) => handlers.set(method, [...(handlers.get(method) ?? []), handler]) };
}

/** Tallies every WebSocket frame one page (or its workers) sends or receives, per socket. */
function tap(sources: (EventSource | CDPSession)[], direction: 'Sent' | 'Received', decode: (b: Uint8Array) => { type: string; track?: string; data?: Uint8Array }) {
  const sockets = new Map<string, SocketTally>();
  const on = (method: string, handler: Parameters<EventSource["on"]>[1]) => sources.forEach((s) => (s as EventSource).on(method, handler));
  on('Network.webSocketCreated', (e: { requestId: string; url: string }) => {
    if (!sockets.has(e.requestId)) sockets.set(e.requestId, { url: e.url, binaryBytes: 0, messages: 0, mediaBytes: 0, videoMessages: 0, text: [] });
  });
  on(`Network.webSocketFrame${direction}`, (e: { requestId: string; response: { opcode: number; payloadData: string } }) => {
    const s = sockets.get(e.requestId);
    if (!s) return;
    if (e.response.opcode === 1) {
      if (s.text.length < 5_000) s.text.push(e.response.payloadData);
      return;
    }
    const bytes = Buffer.from(e.response.payloadData, 'base64');
    s.binaryBytes += bytes.byteLength;
    s.messages++;
    try {
      const m = decode(bytes);
      if (m.type === 'chunk' && m.data) {
        s.mediaBytes += m.data.byteLength;
        if (m.track === 'video') s.videoMessages++;
      }
    } catch {
      // Not a message this tally understands (counted in bytes all the same).
    }
  });
  return {
    find: (part: string) => [...sockets.values()].find((s) => s.url.includes(part)),
    reset: () => sockets.forEach((s) => Object.assign(s, { binaryBytes: 0, messages: 0, mediaBytes: 0, videoMessages: 0 })),
    all: () => [...sockets.values()],
  };
}

/** WebSocket header bytes of a frame carrying `len` bytes (client frames add a 4-byte mask). */
const wsHeader = (len: number, masked: boolean) => (len < 126 ? 2 : len < 65_536 ? 4 : 10) + (masked ? 4 : 0);

const relay = await startRelayProcess();
const browser = await launchRealPath();
const context = await newContext(browser);
await openCard(context, relay.url);
const studio = await context.newPage();
const studioCdp = await context.newCDPSession(studio);
await studioCdp.send('Network.enable');
const sent = tap([studioCdp, await workerEvents(studioCdp)], 'Sent', decodePublisherMessage);
const href = await goLive(studio, relay.url, 'screen');
const viewer = await context.newPage();
const viewerCdp = await context.newCDPSession(viewer);
await viewerCdp.send('Network.enable');
const received = tap([viewerCdp, await workerEvents(viewerCdp)], 'Received', decodeViewerMessage);
await viewer.goto(`${relay.url}${href}?mode=realtime`);
await waitForSamples(viewer);
const dashboard = await context.newPage();
const dashCdp = await context.newCDPSession(dashboard);
await dashCdp.send('Network.enable');
const dash = tap([dashCdp], 'Received', () => ({ type: 'binary' }));
await dashboard.goto(`${relay.url}/dashboard`);
await sleep(3_000);

const phases = [];
let overheadSamples: number[] = [];
for (const uploadBps of PHASES) {
  await studioCdp.send('Network.emulateNetworkConditions', { offline: false, latency: uploadBps ? 20 : 0, downloadThroughput: -1, uploadThroughput: uploadBps ? uploadBps / 8 : -1 });
  await sleep(3_000); // let the studio react
  sent.reset();
  received.reset();
  const before = await readStats(studio);
  const viewerBefore = await viewerStats(viewer);
  const c = await collect(viewer, seconds);
  const after = await readStats(studio);
  const viewerAfter = await viewerStats(viewer);
  const pub = sent.find('/ws/publish');
  const watch = received.find('/ws/watch');
  if (!pub || !watch) throw new Error(`the publish or watch socket was not seen through CDP (studio: ${sent.all().map((s) => s.url).join(', ')}; viewer: ${received.all().map((s) => s.url).join(', ')})`);
  const lat = c.samples.map((s) => s.latencyMs);
  const secs = c.seconds;
  if (uploadBps === 0) overheadSamples = [(pub.binaryBytes - pub.mediaBytes) / Math.max(1, pub.messages)];
  phases.push({
    uploadLimitKbps: uploadBps ? uploadBps / 1000 : null,
    studioSentKbps: round((pub.binaryBytes * 8) / secs / 1000),
    studioTargetKbps: after ? round(after.targetBitrate / 1000) : null,
    studioFpsSent: before && after ? round((after.framesEncoded - before.framesEncoded) / secs) : null,
    studioDropped: before && after ? after.framesDropped - before.framesDropped : null,
    studioDropsByReason: after?.drops ?? null,
    viewerKbps: round((watch.binaryBytes * 8) / secs / 1000),
    viewerFpsShown: round(c.frames / secs),
    viewerResyncs: viewerBefore && viewerAfter ? viewerAfter.resyncs - viewerBefore.resyncs : null,
    viewerShed: viewerAfter?.shed ?? null,
    viewerOnHls: (await viewer.locator('video').count()) > 0,
    viewerLatencyP50Ms: round(median(lat), 0),
    viewerLatencyP95Ms: round(percentile(lat, 95), 0),
    latencySeries: c.samples.filter((_, i) => i % 5 === 0).map((s) => [round(s.atMs / 1000, 2), s.latencyMs]),
  });
  console.log(JSON.stringify({ ...phases.at(-1), latencySeries: undefined }));
}
await studioCdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

const pub = sent.find('/ws/publish')!;
const watch = received.find('/ws/watch')!;
const controlText = [...received.all().filter((s) => s.url.includes('/ws/events')).flatMap((s) => s.text)];
const dashText = dash.all().flatMap((s) => s.text);
const deflate = async (msgs: string[]) => {
  const off = await measureWire(msgs, false);
  const on = await measureWire(msgs, true);
  return { messages: msgs.length, meanMessageBytes: round(msgs.reduce((s, m) => s + Buffer.byteLength(m), 0) / Math.max(1, msgs.length)), wireBytesOff: off.wireBytes, wireBytesOn: on.wireBytes, saved: off.wireBytes ? round(1 - on.wireBytes / off.wireBytes, 3) : null };
};
const control = { events: await deflate(controlText), dashboard: await deflate(dashText) };
await browser.close();
await relay.stop();

const base = phases[0]!;
const meanMsg = pub.binaryBytes / Math.max(1, pub.messages);
const overheadPerMessage = round(overheadSamples[0] ?? NaN);
const perFrame = {
  msgpackBytesPerMessage: overheadPerMessage,
  websocketHeaderBytes: wsHeader(meanMsg, true),
  meanMessageBytes: round(meanMsg),
  overheadPctOfMedia: round((100 * (overheadPerMessage + wsHeader(meanMsg, true))) / Math.max(1, meanMsg - overheadPerMessage), 2),
};
const throttled = phases.filter((p) => p.uploadLimitKbps !== null);
const tightest = throttled.at(-1);
const budgets = [
  budget('protocol overhead per message (msgpack + WebSocket header)', round(overheadPerMessage + perFrame.websocketHeaderBytes), 'max', 96, 'bytes'),
  budget('viewer throughput ÷ studio sent, unthrottled', round(base.viewerKbps / Math.max(1, base.studioSentKbps), 2), 'min', 0.8, '×'),
  budget('dashboard deflate: wire bytes saved', control.dashboard.saved ?? 0, 'min', 0.3, 'of 1'),
  ...(tightest ? [budget(`viewer latency p50 at ${tightest.uploadLimitKbps} kbps upload`, tightest.viewerLatencyP50Ms, 'max', 3_000, 'ms'), budget(`studio fps sent at ${tightest.uploadLimitKbps} kbps upload`, tightest.studioFpsSent ?? 0, 'min', 3, 'fps')] : []),
];
finish('network', `pnpm exec tsx bench/perf/network.perf.ts ${seconds}${SMOKE ? ' --smoke' : ''}`, {
  setup: `studio sharing the timecode tab (720p30 preset, 2.5 Mbps), one real-time viewer and the dashboard in one headless Chromium; every WebSocket frame read through CDP; ${seconds} s per phase; upload throttled with CDP Network.emulateNetworkConditions on the studio page (20 ms added latency)`,
  secondsPerPhase: seconds,
  perViewer: { kbps: base.viewerKbps, studioSentKbps: base.studioSentKbps, framesPerSecond: base.viewerFpsShown },
  perFrame,
  control,
  phases,
  totals: { studioMessages: pub.messages, viewerMessages: watch.messages },
  budgets,
});
process.exit();
