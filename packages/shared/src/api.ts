/** JSON shapes of the relay's HTTP API and events socket, shared by relay and web. */

export type StreamState = 'live' | 'ended';

/** One entry of `GET /api/streams`. */
export interface StreamInfo {
  id: string;
  state: StreamState;
  /** Absolute-path URL of the HLS playlist, e.g. `/hls/<id>/index.m3u8`. */
  hlsUrl: string;
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
