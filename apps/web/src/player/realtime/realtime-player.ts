/**
 * The real-time viewer, as a plain class that runs in the decoder worker: the relay's viewer
 * socket → VideoDecoder (optimizeForLatency) / AudioDecoder → {@link PlayoutClock} → frames drawn
 * on an OffscreenCanvas, PCM posted to an AudioWorklet. Frames are closed as soon as they are
 * drawn or dropped. Reports stats twice a second.
 */
import { bytesEqual, decodeViewerMessage, type AudioConfig, type ChunkMessage, type VideoConfig, type ViewerMessage } from '@tabcast/shared';
import { AudioTimeline } from '../../media/audio-timeline.ts';
import { readTimecode, timecodeBandHeight } from '../../timecode/timecode.ts';
import type { WorkletReport } from './pcm-worklet.ts';
import { MAX_DELAY_US, PlayoutClock } from './playout-clock.ts';

export type RealtimeState = 'connecting' | 'playing' | 'waiting' | 'ended' | 'fallback' | 'error';

export interface RealtimeStats {
  state: RealtimeState;
  message: string | null;
  /** Frames drawn per second. */
  fps: number;
  /** Decoded but not drawn because a newer frame was due (catching up), since start. */
  droppedFrames: number;
  /** Arrived after their display time, since start. */
  lateFrames: number;
  /** Bits per second received. */
  bitrate: number;
  /** Glass-to-glass latency from the picture's timecode, ms; null without a timecode. */
  latencyMs: number | null;
  /** Network + jitter buffer: how long after arrival a frame is shown, ms. */
  bufferMs: number;
  /** From socket open to the first frame drawn, ms. */
  firstFrameMs: number | null;
  /**
   * Audio/video sync, ms: how far the picture runs behind the sound (negative: ahead). Measured
   * when the source is the test pattern with its beep: the beep's glass-to-ear latency against the
   * timecode's glass-to-glass latency. Null otherwise, or while muted.
   */
  avSyncMs: number | null;
  /** The audio jitter buffer's current target, ms, and how often it ran dry (null while muted). */
  audioBufferMs: number | null;
  audioUnderruns: number;
  audio: boolean;
  skips: number;
}

/** Chunks waiting to decode at most, once caught up after a join. */
const CAUGHT_UP_DECODE_QUEUE = 8;
/**
 * Chunks waiting to decode, once live, beyond which the player skips to the next keyframe (about
 * 1 s at 30 fps): a decoder briefly starved of CPU catches up by decoding on (the display drops
 * what is late) rather than freezing until the next keyframe.
 */
const MAX_DECODE_QUEUE = 30;
/** The same while catching up through the cached GOP at join (the relay caps a GOP at 8 MiB). */
const MAX_CATCH_UP_DECODE_QUEUE = 300;
/** Without a `live` marker (an older relay) the replay is taken as over after this. */
const LIVE_MARKER_WAIT_MS = 3_000;
/** Decoded frames waiting for their time; beyond this the oldest go (the decoder's pool is small). */
const MAX_QUEUED_FRAMES = 15;
const TICK_MS = 4;

export class RealtimePlayer {
  private ws: WebSocket | null = null;
  private ctx: OffscreenCanvasRenderingContext2D;
  private video: VideoDecoder | null = null;
  private audio: AudioDecoder | null = null;
  /** The audio decoder's output → the timestamps of the chunks that went in (see AudioTimeline). */
  private audioTimeline = new AudioTimeline();
  private videoConfig: VideoConfig | null = null;
  private audioConfig: AudioConfig | null = null;
  /** The stream's audio config, kept to rebuild the decoder after an error. */
  private lastAudioConfig: AudioConfig | null = null;
  private waitingForKey = true;
  /**
   * 'replay': the relay is sending the cached GOP (old chunks, in a burst); 'catch-up': live chunks
   * arrive but the decoder still has more than {@link CAUGHT_UP_DECODE_QUEUE} waiting; 'live': it has
   * caught up. The jitter buffer learns only from live chunks, and the tight decode-queue bound
   * (drop to the next keyframe) applies once live.
   */
  private phase: 'replay' | 'catch-up' | 'live' = 'replay';
  /** A keyframe has been decoded on this connection: audio may play from now on. */
  private started = false;
  private frames: VideoFrame[] = [];
  private clock = new PlayoutClock();
  private audioPort: MessagePort | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private openedAt = 0;
  private newestTs = 0;
  private w = { drawn: 0, bytes: 0 };
  private stats: RealtimeStats = { state: 'connecting', message: null, fps: 0, droppedFrames: 0, lateFrames: 0, bitrate: 0, latencyMs: null, bufferMs: 0, firstFrameMs: null, avSyncMs: null, audioBufferMs: null, audioUnderruns: 0, audio: false, skips: 0 };
  private lastTimecodeRead = 0;
  /** Glass-to-glass latency of recently drawn frames (wall-clock ms), for pairing with beeps. */
  private recentLatency: { atMs: number; latencyMs: number }[] = [];
  /** The page's audio output: context time ↔ wall clock (see audioTiming). */
  private audioOutput: { contextTime: number; epochMs: number } | null = null;
  private stopped = false;
  private reconnects = 0;

