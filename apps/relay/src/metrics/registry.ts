/**
 * The relay's one Prometheus registry (prom-client). Everything that records imports `metrics`
 * from here. Per-stream series are written at scrape time from the live sessions (see
 * {@link addMetricsSource}): each scrape starts from empty, so an ended stream's series are gone
 * at the next scrape (Owncast's viewer gauge once stayed at its last value; owncast#3830).
 * Counters mirror totals the sessions keep; Prometheus' rate() does the rest.
 * docs/observability.md says what each metric means.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StreamSession } from '../streams/stream-session.ts';
import type { LlHttp } from '../llhls/ll-http.ts';
import type { HlsViewerTracker } from './hls-viewers.ts';
import { streamOutputs } from './stream-detail.ts';

/** Where the per-stream series come from: a relay's live sessions. */
export interface MetricsSource {
  liveSessions(): StreamSession[];
  hlsViewers: HlsViewerTracker;
  /** LL-HLS blocking requests held and refused. */
  llHls?: LlHttp;
}

const sources = new Set<MetricsSource>();

/** Registers a relay's sessions for scraping; returns the function that removes it. */
export function addMetricsSource(source: MetricsSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

function* live(): Generator<{ s: StreamSession; src: MetricsSource }> {
  for (const src of sources) for (const s of src.liveSessions()) yield { s, src };
}

export const register = new Registry();
collectDefaultMetrics({ register });
// prom-client's gauges of these names end in _total, which promtool's lint reserves for counters;
// the same figures remain as nodejs_active_handles / _requests / _resources (by type).
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) register.removeSingleMetric(name);

/**
 * promtool's lint finds one thing: the seed's `stream_manager_encoding_time_ms` names its unit
 * in short. The name is kept as seed 001 gives it (dashboards built on the seed use it).
 */
export const KNOWN_LINT = ['stream_manager_encoding_time_ms metric names should not contain abbreviated units'];

const DESTINATION_STATES = ['off', 'connecting', 'live', 'retrying', 'failed'] as const;

/** A gauge rebuilt from the live sessions on every scrape. */
function perStreamGauge<L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>) => void): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [register],
    collect() {
      this.reset();
      fill(this);
    },
  });
}

/** A counter mirroring totals the sessions keep, rebuilt on every scrape. */
function perStreamCounter<L extends string>(name: string, help: string, labelNames: L[], fill: (c: Counter<L>) => void): Counter<L> {
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [register],
    collect() {
      this.reset();
      fill(this);
    },
  });
}

