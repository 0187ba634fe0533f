/**
 * The real-time viewer, as a plain class that runs in the decoder worker: the relay's viewer
 * socket → VideoDecoder (optimizeForLatency) / AudioDecoder → {@link PlayoutClock} → frames drawn
 * on an OffscreenCanvas, PCM posted to an AudioWorklet. Frames are closed as soon as they are
 * drawn or dropped. Reports stats twice a second.
 */
import { FrameLedger, IntervalMeter, MONITORING_POINTS, SeqGapDetector, StageTimer, bytesEqual, decodeViewerMessage, encodeMessage, type AudioConfig, type ChunkMessage, type VideoConfig, type ViewerMessage } from '@tabcast/shared';
import { AudioTimeline } from '../../media/audio-timeline.ts';
import { readTimecode, timecodeBandHeight } from '../../timecode/timecode.ts';
import type { WorkletReport } from './pcm-worklet.ts';
import { AvProbe } from './av-probe.ts';
import { LiveKeeper, type ShedReason } from './live-keeper.ts';
import { MAX_DELAY_US, PlayoutClock } from './playout-clock.ts';
import { VideoDecoderLifecycle, browserVideoDecoderFactory, type VideoDecoderFactory } from './video-decoder-lifecycle.ts';

export type { ShedReason } from './live-keeper.ts';

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
  /** From a chunk's arrival to its frame being drawn, ms (the newest drawn frame). */
  arrivalToDrawMs: number;
  /** Chunks waiting in the decoder, and decoded frames waiting for their time. */
  decodeQueue: number;
  frameQueue: number;
  /** Where the player is after a join: replaying the cached GOP, catching up, or live. */
  phase: 'replay' | 'catch-up' | 'live';
  /** How far behind live the newest chunk arrived (see LagMonitor), ms. */
  behindMs: number;
  /** Chunks not decoded to stay live, by why, since start; and how often the player resynced. */
  shed: Record<ShedReason, number>;
  resyncs: number;
  /** Video decoders rebuilt after a decode error, since start (see VideoDecoderLifecycle). */
  decoderRebuilds: number;
  /** Gaps in the video chunks' `seq` (a chunk lost before this player), each skipped to the next keyframe. */
  seqGaps: number;
  /** Frames drawn since the player started, as of `atMs` (Date.now()). */
  framesDrawn: number;
  atMs: number;
  /** Timecode reads since the last report: [wall-clock ms, latency ms] pairs (every drawn frame). */
  latencySamples: [number, number][];
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
/** How often the player tells the relay how far it has got (its budget is counted from these). */
const REPORT_INTERVAL_MS = 250;
/** Keyframe requests at most this often (the relay passes on one a second per stream). */
const KEYFRAME_REQUEST_INTERVAL_MS = 1_000;

/** The player's monitoring points (test:frames:*), taken by the page through the worker. */
export interface PlayerPerf {
  /** Intervals between video chunks arriving, between frames leaving the decoder, and between frames drawn, ms. */
  receiveIntervalsMs: number[];
  decodedIntervalsMs: number[];
  paintIntervalsMs: number[];
  /** From a chunk going into the decoder to its frame coming out, ms. */
  decodeMs: number[];
  /** [ms since the player started, chunks in the decoder, frames waiting to be drawn], every 500 ms. */
  queues: [number, number, number][];
  /** VideoFrames decoded and not yet closed. */
  openVideoFrames: number;
  /** Frames the decoder gave that were never drawn, by why (dropped to stay live, or the queue overflowed). */
  droppedFrames: number;
}

