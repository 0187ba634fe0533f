/**
 * A small RTMP(S) publish client: FFmpeg writes FLV to a pipe, and the relay itself pushes it to
 * the destination, so a destination's stream key never appears on any process's command line or
 * environment (issue 9, item 5). Handshake (simple, version 3), connect, releaseStream, FCPublish,
 * createStream, publish; then every FLV tag becomes one RTMP message (script data as
 * `@setDataFrame`, as FFmpeg's own RTMP client sends it). rtmps:// goes through tls.connect.
 *
 * Errors are thrown in words and never contain the stream key.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import { decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from './amf0.ts';
import { ChunkReader, MSG, encodeMessage, type RtmpMessage } from './chunk-stream.ts';
import { FlvTagReader } from './flv-tags.ts';

export interface RtmpTarget {
  /** Server URL without the key: rtmp[s]://host[:port]/app[/instance]. */
  url: string;
  /** The stream name to publish (the secret). */
  streamKey: string;
}

export interface RtmpPublisherOptions {
  /** Connecting, handshake and publish must be done within this, ms. */
  connectTimeoutMs: number;
  /** Chunk size we send with, bytes. Default 4096. */
  chunkSize?: number;
  /** Extra TLS options for rtmps:// (tests pass their own CA). Default: the system's CAs. */
  tls?: Pick<tls.ConnectionOptions, 'ca'>;
}

const HANDSHAKE_BYTES = 1536;
const CSID = { control: 2, command: 3, audio: 4, video: 6, data: 5 } as const;

export class RtmpError extends Error {
  override name = 'RtmpError';
}

type PublisherState = 'connecting' | 'handshake' | 'publishing' | 'live' | 'closing' | 'closed';

interface Parsed {
  secure: boolean;
  host: string;
  port: number;
  app: string;
  tcUrl: string;
}

export function parseRtmpUrl(url: string): Parsed {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RtmpError('the destination URL is not a valid rtmp:// or rtmps:// URL');
  }
  const secure = u.protocol === 'rtmps:';
  if (!secure && u.protocol !== 'rtmp:') throw new RtmpError(`the destination URL must start with rtmp:// or rtmps://, not ${u.protocol}//`);
  // A query (some services put a token there) belongs to the application name, as FFmpeg sends it.
  const app = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) + u.search;
  if (!app) throw new RtmpError('the destination URL names no application (rtmp://host/app)');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { secure, host, port: u.port ? Number(u.port) : secure ? 443 : 1935, app, tcUrl: `${u.protocol}//${u.host}/${app}` };
}

/**
 * One publish session. `connect()` resolves once the server answered NetStream.Publish.Start;
 * `sink()` is a Writable taking FLV bytes; `closed` rejects with the reason if the session fails.
 */
export class RtmpPublisher {
  state: PublisherState = 'connecting';
  /** Bytes written to the server. */
  bytesSent = 0;
  private socket: net.Socket | null = null;
  private reader = new ChunkReader();
  private chunkSize: number;
  private txn = 0;
  private pending = new Map<number, { resolve: (args: Amf0Value[]) => void; reject: (e: Error) => void }>();
  private publishStatus: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private streamId = 0;
  private windowAck = 0;
  private received = 0;
  private lastAck = 0;
  private failure: Error | null = null;
  private onFail: ((e: Error) => void)[] = [];
  private readonly target: Parsed;

  constructor(private dest: RtmpTarget, private o: RtmpPublisherOptions) {
    this.target = parseRtmpUrl(dest.url);
    this.chunkSize = o.chunkSize ?? 4096;
  }

  /** Where we push, for messages: host and port only. */
  get where(): string {
    return `${this.target.secure ? 'rtmps' : 'rtmp'}://${this.target.host}:${this.target.port}`;
  }

  get live(): boolean {
    return this.state === 'live';
  }