  constructor(private url: string, private canvas: OffscreenCanvas, private onStats: (s: RealtimeStats) => void) {
    this.ctx = canvas.getContext('2d', { alpha: false, willReadFrequently: true })!;
  }

  start(): void {
    this.connect();
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.timers.push(setInterval(() => this.retarget(), 250));
    this.timers.push(setInterval(() => this.report(), 500));
  }

  /** Plays audio through an AudioWorklet whose port this is. */
  attachAudio(port: MessagePort): void {
    this.audioPort = port;
    port.onmessage = (ev: MessageEvent<WorkletReport>) => {
      const r = ev.data;
      if (r.kind === 'clock') {
        this.clock.audioClock(r.playingTs, this.audibleAtUs(r.contextTime));
        this.stats.audioBufferMs = Math.round(r.targetMs);
        this.stats.audioUnderruns = r.underruns;
      } else this.onBeep(r.contextTime);
    };
    this.stats.audio = true;
  }

  /**
   * The page's AudioContext.getOutputTimestamp(): context time `contextTime` is heard at
   * `epochMs` (wall clock). It carries the output latency, so the video follows what is heard.
   */
  audioTiming(contextTime: number, epochMs: number): void {
    this.audioOutput = { contextTime, epochMs };
  }

  /** When context time `t` is heard, on this worker's performance.now() clock, µs. */
  private audibleAtUs(t: number): number {
    if (!this.audioOutput) return performance.now() * 1000; // no mapping yet: roughly now
    const epochMs = this.audioOutput.epochMs + (t - this.audioOutput.contextTime) * 1000;
    return (epochMs - performance.timeOrigin) * 1000;
  }

  /**
   * A beep was heard at context time `t`. The test pattern beeps at each whole second of its
   * clock, when its timecode reads that second: the beep's latency against the picture's latency
   * is the A/V offset. Both latencies share the broadcaster's clock offset, which cancels out.
   * Everything here is on the wall clock (Date.now()), like the timecode.
   */
  private onBeep(t: number): void {
    if (!this.audioOutput) return;
    const wallMinusEpoch = Date.now() - (performance.timeOrigin + performance.now());
    const heardMs = this.audioOutput.epochMs + (t - this.audioOutput.contextTime) * 1000 + wallMinusEpoch;
    // The picture's latency: that of the frame drawn nearest to when the beep is heard.
    let video: { atMs: number; latencyMs: number } | null = null;
    for (const r of this.recentLatency) if (!video || Math.abs(r.atMs - heardMs) < Math.abs(video.atMs - heardMs)) video = r;
    if (!video || Math.abs(video.atMs - heardMs) > 100) return;
    // The second this beep marks: the one nearest to when the picture says it was heard. A sound
    // that is not near a whole second at all is not the pattern's beep (a voice, say).
    const beepMs = Math.round((heardMs - video.latencyMs) / 1000) * 1000;
    const avSyncMs = video.latencyMs - (heardMs - beepMs);
    if (Math.abs(avSyncMs) > 400) return;
    this.stats.avSyncMs = Math.round(avSyncMs);
    this.lastBeepAt = performance.now();
  }

  private lastBeepAt = 0;

