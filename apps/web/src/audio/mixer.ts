/**
 * The studio's audio mixer (main thread; the audio itself runs on the browser's audio thread,
 * which a hidden tab does not throttle). Each source is a channel: source → gain (0–2, 0 when
 * muted) → master, with a level meter (an AudioWorklet tap after the gain, so a muted channel
 * reads the floor). The master goes through a limiter (a DynamicsCompressorNode set as one) and
 * a hard ceiling (a WaveShaper), so the sum never clips, into the one track the encoder reads.
 * A zero-valued source keeps that track flowing when every channel is silent or gone: the relay's
 * muxer waits on every declared track.
 */
import meterUrl from './meter-worklet.ts?worker&url';
import { CEILING, LIMITER, ceilingCurve, channelGain, toDbfs } from './levels.ts';
import type { MeterReport } from './meter-worklet.ts';

export interface ChannelState {
  id: string;
  /** The source's name, as the broadcaster sees it (and the meter's accessible name). */
  name: string;
  gain: number;
  muted: boolean;
  peakDb: number;
  rmsDb: number;
}

interface Channel {
  state: ChannelState;
  input: AudioNode;
  gain: GainNode;
  meter: AudioWorkletNode;
  release: () => void;
}

export const MASTER_ID = 'master';
/** How often the meters are shown, ms. */
const NOTIFY_MS = 100;

export class AudioMixer {
  readonly ctx: AudioContext;
  /** The mixed track the encoder reads (never ends while the mixer is open). */
  readonly output: MediaStreamTrack;
  private channels = new Map<string, Channel>();
  private master: GainNode;
  private masterLevel: ChannelState = { id: MASTER_ID, name: 'Master', gain: 1, muted: false, peakDb: -Infinity, rmsDb: -Infinity };
  private listeners = new Set<(channels: ChannelState[]) => void>();
  private notifyQueued = false;

  private constructor(ctx: AudioContext, masterMeter: AudioWorkletNode) {
    this.ctx = ctx;
    const dest = ctx.createMediaStreamDestination();
    dest.channelCount = 2;
    this.master = new GainNode(ctx, { gain: 1 });
    const limiter = new DynamicsCompressorNode(ctx, { threshold: LIMITER.thresholdDb, knee: LIMITER.kneeDb, ratio: LIMITER.ratio, attack: LIMITER.attackSec, release: LIMITER.releaseSec });
    // Chromium's compressor adds its own make-up gain and overshoots on its attack; the ceiling catches both.
    const ceiling = new WaveShaperNode(ctx, { curve: ceilingCurve(), oversample: 'none' });
    this.master.connect(limiter).connect(ceiling).connect(dest);
    ceiling.connect(masterMeter);
    masterMeter.port.onmessage = (ev: MessageEvent<MeterReport>) => this.level(this.masterLevel, ev.data);
    const silence = new ConstantSourceNode(ctx, { offset: 0 });
    silence.connect(dest);
    silence.start();
    this.output = dest.stream.getAudioTracks()[0]!;
  }

  static async create(sampleRate: number): Promise<AudioMixer> {
    const ctx = new AudioContext({ sampleRate, latencyHint: 'interactive' });
    await ctx.audioWorklet.addModule(meterUrl);
    if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
    return new AudioMixer(ctx, new AudioWorkletNode(ctx, 'tabcast-level-meter', { numberOfInputs: 1, numberOfOutputs: 0 }));
  }

  /** Adds (or replaces) a channel fed by a track. */
  addTrack(id: string, name: string, track: MediaStreamTrack): void {
    const node = this.ctx.createMediaStreamSource(new MediaStream([track]));
    this.addNode(id, name, node, () => node.disconnect());
  }

  /** Adds (or replaces) a channel fed by a node; `release` runs when the channel goes. */
  addNode(id: string, name: string, input: AudioNode, release: () => void = () => {}): void {
    const previous = this.channels.get(id)?.state;
    this.remove(id);
    const state: ChannelState = { id, name, gain: previous?.gain ?? 1, muted: previous?.muted ?? false, peakDb: -Infinity, rmsDb: -Infinity };
    const gain = new GainNode(this.ctx, { gain: channelGain(state.gain, state.muted) });
    const meter = new AudioWorkletNode(this.ctx, 'tabcast-level-meter', { numberOfInputs: 1, numberOfOutputs: 0 });
    meter.port.onmessage = (ev: MessageEvent<MeterReport>) => this.level(state, ev.data);
    input.connect(gain);
    gain.connect(this.master);
    gain.connect(meter);
    this.channels.set(id, { state, input, gain, meter, release });
    this.notify();
  }

  has(id: string): boolean {
    return this.channels.has(id);
  }

  remove(id: string): void {
    const ch = this.channels.get(id);
    if (!ch) return;
    this.channels.delete(id);
    ch.gain.disconnect();
    ch.meter.port.onmessage = null;
    ch.meter.disconnect();
    ch.release();
    this.notify();
  }

  setGain(id: string, gain: number): void {
    this.set(id, { gain });
  }

  setMuted(id: string, muted: boolean): void {
    this.set(id, { muted });
  }

  private set(id: string, patch: Partial<Pick<ChannelState, 'gain' | 'muted'>>): void {
    const ch = this.channels.get(id);
    if (!ch) return;
    Object.assign(ch.state, patch);
    ch.state.gain = channelGain(ch.state.gain, false);
    // A short ramp: a step in gain clicks.
    ch.gain.gain.setTargetAtTime(channelGain(ch.state.gain, ch.state.muted), this.ctx.currentTime, 0.01);
    this.notify();
  }

  /** Every channel's state and level, master last; called at most every 100 ms. Returns an unsubscribe. */
  on(listener: (channels: ChannelState[]) => void): () => void {
    this.listeners.add(listener);
    listener(this.snapshot());
    return () => this.listeners.delete(listener);
  }

  snapshot(): ChannelState[] {
    return [...[...this.channels.values()].map((c) => ({ ...c.state })), { ...this.masterLevel }];
  }

  private level(state: ChannelState, r: MeterReport): void {
    state.peakDb = toDbfs(Math.min(r.peak, 1 / CEILING));
    state.rmsDb = toDbfs(r.rms);
    this.notify();
  }

  /** Coalesces the meters' reports: listeners hear at most every {@link NOTIFY_MS}. */
  private notify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    setTimeout(() => {
      this.notifyQueued = false;
      const snap = this.snapshot();
      for (const l of this.listeners) l(snap);
    }, NOTIFY_MS);
  }

  close(): void {
    for (const id of [...this.channels.keys()]) this.remove(id);
    this.listeners.clear();
    this.output.stop();
    void this.ctx.close().catch(() => undefined);
  }
}