  async connect(): Promise<void> {
    const timer = setTimeout(() => this.fail(new RtmpError(`${this.where} did not accept the stream within ${this.o.connectTimeoutMs / 1000} s`)), this.o.connectTimeoutMs);
    try {
      await this.openSocket();
      await this.handshake();
      this.sendControl(MSG.setChunkSize, u32(this.chunkSize));
      const app = this.target.app;
      await this.call('connect', { app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Tabcast)', tcUrl: this.target.tcUrl });
      this.state = 'publishing';
      this.send('releaseStream', null, this.dest.streamKey);
      this.send('FCPublish', null, this.dest.streamKey);
      const created = await this.call('createStream', null);
      const id = created[3];
      if (typeof id !== 'number') throw new RtmpError(`${this.where} answered createStream without a stream id`);
      this.streamId = id;
      const started = new Promise<void>((resolve, reject) => (this.publishStatus = { resolve, reject }));
      this.sendCommand(CSID.audio, this.streamId, 'publish', 0, null, this.dest.streamKey, 'live');
      await started;
      this.state = 'live';
    } catch (err) {
      this.fail(err as Error);
      throw this.failure!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Registers a callback for the session failing (server closed, error); called at most once. */
  onFailure(cb: (e: Error) => void): void {
    if (this.failure) cb(this.failure);
    else this.onFail.push(cb);
  }

  /** FLV bytes in (FFmpeg's output), RTMP messages out; backpressure follows the socket's. */
  sink(): Writable {
    const flv = new FlvTagReader();
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        try {
          if (this.failure) throw this.failure;
          let ok = true;
          for (const tag of flv.push(chunk)) ok = this.sendTag(tag.type, tag.timestamp, tag.data) && ok;
          if (ok || !this.socket) return done();
          const s = this.socket;
          const go = () => {
            s.off('drain', go);
            s.off('close', go);
            done(this.failure ?? undefined);
          };
          s.on('drain', go);
          s.on('close', go);
        } catch (err) {
          done(err as Error);
        }
      },
      final: (done) => {
        this.finish();
        done();
      },
      destroy: (err, done) => {
        if (err) this.fail(err);
        done(err);
      },
    });
  }

