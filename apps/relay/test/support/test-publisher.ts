/**
 * A publisher client speaking the real wire protocol over a real WebSocket: what the studio's
 * encoder worker sends, fed from a {@link Fixture}. Used by relay tests and benchmarks.
 */
import { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  decodeRelayMessage,
  encodeMessage,
  type ChunkMessage,
  type PublisherMessage,
  type RelayMessage,
  type StatsMessage,
  type WelcomeMessage,
} from '@tabcast/shared';
import type { Fixture } from './fixture.ts';

export interface SendOptions {
  /** 'realtime' paces chunks on their timestamps; a number is a speed-up factor; 'burst' sends at once. */
  pace?: 'realtime' | 'burst' | number;
  /** Times to play the fixture back to back (timestamps continue). Default 1. */
  loops?: number;
  /** Added to every timestamp, µs (browsers' clocks do not start at 0). Default 5 s. */
  offsetUs?: number;
  /** Stop early after this much media, µs. */
  maxDurationUs?: number;
  /** Stop early once this returns true (checked before each chunk). */
  until?: () => boolean;
}

export class TestPublisher {
  readonly ws: WebSocket;
  readonly received: RelayMessage[] = [];
  closeCode: number | null = null;
  closeReason = '';
  readonly closed: Promise<void>;
  private nextTs = { video: 0, audio: 0 };

  constructor(relayUrl: string) {
    this.ws = new WebSocket(relayUrl.replace(/^http/, 'ws') + '/ws/publish', { perMessageDeflate: false });
    this.ws.on('message', (data) => this.received.push(decodeRelayMessage(data as Buffer)));
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve();
      }),
    );
    this.ws.on('error', () => undefined);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(message: PublisherMessage): void {
    this.ws.send(encodeMessage(message));
  }

  async hello(key: string, opts: { audio?: boolean; resume?: string; listed?: boolean } = {}): Promise<WelcomeMessage> {
    await this.opened();
    this.send({
      type: 'hello',
      version: PROTOCOL_VERSION,
      key,
      ...(opts.resume ? { resume: opts.resume } : {}),
      ...(opts.listed !== undefined ? { listed: opts.listed } : {}),
      video: { codec: 'avc' },
      audio: opts.audio === false ? null : { codec: 'opus', sampleRate: 48_000, numberOfChannels: 2 },
    });
    return (await this.waitFor('welcome')) as WelcomeMessage;
  }

  waitFor(type: RelayMessage['type'], timeoutMs = 10_000): Promise<RelayMessage> {
    const found = this.received.find((m) => m.type === type);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms (close ${this.closeCode} ${this.closeReason})`)), timeoutMs);
      const onMessage = () => {
        const m = this.received.find((x) => x.type === type);
        if (m) {
          clearTimeout(timer);
          this.ws.off('message', onMessage);
          resolve(m);
        }
      };
      this.ws.on('message', onMessage);
      this.ws.once('close', () => setTimeout(onMessage, 0));
    });
  }

  /** Sends the fixture's video and audio interleaved by timestamp, as the encoder would. */
  async sendFixture(fx: Fixture, o: SendOptions = {}): Promise<{ chunks: number; bytes: number; videoFrames: number }> {
    const { pace = 'realtime', loops = 1, offsetUs = 5_000_000, maxDurationUs = Infinity, until } = o;
    type Item = { track: 'video' | 'audio'; p: Fixture['video']['packets'][number]; loop: number };
    const items: Item[] = [];
    for (let loop = 0; loop < loops; loop++) {
      for (const p of fx.video.packets) items.push({ track: 'video', p, loop });
      for (const p of fx.audio?.packets ?? []) items.push({ track: 'audio', p, loop });
    }
    const ts = (it: Item) => offsetUs + it.loop * fx.durationUs + it.p.timestampUs;
    items.sort((a, b) => ts(a) - ts(b));
    const start = performance.now();
    const firstTs = items.length ? ts(items[0]!) : 0;
    let chunks = 0;
    let bytes = 0;
    let videoFrames = 0;
    for (const it of items) {
      if (this.ws.readyState !== WebSocket.OPEN || until?.()) break;
      const t = ts(it);
      if (t - firstTs > maxDurationUs) break;
      if (pace !== 'burst') {
        const speed = pace === 'realtime' ? 1 : pace;
        const dueMs = (t - firstTs) / 1000 / speed - (performance.now() - start);
        if (dueMs > 1) await new Promise((r) => setTimeout(r, dueMs));
      }
      const config = this.nextTs[it.track] === 0 ? (it.track === 'video' ? fx.video.config : fx.audio!.config) : undefined;
      const msg: ChunkMessage = {
        type: 'chunk',
        track: it.track,
        timestampUs: t,
        durationUs: it.p.durationUs,
        key: it.p.key,
        data: it.p.data,
        ...(config ? { config } : {}),
      };
      this.nextTs[it.track] = t;
      this.ws.send(encodeMessage(msg));
      chunks++;
      if (it.track === 'video') videoFrames++;
      bytes += it.p.data.byteLength;
      // Keep the socket's own buffer bounded, as the studio does.
      while (this.ws.bufferedAmount > 4 * 1024 * 1024 && this.ws.readyState === WebSocket.OPEN) await new Promise((r) => setTimeout(r, 5));
    }
    return { chunks, bytes, videoFrames };
  }

  /** Sends stop and waits for the relay's `ended` (playlist finalised). */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopStats();
    this.send({ type: 'stop' });
    await this.waitFor('ended', timeoutMs);
  }

  private statsTimer: NodeJS.Timeout | null = null;

  /** Sends a `stats` message (protocol 2) now and then once a second, as the studio does. */
  startStats(fields: Partial<Omit<StatsMessage, 'type'>> = {}): void {
    const send = () => {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      this.send({ type: 'stats', captureFps: 30, targetFps: 30, encodeMs: 4.5, droppedEncoder: 0, droppedSocket: 0, encoderQueue: 1, socketBufferedBytes: 0, targetBitrate: 2_500_000, ...fields });
    };
    send();
    this.statsTimer = setInterval(send, 1000);
  }

  stopStats(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
  }

  close(): void {
    this.stopStats();
    this.ws.close();
  }
}