export class RealtimePlayer {
  /** Monitoring points (seed 001): viewer:receive, decode:start/end, paint:frame. */
  private perf = {
    receive: new IntervalMeter(MONITORING_POINTS.VIEWER_RECEIVE),
    decoded: new IntervalMeter('decode:output'),
    paint: new IntervalMeter(MONITORING_POINTS.PAINT_FRAME),
    decode: new StageTimer('decode'),
    frames: new FrameLedger(),
    queues: [] as [number, number, number][],
  };
  private ws: WebSocket | null = null;
  private ctx: OffscreenCanvasRenderingContext2D;
  /** The video decoder, rebuilt after errors; its failure moves the viewer to HLS. */
  private video: VideoDecoderLifecycle;
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
  /** Arrival time (µs) of recent video chunks by timestamp. */
  private arrivals = new Map<number, number>();
  private w = { drawn: 0, bytes: 0 };
  private stats: RealtimeStats = { state: 'connecting', message: null, fps: 0, droppedFrames: 0, lateFrames: 0, bitrate: 0, latencyMs: null, bufferMs: 0, firstFrameMs: null, avSyncMs: null, audioBufferMs: null, audioUnderruns: 0, audio: false, skips: 0, phase: 'replay', framesDrawn: 0, atMs: 0, latencySamples: [], arrivalToDrawMs: 0, decodeQueue: 0, frameQueue: 0, behindMs: 0, shed: { behind: 0, decoder: 0, relay: 0 }, resyncs: 0, decoderRebuilds: 0, seqGaps: 0 };
  /** Audio/video sync from the test pattern's beeps (see AvProbe). */
  private av = new AvProbe();
  private stopped = false;
  private reconnects = 0;
  /** When to resync to stay live (see LiveKeeper); the player carries it out (resync). */
  private live = new LiveKeeper((reason) => this.resync(reason));
  /** Newest video timestamp taken off the socket, and newest decoded (µs). */
  private receivedTs = 0;
  private lastKeyframeRequestAt = 0;
  /** A keyframe is needed whatever the phase (decoder rebuilt, chunk missing): ask until one comes. */
  private keyframeWanted = false;
  /** Video chunks missing on the way (their `seq` jumps), on this connection. */
  private videoSeqs = new SeqGapDetector();

  constructor(private url: string, private canvas: OffscreenCanvas, private onStats: (s: RealtimeStats) => void, decoders: VideoDecoderFactory = browserVideoDecoderFactory) {
    this.ctx = canvas.getContext('2d', { alpha: false, willReadFrequently: true })!;
    this.video = new VideoDecoderLifecycle(decoders, {
      frame: (f) => this.onFrame(f),
      rebuilt: () => this.restartAtKeyframe(() => this.stats.decoderRebuilds++),
      failed: (reason) => this.fallBack(`real-time playback cannot decode this stream here: ${reason}`),
    });
  }

  /**
   * The decoder lost its state (rebuilt after an error) or a chunk is missing: frames decoded from
   * here would be broken until the next keyframe. Wait for one and ask the relay for it now.
   */
  private restartAtKeyframe(count: () => void): void {
    count();
    this.waitingForKey = true;
    this.keyframeWanted = true;
    this.lastKeyframeRequestAt = 0;
    this.sendReport();
  }

  /** Real time cannot work here: the Watch page switches to HLS and shows `reason`. */
  private fallBack(reason: string): void {
    if (this.stats.state === 'fallback') return;
    this.setState('fallback', reason);
    this.ws?.close(1000);
  }

  start(): void {
    this.connect();
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.timers.push(setInterval(() => this.retarget(), 250));
    this.timers.push(setInterval(() => this.report(), 500));
    this.timers.push(setInterval(() => this.sendReport(), REPORT_INTERVAL_MS));
  }

