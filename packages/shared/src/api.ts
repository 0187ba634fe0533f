/** JSON shapes of the relay's HTTP API and events socket, shared by relay and web. */
import type { DestinationStatus } from './protocol.ts';

export type StreamState = 'live' | 'ended';

/** One entry of `GET /api/streams`. */
export interface StreamInfo {
  id: string;
  state: StreamState;
  /** Absolute-path URL of the HLS playlist, e.g. `/hls/<id>/index.m3u8`. */
  hlsUrl: string;
  /**
   * Absolute-path URL of the Low-Latency HLS playlist (fMP4 parts, blocking reload), e.g.
   * `/hls/<id>/ll.m3u8`; plain HLS clients play it too. Absent when the relay has no LL-HLS media
   * for the stream (an ended stream restored after a relay restart: use `hlsUrl`).
   */
  llHlsUrl?: string;
  /** Absolute-path URL of the viewer page, e.g. `/watch/<id>`. */
  watchUrl: string;
  /** ISO 8601 time the stream went live. */
  startedAt: string;
  /** ISO 8601 time it ended, null while live. */
  endedAt: string | null;
  /** Whether the publisher's socket is attached right now (false during a reconnect). */
  publisherConnected: boolean;
  /** Ingest bitrate over the last few seconds, bits per second. */
  ingestBitrate: number;
  /** Video frames per second over the last few seconds. */
  ingestFps: number;
  /**
   * The HLS output's state: `running` when FFmpeg makes progress, `retrying` after a crash or a
   * muxer error (restarted with backoff), `failed` when given up (the stream then ends).
   */
  hlsOutput?: OutputState;
}

/** State of one output of a stream (the relay's OutputRunner). */
export type OutputState = 'waiting' | 'starting' | 'running' | 'switching' | 'retrying' | 'failed' | 'stopping' | 'stopped';

/** Messages on the `/ws/events` socket (JSON text, compressed when over ~1 KB). */
export type EventsMessage =
  | { type: 'streams'; streams: StreamInfo[] }
  | { type: 'stream'; stream: StreamInfo };

// ── operations: GET /api/streams/:id, GET /api/health, /ws/dashboard (docs/observability.md) ──

/** One output of a stream (the HLS output or an RTMP destination). */
export interface OutputFigures {
  name: string;
  kind: 'hls' | 'rtmp';
  /** waiting | starting | running | retrying | failed | stopped */
  state: string;
  /** Chunks and bytes queued towards its FFmpeg. */
  queueChunks: number;
  queueBytes: number;
  /** Chunks dropped from its queue (whole GOPs) since the stream started. */
  droppedChunks: number;
  /** FFmpeg runs started, and those after the first (restarts, codec changes). */
  starts: number;
  restarts: number;
  lastError: string | null;
}

/** The studio's own figures (its `stats` message), when it sent one in the last few seconds. */
export interface StudioStats {
  captureFps: number;
  targetFps: number;
  encodeMs: number;
  droppedEncoder: number;
  droppedSocket: number;
  encoderQueue: number;
  socketBufferedBytes: number;
  targetBitrate: number;
}

/** `GET /api/streams/:id`: the live figures of one stream. */
export interface StreamDetail extends StreamInfo {
  viewers: { realtime: number; hls: number };
  /** Seconds between the last two keyframes (media clock), null before the second. */
  keyframeIntervalSec: number | null;
  bytesIn: number;
  bytesOutRealtime: number;
  /** Bytes the relay holds for this stream: GOP cache + output queues. */
  memoryBytes: number;
  outputs: OutputFigures[];
  destinations: DestinationStatus[];
  studio: StudioStats | null;
  /** Ingest below the low-fps threshold of the studio's target for long enough (an alert). */
  lowFps: boolean;
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** One check of `GET /api/health`. */
export interface HealthCheck {
  status: HealthStatus;
  /** The measured value, in the unit the check's name says. */
  value: number | null;
  /** Issues in words; empty when healthy. */
  issues: string[];
}

/** Something the relay did on its own (quality step-down, cache freeing, refusing streams, alerts). */
export interface HealthAction {
  at: string;
  kind: 'quality-down' | 'free-caches' | 'refuse-streams' | 'accept-streams' | 'low-fps-alert' | 'low-fps-cleared';
  message: string;
  stream?: string;
}

/** `GET /api/health` (200 healthy/degraded, 503 unhealthy). */
export interface HealthReport {
  status: HealthStatus;
  issues: string[];
  checks: {
    eventLoopLagMs: HealthCheck;
    heapUsedPercent: HealthCheck;
    cpuPercent: HealthCheck;
    diskFreeMiB: HealthCheck;
    failingOutputs: HealthCheck;
    lowFpsStreams: HealthCheck;
  };
  /** Whether new streams are refused (heap over its unhealthy threshold). */
  refusingNewStreams: boolean;
  liveStreams: number;
}

/** The relay process and machine, as the dashboard charts them. */
export interface RelayFigures {
  /** Machine CPU use, all cores, %. */
  cpuPercent: number;
  /** The relay process's own CPU use, % of one core. */
  relayCpuPercent: number;
  heapUsedBytes: number;
  heapLimitBytes: number;
  rssBytes: number;
  eventLoopLagMs: number;
}

/** Messages on `/ws/dashboard` (JSON text, relay → dashboard only). */
export type DashboardMessage = {
  type: 'snapshot';
  /** Date.now() at the relay. */
  t: number;
  relay: RelayFigures;
  health: HealthReport;
  streams: StreamDetail[];
  /** The latest automatic actions, newest last. */
  actions: HealthAction[];
};

/** One recording, as `GET /api/recordings` lists it (docs/protocol.md, "Recordings"). */
export interface RecordingInfo {
  /** The recording's id: its broadcast's stream id (one recording per broadcast). */
  id: string;
  streamId: string;
  startedAt: string;
  endedAt: string | null;
  /** 'recording' while live; 'finalizing'; 'ready' once the MP4 is there; 'failed' (see `error`). */
  state: 'recording' | 'finalizing' | 'ready' | 'failed';
  durationMs: number;
  bytes: number;
  /** Download link (works for a few hours without the key), null until ready. */
  url: string | null;
  /** Where /watch/<id> plays it from, null until ready. */
  vodUrl: string | null;
  /** Holes in the video nothing could fill, from the recording's start, ms. */
  gaps: { atMs: number; durationMs: number }[];
  /** Why recording stopped before the broadcast ended (quota, disk), in words; else null. */
  stoppedReason: string | null;
  error: string | null;
}