  stop(): void {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    this.ws?.close();
    this.frames.forEach((f) => f.close());
    this.frames = [];
    for (const d of [this.video, this.audio]) if (d && d.state !== 'closed') d.close();
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.openedAt = performance.now();
      // A new connection starts clean: no timing or frames carried over from the last one.
      this.waitingForKey = true;
      this.phase = 'replay';
      this.started = false;
      this.audioGap();
      this.clock = new PlayoutClock();
      this.frames.forEach((f) => f.close());
      this.frames = [];
      this.newestTs = 0;
      this.reconnects = 0;
    };
    ws.onmessage = (ev) => {
      const bytes = new Uint8Array(ev.data as ArrayBuffer);
      this.w.bytes += bytes.byteLength;
      let msg: ViewerMessage;
      try {
        msg = decodeViewerMessage(bytes);
      } catch {
        return; // a message from a newer relay we do not know: ignore it
      }
      this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.stopped || this.stats.state === 'ended' || this.stats.state === 'fallback') return;
      if (ev.code === 4404) return this.setState('ended', 'The broadcast is not live.');
      // 1001: the relay is restarting and the stream may resume; keep trying for a while.
      if (this.reconnects++ < 30) {
        this.setState('waiting', 'Connection lost; reconnecting…');
        setTimeout(() => !this.stopped && this.connect(), 1000);
      } else this.setState('error', 'Lost the connection to the relay.');
    };
  }

  private onMessage(msg: ViewerMessage): void {
    switch (msg.type) {
      case 'stream-config':
        this.configure(msg.video, msg.audio);
        return;
      case 'chunk':
        return this.onChunk(msg);
      case 'live':
        if (this.phase === 'replay') this.phase = 'catch-up';
        return;
      case 'skipped':
        // The relay dropped what did not fit, audio included: a planned gap, not jitter.
        this.stats.skips++;
        this.waitingForKey = true;
        this.audioGap();
        return;
      case 'stream-ended':
        return this.setState('ended', 'The broadcast has ended.');
      case 'error':
        if (msg.code === 'viewer-too-slow') return this.setState('fallback', msg.message);
        return this.setState('error', msg.message);
    }
  }

  private configure(video: VideoConfig, audio: AudioConfig | null): void {
    const same = this.videoConfig && this.videoConfig.codec === video.codec && this.videoConfig.codedWidth === video.codedWidth && bytesEqual(this.videoConfig.description, video.description);
    if (!same) {
      if (this.video && this.video.state !== 'closed') this.video.close();
      this.video = new VideoDecoder({ output: (f) => this.onFrame(f), error: (e) => this.setState('error', `Video decoding failed: ${e.message}`) });
      this.video.configure({ codec: video.codec, codedWidth: video.codedWidth, codedHeight: video.codedHeight, description: video.description, optimizeForLatency: true });
      this.videoConfig = video;
      this.waitingForKey = true;
      if (this.canvas.width !== video.codedWidth || this.canvas.height !== video.codedHeight) {
        this.canvas.width = video.codedWidth;
        this.canvas.height = video.codedHeight;
      }
    }
    if (audio && (!this.audioConfig || this.audioConfig.sampleRate !== audio.sampleRate || this.audioConfig.numberOfChannels !== audio.numberOfChannels)) {
      if (this.audio && this.audio.state !== 'closed') this.audio.close();
      this.audioTimeline = new AudioTimeline();
      this.audio = new AudioDecoder({
        output: (d) => this.onAudio(d),
        // Audio is best effort: the picture goes on, and the next audio chunk builds a new decoder.
        error: () => {
          this.audioConfig = null;
          this.audioGap();
        },
      });
      this.audio.configure({ codec: 'opus', sampleRate: audio.sampleRate, numberOfChannels: audio.numberOfChannels, ...(audio.description ? { description: audio.description } : {}) });
      this.audioConfig = audio;
      this.lastAudioConfig = audio;
    }
  }

  private onChunk(msg: ChunkMessage): void {
    const now = performance.now() * 1000;
    if (msg.track === 'audio') {
      if (!this.audioConfig && this.lastAudioConfig && this.videoConfig) this.configure(this.videoConfig, this.lastAudioConfig);
      // The replayed GOP's audio is seconds old: only live audio is played, once the picture started.
      if (this.audio?.state === 'configured' && this.audioPort && this.started && this.phase !== 'replay') {
        this.audioTimeline.input(msg.timestampUs, msg.durationUs || 20_000);
        this.audio.decode(new EncodedAudioChunk({ type: 'key', timestamp: msg.timestampUs, data: msg.data }));
      }
      return;
    }
    if (msg.config && 'codedWidth' in msg.config) this.configure(msg.config, this.audioConfig);
    if (this.video?.state !== 'configured') return;
    if (this.waitingForKey) {
      if (!msg.key) return;
      this.waitingForKey = false;
      this.started = true;
    }
    if (this.phase === 'catch-up' && this.video.decodeQueueSize <= CAUGHT_UP_DECODE_QUEUE) {
      this.phase = 'live';
      this.clock.settle(now);
    }
    // Behind on decoding: drop to the next keyframe rather than queue up.
    if (this.video.decodeQueueSize > (this.phase === 'live' ? MAX_DECODE_QUEUE : MAX_CATCH_UP_DECODE_QUEUE) && !msg.key) {
      this.waitingForKey = true;
      return;
    }
    // Timing is learnt once live: replayed and queued-behind-the-replay chunks arrive in bursts.
    if (this.phase === 'live') {
      this.clock.arrived(msg.timestampUs, now);
      if (this.clock.displayAt(msg.timestampUs) < now) this.stats.lateFrames++;
    }
    this.newestTs = Math.max(this.newestTs, msg.timestampUs);
    this.video.decode(new EncodedVideoChunk({ type: msg.key ? 'key' : 'delta', timestamp: msg.timestampUs, duration: msg.durationUs, data: msg.data }));
  }

  private onFrame(frame: VideoFrame): void {
    const prev = this.frames.at(-1);
    if (prev && frame.timestamp > prev.timestamp) {
      // The schedule may hold no more than the queue does (80 % of it, at this frame rate).
      this.clock.maxDelayUs = Math.min(MAX_DELAY_US, 0.8 * MAX_QUEUED_FRAMES * Math.max(16_667, frame.timestamp - prev.timestamp));
    }
    this.frames.push(frame);
    // Full: show the oldest now rather than drop it unseen (a schedule that waits longer than the
    // queue holds would otherwise starve the picture).
    if (this.frames.length > MAX_QUEUED_FRAMES) this.clock.showBy(this.frames[0]!.timestamp, performance.now() * 1000);
    while (this.frames.length > 2 * MAX_QUEUED_FRAMES) {
      this.frames.shift()!.close();
      this.stats.droppedFrames++;
    }
  }

  private onAudio(data: AudioData): void {
    const channels: Float32Array[] = [];
    for (let c = 0; c < data.numberOfChannels; c++) {
      const buf = new Float32Array(data.numberOfFrames);
      data.copyTo(buf, { planeIndex: c, format: 'f32-planar' });
      channels.push(buf);
    }
    const ts = this.audioTimeline.output(data.duration);
    data.close();
    if (ts === null) return;
    this.audioPort?.postMessage({ ts, channels }, channels.map((c) => c.buffer));
  }

  private retarget(): void {
    if (this.phase === 'replay' && this.openedAt && performance.now() - this.openedAt > LIVE_MARKER_WAIT_MS) this.phase = 'catch-up';
    this.clock.retarget(performance.now() * 1000);
    // The A/V figure is only meaningful while beeps keep coming.
    if (this.stats.avSyncMs !== null && performance.now() - this.lastBeepAt > 3_000) this.stats.avSyncMs = null;
  }

  /** Audio stops on purpose (reconnect, skip, decoder rebuilt): the worklet refills without counting it as jitter. */
  private audioGap(): void {
    this.audioPort?.postMessage({ gap: true });
  }

  /** Draws the newest frame that is due; frames due before it are dropped unseen (catching up). */
  private tick(): void {
    const now = performance.now() * 1000;
    let due: VideoFrame | null = null;
    while (this.frames.length && this.clock.displayAt(this.frames[0]!.timestamp) <= now) {
      if (due) {
        due.close();
        this.stats.droppedFrames++;
      }
      due = this.frames.shift()!;
    }
    if (!due) return;
    this.ctx.drawImage(due, 0, 0, this.canvas.width, this.canvas.height);
    due.close();
    this.w.drawn++;
    if (this.stats.firstFrameMs === null) this.stats.firstFrameMs = Math.round(performance.now() - this.openedAt);
    if (this.stats.state !== 'playing') this.setState('playing', null);
    // Every frame while sound plays (A/V sync pairs a beep with the frame drawn nearest to it).
    if (this.audioPort || now - this.lastTimecodeRead > 250_000) {
      this.lastTimecodeRead = now;
      const y = Math.floor(timecodeBandHeight(this.canvas.height) / 2);
      const row = this.ctx.getImageData(0, y, this.canvas.width, 1).data;
      const nowMs = Date.now();
      const ts = readTimecode(row, this.canvas.width, 0, nowMs);
      this.stats.latencyMs = ts === null ? null : nowMs - ts;
      if (ts !== null) {
        this.recentLatency.push({ atMs: nowMs, latencyMs: nowMs - ts });
        if (this.recentLatency.length > 60) this.recentLatency.shift();
      }
    }
  }

  private report(): void {
    const now = performance.now() * 1000;
    this.stats = { ...this.stats, fps: this.w.drawn * 2, bitrate: this.w.bytes * 16, bufferMs: Math.round(this.clock.bufferMs(now, this.newestTs)) };
    this.w = { drawn: 0, bytes: 0 };
    this.onStats(this.stats);
  }

  private setState(state: RealtimeState, message: string | null): void {
    this.stats = { ...this.stats, state, message };
    this.onStats(this.stats);
  }
}
