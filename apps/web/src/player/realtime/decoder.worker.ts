// The real-time decoder worker: a thin comlink adapter over RealtimePlayer.
import * as Comlink from 'comlink';
import type { DecoderWorkerApi } from './decoder-api.ts';
import { RealtimePlayer } from './realtime-player.ts';

let player: RealtimePlayer | null = null;

const api: DecoderWorkerApi = {
  start(url, canvas, onStats) {
    player?.stop();
    player = new RealtimePlayer(url, canvas, onStats);
    player.start();
  },
  attachAudio(port) {
    player?.attachAudio(port);
  },
  audioTiming(contextTime, epochMs) {
    player?.audioTiming(contextTime, epochMs);
  },
  stop() {
    player?.stop();
    player = null;
  },
  takePerf() {
    return player?.takePerf() ?? null;
  },
  openVideoFrames() {
    return player?.openVideoFrames ?? null;
  },
  ping: () => performance.now(),
};

Comlink.expose(api);