  /** Ends the publish politely (FCUnpublish, deleteStream) and closes the connection. */
  finish(): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    if (this.state === 'live' && this.socket && !this.failure) {
      this.send('FCUnpublish', null, this.dest.streamKey);
      this.send('deleteStream', null, this.streamId);
    }
    this.state = 'closing';
    this.socket?.end();
    this.socket?.once('close', () => (this.state = 'closed'));
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.state = 'closed';
    this.socket?.destroy();
  }

  private sendTag(type: number, timestamp: number, data: Buffer): boolean {
    if (type === MSG.dataAmf0) {
      // FFmpeg's FLV onMetaData becomes @setDataFrame(onMetaData, …), as RTMP encoders send it.
      return this.write({ csid: CSID.data, type, streamId: this.streamId, timestamp, payload: Buffer.concat([encodeAmf0('@setDataFrame'), data]) });
    }
    if (type !== MSG.audio && type !== MSG.video) return true;
    return this.write({ csid: type === MSG.audio ? CSID.audio : CSID.video, type, streamId: this.streamId, timestamp, payload: data });
  }

  private openSocket(): Promise<void> {
    const { host, port, secure } = this.target;
    return new Promise((resolve, reject) => {
      const s = secure ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...this.o.tls }) : net.connect({ host, port });
      this.socket = s;
      s.setNoDelay(true);
      const onError = (err: NodeJS.ErrnoException) => reject(new RtmpError(`could not connect to ${this.where}: ${describeSocketError(err)}`));
      s.once('error', onError);
      // Destroyed before connecting (the connect timeout): settle with the reason.
      s.once('close', () => reject(this.failure ?? new RtmpError(`could not connect to ${this.where}`)));
      s.once(secure ? 'secureConnect' : 'connect', () => {
        s.off('error', onError);
        s.on('error', (err: NodeJS.ErrnoException) => this.fail(new RtmpError(`connection to ${this.where} failed: ${describeSocketError(err)}`)));
        s.on('close', () => {
          if (this.state !== 'closing' && this.state !== 'closed') this.fail(new RtmpError(`${this.where} closed the connection`));
          this.state = 'closed';
        });
        resolve();
      });
    });
  }

  private async handshake(): Promise<void> {
    this.state = 'handshake';
    const s = this.socket!;
    const c1 = Buffer.alloc(HANDSHAKE_BYTES);
    randomBytes(HANDSHAKE_BYTES - 8).copy(c1, 8); // time 0, zero 0 (simple handshake), random
    s.write(Buffer.concat([Buffer.from([3]), c1]));
    const answer = await this.readBytes(1 + 2 * HANDSHAKE_BYTES);
    if (answer[0] !== 3) throw new RtmpError(`${this.where} is not an RTMP server (handshake version ${answer[0]})`);
    s.write(answer.subarray(1, 1 + HANDSHAKE_BYTES)); // C2 echoes S1
    s.on('data', (d: Buffer) => this.onData(d));
  }

  /** Reads exactly `n` bytes during the handshake; anything after them is fed to the chunk reader. */
  private readBytes(n: number): Promise<Buffer> {
    const s = this.socket!;
    return new Promise((resolve, reject) => {
      let got = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.length < n) return;
        cleanup();
        resolve(got.subarray(0, n));
        if (got.length > n) queueMicrotask(() => this.onData(got.subarray(n)));
      };
      const onClose = () => (cleanup(), reject(this.failure ?? new RtmpError(`${this.where} closed the connection during the handshake`)));
      const cleanup = () => (s.off('data', onData), s.off('close', onClose));
      s.on('data', onData);
      s.once('close', onClose);
    });
  }

  private onData(d: Buffer): void {
    this.received += d.length;
    if (this.windowAck && this.received - this.lastAck >= this.windowAck) {
      this.lastAck = this.received;
      this.sendControl(MSG.ack, u32(this.received >>> 0));
    }
    let messages: RtmpMessage[];
    try {
      messages = this.reader.push(d);
    } catch (err) {
      return this.fail(new RtmpError(`${this.where} sent something that is not RTMP: ${(err as Error).message}`));
    }
    for (const m of messages) this.onMessage(m);
  }

  private onMessage(m: RtmpMessage): void {
    if (m.type === MSG.windowAckSize && m.payload.length >= 4) this.windowAck = m.payload.readUInt32BE(0);
    else if (m.type === MSG.userControl && m.payload.length >= 6 && m.payload.readUInt16BE(0) === 6) {
      // Ping request: answer with a ping response carrying the same time.
      const pong = Buffer.alloc(6);
      pong.writeUInt16BE(7, 0);
      m.payload.copy(pong, 2, 2, 6);
      this.sendControl(MSG.userControl, pong);
    } else if (m.type === MSG.commandAmf0) {
      let args: Amf0Value[];
      try {
        args = decodeAmf0(m.payload);
      } catch (err) {
        return this.fail(new RtmpError(`${this.where} sent an unreadable command: ${(err as Error).message}`));
      }
      this.onCommand(args);
    }
  }

  private onCommand(args: Amf0Value[]): void {
    const [name, txn] = args;
    if ((name === '_result' || name === '_error') && typeof txn === 'number') {
      const p = this.pending.get(txn);
      if (!p) return;
      this.pending.delete(txn);
      if (name === '_result') p.resolve(args);
      else p.reject(new RtmpError(`${this.where} refused: ${describeStatus(args[3])}`));
    } else if (name === 'onStatus') {
      const info = args[3] as Amf0Object | undefined;
      const code = typeof info?.code === 'string' ? info.code : '';
      if (code === 'NetStream.Publish.Start') this.publishStatus?.resolve();
      else if (info?.level === 'error' || /Failed|BadName|Rejected|Error/i.test(code)) {
        const err = new RtmpError(`${this.where} refused the stream: ${describeStatus(info)}`);
        if (this.publishStatus && this.state !== 'live') this.publishStatus.reject(err);
        else this.fail(err);
      }
    }
  }

  private call(name: string, ...args: Amf0Value[]): Promise<Amf0Value[]> {
    const txn = ++this.txn;
    return new Promise((resolve, reject) => {
      this.pending.set(txn, { resolve, reject });
      this.sendCommand(CSID.command, 0, name, txn, ...args);
    });
  }

  private send(name: string, ...args: Amf0Value[]): void {
    this.sendCommand(CSID.command, 0, name, ++this.txn, ...args);
  }

  private sendCommand(csid: number, streamId: number, name: string, txn: number, ...args: Amf0Value[]): void {
    this.write({ csid, type: MSG.commandAmf0, streamId, timestamp: 0, payload: encodeAmf0(name, txn, ...args) });
  }

  private sendControl(type: number, payload: Buffer): void {
    this.write({ csid: CSID.control, type, streamId: 0, timestamp: 0, payload });
  }

  private write(m: RtmpMessage): boolean {
    const s = this.socket;
    if (!s || s.destroyed || this.failure) return true;
    const bytes = encodeMessage(m, this.chunkSize);
    this.bytesSent += bytes.length;
    return s.write(bytes);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.publishStatus?.reject(err);
    this.socket?.destroy();
    this.state = 'closed';
    for (const cb of this.onFail.splice(0)) cb(err);
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function describeStatus(info: Amf0Value): string {
  if (info && typeof info === 'object' && !Array.isArray(info)) {
    const code = typeof info.code === 'string' ? info.code : 'an error';
    const text = typeof info.description === 'string' && info.description ? ` (${info.description})` : '';
    return `${code}${text}`;
  }
  return 'no reason given';
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'the server reset the connection';
    default:
      return err.message;
  }
}
