/**
 * Live Matroska muxing with mediabunny: the browser's encoded chunks, with their own timestamps,
 * become an append-only Matroska byte stream handed to `sink` (FFmpeg's stdin).
 *
 * Caveat (mediabunny's interleaving): a block is written only once every declared track has a
 * packet queued, so a declared audio track must keep flowing (the studio sends silence when muted).
 */
import {
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedVideoPacketSource,
  MkvOutputFormat,
  Output,
  StreamTarget,
  type StreamTargetChunk,
} from 'mediabunny';
import type { AudioConfig, TrackKind, VideoConfig } from '@tabcast/shared';

export interface MuxChunk {
  track: TrackKind;
  /** µs on the muxer's timeline (non-negative, from 0 at the output's first keyframe). */
  timestampUs: number;
  durationUs: number;
  key: boolean;
  data: Uint8Array;
  /** On a video keyframe whose codec configuration differs from the one before: starts a new output run. */
  newVideoConfig?: VideoConfig;
}

export type ByteSink = (bytes: Uint8Array) => Promise<void>;
export type MuxerState = 'pending' | 'started' | 'finalizing' | 'finalized';

export class MkvMuxer {
  state: MuxerState = 'pending';
  private output: Output;
  private video = new EncodedVideoPacketSource('avc');
  private audio: EncodedAudioPacketSource | null;
  private sent = { video: false, audio: false };

  constructor(
    sink: ByteSink,
    hasAudio: boolean,
    private videoConfig: VideoConfig,
    private audioConfig: AudioConfig | null,
  ) {
    const writable = new WritableStream<StreamTargetChunk>({ write: (chunk) => sink(chunk.data) });
    this.output = new Output({
      // Clusters of ≥ 0.5 s keep overhead low while FFmpeg sees data within half a second.
      format: new MkvOutputFormat({ appendOnly: true, minimumClusterDuration: 0.5 }),
      target: new StreamTarget(writable),
    });
    this.output.addVideoTrack(this.video);
    this.audio = hasAudio ? new EncodedAudioPacketSource('opus') : null;
    if (this.audio) this.output.addAudioTrack(this.audio);
  }

  async start(): Promise<void> {
    await this.output.start();
    this.state = 'started';
  }

  /** Adds one chunk; resolves when the muxer (and the sink behind it) can take more. */
  async add(chunk: MuxChunk): Promise<void> {
    if (this.state !== 'started') throw new Error(`muxer is ${this.state}`);
    const packet = new EncodedPacket(chunk.data, chunk.key ? 'key' : 'delta', chunk.timestampUs / 1e6, chunk.durationUs / 1e6);
    if (chunk.track === 'video') {
      const first = !this.sent.video;
      this.sent.video = true;
      await this.video.add(packet, first ? { decoderConfig: toVideoDecoderConfig(this.videoConfig) } : undefined);
    } else if (this.audio && this.audioConfig) {
      const first = !this.sent.audio;
      this.sent.audio = true;
      await this.audio.add(packet, first ? { decoderConfig: toAudioDecoderConfig(this.audioConfig) } : undefined);
    }
  }

  async finalize(): Promise<void> {
    if (this.state !== 'started') return;
    this.state = 'finalizing';
    await this.output.finalize();
    this.state = 'finalized';
  }

  async cancel(): Promise<void> {
    if (this.state === 'finalized') return;
    this.state = 'finalized';
    await this.output.cancel().catch(() => undefined);
  }
}

function toVideoDecoderConfig(c: VideoConfig) {
  return { codec: c.codec, codedWidth: c.codedWidth, codedHeight: c.codedHeight, description: c.description };
}

function toAudioDecoderConfig(c: AudioConfig) {
  return { codec: c.codec, sampleRate: c.sampleRate, numberOfChannels: c.numberOfChannels, ...(c.description ? { description: c.description } : {}) };
}