perStreamGauge('stream_manager_encoding_time_ms', "Mean time the studio's encoder took per video frame over the last second, ms (from the studio's stats)", ['stream'], (g) => {
  for (const { s } of live()) {
    const f = s.figures.studioFigures();
    if (f) g.set({ stream: s.id }, f.encodeMs);
  }
});
perStreamGauge('stream_manager_bitrate_kbps', 'Ingest bitrate over the last 3 s, kbit/s', ['stream'], (g) => {
  for (const { s } of live()) g.set({ stream: s.id }, s.info().ingestBitrate / 1000);
});
perStreamGauge('stream_manager_fps', 'Video frames per second the relay received over the last 3 s', ['stream'], (g) => {
  for (const { s } of live()) g.set({ stream: s.id }, s.info().ingestFps);
});
perStreamGauge('stream_manager_capture_fps', 'Frames per second the studio captured (from its stats)', ['stream'], (g) => {
  for (const { s } of live()) {
    const f = s.figures.studioFigures();
    if (f) g.set({ stream: s.id }, f.captureFps);
  }
});
perStreamGauge('stream_manager_target_fps', 'Frames per second the studio means to send (its preset)', ['stream'], (g) => {
  for (const { s } of live()) {
    const f = s.figures.studioFigures();
    if (f) g.set({ stream: s.id }, f.targetFps);
  }
});
perStreamCounter(
  'stream_manager_dropped_frames_total',
  'Frames (chunks) dropped, by where (studio, relay output, real-time viewer) and why',
  ['stream', 'stage', 'reason'],
  (c) => {
    for (const { s } of live()) {
      const d = s.figures.studioDropped;
      c.inc({ stream: s.id, stage: 'studio', reason: 'encoder-queue-full' }, d.encoder);
      c.inc({ stream: s.id, stage: 'studio', reason: 'socket-behind' }, d.socket);
      let backlog = 0;
      for (const o of streamOutputs(s)) backlog += o.droppedChunks;
      c.inc({ stream: s.id, stage: 'relay', reason: 'output-backlog' }, backlog);
      c.inc({ stream: s.id, stage: 'realtime', reason: 'viewer-behind' }, s.fanOut.skipped);
    }
  },
);
perStreamGauge('stream_manager_queue_size', 'Items waiting, by queue: an output towards its FFmpeg (chunks), the studio encoder (frames), the studio socket (bytes/1024)', ['stream', 'output'], (g) => {
  for (const { s } of live()) {
    for (const o of streamOutputs(s)) g.set({ stream: s.id, output: o.name }, o.queueChunks);
    const f = s.figures.studioFigures();
    if (f) {
      g.set({ stream: s.id, output: 'studio-encoder' }, f.encoderQueue);
      g.set({ stream: s.id, output: 'studio-socket-kib' }, Math.round(f.socketBufferedBytes / 1024));
    }
  }
});
perStreamGauge('stream_manager_memory_bytes', 'Bytes the relay holds for the stream: GOP cache for joiners + output queues + LL-HLS media', ['stream'], (g) => {
  for (const { s } of live()) {
    let bytes = s.fanOut.cachedBytes + s.llMedia.heldBytes;
    for (const o of streamOutputs(s)) bytes += o.queueBytes;
    g.set({ stream: s.id }, bytes);
  }
});
perStreamGauge('stream_manager_viewers', 'Viewers by mode: real-time sockets, and HLS clients seen in the last 10 s', ['stream', 'mode'], (g) => {
  for (const { s, src } of live()) {
    g.set({ stream: s.id, mode: 'realtime' }, s.fanOut.viewerCount);
    g.set({ stream: s.id, mode: 'hls' }, src.hlsViewers.count(s.id));
  }
});
new Gauge({
  name: 'stream_manager_llhls_blocking_requests',
  help: 'LL-HLS blocking requests (playlist reloads, hinted parts) held right now, relay-wide (bound: TABCAST_LLHLS_MAX_BLOCKING)',
  registers: [register],
  collect() {
    let held = 0;
    for (const src of sources) held += src.llHls?.held ?? 0;
    this.set(held);
  },
});
new Counter({
  name: 'stream_manager_llhls_blocking_refused_total',
  help: 'LL-HLS blocking requests answered 503 at once because TABCAST_LLHLS_MAX_BLOCKING were already held',
  registers: [register],
  collect() {
    this.reset();
    let refused = 0;
    for (const src of sources) refused += src.llHls?.refused ?? 0;
    this.inc(refused);
  },
});
perStreamCounter('stream_manager_received_bytes_total', 'Media bytes received from the publisher', ['stream'], (c) => {
  for (const { s } of live()) c.inc({ stream: s.id }, s.figures.bytesIn);
});
perStreamCounter('stream_manager_sent_bytes_total', 'Media bytes sent, by output (realtime: to real-time viewers)', ['stream', 'output'], (c) => {
  for (const { s } of live()) c.inc({ stream: s.id, output: 'realtime' }, s.fanOut.bytesSent);
});
perStreamCounter('stream_manager_ffmpeg_starts_total', 'FFmpeg runs started, by output', ['stream', 'output'], (c) => {
  for (const { s } of live()) for (const o of streamOutputs(s)) c.inc({ stream: s.id, output: o.name }, o.starts);
});
perStreamCounter('stream_manager_ffmpeg_restarts_total', 'FFmpeg runs after the first (after a failure or a codec change), by output', ['stream', 'output'], (c) => {
  for (const { s } of live()) for (const o of streamOutputs(s)) c.inc({ stream: s.id, output: o.name }, o.restarts);
});
perStreamGauge('stream_manager_destination_state', 'RTMP destination state: 1 for the current state, 0 for the others', ['stream', 'destination', 'state'], (g) => {
  for (const { s } of live()) {
    for (const d of s.destinations.status()) {
      for (const state of DESTINATION_STATES) g.set({ stream: s.id, destination: d.id, state }, d.state === state ? 1 : 0);
    }
  }
});
perStreamGauge('stream_manager_keyframe_interval_seconds', 'Seconds between the last two keyframes (media clock)', ['stream'], (g) => {
  for (const { s } of live()) if (s.figures.keyframeIntervalSec !== null) g.set({ stream: s.id }, s.figures.keyframeIntervalSec);
});

export const metrics = Object.freeze({
  /** Publisher → relay one-way latency, estimated as half the publish socket's ping round trip, s. */
  publisherLatency: new Histogram({
    name: 'stream_manager_publisher_latency_seconds',
    help: 'Publisher to relay latency: half the round trip of a WebSocket ping on the publish socket, sent once a second',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
  }),
  /** Real-time viewers: from joining to their first video frame written, s. */
  realtimeTimeToFirstFrame: new Histogram({
    name: 'stream_manager_realtime_time_to_first_frame_seconds',
    help: 'Real-time viewers: time from joining to the first video frame sent (0 when a GOP was cached)',
    buckets: [0.005, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    registers: [register],
  }),
  /** Automatic actions taken (docs/observability.md). */
  actions: new Counter({ name: 'stream_manager_health_actions_total', help: 'Automatic actions the relay took, by kind', labelNames: ['kind'], registers: [register] }),
  /**
   * What observability itself costs: the relay's CPU time while building one /api/metrics answer
   * (an upper bound: prom-client's event-loop-lag metric awaits a turn of the loop, and whatever
   * else runs meanwhile is counted too), and the time one dashboard push takes (snapshot + JSON,
   * synchronous), s.
   */
  metricsCollect: new Histogram({
    name: 'stream_manager_metrics_collect_seconds',
    help: 'CPU time of the relay process while it built one /api/metrics answer (an upper bound)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [register],
  }),
  dashboardPush: new Histogram({
    name: 'stream_manager_dashboard_push_seconds',
    help: 'Time the relay spent building and serialising one dashboard snapshot',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [register],
  }),
  /** 0 healthy, 1 degraded, 2 unhealthy. */
  healthStatus: new Gauge({ name: 'stream_manager_health_status', help: 'Health: 0 healthy, 1 degraded, 2 unhealthy', registers: [register] }),
});
