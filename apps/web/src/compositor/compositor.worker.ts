// The compositor worker: a thin comlink adapter over Compositor.
import * as Comlink from 'comlink';
import { Compositor } from './compositor.ts';
import type { CompositorWorkerApi } from './compositor-api.ts';

let current: Compositor | null = null;

const api: CompositorWorkerApi = {
  start(canvas, settings, onStats) {
    current?.stop();
    current = new Compositor(canvas, settings, onStats);
    current.start();
  },
  configure: (patch) => current?.configure(patch),
  setSource: (id, frames) => current?.setSource(id, frames),
  setSourceTrack(id, track) {
    if (!current || typeof MediaStreamTrackProcessor === 'undefined') {
      track.stop();
      return false;
    }
    current.setSource(id, new MediaStreamTrackProcessor({ track } as MediaStreamTrackProcessorInit).readable as ReadableStream<VideoFrame>, () => track.stop());
    return true;
  },
  removeSource: (id) => current?.removeSource(id),
  setImage: (image) => current?.setImage(image),
  setOutput: (port) => current?.setOutput(port),
  stop() {
    current?.stop();
    current = null;
  },
  takePerf: () => current?.takePerf() ?? null,
  ping: () => performance.now(),
};

Comlink.expose(api);
