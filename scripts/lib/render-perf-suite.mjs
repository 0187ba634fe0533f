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
  const memory = load(dir, 'perf-memory');
  const network = load(dir, 'perf-network');
  const quality = load(dir, 'perf-quality');
  const instrumentation = load(dir, 'perf-instrumentation');
  const parts = [
    `## The performance suite (seed 001's scripts)

Each script runs real Chromium on the path users take (the timecode tab shared through
getDisplayMedia), or the relay alone where only the relay is involved; writes
\`bench/results/perf-<name>.json\`; and rewrites its section here. Each checks generous budgets that
catch a regression (the exit code); the figures are reported, not asserted. \`npm run test:perf\` runs
them all; \`npm run test:perf -- --smoke\` runs each briefly, as CI does. The monitoring points (seed
001's \`encode:start\`/\`encode:end\`, … as User Timing marks) are listed in \`packages/shared/src/monitoring.ts\`.
`,
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
    section(quality, 'frames:quality', 'picture quality against the source', (res) => {
      const rows = res.rows.map((r) => `| ${r.quality} | ${r.realtime.psnrDb} dB | ${r.realtime.ssim} | ${r.hls.psnrDb} dB | ${r.hls.ssim} |`);
      return `${res.setup}.

| quality setting | real-time PSNR | real-time SSIM | HLS PSNR | HLS SSIM |
|---|---|---|---|---|
${rows.join('\n')}

PSNR above ~35 dB and SSIM above ~0.95 are hard to tell from the source by eye; text at 11 px is
the first thing to blur. The source is a still page, so these are the quality of a screen share's
steady state, not of motion.`;
    }),
  ];
  return parts.join('\n');
}
