/**
 * The studio's handle on the compositor worker (main thread): it transfers the preview canvas and
 * each source track's frames to the worker, and connects the worker's output to the encoder worker
 * with a MessageChannel, so frames go worker to worker and nothing on this (throttled when hidden)
 * thread paces or carries them.
 */
import * as Comlink from 'comlink';
import type { CompositorWorkerApi } from './compositor-api.ts';
import type { CompositorSettings, CompositorStats, VideoSourceId } from './compositor.ts';
import type { CompositorPerf } from './compositor-perf.ts';

export class CompositorClient {
  private worker: Worker;
  private api: Comlink.Remote<CompositorWorkerApi>;
  private tracks = new Map<VideoSourceId, MediaStreamTrack>();
  private output: MessagePort | null = null;
  /** Tracks go to the worker whole until the browser shows it cannot (see setTrack). */
  private canTransferTracks = true;
  readonly ready: Promise<void>;

  constructor(canvas: HTMLCanvasElement, settings: Partial<CompositorSettings>, onStats: (s: CompositorStats) => void, onError: (message: string) => void) {
    this.worker = new Worker(new URL('./compositor.worker.ts', import.meta.url), { type: 'module', name: 'tabcast-compositor' });
    this.worker.onerror = (ev) => onError(`The compositor worker crashed: ${ev.message}`);
    this.api = Comlink.wrap<CompositorWorkerApi>(this.worker);
    const offscreen = canvas.transferControlToOffscreen();
    this.ready = this.api.start(Comlink.transfer(offscreen, [offscreen]), settings, Comlink.proxy(onStats));
  }

  configure(patch: Partial<CompositorSettings>): Promise<void> {
    return this.api.configure(patch);
  }

  /** Shows `track` as source `id` (replacing the previous one), or removes the source (null). */
  async setTrack(id: VideoSourceId, track: MediaStreamTrack | null): Promise<void> {
    if (this.tracks.get(id) === track) return;
    if (!track) {
      this.tracks.delete(id);
      return this.api.removeSource(id);
    }
    this.tracks.set(id, track);
    // The worker reads a clone of the track itself where the browser can transfer one (the page
    // keeps the original: its 'ended' is "Stop sharing"); else its frames are read here and the
    // stream is transferred, which passes each frame through this thread.
    if (this.canTransferTracks) {
      try {
        const clone = track.clone();
        if (await this.api.setSourceTrack(id, Comlink.transfer(clone, [clone as unknown as Transferable]))) return;
      } catch {
        // This browser cannot transfer a MediaStreamTrack.
      }
      this.canTransferTracks = false;
    }
    const frames = new MediaStreamTrackProcessor<VideoFrame>({ track }).readable;
    await this.api.setSource(id, Comlink.transfer(frames, [frames as unknown as Transferable]));
  }

  async setImage(file: Blob | null): Promise<void> {
    const bitmap = file ? await createImageBitmap(file) : null;
    await this.api.setImage(bitmap ? Comlink.transfer(bitmap, [bitmap]) : null);
  }

  /** A port that receives the output frames: hand it to the encoder worker. */
  async connectEncoder(): Promise<MessagePort> {
    const channel = new MessageChannel();
    await this.api.setOutput(Comlink.transfer(channel.port1, [channel.port1]));
    this.output = channel.port2;
    return channel.port2;
  }

  async disconnectEncoder(): Promise<void> {
    if (!this.output) return;
    this.output = null;
    await this.api.setOutput(null);
  }

  /** The compositor's monitoring points since the last take, and a message round trip to its worker (ms). */
  async takePerf(): Promise<(CompositorPerf & { roundTripMs: number }) | null> {
    const t0 = performance.now();
    await this.api.ping();
    const roundTripMs = performance.now() - t0;
    const perf = await this.api.takePerf();
    return perf && { ...perf, roundTripMs };
  }

  destroy(): void {
    void this.api.stop().finally(() => this.worker.terminate());
  }
}
