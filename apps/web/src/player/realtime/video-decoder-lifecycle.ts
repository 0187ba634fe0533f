/**
 * The real-time player's VideoDecoder through its life: configured from the stream's config, checked
 * with `isConfigSupported`, rebuilt from the last config after a decode error, and given up on
 * (the player falls back to HLS) when decoding cannot work at all: an unsupported config, or
 * {@link DECODER_LIFECYCLE_DEFAULTS.maxErrors} errors within
 * {@link DECODER_LIFECYCLE_DEFAULTS.errorWindowMs}. The decoder comes from a factory so a unit test
 * can inject one that fails (video-decoder-lifecycle.test.ts); the browser's is
 * {@link browserVideoDecoderFactory}.
 */

/** What the lifecycle needs of a VideoDecoder (the browser's fits). */
export interface VideoDecoderLike {
  readonly state: CodecState;
  readonly decodeQueueSize: number;
  configure(config: VideoDecoderConfig): void;
  decode(chunk: EncodedVideoChunk): void;
  reset(): void;
  close(): void;
}

export interface VideoDecoderFactory {
  create(init: { output: (frame: VideoFrame) => void; error: (error: Error) => void }): VideoDecoderLike;
  isConfigSupported(config: VideoDecoderConfig): Promise<{ supported?: boolean }>;
}

export const browserVideoDecoderFactory: VideoDecoderFactory = {
  create: (init) => new VideoDecoder(init),
  isConfigSupported: (config) => VideoDecoder.isConfigSupported(config),
};

export interface DecoderLifecycleEvents {
  frame(frame: VideoFrame): void;
  /**
   * The decoder failed and a new one was configured from the last config: the frames it had are
   * gone, decoding must start again at a keyframe (ask the relay for one).
   */
  rebuilt(reason: string): void;
  /** Decoding cannot work here; `reason` is in words, for the viewer. */
  failed(reason: string): void;
}

export const DECODER_LIFECYCLE_DEFAULTS = Object.freeze({
  /** Decode errors within {@link errorWindowMs} after which the player gives up on real time. */
  maxErrors: 3,
  /** The window those errors are counted in, ms. */
  errorWindowMs: 10_000,
});

export interface DecoderLifecycleOptions {
  maxErrors: number;
  errorWindowMs: number;
  /** Milliseconds on any monotonic clock (performance.now() by default). */
  now: () => number;
}

export type DecoderLifecycleState = 'idle' | 'decoding' | 'failed' | 'closed';

export class VideoDecoderLifecycle {
  state: DecoderLifecycleState = 'idle';
  /** Decoders built after an error, since start. */
  rebuilds = 0;
  private decoder: VideoDecoderLike | null = null;
  private config: VideoDecoderConfig | null = null;
  /** When recent errors happened (ms, the options' clock). */
  private errorTimes: number[] = [];
  private o: DecoderLifecycleOptions;

  constructor(
    private factory: VideoDecoderFactory,
    private events: DecoderLifecycleEvents,
    options: Partial<DecoderLifecycleOptions> = {},
  ) {
    this.o = { ...DECODER_LIFECYCLE_DEFAULTS, now: () => performance.now(), ...options };
  }

  /** True while chunks can be decoded. */
  get ready(): boolean {
    return this.state === 'decoding' && this.decoder?.state === 'configured';
  }

  get decodeQueueSize(): number {
    return this.decoder?.decodeQueueSize ?? 0;
  }

  /**
   * A new stream config: a new decoder. It is configured at once and its support checked alongside
   * (not before: at a join the cached GOP arrives right behind the config, and its keyframe would be
   * lost while the check runs); an unsupported answer gives up on real time.
   */
  configure(config: VideoDecoderConfig): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.config = config;
    this.errorTimes = [];
    this.build();
    this.state = 'decoding';
    this.factory.isConfigSupported(config).then(
      (support) => {
        if (!support.supported && this.config === config) this.fail(`this browser cannot decode ${describe(config)}`);
      },
      (err: unknown) => {
        if (this.config === config) this.fail(`this browser cannot decode ${describe(config)} (${(err as Error)?.message ?? String(err)})`);
      },
    );
  }

  /** Decodes one chunk; false when it was not taken (no working decoder). */
  decode(chunk: EncodedVideoChunk): boolean {
    if (!this.ready) return false;
    try {
      this.decoder!.decode(chunk);
      return true;
    } catch (err) {
      // A decoder closed by an error whose callback has not run yet throws here.
      this.onError(err as Error);
      return false;
    }
  }

  /** Drops what the decoder holds (a resync); it stays configured for the next keyframe. */
  reset(): void {
    if (!this.ready || !this.config) return;
    this.decoder!.reset();
    this.decoder!.configure(this.config);
  }

  close(): void {
    this.state = 'closed';
    this.closeDecoder();
  }

  private build(): void {
    this.closeDecoder();
    const decoder = this.factory.create({
      output: (frame) => {
        if (decoder === this.decoder) this.events.frame(frame);
        else frame.close();
      },
      error: (err) => {
        if (decoder === this.decoder) this.onError(err);
      },
    });
    this.decoder = decoder;
    decoder.configure(this.config!);
  }

  private onError(err: Error): void {
    if (this.state !== 'decoding') return;
    const now = this.o.now();
    this.errorTimes = this.errorTimes.filter((t) => now - t < this.o.errorWindowMs);
    this.errorTimes.push(now);
    const what = err?.message || String(err);
    if (this.errorTimes.length >= this.o.maxErrors) {
      this.fail(`video decoding failed ${this.errorTimes.length} times in ${Math.round(this.o.errorWindowMs / 1000)} s (last: ${what})`);
      return;
    }
    this.rebuilds++;
    this.build();
    this.events.rebuilt(`video decoding failed (${what}); decoder rebuilt, waiting for a keyframe`);
  }

  private fail(reason: string): void {
    if (this.state !== 'decoding' && this.state !== 'idle') return;
    this.state = 'failed';
    this.closeDecoder();
    this.events.failed(reason);
  }

  private closeDecoder(): void {
    const d = this.decoder;
    this.decoder = null;
    if (d && d.state !== 'closed') {
      try {
        d.close();
      } catch {
        // already closed by its error
      }
    }
  }
}

function describe(c: VideoDecoderConfig): string {
  return `${c.codec}${c.codedWidth && c.codedHeight ? ` at ${c.codedWidth}×${c.codedHeight}` : ''}`;
}
