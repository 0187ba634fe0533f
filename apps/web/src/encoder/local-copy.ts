/**
 * The studio's own copy of a broadcast (issue 12, "local recording"): the encoder's chunks, as they
 * come out (sent or not), muxed in the browser by mediabunny into an MP4 the broadcaster saves at
 * the end. H.264 and Opus as encoded, nothing re-encoded. It starts at the first video keyframe.
 * Held in memory until saved (fast start: the index goes first, so it must be built at the end):
 * about 19 MB a minute at 2.5 Mbps; past `maxBytes` it stops and says why.
 */
import { BufferTarget, EncodedAudioPacketSource, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output } from 'mediabunny';
import type { AudioConfig, ChunkMessage, VideoConfig } from '@tabcast/shared';

export type LocalCopyState = 'waiting-for-keyframe' | 'recording' | 'full' | 'failed' | 'finished';

export class LocalCopy {
  state: LocalCopyState = 'waiting-for-keyframe';
  /** Why it stopped early, in words. */
  problem: string | null = null;
  private output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
  private video = new EncodedVideoPacketSource('avc');
  private audio: EncodedAudioPacketSource | null;
  private started: Promise<void>;
  /** Packets go in one at a time, in order (mediabunny wants each add awaited). */
  private chain: Promise<void> = Promise.resolve();
  private originUs = 0;
  private bytes = 0;
  private lastTs = { video: -1, audio: -1 };
  private audioConfig: AudioConfig | null = null;
  private audioStarted = false;
  private videoStarted = false;

  constructor(hasAudio: boolean, private maxBytes: number) {
    this.output.addVideoTrack(this.video);
    this.audio = hasAudio ? new EncodedAudioPacketSource('opus') : null;
    if (this.audio) this.output.addAudioTrack(this.audio);
    this.started = this.output.start();
  }

  /** One encoded chunk (its `config` where the encoder attached one). */
  add(chunk: ChunkMessage): void {
    if (chunk.track === 'audio' && chunk.config) this.audioConfig = chunk.config as AudioConfig;
    if (this.state === 'waiting-for-keyframe') {
      if (chunk.track !== 'video' || !chunk.key || !chunk.config) return;
      this.state = 'recording';
      this.originUs = chunk.timestampUs;
    }
    if (this.state !== 'recording') return;
    const ts = chunk.timestampUs - this.originUs;
    if (ts < 0 || ts <= this.lastTs[chunk.track]) return;
    if (chunk.track === 'audio' && (!this.audio || !this.audioConfig)) return;
    this.lastTs[chunk.track] = ts;
    this.bytes += chunk.data.byteLength;
    if (this.bytes > this.maxBytes) {
      this.state = 'full';
      this.problem = `the local copy stopped at ${Math.round(this.maxBytes / 1e6)} MB (it is held in memory until saved); the relay's recording goes on`;
      return;
    }
    const packet = new EncodedPacket(chunk.data, chunk.key ? 'key' : 'delta', ts / 1e6, chunk.durationUs / 1e6);
    // Each track's decoder config goes with its first packet only.
    const config = chunk.track === 'video' ? (this.videoStarted ? undefined : (chunk.config as VideoConfig)) : this.audioStarted ? undefined : this.audioConfig;
    if (chunk.track === 'video') this.videoStarted = true;
    else this.audioStarted = true;
    this.chain = this.chain
      .then(() => this.started)
      .then(() =>
        chunk.track === 'video'
          ? this.video.add(packet, config ? { decoderConfig: { codec: config.codec, codedWidth: (config as VideoConfig).codedWidth, codedHeight: (config as VideoConfig).codedHeight, description: (config as VideoConfig).description } } : undefined)
          : this.audio!.add(packet, config ? { decoderConfig: { codec: 'opus', sampleRate: (config as AudioConfig).sampleRate, numberOfChannels: (config as AudioConfig).numberOfChannels, ...((config as AudioConfig).description ? { description: (config as AudioConfig).description } : {}) } } : undefined),
      )
      .catch((err: Error) => {
        if (this.state === 'recording') {
          this.state = 'failed';
          this.problem = `the local copy failed: ${err.message}`;
        }
      });
  }

  /** Finishes the MP4; null when nothing was recorded or it failed. */
  async finish(): Promise<Blob | null> {
    await this.chain;
    if (this.state === 'waiting-for-keyframe' || this.state === 'failed') {
      await this.output.cancel().catch(() => undefined);
      return null;
    }
    try {
      await this.output.finalize();
    } catch (err) {
      this.state = 'failed';
      this.problem = `the local copy could not be finished: ${(err as Error).message}`;
      return null;
    }
    this.state = 'finished';
    const buffer = (this.output.target as BufferTarget).buffer;
    return buffer ? new Blob([buffer], { type: 'video/mp4' }) : null;
  }
}
