/**
 * The relay's configuration: one frozen defaults object, and the only place that reads process.env.
 * Every setting is documented in docs/configuration.md.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '@tabcast/shared';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface RelayConfig {
  /** HTTP + WebSocket port. Env PORT. Default 8080. */
  port: number;
  /** Bind address. Env HOST. Default 0.0.0.0 (all interfaces). */
  host: string;
  /** Base URL printed in links (studio link on first start). Env TABCAST_PUBLIC_URL. Default http://localhost:<port>. */
  publicUrl: string;
  /** Keys, HLS output. Env TABCAST_DATA_DIR. Default <repo>/.data. */
  dataDir: string;
  /** Built web app served at /. Env TABCAST_WEB_DIR. Default <repo>/apps/web/dist. */
  webDir: string;
  /** FFmpeg binary. Env FFMPEG_PATH. Default "ffmpeg" (on PATH). */
  ffmpegPath: string;
  /** A stream key to accept (pre-seeded into the key store). Env TABCAST_STREAM_KEY. Default none. */
  seedStreamKey: string | null;
  /** HLS segment target duration, seconds. Env TABCAST_HLS_TIME. Default 2. */
  hlsTimeSec: number;
  /** Segments kept in the live playlist. Env TABCAST_HLS_LIST_SIZE. Default 5. */
  hlsListSize: number;
  /** LL-HLS part target (EXT-X-PART-INF:PART-TARGET), ms; FFmpeg cuts fragments at 80 % of it. Env TABCAST_LLHLS_PART_TARGET_MS. Default 200. */
  llHlsPartTargetMs: number;
  /** LL-HLS segments are cut at the first keyframe after half of this, and never outgrow it, ms. Env TABCAST_LLHLS_SEGMENT_TARGET_MS. Default 2000. */
  llHlsSegmentTargetMs: number;
  /** LL-HLS segments listed (and held in memory) per stream. Env TABCAST_LLHLS_WINDOW_SEGMENTS. Default 6. */
  llHlsWindowSegments: number;
  /** LL-HLS blocking requests (playlist reloads, hinted parts) held at once, relay-wide; more get 503. Env TABCAST_LLHLS_MAX_BLOCKING. Default 4000. */
  llHlsMaxBlockingRequests: number;
  /** Longest an LL-HLS blocking request is held before a 503, ms. Env TABCAST_LLHLS_BLOCKING_TIMEOUT_MS. Default 3 × the segment target. */
  llHlsBlockingTimeoutMs: number;
  /** AAC bitrate FFmpeg encodes the Opus audio to, bits/s. Default 128000. */
  aacBitrate: number;
  /** Largest WebSocket message accepted, bytes. Env TABCAST_MAX_MESSAGE_BYTES. Default 4 MiB. */
  maxMessageBytes: number;
  /** A publisher must send hello within this, ms. Default 5000. */
  handshakeTimeoutMs: number;
  /** Bytes queued towards FFmpeg per stream before whole GOPs are dropped. Env TABCAST_MAX_QUEUE_BYTES. Default 16 MiB. */
  maxQueueBytes: number;
  /** How long a stream waits for its dropped publisher to reconnect, ms. Env TABCAST_RECONNECT_GRACE_MS. Default 15000. */
  reconnectGraceMs: number;
  /** How long FFmpeg may take to finish after its input ends before it is killed, ms. Default 5000. */
  ffmpegExitTimeoutMs: number;
  /** How long an ended stream's HLS files and listing are kept, ms. Env TABCAST_ENDED_RETENTION_MS. Default 10 min. */
  endedRetentionMs: number;
  /** Log level. Env TABCAST_LOG (debug | info | warn | error). Default info. */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** A publish socket with no message for this long is closed, ms. Env TABCAST_IDLE_TIMEOUT_MS. Default 20000. */
  idleTimeoutMs: number;
  /** Highest ingest rate per publisher over a 3 s window, bits/s. Env TABCAST_MAX_BITRATE. Default 20 Mbps. */
  maxBitrate: number;
  /** Highest video frame rate per publisher over a 3 s window. Env TABCAST_MAX_FRAME_RATE. Default 120. */
  maxFrameRate: number;
  /** Live streams one key may publish at once. Env TABCAST_MAX_STREAMS_PER_KEY. Default 1. */
  maxStreamsPerKey: number;
  /**
   * Publish sockets from one address (an IPv6 /64) at once: a budget of its own, so viewers behind
   * the same NAT never block the broadcaster's reconnect. Env TABCAST_MAX_PUBLISH_CONNECTIONS_PER_IP. Default 10.
   */
  maxPublishConnectionsPerIp: number;
  /**
   * Viewer sockets (events and real-time watch; a watch page opens 2) from one address (an IPv6 /64)
   * at once. Large, for offices behind one NAT. Env TABCAST_MAX_VIEWER_CONNECTIONS_PER_IP. Default 500.
   */
  maxViewerConnectionsPerIp: number;
  /** Real-time viewer sockets per stream. Env TABCAST_MAX_VIEWERS_PER_STREAM. Default 1000. */
  maxViewersPerStream: number;
  /** Viewer sockets (events and real-time watch) on the whole relay. Env TABCAST_MAX_VIEWER_CONNECTIONS. Default 5000. */
  maxViewerConnections: number;
  /** Stream-key checks running or waiting for one address (an IPv6 /64) at once. Env TABCAST_MAX_KEY_CHECKS_PER_ADDRESS. Default 4. */
  maxKeyChecksPerAddress: number;
  /**
   * Token that opens the operator surfaces: /api/admin, /api/metrics, the dashboard's data socket and
   * the log stream (`Authorization: Bearer <token>`, or `?token=` where a browser cannot set headers).
   * Env TABCAST_ADMIN_TOKEN (≥ 16 characters). Default none: they then answer only requests from
   * loopback that came through no proxy.
   */
  adminToken: string | null;
  /**
   * Host names RTMP destinations may push to: exact names, or "*.example.com" for its subdomains.
   * Env TABCAST_DESTINATION_HOSTS, comma-separated. Default empty: any host.
   */
  destinationHosts: readonly string[];
  /**
   * Browser origins allowed to open sockets, besides the relay's own (same host) and publicUrl.
   * Env TABCAST_ALLOWED_ORIGINS, comma-separated; "*" allows any. Default none extra.
   * Clients that send no Origin (not browsers) are let through: the stream key guards publishing.
   */
  allowedOrigins: readonly string[];
  /** An HTTP request's headers must arrive within this (slow-loris guard), ms. Env TABCAST_HEADERS_TIMEOUT_MS. Default 10000. */
  headersTimeoutMs: number;
  /** FFmpeg fed but silent (no progress) this long is restarted, ms. Env TABCAST_FFMPEG_STALL_MS. Default 10000. */
  ffmpegStallTimeoutMs: number;
  /** FFmpeg restarts allowed per stream within a minute before the stream fails. Default 5. */
  ffmpegMaxRestartsPerMinute: number;
  /** First FFmpeg restart delay, doubled for each further one within a minute, ms. Default 250. */
  ffmpegRestartDelayMs: number;
  /** How far audio and video may drift apart before the stream is refused (bounds muxer memory), ms. Default 5000. */
  maxTrackSkewMs: number;
  /** Retries of a failing RTMP destination before it is marked failed. Env TABCAST_DESTINATION_RETRY_ATTEMPTS. Default 5. */
  destinationRetryAttempts: number;
  /** Delay between destination retries (±25 % jitter), ms. Env TABCAST_DESTINATION_RETRY_DELAY_MS. Default 2000. */
  destinationRetryDelayMs: number;
  /** Below this much free space on the data folder's disk, live streams end and new ones are refused, bytes. Env TABCAST_MIN_FREE_DISK_BYTES. Default 256 MiB. */
  minFreeDiskBytes: number;
  /** Most the data folder may hold (HLS, keys), bytes; 0 means no quota. Env TABCAST_DATA_QUOTA_BYTES. Default 0. */
  dataQuotaBytes: number;
  /** How often free space and the quota are checked, ms. Env TABCAST_DISK_CHECK_INTERVAL_MS. Default 1000. */
  diskCheckIntervalMs: number;
  /** An RTMP destination must connect, handshake and accept the publish within this, ms. Env TABCAST_RTMP_CONNECT_TIMEOUT_MS. Default 10000. */
  rtmpConnectTimeoutMs: number;
  /**
   * Reverse proxies of yours in front of the relay: the client address is the X-Forwarded-For entry
   * this many places from the right (the one your outermost proxy appended; entries further left are
   * whatever the client wrote). Env TABCAST_TRUST_PROXY: 0/false (off), 1/true (one proxy) or a count.
   * Default 0: the socket's address.
   */
  trustProxyHops: number;
  /**
   * How far behind the stream a real-time viewer may fall, in media time, before it skips to the
   * next keyframe (measured from the viewer's reports, kernel buffers included; for a viewer that
   * does not report, its unsent bytes at the stream's bitrate). Env TABCAST_VIEWER_MAX_LAG_MS. Default 1000.
   */
  viewerMaxLagMs: number;
  /**
   * Largest GOP kept for real-time viewers who join (they get it at once, so the first frame shows
   * without waiting for the next keyframe); 0 turns the cache off. Env TABCAST_GOP_CACHE_BYTES. Default 8 MiB.
   */
  gopCacheBytes: number;
  /** RTMP chunk size the relay sends to destinations with (128–65536). Env TABCAST_RTMP_CHUNK_SIZE. Default 4096. */
  rtmpChunkSize: number;
  /** Key for destination stream keys stored on the relay (32 bytes, hex or base64). Env TABCAST_SECRET. Default: <dataDir>/secret.key, made on first use. */
  secret: string | null;
  // ── operations (docs/observability.md) ──
  /** Serve /api/metrics on this port (same bind address) instead of the main one. Env TABCAST_METRICS_PORT. Default none (main port). */
  metricsPort: number | null;
  /** How often the dashboard socket pushes figures, ms. Env TABCAST_DASHBOARD_PUSH_MS. Default 2000. */
  dashboardPushMs: number;
  /** Event-loop delay (p99 over the last second) that makes the relay degraded / unhealthy, ms. Env TABCAST_HEALTH_LAG_DEGRADED_MS / _UNHEALTHY_MS. Default 100 / 1000. */
  healthLagDegradedMs: number;
  healthLagUnhealthyMs: number;
  /**
   * Heap used against the heap limit that makes the relay degraded / unhealthy, %. Degraded frees
   * the GOP caches of unwatched streams; unhealthy also refuses new streams (close 4503).
   * Env TABCAST_HEALTH_HEAP_DEGRADED_PERCENT / _UNHEALTHY_PERCENT. Default 80 / 90.
   */
  healthHeapDegradedPercent: number;
  healthHeapUnhealthyPercent: number;
  /**
   * Machine CPU use (all cores, mean of the last 3 s) that makes the relay degraded / unhealthy, %.
   * Degraded asks every studio to step down one quality level. Env TABCAST_HEALTH_CPU_DEGRADED_PERCENT / _UNHEALTHY_PERCENT. Default 85 / 97.
   */
  healthCpuDegradedPercent: number;
  healthCpuUnhealthyPercent: number;
  /** Whether high CPU asks studios to step down (the health issue is raised either way). Env TABCAST_HEALTH_QUALITY_ACTION=off turns it off (benchmarks measure a fixed quality). Default on. */
  healthQualityAction: boolean;
  /** Free space in the data folder below which the relay is degraded / unhealthy, MiB. Env TABCAST_HEALTH_DISK_DEGRADED_MIB / _UNHEALTHY_MIB. Default 1024 / 100. */
  healthDiskDegradedMiB: number;
  healthDiskUnhealthyMiB: number;
  /** A stream whose ingest fps stays below this % of its studio's target fps is flagged (low fps). Env TABCAST_HEALTH_LOW_FPS_PERCENT. Default 80. */
  healthLowFpsPercent: number;
  /** …for at least this long, ms. Env TABCAST_HEALTH_LOW_FPS_FOR_MS. Default 5000. */
  healthLowFpsForMs: number;
  /** The same automatic action (quality step-down per stream, cache freeing) is not repeated within this, ms. Env TABCAST_HEALTH_ACTION_COOLDOWN_MS. Default 30000. */
  healthActionCooldownMs: number;
  /** Record every broadcast (a studio may still opt out per broadcast). Env TABCAST_RECORDING (on|off). Default on. */
  recordingEnabled: boolean;
  /** Recording stops (the broadcast goes on) once all recordings take this many bytes; 0: no quota. Env TABCAST_RECORDING_QUOTA_BYTES. Default 0. */
  recordingQuotaBytes: number;
  /** Finished recordings older than this are removed, ms; 0: kept. Env TABCAST_RECORDING_RETENTION_MS. Default 30 days. */
  recordingRetentionMs: number;
  /** While finished recordings take more than this, the oldest are removed, bytes; 0: no limit. Env TABCAST_RECORDING_MAX_TOTAL_BYTES. Default 0. */
  recordingMaxTotalBytes: number;
  /** A chunk waiting this long for the recording disk means it is too slow: new chunks are dropped (a gap), ms. Env TABCAST_RECORDING_MAX_QUEUE_MS. Default 5000. */
  recordingMaxQueueMs: number;
  /** The recording is fsynced and acknowledged to the studio this often, ms. Env TABCAST_RECORDING_ACK_INTERVAL_MS. Default 250. */
  recordingAckIntervalMs: number;
}

