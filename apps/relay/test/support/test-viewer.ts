/** A real-time viewer speaking the viewer protocol over a real WebSocket; counts what it gets. */
import { WebSocket } from 'ws';
import { decodeViewerMessage, encodeMessage, type ViewerMessage } from '@tabcast/shared';

export class TestViewer {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  messages: { at: number; msg: ViewerMessage }[] = [];
  videoFrames = 0;
  keyframes = 0;
  openedAt = 0;
  /** Timestamp of the newest video chunk received, µs. */
  newestVideoTs = 0;

  constructor(relayUrl: string, streamId: string, opts: { keepMessages?: boolean } = {}) {
    this.ws = new WebSocket(`${relayUrl.replace(/^http/, 'ws')}/ws/watch/${streamId}`, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        this.openedAt = performance.now();
        resolve();
      });
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
    this.ws.on('message', (data) => {
      const msg = decodeViewerMessage(data as Buffer);
      if (msg.type === 'chunk' && msg.track === 'video') {
        this.videoFrames++;
        this.newestVideoTs = Math.max(this.newestVideoTs, msg.timestampUs);
        if (msg.key) this.keyframes++;
      }
      if (opts.keepMessages !== false || msg.type !== 'chunk') this.messages.push({ at: performance.now(), msg });
    });
  }

  /** Sends a `viewer-report` (by default: the newest video timestamp received). */
  report(receivedTs = this.newestVideoTs, keyframe?: boolean): void {
    this.ws.send(encodeMessage({ type: 'viewer-report', receivedTs: Math.max(0, Math.round(receivedTs)), ...(keyframe ? { keyframe } : {}) }));
  }

  /** Stops reading from the socket (the relay's send buffer fills up). */
  pause(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }
}
