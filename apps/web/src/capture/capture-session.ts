/**
 * Capture on the main thread: the shared screen/window/tab (or the test pattern), its audio and an
 * optional microphone mixed into one audio track. The mixed track always flows — silence when
 * nothing is connected — because the relay's Matroska muxer waits on every declared track.
 */
import { TabcastError, type VideoPreset } from '@tabcast/shared';
import { startTestPattern, type TestPattern } from './test-pattern.ts';

export type SourceKind = 'screen' | 'test-pattern';

export interface CaptureOptions {
  source: SourceKind;
  /** Ask for the tab's or system's audio with the screen share. */
  systemAudio: boolean;
  microphone: boolean;
  preset: VideoPreset;
}

export interface CaptureSession {
  /** What the studio previews (video only). */
  preview: MediaStream;
  video: MediaStreamTrack;
  /** The mixed audio track (never null; silent when there is no source). */
  audio: MediaStreamTrack;
  /** 'motion' | 'detail' | 'text' | '' — passed to the encoder as a content hint. */
  contentHint: string;
  /** Non-fatal problems to show (e.g. microphone denied). */
  warnings: string[];
  /** What the capture carries, for the status line. */
  describe: string;
  /** Called once if the user ends the share from the browser's own UI. */
  onEnded(cb: () => void): void;
  stop(): void;
}

function captureError(err: unknown, what: string): TabcastError {
  const name = (err as DOMException)?.name;
  if (name === 'NotAllowedError') return new TabcastError('capture-failed', `${what} was cancelled or blocked. Click "Go live" again and allow it.`);
  if (name === 'NotFoundError') return new TabcastError('capture-failed', `No ${what.toLowerCase()} source is available on this device.`);
  if (name === 'NotReadableError') return new TabcastError('capture-failed', `${what} could not start: the source is in use or the OS refused it.`);
  return new TabcastError('capture-failed', `${what} failed: ${(err as Error)?.message ?? String(err)}`);
}

export async function startCapture(o: CaptureOptions): Promise<CaptureSession> {
  if (!window.isSecureContext) {
    throw new TabcastError('capture-failed', 'Capture needs a secure page: open the studio over https:// or on http://localhost.');
  }
  const warnings: string[] = [];
  const cleanup: (() => void)[] = [];
  let display: MediaStream;
  let pattern: TestPattern | null = null;
  if (o.source === 'test-pattern') {
    pattern = startTestPattern(o.preset.width, o.preset.height, o.preset.frameRate);
    cleanup.push(pattern.stop);
    display = pattern.stream;
  } else {
    if (!navigator.mediaDevices?.getDisplayMedia) throw new TabcastError('capture-failed', 'This browser cannot share a screen (no getDisplayMedia).');
    try {
      display = await navigator.mediaDevices.getDisplayMedia({
        video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: o.preset.frameRate, max: o.preset.frameRate } },
        audio: o.systemAudio,
      });
    } catch (err) {
      throw captureError(err, 'Screen sharing');
    }
    cleanup.push(() => display.getTracks().forEach((t) => t.stop()));
  }
  const video = display.getVideoTracks()[0];
  if (!video) {
    cleanup.forEach((f) => f());
    throw new TabcastError('capture-failed', 'The shared source has no video.');
  }

  // Mix tab/system audio and the microphone into one track at 48 kHz.
  const audioCtx = new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
  cleanup.push(() => void audioCtx.close());
  const mix = audioCtx.createMediaStreamDestination();
  mix.channelCount = 2;
  // A destination with nothing connected produces no audio at all (measured in Chromium 156), so a
  // zero-valued source keeps silence flowing and the relay's muxer never waits on the audio track.
  const silence = new ConstantSourceNode(audioCtx, { offset: 0 });
  silence.connect(mix);
  silence.start();
  const sources: string[] = [];
  if (pattern && o.systemAudio) {
    // The test pattern's "tab audio" is its own beep.
    pattern.attachBeep(audioCtx, mix);
    sources.push('a beep each second');
  }
  const displayAudio = display.getAudioTracks()[0];
  if (displayAudio) {
    audioCtx.createMediaStreamSource(new MediaStream([displayAudio])).connect(mix);
    sources.push('tab/system audio');
  } else if (o.systemAudio && o.source === 'screen') {
    warnings.push('No tab or system audio was shared (tick "Share audio" in the browser\'s picker to include it).');
  }
  if (o.microphone) {
    try {
      const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
      cleanup.push(() => mic.getTracks().forEach((t) => t.stop()));
      audioCtx.createMediaStreamSource(mic).connect(mix);
      sources.push('microphone');
    } catch (err) {
      warnings.push(captureError(err, 'Microphone').message + ' Going live without it.');
    }
  }
  if (audioCtx.state === 'suspended') await audioCtx.resume().catch(() => undefined);
  const audio = mix.stream.getAudioTracks()[0]!;

  const settings = video.getSettings();
  const contentHint = video.contentHint || (o.source === 'test-pattern' ? 'motion' : settings.displaySurface === 'browser' ? 'detail' : 'detail');
  const size = settings.width && settings.height ? `${settings.width}×${settings.height}` : 'unknown size';
  const describe = `${o.source === 'test-pattern' ? 'test pattern' : (settings.displaySurface ?? 'screen')} ${size}${sources.length ? ' + ' + sources.join(' + ') : ', no audio (silence sent)'}`;

  let endedCb: (() => void) | null = null;
  video.addEventListener('ended', () => endedCb?.(), { once: true });
  let stopped = false;
  return {
    preview: new MediaStream([video]),
    video,
    audio,
    contentHint,
    warnings,
    describe,
    onEnded: (cb) => (endedCb = cb),
    stop: () => {
      if (stopped) return;
      stopped = true;
      endedCb = null;
      video.stop();
      audio.stop();
      cleanup.forEach((f) => f());
    },
  };
}