  /**
   * Tells the relay the newest chunk taken off the socket (its time budget for this viewer), and
   * asks for a keyframe while the player waits for one to resync.
   */
  private sendReport(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.receivedTs) return;
    const now = performance.now();
    const wantKey = (this.keyframeWanted || (this.started && this.phase === 'live' && (this.waitingForKey || this.live.resyncing !== null))) && now - this.lastKeyframeRequestAt >= KEYFRAME_REQUEST_INTERVAL_MS;
    if (wantKey) this.lastKeyframeRequestAt = now;
    ws.send(encodeMessage({ type: 'viewer-report', receivedTs: Math.round(this.receivedTs), ...(wantKey ? { keyframe: true } : {}) }));
  }

  /**
   * Behind live: stop decoding what is late (discarding a chunk costs nothing, decoding it costs a
   * frame's CPU), drop the decoder's backlog and the frames waiting, and wait for a fresh keyframe,
   * asking the relay for one.
   */
  private resync(reason: ShedReason): void {
    this.waitingForKey = true;
    if (this.video.ready) {
      this.live.shed[reason] += this.video.decodeQueueSize;
      this.video.reset();
    }
    this.live.shed[reason] += this.frames.length;
    this.frames.forEach((f) => f.close());
    this.frames = [];
    this.audioGap();
    this.sendReport();
  }

  /** Plays audio through an AudioWorklet whose port this is. */
  attachAudio(port: MessagePort): void {
    this.audioPort = port;
    port.onmessage = (ev: MessageEvent<WorkletReport>) => {
      const r = ev.data;
      if (r.kind === 'clock') {
        this.clock.audioClock(r.playingTs, this.av.audibleAtUs(r.contextTime));
        this.stats.audioBufferMs = Math.round(r.targetMs);
        this.stats.audioUnderruns = r.underruns;
      } else this.av.beep(r.contextTime);
    };
    this.stats.audio = true;
  }

  /** The page's AudioContext.getOutputTimestamp(): see AvProbe.outputTiming. */
  audioTiming(contextTime: number, epochMs: number): void {
    this.av.outputTiming(contextTime, epochMs);
  }

  stop(): void {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    this.ws?.close();
    this.frames.forEach((f) => f.close());
    this.frames = [];
    this.video.close();
    if (this.audio && this.audio.state !== 'closed') this.audio.close();
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
      this.live.reset();
      this.receivedTs = 0;
      this.videoSeqs.reset();
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
        this.live.shed.relay++;
        this.waitingForKey = true;
        this.videoSeqs.reset(); // the relay's own gap, already counted
        this.audioGap();
        this.sendReport();
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
    if (msg.track === 'video') {
      if (msg.timestampUs > this.receivedTs) this.receivedTs = msg.timestampUs;
      this.perf.receive.tick();
    }
    if (msg.track === 'audio') {
      if (this.live.resyncing) return; // behind: its sound is as late as its picture
      if (!this.audioConfig && this.lastAudioConfig && this.videoConfig) this.configure(this.videoConfig, this.lastAudioConfig);
      // The replayed GOP's audio is seconds old: only live audio is played, once the picture started.
      if (this.audio?.state === 'configured' && this.audioPort && this.started && this.phase !== 'replay') {
        this.audioTimeline.input(msg.timestampUs, msg.durationUs || 20_000);
        this.audio.decode(new EncodedAudioChunk({ type: 'key', timestamp: msg.timestampUs, data: msg.data }));
      }
      return;
    }
    if (msg.config && 'codedWidth' in msg.config) this.configure(msg.config, this.audioConfig);
    if (!this.video.ready) return;
    if (this.seqGap(msg)) this.restartAtKeyframe(() => this.stats.seqGaps++);
    if (this.phase === 'live' && !this.live.stayLive(msg.timestampUs, msg.key, now, this.newestTs, this.video.decodeQueueSize)) return;
    if (this.waitingForKey) {
      if (!msg.key) return;
      this.waitingForKey = false;
      this.keyframeWanted = false;
      this.started = true;
    }
    if (this.phase === 'catch-up') {
      const tooLong = this.live.catchUpTooLong(now);
      if (this.video.decodeQueueSize <= CAUGHT_UP_DECODE_QUEUE) {
        this.phase = 'live';
        this.clock.settle(now);
      } else if (tooLong) {
        // This device decodes no faster than real time: the replay would keep it behind for good.
        // Drop it and start from a fresh keyframe (asked for), live.
        this.phase = 'live';
        this.clock.settle(now);
        this.live.resync('decoder', now);
        return;
      }
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
    this.arrivals.set(msg.timestampUs, now);
    if (this.arrivals.size > 300) this.arrivals.delete(this.arrivals.keys().next().value!);
    this.perf.decode.start(msg.timestampUs);
    this.video.decode(new EncodedVideoChunk({ type: msg.key ? 'key' : 'delta', timestamp: msg.timestampUs, duration: msg.durationUs, data: msg.data }));
  }

  /**
   * True when video chunks are missing before this one (its `seq` jumps) and it is not a keyframe:
   * the frames until the next keyframe depend on what is missing. Chunks without `seq` (an older
   * studio) are never a gap.
   */
  private seqGap(msg: ChunkMessage): boolean {
    return this.videoSeqs.observe(msg.seq, msg.key) && !this.waitingForKey;
  }

  private onFrame(frame: VideoFrame): void {
    this.perf.frames.track(frame);
    this.perf.decode.end(frame.timestamp);
    this.perf.decoded.tick();
    this.live.decoded(frame.timestamp);
    const prev = this.frames.at(-1);
    if (prev && frame.timestamp > prev.timestamp) {
      // The schedule may hold no more than the queue does (80 % of it, at this frame rate).
      this.clock.queueHoldsUs = 0.8 * MAX_QUEUED_FRAMES * Math.max(16_667, frame.timestamp - prev.timestamp);
      this.clock.maxDelayUs = Math.min(MAX_DELAY_US, this.clock.queueHoldsUs);
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
    this.av.expire();
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
    this.perf.paint.tick();
    const arrivedAt = this.arrivals.get(due.timestamp);
    if (arrivedAt !== undefined) this.stats.arrivalToDrawMs = Math.round((now - arrivedAt) / 1000);
    due.close();
    this.w.drawn++;
    this.stats.framesDrawn++;
    if (this.stats.firstFrameMs === null) this.stats.firstFrameMs = Math.round(performance.now() - this.openedAt);
    if (this.stats.state !== 'playing') this.setState('playing', null);
    // Every frame: one row of pixels is cheap, and A/V sync pairs a beep with the frame drawn nearest to it.
    {
      const y = Math.floor(timecodeBandHeight(this.canvas.height) / 2);
      const row = this.ctx.getImageData(0, y, this.canvas.width, 1).data;
      const nowMs = Date.now();
      const ts = readTimecode(row, this.canvas.width, 0, nowMs);
      this.stats.latencyMs = ts === null ? null : nowMs - ts;
      if (ts !== null) {
        if (this.stats.latencySamples.length < 200) this.stats.latencySamples.push([nowMs, nowMs - ts]);
        this.av.frameDrawn(nowMs, nowMs - ts);
      }
    }
  }

  private report(): void {
    const now = performance.now() * 1000;
    this.stats = { ...this.stats, phase: this.phase, atMs: Date.now(), fps: this.w.drawn * 2, bitrate: this.w.bytes * 16, bufferMs: Math.round(this.clock.bufferMs(now, this.newestTs)), decodeQueue: this.video.decodeQueueSize, frameQueue: this.frames.length, behindMs: this.live.behindMs, shed: { ...this.live.shed }, resyncs: this.live.resyncs, avSyncMs: this.av.avSyncMs };
    this.w = { drawn: 0, bytes: 0 };
    this.perf.queues.push([Math.round(performance.now() - this.openedAt), this.stats.decodeQueue, this.stats.frameQueue]);
    if (this.perf.queues.length > 600) this.perf.queues.shift();
    this.onStats(this.stats);
    this.stats.latencySamples = [];
  }

  get openVideoFrames(): number {
    return this.perf.frames.open;
  }

  /** What the monitoring points recorded since the last call. */
  takePerf(): PlayerPerf {
    const p = this.perf;
    const queues = p.queues;
    p.queues = [];
    return {
      receiveIntervalsMs: p.receive.take(),
      decodedIntervalsMs: p.decoded.take(),
      paintIntervalsMs: p.paint.take(),
      decodeMs: p.decode.take(),
      queues,
      openVideoFrames: p.frames.open,
      droppedFrames: this.stats.droppedFrames,
    };
  }

  private setState(state: RealtimeState, message: string | null): void {
    this.stats = { ...this.stats, state, message };
    this.onStats(this.stats);
  }
}
