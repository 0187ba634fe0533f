// The encoder worker: a thin comlink adapter over Publisher (which also runs on a main thread).
import * as Comlink from 'comlink';
import { framesFromPort } from './frame-port.ts';
import { Publisher } from './publisher.ts';
import type { EncoderWorkerApi } from './worker-api.ts';

let current: Publisher | null = null;

const api: EncoderWorkerApi = {
  async start(options, video, audio, onStatus) {
    if (current) await current.stop();
    current = new Publisher(options, onStatus);
    await current.start(video instanceof MessagePort ? framesFromPort(video) : video, audio);
  },
  async setDestinations(destinations) {
    current?.setDestinations(destinations);
  },
  async stop() {
    const copy = (await current?.stop()) ?? null;
    current = null;
    return copy;
  },
  stopNow() {
    current?.stopNow();
  },
  takePerf: () => current?.takePerf() ?? null,
  ping: () => performance.now(),
};

Comlink.expose(api);
