/**
 * The Playwright performance suite's part of docs/performance.md (seed 001's scripts), from
 * bench/results/perf-<name>.json, with its charts generated into docs/charts/ as SVG.
 */
import fs from 'node:fs';
import path from 'node:path';
import { histogram, lineChart } from './svg-chart.mjs';

const load = (dir, name) => {
  const file = path.join(dir, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
};
const machineLine = (m) => `${m.cpu}, ${m.memory}, ${m.os}, Node ${m.node}, ${m.chromium} — ${m.date.slice(0, 16).replace('T', ' ')} UTC`;

function budgetsLine(budgets) {
  return budgets.map((b) => `${b.ok ? '✓' : '✗ **over budget:**'} ${b.name} ${b.value} ${b.unit} (${b.kind === 'max' ? '≤' : '≥'} ${b.limit})`).join('; ');
}

/** Writes a chart and returns the Markdown that shows it (paths relative to docs/). */
function chart(chartsDir, file, svg, alt) {
  fs.mkdirSync(chartsDir, { recursive: true });
  fs.writeFileSync(path.join(chartsDir, file), svg + '\n');
  return `![${alt}](charts/${file})`;
}

function section(r, script, title, body) {
  const head = `### \`npm run test:${script}\` — ${title}\n\n`;
  if (!r) return `${head}Not measured yet: run \`npm run test:${script}\`.\n`;
  return `${head}Command: \`${r.command}\`  \nMachine: ${machineLine(r.machine)}  \nBudgets: ${budgetsLine(r.result.budgets)}\n\n${body(r.result)}\n`;
}

export function renderPerfSuite(dir, chartsDir) {
  const stream = load(dir, 'perf-stream');
  const memory = load(dir, 'perf-memory');
  const network = load(dir, 'perf-network');
  const quality = load(dir, 'perf-quality');
  const instrumentation = load(dir, 'perf-instrumentation');
  const timing = load(dir, 'perf-frames-timing');
  const drops = load(dir, 'perf-frames-drops');
  const buffer = load(dir, 'perf-frames-buffer');
  const configs = load(dir, 'perf-configs');
  const workers = load(dir, 'perf-workers');
  const core = load(dir, 'perf-core');
  const render = load(dir, 'perf-render');
  const compose = load(dir, 'perf-compose');
  const parts = [
    `## The performance suite (seed 001's scripts)

Each script runs real Chromium on the path users take (the timecode tab shared through
getDisplayMedia), or the relay alone where only the relay is involved; writes
\`bench/results/perf-<name>.json\`; and rewrites its section here. Each checks generous budgets that
catch a regression (the exit code); the figures are reported, not asserted. \`npm run test:perf\` runs
them all; \`npm run test:perf -- --smoke\` runs each briefly, as CI does. The monitoring points (seed
001's \`encode:start\`/\`encode:end\`, … as User Timing marks) are listed in \`packages/shared/src/monitoring.ts\`.
`,
    section(stream, 'perf:stream', 'latency, fps, bitrate and encoder latency per studio setting', (res) => {
      const rows = res.rows.flatMap((r) => ['realtime', 'hls'].map((m) => {
        const x = r[m];
        return `| ${r.setting} | ${m === 'realtime' ? 'real-time' : 'HLS'} | ${x.p50Ms} ms | ${x.p95Ms} ms | ${x.fpsSent} | ${m === 'hls' ? '—' : x.fpsShown} | ${x.bitrateKbps} kbps | ${x.encodeMs} ms | ${x.dropped} |`;
      }));
      const img = chart(chartsDir, 'stream-latency-over-time.svg', lineChart({
        title: 'Glass-to-glass latency over time, per setting and player',
        xLabel: 'seconds',
        yLabel: 'ms',
        series: res.rows.flatMap((r) => ['realtime', 'hls'].map((m) => ({ name: `${r.setting} ${m === 'realtime' ? 'real-time' : 'HLS'}`, points: r[m].latencySeries }))),
      }), 'Latency over time per setting');
      return `${res.setup}.

| setting | player | latency p50 | p95 | fps sent | fps shown | bitrate sent | encoder latency | studio drops |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${img}`;
    }),
    section(workers, 'perf:workers', 'the compositor, encoder and decoder workers', (res) => {
      const f = (x) => (x ? `${x.p50} / ${x.p95}` : '—');
      const rows = res.rows.map((r) => `| ${r.layout} | ${f(r.roundTripMs.compositor)} | ${f(r.roundTripMs.encoder)} | ${f(r.roundTripMs.decoder)} | ${f(r.perFrameMs.compose)} | ${f(r.perFrameMs.encode)} | ${f(r.perFrameMs.send)} | ${f(r.perFrameMs.decode)} | ${r.queues.encoder?.max ?? '—'} | ${r.queues.decoder?.max ?? '—'} | ${r.queues.framesToDraw?.max ?? '—'} |`);
      return `${res.setup}; ${res.seconds} s per layout.

Figures are p50 / p95 in ms; a round trip is a message from the page to the worker and back (comlink), taken 5 times a second; queues are the highest seen.

| layout | compositor round trip | encoder round trip | decoder round trip | compose / frame | encode / frame | send / chunk | decode / frame | encoder queue | decoder queue | frames to draw |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Compose is the compositor worker's time per drawn frame (a passed-through frame is not drawn); encode is
encode() to its chunk in the encoder worker (the VideoEncoder works beside the worker, so this is latency,
not the worker's CPU); send is msgpack and the socket's send() per chunk; decode is the decoder worker's
chunk in to frame out.`;
    }),
    section(compose, 'perf:compose', 'composition latency with 1, 3 and 6 layers', (res) => {
      const f = (x) => (x ? `${x.p50} / ${x.p95} ms` : '—');
      const rows = res.rows.map((r) => `| ${r.layout} | ${f(r.renderMs)} | ${r.drawnFps} | ${r.passedThroughFps} | ${r.fpsSent} | ${r.fpsShown} | ${r.latencyMs ? `${r.latencyMs.p50} / ${r.latencyMs.p95} ms` : '—'} |`);
      return `${res.setup}; ${res.seconds} s per layout, set as a custom layer list while live.

| layout | compose an output frame (p50 / p95) | frames drawn /s | passed through /s | fps sent | fps shown by the viewer | glass-to-glass (p50 / p95) |
|---|---|---|---|---|---|---|
${rows.join('\n')}

A single layer that fills the output at its size is passed through undrawn (no composing at all).
Glass-to-glass is read from the card's timecode, which cannot be read once the screen is scaled
(the 90 % layout shows "—").`;
    }),
    section(render, 'perf:render', 'render time per frame', (res) => {
      const f = (x) => (x ? `${x.p50} / ${x.p95} / ${x.p99}` : '—');
      const rows = res.rows.map((r) => `| ${r.layout} | ${f(r.setupMs)} | ${f(r.drawMs)} | ${f(r.frameMs)} | ${f(r.renderMs)} | ${r.drawnFps} | ${f(r.previewMs)} | ${r.previewFps} | ${r.overlayCache.hitRate ?? '—'} |`);
      return `${res.setup}; ${res.seconds} s per layout.

Seed 001's RenderMetrics, in ms (p50 / p95 / p99): setup is the layout (each layer's box from its source's size), draw is composing in I420 (or on the 2D canvas when a source is not I420), frame is making the VideoFrame and handing it to the encoder.

| layout | setup | draw | frame | total | frames drawn /s | preview redraw | preview /s | overlay cache hit rate |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

The preview is redrawn at most every third output frame, and while live only as often as keeps it under 4 % of a core (\`PREVIEW_LIVE_CPU_SHARE\`).`;
    }),
    section(core, 'perf:core', 'layout updates and viewport changes', (res) => {
      const f = (x) => (x ? `${x.p50} ms | ${x.p95} ms | ${x.max} ms | ${x.n}` : '— | — | — | 0');
      return `${res.setup}. Each change is a configure() of the compositor worker; its time runs to the first output frame that shows it (seed 001's CoreMetrics: layout update time, viewport resize time). ${res.changes} changes of each kind, 400 ms apart; viewport changes after the broadcast (the encoder is sized for one output).

| change | p50 | p95 | slowest | changes timed |
|---|---|---|---|---|
| custom layer list (1, 3 or 6 layers) | ${f(res.layoutUpdateMs.customLayers)} |
| built-in scene switch | ${f(res.layoutUpdateMs.sceneSwitch)} |
| picture-in-picture corner and size | ${f(res.layoutUpdateMs.pictureInPictureMove)} |
| output size (1280×720, 960×540, 640×360) | ${f(res.viewportUpdateMs)} |

An update waits for the next output frame: up to one frame interval (33 ms at 30 fps), or the next captured frame when the scene is passed through.`;
    }),
    section(memory, 'perf:memory', 'memory over time', (res) => {
      const pts = (key) => res.samples.filter((s) => typeof s[key] === 'number').map((s) => [s.minute, s[key]]);
      const img = chart(chartsDir, 'memory-over-time.svg', lineChart({
        title: 'Memory over time',
        xLabel: 'minutes',
        yLabel: 'MiB',
        series: [
          { name: 'relay heap', points: pts('relayHeapMiB') },
          { name: 'relay RSS', points: pts('relayRssMiB') },
          { name: 'studio JS heap', points: pts('studioHeapMiB') },
          { name: 'viewer JS heap', points: pts('viewerHeapMiB') },
        ],
      }), 'Memory over time: relay heap and RSS, studio and viewer JS heap');
      const rows = Object.entries(res.trends).map(([k, t]) => `| ${k} | ${t.mean} ${t.unit} | ${t.perHour} ${t.unit}/h | ${t.verdict} |`);
      return `${res.setup}; ${res.minutes} min.

${img}

| what | mean | slope (second half) | verdict |
|---|---|---|---|
${rows.join('\n')}

A verdict is "flat" when an hour at the measured slope adds less than 10 % of the mean. Relay GC
pauses over the run: ${res.gcPausesMs.pauses} pauses, ${res.gcPausesMs.totalMs} ms in all, p50 ${res.gcPausesMs.p50} ms, p99 ${res.gcPausesMs.p99} ms, longest ${res.gcPausesMs.max} ms (the newest 600 kept for percentiles).
Viewers: ${res.viewers.connected} connected, ${res.viewers.closedEarly} closed early, median share of frames on time ${res.viewers.medianOnTimePct} %.
Open VideoFrames are reported where the page counts them (\`tabcastPerf.openVideoFrames()\`); "not measured" means it does not yet.`;
    }),
    section(network, 'perf:network', 'what goes over the wire', (res) => {
      const img = chart(chartsDir, 'latency-under-throttle.svg', lineChart({
        title: 'Real-time glass-to-glass latency, per upload limit',
        xLabel: 'seconds into the phase',
        yLabel: 'ms',
        series: res.phases.map((p) => {
          const t0 = p.latencySeries[0]?.[0] ?? 0;
          return { name: p.uploadLimitKbps ? `${p.uploadLimitKbps} kbps up` : 'no limit', points: p.latencySeries.map(([t, l]) => [t - t0, l]) };
        }),
      }), 'Latency over time for each upload limit');
      const rows = res.phases.map((p) => `| ${p.uploadLimitKbps ? `${p.uploadLimitKbps} kbps` : 'none'} | ${p.studioSentKbps} kbps | ${p.studioFpsSent} | ${p.studioDropped} | ${p.viewerKbps} kbps | ${p.viewerFpsShown} | ${p.viewerLatencyP50Ms} / ${p.viewerLatencyP95Ms} ms | ${p.viewerResyncs ?? '—'} | ${p.viewerOnHls ? 'HLS' : 'real-time'} |`);
      const c = res.control;
      return `${res.setup}.

**Per viewer:** ${res.perViewer.kbps} kbps received for ${res.perViewer.studioSentKbps} kbps sent by the studio (${res.perViewer.framesPerSecond} fps shown).
**Per frame:** ${res.perFrame.msgpackBytesPerMessage} bytes of msgpack framing + ${res.perFrame.websocketHeaderBytes} bytes of WebSocket header (masked) on a mean ${res.perFrame.meanMessageBytes}-byte message: ${res.perFrame.overheadPctOfMedia} % of the media.
**Deflate on the control sockets** (the JSON messages of this run, replayed): events socket ${c.events.messages} messages (mean ${c.events.meanMessageBytes} B), ${c.events.wireBytesOff} → ${c.events.wireBytesOn} bytes on the wire (${c.events.saved === null ? '—' : `${Math.round(c.events.saved * 100)} % saved`}); dashboard ${c.dashboard.messages} messages (mean ${c.dashboard.meanMessageBytes} B), ${c.dashboard.wireBytesOff} → ${c.dashboard.wireBytesOn} bytes (${c.dashboard.saved === null ? '—' : `${Math.round(c.dashboard.saved * 100)} % saved`}). Seed 000 expected 60–70 %.

**Throttled upload** (CDP network emulation on the studio page):

| upload limit | studio sent | fps sent | dropped | viewer received | fps shown | latency p50 / p95 | resyncs | viewer on |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${img}`;
    }),
    section(instrumentation, 'perf:instrumentation', 'what the monitoring points cost', (res) => {
      const row = (where, c) => `| ${where} | ${c.startEndNs} ns | ${c.timeNs} ns | ${c.tickNs} ns |`;
      return `${res.setup}.

| where | a stage (start + end) | a synchronous stage (time) | an interval tick |
|---|---|---|---|
${row('Node (relay)', res.nsPerCall.node)}
${row('Chromium page', res.nsPerCall.page)}
${row('Chromium worker (encoder, decoder, compositor)', res.nsPerCall.worker)}

At 30 fps that is **${res.perFrame.studioWorkerPctOfCore} %** of a core in the studio's worker, **${res.perFrame.viewerWorkerPctOfCore} %** in the viewer's
and **${res.perFrame.relayPctOfCorePerStream} %** per stream on the relay: cheap enough to stay on in production, which it does.`;
    }),
    section(timing, 'frames:timing', 'frame intervals at every stage', (res) => {
      const rows = Object.entries(res.intervals).map(([stage, f]) => (f ? `| ${stage} | ${f.count} | ${f.p50} ms | ${f.p95} ms | ${f.p99} ms | ${f.jitter} ms |` : `| ${stage} | not instrumented yet | | | | |`));
      const times = Object.entries(res.stageTimesMs).map(([stage, f]) => `${stage} ${f ? `${f.p50} / ${f.p95} / ${f.p99} ms` : 'not instrumented yet'}`);
      const hist = chart(chartsDir, 'frame-intervals.svg', histogram({
        title: 'Frame intervals at each stage',
        xLabel: 'ms between successive frames',
        series: Object.entries(res.histograms).map(([name, values]) => ({ name, values })),
      }), 'Histogram of frame intervals at each stage');
      const lat = chart(chartsDir, 'latency-over-time.svg', lineChart({
        title: 'Real-time glass-to-glass latency over the run',
        xLabel: 'seconds',
        yLabel: 'ms',
        series: [{ name: 'viewer', points: res.latency }],
      }), 'Latency over time');
      return `${res.setup}. The studio sent ${res.studioFps} fps; the viewer painted ${res.viewerFps} fps.

| stage | intervals | p50 | p95 | p99 | jitter |
|---|---|---|---|---|---|
${rows.join('\n')}

Time spent per frame (p50 / p95 / p99): ${times.join('; ')}.

${hist}

${lat}`;
    }),
    section(drops, 'frames:drops', 'drops at every stage, with the reason', (res) => {
      const d = res.drops;
      const reasons = (o) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
      return `${res.setup}.

| stage | dropped | why |
|---|---|---|
| studio (before the encoder) | ${d.studio.total} of ${d.studio.total + d.studio.encoded} frames due | ${reasons(d.studio.byReason)} ('paced': above the frame rate sent, not a loss) |
| relay (fan-out to this viewer) | ${d.relay.skipped} of ${d.relay.sent + d.relay.skipped} chunks | ${reasons(d.relay.skipsByReason)} |
| viewer (before decoding) | ${Object.values(d.viewer.shedByReason).reduce((a, b) => a + b, 0)} chunks, in ${d.viewer.resyncs} resyncs | ${reasons(d.viewer.shedByReason)} |
| viewer (decoded, never painted) | ${d.viewer.droppedBeforePaint} frames | a newer frame was due |

The viewer painted ${d.viewer.painted} frames of the ${d.studio.encoded} the studio encoded.`;
    }),
    section(buffer, 'frames:buffer', 'queue depths over time at every hop', (res) => {
      const series = (key, name) => ({ name, points: res.queues.map((q) => [q.t, q[key]]) });
      const counts = chart(chartsDir, 'queues-frames.svg', lineChart({ title: 'Queues counted in frames', xLabel: 'seconds', yLabel: 'frames / chunks', series: [series('encoderQueue', 'studio encoder'), series('decodeQueue', 'viewer decoder'), series('frameQueue', 'viewer frames to draw')] }), 'Encoder and decoder queues over time');
      const time = chart(chartsDir, 'queues-time.svg', lineChart({ title: 'Backlog towards the viewer', xLabel: 'seconds', yLabel: 'ms behind / KiB', series: [series('relayBehindMs', 'relay: viewer behind (ms)'), series('relayUnsentKiB', 'relay: unsent (KiB)'), series('socketKiB', 'studio socket (KiB)')] }), 'Relay and studio socket backlog over time');
      const m = res.max;
      return `${res.setup}. Highest over the run: studio encoder ${m.encoderQueue} frames, studio socket ${m.socketKiB} KiB, relay unsent to the viewer ${m.relayUnsentKiB} KiB, viewer behind at the relay ${m.relayBehindMs} ms, viewer decoder ${m.decodeQueue} chunks, frames waiting to be drawn ${m.frameQueue}.

${counts}

${time}`;
    }),
    section(configs, 'perf:configs', "seed 001's Tested Configurations", (res) => {
      const out = [];
      /** A studio's frames not sent, with their reasons. */
      const drops = (r) => `${r.studioDropped}${r.studioDropped ? ` (${Object.entries(r.studioDrops).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`;
      const pathTable = (rows) => `| configuration | fps sent | fps shown | glass-to-glass p50 / p95 | encode ms | bitrate | Chromium CPU | Chromium RSS | studio JS heap | relay CPU | relay RSS | studio frames not sent |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.config} | ${r.fpsSent} | ${r.fpsShown} | ${r.latencyP50Ms} / ${r.latencyP95Ms} ms | ${r.encodeMs} | ${r.bitrateKbps} kbps | ${r.chromiumCpuPct} % | ${r.chromiumRssMiB} MiB | ${r.studioHeapMiB} MiB | ${r.relayCpuPct} % | ${r.relayRssMiB} MiB | ${drops(r)} |`).join('\n')}`;
      if (res.encoder) {
        out.push(`#### Encoder

${res.encoder.setup}.

${pathTable(res.encoder.rows)}

The first three rows are the studio's profiles as shipped; the others change one setting of Low
latency (\`tabcastPerf.tuneEncoder\`, a hook for this suite: the studio's controls offer the profiles).
CPU is % of one core (200 % is the whole machine).`);
      }
      if (res.pipeline) {
        out.push(`#### Pipeline queues

${res.pipeline.setup}.

${pathTable(res.pipeline.rows)}

The encoder's queue is \`MAX_VIDEO_ENCODE_QUEUE\` in \`apps/web/src/encoder/media-encoder.ts\` (3); a
longer queue holds frames instead of dropping them, which shows as latency. The relay's budget is
\`TABCAST_VIEWER_MAX_LAG_MS\` (docs/configuration.md). It was allowed down to 200 ms until this
table measured 250 ms (2026-12-04, same setup): the viewer showed 0 fps at 1.3 s p50, skipped from
keyframe to keyframe because its own reports (every 250 ms) read as lag. 500 ms is now the least allowed.`);
      }
      if (res.rtmp) {
        out.push(`#### RTMP restream

${res.rtmp.setup}.

| chunk size | fps delivered | relay CPU | relay RSS | missing frames |
|---|---|---|---|---|
${res.rtmp.rows.map((r) => `| ${r.chunkSize} | ${r.fps} | ${r.relayCpuPct} % | ${r.relayRssMiB} MiB | ${r.missingFrames} of ${Math.round(r.recordedSeconds * 30)} |`).join('\n')}

The relay's default is 4096 (\`TABCAST_RTMP_CHUNK_SIZE\`); nginx-rtmp's ping settings are the server's, not the relay's.`);
      }
      if (res.gop) {
        out.push(`#### GOP cache for a joining real-time viewer

${res.gop.setup}.

| GOP cache | first frame p50 | first frame, slowest | relay CPU | relay RSS | frames per viewer (median) |
|---|---|---|---|---|---|
${res.gop.rows.map((r) => `| ${r.gopCache} | ${r.firstFrameMsP50} ms | ${r.firstFrameMsMax} ms | ${r.relayCpuPct} % | ${r.relayRssMiB} MiB | ${r.framesPerViewerMedian} |`).join('\n')}

The cache is on by default (\`TABCAST_GOP_CACHE_BYTES\`, 8 MiB).`);
      }
      return out.join('\n\n');
    }),
    section(quality, 'frames:quality', 'picture quality against the source', (res) => {
      const ceiling = (r) => (!r.ceiling ? '—' : r.ceiling.psnrDb >= 99 ? 'lossless' : `${r.ceiling.psnrDb} dB / ${r.ceiling.ssim}`);
      const rows = res.rows.map((r) => `| ${r.quality} | ${r.size ?? '—'} | ${ceiling(r)} | ${r.realtime.psnrDb} dB | ${r.realtime.ssim} | ${r.hls.psnrDb} dB | ${r.hls.ssim} |`);
      return `${res.setup}.

| studio setting (quality / profile) | encoded size | ceiling at that size (PSNR / SSIM) | real-time PSNR | real-time SSIM | HLS PSNR | HLS SSIM |
|---|---|---|---|---|---|---|
${rows.join('\n')}

The ceiling is what the size alone allows: Battery saving's 480p cannot hold the card's 1-px
lines and 11-px text, so it is judged against its ceiling (budgets: at least 22 dB and 0.8 SSIM,
or within 3 dB and 0.05 of the ceiling).

PSNR above ~35 dB and SSIM above ~0.95 are hard to tell from the source by eye; text at 11 px is
the first thing to blur. The source is a still page, so these are the quality of a screen share's
steady state, not of motion.`;
    }),
  ];
  return parts.join('\n');
}