export const RELAY_DEFAULTS = Object.freeze({
  port: 8080,
  host: '0.0.0.0',
  dataDir: path.join(repoRoot, '.data'),
  webDir: path.join(repoRoot, 'apps/web/dist'),
  ffmpegPath: 'ffmpeg',
  seedStreamKey: null,
  hlsTimeSec: 2,
  hlsListSize: 5,
  llHlsPartTargetMs: 200,
  llHlsSegmentTargetMs: 2_000,
  llHlsWindowSegments: 6,
  llHlsMaxBlockingRequests: 4_000,
  llHlsBlockingTimeoutMs: 6_000,
  aacBitrate: 128_000,
  maxMessageBytes: LIMITS.maxMessageBytes,
  handshakeTimeoutMs: 5_000,
  maxQueueBytes: 16 * 1024 * 1024,
  reconnectGraceMs: 15_000,
  ffmpegExitTimeoutMs: 5_000,
  endedRetentionMs: 10 * 60_000,
  logLevel: 'info',
  idleTimeoutMs: 20_000,
  maxBitrate: 20_000_000,
  maxFrameRate: 120,
  maxStreamsPerKey: 1,
  maxPublishConnectionsPerIp: 10,
  maxViewerConnectionsPerIp: 500,
  maxViewersPerStream: 1000,
  maxViewerConnections: 5000,
  maxKeyChecksPerAddress: 4,
  adminToken: null,
  destinationHosts: [],
  allowedOrigins: [],
  headersTimeoutMs: 10_000,
  ffmpegStallTimeoutMs: 10_000,
  ffmpegMaxRestartsPerMinute: 5,
  ffmpegRestartDelayMs: 250,
  maxTrackSkewMs: 5_000,
  destinationRetryAttempts: 5,
  destinationRetryDelayMs: 2_000,
  rtmpConnectTimeoutMs: 10_000,
  minFreeDiskBytes: 256 * 1024 * 1024,
  dataQuotaBytes: 0,
  diskCheckIntervalMs: 1_000,
  secret: null,
  trustProxyHops: 0,
  viewerMaxLagMs: 1_000,
  gopCacheBytes: 8 << 20,
  rtmpChunkSize: 4096,
  metricsPort: null,
  dashboardPushMs: 2_000,
  healthLagDegradedMs: 100,
  healthLagUnhealthyMs: 1_000,
  healthHeapDegradedPercent: 80,
  healthHeapUnhealthyPercent: 90,
  healthCpuDegradedPercent: 85,
  healthCpuUnhealthyPercent: 97,
  healthQualityAction: true,
  healthDiskDegradedMiB: 1_024,
  healthDiskUnhealthyMiB: 100,
  healthLowFpsPercent: 80,
  healthLowFpsForMs: 5_000,
  healthActionCooldownMs: 30_000,
  recordingEnabled: true,
  recordingQuotaBytes: 0,
  recordingRetentionMs: 30 * 24 * 3_600_000,
  recordingMaxTotalBytes: 0,
  recordingMaxQueueMs: 5_000,
  recordingAckIntervalMs: 250,
} as const satisfies Omit<RelayConfig, 'publicUrl'>);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
  }
  return n;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1'].includes(raw)) return true;
  if (['off', 'false', '0'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off; got "${raw}"`);
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((x) => x.trim()).filter(Boolean);
}

/** Validates overrides and environment into a complete config; throws ConfigError naming the bad setting. */
export function resolveConfig(overrides: Partial<RelayConfig> = {}, env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const logLevel = (env.TABCAST_LOG ?? RELAY_DEFAULTS.logLevel) as RelayConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`TABCAST_LOG must be one of debug, info, warn, error; got "${logLevel}"`);
  }
  const port = overrides.port ?? int(env, 'PORT', RELAY_DEFAULTS.port, 0, 65535);
  const config: RelayConfig = {
    ...RELAY_DEFAULTS,
    port,
    host: env.HOST || RELAY_DEFAULTS.host,
    publicUrl: (env.TABCAST_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    dataDir: path.resolve(env.TABCAST_DATA_DIR || RELAY_DEFAULTS.dataDir),
    webDir: path.resolve(env.TABCAST_WEB_DIR || RELAY_DEFAULTS.webDir),
    ffmpegPath: env.FFMPEG_PATH || RELAY_DEFAULTS.ffmpegPath,
    seedStreamKey: env.TABCAST_STREAM_KEY || null,
    hlsTimeSec: int(env, 'TABCAST_HLS_TIME', RELAY_DEFAULTS.hlsTimeSec, 1, 10),
    hlsListSize: int(env, 'TABCAST_HLS_LIST_SIZE', RELAY_DEFAULTS.hlsListSize, 2, 1000),
    llHlsPartTargetMs: int(env, 'TABCAST_LLHLS_PART_TARGET_MS', RELAY_DEFAULTS.llHlsPartTargetMs, 100, 2_000),
    llHlsSegmentTargetMs: int(env, 'TABCAST_LLHLS_SEGMENT_TARGET_MS', RELAY_DEFAULTS.llHlsSegmentTargetMs, 1_000, 10_000),
    llHlsWindowSegments: int(env, 'TABCAST_LLHLS_WINDOW_SEGMENTS', RELAY_DEFAULTS.llHlsWindowSegments, 3, 100),
    llHlsMaxBlockingRequests: int(env, 'TABCAST_LLHLS_MAX_BLOCKING', RELAY_DEFAULTS.llHlsMaxBlockingRequests, 1, 1_000_000),
    llHlsBlockingTimeoutMs: int(env, 'TABCAST_LLHLS_BLOCKING_TIMEOUT_MS', 3 * int(env, 'TABCAST_LLHLS_SEGMENT_TARGET_MS', RELAY_DEFAULTS.llHlsSegmentTargetMs, 1_000, 10_000), 500, 60_000),
    maxMessageBytes: int(env, 'TABCAST_MAX_MESSAGE_BYTES', RELAY_DEFAULTS.maxMessageBytes, 64 * 1024, 64 * 1024 * 1024),
    maxQueueBytes: int(env, 'TABCAST_MAX_QUEUE_BYTES', RELAY_DEFAULTS.maxQueueBytes, 1024 * 1024, 1024 * 1024 * 1024),
    reconnectGraceMs: int(env, 'TABCAST_RECONNECT_GRACE_MS', RELAY_DEFAULTS.reconnectGraceMs, 0, 600_000),
    endedRetentionMs: int(env, 'TABCAST_ENDED_RETENTION_MS', RELAY_DEFAULTS.endedRetentionMs, 0, 7 * 24 * 3_600_000),
    logLevel,
    handshakeTimeoutMs: int(env, 'TABCAST_HANDSHAKE_TIMEOUT_MS', RELAY_DEFAULTS.handshakeTimeoutMs, 100, 120_000),
    idleTimeoutMs: int(env, 'TABCAST_IDLE_TIMEOUT_MS', RELAY_DEFAULTS.idleTimeoutMs, 1_000, 600_000),
    maxBitrate: int(env, 'TABCAST_MAX_BITRATE', RELAY_DEFAULTS.maxBitrate, 100_000, 1_000_000_000),
    maxFrameRate: int(env, 'TABCAST_MAX_FRAME_RATE', RELAY_DEFAULTS.maxFrameRate, 1, 1000),
    maxStreamsPerKey: int(env, 'TABCAST_MAX_STREAMS_PER_KEY', RELAY_DEFAULTS.maxStreamsPerKey, 1, 1000),
    // TABCAST_MAX_CONNECTIONS_PER_IP (the older single budget) still sets both when the new ones are unset.
    maxPublishConnectionsPerIp: int(env, 'TABCAST_MAX_PUBLISH_CONNECTIONS_PER_IP', int(env, 'TABCAST_MAX_CONNECTIONS_PER_IP', RELAY_DEFAULTS.maxPublishConnectionsPerIp, 1, 1_000_000), 1, 1_000_000),
    maxViewerConnectionsPerIp: int(env, 'TABCAST_MAX_VIEWER_CONNECTIONS_PER_IP', int(env, 'TABCAST_MAX_CONNECTIONS_PER_IP', RELAY_DEFAULTS.maxViewerConnectionsPerIp, 1, 1_000_000), 1, 1_000_000),
    maxViewersPerStream: int(env, 'TABCAST_MAX_VIEWERS_PER_STREAM', RELAY_DEFAULTS.maxViewersPerStream, 1, 1_000_000),
    maxViewerConnections: int(env, 'TABCAST_MAX_VIEWER_CONNECTIONS', RELAY_DEFAULTS.maxViewerConnections, 1, 10_000_000),
    maxKeyChecksPerAddress: int(env, 'TABCAST_MAX_KEY_CHECKS_PER_ADDRESS', RELAY_DEFAULTS.maxKeyChecksPerAddress, 1, 1000),
    adminToken: env.TABCAST_ADMIN_TOKEN || null,
    destinationHosts: list(env.TABCAST_DESTINATION_HOSTS).map((h) => h.toLowerCase()),
    allowedOrigins: list(env.TABCAST_ALLOWED_ORIGINS).map((o) => o.replace(/\/+$/, '')),
    headersTimeoutMs: int(env, 'TABCAST_HEADERS_TIMEOUT_MS', RELAY_DEFAULTS.headersTimeoutMs, 500, 600_000),
    ffmpegStallTimeoutMs: int(env, 'TABCAST_FFMPEG_STALL_MS', RELAY_DEFAULTS.ffmpegStallTimeoutMs, 1_000, 600_000),
    destinationRetryAttempts: int(env, 'TABCAST_DESTINATION_RETRY_ATTEMPTS', RELAY_DEFAULTS.destinationRetryAttempts, 0, 1000),
    destinationRetryDelayMs: int(env, 'TABCAST_DESTINATION_RETRY_DELAY_MS', RELAY_DEFAULTS.destinationRetryDelayMs, 100, 600_000),
    rtmpConnectTimeoutMs: int(env, 'TABCAST_RTMP_CONNECT_TIMEOUT_MS', RELAY_DEFAULTS.rtmpConnectTimeoutMs, 1_000, 120_000),
    minFreeDiskBytes: int(env, 'TABCAST_MIN_FREE_DISK_BYTES', RELAY_DEFAULTS.minFreeDiskBytes, 0, Number.MAX_SAFE_INTEGER),
    dataQuotaBytes: int(env, 'TABCAST_DATA_QUOTA_BYTES', RELAY_DEFAULTS.dataQuotaBytes, 0, Number.MAX_SAFE_INTEGER),
    diskCheckIntervalMs: int(env, 'TABCAST_DISK_CHECK_INTERVAL_MS', RELAY_DEFAULTS.diskCheckIntervalMs, 100, 60_000),
    secret: env.TABCAST_SECRET || null,
    // Below 500 ms a viewer's own reports (every 250 ms) read as lag: at 250 it was skipped to
    // keyframe after keyframe and showed nothing (perf:configs, pipeline table).
    viewerMaxLagMs: int(env, 'TABCAST_VIEWER_MAX_LAG_MS', RELAY_DEFAULTS.viewerMaxLagMs, 500, 60_000),
    gopCacheBytes: int(env, 'TABCAST_GOP_CACHE_BYTES', RELAY_DEFAULTS.gopCacheBytes, 0, 256 << 20),
    rtmpChunkSize: int(env, 'TABCAST_RTMP_CHUNK_SIZE', RELAY_DEFAULTS.rtmpChunkSize, 128, 65_536),
    trustProxyHops: env.TABCAST_TRUST_PROXY === 'true' ? 1 : env.TABCAST_TRUST_PROXY === 'false' ? 0 : int(env, 'TABCAST_TRUST_PROXY', RELAY_DEFAULTS.trustProxyHops, 0, 10),
    metricsPort: env.TABCAST_METRICS_PORT ? int(env, 'TABCAST_METRICS_PORT', 0, 0, 65535) : null,
    dashboardPushMs: int(env, 'TABCAST_DASHBOARD_PUSH_MS', RELAY_DEFAULTS.dashboardPushMs, 250, 60_000),
    healthLagDegradedMs: int(env, 'TABCAST_HEALTH_LAG_DEGRADED_MS', RELAY_DEFAULTS.healthLagDegradedMs, 1, 60_000),
    healthLagUnhealthyMs: int(env, 'TABCAST_HEALTH_LAG_UNHEALTHY_MS', RELAY_DEFAULTS.healthLagUnhealthyMs, 1, 60_000),
    healthHeapDegradedPercent: int(env, 'TABCAST_HEALTH_HEAP_DEGRADED_PERCENT', RELAY_DEFAULTS.healthHeapDegradedPercent, 1, 100),
    healthHeapUnhealthyPercent: int(env, 'TABCAST_HEALTH_HEAP_UNHEALTHY_PERCENT', RELAY_DEFAULTS.healthHeapUnhealthyPercent, 1, 100),
    healthCpuDegradedPercent: int(env, 'TABCAST_HEALTH_CPU_DEGRADED_PERCENT', RELAY_DEFAULTS.healthCpuDegradedPercent, 1, 100),
    healthCpuUnhealthyPercent: int(env, 'TABCAST_HEALTH_CPU_UNHEALTHY_PERCENT', RELAY_DEFAULTS.healthCpuUnhealthyPercent, 1, 100),
    healthQualityAction: env.TABCAST_HEALTH_QUALITY_ACTION !== 'off' && env.TABCAST_HEALTH_QUALITY_ACTION !== '0',
    healthDiskDegradedMiB: int(env, 'TABCAST_HEALTH_DISK_DEGRADED_MIB', RELAY_DEFAULTS.healthDiskDegradedMiB, 0, 1 << 30),
    healthDiskUnhealthyMiB: int(env, 'TABCAST_HEALTH_DISK_UNHEALTHY_MIB', RELAY_DEFAULTS.healthDiskUnhealthyMiB, 0, 1 << 30),
    healthLowFpsPercent: int(env, 'TABCAST_HEALTH_LOW_FPS_PERCENT', RELAY_DEFAULTS.healthLowFpsPercent, 1, 100),
    healthLowFpsForMs: int(env, 'TABCAST_HEALTH_LOW_FPS_FOR_MS', RELAY_DEFAULTS.healthLowFpsForMs, 0, 600_000),
    healthActionCooldownMs: int(env, 'TABCAST_HEALTH_ACTION_COOLDOWN_MS', RELAY_DEFAULTS.healthActionCooldownMs, 0, 3_600_000),
    recordingEnabled: onOff(env, 'TABCAST_RECORDING', RELAY_DEFAULTS.recordingEnabled),
    recordingQuotaBytes: int(env, 'TABCAST_RECORDING_QUOTA_BYTES', RELAY_DEFAULTS.recordingQuotaBytes, 0, Number.MAX_SAFE_INTEGER),
    recordingRetentionMs: int(env, 'TABCAST_RECORDING_RETENTION_MS', RELAY_DEFAULTS.recordingRetentionMs, 0, 10 * 365 * 24 * 3_600_000),
    recordingMaxTotalBytes: int(env, 'TABCAST_RECORDING_MAX_TOTAL_BYTES', RELAY_DEFAULTS.recordingMaxTotalBytes, 0, Number.MAX_SAFE_INTEGER),
    recordingMaxQueueMs: int(env, 'TABCAST_RECORDING_MAX_QUEUE_MS', RELAY_DEFAULTS.recordingMaxQueueMs, 100, 600_000),
    recordingAckIntervalMs: int(env, 'TABCAST_RECORDING_ACK_INTERVAL_MS', RELAY_DEFAULTS.recordingAckIntervalMs, 50, 10_000),
    ...overrides,
  };
  try {
    if (!/^https?:$/.test(new URL(config.publicUrl).protocol)) throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`TABCAST_PUBLIC_URL must be an http(s) URL like https://live.example.com; got "${config.publicUrl}"`);
  }
  if (config.adminToken !== null && config.adminToken.length < 16) {
    throw new ConfigError('TABCAST_ADMIN_TOKEN must be at least 16 characters (make one with: openssl rand -hex 24)');
  }
  const badHost = config.destinationHosts.find((h) => !/^(\*\.)?[a-z0-9.-]+$/.test(h));
  if (badHost !== undefined) throw new ConfigError(`TABCAST_DESTINATION_HOSTS: "${badHost}" is not a host name or *.domain`);
  if (config.seedStreamKey !== null && config.seedStreamKey.length < 8) {
    throw new ConfigError('TABCAST_STREAM_KEY must be at least 8 characters');
  }
  for (const [degraded, unhealthy, name] of [
    [config.healthLagDegradedMs, config.healthLagUnhealthyMs, 'TABCAST_HEALTH_LAG'],
    [config.healthHeapDegradedPercent, config.healthHeapUnhealthyPercent, 'TABCAST_HEALTH_HEAP'],
    [config.healthCpuDegradedPercent, config.healthCpuUnhealthyPercent, 'TABCAST_HEALTH_CPU'],
  ] as const) {
    if (unhealthy < degraded) throw new ConfigError(`${name}_UNHEALTHY_* (${unhealthy}) must not be below ${name}_DEGRADED_* (${degraded})`);
  }
  if (config.llHlsPartTargetMs * 3 > config.llHlsSegmentTargetMs) {
    throw new ConfigError(`TABCAST_LLHLS_PART_TARGET_MS (${config.llHlsPartTargetMs}) must be at most a third of TABCAST_LLHLS_SEGMENT_TARGET_MS (${config.llHlsSegmentTargetMs})`);
  }
  if (config.healthDiskUnhealthyMiB > config.healthDiskDegradedMiB) {
    throw new ConfigError(`TABCAST_HEALTH_DISK_UNHEALTHY_MIB (${config.healthDiskUnhealthyMiB}) must not be above TABCAST_HEALTH_DISK_DEGRADED_MIB (${config.healthDiskDegradedMiB})`);
  }
  return Object.freeze(config);
}
