/** Renders docs/performance.md from the benchmark result files. */
import fs from 'node:fs';
import path from 'node:path';
import { renderPerfSuite } from './render-perf-suite.mjs';

const load = (dir, name) => {
  const file = path.join(dir, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
};
const fmtBytes = (b) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
const machineLine = (m) => `${m.cpu}, ${m.memory}, ${m.os}, Node ${m.node}, ${m.ffmpeg.split(' Copyright')[0]}, ${m.chromium} — ${m.date.slice(0, 16).replace('T', ' ')} UTC`;

function section(r, title, body) {
  if (!r) return `## ${title}\n\nNot measured yet: run \`npm run bench\`.\n`;
  return `## ${title}\n\nCommand: \`${r.command}\`  \nMachine: ${machineLine(r.machine)}\n\n${body(r.result)}\n`;
}

export function render(dir, chartsDir = path.join(dir, '../../docs/charts')) {
  const encode = load(dir, 'encode');
  const relay = load(dir, 'relay-cpu');
  const deflate = load(dir, 'deflate');
  const restream = load(dir, 'restream-cpu');
  const rtLatency = load(dir, 'latency');
  const rtAlone = load(dir, 'latency-realtime-alone');
  const fanout = load(dir, 'fanout');
  const viewerMemory = load(dir, 'viewer-memory');
  const avSync = load(dir, 'av-sync');
  const realPath = load(dir, 'real-path');
  const metricsCost = load(dir, 'metrics-cost');
  const dashboardCpu = load(dir, 'dashboard-cpu');
  const llLoad = load(dir, 'llhls-load');
  const studioCompositor = load(dir, 'studio-compositor');
  const parts = [
    `# Performance

Measured, not asserted: every figure below comes from a benchmark in \`bench/\`, run on the machine
named with it, and is a median over several runs. \`npm run bench\` re-runs them all and rewrites this
file (\`npm run bench -- encode\` runs one). The machine is shared and noisy: compare figures taken
in one run, side by side.

Figures to beat (from the product's seed guides): HLS latency 5–8 s, 28–30 fps, 2–5 % frame drops,
heap 150–250 MB, control traffic −60–70 % with compression.
`,
    section(realPath, 'Glass-to-glass latency on the path users take: a shared tab, side by side with WebRTC', (res) => {
      const names = {
        floor: 'capture floor (the captured track shown directly)',
        webrtc: "Chromium's WebRTC loopback (H.264 720p, 2.5 Mbps)",
        realtime: 'Tabcast real-time',
        hls: 'Tabcast HLS (hls.js)',
        hlsLl: 'Tabcast LL-HLS, hls.js in low-latency mode (the watch page)',
        hlsPlain: 'the same LL-HLS playlist, hls.js without low-latency mode (a plain client)',
        hlsTs: 'Tabcast MPEG-TS HLS, hls.js (HLS before LL-HLS)',
      };
      const isHls = (p) => p.startsWith('hls');
      const block = (key, title) => {
        const r = res.result[key];
        if (!r) return '';
        const m = r.median;
        const rows = Object.entries(names).filter(([p]) => m[p]).map(([p, label]) => `| ${label} | ${m[p].p50Ms} ms | ${m[p].p95Ms} ms | ${m[p].slopeMsPerS} ms/s | ${isHls(p) ? '—' : m[p].fps} |`);
        const target = (ok) => (ok ? 'met' : '**missed**');
        const ll = m.hlsLl ? `- LL-HLS in hls.js low-latency mode: p50 ${m.hlsLl.p50Ms} ms, p95 ${m.hlsLl.p95Ms} ms (targets ≤ 1500 / ≤ 2000 ms: p50 ${target(m.hlsLl.p50Ms <= 1500)}, p95 ${target(m.hlsLl.p95Ms <= 2000)}); the same playlist without low-latency mode: ${m.hlsPlain.p50Ms} ms p50.\n` : '';
        return `### ${title}
${r.note ? `\n${r.note}\n` : ''}
| path | p50 | p95 | latency slope over the run | fps shown |
|---|---|---|---|---|
${rows.join('\n')}

${ll}- Tabcast real-time ÷ WebRTC, per run then the median: p50 **×${r.realtimeOverWebrtcP50}**, p95 **×${r.realtimeOverWebrtcP95}** (target ≤ ×1.0: p50 ${target(r.realtimeOverWebrtcP50 <= 1)}, p95 ${target(r.realtimeOverWebrtcP95 <= 1)}).
- Latency added over the floor (p50): Tabcast ${r.addedOverFloorRealtimeP50Ms} ms, WebRTC ${r.addedOverFloorWebrtcP50Ms} ms; ratio ×${r.addedRatioP50} (stretch goal ≤ ×0.8).
- The studio sent ${r.studioFps} fps (median) while the real-time viewer was measured.
- Per run, real-time p50/p95/slope: ${r.runs.map((x) => `${x.realtime.p50Ms}/${x.realtime.p95Ms} ms/${x.realtime.slopeMsPerS} ms/s`).join(', ')}; WebRTC p50/p95: ${r.runs.map((x) => `${x.webrtc.p50Ms}/${x.webrtc.p95Ms}`).join(', ')}.
`;
      };
      return `${res.setup}.

Each path runs alone in turn on the same tab, in the same run: the floor, then WebRTC, then the
studio goes live and the real-time viewer, then the HLS viewers (one after the other, on the same stream), each for ${res.seconds} s after 3 s of warm-up.
Latency is the viewer's \`Date.now()\` minus the clock the card drew, read from the pixels each
viewer shows (the real-time canvas and the WebRTC \`<video>\` every frame, HLS 4 times a second). The
slope is the least-squares trend of latency over the run: growth shows as a positive slope.

${block('burners0', 'Nothing else running')}
${block('burners1', 'With one CPU busy-loop process beside it (2 cores)')}
How to read it:
- Frame rates differ: the "fps shown" column says what each path managed. A path that shows fewer
  frames decodes less and waits less, so its latency is not measured under the same load.
- The machine matters more than any change: the same command on 2026-12-04 gave real-time
  221–363 ms p50 on one machine of this kind (2 cores, no GPU) and 63–90 ms on another, with
  WebRTC 139 ms and 55–87 ms beside it. Compare paths within a run (the ratios), not across dates.
- A page occasionally showed about 1 fps for a whole run (headless Chromium throttling that page);
  its p50/p95 then rest on about 20 samples (\`bench/results/real-path.json\` has the counts).
- A slope near 0 ms/s is the point of this section: the old player grew 230 ms a second through a
  shared tab. HLS's negative slope is hls.js settling after its start.
- A jitter-buffer floor of 5 ms instead of 20 ms was tried in this session, and made latency
  no better (3 runs, 153–178 ms p50, with the same WebRTC at 114–148 ms). The 20 ms floor stays.`;
    }),
    section(encode, 'WebCodecs encode at 720p30 (headless Chromium, 2 cores, software H.264)', (res) => {
      const rows = Object.entries(res.sources).map(
        ([src, v]) => `| ${src === 'screen' ? 'getDisplayMedia (fake 1280×720 30 fps screen)' : 'studio test pattern (canvas 1280×720 30 fps)'} | ${v.median.encodeMsPerFrame} | ${v.median.fps} | ${v.median.droppedPct} % | ${v.median.bitrateMbps} | ${v.runs.length} × ${res.seconds} s |`,
      );
      return `${res.preset}. Encode time is from \`encode()\` to the chunk callback in the worker; dropped frames are frames the
studio discarded before encoding because the encoder queue or the socket was full.

| source | encode ms/frame (median) | fps sent | dropped | Mbps sent | runs |
|---|---|---|---|---|---|
${rows.join('\n')}

The fake screen is mostly a static picture with a small moving blob, so its bitrate is far below
the 2.5 Mbps target; the test pattern moves more. Per-run figures: \`bench/results/encode.json\`.`;
    }),
    section(relay, 'Relay + FFmpeg for one 720p30 2.5 Mbps stream', (res) => `${res.stream}, published in real time over loopback for ${res.seconds} s per run (after 5 s of warm-up);
CPU is % of one core, sampled each second from /proc; RSS is the peak.

| process | CPU (median) | peak RSS |
|---|---|---|
| relay (Node + tsx, WebSocket ingest, mediabunny Matroska mux) | ${res.median.relayCpuPct} % | ${res.median.relayRssMiB} MiB |
| FFmpeg (video copy, Opus → AAC, HLS) | ${res.median.ffmpegCpuPct} % | ${res.median.ffmpegRssMiB} MiB |

Runs: ${res.runs.map((r) => `${r.relayCpuPct} % / ${r.ffmpegCpuPct} %`).join(', ')} (relay / FFmpeg).`),
    section(llLoad, 'LL-HLS: many hls.js low-latency viewers of one stream, and the HLS output\'s cost', (res) => `${res.setup}.

| viewers | parts fetched | on time (≤ ${res.deadlineMs} ms) | late | missed | lateness p50 / p99 / max | relay CPU idle → loaded | relay CPU per viewer | relay RSS per viewer | load client CPU |
|---|---|---|---|---|---|---|---|---|---|
| ${res.viewers} | ${res.load.partsFetched} | ${res.load.onTimePct} % | ${res.load.late} | ${res.load.missed} | ${res.load.latenessP50Ms} / ${res.load.latenessP99Ms} / ${res.load.latenessMaxMs} ms | ${res.load.relayIdleCpuPct} % → ${res.load.relayLoadedCpuPct} % | ${res.load.relayCpuPctPerViewer} % | ${res.load.relayRssKiBPerViewer} KiB | ${res.load.clientCpuPct} % |

Lateness is from the first time any viewer saw a part listed to the time this viewer had it; the
load client shares the machine, so its own CPU shows in the lateness too. The relay's CPU is % of
one core (median over the run), with 0 viewers, then with ${res.viewers}.

FFmpeg alone, ${res.seconds} s of the same 720p30 input in real time: the MPEG-TS HLS command line the
relay ran before LL-HLS took ${res.ffmpeg.tsOnlyCpuSec} CPU-s; the current one (tee: the same HLS plus
fragmented MP4 on a pipe, one AAC encode) ${res.ffmpeg.tsPlusFmp4CpuSec} CPU-s.`),
    section(rtLatency, 'Test pattern (skips capture): real-time vs. HLS, side by side', (res) => `${res.setup}. The studio's test pattern draws \`Date.now()\` as a
42-block barcode into every frame; each viewer reads it back (from the canvas, or from the playing \`<video>\`)
and subtracts it from its own \`Date.now()\`: one machine, one clock. Both viewers run in the same run,
sampled twice a second for ${res.seconds} s per run. **This source skips screen capture and the load it
brings, so it is not the path users take**: the shared-tab figures above are the ones that count.

| mode | p50 | p95 |
|---|---|---|
| real-time (WebCodecs, OffscreenCanvas) | **${res.median.realtimeP50Ms} ms** | **${res.median.realtimeP95Ms} ms** |
| HLS (hls.js) | ${(res.median.hlsP50Ms / 1000).toFixed(2)} s | ${(res.median.hlsP95Ms / 1000).toFixed(2)} s |

Medians of ${res.runs.length} runs; real-time rendered ${res.median.realtimeFps} fps. Targets on loopback: real-time
p50 ≤ 150 ms, p95 ≤ 250 ms. Per run (real-time p50/p95 ms): ${res.runs.map((r) => `${r.realtime.p50Ms}/${r.realtime.p95Ms}`).join(', ')}.
What is in it: capture and encode in the studio (~5–15 ms), the socket hops, decode, the jitter
buffer (20 ms minimum, widened to the 90th-percentile spread of arrival lags over 2 s), and the
wait for the next paint. The same bench run right after with the previous policy (the full spread,
so even a stall of a few frames held the picture back for 2 s) gave p50/p95 60/76 ms on the same machine;
an earlier run of the side-by-side bench on a busier machine had a p95 of 605 ms, not reproduced
since. HLS (\`?mode=hls\`, what the watch page plays: LL-HLS in hls.js low-latency mode since
issue 13, see docs/llhls.md; results taken before 2026-12-03 played the MPEG-TS playlist, where
latency was up to one 2 s segment being written before FFmpeg closed it, then hls.js holding
\`liveSyncDurationCount: 2\` target durations behind the live edge).`),
    section(rtAlone, 'Test pattern (skips capture): real-time latency without an HLS page beside it', (res) => `The same measurement with only the real-time viewer open (studio + one viewer
page in one headless Chromium): on 2 cores the HLS page's software H.264 decode competes with
everything else, and the side-by-side figures above pay for it (measured on an earlier day: compare
within one section, not across).

| mode | p50 | p95 |
|---|---|---|
| real-time alone | **${res.median.realtimeP50Ms} ms** | **${res.median.realtimeP95Ms} ms** |

Per run (p50/p95 ms): ${res.runs.map((r) => `${r.realtime.p50Ms}/${r.realtime.p95Ms}`).join(', ')}; ${res.median.realtimeFps} fps.`),
    section(fanout, 'Real-time fan-out: viewers per relay', (res) => `${res.stream}. A viewer is healthy when ≥ 99 % of the frames
published during the ${res.seconds} s window arrived within 500 ms. The load client (raw sockets, frame headers
and timestamps only) runs on the same 2 cores as the relay and competes with it for CPU.

| viewers | healthy | median on-time | worst on-time | relay CPU | relay CPU / viewer | relay RSS | RSS / viewer |
|---|---|---|---|---|---|---|---|
${res.rows.map((r) => `| ${r.viewers} | ${r.healthyPct} % | ${(r.medianOnTimeRatio * 100).toFixed(1)} % | ${(r.worstOnTimeRatio * 100).toFixed(1)} % | ${r.relayCpuPct} % | ${r.relayCpuPerViewerPct ?? '—'} % | ${r.relayRssMiB} MiB | ${r.relayRssPerViewerKiB} KiB |`).join('\n')}

**Largest N with every viewer healthy: ${res.largestHealthyN}** (target ≥ 1000). Every viewer gets the same Buffer
(the publisher's message bytes, framed once), written to the sockets corked per event-loop turn; the
cost per viewer is those writes. Past 1000, the relay's one thread and the load client together use
up both cores and frames start arriving late.`),
    section(viewerMemory, 'Real-time viewer memory over time', (res) => {
      const byMinute = new Map();
      for (const x of res.samples) {
        const m = Math.ceil(x.minute);
        byMinute.set(m, [...(byMinute.get(m) ?? []), x.rssMiB]);
      }
      const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      return `One studio (test pattern) and one real-time viewer in one headless Chromium for
${res.minutes} minutes; the RSS of all Chromium processes summed every 10 s. A VideoFrame leak would climb
steadily (a 720p frame is 1.4 MiB; 30 a second).

| minute | ${[...byMinute.keys()].join(' | ')} |
|---|${[...byMinute.keys()].map(() => '---').join('|')}|
| median RSS (MiB) | ${[...byMinute.values()].map(med).join(' | ')} |

Least-squares slope over the second half: ${res.slopeMiBPerMinute} MiB/min. Read the per-minute medians (and
\`bench/results/viewer-memory.json\`) rather than the slope alone: a per-frame leak climbs every minute,
while a single step followed by a plateau is a one-off allocation. An hour was not measured.`;
    }),
    section(avSync, 'Real-time viewer with sound: audio/video sync, latency and memory over time', (res) => `${res.setup}.
The test pattern beeps (1 kHz, 100 ms) at each whole second of the studio's clock and flashes its
frame. The viewer's AudioWorklet reports each beep onset in AudioContext time, turned into wall time
with \`getOutputTimestamp()\` (so the output latency is included); the beep's glass-to-ear latency is
set against the glass-to-glass latency of the frame drawn nearest to it. **A/V offset = picture
latency − sound latency**: positive means the picture is behind the sound. Sampled each second for
${res.minutes} minutes (${res.samples} samples), one run.

| | value |
|---|---|
| A/V offset p50 | **${res.avSyncMs.p50} ms** |
| A/V offset p5 … p95 | ${res.avSyncMs.p5} … ${res.avSyncMs.p95} ms |
| drift: median in the first minute → in the last minute | ${res.driftMs.firstMinuteMedian} → ${res.driftMs.lastMinuteMedian} ms (${res.driftMs.change >= 0 ? '+' : ''}${res.driftMs.change} ms) |
| glass-to-glass latency with sound, p50 / p95 | ${res.latencyWithSoundMs.p50} / ${res.latencyWithSoundMs.p95} ms |
| fps (median) | ${res.fpsMedian} |
| Chromium RSS (studio + viewer), first → last | ${res.memory.firstMiB} → ${res.memory.lastMiB} MiB (slope over the second half ${res.memory.slopeMiBPerMinute} MiB/min) |

For scale: ITU-R BT.1359 puts the threshold of detectability at sound 45 ms before or 125 ms after
the picture. The picture's time is when the frame is drawn into the OffscreenCanvas; the compositor
shows it up to one display frame later, which the figure does not include.`),
    section(restream, 'Restreaming: CPU per RTMP destination', (res) => `${res.stream}; ${res.seconds} s per run after 5 s of warm-up, CPU as % of one core.
Each destination is its own FFmpeg (video copied, Opus → AAC, FLV); nothing is transcoded.

| destinations | relay | FFmpeg for HLS | FFmpeg per destination |
|---|---|---|---|
${res.rows.map((r) => `| ${r.destinations} | ${r.relayCpuPct} % | ${r.ffmpegHlsCpuPct} % | ${r.destinations ? r.ffmpegPerDestinationCpuPct + ' %' : '—'} |`).join('\n')}

So each destination costs about one FFmpeg's worth (the AAC encode dominates it) plus a little
relay time for its own Matroska mux.`),
    section(deflate, 'permessage-deflate: media vs. control messages', (res) => {
      const rows = Object.entries(res.cases).map(
        ([name, v]) => `| ${name} | ${v.messages} | ${fmtBytes(v.wireBytesOff)} | ${fmtBytes(v.wireBytesOn)} | ${((v.wireRatioOnOff - 1) * 100).toFixed(1)} % | ${v.cpuMsOff} → ${v.cpuMsOn} ms (×${v.cpuRatioOnOff}) |`,
      );
      return `A real \`ws\` server and client on loopback send the same messages with and without
permessage-deflate (level 3, memLevel 7, window bits 10, no context takeover, 1 KiB threshold).
CPU is both ends together.

| messages | count | wire bytes, off | wire bytes, on | bytes saved | CPU off → on |
|---|---|---|---|---|---|
${rows.join('\n')}

**Decision:** encoded media does not compress (H.264 and Opus are already entropy-coded): deflate
adds bytes and multiplies CPU, and Chromium would deflate every message it sends once deflate is
negotiated on a socket. So the publish socket (\`/ws/publish\`) never negotiates it. JSON control
and stats messages over the threshold shrink by 85–93 %, so the events socket (\`/ws/events\`)
negotiates it with the 1 KiB threshold, below which messages go uncompressed.`;
    }),
  ];
  parts.push(
    section(metricsCost, 'Observability cost: metrics and the dashboard push', (res) => `${res.setup}. The relay's CPU (% of one core) is read from /proc over
alternating ${res.windowSec} s windows (${res.pairs} of each mode); health sampling runs in both.

| | relay CPU (median) |
|---|---|
| scraped every 1 s + one dashboard open | ${res.relayCpuOnPct} % |
| neither | ${res.relayCpuOffPct} % |
| difference | ${res.costPctOfCore} % |
| **measured by the relay itself** (its CPU time building each answer and push, at 1 scrape/s + 1 push/2 s) | **${res.directCostPctOfCore} %** |

Target: < 1 % of a core, at 15 times Prometheus' default scrape rate. The relay times its own work in \`stream_manager_metrics_collect_seconds\` (CPU time, an upper bound: mean ${res.inRelay.collectMsMean} ms over
${res.inRelay.collectCount} scrapes) and \`stream_manager_dashboard_push_seconds\` (mean ${res.inRelay.pushMsMean} ms over ${res.inRelay.pushCount} pushes); socket writes of the
~${res.snapshotKiB} KiB snapshot are not in it but are in the window difference. One scrape: ${res.scrapeKiB} KiB, ${res.scrapeMsP50} ms p50 / ${res.scrapeMsP95} ms p95 (wall time seen by the
client, queueing behind the viewers' traffic included); one dashboard snapshot: ${res.snapshotKiB} KiB before compression.
Windows (on/off, %): ${res.windows.map((w) => `${w.mode} ${w.cpuPct}`).join(', ')}. Viewers connected: ${res.viewersConnected}, with ≥ 99 % of
frames on time: ${res.viewersHealthy}, sent to HLS (too slow) before the end: ${res.viewersClosedEarly}, median share of frames on time: ${res.viewersMedianOnTimePct} %. On a shared 2-core machine windows of one mode differ by several % of a core, more than the cost,
so the on/off difference is noise around the relay's own figure, not a second measurement of it.`),
  );
  parts.push(
    section(dashboardCpu, 'The dashboard page in Chromium', (res) => `${res.setup}. CPU of every Chromium process (browser, renderer, utilities),
% of one core: **${res.medianChromiumCpuPct} %** (median of ${res.runs.length} runs: ${res.runs.map((r) => `${r.chromiumCpuPct} %`).join(', ')}). Target: < 5 %.`),
  );
  parts.push(
    section(studioCompositor, 'Studio compositor: screen + camera picture-in-picture + lower third at 720p30', (res) => {
      const m = res.median;
      const target = (ok) => (ok ? 'met' : '**missed**');
      const rows = Object.entries(m.profiles).map(([, p]) => `| ${p.label} | ${p.encodeMs} ms | ${p.fpsSent} | ${p.chromiumCpuPct} % |`);
      return `${res.setup}. ${res.runs.length} run(s), ${res.seconds} s per phase; medians of the runs.

| | value | target |
|---|---|---|
| compositing per output frame in the worker, median | **${m.composeMsP50} ms** | ≤ 4 ms: ${target(m.composeMsP50 <= 4)} |
| compositing per output frame, p95 | ${m.composeMsP95} ms | |
| fps sent, studio tab in front | ${m.fpsSentVisible} | ≥ 29: ${target(m.fpsSentVisible >= 29)} |
| fps sent, another tab in front (studio's visibilityState: ${m.hiddenVisibility}) | ${m.fpsSentHidden} | ≥ 29: ${target(m.fpsSentHidden >= 29)} |
| fps sent while the studio's main thread is blocked | ${m.fpsSentMainThreadBlocked} | |
| longest viewer stall across two scene switches | ${m.sceneSwitchLongestStallMs} ms | ≤ one frame interval (33 ms) + the viewer's own jitter |

Compositing time is the worker's time to draw one output picture and make its VideoFrame (the
preview, redrawn every third frame, is not in it). Headless Chromium reports every page as
visible whatever tab is in front, so the "hidden" row is only as hidden as its visibilityState
says; the blocked-main-thread row is the stronger check that the output does not depend on the
page's main thread (its figure spans the block and the 2.5 s after it). The stall is the longest
time the real-time viewer's picture did not change, sampled every 40 ms.

Per encoding profile (same scene; CPU is every Chromium process together, studio and viewer, % of one core):

| profile | encode ms/frame | fps sent | Chromium CPU |
|---|---|---|---|
${rows.join('\n')}`;
    }),
  );
  parts.push(
    section(load(dir, 'recording-cpu'), 'Recording: CPU per stream', (res) => `${res.stream}; the relay's CPU (% of one core, median over ${res.seconds} s after 5 s of warm-up),
runs alternating recording off and on.

| | relay CPU |
|---|---|
| recording off | ${res.median.off} % |
| recording on | ${res.median.on} % |
| **cost of recording** | **${res.median.costPct} %** (target ≤ 2 %: ${res.targetMet ? 'met' : '**missed**'}) |

Per run (off/on): ${res.relayCpuPctOff.map((x, i) => `${x}/${res.relayCpuPctOn[i]} %`).join(', ')}. After the broadcast, the finalize (parts → Matroska in the
relay → FFmpeg copy to a fast-start MP4) took ${res.finalizeMsPerRecordedMinute} ms and ${res.finalizeRelayCpuSecPerRecordedMinute} CPU-s of the relay per recorded minute (FFmpeg's own CPU not included).`),
  );
  parts.push(
    section(load(dir, 'recording-outage'), 'Recording through an outage (reliability)', (res) => `${res.setup}. The studio resumes the same stream and backfills
what the relay never acknowledged; the recording is downloaded and measured with ffprobe packet timestamps.

| run | recordings | gaps | largest video hole | duration − wall-clock | fps in the file |
|---|---|---|---|---|---|
${res.runs.map((r, i) => `| ${i + 1} | ${r.recordings} | ${r.gaps} | ${r.largestVideoHoleMs} ms | ${r.durationErrorMs} ms | ${r.fps} |`).join('\n')}

Targets: one recording (${res.allOneRecording ? 'met' : '**missed**'}), no video hole > 100 ms (${res.allHolesOk ? 'met' : '**missed**'}), duration = wall-clock ± 1 s (${res.allDurationsOk ? 'met' : '**missed**'}).
A hole here is any step between video frames: frames the studio's encoder never made (a starved CPU drops them before encoding)
count as much as frames lost on the way, so the hole target can only be judged on a quiet machine.

A/V sync through the same outage, with the studio's test pattern (a beep and a flash every second): ${res.avSync ? `${res.avSync.pairs} beeps paired with their flash, picture − sound median ${res.avSync.medianMs} ms, largest ${res.avSync.maxAbsMs} ms (target within 45 ms: ${res.avSyncOk ? 'met' : '**missed**'}); that run's largest video hole ${res.avSyncRun.largestVideoHoleMs} ms, ${res.avSyncRun.recordings} recording(s)` : 'not measured in this run'}.`),
  );
  parts.push(renderPerfSuite(dir, chartsDir));
  return parts.join('\n');
}
