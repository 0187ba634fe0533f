/** The live figures of one stream (`GET /api/streams/:id`, the dashboard), read from its session. */
import type { OutputFigures, StreamDetail } from '@tabcast/shared';
import type { OutputRunner } from '../outputs/output-runner.ts';
import type { StreamSession } from '../streams/stream-session.ts';
import type { HlsViewerTracker } from './hls-viewers.ts';

function outputFigures(name: string, kind: OutputFigures['kind'], r: OutputRunner): OutputFigures {
  // A runner that ever started FFmpeg has run restarts + 1 times.
  const started = r.state !== 'waiting' || r.restarts > 0;
  return {
    name,
    kind,
    state: r.state,
    queueChunks: r.queue.length,
    queueBytes: r.queue.bytes,
    droppedChunks: r.queue.droppedChunks,
    starts: started ? r.restarts + 1 : 0,
    restarts: r.restarts,
    lastError: r.lastError,
  };
}

/** The stream's outputs: HLS first, then each destination that has a runner. */
export function streamOutputs(s: StreamSession): OutputFigures[] {
  const out = [outputFigures('hls', 'hls', s.hls)];
  for (const d of s.destinations.runners()) if (d.runner) out.push(outputFigures(`rtmp:${d.id}`, 'rtmp', d.runner));
  return out;
}

export function streamDetail(s: StreamSession, hlsViewers: HlsViewerTracker, lowFps: boolean): StreamDetail {
  const outputs = streamOutputs(s);
  const studio = s.figures.studioFigures();
  return {
    ...s.info(),
    viewers: { realtime: s.fanOut.viewerCount, hls: hlsViewers.count(s.id) },
    keyframeIntervalSec: s.figures.keyframeIntervalSec,
    bytesIn: s.figures.bytesIn,
    bytesOutRealtime: s.fanOut.bytesSent,
    memoryBytes: s.fanOut.cachedBytes + outputs.reduce((n, o) => n + o.queueBytes, 0),
    outputs,
    destinations: s.state === 'live' ? s.destinations.status() : [],
    studio: studio ? { captureFps: studio.captureFps, targetFps: studio.targetFps, encodeMs: studio.encodeMs, droppedEncoder: studio.droppedEncoder, droppedSocket: studio.droppedSocket, encoderQueue: studio.encoderQueue, socketBufferedBytes: studio.socketBufferedBytes, targetBitrate: studio.targetBitrate } : null,
    lowFps,
  };
}
